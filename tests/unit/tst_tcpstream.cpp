// TcpStream: a connection taken over from a QTcpSocket keeps the bytes the QTcpSocket had read
// and stays open; writes the kernel cannot take wait and go out in order (bytesWritten), a
// shutdown waits for them, and the peer closing, an abort and a failed write each end in one
// disconnected, each told to the stream's handler.
#include "server/tcpstream.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <memory>
#include <numeric>

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

// Writes down each call of a stream's handler, as QSignalSpy does for signals.
class HandlerSpy final : public TcpStreamHandler
{
public:
    void streamReadyRead(TcpStream *) override
    {
        ++reads;
        events.append(QStringLiteral("read"));
    }
    void streamBytesWritten(TcpStream *, qint64 bytes) override
    {
        written.append(bytes);
        events.append(QStringLiteral("written %1").arg(bytes));
    }
    void streamDisconnected(TcpStream *) override
    {
        ++disconnects;
        events.append(QStringLiteral("disconnected"));
    }
    qint64 writtenTotal() const { return std::accumulate(written.begin(), written.end(), 0LL); }

    int reads = 0;
    QList<qint64> written;
    int disconnects = 0;
    QStringList events;
};

// Takes `socket` over with `handler`; null (and a test failure) when that fails.
std::unique_ptr<TcpStream> takeOver(QTcpSocket *socket, HandlerSpy *handler,
                                    TcpStreamWriteAnnouncer *announcer = nullptr)
{
    QString error;
    std::unique_ptr<TcpStream> stream = TcpStream::takeOver(socket, &error, announcer);
    if (!stream)
        qWarning("take-over failed: %s", qPrintable(error));
    else
        stream->setHandler(handler);
    return stream;
}

// A connection whose server end is taken over, its stream told to a HandlerSpy.
struct Taken
{
    Pair pair;
    HandlerSpy handler;
    std::unique_ptr<TcpStream> stream;

    bool open()
    {
        if (!pair.open({}))
            return false;
        stream = takeOver(pair.accepted, &handler);
        return bool(stream);
    }
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
        HandlerSpy handler;
        std::unique_ptr<TcpStream> stream = takeOver(pair.accepted, &handler);
        QVERIFY(stream);
        QCOMPARE(stream->peerPort(), peerPort);
        QCOMPARE(stream->peerAddress(), QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(stream->bytesAvailable(), 5);
        QCOMPARE(stream->readAll(), QByteArray("hello"));
        QCOMPARE(stream->bytesAvailable(), 0);

        pair.client.write("world");
        QTRY_COMPARE_WITH_TIMEOUT(handler.reads, 1, Timeout);
        QCOMPARE(stream->readAll(), QByteArray("world"));

        // The kernel takes it at once; as with a QTcpSocket, the bytes count as waiting until
        // they are announced on the next turn, one call for the writes of a turn.
        stream->write("po");
        stream->write("ng");
        QCOMPARE(stream->bytesToWrite(), 4);
        QVERIFY(handler.written.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!handler.written.isEmpty(), Timeout);
        QTest::qWait(20);
        QCOMPARE(handler.written, QList<qint64>{4});
        QCOMPARE(stream->bytesToWrite(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(pair.client.bytesAvailable(), 4, Timeout);
        QCOMPARE(pair.client.readAll(), QByteArray("pong"));
        QCOMPARE(pair.client.state(), QAbstractSocket::ConnectedState);
    }

    // The handler hears of each event once, in the order they happened.
    void theHandlerIsToldOfEachEvent()
    {
        Taken taken;
        QVERIFY(taken.open());
        auto &[pair, handler, stream] = taken;
        pair.client.write("ping");
        QTRY_COMPARE_WITH_TIMEOUT(handler.reads, 1, Timeout);
        QCOMPARE(stream->readAll(), QByteArray("ping"));
        stream->write("pong");
        QTRY_COMPARE_WITH_TIMEOUT(handler.written.size(), 1, Timeout);
        stream->abort();
        QCOMPARE(handler.events, (QStringList{QStringLiteral("read"), QStringLiteral("written 4"),
                                              QStringLiteral("disconnected")}));
    }

    // A stream posts calls to itself (its bytes written, without an announcer; a failed write's
    // close): deleted before they run, it takes them along.
    void postedCallsGoWithTheStream_data()
    {
        QTest::addColumn<bool>("failedWrite");
        QTest::newRow("bytes written not announced yet") << false;
        QTest::newRow("a failed write not reported yet") << true;
    }

    void postedCallsGoWithTheStream()
    {
        QFETCH(bool, failedWrite);
        Taken taken;
        QVERIFY(taken.open());
        auto &[pair, handler, stream] = taken;
        if (failedWrite) {
            pair.client.abort(); // a reset: the next writes fail
            // No event loop meanwhile: the read notifier must not see the reset first.
            QThread::msleep(50);
            for (int i = 0; i < 3; ++i)
                stream->write(pattern(64 << 10));
            QVERIFY(stream->isOpen()); // its close is posted
        } else {
            stream->write("bytes");
            QCOMPARE(stream->bytesToWrite(), 5);
        }
        stream.reset();
        QTest::qWait(50); // the posted calls would run here, on a deleted stream (ASan sees it)
        QVERIFY(handler.written.isEmpty());
        QCOMPARE(handler.disconnects, 0);
    }

    void whatTheKernelCannotTakeWaitsInOrder()
    {
        Taken taken;
        QVERIFY(taken.open());
        auto &[pair, handler, stream] = taken;
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
        QVERIFY(!handler.written.isEmpty());
        QCOMPARE(handler.writtenTotal(), expected.size()); // every byte announced once
    }

    // One posted call announces every stream written in a turn, in the order of their first
    // writes; a stream deleted before it is skipped; streams outliving their announcer still get
    // their bytes announced.
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
        // Each stream's announcements, in the order they came, as "<stream>:<bytes>".
        QStringList announced;
        struct Announced final : TcpStreamHandler
        {
            void streamReadyRead(TcpStream *) override {}
            void streamBytesWritten(TcpStream *, qint64 bytes) override
            {
                list->append(QStringLiteral("%1:%2").arg(index).arg(bytes));
            }
            void streamDisconnected(TcpStream *) override {}
            QStringList *list = nullptr;
            int index = 0;
        } handlers[3];
        for (int i = 0; i < 3; ++i) {
            QVERIFY(pairs[i].open({}));
            QString error;
            streams[i] = TcpStream::takeOver(pairs[i].accepted, &error, announcer.get());
            QVERIFY2(streams[i], qPrintable(error));
            handlers[i].list = &announced;
            handlers[i].index = i;
            streams[i]->setHandler(&handlers[i]);
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
        Taken taken;
        QVERIFY(taken.open());
        auto &[pair, handler, stream] = taken;
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
        QCOMPARE(handler.disconnects, 1);
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
        Taken taken;
        QVERIFY(taken.open());
        auto &[pair, handler, stream] = taken;
        if (how == QLatin1String("peer-close")) {
            pair.client.disconnectFromHost();
        } else if (how == QLatin1String("abort")) {
            stream->abort();
            QCOMPARE(handler.disconnects, 1); // at once
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
        QTRY_COMPARE_WITH_TIMEOUT(handler.disconnects, 1, Timeout);
        QVERIFY(!stream->isOpen());
        stream->write("late"); // ignored
        stream->abort();       // not told twice
        QTest::qWait(50);
        QCOMPARE(handler.disconnects, 1);
    }
};

QTEST_GUILESS_MAIN(tst_TcpStream)
#include "tst_tcpstream.moc"
