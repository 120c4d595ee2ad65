// `sioscope-cli rules from` against the real socket.io 4.8 and 2.5 servers
// (tests/peers/server.js), and against `serve` with resources/mock-rules/example.json for a
// periodic emit (the reference server has none): a session recorded with `record --send` becomes
// rules; `sioscope-cli serve --rules` with them, driven by the same script, gives the same
// Socket.IO exchange (per namespace, the packets both ways with their event names, arguments,
// binaries and ack ids, in order; the sids of the CONNECT answers left out). The CLI's usage
// errors and refusals, with their exit statuses.
#include "clirun.h"
#include "cliserve.h"
#include "referenceserver.h"
#include "scenario/binaryarguments.h"
#include "scenario/payloadmatch.h"
#include "scenario/rulesfromsession.h"
#include "session/logexport.h"
#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

namespace {
constexpr int RunTimeoutMs = 30000;

// The server a session is recorded against.
enum class Original { SocketIo4, SocketIo2, ServeExample };

QString examplePath()
{
    return ReferenceServer::peersDir() + QStringLiteral("/../../resources/mock-rules/example.json");
}

// The Socket.IO exchange of a client's log, per namespace: one line per packet, e.g.
// `out EVENT 0 ["echo-ack",1]`, binaries as {"$binary": base64}, volatile values by their kind;
// a CONNECT answer without its sid.
bool exchangeOf(const QString &path, QMap<QString, QStringList> *exchange, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1").arg(path);
        return false;
    }
    SessionLog log;
    if (!LogImporter::read(&file, &log, error))
        return false;
    for (qint64 row = 0; row < log.size(); ++row) {
        if (log.layer(row) != PacketRecord::Layer::SocketIo)
            continue;
        const PacketRecord record = log.record(row);
        QString line = record.directionName() + QLatin1Char(' ') + record.typeName();
        if (record.id >= 0)
            line += QLatin1Char(' ') + QString::number(record.id);
        if (!(record.type == SocketIoPacket::Connect &&
              record.direction == PacketRecord::Direction::In)) {
            SocketIoPacket packet;
            packet.payload = record.payload;
            line += QLatin1Char(' ') +
                    PayloadMatch::compactJson(RulesFromSession::maskVolatile(
                        BinaryArguments::fromPlaceholders(packet.data(), record.attachments)));
        }
        (*exchange)[record.nsp].append(line);
    }
    return true;
}
} // namespace
Q_DECLARE_METATYPE(Original)

class tst_RulesFromSessionPeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void recordedServerIsStoodInFor_data();
    void recordedServerIsStoodInFor();
    void usageAndRefusals_data();
    void usageAndRefusals();

private:
    QTemporaryDir m_dir;
};

void tst_RulesFromSessionPeer::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void tst_RulesFromSessionPeer::recordedServerIsStoodInFor_data()
{
    QTest::addColumn<Original>("original");
    QTest::addColumn<QByteArray>("script"); // empty: none, the client only listens
    QTest::addColumn<QStringList>("namespaces");
    // Text the rules must hold (compact JSON, keys sorted), and lines the recorded exchange must
    // hold ("<nsp> <line>"), for the comparison to mean something.
    QTest::addColumn<QStringList>("rulesHold");
    QTest::addColumn<QStringList>("exchangeHolds");
    QTest::addColumn<QStringList>("recordOptions");
    // What rules cannot say: "<nsp> <recorded line> => <the line served instead>" (nothing after
    // "=>": none); each must be in the recording.
    QTest::addColumn<QStringList>("changes");
    // What `diff` of the original and its replay by `record --send <original>` against the rules
    // reports; empty: no difference.
    QTest::addColumn<QByteArray>("diffSays");

    // The lines are far enough apart that each answer comes before the next line is sent.
    const QByteArray script(
        "{\"type\":\"EVENT\",\"data\":[\"echo-ack\",1,{\"a\":[true,null]}],\"ack\":true,"
        "\"delay_ms\":200}\n"
        "{\"type\":\"EVENT\",\"data\":[\"echo\",\"x\",{\"_placeholder\":true,\"num\":0}],"
        "\"attachments\":[\"AQID\"],\"delay_ms\":200}\n"
        "{\"type\":\"EVENT\",\"data\":[\"emit-binary\"],\"delay_ms\":200}\n"
        "{\"type\":\"EVENT\",\"data\":[\"describe\",7],\"ack\":true,\"delay_ms\":200}\n"
        "{\"type\":\"EVENT\",\"nsp\":\"/chat\",\"data\":[\"echo\",\"on chat\"],"
        "\"delay_ms\":300}\n"
        "{\"type\":\"EVENT\",\"nsp\":\"/chat\",\"data\":[\"join-room\",\"r1\"],\"ack\":true,"
        "\"delay_ms\":200}\n"
        "{\"type\":\"EVENT\",\"data\":[\"server-disconnect\"],\"delay_ms\":800}\n");
    const QStringList namespaces{QStringLiteral("/"), QStringLiteral("/chat"),
                                 QStringLiteral("/admin")};
    // What both servers' sessions must show, besides their refusal of /admin.
    const QStringList rulesHold{QStringLiteral("{\"$binary\":\"mock.bin/1.bin\"}"),
                                QStringLiteral("\"echo-ack\":{\"ack\":{\"args\":\"$args\"}"),
                                QStringLiteral("\"disconnect\":true")};
    const QStringList exchangeHolds{
        QStringLiteral("/ in ACK 0 [1,{\"a\":[true,null]}]"),
        QStringLiteral("/ in BINARY_EVENT [\"binary\",{\"$binary\":\"AQID\"}"),
        QStringLiteral("/ in DISCONNECT"), QStringLiteral("/chat in ACK 1 [\"r1\"]")};
    QTest::newRow("socket.io 4.8: acks, echoes, binaries, a refused namespace, a DISCONNECT")
        << Original::SocketIo4 << script << namespaces
        << rulesHold +
               QStringList{QStringLiteral("\"/admin\":{\"refuse\":{\"data\":{\"reason\":"
                                          "\"bad token\"},\"message\":\"Not authorized\"}}")}
        << exchangeHolds + QStringList{QStringLiteral("/admin in CONNECT_ERROR {\"data\"")}
        << QStringList() << QStringList() << QByteArray();
    // Socket.IO protocol v4: the refusal is an ERROR with a string, the socket ids "/chat#<sid>".
    QTest::newRow("socket.io 2.5: the same over protocol v4")
        << Original::SocketIo2 << script << namespaces
        << rulesHold + QStringList{QStringLiteral(
                           "\"/admin\":{\"refuse\":{\"message\":\"Not authorized\"}}")}
        << exchangeHolds + QStringList{QStringLiteral("/admin in CONNECT_ERROR \"Not authorized\"")}
        << QStringList() << QStringList() << QByteArray();
    // resources/mock-rules/example.json ticks 3 times, every 250 ms, from its start (measured in
    // the log, the interval is 250 give or take a few milliseconds: 2xx).
    QTest::newRow("serve --rules example.json: a periodic emit")
        << Original::ServeExample << QByteArray() << QStringList{QStringLiteral("/")}
        << QStringList{QStringLiteral("\"count\":3,\"emit\":{\"args\":[{\"periodic\":true}],"
                                      "\"event\":\"tick\",\"to\":\"all\"},\"intervalMs\":2")}
        << QStringList{QStringLiteral("/ in EVENT [\"tick\",{\"periodic\":true}]")} << QStringList()
        << QStringList() << QByteArray();
    // The server's ack request: the mock emits "ask" without an id, so the client does not
    // answer; the server's "answered" is sent as recorded.
    QTest::newRow("socket.io 4.8: an ack request is emitted without asking")
        << Original::SocketIo4
        << QByteArray("{\"type\":\"EVENT\",\"data\":[\"request-ack\",\"question\"],"
                      "\"delay_ms\":200}\n")
        << QStringList{QStringLiteral("/")}
        << QStringList{QStringLiteral("\"comment\":\"the server asked for an ack (id 0), which "
                                      "rules cannot: the mock emits it without asking\"")}
        << QStringList{QStringLiteral("/ in EVENT [\"answered\",[\"answer\"]]")}
        << QStringList{QStringLiteral("--auto-ack"), QStringLiteral("[\"answer\"]")}
        << QStringList{QStringLiteral("/ in EVENT 0 [\"ask\",\"question\"] => / in EVENT "
                                      "[\"ask\",\"question\"]"),
                       QStringLiteral("/ out ACK 0 [\"answer\"] =>")}
        << QByteArray("\"ask\"");
}

// Record against the original server, write rules, serve them, play the same script: the same
// exchange.
void tst_RulesFromSessionPeer::recordedServerIsStoodInFor()
{
    QFETCH(Original, original);
    QFETCH(QByteArray, script);
    QFETCH(QStringList, namespaces);
    QFETCH(QStringList, rulesHold);
    QFETCH(QStringList, exchangeHolds);
    QFETCH(QStringList, recordOptions);
    QFETCH(QStringList, changes);
    QFETCH(QByteArray, diffSays);
    // Each row in a folder of its own.
    const QDir dir(m_dir.filePath(QString::number(qHash(QByteArray(QTest::currentDataTag())))));
    QVERIFY(dir.mkpath(QStringLiteral(".")));
    const QString scriptPath = dir.filePath(QStringLiteral("script.jsonl"));
    if (!script.isEmpty()) {
        QFile file(scriptPath);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(file.write(script), script.size());
    }
    const auto record = [&](const QString &url, const QString &log) {
        QStringList arguments{QStringLiteral("record"), url};
        for (const QString &nsp : namespaces)
            arguments += {QStringLiteral("-n"), nsp};
        if (!script.isEmpty())
            arguments += {QStringLiteral("--send"), scriptPath};
        if (original == Original::SocketIo2)
            arguments += {QStringLiteral("--eio"), QStringLiteral("3")};
        arguments += recordOptions;
        return arguments + QStringList{QStringLiteral("--duration"), QStringLiteral("2"),
                                       QStringLiteral("-o"), log};
    };
    QString error;
    ReferenceServer socketIo;
    CliServe example;
    QUrl originalUrl;
    if (original != Original::ServeExample) {
        ReferenceServer::Options options;
        if (original == Original::SocketIo2)
            options.flavor = ReferenceServer::Flavor::SocketIo2;
        QVERIFY2(socketIo.start(options, &error), qPrintable(error));
        originalUrl = socketIo.url();
    } else {
        QVERIFY2(example.start({QStringLiteral("--rules"), examplePath()}, &error),
                 qPrintable(error));
        originalUrl = example.url();
    }
    const QString recordedLog = dir.filePath(QStringLiteral("original.jsonl"));
    const QStringList recordOriginal = record(originalUrl.toString(), recordedLog);
    const CliRun recorded(recordOriginal, environmentWithoutProxies(), RunTimeoutMs);
    // 1: a namespace was refused.
    QVERIFY2(recorded.exitCode == 0 || recorded.exitCode == 1, recorded.describe(recordOriginal));

    const QString rules = dir.filePath(QStringLiteral("mock.json"));
    const QStringList from{QStringLiteral("rules"), QStringLiteral("from"), recordedLog,
                           QStringLiteral("-o"), rules};
    const CliRun written(from, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(written.exitCode == 0, written.describe(from));
    QFile rulesFile(rules);
    QVERIFY(rulesFile.open(QIODevice::ReadOnly));
    const QByteArray json = rulesFile.readAll();
    const QString compact = PayloadMatch::compactJson(QJsonDocument::fromJson(json).object());
    for (const QString &text : rulesHold)
        QVERIFY2(compact.contains(text), qPrintable(text + QStringLiteral("\n") + compact));

    CliServe serve;
    QVERIFY2(serve.start({QStringLiteral("--rules"), rules}, &error), qPrintable(error));
    const QString replay = dir.filePath(QStringLiteral("replay.jsonl"));
    const QStringList recordReplay = record(serve.url().toString(), replay);
    const CliRun replayed(recordReplay, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(replayed.exitCode == recorded.exitCode,
             replayed.describe(recordReplay) + "\n" + recorded.describe(recordOriginal));
    QVERIFY2(serve.stop(&error), qPrintable(error));
    // The issue's own check: the original session itself replayed (`record --send <original>`:
    // its namespaces, timing and ack replies) against the rules served afresh (a periodic emit's
    // count is the server's, used up by the run above), compared by `diff`.
    CliServe fresh;
    QVERIFY2(fresh.start({QStringLiteral("--rules"), rules}, &error), qPrintable(error));
    const QString sessionReplay = dir.filePath(QStringLiteral("session-replay.jsonl"));
    QStringList replaySession{QStringLiteral("record"), fresh.url().toString(),
                              QStringLiteral("--send"), recordedLog,
                              QStringLiteral("-o"),     sessionReplay};
    if (original == Original::SocketIo2)
        replaySession += {QStringLiteral("--eio"), QStringLiteral("3")};
    const CliRun sessionReplayed(replaySession, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(sessionReplayed.exitCode == recorded.exitCode,
             sessionReplayed.describe(replaySession));
    const QStringList diff{QStringLiteral("diff"), recordedLog, sessionReplay};
    const CliRun compared(diff, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(compared.exitCode == (diffSays.isEmpty() ? 0 : 1),
             compared.describe(diff) + "\n" + compared.out + "\n" + json);
    QVERIFY2(compared.out.contains(diffSays), compared.describe(diff) + "\n" + compared.out);
    QVERIFY2(fresh.stop(&error), qPrintable(error));

    QMap<QString, QStringList> expected, actual;
    QVERIFY2(exchangeOf(recordedLog, &expected, &error), qPrintable(error));
    QVERIFY2(exchangeOf(replay, &actual, &error), qPrintable(error));
    QStringList all;
    for (auto it = expected.constBegin(); it != expected.constEnd(); ++it)
        for (const QString &line : it.value())
            all.append(it.key() + QLatin1Char(' ') + line);
    for (const QString &line : exchangeHolds)
        QVERIFY2(std::any_of(all.cbegin(), all.cend(),
                             [&line](const QString &item) { return item.startsWith(line); }),
                 qPrintable(line + QStringLiteral("\n") + all.join(QLatin1Char('\n'))));
    for (const QString &change : changes) {
        const QString from = change.section(QStringLiteral("=>"), 0, 0).trimmed();
        const QString to = change.section(QStringLiteral("=>"), 1).trimmed();
        const QString nsp = from.section(QLatin1Char(' '), 0, 0);
        QStringList &lines = expected[nsp];
        const qsizetype at = lines.indexOf(from.section(QLatin1Char(' '), 1));
        QVERIFY2(at >= 0, qPrintable(from + QStringLiteral("\n") + all.join(QLatin1Char('\n'))));
        if (to.isEmpty())
            lines.removeAt(at);
        else
            lines[at] = to.section(QLatin1Char(' '), 1);
    }
    QCOMPARE(actual.keys(), expected.keys());
    for (auto it = expected.constBegin(); it != expected.constEnd(); ++it)
        QVERIFY2(actual.value(it.key()) == it.value(),
                 qPrintable(QStringLiteral("namespace %1:\nrecorded:\n  %2\nserved by the rules:\n"
                                           "  %3\nrules:\n%4")
                                .arg(it.key(), it.value().join(QStringLiteral("\n  ")),
                                     actual.value(it.key()).join(QStringLiteral("\n  ")),
                                     QString::fromUtf8(json))));
}

void tst_RulesFromSessionPeer::usageAndRefusals_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("logText"); // written to log.jsonl when not empty
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("outputContains"); // stdout or stderr
    QTest::newRow("no subcommand") << QStringList{QStringLiteral("rules")} << QByteArray() << 2
                                   << QByteArray("expected: rules from <session.jsonl|.har>");
    QTest::newRow("unknown option") << QStringList{QStringLiteral("rules"), QStringLiteral("from"),
                                                   QStringLiteral("x"), QStringLiteral("--bogus")}
                                    << QByteArray() << 2 << QByteArray("Unknown option 'bogus'");
    QTest::newRow("a log that does not exist")
        << QStringList{QStringLiteral("rules"), QStringLiteral("from"),
                       QStringLiteral("/nonexistent/log.jsonl")}
        << QByteArray() << 2 << QByteArray("cannot read /nonexistent/log.jsonl");
    QTest::newRow("a log with a bad line, named with its line")
        << QStringList{QStringLiteral("rules"), QStringLiteral("from"), QStringLiteral("{log}")}
        << QByteArray("not json\n") << 2 << QByteArray("log.jsonl: line 1");
    QTest::newRow("a log without Socket.IO packets")
        << QStringList{QStringLiteral("rules"), QStringLiteral("from"), QStringLiteral("{log}")}
        << QByteArray("{\"ts\":\"2026-12-07T00:00:00.000000Z\",\"dir\":\"in\",\"layer\":\"conn\","
                      "\"type\":\"error\",\"data\":{\"attempt\":2},\"error\":\"refused\"}\n")
        << 1 << QByteArray("the log holds no Socket.IO packet to make rules of");
    QTest::newRow("rules on stdout")
        << QStringList{QStringLiteral("rules"), QStringLiteral("from"), QStringLiteral("{log}")}
        << QByteArray("{\"ts\":\"2026-12-07T00:00:00.000000Z\",\"dir\":\"in\",\"layer\":\"sio\","
                      "\"type\":\"CONNECT\",\"nsp\":\"/chat\",\"data\":{\"sid\":\"x\"}}\n")
        << 0 << QByteArray("\"namespaces\": {\"/chat\":{}}");
    QTest::newRow("binaries on stdout are refused")
        << QStringList{QStringLiteral("rules"), QStringLiteral("from"), QStringLiteral("{log}")}
        << QByteArray("{\"ts\":\"2026-12-07T00:00:00.000000Z\",\"dir\":\"in\",\"layer\":\"sio\","
                      "\"type\":\"BINARY_EVENT\",\"nsp\":\"/\",\"data\":[\"up\",{\"_placeholder\":"
                      "true,\"num\":0}],\"attachments\":[\"AAEC\"]}\n")
        << 1
        << QByteArray("log.jsonl: the server sent binary arguments, which the rules refer to as "
                      "files next to the rules file: write the rules to a file (-o)");
    QTest::newRow("help")
        << QStringList{QStringLiteral("rules"), QStringLiteral("--help")} << QByteArray() << 0
        << QByteArray("usage: sioscope-cli rules from <session.jsonl|.har> [-o <rules.json>]");
}

void tst_RulesFromSessionPeer::usageAndRefusals()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, logText);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, outputContains);
    const QString log = m_dir.filePath(QStringLiteral("log.jsonl"));
    if (!logText.isEmpty()) {
        QFile file(log);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(logText);
    }
    arguments.replaceInStrings(QStringLiteral("{log}"), log);
    const CliRun run(arguments, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(run.exitCode == exitCode, run.describe(arguments));
    QVERIFY2(run.err.contains(outputContains) || run.out.contains(outputContains),
             run.describe(arguments) + "\nstdout:\n" + run.out);
}

QTEST_GUILESS_MAIN(tst_RulesFromSessionPeer)
#include "tst_rulesfromsession_peer.moc"
