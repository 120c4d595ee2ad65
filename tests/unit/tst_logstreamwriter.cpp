#include "session/jsonlines.h"
#include "session/logstreamwriter.h"
#include "socketio/socketiopacket.h"

#include <QBuffer>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

namespace {
PacketRecord connectWithAuth()
{
    PacketRecord record;
    record.timeUs = 1'000'000;
    record.direction = PacketRecord::Direction::Out;
    record.layer = PacketRecord::Layer::SocketIo;
    record.type = SocketIoPacket::Connect;
    record.nsp = QStringLiteral("/admin");
    record.payload = "{\"token\":\"hunter2\"}";
    record.raw = "40/admin," + record.payload;
    return record;
}
} // namespace

class tst_LogStreamWriter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void writesJsonLinesRedactedByDefault()
    {
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        LogStreamWriter writer;
        writer.setDevice(&buffer);
        writer.append(connectWithAuth());
        QVERIFY(buffer.data().isEmpty()); // batched until a flush
        QVERIFY(writer.flush());
        QVERIFY(!buffer.data().contains("hunter2"));
        PacketRecord parsed;
        QVERIFY(JsonLines::parseRecord(buffer.data().trimmed(), &parsed));
        QCOMPARE(parsed.raw, QByteArray("40/admin,{\"token\":\"[redacted]\"}"));
    }

    void keepsSecretsOnRequestAndWritesText()
    {
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        LogStreamWriter writer;
        writer.setFormat(LogFormat::Text);
        writer.setIncludeSecrets(true);
        writer.setDevice(&buffer);
        writer.append(connectWithAuth());
        writer.append(connectWithAuth());
        QVERIFY(writer.flush());
        QCOMPARE(buffer.data().count('\n'), 2);
        QVERIFY(buffer.data().contains("hunter2"));
        QVERIFY(buffer.data().startsWith("1970-01-01T00:00:01.000000Z"));
    }

    // A streamed log learns the secrets as they go out, and redacts them wherever they come back;
    // header values, which no record shows, are given to it.
    void redactsEchoedSecretsAsTheyStream()
    {
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        LogStreamWriter writer;
        writer.setFormat(LogFormat::Text);
        writer.addKnownSecrets({QStringLiteral("header-s3cret")});
        writer.setDevice(&buffer);
        writer.append(connectWithAuth());
        PacketRecord echo;
        echo.layer = PacketRecord::Layer::SocketIo;
        echo.type = SocketIoPacket::Event;
        echo.payload = "[\"auth\",\"hunter2\",\"header-s3cret\"]";
        echo.raw = "42" + echo.payload;
        writer.append(echo);
        QVERIFY(writer.flush());
        QVERIFY2(!buffer.data().contains("hunter2"), buffer.data().constData());
        QVERIFY2(!buffer.data().contains("header-s3cret"), buffer.data().constData());
        QCOMPARE(buffer.data().count("[redacted]"), 3);
    }

    void flushesOnItsOwnTimer()
    {
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        LogStreamWriter writer;
        writer.setFlushInterval(20);
        writer.setDevice(&buffer);
        writer.append(connectWithAuth());
        QTRY_VERIFY_WITH_TIMEOUT(!buffer.data().isEmpty(), 2000);
    }

    void fullDiskIsReportedOnce()
    {
        QFile full(QStringLiteral("/dev/full"));
        if (!full.open(QIODevice::WriteOnly))
            QFAIL("/dev/full is needed for this test");
        LogStreamWriter writer;
        QSignalSpy failedSpy(&writer, &LogStreamWriter::writeFailed);
        writer.setDevice(&full);
        writer.append(connectWithAuth());
        QVERIFY(!writer.flush());
        QVERIFY2(writer.errorString().contains(QLatin1String("space")),
                 qPrintable(writer.errorString()));
        writer.append(connectWithAuth());
        QVERIFY(!writer.flush());
        QCOMPARE(failedSpy.count(), 1);
    }
};

QTEST_MAIN(tst_LogStreamWriter)
#include "tst_logstreamwriter.moc"
