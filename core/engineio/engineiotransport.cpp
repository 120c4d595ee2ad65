#include "engineio/engineiotransport.h"

#include "engineio/clienttls.h"

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
    const auto headers = m_options.userHeaders();
    return m_cookieJar ? m_cookieJar->requestHeaders(url, headers) : headers;
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
    const ClientTls tls = ClientTls::fromOptions(m_options);
    if (!tls.caWarning.isEmpty())
        Q_EMIT warningRaised(tls.caWarning);
    m_clientCertificateError = tls.clientCertificateError;
    m_presentsClientCertificate = tls.presentsClientCertificate;
    m_sslConfiguration = tls.configuration;
    return tls.configuration;
}

const ResolvedProxy &EngineIoTransport::proxy()
{
    // Read once per transport: polling asks for it on every request. Both transports' URLs
    // have the same security (http and ws, or https and wss), so they pick the same variable.
    if (!m_proxy)
        m_proxy = resolveProxy(m_options.proxy, endpoint(QString(), true), proxyEnvironment());
    return *m_proxy;
}

std::optional<EngineIoError> EngineIoTransport::proxyFailure(QAbstractSocket::SocketError error,
                                                             const QString &qtMessage,
                                                             bool tunnelling)
{
    return proxySocketFailure(proxy(), endpoint(QString(), true), error, qtMessage, tunnelling);
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

EngineIoError EngineIoTransport::untrustedServerError(const QString &what,
                                                      const QList<QSslError> &errors) const
{
    return ClientTls::untrustedServerError(what, m_options.url.host(), errors);
}

EngineIoError EngineIoTransport::clientCertificateError(const QString &what, bool presented) const
{
    return ClientTls::clientCertificateRefusal(what, m_options.url.host(),
                                               m_options.clientCertificateFile, presented);
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
