// TcpStream: a connection taken over from a QTcpSocket keeps the bytes the QTcpSocket had read
// and stays open; writes the kernel cannot take wait and go out in order (bytesWritten), a
// shutdown waits for them, and the peer closing, an abort and a failed write each end in one
// disconnected().
#include "server/tcpstream.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

namespace {
constexpr int Timeout = 10000;

// A client connected to a server socket that has read `sent` (and holds it unread).
struct Pair
{
    QTcpServer server;
    QTcpSocket client;
    QTcpSocket *accepted = nullptr;

    bool open(const QByteArray &sent)
    {
        if (!server.listen(QHostAddress::LocalHost, 0))
            return false;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        if (!server.waitForNewConnection(Timeout) || !client.waitForConnected(Timeout))
            return false;
        accepted = server.nextPendingConnection();
        if (sent.isEmpty())
            return true;
        client.write(sent);
        client.waitForBytesWritten(Timeout);
        while (accepted->bytesAvailable() < sent.size())
            if (!accepted->waitForReadyRead(Timeout))
                return false;
        return true;
    }
};

// Writes down each call of the handler in `events`, as the test's connections write down each
// signal: the two must interleave, the handler first.
class EventLog final : public TcpStreamHandler
{
public:
    explicit EventLog(QStringList *events)
        : m_events(events)
    {
    }
    void streamReadyRead(TcpStream *) override { m_events->append(QStringLiteral("call read")); }
    void streamBytesWritten(TcpStream *, qint64 bytes) override
    {
        m_events->append(QStringLiteral("call written %1").arg(bytes));
    }
    void streamDisconnected(TcpStream *) override
    {
        m_events->append(QStringLiteral("call disconnected"));
    }

private:
    QStringList *m_events;
};

QByteArray pattern(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char('a' + (i * 7) % 26);
    return bytes;
}
} // namespace

class tst_TcpStream : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void takeOverKeepsWhatWasReadAndTheConnection()
    {
        Pair pair;
        QVERIFY(pair.open("hello"));
        const quint16 peerPort = pair.accepted->peerPort();
        QString error;
        std::unique_ptr<TcpStream> stream(TcpStream::takeOver(pair.accepted, &error));
        QVERIFY2(stream, qPrintable(error));
        QCOMPARE(stream->peerPort(), peerPort);
        QCOMPARE(stream->peerAddress(), QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(stream->bytesAvailable(), 5);
        QCOMPARE(stream->readAll(), QByteArray("hello"));
        QCOMPARE(stream->bytesAvailable(), 0);

        QSignalSpy readyRead(stream.get(), &TcpStream::readyRead);
        pair.client.write("world");
        QVERIFY(readyRead.wait(Timeout));
        QCOMPARE(stream->readAll(), QByteArray("world"));

        // The kernel takes it at once; as with a QTcpSocket, the bytes count as waiting until
        // bytesWritten() on the next turn, one signal for the writes of a turn.
        QSignalSpy written(stream.get(), &TcpStream::bytesWritten);
        stream->write("po");
        stream->write("ng");
        QCOMPARE(stream->bytesToWrite(), 4);
        QVERIFY(written.isEmpty());
        QVERIFY(written.wait(Timeout));
        QCOMPARE(written.size(), 1);
        QCOMPARE(written.first().first().toLongLong(), 4);
        QCOMPARE(stream->bytesToWrite(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(pair.client.bytesAvailable(), 4, Timeout);
        QCOMPARE(pair.client.readAll(), QByteArray("pong"));
        QCOMPARE(pair.client.state(), QAbstractSocket::ConnectedState);
    }

    // The handler hears of every event the signals announce, just before each signal, with the
    // same byte count.
    void theHandlerIsToldBeforeEachSignal()
    {
        Pair pair;
        QVERIFY(pair.open({}));
        QString error;
        std::unique_ptr<TcpStream> stream(TcpStream::takeOver(pair.accepted, &error));
        QVERIFY2(stream, qPrintable(error));
        QStringList events;
        EventLog handler(&events);
        stream->setHandler(&handler);
        connect(stream.get(), &TcpStream::readyRead, this,
                [&events] { events.append(QStringLiteral("signal read")); });
        connect(stream.get(), &TcpStream::bytesWritten, this, [&events](qint64 bytes) {
            events.append(QStringLiteral("signal written %1").arg(bytes));
        });
        connect(stream.get(), &TcpStream::disconnected, this,
                [&events] { events.append(QStringLiteral("signal disconnected")); });

        pair.client.write("ping");
        QTRY_VERIFY_WITH_TIMEOUT(events.contains(QStringLiteral("signal read")), Timeout);
        QCOMPARE(stream->readAll(), QByteArray("ping"));
        stream->write("pong");
        QTRY_VERIFY_WITH_TIMEOUT(events.contains(QStringLiteral("signal written 4")), Timeout);
        stream->abort();
        QCOMPARE(events,
                 (QStringList{QStringLiteral("call read"), QStringLiteral("signal read"),
                              QStringLiteral("call written 4"), QStringLiteral("signal written 4"),
                              QStringLiteral("call disconnected"),
                              QStringLiteral("signal disconnected")}));
    }

    void whatTheKernelCannotTakeWaitsInOrder()
    {
        Pair pair;
        QVERIFY(pair.open({}));
        QString error;
        std::unique_ptr<TcpStream> stream(TcpStream::takeOver(pair.accepted, &error));
        QVERIFY2(stream, qPrintable(error));
        QSignalSpy written(stream.get(), &TcpStream::bytesWritten);
        // More than the socket buffers hold while the client reads nothing.
        const QByteArray first = pattern(16 << 20);
        stream->write(first);
        QVERIFY(stream->bytesToWrite() > 0);
        stream->write("tail");
        const QByteArray expected = first + "tail";
        QByteArray received;
        QElapsedTimer clock;
        clock.start();
        while (received.size() < expected.size() && clock.elapsed() < Timeout) {
            pair.client.waitForReadyRead(100);
            received += pair.client.readAll();
            QCoreApplication::processEvents();
        }
        QCOMPARE(received.size(), expected.size());
        QVERIFY(received == expected);
        QTRY_COMPARE_WITH_TIMEOUT(stream->bytesToWrite(), 0, Timeout);
        QVERIFY(!written.isEmpty());
        qint64 total = 0;
        for (const auto &arguments : std::as_const(written))
            total += arguments.first().toLongLong();
        QCOMPARE(total, expected.size()); // every byte announced once
    }

    // One posted call announces every stream written in a turn, in the order of their first
    // writes; a stream deleted before it is skipped; streams outliving their announcer still get
    // their bytesWritten().
    void writesOfOneTurnAreAnnouncedTogether_data()
    {
        QTest::addColumn<bool>("deleteOne");
        QTest::addColumn<bool>("deleteAnnouncer");
        QTest::newRow("three streams") << false << false;
        QTest::newRow("the second deleted before the turn") << true << false;
        QTest::newRow("the announcer deleted before the turn") << false << true;
    }

    void writesOfOneTurnAreAnnouncedTogether()
    {
        QFETCH(bool, deleteOne);
        QFETCH(bool, deleteAnnouncer);
        auto announcer = std::make_unique<TcpStreamWriteAnnouncer>();
        Pair pairs[3];
        std::unique_ptr<TcpStream> streams[3];
        QStringList announced;
        for (int i = 0; i < 3; ++i) {
            QVERIFY(pairs[i].open({}));
            QString error;
            streams[i].reset(
                TcpStream::takeOver(pairs[i].accepted, &error, nullptr, announcer.get()));
            QVERIFY2(streams[i], qPrintable(error));
            connect(streams[i].get(), &TcpStream::bytesWritten, this,
                    [&announced, i](qint64 bytes) {
                        announced.append(QStringLiteral("%1:%2").arg(i).arg(bytes));
                    });
        }
        streams[2]->write("cc");
        streams[0]->write("a");
        streams[2]->write("c"); // listed once
        streams[1]->write("bbbb");
        QCOMPARE(streams[2]->bytesToWrite(), 3); // taken by the kernel, not announced yet
        QVERIFY(announced.isEmpty());            // not before the next turn
        if (deleteOne)
            streams[1].reset();
        if (deleteAnnouncer)
            announcer.reset();
        QTRY_VERIFY_WITH_TIMEOUT(announced.size() >= (deleteOne ? 2 : 3), Timeout);
        QTest::qWait(20);
        const QStringList expected =
            deleteOne
                ? QStringList{QStringLiteral("2:3"), QStringLiteral("0:1")}
                : QStringList{QStringLiteral("2:3"), QStringLiteral("0:1"), QStringLiteral("1:4")};
        QCOMPARE(announced, expected);
        QCOMPARE(streams[0]->bytesToWrite(), 0);
        // The next turn's writes are announced again.
        announced.clear();
        streams[0]->write("aa");
        QTRY_COMPARE_WITH_TIMEOUT(announced, QStringList{QStringLiteral("0:2")}, Timeout);
    }

    void shutdownWaitsForWhatIsWaiting()
    {
        Pair pair;
        QVERIFY(pair.open({}));
        QString error;
        std::unique_ptr<TcpStream> stream(TcpStream::takeOver(pair.accepted, &error));
        QVERIFY2(stream, qPrintable(error));
        QSignalSpy disconnected(stream.get(), &TcpStream::disconnected);
        const QByteArray data = pattern(8 << 20);
        stream->write(data);
        stream->shutdownWrite();
        QByteArray received;
        QElapsedTimer clock;
        clock.start();
        while (pair.client.state() == QAbstractSocket::ConnectedState &&
               clock.elapsed() < Timeout) {
            pair.client.waitForReadyRead(100);
            received += pair.client.readAll();
            QCoreApplication::processEvents();
        }
        received += pair.client.readAll();
        QCOMPARE(received.size(), data.size()); // everything, then the end of the stream
        QVERIFY(received == data);
        // The client's QTcpSocket closes on the end of the stream; the stream, which kept
        // reading, then sees the client's end too.
        QTRY_VERIFY_WITH_TIMEOUT(!stream->isOpen(), Timeout);
        QCOMPARE(disconnected.size(), 1);
    }

    void theEndsOfAConnection_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("the peer closes") << QStringLiteral("peer-close");
        QTest::newRow("the peer resets") << QStringLiteral("peer-reset");
        QTest::newRow("abort") << QStringLiteral("abort");
        QTest::newRow("a write after the peer reset") << QStringLiteral("write-after-reset");
    }

    void theEndsOfAConnection()
    {
        QFETCH(QString, how);
        Pair pair;
        QVERIFY(pair.open({}));
        QString error;
        std::unique_ptr<TcpStream> stream(TcpStream::takeOver(pair.accepted, &error));
        QVERIFY2(stream, qPrintable(error));
        QSignalSpy disconnected(stream.get(), &TcpStream::disconnected);
        if (how == QLatin1String("peer-close")) {
            pair.client.disconnectFromHost();
        } else if (how == QLatin1String("abort")) {
            stream->abort();
            QCOMPARE(disconnected.size(), 1); // at once
            QVERIFY(pair.client.waitForDisconnected(Timeout));
        } else {
            pair.client.abort(); // Qt closes with unread data discarded: a reset when unread
            if (how == QLatin1String("write-after-reset")) {
                QTest::qWait(50);
                for (int i = 0; i < 10 && stream->isOpen(); ++i) {
                    stream->write(pattern(64 << 10));
                    QTest::qWait(20);
                }
            }
        }
        QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, Timeout);
        QVERIFY(!stream->isOpen());
        stream->write("late"); // ignored
        stream->abort();       // no second signal
        QTest::qWait(50);
        QCOMPARE(disconnected.size(), 1);
    }
};

QTEST_GUILESS_MAIN(tst_TcpStream)
#include "tst_tcpstream.moc"
