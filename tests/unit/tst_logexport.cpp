// Export and import of session logs: JSON Lines and HAR round trips, HAR 1.2 structure,
// filtered exports, plain text, redaction, and errors that keep what was read before them.
#include "session/jsonlines.h"
#include "session/logexport.h"
#include "session/redaction.h"
#include "session/sessionlog.h"
#include "socketio/socketiomsgpackparser.h"
#include "socketio/socketiopacket.h"

#include <QBuffer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

namespace {
using Direction = PacketRecord::Direction;
using Layer = PacketRecord::Layer;

PacketRecord make(qint64 timeUs, Direction direction, Layer layer, quint8 type,
                  TransportKind transport, const QString &nsp, qint64 id, const QByteArray &raw,
                  const QByteArray &payload)
{
    PacketRecord record;
    record.timeUs = timeUs;
    record.direction = direction;
    record.layer = layer;
    record.type = type;
    record.transport = transport;
    record.nsp = nsp;
    record.id = id;
    record.raw = raw;
    record.payload = payload;
    return record;
}

// A small session with every kind of record: lifecycle, Engine.IO, both namespaces, an ack
// exchange, a binary event, and an invalid frame.
void fillSession(SessionLog &log)
{
    const auto ws = TransportKind::WebSocket;
    const auto polling = TransportKind::Polling;
    PacketRecord connecting =
        make(1'000'000, Direction::Out, Layer::Connection, PacketRecord::Connecting, polling, {},
             -1, {}, R"({"url":"http://127.0.0.1:3000/socket.io/?token=abc&EIO=4"})");
    log.append(connecting);
    log.append(
        make(1'000'100, Direction::In, Layer::EngineIo, EngineIoPacket::Open, polling, {}, -1,
             R"(0{"sid":"s1","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000})",
             R"({"sid":"s1","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000})"));
    log.append(make(1'000'200, Direction::Out, Layer::SocketIo, SocketIoPacket::Connect, polling,
                    "/admin", -1, R"(40/admin,{"token":"secret"})", R"({"token":"secret"})"));
    log.append(make(1'000'300, Direction::In, Layer::SocketIo, SocketIoPacket::Connect, polling,
                    "/admin", -1, R"(40/admin,{"sid":"a1"})", R"({"sid":"a1"})"));
    PacketRecord probe = make(1'000'400, Direction::Out, Layer::EngineIo, EngineIoPacket::Ping, ws,
                              {}, -1, "2probe", "\"probe\"");
    log.append(probe);
    log.append(make(1'000'500, Direction::Out, Layer::SocketIo, SocketIoPacket::Event, ws, "/", 0,
                    R"(420["echo-ack",1])", R"(["echo-ack",1])"));
    PacketRecord ack = make(1'002'500, Direction::In, Layer::SocketIo, SocketIoPacket::Ack, ws, "/",
                            0, "430[1]", "[1]");
    ack.rttUs = 2000;
    log.append(ack);
    PacketRecord binary = make(
        1'003'000, Direction::In, Layer::SocketIo, SocketIoPacket::BinaryEvent, ws, "/", -1,
        R"(451-["bin",{"_placeholder":true,"num":0}])", R"(["bin",{"_placeholder":true,"num":0}])");
    binary.attachments = {QByteArray("\x01\x02\xff", 3)};
    log.append(binary);
    PacketRecord invalid = make(1'004'000, Direction::In, Layer::SocketIo, SocketIoPacket::Event,
                                ws, "/", -1, R"(42{"not":"an array"})", {});
    invalid.error = QStringLiteral("EVENT payload must be a non-empty array");
    log.append(invalid);
}

QByteArray exportLog(const SessionLog &log, LogFormat format, bool secrets = true,
                     const std::vector<qint64> *rows = nullptr)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    ExportOptions options;
    options.format = format;
    options.includeSecrets = secrets;
    QString error;
    if (!LogExporter::write(log, rows, &buffer, options, &error))
        qWarning() << error;
    return buffer.data();
}

bool importLog(const QByteArray &data, SessionLog *log, QString *error)
{
    QBuffer buffer;
    buffer.setData(data);
    buffer.open(QIODevice::ReadOnly);
    return LogImporter::read(&buffer, log, error);
}

// A msgpack session: a CONNECT with auth, an EVENT with a bin and its ack. Each record keeps
// its frame as socket.io-msgpack-parser writes it.
PacketRecord msgpackRecord(qint64 timeUs, Direction direction, const SocketIoPacket &packet)
{
    PacketRecord record =
        make(timeUs, direction, Layer::SocketIo, packet.type, TransportKind::WebSocket, packet.nsp,
             packet.id, SocketIoMsgpackParser::encodePacket(packet), packet.payload);
    record.attachments = packet.attachments;
    record.parser = SocketIoParser::Kind::Msgpack;
    return record;
}

void fillMsgpackSession(SessionLog &log)
{
    log.append(msgpackRecord(2'000'000, Direction::Out,
                             SocketIoPacket(SocketIoPacket::Connect, QStringLiteral("/admin"),
                                            R"({"token":"secret"})")));
    SocketIoPacket event(SocketIoPacket::BinaryEvent, QStringLiteral("/"),
                         R"(["bin",{"_placeholder":true,"num":0}])", 3);
    event.attachments = {QByteArray("\x01\x02\xff", 3)};
    log.append(msgpackRecord(2'000'100, Direction::Out, event));
    PacketRecord ack =
        msgpackRecord(2'000'300, Direction::In,
                      SocketIoPacket(SocketIoPacket::Ack, QStringLiteral("/"), "[1]", 3));
    ack.rttUs = 200;
    log.append(ack);
}

void compareLogs(const SessionLog &actual, const SessionLog &expected)
{
    QCOMPARE(actual.size(), expected.size());
    for (qint64 row = 0; row < expected.size(); ++row) {
        // The JSON Lines form is lossless, so equal lines mean equal records.
        QCOMPARE(JsonLines::toLine(actual.record(row)), JsonLines::toLine(expected.record(row)));
    }
}
} // namespace

class tst_LogExport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void jsonLinesRoundTrip();
    void harRoundTrip();
    void harHasTheStructureOfHar12();
    void filteredExportWritesOnlyThoseRows();
    void textHasOneLinePerRecord();
    void secretsAreRedactedUnlessOptedIn();
    void truncatedJsonLinesKeepsWhatCameBefore();
    void harFromABrowserIsDecoded();
    void harFromABrowserReassemblesBinaryPackets();
    void badHarIsReported();
    void harTimeOutOfRangeIsReported();
    void cancelledExportSaysSo();
    void diskFullIsAnErrorAndTheLogStaysIntact_data();
    void diskFullIsAnErrorAndTheLogStaysIntact();
    void unwritablePathIsAnError();
    void formatNames_data();
    void formatNames();
    void secretNames_data();
    void secretNames();
    void redactsV4ConnectQuery();
    void echoedSecretsAreRedactedByValue_data();
    void echoedSecretsAreRedactedByValue();
    void headerSecretValues_data();
    void headerSecretValues();
    void exportFindsSecretsOutsideTheExportedRows();
    void msgpackFramesRoundTrip_data();
    void msgpackFramesRoundTrip();
    void msgpackTextExportShowsTheDecodedPacket();
    void msgpackHarSendsOneBinaryFrame();
    void msgpackRedactionWritesADecodableFrame();
};

void tst_LogExport::jsonLinesRoundTrip()
{
    SessionLog log;
    fillSession(log);
    SessionLog imported;
    QString error;
    QVERIFY2(importLog(exportLog(log, LogFormat::JsonLines), &imported, &error), qPrintable(error));
    compareLogs(imported, log);
    // Ack pairing is rebuilt on import.
    QCOMPARE(imported.acks().partnerRow(5), 6);
}

void tst_LogExport::harRoundTrip()
{
    SessionLog log;
    fillSession(log);
    SessionLog imported;
    QString error;
    QVERIFY2(importLog(exportLog(log, LogFormat::Har), &imported, &error), qPrintable(error));
    compareLogs(imported, log);
}

void tst_LogExport::harHasTheStructureOfHar12()
{
    SessionLog log;
    fillSession(log);
    QJsonParseError parseError;
    const QJsonObject har =
        QJsonDocument::fromJson(exportLog(log, LogFormat::Har), &parseError).object();
    QCOMPARE(parseError.error, QJsonParseError::NoError);
    const QJsonObject root = har.value("log").toObject();
    QCOMPARE(root.value("version").toString(), QStringLiteral("1.2"));
    QCOMPARE(root.value("creator").toObject().value("name").toString(), QStringLiteral("SioScope"));
    QVERIFY(root.value("creator").toObject().contains("version"));
    const QJsonArray entries = root.value("entries").toArray();
    QVERIFY(!entries.isEmpty());
    int webSocketEntries = 0;
    int messages = 0;
    QStringList binaryFrames;
    for (const QJsonValue &value : entries) {
        const QJsonObject entry = value.toObject();
        // Required members of a HAR 1.2 entry.
        for (const char *key :
             {"startedDateTime", "time", "request", "response", "cache", "timings"})
            QVERIFY2(entry.contains(QLatin1String(key)), key);
        for (const char *key : {"method", "url", "httpVersion", "cookies", "headers", "queryString",
                                "headersSize", "bodySize"})
            QVERIFY2(entry.value("request").toObject().contains(QLatin1String(key)), key);
        for (const char *key : {"status", "statusText", "httpVersion", "cookies", "headers",
                                "content", "redirectURL", "headersSize", "bodySize"})
            QVERIFY2(entry.value("response").toObject().contains(QLatin1String(key)), key);
        QVERIFY(
            entry.value("response").toObject().value("content").toObject().contains("mimeType"));
        if (!entry.contains("_webSocketMessages"))
            continue;
        ++webSocketEntries;
        QCOMPARE(entry.value("response").toObject().value("status").toInt(), 101);
        for (const QJsonValue &message : entry.value("_webSocketMessages").toArray()) {
            const QJsonObject m = message.toObject();
            QVERIFY(m.value("type") == "send" || m.value("type") == "receive");
            QVERIFY(m.value("time").toDouble() > 1.0);
            QVERIFY(m.value("opcode") == 1 || m.value("opcode") == 2);
            QVERIFY(m.value("data").isString());
            if (m.value("opcode") == 2)
                binaryFrames << m.value("data").toString();
            ++messages;
        }
    }
    QCOMPARE(webSocketEntries, 1);
    // probe, event, ack, binary event and its attachment frame, invalid frame
    QCOMPARE(messages, 6);
    QCOMPARE(binaryFrames, QStringList{QStringLiteral("AQL/")});
    // The first WebSocket message is the probe, at the record's time in seconds.
    const QJsonObject first =
        entries.at(0).toObject().value("_webSocketMessages").toArray().at(0).toObject();
    QCOMPARE(first.value("data").toString(), QStringLiteral("2probe"));
    QCOMPARE(first.value("time").toDouble(), 1.0004);
}

void tst_LogExport::filteredExportWritesOnlyThoseRows()
{
    SessionLog log;
    fillSession(log);
    const std::vector<qint64> rows{5, 6};
    SessionLog imported;
    QString error;
    QVERIFY(importLog(exportLog(log, LogFormat::JsonLines, true, &rows), &imported, &error));
    QCOMPARE(imported.size(), 2);
    QCOMPARE(imported.record(0).raw, QByteArray(R"(420["echo-ack",1])"));
    QCOMPARE(imported.record(1).rttUs, 2000);
}

void tst_LogExport::textHasOneLinePerRecord()
{
    SessionLog log;
    fillSession(log);
    const QList<QByteArray> lines = exportLog(log, LogFormat::Text).split('\n');
    QCOMPARE(lines.size(), log.size() + 1); // a final newline
    QVERIFY(lines.at(6).contains("ACK"));
    QVERIFY(lines.at(6).contains("rtt 2.000 ms"));
    QVERIFY(lines.at(7).contains("+3 B"));
    QVERIFY(lines.at(8).contains("ERROR: EVENT payload must be a non-empty array"));
    QVERIFY(lines.at(0).startsWith("1970-01-01T00:00:01.000000Z"));
}

void tst_LogExport::secretsAreRedactedUnlessOptedIn()
{
    SessionLog log;
    fillSession(log);
    for (LogFormat format : {LogFormat::JsonLines, LogFormat::Har, LogFormat::Text}) {
        const QByteArray redacted = exportLog(log, format, false);
        QVERIFY2(!redacted.contains("secret"), qPrintable(LogExporter::formatName(format)));
        QVERIFY2(!redacted.contains("token=abc"), qPrintable(LogExporter::formatName(format)));
        QVERIFY(redacted.contains("[redacted]"));
        const QByteArray plain = exportLog(log, format, true);
        QVERIFY(plain.contains("secret"));
        QVERIFY(plain.contains("token=abc"));
    }
    // The log in memory keeps the real values.
    QCOMPARE(log.record(2).payload, QByteArray(R"({"token":"secret"})"));
}

void tst_LogExport::truncatedJsonLinesKeepsWhatCameBefore()
{
    SessionLog log;
    fillSession(log);
    QByteArray data = exportLog(log, LogFormat::JsonLines);
    data.chop(10); // the last line is cut short
    SessionLog imported;
    QString error;
    QVERIFY(!importLog(data, &imported, &error));
    QVERIFY2(error.contains(QLatin1String("line 9")), qPrintable(error));
    QCOMPARE(imported.size(), log.size() - 1);
}

void tst_LogExport::harFromABrowserIsDecoded()
{
    // Chrome writes frames only; SioScope decodes them as Engine.IO v4 / Socket.IO v5.
    const QByteArray har =
        R"({"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},
        "entries":[{"startedDateTime":"2026-11-24T15:20:01.000Z","time":0,
        "request":{"method":"GET","url":"wss://example.test/socket.io/?EIO=4&transport=websocket"},
        "response":{"status":101},
        "_webSocketMessages":[
          {"type":"receive","time":1764000001.5,"opcode":1,"data":"0{\"sid\":\"x\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000}"},
          {"type":"send","time":1764000001.6,"opcode":1,"data":"40"},
          {"type":"receive","time":1764000001.7,"opcode":1,"data":"42/chat,7[\"hello\",1]"},
          {"type":"receive","time":1764000001.8,"opcode":1,"data":"42{bad"}]}]}})";
    SessionLog imported;
    QString error;
    QVERIFY2(importLog(har, &imported, &error), qPrintable(error));
    QCOMPARE(imported.size(), 4);
    QCOMPARE(imported.layer(0), Layer::EngineIo);
    QCOMPARE(imported.type(0), quint8(EngineIoPacket::Open));
    QCOMPARE(imported.direction(1), Direction::Out);
    QCOMPARE(imported.type(1), quint8(SocketIoPacket::Connect));
    const PacketRecord event = imported.record(2);
    QCOMPARE(event.nsp, QStringLiteral("/chat"));
    QCOMPARE(event.id, 7);
    QCOMPARE(event.payload, QByteArray(R"(["hello",1])"));
    QCOMPARE(event.timeUs, qint64(1764000001700000));
    QVERIFY(!imported.record(3).error.isEmpty());
}

void tst_LogExport::harFromABrowserReassemblesBinaryPackets()
{
    const QByteArray har =
        "{\"log\":{\"version\":\"1.2\",\"entries\":[{\"_webSocketMessages\":["
        "{\"type\":\"receive\",\"time\":1.0,\"opcode\":1,\"data\":"
        "\"452-[\\\"file\\\",{\\\"_placeholder\\\":true,\\\"num\\\":0},"
        "{\\\"_placeholder\\\":true,\\\"num\\\":1}]\"},"
        "{\"type\":\"receive\",\"time\":1.1,\"opcode\":2,\"data\":\"AQI=\"},"
        "{\"type\":\"receive\",\"time\":1.2,\"opcode\":2,\"data\":\"/w==\"},"
        "{\"type\":\"receive\",\"time\":1.3,\"opcode\":1,\"data\":\"451-[\\\"x\\\","
        "{\\\"_placeholder\\\":true,\\\"num\\\":0}]\"},"
        "{\"type\":\"receive\",\"time\":1.4,\"opcode\":1,\"data\":\"42[\\\"y\\\"]\"}"
        "]}]}}";
    SessionLog imported;
    QString error;
    QVERIFY2(importLog(har, &imported, &error), qPrintable(error));
    QCOMPARE(imported.size(), 3);
    const PacketRecord binary = imported.record(0);
    QCOMPARE(binary.type, quint8(SocketIoPacket::BinaryEvent));
    QCOMPARE(binary.attachments,
             (QList<QByteArray>{QByteArray("\x01\x02", 2), QByteArray("\xff", 1)}));
    QCOMPARE(binary.timeUs, 1'000'000);
    // The second packet's attachment never came: kept, with the reason.
    QVERIFY2(imported.record(1).error.contains(QLatin1String("attachment")),
             qPrintable(imported.record(1).error));
    QCOMPARE(imported.record(2).payload, QByteArray("[\"y\"]"));
}

// Found by fuzz_log_import: a browser HAR message with "time" 1.7e17 s was converted to qint64
// microseconds without a range check (undefined behaviour; UBSan stops there).
void tst_LogExport::harTimeOutOfRangeIsReported()
{
    const QByteArray har = R"({"log":{"version":"1.2","entries":[{"_webSocketMessages":[
          {"type":"receive","time":1764000001.5,"opcode":1,"data":"2"},
          {"type":"receive","time":170000000000000000.8,"opcode":2,"data":"AQID"}]}]}})";
    SessionLog imported;
    QString error;
    QVERIFY(!importLog(har, &imported, &error));
    QCOMPARE(error, QStringLiteral("HAR entry 0, WebSocket message 1: \"time\" 1.7e+17 is out of "
                                   "range (seconds since 1970, at most 9.2e+12)"));
    QCOMPARE(imported.size(), 1); // what came before is kept
}

void tst_LogExport::badHarIsReported()
{
    SessionLog imported;
    QString error;
    QVERIFY(!importLog(R"({"log": [1,2]})", &imported, &error));
    QVERIFY2(error.contains(QLatin1String("HAR")), qPrintable(error));
    QVERIFY(
        !importLog(R"({"log":{"entries":[{"_webSocketMessages":[{"type":"sideways","time":1}]}]}})",
                   &imported, &error));
    QVERIFY2(error.contains(QLatin1String("entry 0, WebSocket message 0")), qPrintable(error));
}

void tst_LogExport::cancelledExportSaysSo()
{
    SessionLog log;
    fillSession(log);
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    ExportOptions options;
    options.progress = [](qint64, qint64) { return false; };
    QString error;
    QVERIFY(!LogExporter::write(log, nullptr, &buffer, options, &error));
    QCOMPARE(error, QStringLiteral("export cancelled"));
}

// /dev/full takes every write and fails it: a small log sits in QFile's buffer and only fails
// when flushed. write() must say so, and the in-memory log must be untouched.
void tst_LogExport::diskFullIsAnErrorAndTheLogStaysIntact_data()
{
    QTest::addColumn<LogFormat>("format");
    QTest::newRow("jsonl") << LogFormat::JsonLines;
    QTest::newRow("har") << LogFormat::Har;
    QTest::newRow("text") << LogFormat::Text;
}

void tst_LogExport::diskFullIsAnErrorAndTheLogStaysIntact()
{
    QFETCH(LogFormat, format);
    QVERIFY2(QFile::exists(QStringLiteral("/dev/full")), "this test needs /dev/full (Linux)");
    SessionLog log;
    fillSession(log);
    QBuffer before;
    before.open(QIODevice::WriteOnly);
    QString error;
    QVERIFY(LogExporter::write(log, nullptr, &before, {}, &error));

    QFile full(QStringLiteral("/dev/full"));
    QVERIFY(full.open(QIODevice::WriteOnly));
    ExportOptions options;
    options.format = format;
    QVERIFY(!LogExporter::write(log, nullptr, &full, options, &error));
    QVERIFY2(error.startsWith(QLatin1String("could not write: ")) &&
                 error.contains(QLatin1String("No space left on device")),
             qPrintable(error));

    QBuffer after;
    after.open(QIODevice::WriteOnly);
    QVERIFY(LogExporter::write(log, nullptr, &after, {}, &error));
    QCOMPARE(after.data(), before.data());
}

// A file that cannot be opened (the caller's QFile::open fails): write() refuses the device
// with a clear error rather than writing nowhere. Not a directory works even as root.
void tst_LogExport::unwritablePathIsAnError()
{
    SessionLog log;
    fillSession(log);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile plain(dir.filePath(QStringLiteral("file")));
    QVERIFY(plain.open(QIODevice::WriteOnly));
    plain.close();
    QFile out(dir.filePath(QStringLiteral("file/log.jsonl")));
    QVERIFY(!out.open(QIODevice::WriteOnly));
    QString error;
    QVERIFY(!LogExporter::write(log, nullptr, &out, {}, &error));
    QCOMPARE(error, QStringLiteral("could not write: the output is not open for writing (Not a "
                                   "directory)"));
}

void tst_LogExport::formatNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    QTest::newRow("jsonl") << "jsonl" << true;
    QTest::newRow("har") << "har" << true;
    QTest::newRow("text") << "text" << true;
    QTest::newRow("unknown") << "xml" << false;
    QTest::newRow("case matters") << "JSONL" << false;
}

void tst_LogExport::formatNames()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    LogFormat format;
    QCOMPARE(LogExporter::parseFormat(name, &format), valid);
    if (valid)
        QCOMPARE(LogExporter::formatName(format), name);
}

void tst_LogExport::secretNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("secret");
    QTest::newRow("Authorization") << "Authorization" << true;
    QTest::newRow("cookie") << "cookie" << true;
    QTest::newRow("X-Auth-Token") << "X-Auth-Token" << true;
    QTest::newRow("access_token") << "access_token" << true;
    QTest::newRow("password") << "password" << true;
    QTest::newRow("x-api-key") << "x-api-key" << true;
    QTest::newRow("user") << "user" << false;
    QTest::newRow("Content-Type") << "Content-Type" << false;
}

void tst_LogExport::secretNames()
{
    QFETCH(QString, name);
    QFETCH(bool, secret);
    QCOMPARE(Redaction::isSecretName(name), secret);
}

void tst_LogExport::redactsV4ConnectQuery()
{
    const PacketRecord connect =
        make(1, Direction::Out, Layer::SocketIo, SocketIoPacket::Connect, TransportKind::Polling,
             "/admin", -1, "40/admin?token=abc&room=1,", {});
    const PacketRecord redacted = Redaction::redact(connect);
    QCOMPARE(redacted.raw, QByteArray("40/admin?token=[redacted]&room=[redacted],"));
    // Recovery fields are not secrets.
    const PacketRecord recovery = make(
        1, Direction::Out, Layer::SocketIo, SocketIoPacket::Connect, TransportKind::WebSocket, "/",
        -1, R"(40{"pid":"p","offset":"o","token":"t"})", R"({"pid":"p","offset":"o","token":"t"})");
    QCOMPARE(Redaction::redact(recovery).raw,
             QByteArray(R"(40{"offset":"o","pid":"p","token":"[redacted]"})"));
    // Incoming packets are never changed.
    PacketRecord incoming = connect;
    incoming.direction = Direction::In;
    QCOMPARE(Redaction::redact(incoming).raw, connect.raw);
}

// A secret the server sends back (echoed auth, a token in an error) is found by its value in every
// later record. Source: the record SioScope learns the value from; echo: the record that repeats
// it.
void tst_LogExport::echoedSecretsAreRedactedByValue_data()
{
    QTest::addColumn<PacketRecord>("source");
    QTest::addColumn<QStringList>("knownSecrets");
    QTest::addColumn<PacketRecord>("echo");
    QTest::addColumn<QByteArray>("expectedRaw");
    QTest::addColumn<QByteArray>("expectedPayload");
    const auto ws = TransportKind::WebSocket;
    const auto connectOut = [ws](const QByteArray &raw, const QByteArray &payload) {
        return make(1, Direction::Out, Layer::SocketIo, SocketIoPacket::Connect, ws, "/", -1, raw,
                    payload);
    };
    const auto eventIn = [ws](const QByteArray &payload) {
        return make(2, Direction::In, Layer::SocketIo, SocketIoPacket::Event, ws, "/", -1,
                    "42" + payload, payload);
    };
    const PacketRecord v5Auth = connectOut(R"(40{"token":"tok-1234","user":"alice"})",
                                           R"({"token":"tok-1234","user":"alice"})");

    QTest::newRow("v5 auth value echoed in an event")
        << v5Auth << QStringList() << eventIn(R"(["auth",{"token":"tok-1234","n":1}])")
        << QByteArray(R"(42["auth",{"token":"[redacted]","n":1}])")
        << QByteArray(R"(["auth",{"token":"[redacted]","n":1}])");
    QTest::newRow("every auth member is a secret, whatever its name")
        << v5Auth << QStringList() << eventIn(R"(["hello","alice"])")
        << QByteArray(R"(42["hello","[redacted]"])") << QByteArray(R"(["hello","[redacted]"])");
    QTest::newRow("nested auth value, echoed twice in one packet")
        << connectOut(R"(40{"creds":{"key":"nested-999"}})", R"({"creds":{"key":"nested-999"}})")
        << QStringList() << eventIn(R"(["x","nested-999 and nested-999"])")
        << QByteArray(R"(42["x","[redacted] and [redacted]"])")
        << QByteArray(R"(["x","[redacted] and [redacted]"])");
    QTest::newRow("Engine.IO record of the echo")
        << v5Auth << QStringList()
        << make(2, Direction::In, Layer::EngineIo, EngineIoPacket::Message, ws, {}, -1,
                R"(42["auth","tok-1234"])", R"(2["auth","tok-1234"])")
        << QByteArray(R"(42["auth","[redacted]"])") << QByteArray(R"(2["auth","[redacted]"])");
    QTest::newRow("v4 query auth echoed")
        << connectOut("40/admin?token=abc-5678,", {}) << QStringList()
        << eventIn(R"(["auth",{"token":"abc-5678"}])")
        << QByteArray(R"(42["auth",{"token":"[redacted]"}])")
        << QByteArray(R"(["auth",{"token":"[redacted]"}])");
    QTest::newRow("secret query parameter of the URL echoed")
        << make(0, Direction::Out, Layer::Connection, PacketRecord::Connecting, ws, {}, -1, {},
                R"({"url":"http://127.0.0.1:1/socket.io/?apikey=url-key-1&plain=visible-1"})")
        << QStringList() << eventIn(R"(["q","url-key-1","visible-1"])")
        << QByteArray(R"(42["q","[redacted]","visible-1"])")
        << QByteArray(R"(["q","[redacted]","visible-1"])");
    QTest::newRow("header value the caller knows")
        << PacketRecord() << Redaction::headerSecrets({{"Authorization", "Bearer hdr-tok-9"}})
        << eventIn(R"(["whoami","hdr-tok-9"])") << QByteArray(R"(42["whoami","[redacted]"])")
        << QByteArray(R"(["whoami","[redacted]"])");
    QTest::newRow("JSON-escaped form of a value with a quote")
        << connectOut("40{\"token\":\"quo\\\"te-1\"}", "{\"token\":\"quo\\\"te-1\"}")
        << QStringList() << eventIn("[\"e\",\"quo\\\"te-1\"]")
        << QByteArray(R"(42["e","[redacted]"])") << QByteArray(R"(["e","[redacted]"])");
    // "\nabcd" is a newline and "abcd": it does not contain "nabcd", and cutting the escape in
    // half would break the JSON. "\\nabcd" (a backslash, then "nabcd") does.
    QTest::newRow("a match inside an escape is not one")
        << connectOut(R"(40{"k":"nabcd"})", R"({"k":"nabcd"})") << QStringList()
        << eventIn("[\"e\",\"\\nabcd\",\"\\\\nabcd\"]")
        << QByteArray("42[\"e\",\"\\nabcd\",\"\\\\[redacted]\"]")
        << QByteArray("[\"e\",\"\\nabcd\",\"\\\\[redacted]\"]");
    QTest::newRow("values shorter than four bytes are left alone")
        << connectOut(R"(40{"pin":"123"})", R"({"pin":"123"})") << QStringList()
        << eventIn(R"(["n","123"])") << QByteArray(R"(42["n","123"])")
        << QByteArray(R"(["n","123"])");
    QTest::newRow("an incoming CONNECT teaches nothing in a client's log")
        << make(1, Direction::In, Layer::SocketIo, SocketIoPacket::Connect, ws, "/", -1,
                R"(40{"sid":"sid-abcdef"})", R"({"sid":"sid-abcdef"})")
        << QStringList() << eventIn(R"(["s","sid-abcdef"])")
        << QByteArray(R"(42["s","sid-abcdef"])") << QByteArray(R"(["s","sid-abcdef"])");

    // The embedded server's log (records with a session): the client's CONNECT comes in.
    PacketRecord clientConnect =
        make(1, Direction::In, Layer::SocketIo, SocketIoPacket::Connect, ws, "/", -1,
             R"(40{"token":"client-tok"})", R"({"token":"client-tok"})");
    clientConnect.session = QStringLiteral("e1");
    PacketRecord serverEcho =
        make(2, Direction::Out, Layer::SocketIo, SocketIoPacket::Event, ws, "/", -1,
             R"(42["auth",{"token":"client-tok"}])", R"(["auth",{"token":"client-tok"}])");
    serverEcho.session = QStringLiteral("e1");
    QTest::newRow("server log: the client's auth echoed by the server")
        << clientConnect << QStringList() << serverEcho
        << QByteArray(R"(42["auth",{"token":"[redacted]"}])")
        << QByteArray(R"(["auth",{"token":"[redacted]"}])");
}

void tst_LogExport::echoedSecretsAreRedactedByValue()
{
    QFETCH(PacketRecord, source);
    QFETCH(QStringList, knownSecrets);
    QFETCH(PacketRecord, echo);
    QFETCH(QByteArray, expectedRaw);
    QFETCH(QByteArray, expectedPayload);
    Redaction redaction;
    redaction.addSecrets(knownSecrets);
    redaction.learn(source);
    const PacketRecord redacted = redaction.apply(echo);
    QCOMPARE(redacted.raw, expectedRaw);
    QCOMPARE(redacted.payload, expectedPayload);
    // The JSON stays valid: what is left is still a JSON array.
    if (echo.layer == Layer::SocketIo)
        QVERIFY(QJsonDocument::fromJson(redacted.payload).isArray());

    // The same value in an error text and in attachment bytes.
    PacketRecord withError = echo;
    withError.error = QStringLiteral("unexpected: ") + QString::fromUtf8(echo.payload);
    withError.attachments = {echo.payload};
    const PacketRecord redactedError = redaction.apply(withError);
    QCOMPARE(redactedError.error,
             QStringLiteral("unexpected: ") + QString::fromUtf8(expectedPayload));
    QCOMPARE(redactedError.attachments, QList<QByteArray>{expectedPayload});
}

void tst_LogExport::headerSecretValues_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QStringList>("secrets");
    QTest::newRow("bearer token") << QByteArray("Authorization") << QByteArray("Bearer abc.def")
                                  << QStringList{"Bearer abc.def", "abc.def"};
    QTest::newRow("cookies, each value")
        << QByteArray("Cookie") << QByteArray("sid=s-1; theme=dark")
        << QStringList{"sid=s-1; theme=dark", "s-1", "dark"};
    QTest::newRow("set-cookie, the first pair only")
        << QByteArray("Set-Cookie") << QByteArray("sid=s-2; Path=/; HttpOnly")
        << QStringList{"sid=s-2; Path=/; HttpOnly", "s-2"};
    QTest::newRow("secret-named header")
        << QByteArray("X-Api-Key") << QByteArray("k-77") << QStringList{"k-77"};
    QTest::newRow("not a secret") << QByteArray("Accept") << QByteArray("text/plain")
                                  << QStringList();
}

void tst_LogExport::headerSecretValues()
{
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, value);
    QFETCH(QStringList, secrets);
    QCOMPARE(Redaction::headerSecrets({{name, value}}), secrets);
}

// The CONNECT that sent the token is not among the exported rows; its echo is, and is redacted.
void tst_LogExport::exportFindsSecretsOutsideTheExportedRows()
{
    SessionLog log;
    fillSession(log); // row 2: CONNECT /admin {"token":"secret"}
    const qint64 echoRow = log.append(make(
        2'000'000, Direction::In, Layer::SocketIo, SocketIoPacket::Event, TransportKind::WebSocket,
        "/admin", -1, R"(42/admin,["auth","secret"])", R"(["auth","secret"])"));
    const std::vector<qint64> rows{echoRow};
    for (LogFormat format : {LogFormat::JsonLines, LogFormat::Har, LogFormat::Text}) {
        const QByteArray redacted = exportLog(log, format, false, &rows);
        QVERIFY2(redacted.contains("[redacted]"), redacted.constData());
        QVERIFY2(!redacted.contains("secret"), redacted.constData());
        QVERIFY(exportLog(log, format, true, &rows).contains("secret"));
    }
}

void tst_LogExport::msgpackFramesRoundTrip_data()
{
    QTest::addColumn<LogFormat>("format");
    QTest::newRow("JSON Lines") << LogFormat::JsonLines;
    QTest::newRow("HAR") << LogFormat::Har;
}

void tst_LogExport::msgpackFramesRoundTrip()
{
    QFETCH(LogFormat, format);
    SessionLog log;
    fillMsgpackSession(log);
    SessionLog imported;
    QString error;
    QVERIFY2(importLog(exportLog(log, format), &imported, &error), qPrintable(error));
    compareLogs(imported, log);
    for (qint64 row = 0; row < log.size(); ++row) {
        QCOMPARE(imported.parser(row), SocketIoParser::Kind::Msgpack);
        QCOMPARE(imported.raw(row), log.raw(row));             // the exact bytes
        QCOMPARE(imported.wireSize(row), log.raw(row).size()); // the bins are inside the frame
    }
    QCOMPARE(imported.acks().partnerRow(1), 2);
}

void tst_LogExport::msgpackTextExportShowsTheDecodedPacket()
{
    SessionLog log;
    fillMsgpackSession(log);
    const QList<QByteArray> lines = exportLog(log, LogFormat::Text).split('\n');
    QCOMPARE(lines.size(), log.size() + 1);
    QVERIFY2(lines.at(1).contains(R"(msgpack  ["bin",{"_placeholder":true,"num":0}]  +3 B)"),
             lines.at(1).constData());
    QVERIFY2(lines.at(2).contains("msgpack  [1]  rtt 0.200 ms"), lines.at(2).constData());
    // No frame bytes: the map header 0x84 would show as a stray byte.
    QVERIFY(!lines.at(1).contains("\x84"));
}

void tst_LogExport::msgpackHarSendsOneBinaryFrame()
{
    SessionLog log;
    fillMsgpackSession(log);
    const QJsonDocument har = QJsonDocument::fromJson(exportLog(log, LogFormat::Har));
    const QJsonArray entries = har.object()["log"].toObject()["entries"].toArray();
    QCOMPARE(entries.size(), 1);
    const QJsonArray messages = entries.at(0).toObject()["_webSocketMessages"].toArray();
    // One message a packet: a msgpack packet's bin is inside its frame, not a frame of its own.
    QCOMPARE(messages.size(), 3);
    for (qsizetype i = 0; i < messages.size(); ++i) {
        const QJsonObject message = messages.at(i).toObject();
        QCOMPARE(message["opcode"].toInt(), 2);
        QCOMPARE(QByteArray::fromBase64(message["data"].toString().toLatin1()),
                 log.raw(qint64(i)).toByteArray());
    }
}

void tst_LogExport::msgpackRedactionWritesADecodableFrame()
{
    SessionLog log;
    fillMsgpackSession(log);
    const QByteArray redacted = exportLog(log, LogFormat::JsonLines, false);
    SessionLog imported;
    QString error;
    QVERIFY2(importLog(redacted, &imported, &error), qPrintable(error));
    QCOMPARE(imported.size(), log.size());
    const QByteArray frame = imported.raw(0).toByteArray();
    QVERIFY(!frame.contains("secret"));
    QVERIFY(!redacted.contains("secret"));
    // The frame was written again, so it still decodes, to what the record shows.
    SocketIoPacket packet;
    QVERIFY2(SocketIoMsgpackParser::decodePacket(frame, {}, &packet, &error), qPrintable(error));
    QCOMPARE(packet.type, SocketIoPacket::Connect);
    QCOMPARE(packet.nsp, QStringLiteral("/admin"));
    QCOMPARE(packet.payload, QByteArray(R"({"token":"[redacted]"})"));
    QCOMPARE(imported.payload(0), packet.payload);
    // Records without secrets keep their bytes.
    QCOMPARE(imported.raw(1), log.raw(1));
    // The log in memory keeps the real values.
    QVERIFY(log.raw(0).contains("secret"));
}

QTEST_APPLESS_MAIN(tst_LogExport)
#include "tst_logexport.moc"
