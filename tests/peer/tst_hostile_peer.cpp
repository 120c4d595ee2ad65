// SioScope against hostile and broken servers (tests/peers/hostile.js: raw WebSocket with the
// pinned `ws`, raw HTTP with Node's `http`), and against real servers that die, stall or flood
// (tests/peers/server.js). For each case: a clear error naming the rule, a close only where the
// spec requires one, the offending frame in the record stream (SocketIoClient::packetRecorded),
// and everything recorded before it kept. docs/reliability.md tabulates the cases.
#include "packetspy.h"
#include "referenceserver.h"
#include "session/logexport.h"
#include "session/redaction.h"
#include "session/sessionlog.h"
#include "socketio/socketioclient.h"

#include <QBuffer>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using Transports = EngineIoOptions::Transports;
using NsState = SocketIoNamespace::State;
Q_DECLARE_METATYPE(Transports)

namespace {

constexpr int Timeout = 10000;

// tests/peers/hostile.js with a JSON config; see the script's header for the steps.
class HostileServer
{
public:
    ~HostileServer() { stop(); }

    bool start(const QJsonObject &config, QString *error)
    {
        stop();
        m_process = std::make_unique<QProcess>();
        m_process->setWorkingDirectory(ReferenceServer::peersDir());
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->start(QStringLiteral("node"),
                         {ReferenceServer::peersDir() + QStringLiteral("/hostile.js"),
                          QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Compact))});
        if (!m_process->waitForStarted(10000)) {
            *error = QStringLiteral("cannot start node: %1").arg(m_process->errorString());
            return false;
        }
        static const QRegularExpression listening(QStringLiteral("^listening (\\d+)\\r?\\n"),
                                                  QRegularExpression::MultilineOption);
        QDeadlineTimer deadline(15000);
        while (!deadline.hasExpired()) {
            m_process->waitForReadyRead(100);
            m_output += m_process->readAll();
            const auto match = listening.match(QString::fromUtf8(m_output));
            if (match.hasMatch()) {
                m_port = match.captured(1).toInt();
                return true;
            }
            if (m_process->state() == QProcess::NotRunning)
                break;
        }
        *error = QStringLiteral("hostile.js did not start: %1").arg(QString::fromUtf8(m_output));
        return false;
    }

    void stop()
    {
        if (!m_process)
            return;
        m_process->kill();
        m_process->waitForFinished(5000);
        m_output += m_process->readAll();
        m_process.reset();
    }

    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)); }
    QByteArray output()
    {
        if (m_process)
            m_output += m_process->readAll();
        return m_output;
    }

private:
    std::unique_ptr<QProcess> m_process;
    QByteArray m_output;
    int m_port = 0;
};

#define START(server, config)                                                                      \
    do {                                                                                           \
        QString startError_;                                                                       \
        QVERIFY2((server).start((config), &startError_), qPrintable(startError_));                 \
    } while (false)

QJsonObject text(const QByteArray &frame)
{
    return {{QStringLiteral("text"), QString::fromUtf8(frame)}};
}

QJsonObject binary(const QByteArray &bytes)
{
    return {{QStringLiteral("binary"), QString::fromLatin1(bytes.toBase64())}};
}

QJsonObject step(const char *name, const QJsonValue &value)
{
    return {{QLatin1String(name), value}};
}

QByteArray openPacket(int pingInterval = 5000, int pingTimeout = 5000)
{
    return QByteArrayLiteral(R"(0{"sid":"hostile","upgrades":[],"pingInterval":)") +
           QByteArray::number(pingInterval) +
           ",\"pingTimeout\":" + QByteArray::number(pingTimeout) + ",\"maxPayload\":1000000}";
}

// A v4 session on "/" up to a first event "before", then `frames`.
QJsonArray session(const QJsonArray &frames, int pingInterval = 5000, int pingTimeout = 5000)
{
    QJsonArray steps{text(openPacket(pingInterval, pingTimeout)),
                     step("await", QStringLiteral("40")), text(R"(40{"sid":"s1"})"),
                     text(R"(42["before",1])")};
    for (const QJsonValue &frame : frames)
        steps.append(frame);
    return steps;
}

QJsonObject wsConfig(const QJsonArray &steps)
{
    return {{QStringLiteral("ws"), QJsonArray{steps}}};
}

QJsonObject response(int status, const QByteArray &body = {},
                     const QString &contentType = QStringLiteral("text/plain; charset=UTF-8"))
{
    return {{QStringLiteral("status"), status},
            {QStringLiteral("body"), QString::fromUtf8(body)},
            {QStringLiteral("contentType"), contentType}};
}

QJsonObject httpConfig(const QJsonArray &gets)
{
    return {{QStringLiteral("http"), QJsonObject{{QStringLiteral("get"), gets}}}};
}

std::unique_ptr<SocketIoClient> makeClient(const QUrl &url, Transports transports,
                                           bool reconnect = false)
{
    SocketIoOptions options;
    options.engine.url = url;
    options.engine.transports = transports;
    options.engine.version = EngineIoOptions::Version::V4;
    options.engine.connectTimeoutMs = 5000;
    options.engine.reconnect.enabled = reconnect;
    options.engine.reconnect.delayMs = 100;
    options.engine.reconnect.delayMaxMs = 400;
    auto client = std::make_unique<SocketIoClient>();
    client->setOptions(options);
    return client;
}

QList<PacketRecord> records(const QSignalSpy &spy)
{
    QList<PacketRecord> list;
    for (const auto &arguments : spy)
        list.append(arguments.at(0).value<PacketRecord>());
    return list;
}

QByteArray dump(const QSignalSpy &spy)
{
    QByteArray out;
    for (const PacketRecord &r : records(spy)) {
        out += r.directionName().toUtf8() + ' ' + r.layerName().toUtf8() + ' ' +
               r.typeName().toUtf8() + ' ' + r.raw.left(120) + ' ' + r.payload.left(120);
        for (const QByteArray &a : r.attachments)
            out += " +" + a.left(16).toHex();
        if (!r.error.isEmpty())
            out += " ERROR " + r.error.toUtf8();
        out += '\n';
    }
    return out;
}

// The first record whose error contains `needle`; -1 when there is none.
int indexOfError(const QList<PacketRecord> &list, const QString &needle)
{
    for (int i = 0; i < list.size(); ++i)
        if (list.at(i).error.contains(needle))
            return i;
    return -1;
}

int indexOfEvent(const QList<PacketRecord> &list, const QByteArray &name)
{
    for (int i = 0; i < list.size(); ++i) {
        const PacketRecord &r = list.at(i);
        if (r.layer == PacketRecord::Layer::SocketIo &&
            r.direction == PacketRecord::Direction::In && r.error.isEmpty() &&
            r.payload.startsWith("[\"" + name + '"'))
            return i;
    }
    return -1;
}

} // namespace

class tst_HostilePeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<PacketRecord>();
        qRegisterMetaType<SocketIoPacket>();
        // Every protocol error is also logged as a warning; the tests check the signals.
        QLoggingCategory::setFilterRules(QStringLiteral("sioscope.socketio.warning=false"));
    }

    // Every invalid Socket.IO packet of the spec, over WebSocket: the error names the rule,
    // the offending frame is recorded with it, the event before it is kept, and the client
    // closes the connection (the spec: the receiver MUST close) without reconnecting into it.
    void invalidSocketIoPacket_data()
    {
        QTest::addColumn<QJsonArray>("frames");
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QByteArray>("offendingRaw");        // the text frame, '4' included
        QTest::addColumn<QByteArray>("offendingAttachment"); // or the binary frame

        const QByteArray none;
        const QByteArray p0 = R"({"_placeholder":true,"num":0})";
        auto row = [&](const char *name, const QByteArray &frame, const char *rule) {
            QTest::newRow(name) << QJsonArray{text(frame)} << QString::fromUtf8(rule) << frame
                                << none;
        };
        row("bad type", "49[\"x\"]", "invalid packet type '9'");
        row("bad attachment count", "45x-[\"x\"]", "invalid BINARY_EVENT attachment count");
        row("attachment count 0", "450-[\"x\"]", "invalid BINARY_EVENT attachment count 0");
        row("EVENT payload not an array", R"(42{"a":1})",
            "EVENT payload must be a non-empty array");
        row("EVENT payload empty", "42[]", "EVENT payload must be a non-empty array");
        row("EVENT without payload", "42", "EVENT payload must be a non-empty array");
        row("ACK payload not an array", R"(437{"a":1})", "ACK payload must be an array");
        row("ACK without id", "43[1]", "ACK packet must carry an ack id");
        row("bad namespace (no comma)", "42/chat[\"x\"]",
            "namespace '/chat[\"x\"]' is not followed by ','");
        row("ack id out of range", "4299999999999999999[\"x\"]",
            "ack id 99999999999999999 out of range");
        row("ack id on DISCONNECT", "417", "DISCONNECT packet cannot carry an ack id");
        row("broken JSON", "42[\"x\",", "invalid JSON payload: unexpected end of input");
        row("CONNECT payload not an object", "40[1]", "CONNECT payload must be an object");
        row("CONNECT_ERROR payload an array", "44[1]",
            "CONNECT_ERROR payload must be a string or an object");
        row("placeholder out of range",
            "451-[\"x\"," + QByteArray(R"({"_placeholder":true,"num":1})") + "]",
            "placeholder num 1 out of range (1 attachment)");
        row("more attachments than the limit", "4511-[\"x\"," + p0 + "]",
            "too many attachments (11, at most 10)");
        row("reserved event name", "42[\"connect\"]", "event name 'connect' is reserved");
        row("empty message", "4", "empty packet");

        QTest::newRow("binary frame with no pending attachments")
            << QJsonArray{binary("\x01\x02\x03")}
            << QStringLiteral("binary message with no pending attachments") << none
            << QByteArray("\x01\x02\x03");
        QTest::newRow("text frame while attachments are pending")
            << QJsonArray{text("452-[\"x\"," + p0 + "," +
                               QByteArray(R"({"_placeholder":true,"num":1})") + "]"),
                          binary("a"), text(R"(42["y"])")}
            << QStringLiteral("text message while 1 attachment is pending")
            << QByteArray(R"(42["y"])") << none;
    }
    void invalidSocketIoPacket()
    {
        QFETCH(QJsonArray, frames);
        QFETCH(QString, rule);
        QFETCH(QByteArray, offendingRaw);
        QFETCH(QByteArray, offendingAttachment);
        HostileServer server;
        START(server, wsConfig(session(frames)));
        auto client = makeClient(server.url(), Transports::WebSocketOnly, true);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        QSignalSpy closed(client->engine(), &EngineIoClient::closed);
        QSignalSpy disconnected(root, &SocketIoNamespace::disconnected);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        const QString message = errors.at(0).at(0).value<SocketIoError>().message;
        QVERIFY2(message.contains(rule), qPrintable(message));

        // Recorded: the frame with the error, after everything before it.
        const QList<PacketRecord> list = records(recordSpy);
        const int bad = indexOfError(list, rule);
        QVERIFY2(bad >= 0, dump(recordSpy).constData());
        const PacketRecord &r = list.at(bad);
        QCOMPARE(r.layer, PacketRecord::Layer::SocketIo);
        QCOMPARE(r.direction, PacketRecord::Direction::In);
        QCOMPARE(r.error, message);
        if (!offendingRaw.isEmpty())
            QCOMPARE(r.raw, offendingRaw);
        else
            QCOMPARE(r.attachments, QList<QByteArray>{offendingAttachment});
        const int before = indexOfEvent(list, "before");
        QVERIFY2(before >= 0 && before < bad, dump(recordSpy).constData());

        // Closed for good: the connection (deliberately, with CLOSE), and every namespace.
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Timeout);
        QCOMPARE(closed.at(0).at(2).toBool(), false); // no reconnection
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
        QCOMPARE(disconnected.size(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(server.output().contains("ws received 1"), Timeout);
        QTest::qWait(300);
        QVERIFY(!server.output().contains("ws connection 1")); // nothing reconnected
        QCOMPARE(errors.size(), 1);
    }

    // The same with the msgpack parser (socket.io-msgpack-parser's one map per binary message):
    // truncated packets, wrong types, 100,000-deep nesting and lengths no frame can hold are
    // each named with their byte offset, recorded with their bytes after what came before, and
    // close the connection.
    void invalidMsgpackPacket_data()
    {
        QTest::addColumn<QJsonObject>("frame");
        QTest::addColumn<QString>("rule");
        // {type: 2, nsp: "/", data: ...}: the map header and keys before the data value.
        const QByteArray event = QByteArray::fromHex("83a47479706502a36e7370a12fa464617461");
        const auto row = [](const char *name, const QByteArray &bytes, const char *rule) {
            QTest::newRow(name) << binary(bytes) << QString::fromUtf8(rule);
        };
        row("truncated packet", QByteArray::fromHex("83a47479706502a36e"),
            "str of 3 bytes announced, but 1 bytes are left at offset 7");
        row("packet that is not a map", QByteArray::fromHex("9202a12f"),
            "the packet is a array, not a map at offset 0");
        row("type outside 0..6", QByteArray::fromHex("82a47479706509a36e7370a12f"),
            "invalid packet type 9 at offset 6");
        row("nsp that is not a string", QByteArray::fromHex("82a47479706502a36e737007"),
            "nsp is a integer, not a str at offset 11");
        row("EVENT data not an array", event + QByteArray::fromHex("81a161c3"),
            "EVENT payload must be a non-empty array at offset 18");
        row("ACK id negative",
            QByteArray::fromHex("84a47479706503a36e7370a12fa46461746190a26964ff"),
            "the ack id is not a non-negative integer at offset 22");
        QTest::newRow("100,000-deep nesting")
            << step("fill", QJsonObject{{QStringLiteral("prefixB64"),
                                         QString::fromLatin1(event.toBase64())},
                                        {QStringLiteral("size"), 100000},
                                        {QStringLiteral("byte"), 0x91},
                                        {QStringLiteral("suffixB64"), QStringLiteral("wA==")},
                                        {QStringLiteral("binary"), true}})
            << QStringLiteral("nesting deeper than 1000 levels at offset 1018");
        row("bin32 announcing 4 GB in a small frame",
            event + QByteArray::fromHex("92a178c6ffffffff0102"),
            "bin of 4294967295 bytes exceeds the limit of 104857600 bytes at offset 21");
        row("array32 announcing more items than bytes", event + QByteArray::fromHex("ddfffffff0"),
            "array of 4294967280 items exceeds the limit of 10000000 at offset 18");
        QTest::newRow("text frame under the msgpack parser")
            << text(R"(42["x"])") << QStringLiteral("text message under the msgpack parser");
    }
    void invalidMsgpackPacket()
    {
        QFETCH(QJsonObject, frame);
        QFETCH(QString, rule);
        const QByteArray connectAnswer =
            QByteArray::fromHex("83a47479706500a36e7370a12fa46461746181a3736964a27331");
        const QByteArray before =
            QByteArray::fromHex("83a47479706502a36e7370a12fa46461746192a66265666f726501");
        // The client's CONNECT is a binary frame, which "await" does not see: a pause instead.
        const QJsonArray steps{text(openPacket()), step("wait", 300), binary(connectAnswer),
                               binary(before), frame};
        HostileServer server;
        START(server, wsConfig(steps));
        auto client = makeClient(server.url(), Transports::WebSocketOnly, true);
        SocketIoOptions options = client->options();
        options.parser = SocketIoParser::Kind::Msgpack;
        client->setOptions(options);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        QSignalSpy closed(client->engine(), &EngineIoClient::closed);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        const auto error = errors.at(0).at(0).value<SocketIoError>();
        QCOMPARE(error.kind, SocketIoError::Kind::InvalidPacket);
        QVERIFY2(error.message.contains(rule), qPrintable(error.message));

        const QList<PacketRecord> list = records(recordSpy);
        const int bad = indexOfError(list, rule);
        QVERIFY2(bad >= 0, dump(recordSpy).constData());
        const PacketRecord &r = list.at(bad);
        QCOMPARE(r.layer, PacketRecord::Layer::SocketIo);
        QCOMPARE(r.error, error.message);
        if (frame.contains(QStringLiteral("binary"))) {
            QCOMPARE(r.attachments,
                     QList<QByteArray>{QByteArray::fromBase64(
                         frame.value(QStringLiteral("binary")).toString().toLatin1())});
        } else if (frame.contains(QStringLiteral("fill"))) {
            QCOMPARE(r.attachments.size(), 1);
            QCOMPARE(r.attachments.first().size(), 18 + 100000 + 1); // the whole frame kept
        } else {
            QCOMPARE(r.raw, QByteArray(R"(42["x"])"));
        }
        const int beforeIndex = indexOfEvent(list, "before");
        QVERIFY2(beforeIndex >= 0 && beforeIndex < bad, dump(recordSpy).constData());
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Timeout);
        QCOMPARE(closed.at(0).at(2).toBool(), false); // no reconnection into the same error
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
        QCOMPARE(root->state() == SocketIoNamespace::State::Connected, false);
    }

    // Unusual but allowed traffic must NOT close the connection: it is recorded (with a warning
    // where something is off) and the session goes on.
    void toleratedTraffic_data()
    {
        QTest::addColumn<QJsonArray>("frames");
        QTest::addColumn<QString>("warning"); // empty: none expected
        QTest::newRow("packet for a namespace never joined")
            << QJsonArray{text(R"(42/other,["x"])")}
            << QStringLiteral("packet for namespace /other, which was never joined: ignored");
        QTest::newRow("ACK for an unknown id")
            << QJsonArray{text(R"(4377[1])")}
            << QStringLiteral("ACK for id 77 on / matches no pending ack");
        QTest::newRow("NOOP and UPGRADE from the server")
            << QJsonArray{text("6"), text("5")} << QString();
        QTest::newRow("PONG nobody asked for") << QJsonArray{text("3x")} << QString();
        QTest::newRow("event name a number") << QJsonArray{text("42[7,\"x\"]")} << QString();
        QTest::newRow("DISCONNECT for a namespace never joined")
            << QJsonArray{text("41/other,")}
            << QStringLiteral("packet for namespace /other, which was never joined: ignored");
    }
    void toleratedTraffic()
    {
        QFETCH(QJsonArray, frames);
        QFETCH(QString, warning);
        frames.append(text(R"(42["after",2])"));
        HostileServer server;
        START(server, wsConfig(session(frames)));
        auto client = makeClient(server.url(), Transports::WebSocketOnly);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy warnings(client.get(), &SocketIoClient::warningRaised);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_VERIFY_WITH_TIMEOUT(indexOfEvent(records(recordSpy), "after") >= 0, Timeout);
        QCOMPARE(errors.size(), 0);
        QCOMPARE(root->state(), NsState::Connected);
        QCOMPARE(client->state(), SocketIoClient::State::Connected);
        if (warning.isEmpty()) {
            QCOMPARE(warnings.size(), 0);
        } else {
            QCOMPARE(warnings.size(), 1);
            QVERIFY2(warnings.at(0).at(0).toString().contains(warning),
                     qPrintable(warnings.at(0).at(0).toString()));
            QVERIFY(indexOfError(records(recordSpy), warning) >= 0);
        }
    }

    // Engine.IO violations over WebSocket: the handshake and the packet layer.
    void engineIoViolation_data()
    {
        QTest::addColumn<QJsonArray>("steps");
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QByteArray>("offendingFrame");
        QTest::newRow("garbage open packet")
            << QJsonArray{text("0garbage")}
            << QStringLiteral("invalid OPEN packet: handshake is not valid JSON")
            << QByteArray("0garbage");
        QTest::newRow("first packet not OPEN")
            << QJsonArray{text("40")}
            << QStringLiteral("expected an OPEN packet first, got MESSAGE") << QByteArray("40");
        QTest::newRow("handshake not an object")
            << QJsonArray{text("0[1]")} << QStringLiteral("handshake must be a JSON object")
            << QByteArray("0[1]");
        const QByteArray noInterval = R"(0{"sid":"a","upgrades":[],"pingTimeout":1000})";
        QTest::newRow("handshake without pingInterval")
            << QJsonArray{text(noInterval)}
            << QStringLiteral(
                   "handshake field \"pingInterval\" must be a positive integer no larger than "
                   "2147483647 (missing)")
            << noInterval;
        const QByteArray noSid = R"(0{"upgrades":[],"pingInterval":1000,"pingTimeout":1000})";
        QTest::newRow("handshake without sid")
            << QJsonArray{text(noSid)}
            << QStringLiteral("handshake field \"sid\" must be a non-empty string (missing)")
            << noSid;
        const QByteArray badSid =
            R"(0{"sid":42,"upgrades":[],"pingInterval":1000,"pingTimeout":1000})";
        QTest::newRow("handshake sid a number")
            << QJsonArray{text(badSid)}
            << QStringLiteral("handshake field \"sid\" must be a non-empty string (got 42)")
            << badSid;
        const QByteArray badTimeout =
            R"(0{"sid":"a","upgrades":[],"pingInterval":1000,"pingTimeout":"1s"})";
        QTest::newRow("handshake pingTimeout a string")
            << QJsonArray{text(badTimeout)}
            << QStringLiteral("handshake field \"pingTimeout\" must be a positive integer")
            << badTimeout;
        const QByteArray badUpgrades =
            R"(0{"sid":"a","upgrades":"websocket","pingInterval":1,"pingTimeout":1})";
        QTest::newRow("handshake upgrades not an array")
            << QJsonArray{text(badUpgrades)}
            << QStringLiteral("handshake field \"upgrades\" must be an array of strings")
            << badUpgrades;
        const QByteArray badPayload =
            R"(0{"sid":"a","upgrades":[],"pingInterval":1000,"pingTimeout":1000,"maxPayload":-5})";
        QTest::newRow("handshake maxPayload negative")
            << QJsonArray{text(badPayload)}
            << QStringLiteral("handshake field \"maxPayload\" must be a positive integer (got -5)")
            << badPayload;
        QTest::newRow("unknown packet type")
            << session({text("9x")}) << QStringLiteral("unknown Engine.IO packet type '9'")
            << QByteArray("9x");
        QTest::newRow("second OPEN")
            << session({text(openPacket())})
            << QStringLiteral("unexpected OPEN packet in an open session") << openPacket();
        QTest::newRow("binary frame as text (b prefix, bad base64)")
            << session({text("b!!!")}) << QStringLiteral("invalid base64 in binary packet")
            << QByteArray("b!!!");
    }
    void engineIoViolation()
    {
        QFETCH(QJsonArray, steps);
        QFETCH(QString, rule);
        QFETCH(QByteArray, offendingFrame);
        HostileServer server;
        START(server, wsConfig(steps));
        auto client = makeClient(server.url(), Transports::WebSocketOnly);
        client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        QSignalSpy closed(client->engine(), &EngineIoClient::closed);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        const QString message = errors.at(0).at(0).value<SocketIoError>().message;
        QVERIFY2(message.contains(rule), qPrintable(message));
        const QList<PacketRecord> list = records(recordSpy);
        const int bad = indexOfError(list, rule);
        QVERIFY2(bad >= 0, dump(recordSpy).constData());
        QCOMPARE(list.at(bad).layer, PacketRecord::Layer::Connection);
        QCOMPARE(list.at(bad).type, quint8(PacketRecord::Error));
        QCOMPARE(list.at(bad).raw, offendingFrame);
        QVERIFY(list.at(bad).payload.contains("\"layer\":\"eio\""));
        if (steps.size() > 1) // the session got as far as an event: it is kept
            QVERIFY2(indexOfEvent(list, "before") >= 0 && indexOfEvent(list, "before") < bad,
                     dump(recordSpy).constData());
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Timeout);
        QCOMPARE(client->engine()->state(), EngineIoClient::State::Disconnected);
    }

    // The same rules hold for a polling body; a packet over maxIncomingPacketBytes is refused
    // before it is buffered whole, on both transports.
    void pollingViolation_data()
    {
        QTest::addColumn<QJsonArray>("gets");
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QByteArray>("offendingFrame");
        const QJsonObject open = response(200, openPacket());
        const QJsonObject connectAnswer = response(200, "40{\"sid\":\"s1\"}\x1e"
                                                        "42[\"before\",1]");
        QTest::newRow("garbage open packet")
            << QJsonArray{response(200, "0garbage")}
            << QStringLiteral("invalid OPEN packet: handshake is not valid JSON")
            << QByteArray("0garbage");
        QTest::newRow("unknown packet type in a payload")
            << QJsonArray{open, response(200, "40{\"sid\":\"s1\"}\x1e"
                                              "42[\"before\",1]\x1e"
                                              "7x")}
            << QStringLiteral("unknown Engine.IO packet type '7'") << QByteArray("7x");
        QTest::newRow("empty packet between separators")
            << QJsonArray{open, connectAnswer,
                          response(200, "6\x1e\x1e"
                                        "6")}
            << QStringLiteral("empty packet in polling payload") << QByteArray();
        QTest::newRow("empty body") << QJsonArray{open, connectAnswer, response(200, "")}
                                    << QStringLiteral("empty polling payload") << QByteArray();
        QTest::newRow("packet over maxIncomingPacketBytes")
            << QJsonArray{open, connectAnswer,
                          response(200, "42[\"big\",\"" + QByteArray(3000, 'x') + "\"]")}
            << QStringLiteral("polling packet exceeds the limit of 2000 bytes")
            << ("42[\"big\",\"" + QByteArray(3000, 'x')).left(2001); // the limit + the byte past it
        QTest::newRow("binary (octet-stream) payload")
            << QJsonArray{response(200, "\x01\x02\x03", QStringLiteral("application/octet-stream"))}
            << QStringLiteral("binary polling payload (application/octet-stream)")
            << QByteArray("\x01\x02\x03");
    }
    void pollingViolation()
    {
        QFETCH(QJsonArray, gets);
        QFETCH(QString, rule);
        QFETCH(QByteArray, offendingFrame);
        HostileServer server;
        START(server, httpConfig(gets));
        auto client = makeClient(server.url(), Transports::PollingOnly);
        SocketIoOptions options = client->options();
        options.engine.maxIncomingPacketBytes = 2000;
        client->setOptions(options);
        client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        QSignalSpy closed(client->engine(), &EngineIoClient::closed);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        const QString message = errors.at(0).at(0).value<SocketIoError>().message;
        QVERIFY2(message.contains(rule), qPrintable(message));
        const QList<PacketRecord> list = records(recordSpy);
        const int bad = indexOfError(list, rule);
        QVERIFY2(bad >= 0, dump(recordSpy).constData());
        QCOMPARE(list.at(bad).raw, offendingFrame);
        if (gets.size() > 1 &&
            gets.at(1).toObject().value(QStringLiteral("body")).toString().contains(u"before"))
            QVERIFY2(indexOfEvent(list, "before") >= 0 && indexOfEvent(list, "before") < bad,
                     dump(recordSpy).constData());
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Timeout);
        QCOMPARE(client->engine()->state(), EngineIoClient::State::Disconnected);
    }

    // A WebSocket message over maxIncomingPacketBytes is refused from its frame header, before
    // it is buffered, and the user is told which limit was hit.
    void webSocketFrameOverLimit()
    {
        HostileServer server;
        const QJsonObject big{{QStringLiteral("prefix"), QStringLiteral("42[\"big\",\"")},
                              {QStringLiteral("size"), 5000},
                              {QStringLiteral("suffix"), QStringLiteral("\"]")}};
        START(server, wsConfig(session({step("fill", big)})));
        auto client = makeClient(server.url(), Transports::WebSocketOnly);
        SocketIoOptions options = client->options();
        options.engine.maxIncomingPacketBytes = 2000;
        client->setOptions(options);
        client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        QCOMPARE(errors.at(0).at(0).value<SocketIoError>().message,
                 QStringLiteral("WebSocket message of 5012 bytes exceeds the limit of 2000 bytes "
                                "(EngineIoOptions::maxIncomingPacketBytes); the connection was "
                                "closed with code 1009"));
        QVERIFY(indexOfEvent(records(recordSpy), "before") >= 0);
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
    }

    // Resource attack: a 100 MB frame against the default limit (64 MiB).
    void hundredMegabyteFrame()
    {
        HostileServer server;
        const QJsonObject big{{QStringLiteral("prefix"), QStringLiteral("42[\"big\",\"")},
                              {QStringLiteral("size"), 100 * 1000 * 1000},
                              {QStringLiteral("suffix"), QStringLiteral("\"]")}};
        START(server, wsConfig(session({step("fill", big)})));
        auto client = makeClient(server.url(), Transports::WebSocketOnly);
        QCOMPARE(client->options().engine.maxIncomingPacketBytes, qint64(64 * 1024 * 1024));
        client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, 30000);
        const QString message = errors.at(0).at(0).value<SocketIoError>().message;
        QVERIFY2(message.contains(QLatin1String("maxIncomingPacketBytes")) &&
                     message.contains(QLatin1String("67108864")),
                 qPrintable(message));
        QVERIFY(indexOfEvent(records(recordSpy), "before") >= 0);
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
    }

    // Resource attack: JSON nested 100,000 deep. The scanner stops at the depth limit (no
    // recursion, no stack overflow) and says which limit.
    void deeplyNestedJson()
    {
        HostileServer server;
        const QJsonObject deep{{QStringLiteral("prefix"), QStringLiteral("42[\"deep\",")},
                               {QStringLiteral("depth"), 100000},
                               {QStringLiteral("suffix"), QStringLiteral("]")}};
        START(server, wsConfig(session({step("deep", deep)})));
        auto client = makeClient(server.url(), Transports::WebSocketOnly);
        client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        const QString message = errors.at(0).at(0).value<SocketIoError>().message;
        QCOMPARE(
            message,
            QStringLiteral("invalid JSON payload: nesting deeper than 1000 levels at offset 1007"));
        const QList<PacketRecord> list = records(recordSpy);
        const int bad = indexOfError(list, message);
        QVERIFY(bad >= 0);
        QCOMPARE(list.at(bad).raw.size(), qsizetype(11 + 200000));
        QVERIFY(list.at(bad).raw.startsWith("42[\"deep\",[[[["));
        QVERIFY(indexOfEvent(list, "before") >= 0);
    }

    // Resource attack: tiny packets as fast as the server can write them for 2 s (at most a
    // million). SioScope keeps up, records every one, in order, and stays connected.
    void floodOfTinyPackets()
    {
        HostileServer server;
        const QJsonObject flood{{QStringLiteral("text"), QStringLiteral("42[\"t\",%i]")},
                                {QStringLiteral("count"), 1000000},
                                {QStringLiteral("ms"), 2000}};
        START(server, wsConfig(session({step("flood", flood), text(R"(42["after",1])")})));
        auto client = makeClient(server.url(), Transports::WebSocketOnly);
        client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        qint64 floodRecords = 0;
        qint64 nextIndex = 0;
        bool inOrder = true;
        bool after = false;
        connect(client.get(), &SocketIoClient::packetRecorded, this, [&](const PacketRecord &r) {
            if (r.layer != PacketRecord::Layer::SocketIo ||
                r.direction != PacketRecord::Direction::In)
                return;
            if (r.payload.startsWith("[\"t\",")) {
                inOrder = inOrder && r.payload == "[\"t\"," + QByteArray::number(nextIndex) + ']';
                ++nextIndex;
                ++floodRecords;
            } else if (r.payload.startsWith("[\"after\"")) {
                after = true;
            }
        });
        QElapsedTimer timer;
        timer.start();
        client->connectToServer();
        QTRY_VERIFY_WITH_TIMEOUT(after, 120000);
        static const QRegularExpression sent(QStringLiteral("flood sent (\\d+)"));
        const auto match = sent.match(QString::fromUtf8(server.output()));
        QVERIFY2(match.hasMatch(), server.output().constData());
        const qint64 count = match.captured(1).toLongLong();
        qInfo("flood: %lld packets sent in 2 s, all recorded after %lld ms", count,
              timer.elapsed());
        QVERIFY(count > 1000);
        QCOMPARE(floodRecords, count);
        QVERIFY(inOrder);
        QCOMPARE(errors.size(), 0);
        QCOMPARE(client->state(), SocketIoClient::State::Connected);
    }

    // Resource attack: attachments announced but never sent (the server keeps the link alive
    // with pings). The attachment timeout ends the wait; the incomplete packet is recorded.
    void attachmentsNeverSent()
    {
        HostileServer server;
        const QByteArray header =
            R"(452-["late",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])";
        START(server,
              wsConfig(session({step("ping", 100), text(header), binary("one")}, 300, 300)));
        auto client = makeClient(server.url(), Transports::WebSocketOnly);
        SocketIoOptions options = client->options();
        options.attachmentTimeoutMs = 800;
        client->setOptions(options);
        client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        QElapsedTimer timer;
        timer.start();
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        QVERIFY(timer.elapsed() >= 800);
        const QString message = errors.at(0).at(0).value<SocketIoError>().message;
        QCOMPARE(message,
                 QStringLiteral("attachment timeout: 1 of 2 attachments arrived within 800 ms "
                                "(SocketIoOptions::attachmentTimeoutMs)"));
        const QList<PacketRecord> list = records(recordSpy);
        const int bad = indexOfError(list, message);
        QVERIFY2(bad >= 0, dump(recordSpy).constData());
        QCOMPARE(list.at(bad).raw, header);
        QCOMPARE(list.at(bad).type, quint8(SocketIoPacket::BinaryEvent));
        QCOMPARE(list.at(bad).attachments, QList<QByteArray>{"one"});
        QVERIFY(list.at(bad).error.startsWith(
            QLatin1String("incomplete BINARY_EVENT: 1 of 2 attachments received")));
        QVERIFY(indexOfEvent(list, "before") >= 0 && indexOfEvent(list, "before") < bad);
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
    }

    // Attachments are bounded in total per packet as well as one by one.
    void pendingAttachmentBytesLimit()
    {
        HostileServer server;
        const QByteArray header =
            R"(452-["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])";
        START(server, wsConfig(session({text(header), binary("123456"), binary("789012")})));
        auto client = makeClient(server.url(), Transports::WebSocketOnly);
        SocketIoOptions options = client->options();
        options.limits.maxPendingAttachmentBytes = 10;
        client->setOptions(options);
        client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        const QString message = errors.at(0).at(0).value<SocketIoError>().message;
        QCOMPARE(message,
                 QStringLiteral("attachments of one packet exceed the limit of 10 bytes in total "
                                "(12 bytes with attachment 2 of 2)"));
        const QList<PacketRecord> list = records(recordSpy);
        const int incomplete = indexOfError(list, QStringLiteral("incomplete BINARY_EVENT"));
        const int bad = indexOfError(list, message);
        QVERIFY2(incomplete >= 0 && bad == incomplete + 1, dump(recordSpy).constData());
        QCOMPARE(list.at(incomplete).raw, header);
        QCOMPARE(list.at(incomplete).attachments, QList<QByteArray>{"123456"});
        QCOMPARE(list.at(bad).attachments, QList<QByteArray>{"789012"});
    }

    // The connection drops while attachments are pending: the packet header is not lost.
    void connectionLostWhileAttachmentsPending()
    {
        HostileServer server;
        const QByteArray header = R"(451-["cut",{"_placeholder":true,"num":0}])";
        START(server, wsConfig(session({text(header), step("wait", 100), step("destroy", true)})));
        auto client = makeClient(server.url(), Transports::WebSocketOnly);
        client->joinNamespace(QStringLiteral("/"));
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        QSignalSpy closed(client->engine(), &EngineIoClient::closed);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Timeout);
        const QList<PacketRecord> list = records(recordSpy);
        const int incomplete =
            indexOfError(list, QStringLiteral("incomplete BINARY_EVENT: 0 of 1 attachments"));
        QVERIFY2(incomplete >= 0, dump(recordSpy).constData());
        QCOMPARE(list.at(incomplete).raw, header);
        QVERIFY(list.at(incomplete).error.contains(QLatin1String("the connection closed")));
    }

    // A server that never pings: the heartbeat times out after pingInterval + pingTimeout, the
    // drop is reported, and SioScope reconnects (an unplanned drop, as socket.io-client does).
    void serverNeverPings()
    {
        HostileServer server;
        START(server, wsConfig(session({}, 300, 200)));
        auto client = makeClient(server.url(), Transports::WebSocketOnly, true);
        client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        QSignalSpy closed(client->engine(), &EngineIoClient::closed);
        QSignalSpy opened(client->engine(), &EngineIoClient::openReceived);
        QElapsedTimer timer;
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, Timeout);
        timer.start();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        const qint64 detectedAfter = timer.elapsed();
        QCOMPARE(errors.at(0).at(0).value<SocketIoError>().message,
                 QStringLiteral("ping timeout: no PING from the server within 500 ms (pingInterval "
                                "+ pingTimeout)"));
        QVERIFY2(detectedAfter >= 450 && detectedAfter < 1500,
                 QByteArray::number(detectedAfter).constData());
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Timeout);
        QCOMPARE(closed.at(0).at(2).toBool(), true); // reconnects
        QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 2, Timeout);
        QVERIFY(indexOfEvent(records(recordSpy), "before") >= 0);
        client->disconnectFromServer();
    }

    // Long-polling: the server answers the handshake and then never answers a poll again.
    void serverStopsAnsweringMidPoll()
    {
        HostileServer server;
        QJsonObject hang = response(200);
        hang.insert(QStringLiteral("hang"), true);
        START(server, httpConfig({response(200, openPacket(300, 200)),
                                  response(200, "40{\"sid\":\"s1\"}\x1e"
                                                "42[\"before\",1]\x1e"
                                                "2"),
                                  hang}));
        auto client = makeClient(server.url(), Transports::PollingOnly);
        client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        QCOMPARE(errors.at(0).at(0).value<SocketIoError>().message,
                 QStringLiteral("ping timeout: no PING from the server within 500 ms (pingInterval "
                                "+ pingTimeout)"));
        QVERIFY(indexOfEvent(records(recordSpy), "before") >= 0);
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
    }

    // HTTP errors on the handshake: status, reason and the engine.io error when the body has one.
    void httpError_data()
    {
        QTest::addColumn<QJsonObject>("answer");
        QTest::addColumn<QString>("expected");
        const QString json = QStringLiteral("application/json");
        QTest::newRow("400 with JSON")
            << response(400, R"({"code":3,"message":"Bad request"})", json)
            << QStringLiteral("HTTP 400 Bad Request: engine.io error 3 \"Bad request\"");
        QTest::newRow("400 without body")
            << response(400) << QStringLiteral("HTTP 400 Bad Request");
        QTest::newRow("403 with JSON")
            << response(403, R"({"code":4,"message":"Forbidden"})", json)
            << QStringLiteral("HTTP 403 Forbidden: engine.io error 4 \"Forbidden\"");
        QTest::newRow("403 without body") << response(403) << QStringLiteral("HTTP 403 Forbidden");
        QTest::newRow("500 with JSON")
            << response(500, R"({"code":0,"message":"boom"})", json)
            << QStringLiteral("HTTP 500 Internal Server Error: engine.io error 0 \"boom\"");
        QTest::newRow("500 with text")
            << response(500, "it broke\n")
            << QStringLiteral("HTTP 500 Internal Server Error: it broke");
        QTest::newRow("500 without body")
            << response(500) << QStringLiteral("HTTP 500 Internal Server Error");
        QJsonObject redirect = response(302);
        redirect.insert(QStringLiteral("headers"),
                        QJsonObject{{QStringLiteral("Location"),
                                     QStringLiteral("http://127.0.0.1:9/elsewhere/")}});
        QTest::newRow("redirect")
            << redirect
            << QStringLiteral("HTTP 302 Found (redirect to http://127.0.0.1:9/elsewhere/; "
                              "point SioScope at the final URL)");
    }
    void httpError()
    {
        QFETCH(QJsonObject, answer);
        QFETCH(QString, expected);
        HostileServer server;
        START(server, httpConfig({answer}));
        auto client = makeClient(server.url(), Transports::PollingOnly);
        client->joinNamespace(QStringLiteral("/"));
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        QSignalSpy closed(client->engine(), &EngineIoClient::closed);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        QCOMPARE(errors.at(0).at(0).value<SocketIoError>().message, expected);
        const QList<PacketRecord> list = records(recordSpy);
        const int bad = indexOfError(list, expected);
        QVERIFY2(bad >= 0, dump(recordSpy).constData());
        QVERIFY(list.at(bad).payload.contains("\"kind\":\"handshake\""));
        QCOMPARE(list.at(bad).raw, answer.value(QStringLiteral("body")).toString().toUtf8());
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Timeout);
        QCOMPARE(client->engine()->state(), EngineIoClient::State::Disconnected);
        QVERIFY(!server.output().contains("/elsewhere")); // a redirect is reported, not followed
    }

    // Fault: the server is killed in the middle of a flood. Every packet received before the
    // kill is in the record stream, in order, followed by the close; SioScope reconnects with
    // backoff (1x, 2x, 4x the first delay, capped) and is back once the server is.
    void serverKilledMidFlood()
    {
        ReferenceServer server;
        ReferenceServer::Options serverOptions;
        // The flood outruns the client (a sanitizer build on a loaded machine most of all), and
        // a PING waits behind the megabytes already buffered between the two: with the default
        // 300 + 200 ms, both sides then close for "ping timeout" before the kill this test is
        // about. The first PING comes after the kill.
        serverOptions.pingInterval = 10000;
        serverOptions.pingTimeout = 5000;
        START(server, serverOptions);
        auto client = makeClient(server.url(), Transports::WebSocketOnly, true);
        SocketIoOptions options = client->options();
        options.engine.reconnect.delayMs = 200;
        options.engine.reconnect.delayMaxMs = 800;
        options.engine.reconnect.randomization = 0;
        client->setOptions(options);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        QSignalSpy connected(root, &SocketIoNamespace::connected);
        qint64 delivered = 0;
        connect(root, &SocketIoNamespace::eventReceived, this, [&](const SocketIoPacket &packet) {
            delivered += packet.eventName() == QLatin1String("flood");
        });
        qint64 recorded = 0;
        bool inOrder = true;
        int row = 0, lastFloodRow = -1, closedRow = -1;
        QList<int> delays;
        connect(client.get(), &SocketIoClient::packetRecorded, this, [&](const PacketRecord &r) {
            ++row;
            if (r.layer == PacketRecord::Layer::SocketIo &&
                r.direction == PacketRecord::Direction::In && r.payload.startsWith("[\"flood\",")) {
                inOrder = inOrder &&
                          r.payload.startsWith("[\"flood\"," + QByteArray::number(recorded) + ',');
                ++recorded;
                lastFloodRow = row;
            } else if (r.layer == PacketRecord::Layer::Connection &&
                       r.type == PacketRecord::Closed && closedRow < 0) {
                closedRow = row;
            } else if (r.layer == PacketRecord::Layer::Connection &&
                       r.type == PacketRecord::Reconnecting) {
                delays.append(QJsonDocument::fromJson(r.payload)
                                  .object()
                                  .value(QStringLiteral("delayMs"))
                                  .toInt());
            }
        });
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, Timeout);
        QVERIFY(root->emitEvent(QJsonArray{QStringLiteral("flood"),
                                           QJsonObject{{QStringLiteral("count"), 2000000},
                                                       {QStringLiteral("size"), 8}}})
                    .ok);
        QTRY_VERIFY_WITH_TIMEOUT(delivered >= 20000, 30000);
        server.kill();
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Reconnecting, Timeout);
        qInfo("killed after %lld flood events", delivered);
        QCOMPARE(recorded, delivered);
        QVERIFY(inOrder);
        QVERIFY2(closedRow > lastFloodRow,
                 qPrintable(QStringLiteral("%1 %2").arg(closedRow).arg(lastFloodRow)));

        QTRY_VERIFY_WITH_TIMEOUT(delays.size() >= 4, Timeout);
        QCOMPARE(delays.mid(0, 4), (QList<int>{200, 400, 800, 800}));
        serverOptions.port = server.port();
        START(server, serverOptions);
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, Timeout);
        QCOMPARE(client->state(), SocketIoClient::State::Connected);
        client->disconnectFromServer();
    }

    // Fault: the network stalls (SIGSTOP on the server). The missing pings are detected within
    // pingInterval + pingTimeout, reported, and SioScope reconnects once the server is back.
    void networkStall()
    {
        ReferenceServer server;
        ReferenceServer::Options serverOptions;
        serverOptions.pingInterval = 300;
        serverOptions.pingTimeout = 200;
        START(server, serverOptions);
        auto client = makeClient(server.url(), Transports::WebSocketOnly, true);
        SocketIoOptions options = client->options();
        options.engine.connectTimeoutMs = 1000;
        client->setOptions(options);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        QSignalSpy connected(root, &SocketIoNamespace::connected);
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QElapsedTimer sinceLastPing;
        connect(client->engine(), &EngineIoClient::pingReceived, this,
                [&] { sinceLastPing.start(); });
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(sinceLastPing.isValid(), Timeout);
        server.pause();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        const qint64 detectedAfter = sinceLastPing.elapsed();
        QCOMPARE(errors.at(0).at(0).value<SocketIoError>().message,
                 QStringLiteral("ping timeout: no PING from the server within 500 ms (pingInterval "
                                "+ pingTimeout)"));
        QVERIFY2(detectedAfter >= 450 && detectedAfter <= 800,
                 QByteArray::number(detectedAfter).constData());
        QCOMPARE(root->state(), NsState::Connecting); // waiting to reconnect
        QTest::qWait(600);
        QCOMPARE(client->state(), SocketIoClient::State::Reconnecting);
        server.resume();
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, Timeout);
        client->disconnectFromServer();
    }

    // Fault: the disk is full. `sioscope-cli record -o /dev/full` exits 1 and says why.
    void cliRecordToDiskFull()
    {
        HostileServer server;
        START(server, wsConfig(session({})));
        QProcess cli;
        cli.start(QStringLiteral(SIOSCOPE_CLI_PATH),
                  {QStringLiteral("record"), server.url().toString(), QStringLiteral("--transport"),
                   QStringLiteral("websocket"), QStringLiteral("--duration"), QStringLiteral("1"),
                   QStringLiteral("-o"), QStringLiteral("/dev/full")});
        QVERIFY(cli.waitForFinished(30000));
        const QByteArray stderrText = cli.readAllStandardError();
        QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
        QCOMPARE(cli.exitCode(), 1);
        QVERIFY2(stderrText.contains(
                     "sioscope-cli record: cannot write the log: No space left on device"),
                 stderrText.constData());
    }

    // Security: what the user gives as secrets (auth payload, secret-named query parameters in
    // the URL and the options, headers) never appears in any output format, from the library's
    // exporters or from the CLI, unless the user opts in, even when the server echoes every one
    // of them back in an event. Header values are never recorded, so the exporter is told them,
    // as the CLI and the GUI do.
    void secretsNeverWrittenUnlessOptedIn()
    {
        const QList<QByteArray> secrets = {"AUTH-S3CRET-1", "AUTH-S3CRET-2", "QUERY-S3CRET",
                                           "URL-S3CRET",    "HEADER-S3CRET", "COOKIE-S3CRET"};
        HostileServer server;
        START(
            server,
            wsConfig(QJsonArray{
                text(openPacket()), step("await", QStringLiteral("40")), text(R"(40{"sid":"s1"})"),
                // A server that echoes every secret it was given.
                text(
                    R"(42["hello","AUTH-S3CRET-1","AUTH-S3CRET-2","QUERY-S3CRET","URL-S3CRET","HEADER-S3CRET","COOKIE-S3CRET"])")}));
        QUrl url = server.url();
        url.setQuery(QStringLiteral("apikey=URL-S3CRET&plain=1"));
        auto client = makeClient(url, Transports::WebSocketOnly);
        SocketIoOptions options = client->options();
        options.engine.query = {{QStringLiteral("token"), QStringLiteral("QUERY-S3CRET")}};
        options.engine.headers = {{"Authorization", "Bearer HEADER-S3CRET"},
                                  {"Cookie", "sid=COOKIE-S3CRET"}};
        client->setOptions(options);
        client->joinNamespace(
            QStringLiteral("/"),
            QJsonObject{{QStringLiteral("token"), QStringLiteral("AUTH-S3CRET-1")},
                        {QStringLiteral("password"), QStringLiteral("AUTH-S3CRET-2")},
                        {QStringLiteral("user"), QStringLiteral("alice")}});
        SessionLog log;
        connect(client.get(), &SocketIoClient::packetRecorded, this,
                [&log](const PacketRecord &r) { log.append(r); });
        QSignalSpy received(client.get(), &SocketIoClient::packetReceived);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(packetsOfType(received, SocketIoPacket::Event).size(), 1,
                                  Timeout);
        client->disconnectFromServer();
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
        // They were sent: the test would prove nothing otherwise.
        QVERIFY(server.output().contains("AUTH-S3CRET-1"));
        QVERIFY(server.output().contains("URL-S3CRET") && server.output().contains("QUERY-S3CRET"));

        for (const LogFormat format : {LogFormat::JsonLines, LogFormat::Har, LogFormat::Text}) {
            for (const bool include : {false, true}) {
                QBuffer out;
                out.open(QIODevice::WriteOnly);
                ExportOptions exportOptions;
                exportOptions.format = format;
                exportOptions.includeSecrets = include;
                exportOptions.knownSecrets = Redaction::headerSecrets(options.engine.headers);
                QString error;
                QVERIFY2(LogExporter::write(log, nullptr, &out, exportOptions, &error),
                         qPrintable(error));
                const QByteArray written = out.data();
                QVERIFY(written.contains("alice") || !include);
                for (const QByteArray &secret : secrets) {
                    if (!include)
                        QVERIFY2(!written.contains(secret),
                                 qPrintable(LogExporter::formatName(format) +
                                            QStringLiteral(" has ") + secret));
                }
                if (include) // opted in: everything is there as sent and received
                    for (const QByteArray &secret : secrets)
                        QVERIFY2(written.contains(secret), secret.constData());
            }
        }

        for (const QString &format :
             {QStringLiteral("jsonl"), QStringLiteral("har"), QStringLiteral("text")}) {
            QProcess cli;
            cli.start(QStringLiteral(SIOSCOPE_CLI_PATH),
                      {QStringLiteral("record"), url.toString(), QStringLiteral("--transport"),
                       QStringLiteral("websocket"), QStringLiteral("--query"),
                       QStringLiteral("token=QUERY-S3CRET"), QStringLiteral("-H"),
                       QStringLiteral("Authorization: Bearer HEADER-S3CRET"), QStringLiteral("-H"),
                       QStringLiteral("Cookie: sid=COOKIE-S3CRET"), QStringLiteral("-n"),
                       QStringLiteral("/"), QStringLiteral("--auth"),
                       QStringLiteral(R"(/={"token":"AUTH-S3CRET-1","password":"AUTH-S3CRET-2"})"),
                       QStringLiteral("--duration"), QStringLiteral("1"),
                       QStringLiteral("--format"), format});
            QVERIFY(cli.waitForFinished(30000));
            const QByteArray all = cli.readAllStandardOutput() + cli.readAllStandardError();
            QVERIFY2(all.contains("hello"), all.constData()); // the session was recorded
            for (const QByteArray &secret : secrets)
                QVERIFY2(!all.contains(secret),
                         qPrintable(format + QStringLiteral(" (CLI) has ") + secret));
        }
    }
};

QTEST_GUILESS_MAIN(tst_HostilePeer)
#include "tst_hostile_peer.moc"
