// The idle watch of the connection doctor's heartbeat check: one real Socket.IO session, kept open
// and idle for a bounded time while the client answers the heartbeat as every client does (v4:
// a PONG to each PING of the server; v3: a PING every pingInterval, which the server answers),
// and how it ended. Something between client and server with an idle timeout shorter than the
// heartbeat cuts such a session: the connection goes away with no CLOSE packet, or a poll is
// answered with an HTTP error, less than pingInterval + pingTimeout after the last packet.
//
// run() waits in a local event loop, like the doctor's probes (httpprobe.h).
#pragma once

#include "engineio/engineiopacket.h"
#include "socketio/socketiooptions.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

struct IdleWatchResult
{
    enum class End {
        WatchEnded,     // still open when the watch ended; the doctor closed it
        ConnectionLost, // the connection went away without an Engine.IO or WebSocket CLOSE
        HttpError,      // a poll (or the POST of a packet) was answered with an HTTP error
        EngineIoClose,  // the server sent an Engine.IO CLOSE packet
        WebSocketClose, // a WebSocket CLOSE frame came, without an Engine.IO CLOSE packet
        PingTimeout,    // no PING (v3: no packet) within pingInterval + pingTimeout
        ClientError,    // the client ended it: the Socket.IO layer could not read what came
        NotOpened,      // the session did not open
    };

    End end = End::NotOpened;
    TransportKind transport = TransportKind::None;
    QDateTime openedAt;           // UTC, when the OPEN packet came
    QString sid;                  // the session's id
    qint64 endedAfterMs = 0;      // since the OPEN packet
    qint64 lastPacketMs = 0;      // since the OPEN packet: the last packet sent or received
    QString lastPacket;           // which one, e.g. "PONG sent", "MESSAGE received"
    qint64 lastPingMs = -1;       // since the OPEN packet: the last PING received (v4) or sent (v3)
    qint64 lastPongMs = -1;       // the last PONG sent (v4) or received (v3)
    int pingsAnswered = 0;        // v4: PINGs of the server answered; v3: our PINGs answered
    int httpStatus = 0;           // with HttpError
    bool engineIoRefusal = false; // with HttpError: the answer was engine.io's own JSON refusal
    QString reason;               // the client's words for the end, for the evidence only

    // How long the session had been idle when it ended.
    qint64 idleMs() const { return endedAfterMs - lastPacketMs; }
    // "watch-end", "connection", "http-error", "engineio-close", "websocket-close",
    // "ping-timeout", "client-error", "not-opened": the JSON report's closedBy.
    static QString endName(End end);
};

class IdleWatch
{
public:
    // Opens a session with `options` (reconnection off; the transport as given), joins
    // `nsp` when it is not empty, and watches it for `watchMs` after its OPEN packet. Opening is
    // bounded by options.engine.connectTimeoutMs.
    static IdleWatchResult run(const SocketIoOptions &options, const QString &nsp,
                               const QJsonObject &auth, int watchMs);
};
