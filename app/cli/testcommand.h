// `sioscope-cli test <scenario>...`: runs scenario files (docs/testing-scenarios.md), prints a
// line per step as it finishes, and on a failure what was expected, what arrived, and the
// packets before it. Writes JUnit XML and JSON reports and each client's session log. Exit
// status: 0 every scenario passed, 1 one failed, 2 a usage error or a scenario file that cannot
// be read (named with file, line and column).
#pragma once

#include "clicommand.h"
#include "scenario/loadrun.h"
#include "scenario/scenarioreport.h"
#include "scenario/scenariorunner.h"
#include "session/logexport.h"

#include <QHash>
#include <QList>
#include <QTextStream>

#include <memory>

class TestCommand : public CliCommand
{
    Q_OBJECT
public:
    explicit TestCommand(QObject *parent = nullptr);
    ~TestCommand() override;

    bool parse(const QStringList &arguments) override; // after "test"
    void start() override;
    // Aborts the running scenarios (their current step fails as interrupted), then reports.
    void stop() override;

private:
    struct Running;
    void startNext();
    void startLoad();
    void scenarioFinished(Running *running, const ScenarioResult &result);
    void writeReports();
    // The lines of a scenario go out together when scenarios run in parallel.
    void print(Running *running, const QString &text);

    QStringList m_files;
    QList<Scenario> m_scenarios;
    QList<ScenarioReport::LoadFailure> m_loadFailures;
    ScenarioVariables m_variables;
    QString m_junitPath;
    QString m_jsonPath;
    QString m_logDirectory;
    ExportOptions m_export;
    int m_parallel = 1;
    LoadOptions m_load{0};
    QList<LoadThreshold> m_thresholds;
    std::unique_ptr<LoadRun> m_loadRun;

    qsizetype m_next = 0;
    std::vector<std::unique_ptr<Running>> m_running;
    QList<ScenarioResult> m_results; // in the order of the files
    QHash<qsizetype, ScenarioResult> m_finished;
    bool m_stopping = false;
    QTextStream m_out;
    bool m_outputPending = false; // written to m_out since its last flush
};
