#include "engineiotransport.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QUrlQuery>

Q_LOGGING_CATEGORY(lcEngineIo, "sioscope.engineio")

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

    QUrlQuery query(m_options.url.query());
    for (const auto &[key, value] : m_options.query)
        query.addQueryItem(key, value);
    query.addQueryItem(QStringLiteral("EIO"), m_version == EngineIoVersion::V3
                                                  ? QStringLiteral("3")
                                                  : QStringLiteral("4"));
    query.addQueryItem(QStringLiteral("transport"),
                       webSocket ? QStringLiteral("websocket") : QStringLiteral("polling"));
    if (m_version == EngineIoVersion::V3 && !webSocket)
        query.addQueryItem(QStringLiteral("b64"), QStringLiteral("1")); // text bodies only
    if (!sid.isEmpty())
        query.addQueryItem(QStringLiteral("sid"), sid);
    url.setQuery(query);
    return url;
}

QSslConfiguration EngineIoTransport::sslConfiguration(QString *warning) const
{
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    if (!m_options.caFile.isEmpty()) {
        const auto certificates = QSslCertificate::fromPath(m_options.caFile, QSsl::Pem);
        if (certificates.isEmpty())
            *warning = QStringLiteral("no PEM certificate could be read from the CA file %1")
                           .arg(m_options.caFile);
        else
            config.addCaCertificates(certificates);
    }
    return config;
}
