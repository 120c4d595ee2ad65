// The reports of a `sioscope-cli test` run: the lines printed as steps finish, JUnit XML for CI
// systems (one <testsuite> per scenario file, one <testcase> per scenario, the failure with its
// difference and the packets before it), and JSON.
#pragma once

#include "scenario/scenarioresult.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace ScenarioReport {

// "  ✓ emit chat (alice) 12 ms" / "  ✗ expect reply (bob) 5003 ms", indented by depth, the
// ack's RTT when there was one.
QString stepLine(const StepResult &step);
// The failure's explanation under its line: the sentence, where in the file, expected,
// actual, the difference, and the packets before it; each line indented.
QString failureDetails(const StepResult &step, const QString &indent);

// A scenario that could not be read still has a testcase, as an error.
struct LoadFailure
{
    QString file;
    QString message; // "file:line:column: message"
};

QByteArray junitXml(const QList<ScenarioResult> &results, const QList<LoadFailure> &failures);
QJsonObject json(const QList<ScenarioResult> &results, const QList<LoadFailure> &failures);

} // namespace ScenarioReport
