#include "engineio/engineiotransport.h"

#include "engineio/clientcertificate.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
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

bool EngineIoTransport::prepareTls()
{
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

QList<QPair<QByteArray, QByteArray>> EngineIoTransport::requestHeaders() const
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
