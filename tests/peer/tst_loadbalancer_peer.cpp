// Two socket.io 4.8 servers behind HAProxy from Debian (tests/common/haproxy.h), balanced round
// robin request by request, as a real deployment is. With HAProxy's sticky cookie (`cookie SERVERID
// insert indirect nocache`) the connection's cookie jar carries it from the polling handshake to
// the WebSocket upgrade, so `auto` upgrades every time, through the client API and through
// `sioscope-cli record`, and again after a reconnection (both ways too). Without the cookie line
// the upgrade request meets the other server, which does not know the session: no run upgrades,
// which shows that the sticky runs prove something.
#include "engineio/engineioclient.h"
#include "haproxy.h"
#include "referenceserver.h"
#include "session/jsonlines.h"
#include "socketio/packetrecord.h"
#include "socketio/socketioclient.h"
#include "socketio/socketionamespace.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {
constexpr int Timeout = 10000;
constexpr int Runs = 10;

EngineIoOptions optionsFor(const QUrl &url)
{
    EngineIoOptions options;
    options.url = url;
    options.transports = EngineIoOptions::Transports::Auto;
    options.connectTimeoutMs = 5000;
    options.reconnect.delayMs = 100;
    options.reconnect.delayMaxMs = 400;
    options.reconnect.randomization = 0;
    return options;
}

// The reason of the first upgradeFailed(), or "" (QVERIFY2 builds its message in any case).
QString firstReason(const QSignalSpy &upgradeFailed)
{
    return upgradeFailed.isEmpty() ? QString() : upgradeFailed.first().first().toString();
}

bool hasCookie(const QList<QNetworkCookie> &cookies, const QByteArray &name)
{
    return std::any_of(cookies.cbegin(), cookies.cend(),
                       [&name](const QNetworkCookie &cookie) { return cookie.name() == name; });
}
} // namespace

class tst_LoadBalancerPeer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void stickyCookieLetsEveryRunUpgrade();
    void stickyCookieLetsTheReconnectionUpgrade();
    void cliRecordUpgradesBehindTheStickyBalancer();
    void cliRecordUpgradesAgainAfterAReconnect();
    void withoutStickinessNoRunUpgrades();
    void withoutStickinessRecordNamesTheLikelyCause();

private:
    bool startBalancer(HaProxy *balancer, bool sticky);

    ReferenceServer m_servers[2];
};

void tst_LoadBalancerPeer::initTestCase()
{
    for (ReferenceServer &server : m_servers) {
        QString error;
        QVERIFY2(server.start({}, &error), qPrintable(error));
    }
}

bool tst_LoadBalancerPeer::startBalancer(HaProxy *balancer, bool sticky)
{
    HaProxy::Options options;
    options.backendPorts = {m_servers[0].port(), m_servers[1].port()};
    if (!sticky)
        options.stickyCookie.clear();
    QString error;
    if (!balancer->start(options, &error)) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    return true;
}

// Ten connections in a row through the sticky balancer: each one learns SERVERID on the handshake
// and upgrades to WebSocket.
void tst_LoadBalancerPeer::stickyCookieLetsEveryRunUpgrade()
{
    HaProxy balancer;
    QVERIFY(startBalancer(&balancer, true));
    for (int run = 1; run <= Runs; ++run) {
        EngineIoClient client;
        client.setOptions(optionsFor(balancer.url()));
        QSignalSpy upgraded(&client, &EngineIoClient::upgraded);
        QSignalSpy upgradeFailed(&client, &EngineIoClient::upgradeFailed);
        QSignalSpy cookies(&client, &EngineIoClient::cookiesReceived);
        client.open();
        QTRY_VERIFY_WITH_TIMEOUT(!upgraded.isEmpty() || !upgradeFailed.isEmpty(), Timeout);
        QVERIFY2(upgradeFailed.isEmpty(),
                 qPrintable(QStringLiteral("run %1: %2").arg(run).arg(firstReason(upgradeFailed))));
        QCOMPARE(client.transport(), TransportKind::WebSocket);
        QVERIFY(hasCookie(client.cookies(), "SERVERID"));
        QCOMPARE(cookies.size(), 1);
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Disconnected, Timeout);
    }
}

// The server drops the transport; the reconnection sends the cookie it kept, lands on the same
// server, and upgrades again.
void tst_LoadBalancerPeer::stickyCookieLetsTheReconnectionUpgrade()
{
    HaProxy balancer;
    QVERIFY(startBalancer(&balancer, true));
    SocketIoClient client;
    SocketIoOptions options;
    options.engine = optionsFor(balancer.url());
    client.setOptions(options);
    SocketIoNamespace *root = client.joinNamespace(QStringLiteral("/"));
    QSignalSpy connected(root, &SocketIoNamespace::connected);
    QSignalSpy upgraded(client.engine(), &EngineIoClient::upgraded);
    QSignalSpy upgradeFailed(client.engine(), &EngineIoClient::upgradeFailed);
    QSignalSpy opens(client.engine(), &EngineIoClient::openReceived);
    client.connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(upgraded.size(), 1, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, Timeout);
    const QList<QNetworkCookie> before = client.engine()->cookies();
    QVERIFY(hasCookie(before, "SERVERID"));

    QVERIFY(root->emitEvent(QJsonArray{QStringLiteral("server-close-transport")}).ok);
    QTRY_COMPARE_WITH_TIMEOUT(opens.size(), 2, Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(upgraded.size() == 2 || !upgradeFailed.isEmpty(), Timeout);
    QVERIFY2(upgradeFailed.isEmpty(), qPrintable(firstReason(upgradeFailed)));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, Timeout);
    QCOMPARE(client.engine()->transport(), TransportKind::WebSocket);
    QCOMPARE(client.engine()->cookies(), before); // `indirect`: HAProxy set nothing new
    client.disconnectFromServer();
}

// What one `sioscope-cli record <url> --transport auto <extra>` run recorded: its notes counted.
struct CliRun
{
    bool finished = false;      // exited normally with status 0
    int upgraded = 0;           // upgraded notes
    int upgradeFailed = 0;      // "upgrade failed" warnings
    int opens = 0;              // OPEN packets received (one per session)
    QList<QJsonObject> cookies; // the cookies of every cookies note
    QString describe;           // the command's stderr and log, for failure messages
};

CliRun recordThrough(const QUrl &url, const QStringList &extra)
{
    QProcess process;
    process.start(QStringLiteral(SIOSCOPE_CLI_PATH),
                  QStringList{QStringLiteral("record"), url.toString(),
                              QStringLiteral("--transport"), QStringLiteral("auto")} +
                      extra);
    CliRun run;
    const bool exited = process.waitForFinished(Timeout);
    const QByteArray out = process.readAllStandardOutput();
    run.describe =
        QStringLiteral("exit %1, stderr: %2\nlog:\n%3")
            .arg(process.exitCode())
            .arg(QString::fromUtf8(process.readAllStandardError()), QString::fromUtf8(out));
    run.finished =
        exited && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    for (const QByteArray &line : out.split('\n')) {
        PacketRecord record;
        if (line.isEmpty() || !JsonLines::parseRecord(line, &record))
            continue; // an unreadable line fails the counts below
        if (record.layer == PacketRecord::Layer::EngineIo && record.type == EngineIoPacket::Open &&
            record.direction == PacketRecord::Direction::In)
            ++run.opens;
        if (record.layer != PacketRecord::Layer::Connection)
            continue;
        const QJsonObject details = QJsonDocument::fromJson(record.payload).object();
        run.upgraded += record.type == PacketRecord::Upgraded ? 1 : 0;
        run.upgradeFailed +=
            record.type == PacketRecord::Warning &&
                    details.value(QStringLiteral("what")) == QStringLiteral("upgrade failed")
                ? 1
                : 0;
        if (record.type == PacketRecord::Cookies)
            for (const QJsonValue cookie : details.value(QStringLiteral("cookies")).toArray())
                run.cookies.append(cookie.toObject());
    }
    return run;
}

// What a user runs: `sioscope-cli record <balancer> --transport auto`, ten times; each log shows
// the upgrade and the balancer's cookie, its value redacted.
void tst_LoadBalancerPeer::cliRecordUpgradesBehindTheStickyBalancer()
{
    HaProxy balancer;
    QVERIFY(startBalancer(&balancer, true));
    for (int run = 1; run <= Runs; ++run) {
        const CliRun cli =
            recordThrough(balancer.url(), {QStringLiteral("--duration"), QStringLiteral("0.8")});
        const QString describe = QStringLiteral("run %1, %2").arg(run).arg(cli.describe);
        QVERIFY2(cli.finished, qPrintable(describe));
        QVERIFY2(cli.upgraded == 1 && cli.upgradeFailed == 0, qPrintable(describe));
        QVERIFY2(cli.cookies.size() == 1, qPrintable(describe));
        QCOMPARE(cli.cookies.first().value(QStringLiteral("name")).toString(),
                 QStringLiteral("SERVERID"));
        QCOMPARE(cli.cookies.first().value(QStringLiteral("cookie")).toString(),
                 QStringLiteral("[redacted]"));
    }
}

// `record --reconnect` with a script that makes the server drop the transport: the reconnected
// session upgrades too, and the cookie is noted once (the jar kept it).
void tst_LoadBalancerPeer::cliRecordUpgradesAgainAfterAReconnect()
{
    HaProxy balancer;
    QVERIFY(startBalancer(&balancer, true));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile script(dir.filePath(QStringLiteral("drop.jsonl")));
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.write(R"({"type":"EVENT","data":["server-close-transport"]})"
                 "\n");
    script.close();
    // socket.io-client's first reconnection delay is 0.5 to 1.5 s.
    const CliRun cli = recordThrough(
        balancer.url(), {QStringLiteral("--send"), script.fileName(), QStringLiteral("--reconnect"),
                         QStringLiteral("--duration"), QStringLiteral("3")});
    QVERIFY2(cli.finished, qPrintable(cli.describe));
    QVERIFY2(cli.opens == 2, qPrintable(cli.describe));
    QVERIFY2(cli.upgraded == 2 && cli.upgradeFailed == 0, qPrintable(cli.describe));
    QVERIFY2(cli.cookies.size() == 1, qPrintable(cli.describe));
}

// No cookie line: the request after the handshake goes to the other server, which answers
// "Session ID unknown" (engine.io code 1) to the upgrade or to the next poll. No run upgrades.
void tst_LoadBalancerPeer::withoutStickinessNoRunUpgrades()
{
    HaProxy balancer;
    QVERIFY(startBalancer(&balancer, false));
    for (int run = 1; run <= 3; ++run) {
        EngineIoClient client;
        EngineIoOptions options = optionsFor(balancer.url());
        options.reconnect.enabled = false;
        client.setOptions(options);
        QSignalSpy upgraded(&client, &EngineIoClient::upgraded);
        QSignalSpy upgradeFailed(&client, &EngineIoClient::upgradeFailed);
        QSignalSpy errors(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_VERIFY_WITH_TIMEOUT(
            !upgraded.isEmpty() || client.state() == EngineIoClient::State::Disconnected, Timeout);
        // Whatever came first, the probe's refusal or the poll's, the session is not upgraded.
        QTest::qWait(300);
        QVERIFY2(upgraded.isEmpty(), qPrintable(QStringLiteral("run %1 upgraded").arg(run)));
        bool unknownSession = false;
        for (const auto &arguments : std::as_const(errors))
            unknownSession |= arguments.first().value<EngineIoError>().serverCode ==
                              EngineIoErrorCode::UnknownSid;
        QVERIFY2(unknownSession || !upgradeFailed.isEmpty(),
                 qPrintable(QStringLiteral("run %1: neither refusal came").arg(run)));
        QVERIFY(client.cookies().isEmpty());
        client.close();
    }
}

// Polling only, without stickiness: a poll meets the server that does not hold the session, the
// recording ends, and `record` says why in plain words, on stderr and in the log's error note.
void tst_LoadBalancerPeer::withoutStickinessRecordNamesTheLikelyCause()
{
    HaProxy balancer;
    QVERIFY(startBalancer(&balancer, false));
    QProcess process;
    process.start(QStringLiteral(SIOSCOPE_CLI_PATH),
                  {QStringLiteral("record"), balancer.url().toString(),
                   QStringLiteral("--transport"), QStringLiteral("polling"),
                   QStringLiteral("--duration"), QStringLiteral("3")});
    QVERIFY(process.waitForFinished(Timeout));
    const QByteArray err = process.readAllStandardError();
    const QByteArray out = process.readAllStandardOutput();
    // The session had opened: a refusal afterwards ends the recording, as a server going away
    // does (exit status 0), and the line that says so carries the likely cause.
    QCOMPARE(process.exitCode(), 0);
    QVERIFY2(err.contains("connection ended: "), err.constData());
    QVERIFY2(err.contains("\n  likely cause: the request reached a server that does not hold the "
                          "session: a load balancer without sticky sessions"),
             err.constData());
    QVERIFY2(out.contains("\"likelyCause\":\"the request reached a server that does not hold"),
             out.constData());
    // The default (auto) parser does not take the refusal for a msgpack server's doing.
    QVERIFY2(!out.contains("\"type\":\"parser-changed\""), out.constData());
}

QTEST_GUILESS_MAIN(tst_LoadBalancerPeer)
#include "tst_loadbalancer_peer.moc"
