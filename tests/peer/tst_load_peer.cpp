// Load runs (`sioscope-cli test <scenario> --clients N`, the real binary) against the real
// socket.io 4.8 server from npm (tests/peers/server.js) and the embedded server (`sioscope-cli
// serve`): 200 virtual clients each connect, emit with an ack and expect the echo, and the
// figures add up (clients, runs, acks, events both ways, latencies, memory); --duration runs
// the scenario again and again; a failing expectation is counted and named; --fail-if fails
// the run and says which condition held; misuse is a usage error. A missing server fails, it
// never skips.
#include "clirun.h"
#include "cliserve.h"
#include "referenceserver.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

namespace {
constexpr int RunTimeoutMs = 60000;

enum class Server { SocketIo4, Serve };

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(bytes) == bytes.size();
}

QJsonObject readJson(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object()
                                          : QJsonObject();
}

// A short chat: the welcome, an echo with an ack carrying the client's number, an echo back.
const QByteArray ChatScenario = "name: chat\n"
                                "url: \"{{url}}\"\n"
                                "steps:\n"
                                "  - expect: welcome\n"
                                "  - emit: echo-ack\n"
                                "    args: [\"from {{vu}}\", \"{{iteration}}\"]\n"
                                "    ack: [\"from {{vu}}\", \"{{iteration}}\"]\n"
                                "  - emit: echo\n"
                                "    args: [hi]\n"
                                "  - expect: echo\n"
                                "    args: [hi]\n";
// The same against `serve`'s default handlers: message -> message-back, message-with-ack acked.
const QByteArray ServeChatScenario = "name: chat\n"
                                     "url: \"{{url}}\"\n"
                                     "steps:\n"
                                     "  - emit: message-with-ack\n"
                                     "    args: [\"from {{vu}}\", \"{{iteration}}\"]\n"
                                     "    ack: [\"from {{vu}}\", \"{{iteration}}\"]\n"
                                     "  - emit: message\n"
                                     "    args: [hi]\n"
                                     "  - expect: message-back\n"
                                     "    args: [hi]\n";
} // namespace
Q_DECLARE_METATYPE(Server)

class tst_LoadPeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyClientConnectsAndTheFiguresAddUp_data();
    void everyClientConnectsAndTheFiguresAddUp();
    void durationRunsTheScenarioAgain();
    void failuresAreCountedAndNamed();
    void failIfFailsTheRun();
    void usageErrors_data();
    void usageErrors();

private:
    QString url(Server server) const;
    QString scenario(const QString &name, const QByteArray &text);

    QTemporaryDir m_dir;
    ReferenceServer m_socketIo4;
    CliServe m_serve;
};

void tst_LoadPeer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error;
    // socket.io's own heartbeat (the tests' default of 300 ms is for the heartbeat tests): a
    // load run keeps one thread busy with 200 clients at once.
    ReferenceServer::Options options;
    options.pingInterval = 25000;
    options.pingTimeout = 20000;
    QVERIFY2(m_socketIo4.start(options, &error), qPrintable(error));
    QVERIFY2(m_serve.start({}, &error), qPrintable(error));
}

QString tst_LoadPeer::url(Server server) const
{
    return (server == Server::SocketIo4 ? m_socketIo4.url() : m_serve.url()).toString();
}

QString tst_LoadPeer::scenario(const QString &name, const QByteArray &text)
{
    const QString path = m_dir.filePath(name + QStringLiteral(".yaml"));
    if (!writeFile(path, text))
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

void tst_LoadPeer::everyClientConnectsAndTheFiguresAddUp_data()
{
    QTest::addColumn<Server>("server");
    QTest::newRow("socket.io 4.8") << Server::SocketIo4;
    QTest::newRow("serve") << Server::Serve;
}

void tst_LoadPeer::everyClientConnectsAndTheFiguresAddUp()
{
    QFETCH(Server, server);
    const bool serve = server == Server::Serve;
    const QString json = m_dir.filePath(QStringLiteral("load.json"));
    QFile::remove(json);
    const QStringList arguments{QStringLiteral("test"),
                                serve ? scenario(QStringLiteral("serve-chat"), ServeChatScenario)
                                      : scenario(QStringLiteral("chat"), ChatScenario),
                                QStringLiteral("--var"),
                                QStringLiteral("url=") + url(server),
                                QStringLiteral("--clients"),
                                QStringLiteral("200"),
                                QStringLiteral("--ramp"),
                                QStringLiteral("1"),
                                QStringLiteral("--json"),
                                json,
                                QStringLiteral("--fail-if"),
                                QStringLiteral("failed_clients > 0")};
    const CliRun run(arguments, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(run.exitCode == 0, run.describe(arguments) + run.out);
    QVERIFY2(run.out.contains("clients:      200 asked, 200 started, 200 connected, 0 failed"),
             run.out.constData());
    QVERIFY2(run.out.contains("runs:         200 passed, 0 failed"), run.out.constData());
    QVERIFY2(run.out.contains("load run passed"), run.out.constData());

    const QJsonObject figures = readJson(json);
    QCOMPARE(figures.value(QLatin1String("connected")).toInt(), 200);
    QCOMPARE(figures.value(QLatin1String("runs")).toObject().value(QLatin1String("passed")).toInt(),
             200);
    QVERIFY(figures.value(QLatin1String("passed")).toBool());
    // Each client sent two events and received two (welcome, or serve's "auth", and the echo);
    // an ack is not an event.
    QCOMPARE(figures.value(QLatin1String("events_out")).toInt(), 400);
    QCOMPARE(figures.value(QLatin1String("events_in")).toInt(), 400);
    const QJsonObject ack = figures.value(QLatin1String("ack")).toObject();
    QCOMPARE(ack.value(QLatin1String("count")).toInt(), 200);
    const double p50 = ack.value(QLatin1String("p50_ms")).toDouble();
    const double p95 = ack.value(QLatin1String("p95_ms")).toDouble();
    const double p99 = ack.value(QLatin1String("p99_ms")).toDouble();
    const double max = ack.value(QLatin1String("max_ms")).toDouble();
    QVERIFY2(p50 > 0 && p50 <= p95 && p95 <= p99 && p99 <= max,
             QJsonDocument(ack).toJson().constData());
    QCOMPARE(
        figures.value(QLatin1String("expect")).toObject().value(QLatin1String("count")).toInt(),
        serve ? 200 : 400);
    const QJsonObject metrics = figures.value(QLatin1String("metrics")).toObject();
    QVERIFY(metrics.value(QLatin1String("cpu_seconds")).toDouble() > 0);
    QVERIFY(metrics.value(QLatin1String("kb_per_client")).toDouble() > 0);
    QVERIFY(figures.value(QLatin1String("most_connected_at_once")).toInt() >= 1);
    QVERIFY(metrics.value(QLatin1String("events_out_per_s")).toDouble() > 0);
}

void tst_LoadPeer::durationRunsTheScenarioAgain()
{
    const QString json = m_dir.filePath(QStringLiteral("duration.json"));
    const QStringList arguments{
        QStringLiteral("test"),       scenario(QStringLiteral("chat"), ChatScenario),
        QStringLiteral("--var"),      QStringLiteral("url=") + url(Server::SocketIo4),
        QStringLiteral("--clients"),  QStringLiteral("10"),
        QStringLiteral("--duration"), QStringLiteral("1.5"),
        QStringLiteral("--json"),     json};
    const CliRun run(arguments, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(run.exitCode == 0, run.describe(arguments) + run.out);
    const QJsonObject figures = readJson(json);
    const int passed =
        figures.value(QLatin1String("runs")).toObject().value(QLatin1String("passed")).toInt();
    QVERIFY2(passed > 10, QByteArray::number(passed)); // each client ran more than once
    QCOMPARE(figures.value(QLatin1String("ack")).toObject().value(QLatin1String("count")).toInt(),
             passed);
    QVERIFY(figures.value(QLatin1String("elapsed_s")).toDouble() >= 1.5);
}

void tst_LoadPeer::failuresAreCountedAndNamed()
{
    // The odd clients expect what the server does not send them.
    const QByteArray evens = "url: \"{{url}}\"\n"
                             "steps:\n"
                             "  - emit: echo\n"
                             "    args: [\"n{{vu}}\"]\n"
                             "  - expect: echo\n"
                             "    args: [\"^n[0-9]*[02468]$\"]\n"
                             "    match: regex\n"
                             "    timeout: 300ms\n";
    const QString json = m_dir.filePath(QStringLiteral("failures.json"));
    const QStringList arguments{
        QStringLiteral("test"),      scenario(QStringLiteral("evens"), evens),
        QStringLiteral("--var"),     QStringLiteral("url=") + url(Server::SocketIo4),
        QStringLiteral("--clients"), QStringLiteral("20"),
        QStringLiteral("--json"),    json};
    const CliRun run(arguments, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(run.exitCode == 1, run.describe(arguments) + run.out);
    QVERIFY2(run.out.contains("runs:         10 passed, 10 failed"), run.out.constData());
    QVERIFY2(run.out.contains("10 \u00d7 expect echo (client): echo arrived, but its arguments do "
                              "not match"),
             run.out.constData());
    QVERIFY2(run.out.contains("load run FAILED"), run.out.constData());
    const QJsonObject figures = readJson(json);
    QCOMPARE(figures.value(QLatin1String("failed_clients")).toInt(), 10);
    const QJsonArray errors = figures.value(QLatin1String("errors")).toArray();
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.first().toObject().value(QLatin1String("count")).toInt(), 10);
}

void tst_LoadPeer::failIfFailsTheRun()
{
    const QString json = m_dir.filePath(QStringLiteral("failif.json"));
    const QStringList arguments{
        QStringLiteral("test"),      scenario(QStringLiteral("serve-chat"), ServeChatScenario),
        QStringLiteral("--var"),     QStringLiteral("url=") + url(Server::Serve),
        QStringLiteral("--clients"), QStringLiteral("5"),
        QStringLiteral("--json"),    json,
        QStringLiteral("--fail-if"), QStringLiteral("connected_clients < 6"),
        QStringLiteral("--fail-if"), QStringLiteral("p99_ack_ms > 60000")};
    const CliRun run(arguments, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(run.exitCode == 1, run.describe(arguments) + run.out);
    QVERIFY2(run.out.contains("runs:         5 passed, 0 failed"), run.out.constData());
    QVERIFY2(run.out.contains("\u2717 --fail-if connected_clients < 6 (it is 5)"),
             run.out.constData());
    QVERIFY2(!run.out.contains("--fail-if p99_ack_ms"), run.out.constData());
    const QJsonObject figures = readJson(json);
    QVERIFY(!figures.value(QLatin1String("passed")).toBool());
    QCOMPARE(figures.value(QLatin1String("failed_thresholds")).toArray().size(), 1);
}

void tst_LoadPeer::usageErrors_data()
{
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("expected");
    QTest::newRow("two scenario files")
        << QStringList{QStringLiteral("--clients"), QStringLiteral("2"),
                       m_dir.filePath(QStringLiteral("chat.yaml"))}
        << QStringLiteral("--clients runs one scenario file");
    QTest::newRow("clients zero") << QStringList{QStringLiteral("--clients"), QStringLiteral("0")}
                                  << QStringLiteral("--clients must be a number from 1");
    QTest::newRow("ramp without clients")
        << QStringList{QStringLiteral("--ramp"), QStringLiteral("2")}
        << QStringLiteral("--ramp needs --clients");
    QTest::newRow("junit with clients")
        << QStringList{QStringLiteral("--clients"), QStringLiteral("2"), QStringLiteral("--junit"),
                       QStringLiteral("x.xml")}
        << QStringLiteral("--junit is not available with --clients");
    QTest::newRow("unknown metric")
        << QStringList{QStringLiteral("--clients"), QStringLiteral("2"),
                       QStringLiteral("--fail-if"), QStringLiteral("latency > 3")}
        << QStringLiteral("unknown metric latency");
    QTest::newRow("negative duration")
        << QStringList{QStringLiteral("--clients"), QStringLiteral("2"),
                       QStringLiteral("--duration"), QStringLiteral("-1")}
        << QStringLiteral("--duration must be a positive number");
}

void tst_LoadPeer::usageErrors()
{
    QFETCH(QStringList, extra);
    QFETCH(QString, expected);
    const QStringList arguments =
        QStringList{QStringLiteral("test"), scenario(QStringLiteral("chat"), ChatScenario),
                    QStringLiteral("--var"), QStringLiteral("url=") + url(Server::SocketIo4)} +
        extra;
    const CliRun run(arguments, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(run.exitCode == 2, run.describe(arguments));
    QVERIFY2(run.err.contains(expected.toUtf8()), run.describe(arguments));
}

QTEST_GUILESS_MAIN(tst_LoadPeer)
#include "tst_load_peer.moc"
