// `sioscope-cli diff <a.jsonl|.har> <b.jsonl|.har> [--json] [--ignore-path <path>]... [--strict]`:
// compares two recorded client sessions at the Socket.IO layer (SessionDiff), typically the
// original and its replay. Exit status: 0 no difference, 1 differences, 2 a usage error or a log
// that cannot be read (the file and the line the log reader names).
#pragma once

#include <QStringList>

namespace DiffCommand {
int run(const QStringList &arguments); // after "diff"
}
