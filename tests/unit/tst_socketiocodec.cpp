// The Socket.IO codec: every example of the spec (v5 and v4) and of the protocol notes, round
// trips in both protocols, and the rules the decoder and the encoder's validate() enforce.
#include "socketio/socketiocodec.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

// Data rows carry packets in a plain struct: a column of SocketIoPacket would instantiate the
// gadget's QMetaType and so reference its staticMetaObject, which lives in the core library's
// one moc object together with classes this test does not need.
struct PacketValue
{
    SocketIoPacket packet;
};
Q_DECLARE_METATYPE(PacketValue)
Q_DECLARE_METATYPE(SocketIoProtocol)
Q_DECLARE_METATYPE(SocketIoDecoder::Status)

namespace {

constexpr auto V4 = SocketIoProtocol::V4;
constexpr auto V5 = SocketIoProtocol::V5;
using Status = SocketIoDecoder::Status;

SocketIoPacket packet(SocketIoPacket::Type type, const QString &nsp, const QByteArray &payload = {},
                      qint64 id = -1, const QList<QByteArray> &attachments = {},
                      const QString &query = {})
{
    SocketIoPacket p(type, nsp, payload, id);
    p.attachments = attachments;
    p.query = query;
    return p;
}

QByteArray placeholder(int num)
{
    return QByteArray(R"({"_placeholder":true,"num":)") + QByteArray::number(num) + '}';
}

// A BINARY_* packet announcing `count` attachments, with one placeholder each.
QByteArray binaryEventText(int count)
{
    QByteArray text =
        QByteArray::number(SocketIoPacket::BinaryEvent) + QByteArray::number(count) + "-[\"bin\"";
    for (int i = 0; i < count; ++i)
        text += ',' + placeholder(i);
    return text + ']';
}

QString describe(const SocketIoPacket &p)
{
    QStringList attachmentSizes;
    for (const QByteArray &attachment : p.attachments)
        attachmentSizes << QString::number(attachment.size());
    return QStringLiteral("%1 nsp=%2 query=%3 id=%4 payload=%5 attachments=[%6]")
        .arg(SocketIoPacket::typeName(p.type), p.nsp, p.query)
        .arg(p.id)
        .arg(QString::fromUtf8(p.payload), attachmentSizes.join(u','));
}

// Feeds the text and the attachments; returns the final status.
Status feed(SocketIoDecoder &decoder, const QByteArray &text, const QList<QByteArray> &attachments)
{
    Status status = decoder.decodeText(text);
    for (const QByteArray &attachment : attachments) {
        if (status != Status::NeedAttachments)
            return status;
        status = decoder.decodeBinary(attachment);
    }
    return status;
}

} // namespace

class tst_SocketIoCodec : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decode_data();
    void decode();
    void encode_data();
    void encode();
    void roundTrip_data();
    void roundTrip();
    void decodeInvalid_data();
    void decodeInvalid();
    void validateInvalid_data();
    void validateInvalid();

    void binaryWithNothingPending();
    void textWhileAttachmentsPending();
    void attachmentsArriveOneByOne();
    void attachmentSizeLimit();
    void attachmentCountLimitIsConfigurable();
    void pendingAttachmentBytesLimit();
    void pendingPacketShowsWhatArrived();
    void jsonDepthLimitIsConfigurable();
    void hundredThousandLevelsFailCleanly();
    void takePacketEmptiesTheDecoder();
    void resetDropsHalfAssembledPacket();
    void namespaceIsReusedAcrossPackets();

    void typeNames();
    void data_data();
    void data();
    void eventName_data();
    void eventName();
};

// --- Decoding -------------------------------------------------------------------------------

void tst_SocketIoCodec::decode_data()
{
    QTest::addColumn<SocketIoProtocol>("protocol");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QList<QByteArray>>("attachments");
    QTest::addColumn<PacketValue>("expectedRow");
    // Whether validate() accepts the packet and encode() gives the same text back (false for
    // forms the decoder tolerates but SioScope would not send).
    QTest::addColumn<bool>("canonical");

    using P = SocketIoPacket;
    const QString admin = QStringLiteral("/admin");
    const QString root = QStringLiteral("/");
    const QByteArray bytes1234("\x01\x02\x03\x04", 4);
    const QByteArray bytes12("\x01\x02", 2);
    const QByteArray bytes34("\x03\x04", 2);
    const QByteArray bytes123("\x01\x02\x03", 3);
    const QByteArray bytes321("\x03\x02\x01", 3);

    // socket.io-protocol v5, "Packet encoding" examples.
    QTest::newRow("v5 spec: CONNECT main namespace")
        << V5 << QByteArray("0") << QList<QByteArray>() << PacketValue{packet(P::Connect, root)}
        << true;
    QTest::newRow("v5 spec: CONNECT /admin with sid")
        << V5 << QByteArray(R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})") << QList<QByteArray>()
        << PacketValue{packet(P::Connect, admin, R"({"sid":"oSO0OpakMV_3jnilAAAA"})")} << true;
    QTest::newRow("v5 spec: CONNECT_ERROR refused")
        << V5 << QByteArray(R"(4{"message":"Not authorized"})") << QList<QByteArray>()
        << PacketValue{packet(P::ConnectError, root, R"({"message":"Not authorized"})")} << true;
    QTest::newRow("v5 spec: EVENT main namespace")
        << V5 << QByteArray(R"(2["foo"])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, root, R"(["foo"])")} << true;
    QTest::newRow("v5 spec: EVENT /admin")
        << V5 << QByteArray(R"(2/admin,["bar"])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, admin, R"(["bar"])")} << true;
    QTest::newRow("v5 spec: BINARY_EVENT one attachment")
        << V5 << QByteArray(R"(51-["baz",{"_placeholder":true,"num":0}])")
        << QList<QByteArray>{bytes1234}
        << PacketValue{packet(P::BinaryEvent, root, R"(["baz",{"_placeholder":true,"num":0}])", -1,
                              {bytes1234})}
        << true;
    QTest::newRow("v5 spec: BINARY_EVENT two attachments /admin")
        << V5
        << QByteArray(
               R"(52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])")
        << QList<QByteArray>{bytes12, bytes34}
        << PacketValue{packet(
               P::BinaryEvent, admin,
               R"(["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", -1,
               {bytes12, bytes34})}
        << true;
    QTest::newRow("v5 spec: EVENT with ack id")
        << V5 << QByteArray(R"(212["foo"])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, root, R"(["foo"])", 12)} << true;
    QTest::newRow("v5 spec: ACK /admin")
        << V5 << QByteArray(R"(3/admin,13["bar"])") << QList<QByteArray>()
        << PacketValue{packet(P::Ack, admin, R"(["bar"])", 13)} << true;
    QTest::newRow("v5 spec: BINARY_ACK")
        << V5 << QByteArray(R"(61-15["bar",{"_placeholder":true,"num":0}])")
        << QList<QByteArray>{bytes1234}
        << PacketValue{packet(P::BinaryAck, root, R"(["bar",{"_placeholder":true,"num":0}])", 15,
                              {bytes1234})}
        << true;
    QTest::newRow("v5 spec: DISCONNECT main namespace")
        << V5 << QByteArray("1") << QList<QByteArray>() << PacketValue{packet(P::Disconnect, root)}
        << true;
    QTest::newRow("v5 spec: DISCONNECT /admin")
        << V5 << QByteArray("1/admin,") << QList<QByteArray>()
        << PacketValue{packet(P::Disconnect, admin)} << true;
    QTest::newRow("v5 spec: ACK with empty array")
        << V5 << QByteArray("312[]") << QList<QByteArray>()
        << PacketValue{packet(P::Ack, root, "[]", 12)} << true;

    // socket.io-protocol v5, "Sample session" (Engine.IO "4" prefix removed).
    QTest::newRow("v5 session: CONNECT answer")
        << V5 << QByteArray(R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})") << QList<QByteArray>()
        << PacketValue{packet(P::Connect, root, R"({"sid":"wZX3oN0bSVIhsaknAAAI"})")} << true;
    QTest::newRow("v5 session: EVENT hey Jude")
        << V5 << QByteArray(R"(2["hey","Jude"])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, root, R"(["hey","Jude"])")} << true;
    QTest::newRow("v5 session: CONNECT /admin request")
        << V5 << QByteArray("0/admin,") << QList<QByteArray>()
        << PacketValue{packet(P::Connect, admin)} << true;
    QTest::newRow("v5 session: CONNECT /admin answer")
        << V5 << QByteArray(R"(0/admin,{"sid":"-G5j-67EZFp-q59rADQM"})") << QList<QByteArray>()
        << PacketValue{packet(P::Connect, admin, R"({"sid":"-G5j-67EZFp-q59rADQM"})")} << true;
    QTest::newRow("v5 session: EVENT /admin with ack")
        << V5 << QByteArray(R"(2/admin,1["tellme"])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, admin, R"(["tellme"])", 1)} << true;
    QTest::newRow("v5 session: BINARY_ACK /admin")
        << V5 << QByteArray(R"(61-/admin,1[{"_placeholder":true,"num":0}])")
        << QList<QByteArray>{bytes1234}
        << PacketValue{packet(P::BinaryAck, admin, R"([{"_placeholder":true,"num":0}])", 1,
                              {bytes1234})}
        << true;

    // Protocol notes.
    QTest::newRow("notes: CONNECT /admin with auth")
        << V5 << QByteArray(R"(0/admin,{"token":"123"})") << QList<QByteArray>()
        << PacketValue{packet(P::Connect, admin, R"({"token":"123"})")} << true;
    QTest::newRow("notes: EVENT /admin with ack id")
        << V5 << QByteArray(R"(2/admin,456["x",1])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, admin, R"(["x",1])", 456)} << true;
    QTest::newRow("notes: CONNECT answer with pid")
        << V5 << QByteArray(R"(0{"sid":"abc","pid":"def"})") << QList<QByteArray>()
        << PacketValue{packet(P::Connect, root, R"({"sid":"abc","pid":"def"})")} << true;
    QTest::newRow("notes: CONNECT_ERROR with data")
        << V5 << QByteArray(R"(4/admin,{"message":"Invalid namespace","data":{"code":1}})")
        << QList<QByteArray>()
        << PacketValue{packet(P::ConnectError, admin,
                              R"({"message":"Invalid namespace","data":{"code":1}})")}
        << true;

    // socket.io-protocol v4 examples.
    QTest::newRow("v4 spec: CONNECT main namespace")
        << V4 << QByteArray("0") << QList<QByteArray>() << PacketValue{packet(P::Connect, root)}
        << true;
    QTest::newRow("v4 spec: CONNECT /admin") << V4 << QByteArray("0/admin,") << QList<QByteArray>()
                                             << PacketValue{packet(P::Connect, admin)} << true;
    QTest::newRow("v4 spec: DISCONNECT /admin")
        << V4 << QByteArray("1/admin,") << QList<QByteArray>()
        << PacketValue{packet(P::Disconnect, admin)} << true;
    QTest::newRow("v4 spec: EVENT")
        << V4 << QByteArray(R"(2["hello",1])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, root, R"(["hello",1])")} << true;
    QTest::newRow("v4 spec: EVENT with ack id")
        << V4 << QByteArray(R"(2/admin,456["project:delete",123])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, admin, R"(["project:delete",123])", 456)} << true;
    QTest::newRow("v4 spec: ACK") << V4 << QByteArray("3/admin,456[]") << QList<QByteArray>()
                                  << PacketValue{packet(P::Ack, admin, "[]", 456)} << true;
    QTest::newRow("v4 spec: ERROR with a string")
        << V4 << QByteArray(R"(4/admin,"Not authorized")") << QList<QByteArray>()
        << PacketValue{packet(P::ConnectError, admin, R"("Not authorized")")} << true;
    QTest::newRow("v4 spec: BINARY_EVENT")
        << V4 << QByteArray(R"(51-["hello",{"_placeholder":true,"num":0}])")
        << QList<QByteArray>{bytes123}
        << PacketValue{packet(P::BinaryEvent, root, R"(["hello",{"_placeholder":true,"num":0}])",
                              -1, {bytes123})}
        << true;
    QTest::newRow("v4 spec: BINARY_EVENT with ack id")
        << V4 << QByteArray(R"(51-/admin,456["project:delete",{"_placeholder":true,"num":0}])")
        << QList<QByteArray>{bytes123}
        << PacketValue{packet(P::BinaryEvent, admin,
                              R"(["project:delete",{"_placeholder":true,"num":0}])", 456,
                              {bytes123})}
        << true;
    QTest::newRow("v4 spec: BINARY_ACK")
        << V4 << QByteArray(R"(61-/admin,456[{"_placeholder":true,"num":0}])")
        << QList<QByteArray>{bytes321}
        << PacketValue{packet(P::BinaryAck, admin, R"([{"_placeholder":true,"num":0}])", 456,
                              {bytes321})}
        << true;
    QTest::newRow("v4 notes: CONNECT with query")
        << V4 << QByteArray("0/admin?token=abc,") << QList<QByteArray>()
        << PacketValue{packet(P::Connect, admin, {}, -1, {}, QStringLiteral("token=abc"))} << true;
    QTest::newRow("v4 spec: CONNECT with two query parameters")
        << V4 << QByteArray("0/admin?token=1234&uid=abcd,") << QList<QByteArray>()
        << PacketValue{packet(P::Connect, admin, {}, -1, {}, QStringLiteral("token=1234&uid=abcd"))}
        << true;
    QTest::newRow("v4: CONNECT main namespace with query")
        << V4 << QByteArray("0/?token=abc,") << QList<QByteArray>()
        << PacketValue{packet(P::Connect, root, {}, -1, {}, QStringLiteral("token=abc"))} << true;
    QTest::newRow("v4: ERROR main namespace with a string")
        << V4 << QByteArray(R"(4"Authentication error")") << QList<QByteArray>()
        << PacketValue{packet(P::ConnectError, root, R"("Authentication error")")} << true;
    QTest::newRow("v5: '?' stays in the namespace")
        << V5 << QByteArray("0/admin?token=abc,") << QList<QByteArray>()
        << PacketValue{packet(P::Connect, QStringLiteral("/admin?token=abc"))} << true;

    // Edge cases the reference decoder accepts.
    QTest::newRow("numeric event name")
        << V5 << QByteArray(R"(2[1,"a"])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, root, R"([1,"a"])")} << true;
    QTest::newRow("ack id 0") << V5 << QByteArray(R"(20["x"])") << QList<QByteArray>()
                              << PacketValue{packet(P::Event, root, R"(["x"])", 0)} << true;
    QTest::newRow("largest ack id (2^53 - 1)")
        << V5 << QByteArray(R"(39007199254740991[])") << QList<QByteArray>()
        << PacketValue{packet(P::Ack, root, "[]", Q_INT64_C(9007199254740991))} << true;
    QTest::newRow("ack id with leading zeros")
        << V5 << QByteArray(R"(2007["x"])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, root, R"(["x"])", 7)} << false;
    QTest::newRow("explicit main namespace")
        << V5 << QByteArray(R"(2/,["x"])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, root, R"(["x"])")} << false;
    QTest::newRow("CONNECT namespace without comma")
        << V5 << QByteArray("0/admin") << QList<QByteArray>()
        << PacketValue{packet(P::Connect, admin)} << false;
    QTest::newRow("DISCONNECT namespace without comma")
        << V5 << QByteArray("1/admin") << QList<QByteArray>()
        << PacketValue{packet(P::Disconnect, admin)} << false;
    QTest::newRow("UTF-8 namespace")
        << V5 << QByteArray("2/caf\xc3\xa9,[\"x\"]") << QList<QByteArray>()
        << PacketValue{packet(P::Event, QStringLiteral(u"/caf\u00e9"), R"(["x"])")} << true;
    QTest::newRow("whitespace around the payload is kept")
        << V5 << QByteArray("2 [\"x\"]\n") << QList<QByteArray>()
        << PacketValue{packet(P::Event, root, " [\"x\"]\n")} << true;
    QTest::newRow("v5 CONNECT_ERROR with a string")
        << V5 << QByteArray(R"(4"oops")") << QList<QByteArray>()
        << PacketValue{packet(P::ConnectError, root, R"("oops")")} << true;
    QTest::newRow("CONNECT_ERROR without payload")
        << V5 << QByteArray("4/admin,") << QList<QByteArray>()
        << PacketValue{packet(P::ConnectError, admin)} << true;
    QTest::newRow("reserved name only in a later item")
        << V5 << QByteArray(R"(2["x","connect"])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, root, R"(["x","connect"])")} << true;
    QTest::newRow("reserved names are case-sensitive")
        << V5 << QByteArray(R"(2["Connect"])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, root, R"(["Connect"])")} << true;
    QTest::newRow("binary placeholders nested, keys reversed")
        << V5
        << QByteArray(
               R"(52-["a",{"x":[{"num":1,"_placeholder":true}]},{"_placeholder":true,"num":0}])")
        << QList<QByteArray>{bytes12, QByteArray()}
        << PacketValue{packet(
               P::BinaryEvent, root,
               R"(["a",{"x":[{"num":1,"_placeholder":true}]},{"_placeholder":true,"num":0}])", -1,
               {bytes12, QByteArray()})}
        << true;
    QTest::newRow("ten attachments (the limit)")
        << V5 << binaryEventText(10) << QList<QByteArray>(10, QByteArray("z"))
        << PacketValue{packet(P::BinaryEvent, root, binaryEventText(10).mid(4), -1,
                              QList<QByteArray>(10, QByteArray("z")))}
        << true;
    // As in socket.io-parser, placeholders mean something only in BINARY_* packets (validate()
    // is stricter for what we send: there it is a missing attachment).
    QTest::newRow("placeholder object in a text EVENT is plain data")
        << V5 << QByteArray(R"(2["x",{"_placeholder":true,"num":3}])") << QList<QByteArray>()
        << PacketValue{packet(P::Event, root, R"(["x",{"_placeholder":true,"num":3}])")} << false;
}

void tst_SocketIoCodec::decode()
{
    QFETCH(SocketIoProtocol, protocol);
    QFETCH(QByteArray, text);
    QFETCH(QList<QByteArray>, attachments);
    QFETCH(PacketValue, expectedRow);
    const SocketIoPacket &expected = expectedRow.packet;
    QFETCH(bool, canonical);

    SocketIoDecoder decoder(protocol);
    Status status = decoder.decodeText(text);
    for (qsizetype i = 0; i < attachments.size(); ++i) {
        QCOMPARE(status, Status::NeedAttachments);
        QCOMPARE(decoder.pendingAttachmentCount(), int(attachments.size() - i));
        QVERIFY(decoder.isAwaitingAttachments());
        QCOMPARE(decoder.pendingText(), text);
        status = decoder.decodeBinary(attachments[i]);
    }
    if (status != Status::PacketReady)
        QFAIL(qPrintable(decoder.errorString()));
    QCOMPARE(decoder.errorString(), QString());
    QVERIFY(!decoder.isAwaitingAttachments());

    const SocketIoPacket decoded = decoder.takePacket();
    QCOMPARE(describe(decoded), describe(expected));
    QVERIFY(decoded == expected);
    QCOMPARE(decoded.attachments, attachments);

    if (canonical) {
        QString error;
        QVERIFY2(SocketIoEncoder::validate(decoded, protocol, &error), qPrintable(error));
        QCOMPARE(SocketIoEncoder::encode(decoded, protocol), text);
    }
}

// --- Encoding -------------------------------------------------------------------------------

void tst_SocketIoCodec::encode_data()
{
    QTest::addColumn<SocketIoProtocol>("protocol");
    QTest::addColumn<PacketValue>("packetRow");
    QTest::addColumn<QByteArray>("expected");

    using P = SocketIoPacket;
    const QString admin = QStringLiteral("/admin");
    const QString root = QStringLiteral("/");
    const QByteArray bin("\x01\x02", 2);

    QTest::newRow("CONNECT main namespace")
        << V5 << PacketValue{packet(P::Connect, root)} << QByteArray("0");
    QTest::newRow("CONNECT /admin with auth")
        << V5 << PacketValue{packet(P::Connect, admin, R"({"token":"123"})")}
        << QByteArray(R"(0/admin,{"token":"123"})");
    QTest::newRow("DISCONNECT /admin")
        << V5 << PacketValue{packet(P::Disconnect, admin)} << QByteArray("1/admin,");
    QTest::newRow("EVENT /admin with ack id")
        << V5 << PacketValue{packet(P::Event, admin, R"(["x",1])", 456)}
        << QByteArray(R"(2/admin,456["x",1])");
    QTest::newRow("ACK /admin") << V5 << PacketValue{packet(P::Ack, admin, R"(["bar"])", 13)}
                                << QByteArray(R"(3/admin,13["bar"])");
    QTest::newRow("BINARY_EVENT two attachments")
        << V5
        << PacketValue{packet(
               P::BinaryEvent, admin,
               R"(["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", -1,
               {bin, bin})}
        << QByteArray(
               R"(52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
    QTest::newRow("BINARY_ACK with id")
        << V5 << PacketValue{packet(P::BinaryAck, root, "[" + placeholder(0) + "]", 15, {bin})}
        << QByteArray(R"(61-15[{"_placeholder":true,"num":0}])");
    QTest::newRow("empty namespace is written as main")
        << V5 << PacketValue{packet(P::Event, QString(), R"(["x"])")} << QByteArray(R"(2["x"])");
    QTest::newRow("v4 CONNECT with query")
        << V4 << PacketValue{packet(P::Connect, admin, {}, -1, {}, QStringLiteral("token=abc"))}
        << QByteArray("0/admin?token=abc,");
    QTest::newRow("v4 CONNECT main namespace with query")
        << V4 << PacketValue{packet(P::Connect, root, {}, -1, {}, QStringLiteral("token=abc"))}
        << QByteArray("0/?token=abc,");
    QTest::newRow("v5 ignores the query")
        << V5 << PacketValue{packet(P::Connect, admin, {}, -1, {}, QStringLiteral("token=abc"))}
        << QByteArray("0/admin,");
    QTest::newRow("v4 ERROR with a string")
        << V4 << PacketValue{packet(P::ConnectError, admin, R"("nope")")}
        << QByteArray(R"(4/admin,"nope")");
    QTest::newRow("non-ASCII namespace")
        << V5
        << PacketValue{packet(P::Event, QStringLiteral(u"/\u00e9\u20ac\U0001F600"), R"(["x"])")}
        << QByteArray("2/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80,[\"x\"]");
    QTest::newRow("lone surrogate in namespace becomes U+FFFD")
        << V5
        << PacketValue{packet(P::Event, QStringLiteral("/a") + QChar(0xd800) + u'b', R"(["x"])")}
        << QByteArray("2/a\xef\xbf\xbd"
                      "b,[\"x\"]");
    QTest::newRow("namespace ASCII then non-ASCII")
        << V5 << PacketValue{packet(P::Event, QStringLiteral(u"/ab\u00e9"), R"(["x"])")}
        << QByteArray("2/ab\xc3\xa9,[\"x\"]");
    QTest::newRow("large ack id") << V5
                                  << PacketValue{packet(P::Ack, root, "[]",
                                                        Q_INT64_C(9007199254740991))}
                                  << QByteArray("39007199254740991[]");
}

void tst_SocketIoCodec::encode()
{
    QFETCH(SocketIoProtocol, protocol);
    QFETCH(PacketValue, packetRow);
    const SocketIoPacket &packet = packetRow.packet;
    QFETCH(QByteArray, expected);

    QCOMPARE(SocketIoEncoder::encode(packet, protocol), expected);
}

// encode -> validate -> decode gives the same packet back, in both protocols.
void tst_SocketIoCodec::roundTrip_data()
{
    QTest::addColumn<SocketIoProtocol>("protocol");
    QTest::addColumn<PacketValue>("packetRow");

    using P = SocketIoPacket;
    const QString admin = QStringLiteral("/admin");
    const QString root = QStringLiteral("/");
    QList<QByteArray> tenAttachments;
    QByteArray tenPlaceholders = "[\"many\"";
    for (int i = 0; i < 10; ++i) {
        tenAttachments.append(QByteArray(i * 100, char(i)));
        tenPlaceholders += ",{\"n\":[" + placeholder(9 - i) + "]}";
    }
    tenPlaceholders += ']';

    const QList<QPair<const char *, SocketIoPacket>> packets = {
        {"CONNECT", packet(P::Connect, root)},
        {"CONNECT /admin with auth", packet(P::Connect, admin, R"({"token":"123"})")},
        {"DISCONNECT /admin", packet(P::Disconnect, admin)},
        {"EVENT", packet(P::Event, root, R"(["foo",{"a":[1,2.5e3,null,true]},"\u00e9\n"])")},
        {"EVENT /admin with ack id", packet(P::Event, admin, R"(["x",1])", 456)},
        {"EVENT with numeric name", packet(P::Event, root, "[42]")},
        {"ACK empty", packet(P::Ack, admin, "[]", 0)},
        {"CONNECT_ERROR object", packet(P::ConnectError, admin, R"({"message":"Not authorized"})")},
        {"CONNECT_ERROR string", packet(P::ConnectError, root, R"("Not authorized")")},
        {"BINARY_EVENT", packet(P::BinaryEvent, root, "[\"baz\"," + placeholder(0) + "]", -1,
                                {QByteArray("\x00\xff", 2)})},
        {"BINARY_ACK /admin",
         packet(P::BinaryAck, admin, "[" + placeholder(0) + "]", 7, {QByteArray()})},
        {"BINARY_EVENT ten attachments, reversed placeholders",
         packet(P::BinaryEvent, admin, tenPlaceholders, 99, tenAttachments)},
        {"UTF-8 namespace", packet(P::Event, QStringLiteral(u"/\u00fcber"), R"(["x"])")},
    };
    for (const auto &[name, p] : packets) {
        QTest::addRow("v5 %s", name) << V5 << PacketValue{p};
        QTest::addRow("v4 %s", name) << V4 << PacketValue{p};
    }
    QTest::newRow("v4 CONNECT with query")
        << V4
        << PacketValue{packet(P::Connect, admin, {}, -1, {}, QStringLiteral("token=abc&x=%20"))};
}

void tst_SocketIoCodec::roundTrip()
{
    QFETCH(SocketIoProtocol, protocol);
    QFETCH(PacketValue, packetRow);
    const SocketIoPacket &packet = packetRow.packet;

    QString error;
    QVERIFY2(SocketIoEncoder::validate(packet, protocol, &error), qPrintable(error));
    const QByteArray text = SocketIoEncoder::encode(packet, protocol);
    SocketIoDecoder decoder(protocol);
    const Status status = feed(decoder, text, packet.attachments);
    QVERIFY2(status == Status::PacketReady, qPrintable(decoder.errorString()));
    const SocketIoPacket decoded = decoder.takePacket();
    QCOMPARE(describe(decoded), describe(packet));
    QVERIFY(decoded == packet);
}

// --- Invalid input --------------------------------------------------------------------------

void tst_SocketIoCodec::decodeInvalid_data()
{
    QTest::addColumn<SocketIoProtocol>("protocol");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error");

    const auto row = [](const char *name, SocketIoProtocol protocol, const QByteArray &text,
                        const QString &error) { QTest::newRow(name) << protocol << text << error; };

    // Packet type.
    row("empty packet", V5, "", QStringLiteral("empty packet"));
    row("type 9", V5, "9", QStringLiteral("invalid packet type '9'"));
    row("type 7", V5, R"(7["x"])", QStringLiteral("invalid packet type '7'"));
    row("type letter", V5, R"(x["x"])", QStringLiteral("invalid packet type 'x'"));
    row("type is JSON", V5, R"(["x"])", QStringLiteral("invalid packet type '['"));
    row("type control byte", V5, QByteArray("\x04", 1),
        QStringLiteral("invalid packet type byte 0x04"));

    // Attachment count.
    row("attachment count not a number", V5, R"(5x-["a"])",
        QStringLiteral("invalid BINARY_EVENT attachment count: expected digits followed by '-', "
                       "found 'x'"));
    row("attachment count missing", V5, R"(5-["a"])",
        QStringLiteral("invalid BINARY_EVENT attachment count: no digits before '-'"));
    row("attachment count without dash", V5, R"(51["a",{"_placeholder":true,"num":0}])",
        QStringLiteral("invalid BINARY_EVENT attachment count: expected digits followed by '-', "
                       "found '['"));
    row("attachment count at end of packet", V5, "61",
        QStringLiteral("invalid BINARY_ACK attachment count: expected digits followed by '-', "
                       "found end of packet"));
    row("attachment count negative", V5, R"(5-1-["a"])",
        QStringLiteral("invalid BINARY_EVENT attachment count: no digits before '-'"));
    row("attachment count zero", V5, R"(50-["a"])",
        QStringLiteral("invalid BINARY_EVENT attachment count 0 (at least 1)"));
    row("too many attachments", V5, binaryEventText(11),
        QStringLiteral("too many attachments (11, at most 10)"));
    row("absurd attachment count", V5, R"(6123456789012345678901-[])",
        QStringLiteral("too many attachments (123456789012345678901, at most 10)"));

    // Namespace.
    row("EVENT namespace not followed by ','", V5, R"(2/admin["x"])",
        QStringLiteral("namespace '/admin[\"x\"]' is not followed by ','"));
    row("ACK namespace not followed by ','", V5, R"(3/admin13[])",
        QStringLiteral("namespace '/admin13[]' is not followed by ','"));
    row("BINARY_EVENT namespace not followed by ','", V5, "51-/admin",
        QStringLiteral("namespace '/admin' is not followed by ','"));

    // Ack id.
    row("ack id beyond 2^53 - 1", V5, R"(29007199254740992["x"])",
        QStringLiteral("ack id 9007199254740992 out of range (at most 9007199254740991)"));
    row("ack id of 21 digits", V5, R"(2/admin,123456789012345678901["x"])",
        QStringLiteral("ack id 123456789012345678901 out of range (at most 9007199254740991)"));
    row("ack id followed by letters", V5, R"(2/admin,12a["x"])",
        QStringLiteral("invalid JSON payload: expected a JSON value, found 'a' at offset 0"));
    row("negative ack id", V5, R"(2-1["x"])",
        QStringLiteral("invalid JSON payload: unexpected '[' after the JSON value at offset 2"));
    row("CONNECT with ack id", V5, "012{}",
        QStringLiteral("CONNECT packet cannot carry an ack id"));
    row("DISCONNECT with ack id", V5, "1/admin,12",
        QStringLiteral("DISCONNECT packet cannot carry an ack id"));
    row("CONNECT_ERROR with ack id", V5, R"(41{"message":"x"})",
        QStringLiteral("CONNECT_ERROR packet cannot carry an ack id"));
    row("v4 ERROR with ack id", V4, R"(41"x")",
        QStringLiteral("ERROR packet cannot carry an ack id"));
    row("ACK without ack id", V5, R"(3["bar"])", QStringLiteral("ACK packet must carry an ack id"));
    row("BINARY_ACK without ack id", V5, R"(61-/admin,[{"_placeholder":true,"num":0}])",
        QStringLiteral("BINARY_ACK packet must carry an ack id"));

    // Payload shape per type.
    row("EVENT without payload", V5, "2",
        QStringLiteral("EVENT payload must be a non-empty array"));
    row("EVENT /admin without payload", V5, "2/admin,",
        QStringLiteral("EVENT payload must be a non-empty array"));
    row("EVENT with ack id, no payload", V5, "212",
        QStringLiteral("EVENT payload must be a non-empty array"));
    row("EVENT payload object", V5, R"(2{"a":1})",
        QStringLiteral("EVENT payload must be a non-empty array"));
    row("EVENT payload string", V5, R"(2"foo")",
        QStringLiteral("EVENT payload must be a non-empty array"));
    row("EVENT payload empty array", V5, "2[]",
        QStringLiteral("EVENT payload must be a non-empty array"));
    row("EVENT first item object", V5, R"(2[{"a":1}])",
        QStringLiteral("EVENT name (the first array item) must be a string or a number"));
    row("EVENT first item null", V5, "2[null]",
        QStringLiteral("EVENT name (the first array item) must be a string or a number"));
    row("EVENT first item array", V5, R"(2[["x"]])",
        QStringLiteral("EVENT name (the first array item) must be a string or a number"));
    row("EVENT first item boolean", V5, "2[true]",
        QStringLiteral("EVENT name (the first array item) must be a string or a number"));
    row("reserved event connect", V5, R"(2["connect"])",
        QStringLiteral("event name 'connect' is reserved"));
    row("reserved event connect_error", V5, R"(2["connect_error",1])",
        QStringLiteral("event name 'connect_error' is reserved"));
    row("reserved event disconnect", V5, R"(2/admin,["disconnect"])",
        QStringLiteral("event name 'disconnect' is reserved"));
    row("reserved event disconnecting", V5, R"(2["disconnecting"])",
        QStringLiteral("event name 'disconnecting' is reserved"));
    row("reserved event newListener", V5, R"(2["newListener"])",
        QStringLiteral("event name 'newListener' is reserved"));
    row("reserved event removeListener", V5, R"(2["removeListener"])",
        QStringLiteral("event name 'removeListener' is reserved"));
    row("reserved event name escaped", V5, R"(2["\u0063onnect"])",
        QStringLiteral("event name 'connect' is reserved"));
    row("reserved event in v4", V4, R"(2["disconnect"])",
        QStringLiteral("event name 'disconnect' is reserved"));
    row("BINARY_EVENT reserved name", V5, R"(51-["connect",{"_placeholder":true,"num":0}])",
        QStringLiteral("event name 'connect' is reserved"));
    row("BINARY_EVENT payload object", V5, R"(51-{"_placeholder":true,"num":0})",
        QStringLiteral("BINARY_EVENT payload must be a non-empty array"));
    row("ACK payload object", V5, R"(3/admin,13{"a":1})",
        QStringLiteral("ACK payload must be an array"));
    row("ACK payload string", V5, R"(313"bar")", QStringLiteral("ACK payload must be an array"));
    row("ACK without payload", V5, "3/admin,13", QStringLiteral("ACK payload must be an array"));
    row("BINARY_ACK payload object", V5, R"(61-15{"a":{"_placeholder":true,"num":0}})",
        QStringLiteral("BINARY_ACK payload must be an array"));
    row("DISCONNECT with object payload", V5, R"(1{"a":1})",
        QStringLiteral("DISCONNECT packet must not have a payload"));
    row("DISCONNECT /admin with empty array", V5, "1/admin,[]",
        QStringLiteral("DISCONNECT packet must not have a payload"));
    row("DISCONNECT with garbage", V5, "1/admin,x",
        QStringLiteral("DISCONNECT packet must not have a payload"));
    row("CONNECT with array payload", V5, R"(0["a"])",
        QStringLiteral("CONNECT payload must be an object"));
    row("CONNECT with string payload", V5, R"(0/admin,"token")",
        QStringLiteral("CONNECT payload must be an object"));
    row("CONNECT with null payload", V5, "0null",
        QStringLiteral("CONNECT payload must be an object"));
    row("v4 CONNECT with array payload", V4, "0/admin,[]",
        QStringLiteral("CONNECT payload must be an object"));
    row("CONNECT_ERROR with array payload", V5, R"(4["x"])",
        QStringLiteral("CONNECT_ERROR payload must be a string or an object"));
    row("CONNECT_ERROR with null payload", V5, "4null",
        QStringLiteral("CONNECT_ERROR payload must be a string or an object"));
    row("v4 ERROR with array payload", V4, "4/admin,[1]",
        QStringLiteral("ERROR payload must be a string or an object"));

    // Broken JSON (offsets are within the payload).
    row("broken JSON: unterminated array", V5, R"(2["foo")",
        QStringLiteral("invalid JSON payload: expected ',' or ']' after an array item, found end "
                       "of input at offset 6"));
    row("broken JSON: trailing comma", V5, R"(2["foo",])",
        QStringLiteral("invalid JSON payload: expected a JSON value, found ']' at offset 7"));
    row("broken JSON: single quotes", V5, "2['foo']",
        QStringLiteral("invalid JSON payload: expected a JSON value, found ''' at offset 1"));
    row("broken JSON: object without value", V5, R"(0{"token"})",
        QStringLiteral("invalid JSON payload: expected ':' after an object key, found '}' at "
                       "offset 8"));
    row("broken JSON: invalid UTF-8", V5, "2[\"\xff\"]",
        QStringLiteral("invalid JSON payload: invalid UTF-8 in string at offset 2"));
    row("broken JSON: whitespace only", V5, "2 ",
        QStringLiteral("invalid JSON payload: unexpected end of input (a JSON value was "
                       "expected) at offset 1"));
    row("trailing garbage", V5, R"(2["foo"]x)",
        QStringLiteral("invalid JSON payload: unexpected 'x' after the JSON value at offset 7"));
    row("two payloads", V5, R"(2["a"]["b"])",
        QStringLiteral("invalid JSON payload: unexpected '[' after the JSON value at offset 5"));
    row("too deep", V5, "2" + QByteArray(1001, '[') + QByteArray(1001, ']'),
        QStringLiteral("invalid JSON payload: nesting deeper than 1000 levels at offset 1000"));

    // Placeholders.
    row("placeholder out of range", V5,
        R"(52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":2}])",
        QStringLiteral("placeholder num 2 out of range (2 attachments)"));
    row("placeholder out of range, one attachment", V5,
        R"(61-3[{"x":{"_placeholder":true,"num":1}}])",
        QStringLiteral("placeholder num 1 out of range (1 attachment)"));
    row("placeholder num not an integer", V5, R"(51-["a",{"_placeholder":true,"num":"0"}])",
        QStringLiteral("invalid JSON payload: placeholder \"num\" must be a non-negative integer "
                       "at offset 35"));
    row("placeholder without num", V5, R"(51-["a",{"_placeholder":true}])",
        QStringLiteral("invalid JSON payload: placeholder object has no \"num\" at offset 25"));
}

void tst_SocketIoCodec::decodeInvalid()
{
    QFETCH(SocketIoProtocol, protocol);
    QFETCH(QByteArray, text);
    QFETCH(QString, error);

    SocketIoDecoder decoder(protocol);
    QCOMPARE(decoder.decodeText(text), Status::Error);
    QCOMPARE(decoder.errorString(), error);
    QVERIFY(!decoder.isAwaitingAttachments());
    QCOMPARE(decoder.takePacket(), SocketIoPacket());

    // The decoder stays usable for the next packet.
    QCOMPARE(decoder.decodeText(R"(2["ok"])"), Status::PacketReady);
    QCOMPARE(decoder.takePacket().payload, QByteArray(R"(["ok"])"));
}

void tst_SocketIoCodec::validateInvalid_data()
{
    QTest::addColumn<SocketIoProtocol>("protocol");
    QTest::addColumn<PacketValue>("packetRow");
    QTest::addColumn<QString>("error");

    using P = SocketIoPacket;
    const QString admin = QStringLiteral("/admin");
    const QString root = QStringLiteral("/");
    const QByteArray bin("b");
    const QByteArray onePlaceholder = "[\"x\"," + placeholder(0) + "]";

    QTest::newRow("type 7") << V5 << PacketValue{packet(P::Type(7), root)}
                            << QStringLiteral("invalid packet type 7");
    QTest::newRow("namespace without slash")
        << V5 << PacketValue{packet(P::Event, QStringLiteral("admin"), R"(["x"])")}
        << QStringLiteral("namespace 'admin' must start with '/'");
    QTest::newRow("empty namespace") << V5 << PacketValue{packet(P::Event, QString(), R"(["x"])")}
                                     << QStringLiteral("namespace '' must start with '/'");
    QTest::newRow("namespace with comma")
        << V5 << PacketValue{packet(P::Event, QStringLiteral("/a,b"), R"(["x"])")}
        << QStringLiteral("namespace '/a,b' must not contain ','");
    QTest::newRow("v4 namespace with question mark")
        << V4 << PacketValue{packet(P::Connect, QStringLiteral("/a?b=1"))}
        << QStringLiteral("namespace '/a?b=1' must not contain '?' in protocol v4 (the query "
                          "string goes in the query field)");
    QTest::newRow("query in v5")
        << V5 << PacketValue{packet(P::Connect, admin, {}, -1, {}, QStringLiteral("a=1"))}
        << QStringLiteral("a query string is only sent with CONNECT in protocol v4");
    QTest::newRow("v4 query on EVENT")
        << V4 << PacketValue{packet(P::Event, admin, R"(["x"])", -1, {}, QStringLiteral("a=1"))}
        << QStringLiteral("a query string is only sent with CONNECT in protocol v4");
    QTest::newRow("v4 query with comma")
        << V4 << PacketValue{packet(P::Connect, admin, {}, -1, {}, QStringLiteral("a=1,2"))}
        << QStringLiteral("query string must not contain ','");
    QTest::newRow("ack id -2") << V5 << PacketValue{packet(P::Event, root, R"(["x"])", -2)}
                               << QStringLiteral("invalid ack id -2");
    QTest::newRow("ack id beyond 2^53 - 1")
        << V5 << PacketValue{packet(P::Event, root, R"(["x"])", Q_INT64_C(9007199254740992))}
        << QStringLiteral("ack id 9007199254740992 out of range (at most 9007199254740991)");
    QTest::newRow("CONNECT with ack id") << V5 << PacketValue{packet(P::Connect, root, {}, 1)}
                                         << QStringLiteral("CONNECT packet cannot carry an ack id");
    QTest::newRow("v4 ERROR with ack id")
        << V4 << PacketValue{packet(P::ConnectError, root, R"("x")", 1)}
        << QStringLiteral("ERROR packet cannot carry an ack id");
    QTest::newRow("ACK without ack id") << V5 << PacketValue{packet(P::Ack, root, "[]")}
                                        << QStringLiteral("ACK packet must carry an ack id");
    QTest::newRow("BINARY_EVENT without attachments")
        << V5 << PacketValue{packet(P::BinaryEvent, root, R"(["x"])")}
        << QStringLiteral("BINARY_EVENT packet must have at least one attachment");
    QTest::newRow("EVENT with attachments")
        << V5 << PacketValue{packet(P::Event, root, onePlaceholder, -1, {bin})}
        << QStringLiteral("EVENT packet cannot have attachments (1 attachment); use BINARY_EVENT");
    QTest::newRow("ACK with attachments")
        << V5
        << PacketValue{packet(P::Ack, root, "[" + placeholder(0) + "," + placeholder(1) + "]", 3,
                              {bin, bin})}
        << QStringLiteral("ACK packet cannot have attachments (2 attachments); use BINARY_ACK");
    QTest::newRow("too many attachments")
        << V5
        << PacketValue{packet(P::BinaryEvent, root, binaryEventText(11).mid(4), -1,
                              QList<QByteArray>(11, bin))}
        << QStringLiteral("too many attachments (11, at most 10)");
    QTest::newRow("placeholder out of range")
        << V5
        << PacketValue{packet(P::BinaryEvent, root, "[\"x\"," + placeholder(1) + "]", -1, {bin})}
        << QStringLiteral("placeholder num 1 out of range (1 attachment)");
    QTest::newRow("placeholder in a text EVENT")
        << V5 << PacketValue{packet(P::Event, root, onePlaceholder)}
        << QStringLiteral("placeholder num 0 out of range (0 attachments)");
    QTest::newRow("attachment not referenced")
        << V5 << PacketValue{packet(P::BinaryEvent, root, onePlaceholder, -1, {bin, bin})}
        << QStringLiteral("attachment 1 is not referenced by any placeholder");
    QTest::newRow("EVENT empty array") << V5 << PacketValue{packet(P::Event, root, "[]")}
                                       << QStringLiteral("EVENT payload must be a non-empty array");
    QTest::newRow("EVENT without payload")
        << V5 << PacketValue{packet(P::Event, admin)}
        << QStringLiteral("EVENT payload must be a non-empty array");
    QTest::newRow("EVENT reserved name")
        << V5 << PacketValue{packet(P::Event, root, R"(["newListener"])")}
        << QStringLiteral("event name 'newListener' is reserved");
    QTest::newRow("EVENT broken JSON")
        << V5 << PacketValue{packet(P::Event, root, R"(["x",])")}
        << QStringLiteral("invalid JSON payload: expected a JSON value, found ']' at offset 5");
    QTest::newRow("DISCONNECT with payload")
        << V5 << PacketValue{packet(P::Disconnect, admin, "{}")}
        << QStringLiteral("DISCONNECT packet must not have a "
                          "payload");
    QTest::newRow("CONNECT with array") << V5 << PacketValue{packet(P::Connect, admin, "[]")}
                                        << QStringLiteral("CONNECT payload must be an object");
    QTest::newRow("ACK not an array") << V5 << PacketValue{packet(P::Ack, admin, "{}", 1)}
                                      << QStringLiteral("ACK payload must be an array");
}

void tst_SocketIoCodec::validateInvalid()
{
    QFETCH(SocketIoProtocol, protocol);
    QFETCH(PacketValue, packetRow);
    const SocketIoPacket &packet = packetRow.packet;
    QFETCH(QString, error);

    QString actual;
    QVERIFY(!SocketIoEncoder::validate(packet, protocol, &actual));
    QCOMPARE(actual, error);
    QVERIFY(!SocketIoEncoder::validate(packet, protocol, nullptr)); // no error out-parameter
}

// --- Decoder state across messages ----------------------------------------------------------

void tst_SocketIoCodec::binaryWithNothingPending()
{
    SocketIoDecoder decoder;
    QCOMPARE(decoder.decodeBinary(QByteArray("\x01", 1)), Status::Error);
    QCOMPARE(decoder.errorString(), QStringLiteral("binary message with no pending attachments"));

    // Also after a binary packet has been completed.
    QCOMPARE(decoder.decodeText(binaryEventText(1)), Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("a"), Status::PacketReady);
    QCOMPARE(decoder.decodeBinary("b"), Status::Error);
    QCOMPARE(decoder.errorString(), QStringLiteral("binary message with no pending attachments"));
}

void tst_SocketIoCodec::textWhileAttachmentsPending()
{
    SocketIoDecoder decoder;
    const QByteArray header = binaryEventText(3);
    QCOMPARE(decoder.decodeText(header), Status::NeedAttachments);
    QCOMPARE(decoder.decodeText(R"(2["x"])"), Status::Error);
    QCOMPARE(decoder.errorString(), QStringLiteral("text message while 3 attachments are pending"));
    QCOMPARE(decoder.pendingText(), header);
    QVERIFY(!decoder.isAwaitingAttachments());

    QCOMPARE(decoder.decodeText(header), Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("a"), Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("b"), Status::NeedAttachments);
    QCOMPARE(decoder.decodeText(R"(2["x"])"), Status::Error);
    QCOMPARE(decoder.errorString(), QStringLiteral("text message while 1 attachment is pending"));

    // A new packet starts cleanly afterwards.
    QCOMPARE(decoder.decodeText(R"(2["x"])"), Status::PacketReady);
    QCOMPARE(decoder.pendingText(), QByteArray());
    QCOMPARE(decoder.takePacket(), packet(SocketIoPacket::Event, QStringLiteral("/"), R"(["x"])"));
}

void tst_SocketIoCodec::attachmentsArriveOneByOne()
{
    SocketIoDecoder decoder;
    QCOMPARE(decoder.decodeText(binaryEventText(3)), Status::NeedAttachments);
    QCOMPARE(decoder.pendingAttachmentCount(), 3);
    QCOMPARE(decoder.decodeBinary("one"), Status::NeedAttachments);
    QCOMPARE(decoder.pendingAttachmentCount(), 2);
    QCOMPARE(decoder.decodeBinary(QByteArray()), Status::NeedAttachments); // empty is allowed
    QCOMPARE(decoder.pendingAttachmentCount(), 1);
    QCOMPARE(decoder.decodeBinary("three"), Status::PacketReady);
    QCOMPARE(decoder.pendingAttachmentCount(), 0);
    const SocketIoPacket first = decoder.takePacket();
    QCOMPARE(int(first.type), int(SocketIoPacket::BinaryEvent));
    QCOMPARE(first.attachments, (QList<QByteArray>{"one", QByteArray(), "three"}));
    QCOMPARE(first.payload, binaryEventText(3).mid(3));

    // A second binary packet right after, then a text one.
    QCOMPARE(decoder.decodeText(R"(61-/admin,5[{"_placeholder":true,"num":0}])"),
             Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("four"), Status::PacketReady);
    QCOMPARE(decoder.takePacket(), packet(SocketIoPacket::BinaryAck, QStringLiteral("/admin"),
                                          R"([{"_placeholder":true,"num":0}])", 5, {"four"}));
    QCOMPARE(decoder.decodeText("1/admin,"), Status::PacketReady);
    QCOMPARE(decoder.takePacket(), packet(SocketIoPacket::Disconnect, QStringLiteral("/admin")));
}

void tst_SocketIoCodec::attachmentSizeLimit()
{
    SocketIoDecoder decoder;
    SocketIoDecoder::Limits limits;
    limits.maxAttachmentBytes = 4;
    decoder.setLimits(limits);
    QCOMPARE(decoder.limits().maxAttachmentBytes, qint64(4));

    QCOMPARE(decoder.decodeText(binaryEventText(2)), Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("1234"), Status::NeedAttachments); // exactly the limit
    QCOMPARE(decoder.decodeBinary("12345"), Status::Error);
    QCOMPARE(decoder.errorString(),
             QStringLiteral("attachment of 5 bytes exceeds the limit of 4 bytes"));
    QVERIFY(!decoder.isAwaitingAttachments());
}

void tst_SocketIoCodec::attachmentCountLimitIsConfigurable()
{
    SocketIoDecoder decoder;
    SocketIoDecoder::Limits limits;
    limits.maxAttachments = 2;
    decoder.setLimits(limits);
    QCOMPARE(decoder.decodeText(binaryEventText(3)), Status::Error);
    QCOMPARE(decoder.errorString(), QStringLiteral("too many attachments (3, at most 2)"));

    limits.maxAttachments = 100;
    decoder.setLimits(limits);
    QCOMPARE(decoder.decodeText(binaryEventText(100)), Status::NeedAttachments);
    for (int i = 0; i < 99; ++i)
        QCOMPARE(decoder.decodeBinary("x"), Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("x"), Status::PacketReady);
    QCOMPARE(decoder.takePacket().attachments.size(), 100);
}

// All attachments of one packet together are bounded too: ten attachments of maxAttachmentBytes
// each would otherwise be held while the packet is incomplete.
void tst_SocketIoCodec::pendingAttachmentBytesLimit()
{
    SocketIoDecoder decoder;
    SocketIoDecoder::Limits limits;
    limits.maxAttachmentBytes = 4;
    limits.maxPendingAttachmentBytes = 6;
    decoder.setLimits(limits);

    QCOMPARE(decoder.decodeText(binaryEventText(3)), Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("1234"), Status::NeedAttachments);
    QCOMPARE(decoder.pendingAttachmentBytes(), qint64(4));
    QCOMPARE(decoder.decodeBinary("56"), Status::NeedAttachments); // exactly the total limit
    QCOMPARE(decoder.pendingAttachmentBytes(), qint64(6));
    QCOMPARE(decoder.decodeBinary("7"), Status::Error);
    QCOMPARE(decoder.errorString(),
             QStringLiteral("attachments of one packet exceed the limit of 6 bytes in total (7 "
                            "bytes with attachment 3 of 3)"));
    QVERIFY(!decoder.isAwaitingAttachments());
    QCOMPARE(decoder.pendingAttachmentBytes(), qint64(0));

    // The count starts again with each packet.
    QCOMPARE(decoder.decodeText(binaryEventText(2)), Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("1234"), Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("56"), Status::PacketReady);
    QCOMPARE(decoder.pendingAttachmentBytes(), qint64(0));
    QCOMPARE(decoder.takePacket().attachments, (QList<QByteArray>{"1234", "56"}));
    QCOMPARE(decoder.decodeText(binaryEventText(1)), Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("1234"), Status::PacketReady);
}

void tst_SocketIoCodec::pendingPacketShowsWhatArrived()
{
    SocketIoDecoder decoder;
    QCOMPARE(decoder.pendingPacket(), SocketIoPacket());
    const QByteArray header = R"(52-/admin,7["up",{"_placeholder":true,"num":0},)"
                              R"({"_placeholder":true,"num":1}])";
    QCOMPARE(decoder.decodeText(header), Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("a"), Status::NeedAttachments);
    const SocketIoPacket pending = decoder.pendingPacket();
    QCOMPARE(int(pending.type), int(SocketIoPacket::BinaryEvent));
    QCOMPARE(pending.nsp, QStringLiteral("/admin"));
    QCOMPARE(pending.id, qint64(7));
    QCOMPARE(pending.payload, header.mid(11));
    QCOMPARE(pending.attachments, QList<QByteArray>{"a"});
    QCOMPARE(decoder.decodeBinary("b"), Status::PacketReady);
    QCOMPARE(decoder.pendingPacket(), SocketIoPacket());
}

void tst_SocketIoCodec::jsonDepthLimitIsConfigurable()
{
    SocketIoDecoder decoder;
    SocketIoDecoder::Limits limits;
    limits.maxJsonDepth = 3;
    decoder.setLimits(limits);
    QCOMPARE(decoder.decodeText(R"(2["a",[[1]]])"), Status::PacketReady);
    decoder.takePacket();
    QCOMPARE(decoder.decodeText(R"(2["a",[[[1]]]])"), Status::Error);
    QCOMPARE(decoder.errorString(),
             QStringLiteral("invalid JSON payload: nesting deeper than 3 levels at offset 7"));
}

void tst_SocketIoCodec::hundredThousandLevelsFailCleanly()
{
    SocketIoDecoder decoder;
    const QByteArray deep = "2[\"deep\"," + QByteArray(100000, '[') + QByteArray(100000, ']') + "]";
    QCOMPARE(decoder.decodeText(deep), Status::Error);
    QCOMPARE(
        decoder.errorString(),
        QStringLiteral("invalid JSON payload: nesting deeper than 1000 levels at offset 1007"));

    QString error;
    const SocketIoPacket outgoing(SocketIoPacket::Event, QStringLiteral("/"), deep.mid(1));
    QVERIFY(!SocketIoEncoder::validate(outgoing, V5, &error));
    QCOMPARE(error, QStringLiteral(
                        "invalid JSON payload: nesting deeper than 1000 levels at offset 1007"));
}

void tst_SocketIoCodec::takePacketEmptiesTheDecoder()
{
    SocketIoDecoder decoder;
    QCOMPARE(decoder.decodeText(R"(2/admin,1["x"])"), Status::PacketReady);
    QCOMPARE(decoder.takePacket(),
             packet(SocketIoPacket::Event, QStringLiteral("/admin"), R"(["x"])", 1));
    QCOMPARE(decoder.takePacket(), SocketIoPacket()); // nothing twice

    // Nothing before the last attachment either.
    QCOMPARE(decoder.decodeText(binaryEventText(2)), Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("a"), Status::NeedAttachments);
    QCOMPARE(decoder.takePacket(), SocketIoPacket());
}

void tst_SocketIoCodec::resetDropsHalfAssembledPacket()
{
    SocketIoDecoder decoder(V4);
    QCOMPARE(decoder.decodeText(binaryEventText(2)), Status::NeedAttachments);
    QCOMPARE(decoder.decodeBinary("a"), Status::NeedAttachments);
    decoder.reset();
    QVERIFY(!decoder.isAwaitingAttachments());
    QCOMPARE(decoder.pendingText(), QByteArray());
    QCOMPARE(decoder.protocol(), V4);
    QCOMPARE(decoder.decodeBinary("b"), Status::Error);
    QCOMPARE(decoder.errorString(), QStringLiteral("binary message with no pending attachments"));

    decoder.reset();
    decoder.setProtocol(V5);
    QCOMPARE(decoder.protocol(), V5);
    QCOMPARE(decoder.decodeText("0/admin?x=1,"), Status::PacketReady);
    QCOMPARE(decoder.takePacket().nsp, QStringLiteral("/admin?x=1")); // v5: no query split
}

void tst_SocketIoCodec::namespaceIsReusedAcrossPackets()
{
    SocketIoDecoder decoder;
    QCOMPARE(decoder.decodeText(R"(2/chat,["a"])"), Status::PacketReady);
    const SocketIoPacket first = decoder.takePacket();
    QCOMPARE(decoder.decodeText(R"(2/chat,["b"])"), Status::PacketReady);
    const SocketIoPacket second = decoder.takePacket();
    QCOMPARE(second.nsp, QStringLiteral("/chat"));
    QVERIFY(first.nsp.isSharedWith(second.nsp)); // converted once, shared afterwards
    QCOMPARE(decoder.decodeText(R"(2/news,["c"])"), Status::PacketReady);
    QCOMPARE(decoder.takePacket().nsp, QStringLiteral("/news"));
    QCOMPARE(first.nsp, QStringLiteral("/chat")); // unaffected by later namespaces
}

// --- SocketIoPacket -------------------------------------------------------------------------

void tst_SocketIoCodec::typeNames()
{
    QCOMPARE(SocketIoPacket::typeName(SocketIoPacket::Connect), QStringLiteral("CONNECT"));
    QCOMPARE(SocketIoPacket::typeName(SocketIoPacket::Disconnect), QStringLiteral("DISCONNECT"));
    QCOMPARE(SocketIoPacket::typeName(SocketIoPacket::Event), QStringLiteral("EVENT"));
    QCOMPARE(SocketIoPacket::typeName(SocketIoPacket::Ack), QStringLiteral("ACK"));
    QCOMPARE(SocketIoPacket::typeName(SocketIoPacket::ConnectError),
             QStringLiteral("CONNECT_ERROR"));
    QCOMPARE(SocketIoPacket::typeName(SocketIoPacket::BinaryEvent), QStringLiteral("BINARY_EVENT"));
    QCOMPARE(SocketIoPacket::typeName(SocketIoPacket::BinaryAck), QStringLiteral("BINARY_ACK"));
    QCOMPARE(SocketIoPacket::typeName(SocketIoPacket::Type(9)), QStringLiteral("UNKNOWN(9)"));
}

void tst_SocketIoCodec::data_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QJsonValue>("expected");

    QTest::newRow("no payload") << QByteArray() << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("object") << QByteArray(R"({"sid":"abc","n":1})")
                            << QJsonValue(QJsonObject{{"sid", "abc"}, {"n", 1}});
    QTest::newRow("array with placeholder")
        << QByteArray(R"(["baz",{"_placeholder":true,"num":0}])")
        << QJsonValue(QJsonArray{"baz", QJsonObject{{"_placeholder", true}, {"num", 0}}});
    QTest::newRow("top-level string")
        << QByteArray(R"("Not authorized")") << QJsonValue(QStringLiteral("Not authorized"));
    QTest::newRow("top-level number") << QByteArray("12.5") << QJsonValue(12.5);
    QTest::newRow("top-level null") << QByteArray("null") << QJsonValue(QJsonValue::Null);
    QTest::newRow("top-level true with whitespace") << QByteArray(" true ") << QJsonValue(true);
    QTest::newRow("broken JSON") << QByteArray(R"(["x")") << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("two values do not pass as one")
        << QByteArray("1,2") << QJsonValue(QJsonValue::Undefined);
}

void tst_SocketIoCodec::data()
{
    QFETCH(QByteArray, payload);
    QFETCH(QJsonValue, expected);

    const SocketIoPacket p(SocketIoPacket::Event, QStringLiteral("/"), payload);
    QCOMPARE(p.data(), expected);
    QCOMPARE(p.data().type(), expected.type());
}

void tst_SocketIoCodec::eventName_data()
{
    QTest::addColumn<PacketValue>("packetRow");
    QTest::addColumn<QString>("expected");

    using P = SocketIoPacket;
    const QString root = QStringLiteral("/");
    QTest::newRow("EVENT") << PacketValue{packet(P::Event, root, R"(["hey","Jude"])")}
                           << QStringLiteral("hey");
    QTest::newRow("EVENT with escapes")
        << PacketValue{packet(P::Event, root, R"(["caf\u00e9 \"x\""])")}
        << QStringLiteral(u"caf\u00e9 \"x\"");
    QTest::newRow("BINARY_EVENT") << PacketValue{packet(P::BinaryEvent, root,
                                                        "[\"up\"," + placeholder(0) + "]", -1,
                                                        {"b"})}
                                  << QStringLiteral("up");
    QTest::newRow("numeric event name") << PacketValue{packet(P::Event, root, "[1]")} << QString();
    QTest::newRow("ACK is not an event")
        << PacketValue{packet(P::Ack, root, R"(["x"])", 1)} << QString();
    QTest::newRow("CONNECT is not an event")
        << PacketValue{packet(P::Connect, root, "{}")} << QString();
    QTest::newRow("no payload") << PacketValue{packet(P::Event, root)} << QString();
}

void tst_SocketIoCodec::eventName()
{
    QFETCH(PacketValue, packetRow);
    const SocketIoPacket &packet = packetRow.packet;
    QFETCH(QString, expected);
    QCOMPARE(packet.eventName(), expected);
}

QTEST_APPLESS_MAIN(tst_SocketIoCodec)
#include "tst_socketiocodec.moc"
