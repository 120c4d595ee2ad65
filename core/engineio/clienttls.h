// The TLS side of a client connection as the user set it: the system's CAs plus the user's CA
// file, and the client certificate when one is set. Built once per transport by the client, and
// once per diagnosis by the connection doctor, so that both present the same certificate and
// trust the same CAs.
#pragma once

#include "engineio/engineioerror.h"
#include "engineio/engineiooptions.h"

#include <QList>
#include <QSslConfiguration>
#include <QSslError>
#include <QString>

#include <optional>

struct ClientTls
{
    QSslConfiguration configuration;
    bool presentsClientCertificate = false;
    // The client certificate's files could not be used (unreadable, no certificate, a key that is
    // not the certificate's, a wrong PKCS#12 password): kind Tls, naming the file. The
    // configuration then presents no certificate.
    std::optional<EngineIoError> clientCertificateError;
    // The CA file gave no PEM certificate; empty when it did or none was set.
    QString caWarning;

    static ClientTls fromOptions(const EngineIoOptions &options);

    // "<what>: the server's certificate for <host> is not trusted: <reasons>" with its problems
    // typed (expired, not yet valid, host name, unknown issuer, revoked). Without a `what`, the
    // sentence stands alone ("The server's certificate ..."); so for the next one.
    static EngineIoError untrustedServerError(const QString &what, const QString &host,
                                              const QList<QSslError> &errors);
    // The server ended the handshake over the client certificate: none presented (it requires
    // one: ClientCertificateRequired) or the one presented (ClientCertificateRefused).
    static EngineIoError clientCertificateRefusal(const QString &what, const QString &host,
                                                  const QString &certificateFile, bool presented);
};
