// `sioscope-cli scenario from <session.jsonl|.har> [-o scenario.yaml] [--name <name>]`: writes a
// scenario from a recorded client session (ScenarioFromSession). Exit status: 0 written, 1 the
// log cannot make a scenario or a file cannot be read or written, 2 a usage error.
#pragma once

#include <QStringList>

namespace ScenarioCommand {
int run(const QStringList &arguments); // after "scenario"
}
