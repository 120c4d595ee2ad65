#include "doctorcommand.h"

#include "connectionarguments.h"
#include "tlsoptions.h"

#include "doctor/connectiondoctor.h"

#include <QCommandLineParser>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace {
// The usage text is these parts around TlsOptions::usage() and ConnectionArguments::ProxyUsage:
// the connection options of `record`, then the doctor's own.
const char *const UsageHead =
    "usage: sioscope-cli doctor <url> [options]\n"
    "Probes a Socket.IO server and says what works and what does not, with the evidence.\n"
    "options:\n"
    "  -n, --namespace <nsp>          a namespace to check (repeatable; default \"/\")\n"
    "      --auth <nsp>=<json-object> CONNECT payload for that namespace\n"
    "  -H, --header \"<Name>: <value>\" extra header on every request (repeatable)\n"
    "      --query <key>=<value>      extra query parameter (repeatable)\n"
    "      --path <path>              the Engine.IO path; default: the URL's path if it has one,\n"
    "                                 then /socket.io/\n";
const char *const UsageTail =
    "      --eio 3|4                  the Engine.IO version to ask for; default: detected\n"
    "      --timeout <ms>             the limit of each probe; default 5000\n"
    "      --handshakes <n>           handshakes of the stickiness check; default 6\n"
    "      --watch <s>                keep an idle session open this long, answering the\n"
    "                                 heartbeat, to see whether something cuts it; 0: off;\n"
    "                                 default 30\n"
    "      --json                     print one JSON object instead of the text report\n"
    "exit status: 0 every check passed (warnings allowed), 1 a check failed, 2 usage error\n";

QByteArray usage()
{
    return QByteArray(UsageHead) + TlsOptions::usage() + ConnectionArguments::ProxyUsage +
           UsageTail;
}

int usageError(const QString &message)
{
    QTextStream(stderr) << "sioscope-cli doctor: " << message << "\n" << usage();
    return DoctorCommand::UsageError;
}

bool positiveNumber(const QString &text, int *value)
{
    bool ok = false;
    *value = text.toInt(&ok);
    return ok && *value > 0;
}
} // namespace

int DoctorCommand::run(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const ConnectionArguments::Options connection;
    connection.addTo(&parser);
    const TlsOptions tlsOptions;
    tlsOptions.addTo(&parser);
    const QCommandLineOption eioOption(QStringLiteral("eio"), {}, QStringLiteral("eio"));
    const QCommandLineOption timeoutOption(QStringLiteral("timeout"), {}, QStringLiteral("ms"));
    const QCommandLineOption handshakesOption(QStringLiteral("handshakes"), {},
                                              QStringLiteral("n"));
    const QCommandLineOption watchOption(QStringLiteral("watch"), {}, QStringLiteral("s"));
    const QCommandLineOption jsonOption(QStringLiteral("json"));
    const QCommandLineOption helpOption(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    parser.addOptions(
        {helpOption, eioOption, timeoutOption, handshakesOption, watchOption, jsonOption});
    parser.addPositionalArgument(QStringLiteral("url"), {});
    if (!parser.parse(QStringList{QStringLiteral("doctor")} + arguments))
        return usageError(parser.errorText());
    if (parser.isSet(helpOption)) { // asked for: stdout, exit status 0
        QTextStream(stdout) << usage();
        return Ok;
    }
    if (parser.positionalArguments().size() != 1)
        return usageError(parser.positionalArguments().isEmpty()
                              ? QStringLiteral("missing <url>")
                              : QStringLiteral("expected one <url>, got %1")
                                    .arg(parser.positionalArguments().size()));

    DoctorOptions options;
    EngineIoOptions &engine = options.engine;
    QString error;
    if (!ConnectionArguments::parseUrl(parser.positionalArguments().first(), &engine.url, &error))
        return usageError(error);
    options.pathGiven = parser.isSet(connection.pathOption);
    if (options.pathGiven)
        engine.path = parser.value(connection.pathOption);
    const QString eio = parser.value(eioOption);
    if (eio.isEmpty())
        engine.version = EngineIoOptions::Version::Auto;
    else if (eio == QLatin1String("4"))
        engine.version = EngineIoOptions::Version::V4;
    else if (eio == QLatin1String("3"))
        engine.version = EngineIoOptions::Version::V3;
    else
        return usageError(QStringLiteral("--eio must be 3 or 4"));
    engine.connectTimeoutMs = 5000;
    if (parser.isSet(timeoutOption) &&
        !positiveNumber(parser.value(timeoutOption), &engine.connectTimeoutMs))
        return usageError(QStringLiteral("--timeout must be a positive number of milliseconds"));
    if (parser.isSet(handshakesOption) &&
        !positiveNumber(parser.value(handshakesOption), &options.stickinessRuns))
        return usageError(QStringLiteral("--handshakes must be a positive number"));
    if (parser.isSet(watchOption)) {
        bool ok = false;
        const int seconds = parser.value(watchOption).toInt(&ok);
        if (!ok || seconds < 0 || seconds > 3600)
            return usageError(QStringLiteral("--watch must be a number of seconds from 0 to 3600"));
        options.watchMs = seconds * 1000;
    }
    options.namespaces.clear();
    if (!ConnectionArguments::parseHeaders(parser.values(connection.headerOption), &engine.headers,
                                           &error) ||
        !ConnectionArguments::parseQuery(parser.values(connection.queryOption), &engine.query,
                                         &error) ||
        !ConnectionArguments::parseNamespaces(parser.values(connection.namespaceOption),
                                              parser.values(connection.authOption),
                                              &options.namespaces, &error))
        return usageError(error);
    if (!ConnectionArguments::parseProxy(parser, connection, &engine.proxy, &error) ||
        !tlsOptions.apply(parser, &engine, &error))
        return usageError(error);

    ConnectionDoctor doctor(options);
    const DoctorReport report = doctor.run();
    QTextStream out(stdout);
    if (parser.isSet(jsonOption))
        out << QJsonDocument(report.toJson()).toJson(QJsonDocument::Compact) << "\n";
    else
        out << report.toText();
    return report.ok() ? Ok : Failure;
}
