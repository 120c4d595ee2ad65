// `sioscope-cli scenario export-artillery` (the real binary) and Artillery (the npm package,
// pinned in tests/artillery) against the real socket.io 4.8 server (tests/peers/server.js): the
// script written runs with `artillery run`, and its report counts the emits, the acks and the
// responses of every virtual user; against a server whose ack changed, Artillery fails every
// virtual user on the ack, so the exported check is a real one. What Artillery cannot express
// is a comment in the script and a line on stderr; several clients without --client are
// refused. A missing Artillery or server fails, it never skips.
#include "clirun.h"
#include "referenceserver.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {
constexpr int ArtilleryTimeoutMs = 120000;
constexpr int Arrivals = 4;

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(bytes) == bytes.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The flow: an emit with an ack that carries the virtual user's number, an emit whose echo
// is the response, and the welcome that Artillery cannot expect (before any emit).
const QByteArray ChatScenario = "name: chat\n"
                                "url: \"{{url}}\"\n"
                                "steps:\n"
                                "  - expect: welcome\n"
                                "  - emit: echo-ack\n"
                                "    args: [{from: \"user {{vu}}\", n: 1}]\n"
                                "    ack: [{from: \"user {{vu}}\", n: 1}]\n"
                                "  - emit: echo\n"
                                "    args: [hi]\n"
                                "  - expect: echo\n"
                                "    args: [hi]\n"
                                "  - wait: 100ms\n";
} // namespace

class tst_ArtilleryPeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void exportedScriptRuns_data();
    void exportedScriptRuns();
    void whatCannotBeExpressedIsSaid();
    void severalClientsNeedAChoice();

private:
    // Runs Artillery on `script`; the report's aggregate.
    QJsonObject runArtillery(const QString &script);

    QTemporaryDir m_dir;
    ReferenceServer m_server;
    ReferenceServer m_changed;
};

void tst_ArtilleryPeer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFileInfo::exists(QStringLiteral(SIOSCOPE_ARTILLERY)),
             "Artillery is not installed: bash scripts/dev.sh test installs it (tests/artillery)");
    ReferenceServer::Options options;
    options.pingInterval = 25000; // socket.io's own heartbeat: Artillery starts slowly
    options.pingTimeout = 20000;
    QString error;
    QVERIFY2(m_server.start(options, &error), qPrintable(error));
    options.changedAck = true;
    QVERIFY2(m_changed.start(options, &error), qPrintable(error));
}

QJsonObject tst_ArtilleryPeer::runArtillery(const QString &script)
{
    const QString report = script + QStringLiteral(".report.json");
    QProcess artillery;
    QProcessEnvironment environment = environmentWithoutProxies();
    environment.insert(QStringLiteral("ARTILLERY_DISABLE_TELEMETRY"), QStringLiteral("true"));
    environment.insert(QStringLiteral("NO_COLOR"), QStringLiteral("1"));
    artillery.setProcessEnvironment(environment);
    artillery.setProcessChannelMode(QProcess::MergedChannels);
    artillery.start(QStringLiteral(SIOSCOPE_ARTILLERY),
                    {QStringLiteral("run"), QStringLiteral("--output"), report, script});
    if (!artillery.waitForFinished(ArtilleryTimeoutMs)) {
        artillery.kill();
        artillery.waitForFinished(5000);
        qWarning("artillery did not finish: %s", artillery.readAll().constData());
        return {};
    }
    if (artillery.exitCode() != 0)
        qWarning("artillery exit %d: %s", artillery.exitCode(), artillery.readAll().constData());
    return QJsonDocument::fromJson(readFile(report))
        .object()
        .value(QLatin1String("aggregate"))
        .toObject();
}

void tst_ArtilleryPeer::exportedScriptRuns_data()
{
    QTest::addColumn<bool>("changedAck");
    QTest::newRow("the same server: every user passes") << false;
    QTest::newRow("a server whose ack changed: every user fails on it") << true;
}

void tst_ArtilleryPeer::exportedScriptRuns()
{
    QFETCH(bool, changedAck);
    const QString scenario = m_dir.filePath(QStringLiteral("chat.yaml"));
    QVERIFY(writeFile(scenario, ChatScenario));
    const QString script =
        m_dir.filePath(changedAck ? QStringLiteral("changed.yml") : QStringLiteral("load.yml"));
    const QStringList arguments{QStringLiteral("scenario"),
                                QStringLiteral("export-artillery"),
                                scenario,
                                QStringLiteral("--var"),
                                QStringLiteral("url=") +
                                    (changedAck ? m_changed : m_server).url().toString(),
                                QStringLiteral("--arrivals"),
                                QString::number(Arrivals),
                                QStringLiteral("--phase"),
                                QStringLiteral("1"),
                                QStringLiteral("-o"),
                                script};
    const CliRun exported(arguments);
    QVERIFY2(exported.exitCode == 0, exported.describe(arguments));
    const QByteArray yaml = readFile(script);
    QVERIFY2(yaml.contains("      - emit:\n          channel: \"echo-ack\"\n"
                           "          data: {\"from\":\"user {{ vu }}\",\"n\":1}\n"
                           "        acknowledge:\n"
                           "          args: [{\"from\":\"user {{ vu }}\",\"n\":1}]\n"),
             yaml.constData());
    QVERIFY2(yaml.contains("        response:\n          channel: \"echo\"\n"), yaml.constData());
    QVERIFY2(yaml.contains("    vu: [0,1,2,3]\n"), yaml.constData());
    QVERIFY2(yaml.contains("      - think: 0.1\n"), yaml.constData());

    const QJsonObject aggregate = runArtillery(script);
    const QJsonObject counters = aggregate.value(QLatin1String("counters")).toObject();
    QVERIFY2(!counters.isEmpty(), "no Artillery report");
    const QByteArray report = QJsonDocument(counters).toJson();
    QCOMPARE(counters.value(QLatin1String("vusers.created")).toInt(), Arrivals);
    QCOMPARE(counters.value(QLatin1String("socketio.emit")).toInt(),
             changedAck ? Arrivals : 2 * Arrivals); // a user that failed stops
    if (!changedAck) {
        QVERIFY2(counters.value(QLatin1String("vusers.completed")).toInt() == Arrivals,
                 report.constData());
        QVERIFY2(counters.value(QLatin1String("vusers.failed")).toInt() == 0, report.constData());
        // Each ack and each response was timed; artillery 2.0.34 records a response step's
        // time twice (lib/core/engine_socketio.js: in the response handler, then in the
        // callback of an emit without ack), so three per user.
        const QJsonObject responseTime = aggregate.value(QLatin1String("summaries"))
                                             .toObject()
                                             .value(QLatin1String("socketio.response_time"))
                                             .toObject();
        QCOMPARE(responseTime.value(QLatin1String("count")).toInt(), 3 * Arrivals);
    } else {
        QVERIFY2(counters.value(QLatin1String("vusers.failed")).toInt() == Arrivals,
                 report.constData());
        QVERIFY2(counters.value(QLatin1String("errors.data is not valid")).toInt() == Arrivals,
                 report.constData());
    }
}

void tst_ArtilleryPeer::whatCannotBeExpressedIsSaid()
{
    const QString scenario = m_dir.filePath(QStringLiteral("rich.yaml"));
    QVERIFY(writeFile(scenario, "url: http://127.0.0.1:9\n"
                                "steps:\n"
                                "  - emit: upload\n"
                                "    args: [{$binary: AQID}]\n"
                                "  - not: bye\n"
                                "  - emit: two\n"
                                "    args: [1, 2]\n"
                                "  - emit: echo-ack\n"
                                "    args: [1]\n"
                                "    ack:\n"
                                "      args: [\"^1$\"]\n"
                                "      match: regex\n"));
    const QStringList arguments{QStringLiteral("scenario"), QStringLiteral("export-artillery"),
                                scenario};
    const CliRun exported(arguments);
    QVERIFY2(exported.exitCode == 0, exported.describe(arguments));
    QVERIFY2(exported.err.contains("not expressed in Artillery: emit upload (client) "),
             exported.err.constData());
    QVERIFY2(exported.err.contains("binary arguments ($binary, $file) have no YAML form"),
             exported.err.constData());
    QVERIFY2(exported.err.contains("not bye within 1000 ms (client)"), exported.err.constData());
    QVERIFY2(exported.err.contains("emit two (client) (" + scenario.toUtf8() +
                                   ":6:5): Artillery's emit takes one argument, or only strings"),
             exported.err.constData());
    QVERIFY2(exported.err.contains("the ack's regex match; Artillery checks only that an ack "
                                   "came"),
             exported.err.constData());
    QVERIFY2(exported.out.contains("      # not expressed: emit upload (client) (" +
                                   scenario.toUtf8() + ":3:5)"),
             exported.out.constData());
    QVERIFY2(exported.out.contains("        acknowledge:\n          # the ack's regex match is "
                                   "not expressed: any ack passes\n          {}\n"),
             exported.out.constData());
}

void tst_ArtilleryPeer::severalClientsNeedAChoice()
{
    const QString scenario = m_dir.filePath(QStringLiteral("two.yaml"));
    QVERIFY(writeFile(scenario, "clients:\n"
                                "  alice: {url: \"http://127.0.0.1:9\"}\n"
                                "  bob: {url: \"http://127.0.0.1:9\"}\n"
                                "steps:\n"
                                "  - emit: hi\n    client: alice\n"
                                "  - emit: yo\n    client: bob\n"));
    QStringList arguments{QStringLiteral("scenario"), QStringLiteral("export-artillery"), scenario};
    const CliRun refused(arguments);
    QVERIFY2(refused.exitCode == 2, refused.describe(arguments));
    QVERIFY2(refused.err.contains("the scenario has 2 clients (alice, bob): Artillery's virtual "
                                  "users do not know each other; choose one with --client"),
             refused.err.constData());
    arguments << QStringLiteral("--client") << QStringLiteral("bob");
    const CliRun chosen(arguments);
    QVERIFY2(chosen.exitCode == 0, chosen.describe(arguments));
    QVERIFY2(chosen.out.contains("      - emit: [\"yo\"]\n"), chosen.out.constData());
    QVERIFY2(chosen.out.contains("# not expressed: emit hi (alice) ("), chosen.out.constData());
}

QTEST_GUILESS_MAIN(tst_ArtilleryPeer)
#include "tst_artillery_peer.moc"
