// The Engine.IO client against the real reference servers: socket.io 4.8 (Engine.IO v4) and
// socket.io 2.5 (Engine.IO v3), over each transport choice.
#include "engineio/engineioclient.h"
#include "referenceserver.h"

#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using Flavor = ReferenceServer::Flavor;
using Transports = EngineIoOptions::Transports;
Q_DECLARE_METATYPE(Flavor)
Q_DECLARE_METATYPE(Transports)
Q_DECLARE_METATYPE(TransportKind)
Q_DECLARE_METATYPE(EngineIoVersion)

class tst_EngineIoPeer : public QObject
{
    Q_OBJECT

private:
    static EngineIoOptions optionsFor(const ReferenceServer &server, Transports transports)
    {
        EngineIoOptions options;
        options.url = server.url();
        options.transports = transports;
        options.connectTimeoutMs = 5000;
        options.reconnect.delayMs = 100;
        options.reconnect.delayMaxMs = 400;
        return options;
    }
    static void addMatrix()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<Transports>("transports");
        QTest::addColumn<TransportKind>("finalTransport");
        QTest::addColumn<EngineIoVersion>("expectedVersion");
        const struct
        {
            const char *name;
            Flavor flavor;
            EngineIoVersion version;
        } servers[] = {{"socket.io 4 (EIO v4)", Flavor::SocketIo4, EngineIoVersion::V4},
                       {"socket.io 2 (EIO v3)", Flavor::SocketIo2, EngineIoVersion::V3}};
        for (const auto &server : servers) {
            QTest::addRow("%s, auto (polling then upgrade)", server.name)
                << server.flavor << Transports::Auto << TransportKind::WebSocket << server.version;
            QTest::addRow("%s, websocket only", server.name)
                << server.flavor << Transports::WebSocketOnly << TransportKind::WebSocket
                << server.version;
            QTest::addRow("%s, polling only", server.name)
                << server.flavor << Transports::PollingOnly << TransportKind::Polling
                << server.version;
        }
    }
    static void startServer(ReferenceServer &server, Flavor flavor,
                            ReferenceServer::Options options = {})
    {
        options.flavor = flavor;
        QString error;
        QVERIFY2(server.start(options, &error), qPrintable(error));
    }

private Q_SLOTS:
    void openHeartbeatAndClose_data() { addMatrix(); }
    void openHeartbeatAndClose()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        QFETCH(TransportKind, finalTransport);
        QFETCH(EngineIoVersion, expectedVersion);
        ReferenceServer server;
        startServer(server, flavor);
        if (QTest::currentTestFailed())
            return;
        EngineIoClient client;
        EngineIoOptions options = optionsFor(server, transports);
        // Explicit v3 for socket.io 2 over WebSocket only: auto cannot tell v3 from v4 there.
        if (flavor == Flavor::SocketIo2 && transports == Transports::WebSocketOnly)
            options.version = EngineIoOptions::Version::V3;
        client.setOptions(options);
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        QSignalSpy pingSpy(&client, &EngineIoClient::pingReceived);
        QSignalSpy pongSpy(&client, &EngineIoClient::pongReceived);
        QSignalSpy upgradedSpy(&client, &EngineIoClient::upgraded);
        QSignalSpy sentSpy(&client, &EngineIoClient::packetSent);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        QSignalSpy closedSpy(&client, &EngineIoClient::closed);
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(openSpy.count(), 1, 5000);
        QCOMPARE(client.version(), expectedVersion);
        const auto handshake = openSpy.first().first().value<EngineIoHandshake>();
        QVERIFY(!handshake.sid.isEmpty());
        QCOMPARE(handshake.pingInterval, 300);
        QCOMPARE(handshake.pingTimeout, 200);
        QTRY_COMPARE_WITH_TIMEOUT(client.transport(), finalTransport, 3000);
        if (transports == Transports::Auto)
            QCOMPARE(upgradedSpy.count(), 1);
        // Heartbeat: several intervals pass and the session stays open.
        QTest::qWait(1500);
        QCOMPARE(client.state(), EngineIoClient::State::Open);
        QVERIFY2(errorSpy.isEmpty(),
                 errorSpy.isEmpty()
                     ? ""
                     : qPrintable(errorSpy.first().first().value<EngineIoError>().message));
        if (expectedVersion == EngineIoVersion::V4)
            QVERIFY2(pingSpy.count() >= 3, qPrintable(QString::number(pingSpy.count())));
        else
            QVERIFY2(pongSpy.count() >= 3, qPrintable(QString::number(pongSpy.count())));

        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Disconnected, 3000);
        QCOMPARE(closedSpy.count(), 1);
        QCOMPARE(closedSpy.first().at(1).toBool(), true);  // deliberate
        QCOMPARE(closedSpy.first().at(2).toBool(), false); // no reconnect
        const auto lastSent = sentSpy.last().first().value<EngineIoPacket>();
        QCOMPARE(lastSent.type, EngineIoPacket::Close);
    }

    void closeWhilePongPostInFlight()
    {
        // Regression: closing while the PONG's POST was in flight cut the pending GET first;
        // engine.io then ended the session and the CLOSE packet was never sent.
        ReferenceServer server;
        startServer(server, Flavor::SocketIo4);
        if (QTest::currentTestFailed())
            return;
        EngineIoClient client;
        client.setOptions(optionsFor(server, Transports::PollingOnly));
        QSignalSpy sentSpy(&client, &EngineIoClient::packetSent);
        QSignalSpy closedSpy(&client, &EngineIoClient::closed);
        connect(&client, &EngineIoClient::pingReceived, &client,
                [&client] { QTimer::singleShot(0, &client, [&client] { client.close(); }); });
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(closedSpy.count(), 1, 5000);
        QCOMPARE(closedSpy.first().at(1).toBool(), true);
        QCOMPARE(sentSpy.last().first().value<EngineIoPacket>().type, EngineIoPacket::Close);
        QCOMPARE(sentSpy.at(sentSpy.count() - 2).first().value<EngineIoPacket>().type,
                 EngineIoPacket::Pong);
    }

    void messagesRoundTrip_data() { addMatrix(); }
    void messagesRoundTrip()
    {
        // Socket.IO packets as raw Engine.IO messages: CONNECT "/", then an echo event whose
        // answer proves both directions. Many small messages also exercise POST batching.
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        startServer(server, flavor);
        if (QTest::currentTestFailed())
            return;
        EngineIoClient client;
        EngineIoOptions options = optionsFor(server, transports);
        if (flavor == Flavor::SocketIo2)
            options.version = EngineIoOptions::Version::V3;
        client.setOptions(options);
        QSignalSpy messageSpy(&client, &EngineIoClient::messageReceived);
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(openSpy.count(), 1, 5000);
        if (flavor == Flavor::SocketIo4)
            QVERIFY(client.sendMessages({EngineIoPacket(EngineIoPacket::Message, "0")}));
        QTRY_VERIFY_WITH_TIMEOUT(!messageSpy.isEmpty(), 3000);
        QVERIFY(messageSpy.first().first().toByteArray().startsWith("0"));
        const int count = 200;
        QList<EngineIoPacket> events;
        for (int i = 0; i < count; ++i)
            events.append(EngineIoPacket(EngineIoPacket::Message,
                                         QByteArray("2[\"echo\",") + QByteArray::number(i) + "]"));
        QVERIFY(client.sendMessages(events));
        auto echoes = [&] {
            QList<QByteArray> found;
            for (const auto &arguments : messageSpy)
                if (arguments.first().toByteArray().startsWith("2[\"echo\""))
                    found.append(arguments.first().toByteArray());
            return found;
        };
        QTRY_COMPARE_WITH_TIMEOUT(echoes().size(), count, 10000);
        const auto received = echoes();
        for (int i = 0; i < count; ++i) // order kept
            QCOMPARE(received.at(i), QByteArray("2[\"echo\",") + QByteArray::number(i) + "]");
    }

    void autoVersionFallsBackToV3()
    {
        ReferenceServer server;
        startServer(server, Flavor::SocketIo2);
        if (QTest::currentTestFailed())
            return;
        EngineIoClient client;
        client.setOptions(optionsFor(server, Transports::Auto));
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        QSignalSpy warningSpy(&client, &EngineIoClient::warningRaised);
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(openSpy.count(), 1, 5000);
        QCOMPARE(client.version(), EngineIoVersion::V3);
        QCOMPARE(warningSpy.count(), 1);
        QVERIFY(warningSpy.first().first().toString().contains(QLatin1String("retrying with v3")));
    }

    void v4ServerRefusesV3WithCode5()
    {
        ReferenceServer server;
        startServer(server, Flavor::SocketIo4);
        if (QTest::currentTestFailed())
            return;
        EngineIoClient client;
        EngineIoOptions options = optionsFor(server, Transports::PollingOnly);
        options.version = EngineIoOptions::Version::V3;
        options.reconnect.enabled = false;
        client.setOptions(options);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(errorSpy.count(), 1, 5000);
        const auto error = errorSpy.first().first().value<EngineIoError>();
        QCOMPARE(error.kind, EngineIoError::Kind::Handshake);
        QVERIFY2(error.message.contains(QLatin1String("HTTP 400")), qPrintable(error.message));
        QVERIFY2(error.message.contains(QLatin1String("engine.io error 5")),
                 qPrintable(error.message));
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
    }

    void reconnectsAfterServerKilled_data() { addMatrix(); }
    void reconnectsAfterServerKilled()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        startServer(server, flavor);
        if (QTest::currentTestFailed())
            return;
        const int port = server.port();
        EngineIoClient client;
        EngineIoOptions options = optionsFor(server, transports);
        if (flavor == Flavor::SocketIo2)
            options.version = EngineIoOptions::Version::V3;
        client.setOptions(options);
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        QSignalSpy closedSpy(&client, &EngineIoClient::closed);
        QSignalSpy scheduledSpy(&client, &EngineIoClient::reconnectScheduled);
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(openSpy.count(), 1, 5000);
        const QString firstSid = client.handshake().sid;

        server.kill();
        QTRY_COMPARE_WITH_TIMEOUT(closedSpy.count(), 1, 3000);
        QCOMPARE(closedSpy.first().at(1).toBool(), false);         // not deliberate
        QCOMPARE(closedSpy.first().at(2).toBool(), true);          // will reconnect
        QTRY_VERIFY_WITH_TIMEOUT(scheduledSpy.count() >= 2, 3000); // attempts fail while down
        const int delay1 = scheduledSpy.at(0).at(1).toInt();
        QVERIFY2(delay1 >= 50 && delay1 <= 150, qPrintable(QString::number(delay1)));

        ReferenceServer::Options restart;
        restart.port = port;
        startServer(server, flavor, restart);
        if (QTest::currentTestFailed())
            return;
        QTRY_COMPARE_WITH_TIMEOUT(openSpy.count(), 2, 5000);
        QVERIFY(client.handshake().sid != firstSid);
        QCOMPARE(client.reconnectAttempt(), 0);
        client.close();
    }

    void stalledServerIsDetected()
    {
        // SIGSTOP: the server neither reads nor writes, like a dead network path.
        ReferenceServer server;
        startServer(server, Flavor::SocketIo4);
        if (QTest::currentTestFailed())
            return;
        EngineIoClient client;
        EngineIoOptions options = optionsFor(server, Transports::WebSocketOnly);
        options.reconnect.enabled = false;
        client.setOptions(options);
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(openSpy.count(), 1, 5000);
        QElapsedTimer sinceStall;
        server.pause();
        sinceStall.start();
        QTRY_COMPARE_WITH_TIMEOUT(errorSpy.count(), 1, 3000);
        server.resume();
        // Detected within pingInterval + pingTimeout (500 ms) after the last ping.
        QVERIFY2(sinceStall.elapsed() <= 500 + 200,
                 qPrintable(QString::number(sinceStall.elapsed())));
        const auto error = errorSpy.first().first().value<EngineIoError>();
        QCOMPARE(error.kind, EngineIoError::Kind::Timeout);
        QVERIFY2(error.message.contains(QLatin1String("ping timeout")), qPrintable(error.message));
    }

    void connectionRefusedIsReported()
    {
        ReferenceServer server;
        startServer(server, Flavor::SocketIo4);
        if (QTest::currentTestFailed())
            return;
        EngineIoOptions options = optionsFor(server, Transports::Auto);
        server.kill(); // nothing listens on the port any more
        options.reconnect.enabled = false;
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        QSignalSpy closedSpy(&client, &EngineIoClient::closed);
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(errorSpy.count(), 1, 5000);
        const auto error = errorSpy.first().first().value<EngineIoError>();
        QCOMPARE(error.kind, EngineIoError::Kind::Transport);
        QVERIFY2(error.message.contains(QLatin1String("refused"), Qt::CaseInsensitive),
                 qPrintable(error.message));
        QCOMPARE(closedSpy.count(), 1);
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
    }
};

QTEST_MAIN(tst_EngineIoPeer)
#include "tst_engineio_peer.moc"
