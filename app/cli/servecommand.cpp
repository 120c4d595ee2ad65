#include "servecommand.h"

#include "server/defaulthandlers.h"
#include "server/demoscenario.h"
#include "server/engineioserver.h"
#include "server/httplistener.h"
#include "server/mockrules.h"
#include "server/serverrecorder.h"
#include "server/socketioserver.h"

#include <QCommandLineParser>
#include <QHostInfo>
#include <QJsonObject>
#include <QTextStream>

#ifdef Q_OS_UNIX
#include <sys/resource.h>
#endif

namespace {
const char *const Usage =
    "usage: sioscope-cli serve [options]\n"
    "      --host <address>          listen on this address (default 127.0.0.1)\n"
    "      --port <port>             default 3000 (0: any free port)\n"
    "      --path <path>             Socket.IO path, default /socket.io/\n"
    "      --ping-interval <ms>      default 25000\n"
    "      --ping-timeout <ms>       default 20000\n"
    "      --connect-timeout <ms>    close clients that join no namespace; default 45000\n"
    "      --max-payload <bytes>     largest POST body / WebSocket message; default 1000000\n"
    "      --max-connections <n>     open HTTP connections; more are refused; default 10000\n"
    "      --max-pending <n>         connections without a complete request yet; over it the\n"
    "                                oldest of them is dropped for a new one; default 1000\n"
    "      --head-timeout <ms>       a request head (or a pause in a body) must come within\n"
    "                                this, else the connection closes; default 10000\n"
    "      --max-header-bytes <n>    request line and header fields; more: 431; default 16384\n"
    "      --max-header-count <n>    header fields per request; more: 431; default 100\n"
    "      --parser default|msgpack  socket.io-parser's text (default) or\n"
    "                                socket.io-msgpack-parser\n"
    "      --engine-echo             also serve a plain Engine.IO echo at /engine.io/\n"
    "      --rules <rules.json>      mock behaviour from a file instead of the default handlers:\n"
    "                                namespaces and auth, replies, acks, binaries, periodic\n"
    "                                emits, delays, faults (docs/server.md, \"Mock rules\")\n"
    "      --demo                    the built-in demo: ticks on \"/\", chat on \"/chat\", binary\n"
    "                                snapshots, \"poll\" acks, \"/admin\" refused unless\n"
    "                                auth {\"token\":\"demo\"}, /chat disconnected every 20 s\n"
    "  -o, --out <file>              where to write the log (default stdout)\n"
    "      --format jsonl|har|text   default jsonl\n"
    "      --include-secrets         do not redact tokens, cookies, auth payloads we send\n"
    "--demo and --rules exclude each other. Without either, the default handlers on \"/\" and\n"
    "\"/custom\": on connect emit \"auth\" with the CONNECT payload; \"message\" ->\n"
    "\"message-back\" with the same arguments; \"message-with-ack\" is acked with them.\n";

bool parseInt(const QString &text, qint64 min, qint64 max, qint64 *value)
{
    bool ok = false;
    const qint64 number = text.toLongLong(&ok);
    if (!ok || number < min || number > max)
        return false;
    *value = number;
    return true;
}
} // namespace

ServeCommand::ServeCommand(QObject *parent)
    : CliCommand(QStringLiteral("serve"), parent)
{
}

bool ServeCommand::parse(const QStringList &arguments)
{
    const auto usageError = [this](const QString &message) {
        return CliCommand::usageError(message, Usage);
    };
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption hostOption(QStringLiteral("host"), {}, QStringLiteral("address"));
    const QCommandLineOption portOption(QStringLiteral("port"), {}, QStringLiteral("port"));
    const QCommandLineOption pathOption(QStringLiteral("path"), {}, QStringLiteral("path"));
    const QCommandLineOption pingIntervalOption(QStringLiteral("ping-interval"), {},
                                                QStringLiteral("ms"));
    const QCommandLineOption pingTimeoutOption(QStringLiteral("ping-timeout"), {},
                                               QStringLiteral("ms"));
    const QCommandLineOption connectTimeoutOption(QStringLiteral("connect-timeout"), {},
                                                  QStringLiteral("ms"));
    const QCommandLineOption maxPayloadOption(QStringLiteral("max-payload"), {},
                                              QStringLiteral("bytes"));
    const QCommandLineOption maxConnectionsOption(QStringLiteral("max-connections"), {},
                                                  QStringLiteral("n"));
    const QCommandLineOption maxPendingOption(QStringLiteral("max-pending"), {},
                                              QStringLiteral("n"));
    const QCommandLineOption headTimeoutOption(QStringLiteral("head-timeout"), {},
                                               QStringLiteral("ms"));
    const QCommandLineOption maxHeaderBytesOption(QStringLiteral("max-header-bytes"), {},
                                                  QStringLiteral("bytes"));
    const QCommandLineOption maxHeaderCountOption(QStringLiteral("max-header-count"), {},
                                                  QStringLiteral("n"));
    const QCommandLineOption parserOption(QStringLiteral("parser"), {}, QStringLiteral("parser"));
    const QCommandLineOption rulesOption(QStringLiteral("rules"), {}, QStringLiteral("file"));
    const QCommandLineOption demoOption(QStringLiteral("demo"));
    const QCommandLineOption echoOption(QStringLiteral("engine-echo"));
    const QCommandLineOption outOption({QStringLiteral("o"), QStringLiteral("out")}, {},
                                       QStringLiteral("file"));
    const QCommandLineOption formatOption(QStringLiteral("format"), {}, QStringLiteral("format"));
    const QCommandLineOption secretsOption(QStringLiteral("include-secrets"));
    const QCommandLineOption helpOption(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    parser.addOptions(
        {hostOption,        portOption,           pathOption,           pingIntervalOption,
         pingTimeoutOption, connectTimeoutOption, maxPayloadOption,     maxConnectionsOption,
         maxPendingOption,  headTimeoutOption,    maxHeaderBytesOption, maxHeaderCountOption,
         parserOption,      rulesOption,          demoOption,           echoOption,
         outOption,         formatOption,         secretsOption,        helpOption});
    if (!parser.parse(QStringList{QStringLiteral("serve")} + arguments))
        return usageError(parser.errorText());
    if (parser.isSet(helpOption)) {
        QTextStream(stdout) << Usage;
        m_exitCode = Success;
        return false;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(
            QStringLiteral("unexpected argument \"%1\"").arg(parser.positionalArguments().first()));
    if (parser.isSet(parserOption) &&
        (!SocketIoParser::kindFromName(parser.value(parserOption), &m_parser) ||
         m_parser == SocketIoParser::Kind::Auto))
        return usageError(QStringLiteral("--parser must be default or msgpack (a server "
                                         "cannot guess what its clients will speak)"));
    m_demo = parser.isSet(demoOption);
    if (parser.isSet(rulesOption)) {
        if (m_demo)
            return usageError(QStringLiteral("--rules and --demo exclude each other (each defines "
                                             "the server's behaviour)"));
        m_rulesPath = parser.value(rulesOption);
        QString error;
        m_rules = MockRules::load(m_rulesPath, &error);
        if (!m_rules) {
            return CliCommand::usageError(error); // the file's mistake: no usage text after it
        }
    }

    if (parser.isSet(hostOption)) {
        m_hostName = parser.value(hostOption);
        if (m_hostName == QLatin1String("localhost")) {
            m_host = QHostAddress::LocalHost;
        } else if (!m_host.setAddress(m_hostName)) {
            return usageError(
                QStringLiteral("--host must be an IP address (e.g. 127.0.0.1), got \"%1\"")
                    .arg(m_hostName));
        }
    }
    qint64 number = 0;
    if (parser.isSet(portOption)) {
        if (!parseInt(parser.value(portOption), 0, 65535, &number))
            return usageError(QStringLiteral("--port must be a number from 0 to 65535"));
        m_port = quint16(number);
    }
    if (parser.isSet(pathOption)) {
        m_path = parser.value(pathOption);
        if (!m_path.startsWith(QLatin1Char('/')) || m_path.contains(QLatin1Char('?')))
            return usageError(QStringLiteral("--path must start with \"/\", e.g. /socket.io/"));
        if (!m_path.endsWith(QLatin1Char('/')))
            m_path += QLatin1Char('/');
        if (m_path == QLatin1String("/engine.io/") && parser.isSet(echoOption))
            return usageError(QStringLiteral("--path /engine.io/ clashes with --engine-echo"));
    }
    const struct
    {
        const QCommandLineOption &option;
        int *target;
        const char *name;
    } intervals[] = {{pingIntervalOption, &m_pingIntervalMs, "--ping-interval"},
                     {pingTimeoutOption, &m_pingTimeoutMs, "--ping-timeout"},
                     {connectTimeoutOption, &m_connectTimeoutMs, "--connect-timeout"},
                     {headTimeoutOption, &m_limits.headTimeoutMs, "--head-timeout"}};
    for (const auto &interval : intervals) {
        if (!parser.isSet(interval.option))
            continue;
        if (!parseInt(parser.value(interval.option), 1, 24 * 3600 * 1000, &number))
            return usageError(QStringLiteral("%1 must be a positive number of milliseconds")
                                  .arg(QLatin1String(interval.name)));
        *interval.target = int(number);
    }
    if (parser.isSet(maxPayloadOption)) {
        if (!parseInt(parser.value(maxPayloadOption), 1, qint64(1) << 32, &number))
            return usageError(QStringLiteral("--max-payload must be a positive number of bytes"));
        m_maxPayload = number;
    }
    const struct
    {
        const QCommandLineOption &option;
        qint64 min;
        qint64 max;
        const char *name;
        const char *unit;
    } counts[] = {{maxConnectionsOption, 1, 1000000, "--max-connections", "connections"},
                  {maxPendingOption, 1, 1000000, "--max-pending", "connections"},
                  {maxHeaderBytesOption, 64, 1024 * 1024, "--max-header-bytes", "bytes"},
                  {maxHeaderCountOption, 1, 10000, "--max-header-count", "header fields"}};
    for (const auto &count : counts) {
        if (!parser.isSet(count.option))
            continue;
        if (!parseInt(parser.value(count.option), count.min, count.max, &number))
            return usageError(QStringLiteral("%1 must be a number of %2 from %3 to %4")
                                  .arg(QLatin1String(count.name), QLatin1String(count.unit))
                                  .arg(count.min)
                                  .arg(count.max));
        if (&count.option == &maxConnectionsOption)
            m_limits.maxConnections = int(number);
        else if (&count.option == &maxPendingOption)
            m_limits.maxPendingConnections = int(number);
        else if (&count.option == &maxHeaderBytesOption)
            m_limits.request.maxHeadBytes = number;
        else
            m_limits.request.maxHeaderCount = int(number);
    }
    m_engineEcho = parser.isSet(echoOption);
    if (parser.isSet(formatOption) &&
        !LogExporter::parseFormat(parser.value(formatOption), &m_export.format))
        return usageError(QStringLiteral("--format must be jsonl, har or text"));
    m_export.includeSecrets = parser.isSet(secretsOption);
    m_outPath = parser.value(outOption);
    return true;
}

void ServeCommand::start()
{
    if (QString error; !m_output.open(m_outPath, m_export, &error)) {
        failToStart(error);
        return;
    }

    m_listener = new HttpListener(this);
    HttpListener::Limits limits = m_limits;
    limits.maxWebSocketMessageBytes = quint64(m_maxPayload);
    m_listener->setLimits(limits);
    connect(m_listener, &HttpListener::refused, this, &ServeCommand::reportRefusal);
    connect(&m_refusalWindow, &QTimer::timeout, this, &ServeCommand::flushRefusals);

    SocketIoServerOptions options;
    options.engine.path = m_path;
    options.engine.pingIntervalMs = m_pingIntervalMs;
    options.engine.pingTimeoutMs = m_pingTimeoutMs;
    options.engine.maxPayload = m_maxPayload;
    options.connectTimeoutMs = m_connectTimeoutMs;
    options.parser = m_parser;
    m_server = new SocketIoServer(this);
    m_server->setOptions(options);
    m_server->attach(m_listener);
    if (m_demo) {
        (new DemoScenario(m_server))->start();
    } else if (m_rules) {
        auto *engine = new MockRulesEngine(m_server, *m_rules);
        connect(engine, &MockRulesEngine::ruleFired, this, [this](const QString &description) {
            say() << "rule: " << description << "\n" << Qt::flush;
        });
        connect(engine, &MockRulesEngine::errorOccurred, this, [this](const QString &message) {
            say() << "rule error: " << message << "\n" << Qt::flush;
        });
        engine->start();
    } else {
        SocketIoDefaultHandlers::install(m_server);
    }
    connect(m_server, &SocketIoServer::packetRecorded, this, &ServeCommand::appendRecord);

    if (m_engineEcho) {
        m_echo = new EngineIoServer(this);
        EngineIoServerOptions echoOptions = options.engine;
        echoOptions.path = QStringLiteral("/engine.io/");
        m_echo->setOptions(echoOptions);
        m_echo->attach(m_listener);
        SocketIoDefaultHandlers::installEngineEcho(m_echo);
        auto *recorder =
            new EngineIoServerRecorder(m_echo, SessionDecoder::Messages::EngineIo, this);
        connect(recorder, &EngineIoServerRecorder::packetRecorded, this,
                &ServeCommand::appendRecord);
    }

    if (!m_listener->listen(m_host, m_port)) {
        failToStart(QStringLiteral("cannot listen on %1:%2: %3")
                        .arg(m_hostName)
                        .arg(m_port)
                        .arg(m_listener->errorString()));
        return;
    }
    const QString host = m_host.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(m_host.toString())
                             : m_host.toString();
    say() << "listening on http://" << host << ":" << m_listener->serverPort() << m_path
          << (m_engineEcho ? QStringLiteral(" (Engine.IO echo at /engine.io/)") : QString())
          << (m_demo ? QStringLiteral(" (built-in demo)") : QString())
          << (m_rules ? QStringLiteral(" (mock rules from %1)").arg(m_rulesPath) : QString())
          << "\n"
          << Qt::flush;
    checkFileLimit(); // after the banner, which the first line must be
}

void ServeCommand::appendRecord(const PacketRecord &record)
{
    m_output.append(record);
}

namespace {
// The option that sets a listening limit, and its unit ("--max-header-bytes", "bytes").
struct LimitName
{
    QString option;
    QString unit;
};

LimitName limitName(HttpLimit limit)
{
    switch (limit) {
    case HttpLimit::None:
        break;
    case HttpLimit::HeadBytes:
        return {QStringLiteral("--max-header-bytes"), QStringLiteral("bytes")};
    case HttpLimit::HeaderCount:
        return {QStringLiteral("--max-header-count"), QStringLiteral("header fields")};
    case HttpLimit::BodyBytes:
        return {QStringLiteral("--max-payload"), QStringLiteral("bytes")};
    case HttpLimit::ChunkLineBytes: // fixed limits, no option: named for what they bound
        return {QStringLiteral("chunk size line limit"), QStringLiteral("bytes")};
    case HttpLimit::TrailerBytes:
        return {QStringLiteral("chunked trailer limit"), QStringLiteral("bytes")};
    case HttpLimit::HeadTimeout:
        return {QStringLiteral("--head-timeout"), QStringLiteral("ms")};
    case HttpLimit::Connections:
        return {QStringLiteral("--max-connections"), QStringLiteral("connections")};
    case HttpLimit::PendingConnections:
        return {QStringLiteral("--max-pending"), QStringLiteral("connections")};
    }
    return {};
}
} // namespace

namespace {
constexpr int RefusalsListed = 10; // per limit and second
constexpr int RefusalWindowMs = 1000;
} // namespace

void ServeCommand::reportRefusal(const HttpRefusal &refusal)
{
    if (!m_refusalWindow.isActive()) {
        m_refusalWindow.setSingleShot(true);
        m_refusalWindow.start(RefusalWindowMs);
    }
    if (m_refusalsListed.value(refusal.limit) >= RefusalsListed) {
        ++m_refusalsCounted[refusal.limit];
        return;
    }
    ++m_refusalsListed[refusal.limit];
    const QString peer =
        QStringLiteral("%1:%2").arg(refusal.peerAddress.toString()).arg(refusal.peerPort);
    const LimitName name = limitName(refusal.limit);
    const QString limit =
        name.option.isEmpty()
            ? QString()
            : QStringLiteral("%1 %2 %3").arg(name.option).arg(refusal.limitValue).arg(name.unit);
    QString line;
    switch (refusal.limit) {
    case HttpLimit::Connections:
        line = QStringLiteral("connection from %1 refused: %2 reached").arg(peer, limit);
        break;
    case HttpLimit::PendingConnections:
        line = QStringLiteral("connection from %1 dropped: %2 reached (%3)")
                   .arg(peer, limit, refusal.message);
        break;
    case HttpLimit::HeadTimeout:
        line = QStringLiteral("connection from %1 closed: %2 passed (%3)")
                   .arg(peer, limit, refusal.message);
        break;
    default:
        line = limit.isEmpty() ? QStringLiteral("request from %1 refused (%2): %3")
                                     .arg(peer)
                                     .arg(refusal.status)
                                     .arg(refusal.message)
                               : QStringLiteral("request from %1 refused (%2): %3 exceeded (%4)")
                                     .arg(peer)
                                     .arg(refusal.status)
                                     .arg(limit, refusal.message);
        break;
    }
    say() << line << "\n" << Qt::flush;
    if (refusal.reported)
        return; // the route recorded it (EngineIoServer::connectionError)
    QJsonObject details{{QStringLiteral("remote"), peer},
                        {QStringLiteral("message"), refusal.message}};
    if (refusal.status != 0)
        details.insert(QStringLiteral("status"), refusal.status);
    if (!name.option.isEmpty()) {
        details.insert(QStringLiteral("limit"), name.option);
        details.insert(QStringLiteral("limitValue"), refusal.limitValue);
    }
    if (!refusal.method.isEmpty()) {
        details.insert(QStringLiteral("method"), QString::fromLatin1(refusal.method));
        details.insert(QStringLiteral("url"), QString::fromUtf8(refusal.target));
    }
    recordRefusal(details, line);
}

void ServeCommand::recordRefusal(const QJsonObject &details, const QString &line)
{
    PacketRecord record =
        PacketRecord::note(PacketRecord::Error, details, TransportKind::None, line);
    record.timeUs = PacketRecord::nowUs();
    m_output.append(record);
}

void ServeCommand::flushRefusals()
{
    for (auto it = m_refusalsCounted.cbegin(); it != m_refusalsCounted.cend(); ++it) {
        const LimitName name = limitName(it.key());
        const QString what = name.option.isEmpty()
                                 ? QStringLiteral("malformed requests")
                                 : QStringLiteral("refusals by %1").arg(name.option);
        const QString line = QStringLiteral("%1 more %2 in the last second (not listed one by one)")
                                 .arg(it.value())
                                 .arg(what);
        say() << line << "\n" << Qt::flush;
        QJsonObject details{{QStringLiteral("message"), line},
                            {QStringLiteral("count"), it.value()}};
        if (!name.option.isEmpty())
            details.insert(QStringLiteral("limit"), name.option);
        recordRefusal(details, line);
    }
    m_refusalsListed.clear();
    m_refusalsCounted.clear();
}

void ServeCommand::checkFileLimit()
{
#ifdef Q_OS_UNIX
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY)
        return;
    // A few descriptors go to the listening socket, the log and the standard streams.
    constexpr rlim_t Reserved = 32;
    if (rlim_t(m_limits.maxConnections) + Reserved > files.rlim_cur)
        say() << "warning: --max-connections " << m_limits.maxConnections
              << " is over what this process may open (RLIMIT_NOFILE " << files.rlim_cur
              << "); connections past about "
              << (files.rlim_cur > Reserved ? files.rlim_cur - Reserved : 0)
              << " will fail to be accepted (raise it with ulimit -n)\n"
              << Qt::flush;
#endif
}

void ServeCommand::stop()
{
    if (m_finished)
        return;
    m_refusalWindow.stop();
    flushRefusals();
    if (m_server)
        m_server->close();
    if (m_echo)
        m_echo->close();
    if (m_listener)
        m_listener->close();
    finish();
}

void ServeCommand::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_server)
        m_server->disconnect(this);
    finishRun();
}
