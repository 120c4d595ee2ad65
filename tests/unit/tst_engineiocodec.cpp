// Engine.IO packets in WebSocket frames and polling bodies (encoding), and the OPEN handshake.
// The rows follow the examples of the engine.io-protocol spec (v4 README, v3 branch README).
#include "engineio/engineiocodec.h"
#include "engineio/engineiopacket.h"

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

// Non-ASCII samples: U+20AC is 3 UTF-8 bytes and 1 UTF-16 unit; U+1F600 is 4 bytes and 2 units.
const QByteArray euro = QByteArrayLiteral("\xe2\x82\xac");
const QByteArray grinning = QByteArrayLiteral("\xf0\x9f\x98\x80");
const QByteArray bytes1234 = QByteArray::fromHex("01020304");

const QByteArray v4SpecHandshake =
    R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,)"
    R"("pingTimeout":20000,"maxPayload":1000000})";
const QByteArray v3SpecHandshake = R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],)"
                                   R"("pingInterval":25000,"pingTimeout":5000})";
const QByteArray v3SpecWebSocketOnlyHandshake =
    R"({"sid":"lv_VI97HAXpY6yYWAAAC","pingInterval":25000,"pingTimeout":5000})";

} // namespace

class tst_EngineIoCodec : public QObject
{
    Q_OBJECT

private slots:
    void transportNames();
    void typeNames_data();
    void typeNames();

    void decodeText_data();
    void decodeText();
    void encodeText_data();
    void encodeText();
    void textRoundTrip_data();
    void textRoundTrip();
    void decodeTextRejects_data();
    void decodeTextRejects();

    void encodeBinaryFrame_data();
    void encodeBinaryFrame();
    void decodeBinaryFrame_data();
    void decodeBinaryFrame();
    void decodeBinaryFrameRejects_data();
    void decodeBinaryFrameRejects();

    void encodePayload_data();
    void encodePayload();

    void v3BinaryPayload();
    void v3BinaryPayloadRejects_data();
    void v3BinaryPayloadRejects();

    void handshakeFromJson_data();
    void handshakeFromJson();
    void handshakeRejects_data();
    void handshakeRejects();
    void handshakeToJson_data();
    void handshakeToJson();
};

void tst_EngineIoCodec::transportNames()
{
    QCOMPARE(transportName(TransportKind::Polling), QStringLiteral("polling"));
    QCOMPARE(transportName(TransportKind::WebSocket), QStringLiteral("websocket"));
    QCOMPARE(transportName(TransportKind::None), QString());
}

void tst_EngineIoCodec::typeNames_data()
{
    QTest::addColumn<Packet::Type>("type");
    QTest::addColumn<QString>("name");
    QTest::newRow("0 open") << Packet::Open << "OPEN";
    QTest::newRow("1 close") << Packet::Close << "CLOSE";
    QTest::newRow("2 ping") << Packet::Ping << "PING";
    QTest::newRow("3 pong") << Packet::Pong << "PONG";
    QTest::newRow("4 message") << Packet::Message << "MESSAGE";
    QTest::newRow("5 upgrade") << Packet::Upgrade << "UPGRADE";
    QTest::newRow("6 noop") << Packet::Noop << "NOOP";
    QTest::newRow("out of range") << Packet::Type(9) << "UNKNOWN(9)";
}

void tst_EngineIoCodec::typeNames()
{
    QFETCH(Packet::Type, type);
    QFETCH(QString, name);
    QCOMPARE(EngineIoPacket::typeName(type), name);
}

// Text forms that decode to exactly one packet, and encode back to the same text.
static void addTextForms()
{
    QTest::addColumn<EngineIoVersion>("version");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<Packet>("packet");

    // v4 spec examples.
    QTest::newRow("v4 open with handshake")
        << V4 << '0' + v4SpecHandshake << Packet(Packet::Open, v4SpecHandshake);
    QTest::newRow("v4 close") << V4 << QByteArray("1") << Packet(Packet::Close);
    QTest::newRow("v4 ping") << V4 << QByteArray("2") << Packet(Packet::Ping);
    QTest::newRow("v4 pong") << V4 << QByteArray("3") << Packet(Packet::Pong);
    QTest::newRow("v4 ping probe") << V4 << QByteArray("2probe") << Packet(Packet::Ping, "probe");
    QTest::newRow("v4 pong probe") << V4 << QByteArray("3probe") << Packet(Packet::Pong, "probe");
    QTest::newRow("v4 message hello")
        << V4 << QByteArray("4hello") << Packet(Packet::Message, "hello");
    QTest::newRow("v4 upgrade") << V4 << QByteArray("5") << Packet(Packet::Upgrade);
    QTest::newRow("v4 noop") << V4 << QByteArray("6") << Packet(Packet::Noop);
    QTest::newRow("v4 empty message") << V4 << QByteArray("4") << Packet(Packet::Message);
    QTest::newRow("v4 message euro (UTF-8 kept as is)")
        << V4 << '4' + euro << Packet(Packet::Message, euro);
    QTest::newRow("v4 message emoji") << V4 << '4' + grinning << Packet(Packet::Message, grinning);
    QTest::newRow("v4 message starting with a digit")
        << V4 << QByteArray("42[\"x\",1]") << Packet(Packet::Message, "2[\"x\",1]");
    QTest::newRow("v4 binary 01020304 as base64")
        << V4 << QByteArray("bAQIDBA==") << Packet(Packet::Message, bytes1234, true);
    QTest::newRow("v4 binary empty") << V4 << QByteArray("b") << Packet(Packet::Message, {}, true);
    QTest::newRow("v4 binary one byte")
        << V4 << QByteArray("b/w==") << Packet(Packet::Message, QByteArray("\xff"), true);

    // v3 spec examples (branch v3).
    QTest::newRow("v3 open with handshake")
        << V3 << '0' + v3SpecHandshake << Packet(Packet::Open, v3SpecHandshake);
    QTest::newRow("v3 close") << V3 << QByteArray("1") << Packet(Packet::Close);
    QTest::newRow("v3 ping") << V3 << QByteArray("2") << Packet(Packet::Ping);
    QTest::newRow("v3 pong") << V3 << QByteArray("3") << Packet(Packet::Pong);
    QTest::newRow("v3 ping probe") << V3 << QByteArray("2probe") << Packet(Packet::Ping, "probe");
    QTest::newRow("v3 pong probe") << V3 << QByteArray("3probe") << Packet(Packet::Pong, "probe");
    QTest::newRow("v3 message HelloWorld")
        << V3 << QByteArray("4HelloWorld") << Packet(Packet::Message, "HelloWorld");
    QTest::newRow("v3 message hey") << V3 << QByteArray("4hey") << Packet(Packet::Message, "hey");
    QTest::newRow("v3 upgrade") << V3 << QByteArray("5") << Packet(Packet::Upgrade);
    QTest::newRow("v3 noop") << V3 << QByteArray("6") << Packet(Packet::Noop);
    QTest::newRow("v3 message euro") << V3 << '4' + euro << Packet(Packet::Message, euro);
    QTest::newRow("v3 binary 01020304 as b4 base64")
        << V3 << QByteArray("b4AQIDBA==") << Packet(Packet::Message, bytes1234, true);
    QTest::newRow("v3 binary empty") << V3 << QByteArray("b4") << Packet(Packet::Message, {}, true);
}

void tst_EngineIoCodec::decodeText_data()
{
    addTextForms();
    // Accepted but not produced by the encoder.
    QTest::newRow("v4 binary without padding")
        << V4 << QByteArray("bAQIDBA") << Packet(Packet::Message, bytes1234, true);
    QTest::newRow("v4 b4 prefix is base64 data in v4")
        << V4 << QByteArray("b4AQI")
        << Packet(Packet::Message, QByteArray::fromHex("e00408"), true);
}

void tst_EngineIoCodec::decodeText()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(QByteArray, text);
    QFETCH(Packet, packet);

    EngineIoPacket decoded(Packet::Close, "garbage", true);
    QString error = QStringLiteral("untouched");
    QVERIFY(EngineIoCodec::decodeText(text, version, &decoded, &error));
    QCOMPARE(decoded, packet);
    QCOMPARE(error, QStringLiteral("untouched"));
}

void tst_EngineIoCodec::encodeText_data()
{
    addTextForms();
}

void tst_EngineIoCodec::encodeText()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(QByteArray, text);
    QFETCH(Packet, packet);
    QCOMPARE(EngineIoCodec::encodeText(packet, version), text);
}

void tst_EngineIoCodec::textRoundTrip_data()
{
    QTest::addColumn<EngineIoVersion>("version");
    QTest::addColumn<Packet>("packet");

    QByteArray allBytes;
    for (int i = 0; i < 256; ++i)
        allBytes += char(i);
    for (auto version : {V3, V4}) {
        const char *v = version == V3 ? "v3" : "v4";
        for (int type = Packet::Open; type <= Packet::Noop; ++type) {
            QTest::addRow("%s %s with data", v, qPrintable(Packet::typeName(Packet::Type(type))))
                << version << Packet(Packet::Type(type), "data " + euro + grinning);
        }
        // Every length modulo 3, so that every base64 padding form occurs.
        for (int length : {0, 1, 2, 3, 4, 5, 256}) {
            QTest::addRow("%s binary of %d bytes", v, length)
                << version << Packet(Packet::Message, allBytes.repeated(2).left(length), true);
        }
    }
}

void tst_EngineIoCodec::textRoundTrip()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(Packet, packet);

    const QByteArray text = EngineIoCodec::encodeText(packet, version);
    EngineIoPacket decoded;
    QString error;
    QVERIFY2(EngineIoCodec::decodeText(text, version, &decoded, &error), qPrintable(error));
    QCOMPARE(decoded, packet);
}

void tst_EngineIoCodec::decodeTextRejects_data()
{
    QTest::addColumn<EngineIoVersion>("version");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error");

    for (auto version : {V3, V4}) {
        const char *v = version == V3 ? "v3" : "v4";
        QTest::addRow("%s empty packet", v) << version << QByteArray() << "empty packet";
        QTest::addRow("%s type 7", v)
            << version << QByteArray("7") << "unknown Engine.IO packet type '7'";
        QTest::addRow("%s type 9 with data", v)
            << version << QByteArray("9hello") << "unknown Engine.IO packet type '9'";
        QTest::addRow("%s type letter", v)
            << version << QByteArray("x") << "unknown Engine.IO packet type 'x'";
        QTest::addRow("%s leading space", v)
            << version << QByteArray(" 4hello") << "unknown Engine.IO packet type 0x20";
        QTest::addRow("%s record separator", v)
            << version << QByteArray("\x1e") << "unknown Engine.IO packet type 0x1e";
        QTest::addRow("%s UTF-8 lead byte", v)
            << version << euro << "unknown Engine.IO packet type 0xe2";
        QTest::addRow("%s JSON without type", v)
            << version << QByteArray("{\"sid\":\"x\"}") << "unknown Engine.IO packet type '{'";
    }
    const QString badBase64 = QStringLiteral("invalid base64 in binary packet");
    QTest::newRow("v4 base64 with invalid characters") << V4 << QByteArray("b!!!!") << badBase64;
    QTest::newRow("v4 base64 with a space") << V4 << QByteArray("bAQID BA==") << badBase64;
    QTest::newRow("v4 base64 with a dangling character") << V4 << QByteArray("bAQIDB") << badBase64;
    QTest::newRow("v4 base64 single character") << V4 << QByteArray("bA") << badBase64;
    QTest::newRow("v4 base64 with one padding of two") << V4 << QByteArray("bAQIDBA=") << badBase64;
    QTest::newRow("v4 base64 with data after padding")
        << V4 << QByteArray("bAQIDBA==AQ") << badBase64;
    QTest::newRow("v3 base64 with invalid characters") << V3 << QByteArray("b4!!!!") << badBase64;
    const QString notB4 =
        QStringLiteral("v3 binary packet must start with \"b4\" (only messages carry binary data)");
    QTest::newRow("v3 binary in v4 form (no type)") << V3 << QByteArray("bAQIDBA==") << notB4;
    QTest::newRow("v3 binary ping") << V3 << QByteArray("b2AQIDBA==") << notB4;
    QTest::newRow("v3 lone b") << V3 << QByteArray("b") << notB4;
}

void tst_EngineIoCodec::decodeTextRejects()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(QByteArray, text);
    QFETCH(QString, error);

    const EngineIoPacket untouched(Packet::Ping, "before");
    EngineIoPacket decoded = untouched;
    QString actualError;
    QVERIFY(!EngineIoCodec::decodeText(text, version, &decoded, &actualError));
    QCOMPARE(actualError, error);
    QCOMPARE(decoded, untouched);
    // A null error pointer is allowed.
    QVERIFY(!EngineIoCodec::decodeText(text, version, &decoded, nullptr));
}

void tst_EngineIoCodec::encodeBinaryFrame_data()
{
    QTest::addColumn<EngineIoVersion>("version");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("frame");

    QTest::newRow("v4 raw bytes") << V4 << bytes1234 << bytes1234;
    QTest::newRow("v4 empty") << V4 << QByteArray() << QByteArray();
    QTest::newRow("v4 bytes starting with 0x04")
        << V4 << QByteArray::fromHex("0400ff") << QByteArray::fromHex("0400ff");
    // v3 spec: "4|0|1|2|3|4|5".
    QTest::newRow("v3 spec example 0..5")
        << V3 << QByteArray::fromHex("000102030405") << QByteArray::fromHex("04000102030405");
    QTest::newRow("v3 type byte then bytes")
        << V3 << bytes1234 << QByteArray::fromHex("0401020304");
    QTest::newRow("v3 empty") << V3 << QByteArray() << QByteArray::fromHex("04");
}

void tst_EngineIoCodec::encodeBinaryFrame()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, frame);
    QCOMPARE(EngineIoCodec::encodeBinaryFrame(data, version), frame);

    // And back.
    EngineIoPacket decoded;
    QString error;
    QVERIFY2(EngineIoCodec::decodeBinaryFrame(frame, version, &decoded, &error), qPrintable(error));
    QCOMPARE(decoded, Packet(Packet::Message, data, true));
}

void tst_EngineIoCodec::decodeBinaryFrame_data()
{
    QTest::addColumn<EngineIoVersion>("version");
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QByteArray>("data");

    QTest::newRow("v4 raw bytes") << V4 << bytes1234 << bytes1234;
    QTest::newRow("v4 empty frame is an empty message") << V4 << QByteArray() << QByteArray();
    QTest::newRow("v4 leading 0x04 is data")
        << V4 << QByteArray::fromHex("0401") << QByteArray::fromHex("0401");
    QTest::newRow("v4 text-looking bytes stay binary")
        << V4 << QByteArray("4hello") << QByteArray("4hello");
    QTest::newRow("v3 spec example 4|0|1|2|3|4|5")
        << V3 << QByteArray::fromHex("04000102030405") << QByteArray::fromHex("000102030405");
    QTest::newRow("v3 type byte only") << V3 << QByteArray::fromHex("04") << QByteArray();
}

void tst_EngineIoCodec::decodeBinaryFrame()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(QByteArray, frame);
    QFETCH(QByteArray, data);

    EngineIoPacket decoded;
    QString error;
    QVERIFY2(EngineIoCodec::decodeBinaryFrame(frame, version, &decoded, &error), qPrintable(error));
    QCOMPARE(decoded, Packet(Packet::Message, data, true));
}

void tst_EngineIoCodec::decodeBinaryFrameRejects_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("error");

    QTest::newRow("v3 empty frame")
        << QByteArray() << "empty v3 binary frame (it must start with the packet type byte 0x04)";
    QTest::newRow("v3 binary ping")
        << QByteArray::fromHex("0201")
        << "v3 binary frame starts with packet type byte 0x02; only messages (0x04) carry binary "
           "data";
    QTest::newRow("v3 ASCII '4' instead of byte 4")
        << QByteArray("4hello")
        << "v3 binary frame starts with packet type byte 0x34; only messages (0x04) carry binary "
           "data";
}

void tst_EngineIoCodec::decodeBinaryFrameRejects()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, error);

    EngineIoPacket decoded;
    QString actualError;
    QVERIFY(!EngineIoCodec::decodeBinaryFrame(frame, V3, &decoded, &actualError));
    QCOMPARE(actualError, error);
}

void tst_EngineIoCodec::encodePayload_data()
{
    QTest::addColumn<EngineIoVersion>("version");
    QTest::addColumn<Packets>("packets");
    QTest::addColumn<QByteArray>("body");

    const Packet hello(Packet::Message, "hello");
    const Packet binary(Packet::Message, bytes1234, true);

    // v4 spec examples.
    QTest::newRow("v4 spec 4hello 2 4world")
        << V4 << Packets{hello, Packet(Packet::Ping), Packet(Packet::Message, "world")}
        << QByteArray("4hello\x1e"
                      "2\x1e"
                      "4world");
    QTest::newRow("v4 spec hello and binary") << V4 << Packets{hello, binary}
                                              << QByteArray("4hello\x1e"
                                                            "bAQIDBA==");
    QTest::newRow("v4 hello ping binary") << V4 << Packets{hello, Packet(Packet::Ping), binary}
                                          << QByteArray("4hello\x1e"
                                                        "2\x1e"
                                                        "bAQIDBA==");
    QTest::newRow("v4 one packet has no separator") << V4 << Packets{hello} << QByteArray("4hello");
    QTest::newRow("v4 euro is not counted")
        << V4 << Packets{Packet(Packet::Message, euro)} << '4' + euro;
    QTest::newRow("v4 empty list") << V4 << Packets{} << QByteArray();

    // v3 spec examples: lengths count UTF-16 code units, not bytes.
    QTest::newRow("v3 spec 6:4hello2:4euro")
        << V3 << Packets{hello, Packet(Packet::Message, euro)} << "6:4hello2:4" + euro;
    QTest::newRow("v3 spec 2:4euro10:b4AQIDBA==")
        << V3 << Packets{Packet(Packet::Message, euro), binary} << "2:4" + euro + "10:b4AQIDBA==";
    QTest::newRow("v3 spec 96:0{handshake}")
        << V3 << Packets{Packet(Packet::Open, v3SpecHandshake)} << "96:0" + v3SpecHandshake;
    QTest::newRow("v3 spec 4:4hey")
        << V3 << Packets{Packet(Packet::Message, "hey")} << QByteArray("4:4hey");
    QTest::newRow("v3 spec 6:4hello6:4world")
        << V3 << Packets{hello, Packet(Packet::Message, "world")} << QByteArray("6:4hello6:4world");
    QTest::newRow("v3 emoji counts two units")
        << V3 << Packets{Packet(Packet::Message, grinning)} << "3:4" + grinning;
    QTest::newRow("v3 mixed text")
        << V3 << Packets{Packet(Packet::Message, "a" + euro + grinning + "b")}
        << "6:4a" + euro + grinning + "b";
    QTest::newRow("v3 ping and noop")
        << V3 << Packets{Packet(Packet::Ping), Packet(Packet::Noop)} << QByteArray("1:21:6");
    QTest::newRow("v3 ten units has two digits")
        << V3 << Packets{Packet(Packet::Message, "123456789")} << QByteArray("10:4123456789");
    QTest::newRow("v3 empty list is 0:") << V3 << Packets{} << QByteArray("0:");
}

void tst_EngineIoCodec::encodePayload()
{
    QFETCH(EngineIoVersion, version);
    QFETCH(Packets, packets);
    QFETCH(QByteArray, body);
    QCOMPARE(EngineIoCodec::encodePayload(packets, version), body);
}

// The v3 binary polling payload, byte for byte as engine.io-parser 2.x (engine.io's parser-v3)
// encodes it: encodePayloadAsBinary(["4hello", <01 02 03>, "2probe", "4\u20ac"]).
void tst_EngineIoCodec::v3BinaryPayload()
{
    const QByteArray wire = QByteArray::fromHex("0006ff3468656c6c6f0104ff040102030006ff3270726f"
                                                "62650004ff34e282ac");
    const Packets packets{Packet(Packet::Message, "hello"),
                          Packet(Packet::Message, QByteArray::fromHex("010203"), true),
                          Packet(Packet::Ping, "probe"), Packet(Packet::Message, euro)};
    QCOMPARE(EngineIoCodec::encodeV3BinaryPayload(packets), wire);
    Packets decoded;
    QString error;
    QVERIFY2(EngineIoCodec::decodeV3BinaryPayload(wire, 1000, &decoded, &error), qPrintable(error));
    QCOMPARE(decoded, packets);

    // A length of ten and more is written digit by digit.
    const Packets large{Packet(Packet::Message, QByteArray(1233, 'x'))}; // "4xxx...": 1234 bytes
    const QByteArray largeWire = EngineIoCodec::encodeV3BinaryPayload(large);
    QCOMPARE(largeWire.left(6), QByteArray::fromHex("0001020304ff"));
    QVERIFY(EngineIoCodec::decodeV3BinaryPayload(largeWire, 1234, &decoded, &error));
    QCOMPARE(decoded, large);
}

void tst_EngineIoCodec::v3BinaryPayloadRejects_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<QString>("errorContains");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("empty");
    QTest::newRow("bad marker") << QByteArray::fromHex("0206ff3468656c6c6f")
                                << QStringLiteral("marker");
    QTest::newRow("digit byte over 9")
        << QByteArray::fromHex("000aff34") << QStringLiteral("length prefix");
    QTest::newRow("no digits") << QByteArray::fromHex("00ff34") << QStringLiteral("empty length");
    QTest::newRow("prefix never ends")
        << QByteArray::fromHex("000102") << QStringLiteral("inside a length prefix");
    QTest::newRow("cut short") << QByteArray::fromHex("0006ff3468") << QStringLiteral("cut short");
    QTest::newRow("over the limit")
        << QByteArray::fromHex("00010101ff") + QByteArray(111, '4') << QStringLiteral("limit");
    QTest::newRow("binary packet not a message")
        << QByteArray::fromHex("0102ff0201") << QStringLiteral("0x02");
    QTest::newRow("bad text packet")
        << QByteArray::fromHex("0001ff39") << QStringLiteral("unknown");
}

void tst_EngineIoCodec::v3BinaryPayloadRejects()
{
    QFETCH(QByteArray, wire);
    QFETCH(QString, errorContains);
    Packets decoded;
    QString error;
    QVERIFY(!EngineIoCodec::decodeV3BinaryPayload(wire, 100, &decoded, &error));
    QVERIFY2(error.contains(errorContains), qPrintable(error));
}

void tst_EngineIoCodec::handshakeFromJson_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("sid");
    QTest::addColumn<QStringList>("upgrades");
    QTest::addColumn<int>("pingInterval");
    QTest::addColumn<int>("pingTimeout");
    QTest::addColumn<qint64>("maxPayload");

    const QStringList websocket{QStringLiteral("websocket")};
    const QString sid = QStringLiteral("lv_VI97HAXpY6yYWAAAC");
    QTest::newRow("v4 spec example")
        << v4SpecHandshake << sid << websocket << 25000 << 20000 << qint64(1000000);
    QTest::newRow("v3 spec example without maxPayload")
        << v3SpecHandshake << sid << websocket << 25000 << 5000 << qint64(0);
    QTest::newRow("v3 spec WebSocket-only example without upgrades")
        << v3SpecWebSocketOnlyHandshake << sid << QStringList() << 25000 << 5000 << qint64(0);
    QTest::newRow("opened on WebSocket: no upgrades")
        << QByteArray(R"({"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":1,)"
                      R"("maxPayload":1})")
        << "a" << QStringList() << 1 << 1 << qint64(1);
    QTest::newRow("unknown keys ignored")
        << QByteArray(R"({"sid":"s","upgrades":["websocket","webtransport"],"pingInterval":300,)"
                      R"("pingTimeout":200,"maxPayload":1e6,"extra":{"x":[1]}})")
        << "s" << QStringList{"websocket", "webtransport"} << 300 << 200 << qint64(1000000);
    QTest::newRow("integral value written as a decimal")
        << QByteArray(R"({"sid":"s","upgrades":[],"pingInterval":25000.0,"pingTimeout":5e3})")
        << "s" << QStringList() << 25000 << 5000 << qint64(0);
    QTest::newRow("largest values")
        << QByteArray(R"({"sid":"s","upgrades":[],"pingInterval":2147483647,)"
                      R"("pingTimeout":2147483647,"maxPayload":9007199254740992})")
        << "s" << QStringList() << 2147483647 << 2147483647 << qint64(9007199254740992);
    QTest::newRow("non-ASCII sid")
        << QByteArray(R"({"sid":"\u20ac-)" + euro +
                      R"(","upgrades":[],"pingInterval":1,"pingTimeout":2})")
        << QString::fromUtf8(euro + '-' + euro) << QStringList() << 1 << 2 << qint64(0);
}

void tst_EngineIoCodec::handshakeFromJson()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, sid);
    QFETCH(QStringList, upgrades);
    QFETCH(int, pingInterval);
    QFETCH(int, pingTimeout);
    QFETCH(qint64, maxPayload);

    EngineIoHandshake handshake;
    QString error;
    QVERIFY2(EngineIoHandshake::fromJson(json, &handshake, &error), qPrintable(error));
    QCOMPARE(error, QString());
    QCOMPARE(handshake.sid, sid);
    QCOMPARE(handshake.upgrades, upgrades);
    QCOMPARE(handshake.pingInterval, pingInterval);
    QCOMPARE(handshake.pingTimeout, pingTimeout);
    QCOMPARE(handshake.maxPayload, maxPayload);

    // What toJson writes reads back to the same values.
    EngineIoHandshake reread;
    QVERIFY2(EngineIoHandshake::fromJson(handshake.toJson(), &reread, &error), qPrintable(error));
    QCOMPARE(reread.sid, sid);
    QCOMPARE(reread.upgrades, upgrades);
    QCOMPARE(reread.pingInterval, pingInterval);
    QCOMPARE(reread.pingTimeout, pingTimeout);
    QCOMPARE(reread.maxPayload, maxPayload);
}

void tst_EngineIoCodec::handshakeRejects_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");

    // A valid v4 handshake with one field replaced (or removed, when `value` is empty).
    const auto withField = [](const char *key, const QByteArray &value) {
        QList<QPair<QByteArray, QByteArray>> fields{{"sid", R"("abc")"},
                                                    {"upgrades", R"(["websocket"])"},
                                                    {"pingInterval", "25000"},
                                                    {"pingTimeout", "20000"},
                                                    {"maxPayload", "1000000"}};
        QByteArrayList members;
        for (const auto &[name, original] : fields) {
            const QByteArray &text = name == key ? value : original;
            if (!text.isEmpty())
                members += '"' + name + "\":" + text;
        }
        return '{' + members.join(',') + '}';
    };

    QTest::newRow("not JSON") << QByteArray("sid=abc")
                              << "handshake is not valid JSON: illegal value at offset 1";
    QTest::newRow("truncated JSON")
        << QByteArray(R"({"sid":"abc")")
        << "handshake is not valid JSON: unterminated string at offset 12";
    QTest::newRow("empty") << QByteArray()
                           << "handshake is not valid JSON: illegal value at offset 0";
    QTest::newRow("array") << QByteArray("[]") << "handshake must be a JSON object";

    const QString sidRule =
        QStringLiteral("handshake field \"sid\" must be a non-empty string (%1)");
    QTest::newRow("sid missing") << withField("sid", {}) << sidRule.arg("missing");
    QTest::newRow("sid empty") << withField("sid", R"("")") << sidRule.arg(R"(got "")");
    QTest::newRow("sid number") << withField("sid", "42") << sidRule.arg("got 42");
    QTest::newRow("sid null") << withField("sid", "null") << sidRule.arg("got null");

    const QString upgradesRule =
        QStringLiteral("handshake field \"upgrades\" must be an array of strings (%1)");
    QTest::newRow("upgrades string")
        << withField("upgrades", R"("websocket")") << upgradesRule.arg(R"(got "websocket")");
    QTest::newRow("upgrades with a number") << withField("upgrades", R"(["websocket",1])")
                                            << upgradesRule.arg(R"(got ["websocket",1])");
    QTest::newRow("upgrades null") << withField("upgrades", "null") << upgradesRule.arg("got null");

    for (const char *field : {"pingInterval", "pingTimeout"}) {
        const QString rule = QStringLiteral("handshake field \"%1\" must be a positive integer no "
                                            "larger than 2147483647 (%2)")
                                 .arg(QLatin1String(field));
        QTest::addRow("%s missing", field) << withField(field, {}) << rule.arg("missing");
        QTest::addRow("%s zero", field) << withField(field, "0") << rule.arg("got 0");
        QTest::addRow("%s negative", field) << withField(field, "-5") << rule.arg("got -5");
        QTest::addRow("%s fraction", field) << withField(field, "2.5") << rule.arg("got 2.5");
        QTest::addRow("%s string", field)
            << withField(field, R"("25000")") << rule.arg(R"(got "25000")");
        QTest::addRow("%s too large", field)
            << withField(field, "2147483648") << rule.arg("got 2147483648");
        QTest::addRow("%s boolean", field) << withField(field, "true") << rule.arg("got true");
    }

    const QString maxPayloadRule =
        QStringLiteral("handshake field \"maxPayload\" must be a positive integer (%1)");
    QTest::newRow("maxPayload zero") << withField("maxPayload", "0") << maxPayloadRule.arg("got 0");
    QTest::newRow("maxPayload negative")
        << withField("maxPayload", "-1") << maxPayloadRule.arg("got -1");
    QTest::newRow("maxPayload string")
        << withField("maxPayload", R"("1e6")") << maxPayloadRule.arg(R"(got "1e6")");
    QTest::newRow("maxPayload null")
        << withField("maxPayload", "null") << maxPayloadRule.arg("got null");
    QTest::newRow("maxPayload beyond 2^53")
        << withField("maxPayload", "1e300") << maxPayloadRule.arg("got 1e+300");
    QTest::newRow("long value shortened in the message")
        << withField("sid", '[' + QByteArray("\"abcdefghij\",").repeated(5) + "1]")
        << sidRule.arg(R"(got ["abcdefghij","abcdefghij","abcdefghij",...)");
}

void tst_EngineIoCodec::handshakeRejects()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);

    EngineIoHandshake handshake;
    handshake.sid = QStringLiteral("before");
    QString actualError;
    QVERIFY(!EngineIoHandshake::fromJson(json, &handshake, &actualError));
    QCOMPARE(actualError, error);
    QCOMPARE(handshake.sid, QStringLiteral("before")); // untouched on failure
}

void tst_EngineIoCodec::handshakeToJson_data()
{
    QTest::addColumn<QByteArray>("json");

    // engine.io's key order, so that the spec examples come back byte for byte.
    QTest::newRow("v4 spec example") << v4SpecHandshake;
    QTest::newRow("v3 spec example") << v3SpecHandshake;
    QTest::newRow("no upgrades, quote in sid")
        << QByteArray(R"({"sid":"a\"b","upgrades":[],"pingInterval":300,"pingTimeout":200,)"
                      R"("maxPayload":1})");
}

void tst_EngineIoCodec::handshakeToJson()
{
    QFETCH(QByteArray, json);

    EngineIoHandshake handshake;
    QString error;
    QVERIFY2(EngineIoHandshake::fromJson(json, &handshake, &error), qPrintable(error));
    QCOMPARE(handshake.toJson(), json);
}

QTEST_APPLESS_MAIN(tst_EngineIoCodec)
#include "tst_engineiocodec.moc"
