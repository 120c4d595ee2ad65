// Reads scenario files (YAML, or JSON, which YAML 1.2 contains) and environment files into the
// model, checking everything that can be checked before a run: the keys of each step, the
// clients it names, JSON paths, regular expressions and schemas, and that every {{variable}} is
// defined before it is used. The first mistake is returned with its file, line and column.
#pragma once

#include "scenario/scenario.h"

#include <QByteArray>
#include <QJsonObject>
#include <QSet>
#include <QString>

struct ScenarioError
{
    SourceLocation where;
    QString message;

    // "file:line:column: message".
    QString toString() const;
};

class ScenarioLoader
{
public:
    // `knownVariables`: the names defined before the run (--var, the environment file, the
    // process environment); the scenario's `variables:` and the captures of earlier steps are
    // added by the loader.
    static bool loadFile(const QString &path, const QSet<QString> &knownVariables,
                         Scenario *scenario, ScenarioError *error);
    static bool load(const QByteArray &text, const QString &fileName,
                     const QSet<QString> &knownVariables, Scenario *scenario, ScenarioError *error);

    // An environment file: a mapping of names to values (any JSON value).
    static bool loadVariablesFile(const QString &path, QJsonObject *variables,
                                  ScenarioError *error);
    static bool loadVariables(const QByteArray &text, const QString &fileName,
                              QJsonObject *variables, ScenarioError *error);
};
