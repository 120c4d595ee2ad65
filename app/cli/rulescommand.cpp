#include "rulescommand.h"

#include "scenario/rulesfromsession.h"
#include "session/logexport.h"
#include "session/sessionlog.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QTextStream>

namespace {
const char *const Usage =
    "usage: sioscope-cli rules from <session.jsonl|.har> [-o <rules.json>]\n"
    "  writes mock rules for `sioscope-cli serve --rules` that stand in for the server of a\n"
    "  recorded client session: what the server sent after each of our events (emits, the ack,\n"
    "  a disconnect) with its delays, what it sent on connect, and its periodic emits; what\n"
    "  rules cannot say is written as comments (docs/server.md, \"Rules from a recording\")\n"
    "  -o, --out <file>   where to write it (default stdout); binary arguments go to files in\n"
    "                     <file's base name>.bin/ next to it (on stdout they cannot: an error)\n";
} // namespace

namespace RulesCommand {

int run(const QStringList &arguments)
{
    QTextStream err(stderr);
    const auto usageError = [&err](const QString &message) {
        err << "sioscope-cli rules: " << message << "\n" << Usage;
        return 2;
    };
    QCommandLineParser parser;
    const QCommandLineOption outOption({QStringLiteral("o"), QStringLiteral("out")}, {},
                                       QStringLiteral("file"));
    const QCommandLineOption helpOption(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    parser.addOptions({outOption, helpOption});
    if (!parser.parse(QStringList{QStringLiteral("rules")} + arguments))
        return usageError(parser.errorText());
    if (parser.isSet(helpOption)) {
        QTextStream(stdout) << Usage;
        return 0;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2 || positional.first() != QLatin1String("from"))
        return usageError(QStringLiteral("expected: rules from <session.jsonl|.har>"));

    QFile in(positional.at(1));
    if (!in.open(QIODevice::ReadOnly)) {
        err << "sioscope-cli rules: cannot read " << in.fileName() << ": " << in.errorString()
            << "\n";
        return 2;
    }
    SessionLog log;
    QString error;
    // Rules from part of a session would stand in for part of a server: a log that does not read
    // to its end is refused.
    if (!LogImporter::read(&in, &log, &error)) {
        err << "sioscope-cli rules: " << in.fileName() << ": " << error << "\n";
        return 2;
    }
    RulesFromSessionOptions options;
    options.source = QFileInfo(in.fileName()).fileName();
    const QString outPath = parser.value(outOption);
    if (!outPath.isEmpty())
        options.binaryFolder = QFileInfo(outPath).completeBaseName() + QStringLiteral(".bin");
    QByteArray json;
    QList<RulesAttachment> attachments;
    if (!RulesFromSession::write(log, options, &json, &attachments, &error)) {
        err << "sioscope-cli rules: " << in.fileName() << ": " << error << "\n";
        return 1;
    }
    if (outPath.isEmpty()) {
        QFile out;
        if (!out.open(stdout, QIODevice::WriteOnly) || out.write(json) != json.size()) {
            err << "sioscope-cli rules: cannot write to stdout\n";
            return 1;
        }
        return 0;
    }
    // The binaries first: rules written are rules whose files are there.
    const QDir folder = QFileInfo(outPath).absoluteDir();
    for (const RulesAttachment &attachment : std::as_const(attachments)) {
        const QString path = folder.filePath(attachment.path);
        QSaveFile file(path);
        if (!QDir().mkpath(QFileInfo(path).absolutePath()) || !file.open(QIODevice::WriteOnly) ||
            file.write(attachment.bytes) != attachment.bytes.size() || !file.commit()) {
            err << "sioscope-cli rules: cannot write " << path << ": " << file.errorString()
                << "\n";
            return 1;
        }
    }
    QSaveFile out(outPath);
    if (!out.open(QIODevice::WriteOnly) || out.write(json) != json.size() || !out.commit()) {
        err << "sioscope-cli rules: cannot write " << out.fileName() << ": " << out.errorString()
            << "\n";
        return 1;
    }
    return 0;
}

} // namespace RulesCommand
