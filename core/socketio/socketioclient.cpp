#include "socketio/socketioclient.h"

#include "socketio/socketiologging.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <utility>

Q_LOGGING_CATEGORY(lcSocketIo, "sioscope.socketio", QtInfoMsg)

SocketIoClient::SocketIoClient(QObject *parent)
    : QObject(parent)
    , m_engine(new EngineIoClient(this))
{
    m_attachmentTimer.setSingleShot(true);
    connect(&m_attachmentTimer, &QTimer::timeout, this, [this] {
        if (!m_decoder.isAwaitingAttachments())
            return;
        const SocketIoPacket partial = m_decoder.pendingPacket();
        const int expected = int(partial.attachments.size()) + m_decoder.pendingAttachmentCount();
        const QString error =
            QStringLiteral("attachment timeout: %1 of %2 attachments arrived within %3 ms "
                           "(SocketIoOptions::attachmentTimeoutMs)")
                .arg(partial.attachments.size())
                .arg(expected)
                .arg(m_options.attachmentTimeoutMs);
        recordIncomplete(partial, m_pendingRaw, expected, error);
        m_decoder.reset();
        m_pendingRaw.clear();
        m_protocolFailed = true;
        qCWarning(lcSocketIo) << "protocol error:" << error << "- closing the connection";
        Q_EMIT errorOccurred(error);
        m_engine->close();
    });
    // Packets.
    connect(m_engine, &EngineIoClient::openReceived, this, &SocketIoClient::handleOpen);
    connect(m_engine, &EngineIoClient::messageReceived, this, &SocketIoClient::handleMessage);
    connect(m_engine, &EngineIoClient::packetSent, this,
            [this](const EngineIoPacket &packet, TransportKind transport) {
                recordEnginePacket(packet, transport, PacketRecord::Direction::Out);
            });
    connect(m_engine, &EngineIoClient::packetReceived, this,
            [this](const EngineIoPacket &packet, TransportKind transport) {
                m_rxTransport = transport;
                recordEnginePacket(packet, transport, PacketRecord::Direction::In);
            });

    // Lifecycle.
    connect(m_engine, &EngineIoClient::stateChanged, this, [this] { updateState(); });
    connect(m_engine, &EngineIoClient::connecting, this,
            [this](const QUrl &url, TransportKind transport, EngineIoVersion version) {
                recordNote(PacketRecord::Connecting,
                           PacketRecord::detailsJson(
                               {{QStringLiteral("url"), url.toString()},
                                {QStringLiteral("transport"), transportName(transport)},
                                {QStringLiteral("eio"), int(version)}}));
            });
    connect(m_engine, &EngineIoClient::transportOpened, this, [this](TransportKind transport) {
        recordNote(
            PacketRecord::TransportOpened,
            PacketRecord::detailsJson({{QStringLiteral("transport"), transportName(transport)}}));
    });
    connect(m_engine, &EngineIoClient::upgradeStarted, this, [this] {
        recordNote(PacketRecord::Upgrading,
                   PacketRecord::detailsJson(
                       {{QStringLiteral("from"), transportName(m_engine->transport())},
                        {QStringLiteral("to"), transportName(TransportKind::WebSocket)}}));
    });
    connect(m_engine, &EngineIoClient::upgraded, this, [this](TransportKind transport) {
        recordNote(PacketRecord::Upgraded, PacketRecord::detailsJson({{QStringLiteral("transport"),
                                                                       transportName(transport)}}));
    });
    connect(m_engine, &EngineIoClient::upgradeFailed, this, [this](const QString &reason) {
        recordNote(
            PacketRecord::Warning,
            PacketRecord::detailsJson({{QStringLiteral("what"), QStringLiteral("upgrade failed")},
                                       {QStringLiteral("reason"), reason}}),
            QStringLiteral("upgrade failed: %1").arg(reason));
        Q_EMIT warningRaised(QStringLiteral("upgrade failed: %1").arg(reason));
    });
    connect(m_engine, &EngineIoClient::closed, this, &SocketIoClient::handleClosed);
    connect(m_engine, &EngineIoClient::errorOccurred, this, [this](const EngineIoError &error) {
        PacketRecord r;
        r.direction = PacketRecord::Direction::In;
        r.layer = PacketRecord::Layer::Connection;
        r.type = PacketRecord::Error;
        r.transport = m_engine->transport();
        r.payload = PacketRecord::detailsJson(
            {{QStringLiteral("layer"), QStringLiteral("eio")},
             {QStringLiteral("kind"), EngineIoError::kindName(error.kind)}});
        r.raw = error.frame;
        r.error = error.message;
        record(r);
        Q_EMIT errorOccurred(error.message);
    });
    connect(m_engine, &EngineIoClient::warningRaised, this, [this](const QString &message) {
        recordNote(PacketRecord::Warning,
                   PacketRecord::detailsJson({{QStringLiteral("message"), message}}), message);
        Q_EMIT warningRaised(message);
    });
    connect(m_engine, &EngineIoClient::reconnectScheduled, this, [this](int attempt, int delayMs) {
        recordNote(PacketRecord::Reconnecting,
                   PacketRecord::detailsJson({{QStringLiteral("attempt"), attempt},
                                              {QStringLiteral("delayMs"), delayMs}}));
    });
    connect(m_engine, &EngineIoClient::reconnectGaveUp, this, [this](int attempts) {
        const QString message =
            QStringLiteral("reconnection gave up after %1 attempts").arg(attempts);
        recordNote(PacketRecord::Error,
                   PacketRecord::detailsJson({{QStringLiteral("attempts"), attempts}}), message);
        m_reconnecting = false;
        for (SocketIoNamespace *ns : std::as_const(m_namespaces)) {
            if (ns->state() == SocketIoNamespace::State::Connecting)
                ns->setState(SocketIoNamespace::State::Disconnected);
        }
        updateState();
        Q_EMIT errorOccurred(message);
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
    m_decoder.setLimits(options.limits);
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
    m_protocolFailed = false;
    m_reconnecting = false;
    if (m_options.engine.version == EngineIoOptions::Version::V3)
        m_protocol = SocketIoProtocol::V4;
    else if (m_options.engine.version == EngineIoOptions::Version::V4)
        m_protocol = SocketIoProtocol::V5;
    for (SocketIoNamespace *ns : std::as_const(m_namespaces))
        ns->m_recoverNext = false; // a fresh connection is never a recovery
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
        ns->m_recoverNext = false;
        ns->failPendingAcks(QStringLiteral("disconnected from the server"));
        if (wasConnected || ns->state() == SocketIoNamespace::State::Connecting)
            ns->setState(SocketIoNamespace::State::Disconnected);
        if (wasConnected)
            Q_EMIT ns->disconnected(false);
    }
    abandonPendingPacket(QStringLiteral("the connection was closed by the user"));
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
    if (!SocketIoEncoder::validate(packet, m_protocol, error))
        return false;
    const QByteArray text = SocketIoEncoder::encode(packet, m_protocol);
    const QList<EngineIoPacket> messages = SocketIoEncoder::messages(packet, text);

    PacketRecord r = PacketRecord::fromSocketIoPacket(packet, PacketRecord::Direction::Out,
                                                      m_engine->transport(), '4' + text);
    r.timeUs = PacketRecord::nowUs();

    if (!m_engine->sendMessages(messages)) {
        *error = QStringLiteral("the Engine.IO connection is not open");
        return false;
    }
    record(r);
    return true;
}

void SocketIoClient::handleOpen(const EngineIoHandshake &handshake)
{
    m_protocol =
        m_engine->version() == EngineIoVersion::V3 ? SocketIoProtocol::V4 : SocketIoProtocol::V5;
    m_decoder.setProtocol(m_protocol);
    m_decoder.setLimits(m_options.limits);
    abandonPendingPacket(QStringLiteral("a new session opened"));
    m_nextAckId = 0; // ack ids are per connection
    m_protocolFailed = false;
    m_reconnecting = false;
    qCDebug(lcSocketIo) << "open, sid" << handshake.sid << "protocol" << int(m_protocol);

    if (m_protocol == SocketIoProtocol::V4) {
        // socket.io 2.x joins "/" by itself and sends "0" right after the open packet.
        SocketIoNamespace *root = findNamespace(QStringLiteral("/"));
        if (!root)
            root = createNamespace(QStringLiteral("/"));
        root->m_wanted = true;
        root->setState(SocketIoNamespace::State::Connecting);
    }
    const auto all = m_namespaces.values();
    for (SocketIoNamespace *ns : all) {
        if (!ns->m_wanted)
            continue;
        if (m_protocol == SocketIoProtocol::V4 && ns->name() == QLatin1String("/"))
            continue;
        QString error;
        if (!ns->sendConnect(&error)) {
            qCWarning(lcSocketIo) << "cannot connect namespace" << ns->name() << error;
            Q_EMIT errorOccurred(
                QStringLiteral("cannot connect namespace %1: %2").arg(ns->name(), error));
        }
    }
    updateState();
}

void SocketIoClient::handleMessage(const QByteArray &data, bool binary)
{
    if (m_protocolFailed)
        return; // the rest of a payload that followed the offending packet; the session is over
    // A packet awaiting attachments is lost if this message breaks a rule: keep what it was.
    const bool wasAwaiting = m_decoder.isAwaitingAttachments();
    const SocketIoPacket partial = wasAwaiting ? m_decoder.pendingPacket() : SocketIoPacket();
    const int expected =
        wasAwaiting ? int(partial.attachments.size()) + m_decoder.pendingAttachmentCount() : 0;
    const QByteArray partialRaw = wasAwaiting ? m_pendingRaw : QByteArray();
    SocketIoDecoder::Status status;
    if (binary) {
        status = m_decoder.decodeBinary(data);
    } else {
        m_pendingRaw = QByteArray(1, '4') + data;
        status = m_decoder.decodeText(data);
    }
    switch (status) {
    case SocketIoDecoder::Status::PacketReady: {
        m_attachmentTimer.stop();
        const QByteArray raw = std::exchange(m_pendingRaw, {});
        finishPacket(m_decoder.takePacket(), raw);
        break;
    }
    case SocketIoDecoder::Status::NeedAttachments:
        if (!wasAwaiting && m_options.attachmentTimeoutMs > 0)
            m_attachmentTimer.start(m_options.attachmentTimeoutMs);
        break;
    case SocketIoDecoder::Status::Error:
        m_attachmentTimer.stop();
        if (wasAwaiting) {
            recordIncomplete(partial, partialRaw, expected,
                             QStringLiteral("the next message broke a rule (see the next record)"));
        }
        closeConnection(m_decoder.errorString(), binary ? data : QByteArray(1, '4') + data, binary);
        break;
    }
}

void SocketIoClient::finishPacket(const SocketIoPacket &packet, const QByteArray &raw)
{
    PacketRecord r =
        PacketRecord::fromSocketIoPacket(packet, PacketRecord::Direction::In, m_rxTransport, raw);

    const bool connectAnswer =
        packet.type == SocketIoPacket::Connect || packet.type == SocketIoPacket::ConnectError;
    SocketIoNamespace *ns = findNamespace(packet.nsp);
    if (!ns && connectAnswer) {
        // A CONNECT answer is the truth about the server's side (socket.io 2.x joins "/" by
        // itself, and may refuse it): represent the namespace.
        ns = createNamespace(packet.nsp);
    }
    if (!ns) {
        r.error = QStringLiteral("packet for namespace %1, which was never joined: ignored")
                      .arg(packet.nsp);
        record(r);
        qCWarning(lcSocketIo) << r.error;
        Q_EMIT warningRaised(r.error);
        return;
    }

    const bool isAck =
        packet.type == SocketIoPacket::Ack || packet.type == SocketIoPacket::BinaryAck;
    const auto pending =
        isAck ? ns->m_pendingAcks.constFind(packet.id) : ns->m_pendingAcks.constEnd();
    if (isAck && pending != ns->m_pendingAcks.constEnd())
        r.rttUs = pending->elapsed.nsecsElapsed() / 1000;
    if (isAck && pending == ns->m_pendingAcks.constEnd()) {
        // socket.io-client ignores it ("bad ack"); so do we, but the user should know.
        r.error = QStringLiteral("ACK for id %1 on %2 matches no pending ack (unknown or timed "
                                 "out): ignored")
                      .arg(packet.id)
                      .arg(packet.nsp);
    }
    record(r);

    switch (packet.type) {
    case SocketIoPacket::Connect:
        ns->processConnect(packet);
        if (ns->wasRecovered()) {
            recordNote(PacketRecord::Recovered,
                       PacketRecord::detailsJson({{QStringLiteral("nsp"), ns->name()},
                                                  {QStringLiteral("sid"), ns->sid()},
                                                  {QStringLiteral("pid"), ns->m_pid}}));
        }
        Q_EMIT connectReceived(packet);
        break;
    case SocketIoPacket::ConnectError:
        ns->processConnectError(packet);
        Q_EMIT connectErrorReceived(packet);
        break;
    case SocketIoPacket::Disconnect:
        ns->processDisconnect();
        Q_EMIT disconnectReceived(packet);
        break;
    case SocketIoPacket::Event:
        ns->processEvent(packet);
        Q_EMIT eventReceived(packet);
        break;
    case SocketIoPacket::BinaryEvent:
        ns->processEvent(packet);
        Q_EMIT binaryEventReceived(packet);
        break;
    case SocketIoPacket::Ack:
    case SocketIoPacket::BinaryAck:
        if (!r.error.isEmpty()) {
            qCWarning(lcSocketIo) << r.error;
            Q_EMIT warningRaised(r.error);
        } else {
            ns->processAck(packet, r.rttUs);
        }
        if (packet.type == SocketIoPacket::Ack)
            Q_EMIT ackReceived(packet);
        else
            Q_EMIT binaryAckReceived(packet);
        break;
    }
}

void SocketIoClient::closeConnection(const QString &error, const QByteArray &offendingFrame,
                                     bool binaryFrame)
{
    qCWarning(lcSocketIo) << "protocol error:" << error << "- closing the connection";
    record(PacketRecord::offendingSocketIoFrame(offendingFrame, binaryFrame, m_rxTransport, error));

    m_attachmentTimer.stop();
    m_decoder.reset();
    m_pendingRaw.clear();
    m_protocolFailed = true;
    Q_EMIT errorOccurred(error);
    // The spec says the receiver MUST close the connection. This is deliberate at the Engine.IO
    // level, so the engine does not reconnect into the same error.
    m_engine->close();
}

void SocketIoClient::handleClosed(const QString &reason, bool deliberate, bool willReconnect)
{
    qCDebug(lcSocketIo) << "closed:" << reason << "deliberate" << deliberate << "reconnect"
                        << willReconnect;
    recordNote(PacketRecord::Closed,
               PacketRecord::detailsJson({{QStringLiteral("reason"), reason},
                                          {QStringLiteral("deliberate"), deliberate},
                                          {QStringLiteral("willReconnect"), willReconnect}}));
    abandonPendingPacket(QStringLiteral("the connection closed: %1").arg(reason));
    const bool reconnect = willReconnect && !deliberate && !m_deliberateClose;
    m_reconnecting = reconnect;
    for (SocketIoNamespace *ns : std::as_const(m_namespaces))
        ns->connectionLost(reconnect);
    updateState();
}

void SocketIoClient::recordIncomplete(const SocketIoPacket &partial, const QByteArray &raw,
                                      int expected, const QString &why)
{
    PacketRecord r;
    r.direction = PacketRecord::Direction::In;
    r.layer = PacketRecord::Layer::SocketIo;
    r.type = partial.type;
    r.transport = m_rxTransport;
    r.nsp = partial.nsp;
    r.id = partial.id;
    r.payload = partial.payload;
    r.attachments = partial.attachments;
    r.raw = raw;
    r.error = QStringLiteral("incomplete %1: %2 of %3 attachments received; %4")
                  .arg(SocketIoPacket::typeName(partial.type))
                  .arg(partial.attachments.size())
                  .arg(expected)
                  .arg(why);
    record(r);
}

void SocketIoClient::abandonPendingPacket(const QString &why)
{
    m_attachmentTimer.stop();
    if (m_decoder.isAwaitingAttachments()) {
        const SocketIoPacket partial = m_decoder.pendingPacket();
        recordIncomplete(partial, m_pendingRaw,
                         int(partial.attachments.size()) + m_decoder.pendingAttachmentCount(), why);
    }
    m_decoder.reset();
    m_pendingRaw.clear();
}

void SocketIoClient::recordEnginePacket(const EngineIoPacket &packet, TransportKind transport,
                                        PacketRecord::Direction direction)
{
    if (packet.type == EngineIoPacket::Message)
        return; // carries a Socket.IO packet (or an attachment): recorded at that layer
    record(PacketRecord::fromEngineIoPacket(packet, direction, transport));
}

void SocketIoClient::record(PacketRecord record)
{
    if (record.timeUs == 0)
        record.timeUs = PacketRecord::nowUs();
    Q_EMIT packetRecorded(record);
}

void SocketIoClient::recordNote(PacketRecord::Note note, const QByteArray &detailsJson,
                                const QString &error)
{
    PacketRecord r;
    r.direction = PacketRecord::Direction::In;
    r.layer = PacketRecord::Layer::Connection;
    r.type = note;
    r.transport = m_engine->transport();
    r.payload = detailsJson;
    r.error = error;
    record(r);
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
