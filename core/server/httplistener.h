// One TCP port for the embedded server: a QTcpServer whose connections are read as HTTP/1.1
// requests (HttpRequestParser) and routed by path to request handlers (the Engine.IO servers).
// A WebSocket upgrade request, once the handler accepts it and it passes RFC 6455 4.2.1
// (ServerWebSocket::checkUpgrade, else 400 or 426), is read out of the socket, which is handed to
// a ServerWebSocket: it answers 101 and goes to the same handler.
#pragma once

#include "server/httprequestparser.h"
#include "server/tcpstream.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

class QTcpServer;
class QTcpSocket;
class ServerWebSocket;
class HttpListener;

// One TCP connection, with the request being answered. Handlers keep a QPointer to it when the
// answer comes later (a long-polling GET).
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    // The request being answered (its body is complete when a handler sees it in
    // handleRequest(); only the head in beginRequest()).
    const HttpRequest &request() const { return m_request; }
    QHostAddress peerAddress() const { return m_peerAddress; }
    quint16 peerPort() const { return m_peerPort; }
    // "127.0.0.1:53412", for logs.
    QString peerName() const;
    bool isAwaitingResponse() const { return m_state == State::Handling; }

    // Answers the current request; adds Content-Length and Connection. The connection then reads
    // the next request (keep-alive) or closes (the request asked for it, `close`, or the body
    // of the request was not read).
    void respond(int status, const HttpHeaders &headers, const QByteArray &body,
                 bool close = false);
    // Answers with {"code","message"} as JSON, as engine.io does for its errors.
    void respondJsonError(int status, int code, const QString &message,
                          const HttpHeaders &extraHeaders = {});
    // Drops the connection without an answer.
    void abort();

    static QByteArray reasonPhrase(int status);

Q_SIGNALS:
    // The peer went away (or the connection failed) before the answer was written.
    void aborted();

private:
    friend class HttpListener;
    enum class State { ReadingHead, ReadingBody, Handling, Draining, HandedOver, Closed };

    HttpConnection(QTcpSocket *socket, HttpListener *listener);
    void readRequests();
    // Answers a request the parser refused (and reports it); `reported` when a route handler
    // was told already.
    void handleError(const HttpRequestParser &parser, qint64 limitValue, bool reported);
    void handleTimeout();
    void setPending(bool pending);
    void finishDraining();
    void closeNow();
    void handleDisconnected();

    HttpListener *m_listener;
    QTcpSocket *m_socket;
    HttpRequestParser m_parser;
    HttpRequest m_request;
    State m_state = State::ReadingHead;
    bool m_bodyUnread = false; // answered before the body was read: close after the answer
    QHostAddress m_peerAddress;
    quint16 m_peerPort = 0;
    QTimer m_timer; // head timeout, keep-alive idle timeout, drain limit
    qint64 m_drained = 0;
    int m_requests = 0;
    bool m_pending = false; // counted in the listener's pending connections
};

// Something the listener refused by itself, for the log: a connection (over a connection limit,
// or too slow), or a request (malformed, or over a size limit).
struct HttpRefusal
{
    HttpLimit limit = HttpLimit::None; // None: a malformed request
    qint64 limitValue = 0;             // the limit's value (bytes, fields, ms, connections)
    int status = 0;                    // the answer; 0 when the connection closed without one
    QHostAddress peerAddress;
    quint16 peerPort = 0;
    QByteArray method; // the request's, when its head was read
    QByteArray target;
    QString message;
    bool reported = false; // a route handler was told too (HttpRequestHandler::requestRefused)
};

// What the listener calls for the requests of one route. Implemented by EngineIoServer.
class HttpRequestHandler
{
public:
    virtual ~HttpRequestHandler() = default;
    // The largest request body the route accepts (a larger one gets 413 from the listener).
    virtual qint64 maxRequestBodyBytes() const = 0;
    // The head of a request with a body has arrived. Return false after answering it (the body
    // is then not read); true to receive the whole request in handleRequest().
    virtual bool beginRequest(HttpConnection *connection)
    {
        Q_UNUSED(connection);
        return true;
    }
    // A complete request (not an upgrade). Answer it now or later with connection->respond().
    virtual void handleRequest(HttpConnection *connection) = 0;
    // A WebSocket upgrade request. Return true to have the listener complete the handshake (then
    // handleWebSocket() follows, unless the request breaks RFC 6455 4.2.1: requestRefused()),
    // or false after answering it with an error.
    virtual bool acceptWebSocket(HttpConnection *connection) = 0;
    // The handshake succeeded (101 is on its way); the handler owns the socket from now on.
    // `request` is the upgrade request: its path, query and headers (names in lower case).
    virtual void handleWebSocket(ServerWebSocket *socket, const HttpRequest &request) = 0;
    // An HTTP request the listener refused by itself (malformed, too large); for the record.
    virtual void requestRefused(const HttpConnection *connection, int status, const QString &reason)
    {
        Q_UNUSED(connection);
        Q_UNUSED(status);
        Q_UNUSED(reason);
    }
};

class HttpListener : public QObject
{
    Q_OBJECT
public:
    struct Limits
    {
        HttpRequestParser::Limits request;
        int headTimeoutMs = 10000;          // a request head must arrive within this
        int keepAliveTimeoutMs = 10000;     // idle keep-alive connections close after this
        int advertisedKeepAliveSeconds = 5; // "Keep-Alive: timeout=5", below the real timeout
        int maxConnections = 10000;
        // Connections that have not completed a request yet (an idle flood, a slow head): over
        // this, the oldest of them is dropped for the new one.
        int maxPendingConnections = 1000;
        int drainTimeoutMs = 2000;               // after an error answer, read and drop for so long
        qint64 maxDrainBytes = 16 * 1024 * 1024; // ... or so many bytes
        quint64 maxWebSocketMessageBytes = 64 * 1024 * 1024;
    };

    explicit HttpListener(QObject *parent = nullptr);
    ~HttpListener() override;

    void setLimits(const Limits &limits) { m_limits = limits; }
    Limits limits() const { return m_limits; }

    // Listens on `address` (loopback by default); port 0 picks a free one.
    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    void close();
    bool isListening() const;
    quint16 serverPort() const;
    QHostAddress serverAddress() const;
    QString errorString() const;

    // Requests whose path starts with `pathPrefix` (e.g. "/socket.io/") go to `handler`; the
    // longest prefix wins. A path equal to the prefix without its trailing '/' matches too.
    void addRoute(const QString &pathPrefix, HttpRequestHandler *handler);
    void removeRoute(HttpRequestHandler *handler);
    HttpRequestHandler *route(const QByteArray &path) const;

    int connectionCount() const { return m_connections.size(); }

Q_SIGNALS:
    void refused(const HttpRefusal &refusal);

private:
    friend class HttpConnection;
    void acceptConnections();
    void handOver(HttpConnection *connection, QTcpSocket *socket, qsizetype headBytes);
    void refuse(HttpRefusal refusal, const HttpConnection *connection);
    qint64 limitValue(HttpLimit limit, const HttpRequestHandler *handler) const;

    Limits m_limits;
    int m_pendingCount = 0;
    QTcpServer *m_server;
    QList<QPair<QByteArray, HttpRequestHandler *>> m_routes;
    QList<HttpConnection *> m_connections;
    TcpStreamWriteAnnouncer m_writeAnnouncer; // for the WebSockets handed over
};
