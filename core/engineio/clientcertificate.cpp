#include "engineio/clientcertificate.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>

// Qt has no call that compares a private key with a certificate's public key; OpenSSL's
// X509_check_private_key does exactly that (Qt's OpenSSL TLS backend runs the same check, but
// only once a handshake starts, which is after the connection was made).
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace {

EngineIoError certificateError(EngineIoError::TlsFailure failure, const QString &message)
{
    EngineIoError error(EngineIoError::Kind::Tls, message);
    error.tlsFailure = failure;
    return error;
}

bool readFile(const QString &path, const QString &what, QByteArray *data,
              std::optional<EngineIoError> *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = certificateError(EngineIoError::TlsFailure::ClientFileUnreadable,
                                  QStringLiteral("cannot read the client %1 file %2: %3")
                                      .arg(what, path, file.errorString()));
        return false;
    }
    *data = file.readAll();
    return true;
}

bool isPkcs12(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QLatin1String("p12") || suffix == QLatin1String("pfx");
}

// A PEM private key of any algorithm Qt knows (the file does not say which before it is read).
QSslKey readPemKey(const QByteArray &pem)
{
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        QSslKey key(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            return key;
    }
    return {};
}

} // namespace

bool ClientCertificate::keyMatches(const QSslCertificate &certificate, const QSslKey &key)
{
    const QByteArray certificateDer = certificate.toDer();
    const QByteArray keyDer = key.toDer();
    const auto *certificateBytes = reinterpret_cast<const unsigned char *>(certificateDer.data());
    const auto *keyBytes = reinterpret_cast<const unsigned char *>(keyDer.data());
    const std::unique_ptr<X509, decltype(&X509_free)> x509(
        d2i_X509(nullptr, &certificateBytes, long(certificateDer.size())), &X509_free);
    const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> privateKey(
        d2i_AutoPrivateKey(nullptr, &keyBytes, long(keyDer.size())), &EVP_PKEY_free);
    return x509 && privateKey && X509_check_private_key(x509.get(), privateKey.get()) == 1;
}

std::optional<EngineIoError> ClientCertificate::load(const QString &certificateFile,
                                                     const QString &keyFile,
                                                     const QByteArray &password,
                                                     ClientCertificate *loaded)
{
    using Failure = EngineIoError::TlsFailure;
    std::optional<EngineIoError> error;
    QByteArray data;
    if (!readFile(certificateFile, QStringLiteral("certificate"), &data, &error))
        return error;

    if (isPkcs12(certificateFile)) {
        QBuffer bundle(&data);
        bundle.open(QIODevice::ReadOnly);
        // importPkcs12 tells no reason apart: a wrong password is by far the usual one.
        if (!QSslCertificate::importPkcs12(&bundle, &loaded->privateKey, &loaded->certificate,
                                           &loaded->chain, password))
            return certificateError(
                Failure::Pkcs12PasswordWrong,
                QStringLiteral("cannot open the PKCS#12 file %1: the password is wrong (or the "
                               "file is not a PKCS#12 bundle)%2")
                    .arg(certificateFile, password.isEmpty()
                                              ? QStringLiteral("; no password was given")
                                              : QString()));
        if (loaded->certificate.isNull())
            return certificateError(
                Failure::ClientCertificateMissing,
                QStringLiteral("the PKCS#12 file %1 holds no certificate").arg(certificateFile));
    } else {
        const QList<QSslCertificate> certificates = QSslCertificate::fromData(data, QSsl::Pem);
        if (certificates.isEmpty())
            return certificateError(Failure::ClientCertificateMissing,
                                    QStringLiteral("no PEM certificate in the client certificate "
                                                   "file %1")
                                        .arg(certificateFile));
        loaded->certificate = certificates.first();
        loaded->chain = certificates.mid(1);
        const QString keyPath = keyFile.isEmpty() ? certificateFile : keyFile;
        QByteArray keyData = data;
        if (!keyFile.isEmpty() && !readFile(keyFile, QStringLiteral("key"), &keyData, &error))
            return error;
        loaded->privateKey = readPemKey(keyData);
        if (loaded->privateKey.isNull()) {
            const bool encrypted = keyData.contains("ENCRYPTED");
            return certificateError(
                Failure::ClientKeyUnreadable,
                encrypted ? QStringLiteral("the client key in %1 is encrypted; give an "
                                           "unencrypted PEM key, or a PKCS#12 file and its "
                                           "password")
                                .arg(keyPath)
                : keyFile.isEmpty()
                    ? QStringLiteral("no private key in %1; give the key file too (--key)")
                          .arg(keyPath)
                    : QStringLiteral("no PEM private key could be read from %1").arg(keyPath));
        }
    }
    if (!keyMatches(loaded->certificate, loaded->privateKey))
        return certificateError(
            Failure::ClientKeyMismatch,
            QStringLiteral("the client key %1 does not match the certificate in %2 (its public "
                           "key is another one)")
                .arg(keyFile.isEmpty() ? certificateFile : keyFile, certificateFile));
    return std::nullopt;
}
