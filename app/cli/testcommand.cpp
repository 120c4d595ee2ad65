#include "testcommand.h"

#include "logoutput.h"
#include "scenario/scenarioloader.h"
#include "variableoptions.h"

#include <QAbstractEventDispatcher>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcessEnvironment>
#include <QSaveFile>

namespace {
const char *const Usage =
    "usage: sioscope-cli test <scenario.yaml|.json>... [options]\n"
    "      --env <file>           variables from a YAML or JSON file (name: value)\n"
    "      --var <name>=<value>   a variable (repeatable); the value is text, or JSON when it "
    "parses as JSON\n"
    "      --junit <file>         write a JUnit XML report\n"
    "      --json <file>          write a JSON report\n"
    "  -o, --out <directory>      write each client's session log there "
    "(<scenario>/<client>.jsonl)\n"
    "      --format jsonl|har|text   the logs' format; default jsonl\n"
    "      --include-secrets      do not redact auth payloads, tokens, cookies in the logs\n"
    "      --parallel <n>         run up to n scenario files at once; default 1\n"
    "load (one scenario file):\n"
    "      --clients <n>          run n virtual clients of the scenario at once ({{vu}}: 0..n-1)\n"
    "      --ramp <seconds>       start them evenly over this time; default 0 (all at once)\n"
    "      --duration <seconds>   run the scenario again and again until then ({{iteration}});\n"
    "                             default: each client runs it once\n"
    "      --fail-if '<metric> <op> <number>'   exit 1 when it holds, e.g. 'p95_ack_ms > 50'\n"
    "                             (repeatable; the metrics are listed in "
    "docs/testing-scenarios.md)\n"
    "      --json <file>          with --clients: the load figures\n"
    "exit status: 0 all passed, 1 a scenario failed, 2 a usage or scenario file error\n"
    "scenario files: docs/testing-scenarios.md\n";

QString extensionOf(LogFormat format)
{
    switch (format) {
    case LogFormat::Har:
        return QStringLiteral("har");
    case LogFormat::Text:
        return QStringLiteral("txt");
    default:
        return QStringLiteral("jsonl");
    }
}
} // namespace

struct TestCommand::Running
{
    qsizetype index = 0;
    std::unique_ptr<ScenarioRunner> runner;
    std::vector<std::unique_ptr<LogOutput>> logs;
    QHash<QString, LogOutput *> logOf;
    QString buffered;
};

TestCommand::TestCommand(QObject *parent)
    : CliCommand(QStringLiteral("test"), parent)
    , m_out(stdout)
{
    // Step lines go out when the event loop is about to wait, not one write each: a thousand
    // short scenarios spent as much on those writes as on the rest of their output.
    if (QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance(thread()))
        connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, this, [this] {
            if (m_outputPending) {
                m_outputPending = false;
                m_out.flush();
            }
        });
}

TestCommand::~TestCommand() = default;

bool TestCommand::parse(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption envOption = VariableOptions::envOption();
    const QCommandLineOption varOption = VariableOptions::varOption();
    const QCommandLineOption junitOption(QStringLiteral("junit"), {}, QStringLiteral("file"));
    const QCommandLineOption jsonOption(QStringLiteral("json"), {}, QStringLiteral("file"));
    const QCommandLineOption outOption({QStringLiteral("o"), QStringLiteral("out")}, {},
                                       QStringLiteral("directory"));
    const QCommandLineOption formatOption(QStringLiteral("format"), {}, QStringLiteral("format"));
    const QCommandLineOption secretsOption(QStringLiteral("include-secrets"));
    const QCommandLineOption parallelOption(QStringLiteral("parallel"), {}, QStringLiteral("n"));
    const QCommandLineOption helpOption(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    const QCommandLineOption clientsOption(QStringLiteral("clients"), {}, QStringLiteral("n"));
    const QCommandLineOption rampOption(QStringLiteral("ramp"), {}, QStringLiteral("seconds"));
    const QCommandLineOption durationOption(QStringLiteral("duration"), {},
                                            QStringLiteral("seconds"));
    const QCommandLineOption failIfOption(QStringLiteral("fail-if"), {},
                                          QStringLiteral("condition"));
    parser.addOptions({envOption, varOption, junitOption, jsonOption, outOption, formatOption,
                       secretsOption, parallelOption, helpOption, clientsOption, rampOption,
                       durationOption, failIfOption});
    if (!parser.parse(QStringList{QStringLiteral("test")} + arguments))
        return usageError(parser.errorText(), Usage);
    if (parser.isSet(helpOption)) {
        QTextStream(stdout) << Usage;
        m_exitCode = Success;
        return false;
    }
    m_files = parser.positionalArguments();
    if (m_files.isEmpty())
        return usageError(QStringLiteral("missing <scenario>"), Usage);
    if (parser.isSet(parallelOption)) {
        bool ok = false;
        m_parallel = parser.value(parallelOption).toInt(&ok);
        if (!ok || m_parallel < 1 || m_parallel > 256)
            return usageError(QStringLiteral("--parallel must be a number from 1 to 256"), Usage);
    }
    if (parser.isSet(formatOption) &&
        !LogExporter::parseFormat(parser.value(formatOption), &m_export.format))
        return usageError(QStringLiteral("--format must be jsonl, har or text"), Usage);
    const bool load = parser.isSet(clientsOption);
    const auto seconds = [&parser](const QCommandLineOption &option, double *out) {
        bool ok = false;
        *out = parser.value(option).toDouble(&ok);
        return ok && *out >= 0 && *out <= 86400;
    };
    if (load) {
        bool ok = false;
        m_load.clients = parser.value(clientsOption).toInt(&ok);
        if (!ok || m_load.clients < 1 || m_load.clients > 100000)
            return usageError(QStringLiteral("--clients must be a number from 1 to 100000"), Usage);
        if (m_files.size() != 1)
            return usageError(QStringLiteral("--clients runs one scenario file"), Usage);
        for (const QCommandLineOption *option : {&junitOption, &outOption, &parallelOption})
            if (parser.isSet(*option))
                return usageError(QStringLiteral("--%1 is not available with --clients (the "
                                                 "load figures go to --json)")
                                      .arg(option->names().constLast()),
                                  Usage);
        if (parser.isSet(rampOption) && !seconds(rampOption, &m_load.rampSeconds))
            return usageError(QStringLiteral("--ramp must be a number of seconds"), Usage);
        if (parser.isSet(durationOption) &&
            (!seconds(durationOption, &m_load.durationSeconds) || m_load.durationSeconds <= 0))
            return usageError(QStringLiteral("--duration must be a positive number of seconds"),
                              Usage);
        for (const QString &text : parser.values(failIfOption)) {
            LoadThreshold threshold;
            QString error;
            if (!LoadThreshold::parse(text, &threshold, &error))
                return usageError(error, Usage);
            m_thresholds.append(threshold);
        }
    } else {
        for (const QCommandLineOption *option : {&rampOption, &durationOption, &failIfOption})
            if (parser.isSet(*option))
                return usageError(
                    QStringLiteral("--%1 needs --clients").arg(option->names().constLast()), Usage);
    }
    m_export.includeSecrets = parser.isSet(secretsOption);
    m_junitPath = parser.value(junitOption);
    m_jsonPath = parser.value(jsonOption);
    m_logDirectory = parser.value(outOption);

    QJsonObject extra;
    if (load) {
        // Known to the loader's check of references; each client gets its own values.
        extra.insert(QStringLiteral("vu"), 0);
        extra.insert(QStringLiteral("iteration"), 0);
    }
    if (QString error; !VariableOptions::apply(parser, &m_variables, &error, extra))
        return usageError(error, Usage);

    const QStringList known = m_variables.namesBeforeRun();
    const QSet<QString> knownSet(known.cbegin(), known.cend());
    for (const QString &file : std::as_const(m_files)) {
        Scenario scenario;
        ScenarioError error;
        if (!ScenarioLoader::loadFile(file, knownSet, &scenario, &error)) {
            say() << error.toString() << "\n";
            m_loadFailures.append({file, error.toString()});
            continue;
        }
        m_scenarios.append(scenario);
    }
    if (!m_loadFailures.isEmpty()) {
        writeReports();
        m_exitCode = UsageError;
        return false;
    }
    return true;
}

void TestCommand::start()
{
    if (m_load.clients > 0 && !m_scenarios.isEmpty()) {
        startLoad();
        return;
    }
    if (!m_logDirectory.isEmpty() && !QDir().mkpath(m_logDirectory)) {
        failToStart(QStringLiteral("cannot create the log directory %1").arg(m_logDirectory));
        return;
    }
    for (int i = 0; i < m_parallel; ++i)
        startNext();
}

void TestCommand::startNext()
{
    if (m_stopping || m_next >= m_scenarios.size()) {
        if (m_running.empty()) {
            writeReports();
            int passed = 0;
            for (const ScenarioResult &result : std::as_const(m_results))
                passed += result.passed ? 1 : 0;
            m_out
                << QStringLiteral("%1 of %2 scenarios passed\n").arg(passed).arg(m_scenarios.size())
                << Qt::flush;
            m_exitCode = passed == m_scenarios.size() && !m_stopping ? Success : Failure;
            finishRun();
        }
        return;
    }
    const qsizetype index = m_next++;
    const Scenario &scenario = m_scenarios.at(index);
    auto running = std::make_unique<Running>();
    Running *r = running.get();
    r->index = index;
    r->runner = std::make_unique<ScenarioRunner>(scenario, m_variables);
    if (!m_logDirectory.isEmpty()) {
        const QString directory = QDir(m_logDirectory)
                                      .filePath(QStringLiteral("%1-%2").arg(index + 1).arg(
                                          QFileInfo(scenario.where.file).completeBaseName()));
        QDir().mkpath(directory);
        ExportOptions options = m_export;
        for (const ScenarioClient &client : scenario.clients) {
            auto log = std::make_unique<LogOutput>();
            connect(log.get(), &LogOutput::writeFailed, this, &TestCommand::noteFailure);
            const QString path = QDir(directory).filePath(
                QStringLiteral("%1.%2").arg(client.name, extensionOf(options.format)));
            if (QString error; !log->open(path, options, &error)) {
                noteFailure(error);
                continue;
            }
            r->logOf.insert(client.name, log.get());
            r->logs.push_back(std::move(log));
        }
    }
    connect(r->runner.get(), &ScenarioRunner::recordAppended, this,
            [r](const QString &client, const PacketRecord &record) {
                if (LogOutput *log = r->logOf.value(client))
                    log->append(record);
            });
    connect(r->runner.get(), &ScenarioRunner::stepFinished, this,
            [this, r](const StepResult &step) {
                QString text = ScenarioReport::stepLine(step) + QLatin1Char('\n');
                if (!step.passed)
                    text += ScenarioReport::failureDetails(
                        step, QString(4 + 2 * step.depth, QLatin1Char(' ')));
                print(r, text);
            });
    connect(r->runner.get(), &ScenarioRunner::finished, this,
            [this, r](const ScenarioResult &result) { scenarioFinished(r, result); });
    print(r, QStringLiteral("%1 (%2)\n").arg(scenario.name, scenario.where.file));
    m_running.push_back(std::move(running));
    r->runner->start();
}

void TestCommand::print(Running *running, const QString &text)
{
    if (m_parallel == 1) {
        m_out << text;
        m_outputPending = true;
        return;
    }
    running->buffered += text;
}

void TestCommand::scenarioFinished(Running *running, const ScenarioResult &result)
{
    QString summary;
    if (!result.error.isEmpty())
        summary = QStringLiteral("  \u2717 %1\n").arg(result.error);
    summary += QStringLiteral("  %1 in %2 ms\n\n")
                   .arg(result.passed ? QStringLiteral("passed") : QStringLiteral("FAILED"))
                   .arg(result.elapsedMs);
    print(running, summary);
    if (m_parallel > 1) {
        m_out << running->buffered;
        m_outputPending = true;
    }
    for (auto &log : running->logs)
        if (QString error; !log->close(&error))
            noteFailure(error);
    m_finished.insert(running->index, result);
    // Deleted on the next turn: the runner is emitting this.
    const auto it = std::find_if(m_running.begin(), m_running.end(),
                                 [running](const auto &r) { return r.get() == running; });
    if (it != m_running.end()) {
        it->get()->runner.release()->deleteLater();
        m_running.erase(it);
    }
    if (m_running.empty() && (m_stopping || m_next >= m_scenarios.size())) {
        for (qsizetype i = 0; i < m_scenarios.size(); ++i)
            if (m_finished.contains(i))
                m_results.append(m_finished.value(i));
    }
    startNext();
}

void TestCommand::startLoad()
{
    const Scenario &scenario = m_scenarios.first();
    m_out << QStringLiteral("%1 (%2): %3 clients%4%5\n")
                 .arg(scenario.name, scenario.where.file)
                 .arg(m_load.clients)
                 .arg(m_load.rampSeconds > 0 ? QStringLiteral(", ramp %1 s").arg(m_load.rampSeconds)
                                             : QString(),
                      m_load.durationSeconds > 0
                          ? QStringLiteral(", for %1 s").arg(m_load.durationSeconds)
                          : QString())
          << Qt::flush;
    m_loadRun = std::make_unique<LoadRun>(scenario, m_variables, m_load);
    connect(m_loadRun.get(), &LoadRun::progress, this, [this](const LoadFigures &figures) {
        m_out << figures.progressLine() << "\n" << Qt::flush;
    });
    connect(m_loadRun.get(), &LoadRun::finished, this, [this](const LoadFigures &figures) {
        m_out << "\n" << figures.summaryText();
        QStringList broken;
        for (const LoadThreshold &threshold : std::as_const(m_thresholds))
            if (threshold.holds(figures))
                broken.append(QStringLiteral("%1 (it is %2)")
                                  .arg(threshold.text)
                                  .arg(figures.value(threshold.metric)));
        for (const QString &line : std::as_const(broken))
            m_out << "\u2717 --fail-if " << line << "\n";
        const bool passed = figures.iterationsFailed == 0 && broken.isEmpty() && !m_stopping &&
                            figures.iterationsPassed > 0;
        m_out << (passed ? "load run passed\n" : "load run FAILED\n") << Qt::flush;
        if (!m_jsonPath.isEmpty()) {
            QJsonObject json = figures.toJson();
            json.insert(QStringLiteral("scenario"), m_scenarios.first().name);
            json.insert(QStringLiteral("passed"), passed);
            json.insert(QStringLiteral("failed_thresholds"), QJsonArray::fromStringList(broken));
            const QByteArray bytes = QJsonDocument(json).toJson();
            QSaveFile file(m_jsonPath);
            if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() ||
                !file.commit())
                noteFailure(
                    QStringLiteral("cannot write %1: %2").arg(m_jsonPath, file.errorString()));
        }
        m_exitCode = passed ? Success : Failure;
        finishRun();
    });
    m_loadRun->start();
}

void TestCommand::stop()
{
    if (m_stopping)
        return;
    m_stopping = true;
    if (m_loadRun) {
        m_loadRun->abort(QStringLiteral("interrupted (SIGINT or SIGTERM)"));
        return;
    }
    for (auto &running : m_running)
        running->runner->abort(QStringLiteral("interrupted (SIGINT or SIGTERM)"));
}

void TestCommand::writeReports()
{
    // Each report is made only when it was asked for.
    const auto write = [this](const QString &path, const auto &make) {
        if (path.isEmpty())
            return;
        const QByteArray bytes = make();
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
            noteFailure(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    };
    write(m_junitPath, [this] { return ScenarioReport::junitXml(m_results, m_loadFailures); });
    write(m_jsonPath, [this] {
        return QJsonDocument(ScenarioReport::json(m_results, m_loadFailures)).toJson();
    });
}
