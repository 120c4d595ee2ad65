#include "clienttls.h"

#include "engineio/clientcertificate.h"

namespace {
// "<what>: <text>", or the text alone, starting with a capital, when there is no `what`.
QString prefixed(const QString &what, QString text)
{
    if (what.isEmpty()) {
        text[0] = text[0].toUpper();
        return text;
    }
    return what + QStringLiteral(": ") + text;
}
} // namespace

ClientTls ClientTls::fromOptions(const EngineIoOptions &options)
{
    ClientTls tls;
    tls.configuration = QSslConfiguration::defaultConfiguration();
    if (!options.caFile.isEmpty()) {
        const auto certificates = QSslCertificate::fromPath(options.caFile, QSsl::Pem);
        if (certificates.isEmpty())
            tls.caWarning = QStringLiteral("no PEM certificate could be read from the CA file %1")
                                .arg(options.caFile);
        else
            tls.configuration.addCaCertificates(certificates);
    }
    if (!options.clientCertificateFile.isEmpty()) {
        ClientCertificate client;
        tls.clientCertificateError =
            ClientCertificate::load(options.clientCertificateFile, options.clientKeyFile,
                                    options.clientCertificatePassword, &client);
        if (!tls.clientCertificateError) {
            tls.configuration.setLocalCertificateChain(QList<QSslCertificate>{client.certificate} +
                                                       client.chain);
            tls.configuration.setPrivateKey(client.privateKey);
            tls.presentsClientCertificate = true;
        }
    }
    return tls;
}

EngineIoError ClientTls::untrustedServerError(const QString &what, const QString &host,
                                              const QList<QSslError> &errors)
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
    error.message = prefixed(
        what, QStringLiteral("the server's certificate for %1 is not trusted: %2 (%3)")
                  .arg(host, reasons.join(QStringLiteral("; ")), texts.join(QStringLiteral("; "))));
    return error;
}

EngineIoError ClientTls::clientCertificateRefusal(const QString &what, const QString &host,
                                                  const QString &certificateFile, bool presented)
{
    EngineIoError error(EngineIoError::Kind::Tls, QString());
    if (presented) {
        error.tlsFailure = EngineIoError::TlsFailure::ClientCertificateRefused;
        error.message =
            prefixed(what, QStringLiteral("the server %1 refused the client certificate %2")
                               .arg(host, certificateFile));
    } else {
        error.tlsFailure = EngineIoError::TlsFailure::ClientCertificateRequired;
        error.message = prefixed(what, QStringLiteral("the server %1 requires a client "
                                                      "certificate, and none was given")
                                           .arg(host));
    }
    return error;
}
