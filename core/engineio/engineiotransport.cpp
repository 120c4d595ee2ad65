#include "engineio/engineiotransport.h"

#include "engineio/clientcertificate.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTimer>

// Warnings only by default: the CLI keeps stderr for its own messages, and QT_LOGGING_RULES
// ("sioscope.engineio.debug=true") turns the rest on.
Q_LOGGING_CATEGORY(lcEngineIo, "sioscope.engineio", QtWarningMsg)

QUrl EngineIoTransport::endpoint(const QString &sid, bool webSocket) const
{
    QUrl url = m_options.url;
    const QString scheme = url.scheme().toLower();
    const bool secure = scheme == QLatin1String("https") || scheme == QLatin1String("wss");
    if (webSocket)
        url.setScheme(secure ? QStringLiteral("wss") : QStringLiteral("ws"));
    else
        url.setScheme(secure ? QStringLiteral("https") : QStringLiteral("http"));
    QString path = m_options.path.isEmpty() ? QStringLiteral("/socket.io/") : m_options.path;
    if (!path.startsWith(QLatin1Char('/')))
        path.prepend(QLatin1Char('/'));
    url.setPath(path);

    // Built from percent-encoded pieces: QUrlQuery keeps "+" and valid "%XX" in a value as they
    // are, and the server then decodes "+" as a space and "%XX" as a byte. An option value is a
    // value, so every byte outside the unreserved set is encoded. The user's URL query is kept
    // as written (already URL syntax).
    QByteArray query = m_options.url.query(QUrl::FullyEncoded).toUtf8();
    auto add = [&query](const QString &key, const QString &value) {
        if (!query.isEmpty())
            query += '&';
        query += QUrl::toPercentEncoding(key) + '=' + QUrl::toPercentEncoding(value);
    };
    for (const auto &[key, value] : m_options.query)
        add(key, value);
    add(QStringLiteral("EIO"),
        m_version == EngineIoVersion::V3 ? QStringLiteral("3") : QStringLiteral("4"));
    add(QStringLiteral("transport"),
        webSocket ? QStringLiteral("websocket") : QStringLiteral("polling"));
    if (m_version == EngineIoVersion::V3 && !webSocket)
        add(QStringLiteral("b64"), QStringLiteral("1")); // text bodies only
    if (!sid.isEmpty())
        add(QStringLiteral("sid"), sid);
    url.setQuery(QString::fromLatin1(query), QUrl::StrictMode);
    return url;
}

EngineIoCookieJar::Headers EngineIoTransport::requestHeaders(const QUrl &url) const
{
    return m_cookieJar ? m_cookieJar->requestHeaders(url, userHeaders()) : userHeaders();
}

void EngineIoTransport::storeCookies(const QUrl &url,
                                     const EngineIoCookieJar::Headers &responseHeaders)
{
    if (m_cookieJar)
        m_cookieJar->storeFromResponse(url, responseHeaders);
}

QSslConfiguration EngineIoTransport::sslConfiguration()
{
    // Read once per transport: polling asks for it on every request.
    if (m_sslConfiguration)
        return *m_sslConfiguration;
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    if (!m_options.caFile.isEmpty()) {
        const auto certificates = QSslCertificate::fromPath(m_options.caFile, QSsl::Pem);
        if (certificates.isEmpty())
            Q_EMIT warningRaised(
                QStringLiteral("no PEM certificate could be read from the CA file %1")
                    .arg(m_options.caFile));
        else
            config.addCaCertificates(certificates);
    }
    if (!m_options.clientCertificateFile.isEmpty()) {
        ClientCertificate client;
        m_clientCertificateError =
            ClientCertificate::load(m_options.clientCertificateFile, m_options.clientKeyFile,
                                    m_options.clientCertificatePassword, &client);
        if (!m_clientCertificateError) {
            config.setLocalCertificateChain(QList<QSslCertificate>{client.certificate} +
                                            client.chain);
            config.setPrivateKey(client.privateKey);
            m_presentsClientCertificate = true;
        }
    }
    m_sslConfiguration = config;
    return config;
}

const ResolvedProxy &EngineIoTransport::proxy()
{
    // Read once per transport: polling asks for it on every request. Both transports' URLs
    // have the same security (http and ws, or https and wss), so they pick the same variable.
    if (!m_proxy)
        m_proxy = resolveProxy(m_options.proxy, endpoint(QString(), true),
                               QProcessEnvironment::systemEnvironment());
    return *m_proxy;
}

std::optional<EngineIoError> EngineIoTransport::proxyFailure(QAbstractSocket::SocketError error,
                                                             const QString &qtMessage,
                                                             bool tunnelling)
{
    const ResolvedProxy &through = proxy();
    if (through.isDirect())
        return std::nullopt;
    const QString name = through.description();
    const QUrl target = endpoint(QString(), true);
    const QString server =
        QStringLiteral("%1:%2")
            .arg(target.host())
            .arg(target.port(target.scheme() == QLatin1String("wss") ? 443 : 80));
    EngineIoError failure(EngineIoError::Kind::Proxy, QString());
    switch (error) {
    case QAbstractSocket::ProxyConnectionRefusedError:
    case QAbstractSocket::ProxyNotFoundError:
    case QAbstractSocket::ProxyConnectionTimeoutError:
        failure.symptom = EngineIoError::Symptom::ProxyUnreachable;
        failure.message = QStringLiteral("the proxy %1 is unreachable: %2").arg(name, qtMessage);
        return failure;
    case QAbstractSocket::ProxyAuthenticationRequiredError:
        failure.symptom = EngineIoError::Symptom::ProxyAuthenticationRequired;
        failure.message =
            through.url.userName().isEmpty()
                ? QStringLiteral("the proxy %1 requires credentials (407 Proxy Authentication "
                                 "Required): give them in its URL, "
                                 "http://user:password@host:port")
                      .arg(name)
                : QStringLiteral("the proxy %1 refused the credentials (407 Proxy "
                                 "Authentication Required): check the user and the password")
                      .arg(name);
        return failure;
    case QAbstractSocket::ProxyProtocolError: {
        const bool http = through.proxy.type() == QNetworkProxy::HttpProxy;
        failure.symptom = EngineIoError::Symptom::ProxyProtocol;
        failure.message =
            QStringLiteral("the proxy %1 did not answer as a %2 proxy: %3")
                .arg(name, http ? QStringLiteral("HTTP") : QStringLiteral("SOCKS5"), qtMessage);
        // Qt reads an answer to CONNECT other than 200 or 407 as this error.
        if (http && !through.url.userName().isEmpty())
            failure.message += QStringLiteral(" (some proxies, tinyproxy for one, refuse wrong "
                                              "credentials with 401 instead of 407: check the "
                                              "user and the password)");
        return failure;
    }
    case QAbstractSocket::ProxyConnectionClosedError:
    case QAbstractSocket::SocketAccessError:
    case QAbstractSocket::ConnectionRefusedError:
    case QAbstractSocket::HostNotFoundError:
    case QAbstractSocket::SocketTimeoutError:
        // Before the tunnel is up these are the proxy's answer about the server (Qt maps a
        // CONNECT refused with 403 to an access error, a SOCKS "connection refused" reply to a
        // refused connection).
        if (!tunnelling)
            return std::nullopt;
        failure.symptom = EngineIoError::Symptom::ProxyRefusedTunnel;
        failure.message = QStringLiteral("the proxy %1 did not connect to the server %2: %3")
                              .arg(name, server, qtMessage);
        return failure;
    default:
        return std::nullopt;
    }
}

std::optional<EngineIoError> EngineIoTransport::proxyFailure(QNetworkReply::NetworkError error,
                                                             const QString &qtMessage)
{
    switch (error) {
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::HostNotFoundError:
    case QNetworkReply::TimeoutError: {
        // A forwarded request (http polling through an HTTP proxy) connects to the proxy only:
        // these are about the proxy. Through a tunnel or SOCKS they are about the server.
        const bool forwarded = proxy().proxy.type() == QNetworkProxy::HttpProxy &&
                               m_options.url.scheme().toLower() != QLatin1String("https") &&
                               m_options.url.scheme().toLower() != QLatin1String("wss");
        return proxyFailure(forwarded ? QAbstractSocket::ProxyConnectionRefusedError
                                      : QAbstractSocket::SocketAccessError,
                            qtMessage, true);
    }
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyTimeoutError:
        return proxyFailure(QAbstractSocket::ProxyConnectionRefusedError, qtMessage, true);
    case QNetworkReply::ProxyAuthenticationRequiredError:
        return proxyFailure(QAbstractSocket::ProxyAuthenticationRequiredError, qtMessage, true);
    case QNetworkReply::ProxyConnectionClosedError:
        return proxyFailure(QAbstractSocket::ProxyConnectionClosedError, qtMessage, true);
    case QNetworkReply::UnknownProxyError:
        return proxyFailure(QAbstractSocket::ProxyProtocolError, qtMessage, true);
    default:
        return std::nullopt;
    }
}

bool EngineIoTransport::prepareConnection()
{
    if (!proxy().error.isEmpty()) {
        EngineIoError invalid(EngineIoError::Kind::Proxy, proxy().error);
        invalid.symptom = EngineIoError::Symptom::ProxySettingInvalid;
        QTimer::singleShot(0, this, [this, invalid] { Q_EMIT failed(invalid); });
        return false;
    }
    // Plain http/ws uses no TLS settings, and reads none of their files.
    const QString scheme = m_options.url.scheme().toLower();
    if (scheme != QLatin1String("https") && scheme != QLatin1String("wss"))
        return true;
    sslConfiguration();
    if (!m_clientCertificateError)
        return true;
    QTimer::singleShot(0, this, [this] { Q_EMIT failed(*m_clientCertificateError); });
    return false;
}

QList<QPair<QByteArray, QByteArray>> EngineIoTransport::userHeaders() const
{
    if (m_options.origin.isEmpty())
        return m_options.headers;
    QList<QPair<QByteArray, QByteArray>> headers;
    for (const auto &header : m_options.headers)
        if (header.first.compare("origin", Qt::CaseInsensitive) != 0)
            headers.append(header);
    headers.append({QByteArrayLiteral("Origin"), m_options.origin});
    return headers;
}

EngineIoError EngineIoTransport::untrustedServerError(const QString &what,
                                                      const QList<QSslError> &errors) const
{
    using Problem = EngineIoError::CertificateProblem;
    EngineIoError error(EngineIoError::Kind::Tls, QString());
    error.tlsFailure = EngineIoError::TlsFailure::ServerCertificateUntrusted;
    QStringList reasons;
    const auto add = [&](Problem problem, const QString &reason) {
        if (!error.certificateProblems.testFlag(problem))
            reasons << reason;
        error.certificateProblems |= problem;
    };
    const QString host = m_options.url.host();
    for (const QSslError &sslError : errors) {
        switch (sslError.error()) {
        case QSslError::CertificateExpired:
            add(Problem::Expired,
                QStringLiteral("it expired on %1")
                    .arg(sslError.certificate().expiryDate().toString(Qt::ISODate)));
            break;
        case QSslError::CertificateNotYetValid:
            add(Problem::NotYetValid,
                QStringLiteral("it is not valid before %1")
                    .arg(sslError.certificate().effectiveDate().toString(Qt::ISODate)));
            break;
        case QSslError::HostNameMismatch:
            add(Problem::HostNameMismatch,
                QStringLiteral("it is for %1, not for %2")
                    .arg(sslError.certificate().subjectDisplayName(), host));
            break;
        case QSslError::SelfSignedCertificate:
        case QSslError::SelfSignedCertificateInChain:
        case QSslError::UnableToGetLocalIssuerCertificate:
        case QSslError::UnableToGetIssuerCertificate:
        case QSslError::UnableToVerifyFirstCertificate:
        case QSslError::CertificateUntrusted:
            add(Problem::UnknownIssuer,
                QStringLiteral("it is signed by a CA that is not trusted (self-signed or an "
                               "unknown issuer; trust it with the CA file)"));
            break;
        case QSslError::CertificateRevoked:
            add(Problem::Revoked, QStringLiteral("it was revoked"));
            break;
        default:
            add(Problem::Other, sslError.errorString());
            break;
        }
    }
    QStringList texts;
    for (const QSslError &sslError : errors)
        texts << sslError.errorString();
    error.message =
        QStringLiteral("%1: the server's certificate for %2 is not trusted: %3 (%4)")
            .arg(what, host, reasons.join(QStringLiteral("; ")), texts.join(QStringLiteral("; ")));
    return error;
}

EngineIoError EngineIoTransport::clientCertificateError(const QString &what, bool presented) const
{
    EngineIoError error(EngineIoError::Kind::Tls, QString());
    if (presented) {
        error.tlsFailure = EngineIoError::TlsFailure::ClientCertificateRefused;
        error.message = QStringLiteral("%1: the server %2 refused the client certificate %3")
                            .arg(what, m_options.url.host(), m_options.clientCertificateFile);
    } else {
        error.tlsFailure = EngineIoError::TlsFailure::ClientCertificateRequired;
        error.message = QStringLiteral("%1: the server %2 requires a client certificate, and "
                                       "none was given")
                            .arg(what, m_options.url.host());
    }
    return error;
}

EngineIoError EngineIoTransport::httpRefusal(EngineIoError::Kind kind, const QString &what,
                                             int status, const QString &reason,
                                             const QByteArray &body, const QByteArray &location)
{
    EngineIoError refusal(kind, QString(), body);
    refusal.httpStatus = status;
    QString message = QStringLiteral("HTTP %1 %2").arg(status).arg(reason).trimmed();
    const QJsonObject error = QJsonDocument::fromJson(body).object();
    if (error.contains(QLatin1String("code")) || error.contains(QLatin1String("message"))) {
        const QJsonValue code = error.value(QLatin1String("code"));
        if (code.isDouble() && code.toInt() >= int(EngineIoErrorCode::UnknownTransport) &&
            code.toInt() <= int(EngineIoErrorCode::UnsupportedProtocolVersion))
            refusal.serverCode = EngineIoErrorCode(code.toInt());
        message += QStringLiteral(": engine.io error %1 \"%2\"")
                       .arg(code.toInt())
                       .arg(error.value(QLatin1String("message")).toString());
    } else if (!body.trimmed().isEmpty()) {
        message += QStringLiteral(": ") + QString::fromUtf8(body.left(200)).simplified();
    }
    if (status >= 300 && status < 400) {
        message += QStringLiteral(" (redirect to %1; point SioScope at the final URL)")
                       .arg(QString::fromUtf8(location));
    }
    refusal.message = what.isEmpty() ? message : what + QStringLiteral(": ") + message;
    return refusal;
}
