// What a scenario run found: one result per step that ran, with the failure's details.
#pragma once

#include "scenario/scenario.h"

#include <QList>
#include <QString>
#include <QStringList>

struct StepResult
{
    SourceLocation where;
    QString label; // ScenarioStep::label()
    ScenarioStep::Kind kind = ScenarioStep::Kind::Wait;
    int depth = 0; // nesting inside repeat
    bool passed = false;
    qint64 startedMs = 0; // since the scenario started
    qint64 elapsedMs = 0;
    qint64 elapsedUs = 0; // the same, finer
    qint64 rttUs = -1;    // an emit's ack
    QString failure;      // one sentence: what went wrong
    QString expected;     // what was expected, as JSON or in words
    QString actual;       // what arrived instead (the closest candidate), as JSON
    QString difference;   // the first difference (MatchResult::toString())
    QStringList context;  // the packets just before the failure, oldest first
};

struct ScenarioResult
{
    QString name;
    QString file;
    bool passed = false;
    qint64 elapsedMs = 0;
    QList<StepResult> steps;
    // Why the run stopped before its steps were done, when it was not a step that failed (a
    // variable in a client's URL that is not a URL, an interruption).
    QString error;

    const StepResult *firstFailure() const;
};
