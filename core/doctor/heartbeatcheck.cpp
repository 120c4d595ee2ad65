// The heartbeat check: the server's pingInterval, pingTimeout and maxPayload, then the idle watch
// (idlewatch.h): an idle session kept open for --watch seconds, and what ended it. Something
// between client and server that cut it without a CLOSE, sooner after the last packet than
// pingInterval + pingTimeout, has an idle timeout shorter than the heartbeat; a second session
// tells whether it cuts at a fixed interval.
#include "connectiondoctor.h"
#include "connectiondoctor_p.h"
#include "doctor/doctorwait.h"
#include "idlewatch.h"

#include <QJsonArray>

#include <cstdlib>

using namespace DoctorDetail;

namespace {

using End = IdleWatchResult::End;

constexpr int MaxSessions = 2;

// Cut by something in between: gone without a CLOSE (or answered with an HTTP error that is not
// engine.io's), sooner after the last packet than the heartbeat allows.
bool isIdleCut(const IdleWatchResult &session, int heartbeatMs)
{
    return (session.end == End::ConnectionLost ||
            (session.end == End::HttpError && !session.engineIoRefusal)) &&
           session.idleMs() < heartbeatMs;
}

// Two cuts this close together are one fixed interval.
bool sameInterval(qint64 a, qint64 b)
{
    return std::abs(a - b) <= qMax<qint64>(250, a / 10);
}

// "1 PING", "3 PINGs".
QString pings(int count)
{
    return count == 1 ? QStringLiteral("1 PING") : QStringLiteral("%1 PINGs").arg(count);
}

QString howItEnded(const IdleWatchResult &session)
{
    switch (session.end) {
    case End::WatchEnded:
        return QStringLiteral("still open at the end of the watch; the doctor closed it");
    case End::ConnectionLost:
        return QStringLiteral("the connection closed with no Engine.IO CLOSE packet and no "
                              "WebSocket CLOSE frame (%1)")
            .arg(session.reason);
    case End::HttpError:
        return QStringLiteral("a request of the session was answered with HTTP %1 (%2)")
            .arg(session.httpStatus)
            .arg(session.reason);
    case End::EngineIoClose:
        return QStringLiteral("the server sent an Engine.IO CLOSE packet");
    case End::WebSocketClose:
        return QStringLiteral("a WebSocket CLOSE frame came, with no Engine.IO CLOSE packet (%1)")
            .arg(session.reason);
    case End::PingTimeout:
    case End::ClientError:
    case End::NotOpened:
        break;
    }
    return session.reason;
}

void addSessionEvidence(DoctorCheck *check, int number, const IdleWatchResult &session,
                        const QString &nsp, qint64 watchMs)
{
    check->evidence.append(
        QStringLiteral("> idle session %1: %2, %3, watched for up to %4 ms")
            .arg(number)
            .arg(transportName(session.transport).isEmpty()
                     ? QStringLiteral("Socket.IO")
                     : QStringLiteral("Socket.IO over %1").arg(transportName(session.transport)))
            .arg(nsp.isEmpty() ? QStringLiteral("no namespace (none connected)")
                               : QStringLiteral("namespace %1").arg(nsp))
            .arg(watchMs));
    if (session.end == End::NotOpened) {
        check->evidence.append(QStringLiteral("< no session: %1").arg(session.reason));
        return;
    }
    check->evidence.append(
        QStringLiteral("< OPEN at %1 UTC (sid %2)")
            .arg(session.openedAt.toString(QStringLiteral("HH:mm:ss.zzz")), session.sid));
    if (session.pingsAnswered > 0)
        check->evidence.append(
            QStringLiteral("%1 answered with a PONG; the last PING at +%2 ms, its PONG at "
                           "+%3 ms")
                .arg(pings(session.pingsAnswered))
                .arg(session.lastPingMs)
                .arg(session.lastPongMs));
    else
        check->evidence.append(QStringLiteral("no PING yet"));
    check->evidence.append(QStringLiteral("< at +%1 ms, %2 ms after the last packet (%3 at +%4 "
                                          "ms): %5")
                               .arg(session.endedAfterMs)
                               .arg(session.idleMs())
                               .arg(session.lastPacket)
                               .arg(session.lastPacketMs)
                               .arg(howItEnded(session)));
}

} // namespace

DoctorCheck ConnectionDoctor::checkHeartbeat()
{
    const QString id = QStringLiteral("heartbeat");
    if (!m_engineOk)
        return skipped(id, QStringLiteral("no Engine.IO handshake succeeded"));
    DoctorCheck check;
    check.id = id;
    const int heartbeatMs = m_handshake.pingInterval + m_handshake.pingTimeout;
    check.fields.insert(QStringLiteral("pingInterval"), m_handshake.pingInterval);
    check.fields.insert(QStringLiteral("pingTimeout"), m_handshake.pingTimeout);
    check.fields.insert(QStringLiteral("maxPayload"),
                        m_handshake.maxPayload > 0 ? QJsonValue(double(m_handshake.maxPayload))
                                                   : QJsonValue());
    check.evidence.append(
        QStringLiteral("from the handshake: %1").arg(QString::fromUtf8(m_handshake.toJson())));
    const QString values =
        QStringLiteral("The server pings every %1 ms and waits %2 ms for the answer: anything "
                       "between client and server must keep an idle connection open longer "
                       "than %3 ms; %4")
            .arg(m_handshake.pingInterval)
            .arg(m_handshake.pingTimeout)
            .arg(heartbeatMs)
            .arg(m_handshake.maxPayload > 0
                     ? QStringLiteral("maxPayload %1 bytes").arg(m_handshake.maxPayload)
                     : QStringLiteral("no maxPayload announced (Engine.IO v3 or engine.io < 6)"));

    const qint64 watchMs = m_options.watchMs;
    check.fields.insert(QStringLiteral("watchMs"), watchMs);
    QList<IdleWatchResult> sessions;
    QString nsp;
    if (watchMs > 0 && (m_pollingWorks || m_webSocketWorks)) {
        // WebSocket when it works: what a client keeps open in the end.
        const SocketIoOptions options =
            sessionOptions(m_webSocketWorks ? EngineIoOptions::Transports::WebSocketOnly
                                            : EngineIoOptions::Transports::PollingOnly);
        // A namespace keeps socket.io 4 from ending the session after its connectTimeout.
        QJsonObject auth;
        if (m_connectedNamespace >= 0) {
            nsp = m_options.namespaces.at(m_connectedNamespace).first;
            auth = m_options.namespaces.at(m_connectedNamespace).second;
        }
        qint64 remaining = watchMs;
        while (remaining > 0 && sessions.size() < MaxSessions && !DoctorWait::interrupted()) {
            const IdleWatchResult session = IdleWatch::run(options, nsp, auth, int(remaining));
            addSessionEvidence(&check, int(sessions.size()) + 1, session, nsp, remaining);
            sessions.append(session);
            remaining -= session.endedAfterMs;
            if (!isIdleCut(session, heartbeatMs))
                break;
        }
    }
    qint64 watchedMs = 0;
    int pingsAnswered = 0;
    QJsonArray cuts;
    for (const IdleWatchResult &session : std::as_const(sessions)) {
        watchedMs += session.endedAfterMs;
        pingsAnswered += session.pingsAnswered;
        if (isIdleCut(session, heartbeatMs))
            cuts.append(session.idleMs());
    }
    check.fields.insert(QStringLiteral("watchedMs"), watchedMs);
    check.fields.insert(QStringLiteral("pingsAnswered"), pingsAnswered);
    check.fields.insert(QStringLiteral("cuts"), cuts);

    if (sessions.isEmpty()) {
        check.fields.insert(QStringLiteral("transport"), QJsonValue());
        check.fields.insert(QStringLiteral("closedBy"), QJsonValue());
        check.fields.insert(QStringLiteral("idleCutAfterMs"), QJsonValue());
        const QString why = watchMs == 0 ? QStringLiteral("the idle watch is off (--watch 0)")
                                         : QStringLiteral("no idle watch: no transport works");
        check.evidence.append(why);
        check.status = Status::Pass;
        check.summary = values + QStringLiteral("; ") + why;
        return check;
    }

    const IdleWatchResult &first = sessions.first();
    check.fields.insert(QStringLiteral("transport"),
                        first.transport == TransportKind::None
                            ? QJsonValue()
                            : QJsonValue(transportName(first.transport)));
    check.fields.insert(QStringLiteral("closedBy"), IdleWatchResult::endName(first.end));
    check.fields.insert(QStringLiteral("idleCutAfterMs"),
                        isIdleCut(first, heartbeatMs) ? QJsonValue(first.idleMs()) : QJsonValue());
    if (isIdleCut(first, heartbeatMs)) {
        check.status = Status::Fail;
        check.summary =
            QStringLiteral("Something between client and server cut the idle connection after "
                           "~%1 ms, shorter than the server's pingInterval + pingTimeout (%2 "
                           "ms): raise its idle/tunnel timeout above %2 ms or lower pingInterval")
                .arg(first.idleMs())
                .arg(heartbeatMs);
        if (sessions.size() > 1) {
            const IdleWatchResult &second = sessions.at(1);
            if (!isIdleCut(second, heartbeatMs))
                check.summary += QStringLiteral(" (a second session was not cut in the %1 ms "
                                                "left of the watch)")
                                     .arg(watchMs - first.endedAfterMs);
            else if (sameInterval(first.idleMs(), second.idleMs()))
                check.summary += QStringLiteral(" (a fixed interval: a second session was cut "
                                                "after ~%1 ms too)")
                                     .arg(second.idleMs());
            else
                check.summary +=
                    QStringLiteral(" (a second session was cut after ~%1 ms)").arg(second.idleMs());
        }
        return check;
    }
    switch (first.end) {
    case End::WatchEnded:
        check.status = Status::Pass;
        check.summary =
            values + QStringLiteral("; an idle session over %1 stayed open for the whole watch "
                                    "of %2 ms, %3 answered")
                         .arg(transportName(first.transport))
                         .arg(watchMs)
                         .arg(pings(pingsAnswered));
        if (watchMs < m_handshake.pingInterval)
            check.summary += QStringLiteral(" (the watch is shorter than pingInterval: an idle "
                                            "timeout between %1 and %2 ms would not show)")
                                 .arg(watchMs)
                                 .arg(m_handshake.pingInterval);
        break;
    case End::EngineIoClose:
        check.status = Status::Warn;
        check.summary = QStringLiteral("The server closed the idle session after %1 ms (Engine.IO "
                                       "CLOSE packet); nothing between client and server cut it")
                            .arg(first.endedAfterMs);
        break;
    case End::WebSocketClose:
        check.status = Status::Warn;
        check.summary =
            QStringLiteral("The idle WebSocket was closed with a WebSocket CLOSE frame after %1 "
                           "ms, with no Engine.IO CLOSE packet: the server, or a proxy that "
                           "speaks WebSocket, ended it")
                .arg(first.endedAfterMs);
        break;
    case End::PingTimeout:
        check.status = Status::Warn;
        check.summary =
            QStringLiteral("The idle session went silent: no %1 came within pingInterval + "
                           "pingTimeout (%2 ms). Something between client and server may drop "
                           "idle connections without closing them, or the server stopped "
                           "answering")
                .arg(m_version == EngineIoVersion::V3 ? QStringLiteral("packet")
                                                      : QStringLiteral("PING"))
                .arg(heartbeatMs);
        break;
    case End::HttpError:
        check.status = Status::Warn;
        check.summary = QStringLiteral("The server refused a request of the idle session after "
                                       "%1 ms: HTTP %2 (%3)")
                            .arg(first.endedAfterMs)
                            .arg(first.httpStatus)
                            .arg(first.reason);
        break;
    case End::ConnectionLost:
        check.status = Status::Warn;
        check.summary = QStringLiteral("The idle connection closed after %1 ms with no CLOSE "
                                       "packet, %2 ms after the last packet")
                            .arg(first.endedAfterMs)
                            .arg(first.idleMs());
        break;
    case End::ClientError:
        check.status = Status::Warn;
        check.summary = QStringLiteral("The idle session ended after %1 ms: %2")
                            .arg(first.endedAfterMs)
                            .arg(first.reason);
        break;
    case End::NotOpened:
        check.status = Status::Warn;
        check.summary =
            QStringLiteral("The idle watch could not open a session: %1").arg(first.reason);
        break;
    }
    return check;
}
