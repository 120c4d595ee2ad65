// A load run (`sioscope-cli test <scenario> --clients N [--ramp s] [--duration s]`): N virtual
// clients of one scenario in this process, started evenly over the ramp. Each runs the scenario
// (all of its clients) once, or with a duration again and again until it ends, each run on a
// connection of its own. {{vu}} is the virtual client's number (from 0) and {{iteration}} its
// run's. The figures (LoadFigures) are sampled once a second and at the end.
#pragma once

#include "scenario/loadfigures.h"
#include "scenario/scenario.h"
#include "scenario/scenariovariables.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

class ScenarioRunner;
struct ScenarioResult;
struct StepResult;
class PacketRecord;

struct LoadOptions
{
    int clients = 1;
    double rampSeconds = 0;     // 0: all at once
    double durationSeconds = 0; // 0: each client runs the scenario once
    // After the duration, runs still going are given this long to finish, then aborted.
    int graceMs = 30000;
};

class LoadRun : public QObject
{
    Q_OBJECT
public:
    // `variables` must know "vu" and "iteration" if the scenario uses them (the loader checks
    // references before the run); each client gets its own values.
    LoadRun(const Scenario &scenario, const ScenarioVariables &variables,
            const LoadOptions &options, QObject *parent = nullptr);
    ~LoadRun() override;

    void start();
    // Ends the run now: running scenarios fail with `reason`, no new one starts.
    void abort(const QString &reason);
    bool isFinished() const { return m_finished; }
    // The figures so far (sampled now).
    LoadFigures figures();

Q_SIGNALS:
    void progress(const LoadFigures &figures); // once a second
    void finished(const LoadFigures &figures);

private:
    struct VirtualClient;
    void startDue();
    void startIteration(VirtualClient *client);
    void recordArrived(VirtualClient *client, const PacketRecord &record);
    void stepFinished(const StepResult &step);
    void iterationFinished(VirtualClient *client, const ScenarioResult &result);
    void sample();
    void tick();
    void finishIfDone();
    bool durationOver() const;

    Scenario m_scenario;
    ScenarioVariables m_variables;
    LoadOptions m_options;
    std::vector<std::unique_ptr<VirtualClient>> m_clients;
    QElapsedTimer m_clock;
    QTimer m_rampTimer;
    QTimer m_tickTimer;
    QTimer m_graceTimer;
    LatencySamples m_ack;
    LatencySamples m_expect;
    QHash<QString, int> m_errors;
    LoadFigures m_figures;
    int m_openConnections = 0;
    QString m_abortReason;
    bool m_started = false;
    bool m_finished = false;
};
