// `sioscope-cli doctor --json` where something stands between SioScope and the server, its report
// checked field by field: tinyproxy from Debian (an HTTP proxy, with and without Basic
// authentication, and its 407) and microsocks (SOCKS5) in front of socket.io 4.8 and 2.5
// (Engine.IO v3); a socket.io 4.8 https server that requires a client certificate (requestCert,
// rejectUnauthorized) of a CA made by openssl here, met with a PEM pair, a PKCS#12 file, no
// certificate and a key of another certificate; and the Engine.IO path: the URL's path, then
// /socket.io/ (after a 404 page or no answer), or only the --path given. The proxies' own logs show
// that the probes went through them; the text report names each failure in plain words.
#include "clirun.h"
#include "doctorrun.h"
#include "proxyservers.h"
#include "referenceserver.h"
#include "testpki.h"

#include <QJsonArray>
#include <QTest>

namespace {
const QString User = QStringLiteral("alice");
const QString Password = QStringLiteral("pr0xy-s3cret");
const QString PasswordVariable = QStringLiteral("SIOSCOPE_TEST_P12_PASSWORD");
const QString P12Password = QStringLiteral("p12 secret");

enum class Proxy { Http, HttpWithAuth, Socks };
enum class Flavor { SocketIo4, SocketIo2, SocketIo4Tls };
enum class ClientCertificate { PemPair, Pkcs12, None, WrongKey };
enum class PathServer { Default, NotFoundPage, CustomPath };
} // namespace

Q_DECLARE_METATYPE(Proxy)
Q_DECLARE_METATYPE(Flavor)
Q_DECLARE_METATYPE(ClientCertificate)
Q_DECLARE_METATYPE(PathServer)

class tst_DoctorMiddleboxPeer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void throughAProxy_data();
    void throughAProxy();
    void proxyFailureIsNamed_data();
    void proxyFailureIsNamed();
    void clientCertificates_data();
    void clientCertificates();
    void enginePath_data();
    void enginePath();

private:
    ReferenceServer &server(Flavor flavor)
    {
        return flavor == Flavor::SocketIo2      ? m_v2
               : flavor == Flavor::SocketIo4Tls ? m_mutualTls
                                                : m_v4;
    }
    // --ca and the client certificate options of one case (and the environment they need).
    QStringList tlsArguments(ClientCertificate certificate, QProcessEnvironment *environment) const;
    QByteArray serverAddress(const ReferenceServer &server) const
    {
        return "127.0.0.1:" + QByteArray::number(server.port());
    }

    TestPki m_pki;
    ReferenceServer m_v4;
    ReferenceServer m_v2;
    ReferenceServer m_mutualTls;
    ReferenceServer m_customPath;   // socket.io 4.8 at /custom/
    ReferenceServer m_notFoundPage; // socket.io 4.8 that answers other paths 404
    TinyProxy m_http;
    TinyProxy m_httpWithAuth;
    MicroSocks m_socks;
};

void tst_DoctorMiddleboxPeer::initTestCase()
{
    QVERIFY2(TestPki::hasOpenssl(),
             "the openssl command is missing (Debian package openssl; scripts/dev.sh installs it)");
    QString error;
    using Purpose = TestPki::Purpose;
    QVERIFY2(m_pki.createCa(QStringLiteral("ca"), &error), qPrintable(error));
    QVERIFY2(
        m_pki.issue("server", "ca", Purpose::Server, QStringLiteral("IP:127.0.0.1"), 2, &error),
        qPrintable(error));
    QVERIFY2(m_pki.issue("client", "ca", Purpose::Client, {}, 2, &error), qPrintable(error));
    QVERIFY2(m_pki.createKey(QStringLiteral("spare"), &error), qPrintable(error));
    QVERIFY2(m_pki.exportPkcs12("client", P12Password, &error), qPrintable(error));

    ReferenceServer::Options options;
    QVERIFY2(m_v4.start(options, &error), qPrintable(error));
    options.flavor = ReferenceServer::Flavor::SocketIo2;
    QVERIFY2(m_v2.start(options, &error), qPrintable(error));
    ReferenceServer::Options tls;
    tls.tlsCertFile = m_pki.issued(QStringLiteral("server")).certificateFile;
    tls.tlsKeyFile = m_pki.issued(QStringLiteral("server")).keyFile;
    tls.tlsClientCaFile = m_pki.caFile(QStringLiteral("ca"));
    QVERIFY2(m_mutualTls.start(tls, &error), qPrintable(error));
    ReferenceServer::Options custom;
    custom.path = QStringLiteral("/custom");
    QVERIFY2(m_customPath.start(custom, &error), qPrintable(error));
    ReferenceServer::Options notFound;
    notFound.notFoundPage = true;
    QVERIFY2(m_notFoundPage.start(notFound, &error), qPrintable(error));

    QVERIFY2(m_http.start(&error), qPrintable(error));
    QVERIFY2(m_httpWithAuth.start(&error, User, Password), qPrintable(error));
    QVERIFY2(m_socks.start(&error), qPrintable(error));
}

QStringList tst_DoctorMiddleboxPeer::tlsArguments(ClientCertificate certificate,
                                                  QProcessEnvironment *environment) const
{
    const TestPki::Issued client = m_pki.issued(QStringLiteral("client"));
    QStringList arguments{QStringLiteral("--ca"), m_pki.caFile(QStringLiteral("ca"))};
    switch (certificate) {
    case ClientCertificate::PemPair:
        return arguments + QStringList{QStringLiteral("--cert"), client.certificateFile,
                                       QStringLiteral("--key"), client.keyFile};
    case ClientCertificate::Pkcs12:
        environment->insert(PasswordVariable, P12Password);
        return arguments + QStringList{QStringLiteral("--cert"),
                                       m_pki.pkcs12File(QStringLiteral("client")),
                                       QStringLiteral("--cert-password-env"), PasswordVariable};
    case ClientCertificate::WrongKey:
        return arguments + QStringList{QStringLiteral("--cert"), client.certificateFile,
                                       QStringLiteral("--key"),
                                       m_pki.path(QStringLiteral("spare.key"))};
    case ClientCertificate::None:
        break;
    }
    return arguments;
}

void tst_DoctorMiddleboxPeer::throughAProxy_data()
{
    QTest::addColumn<Flavor>("flavor");
    QTest::addColumn<Proxy>("proxy");
    QTest::newRow("socket.io 4.8 through tinyproxy") << Flavor::SocketIo4 << Proxy::Http;
    QTest::newRow("socket.io 4.8 through tinyproxy with Basic authentication")
        << Flavor::SocketIo4 << Proxy::HttpWithAuth;
    QTest::newRow("socket.io 4.8 through microsocks (SOCKS5)") << Flavor::SocketIo4 << Proxy::Socks;
    QTest::newRow("socket.io 2.5 (Engine.IO v3) through tinyproxy with Basic authentication")
        << Flavor::SocketIo2 << Proxy::HttpWithAuth;
    QTest::newRow("socket.io 2.5 (Engine.IO v3) through microsocks (SOCKS5)")
        << Flavor::SocketIo2 << Proxy::Socks;
    QTest::newRow("socket.io 4.8 https with a client certificate through tinyproxy")
        << Flavor::SocketIo4Tls << Proxy::Http;
}

void tst_DoctorMiddleboxPeer::throughAProxy()
{
    QFETCH(Flavor, flavor);
    QFETCH(Proxy, proxy);
    const ReferenceServer &target = server(flavor);
    const bool auth = proxy == Proxy::HttpWithAuth;
    const QUrl proxyUrl = proxy == Proxy::Socks ? m_socks.url()
                          : auth                ? m_httpWithAuth.url(User, Password)
                                                : m_http.url();
    const auto proxyLog = [&] {
        return proxy == Proxy::Socks ? m_socks.log() : auth ? m_httpWithAuth.log() : m_http.log();
    };
    const QByteArray logBefore = proxyLog();
    QStringList extra{QStringLiteral("--proxy"), proxyUrl.toString()};
    QProcessEnvironment environment = environmentWithoutProxies();
    if (flavor == Flavor::SocketIo4Tls)
        extra += tlsArguments(ClientCertificate::PemPair, &environment);
    const DoctorRun run = runDoctor(target.url(), extra, environment);

    QVERIFY2(run.exitCode == 0, qPrintable(run.describe));
    QCOMPARE(run.report.value(QStringLiteral("ok")), QJsonValue(true));
    QCOMPARE(run.ids(), DoctorCheckIds);
    QVERIFY2(run.wellFormed(), qPrintable(run.describe));
    QVERIFY2(!run.out.contains(Password.toUtf8()), "the proxy password was written out");

    // The proxy is named where the path to the server is, its password redacted.
    QUrl shown = proxyUrl;
    if (auth)
        shown.setPassword(QStringLiteral("***"));
    const QString named = QStringLiteral("%1 (from the connection options)").arg(shown.toString());
    const QJsonObject reachable = run.check(QStringLiteral("reachable"));
    QCOMPARE(reachable.value(QStringLiteral("status")).toString(), QStringLiteral("pass"));
    QCOMPARE(reachable.value(QStringLiteral("host")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(reachable.value(QStringLiteral("port")).toInt(), target.port());
    QCOMPARE(reachable.value(QStringLiteral("proxy")).toString(), named);
    QVERIFY2(reachable.value(QStringLiteral("summary")).toString().contains(named),
             qPrintable(run.describe));

    const QJsonObject tls = run.check(QStringLiteral("tls"));
    if (flavor == Flavor::SocketIo4Tls) {
        QCOMPARE(tls.value(QStringLiteral("status")).toString(), QStringLiteral("pass"));
        QCOMPARE(tls.value(QStringLiteral("clientCertificate")).toString(),
                 QStringLiteral("presented"));
        QCOMPARE(tls.value(QStringLiteral("clientCertificateRequired")), QJsonValue(false));
        QCOMPARE(tls.value(QStringLiteral("subject")).toString(), QStringLiteral("127.0.0.1"));
        QCOMPARE(tls.value(QStringLiteral("errors")).toArray(), QJsonArray());
    } else {
        QCOMPARE(tls.value(QStringLiteral("status")).toString(), QStringLiteral("skip"));
    }

    const QJsonObject engine = run.check(QStringLiteral("engineio"));
    QCOMPARE(engine.value(QStringLiteral("status")).toString(), QStringLiteral("pass"));
    QCOMPARE(engine.value(QStringLiteral("version")).toInt(), flavor == Flavor::SocketIo2 ? 3 : 4);
    QCOMPARE(engine.value(QStringLiteral("path")).toString(), QStringLiteral("/socket.io/"));

    // Transports, stickiness, the proxy check, namespaces and heartbeat as a working server
    // gets them.
    const QString differences = run.differencesFromWorkingServer();
    QVERIFY2(differences.isEmpty(), qPrintable(differences + QLatin1Char('\n') + run.describe));

    QCOMPARE(run.check(QStringLiteral("heartbeat")).value(QStringLiteral("maxPayload")),
             flavor == Flavor::SocketIo2 ? QJsonValue(QJsonValue::Null) : QJsonValue(1000000));

    // The proxy's own log: it carried the connections to the server. An HTTP proxy forwards
    // plain-http polling (the absolute URL in the request line) and tunnels the WebSockets and
    // https with CONNECT; SOCKS5 carries everything. At least: 8 polling handshakes (engineio,
    // transports, 6 of stickiness), 12 POSTs, 8 WebSocket handshakes (WebSocket only, the
    // upgrade, 6 of stickiness).
    // microsocks writes its log to a pipe that is read as it comes: waited for, bounded.
    const QByteArray address = serverAddress(target);
    const auto seen = [&](const QByteArray &line) {
        return proxyLog().mid(logBefore.size()).count(line);
    };
    if (proxy == Proxy::Socks) {
        QTRY_VERIFY2_WITH_TIMEOUT(seen("connected to " + address) >= 8 + 12 + 8,
                                  proxyLog().mid(logBefore.size()).constData(), 5000);
    } else if (flavor == Flavor::SocketIo4Tls) {
        QTRY_VERIFY2_WITH_TIMEOUT(seen("CONNECT " + address) >= 8 + 12 + 8,
                                  proxyLog().mid(logBefore.size()).constData(), 5000);
    } else {
        QTRY_VERIFY2_WITH_TIMEOUT(seen("GET http://" + address + "/socket.io/") >= 8 &&
                                      seen("POST http://" + address + "/socket.io/") >= 12 &&
                                      seen("CONNECT " + address) >= 8,
                                  proxyLog().mid(logBefore.size()).constData(), 5000);
    }
}

void tst_DoctorMiddleboxPeer::proxyFailureIsNamed_data()
{
    QTest::addColumn<Flavor>("flavor");
    QTest::addColumn<QUrl>("proxy");
    QTest::addColumn<QString>("failing"); // the check that names the proxy's failure
    QTest::addColumn<QString>("symptom"); // its proxyFailure
    QTest::addColumn<QString>("named");   // in its summary, and in the text report
    const QString requires407 =
        QStringLiteral("the proxy %1 (from the connection options) requires credentials (407 "
                       "Proxy Authentication Required)")
            .arg(m_httpWithAuth.url().toString());
    // Plain-http polling is forwarded: the proxy is reached, and answers the request 407.
    QTest::newRow("tinyproxy with Basic authentication, no credentials, http: 407 answered")
        << Flavor::SocketIo4 << m_httpWithAuth.url() << QStringLiteral("engineio")
        << QStringLiteral("proxy-authentication-required") << requires407;
    // https goes through a CONNECT tunnel, which the proxy refuses with 407.
    QTest::newRow("tinyproxy with Basic authentication, no credentials, https: CONNECT refused 407")
        << Flavor::SocketIo4Tls << m_httpWithAuth.url() << QStringLiteral("reachable")
        << QStringLiteral("proxy-authentication-required") << requires407;
    const QUrl nobody(QStringLiteral("http://127.0.0.1:%1").arg(LoopbackDaemon::freePort()));
    QTest::newRow("no proxy listening")
        << Flavor::SocketIo4 << nobody << QStringLiteral("reachable")
        << QStringLiteral("proxy-unreachable")
        << QStringLiteral("the proxy %1 (from the connection options) is unreachable")
               .arg(nobody.toString());
}

void tst_DoctorMiddleboxPeer::proxyFailureIsNamed()
{
    QFETCH(Flavor, flavor);
    QFETCH(QUrl, proxy);
    QFETCH(QString, failing);
    QFETCH(QString, symptom);
    QFETCH(QString, named);
    QProcessEnvironment environment = environmentWithoutProxies();
    QStringList extra{QStringLiteral("--proxy"), proxy.toString()};
    if (flavor == Flavor::SocketIo4Tls)
        extra += tlsArguments(ClientCertificate::PemPair, &environment);
    const ReferenceServer &target = server(flavor);
    const DoctorRun run = runDoctor(target.url(), extra, environment);
    QVERIFY2(run.exitCode == 1, qPrintable(run.describe));
    QCOMPARE(run.report.value(QStringLiteral("ok")), QJsonValue(false));
    QCOMPARE(run.ids(), DoctorCheckIds);
    QVERIFY2(run.wellFormed(), qPrintable(run.describe));
    const QJsonObject reachable = run.check(QStringLiteral("reachable"));
    QCOMPARE(reachable.value(QStringLiteral("proxy")).toString(),
             QStringLiteral("%1 (from the connection options)").arg(proxy.toString()));
    const QJsonObject check = run.check(failing);
    QCOMPARE(check.value(QStringLiteral("status")).toString(), QStringLiteral("fail"));
    QVERIFY2(check.value(QStringLiteral("summary")).toString().contains(named, Qt::CaseInsensitive),
             qPrintable(run.describe));
    if (failing == QLatin1String("reachable")) {
        QCOMPARE(reachable.value(QStringLiteral("proxyFailure")).toString(), symptom);
        for (const QString &id : DoctorCheckIds.mid(1)) {
            QVERIFY2(run.status(id) == QLatin1String("skip"), qPrintable(id));
            QCOMPARE(run.check(id).value(QStringLiteral("summary")).toString(),
                     QStringLiteral("the server is not reachable"));
        }
    } else {
        // The proxy was reached; the proxy check names whose refusal it was.
        QCOMPARE(reachable.value(QStringLiteral("status")).toString(), QStringLiteral("pass"));
        const QJsonObject proxyCheck = run.check(QStringLiteral("proxy"));
        QCOMPARE(proxyCheck.value(QStringLiteral("status")).toString(), QStringLiteral("fail"));
        QCOMPARE(proxyCheck.value(QStringLiteral("proxyFailure")).toString(), symptom);
        QVERIFY2(proxyCheck.value(QStringLiteral("summary"))
                     .toString()
                     .contains(named, Qt::CaseInsensitive),
                 qPrintable(run.describe));
        QCOMPARE(proxyCheck.value(QStringLiteral("errorPages")).toArray(), QJsonArray());
    }
    // The text report says it in the same words.
    const DoctorRun text = runDoctor(target.url(), extra, environment, false);
    QCOMPARE(text.exitCode, 1);
    QVERIFY2(text.out.contains("[fail] " + failing.toUtf8() + ": "), qPrintable(text.describe));
    QVERIFY2(QString::fromUtf8(text.out).contains(named, Qt::CaseInsensitive),
             qPrintable(text.describe));
}

void tst_DoctorMiddleboxPeer::clientCertificates_data()
{
    QTest::addColumn<ClientCertificate>("certificate");
    QTest::addColumn<QString>("presented"); // the tls check's clientCertificate
    QTest::addColumn<QString>("failure");   // its failure; empty: it passes
    QTest::addColumn<QString>("summary");   // how its summary starts
    const QString works =
        QStringLiteral("TLS works; the certificate of \"127.0.0.1\" is trusted until ");
    QTest::newRow("PEM pair") << ClientCertificate::PemPair << QStringLiteral("presented")
                              << QString() << works;
    QTest::newRow("PKCS#12 file, its password from --cert-password-env")
        << ClientCertificate::Pkcs12 << QStringLiteral("presented") << QString() << works;
    QTest::newRow("no client certificate")
        << ClientCertificate::None << QStringLiteral("none")
        << QStringLiteral("client-certificate-required")
        << QStringLiteral("The server 127.0.0.1 requires a client certificate, and none was "
                          "given");
    QTest::newRow("key of another certificate")
        << ClientCertificate::WrongKey << QStringLiteral("unusable")
        << QStringLiteral("client-key-mismatch")
        << QStringLiteral("The client key %1 does not match the certificate in %2")
               .arg(m_pki.path(QStringLiteral("spare.key")),
                    m_pki.issued(QStringLiteral("client")).certificateFile);
}

void tst_DoctorMiddleboxPeer::clientCertificates()
{
    QFETCH(ClientCertificate, certificate);
    QFETCH(QString, presented);
    QFETCH(QString, failure);
    QFETCH(QString, summary);
    QProcessEnvironment environment = environmentWithoutProxies();
    const QStringList extra = tlsArguments(certificate, &environment);
    const DoctorRun run = runDoctor(m_mutualTls.url(), extra, environment);
    QVERIFY2(!run.out.contains(P12Password.toUtf8()), "the PKCS#12 password was written out");
    QCOMPARE(run.ids(), DoctorCheckIds);
    QVERIFY2(run.wellFormed(), qPrintable(run.describe));
    QCOMPARE(run.status(QStringLiteral("reachable")), QStringLiteral("pass"));
    const QJsonObject tls = run.check(QStringLiteral("tls"));
    const QString tlsSummary = tls.value(QStringLiteral("summary")).toString();
    QVERIFY2(tlsSummary.startsWith(summary), qPrintable(run.describe));
    QCOMPARE(tls.value(QStringLiteral("clientCertificate")).toString(), presented);
    QCOMPARE(tls.value(QStringLiteral("subject")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(tls.value(QStringLiteral("issuer")).toString(),
             QStringLiteral("SioScope throwaway test CA ca"));
    QCOMPARE(tls.value(QStringLiteral("errors")).toArray(), QJsonArray());

    if (failure.isEmpty()) {
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe));
        QCOMPARE(run.report.value(QStringLiteral("ok")), QJsonValue(true));
        QCOMPARE(tls.value(QStringLiteral("status")).toString(), QStringLiteral("pass"));
        QCOMPARE(tls.value(QStringLiteral("clientCertificateRequired")), QJsonValue(false));
        QVERIFY(!tls.contains(QStringLiteral("failure")));
        QVERIFY2(tlsSummary.endsWith(QLatin1String("; the server took the client certificate")),
                 qPrintable(run.describe));
        // Past TLS, every check works with the certificate.
        for (const QString &id : DoctorCheckIds)
            QVERIFY2(run.status(id) == QLatin1String("pass"),
                     qPrintable(id + QStringLiteral(": ") + run.describe));
        QCOMPARE(run.check(QStringLiteral("transports")).value(QStringLiteral("upgrade")),
                 QJsonValue(true));
        QCOMPARE(run.check(QStringLiteral("engineio")).value(QStringLiteral("version")).toInt(), 4);
        return;
    }
    QVERIFY2(run.exitCode == 1, qPrintable(run.describe));
    QCOMPARE(run.report.value(QStringLiteral("ok")), QJsonValue(false));
    QCOMPARE(tls.value(QStringLiteral("status")).toString(), QStringLiteral("fail"));
    QCOMPARE(tls.value(QStringLiteral("failure")).toString(), failure);
    // The server ended the handshake: it asks for a certificate it did not get.
    QCOMPARE(tls.value(QStringLiteral("clientCertificateRequired")), QJsonValue(true));
    // No request gets past TLS: the later checks say why they did not run.
    QString why = tlsSummary;
    why[0] = why[0].toLower();
    for (const QString &id : DoctorCheckIds.mid(2)) {
        QVERIFY2(run.status(id) == QLatin1String("skip"),
                 qPrintable(id + QStringLiteral(": ") + run.describe));
        QCOMPARE(run.check(id).value(QStringLiteral("summary")).toString(),
                 QStringLiteral("the server ends the TLS handshake: ") + why);
    }
    // The text report says it in the same words.
    const DoctorRun text = runDoctor(m_mutualTls.url(), extra, environment, false);
    QCOMPARE(text.exitCode, 1);
    QVERIFY2(text.out.contains("[fail] tls: " + summary.toUtf8()), qPrintable(text.describe));
    QVERIFY2(text.out.contains("1 check failed."), qPrintable(text.describe));
}

void tst_DoctorMiddleboxPeer::enginePath_data()
{
    QTest::addColumn<PathServer>("server");
    QTest::addColumn<QString>("urlPath");
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QStringList>("tried"); // the paths of the handshakes, in order
    QTest::addColumn<QString>("found");     // the path found; empty: none
    QTest::addColumn<QString>("summary");   // the engineio check's
    const QStringList appThenDefault{QStringLiteral("/app/"), QStringLiteral("/socket.io/")};
    QTest::newRow("URL path answered with a 404 page, then /socket.io/")
        << PathServer::NotFoundPage << QStringLiteral("/app/") << QStringList() << appThenDefault
        << QStringLiteral("/socket.io/")
        << QStringLiteral("Engine.IO v4 at the path /socket.io/ (the path /app/ answered 404)");
    // A bare socket.io server leaves requests for other paths unanswered.
    QTest::newRow("URL path never answered, then /socket.io/")
        << PathServer::Default << QStringLiteral("/app/")
        << QStringList{QStringLiteral("--timeout"), QStringLiteral("1000")} << appThenDefault
        << QStringLiteral("/socket.io/")
        << QStringLiteral("Engine.IO v4 at the path /socket.io/ (the path /app/: no answer in "
                          "time)");
    QTest::newRow("URL path that is the server's path")
        << PathServer::CustomPath << QStringLiteral("/custom") << QStringList()
        << QStringList{QStringLiteral("/custom/")} << QStringLiteral("/custom/")
        << QStringLiteral("Engine.IO v4 at the path /custom/");
    QTest::newRow("--path given: only that one is tried")
        << PathServer::CustomPath << QString()
        << QStringList{QStringLiteral("--path"), QStringLiteral("/custom")}
        << QStringList{QStringLiteral("/custom/")} << QStringLiteral("/custom/")
        << QStringLiteral("Engine.IO v4 at the path /custom/");
    QTest::newRow("--path wins over the URL's path")
        << PathServer::CustomPath << QStringLiteral("/app/")
        << QStringList{QStringLiteral("--path"), QStringLiteral("/custom/")}
        << QStringList{QStringLiteral("/custom/")} << QStringLiteral("/custom/")
        << QStringLiteral("Engine.IO v4 at the path /custom/");
    QTest::newRow("--path answered with a 404 page: no fallback")
        << PathServer::NotFoundPage << QString()
        << QStringList{QStringLiteral("--path"), QStringLiteral("/nothere/")}
        << QStringList{QStringLiteral("/nothere/")} << QString()
        << QStringLiteral("No Engine.IO server at the path /nothere/ (HTTP 404); give the "
                          "server's path with --path");
}

void tst_DoctorMiddleboxPeer::enginePath()
{
    QFETCH(PathServer, server);
    QFETCH(QString, urlPath);
    QFETCH(QStringList, extra);
    QFETCH(QStringList, tried);
    QFETCH(QString, found);
    QFETCH(QString, summary);
    QUrl url = (server == PathServer::CustomPath     ? m_customPath
                : server == PathServer::NotFoundPage ? m_notFoundPage
                                                     : m_v4)
                   .url();
    url.setPath(urlPath);
    const DoctorRun run = runDoctor(url, extra);
    QVERIFY2(run.wellFormed(), qPrintable(run.describe));
    const QJsonObject engine = run.check(QStringLiteral("engineio"));
    QStringList requested;
    for (const QJsonValue line : engine.value(QStringLiteral("evidence")).toArray())
        if (line.toString().startsWith(QLatin1String("> GET ")))
            requested.append(line.toString().section(QLatin1Char(' '), 2, 2).section(u'?', 0, 0));
    QCOMPARE(requested, tried);
    QCOMPARE(engine.value(QStringLiteral("summary")).toString(), summary);
    if (found.isEmpty()) {
        QVERIFY2(run.exitCode == 1, qPrintable(run.describe));
        QCOMPARE(engine.value(QStringLiteral("status")).toString(), QStringLiteral("fail"));
        QCOMPARE(engine.value(QStringLiteral("path")).toString(), tried.last());
        QVERIFY(!engine.contains(QStringLiteral("version")));
        for (const QString &id : {QStringLiteral("transports"), QStringLiteral("stickiness"),
                                  QStringLiteral("namespaces"), QStringLiteral("heartbeat")})
            QVERIFY2(run.status(id) == QLatin1String("skip"), qPrintable(id));
        return;
    }
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe));
    QCOMPARE(engine.value(QStringLiteral("status")).toString(), QStringLiteral("pass"));
    QCOMPARE(engine.value(QStringLiteral("version")).toInt(), 4);
    QCOMPARE(engine.value(QStringLiteral("path")).toString(), found);
    if (tried.size() > 1)
        QVERIFY2(engine.value(QStringLiteral("evidence"))
                     .toArray()
                     .toVariantList()
                     .contains(QStringLiteral("%1 is not an Engine.IO path (%2); trying %3 instead")
                                   .arg(tried.first(),
                                        server == PathServer::NotFoundPage
                                            ? QStringLiteral("404")
                                            : QStringLiteral("no answer in time"),
                                        tried.last())),
                 qPrintable(run.describe));
    // The later checks use the path found, the namespace check's client too.
    for (const QString &id : DoctorCheckIds)
        if (id != QLatin1String("tls"))
            QVERIFY2(run.status(id) == QLatin1String("pass"),
                     qPrintable(id + QStringLiteral(": ") + run.describe));
}

QTEST_GUILESS_MAIN(tst_DoctorMiddleboxPeer)
#include "tst_doctor_middlebox_peer.moc"
