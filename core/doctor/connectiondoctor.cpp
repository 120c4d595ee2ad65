#include "connectiondoctor.h"

#include "doctor/doctorwait.h"
#include "engineio/tlsalertprobe.h"

#include "engineio/engineiocodec.h"
#include "engineio/engineiocookiejar.h"
#include "socketio/socketioclient.h"
#include "socketio/socketionamespace.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSet>
#include <QSslSocket>
#include <QTimer>
#include <QUrlQuery>

namespace {

using Status = DoctorCheck::Status;

DoctorCheck makeCheck(const QString &id, Status status, const QString &summary)
{
    DoctorCheck check;
    check.id = id;
    check.status = status;
    check.summary = summary;
    return check;
}

DoctorCheck skipped(const QString &id, const QString &why)
{
    return makeCheck(id, Status::Skip, why);
}

void addExchange(DoctorCheck *check, const HttpProbeResult &result)
{
    check->evidence.append(result.requestEvidence());
    check->evidence.append(result.answerEvidence());
}

AnswerFingerprint fingerprintOf(const HttpProbeResult &result)
{
    return AnswerFingerprint::classify(result.status, result.header("content-type"), result.body);
}

bool isRefusal(const HttpProbeResult &result, EngineIoErrorCode code)
{
    if (!result.answered || result.status == 200 || result.status == 101)
        return false;
    const AnswerFingerprint fingerprint = fingerprintOf(result);
    return fingerprint.kind == AnswerFingerprint::Kind::EngineIoRefusal && fingerprint.code == code;
}

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

ConnectionDoctor::ConnectionDoctor(const DoctorOptions &options)
    : m_options(options)
{
    const QUrl url = httpUrl();
    m_hostPort = QStringLiteral("%1:%2")
                     .arg(url.host())
                     .arg(url.port(url.scheme() == QLatin1String("https") ? 443 : 80));
    m_proxy = resolveProxy(options.engine.proxy, url, QProcessEnvironment::systemEnvironment());
    if (url.scheme() == QLatin1String("https"))
        m_tls = ClientTls::fromOptions(options.engine);
}

QUrl ConnectionDoctor::httpUrl() const
{
    QUrl url = m_options.engine.url;
    const QString scheme = url.scheme().toLower();
    url.setScheme(scheme == QLatin1String("https") || scheme == QLatin1String("wss")
                      ? QStringLiteral("https")
                      : QStringLiteral("http"));
    return url;
}

QUrl ConnectionDoctor::endpoint(const QString &path, EngineIoVersion version, bool webSocket,
                                const QString &sid) const
{
    QUrl url = httpUrl();
    url.setPath(path);
    QUrlQuery query(m_options.engine.url.query());
    for (const auto &[key, value] : m_options.engine.query)
        query.addQueryItem(key, value);
    query.addQueryItem(QStringLiteral("EIO"), QString::number(int(version)));
    query.addQueryItem(QStringLiteral("transport"),
                       webSocket ? QStringLiteral("websocket") : QStringLiteral("polling"));
    if (!sid.isEmpty())
        query.addQueryItem(QStringLiteral("sid"), sid);
    url.setQuery(query);
    return url;
}

HttpProbeResult ConnectionDoctor::probe(const HttpProbeRequest &request)
{
    HttpProbeRequest sent = request;
    sent.timeoutMs = m_options.engine.connectTimeoutMs;
    if (sent.headers.isEmpty())
        sent.headers = m_options.engine.userHeaders();
    sent.proxy = m_proxy.proxy;
    sent.sslConfiguration = m_tls.configuration;
    const HttpProbeResult result = HttpProbe::run(sent);
    m_probes.append(result);
    return result;
}

std::optional<EngineIoError> ConnectionDoctor::proxyFailureOf(const HttpProbeResult &result) const
{
    // A forwarding proxy answers 407 itself; through a tunnel or SOCKS, Qt reports the
    // proxy's refusals as socket errors.
    if (result.forwarded && result.answered && result.status == 407)
        return proxySocketFailure(
            m_proxy, httpUrl(), QAbstractSocket::ProxyAuthenticationRequiredError, QString(), true);
    if (!result.answered && !result.timedOut)
        return proxySocketFailure(m_proxy, httpUrl(), result.socketErrorCode, result.socketError,
                                  true);
    return std::nullopt;
}

QString ConnectionDoctor::describeFailure(const HttpProbeResult &result) const
{
    if (const auto failure = proxyFailureOf(result))
        return failure->message;
    if (!result.answered)
        return result.timedOut ? QStringLiteral("no answer in time") : result.socketError;
    return fingerprintOf(result).describe(result.status, result.header("content-type"));
}

bool ConnectionDoctor::pollingHandshake(const QString &path, EngineIoVersion version,
                                        EngineIoCookieJar *jar, HttpProbeResult *result,
                                        EngineIoHandshake *handshake, EngineIoVersion *detected)
{
    HttpProbeRequest request;
    request.url = endpoint(path, version, false);
    request.headers = jar ? jar->requestHeaders(request.url, m_options.engine.userHeaders())
                          : m_options.engine.userHeaders();
    *result = probe(request);
    if (jar)
        jar->storeFromResponse(request.url, result->headers);
    if (!result->answered || result->status != 200)
        return false;
    // engine.io 3 answers whatever EIO asks for in its own payload format, "<length>:<packet>";
    // engine.io 4 and later write "0{...}" (packets joined by 0x1e).
    static const QRegularExpression v3Payload(QStringLiteral("^[0-9]+:"));
    *detected = v3Payload.match(QString::fromLatin1(result->body.left(16))).hasMatch()
                    ? EngineIoVersion::V3
                    : EngineIoVersion::V4;
    PollingPayloadDecoder decoder(*detected, 1024 * 1024);
    if (!decoder.feed(result->body) || !decoder.finish())
        return false;
    const QList<EngineIoPacket> packets = decoder.takePackets();
    QString error;
    return !packets.isEmpty() && packets.first().type == EngineIoPacket::Open &&
           EngineIoHandshake::fromJson(packets.first().data, handshake, &error);
}

DoctorReport ConnectionDoctor::run()
{
    DoctorReport report;
    report.url = m_options.engine.url.toString();
    report.checks.append(checkReachable());
    if (!m_reachable) {
        for (const QString &id :
             {QStringLiteral("tls"), QStringLiteral("engineio"), QStringLiteral("transports"),
              QStringLiteral("stickiness"), QStringLiteral("proxy"), QStringLiteral("namespaces"),
              QStringLiteral("heartbeat")})
            report.checks.append(skipped(id, QStringLiteral("the server is not reachable")));
        return report;
    }
    // A cancelled diagnosis (DoctorWait) stops between checks; its report is not used.
    using Check = DoctorCheck (ConnectionDoctor::*)();
    const std::pair<const char *, Check> checks[] = {
        {"tls", &ConnectionDoctor::checkTls},
        {"engineio", &ConnectionDoctor::checkEngineIo},
        {"transports", &ConnectionDoctor::checkTransports},
        {"stickiness", &ConnectionDoctor::checkStickiness},
        {"proxy", &ConnectionDoctor::checkProxy},
        {"namespaces", &ConnectionDoctor::checkNamespaces},
        {"heartbeat", &ConnectionDoctor::checkHeartbeat}};
    for (const auto &[id, check] : checks) {
        if (DoctorWait::interrupted())
            break;
        // Past a TLS refusal every probe would meet it again, in OpenSSL's words.
        report.checks.append(m_tlsRefused.isEmpty()
                                 ? (this->*check)()
                                 : skipped(QString::fromLatin1(id), m_tlsRefused));
    }
    return report;
}

DoctorCheck ConnectionDoctor::checkReachable()
{
    const QUrl url = httpUrl();
    const int port = url.port(url.scheme() == QLatin1String("https") ? 443 : 80);
    DoctorCheck check;
    check.id = QStringLiteral("reachable");
    check.fields.insert(QStringLiteral("host"), url.host());
    check.fields.insert(QStringLiteral("port"), port);
    check.fields.insert(QStringLiteral("proxy"),
                        m_proxy.isDirect() ? QJsonValue() : QJsonValue(m_proxy.description()));
    if (!m_proxy.error.isEmpty()) {
        check.status = Status::Fail;
        check.summary = QStringLiteral("The proxy setting cannot be used: %1").arg(m_proxy.error);
        check.evidence.append(check.summary);
        check.fields.insert(QStringLiteral("error"), m_proxy.error);
        check.fields.insert(
            QStringLiteral("proxyFailure"),
            EngineIoError::proxySymptomName(EngineIoError::Symptom::ProxySettingInvalid));
        return check;
    }
    if (!m_proxy.bypass.isEmpty())
        check.evidence.append(QStringLiteral("direct: %1").arg(m_proxy.bypass));
    // An HTTP proxy forwards plain-http polling itself (QNetworkAccessManager sends it the
    // whole URL): reaching the proxy is what counts. Everything else goes through a tunnel (or
    // SOCKS) to the server, which the socket opens before it says it is connected.
    const bool forwarded =
        m_proxy.proxy.type() == QNetworkProxy::HttpProxy && url.scheme() == QLatin1String("http");
    QTcpSocket socket;
    socket.setProxy(forwarded ? QNetworkProxy(QNetworkProxy::NoProxy) : m_proxy.proxy);
    QEventLoop loop;
    QTimer::singleShot(m_options.engine.connectTimeoutMs, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::connected, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &loop, &QEventLoop::quit);
    QElapsedTimer elapsed;
    elapsed.start();
    if (forwarded) {
        check.evidence.append(QStringLiteral("> TCP connect to the proxy %1, which forwards the "
                                             "http requests to %2")
                                  .arg(m_proxy.description(), m_hostPort));
        socket.connectToHost(m_proxy.proxy.hostName(), m_proxy.proxy.port());
    } else {
        check.evidence.append(m_proxy.isDirect()
                                  ? QStringLiteral("> TCP connect to %1").arg(m_hostPort)
                                  : QStringLiteral("> TCP connect to %1 through the proxy %2")
                                        .arg(m_hostPort, m_proxy.description()));
        socket.connectToHost(url.host(), quint16(port));
    }
    DoctorWait::exec(loop);
    if (socket.state() == QAbstractSocket::ConnectedState) {
        m_reachable = true;
        check.status = Status::Pass;
        check.summary =
            m_proxy.isDirect() ? QStringLiteral("%1 accepts TCP connections").arg(m_hostPort)
            : forwarded
                ? QStringLiteral("The proxy %1 accepts connections; it forwards the http requests "
                                 "to %2")
                      .arg(m_proxy.description(), m_hostPort)
                : QStringLiteral("%1 is reachable through the proxy %2")
                      .arg(m_hostPort, m_proxy.description());
        check.evidence.append(QStringLiteral("< connected in %1 ms").arg(elapsed.elapsed()));
        check.fields.insert(QStringLiteral("connectMs"), elapsed.elapsed());
        socket.abort();
        return check;
    }
    const bool timedOut = socket.error() == QAbstractSocket::UnknownSocketError;
    const QString error =
        timedOut
            ? QStringLiteral("no connection within %1 ms").arg(m_options.engine.connectTimeoutMs)
            : socket.errorString();
    check.status = Status::Fail;
    check.evidence.append(QStringLiteral("< %1").arg(error));
    check.fields.insert(QStringLiteral("error"), error);
    // Through a proxy, say whose failure it is: the proxy's (unreachable, 407, a refused
    // tunnel) or the server's behind it. A forwarding proxy that cannot be reached is met as a
    // plain connection error.
    const QAbstractSocket::SocketError code =
        forwarded && !timedOut            ? QAbstractSocket::ProxyConnectionRefusedError
        : timedOut && !m_proxy.isDirect() ? QAbstractSocket::ProxyConnectionTimeoutError
                                          : socket.error();
    if (const auto failure = proxySocketFailure(m_proxy, url, code, error, true)) {
        QString summary = failure->message;
        summary[0] = summary[0].toUpper();
        check.summary = summary;
        check.fields.insert(QStringLiteral("proxyFailure"),
                            EngineIoError::proxySymptomName(failure->symptom));
        return check;
    }
    check.summary = QStringLiteral("%1 cannot be reached: %2").arg(m_hostPort, error);
    return check;
}

DoctorCheck ConnectionDoctor::checkTls()
{
    const QString id = QStringLiteral("tls");
    if (httpUrl().scheme() != QLatin1String("https"))
        return skipped(id, QStringLiteral("plain http: no TLS to check"));
    if (!m_reachable)
        return skipped(id, QStringLiteral("the server is not reachable"));
    const QUrl url = httpUrl();
    DoctorCheck check;
    check.id = id;
    check.fields.insert(QStringLiteral("clientCertificate"),
                        m_tls.presentsClientCertificate ? QStringLiteral("presented")
                        : m_tls.clientCertificateError  ? QStringLiteral("unusable")
                                                        : QStringLiteral("none"));
    if (!m_tls.caWarning.isEmpty())
        check.evidence.append(m_tls.caWarning);
    // The user's certificate files cannot be used: nothing the server does can mend that, and
    // the handshake below goes on without a certificate to see whether the server asks for one.
    if (m_tls.clientCertificateError) {
        check.evidence.append(QStringLiteral("the client certificate: %1")
                                  .arg(m_tls.clientCertificateError->message));
        check.fields.insert(
            QStringLiteral("failure"),
            EngineIoError::tlsFailureName(m_tls.clientCertificateError->tlsFailure));
    }

    QSslSocket socket;
    socket.setProxy(m_proxy.proxy);
    socket.setSslConfiguration(m_tls.configuration);
    QList<QSslError> errors;
    bool certificateDemanded = false;
    bool certificateRefused = false;
    QByteArray answer;
    QEventLoop loop;
    QTimer::singleShot(m_options.engine.connectTimeoutMs, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QSslSocket::errorOccurred, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QSslSocket::disconnected, &loop, &QEventLoop::quit);
    // Noted, then ignored: the certificate is still shown, and the other checks can go on.
    QObject::connect(&socket, &QSslSocket::sslErrors, &loop, [&](const QList<QSslError> &seen) {
        errors = seen;
        socket.ignoreSslErrors();
    });
    // A server that wants a client certificate ends the handshake with an alert; under TLS 1.3
    // it comes after the client thinks the handshake is done, so a request is sent and the
    // answer (or the alert) awaited.
    QObject::connect(&socket, &QSslSocket::alertReceived, &loop,
                     [&](QSsl::AlertLevel level, QSsl::AlertType type, const QString &) {
                         if (level != QSsl::AlertLevel::Fatal)
                             return;
                         certificateDemanded |= TlsAlertProbe::demandsCertificate(
                             type, m_tls.presentsClientCertificate);
                         certificateRefused |= TlsAlertProbe::refusesCertificate(
                             type, m_tls.presentsClientCertificate);
                     });
    QObject::connect(&socket, &QSslSocket::encrypted, &loop, [&] {
        socket.write("HEAD / HTTP/1.1\r\nHost: " + url.host().toUtf8() +
                     "\r\nConnection: close\r\n\r\n");
    });
    QObject::connect(&socket, &QSslSocket::readyRead, &loop, [&] {
        answer += socket.readAll();
        if (!answer.isEmpty())
            loop.quit();
    });
    socket.connectToHostEncrypted(url.host(), quint16(url.port(443)));
    DoctorWait::exec(loop);
    check.evidence.append(QStringLiteral("> TLS handshake with %1 (host name %2), %3")
                              .arg(m_hostPort, url.host(),
                                   m_tls.presentsClientCertificate
                                       ? QStringLiteral("presenting the client certificate %1")
                                             .arg(m_options.engine.clientCertificateFile)
                                       : QStringLiteral("without a client certificate")));
    const QSslCertificate certificate = socket.peerCertificate();
    if (!certificate.isNull()) {
        const QString subject = certificate.subjectDisplayName();
        const QString issuer = certificate.issuerDisplayName();
        const QString expires = certificate.expiryDate().toUTC().toString(Qt::ISODate);
        check.fields.insert(QStringLiteral("protocol"),
                            socket.sessionProtocol() == QSsl::TlsV1_3   ? QStringLiteral("TLS 1.3")
                            : socket.sessionProtocol() == QSsl::TlsV1_2 ? QStringLiteral("TLS 1.2")
                                                                        : QStringLiteral("other"));
        check.fields.insert(QStringLiteral("subject"), subject);
        check.fields.insert(QStringLiteral("issuer"), issuer);
        check.fields.insert(QStringLiteral("expires"), expires);
        check.evidence.append(
            QStringLiteral("< certificate of \"%1\", issued by \"%2\", expires %3")
                .arg(subject, issuer, expires));
    }
    QJsonArray errorTexts;
    for (const QSslError &error : std::as_const(errors)) {
        errorTexts.append(error.errorString());
        check.evidence.append(QStringLiteral("< verification error: %1").arg(error.errorString()));
    }
    check.fields.insert(QStringLiteral("errors"), errorTexts);
    check.fields.insert(QStringLiteral("clientCertificateRequired"),
                        certificateDemanded || certificateRefused);
    if (certificateDemanded || certificateRefused)
        check.evidence.append(
            QStringLiteral("< the server ended the handshake: %1").arg(socket.errorString()));
    else if (!answer.isEmpty())
        check.evidence.append(QStringLiteral("< the server answered over TLS: %1")
                                  .arg(QString::fromLatin1(answer.left(answer.indexOf('\r')))));

    m_tlsErrors = !errors.isEmpty();
    QStringList problems;
    if (m_tls.clientCertificateError) {
        problems.append(m_tls.clientCertificateError->message);
    } else if (certificateDemanded || certificateRefused) {
        const EngineIoError refusal = ClientTls::clientCertificateRefusal(
            QString(), url.host(), m_options.engine.clientCertificateFile,
            m_tls.presentsClientCertificate);
        check.fields.insert(QStringLiteral("failure"),
                            EngineIoError::tlsFailureName(refusal.tlsFailure));
        problems.append(refusal.message);
    }
    if (certificateDemanded || certificateRefused) {
        QString reason = problems.last();
        reason[0] = reason[0].toLower();
        m_tlsRefused = QStringLiteral("the server ends the TLS handshake: %1").arg(reason);
    }
    if (m_tlsErrors) {
        const EngineIoError untrusted =
            ClientTls::untrustedServerError(QString(), url.host(), errors);
        check.fields.insert(QStringLiteral("certificateProblems"),
                            QJsonArray::fromStringList(EngineIoError::certificateProblemNames(
                                untrusted.certificateProblems)));
        if (!check.fields.contains(QStringLiteral("failure")))
            check.fields.insert(QStringLiteral("failure"),
                                EngineIoError::tlsFailureName(untrusted.tlsFailure));
        problems.prepend(m_options.engine.ignoreSslErrors
                             ? untrusted.message +
                                   QStringLiteral(" (accepted because of --insecure: anyone on the "
                                                  "path can read and change the traffic)")
                             : untrusted.message);
    }
    if (!socket.isEncrypted() && problems.isEmpty()) {
        check.status = Status::Fail;
        check.summary = QStringLiteral("The TLS handshake with %1 failed: %2")
                            .arg(m_hostPort, socket.errorString());
        check.evidence.append(QStringLiteral("< %1").arg(socket.errorString()));
        check.fields.insert(QStringLiteral("error"), socket.errorString());
        return check;
    }
    if (problems.isEmpty()) {
        check.status = Status::Pass;
        check.summary = QStringLiteral("TLS works; the certificate of \"%1\" is trusted until %2%3")
                            .arg(certificate.subjectDisplayName(),
                                 certificate.expiryDate().toUTC().toString(Qt::ISODate),
                                 m_tls.presentsClientCertificate
                                     ? QStringLiteral("; the server took the client certificate")
                                     : QString());
        return check;
    }
    // Only an untrusted certificate the user chose to accept is a warning; the rest fail.
    const bool onlyAccepted =
        m_tlsErrors && m_options.engine.ignoreSslErrors && problems.size() == 1;
    check.status = onlyAccepted ? Status::Warn : Status::Fail;
    QString summary = problems.join(QStringLiteral(". "));
    summary[0] = summary[0].toUpper();
    check.summary = summary;
    return check;
}

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

DoctorCheck ConnectionDoctor::checkNamespaces()
{
    const QString id = QStringLiteral("namespaces");
    if (!m_engineOk || (!m_pollingWorks && !m_webSocketWorks))
        return skipped(id, QStringLiteral("no transport works"));
    DoctorCheck check;
    check.id = id;
    SocketIoOptions options;
    options.engine = m_options.engine;
    options.engine.path = m_path;
    options.engine.version = m_version == EngineIoVersion::V3 ? EngineIoOptions::Version::V3
                                                              : EngineIoOptions::Version::V4;
    // Polling when it works: the fewest things between client and server have to go right.
    options.engine.transports = m_pollingWorks ? EngineIoOptions::Transports::PollingOnly
                                               : EngineIoOptions::Transports::WebSocketOnly;
    options.engine.reconnect.enabled = false;
    if (m_tlsErrors) {
        options.engine.ignoreSslErrors = true;
        check.evidence.append(QStringLiteral("the certificate errors of the tls check are "
                                             "ignored for this check"));
    }
    SocketIoClient client;
    client.setOptions(options);
    QEventLoop loop;
    QTimer::singleShot(m_options.engine.connectTimeoutMs, &loop, &QEventLoop::quit);
    struct Outcome
    {
        QString name;
        QString status = QStringLiteral("timeout"); // connected, refused, timeout, closed
        QString message;
        QJsonValue data;
    };
    QList<Outcome> outcomes;
    int pending = int(m_options.namespaces.size());
    auto settle = [&](int index, const QString &status, const QString &message,
                      const QJsonValue &data) {
        if (outcomes[index].status != QLatin1String("timeout"))
            return;
        outcomes[index].status = status;
        outcomes[index].message = message;
        outcomes[index].data = data;
        if (--pending == 0)
            loop.quit();
    };
    for (const auto &[name, auth] : std::as_const(m_options.namespaces)) {
        const int index = int(outcomes.size());
        Outcome outcome;
        outcome.name = name;
        outcomes.append(outcome);
        SocketIoNamespace *ns = client.joinNamespace(name, auth);
        QObject::connect(ns, &SocketIoNamespace::connected, &loop,
                         [&settle, index] { settle(index, QStringLiteral("connected"), {}, {}); });
        QObject::connect(ns, &SocketIoNamespace::refused, &loop,
                         [&settle, index](const QString &message, const QJsonValue &data) {
                             settle(index, QStringLiteral("refused"), message, data);
                         });
    }
    QString closeReason;
    QObject::connect(client.engine(), &EngineIoClient::closed, &loop, [&](const QString &reason) {
        closeReason = reason;
        loop.quit();
    });
    client.connectToServer();
    if (pending > 0)
        DoctorWait::exec(loop);
    client.disconnectFromServer();

    QJsonArray array;
    QStringList refused;
    QStringList unanswered;
    for (const Outcome &outcome : std::as_const(outcomes)) {
        QJsonObject object{{QStringLiteral("name"), outcome.name},
                           {QStringLiteral("status"), outcome.status}};
        check.evidence.append(QStringLiteral("> CONNECT %1").arg(outcome.name));
        if (outcome.status == QLatin1String("connected")) {
            check.evidence.append(QStringLiteral("< CONNECT: connected"));
        } else if (outcome.status == QLatin1String("refused")) {
            object.insert(QStringLiteral("message"), outcome.message);
            if (!outcome.data.isUndefined() && !outcome.data.isNull())
                object.insert(QStringLiteral("data"), outcome.data);
            const QString data =
                outcome.data.isObject()
                    ? QString::fromUtf8(
                          QJsonDocument(outcome.data.toObject()).toJson(QJsonDocument::Compact))
                    : QString();
            check.evidence.append(
                QStringLiteral("< CONNECT_ERROR \"%1\"%2")
                    .arg(outcome.message, data.isEmpty() ? QString() : QLatin1Char(' ') + data));
            refused.append(QStringLiteral("%1 (\"%2\")").arg(outcome.name, outcome.message));
        } else {
            const QString why = closeReason.isEmpty()
                                    ? QStringLiteral("no answer within %1 ms")
                                          .arg(m_options.engine.connectTimeoutMs)
                                    : QStringLiteral("the connection closed: %1").arg(closeReason);
            object.insert(QStringLiteral("message"), why);
            check.evidence.append(QStringLiteral("< %1").arg(why));
            unanswered.append(QStringLiteral("%1 (%2)").arg(outcome.name, why));
        }
        array.append(object);
    }
    check.fields.insert(QStringLiteral("namespaces"), array);
    if (refused.isEmpty() && unanswered.isEmpty()) {
        check.status = Status::Pass;
        QStringList names;
        for (const Outcome &outcome : std::as_const(outcomes))
            names.append(outcome.name);
        check.summary = QStringLiteral("Connected to %1").arg(names.join(QStringLiteral(", ")));
        return check;
    }
    check.status = Status::Fail;
    QStringList parts;
    if (!refused.isEmpty())
        parts.append(QStringLiteral("The server refused %1; the message says why (often: "
                                    "authentication needed, give it with --auth)")
                         .arg(refused.join(QStringLiteral(", "))));
    if (!unanswered.isEmpty())
        parts.append(QStringLiteral("No answer for %1").arg(unanswered.join(QStringLiteral(", "))));
    check.summary = parts.join(QStringLiteral(". "));
    return check;
}

DoctorCheck ConnectionDoctor::checkHeartbeat()
{
    const QString id = QStringLiteral("heartbeat");
    if (!m_engineOk)
        return skipped(id, QStringLiteral("no Engine.IO handshake succeeded"));
    DoctorCheck check;
    check.id = id;
    check.status = Status::Pass;
    check.fields.insert(QStringLiteral("pingInterval"), m_handshake.pingInterval);
    check.fields.insert(QStringLiteral("pingTimeout"), m_handshake.pingTimeout);
    check.fields.insert(QStringLiteral("maxPayload"),
                        m_handshake.maxPayload > 0 ? QJsonValue(double(m_handshake.maxPayload))
                                                   : QJsonValue());
    check.evidence.append(
        QStringLiteral("from the handshake: %1").arg(QString::fromUtf8(m_handshake.toJson())));
    check.summary =
        QStringLiteral("The server pings every %1 ms and waits %2 ms for the answer: anything "
                       "between client and server must keep an idle connection open longer "
                       "than %3 ms; %4")
            .arg(m_handshake.pingInterval)
            .arg(m_handshake.pingTimeout)
            .arg(m_handshake.pingInterval + m_handshake.pingTimeout)
            .arg(m_handshake.maxPayload > 0
                     ? QStringLiteral("maxPayload %1 bytes").arg(m_handshake.maxPayload)
                     : QStringLiteral("no maxPayload announced (Engine.IO v3 or engine.io < 6)"));
    return check;
}
