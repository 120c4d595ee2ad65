// The reachable and tls checks: a TCP connection, then a TLS handshake whose certificate is shown.
#include "connectiondoctor.h"
#include "connectiondoctor_p.h"

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
    QTcpSocket socket;
    QEventLoop loop;
    QTimer::singleShot(m_options.engine.connectTimeoutMs, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::connected, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &loop, &QEventLoop::quit);
    QElapsedTimer elapsed;
    elapsed.start();
    socket.connectToHost(url.host(), quint16(port));
    loop.exec();
    DoctorCheck check;
    check.id = QStringLiteral("reachable");
    check.fields.insert(QStringLiteral("host"), url.host());
    check.fields.insert(QStringLiteral("port"), port);
    check.evidence.append(QStringLiteral("> TCP connect to %1").arg(m_hostPort));
    if (socket.state() == QAbstractSocket::ConnectedState) {
        m_reachable = true;
        check.status = Status::Pass;
        check.summary = QStringLiteral("%1 accepts TCP connections").arg(m_hostPort);
        check.evidence.append(QStringLiteral("< connected in %1 ms").arg(elapsed.elapsed()));
        check.fields.insert(QStringLiteral("connectMs"), elapsed.elapsed());
        socket.abort();
        return check;
    }
    const QString error =
        socket.error() == QAbstractSocket::UnknownSocketError
            ? QStringLiteral("no connection within %1 ms").arg(m_options.engine.connectTimeoutMs)
            : socket.errorString();
    check.status = Status::Fail;
    check.summary = QStringLiteral("%1 cannot be reached: %2").arg(m_hostPort, error);
    check.evidence.append(QStringLiteral("< %1").arg(error));
    check.fields.insert(QStringLiteral("error"), error);
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
    QSslSocket socket;
    QList<QSslError> errors;
    QEventLoop loop;
    QTimer::singleShot(m_options.engine.connectTimeoutMs, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QSslSocket::encrypted, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QSslSocket::errorOccurred, &loop, &QEventLoop::quit);
    // Noted, then ignored: the certificate is still shown, and the other checks can go on.
    QObject::connect(&socket, &QSslSocket::sslErrors, &loop, [&](const QList<QSslError> &seen) {
        errors = seen;
        socket.ignoreSslErrors();
    });
    socket.connectToHostEncrypted(url.host(), quint16(url.port(443)));
    loop.exec();
    DoctorCheck check;
    check.id = id;
    check.evidence.append(
        QStringLiteral("> TLS handshake with %1 (host name %2)").arg(m_hostPort, url.host()));
    if (!socket.isEncrypted()) {
        check.status = Status::Fail;
        check.summary = QStringLiteral("The TLS handshake with %1 failed: %2")
                            .arg(m_hostPort, socket.errorString());
        check.evidence.append(QStringLiteral("< %1").arg(socket.errorString()));
        check.fields.insert(QStringLiteral("error"), socket.errorString());
        return check;
    }
    const QSslCertificate certificate = socket.peerCertificate();
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
    check.evidence.append(QStringLiteral("< certificate of \"%1\", issued by \"%2\", expires %3")
                              .arg(subject, issuer, expires));
    QJsonArray errorTexts;
    for (const QSslError &error : std::as_const(errors)) {
        errorTexts.append(error.errorString());
        check.evidence.append(QStringLiteral("< verification error: %1").arg(error.errorString()));
    }
    check.fields.insert(QStringLiteral("errors"), errorTexts);
    m_tlsErrors = !errors.isEmpty();
    if (m_tlsErrors) {
        check.status = Status::Fail;
        check.summary = QStringLiteral("The server's certificate is not trusted: %1")
                            .arg(errors.first().errorString());
    } else {
        check.status = Status::Pass;
        check.summary = QStringLiteral("TLS works; the certificate of \"%1\" is trusted until %2")
                            .arg(subject, expires);
    }
    return check;
}
