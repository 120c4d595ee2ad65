// The Engine.IO server: sessions over HTTP long-polling and WebSocket (with the upgrade from
// one to the other), heartbeat, maxPayload, the spec's HTTP errors; v4, and v3 for old clients.
// Built on the client's codec (EngineIoCodec, PollingPayloadDecoder). Each public class is a
// facade over a private one (server/engineioserver_p.h): EngineIoServer decides on each HTTP
// request (engineioserver.cpp), EngineIoServerSocket is one session (engineioserversocket.cpp),
// where each received packet type is finished in its own function and every way a session ends
// goes through one closeConnection().
#pragma once

#include "engineio/engineioerror.h"
#include "engineio/engineiopacket.h"
#include "server/httplistener.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QScopedPointer>
#include <QString>

struct EngineIoServerOptions
{
    QString path = QStringLiteral("/engine.io/");
    int pingIntervalMs = 25000;
    int pingTimeoutMs = 20000;
    int upgradeTimeoutMs = 10000; // from the WebSocket probe's arrival to its UPGRADE packet
    // The largest polling POST body and WebSocket message a client may send (413 / close 1009),
    // announced in the OPEN packet (v4).
    qint64 maxPayload = 1000000;
    bool allowEIO3 = true;
    bool allowPolling = true;
    bool allowWebSocket = true;
    bool allowUpgrades = true;
    // Access-Control-Allow-Origin: "*" answers every origin (with credentials, the request's
    // Origin is reflected); empty sends no CORS headers; anything else is sent as it is.
    QByteArray corsOrigin = "*";
    int closeTimeoutMs = 10000; // a graceful close on polling waits so long for the next GET
    // WebSocket pacing: packets go out in batches, and after a batch has been written the next
    // one waits this long (what is queued meanwhile joins it). Like engine.io's write-then-drain
    // cycle, this keeps packets sent in one go by a handler (the CONNECT answer, then the first
    // event) in separate network reads on the client, which clients written against the
    // reference server (the official test suite among them) assume. Throughput is unaffected:
    // under load the batches grow. 0: only wait for the write.
    int webSocketPacingMs = 1;
    int maxSessions = 10000;
};

// The HTTP request that opened a session, as the handlers (connect hooks, rules) see it.
struct EngineIoServerRequest
{
    QHostAddress peerAddress;
    quint16 peerPort = 0;
    QByteArray method;
    QByteArray target; // path and query, as sent
    // The header fields as their lines ("name: value\r\n", names in lower case): a session keeps
    // its handshake request for as long as it lives, and a field list costs an allocation per
    // field (~0.3 KB per WebSocket client of `serve`; a browser sends more fields).
    QByteArray headerLines;
    TransportKind transport = TransportKind::None;

    // The header fields, in order, names in lower case: parsed from headerLines on each call.
    HttpHeaders headers() const { return Http::fieldsOfLines(headerLines); }

    // The target's query, decoded, in order: decoded on each call, as a session keeps its
    // handshake request for as long as it lives and reads the query only now and then.
    QList<QPair<QString, QString>> queryItems() const;
    QString queryValue(const QString &key) const; // the first value, or a null string
};

// Why a session ended. Decisions compare these; engineIoCloseReasonName() gives the text that
// is published (logs, Socket.IO disconnect reasons), the reference server's own.
enum class EngineIoCloseReason {
    TransportClose,     // "transport close": the client sent CLOSE or closed its WebSocket
    TransportError,     // "transport error": a connection lost, a request out of turn, a
                        // heartbeat in the wrong direction
    PingTimeout,        // "ping timeout"
    ParseError,         // "parse error": an undecodable packet or payload
    ForcedClose,        // "forced close": EngineIoServerSocket::close()
    ServerShuttingDown, // "server shutting down": EngineIoServer::close()
    Dropped,            // "dropped": the connections cut without a word (drop())
};

QString engineIoCloseReasonName(EngineIoCloseReason reason);

class EngineIoServerSocketPrivate;
class EngineIoServerPrivate;

// The role built on a session (the Socket.IO server's connection), told three of its events by a
// plain call made after the server's matching session* signal, so after the recorder: no
// connection per session, and no lookup of the role's object for each packet a broadcast sends.
// A handler may close or abort the session from a call, but not delete it.
class EngineIoServerSessionHandler
{
public:
    virtual void sessionMessageReceived(const QByteArray &data, bool binary) = 0;
    virtual void sessionPacketSent(const EngineIoPacket &packet, TransportKind transport) = 0;
    virtual void sessionClosed(const QString &reason) = 0;

protected:
    ~EngineIoServerSessionHandler() = default;
};

// One Engine.IO session on the server.
class EngineIoServerSocket : public QObject
{
    Q_OBJECT
public:
    enum class State { Open, Closing, Closed };
    Q_ENUM(State)

    ~EngineIoServerSocket() override;

    QString sid() const;
    EngineIoVersion version() const;
    TransportKind transport() const; // changes to WebSocket after an upgrade
    State state() const;
    bool isUpgrading() const;
    EngineIoHandshake handshake() const;
    const EngineIoServerRequest &request() const;

    // Queues MESSAGE packets (a Socket.IO packet and its attachments) to go out in this order:
    // at once over WebSocket, with the next GET over polling. False when the session is closed.
    bool sendMessages(const QList<EngineIoPacket> &messages);
    // Sends any packet (e.g. a NOOP); the heartbeat is the server's own business.
    bool sendPacket(const EngineIoPacket &packet);
    // One handler at a time; nullptr stops the calls. The handler outlives its setting.
    void setHandler(EngineIoServerSessionHandler *handler);
    // Ends the session gracefully: what is queued goes out first, then CLOSE (polling) or the
    // WebSocket close. Reason ForcedClose.
    void close();
    // Ends the session at once, with a reason of the caller's choosing (e.g. ParseError).
    // Dropped cuts the connections as drop() does.
    void abort(EngineIoCloseReason reason, const EngineIoError &error = {});
    // Ends the session as a crashing server would: the TCP connections (a parked GET, the
    // WebSocket) are cut, with no CLOSE packet and no WebSocket close frame. For testing clients.
    // Reason Dropped, published as `description` (the reason's name when empty).
    void drop(const QString &description);

Q_SIGNALS:
    // One signal per received packet type (PING only from v3 clients, PONG only from v4 ones).
    void pingReceived(const QByteArray &data);
    void pongReceived(const QByteArray &data);
    void messageReceived(const QByteArray &data, bool binary);
    void closeReceived();

    // The record stream of this layer: every packet as it went over the wire, the probe's
    // included.
    void packetReceived(const EngineIoPacket &packet, TransportKind transport);
    void packetSent(const EngineIoPacket &packet, TransportKind transport);

    void upgrading(TransportKind to); // the probe was answered
    void upgraded(TransportKind transport);
    void upgradeFailed(const QString &reason);
    // A violation by the client (with the offending frame), before the session closes.
    void errorOccurred(const EngineIoError &error);
    // The session is over; `reason` is engineIoCloseReasonName() of the EngineIoCloseReason
    // ("transport close", "ping timeout", ...), or drop()'s description. The object is deleted
    // later.
    void closed(const QString &reason);

protected:
    void timerEvent(QTimerEvent *event) override; // the session's timers (heartbeat, upgrade, ...)

private:
    friend class EngineIoServerSocketPrivate;
    friend class EngineIoServerPrivate;
    friend class EngineIoServer;
    explicit EngineIoServerSocket(QObject *parent);
    QScopedPointer<EngineIoServerSocketPrivate> d;
};

class EngineIoServer : public QObject, public HttpRequestHandler
{
    Q_OBJECT
public:
    explicit EngineIoServer(QObject *parent = nullptr);
    ~EngineIoServer() override;

    void setOptions(const EngineIoServerOptions &options);
    EngineIoServerOptions options() const;

    // Serves on a listener of its own...
    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    // ... or on a shared one, under options().path.
    void attach(HttpListener *listener);
    HttpListener *listener() const;
    quint16 serverPort() const;
    QString errorString() const;
    // Closes every session (ServerShuttingDown) and stops serving.
    void close();

    QList<EngineIoServerSocket *> sessions() const;
    EngineIoServerSocket *session(const QString &sid) const;

    // HttpRequestHandler
    qint64 maxRequestBodyBytes() const override;
    bool beginRequest(HttpConnection *connection) override;
    void handleRequest(HttpConnection *connection) override;
    bool acceptWebSocket(HttpConnection *connection) override;
    void handleWebSocket(ServerWebSocket *socket, const HttpRequest &request) override;
    void requestRefused(const HttpConnection *connection, int status,
                        const QString &reason) override;

Q_SIGNALS:
    // A new session; its OPEN packet is queued (handlers may queue more before it goes out).
    void connection(EngineIoServerSocket *socket);
    // A request refused with one of the spec's errors (or an HTTP-level one: code -1), for the
    // record: nothing reached a session.
    void connectionError(const EngineIoServerRequest &request, int status, int code,
                         const QString &message);

    // Each session's record stream and lifecycle, for an observer of every session (the
    // recorder): the same as the session's own signals of the same name, emitted just before
    // them. One connection here serves every session, where a connection to each session costs
    // ~0.1 KB per signal per session. A receiver must not delete the session (deleteLater() is
    // fine).
    void sessionPacketReceived(EngineIoServerSocket *session, const EngineIoPacket &packet,
                               TransportKind transport);
    void sessionPacketSent(EngineIoServerSocket *session, const EngineIoPacket &packet,
                           TransportKind transport);
    void sessionMessageReceived(EngineIoServerSocket *session, const QByteArray &data, bool binary);
    void sessionUpgrading(EngineIoServerSocket *session, TransportKind to);
    void sessionUpgraded(EngineIoServerSocket *session, TransportKind transport);
    void sessionUpgradeFailed(EngineIoServerSocket *session, const QString &reason);
    void sessionErrorOccurred(EngineIoServerSocket *session, const EngineIoError &error);
    void sessionClosed(EngineIoServerSocket *session, const QString &reason);

private:
    friend class EngineIoServerPrivate;
    friend class EngineIoServerSocketPrivate;
    QScopedPointer<EngineIoServerPrivate> d;
};
