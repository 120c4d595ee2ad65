#include "socketio/socketioclient.h"

#include "socketio/clientrecorder.h"
#include "socketio/socketiologging.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <utility>

Q_LOGGING_CATEGORY(lcSocketIo, "sioscope.socketio", QtInfoMsg)

SocketIoClient::SocketIoClient(QObject *parent)
    : QObject(parent)
    , m_engine(new EngineIoClient(this))
    , m_session(new SessionDecoder(this))
{
    m_session->setParser(m_parser);
    connect(m_session, &SessionDecoder::packetRecorded, this, &SocketIoClient::packetRecorded);
    // First, so that what the engine reports is recorded before the client reacts to it.
    new EngineIoClientRecorder(m_engine, m_session, this);

    m_attachmentTimer.setSingleShot(true);
    connect(&m_attachmentTimer, &QTimer::timeout, this, &SocketIoClient::handleAttachmentTimeout);
    connect(m_engine, &EngineIoClient::openReceived, this, &SocketIoClient::handleOpen);
    connect(m_engine, &EngineIoClient::messageReceived, this, &SocketIoClient::handleMessage);
    connect(m_engine, &EngineIoClient::closed, this, &SocketIoClient::handleClosed);
    connect(m_engine, &EngineIoClient::stateChanged, this, [this] { updateState(); });
    connect(m_engine, &EngineIoClient::upgradeFailed, this, [this](const QString &reason) {
        Q_EMIT warningRaised(QStringLiteral("upgrade failed: %1").arg(reason));
    });
    connect(m_engine, &EngineIoClient::errorOccurred, this, [this](const EngineIoError &error) {
        m_sessionUnknown = error.serverCode == EngineIoErrorCode::UnknownSid;
        Q_EMIT errorOccurred(SocketIoError(error));
    });
    connect(m_engine, &EngineIoClient::warningRaised, this, &SocketIoClient::warningRaised);
    connect(m_engine, &EngineIoClient::reconnectGaveUp, this, [this](int attempts) {
        m_reconnecting = false;
        for (SocketIoNamespace *ns : std::as_const(m_namespaces))
            ns->reconnectionEnded();
        updateState();
        Q_EMIT errorOccurred(
            SocketIoError(SocketIoError::Kind::ReconnectGaveUp,
                          QStringLiteral("reconnection gave up after %1 attempts").arg(attempts)));
    });
}

SocketIoClient::~SocketIoClient()
{
    // The engine is a child; stop listening to it before it goes away with us.
    disconnect(m_engine, nullptr, this, nullptr);
}

void SocketIoClient::setOptions(const SocketIoOptions &options)
{
    m_options = options;
    m_session->setLimits(options.limits);
    m_engine->setOptions(options.engine);
}

bool SocketIoClient::isEngineOpen() const
{
    return m_engine->state() == EngineIoClient::State::Open;
}

SocketIoProtocol SocketIoClient::protocol() const
{
    return m_protocol;
}

void SocketIoClient::connectToServer()
{
    m_deliberateClose = false;
    m_reconnecting = false;
    if (m_options.engine.version == EngineIoOptions::Version::V3)
        m_protocol = SocketIoProtocol::V4;
    else if (m_options.engine.version == EngineIoOptions::Version::V4)
        m_protocol = SocketIoProtocol::V5;
    m_parser = m_options.parser == SocketIoParser::Kind::Msgpack
                   ? static_cast<const SocketIoParser *>(&m_msgpackParser)
                   : &m_textParser;
    m_parserSwitched = false;
    m_reopenWithMsgpack = false;
    m_session->setParser(m_parser);
    m_session->start(m_protocol);
    for (SocketIoNamespace *ns : std::as_const(m_namespaces))
        ns->forgetRecovery(); // a fresh connection is never a recovery
    m_engine->setOptions(m_options.engine);
    qCDebug(lcSocketIo) << "connecting to" << m_options.engine.url;
    m_engine->open();
    updateState();
}

void SocketIoClient::disconnectFromServer()
{
    m_deliberateClose = true;
    m_reconnecting = false;
    // Leave every namespace (they stay "wanted": the next connectToServer joins them again).
    for (SocketIoNamespace *ns : std::as_const(m_namespaces)) {
        const bool wasConnected = ns->state() == SocketIoNamespace::State::Connected;
        if (wasConnected && isEngineOpen()) {
            QString error;
            if (!sendPacket(SocketIoPacket(SocketIoPacket::Disconnect, ns->name()), &error))
                qCWarning(lcSocketIo) << "cannot send DISCONNECT for" << ns->name() << error;
        }
        ns->leftWithConnection(QStringLiteral("disconnected from the server"));
    }
    m_attachmentTimer.stop();
    m_session->abandonPartial(PacketRecord::Direction::In,
                              QStringLiteral("the connection was closed by the user"));
    m_engine->close();
    updateState();
}

SocketIoNamespace *SocketIoClient::createNamespace(const QString &name)
{
    auto *ns = new SocketIoNamespace(name, this);
    m_namespaces.insert(name, ns);
    Q_EMIT namespaceAdded(ns);
    return ns;
}

SocketIoNamespace *SocketIoClient::joinNamespace(const QString &name, const QJsonObject &auth)
{
    const QString nsp = SocketIoPacket::normalizedNamespace(name);
    SocketIoNamespace *ns = findNamespace(nsp);
    if (!ns)
        ns = createNamespace(nsp);
    if (!auth.isEmpty())
        ns->setAuth(auth);
    ns->connectToNamespace();
    return ns;
}

SocketIoNamespace *SocketIoClient::findNamespace(const QString &name) const
{
    return m_namespaces.value(SocketIoPacket::normalizedNamespace(name), nullptr);
}

QList<SocketIoNamespace *> SocketIoClient::namespaces() const
{
    return m_namespaces.values();
}

bool SocketIoClient::sendPacket(const SocketIoPacket &packet, QString *error)
{
    if (!isEngineOpen()) {
        *error = QStringLiteral("not connected to the server");
        return false;
    }
    SocketIoParser::Encoded encoded;
    if (!m_parser->checkAndEncode(packet, m_protocol, &encoded, error))
        return false;
    PacketRecord r = m_session->sentRecord(packet, encoded.raw, m_engine->transport());
    r.timeUs = PacketRecord::nowUs();
    if (!m_engine->sendMessages(encoded.messages)) {
        *error = QStringLiteral("the Engine.IO connection is not open");
        return false;
    }
    m_session->record(std::move(r));
    return true;
}

void SocketIoClient::ackTimedOut(const QString &nsp, qint64 id, const QString &eventName)
{
    m_session->forgetAck(PacketRecord::Direction::Out, nsp, id);
    PacketRecord note = PacketRecord::ackTimeoutNote(nsp, id, eventName);
    note.transport = m_engine->transport();
    m_session->record(note);
}

void SocketIoClient::reportError(const SocketIoError &error)
{
    Q_EMIT errorOccurred(error);
}

void SocketIoClient::reportWarning(const QString &message)
{
    Q_EMIT warningRaised(message);
}

void SocketIoClient::handleOpen(const EngineIoHandshake &handshake)
{
    m_protocol =
        m_engine->version() == EngineIoVersion::V3 ? SocketIoProtocol::V4 : SocketIoProtocol::V5;
    m_attachmentTimer.stop();
    m_session->setLimits(m_options.limits);
    m_session->start(m_protocol); // records a packet still awaiting its attachments
    m_nextAckId = 0;              // ack ids are per connection
    m_reconnecting = false;
    m_connectSent = false;
    m_packetReceived = false;
    m_sessionUnknown = false;
    qCDebug(lcSocketIo) << "open, sid" << handshake.sid << "protocol" << int(m_protocol);

    if (m_protocol == SocketIoProtocol::V4) {
        // socket.io 2.x joins "/" by itself and sends "0" right after the open packet.
        SocketIoNamespace *root = findNamespace(QStringLiteral("/"));
        if (!root)
            root = createNamespace(QStringLiteral("/"));
        root->joinedByServer();
    }
    const auto all = m_namespaces.values();
    for (SocketIoNamespace *ns : all) {
        if (!ns->isWanted())
            continue;
        if (m_protocol == SocketIoProtocol::V4 && ns->name() == QLatin1String("/"))
            continue;
        QString error;
        if (ns->sendConnect(&error)) {
            m_connectSent = true;
        } else {
            qCWarning(lcSocketIo) << "cannot connect namespace" << ns->name() << error;
            Q_EMIT errorOccurred(SocketIoError(
                SocketIoError::Kind::NamespaceConnectFailed,
                QStringLiteral("cannot connect namespace %1: %2").arg(ns->name(), error)));
        }
    }
    updateState();
}

bool SocketIoClient::isDetectingParser() const
{
    return m_options.parser == SocketIoParser::Kind::Auto && m_parser == &m_textParser &&
           !m_parserSwitched && m_protocol == SocketIoProtocol::V5;
}

void SocketIoClient::switchToMsgpack(const QString &reason)
{
    qCInfo(lcSocketIo) << "switching to the msgpack parser:" << reason;
    m_parserSwitched = true;
    m_session->record(PacketRecord::note(
        PacketRecord::ParserChanged,
        {{QStringLiteral("from"), SocketIoParser::kindName(SocketIoParser::Kind::Default)},
         {QStringLiteral("to"), SocketIoParser::kindName(SocketIoParser::Kind::Msgpack)},
         {QStringLiteral("reason"), reason}},
        m_engine->transport()));
    m_parser = &m_msgpackParser;
    m_session->setParser(m_parser);
}

void SocketIoClient::handleMessage(const QByteArray &data, bool binary)
{
    if (binary && isDetectingParser() && !m_session->isAssembling(PacketRecord::Direction::In)) {
        // The text parser takes a binary message only as an attachment. One that decodes as a
        // msgpack packet says what the server speaks: reopen the session with msgpack.
        SocketIoPacket packet;
        QString error;
        if (SocketIoMsgpackParser::decodePacket(data, m_options.limits, &packet, &error)) {
            switchToMsgpack(QStringLiteral("the server sent a binary message that decodes as a "
                                           "msgpack %1 packet on %2")
                                .arg(SocketIoPacket::typeName(packet.type), packet.nsp));
            m_reopenWithMsgpack = true;
            m_engine->close();
            return;
        }
    }
    SessionDecoder::Decoded decoded =
        m_session->decodeMessage(PacketRecord::Direction::In, data, binary);
    switch (decoded.status) {
    case SessionDecoder::Decoded::Status::PacketReady:
        m_attachmentTimer.stop();
        m_packetReceived = true;
        finishPacket(decoded.packet, std::move(decoded.record));
        break;
    case SessionDecoder::Decoded::Status::NeedMoreMessages:
        if (!m_attachmentTimer.isActive() && m_options.attachmentTimeoutMs > 0)
            m_attachmentTimer.start(m_options.attachmentTimeoutMs);
        break;
    case SessionDecoder::Decoded::Status::Error:
        closeConnection(SocketIoError(SocketIoError::Kind::InvalidPacket, decoded.error));
        break;
    case SessionDecoder::Decoded::Status::Dropped:
        break; // the rest of a payload that followed the offending packet; the session is over
    }
}

void SocketIoClient::handleAttachmentTimeout()
{
    const auto in = PacketRecord::Direction::In;
    if (!m_session->isAssembling(in))
        return;
    const QString error =
        QStringLiteral("attachment timeout: %1 of %2 attachments arrived within %3 ms "
                       "(SocketIoOptions::attachmentTimeoutMs)")
            .arg(m_session->receivedParts(in))
            .arg(m_session->announcedParts(in))
            .arg(m_options.attachmentTimeoutMs);
    m_session->stop(in, error);
    closeConnection(SocketIoError(SocketIoError::Kind::AttachmentTimeout, error));
}

void SocketIoClient::finishPacket(const SocketIoPacket &packet, PacketRecord record)
{
    const bool connectAnswer =
        packet.type == SocketIoPacket::Connect || packet.type == SocketIoPacket::ConnectError;
    SocketIoNamespace *ns = findNamespace(packet.nsp);
    if (!ns && connectAnswer) {
        // A CONNECT answer is the truth about the server's side (socket.io 2.x joins "/" by
        // itself, and may refuse it): represent the namespace.
        ns = createNamespace(packet.nsp);
    }
    if (!ns) {
        record.error = QStringLiteral("packet for namespace %1, which was never joined: ignored")
                           .arg(packet.nsp);
        m_session->record(record);
        qCWarning(lcSocketIo) << record.error;
        Q_EMIT warningRaised(record.error);
        return;
    }

    const bool isAck =
        packet.type == SocketIoPacket::Ack || packet.type == SocketIoPacket::BinaryAck;
    // The namespace decides whether an ACK is still awaited (it knows the timeouts and the
    // disconnections); the session decoder measured the round trip.
    if (isAck && !ns->hasPendingAck(packet.id)) {
        // socket.io-client ignores it ("bad ack"); so do we, but the user should know.
        record.rttUs = -1;
        record.error =
            QStringLiteral("ACK for id %1 on %2 matches no pending ack (unknown or timed "
                           "out): ignored")
                .arg(packet.id)
                .arg(packet.nsp);
    }
    // What the ACK's handling needs, kept before the record goes.
    const QString ackError = record.error;
    const qint64 rttUs = record.rttUs;
    m_session->record(std::move(record));

    switch (packet.type) {
    case SocketIoPacket::Connect:
        finishConnect(ns, packet);
        break;
    case SocketIoPacket::ConnectError:
        finishConnectError(ns, packet);
        break;
    case SocketIoPacket::Disconnect:
        finishDisconnect(ns);
        break;
    case SocketIoPacket::Event:
    case SocketIoPacket::BinaryEvent:
        finishEvent(ns, packet);
        break;
    case SocketIoPacket::Ack:
    case SocketIoPacket::BinaryAck:
        finishAck(ns, packet, rttUs, ackError);
        break;
    }
    Q_EMIT packetReceived(packet);
}

void SocketIoClient::finishConnect(SocketIoNamespace *ns, const SocketIoPacket &packet)
{
    ns->processConnect(packet);
    if (ns->wasRecovered()) {
        m_session->record(PacketRecord::note(PacketRecord::Recovered,
                                             {{QStringLiteral("nsp"), ns->name()},
                                              {QStringLiteral("sid"), ns->sid()},
                                              {QStringLiteral("pid"), ns->pid()}},
                                             m_engine->transport()));
    }
}

void SocketIoClient::finishConnectError(SocketIoNamespace *ns, const SocketIoPacket &packet)
{
    ns->processConnectError(packet);
}

void SocketIoClient::finishDisconnect(SocketIoNamespace *ns)
{
    ns->processDisconnect();
}

void SocketIoClient::finishEvent(SocketIoNamespace *ns, const SocketIoPacket &packet)
{
    ns->processEvent(packet);
}

void SocketIoClient::finishAck(SocketIoNamespace *ns, const SocketIoPacket &packet, qint64 rttUs,
                               const QString &error)
{
    if (!error.isEmpty()) {
        qCWarning(lcSocketIo) << error;
        Q_EMIT warningRaised(error);
        return;
    }
    ns->processAck(packet, rttUs);
}

void SocketIoClient::closeConnection(const SocketIoError &error)
{
    qCWarning(lcSocketIo) << "protocol error:" << error.message << "- closing the connection";
    m_attachmentTimer.stop();
    Q_EMIT errorOccurred(error);
    m_engine->close();
}

void SocketIoClient::handleClosed(const QString &reason, bool deliberate, bool willReconnect)
{
    qCDebug(lcSocketIo) << "closed:" << reason << "deliberate" << deliberate << "reconnect"
                        << willReconnect;
    m_attachmentTimer.stop();
    m_session->abandonPartial(PacketRecord::Direction::In,
                              QStringLiteral("the connection closed: %1").arg(reason));
    // The auto parser: a server that ends the session right after our first CONNECT, without a
    // Socket.IO packet, could not read it; socket.io-msgpack-parser cannot read a text CONNECT.
    // Not when a request was refused as "Session ID unknown": that is a load balancer sending
    // it to a server without the session (a msgpack server closes the session it could not
    // read, and the poll in flight gets the CLOSE packet).
    if (!deliberate && !m_deliberateClose && isDetectingParser() && m_connectSent &&
        !m_packetReceived && !m_sessionUnknown) {
        switchToMsgpack(QStringLiteral("the server ended the session right after our first "
                                       "CONNECT without a Socket.IO packet (%1): it may use "
                                       "socket.io-msgpack-parser")
                            .arg(reason));
        m_reopenWithMsgpack = !willReconnect; // else the engine's own reconnection reopens it
    }
    const bool reopen = std::exchange(m_reopenWithMsgpack, false) && !m_deliberateClose;
    const bool reconnect = (willReconnect && !deliberate && !m_deliberateClose) || reopen;
    m_reconnecting = reconnect;
    for (SocketIoNamespace *ns : std::as_const(m_namespaces))
        ns->connectionLost(reconnect);
    updateState();
    if (reopen) {
        QTimer::singleShot(0, this, [this] {
            if (m_deliberateClose || m_engine->state() != EngineIoClient::State::Disconnected)
                return;
            m_session->start(m_protocol);
            m_engine->open();
            updateState();
        });
    }
}

void SocketIoClient::updateState()
{
    State state = m_state;
    switch (m_engine->state()) {
    case EngineIoClient::State::Disconnected:
    case EngineIoClient::State::Closing:
        state = State::Disconnected;
        break;
    case EngineIoClient::State::Connecting:
        state = (m_reconnecting || m_engine->reconnectAttempt() > 0) ? State::Reconnecting
                                                                     : State::Connecting;
        break;
    case EngineIoClient::State::Open:
        state = State::Connected;
        break;
    case EngineIoClient::State::WaitingToReconnect:
        state = State::Reconnecting;
        break;
    }
    setState(state);
}

void SocketIoClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}
