// `sioscope-cli rules from` against the real socket.io 4.8 server (tests/peers/server.js): a
// session recorded with `record --send` becomes rules; `sioscope-cli serve --rules` with them,
// driven by the same script, gives the same Socket.IO exchange (per namespace, the packets both
// ways with their event names, arguments, binaries and ack ids, in order; the sids of the
// CONNECT answers left out). The CLI's usage errors and refusals, with their exit statuses.
#include "clirun.h"
#include "cliserve.h"
#include "referenceserver.h"
#include "scenario/binaryarguments.h"
#include "scenario/payloadmatch.h"
#include "scenario/rulesfromsession.h"
#include "session/logexport.h"
#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QTemporaryDir>
#include <QTest>

namespace {
constexpr int RunTimeoutMs = 30000;

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

class tst_RulesFromSessionPeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void recordedServerIsStoodInFor();
    void usageAndRefusals_data();
    void usageAndRefusals();

private:
    QTemporaryDir m_dir;
    ReferenceServer m_server;
};

void tst_RulesFromSessionPeer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error;
    QVERIFY2(m_server.start({}, &error), qPrintable(error));
}

// Record against socket.io 4.8, write rules, serve them, play the same script: the same exchange.
void tst_RulesFromSessionPeer::recordedServerIsStoodInFor()
{
    // The lines are far enough apart that each answer comes before the next line is sent.
    const QString script = m_dir.filePath(QStringLiteral("script.jsonl"));
    QFile file(script);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(
        "{\"type\":\"EVENT\",\"data\":[\"echo-ack\",1,{\"a\":[true,null]}],\"ack\":true,"
        "\"delay_ms\":200}\n"
        "{\"type\":\"EVENT\",\"data\":[\"echo\",\"x\",{\"_placeholder\":true,\"num\":0}],"
        "\"attachments\":[\"AQID\"],\"delay_ms\":200}\n"
        "{\"type\":\"EVENT\",\"data\":[\"emit-binary\"],\"delay_ms\":200}\n"
        "{\"type\":\"EVENT\",\"data\":[\"describe\",7],\"ack\":true,\"delay_ms\":200}\n"
        "{\"type\":\"EVENT\",\"nsp\":\"/chat\",\"data\":[\"echo\",\"on chat\"],\"delay_ms\":300}\n"
        "{\"type\":\"EVENT\",\"nsp\":\"/chat\",\"data\":[\"join-room\",\"r1\"],\"ack\":true,"
        "\"delay_ms\":200}\n"
        "{\"type\":\"EVENT\",\"data\":[\"server-disconnect\"],\"delay_ms\":800}\n");
    file.close();
    const auto record = [&script](const QString &url, const QString &log) {
        return QStringList{QStringLiteral("record"),     url,
                           QStringLiteral("-n"),         QStringLiteral("/"),
                           QStringLiteral("-n"),         QStringLiteral("/chat"),
                           QStringLiteral("-n"),         QStringLiteral("/admin"),
                           QStringLiteral("--send"),     script,
                           QStringLiteral("--duration"), QStringLiteral("2"),
                           QStringLiteral("-o"),         log};
    };
    const QString original = m_dir.filePath(QStringLiteral("original.jsonl"));
    const QStringList recordOriginal = record(m_server.url().toString(), original);
    const CliRun recorded(recordOriginal, environmentWithoutProxies(), RunTimeoutMs);
    // 1: /admin was refused.
    QVERIFY2(recorded.exitCode == 0 || recorded.exitCode == 1, recorded.describe(recordOriginal));

    const QString rules = m_dir.filePath(QStringLiteral("mock.json"));
    const QStringList from{QStringLiteral("rules"), QStringLiteral("from"), original,
                           QStringLiteral("-o"), rules};
    const CliRun written(from, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(written.exitCode == 0, written.describe(from));
    QFile rulesFile(rules);
    QVERIFY(rulesFile.open(QIODevice::ReadOnly));
    const QByteArray json = rulesFile.readAll();
    const QJsonObject admin = QJsonDocument::fromJson(json)
                                  .object()
                                  .value(QLatin1String("namespaces"))
                                  .toObject()
                                  .value(QLatin1String("/admin"))
                                  .toObject();
    QVERIFY2(admin == QJsonDocument::fromJson("{\"refuse\":{\"message\":\"Not authorized\","
                                              "\"data\":{\"reason\":\"bad token\"}}}")
                          .object(),
             json.constData());
    QVERIFY2(json.contains("{\"$binary\":\"mock.bin/1.bin\"}"), json.constData());
    QVERIFY2(json.contains("\"args\":\"$args\""), json.constData());
    QVERIFY2(json.contains("\"disconnect\":true"), json.constData());
    QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("mock.bin/1.bin"))));

    CliServe serve;
    QString error;
    QVERIFY2(serve.start({QStringLiteral("--rules"), rules}, &error), qPrintable(error));
    const QString replay = m_dir.filePath(QStringLiteral("replay.jsonl"));
    const QStringList recordReplay = record(serve.url().toString(), replay);
    const CliRun replayed(recordReplay, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(replayed.exitCode == recorded.exitCode,
             replayed.describe(recordReplay) + "\n" + recorded.describe(recordOriginal));
    QVERIFY2(serve.stop(&error), qPrintable(error));

    QMap<QString, QStringList> expected, actual;
    QVERIFY2(exchangeOf(original, &expected, &error), qPrintable(error));
    QVERIFY2(exchangeOf(replay, &actual, &error), qPrintable(error));
    // What the recording must hold for the comparison to mean something.
    const QString all = expected.value(QStringLiteral("/")).join(QLatin1Char('\n'));
    QVERIFY2(all.contains(QStringLiteral("in ACK 0 [1,{\"a\":[true,null]}]")), qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("in BINARY_EVENT [\"binary\",{\"$binary\":\"AQID\"}")),
             qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("in DISCONNECT")), qPrintable(all));
    QVERIFY2(expected.value(QStringLiteral("/admin"))
                 .join(QLatin1Char('\n'))
                 .contains(QStringLiteral("in CONNECT_ERROR")),
             qPrintable(expected.value(QStringLiteral("/admin")).join(QLatin1Char('\n'))));
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
    QTest::addColumn<QByteArray>("stderrContains");
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
}

void tst_RulesFromSessionPeer::usageAndRefusals()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, logText);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, stderrContains);
    const QString log = m_dir.filePath(QStringLiteral("log.jsonl"));
    if (!logText.isEmpty()) {
        QFile file(log);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(logText);
    }
    arguments.replaceInStrings(QStringLiteral("{log}"), log);
    const CliRun run(arguments, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(run.exitCode == exitCode, run.describe(arguments));
    QVERIFY2(run.err.contains(stderrContains), run.describe(arguments));
}

QTEST_GUILESS_MAIN(tst_RulesFromSessionPeer)
#include "tst_rulesfromsession_peer.moc"
