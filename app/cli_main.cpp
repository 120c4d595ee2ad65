// sioscope-cli: the headless side of SioScope, for scripts and CI.
#include "cli/diffcommand.h"
#include "cli/doctorcommand.h"
#include "cli/recordcommand.h"
#include "cli/rulescommand.h"
#include "cli/scenariocommand.h"
#include "cli/proxycommand.h"
#include "cli/servecommand.h"
#include "cli/testcommand.h"
#include "session/logexport.h"
#include "session/sessionlog.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QTextStream>

namespace {
const char *const Usage = "usage: sioscope-cli <command> [options]\n"
                          "commands:\n"
                          "  record <url> [options]   record a session (record --help)\n"
                          "  serve [options]          run the embedded server (serve --help)\n"
                          "  proxy --listen <host:port> --target <url>   inspect an app's own "
                          "traffic (proxy --help)\n"
                          "  doctor <url> [options]   diagnose a connection (doctor --help)\n"
                          "  test <scenario>... [options]   run scenario files (test --help)\n"
                          "  scenario from <session.jsonl|.har> [-o file]   write a scenario "
                          "from a recorded session\n"
                          "  rules from <session.jsonl|.har> [-o file]   write mock rules "
                          "from a recorded session\n"
                          "  diff <a.jsonl> <b.jsonl> [--json]   compare two recorded sessions "
                          "(diff --help)\n"
                          "  convert <in> <out> --format jsonl|har|text [--include-secrets]\n";

int convert(const QStringList &arguments)
{
    QTextStream err(stderr);
    QCommandLineParser parser;
    const QCommandLineOption formatOption(QStringLiteral("format"), {}, QStringLiteral("format"));
    const QCommandLineOption secretsOption(QStringLiteral("include-secrets"));
    parser.addOptions({formatOption, secretsOption});
    ExportOptions options;
    if (!parser.parse(QStringList{QStringLiteral("convert")} + arguments) ||
        parser.positionalArguments().size() != 2 || !parser.isSet(formatOption) ||
        !LogExporter::parseFormat(parser.value(formatOption), &options.format)) {
        err << "sioscope-cli convert: "
            << (parser.errorText().isEmpty()
                    ? QStringLiteral("expected <in> <out> --format jsonl|har|text")
                    : parser.errorText())
            << "\n"
            << Usage;
        return 2;
    }
    options.includeSecrets = parser.isSet(secretsOption);
    QFile in(parser.positionalArguments().at(0));
    if (!in.open(QIODevice::ReadOnly)) {
        err << "sioscope-cli convert: cannot read " << in.fileName() << ": " << in.errorString()
            << "\n";
        return 1;
    }
    SessionLog log;
    QString error;
    const bool complete = LogImporter::read(&in, &log, &error);
    if (!complete)
        err << "sioscope-cli convert: " << in.fileName() << ": " << error << " (the " << log.size()
            << " records before it are converted)\n";
    QFile out(parser.positionalArguments().at(1));
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        err << "sioscope-cli convert: cannot write " << out.fileName() << ": " << out.errorString()
            << "\n";
        return 1;
    }
    if (!LogExporter::write(log, nullptr, &out, options, &error) || !out.flush()) {
        err << "sioscope-cli convert: cannot write " << out.fileName() << ": " << error << "\n";
        return 1;
    }
    return complete ? 0 : 1;
}
} // namespace

int main(int argc, char *argv[])
{
    // Qt's GLib event dispatcher registers and unregisters a socket notifier by walking a list
    // of every notifier (g_slist_remove): each write through a QTcpSocket enables its write
    // notifier and disables it once written, so a broadcast to N clients, or N load-test clients
    // each sending, costs O(N²). Qt's own Unix dispatcher keeps them in a hash. Measured with
    // 1,000 WebSocket clients of `serve` and 20 broadcasts: 1.25 s of CPU with GLib, 0.83 s
    // without; `test --clients 1000`: 1.43 s and 1.25 s. The CLI has no GUI to integrate with
    // GLib's main loop; the variable set by a user still wins.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sioscope-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SIOSCOPE_VERSION));
    QStringList arguments = QCoreApplication::arguments().mid(1);
    const QString command = arguments.isEmpty() ? QString() : arguments.takeFirst();
    if (command == QLatin1String("convert"))
        return convert(arguments);
    if (command == QLatin1String("--version")) {
        QTextStream(stdout) << "sioscope-cli " << SIOSCOPE_VERSION << "\n";
        return 0;
    }
    if (command == QLatin1String("--help") || command == QLatin1String("-h")) {
        QTextStream(stdout) << Usage; // asked for: stdout, exit status 0
        return 0;
    }
    if (command == QLatin1String("doctor"))
        return DoctorCommand::run(arguments);
    if (command == QLatin1String("scenario"))
        return ScenarioCommand::run(arguments);
    if (command == QLatin1String("rules"))
        return RulesCommand::run(arguments);
    if (command == QLatin1String("diff"))
        return DiffCommand::run(arguments);
    if (command == QLatin1String("test")) {
        TestCommand test;
        return test.run(arguments);
    }
    if (command == QLatin1String("proxy")) {
        ProxyCommand proxy;
        return proxy.run(arguments);
    }
    if (command == QLatin1String("serve")) {
        ServeCommand serve;
        return serve.run(arguments);
    }
    if (command != QLatin1String("record")) {
        QTextStream(stderr)
            << (command.isEmpty()
                    ? QString()
                    : QStringLiteral("sioscope-cli: unknown command \"%1\"\n").arg(command))
            << Usage;
        return 2;
    }
    RecordCommand record;
    return record.run(arguments);
}
