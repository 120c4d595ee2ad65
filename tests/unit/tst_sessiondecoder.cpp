// SessionDecoder, the passive decoder the client, the server and the proxy record through: both
// directions of one Engine.IO session fed as the wire carries them (WebSocket messages, polling
// bodies of v4, v3 text and v3 binary), acks paired both ways, protocol errors recorded with
// their bytes and the direction stopped, packets cut short kept. And the decisive check: fed
// what a real client and server exchanged, an observer writes the client's own records.
#include "packetspy.h"
#include "server/defaulthandlers.h"
#include "server/socketioserver.h"
#include "socketio/sessiondecoder.h"
#include "socketio/socketioclient.h"
#include "socketio/socketiocodec.h"
#include "transportrows.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QSignalSpy>
#include <QTest>

namespace {

constexpr int Timeout = 5000;
using Direction = PacketRecord::Direction;
constexpr auto In = Direction::In;
constexpr auto Out = Direction::Out;

// One Engine.IO packet of a transcript, the way it crossed the wire.
struct Step
{
    Direction direction;
    EngineIoPacket packet;
};

// A v5 session: handshake, CONNECT both ways, an EVENT with an ack each way, a BINARY_EVENT with
// one attachment from the server, a heartbeat.
QList<Step> transcript()
{
    const auto message = [](const char *text) {
        return EngineIoPacket(EngineIoPacket::Message, QByteArray(text));
    };
    return {
        {In,
         EngineIoPacket(EngineIoPacket::Open, R"({"sid":"s1","upgrades":[],"pingInterval":25000,)"
                                              R"("pingTimeout":20000,"maxPayload":1000000})")},
        {Out, message("0")},
        {In, message(R"(0{"sid":"n1"})")},
        {Out, message(R"(21["hello",1])")},
        {In, message(R"(31["world"])")},
        {In, message(R"(27["question"])")},
        {Out, message(R"(37["answer"])")},
        {In, message(R"(51-["file",{"_placeholder":true,"num":0}])")},
        {In, EngineIoPacket(EngineIoPacket::Message, QByteArray::fromHex("00ff10"), true)},
        {In, EngineIoPacket(EngineIoPacket::Ping)},
        {Out, EngineIoPacket(EngineIoPacket::Pong)},
    };
}

// The records of a transcript, by what identifies them: "<dir> <layer> <type>".
QStringList outline(const QList<PacketRecord> &records)
{
    QStringList lines;
    for (const PacketRecord &r : records)
        lines << QStringLiteral("%1 %2 %3").arg(r.directionName(), r.layerName(), r.typeName());
    return lines;
}

const QStringList transcriptOutline{
    QStringLiteral("in eio OPEN"),    QStringLiteral("out sio CONNECT"),
    QStringLiteral("in sio CONNECT"), QStringLiteral("out sio EVENT"),
    QStringLiteral("in sio ACK"),     QStringLiteral("in sio EVENT"),
    QStringLiteral("out sio ACK"),    QStringLiteral("in sio BINARY_EVENT"),
    QStringLiteral("in eio PING"),    QStringLiteral("out eio PONG"),
};

QList<PacketRecord> recordsOf(const QSignalSpy &spy)
{
    QList<PacketRecord> records;
    for (const QList<QVariant> &arguments : spy)
        records << arguments.first().value<PacketRecord>();
    return records;
}

PacketRecord findRecord(const QList<PacketRecord> &records, Direction direction, quint8 type)
{
    for (const PacketRecord &r : records)
        if (r.layer == PacketRecord::Layer::SocketIo && r.direction == direction && r.type == type)
            return r;
    return {};
}

} // namespace

class tst_SessionDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void observesTheWire_data();
    void observesTheWire();
    void roundTrips_data();
    void roundTrips();
    void unmatchedAckIsNamed();
    void forgottenAckIsUnmatched();
    void invalidPacketStopsItsDirectionOnly_data();
    void invalidPacketStopsItsDirectionOnly();
    void packetCutShortIsKept_data();
    void packetCutShortIsKept();
    void brokenEngineIoFramesAreRecorded_data();
    void brokenEngineIoFramesAreRecorded();
    void engineIoMessagesWhenNotSocketIo();
    void sessionSidOnEveryRecord();
    void sinkIsToldBeforeEachSignal();
    void packetsBackToBackAcrossMessages();
    void observerWritesTheClientsRecords_data();
    void observerWritesTheClientsRecords();
};

void tst_SessionDecoder::initTestCase()
{
    qRegisterMetaType<PacketRecord>();
}

// The same transcript over each way the wire can carry it gives the same records.
void tst_SessionDecoder::observesTheWire_data()
{
    QTest::addColumn<QString>("carrier");
    QTest::newRow("websocket-v4") << QStringLiteral("websocket-v4");
    QTest::newRow("websocket-v3") << QStringLiteral("websocket-v3");
    QTest::newRow("polling-v4-one-packet-per-body") << QStringLiteral("polling-v4");
    QTest::newRow("polling-v4-whole-direction-in-one-body") << QStringLiteral("polling-v4-batched");
    QTest::newRow("polling-v3-text") << QStringLiteral("polling-v3");
    QTest::newRow("polling-v3-binary-octet-stream") << QStringLiteral("polling-v3-binary");
}

void tst_SessionDecoder::observesTheWire()
{
    QFETCH(QString, carrier);
    SessionDecoder decoder;
    QSignalSpy spy(&decoder, &SessionDecoder::packetRecorded);
    const bool v3 = carrier.contains(QLatin1String("v3"));
    const EngineIoVersion version = v3 ? EngineIoVersion::V3 : EngineIoVersion::V4;
    decoder.start(v3 ? SocketIoProtocol::V4 : SocketIoProtocol::V5);

    const QList<Step> steps = transcript();
    if (carrier.startsWith(QLatin1String("websocket"))) {
        for (const Step &step : steps) {
            const QByteArray frame =
                step.packet.binary ? EngineIoCodec::encodeBinaryFrame(step.packet.data, version)
                                   : EngineIoCodec::encodeText(step.packet, version);
            QVERIFY(decoder.observeWebSocketMessage(step.direction, frame, step.packet.binary,
                                                    version));
        }
    } else if (carrier == QLatin1String("polling-v4-batched")) {
        // Each run of packets going the same way in one body, as a polling client batches them.
        for (qsizetype first = 0; first < steps.size();) {
            qsizetype end = first;
            QList<EngineIoPacket> packets;
            while (end < steps.size() && steps[end].direction == steps[first].direction)
                packets << steps[end++].packet;
            QVERIFY(decoder.observePollingBody(steps[first].direction,
                                               EngineIoCodec::encodePayload(packets, version),
                                               SessionDecoder::PollingBody::Text, version));
            first = end;
        }
    } else {
        const bool binaryBody = carrier.endsWith(QLatin1String("binary"));
        for (const Step &step : steps) {
            const QByteArray body = binaryBody
                                        ? EngineIoCodec::encodeV3BinaryPayload({step.packet})
                                        : EngineIoCodec::encodePayload({step.packet}, version);
            QVERIFY(decoder.observePollingBody(step.direction, body,
                                               binaryBody ? SessionDecoder::PollingBody::V3Binary
                                                          : SessionDecoder::PollingBody::Text,
                                               version));
        }
    }

    const QList<PacketRecord> records = recordsOf(spy);
    for (const PacketRecord &r : records)
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(outline(records), transcriptOutline);
    const PacketRecord binary = findRecord(records, In, SocketIoPacket::BinaryEvent);
    QCOMPARE(binary.attachments, QList<QByteArray>{QByteArray::fromHex("00ff10")});
    QCOMPARE(binary.raw, QByteArray(R"(451-["file",{"_placeholder":true,"num":0}])"));
    QCOMPARE(findRecord(records, In, SocketIoPacket::Ack).id, 1);
}

// An ACK received for our EVENT always carries its round trip; an ACK we send for the peer's
// EVENT carries one only for an observer, who measures both ways.
void tst_SessionDecoder::roundTrips_data()
{
    QTest::addColumn<SessionDecoder::RoundTrips>("roundTrips");
    QTest::addColumn<bool>("outgoingAckMeasured");
    QTest::newRow("a-role-measures-its-own-events")
        << SessionDecoder::RoundTrips::Received << false;
    QTest::newRow("an-observer-measures-both-ways") << SessionDecoder::RoundTrips::Both << true;
}

void tst_SessionDecoder::roundTrips()
{
    QFETCH(SessionDecoder::RoundTrips, roundTrips);
    QFETCH(bool, outgoingAckMeasured);
    SessionDecoder decoder;
    decoder.setRoundTrips(roundTrips);
    QSignalSpy spy(&decoder, &SessionDecoder::packetRecorded);
    for (const Step &step : transcript())
        decoder.observeEnginePacket(step.direction, step.packet, TransportKind::WebSocket);
    const QList<PacketRecord> records = recordsOf(spy);
    QVERIFY(findRecord(records, In, SocketIoPacket::Ack).rttUs >= 0);
    QCOMPARE(findRecord(records, Out, SocketIoPacket::Ack).rttUs >= 0, outgoingAckMeasured);
    QCOMPARE(findRecord(records, In, SocketIoPacket::Event).rttUs, -1);
}

void tst_SessionDecoder::unmatchedAckIsNamed()
{
    SessionDecoder decoder;
    QSignalSpy spy(&decoder, &SessionDecoder::packetRecorded);
    decoder.observeEnginePacket(In, EngineIoPacket(EngineIoPacket::Message, "3/chat,9[]"),
                                TransportKind::WebSocket);
    const QList<PacketRecord> records = recordsOf(spy);
    QCOMPARE(records.size(), 1);
    QCOMPARE(records.first().error,
             QStringLiteral("ACK for id 9 on /chat answers no EVENT seen with that id"));
    QCOMPARE(records.first().rttUs, -1);
}

// A role that gave up waiting (an ack timeout) tells the decoder; the late ACK is then unmatched.
void tst_SessionDecoder::forgottenAckIsUnmatched()
{
    SessionDecoder decoder;
    SocketIoPacket event(SocketIoPacket::Event, QStringLiteral("/"), R"(["slow"])", 4);
    const PacketRecord sent = decoder.sentRecord(event, R"(424["slow"])", TransportKind::Polling);
    QCOMPARE(sent.direction, Out);
    QCOMPARE(sent.raw, QByteArray(R"(424["slow"])"));

    SessionDecoder::Decoded answered = decoder.decodeMessage(In, "34[]", false);
    QCOMPARE(answered.status, SessionDecoder::Decoded::Status::PacketReady);
    QVERIFY(answered.ackMatched);
    QVERIFY(answered.record.rttUs >= 0);

    decoder.sentRecord(event, R"(424["slow"])", TransportKind::Polling);
    decoder.forgetAck(Out, QStringLiteral("/"), 4);
    const SessionDecoder::Decoded late = decoder.decodeMessage(In, "34[]", false);
    QCOMPARE(late.status, SessionDecoder::Decoded::Status::PacketReady);
    QVERIFY(!late.ackMatched);
    QCOMPARE(late.record.rttUs, -1);
}

// The spec: a receiver MUST close on an invalid packet. The offending bytes are recorded with
// the rule, what follows in that direction is dropped, and the other direction goes on.
void tst_SessionDecoder::invalidPacketStopsItsDirectionOnly_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<bool>("binary");
    QTest::addColumn<QString>("error");
    QTest::addColumn<QString>("nsp");
    QTest::newRow("unknown-packet-type")
        << QByteArray("9") << false << QStringLiteral("invalid packet type '9'")
        << QStringLiteral("/");
    QTest::newRow("event-payload-not-an-array")
        << QByteArray(R"(2{"a":1})") << false
        << QStringLiteral("EVENT payload must be a non-empty array") << QStringLiteral("/");
    QTest::newRow("event-cut-short-on-a-namespace")
        << QByteArray(R"(2/chat,["unterminated)") << false << QStringLiteral("JSON")
        << QStringLiteral("/chat");
    QTest::newRow("binary-event-cut-short-on-a-namespace")
        << QByteArray(R"(51-/chat,7["a",{"_placeholder":true)") << false << QStringLiteral("JSON")
        << QStringLiteral("/chat");
    QTest::newRow("ack-cut-short-without-namespace")
        << QByteArray(R"(312["a")") << false << QStringLiteral("JSON") << QStringLiteral("/");
    QTest::newRow("attachment-with-no-header")
        << QByteArray::fromHex("0102") << true
        << QStringLiteral("binary message with no pending attachments") << QStringLiteral("/");
}

void tst_SessionDecoder::invalidPacketStopsItsDirectionOnly()
{
    QFETCH(QByteArray, data);
    QFETCH(bool, binary);
    QFETCH(QString, error);
    QFETCH(QString, nsp);
    for (const Direction broken : {In, Out}) {
        const Direction other = broken == In ? Out : In;
        SessionDecoder decoder;
        QSignalSpy spy(&decoder, &SessionDecoder::packetRecorded);
        const SessionDecoder::Decoded decoded = decoder.decodeMessage(broken, data, binary);
        QCOMPARE(decoded.status, SessionDecoder::Decoded::Status::Error);
        QVERIFY2(decoded.error.contains(error), qPrintable(decoded.error));
        QVERIFY(decoder.isStopped(broken));
        QVERIFY(!decoder.isStopped(other));
        QCOMPARE(spy.size(), 1);
        const auto offending = spy.first().first().value<PacketRecord>();
        QCOMPARE(offending.direction, broken);
        QCOMPARE(offending.error, decoded.error);
        QCOMPARE(offending.nsp, nsp);
        if (binary)
            QCOMPARE(offending.attachments, QList<QByteArray>{data});
        else
            QCOMPARE(offending.raw, '4' + data);

        QCOMPARE(decoder.decodeMessage(broken, R"(2["after"])", false).status,
                 SessionDecoder::Decoded::Status::Dropped);
        QCOMPARE(decoder.decodeMessage(other, R"(2["after"])", false).status,
                 SessionDecoder::Decoded::Status::PacketReady);
        decoder.start(SocketIoProtocol::V5); // a new session decodes afresh
        QCOMPARE(decoder.decodeMessage(broken, R"(2["after"])", false).status,
                 SessionDecoder::Decoded::Status::PacketReady);
    }
}

// A BINARY_EVENT whose attachments never all come is recorded as far as it got, whatever ends
// it: a message that breaks a rule, the connection closing, a new session, or a role's timeout.
void tst_SessionDecoder::packetCutShortIsKept_data()
{
    QTest::addColumn<QString>("ending");
    QTest::addColumn<QString>("why");
    QTest::newRow("next-message-breaks-a-rule")
        << QStringLiteral("text") << QStringLiteral("the next message broke a rule");
    QTest::newRow("connection-closed")
        << QStringLiteral("abandon") << QStringLiteral("the connection closed");
    QTest::newRow("new-session") << QStringLiteral("start")
                                 << QStringLiteral("a new session opened");
    QTest::newRow("attachment-timeout")
        << QStringLiteral("stop") << QStringLiteral("attachment timeout");
}

void tst_SessionDecoder::packetCutShortIsKept()
{
    QFETCH(QString, ending);
    QFETCH(QString, why);
    SessionDecoder decoder;
    QSignalSpy spy(&decoder, &SessionDecoder::packetRecorded);
    const QByteArray header = R"(52-["two",{"_placeholder":true,"num":0},)"
                              R"({"_placeholder":true,"num":1}])";
    QCOMPARE(decoder.decodeMessage(In, header, false).status,
             SessionDecoder::Decoded::Status::NeedMoreMessages);
    QCOMPARE(decoder.decodeMessage(In, "first", true).status,
             SessionDecoder::Decoded::Status::NeedMoreMessages);
    QVERIFY(decoder.isAssembling(In));
    QCOMPARE(decoder.receivedParts(In), 1);
    QCOMPARE(decoder.announcedParts(In), 2);
    QCOMPARE(spy.size(), 0);

    if (ending == QLatin1String("text"))
        decoder.decodeMessage(In, R"(2["not-an-attachment"])", false);
    else if (ending == QLatin1String("abandon"))
        decoder.abandonPartial(In, QStringLiteral("the connection closed: transport close"));
    else if (ending == QLatin1String("start"))
        decoder.start(SocketIoProtocol::V5);
    else
        decoder.stop(In, QStringLiteral("attachment timeout: 1 of 2 attachments arrived"));

    QVERIFY(!decoder.isAssembling(In));
    QVERIFY(spy.size() >= 1);
    const auto incomplete = spy.first().first().value<PacketRecord>();
    QCOMPARE(incomplete.type, quint8(SocketIoPacket::BinaryEvent));
    QCOMPARE(incomplete.raw, '4' + header);
    QCOMPARE(incomplete.attachments, QList<QByteArray>{"first"});
    QVERIFY2(incomplete.error.startsWith(
                 QStringLiteral("incomplete BINARY_EVENT: 1 of 2 attachments received; ")),
             qPrintable(incomplete.error));
    QVERIFY2(incomplete.error.contains(why), qPrintable(incomplete.error));
    QCOMPARE(decoder.isStopped(In),
             ending == QLatin1String("text") || ending == QLatin1String("stop"));
}

void tst_SessionDecoder::brokenEngineIoFramesAreRecorded_data()
{
    QTest::addColumn<QString>("carrier");
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("websocket-unknown-packet-type")
        << QStringLiteral("websocket") << QByteArray("9x");
    QTest::newRow("websocket-empty-text-frame") << QStringLiteral("websocket") << QByteArray();
    QTest::newRow("polling-v3-length-not-a-number")
        << QStringLiteral("polling-v3") << QByteArray("x:40");
    QTest::newRow("polling-v4-empty-body") << QStringLiteral("polling-v4") << QByteArray();
}

void tst_SessionDecoder::brokenEngineIoFramesAreRecorded()
{
    QFETCH(QString, carrier);
    QFETCH(QByteArray, bytes);
    SessionDecoder decoder;
    QSignalSpy spy(&decoder, &SessionDecoder::packetRecorded);
    bool ok;
    if (carrier == QLatin1String("websocket"))
        ok = decoder.observeWebSocketMessage(Out, bytes, false, EngineIoVersion::V4);
    else
        ok = decoder.observePollingBody(
            Out, bytes, SessionDecoder::PollingBody::Text,
            carrier.endsWith(QLatin1String("v3")) ? EngineIoVersion::V3 : EngineIoVersion::V4);
    QVERIFY(!ok);
    QCOMPARE(spy.size(), 1);
    const auto r = spy.first().first().value<PacketRecord>();
    QCOMPARE(r.layer, PacketRecord::Layer::Connection);
    QCOMPARE(r.type, quint8(PacketRecord::Error));
    QCOMPARE(r.direction, Out);
    QVERIFY(!r.error.isEmpty());
    QCOMPARE(r.payload, QByteArray(R"({"kind":"protocol","layer":"eio"})"));
}

// A plain Engine.IO session: messages are opaque data, recorded at that layer.
void tst_SessionDecoder::engineIoMessagesWhenNotSocketIo()
{
    SessionDecoder decoder;
    decoder.setMessages(SessionDecoder::Messages::EngineIo);
    QSignalSpy spy(&decoder, &SessionDecoder::packetRecorded);
    decoder.observeEnginePacket(In, EngineIoPacket(EngineIoPacket::Message, "not socket.io"),
                                TransportKind::Polling);
    QCOMPARE(spy.size(), 1);
    const auto r = spy.first().first().value<PacketRecord>();
    QCOMPARE(r.layer, PacketRecord::Layer::EngineIo);
    QCOMPARE(r.type, quint8(EngineIoPacket::Message));
    QVERIFY(r.error.isEmpty());
}

void tst_SessionDecoder::sessionSidOnEveryRecord()
{
    SessionDecoder decoder;
    decoder.setSession(QStringLiteral("abc"));
    QSignalSpy spy(&decoder, &SessionDecoder::packetRecorded);
    for (const Step &step : transcript())
        decoder.observeEnginePacket(step.direction, step.packet, TransportKind::WebSocket);
    QCOMPARE(spy.size(), transcriptOutline.size());
    for (const PacketRecord &r : recordsOf(spy)) {
        QCOMPARE(r.session, QStringLiteral("abc"));
        QVERIFY(r.timeUs > 0);
    }
}

namespace {
// Keeps what it is told, and how many signals had gone out by then.
struct RecordingSink final : PacketRecordSink
{
    explicit RecordingSink(const QSignalSpy *spy)
        : spy(spy)
    {
    }
    void sessionRecorded(SessionDecoder *, const PacketRecord &record) override
    {
        records << record;
        signalsBefore << int(spy->size());
    }
    const QSignalSpy *spy;
    QList<PacketRecord> records;
    QList<int> signalsBefore;
};
} // namespace

void tst_SessionDecoder::sinkIsToldBeforeEachSignal()
{
    SessionDecoder decoder;
    decoder.setSession(QStringLiteral("abc"));
    QSignalSpy spy(&decoder, &SessionDecoder::packetRecorded);
    RecordingSink sink(&spy);
    decoder.setSink(&sink);
    for (const Step &step : transcript())
        decoder.observeEnginePacket(step.direction, step.packet, TransportKind::WebSocket);
    QCOMPARE(outline(sink.records), transcriptOutline);
    QCOMPARE(outline(recordsOf(spy)), transcriptOutline);
    for (int i = 0; i < sink.signalsBefore.size(); ++i)
        QCOMPARE(sink.signalsBefore.at(i), i);
    QCOMPARE(sink.records.first().session, QStringLiteral("abc"));
}

// A direction's message decoder is dropped after each packet and made again for the next one,
// with the same protocol; a packet whose attachments are still coming keeps it.
void tst_SessionDecoder::packetsBackToBackAcrossMessages()
{
    SessionDecoder decoder;
    QSignalSpy spy(&decoder, &SessionDecoder::packetRecorded);
    const auto text = [](const char *data) {
        return EngineIoPacket(EngineIoPacket::Message, QByteArray(data));
    };
    const auto binary = [](const char *hex) {
        return EngineIoPacket(EngineIoPacket::Message, QByteArray::fromHex(hex), true);
    };
    const QList<EngineIoPacket> packets{
        text(R"(52-["two",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"),
        binary("01"),
        binary("0203"),
        text(R"(51-["one",{"_placeholder":true,"num":0}])"),
        binary("04"),
        text(R"(2["plain"])"),
    };
    for (const EngineIoPacket &packet : packets)
        decoder.observeEnginePacket(In, packet, TransportKind::WebSocket);
    const QList<PacketRecord> records = recordsOf(spy);
    QCOMPARE(outline(records),
             (QStringList{QStringLiteral("in sio BINARY_EVENT"),
                          QStringLiteral("in sio BINARY_EVENT"), QStringLiteral("in sio EVENT")}));
    QCOMPARE(records.at(0).attachments,
             (QList<QByteArray>{QByteArray::fromHex("01"), QByteArray::fromHex("0203")}));
    QCOMPARE(records.at(1).attachments, QList<QByteArray>{QByteArray::fromHex("04")});
    QCOMPARE(records.at(2).payload, QByteArray(R"(["plain"])"));
}

// The decisive one: an observer fed what the client's engine sent and received writes the
// Socket.IO and Engine.IO records the client wrote itself (time and round trips aside).
void tst_SessionDecoder::observerWritesTheClientsRecords_data()
{
    addTransportRows();
}

void tst_SessionDecoder::observerWritesTheClientsRecords()
{
    QFETCH(EngineIoOptions::Version, version);
    QFETCH(EngineIoOptions::Transports, transports);
    SocketIoServer server;
    SocketIoServerNamespace *serverRoot = server.findNamespace(QStringLiteral("/"));
    connect(serverRoot, &SocketIoServerNamespace::eventReceived, this,
            [](SocketIoServerSocket *socket, const SocketIoPacket &packet) {
                if (packet.hasId())
                    socket->sendAckJson(packet.id,
                                        SocketIoDefaultHandlers::dropFirstItem(packet.payload),
                                        packet.attachments);
                socket->emitEventJson(R"(["again",1])", {}, 1000);
            });
    QVERIFY2(server.listen(), qPrintable(server.errorString()));

    SocketIoClient client;
    SocketIoOptions options;
    options.engine.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()));
    options.engine.version = version;
    options.engine.transports = transports;
    options.engine.reconnect.enabled = false;
    client.setOptions(options);

    SessionDecoder observer;
    observer.start(version == EngineIoOptions::Version::V3 ? SocketIoProtocol::V4
                                                           : SocketIoProtocol::V5);
    connect(client.engine(), &EngineIoClient::packetSent, &observer,
            [&observer](const EngineIoPacket &packet, TransportKind transport) {
                observer.observeEnginePacket(Out, packet, transport);
            });
    connect(client.engine(), &EngineIoClient::packetReceived, &observer,
            [&observer](const EngineIoPacket &packet, TransportKind transport) {
                observer.observeEnginePacket(In, packet, transport);
            });
    QSignalSpy clientRecords(&client, &SocketIoClient::packetRecorded);
    QSignalSpy serverReceived(&server, &SocketIoServer::packetReceived);
    QSignalSpy observerRecords(&observer, &SessionDecoder::packetRecorded);

    SocketIoNamespace *root = client.joinNamespace(QStringLiteral("/"));
    QSignalSpy acks(root, &SocketIoNamespace::ackReceived);
    QSignalSpy events(root, &SocketIoNamespace::eventReceived);
    client.connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(root->state(), SocketIoNamespace::State::Connected, Timeout);
    QVERIFY(root->emitEvent({QStringLiteral("text"), 1}, {}, Timeout).ok);
    QVERIFY(root->emitEvent(
                    {QStringLiteral("bytes"), QJsonObject{{QStringLiteral("_placeholder"), true},
                                                          {QStringLiteral("num"), 0}}},
                    {QByteArray("\x01\x02", 2)}, Timeout)
                .ok);
    QTRY_COMPARE_WITH_TIMEOUT(acks.size(), 2, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(events.size(), 2, Timeout);
    for (const QList<QVariant> &event : std::as_const(events)) {
        const auto packet = event.first().value<SocketIoPacket>();
        QVERIFY(root->sendAck(packet.id, {QStringLiteral("ok")}).ok);
    }
    QTRY_COMPARE_WITH_TIMEOUT(packetsOfType(serverReceived, SocketIoPacket::Ack).size(), 2,
                              Timeout);
    client.disconnectFromServer();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Disconnected, Timeout);

    // The packets' records, in order each way and at each layer; lifecycle notes are the
    // client's own. The client records a packet it sends when it hands it to the engine, the
    // observer when it is on the wire: the order between the two layers going out may differ,
    // what was queued when the connection closed never reached the wire, and a packet queued
    // during an upgrade goes out over the new transport.
    const auto packets = [](const QSignalSpy &spy) {
        QMap<QString, QStringList> lines;
        for (const PacketRecord &r : recordsOf(spy)) {
            if (r.layer == PacketRecord::Layer::Connection)
                continue;
            const bool sentPacket = r.direction == Out && r.layer == PacketRecord::Layer::SocketIo;
            lines[r.directionName() + u' ' + r.layerName()]
                << QStringLiteral("%1 %2 nsp=%3 id=%4 payload=%5 raw=%6 att=%7 err=%8")
                       .arg(r.typeName(),
                            sentPacket ? QStringLiteral("-") : transportName(r.transport), r.nsp)
                       .arg(r.id)
                       .arg(QString::fromUtf8(r.payload), QString::fromUtf8(r.raw))
                       .arg(r.attachments.size())
                       .arg(r.error);
        }
        return lines;
    };
    const QMap<QString, QStringList> expected = packets(clientRecords);
    const QMap<QString, QStringList> observed = packets(observerRecords);
    QCOMPARE(observed.keys(), expected.keys());
    QCOMPARE(observed.value(QStringLiteral("in sio")), expected.value(QStringLiteral("in sio")));
    QCOMPARE(observed.value(QStringLiteral("in eio")), expected.value(QStringLiteral("in eio")));
    QCOMPARE(observed.value(QStringLiteral("out eio")), expected.value(QStringLiteral("out eio")));
    const QStringList sent = expected.value(QStringLiteral("out sio"));
    const QStringList onTheWire = observed.value(QStringLiteral("out sio"));
    QVERIFY(sent.size() >= 5); // (v5: CONNECT), 2 EVENTs, 2 ACKs, DISCONNECT
    QVERIFY2(onTheWire.size() >= sent.size() - 1, "only the last DISCONNECT may be cut off");
    QCOMPARE(onTheWire, sent.mid(0, onTheWire.size()));
    // The acks of our events were measured by both.
    int measured = 0;
    for (const PacketRecord &r : recordsOf(observerRecords))
        measured += r.rttUs >= 0 ? 1 : 0;
    QCOMPARE(measured, 2);
}

QTEST_GUILESS_MAIN(tst_SessionDecoder)
#include "tst_sessiondecoder.moc"
