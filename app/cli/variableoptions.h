// The --env and --var options of the commands that read scenarios (`test`, `scenario
// export-artillery`): the variables they give, in ScenarioVariables' order of lookup.
#pragma once

#include "scenario/scenariovariables.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QJsonObject>

namespace VariableOptions {

// The parser finds an option by its names: each call makes an equal one.
QCommandLineOption envOption();
QCommandLineOption varOption();

// The process environment, the --env file and the --var assignments, with `extra` (names the
// command defines, such as a load run's "vu") among the command line's. False with an error
// for people.
bool apply(const QCommandLineParser &parser, ScenarioVariables *variables, QString *error,
           const QJsonObject &extra = {});

} // namespace VariableOptions
