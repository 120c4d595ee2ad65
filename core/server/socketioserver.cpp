#include "server/socketioserver.h"

#include "server/serverlogging.h"
#include "server/serverrecorder.h"

#include <QBasicTimer>
#include <QJsonDocument>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>
#include <QTimerEvent>
#include <QUrlQuery>

#include <optional>

#include <utility>

namespace {

QByteArray compact(const QJsonArray &array)
{
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// A JSON value as text (QJsonDocument only writes arrays and objects).
QByteArray compact(const QJsonValue &value)
{
    const QByteArray wrapped = compact(QJsonArray{value});
    return wrapped.mid(1, wrapped.size() - 2);
}

QString generateSocketId()
{
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    const QByteArray bytes(reinterpret_cast<const char *>(words), 15);
    return QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding));
}

// "a=1&token=x" as {"a":"1","token":"x"}.
QJsonObject queryObject(const QString &query)
{
    QJsonObject object;
    QString spaced = query;
    spaced.replace(QLatin1Char('+'), QStringLiteral("%20"));
    const QUrlQuery parsed(spaced);
    for (const auto &[key, value] : parsed.queryItems(QUrl::FullyDecoded))
        object.insert(key, value);
    return object;
}

} // namespace

// One Engine.IO session seen by the Socket.IO server (socket.io's Client): the decoder, the
// sockets of the namespaces the client joined, and the connect timeout.
class SocketIoServerConnection : public QObject, public EngineIoServerSessionHandler
{
public:
    SocketIoServerConnection(SocketIoServer *server, EngineIoServerSocket *engine);
    ~SocketIoServerConnection() override;

    // EngineIoServerSessionHandler: the engine session's events, after the recorder's.
    void sessionPacketSent(const EngineIoPacket &packet, TransportKind transport) override;
    void sessionMessageReceived(const QByteArray &data, bool binary) override;
    void sessionClosed(const QString &reason) override;
    void finishPacket(const SocketIoPacket &packet, const PacketRecord &record);
    // Each received packet type is finished in its own function.
    void finishConnect(const SocketIoPacket &packet, PacketRecord record);
    void finishDisconnect(const SocketIoPacket &packet, PacketRecord record);
    void finishEvent(const SocketIoPacket &packet, PacketRecord record);
    void finishAck(const SocketIoPacket &packet, PacketRecord record);
    void finishConnectError(const SocketIoPacket &packet, PacketRecord record);

    void connectNamespace(const QString &nsp, const QJsonObject &auth, const QByteArray &rawAuth,
                          const QString &query);
    // Validates, encodes, sends and records one packet with its attachments.
    bool sendPacket(const SocketIoPacket &packet, QString *error);
    bool sendEncoded(const SocketIoPacket &packet, const SocketIoParser::Encoded &encoded,
                     QString *error);
    // Hands the messages to the engine; `r` is recorded when the text message goes out.
    bool queueMessages(PacketRecord r, const QList<EngineIoPacket> &messages, QString *error);
    // The one path for a client's protocol violation (the session decoder has recorded it):
    // report it, close the session.
    void closeConnection(const QString &error);
    void removeSocket(SocketIoServerSocket *socket, const QString &reason);

protected:
    void timerEvent(QTimerEvent *event) override; // the connect timeout

public:
    SocketIoServer *server;
    QPointer<EngineIoServerSocket> engine;
    EngineIoServerSocket *const engineKey; // in SocketIoServer::m_connections, even once gone
    QString engineSid;
    // The engine's, not a copy (~0.1 KB per session): the engine is deleted after the
    // connection and its sockets (each deleteLater() in the order they closed), so an empty one
    // is only seen once the server itself is going.
    const EngineIoServerRequest &handshake() const
    {
        return engine ? engine->request() : server->m_noHandshake;
    }
    SocketIoProtocol protocol;
    const SocketIoParser *parser; // the server's when the session opened
    // Decodes and records the session both ways; the recorder made it, and the engine socket
    // owns it.
    QPointer<SessionDecoder> session;
    // One per namespace joined. A list, searched: a client joins one or a few namespaces, and a
    // QMap costs ~0.1 KB more per session (its data and a node), a QHash a span for ~48 entries
    // (~1.5 KB).
    QList<SocketIoServerSocket *> sockets;
    SocketIoServerSocket *socketIn(const QString &nsp) const;
    QBasicTimer connectTimer; // not a QTimer object: one QObject and connection less per session
    bool failed = false;
    // Packets handed to the engine, each recorded when its first message goes out (a polling
    // answer may carry it later, after the OPEN packet, over another transport): the text message
    // of the text parser, the one binary message of the msgpack parser. The messages that follow
    // (attachments) are counted off.
    struct Unsent
    {
        PacketRecord record;
        qsizetype messagesLeft = 0;
        bool recorded = false;
    };
    QList<Unsent> unsent;
};

SocketIoServerConnection::SocketIoServerConnection(SocketIoServer *server,
                                                   EngineIoServerSocket *engine)
    : QObject(server)
    , server(server)
    , engine(engine)
    , engineKey(engine)
    , engineSid(engine->sid())
    , protocol(engine->version() == EngineIoVersion::V3 ? SocketIoProtocol::V4
                                                        : SocketIoProtocol::V5)
    , parser(server->m_parser)
    , session(server->m_recorder->sessionDecoder(engine))
{
    Q_ASSERT(session); // the recorder watches every socket before the server sees it
    session->setParser(parser);
    session->setLimits(server->m_options.limits);
    session->start(protocol);
    connectTimer.start(server->m_options.connectTimeoutMs, this);
    engine->setHandler(this);
}

SocketIoServerConnection::~SocketIoServerConnection()
{
    if (engine)
        engine->setHandler(nullptr);
}

SocketIoServerSocket *SocketIoServerConnection::socketIn(const QString &nsp) const
{
    for (SocketIoServerSocket *socket : sockets) {
        if (socket->nsp() == nsp)
            return socket;
    }
    return nullptr;
}

void SocketIoServerConnection::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != connectTimer.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    connectTimer.stop();
    if (!sockets.isEmpty() || !engine)
        return;
    qCDebug(lcServer) << "session" << engineSid << "joined no namespace within"
                      << server->m_options.connectTimeoutMs << "ms: closing";
    engine->close();
}

void SocketIoServerConnection::sessionPacketSent(const EngineIoPacket &packet,
                                                 TransportKind transport)
{
    if (packet.type != EngineIoPacket::Message || unsent.isEmpty())
        return;
    Unsent &next = unsent.first();
    if (!next.recorded) {
        // Once recorded, the record is no longer needed (only the attachments that follow are
        // counted off): it is handed on, not copied. It carries the session already
        // (queueMessages()), so it goes straight into the server's stream rather than through
        // the session decoder and the recorder, two signals fewer for each client a broadcast
        // reaches. All three are direct connections: the order of the stream is the same.
        next.recorded = true;
        PacketRecord r = std::move(next.record);
        r.transport = transport;
        r.timeUs = PacketRecord::nowUs();
        server->record(std::move(r));
    }
    if (--next.messagesLeft > 0)
        return;
    unsent.removeFirst();
    // An emptied QList keeps its storage: ~0.2 KB per idle session, against one allocation per
    // packet sent.
    if (unsent.isEmpty())
        unsent = QList<Unsent>();
}

void SocketIoServerConnection::sessionMessageReceived(const QByteArray &data, bool binary)
{
    if (!session)
        return;
    const SessionDecoder::Decoded decoded =
        session->decodeMessage(PacketRecord::Direction::In, data, binary);
    switch (decoded.status) {
    case SessionDecoder::Decoded::Status::PacketReady:
        finishPacket(decoded.packet, decoded.record);
        break;
    case SessionDecoder::Decoded::Status::NeedMoreMessages:
    case SessionDecoder::Decoded::Status::Dropped:
        break;
    case SessionDecoder::Decoded::Status::Error:
        closeConnection(decoded.error);
        break;
    }
}

void SocketIoServerConnection::finishPacket(const SocketIoPacket &packet, const PacketRecord &r)
{
    switch (packet.type) {
    case SocketIoPacket::Connect:
        finishConnect(packet, r);
        break;
    case SocketIoPacket::Disconnect:
        finishDisconnect(packet, r);
        break;
    case SocketIoPacket::Event:
    case SocketIoPacket::BinaryEvent:
        finishEvent(packet, r);
        break;
    case SocketIoPacket::Ack:
    case SocketIoPacket::BinaryAck:
        finishAck(packet, r);
        break;
    case SocketIoPacket::ConnectError:
        finishConnectError(packet, r);
        break;
    }
}

void SocketIoServerConnection::finishConnect(const SocketIoPacket &packet, PacketRecord record)
{
    session->record(record);
    QPointer<SocketIoServerConnection> self(this);
    Q_EMIT server->packetReceived(engineSid, packet);
    if (!self || failed)
        return;
    QJsonObject auth;
    if (protocol == SocketIoProtocol::V5)
        auth = packet.data().toObject(); // the decoder made sure it is an object when present
    else
        auth = queryObject(packet.query);
    connectNamespace(packet.nsp, auth, packet.payload, packet.query);
}

void SocketIoServerConnection::connectNamespace(const QString &nsp, const QJsonObject &auth,
                                                const QByteArray &rawAuth, const QString &query)
{
    if (SocketIoServerSocket *existing = socketIn(nsp)) {
        // Already connected: answer again with the same sid rather than make a second socket.
        QString error;
        SocketIoPacket answer(SocketIoPacket::Connect, nsp);
        if (protocol == SocketIoProtocol::V5)
            answer.payload = compact(QJsonObject{{QStringLiteral("sid"), existing->id()}});
        sendPacket(answer, &error);
        return;
    }

    SocketIoConnectRequest request;
    request.nsp = nsp;
    request.engineSid = engineSid;
    request.protocol = protocol;
    request.auth = auth;
    request.rawAuth = rawAuth;
    request.query = query;
    request.handshake = handshake();

    SocketIoServerNamespace *ns = server->findNamespace(nsp);
    SocketIoConnectDecision decision;
    if (!ns)
        decision = SocketIoConnectDecision::refused(QStringLiteral("Invalid namespace"));
    else if (ns->m_hook)
        decision = ns->m_hook(request);
    if (!engine || engine->state() != EngineIoServerSocket::State::Open)
        return;

    QString error;
    if (!decision.accept) {
        SocketIoPacket refusal(SocketIoPacket::ConnectError, nsp);
        if (protocol == SocketIoProtocol::V5) {
            QJsonObject body{{QStringLiteral("message"), decision.message}};
            if (!decision.data.isUndefined())
                body.insert(QStringLiteral("data"), decision.data);
            refusal.payload = compact(body);
        } else {
            // socket.io 2.x: the error's data when it has some, else its message.
            refusal.payload =
                compact(decision.data.isUndefined() ? QJsonValue(decision.message) : decision.data);
        }
        if (!sendPacket(refusal, &error))
            qCWarning(lcServer) << "cannot send CONNECT_ERROR:" << error;
        if (ns)
            Q_EMIT ns->connectRefused(request, decision);
        return;
    }

    QString id;
    do {
        id = generateSocketId();
    } while (ns->m_sockets.contains(id));
    const QByteArray authJson =
        protocol == SocketIoProtocol::V5 && !rawAuth.isEmpty() ? rawAuth : compact(auth);
    auto *socket = new SocketIoServerSocket(id, ns, this, auth, authJson);
    sockets.append(socket);
    ns->m_sockets.insert(id, socket);
    socket->join(id);
    connectTimer.stop();

    SocketIoPacket answer(SocketIoPacket::Connect, nsp);
    if (protocol == SocketIoProtocol::V5)
        answer.payload = compact(QJsonObject{{QStringLiteral("sid"), id}});
    if (!sendPacket(answer, &error)) {
        qCWarning(lcServer) << "cannot answer CONNECT:" << error;
        return;
    }
    Q_EMIT ns->socketConnected(socket);
}

void SocketIoServerConnection::finishDisconnect(const SocketIoPacket &packet, PacketRecord record)
{
    SocketIoServerSocket *socket = socketIn(packet.nsp);
    if (!socket)
        record.error = QStringLiteral("DISCONNECT for namespace %1, which the client has not "
                                      "joined: ignored")
                           .arg(packet.nsp);
    session->record(record);
    QPointer<SocketIoServerConnection> self(this);
    Q_EMIT server->packetReceived(engineSid, packet);
    if (!self || !socket || socketIn(packet.nsp) != socket)
        return;
    removeSocket(socket, QStringLiteral("client namespace disconnect"));
}

void SocketIoServerConnection::finishEvent(const SocketIoPacket &packet, PacketRecord record)
{
    SocketIoServerSocket *socket = socketIn(packet.nsp);
    if (!socket)
        record.error = QStringLiteral("%1 for namespace %2, which the client has not joined: "
                                      "ignored")
                           .arg(SocketIoPacket::typeName(packet.type), packet.nsp);
    session->record(record);
    QPointer<SocketIoServerConnection> self(this);
    Q_EMIT server->packetReceived(engineSid, packet);
    if (!self || !socket || socketIn(packet.nsp) != socket)
        return;
    socket->processEvent(packet);
}

void SocketIoServerConnection::finishAck(const SocketIoPacket &packet, PacketRecord record)
{
    SocketIoServerSocket *socket = socketIn(packet.nsp);
    bool matched = false;
    if (!socket) {
        record.error = QStringLiteral("%1 for namespace %2, which the client has not joined: "
                                      "ignored")
                           .arg(SocketIoPacket::typeName(packet.type), packet.nsp);
    } else {
        // The socket decides whether the ACK is still awaited (it knows the timeouts); the
        // session decoder measured the round trip.
        if (!socket->hasPendingAck(packet.id)) {
            record.rttUs = -1;
            record.error = QStringLiteral("ACK for id %1 on %2 matches no pending ack (unknown "
                                          "or timed out): ignored")
                               .arg(packet.id)
                               .arg(packet.nsp);
        } else {
            matched = true;
        }
    }
    session->record(record);
    QPointer<SocketIoServerConnection> self(this);
    Q_EMIT server->packetReceived(engineSid, packet);
    if (!self || !matched || socketIn(packet.nsp) != socket)
        return;
    socket->processAck(packet, record.rttUs);
}

void SocketIoServerConnection::finishConnectError(const SocketIoPacket &packet, PacketRecord record)
{
    // Only servers send CONNECT_ERROR; socket.io ignores one from a client, and so do we.
    record.error = QStringLiteral("CONNECT_ERROR from a client (only servers send it): ignored");
    session->record(record);
    Q_EMIT server->packetReceived(engineSid, packet);
}

bool SocketIoServerConnection::sendPacket(const SocketIoPacket &packet, QString *error)
{
    SocketIoParser::Encoded encoded;
    if (!parser->checkAndEncode(packet, protocol, &encoded, error))
        return false;
    return sendEncoded(packet, encoded, error);
}

bool SocketIoServerConnection::sendEncoded(const SocketIoPacket &packet,
                                           const SocketIoParser::Encoded &encoded, QString *error)
{
    if (!engine || !session || engine->state() != EngineIoServerSocket::State::Open) {
        *error = QStringLiteral("the client's connection is closed");
        return false;
    }
    return queueMessages(session->sentRecord(packet, encoded.raw, engine->transport()),
                         encoded.messages, error);
}

bool SocketIoServerConnection::queueMessages(PacketRecord r, const QList<EngineIoPacket> &messages,
                                             QString *error)
{
    if (!engine || engine->state() != EngineIoServerSocket::State::Open) {
        *error = QStringLiteral("the client's connection is closed");
        return false;
    }
    r.session = engineSid;
    unsent.append({std::move(r), messages.size(), false});
    if (!engine->sendMessages(messages)) {
        unsent.removeLast();
        *error = QStringLiteral("the client's connection is closed");
        return false;
    }
    return true;
}

void SocketIoServerConnection::closeConnection(const QString &error)
{
    qCInfo(lcServer) << "session" << engineSid << "protocol error:" << error << "- closing";
    failed = true;
    QPointer<SocketIoServerConnection> self(this);
    Q_EMIT server->errorOccurred(engineSid, error);
    // The spec: the receiver MUST close the connection on an invalid packet.
    if (self && engine)
        engine->abort(EngineIoCloseReason::ParseError);
}

void SocketIoServerConnection::sessionClosed(const QString &reason)
{
    connectTimer.stop();
    if (session) {
        session->abandonPartial(PacketRecord::Direction::In,
                                QStringLiteral("the connection closed: %1").arg(reason));
    }
    // Queued but never on the wire: recorded, with what became of them.
    for (const Unsent &queued : std::exchange(unsent, {})) {
        if (queued.recorded)
            continue; // on the wire; only attachments were left
        PacketRecord r = queued.record;
        r.timeUs = PacketRecord::nowUs();
        r.error = QStringLiteral("not sent: the connection closed (%1)").arg(reason);
        server->record(r);
    }
    const auto all = sockets;
    for (SocketIoServerSocket *socket : all)
        removeSocket(socket, reason);
    server->m_connections.remove(engineKey);
    Q_EMIT server->clientDisconnected(engineSid, reason);
    deleteLater();
}

void SocketIoServerConnection::removeSocket(SocketIoServerSocket *socket, const QString &reason)
{
    sockets.removeOne(socket);
    socket->close(reason);
}

// --- SocketIoServerSocket ---------------------------------------------------------------------

SocketIoServerSocket::SocketIoServerSocket(const QString &id, SocketIoServerNamespace *ns,
                                           SocketIoServerConnection *connection,
                                           const QJsonObject &auth, const QByteArray &authJson)
    : QObject(ns)
    , m_id(id)
    , m_namespace(ns)
    , m_connection(connection)
    , m_auth(auth)
    , m_authJson(authJson)
{
}

QString SocketIoServerSocket::engineSid() const
{
    return m_connection->engineSid;
}

QString SocketIoServerSocket::nsp() const
{
    return m_namespace->name();
}

SocketIoProtocol SocketIoServerSocket::protocol() const
{
    return m_connection->protocol;
}

const EngineIoServerRequest &SocketIoServerSocket::handshake() const
{
    return m_connection->handshake();
}

void SocketIoServerSocket::join(const QString &room)
{
    if (!m_connected)
        return;
    if (m_rooms.contains(room))
        return;
    m_rooms.append(room);
    if (room != m_id)
        m_namespace->m_rooms[room].insert(this);
}

void SocketIoServerSocket::leave(const QString &room)
{
    if (!m_rooms.removeOne(room) || room == m_id)
        return;
    auto it = m_namespace->m_rooms.find(room);
    if (it == m_namespace->m_rooms.end())
        return;
    it->remove(this);
    if (it->isEmpty())
        m_namespace->m_rooms.erase(it);
}

SocketIoServerSocket::SendResult
SocketIoServerSocket::emitEvent(const QJsonArray &data, const QList<QByteArray> &attachments,
                                int ackTimeoutMs)
{
    return emitEventJson(compact(data), attachments, ackTimeoutMs);
}

SocketIoServerSocket::SendResult
SocketIoServerSocket::emitEventJson(const QByteArray &json, const QList<QByteArray> &attachments,
                                    int ackTimeoutMs)
{
    SendResult result;
    if (!m_connected) {
        result.error = QStringLiteral("the socket is not connected");
        return result;
    }
    SocketIoPacket packet(
        attachments.isEmpty() ? SocketIoPacket::Event : SocketIoPacket::BinaryEvent, nsp(), json);
    packet.attachments = attachments;
    if (ackTimeoutMs >= 0)
        packet.id = m_nextAckId;
    if (!m_connection->sendPacket(packet, &result.error))
        return result;
    result.ok = true;
    if (ackTimeoutMs >= 0) {
        ++m_nextAckId;
        result.ackId = packet.id;
        PendingAck pending;
        pending.eventName = packet.eventName();
        if (ackTimeoutMs > 0) {
            pending.timer = new QTimer(this);
            pending.timer->setSingleShot(true);
            const qint64 id = packet.id;
            connect(pending.timer, &QTimer::timeout, this, [this, id] { handleAckTimeout(id); });
            pending.timer->start(ackTimeoutMs);
        }
        m_pendingAcks.insert(packet.id, pending);
    }
    return result;
}

SocketIoServerSocket::SendResult SocketIoServerSocket::sendAck(qint64 id, const QJsonArray &data,
                                                               const QList<QByteArray> &attachments)
{
    return sendAckJson(id, compact(data), attachments);
}

SocketIoServerSocket::SendResult
SocketIoServerSocket::sendAckJson(qint64 id, const QByteArray &json,
                                  const QList<QByteArray> &attachments)
{
    SendResult result;
    if (!m_connected) {
        result.error = QStringLiteral("the socket is not connected");
        return result;
    }
    SocketIoPacket packet(attachments.isEmpty() ? SocketIoPacket::Ack : SocketIoPacket::BinaryAck,
                          nsp(), json, id);
    packet.attachments = attachments;
    if (!m_connection->sendPacket(packet, &result.error))
        return result;
    result.ok = true;
    result.ackId = id;
    return result;
}

SocketIoServerSocket::SendResult SocketIoServerSocket::sendRawMessage(const QByteArray &text,
                                                                      const QString &note)
{
    SendResult result;
    if (!m_connected) {
        result.error = QStringLiteral("the socket is not connected");
        return result;
    }
    PacketRecord r;
    r.direction = PacketRecord::Direction::Out;
    r.layer = PacketRecord::Layer::SocketIo;
    r.transport = m_connection->engine ? m_connection->engine->transport() : TransportKind::None;
    r.nsp = nsp();
    r.raw = '4' + text;
    if (!text.isEmpty() && text.at(0) >= '0' && text.at(0) <= '6')
        r.type = quint8(text.at(0) - '0');
    r.error = note;
    result.ok = m_connection->queueMessages(
        r, {EngineIoPacket(EngineIoPacket::Message, text, false)}, &result.error);
    return result;
}

void SocketIoServerSocket::disconnectFromServer(bool closeConnection)
{
    if (!m_connected)
        return;
    QString error;
    m_connection->sendPacket(SocketIoPacket(SocketIoPacket::Disconnect, nsp()), &error);
    QPointer<EngineIoServerSocket> engine = m_connection->engine;
    m_connection->removeSocket(this, QStringLiteral("server namespace disconnect"));
    if (closeConnection && engine)
        engine->close();
}

void SocketIoServerSocket::processEvent(const SocketIoPacket &packet)
{
    QPointer<SocketIoServerSocket> self(this);
    Q_EMIT eventReceived(packet);
    if (self && m_connected)
        Q_EMIT m_namespace->eventReceived(this, packet);
}

bool SocketIoServerSocket::processAck(const SocketIoPacket &packet, qint64 rttUs)
{
    const auto it = m_pendingAcks.find(packet.id);
    if (it == m_pendingAcks.end())
        return false;
    if (it->timer)
        it->timer->deleteLater();
    m_pendingAcks.erase(it);
    QPointer<SocketIoServerSocket> self(this);
    Q_EMIT ackReceived(packet, rttUs);
    if (self && m_connected)
        Q_EMIT m_namespace->ackReceived(this, packet, rttUs);
    return true;
}

void SocketIoServerSocket::handleAckTimeout(qint64 id)
{
    const auto it = m_pendingAcks.find(id);
    if (it == m_pendingAcks.end())
        return;
    const QString eventName = it->eventName;
    if (it->timer)
        it->timer->deleteLater();
    m_pendingAcks.erase(it);
    if (m_connection->session)
        m_connection->session->forgetAck(PacketRecord::Direction::Out, nsp(), id);
    Q_EMIT ackTimedOut(id, eventName);
}

void SocketIoServerSocket::close(const QString &reason)
{
    if (!m_connected)
        return;
    m_connected = false;
    for (const PendingAck &pending : std::as_const(m_pendingAcks)) {
        if (pending.timer)
            pending.timer->deleteLater();
    }
    m_pendingAcks.clear();
    const auto rooms = m_rooms;
    for (const QString &room : rooms)
        leave(room);
    m_namespace->m_sockets.remove(m_id);
    QPointer<SocketIoServerSocket> self(this);
    Q_EMIT disconnected(reason);
    if (self)
        Q_EMIT m_namespace->socketDisconnected(this, reason);
    if (self)
        deleteLater();
}

// --- SocketIoServerNamespace ------------------------------------------------------------------

SocketIoServerNamespace::SocketIoServerNamespace(const QString &name, SocketIoServer *server)
    : QObject(server)
    , m_server(server)
    , m_name(name)
{
}

QStringList SocketIoServerNamespace::rooms() const
{
    QStringList names = m_rooms.keys();
    for (SocketIoServerSocket *socket : m_sockets) {
        if (socket->m_rooms.contains(socket->m_id) && !m_rooms.contains(socket->m_id))
            names.append(socket->m_id);
    }
    return names;
}

QList<SocketIoServerSocket *> SocketIoServerNamespace::socketsInRoom(const QString &room) const
{
    QList<SocketIoServerSocket *> members = m_rooms.value(room).values();
    SocketIoServerSocket *owner = m_sockets.value(room);
    if (owner && owner->m_rooms.contains(room))
        members.append(owner);
    return members;
}

int SocketIoServerNamespace::emitToAll(const QJsonArray &data, const QList<QByteArray> &attachments)
{
    return emitToRoomJson(QString(), compact(data), attachments);
}

int SocketIoServerNamespace::emitToRoom(const QString &room, const QJsonArray &data,
                                        const QList<QByteArray> &attachments,
                                        const QString &exceptSocketId)
{
    return emitToRoomJson(room, compact(data), attachments, exceptSocketId);
}

int SocketIoServerNamespace::emitToRoomJson(const QString &room, const QByteArray &json,
                                            const QList<QByteArray> &attachments,
                                            const QString &exceptSocketId)
{
    QList<SocketIoServerSocket *> targets =
        room.isEmpty() ? m_sockets.values() : socketsInRoom(room);
    targets.removeIf([&exceptSocketId](SocketIoServerSocket *socket) {
        return !exceptSocketId.isEmpty() && socket->id() == exceptSocketId;
    });
    return sendTo(targets, json, attachments);
}

int SocketIoServerNamespace::sendTo(const QList<SocketIoServerSocket *> &targets,
                                    const QByteArray &json, const QList<QByteArray> &attachments)
{
    SocketIoPacket packet(
        attachments.isEmpty() ? SocketIoPacket::Event : SocketIoPacket::BinaryEvent, m_name, json);
    packet.attachments = attachments;
    // Encoded once per protocol revision; v4 and v5 clients may share a namespace.
    // Encoded once per parser and protocol revision; v4 and v5 clients may share a namespace.
    std::optional<SocketIoParser::Encoded> encoded[2][2];
    int sent = 0;
    QString error;
    for (SocketIoServerSocket *socket : targets) {
        const SocketIoProtocol protocol = socket->protocol();
        const SocketIoParser *parser = socket->m_connection->parser;
        std::optional<SocketIoParser::Encoded> &wire =
            encoded[parser->kind() == SocketIoParser::Kind::Msgpack ? 1 : 0]
                   [protocol == SocketIoProtocol::V5 ? 1 : 0];
        if (!wire) {
            SocketIoParser::Encoded checked;
            if (!parser->checkAndEncode(packet, protocol, &checked, &error)) {
                qCWarning(lcServer) << "broadcast on" << m_name << "not sent:" << error;
                return sent;
            }
            wire = std::move(checked);
        }
        if (socket->m_connection->sendEncoded(packet, *wire, &error))
            ++sent;
    }
    return sent;
}

// --- SocketIoServer ---------------------------------------------------------------------------

SocketIoServer::SocketIoServer(QObject *parent)
    : QObject(parent)
    , m_engine(new EngineIoServer(this))
    , m_recorder(new EngineIoServerRecorder(m_engine, SessionDecoder::Messages::SocketIo, this))
{
    m_engine->setOptions(m_options.engine);
    // Straight on: the recorder's records are stamped already (one hop less per packet).
    connect(m_recorder, &EngineIoServerRecorder::packetRecorded, this,
            &SocketIoServer::packetRecorded);
    // After the recorder: its "transport-opened" note comes before the first Socket.IO packet,
    // and its "closed" note before what the session's end does to its sockets.
    connect(m_engine, &EngineIoServer::connection, this, &SocketIoServer::handleConnection);
    // Each session's events reach its connection as the session's handler (after the recorder,
    // which hears the server's session* signals): no connection per session, and no lookup per
    // packet sent.
    addNamespace(QStringLiteral("/"));
}

SocketIoServer::~SocketIoServer()
{
    for (SocketIoServerConnection *connection : std::as_const(m_connections)) {
        connection->disconnect();
        if (connection->engine)
            connection->engine->setHandler(nullptr);
    }
    m_engine->disconnect(this);
}

void SocketIoServer::setOptions(const SocketIoServerOptions &options)
{
    m_options = options;
    m_parser = options.parser == SocketIoParser::Kind::Msgpack
                   ? static_cast<const SocketIoParser *>(&m_msgpackParser)
                   : &m_textParser;
    m_engine->setOptions(options.engine);
}

bool SocketIoServer::listen(const QHostAddress &address, quint16 port)
{
    return m_engine->listen(address, port);
}

void SocketIoServer::attach(HttpListener *listener)
{
    m_engine->attach(listener);
}

void SocketIoServer::close()
{
    m_engine->close();
    Q_EMIT closed();
}

SocketIoServerNamespace *SocketIoServer::addNamespace(const QString &name)
{
    const QString nsp = SocketIoPacket::normalizedNamespace(name);
    if (SocketIoServerNamespace *existing = m_namespaces.value(nsp))
        return existing;
    auto *ns = new SocketIoServerNamespace(nsp, this);
    m_namespaces.insert(nsp, ns);
    return ns;
}

SocketIoServerNamespace *SocketIoServer::findNamespace(const QString &name) const
{
    return m_namespaces.value(SocketIoPacket::normalizedNamespace(name));
}

void SocketIoServer::removeNamespace(const QString &name)
{
    SocketIoServerNamespace *ns = m_namespaces.take(SocketIoPacket::normalizedNamespace(name));
    if (!ns)
        return;
    for (SocketIoServerSocket *socket : ns->sockets())
        socket->disconnectFromServer();
    ns->deleteLater();
}

void SocketIoServer::handleConnection(EngineIoServerSocket *engineSocket)
{
    auto *connection = new SocketIoServerConnection(this, engineSocket);
    m_connections.insert(engineSocket, connection);
    Q_EMIT clientConnected(engineSocket->sid());
    if (connection->protocol == SocketIoProtocol::V4) {
        // socket.io 2.x joins "/" by itself, with the handshake's query as its auth.
        QJsonObject auth;
        for (const auto &[key, value] : engineSocket->request().queryItems()) {
            static const QStringList engineKeys{QStringLiteral("EIO"), QStringLiteral("transport"),
                                                QStringLiteral("sid"), QStringLiteral("t"),
                                                QStringLiteral("b64")};
            if (!engineKeys.contains(key))
                auth.insert(key, value);
        }
        connection->connectNamespace(QStringLiteral("/"), auth, QByteArray(), QString());
    }
}

void SocketIoServer::record(PacketRecord record)
{
    if (record.timeUs == 0)
        record.timeUs = PacketRecord::nowUs();
    Q_EMIT packetRecorded(record);
}
