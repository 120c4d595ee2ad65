#include "diffcommand.h"

#include "scenario/sessiondiff.h"
#include "session/logexport.h"
#include "session/sessionlog.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace {
const char *const Usage =
    "usage: sioscope-cli diff <a.jsonl|.har> <b.jsonl|.har> [--json] [--ignore-path <path>]... "
    "[--strict]\n"
    "  compares two recorded client sessions (the original A and its replay B) at the Socket.IO\n"
    "  layer: per namespace and sender, the i-th event X of A against the i-th X of B, its ack,\n"
    "  the answers to CONNECT and the server's DISCONNECTs. The order between different events\n"
    "  and Engine.IO (sids, pings, transports) are not compared; values that change from run to\n"
    "  run (session ids, UUIDs, timestamps...) are equal when both are of the same kind.\n"
    "      --json               the differences as JSON on stdout\n"
    "      --ignore-path <path> leave a value out, in every event's `args` or every `ack`:\n"
    "                           args[0].time, ack[1] (repeatable)\n"
    "      --strict             compare the values that change from run to run too\n"
    "  exit status: 0 no difference, 1 differences, 2 usage error or unreadable log\n";

bool readLog(const QString &fileName, SessionLog *log, QTextStream &err)
{
    QFile in(fileName);
    if (!in.open(QIODevice::ReadOnly)) {
        err << "sioscope-cli diff: cannot read " << fileName << ": " << in.errorString() << "\n";
        return false;
    }
    QString error;
    if (!LogImporter::read(&in, log, &error)) {
        // A log cut short would show as differences that are not there.
        err << "sioscope-cli diff: " << fileName << ": " << error << "\n";
        return false;
    }
    return true;
}
} // namespace

namespace DiffCommand {

int run(const QStringList &arguments)
{
    QTextStream err(stderr);
    const auto usageError = [&err](const QString &message) {
        err << "sioscope-cli diff: " << message << "\n" << Usage;
        return 2;
    };
    QCommandLineParser parser;
    const QCommandLineOption jsonOption(QStringLiteral("json"));
    const QCommandLineOption strictOption(QStringLiteral("strict"));
    const QCommandLineOption ignoreOption(QStringLiteral("ignore-path"), {},
                                          QStringLiteral("path"));
    const QCommandLineOption helpOption(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    parser.addOptions({jsonOption, strictOption, ignoreOption, helpOption});
    if (!parser.parse(QStringList{QStringLiteral("diff")} + arguments))
        return usageError(parser.errorText());
    if (parser.isSet(helpOption)) {
        QTextStream(stdout) << Usage;
        return 0;
    }
    const QStringList files = parser.positionalArguments();
    if (files.size() != 2)
        return usageError(QStringLiteral("expected two logs: diff <a.jsonl|.har> <b.jsonl|.har>"));

    SessionDiffOptions options;
    options.strict = parser.isSet(strictOption);
    for (const QString &text : parser.values(ignoreOption)) {
        JsonPath path;
        QString error;
        qsizetype offset = 0;
        if (!JsonPath::parse(text, &path, &error, &offset))
            return usageError(QStringLiteral("--ignore-path %1: %2 at character %3")
                                  .arg(text, error)
                                  .arg(offset + 1));
        if (path.root() != QLatin1String("args") && path.root() != QLatin1String("ack"))
            return usageError(QStringLiteral("--ignore-path %1: a path starts with args (an "
                                             "event's arguments) or ack (an ack's payload)")
                                  .arg(text));
        options.ignorePaths.append(path);
    }

    SessionLog a, b;
    if (!readLog(files.at(0), &a, err) || !readLog(files.at(1), &b, err))
        return 2;
    SessionDiffResult result;
    QString error;
    if (!SessionDiff::compare(a, b, options, &result, &error)) {
        err << "sioscope-cli diff: " << error << "\n";
        return 2;
    }

    QTextStream out(stdout);
    if (parser.isSet(jsonOption)) {
        QJsonArray differences;
        for (const SessionDifference &difference : std::as_const(result.differences))
            differences.append(difference.toJson());
        const QJsonObject report{
            {QStringLiteral("a"), QJsonObject{{QStringLiteral("file"), files.at(0)},
                                              {QStringLiteral("records"), a.size()}}},
            {QStringLiteral("b"), QJsonObject{{QStringLiteral("file"), files.at(1)},
                                              {QStringLiteral("records"), b.size()}}},
            {QStringLiteral("matched"), result.matched},
            {QStringLiteral("differences"), differences}};
        out << QJsonDocument(report).toJson(QJsonDocument::Indented);
    } else {
        out << "A: " << files.at(0) << " (" << a.size() << " records)\n"
            << "B: " << files.at(1) << " (" << b.size() << " records)\n";
        for (const SessionDifference &difference : std::as_const(result.differences))
            out << difference.toString() << "\n";
        const qsizetype count = result.differences.size();
        if (count == 0)
            out << "no difference: " << result.matched << " packets matched\n";
        else
            out << count << (count == 1 ? " difference" : " differences") << " (" << result.matched
                << " packets matched)\n";
    }
    return result.differences.isEmpty() ? 0 : 1;
}

} // namespace DiffCommand
