#include "scenario/scenarioreport.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QXmlStreamWriter>

namespace ScenarioReport {

QString stepLine(const StepResult &step)
{
    QString line = QString(2 + 2 * step.depth, QLatin1Char(' '));
    line += step.passed ? QStringLiteral("\u2713 ") : QStringLiteral("\u2717 ");
    line += step.label;
    line += QStringLiteral("  %1 ms").arg(step.elapsedMs);
    if (step.rttUs >= 0)
        line += QStringLiteral(" (ack rtt %1 ms)").arg(double(step.rttUs) / 1000.0, 0, 'f', 2);
    return line;
}

QString failureDetails(const StepResult &step, const QString &indent)
{
    QString out;
    out += indent + step.failure + QLatin1Char('\n');
    out += indent + QStringLiteral("at %1\n").arg(step.where.toString());
    if (!step.expected.isEmpty())
        out += indent + QStringLiteral("expected: %1\n").arg(step.expected);
    if (!step.actual.isEmpty())
        out += indent + QStringLiteral("actual:   %1\n").arg(step.actual);
    if (!step.difference.isEmpty())
        out += indent + QStringLiteral("first difference: %1\n").arg(step.difference);
    if (!step.context.isEmpty()) {
        out += indent + QStringLiteral("last packets:\n");
        for (const QString &line : step.context)
            out += indent + QStringLiteral("  ") + line + QLatin1Char('\n');
    }
    return out;
}

namespace {
QString seconds(qint64 ms)
{
    return QString::number(double(ms) / 1000.0, 'f', 3);
}

QString classNameOf(const QString &file)
{
    return QFileInfo(file).completeBaseName();
}
} // namespace

QByteArray junitXml(const QList<ScenarioResult> &results, const QList<LoadFailure> &failures)
{
    QByteArray out;
    QXmlStreamWriter xml(&out);
    xml.setAutoFormatting(true);
    xml.writeStartDocument();
    int failed = 0, errors = int(failures.size());
    qint64 totalMs = 0;
    for (const ScenarioResult &result : results) {
        totalMs += result.elapsedMs;
        if (!result.error.isEmpty())
            ++errors;
        else if (!result.passed)
            ++failed;
    }
    xml.writeStartElement(QStringLiteral("testsuites"));
    xml.writeAttribute(QStringLiteral("name"), QStringLiteral("sioscope-cli test"));
    xml.writeAttribute(QStringLiteral("tests"), QString::number(results.size() + failures.size()));
    xml.writeAttribute(QStringLiteral("failures"), QString::number(failed));
    xml.writeAttribute(QStringLiteral("errors"), QString::number(errors));
    xml.writeAttribute(QStringLiteral("time"), seconds(totalMs));

    for (const ScenarioResult &result : results) {
        xml.writeStartElement(QStringLiteral("testsuite"));
        xml.writeAttribute(QStringLiteral("name"), result.file);
        xml.writeAttribute(QStringLiteral("tests"), QStringLiteral("1"));
        xml.writeAttribute(QStringLiteral("failures"),
                           QString::number(!result.passed && result.error.isEmpty() ? 1 : 0));
        xml.writeAttribute(QStringLiteral("errors"),
                           QString::number(result.error.isEmpty() ? 0 : 1));
        xml.writeAttribute(QStringLiteral("skipped"), QStringLiteral("0"));
        xml.writeAttribute(QStringLiteral("time"), seconds(result.elapsedMs));
        xml.writeStartElement(QStringLiteral("testcase"));
        xml.writeAttribute(QStringLiteral("classname"), classNameOf(result.file));
        xml.writeAttribute(QStringLiteral("name"), result.name);
        xml.writeAttribute(QStringLiteral("time"), seconds(result.elapsedMs));
        if (!result.error.isEmpty()) {
            xml.writeStartElement(QStringLiteral("error"));
            xml.writeAttribute(QStringLiteral("message"), result.error);
            xml.writeAttribute(QStringLiteral("type"), QStringLiteral("ScenarioError"));
            xml.writeCharacters(result.error);
            xml.writeEndElement();
        } else if (const StepResult *failure = result.firstFailure()) {
            xml.writeStartElement(QStringLiteral("failure"));
            xml.writeAttribute(QStringLiteral("message"),
                               QStringLiteral("%1: %2").arg(failure->label, failure->failure));
            xml.writeAttribute(QStringLiteral("type"), QStringLiteral("ExpectationFailed"));
            xml.writeCharacters(failureDetails(*failure, {}));
            xml.writeEndElement();
        }
        QString steps;
        for (const StepResult &step : result.steps)
            steps += stepLine(step) + QLatin1Char('\n');
        xml.writeTextElement(QStringLiteral("system-out"), steps);
        xml.writeEndElement(); // testcase
        xml.writeEndElement(); // testsuite
    }
    for (const LoadFailure &failure : failures) {
        xml.writeStartElement(QStringLiteral("testsuite"));
        xml.writeAttribute(QStringLiteral("name"), failure.file);
        xml.writeAttribute(QStringLiteral("tests"), QStringLiteral("1"));
        xml.writeAttribute(QStringLiteral("failures"), QStringLiteral("0"));
        xml.writeAttribute(QStringLiteral("errors"), QStringLiteral("1"));
        xml.writeAttribute(QStringLiteral("skipped"), QStringLiteral("0"));
        xml.writeAttribute(QStringLiteral("time"), QStringLiteral("0.000"));
        xml.writeStartElement(QStringLiteral("testcase"));
        xml.writeAttribute(QStringLiteral("classname"), classNameOf(failure.file));
        xml.writeAttribute(QStringLiteral("name"), classNameOf(failure.file));
        xml.writeAttribute(QStringLiteral("time"), QStringLiteral("0.000"));
        xml.writeStartElement(QStringLiteral("error"));
        xml.writeAttribute(QStringLiteral("message"), failure.message);
        xml.writeAttribute(QStringLiteral("type"), QStringLiteral("ScenarioFileError"));
        xml.writeCharacters(failure.message);
        xml.writeEndElement();
        xml.writeEndElement();
        xml.writeEndElement();
    }
    xml.writeEndElement(); // testsuites
    xml.writeEndDocument();
    return out;
}

QJsonObject json(const QList<ScenarioResult> &results, const QList<LoadFailure> &failures)
{
    QJsonArray scenarios;
    int passed = 0;
    for (const ScenarioResult &result : results) {
        if (result.passed)
            ++passed;
        QJsonArray steps;
        for (const StepResult &step : result.steps) {
            QJsonObject s{{QStringLiteral("step"), step.label},
                          {QStringLiteral("line"), step.where.line},
                          {QStringLiteral("column"), step.where.column},
                          {QStringLiteral("depth"), step.depth},
                          {QStringLiteral("passed"), step.passed},
                          {QStringLiteral("startedMs"), step.startedMs},
                          {QStringLiteral("elapsedMs"), step.elapsedMs}};
            if (step.rttUs >= 0)
                s.insert(QStringLiteral("ackRttMs"), double(step.rttUs) / 1000.0);
            if (!step.passed) {
                s.insert(QStringLiteral("failure"), step.failure);
                if (!step.expected.isEmpty())
                    s.insert(QStringLiteral("expected"), step.expected);
                if (!step.actual.isEmpty())
                    s.insert(QStringLiteral("actual"), step.actual);
                if (!step.difference.isEmpty())
                    s.insert(QStringLiteral("difference"), step.difference);
                s.insert(QStringLiteral("lastPackets"), QJsonArray::fromStringList(step.context));
            }
            steps.append(s);
        }
        QJsonObject scenario{{QStringLiteral("name"), result.name},
                             {QStringLiteral("file"), result.file},
                             {QStringLiteral("passed"), result.passed},
                             {QStringLiteral("elapsedMs"), result.elapsedMs},
                             {QStringLiteral("steps"), steps}};
        if (!result.error.isEmpty())
            scenario.insert(QStringLiteral("error"), result.error);
        scenarios.append(scenario);
    }
    QJsonArray errors;
    for (const LoadFailure &failure : failures)
        errors.append(QJsonObject{{QStringLiteral("file"), failure.file},
                                  {QStringLiteral("error"), failure.message}});
    return {{QStringLiteral("scenarios"), scenarios},
            {QStringLiteral("passed"), passed},
            {QStringLiteral("failed"), int(results.size()) - passed},
            {QStringLiteral("fileErrors"), errors}};
}

} // namespace ScenarioReport
