#include "scenariocommand.h"

#include "scenario/scenariofromsession.h"
#include "session/logexport.h"
#include "session/sessionlog.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QTextStream>

namespace {
const char *const Usage =
    "usage: sioscope-cli scenario from <session.jsonl|.har> [-o <scenario.yaml>] [--name <name>]\n"
    "  writes a scenario for `sioscope-cli test` from a recorded client session: our emits "
    "become\n  emits, what the server sent becomes expectations, acks become ack expectations "
    "or replies;\n  values that change from run to run are matched by their form (noted as "
    "comments)\n"
    "  -o, --out <file>   where to write it (default stdout)\n"
    "      --name <name>  the scenario's name (default: the log's file name)\n";
} // namespace

namespace ScenarioCommand {

int run(const QStringList &arguments)
{
    QTextStream err(stderr);
    const auto usageError = [&err](const QString &message) {
        err << "sioscope-cli scenario: " << message << "\n" << Usage;
        return 2;
    };
    QCommandLineParser parser;
    const QCommandLineOption outOption({QStringLiteral("o"), QStringLiteral("out")}, {},
                                       QStringLiteral("file"));
    const QCommandLineOption nameOption(QStringLiteral("name"), {}, QStringLiteral("name"));
    const QCommandLineOption helpOption(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    parser.addOptions({outOption, nameOption, helpOption});
    if (!parser.parse(QStringList{QStringLiteral("scenario")} + arguments))
        return usageError(parser.errorText());
    if (parser.isSet(helpOption)) {
        QTextStream(stdout) << Usage;
        return 0;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2 || positional.first() != QLatin1String("from"))
        return usageError(QStringLiteral("expected: scenario from <session.jsonl|.har>"));

    QFile in(positional.at(1));
    if (!in.open(QIODevice::ReadOnly)) {
        err << "sioscope-cli scenario: cannot read " << in.fileName() << ": " << in.errorString()
            << "\n";
        return 1;
    }
    SessionLog log;
    QString error;
    if (!LogImporter::read(&in, &log, &error)) {
        // What was read before the bad line still makes a scenario; the user is told where the
        // log stopped.
        err << "sioscope-cli scenario: " << in.fileName() << ": " << error << " (the " << log.size()
            << " records before it are used)\n";
    }
    ScenarioFromSessionOptions options;
    options.source = QFileInfo(in.fileName()).fileName();
    options.name = parser.isSet(nameOption) ? parser.value(nameOption)
                                            : QFileInfo(in.fileName()).completeBaseName();
    QByteArray yaml;
    if (!ScenarioFromSession::write(log, options, &yaml, &error)) {
        err << "sioscope-cli scenario: " << in.fileName() << ": " << error << "\n";
        return 1;
    }
    if (!parser.isSet(outOption)) {
        QFile out;
        if (!out.open(stdout, QIODevice::WriteOnly) || out.write(yaml) != yaml.size()) {
            err << "sioscope-cli scenario: cannot write to stdout\n";
            return 1;
        }
        return 0;
    }
    QSaveFile out(parser.value(outOption));
    if (!out.open(QIODevice::WriteOnly) || out.write(yaml) != yaml.size() || !out.commit()) {
        err << "sioscope-cli scenario: cannot write " << out.fileName() << ": " << out.errorString()
            << "\n";
        return 1;
    }
    return 0;
}

} // namespace ScenarioCommand
