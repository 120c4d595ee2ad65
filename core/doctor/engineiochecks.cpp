// The engineio and transports checks: the Engine.IO version and path from a handshake, then which
// transports work and whether the upgrade from polling to WebSocket does.
#include "connectiondoctor.h"
#include "connectiondoctor_p.h"

#include "engineio/engineiocookiejar.h"

using namespace DoctorDetail;

namespace {

QString versionName(EngineIoVersion version)
{
    return version == EngineIoVersion::V3 ? QStringLiteral("v3") : QStringLiteral("v4");
}

// A path as engine.io matches it: with a slash at each end.
QString normalizedPath(QString path)
{
    if (!path.startsWith(QLatin1Char('/')))
        path.prepend(QLatin1Char('/'));
    if (!path.endsWith(QLatin1Char('/')))
        path.append(QLatin1Char('/'));
    return path;
}

} // namespace

DoctorCheck ConnectionDoctor::checkEngineIo()
{
    const QString id = QStringLiteral("engineio");
    if (!m_reachable)
        return skipped(id, QStringLiteral("the server is not reachable"));
    QStringList paths;
    if (m_options.pathGiven) {
        paths.append(normalizedPath(m_options.engine.path));
    } else {
        // A URL that names a path (https://host/app/socket.io/) is often meant as the path.
        const QString urlPath = m_options.engine.url.path();
        if (!urlPath.isEmpty() && urlPath != QLatin1String("/") &&
            normalizedPath(urlPath) != QLatin1String("/socket.io/"))
            paths.append(normalizedPath(urlPath));
        paths.append(QStringLiteral("/socket.io/"));
    }
    const EngineIoVersion asked = m_options.engine.version == EngineIoOptions::Version::V3
                                      ? EngineIoVersion::V3
                                      : EngineIoVersion::V4;
    DoctorCheck check;
    check.id = id;
    QString firstFailure; // why the URL's path was not the Engine.IO path
    for (qsizetype i = 0; i < paths.size(); ++i) {
        const QString &path = paths.at(i);
        HttpProbeResult result;
        EngineIoHandshake handshake;
        EngineIoVersion detected = asked;
        const bool ok = pollingHandshake(path, asked, nullptr, &result, &handshake, &detected);
        addExchange(&check, result);
        if (ok) {
            m_engineOk = true;
            m_pollingWorks = true;
            m_path = path;
            m_version = detected;
            m_handshake = handshake;
            check.status = Status::Pass;
            check.summary =
                detected == asked
                    ? QStringLiteral("Engine.IO %1 at the path %2").arg(versionName(detected), path)
                    : QStringLiteral("Engine.IO v3 (socket.io 2.x) at the path %1: it answered an "
                                     "EIO=4 handshake in the v3 payload format; connect with "
                                     "--eio 3")
                          .arg(path);
            if (i > 0)
                check.summary +=
                    firstFailure == QLatin1String("404")
                        ? QStringLiteral(" (the path %1 answered 404)").arg(paths.first())
                        : QStringLiteral(" (the path %1: %2)").arg(paths.first(), firstFailure);
            check.fields.insert(QStringLiteral("version"), int(detected));
            check.fields.insert(QStringLiteral("path"), path);
            return check;
        }
        // The URL's path is a guess: whatever it answered (a 404 page, or nothing, as a bare
        // socket.io server does on other paths), /socket.io/ is tried next. The guess's answer
        // (the application's own 404 page, say) is no middlebox's page: the proxy check does not
        // see it.
        if (i + 1 < paths.size()) {
            m_probes.removeLast();
            firstFailure = result.answered && result.status == 404 ? QStringLiteral("404")
                                                                   : describeFailure(result);
            check.evidence.append(QStringLiteral("%1 is not an Engine.IO path (%2); trying %3 "
                                                 "instead")
                                      .arg(path, firstFailure, paths.at(i + 1)));
            continue;
        }
        // Polling turned off on the server: its WebSocket handshake tells the version instead.
        if (isRefusal(result, EngineIoErrorCode::UnknownTransport)) {
            HttpProbeRequest request;
            request.url = endpoint(path, asked, true);
            request.webSocket = true;
            request.awaitedPrefix = "0";
            const HttpProbeResult ws = probe(request);
            addExchange(&check, ws);
            if (ws.awaitedSeen &&
                EngineIoHandshake::fromJson(ws.messages.last().mid(1), &handshake, nullptr)) {
                m_engineOk = true;
                m_path = path;
                m_version = asked;
                m_handshake = handshake;
                check.status = Status::Pass;
                check.summary = QStringLiteral("Engine.IO %1 at the path %2 (WebSocket only: "
                                               "the server refuses polling)")
                                    .arg(versionName(asked), path);
                check.fields.insert(QStringLiteral("version"), int(asked));
                check.fields.insert(QStringLiteral("path"), path);
                return check;
            }
        }
        check.status = Status::Fail;
        if (isRefusal(result, EngineIoErrorCode::UnsupportedProtocolVersion))
            check.summary =
                QStringLiteral("The server does not speak Engine.IO %1 (engine.io "
                               "error 5 \"Unsupported protocol version\"); try --eio %2")
                    .arg(versionName(asked),
                         asked == EngineIoVersion::V4 ? QStringLiteral("3") : QStringLiteral("4"));
        else if (result.answered && result.status == 404)
            check.summary = QStringLiteral("No Engine.IO server at the path %1 (HTTP 404); give "
                                           "the server's path with --path")
                                .arg(path);
        else
            check.summary = QStringLiteral("The Engine.IO handshake at %1 failed: %2")
                                .arg(path, describeFailure(result));
        check.fields.insert(QStringLiteral("path"), path);
        return check;
    }
    return check;
}

DoctorCheck ConnectionDoctor::checkTransports()
{
    const QString id = QStringLiteral("transports");
    if (!m_engineOk)
        return skipped(id, QStringLiteral("no Engine.IO handshake succeeded"));
    DoctorCheck check;
    check.id = id;
    // WebSocket alone: the 101, then the OPEN packet as the first message.
    HttpProbeRequest wsOnly;
    wsOnly.url = endpoint(m_path, m_version, true);
    wsOnly.webSocket = true;
    wsOnly.awaitedPrefix = "0";
    const HttpProbeResult ws = probe(wsOnly);
    addExchange(&check, ws);
    m_webSocketWorks = ws.status == 101 && ws.awaitedSeen;

    // The upgrade: a polling handshake, then the probe on a WebSocket for its sid.
    bool upgradeWorks = false;
    QString upgradeProblem;
    if (m_pollingWorks) {
        EngineIoCookieJar jar;
        HttpProbeResult handshakeResult;
        EngineIoHandshake handshake;
        EngineIoVersion detected = m_version;
        if (pollingHandshake(m_path, m_version, &jar, &handshakeResult, &handshake, &detected)) {
            addExchange(&check, handshakeResult);
            HttpProbeRequest upgrade;
            upgrade.url = endpoint(m_path, m_version, true, handshake.sid);
            upgrade.headers = jar.requestHeaders(upgrade.url, m_options.engine.userHeaders());
            upgrade.webSocket = true;
            upgrade.messageAfter101 = "2probe";
            upgrade.awaitedPrefix = "3probe";
            const HttpProbeResult result = probe(upgrade);
            addExchange(&check, result);
            upgradeWorks = result.awaitedSeen;
            if (result.status == 101 && !upgradeWorks) {
                m_upgradeUnanswered = true;
                m_upgradeEvidence = {result.requestEvidence(), result.answerEvidence()};
            }
            if (!upgradeWorks)
                upgradeProblem = result.status == 101
                                     ? QStringLiteral("101, but no 3probe answered 2probe")
                                     : describeFailure(result);
        } else {
            addExchange(&check, handshakeResult);
            upgradeProblem = describeFailure(handshakeResult);
        }
    }
    check.fields.insert(QStringLiteral("polling"), m_pollingWorks);
    check.fields.insert(QStringLiteral("websocket"), m_webSocketWorks);
    check.fields.insert(QStringLiteral("upgrade"), upgradeWorks);
    QStringList working;
    QStringList broken;
    (m_pollingWorks ? working : broken).append(QStringLiteral("polling"));
    (m_webSocketWorks ? working : broken)
        .append(m_webSocketWorks ? QStringLiteral("WebSocket")
                                 : QStringLiteral("WebSocket (%1)").arg(describeFailure(ws)));
    if (m_pollingWorks)
        (upgradeWorks ? working : broken)
            .append(upgradeWorks ? QStringLiteral("the upgrade from polling to WebSocket")
                                 : QStringLiteral("the upgrade (%1)").arg(upgradeProblem));
    if (broken.isEmpty()) {
        check.status = Status::Pass;
        check.summary =
            QStringLiteral("Every transport works: %1").arg(working.join(QStringLiteral(", ")));
    } else {
        check.status = working.isEmpty() ? Status::Fail : Status::Warn;
        check.summary = QStringLiteral("Works: %1. Does not work: %2")
                            .arg(working.isEmpty() ? QStringLiteral("nothing")
                                                   : working.join(QStringLiteral(", ")),
                                 broken.join(QStringLiteral(", ")));
    }
    return check;
}
