// `sioscope-cli test` (the real binary) against the real reference servers from npm (socket.io
// 4.8 and 2.5, tests/peers/server.js) and the embedded server (`sioscope-cli serve`): each kind
// of step passes when it should and fails when it should, with the message and the difference
// the user reads; the three-client room; the reports (JUnit checked with xmllint against
// tests/data/junit.xsd, JSON) and the session logs read back with the log importer; bad scenario
// files named with file, line and column and exit status 2. The servers are started once and
// shared by the rows; a missing server fails, it never skips.
#include "clirun.h"
#include "cliserve.h"
#include "referenceserver.h"
#include "session/logexport.h"
#include "session/sessionlog.h"

#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

namespace {
constexpr int RunTimeoutMs = 30000;

enum class Server { SocketIo4, SocketIo2, Serve };
} // namespace
Q_DECLARE_METATYPE(Server)

class tst_ScenarioPeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void steps_data();
    void steps();
    void threeClientRoom_data();
    void threeClientRoom();
    void reportsAndLogs();
    void badScenarioFiles_data();
    void badScenarioFiles();
    void variablesFromEnvironmentFileAndCommandLine();
    void parallelRunsEveryFile();
    void unreachableServerFailsAtOnce();
    void usageErrors_data();
    void usageErrors();
    void interruptedRunReportsTheStep();
    void recordedSessionBecomesAPassingTest_data();
    void recordedSessionBecomesAPassingTest();

private:
    QString url(Server server) const;
    // Writes `text` to a scenario file in the temporary directory and runs it.
    CliRun runScenario(const QString &name, const QString &text, Server server,
                       const QStringList &extra = {});

    QTemporaryDir m_dir;
    ReferenceServer m_socketIo4;
    ReferenceServer m_socketIo2;
    CliServe m_serve;
};

void tst_ScenarioPeer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error;
    ReferenceServer::Options options;
    QVERIFY2(m_socketIo4.start(options, &error), qPrintable(error));
    options.flavor = ReferenceServer::Flavor::SocketIo2;
    QVERIFY2(m_socketIo2.start(options, &error), qPrintable(error));
    QVERIFY2(m_serve.start({}, &error), qPrintable(error));
}

QString tst_ScenarioPeer::url(Server server) const
{
    switch (server) {
    case Server::SocketIo4:
        return m_socketIo4.url().toString();
    case Server::SocketIo2:
        return m_socketIo2.url().toString();
    case Server::Serve:
        return m_serve.url().toString();
    }
    return {};
}

CliRun tst_ScenarioPeer::runScenario(const QString &name, const QString &text, Server server,
                                     const QStringList &extra)
{
    const QString path = m_dir.filePath(name + QStringLiteral(".yaml"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(text.toUtf8());
    file.close();
    // {{bytes}}: a file of three bytes, for the rows that send a binary from a file.
    const QString bytes = m_dir.filePath(QStringLiteral("bytes.bin"));
    if (!QFile::exists(bytes)) {
        QFile binary(bytes);
        if (!binary.open(QIODevice::WriteOnly) || binary.write("\x01\x02\x03", 3) != 3)
            qFatal("cannot write %s", qPrintable(bytes));
    }
    return CliRun(QStringList{QStringLiteral("test"), path, QStringLiteral("--var"),
                              QStringLiteral("url=") + url(server), QStringLiteral("--var"),
                              QStringLiteral("bytes=") + bytes} +
                      extra,
                  environmentWithoutProxies(), RunTimeoutMs);
}

// Every row is a whole scenario with one client `{{url}}` (eio 3 for socket.io 2.5), the exit
// status, and what the output must say.
void tst_ScenarioPeer::steps_data()
{
    QTest::addColumn<Server>("server");
    QTest::addColumn<QString>("steps");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("expected");

    const auto row = [](const char *name, Server server, const char *steps, int exitCode,
                        const QStringList &expected) {
        QTest::newRow(name) << server << QString::fromUtf8(steps) << exitCode << expected;
    };
    const Server v4 = Server::SocketIo4, v2 = Server::SocketIo2, serve = Server::Serve;
    const QString passed = QStringLiteral("1 of 1 scenarios passed");
    const QString failed = QStringLiteral("0 of 1 scenarios passed");

    // emit with an ack, matched.
    for (const auto &[name, server] : {std::pair{"emit ack exact passes (4.8)", v4},
                                       std::pair{"emit ack exact passes (2.5)", v2}})
        row(name, server,
            "  - emit: echo-ack\n    args: [1, {a: [true, null]}]\n    ack: [1, {a: [true, "
            "null]}]\n",
            0, {passed, QStringLiteral("\u2713 emit echo-ack (client) with ack")});
    row("emit ack exact passes (serve)", serve,
        "  - emit: message-with-ack\n    args: [1, x]\n    ack: [1, x]\n", 0, {passed});
    row("emit ack differs fails with the path", v4,
        "  - emit: echo-ack\n    args: [1, {a: [1, 2]}]\n    ack: [1, {a: [1, 3]}]\n", 1,
        {failed, QStringLiteral("\u2717 emit echo-ack (client) with ack"),
         QStringLiteral("the ack does not match (exact)"),
         QStringLiteral("first difference: ack[1].a[1]: expected 3, got 2"),
         QStringLiteral("-> EVENT / [\"echo-ack\",1,{\"a\":[1,2]}]")});
    row("emit ack never answered fails", v4,
        "  - emit: echo\n    args: [1]\n    ack: true\n    timeout: 300ms\n", 1,
        {QStringLiteral("no ack within 300 ms")});
    row("emit ack subset passes", v4,
        "  - emit: echo-ack\n    args: [{id: 7, name: x}, 2]\n    ack: {args: [{id: 7}], match: "
        "subset}\n",
        0, {passed});
    row("emit ack schema fails", v4,
        "  - emit: echo-ack\n    args: [12]\n    ack:\n      schema: {type: array, items: "
        "{type: integer, minimum: 18}}\n",
        1, {QStringLiteral("the ack does not match (schema)"), QStringLiteral("ack[0]")});

    // expect: exact, subset, regex, schema; a timeout; order.
    for (const auto &[name, server] :
         {std::pair{"expect exact passes (4.8)", v4}, std::pair{"expect exact passes (2.5)", v2}})
        row(name, server,
            "  - emit: echo\n    args: [1, a, {b: [1.0]}]\n  - expect: echo\n    args: [1, a, {b: "
            "[1]}]\n",
            0, {passed, QStringLiteral("\u2713 expect echo (client)")});
    row("expect exact passes (serve)", serve,
        "  - emit: message\n    args: [1, a]\n  - expect: message-back\n    args: [1, a]\n", 0,
        {passed});
    row("expect exact differs fails with the arrived payload", v4,
        "  - emit: echo\n    args: [{user: alice}]\n  - expect: echo\n    args: [{user: bob}]\n    "
        "timeout: 300ms\n",
        1,
        {QStringLiteral("echo arrived, but its arguments do not match"),
         QStringLiteral("actual:   [{\"user\":\"alice\"}]"),
         QStringLiteral("first difference: args[0].user: expected \"bob\", got \"alice\"")});
    row("expect subset passes", v4,
        "  - expect: welcome\n    args: [{nsp: /}]\n    match: subset\n", 0, {passed});
    row("expect subset with a missing member fails", v4,
        "  - expect: welcome\n    args: [{nsp: /, role: admin}]\n    match: subset\n    timeout: "
        "300ms\n",
        1, {QStringLiteral("args[0]"), QStringLiteral("role")});
    row("expect regex passes", v4,
        "  - expect: welcome\n    args: [{sid: \"^[A-Za-z0-9_-]{20}$\"}]\n    match: regex\n", 0,
        {passed});
    row("expect regex fails", v4,
        "  - expect: welcome\n    args: [{sid: \"^x+$\"}]\n    match: regex\n    timeout: 300ms\n",
        1, {QStringLiteral("args[0].sid")});
    row("expect schema passes (2.5)", v2,
        "  - expect: welcome\n    schema:\n      type: array\n      items:\n        type: object\n"
        "        required: [sid, nsp]\n        properties: {sid: {type: string}}\n",
        0, {passed});
    row("expect schema fails", v4,
        "  - expect: welcome\n    schema: {type: array, minItems: 2}\n    timeout: 300ms\n", 1,
        {QStringLiteral("welcome arrived, but its arguments do not match")});
    row("expect nothing arrives fails naming what did", v4,
        "  - expect: never-sent\n    timeout: 300ms\n", 1,
        {QStringLiteral("no never-sent on / within 300 ms"),
         QStringLiteral("actual:   other events: welcome")});
    row("expect in order: an event matched before is not matched again", v4,
        "  - emit: echo\n    args: [1]\n  - expect: echo\n    args: [1]\n  - expect: echo\n    "
        "args: [1]\n    timeout: 300ms\n",
        1, {QStringLiteral("no echo on / within 300 ms")});
    row("expect binary argument (4.8)", v4,
        "  - emit: echo\n    args: [{$binary: AQID}, {n: {$binary: aGVsbG8=}}]\n  - expect: "
        "echo\n    args: [{$binary: AQID}, {n: {$binary: aGVsbG8=}}]\n",
        0, {passed});
    row("expect binary argument (2.5)", v2,
        "  - emit: emit-binary\n  - expect: binary\n    args: [{$binary: AQID}, {nested: {buf: "
        "{$binary: aGVsbG8=}}, list: [{$binary: /w==}, 42]}]\n",
        0, {passed});

    row("emit a binary from a file (4.8)", v4,
        "  - emit: echo\n    args: [{$file: \"{{bytes}}\"}]\n  - expect: echo\n    args: "
        "[{$binary: "
        "AQID}]\n",
        0, {passed});
    row("emit a file that does not exist fails", v4,
        "  - emit: echo\n    args: [{$file: /nonexistent/sioscope.bin}]\n", 1,
        {QStringLiteral("cannot read the $file /nonexistent/sioscope.bin")});

    // not.
    row("not passes when nothing comes", v4, "  - not: echo\n    within: 200ms\n", 0, {passed});
    row("not fails when it comes", v4,
        "  - emit: echo\n    args: [1]\n  - not: echo\n    within: 500ms\n", 1,
        {QStringLiteral("echo arrived"), QStringLiteral("and it must not")});

    // The server asks for an ack: reply.
    for (const auto &[name, server] : {std::pair{"reply to the server's ack request (4.8)", v4},
                                       std::pair{"reply to the server's ack request (2.5)", v2}})
        row(name, server,
            "  - emit: request-ack\n    args: [question]\n  - expect: ask\n    args: [question]\n"
            "    reply: [answer, 42]\n  - expect: answered\n    args: [[answer, 42]]\n",
            0, {passed, QStringLiteral("\u2713 expect ask (client), reply")});
    row("reply when the server did not ask fails", v4, "  - expect: welcome\n    reply: [x]\n", 1,
        {QStringLiteral("welcome arrived, but the server did not ask for an ack")});
    row("reply with a value captured from the same event", v4,
        "  - emit: request-ack\n    args: [question]\n  - expect: ask\n"
        "    capture: {asked: \"args[0]\"}\n    reply: [\"re: {{asked}}\"]\n"
        "  - expect: answered\n    args: [[\"re: question\"]]\n",
        0, {passed});
    // socket.io runs an event's handler a tick after an ack's: the answered event may overtake
    // the echo of an event sent before the reply.
    row("any_order sends a reply as its event is met", v4,
        "  - emit: request-ack\n    args: [question]\n  - emit: echo\n    args: [x]\n"
        "  - any_order:\n      - expect: echo\n        args: [x]\n"
        "      - expect: ask\n        reply: [answer]\n"
        "      - expect: answered\n        args: [[answer]]\n",
        0, {passed, QStringLiteral("\u2713 any_order of 3 expectations")});
    row("any_order reply when the server did not ask fails", v4,
        "  - any_order:\n      - expect: welcome\n        reply: [x]\n", 1,
        {QStringLiteral("welcome arrived, but the server did not ask for an ack")});

    // capture and {{variables}}.
    row("capture then use", v4,
        "  - expect: welcome\n    capture: {sid: \"args[0].sid\", whole: \"args[0]\"}\n"
        "  - emit: echo\n    args: [\"{{sid}}\", \"{{whole}}\", \"id={{sid}}\"]\n"
        "  - expect: echo\n    args: [\"{{sid}}\", \"{{whole}}\", \"id={{sid}}\"]\n",
        0, {passed});
    row("capture of a missing path fails", v4,
        "  - expect: welcome\n    capture: {x: \"args[3].id\"}\n", 1,
        {QStringLiteral("cannot capture x: args[3].id is not in the payload")});

    // Namespaces: refusal, disconnect, close, join and leave.
    row("connect_error with its message (4.8)", v4,
        "  - join: /admin\n    auth: {token: wrong}\n  - expect_connect_error: Not authorized\n"
        "    nsp: /admin\n",
        0, {passed});
    row("connect_error with its message (2.5)", v2,
        "  - join: /admin\n  - expect_connect_error: Not authorized\n    nsp: /admin\n", 0,
        {passed});
    row("connect_error with another message fails", v4,
        "  - join: /admin\n  - expect_connect_error: Forbidden\n    nsp: /admin\n", 1,
        {QStringLiteral("the refusal's message differs"), QStringLiteral("expected: \"Forbidden\""),
         QStringLiteral("actual:   \"Not authorized\"")});
    row("connect_error when the server accepts fails", v4,
        "  - join: /admin\n    auth: {token: secret}\n  - expect_connect_error: true\n    nsp: "
        "/admin\n",
        1, {QStringLiteral("the server accepted namespace /admin")});
    row("connect_error for an unknown namespace (serve)", serve,
        "  - join: /nowhere\n  - expect_connect_error: Invalid namespace\n    nsp: /nowhere\n", 0,
        {passed});
    row("join emit expect leave on /chat", v4,
        "  - join: /chat\n  - emit: echo\n    nsp: /chat\n    args: [on-chat]\n  - expect: echo\n"
        "    nsp: /chat\n    args: [on-chat]\n  - not: echo\n    within: 200ms\n  - leave: /chat\n",
        0, {passed, QStringLiteral("\u2713 join /chat (client)")});
    for (const auto &[name, server] : {std::pair{"server disconnects the namespace (4.8)", v4},
                                       std::pair{"server disconnects the namespace (2.5)", v2}})
        row(name, server, "  - emit: server-disconnect\n  - expect_disconnect: true\n", 0,
            {passed});
    row("disconnect that does not come fails", v4,
        "  - expect_disconnect: true\n    timeout: 300ms\n", 1,
        {QStringLiteral("the server did not disconnect / within 300 ms")});
    row("the connection closes", v4, "  - emit: server-close-transport\n  - expect_close: true\n",
        0, {passed});
    row("an expectation after the close fails at once", v4,
        "  - emit: server-close-transport\n  - expect: never\n    timeout: 10s\n", 1,
        {QStringLiteral("no never on / before the connection closed")});

    // wait, repeat.
    row("wait", v4, "  - wait: 150ms\n", 0, {QStringLiteral("\u2713 wait 150 ms")});
    row("repeat three times", v4,
        "  - repeat: 3\n    steps:\n      - emit: echo\n        args: [r]\n      - expect: echo\n"
        "        args: [r]\n",
        0, {passed, QStringLiteral("repeat 3 times: 3 rounds")});
    row("repeat until met", v4,
        "  - repeat: 5\n    until: {expect: echo, args: [u]}\n    steps:\n      - emit: echo\n"
        "        args: [u]\n      - wait: 50ms\n",
        0, {passed, QStringLiteral("repeat until echo (at most 5 times): 1 rounds")});
    row("repeat until never met fails", v4,
        "  - repeat: 2\n    until: {expect: never}\n    steps:\n      - wait: 20ms\n", 1,
        {QStringLiteral("never did not arrive in 2 rounds")});
}

void tst_ScenarioPeer::steps()
{
    QFETCH(Server, server);
    QFETCH(QString, steps);
    QFETCH(int, exitCode);
    QFETCH(QStringList, expected);
    const QString eio = server == Server::SocketIo2 ? QStringLiteral("3") : QStringLiteral("4");
    const QString scenario = QStringLiteral("name: a row\nurl: \"{{url}}\"\nclient: {eio: %1}\n"
                                            "timeout: 3s\nsteps:\n%2")
                                 .arg(eio, steps);
    const CliRun run = runScenario(QStringLiteral("row"), scenario, server);
    const QString out = QString::fromUtf8(run.out);
    QVERIFY2(run.exitCode == exitCode, qPrintable(QStringLiteral("exit %1, expected %2\n%3\n%4")
                                                      .arg(run.exitCode)
                                                      .arg(exitCode)
                                                      .arg(out, QString::fromUtf8(run.err))));
    for (const QString &text : expected)
        QVERIFY2(out.contains(text), qPrintable(QStringLiteral("missing \"%1\" in:\n%2\n%3")
                                                    .arg(text, out, QString::fromUtf8(run.err))));
}

void tst_ScenarioPeer::threeClientRoom_data()
{
    QTest::addColumn<Server>("server");
    QTest::newRow("socket.io 4.8") << Server::SocketIo4;
    QTest::newRow("socket.io 2.5") << Server::SocketIo2;
}

// Alice, Bob and Carol join a room; Alice broadcasts; Bob and Carol get it, Alice does not.
// With Carol left out of the room, her expectation fails.
void tst_ScenarioPeer::threeClientRoom()
{
    QFETCH(Server, server);
    const QString eio = server == Server::SocketIo2 ? QStringLiteral("3") : QStringLiteral("4");
    const QString scenario = QStringLiteral(
        "name: three clients in a room\n"
        "variables: {room: lobby}\n"
        "clients:\n"
        "  alice: {url: \"{{url}}\", eio: %1}\n"
        "  bob: {url: \"{{url}}\", eio: %1, transport: websocket}\n"
        "  carol: {url: \"{{url}}\", eio: %1, transport: polling}\n"
        "steps:\n"
        "  - expect: welcome\n    client: alice\n    capture: {alice: \"args[0].sid\"}\n"
        "  - emit: join-room\n    client: bob\n    args: [\"{{room}}\"]\n    ack: [\"{{room}}\"]\n"
        "%2"
        "  - emit: join-room\n    client: alice\n    args: [\"{{room}}\"]\n    ack: true\n"
        "  - emit: to-room\n    client: alice\n    args: [\"{{room}}\", chat, {from: "
        "\"{{alice}}\", text: hi}]\n"
        "  - any_order:\n"
        "      - expect: chat\n        client: carol\n        args: [{text: \"^h.$\"}]\n"
        "        match: regex\n"
        "      - expect: chat\n        client: bob\n        args: [{from: \"{{alice}}\", text: "
        "hi}]\n"
        "    timeout: 1s\n"
        "  - not: chat\n    client: alice\n    within: 300ms\n");
    const QString carolJoins = QStringLiteral("  - emit: join-room\n    client: carol\n    args: "
                                              "[\"{{room}}\"]\n    ack: [\"{{room}}\"]\n");

    const CliRun passing =
        runScenario(QStringLiteral("room"), scenario.arg(eio, carolJoins), server);
    QVERIFY2(passing.exitCode == 0, passing.describe({}).constData());
    QVERIFY(passing.out.contains("\u2713 any_order of 2 expectations"));
    QVERIFY(passing.out.contains("\u2713 not chat within 300 ms (alice)"));

    const CliRun failing =
        runScenario(QStringLiteral("room-without-carol"), scenario.arg(eio, QString()), server);
    QVERIFY2(failing.exitCode == 1, failing.describe({}).constData());
    QVERIFY2(failing.out.contains("not all arrived within 1000 ms; missing: expect chat (carol)"),
             failing.out.constData());
}

void tst_ScenarioPeer::reportsAndLogs()
{
    const QString junit = m_dir.filePath(QStringLiteral("report.xml"));
    const QString json = m_dir.filePath(QStringLiteral("report.json"));
    const QString logs = m_dir.filePath(QStringLiteral("logs"));
    const QString passing = m_dir.filePath(QStringLiteral("passing.yaml"));
    const QString failing = m_dir.filePath(QStringLiteral("failing.yaml"));
    for (const auto &[path, expected] :
         {std::pair{passing, QStringLiteral("[ok]")}, std::pair{failing, QStringLiteral("[ko]")}}) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("url: \"{{url}}\"\nsteps:\n  - emit: echo-ack\n    args: [ok]\n"
                                  "    ack: %1\n")
                       .arg(expected)
                       .toUtf8());
    }
    const CliRun run(QStringList{QStringLiteral("test"), passing, failing, QStringLiteral("--var"),
                                 QStringLiteral("url=") + url(Server::SocketIo4),
                                 QStringLiteral("--junit"), junit, QStringLiteral("--json"), json,
                                 QStringLiteral("-o"), logs},
                     environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(run.exitCode == 1, run.describe({}).constData());
    QVERIFY(run.out.contains("1 of 2 scenarios passed"));

    // JUnit: valid against the schema, one testcase per scenario, the failure with its diff.
    QProcess xmllint;
    xmllint.start(QStringLiteral("xmllint"),
                  {QStringLiteral("--noout"), QStringLiteral("--schema"),
                   QStringLiteral(SIOSCOPE_TEST_DATA_DIR "/junit.xsd"), junit});
    QVERIFY2(xmllint.waitForFinished(10000), "xmllint did not finish");
    QVERIFY2(xmllint.exitStatus() == QProcess::NormalExit && xmllint.exitCode() == 0,
             xmllint.readAllStandardError().constData());
    QFile xml(junit);
    QVERIFY(xml.open(QIODevice::ReadOnly));
    const QByteArray report = xml.readAll();
    QCOMPARE(report.count("<testcase "), 2);
    QCOMPARE(report.count("<failure "), 1);
    QVERIFY(
        report.contains("first difference: ack[0]: expected &quot;ko&quot;, got &quot;ok&quot;"));
    QVERIFY(report.contains("tests=\"2\" failures=\"1\" errors=\"0\""));

    // JSON.
    QFile jsonFile(json);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonObject document = QJsonDocument::fromJson(jsonFile.readAll()).object();
    QCOMPARE(document.value(QLatin1String("passed")).toInt(), 1);
    QCOMPARE(document.value(QLatin1String("failed")).toInt(), 1);
    const QJsonArray scenarios = document.value(QLatin1String("scenarios")).toArray();
    QCOMPARE(scenarios.size(), 2);
    const QJsonObject failedStep =
        scenarios.at(1).toObject().value(QLatin1String("steps")).toArray().at(0).toObject();
    QCOMPARE(failedStep.value(QLatin1String("passed")).toBool(), false);
    QCOMPARE(failedStep.value(QLatin1String("line")).toInt(), 3);
    QVERIFY(failedStep.value(QLatin1String("ackRttMs")).isUndefined());
    QVERIFY(scenarios.at(0)
                .toObject()
                .value(QLatin1String("steps"))
                .toArray()
                .at(0)
                .toObject()
                .value(QLatin1String("ackRttMs"))
                .toDouble(-1) >= 0);

    // Each client's log reads back with the log importer, from the connection to the close.
    for (const QString &name : {QStringLiteral("1-passing"), QStringLiteral("2-failing")}) {
        QFile log(logs + QLatin1Char('/') + name + QStringLiteral("/client.jsonl"));
        QVERIFY2(log.open(QIODevice::ReadOnly), qPrintable(log.fileName()));
        SessionLog session;
        QString error;
        QVERIFY2(LogImporter::read(&log, &session, &error), qPrintable(error));
        int events = 0, acks = 0;
        for (qint64 row = 0; row < session.size(); ++row) {
            if (session.layer(row) != PacketRecord::Layer::SocketIo)
                continue;
            events += session.type(row) == SocketIoPacket::Event ? 1 : 0;
            acks += session.type(row) == SocketIoPacket::Ack ? 1 : 0;
        }
        QCOMPARE(acks, 1);
        QVERIFY(events >= 2); // welcome and ours
    }
}

void tst_ScenarioPeer::badScenarioFiles_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("YAML syntax") << QStringLiteral("url: x\nsteps: [\n  - a\n")
                                 << QStringLiteral("bad.yaml:3:3: not valid YAML");
    QTest::newRow("unknown step") << QStringLiteral("url: \"{{url}}\"\nsteps:\n  - emitt: a\n")
                                  << QStringLiteral("bad.yaml:3:5: unknown step \"emitt\"");
    QTest::newRow("bad JSON path")
        << QStringLiteral("url: \"{{url}}\"\nsteps:\n  - expect: a\n    capture:\n      x: "
                          "args[0]..b\n")
        << QStringLiteral("bad.yaml:5:18: bad JSON path \"args[0]..b\": expected a name after '.'");
    QTest::newRow("undefined variable")
        << QStringLiteral("url: \"{{url}}\"\nsteps:\n  - emit: a\n    args: [\"{{who}}\"]\n")
        << QStringLiteral("bad.yaml:4:12: undefined variable \"who\"");
}

void tst_ScenarioPeer::badScenarioFiles()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    const QString junit = m_dir.filePath(QStringLiteral("bad.xml"));
    QFile::remove(junit);
    const CliRun run = runScenario(QStringLiteral("bad"), text, Server::SocketIo4,
                                   {QStringLiteral("--junit"), junit});
    QCOMPARE(run.exitCode, 2);
    const QString err = QString::fromUtf8(run.err);
    QVERIFY2(err.contains(expected), qPrintable(err));
    QVERIFY2(err.contains(m_dir.path()), qPrintable(err)); // the file is named in full
    QFile xml(junit);
    QVERIFY(xml.open(QIODevice::ReadOnly));
    QVERIFY(xml.readAll().contains("<error "));
}

void tst_ScenarioPeer::variablesFromEnvironmentFileAndCommandLine()
{
    const QString env = m_dir.filePath(QStringLiteral("staging.yaml"));
    QFile file(env);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("greeting: from-env-file\npayload: {n: 1}\noverridden: env-file\n");
    file.close();
    QProcessEnvironment environment = environmentWithoutProxies();
    environment.insert(QStringLiteral("SIOSCOPE_TEST_USER"), QStringLiteral("from-process"));
    const QString scenario = m_dir.filePath(QStringLiteral("vars.yaml"));
    QFile scenarioFile(scenario);
    QVERIFY(scenarioFile.open(QIODevice::WriteOnly));
    scenarioFile.write("url: \"{{url}}\"\nsteps:\n"
                       "  - emit: echo-ack\n    args: [\"{{greeting}}\", \"{{payload}}\", "
                       "\"{{SIOSCOPE_TEST_USER}}\", \"{{overridden}}\", \"{{number}}\"]\n"
                       "    ack: [from-env-file, {n: 1}, from-process, command-line, 42]\n");
    scenarioFile.close();
    const CliRun run(QStringList{QStringLiteral("test"), scenario, QStringLiteral("--env"), env,
                                 QStringLiteral("--var"),
                                 QStringLiteral("url=") + url(Server::SocketIo4),
                                 QStringLiteral("--var"), QStringLiteral("overridden=command-line"),
                                 QStringLiteral("--var"), QStringLiteral("number=42")},
                     environment, RunTimeoutMs);
    QVERIFY2(run.exitCode == 0, run.describe({}).constData());
}

// Two files that pass only together: the first waits in a room for what the second sends to it.
void tst_ScenarioPeer::parallelRunsEveryFile()
{
    const QString listener = m_dir.filePath(QStringLiteral("listener.yaml"));
    const QString sender = m_dir.filePath(QStringLiteral("sender.yaml"));
    const QList<std::pair<QString, QByteArray>> files{
        {listener, "name: listener\nurl: \"{{url}}\"\nsteps:\n"
                   "  - emit: join-room\n    args: [parallel]\n    ack: [parallel]\n"
                   "  - expect: chat\n    args: [hello]\n    timeout: 10s\n"},
        {sender, "name: sender\nurl: \"{{url}}\"\nsteps:\n  - wait: 1s\n"
                 "  - emit: to-room\n    args: [parallel, chat, hello]\n  - wait: 200ms\n"}};
    for (const auto &[path, text] : files) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(text);
    }
    const QStringList variable{QStringLiteral("--var"),
                               QStringLiteral("url=") + url(Server::SocketIo4)};
    const CliRun together(QStringList{QStringLiteral("test"), listener, sender,
                                      QStringLiteral("--parallel"), QStringLiteral("2")} +
                              variable,
                          environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(together.exitCode == 0, together.describe({}).constData());
    QVERIFY(together.out.contains("2 of 2 scenarios passed"));
    // Each scenario's lines are printed together, in the order of the files.
    const qsizetype listenerAt = together.out.indexOf("listener (");
    const qsizetype senderAt = together.out.indexOf("sender (");
    QVERIFY(listenerAt >= 0 && senderAt > listenerAt);
    QVERIFY(together.out.indexOf("\u2713 expect chat (client)") < senderAt);

    // One after the other, the listener waits for nothing.
    const CliRun alone(QStringList{QStringLiteral("test"), listener, QStringLiteral("--var"),
                                   QStringLiteral("url=") + url(Server::SocketIo4)},
                       environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(alone.exitCode == 1, alone.describe({}).constData());
}

// Nothing listens: the first emit fails as soon as the connection fails, naming why, rather than
// at its timeout.
void tst_ScenarioPeer::unreachableServerFailsAtOnce()
{
    QTcpServer reserved; // a free port, closed again so that nothing listens on it
    QVERIFY(reserved.listen(QHostAddress::LocalHost));
    const quint16 port = reserved.serverPort();
    reserved.close();
    const QString path = m_dir.filePath(QStringLiteral("unreachable.yaml"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QStringLiteral("url: \"http://127.0.0.1:%1\"\ntimeout: 20s\nsteps:\n  - emit: x\n")
                   .arg(port)
                   .toUtf8());
    file.close();
    QElapsedTimer clock;
    clock.start();
    const CliRun run(QStringList{QStringLiteral("test"), path}, environmentWithoutProxies(),
                     RunTimeoutMs);
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.out.contains("\u2717 emit x (client)"), run.out.constData());
    QVERIFY2(run.out.contains("cannot emit: "), run.out.constData());
    QVERIFY2(run.out.contains("refused"), run.out.constData());
    QVERIFY2(clock.elapsed() < 15000, qPrintable(QString::number(clock.elapsed())));
}

void tst_ScenarioPeer::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    QTest::newRow("no scenario") << QStringList{} << QStringLiteral("missing <scenario>");
    QTest::newRow("parallel zero")
        << QStringList{QStringLiteral("x.yaml"), QStringLiteral("--parallel"), QStringLiteral("0")}
        << QStringLiteral("--parallel must be a number from 1 to 256");
    QTest::newRow("bad var") << QStringList{QStringLiteral("x.yaml"), QStringLiteral("--var"),
                                            QStringLiteral("=1")}
                             << QStringLiteral("--var must be <name>=<value>");
    QTest::newRow("missing env file")
        << QStringList{QStringLiteral("x.yaml"), QStringLiteral("--env"),
                       QStringLiteral("/nonexistent/env.yaml")}
        << QStringLiteral("/nonexistent/env.yaml: cannot read it");
    QTest::newRow("missing scenario file") << QStringList{QStringLiteral("/nonexistent/s.yaml")}
                                           << QStringLiteral("/nonexistent/s.yaml: cannot read it");
    QTest::newRow("bad format") << QStringList{QStringLiteral("x.yaml"), QStringLiteral("--format"),
                                               QStringLiteral("xml")}
                                << QStringLiteral("--format must be jsonl, har or text");
}

void tst_ScenarioPeer::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);
    const CliRun run(QStringList{QStringLiteral("test")} + arguments, environmentWithoutProxies(),
                     RunTimeoutMs);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(expected.toUtf8()), run.err.constData());
}

// SIGINT during a step: the step fails as interrupted, the reports are written, exit 1.
void tst_ScenarioPeer::interruptedRunReportsTheStep()
{
    const QString path = m_dir.filePath(QStringLiteral("long.yaml"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("url: \"{{url}}\"\nsteps:\n  - expect: welcome\n  - wait: 1m\n");
    file.close();
    const QString junit = m_dir.filePath(QStringLiteral("interrupted.xml"));
    QProcess cli;
    cli.setProcessEnvironment(environmentWithoutProxies());
    cli.start(QStringLiteral(SIOSCOPE_CLI_PATH),
              {QStringLiteral("test"), path, QStringLiteral("--var"),
               QStringLiteral("url=") + url(Server::SocketIo4), QStringLiteral("--junit"), junit});
    QVERIFY(cli.waitForStarted(10000));
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += cli.readAllStandardOutput()).contains("\u2713 expect welcome"),
                             15000);
    ::kill(pid_t(cli.processId()), SIGINT);
    QVERIFY(cli.waitForFinished(10000));
    out += cli.readAllStandardOutput();
    QCOMPARE(cli.exitCode(), 1);
    QVERIFY2(out.contains("\u2717 wait 60000 ms"), out.constData());
    QVERIFY2(out.contains("interrupted (SIGINT or SIGTERM)"), out.constData());
    QFile xml(junit);
    QVERIFY(xml.open(QIODevice::ReadOnly));
    QVERIFY(xml.readAll().contains("interrupted (SIGINT or SIGTERM)"));
}

void tst_ScenarioPeer::recordedSessionBecomesAPassingTest_data()
{
    QTest::addColumn<Server>("server");
    QTest::newRow("socket.io 4.8") << Server::SocketIo4;
    QTest::newRow("socket.io 2.5") << Server::SocketIo2;
}

// Record a session with `record --send`, make a scenario of it with `scenario from`, and run it
// against the same server: it passes. Against a server whose echo-ack reply changed, it fails on
// that step with the difference.
void tst_ScenarioPeer::recordedSessionBecomesAPassingTest()
{
    QFETCH(Server, server);
    const bool v5 = server == Server::SocketIo4;
    const QString script = m_dir.filePath(QStringLiteral("script.jsonl"));
    QFile file(script);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("{\"type\":\"EVENT\",\"data\":[\"echo-ack\",1,{\"a\":[true,null]}],\"ack\":true}\n"
               "{\"type\":\"EVENT\",\"data\":[\"request-ack\",\"question\"]}\n"
               "{\"type\":\"EVENT\",\"data\":[\"echo\",\"x\",{\"_placeholder\":true,\"num\":0}],"
               "\"attachments\":[\"AQID\"]}\n"
               "{\"type\":\"EVENT\",\"nsp\":\"/chat\",\"data\":[\"echo\",\"on chat\"]}\n");
    file.close();
    const QString log = m_dir.filePath(QStringLiteral("recorded.jsonl"));
    const QStringList record{
        QStringLiteral("record"),     url(server),
        QStringLiteral("--eio"),      v5 ? QStringLiteral("4") : QStringLiteral("3"),
        QStringLiteral("-n"),         QStringLiteral("/"),
        QStringLiteral("-n"),         QStringLiteral("/chat"),
        QStringLiteral("-n"),         QStringLiteral("/admin"),
        QStringLiteral("--send"),     script,
        QStringLiteral("--auto-ack"), QStringLiteral("[\"answer\"]"),
        QStringLiteral("--duration"), QStringLiteral("1"),
        QStringLiteral("-o"),         log};
    const CliRun recorded(record, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(recorded.exitCode == 0 || recorded.exitCode == 1, recorded.describe(record));

    const QString scenario = m_dir.filePath(QStringLiteral("recorded.yaml"));
    const QStringList from{QStringLiteral("scenario"), QStringLiteral("from"), log,
                           QStringLiteral("-o"), scenario};
    const CliRun written(from, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(written.exitCode == 0, written.describe(from));
    QFile yamlFile(scenario);
    QVERIFY(yamlFile.open(QIODevice::ReadOnly));
    const QByteArray yaml = yamlFile.readAll();
    // The refused namespace, the server's ack request with our reply, the binary, the welcome's
    // sid left out with the reason written down.
    QVERIFY2(yaml.contains("- join: \"/admin\"\n  - expect_connect_error: \"Not authorized\""),
             yaml.constData());
    // The ask step stands alone or inside an any_order group, as the recording's timing fell
    // (the grouping itself is tst_scenariofromsession's).
    static const QRegularExpression askWithReply(QStringLiteral(
        "- expect: \"ask\"\\n( {4}| {8})args: \\[\"question\"\\]\\n\\1reply: \\[\"answer\"\\]"));
    QVERIFY2(askWithReply.match(QString::fromUtf8(yaml)).hasMatch(), yaml.constData());
    QVERIFY2(yaml.contains("{\"$binary\":\"AQID\"}"), yaml.constData());
    QVERIFY2(yaml.contains("# args[0].sid was \""), yaml.constData());
    QVERIFY2(yaml.contains("a session id: left out (match: subset)"), yaml.constData());

    const QStringList test{QStringLiteral("test"), scenario};
    const CliRun passing(test, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(passing.exitCode == 0, passing.describe(test) + "\n" + passing.out + "\n" + yaml);

    ReferenceServer changed;
    ReferenceServer::Options options;
    options.flavor = v5 ? ReferenceServer::Flavor::SocketIo4 : ReferenceServer::Flavor::SocketIo2;
    options.changedAck = true;
    QString error;
    QVERIFY2(changed.start(options, &error), qPrintable(error));
    const QStringList againstChanged{QStringLiteral("test"), scenario, QStringLiteral("--var"),
                                     QStringLiteral("url=") + changed.url().toString()};
    const CliRun failing(againstChanged, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(failing.exitCode == 1, failing.describe(againstChanged) + "\n" + failing.out);
    QVERIFY2(failing.out.contains("\u2717 emit echo-ack (client) with ack"),
             failing.out.constData());
    QVERIFY2(failing.out.contains("first difference: ack: expected 2 items, got 3"),
             failing.out.constData());
}

QTEST_GUILESS_MAIN(tst_ScenarioPeer)
#include "tst_scenario_peer.moc"
