// The {{variables}} of a scenario and where their values come from. A name is looked up in
// order: values captured during the run, --var k=v, the environment file (--env), the scenario's
// own `variables:`, then the process environment. A string that is exactly one reference
// ("{{user}}") becomes the value with its JSON type (a captured object stays an object); a
// reference inside a longer string is replaced by the value's text (a string as it is, anything
// else as compact JSON).
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

class ScenarioVariables
{
public:
    ScenarioVariables() = default;

    void setCommandLine(const QJsonObject &values) { m_commandLine = values; }
    QJsonObject commandLine() const { return m_commandLine; }
    void setEnvironmentFile(const QJsonObject &values) { m_environmentFile = values; }
    void setScenarioDefaults(const QJsonObject &values) { m_scenario = values; }
    void setProcessEnvironment(const QProcessEnvironment &environment) { m_process = environment; }
    void capture(const QString &name, const QJsonValue &value) { m_captured.insert(name, value); }
    QJsonObject captured() const;

    bool contains(const QString &name) const;
    // Undefined when the name is defined nowhere.
    QJsonValue value(const QString &name) const;
    // Every name known before the run (all but the captures), for the loader's check.
    QStringList namesBeforeRun() const;

    // Substitutes every reference in the strings of `value` (arrays and object members, not
    // object keys). False with "undefined variable \"x\"" when a name is not defined.
    bool substitute(const QJsonValue &value, QJsonValue *out, QString *error) const;
    bool substituteText(const QString &text, QString *out, QString *error) const;

    // The names that `text` refers to, in order: `{{ name }}` with optional blanks around a name
    // of letters, digits, '_', '-' and '.', starting with a letter or '_'. Any other "{{" is
    // literal text.
    static QStringList references(const QString &text);
    // Whether `name` can be referred to: the name references() reads between the braces.
    static bool isVariableName(const QString &name);

    // "name=value" (--var, the GUI's variable lines): a value that parses as JSON keeps its type
    // ({"id":1}, 42, true); anything else is text. False when the name is missing or is not a
    // variable name (see references()).
    static bool parseAssignment(const QString &assignment, QString *name, QJsonValue *value);

private:
    QHash<QString, QJsonValue> m_captured;
    QJsonObject m_commandLine;
    QJsonObject m_environmentFile;
    QJsonObject m_scenario;
    QProcessEnvironment m_process;
};
