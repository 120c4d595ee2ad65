// One TLS handshake to a server, made only to hear the alerts it sends: QNetworkAccessManager
// does not pass the alerts of a failed handshake on (QSslSocket::alertReceived has no
// counterpart in QNetworkReply), so the polling transport asks this probe why a TLS connection
// failed before it reports the failure.
#pragma once

#include <QNetworkProxy>
#include <QObject>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>

class TlsAlertProbe : public QObject
{
    Q_OBJECT
public:
    TlsAlertProbe(const QSslConfiguration &configuration, QObject *parent);

    // Connects to host:port and emits finished() once the server has closed the connection,
    // the handshake failed, or `timeoutMs` passed.
    void start(const QString &host, quint16 port, int timeoutMs = 3000);
    // Through the connection's proxy, as the request it probes for went.
    void setProxy(const QNetworkProxy &proxy) { m_socket.setProxy(proxy); }

    // Whether the server sent a fatal alert that asks for a client certificate (TLS 1.3's
    // "certificate required", or TLS 1.2's "handshake failure" when none was presented).
    bool certificateDemanded() const { return m_certificateDemanded; }
    // Whether it sent a fatal alert about the certificate the client presented.
    bool certificateRefused() const { return m_certificateRefused; }

    // How an alert of `type` from the server reads, given whether a client certificate was
    // presented. Shared with the WebSocket transport, which hears alerts on its own socket.
    static bool demandsCertificate(QSsl::AlertType type, bool presented);
    static bool refusesCertificate(QSsl::AlertType type, bool presented);

Q_SIGNALS:
    void finished();

private:
    void finish();

    QSslSocket m_socket;
    QTimer m_timeout;
    bool m_presented = false;
    bool m_certificateDemanded = false;
    bool m_certificateRefused = false;
    bool m_finished = false;
};
