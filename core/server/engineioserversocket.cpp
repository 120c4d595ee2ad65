#include "server/engineioserver_p.h"

#include "engineio/engineiocodec.h"
#include "server/serverlogging.h"

#include "server/serverwebsocket.h"

#include <QTimerEvent>

#include <algorithm>
#include <optional>
#include <utility>

namespace {

constexpr int UpgradeCheckIntervalMs = 100; // engine.io's forced polling cycle during an upgrade

} // namespace

QString engineIoCloseReasonName(EngineIoCloseReason reason)
{
    switch (reason) {
    case EngineIoCloseReason::TransportClose:
        return QStringLiteral("transport close");
    case EngineIoCloseReason::TransportError:
        return QStringLiteral("transport error");
    case EngineIoCloseReason::PingTimeout:
        return QStringLiteral("ping timeout");
    case EngineIoCloseReason::ParseError:
        return QStringLiteral("parse error");
    case EngineIoCloseReason::ForcedClose:
        return QStringLiteral("forced close");
    case EngineIoCloseReason::ServerShuttingDown:
        return QStringLiteral("server shutting down");
    case EngineIoCloseReason::Dropped:
        return QStringLiteral("dropped");
    }
    return QString();
}

// --- EngineIoServerSocketPrivate --------------------------------------------------------------

EngineIoServerSocketPrivate::EngineIoServerSocketPrivate(EngineIoServerSocket *q,
                                                         EngineIoServerPrivate *serverPrivate)
    : q(q)
    , server(serverPrivate)
{
}

bool EngineIoServerSocketPrivate::handleTimer(int id)
{
    if (id == upgradeCheck.timerId()) {
        if (upgrading && pendingGet && writeBuffer.isEmpty())
            answerGet({EngineIoPacket(EngineIoPacket::Noop)});
    } else if (id == pingTimer.timerId()) {
        pingTimer.stop();
        sendPing();
    } else if (id == pongTimer.timerId()) {
        pongTimer.stop();
        handlePongTimeout();
    } else if (id == upgradeTimer.timerId()) {
        upgradeTimer.stop();
        abandonProbe(QStringLiteral("no UPGRADE packet within the upgrade timeout"));
    } else if (id == closeTimer.timerId()) {
        closeTimer.stop();
        closeConnection(EngineIoCloseReason::ForcedClose);
    } else if (id == pacingTimer.timerId()) {
        pacingTimer.stop();
        handlePacingTimeout();
    } else {
        return false;
    }
    return true;
}

void EngineIoServerSocketPrivate::handlePongTimeout()
{
    closeConnection(
        EngineIoCloseReason::PingTimeout,
        {EngineIoError::Kind::Timeout,
         version == EngineIoVersion::V4
             ? QStringLiteral("ping timeout: no PONG within pingTimeout (%1 ms)")
                   .arg(server->options.pingTimeoutMs)
             : QStringLiteral("ping timeout: no PING within pingInterval + pingTimeout (%1 ms)")
                   .arg(server->options.pingIntervalMs + server->options.pingTimeoutMs)});
}

void EngineIoServerSocketPrivate::handlePacingTimeout()
{
    webSocketWritable = true;
    if (!writeBuffer.isEmpty())
        flush();
}

void EngineIoServerSocketPrivate::start()
{
    // The OPEN packet goes first; handlers of connection() may queue more behind it.
    writeBuffer.prepend(EngineIoPacket(EngineIoPacket::Open, handshake.toJson()));
    if (version == EngineIoVersion::V4) {
        startPingTimer(server->options.pingIntervalMs);
    } else {
        startPongTimer(server->options.pingIntervalMs + server->options.pingTimeoutMs);
    }
}

void EngineIoServerSocketPrivate::parkHandshakeGet(HttpConnection *connection)
{
    parkGet(connection, QStringLiteral("handshake connection closed prematurely"));
}

void EngineIoServerSocketPrivate::parkGet(HttpConnection *connection, const QString &lost)
{
    pendingGet = connection;
    QObject::connect(connection, &HttpConnection::aborted, q, [this, connection, lost] {
        if (pendingGet != connection)
            return;
        pendingGet = nullptr;
        closeConnection(EngineIoCloseReason::TransportError,
                        {EngineIoError::Kind::Transport, lost});
    });
}

bool EngineIoServerSocketPrivate::admitPost(HttpConnection *connection)
{
    if (postInFlight && postInFlight != connection) {
        connection->respond(400, server->corsHeaders(connection->request()), QByteArray());
        closeConnection(EngineIoCloseReason::TransportError,
                        {EngineIoError::Kind::Protocol,
                         QStringLiteral("a second polling POST while one is in flight (only one "
                                        "POST may be in flight per session)")});
        return false;
    }
    postInFlight = connection;
    return true;
}

void EngineIoServerSocketPrivate::adoptWebSocket(ServerWebSocket *socket)
{
    socket->setParent(q);
    socket->setMaxMessageBytes(server->options.maxPayload);
    socket->setHandler(this);
}

void EngineIoServerSocketPrivate::attachWebSocket(ServerWebSocket *socket)
{
    webSocket = socket;
    adoptWebSocket(socket);
}

void EngineIoServerSocketPrivate::startProbe(ServerWebSocket *socket)
{
    probe = socket;
    adoptWebSocket(socket);
    upgradeTimer.start(server->options.upgradeTimeoutMs, q);
}

void EngineIoServerSocketPrivate::webSocketTextReceived(ServerWebSocket *socket,
                                                        const QByteArray &utf8)
{
    receiveText(socket, utf8);
}

void EngineIoServerSocketPrivate::webSocketBinaryReceived(ServerWebSocket *socket,
                                                          const QByteArray &data)
{
    receiveBinary(socket, data);
}

void EngineIoServerSocketPrivate::webSocketViolated(ServerWebSocket *socket,
                                                    const ServerWebSocketError &error)
{
    handleViolation(socket, error);
}

void EngineIoServerSocketPrivate::webSocketBytesWritten(ServerWebSocket *socket)
{
    if (socket != webSocket || socket->bytesToWrite() > 0 || pacingTimer.isActive())
        return;
    if (writeBuffer.isEmpty())
        webSocketWritable = true; // idle: the next packet goes out at once
    else
        startPacingTimer();
}

void EngineIoServerSocketPrivate::webSocketCloseReceived(ServerWebSocket *socket)
{
    webSocketEnded(socket);
}

void EngineIoServerSocketPrivate::webSocketDisconnected(ServerWebSocket *socket)
{
    webSocketEnded(socket);
}

// The session ends with the client's CLOSE (the socket closes TCP after it, bounded in time), or
// with the connection when it went without one (1006). A probe that ends abandons the upgrade.
void EngineIoServerSocketPrivate::webSocketEnded(ServerWebSocket *socket)
{
    if (socket == probe) {
        abandonProbe(QStringLiteral("the probe WebSocket closed"));
        return;
    }
    if (socket != webSocket)
        return;
    // A CLOSE without a code (1005) ends as normally as 1000 and 1001 do.
    constexpr quint16 GoingAway = 1001;
    const quint16 code = socket->closeCode();
    const bool normal = code == WebSocketCloseCode::Normal || code == GoingAway ||
                        code == WebSocketCloseCode::NoStatusReceived;
    QString message = QStringLiteral("WebSocket closed by the client");
    if (!normal)
        message += QStringLiteral(" (close code %1%2)")
                       .arg(code)
                       .arg(socket->closeReason().isEmpty()
                                ? QString()
                                : QStringLiteral(": ") + socket->closeReason());
    closeConnection(EngineIoCloseReason::TransportClose,
                    normal ? EngineIoError()
                           : EngineIoError(EngineIoError::Kind::Transport, message));
}

void EngineIoServerSocketPrivate::receiveText(ServerWebSocket *from, const QByteArray &text)
{
    if (state == EngineIoServerSocket::State::Closed)
        return;
    EngineIoPacket packet;
    QString error;
    if (!EngineIoCodec::decodeText(text, version, &packet, &error)) {
        if (from == probe) {
            abandonProbe(error);
            return;
        }
        closeConnection(
            EngineIoCloseReason::ParseError,
            {EngineIoError::Kind::Protocol, error, text.left(EngineIoCodec::MaxOffendingBytes)});
        return;
    }
    if (from == probe)
        handleProbePacket(packet);
    else if (from == webSocket)
        handlePacket(packet, TransportKind::WebSocket);
}

void EngineIoServerSocketPrivate::handleViolation(ServerWebSocket *from,
                                                  const ServerWebSocketError &violation)
{
    if (state == EngineIoServerSocket::State::Closed)
        return;
    // The client's error, as a malformed packet is: the rule it broke, the code the server
    // closed with, and the offending bytes.
    const EngineIoError error(EngineIoError::Kind::Protocol,
                              QStringLiteral("the client broke the WebSocket protocol: %1 (closed "
                                             "with %2)")
                                  .arg(violation.message)
                                  .arg(violation.closeCode),
                              violation.offendingBytes);
    if (from == probe) {
        QPointer<EngineIoServerSocket> self(q);
        emitErrorOccurred(error);
        if (self)
            abandonProbe(error.message);
        return;
    }
    if (from == webSocket)
        closeConnection(EngineIoCloseReason::TransportError, error);
}

void EngineIoServerSocketPrivate::receiveBinary(ServerWebSocket *from, const QByteArray &message)
{
    if (state == EngineIoServerSocket::State::Closed)
        return;
    EngineIoPacket packet;
    QString error;
    if (!EngineIoCodec::decodeBinaryFrame(message, version, &packet, &error)) {
        if (from == probe) {
            abandonProbe(error);
            return;
        }
        closeConnection(
            EngineIoCloseReason::ParseError,
            {EngineIoError::Kind::Protocol, error, message.left(EngineIoCodec::MaxOffendingBytes)});
        return;
    }
    if (from == probe)
        handleProbePacket(packet);
    else if (from == webSocket)
        handlePacket(packet, TransportKind::WebSocket);
}

void EngineIoServerSocketPrivate::handleGet(HttpConnection *connection)
{
    if (pendingGet && pendingGet != connection) {
        // engine.io: "overlap from client". The new GET gets 400, the pending one the CLOSE.
        connection->respond(400, server->corsHeaders(connection->request()), QByteArray());
        closeConnection(EngineIoCloseReason::TransportError,
                        {EngineIoError::Kind::Protocol,
                         QStringLiteral("a second polling GET while one is pending (only one "
                                        "GET may be in flight per session)")});
        return;
    }
    parkGet(connection, QStringLiteral("poll connection closed prematurely"));
    if (!writeBuffer.isEmpty())
        flush();
}

void EngineIoServerSocketPrivate::handlePost(HttpConnection *connection)
{
    if (postInFlight == connection)
        postInFlight = nullptr;
    const HttpRequest &http = connection->request();
    const bool binaryBody = http.header("content-type").startsWith("application/octet-stream");

    QList<EngineIoPacket> packets;
    QString error;
    QByteArray offending;
    if (binaryBody && version == EngineIoVersion::V4) {
        error = QStringLiteral("binary (application/octet-stream) POST body; Engine.IO v4 "
                               "payloads are text");
        offending = http.body.left(EngineIoCodec::MaxOffendingBytes);
    } else if (binaryBody) {
        if (!EngineIoCodec::decodeV3BinaryPayload(http.body, server->options.maxPayload, &packets,
                                                  &error))
            offending = http.body.left(EngineIoCodec::MaxOffendingBytes);
    } else {
        PollingPayloadDecoder decoder(version, server->options.maxPayload);
        if (!decoder.feed(http.body) || !decoder.finish()) {
            error = decoder.errorString();
            offending = decoder.offendingSegment();
        }
        packets = decoder.takePackets();
    }

    HttpHeaders headers = server->corsHeaders(http);
    if (error.isEmpty()) {
        headers.append(HttpHeader("Content-Type", "text/html"));
        connection->respond(200, headers, QByteArrayLiteral("ok"));
    } else {
        connection->respondJsonError(400, int(EngineIoErrorCode::BadRequest),
                                     engineIoErrorMessage(EngineIoErrorCode::BadRequest), headers);
    }

    QPointer<EngineIoServerSocket> self(q);
    for (const EngineIoPacket &packet : std::as_const(packets)) {
        if (!self || state == EngineIoServerSocket::State::Closed)
            return;
        handlePacket(packet, TransportKind::Polling);
    }
    if (!error.isEmpty() && self)
        closeConnection(EngineIoCloseReason::ParseError,
                        {EngineIoError::Kind::Protocol, error, offending});
}

void EngineIoServerSocketPrivate::handlePacket(const EngineIoPacket &packet, TransportKind via)
{
    if (state == EngineIoServerSocket::State::Closed)
        return;
    emitPacketReceived(packet, via);
    switch (packet.type) {
    case EngineIoPacket::Ping:
        finishPing(packet);
        break;
    case EngineIoPacket::Pong:
        finishPong(packet);
        break;
    case EngineIoPacket::Message:
        finishMessage(packet);
        break;
    case EngineIoPacket::Close:
        finishClose();
        break;
    case EngineIoPacket::Open:
    case EngineIoPacket::Upgrade:
    case EngineIoPacket::Noop:
        break; // engine.io ignores them outside of an upgrade, and so do we
    }
}

void EngineIoServerSocketPrivate::finishPing(const EngineIoPacket &packet)
{
    if (version == EngineIoVersion::V4) {
        closeConnection(EngineIoCloseReason::TransportError,
                        {EngineIoError::Kind::Protocol,
                         QStringLiteral("PING from a v4 client: in Engine.IO v4 the server "
                                        "pings (invalid heartbeat direction)"),
                         EngineIoCodec::encodeText(packet, version)});
        return;
    }
    Q_EMIT q->pingReceived(packet.data);
    startPongTimer(server->options.pingIntervalMs + server->options.pingTimeoutMs);
    queue({EngineIoPacket(EngineIoPacket::Pong, packet.data)});
}

void EngineIoServerSocketPrivate::finishPong(const EngineIoPacket &packet)
{
    if (version == EngineIoVersion::V3) {
        closeConnection(EngineIoCloseReason::TransportError,
                        {EngineIoError::Kind::Protocol,
                         QStringLiteral("PONG from a v3 client: in Engine.IO v3 the client "
                                        "pings (invalid heartbeat direction)"),
                         EngineIoCodec::encodeText(packet, version)});
        return;
    }
    Q_EMIT q->pongReceived(packet.data);
    if (pongTimer.isActive()) {
        pongTimer.stop();
        startPingTimer(server->options.pingIntervalMs);
    }
}

void EngineIoServerSocketPrivate::finishMessage(const EngineIoPacket &packet)
{
    Q_EMIT server->q->sessionMessageReceived(q, packet.data, packet.binary);
    if (handler)
        handler->sessionMessageReceived(packet.data, packet.binary);
    Q_EMIT q->messageReceived(packet.data, packet.binary);
}

void EngineIoServerSocketPrivate::finishClose()
{
    Q_EMIT q->closeReceived();
    closeConnection(EngineIoCloseReason::TransportClose);
}

void EngineIoServerSocketPrivate::handleProbePacket(const EngineIoPacket &packet)
{
    emitPacketReceived(packet, TransportKind::WebSocket);
    if (packet.type == EngineIoPacket::Ping && packet.data == "probe" && !upgrading) {
        sendFrames(probe, {EngineIoPacket(EngineIoPacket::Pong, QByteArrayLiteral("probe"))});
        upgrading = true;
        Q_EMIT server->q->sessionUpgrading(q, TransportKind::WebSocket);
        Q_EMIT q->upgrading(TransportKind::WebSocket);
        // Cut the pending GET short so that the client can pause polling and send UPGRADE.
        if (pendingGet && writeBuffer.isEmpty())
            answerGet({EngineIoPacket(EngineIoPacket::Noop)});
        upgradeCheck.start(UpgradeCheckIntervalMs, q);
        return;
    }
    if (packet.type == EngineIoPacket::Upgrade && upgrading) {
        finishUpgrade();
        return;
    }
    abandonProbe(QStringLiteral("unexpected %1 packet on the probe WebSocket")
                     .arg(EngineIoPacket::typeName(packet.type)));
}

void EngineIoServerSocketPrivate::finishUpgrade()
{
    upgradeTimer.stop();
    upgradeCheck.stop();
    ServerWebSocket *socket = probe;
    probe = nullptr;
    attachWebSocket(socket);
    transport = TransportKind::WebSocket;
    upgrading = false;
    upgraded = true;
    // The polling side is done: a pending GET ends with a NOOP.
    if (pendingGet)
        answerGet({EngineIoPacket(EngineIoPacket::Noop)});
    if (postInFlight)
        postInFlight = nullptr;
    Q_EMIT server->q->sessionUpgraded(q, TransportKind::WebSocket);
    Q_EMIT q->upgraded(TransportKind::WebSocket);
    if (state == EngineIoServerSocket::State::Closing) {
        // Only a graceful close leaves a session Closing.
        webSocketWritable = true;
        flush();
        closeConnection(EngineIoCloseReason::ForcedClose);
        return;
    }
    flush();
}

void EngineIoServerSocketPrivate::abandonProbe(const QString &reason)
{
    if (!probe)
        return;
    qCDebug(lcServer) << "session" << sid << "upgrade failed:" << reason;
    upgradeTimer.stop();
    upgradeCheck.stop();
    upgrading = false;
    server->retireWebSocket(probe);
    probe = nullptr;
    Q_EMIT server->q->sessionUpgradeFailed(q, reason);
    Q_EMIT q->upgradeFailed(reason);
}

void EngineIoServerSocketPrivate::emitPacketReceived(const EngineIoPacket &packet,
                                                     TransportKind transport)
{
    Q_EMIT server->q->sessionPacketReceived(q, packet, transport);
    Q_EMIT q->packetReceived(packet, transport);
}

void EngineIoServerSocketPrivate::emitPacketSent(const EngineIoPacket &packet,
                                                 TransportKind transport)
{
    Q_EMIT server->q->sessionPacketSent(q, packet, transport);
    if (handler)
        handler->sessionPacketSent(packet, transport);
    Q_EMIT q->packetSent(packet, transport);
}

void EngineIoServerSocketPrivate::emitErrorOccurred(const EngineIoError &error)
{
    Q_EMIT server->q->sessionErrorOccurred(q, error);
    Q_EMIT q->errorOccurred(error);
}

void EngineIoServerSocketPrivate::sendPing()
{
    if (state != EngineIoServerSocket::State::Open)
        return;
    queue({EngineIoPacket(EngineIoPacket::Ping)});
    startPongTimer(server->options.pingTimeoutMs);
}

void EngineIoServerSocketPrivate::queue(const QList<EngineIoPacket> &packets)
{
    // Mostly the buffer is empty: sharing the caller's list spares a copy per packet sent.
    if (writeBuffer.isEmpty())
        writeBuffer = packets;
    else
        writeBuffer += packets;
    if (transport != TransportKind::WebSocket) {
        scheduleFlush();
    } else if (webSocketWritable) {
        flush(); // at once, like engine.io on a writable transport
    } else if (webSocket && webSocket->bytesToWrite() == 0 && !pacingTimer.isActive()) {
        // Written already, but bytesWritten came while the buffer was empty.
        startPacingTimer();
    }
}

void EngineIoServerSocketPrivate::scheduleFlush()
{
    if (flushScheduled)
        return;
    flushScheduled = true;
    // Packets queued in the same turn of the event loop go out together (one polling answer).
    QMetaObject::invokeMethod(
        q, [this] { flush(); }, Qt::QueuedConnection);
}

void EngineIoServerSocketPrivate::flush()
{
    flushScheduled = false;
    if (writeBuffer.isEmpty() || state == EngineIoServerSocket::State::Closed)
        return;
    if (transport == TransportKind::WebSocket) {
        if (!webSocket || !webSocketWritable)
            return;
        const QList<EngineIoPacket> packets = std::exchange(writeBuffer, {});
        sendFrames(webSocket, packets);
        if (webSocket && webSocket->bytesToWrite() > 0)
            webSocketWritable = false;
        return;
    }
    if (!pendingGet)
        return; // the next GET takes them
    const QList<EngineIoPacket> packets = std::exchange(writeBuffer, {});
    answerGet(packets);
    const bool closing = std::any_of(packets.begin(), packets.end(), [](const auto &packet) {
        return packet.type == EngineIoPacket::Close;
    });
    if (closing)
        closeConnection(EngineIoCloseReason::ForcedClose);
}

void EngineIoServerSocketPrivate::answerGet(const QList<EngineIoPacket> &packets)
{
    HttpConnection *connection = pendingGet;
    pendingGet = nullptr;
    if (!connection)
        return;
    connection->disconnect(q);
    HttpHeaders headers = server->corsHeaders(connection->request());
    headers.append(HttpHeader("Content-Type", "text/plain; charset=UTF-8"));
    connection->respond(200, headers, EngineIoCodec::encodePayload(packets, version));
    QPointer<EngineIoServerSocket> self(q);
    for (const EngineIoPacket &packet : packets) {
        emitPacketSent(packet, TransportKind::Polling);
        if (!self)
            return;
    }
}

void EngineIoServerSocketPrivate::sendFrames(ServerWebSocket *socket,
                                             const QList<EngineIoPacket> &packets)
{
    if (!socket)
        return;
    // A handler of packetSent may end the session. Guarded only when packets follow: a guard
    // costs an atomic reference count for each of a broadcast's clients.
    std::optional<QPointer<EngineIoServerSocket>> self;
    if (packets.size() > 1)
        self.emplace(q);
    for (const EngineIoPacket &packet : packets) {
        if (packet.binary)
            socket->sendBinaryMessage(EngineIoCodec::encodeBinaryFrame(packet.data, version));
        else
            socket->sendTextMessage(EngineIoCodec::encodeText(packet, version));
        emitPacketSent(packet, TransportKind::WebSocket);
        if (self && !*self)
            return;
    }
}

void EngineIoServerSocketPrivate::gracefulClose()
{
    if (state != EngineIoServerSocket::State::Open)
        return;
    state = EngineIoServerSocket::State::Closing;
    pingTimer.stop();
    pongTimer.stop();
    if (upgrading) {
        // Finish on whichever transport wins; the upgrade timeout bounds the wait.
        closeTimer.start(server->options.closeTimeoutMs, q);
        return;
    }
    if (transport == TransportKind::WebSocket) {
        webSocketWritable = true; // everything goes out now, ahead of the close frame
        flush();
        closeConnection(EngineIoCloseReason::ForcedClose);
        return;
    }
    writeBuffer.append(EngineIoPacket(EngineIoPacket::Close));
    if (pendingGet) {
        flush();
        return;
    }
    closeTimer.start(server->options.closeTimeoutMs, q);
}

void EngineIoServerSocketPrivate::closeConnection(EngineIoCloseReason reason,
                                                  const EngineIoError &error,
                                                  const QString &description)
{
    if (state == EngineIoServerSocket::State::Closed)
        return;
    state = EngineIoServerSocket::State::Closed;
    for (QBasicTimer *timer :
         {&pingTimer, &pongTimer, &upgradeTimer, &upgradeCheck, &closeTimer, &pacingTimer})
        timer->stop();
    const bool silently = reason == EngineIoCloseReason::Dropped;
    const QString reasonText =
        description.isEmpty() ? engineIoCloseReasonName(reason) : description;
    qCDebug(lcServer) << "session" << sid << "closed:" << reasonText << error.message;
    QPointer<EngineIoServerSocket> self(q);
    if (!error.message.isEmpty())
        emitErrorOccurred(error);
    if (!self)
        return;

    // A pending GET learns the end: NOOP when the client closed (engine.io's polling onClose),
    // CLOSE otherwise.
    if (pendingGet && silently) {
        pendingGet->abort();
        pendingGet = nullptr;
    } else if (pendingGet) {
        const bool clientClosed = reason == EngineIoCloseReason::TransportClose;
        answerGet({EngineIoPacket(clientClosed ? EngineIoPacket::Noop : EngineIoPacket::Close)});
    }
    postInFlight = nullptr;
    // Dropped: every connection is cut, a probe's too, with no WebSocket close frame.
    const auto how = silently ? EngineIoServerPrivate::Retire::Cut
                              : EngineIoServerPrivate::Retire::CloseHandshake;
    server->retireWebSocket(std::exchange(webSocket, nullptr), how);
    server->retireWebSocket(std::exchange(probe, nullptr), how);
    writeBuffer.clear();
    server->sessions.remove(sid);
    if (!self)
        return;
    Q_EMIT server->q->sessionClosed(q, reasonText);
    if (self && handler)
        handler->sessionClosed(reasonText);
    if (!self)
        return;
    Q_EMIT q->closed(reasonText);
    if (self)
        q->deleteLater();
}

// --- EngineIoServerSocket ---------------------------------------------------------------------

EngineIoServerSocket::EngineIoServerSocket(QObject *parent)
    : QObject(parent)
    , d(new EngineIoServerSocketPrivate(this, nullptr))
{
}

EngineIoServerSocket::~EngineIoServerSocket()
{
    // The WebSockets are children of this object and outlive the private: they must not call it.
    for (ServerWebSocket *socket : {d->webSocket.data(), d->probe.data()}) {
        if (socket)
            socket->setHandler(nullptr);
    }
}

void EngineIoServerSocket::timerEvent(QTimerEvent *event)
{
    if (!d->handleTimer(event->timerId()))
        QObject::timerEvent(event);
}

QString EngineIoServerSocket::sid() const
{
    return d->sid;
}

EngineIoVersion EngineIoServerSocket::version() const
{
    return d->version;
}

TransportKind EngineIoServerSocket::transport() const
{
    return d->transport;
}

EngineIoServerSocket::State EngineIoServerSocket::state() const
{
    return d->state;
}

void EngineIoServerSocket::setHandler(EngineIoServerSessionHandler *handler)
{
    d->handler = handler;
}

bool EngineIoServerSocket::isUpgrading() const
{
    return d->upgrading;
}

EngineIoHandshake EngineIoServerSocket::handshake() const
{
    return d->handshake;
}

const EngineIoServerRequest &EngineIoServerSocket::request() const
{
    return d->request;
}

bool EngineIoServerSocket::sendMessages(const QList<EngineIoPacket> &messages)
{
    if (d->state != State::Open)
        return false;
    d->queue(messages);
    return true;
}

bool EngineIoServerSocket::sendPacket(const EngineIoPacket &packet)
{
    if (d->state != State::Open)
        return false;
    d->queue({packet});
    return true;
}

void EngineIoServerSocket::close()
{
    d->gracefulClose();
}

void EngineIoServerSocket::abort(EngineIoCloseReason reason, const EngineIoError &error)
{
    d->closeConnection(reason, error);
}

void EngineIoServerSocket::drop(const QString &description)
{
    d->closeConnection(EngineIoCloseReason::Dropped, {}, description);
}
