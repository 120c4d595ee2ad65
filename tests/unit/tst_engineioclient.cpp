// EngineIoClient against the in-process server (core/server) on loopback: the open over each
// transport and version, the upgrade from polling, the heartbeat, the ping timeout (behind a
// relay that stops carrying packets), reconnection with its backoff, the v3 fallback, and the
// deliberate close. Heartbeat and backoff are shortened through the options so that every row
// takes well under a second.
#include "engineio/engineioclient.h"
#include "server/engineioserver.h"
#include "server/serverwebsocket.h"
#include "tcprelay.h"
#include "transportrows.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>

Q_DECLARE_METATYPE(EngineIoVersion)

namespace {

constexpr int Timeout = 5000;
const QString ServerPath = QStringLiteral("/engine.io/");

QUrl serverUrl(quint16 port)
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
}

EngineIoServerOptions fastHeartbeat(int pingIntervalMs, int pingTimeoutMs)
{
    EngineIoServerOptions options;
    options.pingIntervalMs = pingIntervalMs;
    options.pingTimeoutMs = pingTimeoutMs;
    return options;
}

// Every MESSAGE a session receives goes back to it unchanged.
void echoMessages(EngineIoServer *server)
{
    QObject::connect(server, &EngineIoServer::connection, server, [](EngineIoServerSocket *socket) {
        QObject::connect(socket, &EngineIoServerSocket::messageReceived, socket,
                         [socket](const QByteArray &data, bool binary) {
                             socket->sendMessages(
                                 {EngineIoPacket(EngineIoPacket::Message, data, binary)});
                         });
    });
}

// Reconnection is off unless a test turns it on, so that a failure ends the session.
EngineIoOptions clientOptions(const QUrl &url, EngineIoOptions::Version version,
                              EngineIoOptions::Transports transports)
{
    EngineIoOptions options;
    options.url = url;
    options.path = ServerPath;
    options.version = version;
    options.transports = transports;
    options.connectTimeoutMs = Timeout;
    options.reconnect.enabled = false;
    return options;
}

// The transport a session ends up on: Auto starts on polling and upgrades.
TransportKind finalTransport(EngineIoOptions::Transports transports)
{
    return transports == EngineIoOptions::Transports::PollingOnly ? TransportKind::Polling
                                                                  : TransportKind::WebSocket;
}

// The route of a server that speaks Engine.IO v3 only: a request asking for v4 is refused as
// engine.io >= 4 without allowEIO3 refuses v3 (400, code 5), the rest goes to the real server.
class V4RefusingRoute : public HttpRequestHandler
{
public:
    explicit V4RefusingRoute(EngineIoServer *server)
        : m_server(server)
    {
    }

    qint64 maxRequestBodyBytes() const override { return m_server->maxRequestBodyBytes(); }
    bool beginRequest(HttpConnection *connection) override
    {
        return !refused(connection) && m_server->beginRequest(connection);
    }
    void handleRequest(HttpConnection *connection) override
    {
        if (!refused(connection))
            m_server->handleRequest(connection);
    }
    bool acceptWebSocket(HttpConnection *connection) override
    {
        return !refused(connection) && m_server->acceptWebSocket(connection);
    }
    void handleWebSocket(ServerWebSocket *socket, const HttpRequest &request) override
    {
        m_server->handleWebSocket(socket, request);
    }

    int refusals = 0;

private:
    bool refused(HttpConnection *connection)
    {
        const QUrlQuery query(QString::fromLatin1(connection->request().query));
        if (query.queryItemValue(QStringLiteral("EIO")) != QLatin1String("4"))
            return false;
        ++refusals;
        connection->respondJsonError(
            400, int(EngineIoErrorCode::UnsupportedProtocolVersion),
            engineIoErrorMessage(EngineIoErrorCode::UnsupportedProtocolVersion));
        return true;
    }

    EngineIoServer *m_server;
};

} // namespace

class tst_EngineIoClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void opensAndEchoes_data() { addTransportRows(); }
    void opensAndEchoes();
    void heartbeat_data() { addTransportRows(); }
    void heartbeat();
    void pingTimeout_data() { addTransportRows(); }
    void pingTimeout();
    void reconnectBackoffAfterTheServerIsGone_data();
    void reconnectBackoffAfterTheServerIsGone();
    void reconnectsAfterADroppedSession_data() { addTransportRows(); }
    void reconnectsAfterADroppedSession();
    void deliberateCloseNeverReconnects_data() { addTransportRows(); }
    void deliberateCloseNeverReconnects();
    void closeCancelsAScheduledReconnect();
    void v3Fallback_data();
    void v3Fallback();
};

// The session opens with the version asked for; Auto probes and upgrades to WebSocket. Messages
// sent right after the open (during the upgrade, for Auto) come back in order, text and binary.
void tst_EngineIoClient::opensAndEchoes()
{
    QFETCH(EngineIoOptions::Version, version);
    QFETCH(EngineIoOptions::Transports, transports);
    EngineIoServer server;
    echoMessages(&server);
    QVERIFY2(server.listen(), qPrintable(server.errorString()));

    EngineIoClient client;
    client.setOptions(clientOptions(serverUrl(server.serverPort()), version, transports));
    QSignalSpy opened(&client, &EngineIoClient::openReceived);
    QSignalSpy upgradeStarted(&client, &EngineIoClient::upgradeStarted);
    QSignalSpy upgraded(&client, &EngineIoClient::upgraded);
    QSignalSpy upgradeFailed(&client, &EngineIoClient::upgradeFailed);
    QSignalSpy errors(&client, &EngineIoClient::errorOccurred);
    QSignalSpy messages(&client, &EngineIoClient::messageReceived);
    client.open();
    QCOMPARE(client.state(), EngineIoClient::State::Connecting);
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, Timeout);
    QCOMPARE(client.state(), EngineIoClient::State::Open);
    QCOMPARE(client.version(),
             version == EngineIoOptions::Version::V3 ? EngineIoVersion::V3 : EngineIoVersion::V4);
    QVERIFY(!client.handshake().sid.isEmpty());
    QCOMPARE(client.handshake().sid, opened.first().first().value<EngineIoHandshake>().sid);

    const QByteArray binary("\x00\x01\xfe\xff", 4);
    QVERIFY(client.sendMessages({EngineIoPacket(EngineIoPacket::Message, "hello"),
                                 EngineIoPacket(EngineIoPacket::Message, binary, true)}));
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 2, Timeout);
    QCOMPARE(messages.at(0).at(0).toByteArray(), QByteArray("hello"));
    QCOMPARE(messages.at(0).at(1).toBool(), false);
    QCOMPARE(messages.at(1).at(0).toByteArray(), binary);
    QCOMPARE(messages.at(1).at(1).toBool(), true);

    if (transports == EngineIoOptions::Transports::Auto) {
        QTRY_COMPARE_WITH_TIMEOUT(upgraded.size(), 1, Timeout);
        QCOMPARE(upgradeStarted.size(), 1);
        QCOMPARE(upgraded.first().first().value<TransportKind>(), TransportKind::WebSocket);
    } else {
        QCOMPARE(upgradeStarted.size(), 0);
    }
    QCOMPARE(client.transport(), finalTransport(transports));
    QCOMPARE(upgradeFailed.size(), 0);
    QCOMPARE(errors.size(), 0);
    QCOMPARE(server.sessions().size(), 1);
    QCOMPARE(server.sessions().first()->transport(), finalTransport(transports));
    client.close();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Disconnected, Timeout);
}

// v4: the server pings, the client answers each PING with a PONG echoing its data. v3: the client
// pings every pingInterval and the server answers. Either way lastPingTime() follows the
// heartbeat, and the session outlives several times pingInterval + pingTimeout.
void tst_EngineIoClient::heartbeat()
{
    QFETCH(EngineIoOptions::Version, version);
    QFETCH(EngineIoOptions::Transports, transports);
    constexpr int PingIntervalMs = 150;
    constexpr int PingTimeoutMs = 150;
    EngineIoServer server;
    server.setOptions(fastHeartbeat(PingIntervalMs, PingTimeoutMs));
    QVERIFY2(server.listen(), qPrintable(server.errorString()));

    EngineIoClient client;
    client.setOptions(clientOptions(serverUrl(server.serverPort()), version, transports));
    QSignalSpy pings(&client, &EngineIoClient::pingReceived);
    QSignalSpy pongs(&client, &EngineIoClient::pongReceived);
    QSignalSpy errors(&client, &EngineIoClient::errorOccurred);
    QSignalSpy closed(&client, &EngineIoClient::closed);
    QList<EngineIoPacket> sent;
    connect(&client, &EngineIoClient::packetSent, this,
            [&sent](const EngineIoPacket &packet) { sent.append(packet); });
    client.open();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Open, Timeout);
    QCOMPARE(client.handshake().pingInterval, PingIntervalMs);
    QCOMPARE(client.handshake().pingTimeout, PingTimeoutMs);
    const qint64 openedAt = client.lastPingTime();
    QVERIFY(openedAt > 0);

    QSignalSpy &heartbeats = version == EngineIoOptions::Version::V4 ? pings : pongs;
    QTRY_VERIFY_WITH_TIMEOUT(heartbeats.size() >= 1, Timeout);
    const qint64 firstBeat = client.lastPingTime();
    QVERIFY(firstBeat >= openedAt);
    // Four beats span more than pingInterval + pingTimeout: both sides kept the session alive.
    QTRY_VERIFY_WITH_TIMEOUT(heartbeats.size() >= 4, Timeout);
    QVERIFY2(client.lastPingTime() >= firstBeat + PingIntervalMs / 2,
             qPrintable(QStringLiteral("%1 -> %2").arg(firstBeat).arg(client.lastPingTime())));

    const EngineIoPacket::Type answer =
        version == EngineIoOptions::Version::V4 ? EngineIoPacket::Pong : EngineIoPacket::Ping;
    const auto answers = std::count_if(
        sent.cbegin(), sent.cend(), [answer](const auto &packet) { return packet.type == answer; });
    QVERIFY2(answers >= 3, qPrintable(QString::number(answers)));
    if (version == EngineIoOptions::Version::V4)
        QCOMPARE(pongs.size(), 0); // a v4 server never pongs
    else
        QCOMPARE(pings.size(), 0); // nor does a v3 server ping
    QCOMPARE(client.state(), EngineIoClient::State::Open);
    QCOMPARE(errors.size(), 0);
    QCOMPARE(closed.size(), 0);
    client.close();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Disconnected, Timeout);
}

// Behind a relay that stops carrying packets, no heartbeat arrives: the session ends with a
// timeout error within pingInterval + pingTimeout, and not deliberately.
void tst_EngineIoClient::pingTimeout()
{
    QFETCH(EngineIoOptions::Version, version);
    QFETCH(EngineIoOptions::Transports, transports);
    constexpr int PingIntervalMs = 150;
    constexpr int PingTimeoutMs = 150;
    EngineIoServer server;
    server.setOptions(fastHeartbeat(PingIntervalMs, PingTimeoutMs));
    QVERIFY2(server.listen(), qPrintable(server.errorString()));
    TcpRelay relay;
    QVERIFY(relay.listen(server.serverPort()));

    EngineIoClient client;
    client.setOptions(clientOptions(relay.url(), version, transports));
    QSignalSpy upgraded(&client, &EngineIoClient::upgraded);
    QSignalSpy errors(&client, &EngineIoClient::errorOccurred);
    QSignalSpy closed(&client, &EngineIoClient::closed);
    client.open();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Open, Timeout);
    if (transports == EngineIoOptions::Transports::Auto)
        QTRY_COMPARE_WITH_TIMEOUT(upgraded.size(), 1, Timeout);
    QCOMPARE(errors.size(), 0);

    relay.freeze();
    QElapsedTimer sinceFreeze;
    sinceFreeze.start();
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
    const qint64 elapsed = sinceFreeze.elapsed();
    const auto error = errors.first().first().value<EngineIoError>();
    QCOMPARE(error.kind, EngineIoError::Kind::Timeout);
    QVERIFY2(error.message.contains(QLatin1String("ping timeout")), qPrintable(error.message));
    QVERIFY2(elapsed <= PingIntervalMs + PingTimeoutMs + 1000,
             qPrintable(QString::number(elapsed)));
    QCOMPARE(closed.size(), 1);
    QCOMPARE(closed.first().at(1).toBool(), false); // deliberate
    QCOMPARE(closed.first().at(2).toBool(), false); // willReconnect: reconnection is off
    QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
}

void tst_EngineIoClient::reconnectBackoffAfterTheServerIsGone_data()
{
    QTest::addColumn<EngineIoOptions::Transports>("transports");
    QTest::newRow("polling") << EngineIoOptions::Transports::PollingOnly;
    QTest::newRow("websocket") << EngineIoOptions::Transports::WebSocketOnly;
}

// The server closes and stops listening: the client schedules attempts 1..maxAttempts, each
// delay within the policy's bounds (delayMs * 2^(n-1) spread by +-randomization, capped at
// delayMaxMs), then gives up after maxAttempts.
void tst_EngineIoClient::reconnectBackoffAfterTheServerIsGone()
{
    QFETCH(EngineIoOptions::Transports, transports);
    EngineIoServer server;
    QVERIFY2(server.listen(), qPrintable(server.errorString()));

    EngineIoClient client;
    EngineIoOptions options =
        clientOptions(serverUrl(server.serverPort()), EngineIoOptions::Version::V4, transports);
    options.reconnect.enabled = true;
    options.reconnect.maxAttempts = 3;
    options.reconnect.delayMs = 100;
    options.reconnect.delayMaxMs = 300;
    options.reconnect.randomization = 0.5;
    client.setOptions(options);
    QSignalSpy closed(&client, &EngineIoClient::closed);
    QSignalSpy scheduled(&client, &EngineIoClient::reconnectScheduled);
    QSignalSpy gaveUp(&client, &EngineIoClient::reconnectGaveUp);
    QList<EngineIoClient::State> states;
    connect(&client, &EngineIoClient::stateChanged, this,
            [&states](EngineIoClient::State state) { states.append(state); });
    client.open();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Open, Timeout);

    // The port stays taken, by a listener that drops every connection: once freed, a test running
    // beside this one could listen on it, and the client would reconnect to that server and
    // start counting its attempts again.
    const quint16 port = server.serverPort();
    server.close();
    QTcpServer refuser;
    QVERIFY2(refuser.listen(QHostAddress::LocalHost, port), qPrintable(refuser.errorString()));
    connect(&refuser, &QTcpServer::newConnection, this, [&refuser] {
        while (QTcpSocket *socket = refuser.nextPendingConnection()) {
            socket->abort();
            socket->deleteLater();
        }
    });
    QTRY_COMPARE_WITH_TIMEOUT(gaveUp.size(), 1, Timeout);
    QCOMPARE(gaveUp.first().first().toInt(), options.reconnect.maxAttempts);
    QCOMPARE(scheduled.size(), options.reconnect.maxAttempts);
    const ReconnectPolicy &policy = options.reconnect;
    for (int i = 0; i < scheduled.size(); ++i) {
        const int attempt = scheduled.at(i).at(0).toInt();
        const int delay = scheduled.at(i).at(1).toInt();
        QCOMPARE(attempt, i + 1);
        const double base = policy.delayMs * double(1 << (attempt - 1));
        const int low = int(std::min(base * (1 - policy.randomization), double(policy.delayMaxMs)));
        const int high =
            int(std::min(base * (1 + policy.randomization), double(policy.delayMaxMs)));
        QVERIFY2(delay >= low && delay <= high,
                 qPrintable(QStringLiteral("attempt %1: %2 ms, not in [%3, %4]")
                                .arg(attempt)
                                .arg(delay)
                                .arg(low)
                                .arg(high)));
    }
    // The first close and each failed attempt: all but the last say a reconnect follows.
    QCOMPARE(closed.size(), options.reconnect.maxAttempts + 1);
    for (int i = 0; i < closed.size(); ++i) {
        QCOMPARE(closed.at(i).at(1).toBool(), false);
        QCOMPARE(closed.at(i).at(2).toBool(), i < closed.size() - 1);
    }
    QVERIFY(states.contains(EngineIoClient::State::WaitingToReconnect));
    QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
    QCOMPARE(client.reconnectAttempt(), 0);
}

// The server cuts the session's connections without a CLOSE (as a crash would): the client
// reconnects on its first attempt into a new session, and the attempt count is back to 0.
void tst_EngineIoClient::reconnectsAfterADroppedSession()
{
    QFETCH(EngineIoOptions::Version, version);
    QFETCH(EngineIoOptions::Transports, transports);
    EngineIoServer server;
    QVERIFY2(server.listen(), qPrintable(server.errorString()));

    EngineIoClient client;
    EngineIoOptions options = clientOptions(serverUrl(server.serverPort()), version, transports);
    options.reconnect.enabled = true;
    options.reconnect.delayMs = 50;
    options.reconnect.delayMaxMs = 50;
    client.setOptions(options);
    QSignalSpy opened(&client, &EngineIoClient::openReceived);
    QSignalSpy upgraded(&client, &EngineIoClient::upgraded);
    QSignalSpy closed(&client, &EngineIoClient::closed);
    QSignalSpy scheduled(&client, &EngineIoClient::reconnectScheduled);
    client.open();
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, Timeout);
    if (transports == EngineIoOptions::Transports::Auto)
        QTRY_COMPARE_WITH_TIMEOUT(upgraded.size(), 1, Timeout);
    const QString firstSid = client.handshake().sid;
    QCOMPARE(server.sessions().size(), 1);

    server.sessions().first()->drop(QStringLiteral("test drop"));
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 2, Timeout);
    QCOMPARE(scheduled.size(), 1);
    QCOMPARE(scheduled.first().at(0).toInt(), 1);
    QCOMPARE(closed.size(), 1);
    QCOMPARE(closed.first().at(1).toBool(), false);
    QCOMPARE(closed.first().at(2).toBool(), true);
    QCOMPARE(client.state(), EngineIoClient::State::Open);
    QVERIFY(client.handshake().sid != firstSid);
    QCOMPARE(client.reconnectAttempt(), 0);
    client.close();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Disconnected, Timeout);
}

// close() sends CLOSE (the server sees the client leave) and ends the session as deliberate;
// with reconnection on, nothing is scheduled afterwards.
void tst_EngineIoClient::deliberateCloseNeverReconnects()
{
    QFETCH(EngineIoOptions::Version, version);
    QFETCH(EngineIoOptions::Transports, transports);
    EngineIoServer server;
    QVERIFY2(server.listen(), qPrintable(server.errorString()));
    QStringList serverReasons;
    connect(&server, &EngineIoServer::connection, this, [&](EngineIoServerSocket *socket) {
        connect(socket, &EngineIoServerSocket::closed, this,
                [&serverReasons](const QString &reason) { serverReasons.append(reason); });
    });

    EngineIoClient client;
    EngineIoOptions options = clientOptions(serverUrl(server.serverPort()), version, transports);
    options.reconnect.enabled = true;
    options.reconnect.delayMs = 20;
    options.reconnect.delayMaxMs = 20;
    client.setOptions(options);
    QSignalSpy upgraded(&client, &EngineIoClient::upgraded);
    QSignalSpy connecting(&client, &EngineIoClient::connecting);
    QSignalSpy closed(&client, &EngineIoClient::closed);
    QSignalSpy errors(&client, &EngineIoClient::errorOccurred);
    QSignalSpy scheduled(&client, &EngineIoClient::reconnectScheduled);
    client.open();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Open, Timeout);
    if (transports == EngineIoOptions::Transports::Auto)
        QTRY_COMPARE_WITH_TIMEOUT(upgraded.size(), 1, Timeout);

    client.close();
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Timeout);
    QCOMPARE(closed.first().at(1).toBool(), true);  // deliberate
    QCOMPARE(closed.first().at(2).toBool(), false); // willReconnect
    QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
    QTRY_COMPARE_WITH_TIMEOUT(serverReasons, QStringList{QStringLiteral("transport close")},
                              Timeout);
    QTest::qWait(10 * options.reconnect.delayMs); // a reconnect would have started by now
    QCOMPARE(scheduled.size(), 0);
    QCOMPARE(connecting.size(), 1);
    QCOMPARE(errors.size(), 0);
    QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
}

// close() while waiting to reconnect stops the reconnect: no new session is attempted.
void tst_EngineIoClient::closeCancelsAScheduledReconnect()
{
    EngineIoServer server;
    QVERIFY2(server.listen(), qPrintable(server.errorString()));
    EngineIoClient client;
    EngineIoOptions options =
        clientOptions(serverUrl(server.serverPort()), EngineIoOptions::Version::V4,
                      EngineIoOptions::Transports::WebSocketOnly);
    options.reconnect.enabled = true;
    options.reconnect.delayMs = 300;
    options.reconnect.delayMaxMs = 300;
    options.reconnect.randomization = 0;
    client.setOptions(options);
    QSignalSpy connecting(&client, &EngineIoClient::connecting);
    QSignalSpy scheduled(&client, &EngineIoClient::reconnectScheduled);
    QSignalSpy closed(&client, &EngineIoClient::closed);
    client.open();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Open, Timeout);

    server.sessions().first()->drop(QStringLiteral("test drop"));
    QTRY_COMPARE_WITH_TIMEOUT(scheduled.size(), 1, Timeout);
    QCOMPARE(scheduled.first().at(1).toInt(), 300);
    QCOMPARE(client.state(), EngineIoClient::State::WaitingToReconnect);
    client.close();
    QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
    QCOMPARE(closed.size(), 2);
    QCOMPARE(closed.last().at(1).toBool(), true);
    QCOMPARE(closed.last().at(2).toBool(), false);
    QTest::qWait(600); // twice the delay
    QCOMPARE(connecting.size(), 1);
    QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
}

void tst_EngineIoClient::v3Fallback_data()
{
    QTest::addColumn<EngineIoOptions::Version>("version");
    QTest::addColumn<EngineIoOptions::Transports>("transports");
    QTest::addColumn<bool>("fallsBack");
    using V = EngineIoOptions::Version;
    using T = EngineIoOptions::Transports;
    QTest::newRow("auto version, polling: falls back to v3") << V::Auto << T::PollingOnly << true;
    QTest::newRow("auto version, polling then websocket: falls back to v3")
        << V::Auto << T::Auto << true;
    QTest::newRow("auto version, websocket: falls back to v3")
        << V::Auto << T::WebSocketOnly << true;
    QTest::newRow("v4 asked for, polling: refused, no fallback")
        << V::V4 << T::PollingOnly << false;
    QTest::newRow("v4 asked for, websocket: refused, no fallback")
        << V::V4 << T::WebSocketOnly << false;
}

// A server that refuses v4 with 400 {"code":5,"message":"Unsupported protocol version"}: with
// the version on Auto the client warns and opens the session again in v3; with v4 asked for the
// refusal ends the session, its code and status kept in the error.
void tst_EngineIoClient::v3Fallback()
{
    QFETCH(EngineIoOptions::Version, version);
    QFETCH(EngineIoOptions::Transports, transports);
    QFETCH(bool, fallsBack);
    HttpListener listener;
    EngineIoServer server;
    echoMessages(&server);
    server.attach(&listener);
    listener.removeRoute(&server);
    V4RefusingRoute route(&server);
    listener.addRoute(ServerPath, &route);
    QVERIFY2(listener.listen(), qPrintable(listener.errorString()));

    EngineIoClient client;
    client.setOptions(clientOptions(serverUrl(listener.serverPort()), version, transports));
    QList<EngineIoVersion> attempts;
    connect(&client, &EngineIoClient::connecting, this,
            [&attempts](const QUrl &, TransportKind, EngineIoVersion version) {
                attempts.append(version);
            });
    QSignalSpy warnings(&client, &EngineIoClient::warningRaised);
    QSignalSpy errors(&client, &EngineIoClient::errorOccurred);
    QSignalSpy closed(&client, &EngineIoClient::closed);
    QSignalSpy messages(&client, &EngineIoClient::messageReceived);
    client.open();

    if (fallsBack) {
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Open, Timeout);
        QCOMPARE(attempts, (QList<EngineIoVersion>{EngineIoVersion::V4, EngineIoVersion::V3}));
        QCOMPARE(client.version(), EngineIoVersion::V3);
        QCOMPARE(route.refusals, 1);
        QCOMPARE(warnings.size(), 1);
        const QString warning = warnings.first().first().toString();
        QVERIFY2(warning.contains(QLatin1String("does not speak Engine.IO v4")),
                 qPrintable(warning));
        QCOMPARE(errors.size(), 0);
        QCOMPARE(closed.size(), 0);
        QVERIFY(client.sendMessages({EngineIoPacket(EngineIoPacket::Message, "over v3")}));
        QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 1, Timeout);
        QCOMPARE(messages.first().first().toByteArray(), QByteArray("over v3"));
        QCOMPARE(server.sessions().first()->version(), EngineIoVersion::V3);
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Disconnected, Timeout);
    } else {
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        const auto error = errors.first().first().value<EngineIoError>();
        QCOMPARE(error.httpStatus, 400);
        QCOMPARE(error.serverCode, EngineIoErrorCode::UnsupportedProtocolVersion);
        QCOMPARE(attempts, QList<EngineIoVersion>{EngineIoVersion::V4});
        QCOMPARE(warnings.size(), 0);
        QCOMPARE(closed.size(), 1);
        QCOMPARE(closed.first().at(2).toBool(), false);
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
        QCOMPARE(server.sessions().size(), 0);
    }
}

QTEST_GUILESS_MAIN(tst_EngineIoClient)
#include "tst_engineioclient.moc"
