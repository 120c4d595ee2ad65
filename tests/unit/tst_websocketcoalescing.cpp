// Read coalescing (docs/architecture.md, "WebSocket client"): after a read that brought a backlog
// of frames, the client raises its socket's low-water mark (SO_RCVLOWAT) to a quarter of the
// receive buffer, at most 128 KiB, so that a flood is read in large pieces; shortly after the
// last read the mark drops back to one byte, and a lone message is read at once. The server is an
// in-process fake that writes the upgrade answer, OPEN and a burst of messages in one go.
// (Linux: SO_RCVLOWAT is what the client sets.)
#include "engineio/engineioclient.h"

#include <QCryptographicHash>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <netinet/in.h>
#include <sys/socket.h>

namespace {
QByteArray textFrame(const QByteArray &payload)
{
    Q_ASSERT(payload.size() < 126);
    return QByteArray(1, char(0x81)) + char(payload.size()) + payload;
}

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

class tst_WebSocketCoalescing : public QObject
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

        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QTcpSocket *serverSide = nullptr;
        QByteArray request;
        connect(&server, &QTcpServer::newConnection, this, [&] {
            serverSide = server.nextPendingConnection();
            connect(serverSide, &QTcpSocket::readyRead, serverSide,
                    [&] { request += serverSide->readAll(); });
        });

        EngineIoClient client;
        EngineIoOptions options;
        options.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()));
        options.transports = EngineIoOptions::Transports::WebSocketOnly;
        options.version = EngineIoOptions::Version::V4;
        client.setOptions(options);

        QByteArrayList received;
        int markAfterBurst = -1;
        int receiveBufferAfterBurst = -1;
        int clientSide = -1; // the client's socket, found once it has connected
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
        QTRY_VERIFY(request.contains("\r\n\r\n"));
        clientSide = descriptorWithLocalPort(serverSide->peerPort());
        QVERIFY(clientSide >= 0);
        if (lockedReceiveBuffer)
            QCOMPARE(::setsockopt(clientSide, SOL_SOCKET, SO_RCVBUF, &lockedReceiveBuffer,
                                  sizeof lockedReceiveBuffer),
                     0);
        const qsizetype at = request.indexOf("Sec-WebSocket-Key: ");
        QVERIFY(at >= 0);
        const QByteArray key = request.mid(at + 19, request.indexOf('\r', at) - at - 19);
        const QByteArray accept =
            QCryptographicHash::hash(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
                                     QCryptographicHash::Sha1)
                .toBase64();
        QByteArray burst = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                           accept + "\r\n\r\n";
        burst += textFrame(R"(0{"sid":"s1","upgrades":[],"pingInterval":25000,)"
                           R"("pingTimeout":20000,"maxPayload":1000000})");
        for (int i = 0; i < Burst; ++i)
            burst += textFrame("4m" + QByteArray::number(i));
        serverSide->write(burst);
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
        serverSide->write(textFrame("4lone"));
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), Burst + 1, 5000);
        QCOMPARE(received.last(), QByteArray("lone"));
        QCOMPARE(socketOption(clientSide, SO_RCVLOWAT), 1);
        client.close();
    }
};

QTEST_GUILESS_MAIN(tst_WebSocketCoalescing)
#include "tst_websocketcoalescing.moc"
