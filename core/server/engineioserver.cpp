#include "server/engineioserver.h"

#include "engineio/engineiocodec.h"
#include "server/serverlogging.h"

#include <QHash>
#include <QNetworkRequest>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>
#include <algorithm>

namespace {

constexpr int UpgradeCheckIntervalMs = 100; // engine.io's forced polling cycle during an upgrade
constexpr int RetiredWebSocketGraceMs = 2000;

QList<QPair<QString, QString>> decodeQuery(const QByteArray &query)
{
    QList<QPair<QString, QString>> items;
    if (query.isEmpty())
        return items;
    // QUrlQuery leaves '+' alone; application/x-www-form-urlencoded reads it as a space.
    QByteArray spaced = query;
    spaced.replace('+', "%20");
    const QUrlQuery parsed(QString::fromUtf8(spaced));
    for (const auto &[key, value] : parsed.queryItems(QUrl::FullyDecoded))
        items.append({key, value});
    return items;
}

QString generateId()
{
    // As engine.io's base64id: 15 random bytes, URL-safe base64, 20 characters.
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    const QByteArray bytes(reinterpret_cast<const char *>(words), 15);
    return QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding));
}

} // namespace

QString EngineIoServerRequest::queryValue(const QString &key) const
{
    for (const auto &[name, value] : query) {
        if (name == key)
            return value;
    }
    return QString();
}

// --- private classes --------------------------------------------------------------------------

class EngineIoServerPrivate
{
public:
    explicit EngineIoServerPrivate(EngineIoServer *q)
        : q(q)
    {
    }

    struct Verdict
    {
        int status = 0; // 0: accepted
        EngineIoErrorCode code = EngineIoErrorCode::BadRequest;
        QString message;
        EngineIoServerSocket *session = nullptr;
        EngineIoVersion version = EngineIoVersion::V4;
        TransportKind transport = TransportKind::None;
    };

    Verdict verify(const HttpRequest &request, bool upgrade) const;
    void refuse(HttpConnection *connection, const Verdict &verdict);
    EngineIoServerRequest describe(const HttpConnection *connection, TransportKind transport) const;
    HttpHeaders corsHeaders(const HttpRequest &request) const;
    EngineIoServerSocket *createSession(EngineIoVersion version, TransportKind transport,
                                        const EngineIoServerRequest &request);
    // Keeps a WebSocket alive until its close handshake is done, then deletes it.
    void retireWebSocket(QWebSocket *socket);

    EngineIoServer *q;
    EngineIoServerOptions options;
    QPointer<HttpListener> listener; // a shared one may go first
    bool ownsListener = false;
    QHash<QString, EngineIoServerSocket *> sessions;
};

class EngineIoServerSocketPrivate : public QObject
{
public:
    EngineIoServerSocketPrivate(EngineIoServerSocket *q, EngineIoServerPrivate *serverPrivate)
        : q(q)
        , server(serverPrivate)
    {
        for (QTimer *timer : {&pingTimer, &pongTimer, &upgradeTimer, &closeTimer})
            timer->setSingleShot(true);
        // The heartbeat is tight in tests (300 ms + 200 ms): no 5 % coarse-timer slack.
        pingTimer.setTimerType(Qt::PreciseTimer);
        pongTimer.setTimerType(Qt::PreciseTimer);
        connect(&pingTimer, &QTimer::timeout, this, &EngineIoServerSocketPrivate::sendPing);
        connect(&pongTimer, &QTimer::timeout, this, [this] {
            closeConnection(
                QStringLiteral("ping timeout"),
                {EngineIoError::Kind::Timeout,
                 version == EngineIoVersion::V4
                     ? QStringLiteral("ping timeout: no PONG within pingTimeout (%1 ms)")
                           .arg(server->options.pingTimeoutMs)
                     : QStringLiteral("ping timeout: no PING within pingInterval + pingTimeout "
                                      "(%1 ms)")
                           .arg(server->options.pingIntervalMs + server->options.pingTimeoutMs)});
        });
        connect(&upgradeTimer, &QTimer::timeout, this, [this] {
            abandonProbe(QStringLiteral("no UPGRADE packet within the upgrade "
                                        "timeout"));
        });
        connect(&closeTimer, &QTimer::timeout, this,
                [this] { closeConnection(QStringLiteral("forced close")); });
        pacingTimer.setSingleShot(true);
        pacingTimer.setTimerType(Qt::PreciseTimer);
        connect(&pacingTimer, &QTimer::timeout, this, [this] {
            webSocketWritable = true;
            if (!writeBuffer.isEmpty())
                flush();
        });
        upgradeCheck.setInterval(UpgradeCheckIntervalMs);
        connect(&upgradeCheck, &QTimer::timeout, this, [this] {
            if (upgrading && pendingGet && writeBuffer.isEmpty())
                answerGet({EngineIoPacket(EngineIoPacket::Noop)});
        });
    }

    void start();
    void attachWebSocket(QWebSocket *socket);
    void startProbe(QWebSocket *socket);
    // What the session's WebSocket and a probe have in common: owned here, the size limits,
    // and their messages decoded.
    void adoptWebSocket(QWebSocket *socket);

    void handleGet(HttpConnection *connection);
    void handlePost(HttpConnection *connection);
    void receiveText(QWebSocket *from, const QString &message);
    void receiveBinary(QWebSocket *from, const QByteArray &message);

    // Each received packet type is finished in its own function.
    void handlePacket(const EngineIoPacket &packet, TransportKind via);
    void finishPing(const EngineIoPacket &packet);
    void finishPong(const EngineIoPacket &packet);
    void finishMessage(const EngineIoPacket &packet);
    void finishClose();
    void handleProbePacket(const EngineIoPacket &packet);
    void finishUpgrade();
    void abandonProbe(const QString &reason);

    void sendPing();
    void queue(const QList<EngineIoPacket> &packets);
    void scheduleFlush();
    void flush();
    void answerGet(const QList<EngineIoPacket> &packets);
    void sendFrames(QWebSocket *socket, const QList<EngineIoPacket> &packets);
    void gracefulClose();

    // The one path for every way a session ends.
    // `silently`: no CLOSE and no WebSocket close frame, the TCP connections are cut (drop()).
    void closeConnection(const QString &reason, const EngineIoError &error = {},
                         bool silently = false);

    EngineIoServerSocket *q;
    EngineIoServerPrivate *server;
    QString sid;
    EngineIoVersion version = EngineIoVersion::V4;
    TransportKind transport = TransportKind::None;
    EngineIoServerSocket::State state = EngineIoServerSocket::State::Open;
    EngineIoHandshake handshake;
    EngineIoServerRequest request;

    QPointer<HttpConnection> pendingGet;
    QPointer<HttpConnection> postInFlight;
    QPointer<QWebSocket> webSocket;
    QPointer<QWebSocket> probe;
    bool upgrading = false; // the probe was answered; waiting for UPGRADE
    bool upgraded = false;

    QList<EngineIoPacket> writeBuffer;
    bool flushScheduled = false;
    // WebSocket: false from a batch's write until Qt has handed it to the network and the
    // pacing interval has passed. As with engine.io, packets queued meanwhile go out together in
    // the next batch; see EngineIoServerOptions::webSocketPacingMs.
    bool webSocketWritable = true;
    QString closeReason; // set by a graceful close

    QTimer pingTimer; // v4: when to ping next
    QTimer pongTimer; // v4: PONG deadline; v3: PING deadline
    QTimer upgradeTimer;
    QTimer upgradeCheck;
    QTimer closeTimer;
    QTimer pacingTimer; // WebSocket: from a batch's write to the next batch
};

// --- EngineIoServerPrivate --------------------------------------------------------------------

EngineIoServerPrivate::Verdict EngineIoServerPrivate::verify(const HttpRequest &request,
                                                             bool upgrade) const
{
    Verdict verdict;
    const auto query = decodeQuery(request.query);
    const auto value = [&query](const QString &key) {
        for (const auto &[name, item] : query) {
            if (name == key)
                return item;
        }
        return QString();
    };
    const auto reject = [&verdict](EngineIoErrorCode code, const QString &message = {}) {
        verdict.status = code == EngineIoErrorCode::Forbidden ? 403 : 400;
        verdict.code = code;
        verdict.message = message.isEmpty() ? engineIoErrorMessage(code) : message;
        return verdict;
    };

    const QString transport = value(QStringLiteral("transport"));
    if (transport == QLatin1String("polling") && options.allowPolling)
        verdict.transport = TransportKind::Polling;
    else if (transport == QLatin1String("websocket") && options.allowWebSocket)
        verdict.transport = TransportKind::WebSocket;
    else
        return reject(EngineIoErrorCode::UnknownTransport);

    const QString sid = value(QStringLiteral("sid"));
    if (!sid.isEmpty()) {
        EngineIoServerSocket *session = sessions.value(sid);
        if (!session)
            return reject(EngineIoErrorCode::UnknownSid);
        if (!upgrade && session->transport() != verdict.transport)
            return reject(
                EngineIoErrorCode::BadRequest); // e.g. a polling request after the upgrade
        verdict.session = session;
        verdict.version = session->version();
        return verdict;
    }

    if (request.method != "GET")
        return reject(EngineIoErrorCode::BadHandshakeMethod);
    if (verdict.transport == TransportKind::WebSocket && !upgrade)
        return reject(EngineIoErrorCode::BadRequest);
    const QString eio = value(QStringLiteral("EIO"));
    if (eio == QLatin1String("4"))
        verdict.version = EngineIoVersion::V4;
    else if (eio == QLatin1String("3") && options.allowEIO3)
        verdict.version = EngineIoVersion::V3;
    else
        return reject(EngineIoErrorCode::UnsupportedProtocolVersion);
    if (sessions.size() >= options.maxSessions)
        return reject(EngineIoErrorCode::Forbidden, QStringLiteral("Too many sessions"));
    return verdict;
}

void EngineIoServerPrivate::refuse(HttpConnection *connection, const Verdict &verdict)
{
    const EngineIoServerRequest described = describe(connection, verdict.transport);
    qCDebug(lcServer) << connection->peerName() << "refused" << connection->request().method
                      << connection->request().target << int(verdict.code) << verdict.message;
    connection->respondJsonError(verdict.status, int(verdict.code), verdict.message,
                                 corsHeaders(connection->request()));
    Q_EMIT q->connectionError(described, verdict.status, int(verdict.code), verdict.message);
}

EngineIoServerRequest EngineIoServerPrivate::describe(const HttpConnection *connection,
                                                      TransportKind transport) const
{
    const HttpRequest &http = connection->request();
    EngineIoServerRequest request;
    request.peerAddress = connection->peerAddress();
    request.peerPort = connection->peerPort();
    request.method = http.method;
    request.target = http.target;
    request.query = decodeQuery(http.query);
    request.headers = http.headers;
    request.transport = transport;
    return request;
}

HttpHeaders EngineIoServerPrivate::corsHeaders(const HttpRequest &request) const
{
    Q_UNUSED(request);
    if (options.corsOrigin.isEmpty())
        return {};
    HttpHeaders headers{HttpHeader("Access-Control-Allow-Origin", options.corsOrigin)};
    if (options.corsOrigin != "*")
        headers.append(HttpHeader("Vary", "Origin"));
    return headers;
}

EngineIoServerSocket *EngineIoServerPrivate::createSession(EngineIoVersion version,
                                                           TransportKind transport,
                                                           const EngineIoServerRequest &request)
{
    auto *socket = new EngineIoServerSocket(q);
    EngineIoServerSocketPrivate *d = socket->d.get();
    d->server = this;
    do {
        d->sid = generateId();
    } while (sessions.contains(d->sid));
    d->version = version;
    d->transport = transport;
    d->request = request;
    d->handshake.sid = d->sid;
    if (transport == TransportKind::Polling && options.allowUpgrades && options.allowWebSocket)
        d->handshake.upgrades = QStringList{QStringLiteral("websocket")};
    d->handshake.pingInterval = options.pingIntervalMs;
    d->handshake.pingTimeout = options.pingTimeoutMs;
    if (version == EngineIoVersion::V4)
        d->handshake.maxPayload = options.maxPayload;
    sessions.insert(d->sid, socket);
    qCDebug(lcServer) << "session" << d->sid << "opened over" << transportName(transport) << "v"
                      << int(version) << "from" << request.peerAddress.toString();
    return socket;
}

void EngineIoServerPrivate::retireWebSocket(QWebSocket *socket)
{
    if (!socket)
        return;
    socket->disconnect();
    socket->setParent(q);
    if (socket->state() == QAbstractSocket::UnconnectedState) {
        socket->deleteLater();
        return;
    }
    QObject::connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(RetiredWebSocketGraceMs, socket, [socket] {
        socket->abort();
        socket->deleteLater();
    });
    socket->close();
}

// --- EngineIoServerSocketPrivate --------------------------------------------------------------

void EngineIoServerSocketPrivate::start()
{
    // The OPEN packet goes first; handlers of connection() may queue more behind it.
    writeBuffer.prepend(EngineIoPacket(EngineIoPacket::Open, handshake.toJson()));
    if (version == EngineIoVersion::V4) {
        pingTimer.start(server->options.pingIntervalMs);
    } else {
        pongTimer.start(server->options.pingIntervalMs + server->options.pingTimeoutMs);
    }
}

void EngineIoServerSocketPrivate::adoptWebSocket(QWebSocket *socket)
{
    socket->setParent(this);
    socket->setMaxAllowedIncomingMessageSize(quint64(server->options.maxPayload));
    socket->setMaxAllowedIncomingFrameSize(quint64(server->options.maxPayload));
    connect(socket, &QWebSocket::textMessageReceived, this,
            [this, socket](const QString &message) { receiveText(socket, message); });
    connect(socket, &QWebSocket::binaryMessageReceived, this,
            [this, socket](const QByteArray &message) { receiveBinary(socket, message); });
}

void EngineIoServerSocketPrivate::attachWebSocket(QWebSocket *socket)
{
    webSocket = socket;
    adoptWebSocket(socket);
    connect(socket, &QWebSocket::bytesWritten, this, [this, socket] {
        if (socket != webSocket || socket->bytesToWrite() > 0 || pacingTimer.isActive())
            return;
        if (writeBuffer.isEmpty())
            webSocketWritable = true; // idle: the next packet goes out at once
        else
            pacingTimer.start(server->options.webSocketPacingMs);
    });
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        if (socket != webSocket)
            return;
        QString message = QStringLiteral("WebSocket closed by the client");
        if (socket->closeCode() != QWebSocketProtocol::CloseCodeNormal &&
            socket->closeCode() != QWebSocketProtocol::CloseCodeGoingAway)
            message += QStringLiteral(" (close code %1%2)")
                           .arg(int(socket->closeCode()))
                           .arg(socket->closeReason().isEmpty()
                                    ? QString()
                                    : QStringLiteral(": ") + socket->closeReason());
        closeConnection(QStringLiteral("transport close"),
                        socket->closeCode() == QWebSocketProtocol::CloseCodeNormal ||
                                socket->closeCode() == QWebSocketProtocol::CloseCodeGoingAway
                            ? EngineIoError()
                            : EngineIoError(EngineIoError::Kind::Transport, message));
    });
}

void EngineIoServerSocketPrivate::startProbe(QWebSocket *socket)
{
    probe = socket;
    adoptWebSocket(socket);
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        if (socket == probe)
            abandonProbe(QStringLiteral("the probe WebSocket closed"));
    });
    upgradeTimer.start(server->options.upgradeTimeoutMs);
}

void EngineIoServerSocketPrivate::receiveText(QWebSocket *from, const QString &message)
{
    if (state == EngineIoServerSocket::State::Closed)
        return;
    const QByteArray text = message.toUtf8();
    EngineIoPacket packet;
    QString error;
    if (!EngineIoCodec::decodeText(text, version, &packet, &error)) {
        if (from == probe) {
            abandonProbe(error);
            return;
        }
        closeConnection(
            QStringLiteral("parse error"),
            {EngineIoError::Kind::Protocol, error, text.left(EngineIoCodec::MaxOffendingBytes)});
        return;
    }
    if (from == probe)
        handleProbePacket(packet);
    else if (from == webSocket)
        handlePacket(packet, TransportKind::WebSocket);
}

void EngineIoServerSocketPrivate::receiveBinary(QWebSocket *from, const QByteArray &message)
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
            QStringLiteral("parse error"),
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
        closeConnection(QStringLiteral("transport error"),
                        {EngineIoError::Kind::Protocol,
                         QStringLiteral("a second polling GET while one is pending (only one "
                                        "GET may be in flight per session)")});
        return;
    }
    pendingGet = connection;
    connect(connection, &HttpConnection::aborted, this, [this, connection] {
        if (pendingGet != connection)
            return;
        pendingGet = nullptr;
        closeConnection(
            QStringLiteral("transport error"),
            {EngineIoError::Kind::Transport, QStringLiteral("poll connection closed prematurely")});
    });
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
        closeConnection(QStringLiteral("parse error"),
                        {EngineIoError::Kind::Protocol, error, offending});
}

void EngineIoServerSocketPrivate::handlePacket(const EngineIoPacket &packet, TransportKind via)
{
    if (state == EngineIoServerSocket::State::Closed)
        return;
    Q_EMIT q->packetReceived(packet, via);
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
        closeConnection(QStringLiteral("transport error"),
                        {EngineIoError::Kind::Protocol,
                         QStringLiteral("PING from a v4 client: in Engine.IO v4 the server "
                                        "pings (invalid heartbeat direction)"),
                         EngineIoCodec::encodeText(packet, version)});
        return;
    }
    Q_EMIT q->pingReceived(packet.data);
    pongTimer.start(server->options.pingIntervalMs + server->options.pingTimeoutMs);
    queue({EngineIoPacket(EngineIoPacket::Pong, packet.data)});
}

void EngineIoServerSocketPrivate::finishPong(const EngineIoPacket &packet)
{
    if (version == EngineIoVersion::V3) {
        closeConnection(QStringLiteral("transport error"),
                        {EngineIoError::Kind::Protocol,
                         QStringLiteral("PONG from a v3 client: in Engine.IO v3 the client "
                                        "pings (invalid heartbeat direction)"),
                         EngineIoCodec::encodeText(packet, version)});
        return;
    }
    Q_EMIT q->pongReceived(packet.data);
    if (pongTimer.isActive()) {
        pongTimer.stop();
        pingTimer.start(server->options.pingIntervalMs);
    }
}

void EngineIoServerSocketPrivate::finishMessage(const EngineIoPacket &packet)
{
    Q_EMIT q->messageReceived(packet.data, packet.binary);
}

void EngineIoServerSocketPrivate::finishClose()
{
    Q_EMIT q->closeReceived();
    closeConnection(QStringLiteral("transport close"));
}

void EngineIoServerSocketPrivate::handleProbePacket(const EngineIoPacket &packet)
{
    Q_EMIT q->packetReceived(packet, TransportKind::WebSocket);
    if (packet.type == EngineIoPacket::Ping && packet.data == "probe" && !upgrading) {
        sendFrames(probe, {EngineIoPacket(EngineIoPacket::Pong, QByteArrayLiteral("probe"))});
        upgrading = true;
        Q_EMIT q->upgrading(TransportKind::WebSocket);
        // Cut the pending GET short so that the client can pause polling and send UPGRADE.
        if (pendingGet && writeBuffer.isEmpty())
            answerGet({EngineIoPacket(EngineIoPacket::Noop)});
        upgradeCheck.start();
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
    QWebSocket *socket = probe;
    probe = nullptr;
    socket->disconnect(this);
    attachWebSocket(socket);
    transport = TransportKind::WebSocket;
    upgrading = false;
    upgraded = true;
    // The polling side is done: a pending GET ends with a NOOP.
    if (pendingGet)
        answerGet({EngineIoPacket(EngineIoPacket::Noop)});
    if (postInFlight)
        postInFlight = nullptr;
    Q_EMIT q->upgraded(TransportKind::WebSocket);
    if (state == EngineIoServerSocket::State::Closing) {
        webSocketWritable = true;
        flush();
        closeConnection(closeReason);
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
    Q_EMIT q->upgradeFailed(reason);
}

void EngineIoServerSocketPrivate::sendPing()
{
    if (state != EngineIoServerSocket::State::Open)
        return;
    queue({EngineIoPacket(EngineIoPacket::Ping)});
    pongTimer.start(server->options.pingTimeoutMs);
}

void EngineIoServerSocketPrivate::queue(const QList<EngineIoPacket> &packets)
{
    writeBuffer += packets;
    if (transport != TransportKind::WebSocket) {
        scheduleFlush();
    } else if (webSocketWritable) {
        flush(); // at once, like engine.io on a writable transport
    } else if (webSocket && webSocket->bytesToWrite() == 0 && !pacingTimer.isActive()) {
        // Written already, but bytesWritten came while the buffer was empty.
        pacingTimer.start(server->options.webSocketPacingMs);
    }
}

void EngineIoServerSocketPrivate::scheduleFlush()
{
    if (flushScheduled)
        return;
    flushScheduled = true;
    // Packets queued in the same turn of the event loop go out together (one polling answer).
    QMetaObject::invokeMethod(this, &EngineIoServerSocketPrivate::flush, Qt::QueuedConnection);
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
        closeConnection(closeReason.isEmpty() ? QStringLiteral("forced close") : closeReason);
}

void EngineIoServerSocketPrivate::answerGet(const QList<EngineIoPacket> &packets)
{
    HttpConnection *connection = pendingGet;
    pendingGet = nullptr;
    if (!connection)
        return;
    connection->disconnect(this);
    HttpHeaders headers = server->corsHeaders(connection->request());
    headers.append(HttpHeader("Content-Type", "text/plain; charset=UTF-8"));
    connection->respond(200, headers, EngineIoCodec::encodePayload(packets, version));
    QPointer<EngineIoServerSocket> self(q);
    for (const EngineIoPacket &packet : packets) {
        Q_EMIT q->packetSent(packet, TransportKind::Polling);
        if (!self)
            return;
    }
}

void EngineIoServerSocketPrivate::sendFrames(QWebSocket *socket,
                                             const QList<EngineIoPacket> &packets)
{
    if (!socket)
        return;
    QPointer<EngineIoServerSocket> self(q);
    for (const EngineIoPacket &packet : packets) {
        if (packet.binary)
            socket->sendBinaryMessage(EngineIoCodec::encodeBinaryFrame(packet.data, version));
        else
            socket->sendTextMessage(QString::fromUtf8(EngineIoCodec::encodeText(packet, version)));
        Q_EMIT q->packetSent(packet, TransportKind::WebSocket);
        if (!self)
            return;
    }
}

void EngineIoServerSocketPrivate::gracefulClose()
{
    if (state != EngineIoServerSocket::State::Open)
        return;
    state = EngineIoServerSocket::State::Closing;
    closeReason = QStringLiteral("forced close");
    pingTimer.stop();
    pongTimer.stop();
    if (upgrading) {
        // Finish on whichever transport wins; the upgrade timeout bounds the wait.
        closeTimer.start(server->options.closeTimeoutMs);
        return;
    }
    if (transport == TransportKind::WebSocket) {
        webSocketWritable = true; // everything goes out now, ahead of the close frame
        flush();
        closeConnection(closeReason);
        return;
    }
    writeBuffer.append(EngineIoPacket(EngineIoPacket::Close));
    if (pendingGet) {
        flush();
        return;
    }
    closeTimer.start(server->options.closeTimeoutMs);
}

void EngineIoServerSocketPrivate::closeConnection(const QString &reason, const EngineIoError &error,
                                                  bool silently)
{
    if (state == EngineIoServerSocket::State::Closed)
        return;
    state = EngineIoServerSocket::State::Closed;
    for (QTimer *timer :
         {&pingTimer, &pongTimer, &upgradeTimer, &upgradeCheck, &closeTimer, &pacingTimer})
        timer->stop();
    qCDebug(lcServer) << "session" << sid << "closed:" << reason << error.message;
    QPointer<EngineIoServerSocket> self(q);
    if (!error.message.isEmpty())
        Q_EMIT q->errorOccurred(error);
    if (!self)
        return;

    // A pending GET learns the end: NOOP when the client closed (engine.io's polling onClose),
    // CLOSE otherwise.
    if (pendingGet && silently) {
        pendingGet->abort();
        pendingGet = nullptr;
    } else if (pendingGet) {
        const bool clientClosed = reason == QLatin1String("transport close");
        answerGet({EngineIoPacket(clientClosed ? EngineIoPacket::Noop : EngineIoPacket::Close)});
    }
    postInFlight = nullptr;
    if (webSocket && silently) {
        webSocket->disconnect();
        webSocket->abort();
        webSocket->deleteLater();
        webSocket = nullptr;
    } else if (webSocket) {
        QWebSocket *socket = webSocket;
        webSocket = nullptr;
        server->retireWebSocket(socket);
    }
    if (probe) {
        QWebSocket *socket = probe;
        probe = nullptr;
        server->retireWebSocket(socket);
    }
    writeBuffer.clear();
    server->sessions.remove(sid);
    if (!self)
        return;
    Q_EMIT q->closed(reason);
    if (self)
        q->deleteLater();
}

// --- EngineIoServerSocket ---------------------------------------------------------------------

EngineIoServerSocket::EngineIoServerSocket(QObject *parent)
    : QObject(parent)
    , d(new EngineIoServerSocketPrivate(this, nullptr))
{
}

EngineIoServerSocket::~EngineIoServerSocket() = default;

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

void EngineIoServerSocket::abort(const QString &reason, const EngineIoError &error)
{
    d->closeConnection(reason, error);
}

void EngineIoServerSocket::drop(const QString &reason)
{
    d->closeConnection(reason, {}, true);
}

// --- EngineIoServer ---------------------------------------------------------------------------

EngineIoServer::EngineIoServer(QObject *parent)
    : QObject(parent)
    , d(new EngineIoServerPrivate(this))
{
}

EngineIoServer::~EngineIoServer()
{
    const auto sessions = d->sessions.values();
    for (EngineIoServerSocket *session : sessions)
        session->disconnect();
    d->sessions.clear();
    if (d->listener && !d->ownsListener)
        d->listener->removeRoute(this);
}

void EngineIoServer::setOptions(const EngineIoServerOptions &options)
{
    d->options = options;
    if (!d->options.path.endsWith(QLatin1Char('/')))
        d->options.path += QLatin1Char('/');
    if (!d->options.path.startsWith(QLatin1Char('/')))
        d->options.path.prepend(QLatin1Char('/'));
    if (d->listener)
        d->listener->addRoute(d->options.path, this);
}

EngineIoServerOptions EngineIoServer::options() const
{
    return d->options;
}

bool EngineIoServer::listen(const QHostAddress &address, quint16 port)
{
    if (!d->listener) {
        d->listener = new HttpListener(this);
        d->ownsListener = true;
        d->listener->addRoute(d->options.path, this);
    }
    return d->listener->listen(address, port);
}

void EngineIoServer::attach(HttpListener *listener)
{
    if (d->listener && d->listener != listener) {
        d->listener->removeRoute(this);
        if (d->ownsListener)
            delete d->listener;
    }
    d->listener = listener;
    d->ownsListener = false;
    listener->addRoute(d->options.path, this);
}

HttpListener *EngineIoServer::listener() const
{
    return d->listener;
}

quint16 EngineIoServer::serverPort() const
{
    return d->listener ? d->listener->serverPort() : 0;
}

QString EngineIoServer::errorString() const
{
    return d->listener ? d->listener->errorString() : QString();
}

void EngineIoServer::close()
{
    const auto sessions = d->sessions.values();
    for (EngineIoServerSocket *session : sessions)
        session->d->closeConnection(QStringLiteral("server shutting down"));
    if (d->listener) {
        if (d->ownsListener)
            d->listener->close();
        else
            d->listener->removeRoute(this);
    }
}

QList<EngineIoServerSocket *> EngineIoServer::sessions() const
{
    return d->sessions.values();
}

EngineIoServerSocket *EngineIoServer::session(const QString &sid) const
{
    return d->sessions.value(sid);
}

qint64 EngineIoServer::maxRequestBodyBytes() const
{
    return d->options.maxPayload;
}

bool EngineIoServer::beginRequest(HttpConnection *connection)
{
    const HttpRequest &request = connection->request();
    if (request.method == "OPTIONS")
        return true;
    const auto verdict = d->verify(request, false);
    if (verdict.status != 0) {
        d->refuse(connection, verdict);
        return false;
    }
    if (verdict.session && request.method == "POST") {
        EngineIoServerSocketPrivate *session = verdict.session->d.get();
        if (session->postInFlight && session->postInFlight != connection) {
            connection->respond(400, d->corsHeaders(request), QByteArray());
            session->closeConnection(
                QStringLiteral("transport error"),
                {EngineIoError::Kind::Protocol,
                 QStringLiteral("a second polling POST while one is in flight (only one POST "
                                "may be in flight per session)")});
            return false;
        }
        session->postInFlight = connection;
    }
    return true;
}

void EngineIoServer::handleRequest(HttpConnection *connection)
{
    const HttpRequest &request = connection->request();
    if (request.method == "OPTIONS" && !d->options.corsOrigin.isEmpty()) {
        // CORS preflight, as the cors middleware answers it.
        HttpHeaders headers = d->corsHeaders(request);
        headers.append(
            HttpHeader("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE"));
        const QByteArray requested = request.header("access-control-request-headers");
        if (!requested.isEmpty()) {
            headers.append(HttpHeader("Access-Control-Allow-Headers", requested));
            headers.append(HttpHeader("Vary", "Access-Control-Request-Headers"));
        }
        connection->respond(204, headers, QByteArray());
        return;
    }
    const auto verdict = d->verify(request, false);
    if (verdict.status != 0) {
        d->refuse(connection, verdict);
        return;
    }
    if (!verdict.session) {
        // The handshake: a polling GET without sid.
        EngineIoServerSocket *socket = d->createSession(verdict.version, TransportKind::Polling,
                                                        d->describe(connection, verdict.transport));
        socket->d->start();
        socket->d->pendingGet = connection;
        QObject::connect(connection, &HttpConnection::aborted, socket->d.get(),
                         [session = socket->d.get(), connection] {
                             if (session->pendingGet != connection)
                                 return;
                             session->pendingGet = nullptr;
                             session->closeConnection(
                                 QStringLiteral("transport error"),
                                 {EngineIoError::Kind::Transport,
                                  QStringLiteral("handshake connection closed prematurely")});
                         });
        QPointer<EngineIoServerSocket> guard(socket);
        Q_EMIT this->connection(socket);
        if (guard && guard->state() == EngineIoServerSocket::State::Open)
            socket->d->flush(); // OPEN, and whatever the handlers queued (v3: Socket.IO's "40")
        return;
    }
    EngineIoServerSocketPrivate *session = verdict.session->d.get();
    if (request.method == "GET") {
        session->handleGet(connection);
    } else if (request.method == "POST") {
        session->handlePost(connection);
    } else {
        connection->respond(500, d->corsHeaders(request), QByteArray()); // as engine.io
    }
}

bool EngineIoServer::acceptWebSocket(HttpConnection *connection)
{
    const auto verdict = d->verify(connection->request(), true);
    if (verdict.status != 0) {
        d->refuse(connection, verdict);
        return false;
    }
    if (verdict.transport != TransportKind::WebSocket) {
        EngineIoServerPrivate::Verdict refusal;
        refusal.status = 400;
        refusal.code = EngineIoErrorCode::BadRequest;
        refusal.message = engineIoErrorMessage(EngineIoErrorCode::BadRequest);
        d->refuse(connection, refusal);
        return false;
    }
    return true;
}

void EngineIoServer::handleWebSocket(QWebSocket *socket)
{
    const QByteArray query = socket->requestUrl().query(QUrl::FullyEncoded).toUtf8();
    EngineIoServerRequest request;
    request.peerAddress = socket->peerAddress();
    request.peerPort = socket->peerPort();
    request.method = "GET";
    request.target = socket->requestUrl()
                         .toString(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::FullyEncoded)
                         .toUtf8();
    request.query = decodeQuery(query);
    for (const QByteArray &name : socket->request().rawHeaderList())
        request.headers.append({name.toLower(), socket->request().rawHeader(name)});
    request.transport = TransportKind::WebSocket;

    const QString sid = request.queryValue(QStringLiteral("sid"));
    if (!sid.isEmpty()) {
        EngineIoServerSocket *session = d->sessions.value(sid);
        // engine.io accepts the WebSocket and closes it when the session cannot upgrade (gone,
        // already upgraded or upgrading, not on polling).
        if (!session || session->d->transport != TransportKind::Polling || session->d->upgrading ||
            session->d->probe || !d->options.allowUpgrades ||
            session->state() != EngineIoServerSocket::State::Open) {
            qCDebug(lcServer) << "WebSocket for session" << sid << "refused: cannot upgrade";
            d->retireWebSocket(socket);
            return;
        }
        session->d->startProbe(socket);
        return;
    }

    const QString eio = request.queryValue(QStringLiteral("EIO"));
    const EngineIoVersion version =
        eio == QLatin1String("3") ? EngineIoVersion::V3 : EngineIoVersion::V4;
    EngineIoServerSocket *session = d->createSession(version, TransportKind::WebSocket, request);
    session->d->attachWebSocket(socket);
    session->d->start();
    QPointer<EngineIoServerSocket> guard(session);
    Q_EMIT this->connection(session);
    if (guard && guard->state() == EngineIoServerSocket::State::Open)
        session->d->flush();
}

void EngineIoServer::requestRefused(const HttpConnection *connection, int status,
                                    const QString &reason)
{
    EngineIoServerRequest request = d->describe(connection, TransportKind::Polling);
    Q_EMIT connectionError(request, status, -1, reason);
}
