// Runs a scenario: opens its clients, then runs its steps one after another, each against what
// its client has received so far and what arrives within the step's timeout. The first step that
// fails ends the run; the clients are then closed. Every record of every client is passed on as
// it happens, so that the session logs can be written and opened in the GUI.
#pragma once

#include "scenario/scenario.h"
#include "scenario/scenarioresult.h"
#include "scenario/scenariovariables.h"
#include "socketio/packetrecord.h"

#include <QObject>

#include <memory>

class ScenarioRunnerPrivate;

class ScenarioRunner : public QObject
{
    Q_OBJECT
public:
    ScenarioRunner(const Scenario &scenario, const ScenarioVariables &variables,
                   QObject *parent = nullptr);
    ~ScenarioRunner() override;

    void start();
    // Ends the run now (SIGINT): the current step fails with `reason`.
    void abort(const QString &reason);
    bool isFinished() const;
    const ScenarioResult &result() const;
    const Scenario &scenario() const;

Q_SIGNALS:
    void stepFinished(const StepResult &result);
    void recordAppended(const QString &client, const PacketRecord &record);
    void finished(const ScenarioResult &result);

private:
    friend class ScenarioRunnerPrivate;
    std::unique_ptr<ScenarioRunnerPrivate> d;
};
