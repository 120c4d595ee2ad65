#include "doctorcommand.h"

#include "doctor/connectiondoctor.h"

#include <QCommandLineParser>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace {
const char *const Usage =
    "usage: sioscope-cli doctor <url> [options]\n"
    "Probes a Socket.IO server and says what works and what does not, with the evidence.\n"
    "options:\n"
    "  -n, --namespace <nsp>          a namespace to check (repeatable; default \"/\")\n"
    "      --auth <nsp>=<json-object> CONNECT payload for that namespace\n"
    "  -H, --header \"<Name>: <value>\" extra header on every request (repeatable)\n"
    "      --query <key>=<value>      extra query parameter (repeatable)\n"
    "      --path <path>              the Engine.IO path; default: the URL's path if it has one,\n"
    "                                 then /socket.io/\n"
    "      --eio 3|4                  the Engine.IO version to ask for; default: detected\n"
    "      --timeout <ms>             the limit of each probe; default 5000\n"
    "      --handshakes <n>           handshakes of the stickiness check; default 6\n"
    "      --json                     print one JSON object instead of the text report\n"
    "exit status: 0 every check passed (warnings allowed), 1 a check failed, 2 usage error\n";

int usageError(const QString &message)
{
    QTextStream(stderr) << "sioscope-cli doctor: " << message << "\n" << Usage;
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
    const QCommandLineOption nspOption({QStringLiteral("n"), QStringLiteral("namespace")}, {},
                                       QStringLiteral("nsp"));
    const QCommandLineOption authOption(QStringLiteral("auth"), {}, QStringLiteral("auth"));
    const QCommandLineOption headerOption({QStringLiteral("H"), QStringLiteral("header")}, {},
                                          QStringLiteral("header"));
    const QCommandLineOption queryOption(QStringLiteral("query"), {}, QStringLiteral("query"));
    const QCommandLineOption pathOption(QStringLiteral("path"), {}, QStringLiteral("path"));
    const QCommandLineOption eioOption(QStringLiteral("eio"), {}, QStringLiteral("eio"));
    const QCommandLineOption timeoutOption(QStringLiteral("timeout"), {}, QStringLiteral("ms"));
    const QCommandLineOption handshakesOption(QStringLiteral("handshakes"), {},
                                              QStringLiteral("n"));
    const QCommandLineOption jsonOption(QStringLiteral("json"));
    const QCommandLineOption helpOption(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    parser.addOptions({helpOption, nspOption, authOption, headerOption, queryOption, pathOption,
                       eioOption, timeoutOption, handshakesOption, jsonOption});
    parser.addPositionalArgument(QStringLiteral("url"), {});
    if (!parser.parse(QStringList{QStringLiteral("doctor")} + arguments))
        return usageError(parser.errorText());
    if (parser.isSet(helpOption)) { // asked for: stdout, exit status 0
        QTextStream(stdout) << Usage;
        return Ok;
    }
    if (parser.positionalArguments().size() != 1)
        return usageError(parser.positionalArguments().isEmpty()
                              ? QStringLiteral("missing <url>")
                              : QStringLiteral("expected one <url>, got %1")
                                    .arg(parser.positionalArguments().size()));

    DoctorOptions options;
    EngineIoOptions &engine = options.engine;
    engine.url = QUrl(parser.positionalArguments().first(), QUrl::StrictMode);
    const QString scheme = engine.url.scheme().toLower();
    if (!engine.url.isValid() || engine.url.host().isEmpty() ||
        !QStringList{QStringLiteral("http"), QStringLiteral("https"), QStringLiteral("ws"),
                     QStringLiteral("wss")}
             .contains(scheme))
        return usageError(QStringLiteral("<url> must be an http, https, ws or wss URL with a "
                                         "host, e.g. http://localhost:3000"));
    options.pathGiven = parser.isSet(pathOption);
    if (options.pathGiven)
        engine.path = parser.value(pathOption);
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
    for (const QString &header : parser.values(headerOption)) {
        const qsizetype colon = header.indexOf(QLatin1Char(':'));
        if (colon <= 0)
            return usageError(
                QStringLiteral("--header must look like \"Name: value\", got \"%1\"").arg(header));
        engine.headers.append(
            {header.left(colon).trimmed().toUtf8(), header.mid(colon + 1).trimmed().toUtf8()});
    }
    for (const QString &query : parser.values(queryOption)) {
        const qsizetype equals = query.indexOf(QLatin1Char('='));
        if (equals <= 0)
            return usageError(
                QStringLiteral("--query must look like key=value, got \"%1\"").arg(query));
        engine.query.append({query.left(equals), query.mid(equals + 1)});
    }
    QHash<QString, QJsonObject> auths;
    for (const QString &auth : parser.values(authOption)) {
        const qsizetype equals = auth.indexOf(QLatin1Char('='));
        if (equals <= 0 || !auth.startsWith(QLatin1Char('/')))
            return usageError(
                QStringLiteral("--auth must look like /nsp={\"token\":\"...\"}, got \"%1\"")
                    .arg(auth));
        QJsonParseError parseError;
        const QJsonDocument json =
            QJsonDocument::fromJson(auth.mid(equals + 1).toUtf8(), &parseError);
        if (!json.isObject())
            return usageError(
                QStringLiteral("--auth for %1 must be a JSON object (%2)")
                    .arg(auth.left(equals), parseError.error == QJsonParseError::NoError
                                                ? QStringLiteral("got another JSON value")
                                                : parseError.errorString()));
        auths.insert(auth.left(equals), json.object());
    }
    QStringList names = parser.values(nspOption);
    if (names.isEmpty())
        names.append(QStringLiteral("/"));
    options.namespaces.clear();
    for (const QString &name : std::as_const(names)) {
        if (!name.startsWith(QLatin1Char('/')))
            return usageError(QStringLiteral("namespace \"%1\" must start with \"/\"").arg(name));
        options.namespaces.append({name, auths.value(name)});
    }
    for (auto it = auths.constBegin(); it != auths.constEnd(); ++it)
        if (!names.contains(it.key()))
            return usageError(
                QStringLiteral("--auth names %1, which no --namespace checks").arg(it.key()));

    ConnectionDoctor doctor(options);
    const DoctorReport report = doctor.run();
    QTextStream out(stdout);
    if (parser.isSet(jsonOption))
        out << QJsonDocument(report.toJson()).toJson(QJsonDocument::Compact) << "\n";
    else
        out << report.toText();
    return report.ok() ? Ok : Failure;
}
