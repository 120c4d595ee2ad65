#include "scenario/loadrun.h"

#include "scenario/scenarioresult.h"
#include "scenario/scenariorunner.h"
#include "socketio/packetrecord.h"
#include "socketio/socketiopacket.h"

#include <QFile>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace {

constexpr int RampTickMs = 5;
constexpr int ProgressTickMs = 1000;

double cpuSecondsOfProcess()
{
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) != 0)
        return 0;
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Resident memory now, from /proc/self/statm (Linux); 0 elsewhere.
qint64 residentBytes()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * sysconf(_SC_PAGESIZE) : 0;
}

} // namespace

struct LoadRun::VirtualClient
{
    int index = 0;
    int iteration = 0;
    int openConnections = 0; // of the current run
    bool everConnected = false;
    bool everFailed = false;
    std::unique_ptr<ScenarioRunner> runner;
};

LoadRun::LoadRun(const Scenario &scenario, const ScenarioVariables &variables,
                 const LoadOptions &options, QObject *parent)
    : QObject(parent)
    , m_scenario(scenario)
    , m_variables(variables)
    , m_options(options)
{
    m_figures.clients = options.clients;
    m_rampTimer.setInterval(RampTickMs);
    connect(&m_rampTimer, &QTimer::timeout, this, &LoadRun::startDue);
    m_tickTimer.setInterval(ProgressTickMs);
    connect(&m_tickTimer, &QTimer::timeout, this, &LoadRun::tick);
    m_graceTimer.setSingleShot(true);
    connect(&m_graceTimer, &QTimer::timeout, this, [this] {
        abort(QStringLiteral("still running %1 s after the load run's duration ended")
                  .arg(m_options.graceMs / 1000));
    });
}

LoadRun::~LoadRun() = default;

void LoadRun::start()
{
    if (m_started)
        return;
    m_started = true;
    m_figures.baselineRssBytes = residentBytes();
    m_clock.start();
    m_clients.reserve(size_t(m_options.clients));
    m_tickTimer.start();
    if (m_options.durationSeconds > 0)
        m_graceTimer.start(int(m_options.durationSeconds * 1000) + m_options.graceMs);
    startDue();
    if (m_figures.started < m_options.clients)
        m_rampTimer.start();
}

bool LoadRun::durationOver() const
{
    return m_options.durationSeconds > 0 &&
           m_clock.elapsed() >= qint64(m_options.durationSeconds * 1000);
}

void LoadRun::startDue()
{
    if (!m_abortReason.isEmpty()) {
        m_rampTimer.stop();
        return;
    }
    // Client i starts at i * ramp / N: an even arrival over the ramp.
    const double elapsed = double(m_clock.elapsed()) / 1000.0;
    const int due =
        m_options.rampSeconds > 0
            ? std::min(m_options.clients,
                       int(std::floor(elapsed / m_options.rampSeconds * m_options.clients)) + 1)
            : m_options.clients;
    while (m_figures.started < due) {
        auto client = std::make_unique<VirtualClient>();
        client->index = m_figures.started++;
        VirtualClient *raw = client.get();
        m_clients.push_back(std::move(client));
        startIteration(raw);
    }
    if (m_figures.started >= m_options.clients)
        m_rampTimer.stop();
}

void LoadRun::startIteration(VirtualClient *client)
{
    ScenarioVariables variables = m_variables;
    QJsonObject commandLine = variables.commandLine();
    commandLine.insert(QStringLiteral("vu"), client->index);
    commandLine.insert(QStringLiteral("iteration"), client->iteration);
    variables.setCommandLine(commandLine);
    client->openConnections = 0;
    client->runner = std::make_unique<ScenarioRunner>(m_scenario, variables);
    ScenarioRunner *runner = client->runner.get();
    connect(runner, &ScenarioRunner::recordAppended, this,
            [this, client](const QString &, const PacketRecord &record) {
                recordArrived(client, record);
            });
    connect(runner, &ScenarioRunner::stepFinished, this, &LoadRun::stepFinished);
    connect(runner, &ScenarioRunner::finished, this,
            [this, client](const ScenarioResult &result) { iterationFinished(client, result); });
    ++m_figures.running;
    runner->start();
}

void LoadRun::recordArrived(VirtualClient *client, const PacketRecord &record)
{
    switch (record.layer) {
    case PacketRecord::Layer::SocketIo:
        if (record.type == SocketIoPacket::Event || record.type == SocketIoPacket::BinaryEvent)
            ++(record.direction == PacketRecord::Direction::Out ? m_figures.eventsOut
                                                                : m_figures.eventsIn);
        break;
    case PacketRecord::Layer::EngineIo:
        if (record.type == EngineIoPacket::Open &&
            record.direction == PacketRecord::Direction::In) {
            ++client->openConnections;
            ++m_openConnections;
            if (!client->everConnected) {
                client->everConnected = true;
                ++m_figures.connected;
            }
            // The memory when the most connections were open: per connected client. A read of
            // /proc costs microseconds; it is done once per new high.
            if (m_openConnections > m_figures.mostConnectedAtOnce) {
                m_figures.mostConnectedAtOnce = m_openConnections;
                m_figures.connectedRssBytes = residentBytes();
            }
        }
        break;
    default:
        break;
    }
}

void LoadRun::stepFinished(const StepResult &step)
{
    if (step.rttUs >= 0)
        m_ack.add(step.rttUs);
    if (step.passed &&
        (step.kind == ScenarioStep::Kind::Expect || step.kind == ScenarioStep::Kind::AnyOrder))
        m_expect.add(step.elapsedUs);
}

void LoadRun::iterationFinished(VirtualClient *client, const ScenarioResult &result)
{
    --m_figures.running;
    m_openConnections -= client->openConnections;
    client->openConnections = 0;
    if (result.passed) {
        ++m_figures.iterationsPassed;
    } else {
        ++m_figures.iterationsFailed;
        if (!client->everFailed) {
            client->everFailed = true;
            ++m_figures.failedClients;
        }
        const StepResult *failure = result.firstFailure();
        const QString message = !result.error.isEmpty() ? result.error
                                : failure
                                    ? QStringLiteral("%1: %2").arg(failure->label, failure->failure)
                                    : QStringLiteral("failed");
        ++m_errors[message];
    }
    // The runner is emitting this: deleted on the next turn.
    client->runner.release()->deleteLater();
    ++client->iteration;
    if (m_options.durationSeconds > 0 && !durationOver() && m_abortReason.isEmpty()) {
        startIteration(client);
        return;
    }
    finishIfDone();
}

void LoadRun::abort(const QString &reason)
{
    if (m_finished || !m_abortReason.isEmpty())
        return;
    m_abortReason = reason;
    m_rampTimer.stop();
    for (const auto &client : m_clients)
        if (client->runner && !client->runner->isFinished())
            client->runner->abort(reason);
    finishIfDone();
}

void LoadRun::finishIfDone()
{
    if (m_finished || m_figures.running > 0)
        return;
    if (m_figures.started < m_options.clients && m_abortReason.isEmpty())
        return; // the ramp goes on
    m_finished = true;
    m_rampTimer.stop();
    m_tickTimer.stop();
    m_graceTimer.stop();
    Q_EMIT finished(figures());
}

void LoadRun::sample()
{
    m_figures.elapsedSeconds = double(m_clock.nsecsElapsed()) / 1e9;
    m_figures.cpuSeconds = cpuSecondsOfProcess();
    m_figures.rssBytes = residentBytes();
    m_figures.peakRssBytes = std::max(m_figures.peakRssBytes, m_figures.rssBytes);
    m_figures.ack = m_ack.summary();
    m_figures.expect = m_expect.summary();
    QList<QPair<QString, int>> errors;
    for (auto it = m_errors.constBegin(); it != m_errors.constEnd(); ++it)
        errors.append({it.key(), it.value()});
    std::sort(errors.begin(), errors.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (errors.size() > 10)
        errors.resize(10);
    m_figures.errors = errors;
}

LoadFigures LoadRun::figures()
{
    sample();
    return m_figures;
}

void LoadRun::tick()
{
    Q_EMIT progress(figures());
}
