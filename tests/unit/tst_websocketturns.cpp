// A backlog of WebSocket messages is handled at most EngineIoOptions::maxMessagesPerTurn per turn
// of the event loop, so that timers (heartbeat, ack timeouts) and a GUI's repaints run in between
// however much a flood has buffered; and nothing is lost or reordered by it. The server is an
// in-process fake (tests/common/fakewebsocketserver.h) that writes the upgrade answer, OPEN and a
// burst of messages in one go, so the client finds them all in one read.
#include "engineio/engineioclient.h"
#include "fakewebsocketserver.h"

#include <QSignalSpy>
#include <QTest>
#include <QTimer>

class tst_WebSocketTurns : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void backlogSpreadsOverTurns_data()
    {
        QTest::addColumn<int>("budget");
        QTest::addColumn<int>("messages");
        QTest::newRow("10 per turn, 100 buffered") << 10 << 100;
        QTest::newRow("1 per turn, 20 buffered") << 1 << 20;
        QTest::newRow("budget larger than the backlog") << 1000 << 50;
    }
    void backlogSpreadsOverTurns()
    {
        QFETCH(int, budget);
        QFETCH(int, messages);
        FakeWebSocketServer server;
        QVERIFY(server.listen());
        QByteArray burst;
        for (int i = 0; i < messages; ++i)
            burst += FakeWebSocketServer::textFrame("4m" + QByteArray::number(i));
        server.answerUpgradeWith(burst);

        EngineIoClient client;
        EngineIoOptions options = server.clientOptions();
        options.maxMessagesPerTurn = budget;
        client.setOptions(options);

        // A zero timer counts the turns of the event loop; each message notes the turn it came in.
        int turn = 0;
        QTimer turns;
        turns.setInterval(0);
        connect(&turns, &QTimer::timeout, this, [&turn] { ++turn; });
        QList<int> turnOfMessage;
        QByteArrayList received;
        connect(&client, &EngineIoClient::messageReceived, this, [&](const QByteArray &data, bool) {
            received.append(data);
            turnOfMessage.append(turn);
        });
        QSignalSpy opened(&client, &EngineIoClient::openReceived);
        turns.start();
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), messages, 10000);
        QCOMPARE(opened.size(), 1);

        // Every message, in order.
        for (int i = 0; i < messages; ++i)
            QCOMPARE(received.at(i), "m" + QByteArray::number(i));
        // No turn handled more than the budget (OPEN counts as one of the first turn's frames).
        QMap<int, int> perTurn;
        for (const int t : std::as_const(turnOfMessage))
            ++perTurn[t];
        for (auto it = perTurn.cbegin(); it != perTurn.cend(); ++it)
            QVERIFY2(
                it.value() <= budget,
                qPrintable(QStringLiteral("turn %1 handled %2").arg(it.key()).arg(it.value())));
        // The burst came in one read, so a budget smaller than it did spread it over turns.
        if (budget < messages)
            QVERIFY2(perTurn.size() >= messages / budget,
                     qPrintable(QStringLiteral("%1 turns").arg(perTurn.size())));
        client.close();
    }
};

QTEST_GUILESS_MAIN(tst_WebSocketTurns)
#include "tst_websocketturns.moc"
