#include "testpki.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>

bool TestPki::hasOpenssl()
{
    return !QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty();
}

bool TestPki::run(const QStringList &arguments, QString *error) const
{
    if (!m_dir.isValid()) {
        *error = QStringLiteral("cannot create a temporary directory for the certificates: %1")
                     .arg(m_dir.errorString());
        return false;
    }
    QProcess openssl;
    openssl.setWorkingDirectory(m_dir.path());
    openssl.setProcessChannelMode(QProcess::MergedChannels);
    openssl.start(QStringLiteral("openssl"), arguments);
    if (!openssl.waitForFinished(30000) || openssl.exitStatus() != QProcess::NormalExit ||
        openssl.exitCode() != 0) {
        *error = QStringLiteral("openssl %1 failed: %2 %3")
                     .arg(arguments.join(QLatin1Char(' ')), openssl.errorString(),
                          QString::fromLocal8Bit(openssl.readAll()));
        return false;
    }
    return true;
}

bool TestPki::createCa(const QString &name, QString *error)
{
    return run({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
                QStringLiteral("2"), QStringLiteral("-keyout"), name + QStringLiteral(".key"),
                QStringLiteral("-out"), name + QStringLiteral(".pem"), QStringLiteral("-subj"),
                QStringLiteral("/CN=SioScope throwaway test CA ") + name, QStringLiteral("-addext"),
                QStringLiteral("basicConstraints=critical,CA:TRUE"), QStringLiteral("-addext"),
                QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")},
               error);
}

bool TestPki::issue(const QString &name, const QString &ca, Purpose purpose,
                    const QString &subjectAltName, int days, QString *error)
{
    const QString subject =
        purpose == Purpose::Server
            ? QStringLiteral("/CN=") + subjectAltName.section(QLatin1Char(':'), 1)
            : QStringLiteral("/CN=SioScope test client ") + name;
    if (!run({QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
              QStringLiteral("-nodes"), QStringLiteral("-keyout"), name + QStringLiteral(".key"),
              QStringLiteral("-out"), name + QStringLiteral(".csr"), QStringLiteral("-subj"),
              subject},
             error))
        return false;
    QFile extensions(path(name + QStringLiteral(".ext")));
    if (!extensions.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write %1").arg(extensions.fileName());
        return false;
    }
    if (!subjectAltName.isEmpty())
        extensions.write("subjectAltName=" + subjectAltName.toUtf8() + '\n');
    extensions.write("basicConstraints=CA:FALSE\n"
                     "keyUsage=critical,digitalSignature,keyEncipherment\n");
    extensions.write(purpose == Purpose::Server ? "extendedKeyUsage=serverAuth\n"
                                                : "extendedKeyUsage=clientAuth\n");
    extensions.close();
    return run({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                name + QStringLiteral(".csr"), QStringLiteral("-CA"), ca + QStringLiteral(".pem"),
                QStringLiteral("-CAkey"), ca + QStringLiteral(".key"),
                QStringLiteral("-CAcreateserial"), QStringLiteral("-days"), QString::number(days),
                QStringLiteral("-out"), name + QStringLiteral(".pem"), QStringLiteral("-extfile"),
                name + QStringLiteral(".ext")},
               error);
}

bool TestPki::createKey(const QString &name, QString *error)
{
    return run({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("RSA"),
                QStringLiteral("-pkeyopt"), QStringLiteral("rsa_keygen_bits:2048"),
                QStringLiteral("-out"), name + QStringLiteral(".key")},
               error);
}

bool TestPki::exportPkcs12(const QString &name, const QString &password, QString *error)
{
    return run({QStringLiteral("pkcs12"), QStringLiteral("-export"), QStringLiteral("-in"),
                name + QStringLiteral(".pem"), QStringLiteral("-inkey"),
                name + QStringLiteral(".key"), QStringLiteral("-out"),
                name + QStringLiteral(".p12"), QStringLiteral("-passout"),
                QStringLiteral("pass:") + password},
               error);
}

bool TestPki::encryptKey(const QString &name, const QString &password, QString *error)
{
    return run({QStringLiteral("pkey"), QStringLiteral("-in"), name + QStringLiteral(".key"),
                QStringLiteral("-aes256"), QStringLiteral("-passout"),
                QStringLiteral("pass:") + password, QStringLiteral("-out"),
                name + QStringLiteral("-encrypted.key")},
               error);
}

TestPki::Issued TestPki::issued(const QString &name) const
{
    return {path(name + QStringLiteral(".pem")), path(name + QStringLiteral(".key"))};
}
