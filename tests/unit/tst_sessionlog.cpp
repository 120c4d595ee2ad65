#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QTest>

namespace {
PacketRecord sioRecord(qint64 timeUs, PacketRecord::Direction direction, SocketIoPacket::Type type,
                       const QString &nsp, qint64 id, const QByteArray &raw,
                       const QByteArray &payload)
{
    PacketRecord record;
    record.timeUs = timeUs;
    record.direction = direction;
    record.layer = PacketRecord::Layer::SocketIo;
    record.type = type;
    record.transport = TransportKind::WebSocket;
    record.nsp = nsp;
    record.id = id;
    record.raw = raw;
    record.payload = payload;
    return record;
}

void compareRecords(const PacketRecord &actual, const PacketRecord &expected)
{
    QCOMPARE(actual.timeUs, expected.timeUs);
    QCOMPARE(actual.direction, expected.direction);
    QCOMPARE(actual.layer, expected.layer);
    QCOMPARE(actual.type, expected.type);
    QCOMPARE(actual.transport, expected.transport);
    QCOMPARE(actual.nsp, expected.nsp);
    QCOMPARE(actual.id, expected.id);
    QCOMPARE(actual.payload, expected.payload);
    QCOMPARE(actual.attachments, expected.attachments);
    QCOMPARE(actual.raw, expected.raw);
    QCOMPARE(actual.error, expected.error);
    QCOMPARE(actual.rttUs, expected.rttUs);
    QCOMPARE(actual.session, expected.session);
    QCOMPARE(actual.parser, expected.parser);
}
} // namespace

class tst_SessionLog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data()
    {
        using D = PacketRecord::Direction;
        QTest::addColumn<PacketRecord>("record");
        QTest::newRow("event on /, payload is the raw tail") << sioRecord(
            1, D::In, SocketIoPacket::Event, "/", -1, "42[\"chat\",1]", "[\"chat\",1]");
        QTest::newRow("event with ack id on /admin") << sioRecord(
            2, D::Out, SocketIoPacket::Event, "/admin", 7, "42/admin,7[\"x\"]", "[\"x\"]");
        QTest::newRow("disconnect without payload")
            << sioRecord(3, D::Out, SocketIoPacket::Disconnect, "/chat", -1, "41/chat,", {});
        PacketRecord binary = sioRecord(4, D::In, SocketIoPacket::BinaryEvent, "/", -1,
                                        "451-[\"b\",{\"_placeholder\":true,\"num\":0}]",
                                        "[\"b\",{\"_placeholder\":true,\"num\":0}]");
        binary.attachments = {QByteArray("\x00\x01\x02", 3)};
        QTest::newRow("binary event keeps its attachment") << binary;
        PacketRecord invalid =
            sioRecord(5, D::In, SocketIoPacket::Event, "/", -1, "42{\"x\":1}", {});
        invalid.error = QStringLiteral("EVENT payload must be a non-empty array");
        QTest::newRow("invalid frame keeps raw text and error") << invalid;
        PacketRecord ping;
        ping.timeUs = 6;
        ping.layer = PacketRecord::Layer::EngineIo;
        ping.type = EngineIoPacket::Ping;
        ping.transport = TransportKind::Polling;
        ping.raw = "2probe";
        ping.payload = "\"probe\"";
        QTest::newRow("eio probe ping: payload not a slice of raw") << ping;
        PacketRecord note;
        note.timeUs = 7;
        note.layer = PacketRecord::Layer::Connection;
        note.type = PacketRecord::Upgraded;
        note.payload = "{\"transport\":\"websocket\"}";
        QTest::newRow("lifecycle note without raw text") << note;
        PacketRecord ack = sioRecord(8, D::In, SocketIoPacket::Ack, "/", 3, "433[]", "[]");
        ack.rttUs = 1234;
        QTest::newRow("ack with its round-trip time") << ack;
        PacketRecord served = sioRecord(9, D::In, SocketIoPacket::Connect, "/", -1, "40", {});
        served.session = QStringLiteral("Xz_1-aBcDeFgHiJkLmNo");
        QTest::newRow("a server's record keeps its client session") << served;
        PacketRecord huge = sioRecord(9, D::In, SocketIoPacket::Event, "/", -1, {}, {});
        huge.payload = "[\"big\",\"" + QByteArray(2 << 20, 'x') + "\"]";
        huge.raw = "42" + huge.payload;
        QTest::newRow("frame larger than an arena chunk") << huge;
        // {"type":2,"nsp":"/","data":["b",<bin 00 01 02>]}: the bin is inside the frame.
        PacketRecord msgpack = sioRecord(
            11, D::In, SocketIoPacket::BinaryEvent, "/", -1,
            QByteArray::fromHex("83a474797065 02 a36e7370 a12f a464617461 92a162c403000102"),
            "[\"b\",{\"_placeholder\":true,\"num\":0}]");
        msgpack.attachments = {QByteArray("\x00\x01\x02", 3)};
        msgpack.parser = SocketIoParser::Kind::Msgpack;
        QTest::newRow("msgpack frame with its bin") << msgpack;
    }
    void roundTrip()
    {
        QFETCH(PacketRecord, record);
        SessionLog log;
        // Surround the record so that offsets into the arena are not all zero.
        log.append(sioRecord(0, PacketRecord::Direction::In, SocketIoPacket::Event, "/other", -1,
                             "42/other,[\"a\"]", "[\"a\"]"));
        const qint64 row = log.append(record);
        log.append(sioRecord(10, PacketRecord::Direction::Out, SocketIoPacket::Event, "/", -1,
                             "42[\"z\"]", "[\"z\"]"));
        QCOMPARE(log.size(), 3);
        compareRecords(log.record(row), record);
        QCOMPARE(log.raw(row), QByteArrayView(record.raw));
        QCOMPARE(log.payload(row), QByteArrayView(record.payload));
        QCOMPARE(log.attachmentCount(row), record.attachments.size());
        QCOMPARE(log.hasError(row), !record.error.isEmpty());
        QCOMPARE(log.parser(row), record.parser);
        // What crossed the wire, counted once: a msgpack frame already holds its bins.
        qint64 wire = record.raw.size();
        if (record.parser != SocketIoParser::Kind::Msgpack)
            for (const QByteArray &attachment : record.attachments)
                wire += attachment.size();
        QCOMPARE(log.wireSize(row), wire);
        QCOMPARE(log.record(0).nsp, QStringLiteral("/other"));
        QCOMPARE(log.record(2).raw, QByteArray("42[\"z\"]"));
    }

    void manyRecordsCrossBlocksAndChunks()
    {
        SessionLog log;
        const int count = 200000; // > 3 index blocks, several arena chunks
        for (int i = 0; i < count; ++i) {
            const QByteArray payload = "[\"n\"," + QByteArray::number(i) + "]";
            log.append(sioRecord(i, PacketRecord::Direction::In, SocketIoPacket::Event, "/", -1,
                                 "42" + payload, payload));
        }
        QCOMPARE(log.size(), count);
        for (int i : {0, 1, 65535, 65536, 131071, 131072, count - 1}) {
            QCOMPARE(log.timeUs(i), i);
            QCOMPARE(log.payload(i).toByteArray(), "[\"n\"," + QByteArray::number(i) + "]");
        }
        // Index entry (32 B) plus ~12 B of text: far below the 120 B target per packet.
        QVERIFY2(log.memoryBytes() / count < 60,
                 qPrintable(QString::number(log.memoryBytes() / count)));
    }

    void pairsAcksBothWays()
    {
        using D = PacketRecord::Direction;
        SessionLog log;
        const qint64 ours = log.append(sioRecord(1000, D::Out, SocketIoPacket::Event, "/", 0,
                                                 "420[\"echo-ack\"]", "[\"echo-ack\"]"));
        const qint64 theirs = log.append(sioRecord(1500, D::In, SocketIoPacket::Event, "/admin", 0,
                                                   "42/admin,0[\"ask\"]", "[\"ask\"]"));
        const qint64 serverAck =
            log.append(sioRecord(3000, D::In, SocketIoPacket::Ack, "/", 0, "430[]", "[]"));
        const qint64 ourReply = log.append(
            sioRecord(4000, D::Out, SocketIoPacket::Ack, "/admin", 0, "43/admin,0[1]", "[1]"));
        const qint64 orphan =
            log.append(sioRecord(5000, D::In, SocketIoPacket::Ack, "/", 99, "4399[]", "[]"));
        QCOMPARE(log.acks().partnerRow(ours), serverAck);
        QCOMPARE(log.acks().partnerRow(serverAck), ours);
        QCOMPARE(log.acks().partnerRow(theirs), ourReply);
        QCOMPARE(log.acks().partnerRow(ourReply), theirs);
        QCOMPARE(log.acks().partnerRow(orphan), -1);
        const auto &exchanges = log.acks().exchanges();
        QCOMPARE(exchanges.size(), size_t(2));
        QCOMPARE(exchanges[0].eventName, QStringLiteral("echo-ack"));
        QCOMPARE(exchanges[0].rttUs, 2000);
        QCOMPARE(exchanges[1].initiator, AckPairing::Initiator::Server);
        QCOMPARE(exchanges[1].rttUs, 2500);
        const AckPairing::Stats stats = log.acks().stats();
        QCOMPARE(stats.answered, 1); // figures cover the exchanges we started
        QCOMPARE(stats.p50Ms, 2.0);
    }

    void serverIdsRestartOnNewConnection()
    {
        using D = PacketRecord::Direction;
        SessionLog log;
        PacketRecord open;
        open.layer = PacketRecord::Layer::EngineIo;
        open.type = EngineIoPacket::Open;
        open.raw = "0{}";
        log.append(open);
        const qint64 first =
            log.append(sioRecord(1, D::In, SocketIoPacket::Event, "/", 0, "420[\"a\"]", "[\"a\"]"));
        log.append(open); // reconnected: the server's ids start again at 0
        const qint64 second =
            log.append(sioRecord(2, D::In, SocketIoPacket::Event, "/", 0, "420[\"b\"]", "[\"b\"]"));
        const qint64 reply =
            log.append(sioRecord(3, D::Out, SocketIoPacket::Ack, "/", 0, "430[]", "[]"));
        QCOMPARE(log.acks().partnerRow(reply), second);
        QCOMPARE(log.acks().partnerRow(first), -1);
    }

    // A server's log interleaves clients whose ack ids overlap: the session keeps them apart.
    void serverLogPairsAcksPerSession()
    {
        using D = PacketRecord::Direction;
        SessionLog log;
        auto served = [](PacketRecord record, const char *session) {
            record.session = QString::fromLatin1(session);
            return record;
        };
        const qint64 askA = log.append(served(
            sioRecord(1, D::Out, SocketIoPacket::Event, "/", 0, "420[\"a\"]", "[\"a\"]"), "A"));
        const qint64 askB = log.append(served(
            sioRecord(2, D::Out, SocketIoPacket::Event, "/", 0, "420[\"b\"]", "[\"b\"]"), "B"));
        const qint64 answerB = log.append(
            served(sioRecord(3, D::In, SocketIoPacket::Ack, "/", 0, "430[]", "[]"), "B"));
        const qint64 answerA = log.append(
            served(sioRecord(4, D::In, SocketIoPacket::Ack, "/", 0, "430[]", "[]"), "A"));
        QCOMPARE(log.acks().partnerRow(answerB), askB);
        QCOMPARE(log.acks().partnerRow(answerA), askA);
        QCOMPARE(log.session(askA), QStringLiteral("A"));
        QCOMPARE(log.session(answerB), QStringLiteral("B"));
        log.clear();
        log.append(sioRecord(5, D::In, SocketIoPacket::Connect, "/", -1, "40", {}));
        QCOMPARE(log.session(0), QString());
    }

    void statistics_data()
    {
        QTest::addColumn<QList<int>>("rttsMs");
        QTest::addColumn<double>("p50");
        QTest::addColumn<double>("p95");
        QTest::addColumn<double>("max");
        QTest::newRow("single") << QList<int>{5} << 5.0 << 5.0 << 5.0;
        QTest::newRow("one to twenty, shuffled")
            << QList<int>{20, 1, 19, 2, 18, 3, 17, 4, 16, 5, 15, 6, 14, 7, 13, 8, 12, 9, 11, 10}
            << 10.0 << 19.0 << 20.0;
    }
    void statistics()
    {
        QFETCH(QList<int>, rttsMs);
        QFETCH(double, p50);
        QFETCH(double, p95);
        QFETCH(double, max);
        using D = PacketRecord::Direction;
        SessionLog log;
        for (int i = 0; i < rttsMs.size(); ++i) {
            const QByteArray id = QByteArray::number(i);
            log.append(sioRecord(0, D::Out, SocketIoPacket::Event, "/", i, "42" + id + "[\"e\"]",
                                 "[\"e\"]"));
            log.append(sioRecord(rttsMs[i] * 1000, D::In, SocketIoPacket::Ack, "/", i,
                                 "43" + id + "[]", "[]"));
        }
        log.append(
            sioRecord(0, D::Out, SocketIoPacket::Event, "/", 1000, "421000[\"e\"]", "[\"e\"]"));
        log.append(sioRecord(0, D::Out, SocketIoPacket::Event, "/", 1001, "421001[\"late\"]",
                             "[\"late\"]"));
        log.append(PacketRecord::ackTimeoutNote(QStringLiteral("/"), 1001, QStringLiteral("late")));
        const AckPairing::Stats stats = log.acks().stats();
        QCOMPARE(stats.answered, rttsMs.size());
        QCOMPARE(stats.pending, 1);
        QCOMPARE(stats.timedOut, 1);
        QCOMPARE(stats.p50Ms, p50);
        QCOMPARE(stats.p95Ms, p95);
        QCOMPARE(stats.maxMs, max);
        QCOMPARE(log.acks().stats(QStringLiteral("/"), QStringLiteral("late")).timedOut, 1);
        QCOMPARE(log.acks().stats(QStringLiteral("/other")).answered, 0);
    }
};

QTEST_APPLESS_MAIN(tst_SessionLog)
#include "tst_sessionlog.moc"
