#include "variableoptions.h"

#include "scenario/scenarioloader.h"

#include <QProcessEnvironment>

namespace VariableOptions {

QCommandLineOption envOption()
{
    return {QStringLiteral("env"), {}, QStringLiteral("file")};
}

QCommandLineOption varOption()
{
    return {QStringLiteral("var"), {}, QStringLiteral("name=value")};
}

bool apply(const QCommandLineParser &parser, ScenarioVariables *variables, QString *error,
           const QJsonObject &extra)
{
    variables->setProcessEnvironment(QProcessEnvironment::systemEnvironment());
    if (parser.isSet(envOption())) {
        QJsonObject values;
        ScenarioError loadError;
        if (!ScenarioLoader::loadVariablesFile(parser.value(envOption()), &values, &loadError)) {
            *error = loadError.toString();
            return false;
        }
        variables->setEnvironmentFile(values);
    }
    QJsonObject commandLine = extra;
    for (const QString &assignment : parser.values(varOption())) {
        QString name;
        QJsonValue value;
        if (!ScenarioVariables::parseAssignment(assignment, &name, &value)) {
            *error = QStringLiteral("--var must be <name>=<value> with a name of letters, digits, "
                                    "'_', '-' and '.', got \"%1\"")
                         .arg(assignment);
            return false;
        }
        commandLine.insert(name, value);
    }
    variables->setCommandLine(commandLine);
    return true;
}

} // namespace VariableOptions
