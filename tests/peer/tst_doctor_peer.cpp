// `sioscope-cli doctor --json` against real servers on 127.0.0.1, its report checked field by
// field: a plain socket.io 4.8 server, socket.io 2.5 (Engine.IO v3), two socket.io 4.8 servers
// behind HAProxy from Debian with and without the sticky cookie, HAProxy deleting the Upgrade and
// Connection headers, a namespace that the server's auth middleware refuses, and HAProxy whose idle
// timeouts are shorter than the heartbeat (the heartbeat check's idle watch).
#include "clirun.h"
#include "doctorrun.h"
#include "haproxy.h"
#include "referenceserver.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {
constexpr int Timeout = 60000;
} // namespace

class tst_DoctorPeer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void plainSocketIo4Passes();
    void socketIo2IsEngineIoV3();
    void stickyBalancerPasses();
    void balancerWithoutStickinessFails();
    void balancerDroppingWebSocketHeaders();
    void refusedNamespace_data();
    void refusedNamespace();
    void unreachableServer();
    void balancerWithoutServersAnswersItsOwnPage();
    void untrustedCertificate();
    void usageErrors();
    void idleWatch_data();
    void idleWatch();
    void idleCutInTheTextReport();

private:
    bool startServers(ReferenceServer::Flavor flavor = ReferenceServer::Flavor::SocketIo4);
    bool startBalancer(HaProxy *balancer, bool sticky, const QStringList &lines = {});

    ReferenceServer m_servers[2];
};

bool tst_DoctorPeer::startServers(ReferenceServer::Flavor flavor)
{
    for (ReferenceServer &server : m_servers) {
        if (server.isRunning())
            continue;
        ReferenceServer::Options options;
        options.flavor = flavor;
        QString error;
        if (!server.start(options, &error)) {
            qWarning("%s", qPrintable(error));
            return false;
        }
    }
    return true;
}

bool tst_DoctorPeer::startBalancer(HaProxy *balancer, bool sticky, const QStringList &lines)
{
    if (!startServers())
        return false;
    HaProxy::Options options;
    options.backendPorts = {m_servers[0].port(), m_servers[1].port()};
    if (!sticky)
        options.stickyCookie.clear();
    options.backendLines = lines;
    QString error;
    if (!balancer->start(options, &error)) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    return true;
}

void tst_DoctorPeer::plainSocketIo4Passes()
{
    QVERIFY(startServers());
    const ReferenceServer &server = m_servers[0];
    const DoctorRun run = runDoctor(server.url());
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe));
    QCOMPARE(run.report.value(QStringLiteral("url")).toString(), server.url().toString());
    QCOMPARE(run.report.value(QStringLiteral("ok")), QJsonValue(true));
    QCOMPARE(run.ids(), DoctorCheckIds);
    QVERIFY2(run.wellFormed(), qPrintable(run.describe));

    const QJsonObject reachable = run.check(QStringLiteral("reachable"));
    QCOMPARE(reachable.value(QStringLiteral("status")).toString(), QStringLiteral("pass"));
    QCOMPARE(reachable.value(QStringLiteral("host")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(reachable.value(QStringLiteral("port")).toInt(), server.port());
    QCOMPARE(reachable.value(QStringLiteral("proxy")), QJsonValue(QJsonValue::Null));
    QCOMPARE(run.status(QStringLiteral("tls")), QStringLiteral("skip"));

    const QJsonObject engine = run.check(QStringLiteral("engineio"));
    QCOMPARE(engine.value(QStringLiteral("status")).toString(), QStringLiteral("pass"));
    QCOMPARE(engine.value(QStringLiteral("version")).toInt(), 4);
    QCOMPARE(engine.value(QStringLiteral("path")).toString(), QStringLiteral("/socket.io/"));
    QVERIFY(engine.value(QStringLiteral("evidence"))
                .toArray()
                .first()
                .toString()
                .startsWith(QLatin1String("> GET /socket.io/?EIO=4&transport=polling HTTP/1.1")));

    // Transports, stickiness, the proxy check, namespaces and heartbeat as a working server
    // gets them.
    const QString differences = run.differencesFromWorkingServer();
    QVERIFY2(differences.isEmpty(), qPrintable(differences + QLatin1Char('\n') + run.describe));

    QCOMPARE(run.check(QStringLiteral("heartbeat")).value(QStringLiteral("maxPayload")).toInteger(),
             1000000);
}

void tst_DoctorPeer::socketIo2IsEngineIoV3()
{
    ReferenceServer server;
    ReferenceServer::Options options;
    options.flavor = ReferenceServer::Flavor::SocketIo2;
    QString error;
    QVERIFY2(server.start(options, &error), qPrintable(error));
    const DoctorRun run = runDoctor(server.url());
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe));
    QCOMPARE(run.report.value(QStringLiteral("ok")), QJsonValue(true));
    QCOMPARE(run.ids(), DoctorCheckIds);
    QVERIFY2(run.wellFormed(), qPrintable(run.describe));
    const QJsonObject engine = run.check(QStringLiteral("engineio"));
    QCOMPARE(engine.value(QStringLiteral("status")).toString(), QStringLiteral("pass"));
    QCOMPARE(engine.value(QStringLiteral("version")).toInt(), 3);
    QVERIFY(engine.value(QStringLiteral("summary")).toString().contains(QLatin1String("--eio 3")));
    const QJsonObject transports = run.check(QStringLiteral("transports"));
    QCOMPARE(transports.value(QStringLiteral("polling")), QJsonValue(true));
    QCOMPARE(transports.value(QStringLiteral("websocket")), QJsonValue(true));
    QCOMPARE(transports.value(QStringLiteral("upgrade")), QJsonValue(true));
    // engine.io 3 sets its own "io" cookie (the sid): not a load balancer's.
    const QJsonObject stickiness = run.check(QStringLiteral("stickiness"));
    QCOMPARE(stickiness.value(QStringLiteral("status")).toString(), QStringLiteral("pass"));
    QCOMPARE(stickiness.value(QStringLiteral("cookies")).toArray(), QJsonArray());
    QCOMPARE(run.status(QStringLiteral("namespaces")), QStringLiteral("pass"));
    const QJsonObject heartbeat = run.check(QStringLiteral("heartbeat"));
    QCOMPARE(heartbeat.value(QStringLiteral("pingInterval")).toInt(), 300);
    QCOMPARE(heartbeat.value(QStringLiteral("pingTimeout")).toInt(), 200);
    QCOMPARE(heartbeat.value(QStringLiteral("maxPayload")), QJsonValue(QJsonValue::Null));
}

void tst_DoctorPeer::stickyBalancerPasses()
{
    HaProxy balancer;
    QVERIFY(startBalancer(&balancer, true));
    const DoctorRun run = runDoctor(balancer.url());
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe));
    QCOMPARE(run.report.value(QStringLiteral("ok")), QJsonValue(true));
    QVERIFY2(run.wellFormed(), qPrintable(run.describe));
    for (const QString &id : DoctorCheckIds)
        QVERIFY2(run.status(id) ==
                     (id == QLatin1String("tls") ? QStringLiteral("skip") : QStringLiteral("pass")),
                 qPrintable(id + QStringLiteral(": ") + run.describe));
    const QJsonObject stickiness = run.check(QStringLiteral("stickiness"));
    QCOMPARE(stickiness.value(QStringLiteral("unknownSession")).toInt(), 0);
    QCOMPARE(stickiness.value(QStringLiteral("followUps")).toInt(), 18);
    QCOMPARE(stickiness.value(QStringLiteral("cookies")).toArray(),
             QJsonArray{QStringLiteral("SERVERID")});
    QVERIFY(
        stickiness.value(QStringLiteral("summary")).toString().contains(QLatin1String("SERVERID")));
}

void tst_DoctorPeer::balancerWithoutStickinessFails()
{
    HaProxy balancer;
    QVERIFY(startBalancer(&balancer, false));
    const DoctorRun run = runDoctor(balancer.url());
    QVERIFY2(run.exitCode == 1, qPrintable(run.describe));
    QCOMPARE(run.report.value(QStringLiteral("ok")), QJsonValue(false));
    QVERIFY2(run.wellFormed(), qPrintable(run.describe));
    const QJsonObject stickiness = run.check(QStringLiteral("stickiness"));
    QCOMPARE(stickiness.value(QStringLiteral("status")).toString(), QStringLiteral("fail"));
    QCOMPARE(stickiness.value(QStringLiteral("handshakes")).toInt(), 6);
    QCOMPARE(stickiness.value(QStringLiteral("followUps")).toInt(), 18);
    // Round robin request by request: some follow-ups meet the other server (which ones
    // depends on how the balancer's turn falls on each run's first request).
    const int unknown = stickiness.value(QStringLiteral("unknownSession")).toInt();
    QVERIFY2(unknown > 0 && unknown <= 18, qPrintable(run.describe));
    QCOMPARE(stickiness.value(QStringLiteral("cookies")).toArray(), QJsonArray());
    QCOMPARE(stickiness.value(QStringLiteral("summary")).toString(),
             QStringLiteral("Sessions are not pinned to one server: %1 of 18 follow-up requests "
                            "failed with Session ID unknown (no load balancer cookie; configure "
                            "stickiness or use --transport websocket)")
                 .arg(unknown));
    QVERIFY(stickiness.value(QStringLiteral("evidence"))
                .toArray()
                .toVariantList()
                .contains(QStringLiteral(
                    "< HTTP/1.1 400 Bad Request, application/json: {\"code\":1,\"message\":"
                    "\"Session ID unknown\"}")));
    // The upgrade meets the other server too; that is not a proxy dropping headers.
    QCOMPARE(run.check(QStringLiteral("transports")).value(QStringLiteral("upgrade")),
             QJsonValue(false));
    QCOMPARE(run.check(QStringLiteral("proxy")).value(QStringLiteral("webSocketHeadersDropped")),
             QJsonValue(false));
}

void tst_DoctorPeer::balancerDroppingWebSocketHeaders()
{
    HaProxy balancer;
    QVERIFY(startBalancer(&balancer, true,
                          {QStringLiteral("http-request del-header Upgrade"),
                           QStringLiteral("http-request del-header Connection")}));
    const DoctorRun run = runDoctor(balancer.url());
    QVERIFY2(run.exitCode == 1, qPrintable(run.describe));
    QVERIFY2(run.wellFormed(), qPrintable(run.describe));
    const QJsonObject proxy = run.check(QStringLiteral("proxy"));
    QCOMPARE(proxy.value(QStringLiteral("status")).toString(), QStringLiteral("fail"));
    QCOMPARE(proxy.value(QStringLiteral("webSocketHeadersDropped")), QJsonValue(true));
    QVERIFY2(proxy.value(QStringLiteral("summary"))
                 .toString()
                 .contains(QLatin1String("drops the WebSocket headers")),
             qPrintable(run.describe));
    const QJsonArray evidence = proxy.value(QStringLiteral("evidence")).toArray();
    QCOMPARE(evidence.size(), 2);
    QVERIFY(evidence.at(0).toString().endsWith(QLatin1String("(Upgrade: websocket)")));
    QCOMPARE(evidence.at(1).toString(),
             QStringLiteral("< HTTP/1.1 400 Bad Request, application/json: "
                            "{\"code\":3,\"message\":\"Bad request\"}"));
    const QJsonObject transports = run.check(QStringLiteral("transports"));
    QCOMPARE(transports.value(QStringLiteral("status")).toString(), QStringLiteral("warn"));
    QCOMPARE(transports.value(QStringLiteral("polling")), QJsonValue(true));
    QCOMPARE(transports.value(QStringLiteral("websocket")), QJsonValue(false));
    QCOMPARE(transports.value(QStringLiteral("upgrade")), QJsonValue(false));
    // The sticky cookie still pins every request: code 3 comes from the session's own server.
    QCOMPARE(run.status(QStringLiteral("stickiness")), QStringLiteral("pass"));
    QCOMPARE(run.status(QStringLiteral("namespaces")), QStringLiteral("pass"));
}

void tst_DoctorPeer::refusedNamespace_data()
{
    QTest::addColumn<ReferenceServer::Flavor>("flavor");
    QTest::addColumn<QJsonValue>("data"); // the CONNECT_ERROR's data
    QTest::newRow("socket.io 4.8")
        << ReferenceServer::Flavor::SocketIo4
        << QJsonValue(QJsonObject{{QStringLiteral("reason"), QStringLiteral("bad token")}});
    QTest::newRow("socket.io 2.5")
        << ReferenceServer::Flavor::SocketIo2 << QJsonValue(QJsonValue::Undefined);
}

void tst_DoctorPeer::refusedNamespace()
{
    QFETCH(ReferenceServer::Flavor, flavor);
    QFETCH(QJsonValue, data);
    ReferenceServer server;
    ReferenceServer::Options options;
    options.flavor = flavor;
    QString error;
    QVERIFY2(server.start(options, &error), qPrintable(error));
    const DoctorRun run = runDoctor(server.url(), {QStringLiteral("-n"), QStringLiteral("/"),
                                                   QStringLiteral("-n"), QStringLiteral("/admin")});
    QVERIFY2(run.exitCode == 1, qPrintable(run.describe));
    QCOMPARE(run.report.value(QStringLiteral("ok")), QJsonValue(false));
    const QJsonObject namespaces = run.check(QStringLiteral("namespaces"));
    QCOMPARE(namespaces.value(QStringLiteral("status")).toString(), QStringLiteral("fail"));
    const QJsonArray list = namespaces.value(QStringLiteral("namespaces")).toArray();
    QCOMPARE(list.size(), 2);
    QCOMPARE(list.at(0).toObject().value(QStringLiteral("status")).toString(),
             QStringLiteral("connected"));
    const QJsonObject admin = list.at(1).toObject();
    QCOMPARE(admin.value(QStringLiteral("name")).toString(), QStringLiteral("/admin"));
    QCOMPARE(admin.value(QStringLiteral("status")).toString(), QStringLiteral("refused"));
    QCOMPARE(admin.value(QStringLiteral("message")).toString(), QStringLiteral("Not authorized"));
    QCOMPARE(admin.value(QStringLiteral("data")), data);
    QVERIFY(
        namespaces.value(QStringLiteral("summary")).toString().contains(QLatin1String("--auth")));
    // Every other check passed: the refusal is the one failure.
    for (const QString &id : DoctorCheckIds)
        if (id != QLatin1String("namespaces") && id != QLatin1String("tls"))
            QVERIFY2(run.status(id) == QLatin1String("pass"), qPrintable(id));

    // With the token the middleware wants, both connect and the doctor is content.
    // socket.io 2 reads the token from the namespace's query, which --auth becomes in v4.
    const QString auth = QStringLiteral("/admin={\"token\":\"secret\"}");
    const DoctorRun withToken =
        runDoctor(server.url(),
                  {QStringLiteral("-n"), QStringLiteral("/admin"), QStringLiteral("--auth"), auth});
    QVERIFY2(withToken.exitCode == 0, qPrintable(withToken.describe));
    QCOMPARE(withToken.status(QStringLiteral("namespaces")), QStringLiteral("pass"));
}

void tst_DoctorPeer::unreachableServer()
{
    // A port nobody listens on: the server was there and is gone.
    ReferenceServer server;
    QString error;
    QVERIFY2(server.start({}, &error), qPrintable(error));
    const QUrl url = server.url();
    server.kill();
    const DoctorRun run = runDoctor(url);
    QVERIFY2(run.exitCode == 1, qPrintable(run.describe));
    const QJsonObject reachable = run.check(QStringLiteral("reachable"));
    QCOMPARE(reachable.value(QStringLiteral("status")).toString(), QStringLiteral("fail"));
    QCOMPARE(reachable.value(QStringLiteral("error")).toString(),
             QStringLiteral("Connection refused"));
    QVERIFY(reachable.value(QStringLiteral("summary"))
                .toString()
                .startsWith(QStringLiteral("127.0.0.1:%1 cannot be reached").arg(url.port())));
    for (const QString &id : DoctorCheckIds.mid(1))
        QVERIFY2(run.status(id) == QLatin1String("skip"), qPrintable(id));
}

// HAProxy whose servers are gone answers 503 with its own HTML page: the doctor names it as the
// balancer's page, not the Engine.IO server's answer.
void tst_DoctorPeer::balancerWithoutServersAnswersItsOwnPage()
{
    ReferenceServer gone;
    QString error;
    QVERIFY2(gone.start({}, &error), qPrintable(error));
    HaProxy::Options options;
    options.backendPorts = {gone.port()};
    gone.kill();
    HaProxy balancer;
    QVERIFY2(balancer.start(options, &error), qPrintable(error));
    const DoctorRun run = runDoctor(balancer.url());
    QVERIFY2(run.exitCode == 1, qPrintable(run.describe));
    QVERIFY2(run.wellFormed(), qPrintable(run.describe));
    QCOMPARE(run.status(QStringLiteral("reachable")), QStringLiteral("pass"));
    const QJsonObject engine = run.check(QStringLiteral("engineio"));
    QCOMPARE(engine.value(QStringLiteral("status")).toString(), QStringLiteral("fail"));
    QVERIFY2(engine.value(QStringLiteral("summary"))
                 .toString()
                 .endsWith(QLatin1String("an error page of a proxy or load balancer, not of "
                                         "engine.io (HTTP 503, text/html)")),
             qPrintable(run.describe));
    const QJsonObject proxy = run.check(QStringLiteral("proxy"));
    QCOMPARE(proxy.value(QStringLiteral("status")).toString(), QStringLiteral("fail"));
    QCOMPARE(proxy.value(QStringLiteral("errorPages")).toArray(), QJsonArray{503});
    QCOMPARE(proxy.value(QStringLiteral("webSocketHeadersDropped")), QJsonValue(false));
    for (const QString &id : {QStringLiteral("transports"), QStringLiteral("stickiness"),
                              QStringLiteral("namespaces"), QStringLiteral("heartbeat")})
        QVERIFY2(run.status(id) == QLatin1String("skip"), qPrintable(id));
}

// An https server with a self-signed certificate made by openssl here: the tls check names the
// certificate and why it is not trusted; the later checks go on past it.
void tst_DoctorPeer::untrustedCertificate()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QProcess openssl;
    openssl.setWorkingDirectory(dir.path());
    openssl.setProcessChannelMode(QProcess::MergedChannels);
    openssl.start(QStringLiteral("openssl"),
                  {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout",
                   "server.key", "-out", "server.pem", "-subj", "/CN=127.0.0.1", "-addext",
                   "subjectAltName=IP:127.0.0.1"});
    QVERIFY2(
        openssl.waitForFinished(30000) && openssl.exitStatus() == QProcess::NormalExit &&
            openssl.exitCode() == 0,
        qPrintable(QStringLiteral("openssl (Debian package openssl, scripts/dev.sh): %1 %2")
                       .arg(openssl.errorString(), QString::fromLocal8Bit(openssl.readAll()))));
    ReferenceServer server;
    ReferenceServer::Options options;
    options.tlsKeyFile = dir.filePath(QStringLiteral("server.key"));
    options.tlsCertFile = dir.filePath(QStringLiteral("server.pem"));
    QString error;
    QVERIFY2(server.start(options, &error), qPrintable(error));
    const DoctorRun run = runDoctor(server.url());
    QVERIFY2(run.exitCode == 1, qPrintable(run.describe));
    QVERIFY2(run.wellFormed(), qPrintable(run.describe));
    const QJsonObject tls = run.check(QStringLiteral("tls"));
    QCOMPARE(tls.value(QStringLiteral("status")).toString(), QStringLiteral("fail"));
    QCOMPARE(tls.value(QStringLiteral("subject")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(tls.value(QStringLiteral("issuer")).toString(), QStringLiteral("127.0.0.1"));
    const QDateTime expires =
        QDateTime::fromString(tls.value(QStringLiteral("expires")).toString(), Qt::ISODate);
    QVERIFY(expires > QDateTime::currentDateTimeUtc().addDays(1));
    QVERIFY(expires < QDateTime::currentDateTimeUtc().addDays(3));
    QVERIFY(!tls.value(QStringLiteral("errors")).toArray().isEmpty());
    QVERIFY2(tls.value(QStringLiteral("summary"))
                 .toString()
                 .startsWith(QLatin1String("The server's certificate for 127.0.0.1 is not "
                                           "trusted: it is signed by a CA that is not trusted")),
             qPrintable(run.describe));
    QCOMPARE(tls.value(QStringLiteral("failure")).toString(),
             QStringLiteral("server-certificate-untrusted"));
    QCOMPARE(tls.value(QStringLiteral("certificateProblems")).toArray(),
             QJsonArray{QStringLiteral("unknown-issuer")});
    QCOMPARE(tls.value(QStringLiteral("clientCertificate")).toString(), QStringLiteral("none"));
    QCOMPARE(tls.value(QStringLiteral("clientCertificateRequired")).toBool(true), false);
    // Past the certificate, the server itself is fine.
    for (const QString &id : DoctorCheckIds)
        if (id != QLatin1String("tls"))
            QVERIFY2(run.status(id) == QLatin1String("pass"),
                     qPrintable(id + QStringLiteral(": ") + run.describe));

    // Trusted with --ca, as a session would be; accepted with --insecure, as a warning.
    const DoctorRun trusted = runDoctor(
        server.url(), {QStringLiteral("--ca"), dir.filePath(QStringLiteral("server.pem"))});
    QVERIFY2(trusted.exitCode == 0, qPrintable(trusted.describe));
    QCOMPARE(trusted.status(QStringLiteral("tls")), QStringLiteral("pass"));
    QVERIFY(
        trusted.check(QStringLiteral("tls")).value(QStringLiteral("errors")).toArray().isEmpty());
    const DoctorRun insecure = runDoctor(server.url(), {QStringLiteral("--insecure")});
    QVERIFY2(insecure.exitCode == 0, qPrintable(insecure.describe));
    QCOMPARE(insecure.status(QStringLiteral("tls")), QStringLiteral("warn"));
    QVERIFY2(insecure.check(QStringLiteral("tls"))
                 .value(QStringLiteral("summary"))
                 .toString()
                 .contains(QLatin1String("accepted because of --insecure")),
             qPrintable(insecure.describe));
}

void tst_DoctorPeer::usageErrors()
{
    for (const QStringList &arguments :
         {QStringList{QStringLiteral("doctor")},
          QStringList{QStringLiteral("doctor"), QStringLiteral("ftp://x")},
          QStringList{QStringLiteral("doctor"), QStringLiteral("http://127.0.0.1:1"),
                      QStringLiteral("--eio"), QStringLiteral("5")},
          QStringList{QStringLiteral("doctor"), QStringLiteral("http://127.0.0.1:1"),
                      QStringLiteral("--auth"), QStringLiteral("/x={}")},
          QStringList{QStringLiteral("doctor"), QStringLiteral("http://127.0.0.1:1"),
                      QStringLiteral("--watch"), QStringLiteral("-1")},
          QStringList{QStringLiteral("doctor"), QStringLiteral("http://127.0.0.1:1"),
                      QStringLiteral("--watch"), QStringLiteral("3601")}}) {
        QProcess process;
        process.start(QStringLiteral(SIOSCOPE_CLI_PATH), arguments);
        QVERIFY(process.waitForFinished(Timeout));
        QVERIFY2(process.exitCode() == 2, qPrintable(arguments.join(QLatin1Char(' '))));
        QVERIFY(process.readAllStandardError().contains("usage: sioscope-cli doctor"));
    }
}

void tst_DoctorPeer::idleWatch_data()
{
    QTest::addColumn<ReferenceServer::Flavor>("flavor");
    QTest::addColumn<int>("pingInterval");
    QTest::addColumn<int>("pingTimeout");
    QTest::addColumn<QStringList>("balancerLines"); // empty: no balancer, straight to the server
    QTest::addColumn<int>("watchSeconds");
    QTest::addColumn<QString>("transport");
    QTest::addColumn<QString>("closedBy");
    QTest::addColumn<bool>("cut");
    const QStringList idleTimeouts{QStringLiteral("timeout tunnel 1500"),
                                   QStringLiteral("timeout server 1500")};
    QTest::newRow("HAProxy timeout tunnel 1500 ms cuts the idle WebSocket")
        << ReferenceServer::Flavor::SocketIo4 << 3000 << 2000 << idleTimeouts << 8
        << QStringLiteral("websocket") << QStringLiteral("connection") << true;
    QTest::newRow("HAProxy timeout server 1500 ms cuts the long poll (no WebSocket through it)")
        << ReferenceServer::Flavor::SocketIo4 << 3000 << 2000
        << idleTimeouts + QStringList{QStringLiteral("http-request del-header Upgrade"),
                                      QStringLiteral("http-request del-header Connection")}
        << 8 << QStringLiteral("polling") << QStringLiteral("http-error") << true;
    QTest::newRow("socket.io 4.8 direct, pingInterval 500 ms: the PINGs keep it open")
        << ReferenceServer::Flavor::SocketIo4 << 500 << 300 << QStringList() << 2
        << QStringLiteral("websocket") << QStringLiteral("watch-end") << false;
    QTest::newRow("socket.io 2.5 direct, pingInterval 500 ms: the client's PINGs keep it open")
        << ReferenceServer::Flavor::SocketIo2 << 500 << 300 << QStringList() << 2
        << QStringLiteral("websocket") << QStringLiteral("watch-end") << false;
}

void tst_DoctorPeer::idleWatch()
{
    QFETCH(ReferenceServer::Flavor, flavor);
    QFETCH(int, pingInterval);
    QFETCH(int, pingTimeout);
    QFETCH(QStringList, balancerLines);
    QFETCH(int, watchSeconds);
    QFETCH(QString, transport);
    QFETCH(QString, closedBy);
    QFETCH(bool, cut);
    ReferenceServer server;
    ReferenceServer::Options options;
    options.flavor = flavor;
    options.pingInterval = pingInterval;
    options.pingTimeout = pingTimeout;
    QString error;
    QVERIFY2(server.start(options, &error), qPrintable(error));
    HaProxy balancer;
    QUrl url = server.url();
    if (!balancerLines.isEmpty()) {
        HaProxy::Options balancerOptions;
        balancerOptions.backendPorts = {server.port()};
        balancerOptions.backendLines = balancerLines;
        QVERIFY2(balancer.start(balancerOptions, &error), qPrintable(error));
        url = balancer.url();
    }
    QElapsedTimer elapsed;
    elapsed.start();
    const DoctorRun run =
        runDoctor(url, {QStringLiteral("--watch"), QString::number(watchSeconds)});
    // The watch is bounded: the whole run takes the watch and the probes, no more.
    QVERIFY2(elapsed.elapsed() < watchSeconds * 1000 + 10000, qPrintable(run.describe));
    QVERIFY2(run.wellFormed(), qPrintable(run.describe));
    const QJsonObject heartbeat = run.check(QStringLiteral("heartbeat"));
    QCOMPARE(heartbeat.value(QStringLiteral("pingInterval")).toInt(), pingInterval);
    QCOMPARE(heartbeat.value(QStringLiteral("pingTimeout")).toInt(), pingTimeout);
    QCOMPARE(heartbeat.value(QStringLiteral("watchMs")).toInt(), watchSeconds * 1000);
    QVERIFY2(heartbeat.value(QStringLiteral("transport")).toString() == transport,
             qPrintable(run.describe));
    QVERIFY2(heartbeat.value(QStringLiteral("closedBy")).toString() == closedBy,
             qPrintable(run.describe));
    const QString summary = heartbeat.value(QStringLiteral("summary")).toString();
    if (cut) {
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(heartbeat.value(QStringLiteral("status")).toString(), QStringLiteral("fail"));
        // HAProxy's 1500 ms, measured from the last packet.
        const int cutAfter = heartbeat.value(QStringLiteral("idleCutAfterMs")).toInt(-1);
        QVERIFY2(cutAfter >= 1300 && cutAfter <= 2500, qPrintable(run.describe));
        // A second session was cut at about the same interval, within the watch.
        const QJsonArray cuts = heartbeat.value(QStringLiteral("cuts")).toArray();
        QCOMPARE(cuts.size(), 2);
        QCOMPARE(cuts.at(0).toInt(), cutAfter);
        QVERIFY2(cuts.at(1).toInt() >= 1300 && cuts.at(1).toInt() <= 2500,
                 qPrintable(run.describe));
        QVERIFY(heartbeat.value(QStringLiteral("watchedMs")).toInt() < watchSeconds * 1000);
        QCOMPARE(summary,
                 QStringLiteral("Something between client and server cut the idle connection "
                                "after ~%1 ms, shorter than the server's pingInterval + "
                                "pingTimeout (5000 ms): raise its idle/tunnel timeout above 5000 "
                                "ms or lower pingInterval (a fixed interval: a second session "
                                "was cut after ~%2 ms too)")
                     .arg(cutAfter)
                     .arg(cuts.at(1).toInt()));
        const QStringList evidence =
            heartbeat.value(QStringLiteral("evidence")).toVariant().toStringList();
        QVERIFY2(
            evidence.filter(QRegularExpression(QStringLiteral("^> idle session 2: "))).size() == 1,
            qPrintable(run.describe));
        QVERIFY2(evidence.filter(QRegularExpression(QStringLiteral("^< OPEN at "))).size() == 2,
                 qPrintable(run.describe));
        QVERIFY2(
            !evidence
                 .filter(QRegularExpression(
                     QStringLiteral("^< at \\+\\d+ ms, %1 ms after the last packet").arg(cutAfter)))
                 .isEmpty(),
            qPrintable(run.describe));
    } else {
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe));
        QCOMPARE(heartbeat.value(QStringLiteral("status")).toString(), QStringLiteral("pass"));
        QCOMPARE(heartbeat.value(QStringLiteral("idleCutAfterMs")), QJsonValue(QJsonValue::Null));
        QCOMPARE(heartbeat.value(QStringLiteral("cuts")).toArray(), QJsonArray());
        QVERIFY2(heartbeat.value(QStringLiteral("pingsAnswered")).toInt() >= 2,
                 qPrintable(run.describe));
        const int watched = heartbeat.value(QStringLiteral("watchedMs")).toInt();
        QVERIFY2(watched >= watchSeconds * 1000 && watched < watchSeconds * 1000 + 1000,
                 qPrintable(run.describe));
        QVERIFY2(summary.contains(QStringLiteral("an idle session over websocket stayed open for "
                                                 "the whole watch of %1 ms")
                                      .arg(watchSeconds * 1000)),
                 qPrintable(run.describe));
    }
}

// The text report says the same in its heartbeat line.
void tst_DoctorPeer::idleCutInTheTextReport()
{
    ReferenceServer server;
    ReferenceServer::Options options;
    options.pingInterval = 3000;
    options.pingTimeout = 2000;
    QString error;
    QVERIFY2(server.start(options, &error), qPrintable(error));
    HaProxy balancer;
    HaProxy::Options balancerOptions;
    balancerOptions.backendPorts = {server.port()};
    balancerOptions.backendLines = {QStringLiteral("timeout tunnel 1500")};
    QVERIFY2(balancer.start(balancerOptions, &error), qPrintable(error));
    const QStringList arguments{QStringLiteral("doctor"), balancer.url().toString(),
                                QStringLiteral("--watch"), QStringLiteral("2")};
    const CliRun run(arguments);
    QVERIFY2(run.exitCode == 1, run.describe(arguments).constData());
    static const QRegularExpression line(
        QStringLiteral(
            "^\\[fail\\] heartbeat: Something between client and server cut the idle connection "
            "after ~(\\d+) ms, shorter than the server's pingInterval \\+ pingTimeout \\(5000 "
            "ms\\): "
            "raise its idle/tunnel timeout above 5000 ms or lower pingInterval"),
        QRegularExpression::MultilineOption);
    const QRegularExpressionMatch match = line.match(QString::fromUtf8(run.out));
    QVERIFY2(match.hasMatch(), run.describe(arguments).constData());
    QVERIFY2(match.captured(1).toInt() >= 1300 && match.captured(1).toInt() <= 2500,
             run.describe(arguments).constData());
    QVERIFY2(run.out.contains("       > idle session 1: Socket.IO over websocket, namespace /"),
             run.describe(arguments).constData());
}

QTEST_GUILESS_MAIN(tst_DoctorPeer)
#include "tst_doctor_peer.moc"
