// Throwaway certificates for TLS tests, made by the openssl command in a temporary directory:
// certificate authorities, server and client certificates they sign (also expired ones, or for
// another host), spare keys and PKCS#12 bundles. Nothing outlives the object.
#pragma once

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

class TestPki
{
public:
    enum class Purpose { Server, Client };

    struct Issued
    {
        QString certificateFile; // PEM
        QString keyFile;         // PEM, unencrypted (PKCS#8)
    };

    TestPki() = default;
    TestPki(const TestPki &) = delete;
    TestPki &operator=(const TestPki &) = delete;

    // Whether the openssl command can be found; tests fail (never skip) without it.
    static bool hasOpenssl();

    // A self-signed CA, `<name>.pem` and `<name>.key`.
    bool createCa(const QString &name, QString *error);
    // A certificate signed by CA `ca`: for a server, subjectAltName is e.g. "IP:127.0.0.1";
    // `days` < 0 makes one that expired before it was issued.
    bool issue(const QString &name, const QString &ca, Purpose purpose,
               const QString &subjectAltName, int days, QString *error);
    // A fresh private key of its own, `<name>.key`, that belongs to no certificate.
    bool createKey(const QString &name, QString *error);
    // `<name>-encrypted.key`: the key of `name`, encrypted with `password` (AES-256).
    bool encryptKey(const QString &name, const QString &password, QString *error);
    // `<name>.p12` holding the certificate and key of `name`, protected by `password`.
    bool exportPkcs12(const QString &name, const QString &password, QString *error);

    Issued issued(const QString &name) const;
    QString path(const QString &file) const { return m_dir.filePath(file); }
    QString caFile(const QString &ca) const { return path(ca + QStringLiteral(".pem")); }
    QString pkcs12File(const QString &name) const { return path(name + QStringLiteral(".p12")); }

private:
    bool run(const QStringList &arguments, QString *error) const;

    QTemporaryDir m_dir;
};
