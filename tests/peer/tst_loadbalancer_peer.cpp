// Two socket.io 4.8 servers behind HAProxy from Debian (tests/common/haproxy.h), balanced round
// robin request by request, as a real deployment is. With HAProxy's sticky cookie (`cookie SERVERID
// insert indirect nocache`) the connection's cookie jar carries it from the polling handshake to
// the WebSocket upgrade, so `auto` upgrades every time, through the client API and through
// `sioscope-cli record`, and again after a reconnection. Without the cookie line the upgrade
// request meets the other server, which does not know the session: no run upgrades, which shows
// that the sticky runs prove something.
#include "engineio/engineioclient.h"
#include "haproxy.h"
#include "referenceserver.h"
#include "session/jsonlines.h"
#include "socketio/packetrecord.h"
#include "socketio/socketioclient.h"
#include "socketio/socketionamespace.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
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
    void withoutStickinessNoRunUpgrades();

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

// What a user runs: `sioscope-cli record <balancer> --transport auto`, ten times; each log shows
// the upgrade and the balancer's cookie, its value redacted.
void tst_LoadBalancerPeer::cliRecordUpgradesBehindTheStickyBalancer()
{
    HaProxy balancer;
    QVERIFY(startBalancer(&balancer, true));
    for (int run = 1; run <= Runs; ++run) {
        QProcess cli;
        cli.start(QStringLiteral(SIOSCOPE_CLI_PATH),
                  {QStringLiteral("record"), balancer.url().toString(),
                   QStringLiteral("--transport"), QStringLiteral("auto"),
                   QStringLiteral("--duration"), QStringLiteral("0.8")});
        QVERIFY(cli.waitForFinished(Timeout));
        const QByteArray out = cli.readAllStandardOutput();
        const QString describe =
            QStringLiteral("run %1, exit %2, stderr: %3\nlog:\n%4")
                .arg(run)
                .arg(cli.exitCode())
                .arg(QString::fromUtf8(cli.readAllStandardError()), QString::fromUtf8(out));
        QVERIFY2(cli.exitStatus() == QProcess::NormalExit && cli.exitCode() == 0,
                 qPrintable(describe));
        bool upgraded = false;
        bool upgradeFailed = false;
        QJsonObject cookie;
        for (const QByteArray &line : out.split('\n')) {
            if (line.isEmpty())
                continue;
            PacketRecord record;
            QString error;
            QVERIFY2(JsonLines::parseRecord(line, &record, &error), qPrintable(error));
            if (record.layer != PacketRecord::Layer::Connection)
                continue;
            upgraded |= record.type == PacketRecord::Upgraded;
            const QJsonObject details = QJsonDocument::fromJson(record.payload).object();
            upgradeFailed |=
                record.type == PacketRecord::Warning &&
                details.value(QStringLiteral("what")) == QStringLiteral("upgrade failed");
            if (record.type == PacketRecord::Cookies)
                cookie = details.value(QStringLiteral("cookies")).toArray().first().toObject();
        }
        QVERIFY2(upgraded && !upgradeFailed, qPrintable(describe));
        QCOMPARE(cookie.value(QStringLiteral("name")).toString(), QStringLiteral("SERVERID"));
        QCOMPARE(cookie.value(QStringLiteral("cookie")).toString(), QStringLiteral("[redacted]"));
    }
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

QTEST_GUILESS_MAIN(tst_LoadBalancerPeer)
#include "tst_loadbalancer_peer.moc"
