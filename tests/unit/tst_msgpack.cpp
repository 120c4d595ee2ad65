// The MessagePack reader and writer (core/common) and the msgpack Socket.IO parser: every format
// renders to the documented JSON form and writes back to the same bytes; every prefix of a valid
// value is refused as truncated; lengths and counts that the bytes cannot hold are refused before
// anything is allocated; each violation is named with its offset. The packets are the bytes
// socket.io-msgpack-parser 3.0.2 (notepack.io) writes, captured from it.
#include "common/msgpackreader.h"
#include "common/msgpackwriter.h"
#include "socketio/sessiondecoder.h"
#include "socketio/socketiocodec.h"
#include "socketio/socketiomsgpackparser.h"

#include <QSignalSpy>
#include <QTest>

using Binaries = QList<QByteArray>;

class tst_Msgpack : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rendersJson_data();
    void rendersJson();
    void writesBackTheSameBytes_data() { rendersJson_data(); }
    void writesBackTheSameBytes();
    void everyPrefixIsTruncated_data() { rendersJson_data(); }
    void everyPrefixIsTruncated();
    void refuses_data();
    void refuses();
    void nestingIsBounded();
    void writerRefuses_data();
    void writerRefuses();
    void writerForms_data();
    void writerForms();
    void writerNesting();

    void decodesPackets_data();
    void decodesPackets();
    void encodesAsNotepack_data() { decodesPackets_data(); }
    void encodesAsNotepack();
    void refusesPackets_data();
    void refusesPackets();
    void checksAsTheTextRules_data();
    void checksAsTheTextRules();
    void receivedRules_data();
    void receivedRules();
    void sessionDecoderWithMsgpack();
};

// bytes (hex), the JSON rendering, the binaries, and whether the writer writes the same bytes
// (it writes the smallest form; a value in a wider form reads the same but writes shorter).
void tst_Msgpack::rendersJson_data()
{
    QTest::addColumn<QByteArray>("hex");
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<Binaries>("binaries");
    QTest::addColumn<bool>("canonical");
    const auto row = [](const char *name, const char *hex, const char *json, bool canonical = true,
                        Binaries binaries = {}) {
        QTest::newRow(name) << QByteArray(hex) << QByteArray(json) << binaries << canonical;
    };
    row("nil", "c0", "null");
    row("false", "c2", "false");
    row("true", "c3", "true");
    row("positive-fixint", "7f", "127");
    row("negative-fixint", "e0", "-32");
    row("uint8", "ccff", "255");
    row("uint16", "cd0100", "256");
    row("uint32", "ce00010000", "65536");
    row("uint64-safe", "cf001fffffffffffff", "9007199254740991", false);
    row("uint64-beyond-2^53-tagged", "cf1000000000000000",
        R"({"_msgpack":"int","value":"1152921504606846976"})");
    row("uint64-max-tagged", "cfffffffffffffffff",
        R"({"_msgpack":"int","value":"18446744073709551615"})");
    row("int8", "d080", "-128");
    row("int16", "d1ff7f", "-129");
    row("int32", "d2ffff7fff", "-32769");
    row("int64-beyond-2^53-tagged", "d3f000000000000000",
        R"({"_msgpack":"int","value":"-1152921504606846976"})");
    row("int8-in-a-wider-form", "d1fffe", "-2", false);
    row("float64", "cb3ff8000000000000", "1.5");
    row("float64-shortest-form", "cb3fb999999999999a", "0.1");
    row("float32", "ca3fc00000", "1.5", false);
    row("float64-nan-tagged", "cb7ff8000000000000", R"({"_msgpack":"float","value":"NaN"})");
    row("float64-infinity-tagged", "cb7ff0000000000000",
        R"({"_msgpack":"float","value":"Infinity"})");
    row("float64-minus-infinity-tagged", "cbfff0000000000000",
        R"({"_msgpack":"float","value":"-Infinity"})");
    row("fixstr", "a3616263", R"("abc")");
    row("fixstr-escapes", "a4220a5c41", R"("\"\n\\A")");
    row("fixstr-utf8", "a3e282ac", "\"\xe2\x82\xac\"");
    row("str8",
        "d920"
        "6161616161616161616161616161616161616161616161616161616161616161",
        R"("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")");
    row("str16-short",
        "da0001"
        "61",
        R"("a")", false);
    row("bin8", "c40300ff10", R"({"_placeholder":true,"num":0})", true,
        {QByteArray::fromHex("00ff10")});
    row("bin-empty", "c400", R"({"_placeholder":true,"num":0})", true, {QByteArray()});
    row("fixarray", "9301a178c0", R"([1,"x",null])");
    row("array16", "dc000101", "[1]", false);
    row("fixmap", "82a161c3a162c2", R"({"a":true,"b":false})");
    row("map-keeps-key-order", "82a17a01a16102", R"({"z":1,"a":2})");
    row("map16", "de0001a16101", R"({"a":1})", false);
    row("map-with-integer-key", "8201a17802a179",
        R"({"_msgpack":"map","entries":[[1,"x"],[2,"y"]]})");
    row("map-second-key-not-a-string", "82a161c40101c0c3",
        R"({"_msgpack":"map","entries":[["a",{"_placeholder":true,"num":0}],[null,true]]})", true,
        {QByteArray::fromHex("01")});
    row("bins-numbered-in-order", "92c40101c40102",
        R"([{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", true,
        {QByteArray::fromHex("01"), QByteArray::fromHex("02")});
    row("timestamp32", "d6ff00000001", R"({"_msgpack":"timestamp","seconds":1,"nanoseconds":0})");
    row("timestamp64", "d7ff0000000400000001",
        R"({"_msgpack":"timestamp","seconds":1,"nanoseconds":1})");
    row("timestamp96", "c70cff00000001ffffffffffffffff",
        R"({"_msgpack":"timestamp","seconds":-1,"nanoseconds":1})");
    row("fixext1-notepack-undefined", "d40000", R"({"_msgpack":"ext","type":0,"base64":"AA=="})");
    row("ext8", "c70305616263", R"({"_msgpack":"ext","type":5,"base64":"YWJj"})");
    row("nested", "81a16191929100a0", R"({"a":[[[0],""]]})");
}

void tst_Msgpack::rendersJson()
{
    QFETCH(QByteArray, hex);
    QFETCH(QByteArray, json);
    QFETCH(Binaries, binaries);
    const QByteArray bytes = QByteArray::fromHex(hex);
    MsgpackReader reader(bytes);
    QByteArray rendered;
    Binaries bins;
    QVERIFY2(reader.readJson(&rendered, &bins), qPrintable(reader.errorString()));
    QCOMPARE(rendered, json);
    QCOMPARE(bins, binaries);
    QVERIFY(reader.atEnd());
}

void tst_Msgpack::writesBackTheSameBytes()
{
    QFETCH(QByteArray, hex);
    QFETCH(QByteArray, json);
    QFETCH(Binaries, binaries);
    QFETCH(bool, canonical);
    MsgpackWriter writer;
    QString error;
    QVERIFY2(writer.writeJson(json, binaries, &error), qPrintable(error));
    if (canonical)
        QCOMPARE(writer.data().toHex(), hex);
    // Whatever the form, it reads back as the same value.
    MsgpackReader reader(writer.data());
    QByteArray again;
    Binaries bins;
    QVERIFY2(reader.readJson(&again, &bins), qPrintable(reader.errorString()));
    QCOMPARE(again, json);
    QCOMPARE(bins, binaries);
}

void tst_Msgpack::everyPrefixIsTruncated()
{
    QFETCH(QByteArray, hex);
    const QByteArray bytes = QByteArray::fromHex(hex);
    for (qsizetype cut = 0; cut < bytes.size(); ++cut) {
        MsgpackReader reader(QByteArrayView(bytes).first(cut));
        QByteArray json;
        Binaries bins;
        QVERIFY2(!reader.readJson(&json, &bins), qPrintable(QString::number(cut)));
        QVERIFY2(reader.errorString().contains(QLatin1String("truncated")) ||
                     reader.errorString().contains(QLatin1String("announced")),
                 qPrintable(reader.errorString()));
        QVERIFY(reader.errorOffset() >= 0 && reader.errorOffset() <= cut);
    }
}

void tst_Msgpack::refuses_data()
{
    QTest::addColumn<QByteArray>("hex");
    QTest::addColumn<QString>("error");
    QTest::newRow("empty") << QByteArray("")
                           << QStringLiteral("truncated: a value is missing at offset 0");
    QTest::newRow("never-used-byte-c1")
        << QByteArray("91c1")
        << QStringLiteral("byte 0xc1 starts no MessagePack value at offset 1");
    QTest::newRow("bin32-announcing-4-GB-in-10-bytes")
        << QByteArray("c6ffffffff0102030405")
        << QStringLiteral(
               "bin of 4294967295 bytes exceeds the limit of 104857600 bytes at offset 0");
    QTest::newRow("str-longer-than-the-frame")
        << QByteArray("d9ff616263")
        << QStringLiteral("str of 255 bytes announced, but 3 bytes are left at offset 0");
    QTest::newRow("array32-announcing-more-items-than-bytes")
        << QByteArray("ddfffffff00102")
        << QStringLiteral("array of 4294967280 items exceeds the limit of 10000000 at offset 0");
    QTest::newRow("map16-announcing-more-entries-than-bytes")
        << QByteArray("de0100a161c3")
        << QStringLiteral("map of 256 entries announced, but 3 bytes are left at offset 0");
    QTest::newRow("str-not-utf8") << QByteArray("a361ff62")
                                  << QStringLiteral("str is not UTF-8 (byte 0xff) at offset 2");
    QTest::newRow("timestamp-of-3-bytes")
        << QByteArray("c703ff010203")
        << QStringLiteral("timestamp of 3 bytes (4, 8 or 12 expected) at offset 0");
    QTest::newRow("timestamp-nanoseconds-over-a-second")
        << QByteArray("c70cff3b9aca000000000000000000")
        << QStringLiteral("timestamp with 1000000000 nanoseconds at offset 0");
}

void tst_Msgpack::refuses()
{
    QFETCH(QByteArray, hex);
    QFETCH(QString, error);
    const QByteArray bytes = QByteArray::fromHex(hex);
    MsgpackReader reader(bytes);
    QByteArray json;
    Binaries bins;
    QVERIFY(!reader.readJson(&json, &bins));
    QCOMPARE(reader.errorString(), error);
}

void tst_Msgpack::nestingIsBounded()
{
    // 100,000 nested one-item arrays: refused at the limit, not by the stack.
    const QByteArray deep = QByteArray(100000, char(0x91)) + char(0xc0);
    MsgpackReader reader(deep);
    QByteArray json;
    Binaries bins;
    QVERIFY(!reader.readJson(&json, &bins));
    QCOMPARE(reader.errorString(),
             QStringLiteral("nesting deeper than 1000 levels at offset 1000"));

    MsgpackLimits limits;
    limits.maxDepth = 3;
    const QByteArray threeDeep = QByteArray::fromHex("919191c0"); // the reader keeps a view
    MsgpackReader shallow(threeDeep, limits);
    json.clear();
    QVERIFY2(shallow.readJson(&json, &bins), qPrintable(shallow.errorString()));
    QCOMPARE(json, QByteArray("[[[null]]]"));
}

void tst_Msgpack::writerRefuses_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::newRow("not-json") << QByteArray("[1,") << QStringLiteral("offset");
    QTest::newRow("placeholder-without-its-binary")
        << QByteArray(R"([{"_placeholder":true,"num":1}])")
        << QStringLiteral("placeholder num 1 has no binary (1 given) at offset 1");
    QTest::newRow("unknown-tag") << QByteArray(R"({"_msgpack":"uuid"})")
                                 << QStringLiteral(R"(unknown "_msgpack" form "uuid" at offset 0)");
    QTest::newRow("int-tag-not-a-number")
        << QByteArray(R"({"_msgpack":"int","value":"12x"})") << QStringLiteral("decimal string");
    QTest::newRow("ext-type-out-of-range")
        << QByteArray(R"({"_msgpack":"ext","type":300,"base64":""})")
        << QStringLiteral("-128..127");
}

void tst_Msgpack::writerRefuses()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    MsgpackWriter writer;
    QString actual;
    QVERIFY(!writer.writeJson(json, {QByteArray("x")}, &actual));
    QVERIFY2(actual.contains(error), qPrintable(actual));
}

// What writeJson writes for the forms its one pass treats each its own way (the bytes are those
// of the tree writer it replaced): escapes that shorten a string's header, headers widened when a
// container closes with more than 15 items, whitespace, integers at every width, floats through
// both number readers, placeholders in and out of socket.io's form, special objects found late.
void tst_Msgpack::writerForms_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QByteArray>("hex");
    QTest::newRow("escapes-shorten-a-str8-to-a-fixstr")
        << QByteArray(R"("\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n")")
        << QByteArray("b00a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a");
    QTest::newRow("escapes-unicode-and-lone-surrogates")
        << QByteArray(R"(["\u00e9\u20ac\ud83d\ude00\/", "\ud800", "\udc00x"])")
        << QByteArray("93aac3a9e282acf09f98802fa3efbfbda4efbfbd78");
    QTest::newRow("str8-plain") << QByteArray('"' + QByteArray(245, 'a') + '"')
                                << QByteArray("d9f5" + QByteArray(245, 'a').toHex());
    QTest::newRow("array16-widened") << QByteArray("[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]")
                                     << QByteArray("dc0010000102030405060708090a0b0c0d0e0f");
    QTest::newRow("map16-widened-in-an-array")
        << QByteArray(R"([{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,)"
                      R"("l":12,"m":13,"n":14,"o":15,"p":16},[]])")
        << QByteArray("92de0010a16101a16202a16303a16404a16505a16606a16707a16808a16909a16a0aa16b0ba1"
                      "6c0ca16d0da16e0ea16f0fa1701090");
    QByteArray ones = "[1";
    for (int i = 1; i < 65536; ++i)
        ones += ",1";
    QTest::newRow("array32-widened")
        << QByteArray(ones + "]") << QByteArray("dd00010000" + QByteArray(65536, 1).toHex());
    QTest::newRow("whitespace-everywhere")
        << QByteArray(" {\n\t\"a\" : [ 1 , { } , [ ] , true , false , null ] \r\n} ")
        << QByteArray("81a16196018090c3c2c0");
    QTest::newRow("integers")
        << QByteArray("[127,128,255,256,65535,65536,4294967295,4294967296,-1,-32,-33,-128,-129,"
                      "-32768,-32769,-2147483648,-2147483649,999999999999999999,"
                      "9223372036854775807,18446744073709551615,-9223372036854775808,-0]")
        << QByteArray("dc00167fcc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000ffe0d0df"
                      "d080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7fffffffcf0de0b6b3a763ffffcf"
                      "7fffffffffffffffcfffffffffffffffffd3800000000000000000");
    QTest::newRow("integers-beyond-64-bits-are-float64")
        << QByteArray("[18446744073709551616,-9223372036854775809]")
        << QByteArray("92cb43f0000000000000cbc3e0000000000000");
    QTest::newRow("floats")
        << QByteArray("[1.5,-0.25,1e3,1E-3,0.1,46.25,1.7976931348623157e308,5e-324,0.0,-0.0,0e10]")
        << QByteArray("9bcb3ff8000000000000cbbfd0000000000000cb408f400000000000cb3f50624dd2f1a9fc"
                      "cb3fb999999999999acb4047200000000000cb7fefffffffffffffcb000000000000000"
                      "1cb0000000000000000cb8000000000000000cb0000000000000000");
    QTest::newRow("placeholders-in-any-form")
        << QByteArray(R"([{"_placeholder":true,"num":1},{ "_placeholder" : true , "num" : 0 },)"
                      R"({"num":0,"_placeholder":true}])")
        << QByteArray("93c5012c" + QByteArray(300, 'b').toHex() + "c40161c40161");
    QTest::newRow("placeholder-like-objects-are-maps")
        << QByteArray(R"([{"_placeholder":true,"num":0,"x":1},{"_placeholder":false,"num":0},)"
                      R"({"_placeholder":true}])")
        << QByteArray("9383ac5f706c616365686f6c646572c3a36e756d00a1780182ac5f706c616365686f6c6465"
                      "72c2a36e756d0081ac5f706c616365686f6c646572c3");
    QTest::newRow("tag-after-another-key")
        << QByteArray(R"({"value":"-5","_msgpack":"int"})") << QByteArray("fb");
    QTest::newRow("tag-by-an-escaped-key")
        << QByteArray(R"({"_msg\u0070ack":"float","value":"NaN"})")
        << QByteArray("cb7ff8000000000000");
    QTest::newRow("special-objects-deep-inside")
        << QByteArray(R"({"a":[1,{"b":{"_msgpack":"timestamp","seconds":1,"nanoseconds":0}},)"
                      R"("c"],"d":{"_placeholder":true,"num":0}})")
        << QByteArray("82a161930181a162d6ff00000001a163a164c40161");
}

void tst_Msgpack::writerForms()
{
    QFETCH(QByteArray, json);
    QFETCH(QByteArray, hex);
    MsgpackWriter writer;
    writer.writeNil(); // what was written before stays
    QString error;
    QVERIFY2(writer.writeJson(json, {QByteArray("a"), QByteArray(300, 'b')}, &error),
             qPrintable(error));
    QCOMPARE(writer.data().toHex(), "c0" + hex);
}

// As deep as JsonScanner lets the text nest, and not deeper.
void tst_Msgpack::writerNesting()
{
    // depth containers around a placeholder (an object: one level more).
    for (const int depth : {999, 1000}) {
        for (const bool objects : {false, true}) {
            QByteArray json;
            for (int i = 0; i < depth; ++i)
                json += objects ? R"({"k":)" : "[";
            json += R"({"_placeholder":true,"num":0})";
            json += QByteArray(depth, objects ? '}' : ']');
            MsgpackWriter writer;
            QString error;
            const bool ok = writer.writeJson(json, {QByteArray("x")}, &error);
            if (depth == 999) {
                QVERIFY2(ok, qPrintable(error));
                const QByteArray level = objects ? QByteArray::fromHex("81a16b") : "\x91";
                QCOMPARE(writer.data(), level.repeated(depth) + QByteArray::fromHex("c40178"));
            } else {
                QVERIFY(!ok);
                QCOMPARE(error, QStringLiteral("nesting deeper than 1000 levels at offset %1")
                                    .arg(objects ? 5000 : 1000));
            }
        }
    }
}

// Captured from socket.io-msgpack-parser 3.0.2's Encoder.
void tst_Msgpack::decodesPackets_data()
{
    QTest::addColumn<QByteArray>("hex");
    QTest::addColumn<SocketIoPacket>("packet");
    const auto packet = [](SocketIoPacket::Type type, const char *nsp, const char *payload,
                           qint64 id = -1, Binaries binaries = {}) {
        SocketIoPacket p(type, QString::fromUtf8(nsp), QByteArray(payload), id);
        p.attachments = binaries;
        return p;
    };
    QTest::newRow("connect-with-auth")
        << QByteArray("83a47479706500a36e7370a12fa46461746181a5746f6b656ea3616263")
        << packet(SocketIoPacket::Connect, "/", R"({"token":"abc"})");
    QTest::newRow("connect-without-data") << QByteArray("82a47479706500a36e7370a62f61646d696e")
                                          << packet(SocketIoPacket::Connect, "/admin", "");
    QTest::newRow("event-with-ack-id")
        << QByteArray("84a47479706502a36e7370a12fa46461746193a568656c6c6f0181a161c3a2696407")
        << packet(SocketIoPacket::Event, "/", R"(["hello",1,{"a":true}])", 7);
    QTest::newRow("ack-on-a-namespace")
        << QByteArray("84a47479706503a36e7370a52f63686174a46461746191c0a2696407")
        << packet(SocketIoPacket::Ack, "/chat", "[null]", 7);
    QTest::newRow("event-with-a-buffer-is-a-binary-event")
        << QByteArray("83a47479706502a36e7370a12fa46461746192a466696c65c40300ff10")
        << packet(SocketIoPacket::BinaryEvent, "/", R"(["file",{"_placeholder":true,"num":0}])", -1,
                  {QByteArray::fromHex("00ff10")});
    QTest::newRow("connect-error")
        << QByteArray("83a47479706504a36e7370a12fa46461746181a76d657373616765ae4e6f7420617574686f"
                      "72697a6564")
        << packet(SocketIoPacket::ConnectError, "/", R"({"message":"Not authorized"})");
    QTest::newRow("disconnect") << QByteArray("82a47479706501a36e7370a12f")
                                << packet(SocketIoPacket::Disconnect, "/", "");
}

void tst_Msgpack::decodesPackets()
{
    QFETCH(QByteArray, hex);
    QFETCH(SocketIoPacket, packet);
    SocketIoPacket decoded;
    QString error;
    QVERIFY2(SocketIoMsgpackParser::decodePacket(QByteArray::fromHex(hex), {}, &decoded, &error),
             qPrintable(error));
    QCOMPARE(decoded, packet);
}

void tst_Msgpack::encodesAsNotepack()
{
    QFETCH(QByteArray, hex);
    QFETCH(SocketIoPacket, packet);
    SocketIoMsgpackParser parser;
    QString error;
    QVERIFY2(parser.validate(packet, SocketIoProtocol::V5, &error), qPrintable(error));
    const SocketIoParser::Encoded encoded = parser.encode(packet, SocketIoProtocol::V5);
    QCOMPARE(encoded.messages.size(), 1);
    QVERIFY(encoded.messages.first().binary);
    QCOMPARE(encoded.messages.first().data.toHex(), hex);
}

void tst_Msgpack::refusesPackets_data()
{
    QTest::addColumn<QByteArray>("hex");
    QTest::addColumn<QString>("error");
    QTest::newRow("not-a-map") << QByteArray("9102")
                               << QStringLiteral("the packet is a array, not a map at offset 0");
    QTest::newRow("type-out-of-range") << QByteArray("82a47479706507a36e7370a12f")
                                       << QStringLiteral("invalid packet type 7 at offset 6");
    QTest::newRow("type-not-an-integer")
        << QByteArray("82a474797065a132a36e7370a12f")
        << QStringLiteral("type is a str, not an integer at offset 6");
    QTest::newRow("nsp-not-a-string") << QByteArray("82a47479706502a36e737001")
                                      << QStringLiteral("nsp is a integer, not a str at offset 11");
    QTest::newRow("no-nsp") << QByteArray("81a47479706501")
                            << QStringLiteral("the packet has no nsp at offset 0");
    QTest::newRow("no-type") << QByteArray("81a36e7370a12f")
                             << QStringLiteral("the packet has no type at offset 0");
    QTest::newRow("event-data-not-an-array")
        << QByteArray("83a47479706502a36e7370a12fa46461746181a161c3")
        << QStringLiteral("EVENT payload must be a non-empty array at offset 18");
    QTest::newRow("ack-id-negative") << QByteArray("84a47479706503a36e7370a12fa4646174619"
                                                   "0a26964ff")
                                     << QStringLiteral("the ack id is not a non-negative integer "
                                                       "at offset 22");
    QTest::newRow("bytes-after-the-packet")
        << QByteArray("82a47479706501a36e7370a12fc0")
        << QStringLiteral("1 bytes follow the packet at offset 13");
    QTest::newRow("truncated") << QByteArray("82a47479706501a36e7370a1")
                               << QStringLiteral("str of 1 bytes announced, but 0 bytes are left "
                                                 "at offset 11");
}

void tst_Msgpack::refusesPackets()
{
    QFETCH(QByteArray, hex);
    QFETCH(QString, error);
    SocketIoPacket packet;
    QString actual;
    QVERIFY(!SocketIoMsgpackParser::decodePacket(QByteArray::fromHex(hex), {}, &packet, &actual));
    QCOMPARE(actual, error);
}

// validate() and a send (checkAndEncode()) check the packet while they write it, reading the
// payload's shape off the MessagePack written and scanning the text only when an object needed
// the tree. Whatever the path, the verdict and the words are the text rules'
// (SocketIoEncoder::validate), and what is sent is what encode() writes.
void tst_Msgpack::checksAsTheTextRules_data()
{
    QTest::addColumn<SocketIoPacket>("packet");
    const auto event = [](const char *payload, Binaries binaries = {}) {
        SocketIoPacket p(binaries.isEmpty() ? SocketIoPacket::Event : SocketIoPacket::BinaryEvent,
                         QStringLiteral("/"), QByteArray(payload));
        p.attachments = binaries;
        return p;
    };
    const auto packet = [](SocketIoPacket::Type type, const char *payload, qint64 id = -1) {
        return SocketIoPacket(type, QStringLiteral("/chat"), QByteArray(payload), id);
    };
    QTest::newRow("event") << event(R"(["chat",{"text":"hi","n":1}])");
    QTest::newRow("event-non-ascii-name") << event(R"(["çà va",1])");
    QTest::newRow("event-number-name") << event("[42,true]");
    QTest::newRow("event-number-name-beyond-2^53") << event("[18446744073709551615]");
    QTest::newRow("event-float-name") << event("[1.5e300]");
    for (const char *reserved : {"connect", "connect_error", "disconnect", "disconnecting",
                                 "newListener", "removeListener"}) {
        QTest::addRow("event-reserved-name-%s", reserved)
            << event(QByteArray("[\"" + QByteArray(reserved) + "\",1]").constData());
    }
    QTest::newRow("event-reserved-name-escaped") << event(R"(["conn\u0065ct"])");
    QTest::newRow("event-name-prefix-of-a-reserved-one") << event(R"(["connec"])");
    QTest::newRow("event-object-name") << event(R"([{"a":1}])");
    QTest::newRow("event-null-name") << event("[null]");
    QTest::newRow("event-empty-array") << event("[]");
    QTest::newRow("event-object-payload") << event(R"({"a":1})");
    QTest::newRow("event-string-payload") << event(R"("chat")");
    QTest::newRow("event-no-payload") << event("");
    QTest::newRow("event-not-json") << event(R"(["chat",)");
    QTest::newRow("event-trailing-garbage") << event(R"(["chat"] x)");
    QTest::newRow("event-nested-1001-deep")
        << event((QByteArray("[\"deep\",") + QByteArray(1000, '[') + QByteArray(1000, ']') + "]")
                     .constData());
    QTest::newRow("binary-event") << event(R"(["file",{"_placeholder":true,"num":0}])", {"abc"});
    QTest::newRow("binary-event-placeholder-keys-reordered")
        << event(R"(["file",{"num":0,"_placeholder":true}])", {"abc"});
    QTest::newRow("binary-event-placeholder-key-escaped")
        << event(R"(["file",{"_placeh\u006flder":true,"num":0}])", {"abc"});
    QTest::newRow("binary-event-attachment-not-referenced")
        << event(R"(["file",{"_placeholder":true,"num":0}])", {"abc", "def"});
    QTest::newRow("binary-event-placeholder-out-of-range")
        << event(R"(["file",{"_placeholder":true,"num":1}])", {"abc"});
    QTest::newRow("binary-event-placeholder-num-negative")
        << event(R"(["file",{"_placeholder":true,"num":-1}])", {"abc"});
    QTest::newRow("event-placeholder-without-attachments")
        << event(R"(["file",{"_placeholder":true,"num":0}])");
    QTest::newRow("event-msgpack-form") << event(R"(["t",{"_msgpack":"int","value":"12"}])");
    QTest::newRow("event-msgpack-form-malformed") << event(R"(["t",{"_msgpack":"uuid"}])");
    QTest::newRow("connect-object") << packet(SocketIoPacket::Connect, R"({"token":"abc"})");
    QTest::newRow("connect-none") << packet(SocketIoPacket::Connect, "");
    QTest::newRow("connect-array") << packet(SocketIoPacket::Connect, "[1]");
    QTest::newRow("connect-null") << packet(SocketIoPacket::Connect, "null");
    QTest::newRow("connect-error-string") << packet(SocketIoPacket::ConnectError, R"("no")");
    QTest::newRow("connect-error-number") << packet(SocketIoPacket::ConnectError, "7");
    QTest::newRow("disconnect") << packet(SocketIoPacket::Disconnect, "");
    QTest::newRow("disconnect-with-payload") << packet(SocketIoPacket::Disconnect, "{}");
    QTest::newRow("ack") << packet(SocketIoPacket::Ack, "[1,2]", 9);
    QTest::newRow("ack-not-an-array") << packet(SocketIoPacket::Ack, "{}", 9);
    QTest::newRow("ack-without-id") << packet(SocketIoPacket::Ack, "[]");
    QTest::newRow("event-with-ack-id")
        << SocketIoPacket(SocketIoPacket::Event, QStringLiteral("/"), QByteArray(R"(["q"])"), 3);
    QTest::newRow("namespace-without-slash")
        << SocketIoPacket(SocketIoPacket::Event, QStringLiteral("chat"), QByteArray(R"(["q"])"));
}

void tst_Msgpack::checksAsTheTextRules()
{
    QFETCH(SocketIoPacket, packet);
    QString textError;
    const bool textAccepts = SocketIoEncoder::validate(packet, SocketIoProtocol::V5, &textError);
    const SocketIoMsgpackParser parser;
    QString error;
    const bool accepts = parser.validate(packet, SocketIoProtocol::V5, &error);
    SocketIoParser::Encoded sent;
    QString sendError;
    const bool sends = parser.checkAndEncode(packet, SocketIoProtocol::V5, &sent, &sendError);
    QCOMPARE(sends, accepts);
    QCOMPARE(sendError, error);
    if (QByteArray(QTest::currentDataTag()).startsWith("event-msgpack-form-malformed")) {
        // Text that the text rules accept but MessagePack has no form for: the writer's words.
        QVERIFY(textAccepts);
        QVERIFY(!accepts);
        QVERIFY2(error.contains(QLatin1String("unknown \"_msgpack\" form")), qPrintable(error));
        return;
    }
    QCOMPARE(accepts, textAccepts);
    QCOMPARE(error, textError);
    if (accepts) {
        QCOMPARE(sent.raw, SocketIoMsgpackParser::encodePacket(packet));
        QCOMPARE(sent.messages.size(), 1);
        QCOMPARE(sent.messages.first().data, sent.raw);
    }
}

// A received packet passes the text rules on the JSON it renders to, read off the MessagePack:
// an integer beyond 2^53 renders as an "_msgpack" object (no event name), a map with a
// "_placeholder" key looks like a placeholder and is checked as one.
void tst_Msgpack::receivedRules_data()
{
    QTest::addColumn<QByteArray>("hex");
    QTest::addColumn<QString>("error"); // empty: decoded
    // {type: 2, nsp: "/", data: <data>}
    const auto event = [](const char *data) {
        return QByteArray("83a47479706502a36e7370a12fa464617461") + data;
    };
    QTest::newRow("name-a-string") << event("91a463686174") << QString();
    QTest::newRow("name-an-integer") << event("912a") << QString();
    QTest::newRow("name-a-float") << event("91cb3ff8000000000000") << QString();
    QTest::newRow("name-an-integer-beyond-2^53")
        << event("91cfffffffffffffffff")
        << QStringLiteral("EVENT name (the first array item) must be a string or a number at "
                          "offset 18");
    QTest::newRow("name-nil") << event("91c0")
                              << QStringLiteral("EVENT name (the first array item) must be a "
                                                "string or a number at offset 18");
    QTest::newRow("name-reserved")
        << event("91a7636f6e6e656374")
        << QStringLiteral("event name 'connect' is reserved at offset 18");
    QTest::newRow("name-a-bin") << event("91c40101")
                                << QStringLiteral("BINARY_EVENT name (the first array item) must "
                                                  "be a string or a number at offset 18");
    QTest::newRow("data-a-map") << event("81a161c3")
                                << QStringLiteral("EVENT payload must be a non-empty array at "
                                                  "offset 18");
    QTest::newRow("data-empty") << event("90")
                                << QStringLiteral("EVENT payload must be a non-empty array at "
                                                  "offset 18");
    // ["x", {"_placeholder": true, "num": 0}] with no bin: a placeholder of nothing.
    QTest::newRow("placeholder-map-without-a-bin")
        << event("92a17882ac5f706c616365686f6c646572c3a36e756d00")
        << QStringLiteral("placeholder num 0 out of range (0 attachments) at offset 18");
    // ["x", <bin>, {"_placeholder": true, "num": 0}]: two placeholders for one bin.
    QTest::newRow("placeholder-map-beside-a-bin")
        << event("93a178c4010182ac5f706c616365686f6c646572c3a36e756d00") << QString();
    // CONNECT with data nil
    QTest::newRow("connect-data-nil")
        << QByteArray("83a47479706500a36e7370a12fa464617461c0")
        << QStringLiteral("CONNECT payload must be an object at offset 18");
}

void tst_Msgpack::receivedRules()
{
    QFETCH(QByteArray, hex);
    QFETCH(QString, error);
    SocketIoPacket packet;
    QString actual;
    const bool decoded =
        SocketIoMsgpackParser::decodePacket(QByteArray::fromHex(hex), {}, &packet, &actual);
    QCOMPARE(actual, error);
    QCOMPARE(decoded, error.isEmpty());
    if (decoded) {
        // The same verdict as the text rules on the rendered packet.
        QString textError;
        QVERIFY2(SocketIoEncoder::validate(packet, SocketIoProtocol::V5, &textError),
                 qPrintable(textError));
    }
}

// The session decoder over the msgpack parser: a packet per binary message, a text message an
// error recorded with its bytes, and the ack paired.
void tst_Msgpack::sessionDecoderWithMsgpack()
{
    SocketIoMsgpackParser parser;
    SessionDecoder decoder;
    decoder.setParser(&parser);
    QSignalSpy spy(&decoder, &SessionDecoder::packetRecorded);
    const QByteArray event =
        QByteArray::fromHex("84a47479706502a36e7370a12fa46461746193a568656c6c6f0181a161c3a2696407");
    decoder.observeEnginePacket(PacketRecord::Direction::Out,
                                EngineIoPacket(EngineIoPacket::Message, event, true),
                                TransportKind::WebSocket);
    decoder.observeEnginePacket(
        PacketRecord::Direction::In,
        EngineIoPacket(EngineIoPacket::Message,
                       QByteArray::fromHex("84a47479706503a36e7370a12fa46461746191c0a2696407"),
                       true),
        TransportKind::WebSocket);
    QCOMPARE(spy.size(), 2);
    const auto ack = spy.at(1).first().value<PacketRecord>();
    QCOMPARE(ack.type, quint8(SocketIoPacket::Ack));
    QCOMPARE(ack.payload, QByteArray("[null]"));
    QVERIFY(ack.rttUs >= 0);
    QVERIFY2(ack.error.isEmpty(), qPrintable(ack.error));

    const SessionDecoder::Decoded text =
        decoder.decodeMessage(PacketRecord::Direction::In, R"(2["x"])", false);
    QCOMPARE(text.status, SessionDecoder::Decoded::Status::Error);
    QVERIFY2(text.error.startsWith(QStringLiteral("text message under the msgpack parser")),
             qPrintable(text.error));
    QCOMPARE(spy.size(), 3);
}

QTEST_GUILESS_MAIN(tst_Msgpack)
#include "tst_msgpack.moc"
