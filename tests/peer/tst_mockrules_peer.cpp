// The mock rules engine (core/server/mockrules) against the REAL socket.io-client 4.8 and 2.5
// from npm: resources/mock-rules/example.json served in-process and by `sioscope-cli serve
// --rules`, played rule by rule by tests/peers/client-driver.js (scenario "mock-rules"), also
// with socket.io-msgpack-parser against a server set to the msgpack parser: auth refused and
// accepted, a reply, acks, a binary from a file, delays, periodic emits with a count,
// DISCONNECT, a dropped connection and an invalid packet, and the server's log of all of it.
#include "clientdriver.h"
#include "cliserve.h"
#include "referenceserver.h"
#include "server/mockrules.h"
#include "server/socketioserver.h"
#include "session/jsonlines.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {
constexpr int DriverTimeoutMs = 60000;

QString examplePath()
{
    return ReferenceServer::peersDir() + QStringLiteral("/../../resources/mock-rules/example.json");
}

QByteArray exampleBinary()
{
    QFile file(ReferenceServer::peersDir() +
               QStringLiteral("/../../resources/mock-rules/snapshot.bin"));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QJsonValue json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray("[") + text + ']').array().first();
}

QString compact(const QJsonValue &value)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact));
}

using DriverRun = ClientDriverRun;

// `parser`: "default" or "msgpack" (socket.io-msgpack-parser; flavor 4 only).
DriverRun runDriver(quint16 port, const QString &flavor, const QStringList &transports,
                    const QString &parser)
{
    return runClientDriver(
        {{QStringLiteral("url"), QStringLiteral("http://127.0.0.1:%1").arg(port)},
         {QStringLiteral("flavor"), flavor},
         {QStringLiteral("scenario"), QStringLiteral("mock-rules")},
         {QStringLiteral("timeoutMs"), 3000},
         {QStringLiteral("transports"), QJsonArray::fromStringList(transports)},
         {QStringLiteral("parser"), parser}},
        DriverTimeoutMs);
}

void checkSteps(const DriverRun &run, bool v5, const QStringList &dropReasons)
{
    const auto step = [&run](const char *name) {
        const QJsonObject result = run.steps.value(QString::fromLatin1(name));
        if (!result.value(QStringLiteral("ok")).toBool())
            qWarning("step %s: %s", name, qPrintable(compact(result)));
        return result.value(QStringLiteral("value"));
    };
    QVERIFY2(run.done, qPrintable(run.output));
    QCOMPARE(step("connect"), json("{\"connected\":true}"));
    QCOMPARE(step("welcome"), json("{\"server\":\"SioScope mock\"}"));
    QCOMPARE(step("reply"), json("[\"world\",{\"n\":1}]"));
    QCOMPARE(step("ack-echo"), json("[\"a\",[2]]"));
    QCOMPARE(step("ack-payload"), json("[{\"symbol\":\"SIO\",\"price\":42.5}]"));
    const QByteArray binary = exampleBinary();
    QCOMPARE(binary.size(), 16);
    QCOMPARE(step("binary"),
             QJsonValue(QJsonObject{
                 {QStringLiteral("name"), QStringLiteral("snapshot.bin")},
                 {QStringLiteral("bytes"),
                  QJsonObject{{QStringLiteral("$bin"), QString::fromLatin1(binary.toHex())}}}}));

    // Delays add up along the list: 1 at once, 2 after 200 ms, 3 after 200 ms more.
    const QJsonArray delays = step("delays").toArray();
    QCOMPARE(delays.size(), 3);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(delays.at(i)[QStringLiteral("n")].toInt(), i + 1);
    const int first = delays.at(0)[QStringLiteral("ms")].toInt();
    const int second = delays.at(1)[QStringLiteral("ms")].toInt();
    const int third = delays.at(2)[QStringLiteral("ms")].toInt();
    QVERIFY2(second - first >= 150 && third - second >= 150 && third < 3000,
             qPrintable(compact(delays)));

    QCOMPARE(step("room"), json("[\"hi room\"]"));
    // "count": 3, counted in emits that reached a socket; there was time for more.
    QCOMPARE(step("ticks"), json("[[{\"periodic\":true}],[{\"periodic\":true}],"
                                 "[{\"periodic\":true}]]"));
    QCOMPARE(step("refused"), v5 ? json("{\"message\":\"Not authorized\",\"data\":{\"hint\":"
                                        "\"send {\\\"token\\\":\\\"secret\\\"}\"}}")
                                 : json("{\"error\":{\"hint\":\"send "
                                        "{\\\"token\\\":\\\"secret\\\"}\"}}"));
    QCOMPARE(step("admin"), json("[]"));
    QCOMPARE(step("invalid-namespace"), v5 ? json("{\"message\":\"Invalid namespace\"}")
                                           : json("{\"error\":\"Invalid namespace\"}"));
    QCOMPARE(step("disconnect"), json("{\"disconnect\":\"io server disconnect\"}"));
    // Cut without a word: a polling client sees its request fail ("transport error"; a CLOSE
    // would be "transport close"), a WebSocket one its socket close. Polling then WebSocket is
    // cut once the upgrade is over (the driver waits for it: see upgradeOver()).
    const QString dropReason = step("drop")[QStringLiteral("disconnect")].toString();
    QVERIFY2(dropReasons.contains(dropReason), qPrintable(dropReason));
    if (v5)
        QCOMPARE(step("invalid-packet"), json("{\"disconnect\":\"parse error\"}"));
    else // socket.io-client 2.5's parser throws out of the client's message handler
        QCOMPARE(step("invalid-packet"), json("{\"uncaught\":\"invalid payload\"}"));
}

QStringList summary(const QList<PacketRecord> &records)
{
    QStringList lines;
    for (const PacketRecord &record : records)
        lines.append(QStringLiteral("%1 %2 %3 %4 %5 %6")
                         .arg(record.layerName(), record.directionName(), record.typeName(),
                              record.nsp, QString::fromUtf8(record.raw + record.payload),
                              record.error));
    return lines;
}

void checkLog(const QList<PacketRecord> &records)
{
    const QString context = summary(records).join(QLatin1Char('\n'));
    const auto has = [&records](auto predicate) {
        return std::any_of(records.begin(), records.end(), predicate);
    };
    const auto sent = [](const PacketRecord &r, const char *type) {
        return r.layer == PacketRecord::Layer::SocketIo &&
               r.direction == PacketRecord::Direction::Out && r.typeName() == QLatin1String(type);
    };
    QVERIFY2(has([&](const PacketRecord &r) {
                 return sent(r, "CONNECT_ERROR") && r.nsp == QLatin1String("/admin");
             }) ||
                 has([&](const PacketRecord &r) { return sent(r, "ERROR"); }),
             qPrintable(context));
    QVERIFY2(has([&](const PacketRecord &r) {
                 return sent(r, "BINARY_EVENT") && r.attachments == QList{exampleBinary()};
             }),
             qPrintable(context));
    QVERIFY2(has([&](const PacketRecord &r) {
                 return sent(r, "ACK") && r.payload == "[{\"price\":42.5,\"symbol\":\"SIO\"}]";
             }),
             qPrintable(context));
    QVERIFY2(has([&](const PacketRecord &r) { return sent(r, "DISCONNECT"); }),
             qPrintable(context));
    QVERIFY2(has([&](const PacketRecord &r) {
                 return r.direction == PacketRecord::Direction::Out &&
                        r.raw == "42[\"mock\",{\"unterminated\":" &&
                        r.error == QLatin1String("deliberately invalid (mock rules)");
             }),
             qPrintable(context));
    QVERIFY2(has([](const PacketRecord &r) {
                 return r.typeName() == QLatin1String("closed") &&
                        r.payload.contains("dropped by a mock rule");
             }),
             qPrintable(context));
    const auto ticks = std::count_if(records.begin(), records.end(), [&](const PacketRecord &r) {
        return sent(r, "EVENT") && r.payload.startsWith("[\"tick\"");
    });
    QCOMPARE(ticks, 3);
}

} // namespace

class tst_MockRulesPeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void referenceClients_data();
    void referenceClients();
    void serveCommand_data();
    void serveCommand();
    void serveCommandRefusesBadRules();
};

void tst_MockRulesPeer::referenceClients_data()
{
    QTest::addColumn<QString>("flavor");
    QTest::addColumn<QStringList>("transports");
    QTest::addColumn<QString>("parser"); // the server's and the client's

    QTest::newRow("socket.io-client 4.8, websocket")
        << "4" << QStringList{"websocket"} << "default";
    QTest::newRow("socket.io-client 4.8, polling") << "4" << QStringList{"polling"} << "default";
    QTest::newRow("socket.io-client 2.5, websocket")
        << "2" << QStringList{"websocket"} << "default";
    QTest::newRow("socket.io-client 4.8 with socket.io-msgpack-parser, websocket")
        << "4" << QStringList{"websocket"} << "msgpack";
    QTest::newRow("socket.io-client 4.8 with socket.io-msgpack-parser, polling")
        << "4" << QStringList{"polling"} << "msgpack";
    QTest::newRow("socket.io-client 4.8 with socket.io-msgpack-parser, polling upgraded")
        << "4" << QStringList{"polling", "websocket"} << "msgpack";
}

void tst_MockRulesPeer::referenceClients()
{
    QFETCH(QString, flavor);
    QFETCH(QStringList, transports);
    QFETCH(QString, parser);

    QString error;
    const std::optional<MockRules> rules = MockRules::load(examplePath(), &error);
    QVERIFY2(rules, qPrintable(error));
    SocketIoServer server;
    SocketIoServerOptions options;
    options.engine.allowEIO3 = true;
    QVERIFY(SocketIoParser::kindFromName(parser, &options.parser));
    server.setOptions(options);
    auto *engine = new MockRulesEngine(&server, *rules);
    QStringList fired, failed;
    connect(engine, &MockRulesEngine::ruleFired, this,
            [&fired](const QString &description) { fired.append(description); });
    connect(engine, &MockRulesEngine::errorOccurred, this,
            [&failed](const QString &message) { failed.append(message); });
    QList<PacketRecord> records;
    connect(&server, &SocketIoServer::packetRecorded, this,
            [&records](const PacketRecord &record) { records.append(record); });
    engine->start();
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0), qPrintable(server.errorString()));

    const DriverRun run = runDriver(server.serverPort(), flavor, transports, parser);
    checkSteps(
        run, flavor == QLatin1String("4"),
        transports == QStringList{QStringLiteral("polling")}
            ? QStringList{QStringLiteral("transport error")}
        : transports == QStringList{QStringLiteral("websocket")}
            ? QStringList{QStringLiteral("transport close")}
            : QStringList{QStringLiteral("transport close"), QStringLiteral("transport error")});
    if (QTest::currentTestFailed())
        qWarning().noquote() << run.output << "\nrecords:\n" << summary(records).join('\n');
    checkLog(records);
    QVERIFY2(fired.contains(QStringLiteral("/ on \"crash\": drop the connection")),
             qPrintable(fired.join('\n')));
    QVERIFY2(fired.contains(QStringLiteral("/ on \"slow\": after 200 ms, emit \"step\" to sender")),
             qPrintable(fired.join('\n')));
    QVERIFY2(failed.isEmpty(), qPrintable(failed.join('\n')));
}

// The same rules through `sioscope-cli serve --rules [--parser msgpack]`: the JSON Lines log
// holds what the rules did, and stderr names the rules that fired.
void tst_MockRulesPeer::serveCommand_data()
{
    QTest::addColumn<QString>("parser");
    QTest::newRow("socket.io-client 4.8, default parser") << "default";
    QTest::newRow("socket.io-client 4.8 with socket.io-msgpack-parser, --parser msgpack")
        << "msgpack";
}

void tst_MockRulesPeer::serveCommand()
{
    QFETCH(QString, parser);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString logPath = dir.filePath(QStringLiteral("serve.jsonl"));
    CliServe serve;
    QString error;
    QStringList arguments{QStringLiteral("--rules"), examplePath(), QStringLiteral("-o"), logPath};
    if (parser != QLatin1String("default"))
        arguments << QStringLiteral("--parser") << parser;
    QVERIFY2(serve.start(arguments, &error), qPrintable(error));
    QVERIFY2(QRegularExpression(QStringLiteral("\\(mock rules from .*example.json\\)"))
                 .match(QString::fromUtf8(serve.readStderr()))
                 .hasMatch(),
             serve.readStderr().constData());

    const DriverRun run =
        runDriver(serve.port(), QStringLiteral("4"),
                  {QStringLiteral("polling"), QStringLiteral("websocket")}, parser);
    checkSteps(run, true, {QStringLiteral("transport close"), QStringLiteral("transport error")});

    QVERIFY2(serve.stop(&error), qPrintable(error));
    const QByteArray stderrText = serve.readStderr();
    QVERIFY2(stderrText.contains("sioscope-cli serve: rule: / on \"garbage\": send an invalid "
                                 "packet (broken-json)"),
             stderrText.constData());
    QFile log(logPath);
    QVERIFY(log.open(QIODevice::ReadOnly));
    JsonLinesReader reader(&log);
    QList<PacketRecord> records;
    PacketRecord record;
    while (reader.next(&record))
        records.append(record);
    QVERIFY2(!reader.hasError(), qPrintable(reader.errorString()));
    checkLog(records);
}

void tst_MockRulesPeer::serveCommandRefusesBadRules()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("rules.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"version\": 1,\n \"namespaces\": {\"/\": {\"on\": {\"a\": {\"emit\": "
               "{\"event\": \"b\", \"args\": 3}}}}}}");
    file.close();
    QProcess serve;
    serve.start(QStringLiteral(SIOSCOPE_CLI_PATH),
                {QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0"),
                 QStringLiteral("--rules"), path});
    QVERIFY(serve.waitForFinished(10000));
    QCOMPARE(serve.exitCode(), 2);
    QCOMPARE(serve.readAllStandardError(),
             "sioscope-cli serve: " + path.toUtf8() +
                 ": namespaces./.on.a.emit.args: expected an array or \"$args\", got a number\n");

    serve.start(
        QStringLiteral(SIOSCOPE_CLI_PATH),
        {QStringLiteral("serve"), QStringLiteral("--rules"), path, QStringLiteral("--demo")});
    QVERIFY(serve.waitForFinished(10000));
    QCOMPARE(serve.exitCode(), 2);
    QVERIFY(serve.readAllStandardError().startsWith(
        "sioscope-cli serve: --rules and --demo exclude each other"));
}

QTEST_GUILESS_MAIN(tst_MockRulesPeer)
#include "tst_mockrules_peer.moc"
