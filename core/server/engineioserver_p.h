// The private classes of the Engine.IO server, for the server's own files and its tests.
// EngineIoServerPrivate decides on each HTTP request (admission: engineioserver.cpp);
// EngineIoServerSocketPrivate is one session's state machine (engineioserversocket.cpp).
#pragma once

#include "server/engineioserver.h"
#include "server/serverwebsocket.h"

#include <QBasicTimer>
#include <QHash>
#include <QPointer>

class EngineIoServerPrivate
{
public:
    explicit EngineIoServerPrivate(EngineIoServer *q)
        : q(q)
    {
    }

    // What admission decided on a request: accepted (status 0, with the session named by its
    // sid, if any), or refused with an HTTP status and one of the spec's error codes.
    struct Verdict
    {
        int status = 0; // 0: accepted
        EngineIoErrorCode code = EngineIoErrorCode::BadRequest;
        QString message;
        EngineIoServerSocket *session = nullptr;
        EngineIoVersion version = EngineIoVersion::V4;
        TransportKind transport = TransportKind::None;
    };

    // How a request reached admission: as a plain HTTP request (the handshake, a polling GET or
    // POST) or as a WebSocket upgrade (the handshake or the upgrade of a polling session).
    enum class RequestKind { PlainHttp, WebSocketUpgrade };

    Verdict verify(const HttpRequest &request, RequestKind kind) const;
    void refuse(HttpConnection *connection, const Verdict &verdict);
    EngineIoServerRequest describe(const HttpConnection *connection, TransportKind transport) const;
    EngineIoServerRequest describe(const HttpRequest &http, const QHostAddress &peerAddress,
                                   quint16 peerPort, TransportKind transport) const;
    HttpHeaders corsHeaders(const HttpRequest &request) const;
    EngineIoServerSocket *createSession(EngineIoVersion version, TransportKind transport,
                                        const EngineIoServerRequest &request);
    // Keeps a WebSocket alive until its close handshake is done, then deletes it. Cut: its
    // connection is aborted at once, with no close frame (a dropped session), and it is deleted
    // later.
    enum class Retire { CloseHandshake, Cut };
    void retireWebSocket(ServerWebSocket *socket, Retire how = Retire::CloseHandshake);

    EngineIoServer *q;
    EngineIoServerOptions options;
    QPointer<HttpListener> listener; // a shared one may go first
    bool ownsListener = false;
    QHash<QString, EngineIoServerSocket *> sessions;
};

// The session's WebSockets (the upgraded one, and a probe) report to it as their handler, not
// through connections: see ServerWebSocketHandler. Not a QObject (one more per session costs
// ~0.15 KB): the session's own object `q` is the context of its connections, the receiver of its
// timers and the parent of its WebSockets.
class EngineIoServerSocketPrivate : public ServerWebSocketHandler
{
public:
    EngineIoServerSocketPrivate(EngineIoServerSocket *q, EngineIoServerPrivate *serverPrivate);

    void start();
    // The handshake GET stays parked until the OPEN packet goes out; its loss ends the session.
    void parkHandshakeGet(HttpConnection *connection);
    // A GET waits for packets; its connection lost first ends the session, with `lost` as the
    // transport error.
    void parkGet(HttpConnection *connection, const QString &lost);
    // False (the request answered 400, the session closed) when a POST is already in flight.
    bool admitPost(HttpConnection *connection);
    void attachWebSocket(ServerWebSocket *socket);
    void startProbe(ServerWebSocket *socket);
    // What the session's WebSocket and a probe have in common: owned here, the size limits,
    // and their messages decoded.
    void adoptWebSocket(ServerWebSocket *socket);

    void handleGet(HttpConnection *connection);
    void handlePost(HttpConnection *connection);
    // ServerWebSocketHandler: from the session's WebSocket or its probe.
    void webSocketTextReceived(ServerWebSocket *socket, const QByteArray &utf8) override;
    void webSocketBinaryReceived(ServerWebSocket *socket, const QByteArray &data) override;
    void webSocketBytesWritten(ServerWebSocket *socket) override;
    void webSocketViolated(ServerWebSocket *socket, const ServerWebSocketError &error) override;
    void webSocketCloseReceived(ServerWebSocket *socket) override;
    void webSocketDisconnected(ServerWebSocket *socket) override;
    // The client ended the session's WebSocket: with CLOSE, or by closing the connection.
    void webSocketEnded(ServerWebSocket *socket);

    void receiveText(ServerWebSocket *from, const QByteArray &text);
    void receiveBinary(ServerWebSocket *from, const QByteArray &message);
    // The client broke a rule of RFC 6455 on a WebSocket: the client's error, for the record.
    void handleViolation(ServerWebSocket *from, const ServerWebSocketError &violation);

    // Each received packet type is finished in its own function.
    void handlePacket(const EngineIoPacket &packet, TransportKind via);
    void finishPing(const EngineIoPacket &packet);
    void finishPong(const EngineIoPacket &packet);
    void finishMessage(const EngineIoPacket &packet);
    void finishClose();
    void handleProbePacket(const EngineIoPacket &packet);
    void finishUpgrade();
    void abandonProbe(const QString &reason);

    // The session's signals, each emitted on the server (for observers of every session) and
    // then on the session.
    void emitPacketReceived(const EngineIoPacket &packet, TransportKind transport);
    void emitPacketSent(const EngineIoPacket &packet, TransportKind transport);
    void emitErrorOccurred(const EngineIoError &error);

    void sendPing();
    void queue(const QList<EngineIoPacket> &packets);
    void scheduleFlush();
    void flush();
    void answerGet(const QList<EngineIoPacket> &packets);
    void sendFrames(ServerWebSocket *socket, const QList<EngineIoPacket> &packets);
    void gracefulClose();

    // The one path for every way a session ends. Dropped cuts the TCP connections: no CLOSE
    // and no WebSocket close frame. `description` replaces the reason's name where it is
    // published (drop()'s).
    void closeConnection(EngineIoCloseReason reason, const EngineIoError &error = {},
                         const QString &description = {});

    EngineIoServerSocket *q;
    EngineIoServerPrivate *server;
    QString sid;
    EngineIoVersion version = EngineIoVersion::V4;
    TransportKind transport = TransportKind::None;
    EngineIoServerSocket::State state = EngineIoServerSocket::State::Open;
    EngineIoHandshake handshake;
    EngineIoServerRequest request;
    EngineIoServerSessionHandler *handler = nullptr;

    QPointer<HttpConnection> pendingGet;
    QPointer<HttpConnection> postInFlight;
    QPointer<ServerWebSocket> webSocket;
    QPointer<ServerWebSocket> probe;
    bool upgrading = false; // the probe was answered; waiting for UPGRADE
    bool upgraded = false;

    QList<EngineIoPacket> writeBuffer;
    bool flushScheduled = false;
    // WebSocket: false from a batch's write until Qt has handed it to the network and the
    // pacing interval has passed. As with engine.io, packets queued meanwhile go out together in
    // the next batch; see EngineIoServerOptions::webSocketPacingMs.
    bool webSocketWritable = true;

    // QBasicTimers, not QTimer objects: a QTimer is a QObject with a connection, ~0.4 KB per
    // timer per session (heaptrack of `serve` with 2,000 clients). Every one fires once: it is
    // stopped before its handler runs, except upgradeCheck, which repeats.
    QBasicTimer pingTimer; // v4: when to ping next
    QBasicTimer pongTimer; // v4: PONG deadline; v3: PING deadline
    QBasicTimer upgradeTimer;
    QBasicTimer upgradeCheck;
    QBasicTimer closeTimer;
    QBasicTimer pacingTimer; // WebSocket: from a batch's write to the next batch
    // The heartbeat is tight in tests (300 ms + 200 ms): no 5 % coarse-timer slack.
    void startPingTimer(int ms) { pingTimer.start(ms, Qt::PreciseTimer, q); }
    void startPongTimer(int ms) { pongTimer.start(ms, Qt::PreciseTimer, q); }
    void startPacingTimer()
    {
        pacingTimer.start(server->options.webSocketPacingMs, Qt::PreciseTimer, q);
    }
    void handlePongTimeout();
    void handlePacingTimeout();
    // A timer of this session fired (EngineIoServerSocket::timerEvent); false when it is none of
    // these.
    bool handleTimer(int timerId);
};
