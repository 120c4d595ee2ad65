#include "engineio/pollingtransport.h"

#include "engineio/tlsalertprobe.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QSslConfiguration>

namespace {

// engine.io 3 answers binary data as an octet-stream payload, which this client never asks for.
bool isBinaryPayload(QNetworkReply *reply)
{
    return reply->header(QNetworkRequest::ContentTypeHeader)
        .toByteArray()
        .startsWith("application/octet-stream");
}
} // namespace

PollingTransport::PollingTransport(const EngineIoOptions &options, EngineIoVersion version,
                                   QObject *parent)
    : EngineIoTransport(options, version, parent)
    , m_network(new QNetworkAccessManager(this))
    , m_decoder(version, options.maxIncomingPacketBytes)
{
    // Long polls must not be cut by a transfer timeout: the heartbeat decides when a link is dead.
    m_network->setTransferTimeout(0);
    // Always set: a manager without one would take the application's proxy.
    m_network->setProxy(proxy().proxy);
}

PollingTransport::~PollingTransport()
{
    abort();
}

QNetworkRequest PollingTransport::request()
{
    QUrl url = endpoint(m_sid, false);
    // A cache buster, as the reference client sends, so that no proxy answers from a cache.
    // Appended to the encoded query as it is, so that what endpoint() encoded stays encoded.
    url.setQuery(url.query(QUrl::FullyEncoded) + QStringLiteral("&t=") +
                     QString::number(++m_requestCount, 36),
                 QUrl::StrictMode);
    QNetworkRequest request(url);
    for (const auto &[name, value] : requestHeaders(url))
        request.setRawHeader(name, value);
    // The connection's jar gives the cookies and keeps those set (finishGet(), finishPost()); the
    // manager's own jar would replace the Cookie field above and keep cookies per transport.
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    // A redirect is reported, never followed: following would send the user's headers (tokens,
    // cookies) to wherever the server points, and the log would show a URL nobody chose.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    if (url.scheme() == QLatin1String("https"))
        request.setSslConfiguration(sslConfiguration());
    return request;
}

void PollingTransport::watchTls(QNetworkReply *reply)
{
    connect(reply, &QNetworkReply::sslErrors, this, [this, reply](const QList<QSslError> &errors) {
        if (!m_options.ignoreSslErrors) {
            m_untrustedErrors = errors; // the reply fails, and finish*() reports them
            return;
        }
        reply->ignoreSslErrors();
        if (!m_sslIgnoredWarned) {
            m_sslIgnoredWarned = true;
            QStringList texts;
            for (const QSslError &error : errors)
                texts << error.errorString();
            Q_EMIT warningRaised(QStringLiteral("TLS certificate errors ignored on request: %1")
                                     .arg(texts.join(QStringLiteral("; "))));
        }
    });
}

void PollingTransport::open(const QString &sid)
{
    m_sid = sid;
    if (!prepareConnection())
        return;
    m_stopped = false;
    startGet();
}

void PollingTransport::startGet()
{
    if (m_get || m_stopped || m_pausing || m_shuttingDown)
        return;
    m_decoder.reset();
    m_errorBody.clear();
    m_get = m_network->get(request());
    watchTls(m_get);
    connect(m_get, &QNetworkReply::readyRead, this, &PollingTransport::readGet);
    connect(m_get, &QNetworkReply::finished, this, &PollingTransport::finishGet);
}

void PollingTransport::readGet()
{
    const int status = m_get->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray chunk = m_get->readAll();
    if (status != 200 || isBinaryPayload(m_get)) {
        // Kept (bounded) for the error and the record; finishGet() reports it.
        m_errorBody += chunk.left(MaxErrorBodyBytes - m_errorBody.size());
        return;
    }
    if (!m_decoder.hasError())
        m_decoder.feed(chunk); // the error, if any, is reported once the reply has finished
}

EngineIoError PollingTransport::httpRefusal(EngineIoError::Kind kind, const QString &what,
                                            QNetworkReply *reply, const QByteArray &body)
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // A request forwarded by an HTTP proxy (http polling) gets the proxy's refusals as answers.
    if (status == 407) {
        if (auto failure =
                proxyFailure(QAbstractSocket::ProxyAuthenticationRequiredError, QString(), true)) {
            failure->frame = body;
            return *failure;
        }
    }
    EngineIoError refusal = EngineIoTransport::httpRefusal(
        kind, what, status, reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString(),
        body, reply->rawHeader("Location"));
    if (status == 401 && !proxy().isDirect() && !proxy().url.userName().isEmpty())
        refusal.message += QStringLiteral(" (through the proxy %1: some proxies, tinyproxy for "
                                          "one, refuse wrong credentials with 401 instead of "
                                          "407; check the proxy's user and password)")
                               .arg(proxy().description());
    return refusal;
}

void PollingTransport::finishGet()
{
    QNetworkReply *reply = m_get;
    m_get = nullptr;
    reply->deleteLater();
    if (m_stopped)
        return;
    storeCookies(reply->url(), reply->rawHeaderPairs()); // before the OPEN leads to an upgrade
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0) {
        failConnection(reply, QStringLiteral("polling GET"), {});
        return;
    }
    if (status != 200) {
        m_errorBody += reply->readAll().left(MaxErrorBodyBytes - m_errorBody.size());
        fail(httpRefusal(m_sid.isEmpty() ? EngineIoError::Kind::Handshake
                                         : EngineIoError::Kind::Transport,
                         QString(), reply, m_errorBody));
        return;
    }
    if (isBinaryPayload(reply)) {
        m_errorBody += reply->readAll().left(MaxErrorBodyBytes - m_errorBody.size());
        EngineIoError error(EngineIoError::Kind::Protocol,
                            QStringLiteral("the server answered with a binary polling payload "
                                           "(application/octet-stream), which this version does "
                                           "not use (an Engine.IO v3 server? choose protocol v3)"),
                            m_errorBody.left(EngineIoCodec::MaxOffendingBytes));
        error.symptom = EngineIoError::Symptom::BinaryPollingPayload;
        fail(error);
        return;
    }
    m_decoder.feed(reply->readAll());
    if (!m_decoder.hasError())
        m_decoder.finish();
    QPointer<PollingTransport> self(this);
    if (m_decoder.hasError()) {
        // As engine.io-client: the packets before the offending one in the same body are
        // delivered (and so recorded), then the session ends.
        const QString error = m_decoder.errorString();
        const QByteArray offending = m_decoder.offendingSegment();
        const QList<EngineIoPacket> before = m_decoder.takePackets();
        if (!before.isEmpty() && !m_openedOnce) {
            m_openedOnce = true;
            Q_EMIT opened();
            if (!self || m_stopped)
                return;
        }
        for (const EngineIoPacket &packet : before) {
            Q_EMIT packetReceived(packet);
            if (!self || m_stopped)
                return;
        }
        fail(EngineIoError::Kind::Protocol, error, offending);
        return;
    }
    if (!m_openedOnce) {
        m_openedOnce = true;
        Q_EMIT opened();
        if (!self || m_stopped)
            return;
    }
    const QList<EngineIoPacket> packets = m_decoder.takePackets();
    for (const EngineIoPacket &packet : packets) {
        Q_EMIT packetReceived(packet);
        if (!self || m_stopped)
            return;
    }
    if (m_pausing)
        checkPaused();
    else
        startGet();
}

void PollingTransport::send(const QList<EngineIoPacket> &packets)
{
    m_outbox += packets;
    flushPosts();
}

void PollingTransport::flushPosts()
{
    if (m_post || m_outbox.isEmpty() || m_stopped)
        return;
    // Take packets while the body stays within maxPayload; one packet always goes, so that an
    // oversized packet reaches the server and its 413 is reported rather than a silent stall.
    // Each packet costs its exact share of the body: v4 adds one 0x1e separator between packets,
    // v3 frames each one as "<length>:<packet>" (a v3 client of engine.io >= 4 with allowEIO3
    // gets a maxPayload too).
    QList<EngineIoPacket> batch;
    qint64 bodySize = 0;
    while (!m_outbox.isEmpty()) {
        const qint64 size = EngineIoCodec::encodePayload({m_outbox.first()}, m_version).size() +
                            (m_version == EngineIoVersion::V4 && !batch.isEmpty() ? 1 : 0);
        if (!batch.isEmpty() && m_maxPayload > 0 && bodySize + size > m_maxPayload)
            break;
        bodySize += size;
        batch.append(m_outbox.takeFirst());
    }
    QNetworkRequest post = request();
    post.setHeader(QNetworkRequest::ContentTypeHeader,
                   QByteArrayLiteral("text/plain;charset=UTF-8"));
    m_post = m_network->post(post, EngineIoCodec::encodePayload(batch, m_version));
    watchTls(m_post);
    connect(m_post, &QNetworkReply::finished, this, &PollingTransport::finishPost);
    QPointer<PollingTransport> self(this);
    for (const EngineIoPacket &packet : std::as_const(batch)) {
        Q_EMIT packetSent(packet);
        if (!self)
            return;
    }
}

void PollingTransport::finishPost()
{
    QNetworkReply *reply = m_post;
    m_post = nullptr;
    reply->deleteLater();
    if (m_stopped)
        return;
    storeCookies(reply->url(), reply->rawHeaderPairs());
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200) {
        if (m_shuttingDown) { // the server may already have dropped the session after CLOSE
            m_outbox.clear();
            finishShutdownIfDone();
            return;
        }
        const QByteArray body = reply->readAll().left(MaxErrorBodyBytes);
        if (status == 0)
            failConnection(reply, QStringLiteral("polling POST"), body);
        else
            fail(httpRefusal(EngineIoError::Kind::Transport, QStringLiteral("polling POST refused"),
                             reply, body));
        return;
    }
    flushPosts();
    finishShutdownIfDone();
    if (m_stopped)
        return;
    if (m_pausing)
        checkPaused();
}

void PollingTransport::pause()
{
    m_pausing = true;
    checkPaused();
}

void PollingTransport::checkPaused()
{
    if (m_pausing && !m_get && !m_post && !m_stopped)
        Q_EMIT paused();
}

void PollingTransport::shutdown()
{
    // The pending GET stays until CLOSE has been posted: engine.io ends a session whose poll
    // is cut, and would then refuse the POST that carries the CLOSE.
    m_shuttingDown = true;
    finishShutdownIfDone();
}

void PollingTransport::finishShutdownIfDone()
{
    if (!m_shuttingDown || m_stopped || m_post || !m_outbox.isEmpty())
        return;
    abort();
    Q_EMIT shutDown();
}

void PollingTransport::abort()
{
    m_stopped = true;
    for (QNetworkReply *reply : {m_get, m_post}) {
        if (reply) {
            reply->disconnect(this);
            reply->abort();
            reply->deleteLater();
        }
    }
    m_get = m_post = nullptr;
    m_outbox.clear();
    delete m_alertProbe;
    m_alertProbe = nullptr;
}

void PollingTransport::failConnection(QNetworkReply *reply, const QString &what,
                                      const QByteArray &body)
{
    if (auto failure = proxyFailure(reply->error(), reply->errorString())) {
        failure->frame = body;
        fail(*failure);
        return;
    }
    if (!m_untrustedErrors.isEmpty()) {
        fail(untrustedServerError(what, m_untrustedErrors));
        return;
    }
    const QNetworkReply::NetworkError networkError = reply->error();
    qCDebug(lcEngineIo) << what << "failed without an HTTP answer:" << networkError
                        << reply->errorString();
    EngineIoError error(networkError == QNetworkReply::SslHandshakeFailedError
                            ? EngineIoError::Kind::Tls
                            : EngineIoError::Kind::Transport,
                        QStringLiteral("%1 failed: %2").arg(what, reply->errorString()), body);
    // A server that wants a client certificate ends the handshake with an alert, which
    // QNetworkReply does not pass on. Observed with Qt 6.4 and OpenSSL 3.0 against node's
    // https server (requestCert, rejectUnauthorized, TLS 1.3): UnknownNetworkError, "Error
    // while reading: ... tlsv13 alert certificate required", because TLS 1.3's alert comes
    // after the client's Finished, on the first read; TLS 1.2 fails inside the handshake
    // (SslHandshakeFailedError), and a server may simply close (RemoteHostClosedError). A
    // probe handshake hears the alert; the failure is reported once it has.
    // Only before the session opened: a server asks for the certificate on the first
    // handshake, and a session that went away later is reported at once.
    const bool askProbe = !m_openedOnce && reply->url().scheme() == QLatin1String("https") &&
                          (networkError == QNetworkReply::UnknownNetworkError ||
                           networkError == QNetworkReply::SslHandshakeFailedError ||
                           networkError == QNetworkReply::RemoteHostClosedError);
    if (!askProbe) {
        fail(error);
        return;
    }
    const QUrl url = reply->url();
    abort();
    m_alertProbe = new TlsAlertProbe(sslConfiguration(), this);
    connect(m_alertProbe, &TlsAlertProbe::finished, this, [this, error, what] {
        TlsAlertProbe *probe = m_alertProbe;
        m_alertProbe = nullptr;
        probe->deleteLater();
        if (probe->certificateDemanded() || probe->certificateRefused())
            fail(clientCertificateError(what, presentsClientCertificate()));
        else
            fail(error);
    });
    m_alertProbe->setProxy(proxy().proxy);
    m_alertProbe->start(url.host(), quint16(url.port(443)));
}

void PollingTransport::fail(EngineIoError::Kind kind, const QString &message,
                            const QByteArray &frame)
{
    fail(EngineIoError{kind, message, frame});
}

void PollingTransport::fail(const EngineIoError &error)
{
    abort();
    Q_EMIT failed(error);
}
