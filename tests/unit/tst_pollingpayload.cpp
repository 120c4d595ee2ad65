// The resumable polling body decoder: spec examples, every way of cutting a body into chunks,
// malformed bodies, and the packet size limit.
#include "engineio/engineiocodec.h"

#include <QtTest>

using Packet = EngineIoPacket;
using Packets = QList<EngineIoPacket>;

char *toString(const EngineIoPacket &packet)
{
    const QByteArray text =
        EngineIoPacket::typeName(packet.type).toLatin1() +
        (packet.binary ? " binary " + packet.data.toHex(' ') : " \"" + packet.data + '"');
    return qstrdup(text.constData());
}

namespace {

constexpr auto V3 = EngineIoVersion::V3;
constexpr auto V4 = EngineIoVersion::V4;
constexpr qint64 kDefaultLimit = 1000000;

// U+20AC is 3 UTF-8 bytes and 1 UTF-16 unit; U+1F600 is 4 bytes and 2 units.
const QByteArray euro = QByteArrayLiteral("\xe2\x82\xac");
const QByteArray grinning = QByteArrayLiteral("\xf0\x9f\x98\x80");
const QByteArray bytes1234 = QByteArray::fromHex("01020304");
const QByteArray v3SpecHandshake = R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],)"
                                   R"("pingInterval":25000,"pingTimeout":5000})";

struct Outcome
{
    bool ok = false;
    Packets packets;
    QString error;
    QByteArray offending;
};

// Feeds `body` cut at the given offsets (ascending), then finishes. Packets are taken after
// every chunk, as a transport would.
Outcome decodeInChunks(EngineIoVersion version, qint64 limit, const QByteArray &body,
                       const QList<qsizetype> &cuts)
{
    PollingPayloadDecoder decoder(version, limit);
    Outcome outcome;
    outcome.ok = true;
    qsizetype from = 0;
    for (qsizetype cut : cuts + QList<qsizetype>{body.size()}) {
        if (!decoder.feed(QByteArrayView(body).sliced(from, cut - from))) {
            outcome.ok = false;
            break;
        }
        outcome.packets += decoder.takePackets();
        from = cut;
    }
    if (outcome.ok)
        outcome.ok = decoder.finish();
    outcome.packets += decoder.takePackets();
    outcome.error = decoder.errorString();
    outcome.offending = decoder.offendingSegment();
    if (outcome.ok != !decoder.hasError())
        outcome.error = QStringLiteral("hasError() disagrees with the return values");
    return outcome;
}

QList<qsizetype> everyByte(qsizetype size)
{
    QList<qsizetype> cuts;
    for (qsizetype i = 1; i < size; ++i)
        cuts += i;
    return cuts;
}

// Every way of cutting the body once and twice, and byte by byte.
QList<QList<qsizetype>> allChunkings(qsizetype size)
{
    QList<QList<qsizetype>> chunkings{{}, everyByte(size)};
    for (qsizetype i = 0; i <= size; ++i) {
        chunkings += QList<qsizetype>{i};
        for (qsizetype j = i; j <= size; ++j)
            chunkings += QList<qsizetype>{i, j};
    }
    return chunkings;
}

QByteArray describeCuts(const QList<qsizetype> &cuts)
{
    QByteArrayList parts;
    for (qsizetype cut : cuts)
        parts += QByteArray::number(cut);
    return "cuts at [" + parts.join(',') + ']';
}

} // namespace

class tst_PollingPayload : public QObject
{
    Q_OBJECT

private slots:
    void decodes_data();
    void decodes();
    void decodesInEveryChunking_data();
    void decodesInEveryChunking();
    void roundTrip_data();
    void roundTrip();
    void rejects_data();
    void rejects();
    void rejectsInEveryChunking_data();
    void rejectsInEveryChunking();

    void packetsAvailableAsSoonAsComplete();
    void failureIsSticky();
    void finishPreparesTheNextBody();
    void resetClearsAFailure();
    void hugePacketFailsAtTheLimit_data();
    void hugePacketFailsAtTheLimit();
    void offendingSegmentIsCapped();
};

void tst_PollingPayload::decodes_data()
{
    QTest::addColumn<EngineIoVersion>("version");
    QTest::addColumn<qint64>("limit");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Packets>("packets");

    const Packet hello(Packet::Message, "hello");
    const Packet world(Packet::Message, "world");
    const Packet binary(Packet::Message, bytes1234, true);
    const Packet ping(Packet::Ping);

    // v4 spec examples.
    QTest::newRow("v4 spec 4hello 2 4world") << V4 << kDefaultLimit
                                             << QByteArray("4hello\x1e"
                                                           "2\x1e"
                                                           "4world")
                                             << Packets{hello, ping, world};
    QTest::newRow("v4 spec hello and binary") << V4 << kDefaultLimit
                                              << QByteArray("4hello\x1e"
                                                            "bAQIDBA==")
                                              << Packets{hello, binary};
    QTest::newRow("v4 hello ping binary") << V4 << kDefaultLimit
                                          << QByteArray("4hello\x1e"
                                                        "2\x1e"
                                                        "bAQIDBA==")
                                          << Packets{hello, ping, binary};
    QTest::newRow("v4 single open packet")
        << V4 << kDefaultLimit << QByteArray(R"(0{"sid":"x","upgrades":[]})")
        << Packets{Packet(Packet::Open, R"({"sid":"x","upgrades":[]})")};
    QTest::newRow("v4 noop alone")
        << V4 << kDefaultLimit << QByteArray("6") << Packets{Packet(Packet::Noop)};
    QTest::newRow("v4 every type")
        << V4 << kDefaultLimit
        << QByteArray("1\x1e"
                      "2probe\x1e"
                      "3probe\x1e"
                      "4\x1e"
                      "5\x1e"
                      "6")
        << Packets{Packet(Packet::Close),         Packet(Packet::Ping, "probe"),
                   Packet(Packet::Pong, "probe"), Packet(Packet::Message),
                   Packet(Packet::Upgrade),       Packet(Packet::Noop)};
    QTest::newRow("v4 non-ASCII text")
        << V4 << kDefaultLimit << '4' + euro + "\x1e" + '4' + grinning
        << Packets{Packet(Packet::Message, euro), Packet(Packet::Message, grinning)};
    QTest::newRow("v4 text that looks like v3") << V4 << kDefaultLimit << QByteArray("46:4hello")
                                                << Packets{Packet(Packet::Message, "6:4hello")};
    QTest::newRow("v4 packet exactly at the limit") << V4 << qint64(6)
                                                    << QByteArray("4hello\x1e"
                                                                  "2")
                                                    << Packets{hello, ping};
    QTest::newRow("v4 binary exactly at the limit")
        << V4 << qint64(9) << QByteArray("bAQIDBA==") << Packets{binary};

    // v3 spec examples.
    QTest::newRow("v3 spec 6:4hello2:4euro") << V3 << kDefaultLimit << "6:4hello2:4" + euro
                                             << Packets{hello, Packet(Packet::Message, euro)};
    QTest::newRow("v3 spec 2:4euro10:b4AQIDBA==")
        << V3 << kDefaultLimit
        << "2:4" + euro + "10:b4AQIDBA==" << Packets{Packet(Packet::Message, euro), binary};
    QTest::newRow("v3 spec 96:0{handshake}") << V3 << kDefaultLimit << "96:0" + v3SpecHandshake
                                             << Packets{Packet(Packet::Open, v3SpecHandshake)};
    QTest::newRow("v3 spec 4:4hey")
        << V3 << kDefaultLimit << QByteArray("4:4hey") << Packets{Packet(Packet::Message, "hey")};
    QTest::newRow("v3 spec 6:4hello6:4world")
        << V3 << kDefaultLimit << QByteArray("6:4hello6:4world") << Packets{hello, world};
    QTest::newRow("v3 emoji is two units") << V3 << kDefaultLimit << "3:4" + grinning + "1:2"
                                           << Packets{Packet(Packet::Message, grinning), ping};
    QTest::newRow("v3 mixed widths")
        << V3 << kDefaultLimit << "6:4a" + euro + grinning + "b"
        << Packets{Packet(Packet::Message, "a" + euro + grinning + "b")};
    QTest::newRow("v3 colons and digits in data")
        << V3 << kDefaultLimit << QByteArray("8:4a:1:2:310:4123456789")
        << Packets{Packet(Packet::Message, "a:1:2:3"), Packet(Packet::Message, "123456789")};
    QTest::newRow("v3 empty segments are skipped")
        << V3 << kDefaultLimit << QByteArray("0:4:4hey0:0:1:60:")
        << Packets{Packet(Packet::Message, "hey"), Packet(Packet::Noop)};
    QTest::newRow("v3 only an empty segment")
        << V3 << kDefaultLimit << QByteArray("0:") << Packets{};
    QTest::newRow("v3 leading zeros in length")
        << V3 << kDefaultLimit << QByteArray("004:4hey") << Packets{Packet(Packet::Message, "hey")};
    QTest::newRow("v3 every type")
        << V3 << kDefaultLimit << QByteArray("1:11:26:2probe6:3probe1:41:51:6")
        << Packets{Packet(Packet::Close),         Packet(Packet::Ping),
                   Packet(Packet::Ping, "probe"), Packet(Packet::Pong, "probe"),
                   Packet(Packet::Message),       Packet(Packet::Upgrade),
                   Packet(Packet::Noop)};
    QTest::newRow("v3 packet exactly at the byte limit")
        << V3 << qint64(7) << "3:4" + euro + euro << Packets{Packet(Packet::Message, euro + euro)};
}

static void checkPackets(const Outcome &outcome, const Packets &packets)
{
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QCOMPARE(outcome.error, QString());
    QCOMPARE(outcome.packets, packets);
}

void tst_PollingPayload::decodes()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(qint64, limit);
    QFETCH(QByteArray, body);
    QFETCH(Packets, packets);
    checkPackets(decodeInChunks(version, limit, body, {}), packets);
}

void tst_PollingPayload::decodesInEveryChunking_data()
{
    decodes_data();
}

void tst_PollingPayload::decodesInEveryChunking()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(qint64, limit);
    QFETCH(QByteArray, body);
    QFETCH(Packets, packets);

    // Cuts fall inside UTF-8 sequences, base64 groups, v3 length prefixes and separators.
    for (const QList<qsizetype> &cuts : allChunkings(body.size())) {
        const Outcome outcome = decodeInChunks(version, limit, body, cuts);
        if (!outcome.ok || outcome.packets != packets)
            qWarning("failed with %s", describeCuts(cuts).constData());
        checkPackets(outcome, packets);
    }
}

void tst_PollingPayload::roundTrip_data()
{
    QTest::addColumn<EngineIoVersion>("version");
    QTest::addColumn<Packets>("packets");

    QByteArray allBytes;
    for (int i = 0; i < 256; ++i)
        allBytes += char(i);
    const Packets mixed{Packet(Packet::Open, R"({"sid":"x"})"),
                        Packet(Packet::Message, "hello"),
                        Packet(Packet::Message),
                        Packet(Packet::Message, euro + grinning + "12:34"),
                        Packet(Packet::Message, allBytes, true),
                        Packet(Packet::Message, {}, true),
                        Packet(Packet::Ping, "probe"),
                        Packet(Packet::Noop)};
    QTest::newRow("v4 mixed") << V4 << mixed;
    QTest::newRow("v3 mixed") << V3 << mixed;
    Packets many;
    for (int i = 0; i < 1000; ++i)
        many += Packet(Packet::Message, QByteArray::number(i) + euro);
    QTest::newRow("v4 1000 packets") << V4 << many;
    QTest::newRow("v3 1000 packets") << V3 << many;
    const Packet large(Packet::Message, QByteArray("x").repeated(100000) + grinning);
    QTest::newRow("v4 large packet") << V4 << Packets{large, large};
    QTest::newRow("v3 large packet") << V3 << Packets{large, large};
}

void tst_PollingPayload::roundTrip()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(Packets, packets);

    const QByteArray body = EngineIoCodec::encodePayload(packets, version);
    checkPackets(decodeInChunks(version, kDefaultLimit, body, {}), packets);
    // In chunks of 7 bytes: cuts land everywhere in a long body.
    QList<qsizetype> cuts;
    for (qsizetype cut = 7; cut < body.size(); cut += 7)
        cuts += cut;
    checkPackets(decodeInChunks(version, kDefaultLimit, body, cuts), packets);
}

void tst_PollingPayload::rejects_data()
{
    QTest::addColumn<EngineIoVersion>("version");
    QTest::addColumn<qint64>("limit");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error");
    QTest::addColumn<QByteArray>("offending");
    QTest::addColumn<int>("packetsBefore"); // good packets decoded before the bad one

    const QString emptyInV4 = QStringLiteral(
        "empty packet in polling payload (a separator at the start or end of the body, or two in "
        "a row)");
    const QString overLimit = QStringLiteral("polling packet exceeds the limit of %1 bytes");

    // v4.
    QTest::newRow("v4 empty body")
        << V4 << kDefaultLimit << QByteArray() << "empty polling payload" << QByteArray() << 0;
    QTest::newRow("v4 unknown type 9")
        << V4 << kDefaultLimit
        << QByteArray("4hello\x1e"
                      "9oops\x1e"
                      "2")
        << "unknown Engine.IO packet type '9'" << QByteArray("9oops") << 1;
    QTest::newRow("v4 unknown type in last packet")
        << V4 << kDefaultLimit
        << QByteArray("2\x1e"
                      "x")
        << "unknown Engine.IO packet type 'x'" << QByteArray("x") << 1;
    QTest::newRow("v4 two separators in a row") << V4 << kDefaultLimit
                                                << QByteArray("4a\x1e\x1e"
                                                              "4b")
                                                << emptyInV4 << QByteArray() << 1;
    QTest::newRow("v4 trailing separator")
        << V4 << kDefaultLimit << QByteArray("4a\x1e") << emptyInV4 << QByteArray() << 1;
    QTest::newRow("v4 leading separator") << V4 << kDefaultLimit
                                          << QByteArray("\x1e"
                                                        "4a")
                                          << emptyInV4 << QByteArray() << 0;
    QTest::newRow("v4 separator only")
        << V4 << kDefaultLimit << QByteArray("\x1e") << emptyInV4 << QByteArray() << 0;
    QTest::newRow("v4 invalid base64")
        << V4 << kDefaultLimit
        << QByteArray("4a\x1e"
                      "bAQ!DBA==")
        << "invalid base64 in binary packet" << QByteArray("bAQ!DBA==") << 1;
    // "6:4hello" would be a NOOP with data in v4; a v3 OPEN is where it fails.
    QTest::newRow("v4 v3 body sent to a v4 decoder")
        << V4 << kDefaultLimit << "96:0" + v3SpecHandshake << "unknown Engine.IO packet type '9'"
        << "96:0" + v3SpecHandshake << 0;
    QTest::newRow("v4 over the limit in the first packet")
        << V4 << qint64(5) << QByteArray("4hello") << overLimit.arg(5) << QByteArray("4hello") << 0;
    QTest::newRow("v4 over the limit in a later packet")
        << V4 << qint64(6)
        << QByteArray("4hello\x1e"
                      "4world!\x1e"
                      "2")
        << overLimit.arg(6) << QByteArray("4world!") << 1;
    QTest::newRow("v4 over the limit, offending cut at limit + 1")
        << V4 << qint64(3) << QByteArray("4abcdefgh") << overLimit.arg(3) << QByteArray("4abc")
        << 0;

    // v3.
    QTest::newRow("v3 empty body")
        << V3 << kDefaultLimit << QByteArray() << "empty polling payload" << QByteArray() << 0;
    QTest::newRow("v3 letter in length prefix")
        << V3 << kDefaultLimit << QByteArray("a:4hey")
        << "v3 payload: length prefix is not a number (found 'a' where a digit or ':' was "
           "expected)"
        << QByteArray("a:4hey") << 0;
    QTest::newRow("v3 v4 body sent to a v3 decoder")
        << V3 << kDefaultLimit
        << QByteArray("4hello\x1e"
                      "2")
        << "v3 payload: length prefix is not a number (found 'h' where a digit or ':' was "
           "expected)"
        << QByteArray("4hello\x1e"
                      "2")
        << 0;
    QTest::newRow("v3 garbage after a good packet")
        << V3 << kDefaultLimit << QByteArray("4:4hey x")
        << "v3 payload: length prefix is not a number (found 0x20 where a digit or ':' was "
           "expected)"
        << QByteArray(" x") << 1;
    QTest::newRow("v3 empty length prefix")
        << V3 << kDefaultLimit << QByteArray(":4hey")
        << "v3 payload: length prefix is not a number (empty before ':')" << QByteArray(":4hey")
        << 0;
    QTest::newRow("v3 length prefix too long")
        << V3 << kDefaultLimit << QByteArray("1234567890123456:4")
        << "v3 payload: length prefix is not a number (more than 15 digits)"
        << QByteArray("1234567890123456:4") << 0;
    QTest::newRow("v3 body ends in a length prefix")
        << V3 << kDefaultLimit << QByteArray("4:4hey12")
        << "v3 payload: body ended inside a length prefix (no ':' after \"12\")" << QByteArray("12")
        << 1;
    QTest::newRow("v3 cut short")
        << V3 << kDefaultLimit << QByteArray("10:4hey")
        << "v3 payload: packet cut short (declared 10 UTF-16 units, body ended after 4)"
        << QByteArray("4hey") << 0;
    QTest::newRow("v3 cut short after the colon")
        << V3 << kDefaultLimit << QByteArray("1:21:")
        << "v3 payload: packet cut short (declared 1 UTF-16 units, body ended after 0)"
        << QByteArray() << 1;
    QTest::newRow("v3 cut short inside a character")
        << V3 << kDefaultLimit << "2:4" + euro.left(2)
        << "v3 payload: packet cut short (declared 2 UTF-16 units, body ended after 1)"
        << '4' + euro.left(2) << 0;
    QTest::newRow("v3 length counts bytes, not units")
        << V3 << kDefaultLimit << "4:4" + euro
        << "v3 payload: packet cut short (declared 4 UTF-16 units, body ended after 2)"
        << '4' + euro << 0;
    QTest::newRow("v3 length splits a surrogate pair")
        << V3 << kDefaultLimit << "2:4" + grinning
        << "v3 payload: length prefix of 2 UTF-16 units ends inside a character (half of a "
           "surrogate pair)"
        << '4' + grinning.left(1) << 0;
    QTest::newRow("v3 invalid UTF-8 lead byte")
        << V3 << kDefaultLimit
        << QByteArray("3:4\xff"
                      "ab")
        << "v3 payload: invalid UTF-8 (byte 0xff) in a packet" << QByteArray("4\xff") << 0;
    QTest::newRow("v3 invalid UTF-8 continuation")
        << V3 << kDefaultLimit << "2:4" + euro.left(1) + "ab"
        << "v3 payload: invalid UTF-8 (byte 0x61) in a packet" << '4' + euro.left(1) + 'a' << 0;
    QTest::newRow("v3 unknown type 9")
        << V3 << kDefaultLimit << QByteArray("4:4hey4:9hey") << "unknown Engine.IO packet type '9'"
        << QByteArray("9hey") << 1;
    QTest::newRow("v3 invalid base64")
        << V3 << kDefaultLimit << QByteArray("10:b4AQ!DBA==") << "invalid base64 in binary packet"
        << QByteArray("b4AQ!DBA==") << 0;
    QTest::newRow("v3 binary without the type")
        << V3 << kDefaultLimit << QByteArray("9:bAQIDBA==")
        << "v3 binary packet must start with \"b4\" (only messages carry binary data)"
        << QByteArray("bAQIDBA==") << 0;
    QTest::newRow("v3 declared length over the limit")
        << V3 << qint64(8) << QByteArray("20:4hello")
        << "polling packet exceeds the limit of 8 bytes (its v3 length prefix declares 20 UTF-16 "
           "units)"
        << QByteArray("20:4hello") << 0;
    QTest::newRow("v3 bytes over the limit, units within")
        << V3 << qint64(6) << "4:4" + euro + euro + euro << overLimit.arg(6) << '4' + euro + euro
        << 0;
    QTest::newRow("v3 over the limit in a later packet")
        << V3 << qint64(4) << QByteArray("4:4hey5:4heyo")
        << "polling packet exceeds the limit of 4 bytes (its "
           "v3 length prefix declares 5 UTF-16 units)"
        << QByteArray("5:4heyo") << 1;
}

void tst_PollingPayload::rejects()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(qint64, limit);
    QFETCH(QByteArray, body);
    QFETCH(QString, error);
    QFETCH(QByteArray, offending);
    QFETCH(int, packetsBefore);

    const Outcome outcome = decodeInChunks(version, limit, body, {});
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error, error);
    QCOMPARE(outcome.offending, offending);
    QCOMPARE(outcome.packets.size(), packetsBefore);
}

void tst_PollingPayload::rejectsInEveryChunking_data()
{
    rejects_data();
}

void tst_PollingPayload::rejectsInEveryChunking()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(qint64, limit);
    QFETCH(QByteArray, body);
    QFETCH(QString, error);
    QFETCH(int, packetsBefore);

    // The same error and the same good packets, wherever the chunks end. (The offending
    // segment may show less context when the chunk ends early.)
    for (const QList<qsizetype> &cuts : allChunkings(body.size())) {
        const Outcome outcome = decodeInChunks(version, limit, body, cuts);
        if (outcome.ok || outcome.error != error || outcome.packets.size() != packetsBefore)
            qWarning("failed with %s", describeCuts(cuts).constData());
        QVERIFY(!outcome.ok);
        QCOMPARE(outcome.error, error);
        QCOMPARE(outcome.packets.size(), packetsBefore);
    }
}

void tst_PollingPayload::packetsAvailableAsSoonAsComplete()
{
    PollingPayloadDecoder v4(V4, kDefaultLimit);
    QVERIFY(v4.feed("4hello\x1e"
                    "4wo"));
    QCOMPARE(v4.takePackets(), Packets{Packet(Packet::Message, "hello")});
    QVERIFY(v4.feed("rld"));
    QCOMPARE(v4.takePackets(), Packets{}); // the last packet ends with the body
    QVERIFY(v4.finish());
    QCOMPARE(v4.takePackets(), Packets{Packet(Packet::Message, "world")});

    PollingPayloadDecoder v3(V3, kDefaultLimit);
    QVERIFY(v3.feed("6:4hello6:4wo"));
    QCOMPARE(v3.takePackets(), Packets{Packet(Packet::Message, "hello")});
    QVERIFY(v3.feed("rld"));
    QCOMPARE(v3.takePackets(), Packets{Packet(Packet::Message, "world")}); // length known
    QVERIFY(v3.finish());
    QCOMPARE(v3.takePackets(), Packets{});
}

void tst_PollingPayload::failureIsSticky()
{
    PollingPayloadDecoder decoder(V4, kDefaultLimit);
    QVERIFY(!decoder.feed("9\x1e"
                          "4ok"));
    QVERIFY(decoder.hasError());
    QCOMPARE(decoder.errorString(), QStringLiteral("unknown Engine.IO packet type '9'"));
    QVERIFY(!decoder.feed("\x1e"
                          "4more"));
    QVERIFY(!decoder.finish());
    QCOMPARE(decoder.errorString(), QStringLiteral("unknown Engine.IO packet type '9'"));
    QCOMPARE(decoder.takePackets(), Packets{});
}

void tst_PollingPayload::finishPreparesTheNextBody()
{
    for (auto version : {V3, V4}) {
        PollingPayloadDecoder decoder(version, kDefaultLimit);
        const Packets first{Packet(Packet::Message, "one")};
        const Packets second{Packet(Packet::Ping), Packet(Packet::Message, "two")};
        QVERIFY(decoder.feed(EngineIoCodec::encodePayload(first, version)));
        QVERIFY(decoder.finish());
        QVERIFY(decoder.feed(EngineIoCodec::encodePayload(second, version)));
        QVERIFY(decoder.finish());
        QCOMPARE(decoder.takePackets(), first + second);
        // An empty body after a good one is still an empty body.
        QVERIFY(!decoder.finish());
        QCOMPARE(decoder.errorString(), QStringLiteral("empty polling payload"));
    }
}

void tst_PollingPayload::resetClearsAFailure()
{
    PollingPayloadDecoder decoder(V3, kDefaultLimit);
    QVERIFY(decoder.feed("4:4hey"));
    QVERIFY(!decoder.feed("x"));
    QVERIFY(decoder.hasError());
    decoder.reset();
    QVERIFY(!decoder.hasError());
    QCOMPARE(decoder.errorString(), QString());
    QCOMPARE(decoder.offendingSegment(), QByteArray());
    QCOMPARE(decoder.takePackets(), Packets{}); // reset drops untaken packets too
    QVERIFY(decoder.feed("1:2"));
    QVERIFY(decoder.finish());
    QCOMPARE(decoder.takePackets(), Packets{Packet(Packet::Ping)});
}

void tst_PollingPayload::hugePacketFailsAtTheLimit_data()
{
    QTest::addColumn<EngineIoVersion>("version");
    QTest::addColumn<QByteArray>("start");
    QTest::addColumn<QByteArray>("filler");
    QTest::addColumn<int>("failingChunk"); // index of the filler chunk that fails; -1: the start

    // A 1 MiB limit and a 100 MB packet fed in chunks of about 64 KiB: the decoder must fail in
    // the chunk where the packet passes 1 MiB, before it could buffer more.
    const QByteArray ascii(64 * 1024, 'a');
    const QByteArray euros = euro.repeated(64 * 1024 / 3); // 65535 bytes, whole characters
    // 1 + 16 * 65536 > 1048576
    QTest::newRow("v4 no separator") << V4 << QByteArray("4") << ascii << 15;
    // 17 * 65536 > 1048576, counted from the packet after the separator
    QTest::newRow("v4 after a good packet") << V4 << QByteArray("2\x1e") << ascii << 16;
    QTest::newRow("v3 declared length fails before any data")
        << V3 << QByteArray("100000000:4") << ascii << -1;
    // The units (1 + 17 * 21845) fit the declared 1000000, the bytes (1 + 17 * 65535) do not.
    QTest::newRow("v3 three-byte characters within the declared units")
        << V3 << QByteArray("1000000:4") << euros << 16;
}

void tst_PollingPayload::hugePacketFailsAtTheLimit()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(QByteArray, start);
    QFETCH(QByteArray, filler);
    QFETCH(int, failingChunk);

    constexpr qint64 limit = 1024 * 1024;
    PollingPayloadDecoder decoder(version, limit);
    int failedAt = -2;
    if (!decoder.feed(start)) {
        failedAt = -1;
    } else {
        const int chunks = 100 * 1000 * 1000 / filler.size();
        for (int i = 0; i < chunks; ++i) {
            // The same chunk every time: the test itself holds 64 KiB, not 100 MB.
            if (!decoder.feed(filler)) {
                failedAt = i;
                break;
            }
        }
    }
    QCOMPARE(failedAt, failingChunk);
    QVERIFY2(decoder.errorString().startsWith(
                 QStringLiteral("polling packet exceeds the limit of 1048576 bytes")),
             qPrintable(decoder.errorString()));
    QCOMPARE(decoder.offendingSegment().size(), qsizetype(failingChunk == -1 ? 11 : 4096));
}

void tst_PollingPayload::offendingSegmentIsCapped()
{
    PollingPayloadDecoder decoder(V4, kDefaultLimit);
    const QByteArray bad = '9' + QByteArray(10000, 'z');
    QVERIFY(!decoder.feed(bad + "\x1e"
                                "2"));
    QCOMPARE(decoder.errorString(), QStringLiteral("unknown Engine.IO packet type '9'"));
    QCOMPARE(decoder.offendingSegment(), bad.left(4096));
}

QTEST_APPLESS_MAIN(tst_PollingPayload)
#include "tst_pollingpayload.moc"
