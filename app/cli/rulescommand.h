// `sioscope-cli rules from <session.jsonl|.har> [-o rules.json]`: writes mock rules for
// `serve --rules` from a recorded client session (RulesFromSession), and the binary arguments
// they refer to in the folder `<rules file's base name>.bin` next to it. Exit status: 0 written,
// 1 the log cannot make rules or a file cannot be written, 2 a usage error or a log that cannot
// be read (named with its line).
#pragma once

#include <QStringList>

namespace RulesCommand {
int run(const QStringList &arguments); // after "rules"
}
