// The reachable and tls checks: a TCP connection, then a TLS handshake whose certificate is shown.
#include "connectiondoctor.h"
#include "connectiondoctor_p.h"

#include "doctor/doctorwait.h"
#include "engineio/tlsalertprobe.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

using namespace DoctorDetail;

DoctorCheck ConnectionDoctor::checkReachable()
{
    const QUrl url = httpUrl();
    const int port = url.port(url.scheme() == QLatin1String("https") ? 443 : 80);
    DoctorCheck check;
    check.id = QStringLiteral("reachable");
    check.fields.insert(QStringLiteral("host"), url.host());
    check.fields.insert(QStringLiteral("port"), port);
    check.fields.insert(QStringLiteral("proxy"),
                        m_proxy.isDirect() ? QJsonValue() : QJsonValue(m_proxy.description()));
    if (!m_proxy.error.isEmpty()) {
        check.status = Status::Fail;
        check.summary = QStringLiteral("The proxy setting cannot be used: %1").arg(m_proxy.error);
        check.evidence.append(check.summary);
        check.fields.insert(QStringLiteral("error"), m_proxy.error);
        check.fields.insert(
            QStringLiteral("proxyFailure"),
            EngineIoError::proxySymptomName(EngineIoError::Symptom::ProxySettingInvalid));
        return check;
    }
    if (!m_proxy.bypass.isEmpty())
        check.evidence.append(QStringLiteral("direct: %1").arg(m_proxy.bypass));
    // An HTTP proxy forwards plain-http polling itself (QNetworkAccessManager sends it the
    // whole URL): reaching the proxy is what counts. Everything else goes through a tunnel (or
    // SOCKS) to the server, which the socket opens before it says it is connected.
    const bool forwarded =
        m_proxy.proxy.type() == QNetworkProxy::HttpProxy && url.scheme() == QLatin1String("http");
    QTcpSocket socket;
    socket.setProxy(forwarded ? QNetworkProxy(QNetworkProxy::NoProxy) : m_proxy.proxy);
    QEventLoop loop;
    QTimer::singleShot(m_options.engine.connectTimeoutMs, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::connected, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &loop, &QEventLoop::quit);
    QElapsedTimer elapsed;
    elapsed.start();
    if (forwarded) {
        check.evidence.append(QStringLiteral("> TCP connect to the proxy %1, which forwards the "
                                             "http requests to %2")
                                  .arg(m_proxy.description(), m_hostPort));
        socket.connectToHost(m_proxy.proxy.hostName(), m_proxy.proxy.port());
    } else {
        check.evidence.append(m_proxy.isDirect()
                                  ? QStringLiteral("> TCP connect to %1").arg(m_hostPort)
                                  : QStringLiteral("> TCP connect to %1 through the proxy %2")
                                        .arg(m_hostPort, m_proxy.description()));
        socket.connectToHost(url.host(), quint16(port));
    }
    DoctorWait::exec(loop);
    if (socket.state() == QAbstractSocket::ConnectedState) {
        m_reachable = true;
        check.status = Status::Pass;
        check.summary =
            m_proxy.isDirect() ? QStringLiteral("%1 accepts TCP connections").arg(m_hostPort)
            : forwarded
                ? QStringLiteral("The proxy %1 accepts connections; it forwards the http requests "
                                 "to %2")
                      .arg(m_proxy.description(), m_hostPort)
                : QStringLiteral("%1 is reachable through the proxy %2")
                      .arg(m_hostPort, m_proxy.description());
        check.evidence.append(QStringLiteral("< connected in %1 ms").arg(elapsed.elapsed()));
        check.fields.insert(QStringLiteral("connectMs"), elapsed.elapsed());
        socket.abort();
        return check;
    }
    const bool timedOut = socket.error() == QAbstractSocket::UnknownSocketError;
    const QString error =
        timedOut
            ? QStringLiteral("no connection within %1 ms").arg(m_options.engine.connectTimeoutMs)
            : socket.errorString();
    check.status = Status::Fail;
    check.evidence.append(QStringLiteral("< %1").arg(error));
    check.fields.insert(QStringLiteral("error"), error);
    // Through a proxy, say whose failure it is: the proxy's (unreachable, 407, a refused
    // tunnel) or the server's behind it. A forwarding proxy that cannot be reached is met as a
    // plain connection error.
    const QAbstractSocket::SocketError code =
        forwarded && !timedOut            ? QAbstractSocket::ProxyConnectionRefusedError
        : timedOut && !m_proxy.isDirect() ? QAbstractSocket::ProxyConnectionTimeoutError
                                          : socket.error();
    if (const auto failure = proxySocketFailure(m_proxy, url, code, error, true)) {
        QString summary = failure->message;
        summary[0] = summary[0].toUpper();
        check.summary = summary;
        check.fields.insert(QStringLiteral("proxyFailure"),
                            EngineIoError::proxySymptomName(failure->symptom));
        return check;
    }
    check.summary = QStringLiteral("%1 cannot be reached: %2").arg(m_hostPort, error);
    return check;
}

DoctorCheck ConnectionDoctor::checkTls()
{
    const QString id = QStringLiteral("tls");
    if (httpUrl().scheme() != QLatin1String("https"))
        return skipped(id, QStringLiteral("plain http: no TLS to check"));
    if (!m_reachable)
        return skipped(id, QStringLiteral("the server is not reachable"));
    const QUrl url = httpUrl();
    DoctorCheck check;
    check.id = id;
    check.fields.insert(QStringLiteral("clientCertificate"),
                        m_tls.presentsClientCertificate ? QStringLiteral("presented")
                        : m_tls.clientCertificateError  ? QStringLiteral("unusable")
                                                        : QStringLiteral("none"));
    if (!m_tls.caWarning.isEmpty())
        check.evidence.append(m_tls.caWarning);
    // The user's certificate files cannot be used: nothing the server does can mend that, and
    // the handshake below goes on without a certificate to see whether the server asks for one.
    if (m_tls.clientCertificateError) {
        check.evidence.append(QStringLiteral("the client certificate: %1")
                                  .arg(m_tls.clientCertificateError->message));
        check.fields.insert(
            QStringLiteral("failure"),
            EngineIoError::tlsFailureName(m_tls.clientCertificateError->tlsFailure));
    }

    QSslSocket socket;
    socket.setProxy(m_proxy.proxy);
    socket.setSslConfiguration(m_tls.configuration);
    QList<QSslError> errors;
    bool certificateDemanded = false;
    bool certificateRefused = false;
    QByteArray answer;
    QEventLoop loop;
    QTimer::singleShot(m_options.engine.connectTimeoutMs, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QSslSocket::errorOccurred, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QSslSocket::disconnected, &loop, &QEventLoop::quit);
    // Noted, then ignored: the certificate is still shown, and the other checks can go on.
    QObject::connect(&socket, &QSslSocket::sslErrors, &loop, [&](const QList<QSslError> &seen) {
        errors = seen;
        socket.ignoreSslErrors();
    });
    // A server that wants a client certificate ends the handshake with an alert; under TLS 1.3
    // it comes after the client thinks the handshake is done, so a request is sent and the
    // answer (or the alert) awaited.
    QObject::connect(&socket, &QSslSocket::alertReceived, &loop,
                     [&](QSsl::AlertLevel level, QSsl::AlertType type, const QString &) {
                         if (level != QSsl::AlertLevel::Fatal)
                             return;
                         certificateDemanded |= TlsAlertProbe::demandsCertificate(
                             type, m_tls.presentsClientCertificate);
                         certificateRefused |= TlsAlertProbe::refusesCertificate(
                             type, m_tls.presentsClientCertificate);
                     });
    QObject::connect(&socket, &QSslSocket::encrypted, &loop, [&] {
        socket.write("HEAD / HTTP/1.1\r\nHost: " + url.host().toUtf8() +
                     "\r\nConnection: close\r\n\r\n");
    });
    QObject::connect(&socket, &QSslSocket::readyRead, &loop, [&] {
        answer += socket.readAll();
        if (!answer.isEmpty())
            loop.quit();
    });
    socket.connectToHostEncrypted(url.host(), quint16(url.port(443)));
    DoctorWait::exec(loop);
    check.evidence.append(QStringLiteral("> TLS handshake with %1 (host name %2), %3")
                              .arg(m_hostPort, url.host(),
                                   m_tls.presentsClientCertificate
                                       ? QStringLiteral("presenting the client certificate %1")
                                             .arg(m_options.engine.clientCertificateFile)
                                       : QStringLiteral("without a client certificate")));
    const QSslCertificate certificate = socket.peerCertificate();
    if (!certificate.isNull()) {
        const QString subject = certificate.subjectDisplayName();
        const QString issuer = certificate.issuerDisplayName();
        const QString expires = certificate.expiryDate().toUTC().toString(Qt::ISODate);
        check.fields.insert(QStringLiteral("protocol"),
                            socket.sessionProtocol() == QSsl::TlsV1_3   ? QStringLiteral("TLS 1.3")
                            : socket.sessionProtocol() == QSsl::TlsV1_2 ? QStringLiteral("TLS 1.2")
                                                                        : QStringLiteral("other"));
        check.fields.insert(QStringLiteral("subject"), subject);
        check.fields.insert(QStringLiteral("issuer"), issuer);
        check.fields.insert(QStringLiteral("expires"), expires);
        check.evidence.append(
            QStringLiteral("< certificate of \"%1\", issued by \"%2\", expires %3")
                .arg(subject, issuer, expires));
    }
    QJsonArray errorTexts;
    for (const QSslError &error : std::as_const(errors)) {
        errorTexts.append(error.errorString());
        check.evidence.append(QStringLiteral("< verification error: %1").arg(error.errorString()));
    }
    check.fields.insert(QStringLiteral("errors"), errorTexts);
    check.fields.insert(QStringLiteral("clientCertificateRequired"),
                        certificateDemanded || certificateRefused);
    if (certificateDemanded || certificateRefused)
        check.evidence.append(
            QStringLiteral("< the server ended the handshake: %1").arg(socket.errorString()));
    else if (!answer.isEmpty())
        check.evidence.append(QStringLiteral("< the server answered over TLS: %1")
                                  .arg(QString::fromLatin1(answer.left(answer.indexOf('\r')))));

    m_tlsErrors = !errors.isEmpty();
    QStringList problems;
    if (m_tls.clientCertificateError) {
        problems.append(m_tls.clientCertificateError->message);
    } else if (certificateDemanded || certificateRefused) {
        const EngineIoError refusal = ClientTls::clientCertificateRefusal(
            QString(), url.host(), m_options.engine.clientCertificateFile,
            m_tls.presentsClientCertificate);
        check.fields.insert(QStringLiteral("failure"),
                            EngineIoError::tlsFailureName(refusal.tlsFailure));
        problems.append(refusal.message);
    }
    if (certificateDemanded || certificateRefused) {
        QString reason = problems.last();
        reason[0] = reason[0].toLower();
        m_tlsRefused = QStringLiteral("the server ends the TLS handshake: %1").arg(reason);
    }
    if (m_tlsErrors) {
        const EngineIoError untrusted =
            ClientTls::untrustedServerError(QString(), url.host(), errors);
        check.fields.insert(QStringLiteral("certificateProblems"),
                            QJsonArray::fromStringList(EngineIoError::certificateProblemNames(
                                untrusted.certificateProblems)));
        if (!check.fields.contains(QStringLiteral("failure")))
            check.fields.insert(QStringLiteral("failure"),
                                EngineIoError::tlsFailureName(untrusted.tlsFailure));
        problems.prepend(m_options.engine.ignoreSslErrors
                             ? untrusted.message +
                                   QStringLiteral(" (accepted because of --insecure: anyone on the "
                                                  "path can read and change the traffic)")
                             : untrusted.message);
    }
    if (!socket.isEncrypted() && problems.isEmpty()) {
        check.status = Status::Fail;
        check.summary = QStringLiteral("The TLS handshake with %1 failed: %2")
                            .arg(m_hostPort, socket.errorString());
        check.evidence.append(QStringLiteral("< %1").arg(socket.errorString()));
        check.fields.insert(QStringLiteral("error"), socket.errorString());
        return check;
    }
    if (problems.isEmpty()) {
        check.status = Status::Pass;
        check.summary = QStringLiteral("TLS works; the certificate of \"%1\" is trusted until %2%3")
                            .arg(certificate.subjectDisplayName(),
                                 certificate.expiryDate().toUTC().toString(Qt::ISODate),
                                 m_tls.presentsClientCertificate
                                     ? QStringLiteral("; the server took the client certificate")
                                     : QString());
        return check;
    }
    // Only an untrusted certificate the user chose to accept is a warning; the rest fail.
    const bool onlyAccepted =
        m_tlsErrors && m_options.engine.ignoreSslErrors && problems.size() == 1;
    check.status = onlyAccepted ? Status::Warn : Status::Fail;
    QString summary = problems.join(QStringLiteral(". "));
    summary[0] = summary[0].toUpper();
    check.summary = summary;
    return check;
}
