#include "engineio/tlsalertprobe.h"

TlsAlertProbe::TlsAlertProbe(const QSslConfiguration &configuration, QObject *parent)
    : QObject(parent)
    , m_presented(!configuration.localCertificate().isNull())
{
    m_socket.setSslConfiguration(configuration);
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, &TlsAlertProbe::finish);
    // The certificate's trust is not the question here: the failed request has already said
    // whether it was; the probe goes on to hear what the server says about the client.
    connect(&m_socket, &QSslSocket::sslErrors, this, [this] { m_socket.ignoreSslErrors(); });
    connect(&m_socket, &QSslSocket::alertReceived, this,
            [this](QSsl::AlertLevel level, QSsl::AlertType type, const QString &) {
                if (level != QSsl::AlertLevel::Fatal)
                    return;
                m_certificateDemanded |= demandsCertificate(type, m_presented);
                m_certificateRefused |= refusesCertificate(type, m_presented);
            });
    // TLS 1.3 completes the client's side of the handshake before the server has looked at
    // the client's certificate: its alert comes after encrypted(), on the first read.
    connect(&m_socket, &QSslSocket::errorOccurred, this, &TlsAlertProbe::finish);
    connect(&m_socket, &QSslSocket::disconnected, this, &TlsAlertProbe::finish);
}

void TlsAlertProbe::start(const QString &host, quint16 port, int timeoutMs)
{
    m_timeout.start(timeoutMs);
    m_socket.connectToHostEncrypted(host, port);
}

void TlsAlertProbe::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_timeout.stop();
    m_socket.disconnect(this);
    m_socket.abort();
    Q_EMIT finished();
}

bool TlsAlertProbe::demandsCertificate(QSsl::AlertType type, bool presented)
{
    return !presented &&
           (type == QSsl::AlertType::CertificateRequired ||
            type == QSsl::AlertType::HandshakeFailure || type == QSsl::AlertType::BadCertificate);
}

bool TlsAlertProbe::refusesCertificate(QSsl::AlertType type, bool presented)
{
    if (!presented)
        return false;
    switch (type) {
    case QSsl::AlertType::BadCertificate:
    case QSsl::AlertType::UnsupportedCertificate:
    case QSsl::AlertType::CertificateRevoked:
    case QSsl::AlertType::CertificateExpired:
    case QSsl::AlertType::CertificateUnknown:
    case QSsl::AlertType::UnknownCa:
    case QSsl::AlertType::AccessDenied:
    case QSsl::AlertType::DecryptError:
    case QSsl::AlertType::HandshakeFailure:
        return true;
    default:
        return false;
    }
}
