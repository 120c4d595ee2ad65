#include "tlsoptions.h"

#include <QUrl>

TlsOptions::TlsOptions()
    : m_ca(QStringLiteral("ca"), {}, QStringLiteral("pem"))
    , m_insecure(QStringLiteral("insecure"))
    , m_cert(QStringLiteral("cert"), {}, QStringLiteral("file"))
    , m_key(QStringLiteral("key"), {}, QStringLiteral("pem"))
    , m_passwordEnv(QStringLiteral("cert-password-env"), {}, QStringLiteral("var"))
    , m_origin(QStringLiteral("origin"), {}, QStringLiteral("origin"))
{
}

const char *TlsOptions::usage()
{
    return "      --ca <pem>                 trust the CA certificates in this PEM file too\n"
           "      --insecure                 accept a server certificate that is not trusted "
           "(recorded as a warning)\n"
           "      --cert <pem|p12>           client certificate: PEM (with --key, or the key in "
           "the same file), or PKCS#12 (.p12/.pfx)\n"
           "      --key <pem>                the client certificate's unencrypted PEM key\n"
           "      --cert-password-env <var>  read the PKCS#12 password from this environment "
           "variable (never from the command line)\n"
           "      --origin <origin>          send this Origin header on every request (it "
           "replaces an Origin given with -H)\n";
}

void TlsOptions::addTo(QCommandLineParser *parser) const
{
    parser->addOptions({m_ca, m_insecure, m_cert, m_key, m_passwordEnv, m_origin});
}

bool TlsOptions::apply(const QCommandLineParser &parser, EngineIoOptions *engine,
                       QString *error) const
{
    if (parser.isSet(m_ca))
        engine->caFile = parser.value(m_ca);
    engine->ignoreSslErrors = parser.isSet(m_insecure);
    if (parser.isSet(m_key) && !parser.isSet(m_cert)) {
        *error = QStringLiteral("--key needs --cert, the certificate it belongs to");
        return false;
    }
    if (parser.isSet(m_passwordEnv) && !parser.isSet(m_cert)) {
        *error = QStringLiteral("--cert-password-env needs --cert, the PKCS#12 file it opens");
        return false;
    }
    engine->clientCertificateFile = parser.value(m_cert);
    engine->clientKeyFile = parser.value(m_key);
    if (parser.isSet(m_passwordEnv)) {
        // Read from the environment only: a password on the command line is seen by every user
        // of the machine (ps) and kept in shell histories.
        const QString name = parser.value(m_passwordEnv);
        if (name.isEmpty() || !qEnvironmentVariableIsSet(name.toLocal8Bit().constData())) {
            *error = QStringLiteral("--cert-password-env names %1, which is not set in the "
                                    "environment")
                         .arg(name.isEmpty() ? QStringLiteral("no variable") : name);
            return false;
        }
        engine->clientCertificatePassword = qgetenv(name.toLocal8Bit().constData());
    }
    if (parser.isSet(m_origin)) {
        // An Origin is a scheme, a host and maybe a port (RFC 6454), or "null".
        const QString origin = parser.value(m_origin);
        const QUrl url(origin, QUrl::StrictMode);
        const bool serialized = origin == QLatin1String("null") ||
                                (url.isValid() && !url.scheme().isEmpty() &&
                                 !url.host().isEmpty() && url.path().isEmpty() && !url.hasQuery() &&
                                 !url.hasFragment() && url.userInfo().isEmpty());
        if (!serialized) {
            *error = QStringLiteral("--origin must look like https://example.com (a scheme, a "
                                    "host and an optional port), got \"%1\"")
                         .arg(origin);
            return false;
        }
        engine->origin = origin.toUtf8();
    }
    return true;
}
