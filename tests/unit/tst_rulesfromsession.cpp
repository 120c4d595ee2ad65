// RulesFromSession: what a recorded client session becomes in mock rules (the answers to each of
// our events with their delays, the acks, "$args", what runs on connect, refusals and the auth
// that tells them apart, the server's DISCONNECT, periodic emits and what is not one, the
// comments on what rules cannot say, binary arguments as files), and the logs it refuses. Every
// rules file written is loaded with the real MockRules parser, its binary files included.
#include "scenario/jsonpath.h"
#include "scenario/payloadmatch.h"
#include "scenario/rulesfromsession.h"
#include "server/mockrules.h"
#include "session/sessionlog.h"
#include "socketio/packetrecord.h"
#include "socketio/socketiopacket.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

class tst_RulesFromSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sessionBecomesRules_data();
    void sessionBecomesRules();
    void binaryArgumentsBecomeFiles();
    void logsThatCannotMakeRules_data();
    void logsThatCannotMakeRules();
};

// Checks: a path (from `rules`) and the value there as compact JSON, or "missing".
using Checks = QList<QPair<QString, QString>>;

namespace {
constexpr qint64 StartUs = 1765000000000000;

// A log from lines "<ms> <in|out> <TYPE> <nsp> <id|-> [payload] [| base64 attachments,...]",
// e.g. "100 out EVENT / 0 [\"echo-ack\",1]"; "<ms> connecting" for a new connection.
bool buildLog(const QStringList &lines, SessionLog *log, const QString &session = {})
{
    static const QHash<QString, SocketIoPacket::Type> types{
        {QStringLiteral("CONNECT"), SocketIoPacket::Connect},
        {QStringLiteral("DISCONNECT"), SocketIoPacket::Disconnect},
        {QStringLiteral("EVENT"), SocketIoPacket::Event},
        {QStringLiteral("ACK"), SocketIoPacket::Ack},
        {QStringLiteral("CONNECT_ERROR"), SocketIoPacket::ConnectError},
        {QStringLiteral("BINARY_EVENT"), SocketIoPacket::BinaryEvent},
        {QStringLiteral("BINARY_ACK"), SocketIoPacket::BinaryAck}};
    for (const QString &line : lines) {
        const QStringList parts = line.split(QLatin1Char(' '));
        const qint64 timeUs = StartUs + parts.value(0).toLongLong() * 1000;
        if (parts.value(1) == QLatin1String("connecting")) {
            PacketRecord note = PacketRecord::note(
                PacketRecord::Connecting,
                {{QStringLiteral("url"),
                  QStringLiteral("http://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket")},
                 {QStringLiteral("eio"), 4}},
                TransportKind::WebSocket);
            note.timeUs = timeUs;
            log->append(note);
            continue;
        }
        if (parts.size() < 5 || !types.contains(parts.at(2))) {
            qWarning("bad test line: %s", qPrintable(line));
            return false;
        }
        QString rest = parts.mid(5).join(QLatin1Char(' '));
        QList<QByteArray> attachments;
        if (const qsizetype bar = rest.indexOf(QStringLiteral(" | ")); bar >= 0) {
            for (const QString &item : rest.mid(bar + 3).split(QLatin1Char(',')))
                attachments.append(QByteArray::fromBase64(item.toLatin1()));
            rest.truncate(bar);
        }
        SocketIoPacket packet(types.value(parts.at(2)), parts.at(3), rest.toUtf8(),
                              parts.at(4) == QLatin1String("-") ? -1 : parts.at(4).toLongLong());
        packet.attachments = attachments;
        PacketRecord record = PacketRecord::fromSocketIoPacket(packet,
                                                               parts.at(1) == QLatin1String("out")
                                                                   ? PacketRecord::Direction::Out
                                                                   : PacketRecord::Direction::In,
                                                               TransportKind::WebSocket, {});
        record.timeUs = timeUs;
        record.session = session;
        log->append(record);
    }
    return true;
}

// The connection every row starts with: "/" joined at 0 ms, answered at 2 ms.
const QStringList Joined{QStringLiteral("0 connecting"), QStringLiteral("0 out CONNECT / -"),
                         QStringLiteral("2 in CONNECT / - {\"sid\":\"2RWkypB1uKELiWATAAAA\"}")};

QJsonValue at(const QJsonObject &rules, const QString &path)
{
    JsonPath parsed;
    QString error;
    if (!JsonPath::parse(path, &parsed, &error)) {
        qWarning("bad test path %s: %s", qPrintable(path), qPrintable(error));
        return QJsonValue::Undefined;
    }
    bool found = false;
    const QJsonValue value = parsed.evaluate(rules, &found);
    return found ? value : QJsonValue(QJsonValue::Undefined);
}
} // namespace

void tst_RulesFromSession::sessionBecomesRules_data()
{
    QTest::addColumn<QStringList>("log");
    QTest::addColumn<Checks>("expected");
    const auto lines = [](std::initializer_list<const char *> more) {
        QStringList out = Joined;
        for (const char *line : more)
            out.append(QString::fromUtf8(line));
        return out;
    };

    QTest::newRow("the ack of our event, with its delay, echoing our args")
        << lines({"100 out EVENT / 0 [\"echo-ack\",1,{\"a\":true}]",
                  "103 in ACK / 0 [1,{\"a\":true}]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].on[\"echo-ack\"]"),
                   QStringLiteral("{\"ack\":{\"args\":\"$args\"},\"delayMs\":3}")}};
    QTest::newRow("an ack with other args than ours")
        << lines({"100 out EVENT / 7 [\"price\",\"SIO\"]", "101 in ACK / 7 [{\"price\":42.5}]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].on.price"),
                   QStringLiteral("{\"ack\":{\"args\":[{\"price\":42.5}]},\"delayMs\":1}")}};
    QTest::newRow("emits after our event are its list, delays between them")
        << lines({"100 out EVENT / - [\"slow\"]", "100 in EVENT / - [\"step\",1]",
                  "300 in EVENT / - [\"step\",2]", "510 in EVENT / - [\"done\"]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].on.slow"),
                   QStringLiteral("[{\"emit\":{\"args\":[1],\"event\":\"step\"}},"
                                  "{\"delayMs\":200,\"emit\":{\"args\":[2],\"event\":\"step\"}},"
                                  "{\"delayMs\":210,\"emit\":{\"event\":\"done\"}}]")}};
    QTest::newRow("an echo of our args is $args")
        << lines({"100 out EVENT / - [\"echo\",\"x\",{\"n\":1}]",
                  "101 in EVENT / - [\"echo\",\"x\",{\"n\":1}]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].on.echo.emit.args"),
                   QStringLiteral("\"$args\"")}};
    QTest::newRow("what came before our first event runs on connect, volatile values noted")
        << lines({"3 in EVENT / - [\"welcome\",{\"sid\":\"2RWkypB1uKELiWATAAAA\"}]",
                  "50 out EVENT / - [\"hello\"]"})
        << Checks{
               {QStringLiteral("rules.namespaces[\"/\"].onConnect.delayMs"), QStringLiteral("1")},
               {QStringLiteral("rules.namespaces[\"/\"].onConnect.emit"),
                QStringLiteral("{\"args\":[{\"sid\":\"2RWkypB1uKELiWATAAAA\"}],"
                               "\"event\":\"welcome\"}")},
               {QStringLiteral("rules.namespaces[\"/\"].onConnect.comment"),
                QStringLiteral("\"args[0].sid was \\\"2RWkypB1uKELiWATAAAA\\\", a session id: "
                               "the mock sends this recorded value\"")},
               {QStringLiteral("rules.namespaces[\"/\"].on"), QStringLiteral("missing")}};
    QTest::newRow("events are answered per namespace")
        << lines({"10 out CONNECT /chat -", "11 in CONNECT /chat - {\"sid\":\"x\"}",
                  "100 out EVENT / - [\"a\"]", "101 out EVENT /chat - [\"b\"]",
                  "102 in EVENT / - [\"for-a\"]", "103 in EVENT /chat - [\"for-b\"]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].on.a.emit.event"),
                   QStringLiteral("\"for-a\"")},
                  {QStringLiteral("rules.namespaces[\"/chat\"].on.b.emit.event"),
                   QStringLiteral("\"for-b\"")}};
    QTest::newRow("a refused namespace is refused with the message and data, v5")
        << lines({"10 out CONNECT /admin - {\"token\":\"x\"}",
                  "11 in CONNECT_ERROR /admin - "
                  "{\"message\":\"Not authorized\",\"data\":{\"reason\":\"bad token\"}}"})
        << Checks{{QStringLiteral("rules.namespaces[\"/admin\"]"),
                   QStringLiteral("{\"refuse\":{\"data\":{\"reason\":\"bad token\"},"
                                  "\"message\":\"Not authorized\"}}")}};
    QTest::newRow("a refused namespace, v4 (the error is a string)")
        << lines({"10 out CONNECT /admin -", "11 in CONNECT_ERROR /admin - \"Not authorized\""})
        << Checks{{QStringLiteral("rules.namespaces[\"/admin\"]"),
                   QStringLiteral("{\"refuse\":{\"message\":\"Not authorized\"}}")}};
    QTest::newRow("refused, then accepted with other auth: that auth is required")
        << lines({"10 out CONNECT /admin - {\"token\":\"x\"}",
                  "11 in CONNECT_ERROR /admin - {\"message\":\"Not authorized\"}",
                  "20 out CONNECT /admin - {\"token\":\"secret\"}",
                  "21 in CONNECT /admin - {\"sid\":\"y\"}", "22 in EVENT /admin - [\"hi\"]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/admin\"].auth"),
                   QStringLiteral("{\"token\":\"secret\"}")},
                  {QStringLiteral("rules.namespaces[\"/admin\"].refuse"),
                   QStringLiteral("{\"message\":\"Not authorized\"}")},
                  {QStringLiteral("rules.namespaces[\"/admin\"].onConnect.emit.event"),
                   QStringLiteral("\"hi\"")}};
    QTest::newRow("refused, then accepted, with the same auth: every client is accepted")
        << lines({"10 out CONNECT /admin -", "11 in CONNECT_ERROR /admin - {\"message\":\"busy\"}",
                  "20 out CONNECT /admin -", "21 in CONNECT /admin - {\"sid\":\"y\"}"})
        << Checks{{QStringLiteral("rules.namespaces[\"/admin\"]"),
                   QStringLiteral("{\"comment\":\"refused 1 time(s) and accepted 1 time(s), not "
                                  "told apart by the CONNECT's auth: the mock accepts every "
                                  "client\"}")}};
    QTest::newRow("an accepted namespace requires no auth")
        << lines({"10 out CONNECT /chat - {\"token\":\"x\"}", "11 in CONNECT /chat - {}"})
        << Checks{{QStringLiteral("rules.namespaces[\"/chat\"]"), QStringLiteral("{}")}};
    QTest::newRow("the server's DISCONNECT")
        << lines({"100 out EVENT / - [\"bye\"]", "101 in DISCONNECT / -"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].on.bye"),
                   QStringLiteral("{\"delayMs\":1,\"disconnect\":true}")}};
    QTest::newRow("an ack request is emitted without asking, with a comment")
        << lines({"100 out EVENT / - [\"request-ack\",\"q\"]", "101 in EVENT / 0 [\"ask\",\"q\"]",
                  "102 out ACK / 0 [\"answer\"]", "104 in EVENT / - [\"answered\",[\"answer\"]]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].on[\"request-ack\"][0]"),
                   QStringLiteral("{\"comment\":\"the server asked for an ack (id 0), which rules "
                                  "cannot: the mock emits it without asking\",\"delayMs\":1,"
                                  "\"emit\":{\"args\":\"$args\",\"event\":\"ask\"}}")},
                  {QStringLiteral("rules.namespaces[\"/\"].on[\"request-ack\"][1]"),
                   QStringLiteral("{\"delayMs\":3,\"emit\":{\"args\":[[\"answer\"]],"
                                  "\"event\":\"answered\"}}")}};
    QTest::newRow("an event sent twice: the first's answer, how the second differed")
        << lines({"100 out EVENT / - [\"next\"]", "101 in EVENT / - [\"item\",1]",
                  "200 out EVENT / - [\"next\"]", "201 in EVENT / - [\"item\",2]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].on.next"),
                   QStringLiteral("{\"comment\":\"\\\"next\\\" came 2 times; the mock answers "
                                  "each as the first. sending 2 was answered with "
                                  "{\\\"emit\\\":{\\\"args\\\":[2],\\\"event\\\":\\\"item\\\"}}\","
                                  "\"delayMs\":1,\"emit\":{\"args\":[1],\"event\":\"item\"}}")}};
    QTest::newRow("an event sent twice, answered alike up to a timestamp: no comment")
        << lines({"100 out EVENT / - [\"now\"]", "101 in EVENT / - [\"time\",1765000000100]",
                  "200 out EVENT / - [\"now\"]", "201 in EVENT / - [\"time\",1765000000200]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].on.now.comment"),
                   QStringLiteral("\"args[0] was 1765000000100, a timestamp in milliseconds: "
                                  "the mock sends this recorded value\"")}};
    QTest::newRow("a steady tick across our events is periodic")
        << lines({"1000 in EVENT / - [\"tick\",{\"n\":1}]", "1500 out EVENT / - [\"hello\"]",
                  "1501 in EVENT / - [\"hello-back\"]", "2000 in EVENT / - [\"tick\",{\"n\":2}]",
                  "2990 in EVENT / - [\"tick\",{\"n\":3}]",
                  "4010 in EVENT / - [\"tick\",{\"n\":4}]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].every[0].intervalMs"),
                   QStringLiteral("1000")},
                  {QStringLiteral("rules.namespaces[\"/\"].every[0].count"), QStringLiteral("4")},
                  {QStringLiteral("rules.namespaces[\"/\"].every[0].emit"),
                   QStringLiteral("{\"args\":[{\"n\":1}],\"event\":\"tick\",\"to\":\"all\"}")},
                  {QStringLiteral("rules.namespaces[\"/\"].every[0].comment[1]"),
                   QStringLiteral("\"the arguments changed from one to the next (the last was "
                                  "[{\\\"n\\\":4}]): the mock sends the first's\"")},
                  {QStringLiteral("rules.namespaces[\"/\"].on.hello"),
                   QStringLiteral("{\"delayMs\":1,\"emit\":{\"event\":\"hello-back\"}}")},
                  {QStringLiteral("rules.namespaces[\"/\"].onConnect"), QStringLiteral("missing")}};
    QTest::newRow("a steady tick from the connect on, with nothing sent, is periodic")
        << lines({"252 in EVENT / - [\"tick\"]", "502 in EVENT / - [\"tick\"]",
                  "752 in EVENT / - [\"tick\"]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].every[0].intervalMs"),
                   QStringLiteral("250")},
                  {QStringLiteral("rules.namespaces[\"/\"].every[0].count"), QStringLiteral("3")},
                  {QStringLiteral("rules.namespaces[\"/\"].onConnect"), QStringLiteral("missing")}};
    QTest::newRow("an unsteady series is not periodic")
        << lines({"100 in EVENT / - [\"tick\"]", "200 in EVENT / - [\"tick\"]",
                  "600 in EVENT / - [\"tick\"]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].every"), QStringLiteral("missing")},
                  {QStringLiteral("rules.namespaces[\"/\"].onConnect[2]"),
                   QStringLiteral("{\"delayMs\":400,\"emit\":{\"event\":\"tick\"}}")}};
    QTest::newRow("a steady series after one event of ours is its timed answer")
        << lines({"100 out EVENT / - [\"subscribe\"]", "200 in EVENT / - [\"quote\",1]",
                  "300 in EVENT / - [\"quote\",2]", "400 in EVENT / - [\"quote\",3]"})
        << Checks{
               {QStringLiteral("rules.namespaces[\"/\"].every"), QStringLiteral("missing")},
               {QStringLiteral("rules.namespaces[\"/\"].on.subscribe[2]"),
                QStringLiteral("{\"delayMs\":100,\"emit\":{\"args\":[3],\"event\":\"quote\"}}")}};
    QTest::newRow("one answer to each of our events is not periodic")
        << lines({"100 out EVENT / - [\"ping\"]", "101 in EVENT / - [\"pong\"]",
                  "1100 out EVENT / - [\"ping\"]", "1101 in EVENT / - [\"pong\"]",
                  "2100 out EVENT / - [\"ping\"]", "2101 in EVENT / - [\"pong\"]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].every"), QStringLiteral("missing")},
                  {QStringLiteral("rules.namespaces[\"/\"].on.ping"),
                   QStringLiteral("{\"delayMs\":1,\"emit\":{\"event\":\"pong\"}}")}};
    QTest::newRow("a burst is not periodic")
        << lines(
               {"100 in EVENT / - [\"x\"]", "101 in EVENT / - [\"x\"]", "102 in EVENT / - [\"x\"]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].every"), QStringLiteral("missing")}};
    QTest::newRow("a reconnection's connect answers are compared with the first's")
        << lines({"3 in EVENT / - [\"welcome\"]", "500 connecting", "500 out CONNECT / -",
                  "502 in CONNECT / - {\"sid\":\"3RWkypB1uKELiWATAAAA\"}",
                  "503 in EVENT / - [\"welcome-back\"]"})
        << Checks{{QStringLiteral("rules.namespaces[\"/\"].onConnect.emit.event"),
                   QStringLiteral("\"welcome\"")},
                  {QStringLiteral("rules.namespaces[\"/\"].onConnect.comment"),
                   QStringLiteral("\"the CONNECT came 2 times; the mock answers each as the "
                                  "first. sending 2 was answered with "
                                  "{\\\"emit\\\":{\\\"event\\\":\\\"welcome-back\\\"}}\"")}};
}

void tst_RulesFromSession::sessionBecomesRules()
{
    QFETCH(QStringList, log);
    QFETCH(Checks, expected);
    SessionLog session;
    QVERIFY(buildLog(log, &session));
    RulesFromSessionOptions options;
    options.source = QStringLiteral("session.jsonl");
    options.binaryFolder = QStringLiteral("rules.bin");
    QByteArray json;
    QList<RulesAttachment> attachments;
    QString error;
    QVERIFY2(RulesFromSession::write(session, options, &json, &attachments, &error),
             qPrintable(error));
    QVERIFY(attachments.isEmpty());
    QString loadError;
    QVERIFY2(MockRules::parse(json, QDir::tempPath(), &loadError),
             qPrintable(loadError + QStringLiteral("\n") + QString::fromUtf8(json)));
    const QJsonObject rules = QJsonDocument::fromJson(json).object();
    QVERIFY2(at(rules, QStringLiteral("rules.comment[0]"))
                 .toString()
                 .startsWith(QStringLiteral("Written by sioscope-cli from session.jsonl on ")),
             json.constData());
    for (const auto &[path, value] : expected) {
        const QJsonValue actual = at(rules, path);
        const QString text =
            actual.isUndefined() ? QStringLiteral("missing") : PayloadMatch::compactJson(actual);
        QVERIFY2(text == value, qPrintable(QStringLiteral("%1:\n  expected %2\n  got      %3\n%4")
                                               .arg(path, value, text, QString::fromUtf8(json))));
    }
}

// A binary the server sent becomes a file next to the rules; one it echoed is "$args"; the rules
// load with the file and serve its bytes.
void tst_RulesFromSession::binaryArgumentsBecomeFiles()
{
    SessionLog session;
    QVERIFY(buildLog(
        Joined + QStringList{QStringLiteral("100 out EVENT / - [\"emit-binary\"]"),
                             QStringLiteral("101 in BINARY_EVENT / - [\"binary\",{\"_placeholder\":"
                                            "true,\"num\":0},{\"n\":{\"_placeholder\":true,"
                                            "\"num\":1}},{\"_placeholder\":true,\"num\":2}] | "
                                            "AQID,aGVsbG8=,AQID"),
                             QStringLiteral("200 out BINARY_EVENT / - [\"echo\",{\"_placeholder\":"
                                            "true,\"num\":0}] | /w=="),
                             QStringLiteral("201 in BINARY_EVENT / - [\"echo\",{\"_placeholder\":"
                                            "true,\"num\":0}] | /w=="),
                             // Answered otherwise the second time: no file for that one.
                             QStringLiteral("300 out EVENT / - [\"emit-binary\"]"),
                             QStringLiteral("301 in BINARY_EVENT / - [\"binary\",{\"_placeholder\":"
                                            "true,\"num\":0}] | BAUG")},
        &session));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    RulesFromSessionOptions options;
    options.binaryFolder = QStringLiteral("mock.bin");
    QByteArray json;
    QList<RulesAttachment> attachments;
    QString error;
    QVERIFY2(RulesFromSession::write(session, options, &json, &attachments, &error),
             qPrintable(error));
    // The same bytes twice are one file; the second sending's bytes are none.
    QCOMPARE(attachments.size(), 2);
    QCOMPARE(attachments.at(0).path, QStringLiteral("mock.bin/1.bin"));
    QCOMPARE(attachments.at(0).bytes, QByteArray("\x01\x02\x03"));
    QCOMPARE(attachments.at(1).path, QStringLiteral("mock.bin/2.bin"));
    QCOMPARE(attachments.at(1).bytes, QByteArray("hello"));
    const QJsonObject rules = QJsonDocument::fromJson(json).object();
    QCOMPARE(PayloadMatch::compactJson(
                 at(rules, QStringLiteral("rules.namespaces[\"/\"].on[\"emit-binary\"].emit"))),
             QStringLiteral("{\"args\":[{\"$binary\":\"mock.bin/1.bin\"},{\"n\":{\"$binary\":"
                            "\"mock.bin/2.bin\"}},{\"$binary\":\"mock.bin/1.bin\"}],"
                            "\"event\":\"binary\"}"));
    QCOMPARE(at(rules, QStringLiteral("rules.namespaces[\"/\"].on.echo.emit.args")),
             QJsonValue(QStringLiteral("$args")));

    // Without the files the rules do not load; with them they do.
    QString loadError;
    QVERIFY(!MockRules::parse(json, dir.path(), &loadError));
    QVERIFY2(loadError.contains(QStringLiteral("mock.bin/1.bin")), qPrintable(loadError));
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("mock.bin")));
    for (const RulesAttachment &attachment : std::as_const(attachments)) {
        QFile file(dir.filePath(attachment.path));
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(attachment.bytes), attachment.bytes.size());
    }
    QVERIFY2(MockRules::parse(json, dir.path(), &loadError), qPrintable(loadError));

    // Rules on stdout have no folder for the files.
    options.binaryFolder.clear();
    QVERIFY(!RulesFromSession::write(session, options, &json, &attachments, &error));
    QCOMPARE(error, QStringLiteral("the server sent binary arguments, which the rules refer to as "
                                   "files next to the rules file: write the rules to a file (-o)"));
}

void tst_RulesFromSession::logsThatCannotMakeRules_data()
{
    QTest::addColumn<QStringList>("log");
    QTest::addColumn<QString>("session");
    QTest::addColumn<QString>("error");
    QTest::newRow("a server's log")
        << Joined << QStringLiteral("2RWkypB1uKELiWATAAAA")
        << QStringLiteral("this is a server's log (serve or the mock server), with many clients in "
                          "it; rules are made from a client's session");
    QTest::newRow("no Socket.IO packet")
        << QStringList{QStringLiteral("0 connecting")} << QString()
        << QStringLiteral("the log holds no Socket.IO packet to make rules of");
    QTest::newRow("a recorded object with a key the rules read as a binary")
        << Joined + QStringList{QStringLiteral("5 in EVENT / - [\"odd\",{\"$binary\":\"x\"}]")}
        << QString()
        << QStringLiteral("row 4: an argument of \"odd\" holds an object with the key \"$binary\", "
                          "which rules read as a binary argument: it cannot be written");
}

void tst_RulesFromSession::logsThatCannotMakeRules()
{
    QFETCH(QStringList, log);
    QFETCH(QString, session);
    QFETCH(QString, error);
    SessionLog sessionLog;
    QVERIFY(buildLog(log, &sessionLog, session));
    QByteArray json;
    QList<RulesAttachment> attachments;
    QString actual;
    QVERIFY(!RulesFromSession::write(sessionLog, {}, &json, &attachments, &actual));
    QCOMPARE(actual, error);
}

QTEST_GUILESS_MAIN(tst_RulesFromSession)
#include "tst_rulesfromsession.moc"
