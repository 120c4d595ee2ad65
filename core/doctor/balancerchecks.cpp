// What sits between client and server: the stickiness check (does every request of a session
// reach the server that holds it) and the proxy check (WebSocket headers dropped, error pages of
// a proxy or load balancer, read from every answer the other checks got).
#include "connectiondoctor.h"
#include "connectiondoctor_p.h"

#include "engineio/engineiocodec.h"
#include "engineio/engineiocookiejar.h"

#include <QJsonArray>
#include <QNetworkCookie>
#include <QSet>

#include <algorithm>

using namespace DoctorDetail;

DoctorCheck ConnectionDoctor::checkStickiness()
{
    const QString id = QStringLiteral("stickiness");
    if (!m_engineOk || !m_pollingWorks)
        return skipped(id, QStringLiteral("needs polling, which does not work"));
    DoctorCheck check;
    check.id = id;
    int handshakes = 0;
    int followUps = 0;
    int unknownSession = 0;
    int otherFailures = 0;
    QSet<QString> cookieNames;
    const QByteArray noop =
        EngineIoCodec::encodePayload({EngineIoPacket(EngineIoPacket::Noop)}, m_version);
    const QByteArray close =
        EngineIoCodec::encodePayload({EngineIoPacket(EngineIoPacket::Close)}, m_version);
    for (int run = 0; run < m_options.stickinessRuns; ++run) {
        EngineIoCookieJar jar;
        HttpProbeResult handshakeResult;
        EngineIoHandshake handshake;
        EngineIoVersion detected = m_version;
        if (!pollingHandshake(m_path, m_version, &jar, &handshakeResult, &handshake, &detected)) {
            addExchange(&check, handshakeResult);
            continue;
        }
        ++handshakes;
        // A cookie that holds the sid is engine.io's own (its `cookie` option; engine.io 3 sets
        // "io" by default), not a load balancer's.
        for (const QNetworkCookie &cookie : jar.cookies())
            if (QString::fromUtf8(cookie.value()) != handshake.sid)
                cookieNames.insert(QString::fromUtf8(cookie.name()));
        // Follow-ups that the server answers at once: two POSTs of a NOOP packet, then an
        // upgrade request. Only the server that holds the session knows its sid.
        QList<HttpProbeRequest> requests;
        for (int i = 0; i < 2; ++i) {
            HttpProbeRequest post;
            post.url = endpoint(m_path, m_version, false, handshake.sid);
            post.method = "POST";
            post.body = noop;
            requests.append(post);
        }
        HttpProbeRequest upgrade;
        upgrade.url = endpoint(m_path, m_version, true, handshake.sid);
        upgrade.webSocket = true;
        requests.append(upgrade);
        for (HttpProbeRequest &request : requests) {
            request.headers = jar.requestHeaders(request.url, m_options.engine.userHeaders());
            const HttpProbeResult result = probe(request);
            jar.storeFromResponse(request.url, result.headers);
            ++followUps;
            // A refusal other than "Session ID unknown" came from the server that holds the
            // session (engine.io checks the sid first): such a request was pinned.
            const bool reached =
                result.status == 200 || result.status == 101 ||
                (fingerprintOf(result).kind == AnswerFingerprint::Kind::EngineIoRefusal &&
                 !isRefusal(result, EngineIoErrorCode::UnknownSid));
            if (isRefusal(result, EngineIoErrorCode::UnknownSid)) {
                ++unknownSession;
                if (unknownSession <= 3)
                    addExchange(&check, result);
            } else if (!reached) {
                ++otherFailures;
                addExchange(&check, result);
            }
        }
        HttpProbeRequest end;
        end.url = endpoint(m_path, m_version, false, handshake.sid);
        end.method = "POST";
        end.body = close;
        end.headers = jar.requestHeaders(end.url, m_options.engine.userHeaders());
        end.timeoutMs = m_options.engine.connectTimeoutMs;
        HttpProbe::run(end); // ends the session; its answer proves nothing
    }
    QStringList names = cookieNames.values();
    names.sort();
    check.fields.insert(QStringLiteral("handshakes"), handshakes);
    check.fields.insert(QStringLiteral("followUps"), followUps);
    check.fields.insert(QStringLiteral("unknownSession"), unknownSession);
    check.fields.insert(QStringLiteral("otherFailures"), otherFailures);
    check.fields.insert(QStringLiteral("cookies"), QJsonArray::fromStringList(names));
    const QString cookies =
        names.isEmpty() ? QStringLiteral("no cookie was set")
                        : QStringLiteral("cookies set: %1").arg(names.join(QStringLiteral(", ")));
    check.evidence.prepend(
        QStringLiteral("%1 handshakes, each followed at once by 2 polling POSTs and an upgrade "
                       "request; %2")
            .arg(handshakes)
            .arg(cookies));
    if (handshakes == 0) {
        check.status = Status::Fail;
        check.summary =
            QStringLiteral("None of %1 handshakes succeeded").arg(m_options.stickinessRuns);
    } else if (unknownSession > 0) {
        check.status = Status::Fail;
        check.summary =
            QStringLiteral("Sessions are not pinned to one server: %1 of %2 follow-up "
                           "requests failed with Session ID unknown (%3)")
                .arg(unknownSession)
                .arg(followUps)
                .arg(names.isEmpty() ? QStringLiteral("no load balancer cookie; configure "
                                                      "stickiness or use --transport websocket")
                                     : QStringLiteral("the cookies %1 did not pin them")
                                           .arg(names.join(QStringLiteral(", "))));
    } else if (otherFailures > 0) {
        check.status = Status::Warn;
        check.summary = QStringLiteral("No request met another server, but %1 of %2 follow-up "
                                       "requests failed otherwise")
                            .arg(otherFailures)
                            .arg(followUps);
    } else {
        check.status = Status::Pass;
        check.summary = QStringLiteral("Sessions stay on one server: all %1 follow-up requests "
                                       "reached their session (%2)")
                            .arg(followUps)
                            .arg(names.isEmpty() ? QStringLiteral("no load balancer cookie")
                                                 : QStringLiteral("load balancer cookie: %1")
                                                       .arg(names.join(QStringLiteral(", "))));
    }
    return check;
}

DoctorCheck ConnectionDoctor::checkProxy()
{
    const QString id = QStringLiteral("proxy");
    if (!m_engineOk && m_probes.isEmpty())
        return skipped(id, QStringLiteral("no request reached a server"));
    DoctorCheck check;
    check.id = id;
    bool headersDropped = false;
    QSet<int> pageStatuses;
    std::optional<EngineIoError> proxyRefusal; // the proxy's own refusal (407, a tunnel refused)
    for (const HttpProbeResult &result : std::as_const(m_probes)) {
        if (const auto failure = proxyFailureOf(result)) {
            if (!proxyRefusal)
                addExchange(&check, result);
            proxyRefusal = failure;
            continue;
        }
        if (!result.answered)
            continue;
        if (result.webSocket && isRefusal(result, EngineIoErrorCode::BadRequest)) {
            if (!headersDropped)
                addExchange(&check, result);
            headersDropped = true;
        }
        if (result.status != 200 && result.status != 101 &&
            fingerprintOf(result).kind == AnswerFingerprint::Kind::MiddleboxPage) {
            if (!pageStatuses.contains(result.status))
                addExchange(&check, result);
            pageStatuses.insert(result.status);
        }
    }
    // The upgrade's 101 came, but 2probe got no 3probe: the WebSocket bytes do not get through.
    if (m_upgradeUnanswered) {
        headersDropped = true;
        check.evidence.append(m_upgradeEvidence);
    }
    check.fields.insert(QStringLiteral("webSocketHeadersDropped"), headersDropped);
    QJsonArray statuses;
    QList<int> sorted = pageStatuses.values();
    std::sort(sorted.begin(), sorted.end());
    for (int status : std::as_const(sorted))
        statuses.append(status);
    check.fields.insert(QStringLiteral("errorPages"), statuses);
    check.fields.insert(QStringLiteral("proxyFailure"),
                        proxyRefusal
                            ? QJsonValue(EngineIoError::proxySymptomName(proxyRefusal->symptom))
                            : QJsonValue());
    QStringList findings;
    if (proxyRefusal) {
        QString finding = proxyRefusal->message;
        finding[0] = finding[0].toUpper();
        findings.append(finding);
    }
    if (m_upgradeUnanswered)
        findings.append(QStringLiteral(
            "Something between SioScope and the server answered the WebSocket upgrade with 101 "
            "but passed no WebSocket message: 2probe got no 3probe"));
    else if (headersDropped)
        findings.append(QStringLiteral(
            "Something between SioScope and the server drops the WebSocket headers (Upgrade, "
            "Connection): the server answered 400 \"Bad request\" (engine.io code 3) to a request "
            "that carried Upgrade: websocket"));
    if (!sorted.isEmpty())
        findings.append(QStringLiteral("A proxy or load balancer answered with its own error page "
                                       "(HTTP %1), not the Engine.IO server")
                            .arg([&] {
                                QStringList list;
                                for (int status : std::as_const(sorted))
                                    list.append(QString::number(status));
                                return list.join(QStringLiteral(", "));
                            }()));
    if (findings.isEmpty()) {
        check.evidence.append(
            QStringLiteral("%1 answers seen: no 400 with engine.io code 3 to a request that "
                           "carried Upgrade: websocket, no 101 without the probe's answer, no "
                           "error page of a proxy")
                .arg(std::count_if(m_probes.cbegin(), m_probes.cend(),
                                   [](const HttpProbeResult &result) { return result.answered; })));
        check.status = Status::Pass;
        check.summary = QStringLiteral("No sign of a proxy that drops the WebSocket headers or "
                                       "answers with its own error pages");
    } else {
        check.status = Status::Fail;
        check.summary = findings.join(QStringLiteral(". "));
    }
    return check;
}
