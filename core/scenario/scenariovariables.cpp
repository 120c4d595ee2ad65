#include "scenario/scenariovariables.h"

#include "scenario/payloadmatch.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace {
// One pattern for a name, in a reference and alone.
constexpr char VariableName[] = "[A-Za-z_][A-Za-z0-9_.\\-]*";

const QRegularExpression &referencePattern()
{
    static const QRegularExpression pattern(QStringLiteral("\\{\\{\\s*(") +
                                            QLatin1String(VariableName) +
                                            QStringLiteral(")\\s*\\}\\}"));
    return pattern;
}

const QRegularExpression &namePattern()
{
    static const QRegularExpression pattern(
        QRegularExpression::anchoredPattern(QLatin1String(VariableName)));
    return pattern;
}

QString asText(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    if (value.isArray() || value.isObject())
        return PayloadMatch::compactJson(value);
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.isDouble()) {
        const double d = value.toDouble();
        if (d == double(qint64(d)))
            return QString::number(qint64(d));
        return QString::number(d, 'g', 17);
    }
    return QStringLiteral("null");
}
} // namespace

QJsonObject ScenarioVariables::captured() const
{
    QJsonObject out;
    for (auto it = m_captured.constBegin(); it != m_captured.constEnd(); ++it)
        out.insert(it.key(), it.value());
    return out;
}

bool ScenarioVariables::contains(const QString &name) const
{
    return !value(name).isUndefined();
}

QJsonValue ScenarioVariables::value(const QString &name) const
{
    if (const auto it = m_captured.constFind(name); it != m_captured.constEnd())
        return *it;
    for (const QJsonObject *layer : {&m_commandLine, &m_environmentFile, &m_scenario})
        if (const auto it = layer->constFind(name); it != layer->constEnd())
            return *it;
    if (m_process.contains(name))
        return m_process.value(name);
    return QJsonValue::Undefined;
}

QStringList ScenarioVariables::namesBeforeRun() const
{
    QStringList names =
        m_commandLine.keys() + m_environmentFile.keys() + m_scenario.keys() + m_process.keys();
    names.removeDuplicates();
    return names;
}

QStringList ScenarioVariables::references(const QString &text)
{
    QStringList names;
    if (!text.contains(QLatin1String("{{")))
        return names;
    auto it = referencePattern().globalMatch(text);
    while (it.hasNext())
        names.append(it.next().captured(1));
    return names;
}

bool ScenarioVariables::isVariableName(const QString &name)
{
    return namePattern().match(name).hasMatch();
}

bool ScenarioVariables::parseAssignment(const QString &assignment, QString *name, QJsonValue *value)
{
    const qsizetype equals = assignment.indexOf(QLatin1Char('='));
    *name = assignment.left(equals);
    if (equals <= 0 || !isVariableName(*name))
        return false;
    const QString text = assignment.mid(equals + 1);
    QJsonParseError parseError;
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray("[") + text.toUtf8() + "]", &parseError);
    *value = parseError.error == QJsonParseError::NoError && document.array().size() == 1
                 ? document.array().first()
                 : QJsonValue(text);
    return true;
}

bool ScenarioVariables::substituteText(const QString &text, QString *out, QString *error) const
{
    if (!text.contains(QLatin1String("{{"))) {
        *out = text;
        return true;
    }
    QString result;
    qsizetype from = 0;
    auto it = referencePattern().globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        const QJsonValue v = value(match.captured(1));
        if (v.isUndefined()) {
            *error = QStringLiteral("undefined variable \"%1\"").arg(match.captured(1));
            return false;
        }
        result += QStringView(text).mid(from, match.capturedStart() - from);
        result += asText(v);
        from = match.capturedEnd();
    }
    result += QStringView(text).mid(from);
    *out = result;
    return true;
}

bool ScenarioVariables::substitute(const QJsonValue &value, QJsonValue *out, QString *error) const
{
    if (value.isString()) {
        const QString text = value.toString();
        const QRegularExpressionMatch whole = referencePattern().match(text);
        if (whole.hasMatch() && whole.capturedStart() == 0 &&
            whole.capturedLength() == text.size()) {
            const QJsonValue v = this->value(whole.captured(1));
            if (v.isUndefined()) {
                *error = QStringLiteral("undefined variable \"%1\"").arg(whole.captured(1));
                return false;
            }
            *out = v;
            return true;
        }
        QString substituted;
        if (!substituteText(text, &substituted, error))
            return false;
        *out = substituted;
        return true;
    }
    if (value.isArray()) {
        QJsonArray array;
        for (const QJsonValue &item : value.toArray()) {
            QJsonValue v;
            if (!substitute(item, &v, error))
                return false;
            array.append(v);
        }
        *out = array;
        return true;
    }
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        QJsonObject result;
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            QJsonValue v;
            if (!substitute(it.value(), &v, error))
                return false;
            result.insert(it.key(), v);
        }
        *out = result;
        return true;
    }
    *out = value;
    return true;
}
