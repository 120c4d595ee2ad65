// How the WebSocket client meets bursts (docs/architecture.md, "WebSocket client"), Linux socket
// options included. The server is an in-process fake (tests/common/fakewebsocketserver.h).
// - Reading: after a read that brought a backlog of frames, the client raises its socket's
//   low-water mark (SO_RCVLOWAT) to a quarter of the receive buffer, at most 128 KiB, so that a
//   flood is read in large pieces; shortly after the last read the mark drops back to one byte,
//   and a lone message is read at once.
// - Writing: a burst of sends made without returning to the event loop goes to the socket while
//   it is being made, not when it ends, so that the server can start on it. When such a write
//   finds the connection gone, the burst still finishes first, and the loss follows on the next
//   turn of the event loop, as it would had the write waited for it.
#include "engineio/engineioclient.h"
#include "fakewebsocketserver.h"
#include "socketio/packetrecord.h"
#include "socketio/socketioclient.h"
#include "socketio/socketionamespace.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

namespace {
int socketOption(int descriptor, int option)
{
    int value = -1;
    socklen_t size = sizeof value;
    if (::getsockopt(descriptor, SOL_SOCKET, option, &value, &size) != 0)
        return -1;
    return value;
}

// The client's end of a loopback connection, found by its local port (the transport's socket is
// private to it).
int descriptorWithLocalPort(quint16 port)
{
    for (int descriptor = 3; descriptor < 1024; ++descriptor) {
        sockaddr_in address{};
        socklen_t size = sizeof address;
        if (::getsockname(descriptor, reinterpret_cast<sockaddr *>(&address), &size) == 0 &&
            address.sin_family == AF_INET && ntohs(address.sin_port) == port)
            return descriptor;
    }
    return -1;
}

} // namespace

class tst_WebSocketBursts : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void lowWaterMarkFollowsTheReceiveBuffer_data()
    {
        QTest::addColumn<int>("lockedReceiveBuffer"); // SO_RCVBUF set by the test; 0: the default
        QTest::addColumn<bool>("expectCoalescing");
        // A new connection's buffer is tcp_rmem's default (128 KiB on Debian), less than the
        // four times 128 KiB that a fixed 128 KiB mark needed: coalescing must still start.
        QTest::newRow("default receive buffer") << 0 << true;
        QTest::newRow("256 KiB buffer (the kernel doubles it)") << 128 * 1024 << true;
        QTest::newRow("32 KiB buffer: too small to coalesce") << 16 * 1024 << false;
    }
    void lowWaterMarkFollowsTheReceiveBuffer()
    {
        QFETCH(int, lockedReceiveBuffer);
        QFETCH(bool, expectCoalescing);
        constexpr int Burst = 50;

        FakeWebSocketServer server;
        QVERIFY(server.listen());
        EngineIoClient client;
        client.setOptions(server.clientOptions());

        QByteArrayList received;
        int clientSide = -1; // the client's socket, found once it has connected
        int markAfterBurst = -1;
        int receiveBufferAfterBurst = -1;
        connect(&client, &EngineIoClient::messageReceived, this, [&](const QByteArray &data, bool) {
            received.append(data);
            if (received.size() == Burst) // the transport sets the mark after its read: look then
                QMetaObject::invokeMethod(
                    this,
                    [&] {
                        markAfterBurst = socketOption(clientSide, SO_RCVLOWAT);
                        receiveBufferAfterBurst = socketOption(clientSide, SO_RCVBUF);
                    },
                    Qt::QueuedConnection);
        });
        client.open();
        // The client's buffer is set before the server answers the upgrade.
        QTRY_VERIFY(server.upgradeRequested());
        clientSide = descriptorWithLocalPort(server.connection()->peerPort());
        QVERIFY(clientSide >= 0);
        if (lockedReceiveBuffer)
            QCOMPARE(::setsockopt(clientSide, SOL_SOCKET, SO_RCVBUF, &lockedReceiveBuffer,
                                  sizeof lockedReceiveBuffer),
                     0);
        QByteArray burst;
        for (int i = 0; i < Burst; ++i)
            burst += FakeWebSocketServer::textFrame("4m" + QByteArray::number(i));
        server.answerUpgradeWith(burst);
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), Burst, 10000);
        QTRY_VERIFY(markAfterBurst != -1);
        for (int i = 0; i < Burst; ++i)
            QCOMPARE(received.at(i), "m" + QByteArray::number(i));

        if (expectCoalescing) {
            QCOMPARE(markAfterBurst, qMin(128 * 1024, receiveBufferAfterBurst / 4));
        } else {
            QCOMPARE(markAfterBurst, 1);
            QVERIFY2(receiveBufferAfterBurst / 4 < 16 * 1024,
                     qPrintable(QString::number(receiveBufferAfterBurst)));
        }

        // The mark drops back to one byte once the burst is over...
        QTRY_COMPARE_WITH_TIMEOUT(socketOption(clientSide, SO_RCVLOWAT), 1, 1000);
        // ...so a lone message is read at once, not when a timer or 128 KiB come.
        server.connection()->write(FakeWebSocketServer::textFrame("4lone"));
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), Burst + 1, 5000);
        QCOMPARE(received.last(), QByteArray("lone"));
        QCOMPARE(socketOption(clientSide, SO_RCVLOWAT), 1);
        client.close();
    }

    void burstOfSendsLeavesWhileItIsMade_data()
    {
        QTest::addColumn<int>("messages");
        QTest::addColumn<int>("messageBytes");
        QTest::newRow("4000 small messages (an emit loop)") << 4000 << 20;
        QTest::newRow("20 messages of 10 KB") << 20 << 10000;
        QTest::newRow("one 200 KB message") << 1 << 200000;
    }
    void burstOfSendsLeavesWhileItIsMade()
    {
        QFETCH(int, messages);
        QFETCH(int, messageBytes);
        FakeWebSocketServer server;
        QVERIFY(server.listen());
        server.answerUpgradeWith({});
        EngineIoClient client;
        client.setOptions(server.clientOptions());
        QSignalSpy opened(&client, &EngineIoClient::openReceived);
        client.open();
        QTRY_COMPARE(opened.size(), 1);
        QTcpSocket *serverSide = server.connection();
        serverSide->readAll();

        // What the client writes: per message a 2- to 10-byte header, a 4-byte mask, "4" + data.
        qint64 wireBytes = 0;
        for (int i = 0; i < messages; ++i) {
            const QByteArray data(messageBytes, char('a' + i % 26));
            QVERIFY(client.sendMessages({EngineIoPacket(EngineIoPacket::Message, data)}));
            const qint64 payload = 1 + messageBytes;
            wireBytes += (payload < 126 ? 2 : payload < 65536 ? 4 : 10) + 4 + payload;
        }
        // Still inside the burst's turn of the event loop: what the kernel holds (the server's
        // receive queue and the client's send queue, which the window holds back) was written by
        // the client during the burst. At most the last 16 KiB may wait for the turn to end;
        // without flushing, all of it waits.
        const int clientSide = descriptorWithLocalPort(serverSide->peerPort());
        QVERIFY(clientSide >= 0);
        int received = -1;
        int unsent = -1;
        QCOMPARE(::ioctl(int(serverSide->socketDescriptor()), FIONREAD, &received), 0);
        QCOMPARE(::ioctl(clientSide, TIOCOUTQ, &unsent), 0);
        QVERIFY2(received + unsent > wireBytes - 16 * 1024,
                 qPrintable(QStringLiteral("%1 + %2 of %3 bytes had left")
                                .arg(received)
                                .arg(unsent)
                                .arg(wireBytes)));

        // And everything arrives.
        qint64 total = 0;
        QTRY_VERIFY_WITH_TIMEOUT((total = serverSide->bytesAvailable()) >= wireBytes, 10000);
        QCOMPARE(total, wireBytes);
        client.close();
    }

    void connectionGoneDuringABurstOfEmits()
    {
        FakeWebSocketServer server;
        QVERIFY(server.listen());
        server.answerUpgradeWith(FakeWebSocketServer::textFrame(R"(40{"sid":"n1"})"));
        SocketIoClient client;
        SocketIoOptions options;
        options.engine = server.clientOptions();
        options.engine.reconnect.enabled = false;
        options.ackTimeoutMs = 0; // an ack that nobody fails would wait forever
        client.setOptions(options);
        SocketIoNamespace *root = client.joinNamespace(QStringLiteral("/"));
        QSignalSpy ackFailed(root, &SocketIoNamespace::ackFailed);
        QStringList records; // what the record stream says, in order
        connect(&client, &SocketIoClient::packetRecorded, this, [&](const PacketRecord &record) {
            records.append(record.layer == PacketRecord::Layer::Connection
                               ? QStringLiteral("connection")
                               : record.typeName());
        });
        client.connectToServer();
        QTRY_COMPARE(root->state(), SocketIoNamespace::State::Connected);

        // The server's end resets the connection (SO_LINGER 0: RST), then the client emits
        // 100 KB without returning to the event loop: a flush fails in the middle of it.
        const linger reset{1, 0};
        QCOMPARE(::setsockopt(int(server.connection()->socketDescriptor()), SOL_SOCKET, SO_LINGER,
                              &reset, sizeof reset),
                 0);
        server.connection()->abort();
        records.clear();
        constexpr int Emits = 100;
        const QString text(1000, QLatin1Char('x'));
        for (int i = 0; i < Emits; ++i) {
            const auto result = root->emitEvent(QJsonArray{QStringLiteral("e"), text}, {}, 0);
            QVERIFY2(result.ok, qPrintable(result.error));
            QCOMPARE(root->state(), SocketIoNamespace::State::Connected); // nothing closed yet
        }
        QCOMPARE(ackFailed.size(), 0);

        // Then the loss: every ack asked for fails, none stays pending, and the record stream
        // has the 100 EVENTs before the connection's notes.
        QTRY_COMPARE(root->state(), SocketIoNamespace::State::Disconnected);
        QTRY_COMPARE(ackFailed.size(), Emits);
        QVERIFY(root->pendingAckIds().isEmpty());
        QCOMPARE(records.mid(0, Emits), QStringList(Emits, QStringLiteral("EVENT")));
        QVERIFY2(records.size() > Emits && records.at(Emits) == QLatin1String("connection"),
                 qPrintable(records.mid(Emits).join(u' ')));
    }
};

QTEST_GUILESS_MAIN(tst_WebSocketBursts)
#include "tst_websocketbursts.moc"
