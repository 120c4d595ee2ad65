#include "server/httplistener.h"

#include "server/serverlogging.h"
#include "server/serverwebsocket.h"
#include "server/tcpstream.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

Q_LOGGING_CATEGORY(lcServer, "sioscope.server", QtInfoMsg)

namespace {
constexpr int MaxRequestsPerRead = 64;       // then yield to the event loop
constexpr qint64 MaxPeekBytes = 1024 * 1024; // body bytes examined per step
} // namespace

// --- HttpConnection ---------------------------------------------------------------------------

HttpConnection::HttpConnection(QTcpSocket *socket, HttpListener *listener)
    : QObject(listener)
    , m_listener(listener)
    , m_socket(socket)
    , m_parser(listener->limits().request)
    , m_peerAddress(socket->peerAddress())
    , m_peerPort(socket->peerPort())
{
    socket->setParent(this);
    // Small frames (a Socket.IO answer, then an event) must not wait for the delayed ACK of the
    // previous one (Nagle). Node's HTTP server does the same.
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::handleTimeout);
    connect(socket, &QTcpSocket::readyRead, this, &HttpConnection::readRequests);
    connect(socket, &QTcpSocket::disconnected, this, &HttpConnection::handleDisconnected);
    connect(socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::RemoteHostClosedError)
            qCDebug(lcServer) << peerName() << "socket error:" << m_socket->errorString();
    });
    connect(socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_state == State::Draining)
            finishDraining();
    });
    setPending(true);
    m_timer.start(m_listener->limits().headTimeoutMs);
}

void HttpConnection::setPending(bool pending)
{
    if (pending == m_pending)
        return;
    m_pending = pending;
    m_listener->m_pendingCount += pending ? 1 : -1;
}

void HttpConnection::handleTimeout()
{
    switch (m_state) {
    case State::ReadingHead:
        // Idle between keep-alive requests: an ordinary end. Otherwise the head did not come
        // in time (nothing at all on a new connection, or a part of it).
        if (m_requests > 0 && m_socket->bytesAvailable() == 0) {
            qCDebug(lcServer) << peerName() << "idle: closing";
            closeNow();
            return;
        }
        [[fallthrough]];
    case State::ReadingBody: {
        HttpRefusal refusal;
        refusal.limit = HttpLimit::HeadTimeout;
        refusal.limitValue = m_listener->limits().headTimeoutMs;
        refusal.message = m_state == State::ReadingBody
                              ? QStringLiteral("the request body stalled")
                              : QStringLiteral("no complete request head");
        if (m_state == State::ReadingBody) {
            refusal.method = m_request.method;
            refusal.target = m_request.target;
        }
        m_listener->refuse(refusal, this);
        closeNow();
        return;
    }
    case State::Draining:
        closeNow();
        return;
    default:
        return;
    }
}

QString HttpConnection::peerName() const
{
    return QStringLiteral("%1:%2").arg(m_peerAddress.toString()).arg(m_peerPort);
}

QByteArray HttpConnection::reasonPhrase(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 426:
        return "Upgrade Required";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

void HttpConnection::readRequests()
{
    const HttpListener::Limits &limits = m_listener->limits();
    for (int round = 0; round < MaxRequestsPerRead * 4; ++round) {
        switch (m_state) {
        case State::ReadingHead: {
            if (m_socket->bytesAvailable() == 0)
                return;
            const QByteArray data = m_socket->peek(
                std::min<qint64>(m_socket->bytesAvailable(), limits.request.maxHeadBytes));
            qsizetype headBytes = 0;
            const auto status = m_parser.parseHead(data, &headBytes);
            if (status == HttpRequestParser::Status::NeedMoreData) {
                if (!m_timer.isActive() || m_timer.interval() != limits.headTimeoutMs)
                    m_timer.start(limits.headTimeoutMs);
                return;
            }
            if (status == HttpRequestParser::Status::Error) {
                handleError(m_parser, m_listener->limitValue(m_parser.errorLimit(), nullptr),
                            false);
                return;
            }
            m_timer.stop();
            m_request = m_parser.request();
            HttpRequestHandler *handler = m_listener->route(m_request.path);
            if (m_request.isWebSocketUpgrade()) {
                // The head stays in the socket until the upgrade is accepted.
                m_state = State::Handling;
                m_bodyUnread = true;
                if (!handler) {
                    respondJsonError(404, 0, QStringLiteral("Not found"));
                    return;
                }
                if (!handler->acceptWebSocket(this))
                    return;
                // As the reference server (engine.io, then ws): the route's verdict first, then
                // the WebSocket handshake's own rules.
                const ServerWebSocket::Refusal refusal = ServerWebSocket::checkUpgrade(m_request);
                if (refusal.status != 0) {
                    qCDebug(lcServer)
                        << peerName() << "refused WebSocket upgrade:" << refusal.status
                        << refusal.message;
                    handler->requestRefused(this, refusal.status, refusal.message);
                    HttpHeaders headers = refusal.headers;
                    headers.append(HttpHeader("Content-Type", "text/plain; charset=utf-8"));
                    respond(refusal.status, headers, refusal.message.toUtf8(), true);
                    return;
                }
                m_listener->handOver(this, m_socket, headBytes);
                return;
            }
            m_socket->skip(headBytes);
            const auto bodyStatus = m_parser.startBody(handler ? handler->maxRequestBodyBytes()
                                                               : limits.request.maxBodyBytes);
            if (bodyStatus == HttpRequestParser::Status::Error) {
                m_bodyUnread = true;
                if (handler)
                    handler->requestRefused(this, m_parser.errorStatus(), m_parser.errorString());
                handleError(m_parser, m_listener->limitValue(m_parser.errorLimit(), handler),
                            handler != nullptr);
                return;
            }
            if (bodyStatus == HttpRequestParser::Status::NeedMoreData) {
                m_state = State::ReadingBody;
                m_bodyUnread = true;
                m_timer.start(limits.headTimeoutMs);
                if (handler && !handler->beginRequest(this))
                    return; // answered already; the connection closes
                continue;
            }
            break; // RequestReady: dispatched below
        }
        case State::ReadingBody: {
            if (m_socket->bytesAvailable() == 0)
                return;
            const QByteArray data =
                m_socket->peek(std::min<qint64>(m_socket->bytesAvailable(), MaxPeekBytes));
            qsizetype consumed = 0;
            const auto status = m_parser.feedBody(data, &consumed);
            m_socket->skip(consumed);
            if (status == HttpRequestParser::Status::Error) {
                HttpRequestHandler *handler = m_listener->route(m_request.path);
                if (handler)
                    handler->requestRefused(this, m_parser.errorStatus(), m_parser.errorString());
                handleError(m_parser, m_listener->limitValue(m_parser.errorLimit(), handler),
                            handler != nullptr);
                return;
            }
            m_timer.start(limits.headTimeoutMs); // progress: the body may take its time
            if (status == HttpRequestParser::Status::NeedMoreData)
                continue;
            break; // RequestReady
        }
        case State::Draining:
            m_drained += m_socket->skip(m_socket->bytesAvailable());
            if (m_drained > limits.maxDrainBytes)
                closeNow();
            return;
        case State::Handling:
        case State::HandedOver:
        case State::Closed:
            return;
        }

        // A complete request.
        m_request = m_parser.takeRequest();
        m_bodyUnread = false;
        m_state = State::Handling;
        ++m_requests;
        setPending(false);
        m_timer.stop();
        if (HttpRequestHandler *handler = m_listener->route(m_request.path))
            handler->handleRequest(this);
        else
            respondJsonError(404, 0, QStringLiteral("Not found"));
        // Answered at once: go on with what the client already sent (pipelining). Otherwise the
        // handler answers later, and reading resumes then.
    }
    // Many requests in one go: let the event loop breathe, then go on.
    QMetaObject::invokeMethod(this, &HttpConnection::readRequests, Qt::QueuedConnection);
}

void HttpConnection::respond(int status, const HttpHeaders &headers, const QByteArray &body,
                             bool close)
{
    if (m_state != State::Handling && m_state != State::ReadingBody)
        return; // answered already, or gone
    const HttpListener::Limits &limits = m_listener->limits();
    const bool closeAfter = close || m_bodyUnread || !m_request.keepAlive();

    QByteArray out;
    out.reserve(256 + body.size());
    out += "HTTP/1.1 ";
    out += QByteArray::number(status);
    out += ' ';
    out += reasonPhrase(status);
    out += "\r\n";
    Http::appendFieldLines(&out, headers);
    if (status != 204 && status != 304) {
        out += "Content-Length: ";
        out += QByteArray::number(body.size());
        out += "\r\n";
    }
    if (closeAfter) {
        out += "Connection: close\r\n";
    } else {
        out += "Connection: keep-alive\r\nKeep-Alive: timeout=";
        out += QByteArray::number(limits.advertisedKeepAliveSeconds);
        out += "\r\n";
    }
    out += "\r\n";
    if (m_request.method != "HEAD")
        out += body;
    m_socket->write(out);

    if (closeAfter) {
        m_state = State::Draining;
        m_timer.start(limits.drainTimeoutMs);
        m_drained += m_socket->skip(m_socket->bytesAvailable());
        m_socket->flush();
        finishDraining();
        return;
    }
    m_state = State::ReadingHead;
    m_request = HttpRequest();
    m_timer.start(limits.keepAliveTimeoutMs);
    // Bytes already received (a pipelined request) raise no new readyRead.
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::readRequests, Qt::QueuedConnection);
}

void HttpConnection::respondJsonError(int status, int code, const QString &message,
                                      const HttpHeaders &extraHeaders)
{
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("code"), code},
                                                      {QStringLiteral("message"), message}})
                                .toJson(QJsonDocument::Compact);
    HttpHeaders headers = extraHeaders;
    headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    respond(status, headers, body, false);
}

void HttpConnection::handleError(const HttpRequestParser &parser, qint64 limitValue, bool reported)
{
    const int status = parser.errorStatus();
    const QString message = parser.errorString();
    HttpRefusal refusal;
    refusal.limit = parser.errorLimit();
    refusal.limitValue = limitValue;
    refusal.status = status;
    refusal.message = message;
    refusal.reported = reported;
    // As far as the request line was read (empty when the request line itself was refused).
    refusal.method = parser.request().method;
    refusal.target = parser.request().target;
    m_listener->refuse(refusal, this);
    if (m_state == State::ReadingHead) {
        // Nothing was routed yet; the error concerns the bytes still in the socket.
        m_state = State::Handling;
    }
    m_bodyUnread = true;
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("code"), 3},
                                                      {QStringLiteral("message"), message}})
                                .toJson(QJsonDocument::Compact);
    if (m_state == State::ReadingBody)
        m_state = State::Handling;
    respond(status, {{"Content-Type", "application/json"}}, body, true);
}

// After an answer that ends the connection: once it is written, stop sending (FIN) but keep
// reading and dropping what the client still sends, so that closing with unread data does not
// reset the connection before the client has read the answer.
void HttpConnection::finishDraining()
{
    if (m_state != State::Draining || m_socket->bytesToWrite() > 0)
        return;
#ifdef Q_OS_UNIX
    if (m_socket->socketDescriptor() >= 0)
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    else
        closeNow();
#else
    m_socket->disconnectFromHost();
#endif
}

void HttpConnection::abort()
{
    closeNow();
}

void HttpConnection::closeNow()
{
    if (m_state == State::Closed || m_state == State::HandedOver)
        return;
    const bool wasHandling = m_state == State::Handling;
    m_state = State::Closed;
    setPending(false);
    m_timer.stop();
    m_socket->abort();
    if (wasHandling)
        Q_EMIT aborted();
    m_listener->m_connections.removeOne(this);
    deleteLater();
}

void HttpConnection::handleDisconnected()
{
    if (m_state == State::Closed || m_state == State::HandedOver)
        return;
    const bool wasHandling = m_state == State::Handling;
    m_state = State::Closed;
    setPending(false);
    m_timer.stop();
    if (wasHandling)
        Q_EMIT aborted();
    m_listener->m_connections.removeOne(this);
    deleteLater();
}

// --- HttpListener -----------------------------------------------------------------------------

HttpListener::HttpListener(QObject *parent)
    : QObject(parent)
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &HttpListener::acceptConnections);
}

HttpListener::~HttpListener()
{
    // Connections are children; they must not call back into a half-destroyed listener.
    for (HttpConnection *connection : std::as_const(m_connections))
        connection->disconnect();
}

bool HttpListener::listen(const QHostAddress &address, quint16 port)
{
    return m_server->listen(address, port);
}

void HttpListener::close()
{
    m_server->close();
    const auto connections = m_connections;
    for (HttpConnection *connection : connections)
        connection->closeNow();
}

bool HttpListener::isListening() const
{
    return m_server->isListening();
}

quint16 HttpListener::serverPort() const
{
    return m_server->serverPort();
}

QHostAddress HttpListener::serverAddress() const
{
    return m_server->serverAddress();
}

QString HttpListener::errorString() const
{
    return m_server->errorString();
}

void HttpListener::addRoute(const QString &pathPrefix, HttpRequestHandler *handler)
{
    QByteArray prefix = pathPrefix.toUtf8();
    if (!prefix.startsWith('/'))
        prefix.prepend('/');
    removeRoute(handler);
    m_routes.append(qMakePair(prefix, handler));
    // Longest prefix first.
    std::stable_sort(m_routes.begin(), m_routes.end(),
                     [](const auto &a, const auto &b) { return a.first.size() > b.first.size(); });
}

void HttpListener::removeRoute(HttpRequestHandler *handler)
{
    m_routes.removeIf([handler](const auto &route) { return route.second == handler; });
}

HttpRequestHandler *HttpListener::route(const QByteArray &path) const
{
    for (const auto &[prefix, handler] : m_routes) {
        if (path.startsWith(prefix))
            return handler;
        if (prefix.endsWith('/') && path == QByteArrayView(prefix).chopped(1))
            return handler;
    }
    return nullptr;
}

qint64 HttpListener::limitValue(HttpLimit limit, const HttpRequestHandler *handler) const
{
    switch (limit) {
    case HttpLimit::None:
        return 0;
    case HttpLimit::HeadBytes:
        return m_limits.request.maxHeadBytes;
    case HttpLimit::HeaderCount:
        return m_limits.request.maxHeaderCount;
    case HttpLimit::BodyBytes:
        return handler ? handler->maxRequestBodyBytes() : m_limits.request.maxBodyBytes;
    case HttpLimit::ChunkLineBytes:
        return m_limits.request.maxChunkLineBytes;
    case HttpLimit::TrailerBytes:
        return m_limits.request.maxTrailerBytes;
    case HttpLimit::HeadTimeout:
        return m_limits.headTimeoutMs;
    case HttpLimit::Connections:
        return m_limits.maxConnections;
    case HttpLimit::PendingConnections:
        return m_limits.maxPendingConnections;
    }
    return 0;
}

void HttpListener::refuse(HttpRefusal refusal, const HttpConnection *connection)
{
    if (connection) {
        refusal.peerAddress = connection->peerAddress();
        refusal.peerPort = connection->peerPort();
    }
    qCDebug(lcServer) << refusal.peerAddress << refusal.peerPort << "refused:" << int(refusal.limit)
                      << refusal.limitValue << refusal.status << refusal.message;
    Q_EMIT refused(refusal);
}

void HttpListener::acceptConnections()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        if (m_connections.size() >= m_limits.maxConnections) {
            HttpRefusal refusal;
            refusal.limit = HttpLimit::Connections;
            refusal.limitValue = m_limits.maxConnections;
            refusal.peerAddress = socket->peerAddress();
            refusal.peerPort = socket->peerPort();
            refusal.message = QStringLiteral("%1 connections open").arg(m_connections.size());
            refuse(refusal, nullptr);
            socket->abort();
            socket->deleteLater();
            continue;
        }
        if (m_pendingCount >= m_limits.maxPendingConnections) {
            // The oldest connection still without a complete request makes room: an idle
            // flood cannot keep out a client that talks.
            const auto oldest = std::find_if(m_connections.cbegin(), m_connections.cend(),
                                             [](const HttpConnection *c) { return c->m_pending; });
            if (oldest != m_connections.cend()) {
                HttpConnection *dropped = *oldest;
                HttpRefusal refusal;
                refusal.limit = HttpLimit::PendingConnections;
                refusal.limitValue = m_limits.maxPendingConnections;
                refusal.message = QStringLiteral("the oldest connection without a complete "
                                                 "request dropped for a new one");
                refuse(refusal, dropped);
                dropped->closeNow();
            }
        }
        auto *connection = new HttpConnection(socket, this);
        m_connections.append(connection);
        if (socket->bytesAvailable() > 0)
            QMetaObject::invokeMethod(connection, &HttpConnection::readRequests,
                                      Qt::QueuedConnection);
    }
}

void HttpListener::handOver(HttpConnection *connection, QTcpSocket *socket, qsizetype headBytes)
{
    connection->setPending(false);
    connection->m_state = HttpConnection::State::HandedOver;
    connection->m_timer.stop();
    socket->disconnect(connection);
    socket->setParent(nullptr);
    m_connections.removeOne(connection);
    connection->deleteLater();
    socket->skip(headBytes);
    const HttpRequest &request = connection->request();
    HttpRequestHandler *handler = route(request.path);
    QString error;
    std::unique_ptr<TcpStream> stream = TcpStream::takeOver(socket, &error, &m_writeAnnouncer);
    if (!stream) {
        qCWarning(lcServer) << connection->peerName() << "WebSocket upgrade dropped:" << error;
        socket->abort();
        socket->deleteLater();
        return;
    }
    auto *webSocket = new ServerWebSocket(
        std::move(stream), request,
        qint64(qMin<quint64>(m_limits.maxWebSocketMessageBytes, quint64(INT64_MAX))));
    handler->handleWebSocket(webSocket, request);
}
