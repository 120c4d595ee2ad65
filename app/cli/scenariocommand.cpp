#include "scenariocommand.h"

#include "scenario/artilleryexport.h"
#include "scenario/scenariofromsession.h"
#include "scenario/scenarioloader.h"
#include "session/logexport.h"
#include "session/sessionlog.h"
#include "variableoptions.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QTextStream>

namespace {
const char *const Usage =
    "usage: sioscope-cli scenario from <session.jsonl|.har> [-o <scenario.yaml>] [--name <name>]\n"
    "       sioscope-cli scenario export-artillery <scenario.yaml> [-o <load.yml>] [options]\n"
    "  writes a scenario for `sioscope-cli test` from a recorded client session: our emits "
    "become\n  emits, what the server sent becomes expectations, acks become ack expectations "
    "or replies;\n  values that change from run to run are matched by their form (noted as "
    "comments)\n"
    "  -o, --out <file>   where to write it (default stdout)\n"
    "      --name <name>  the scenario's name (default: the log's file name)\n"
    "export-artillery writes an Artillery script (its socketio engine) of the same flow; what "
    "it\n  cannot express is a comment in the script and a line on stderr\n"
    "      --client <name>       which client of the scenario (default: the only one)\n"
    "      --arrivals <n>        virtual users of the phase (default 10)\n"
    "      --phase <seconds>     their arrivals spread over this time (default 10)\n"
    "      --env <file>, --var <name>=<value>   the scenario's variables, as for test\n";
} // namespace

namespace {

// The output: a file (written whole or not at all) or stdout.
int writeOut(const QCommandLineParser &parser, const QCommandLineOption &outOption,
             const QByteArray &bytes, QTextStream &err)
{
    if (!parser.isSet(outOption)) {
        QFile out;
        if (!out.open(stdout, QIODevice::WriteOnly) || out.write(bytes) != bytes.size()) {
            err << "sioscope-cli scenario: cannot write to stdout\n";
            return 1;
        }
        return 0;
    }
    QSaveFile out(parser.value(outOption));
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size() || !out.commit()) {
        err << "sioscope-cli scenario: cannot write " << out.fileName() << ": " << out.errorString()
            << "\n";
        return 1;
    }
    return 0;
}

template<typename UsageError>
int exportArtillery(const QCommandLineParser &parser, const QCommandLineOption &outOption,
                    const QString &file, const UsageError &usageError)
{
    QTextStream err(stderr);
    ArtilleryExportOptions options;
    options.client = parser.value(QStringLiteral("client"));
    if (parser.isSet(QStringLiteral("arrivals"))) {
        bool ok = false;
        options.arrivals = parser.value(QStringLiteral("arrivals")).toInt(&ok);
        if (!ok || options.arrivals < 1 || options.arrivals > 10000000)
            return usageError(QStringLiteral("--arrivals must be a number from 1"));
    }
    if (parser.isSet(QStringLiteral("phase"))) {
        bool ok = false;
        options.phaseSeconds = parser.value(QStringLiteral("phase")).toDouble(&ok);
        if (!ok || !(options.phaseSeconds >= 1) || options.phaseSeconds > 86400)
            return usageError(QStringLiteral("--phase must be a number of seconds from 1"));
    }
    ScenarioVariables variables;
    QString error;
    if (!VariableOptions::apply(parser, &variables, &error))
        return usageError(error);
    const QStringList known =
        variables.namesBeforeRun() + QStringList{QStringLiteral("vu"), QStringLiteral("iteration")};
    Scenario scenario;
    ScenarioError loadError;
    if (!ScenarioLoader::loadFile(file, QSet<QString>(known.cbegin(), known.cend()), &scenario,
                                  &loadError)) {
        err << loadError.toString() << "\n";
        return 2;
    }
    QByteArray yaml;
    QStringList notes;
    if (!ArtilleryExport::write(scenario, variables, options, &yaml, &notes, &error)) {
        err << "sioscope-cli scenario: " << file << ": " << error << "\n";
        return 2;
    }
    for (const QString &note : std::as_const(notes))
        err << "not expressed in Artillery: " << note << "\n";
    return writeOut(parser, outOption, yaml, err);
}

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
    const QCommandLineOption clientOption(QStringLiteral("client"), {}, QStringLiteral("name"));
    const QCommandLineOption arrivalsOption(QStringLiteral("arrivals"), {}, QStringLiteral("n"));
    const QCommandLineOption phaseOption(QStringLiteral("phase"), {}, QStringLiteral("seconds"));
    parser.addOptions({outOption, nameOption, helpOption, clientOption, arrivalsOption, phaseOption,
                       VariableOptions::envOption(), VariableOptions::varOption()});
    if (!parser.parse(QStringList{QStringLiteral("scenario")} + arguments))
        return usageError(parser.errorText());
    if (parser.isSet(helpOption)) {
        QTextStream(stdout) << Usage;
        return 0;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() == 2 && positional.first() == QLatin1String("export-artillery"))
        return exportArtillery(parser, outOption, positional.at(1), usageError);
    if (positional.size() != 2 || positional.first() != QLatin1String("from"))
        return usageError(QStringLiteral("expected: scenario from <session.jsonl|.har>, or "
                                         "scenario export-artillery <scenario.yaml>"));

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
    return writeOut(parser, outOption, yaml, err);
}

} // namespace ScenarioCommand
