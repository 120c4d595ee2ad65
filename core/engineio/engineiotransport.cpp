#include "engineio/engineiotransport.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslCertificate>
#include <QSslConfiguration>

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
    return m_cookieJar ? m_cookieJar->requestHeaders(url, m_options.headers) : m_options.headers;
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
    m_sslConfiguration = config;
    return config;
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
