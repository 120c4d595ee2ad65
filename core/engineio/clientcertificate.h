// The client certificate a connection presents when the server asks for one (mutual TLS),
// loaded from the files the user named, with every way that can fail told apart.
#pragma once

#include "engineio/engineioerror.h"

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>

#include <optional>

struct ClientCertificate
{
    QSslCertificate certificate;
    QSslKey privateKey;
    QList<QSslCertificate> chain; // intermediates that came with it, presented after it

    // Reads a PEM certificate (its key from keyFile, or from the same file when keyFile is
    // empty) or a PKCS#12 bundle (.p12/.pfx, opened with `password`). On failure returns the
    // error, of kind Tls with a client TlsFailure, naming the file.
    static std::optional<EngineIoError> load(const QString &certificateFile, const QString &keyFile,
                                             const QByteArray &password, ClientCertificate *loaded);

    // Whether `key` is the private half of the certificate's public key.
    static bool keyMatches(const QSslCertificate &certificate, const QSslKey &key);
};
