#include "idlewatch.h"

#include "doctor/doctorwait.h"
#include "engineio/engineioclient.h"
#include "engineio/engineioerror.h"
#include "socketio/socketioclient.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

QString IdleWatchResult::endName(End end)
{
    switch (end) {
    case End::WatchEnded:
        return QStringLiteral("watch-end");
    case End::ConnectionLost:
        return QStringLiteral("connection");
    case End::HttpError:
        return QStringLiteral("http-error");
    case End::EngineIoClose:
        return QStringLiteral("engineio-close");
    case End::WebSocketClose:
        return QStringLiteral("websocket-close");
    case End::PingTimeout:
        return QStringLiteral("ping-timeout");
    case End::ClientError:
        return QStringLiteral("client-error");
    case End::NotOpened:
        break;
    }
    return QStringLiteral("not-opened");
}

IdleWatchResult IdleWatch::run(const SocketIoOptions &options, const QString &nsp,
                               const QJsonObject &auth, int watchMs)
{
    IdleWatchResult result;
    SocketIoOptions session = options;
    session.engine.reconnect.enabled = false;
    SocketIoClient client;
    client.setOptions(session);
    EngineIoClient *engine = client.engine();

    QEventLoop loop;
    // Before the OPEN packet the client's own connect timeout ends the attempt; this one only
    // bounds the wait should that not happen. After it, it is the watch.
    QTimer deadline;
    deadline.setSingleShot(true);
    deadline.setTimerType(Qt::PreciseTimer); // a coarse timer may end the watch 5% early
    QElapsedTimer sinceOpen;
    bool opened = false;
    bool closeReceived = false;
    bool finished = false;
    EngineIoError error;
    bool errored = false;
    QString clientError;
    auto now = [&] { return opened ? sinceOpen.elapsed() : qint64(0); };
    auto finish = [&] {
        finished = true;
        result.endedAfterMs = now();
        loop.quit();
    };
    QObject::connect(&deadline, &QTimer::timeout, &loop, [&] {
        if (finished)
            return;
        result.end = opened ? IdleWatchResult::End::WatchEnded : IdleWatchResult::End::NotOpened;
        if (!opened)
            result.reason =
                QStringLiteral("no OPEN packet within %1 ms").arg(session.engine.connectTimeoutMs);
        finish();
    });
    QObject::connect(engine, &EngineIoClient::openReceived, &loop,
                     [&](const EngineIoHandshake &handshake) {
                         opened = true;
                         sinceOpen.start();
                         result.openedAt = QDateTime::currentDateTimeUtc();
                         result.sid = handshake.sid;
                         result.transport = engine->transport();
                         result.lastPacket = QStringLiteral("OPEN received");
                         deadline.start(watchMs);
                     });
    // PING and PONG go one way in v4 (the server pings) and the other in v3 (the client does):
    // every PONG, whichever side sent it, answers a PING.
    auto packet = [&](const EngineIoPacket &packet, const QString &direction) {
        if (!opened)
            return;
        result.lastPacketMs = now();
        result.lastPacket = EngineIoPacket::typeName(packet.type) + QLatin1Char(' ') + direction;
        if (packet.type == EngineIoPacket::Ping)
            result.lastPingMs = result.lastPacketMs;
        if (packet.type == EngineIoPacket::Pong) {
            result.lastPongMs = result.lastPacketMs;
            ++result.pingsAnswered;
        }
    };
    QObject::connect(engine, &EngineIoClient::packetReceived, &loop,
                     [&](const EngineIoPacket &received, TransportKind) {
                         packet(received, QStringLiteral("received"));
                     });
    QObject::connect(
        engine, &EngineIoClient::packetSent, &loop,
        [&](const EngineIoPacket &sent, TransportKind) { packet(sent, QStringLiteral("sent")); });
    QObject::connect(engine, &EngineIoClient::closeReceived, &loop, [&] { closeReceived = true; });
    QObject::connect(engine, &EngineIoClient::errorOccurred, &loop, [&](const EngineIoError &seen) {
        error = seen;
        errored = true;
    });
    QObject::connect(&client, &SocketIoClient::errorOccurred, &loop,
                     [&](const SocketIoError &seen) { clientError = seen.message; });
    QObject::connect(engine, &EngineIoClient::closed, &loop, [&](const QString &reason) {
        if (finished)
            return;
        using End = IdleWatchResult::End;
        result.reason = reason;
        if (!opened)
            result.end = End::NotOpened;
        else if (closeReceived)
            result.end = End::EngineIoClose;
        else if (!errored) // the Socket.IO layer ended it: it could not read what came
            result.end = End::ClientError;
        else if (error.kind == EngineIoError::Kind::Timeout)
            result.end = End::PingTimeout;
        else if (error.httpStatus != 0)
            result.end = End::HttpError;
        else if (error.symptom == EngineIoError::Symptom::WebSocketClosedByPeer)
            result.end = End::WebSocketClose;
        else
            result.end = End::ConnectionLost;
        if (result.end == End::ClientError && !clientError.isEmpty())
            result.reason = clientError;
        result.httpStatus = error.httpStatus;
        result.engineIoRefusal = error.serverCode != EngineIoErrorCode::None;
        finish();
    });

    if (!nsp.isEmpty())
        client.joinNamespace(nsp, auth);
    deadline.start(session.engine.connectTimeoutMs + 1000);
    client.connectToServer();
    // A cancelled diagnosis ends the watch at once (DoctorWait).
    if (!finished && !DoctorWait::exec(loop)) {
        result.end = opened ? IdleWatchResult::End::WatchEnded : IdleWatchResult::End::NotOpened;
        result.reason = QStringLiteral("the diagnosis was cancelled");
        finish();
    }
    client.disconnectFromServer();
    return result;
}
