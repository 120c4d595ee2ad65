#include "server/engineioserver_p.h"

#include "server/serverlogging.h"
#include "server/serverwebsocket.h"

#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QUrlQuery>

namespace {

QList<QPair<QString, QString>> decodeQuery(QByteArrayView query)
{
    QList<QPair<QString, QString>> items;
    if (query.isEmpty())
        return items;
    // QUrlQuery leaves '+' alone; application/x-www-form-urlencoded reads it as a space.
    QByteArray spaced = query.toByteArray();
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

QList<QPair<QString, QString>> EngineIoServerRequest::queryItems() const
{
    return decodeQuery(splitRequestTarget(target).query);
}

QString EngineIoServerRequest::queryValue(const QString &key) const
{
    for (const auto &[name, value] : queryItems()) {
        if (name == key)
            return value;
    }
    return QString();
}

// --- EngineIoServerPrivate --------------------------------------------------------------------

EngineIoServerPrivate::Verdict EngineIoServerPrivate::verify(const HttpRequest &request,
                                                             RequestKind kind) const
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
        if (kind == RequestKind::PlainHttp && session->transport() != verdict.transport)
            return reject(
                EngineIoErrorCode::BadRequest); // e.g. a polling request after the upgrade
        verdict.session = session;
        verdict.version = session->version();
        return verdict;
    }

    if (request.method != "GET")
        return reject(EngineIoErrorCode::BadHandshakeMethod);
    if (verdict.transport == TransportKind::WebSocket && kind == RequestKind::PlainHttp)
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
    return describe(connection->request(), connection->peerAddress(), connection->peerPort(),
                    transport);
}

EngineIoServerRequest EngineIoServerPrivate::describe(const HttpRequest &http,
                                                      const QHostAddress &peerAddress,
                                                      quint16 peerPort,
                                                      TransportKind transport) const
{
    EngineIoServerRequest request;
    request.peerAddress = peerAddress;
    request.peerPort = peerPort;
    request.method = http.method;
    request.target = http.target;
    Http::appendFieldLines(&request.headerLines, http.headers);
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

void EngineIoServerPrivate::retireWebSocket(ServerWebSocket *socket, Retire how)
{
    if (!socket)
        return;
    socket->setHandler(nullptr);
    socket->disconnect();
    socket->setParent(q);
    if (how == Retire::Cut) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    if (socket->state() == ServerWebSocket::State::Closed) {
        socket->deleteLater();
        return;
    }
    QObject::connect(socket, &ServerWebSocket::disconnected, socket, &QObject::deleteLater);
    // The close handshake is bounded by the socket itself (ServerWebSocket::CloseTimeoutMs).
    socket->close();
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
        session->d->closeConnection(EngineIoCloseReason::ServerShuttingDown);
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
    const auto verdict = d->verify(request, EngineIoServerPrivate::RequestKind::PlainHttp);
    if (verdict.status != 0) {
        d->refuse(connection, verdict);
        return false;
    }
    if (verdict.session && request.method == "POST")
        return verdict.session->d->admitPost(connection);
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
    const auto verdict = d->verify(request, EngineIoServerPrivate::RequestKind::PlainHttp);
    if (verdict.status != 0) {
        d->refuse(connection, verdict);
        return;
    }
    if (!verdict.session) {
        // The handshake: a polling GET without sid.
        EngineIoServerSocket *socket = d->createSession(verdict.version, TransportKind::Polling,
                                                        d->describe(connection, verdict.transport));
        socket->d->start();
        socket->d->parkHandshakeGet(connection);
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
    const auto verdict =
        d->verify(connection->request(), EngineIoServerPrivate::RequestKind::WebSocketUpgrade);
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

void EngineIoServer::handleWebSocket(ServerWebSocket *socket, const HttpRequest &upgrade)
{
    const EngineIoServerRequest request =
        d->describe(upgrade, socket->peerAddress(), socket->peerPort(), TransportKind::WebSocket);

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
    EngineIoServerRequest request = d->describe(
        connection, connection->request().isWebSocketUpgrade() ? TransportKind::WebSocket
                                                               : TransportKind::Polling);
    Q_EMIT connectionError(request, status, -1, reason);
}
