#include "connectiondoctor.h"
#include "connectiondoctor_p.h"

#include "doctor/doctorwait.h"
#include "engineio/engineiocodec.h"
#include "engineio/engineiocookiejar.h"

#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QUrlQuery>

namespace DoctorDetail {

DoctorCheck skipped(const QString &id, const QString &why)
{
    DoctorCheck check;
    check.id = id;
    check.status = Status::Skip;
    check.summary = why;
    return check;
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

} // namespace DoctorDetail

using namespace DoctorDetail;

ConnectionDoctor::ConnectionDoctor(const DoctorOptions &options)
    : m_options(options)
{
    const QUrl url = httpUrl();
    m_hostPort = QStringLiteral("%1:%2")
                     .arg(url.host())
                     .arg(url.port(url.scheme() == QLatin1String("https") ? 443 : 80));
    m_proxy = resolveProxy(options.engine.proxy, url, proxyEnvironment());
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

SocketIoOptions ConnectionDoctor::sessionOptions(EngineIoOptions::Transports transports) const
{
    SocketIoOptions options;
    options.engine = m_options.engine;
    options.engine.path = m_path;
    options.engine.version = m_version == EngineIoVersion::V3 ? EngineIoOptions::Version::V3
                                                              : EngineIoOptions::Version::V4;
    options.engine.transports = transports;
    options.engine.reconnect.enabled = false;
    // The tls check reports the certificate errors; the sessions go on past them.
    options.engine.ignoreSslErrors = m_tlsErrors;
    return options;
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
