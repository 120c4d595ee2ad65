#include "recordcommand.h"

#include "connectionarguments.h"
#include "engineio/likelycause.h"
#include "session/scriptplayer.h"
#include "session/sessionlog.h"
#include "session/sessionreplay.h"
#include "tlsoptions.h"

#include <QCommandLineParser>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace {
constexpr int StopGraceMs = 3000;

// The usage text is these parts around TlsOptions::usage() and ConnectionArguments::ProxyUsage.
const char *const UsageHead =
    "usage: sioscope-cli record <url> [options]\n"
    "  -n, --namespace <nsp>          connect this namespace (repeatable; default \"/\")\n"
    "      --auth <nsp>=<json-object> CONNECT payload for that namespace (v4: sent as its query "
    "string)\n"
    "  -H, --header \"<Name>: <value>\" extra handshake header (repeatable)\n"
    "      --query <key>=<value>      extra query parameter (repeatable)\n"
    "      --path <path>              default /socket.io/\n";
const char *const UsageTail =
    "      --transport auto|websocket|polling   default auto\n"
    "      --eio 3|4                  default 4\n"
    "      --parser auto|default|msgpack   default auto: socket.io-parser's text until the "
    "server shows it speaks socket.io-msgpack-parser\n"
    "      --send <script.jsonl|session.jsonl|session.har>   packets to send: a send script, or a "
    "recorded\n"
    "                                 session to replay (what we sent, with its timing; the "
    "server's ack\n"
    "                                 requests answered as recorded); see docs/cli.md\n"
    "      --speed <factor>           play the delays of --send this many times faster (0.5: "
    "slower)\n"
    "      --auto-ack <json-array>    answer every server EVENT that carries an ack id (and has "
    "no recorded\n"
    "                                 reply) with this payload\n"
    "      --ack-timeout <ms>         timeout of acks requested by the script; default 10000\n"
    "      --duration <seconds>       stop after this long (fractions allowed); default: until "
    "the connection ends or SIGINT/SIGTERM,\n"
    "                                 and for a replay the recorded session's length (at "
    "--speed) and 1 s\n"
    "      --stop-on-event <name>     stop (leave, close, write the log) once an event with "
    "this name has been received\n"
    "      --reconnect                reconnect after an unplanned drop (default: stop)\n";
const char *const UsageOutput =
    "  -o, --out <file>               where to write the log (default stdout)\n"
    "      --format jsonl|har|text    default jsonl\n"
    "      --include-secrets          do not redact auth payloads, tokens, cookies\n";
} // namespace

RecordCommand::RecordCommand(QObject *parent)
    : CliCommand(QStringLiteral("record"), parent)
{
    m_durationTimer.setSingleShot(true);
    // A coarse timer (QTimer's default) may fire up to 5 % early: --duration .9 stopped after
    // 896 ms.
    m_durationTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_durationTimer, &QTimer::timeout, this, &RecordCommand::stop);
    m_stopTimer.setSingleShot(true);
    connect(&m_stopTimer, &QTimer::timeout, this, &RecordCommand::finish);
}

bool RecordCommand::parse(const QStringList &arguments)
{
    const QByteArray usage = QByteArray(UsageHead) + TlsOptions::usage() + UsageTail +
                             ConnectionArguments::ProxyUsage + UsageOutput;
    const auto usageError = [this, &usage](const QString &message) {
        return CliCommand::usageError(message, usage.constData());
    };
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const ConnectionArguments::Options connection;
    connection.addTo(&parser);
    const QCommandLineOption transportOption(QStringLiteral("transport"), {},
                                             QStringLiteral("transport"));
    const QCommandLineOption eioOption(QStringLiteral("eio"), {}, QStringLiteral("eio"));
    const QCommandLineOption parserOption(QStringLiteral("parser"), {}, QStringLiteral("parser"));
    const QCommandLineOption sendOption(QStringLiteral("send"), {}, QStringLiteral("script"));
    const QCommandLineOption speedOption(QStringLiteral("speed"), {}, QStringLiteral("factor"));
    const QCommandLineOption autoAckOption(QStringLiteral("auto-ack"), {},
                                           QStringLiteral("payload"));
    const QCommandLineOption ackTimeoutOption(QStringLiteral("ack-timeout"), {},
                                              QStringLiteral("ms"));
    const QCommandLineOption durationOption(QStringLiteral("duration"), {},
                                            QStringLiteral("seconds"));
    const QCommandLineOption reconnectOption(QStringLiteral("reconnect"));
    const QCommandLineOption stopOnEventOption(QStringLiteral("stop-on-event"), {},
                                               QStringLiteral("name"));
    const QCommandLineOption outOption({QStringLiteral("o"), QStringLiteral("out")}, {},
                                       QStringLiteral("file"));
    const QCommandLineOption formatOption(QStringLiteral("format"), {}, QStringLiteral("format"));
    const QCommandLineOption secretsOption(QStringLiteral("include-secrets"));
    const QCommandLineOption helpOption(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    const TlsOptions tlsOptions;
    tlsOptions.addTo(&parser);
    parser.addOptions({helpOption, transportOption, eioOption, parserOption, sendOption,
                       autoAckOption, ackTimeoutOption, durationOption, reconnectOption, outOption,
                       formatOption, secretsOption});
    parser.addOption(stopOnEventOption);
    parser.addOption(speedOption);
    parser.addPositionalArgument(QStringLiteral("url"), {});
    if (!parser.parse(QStringList{QStringLiteral("record")} + arguments))
        return usageError(parser.errorText());
    if (parser.isSet(helpOption)) { // asked for: stdout, exit status 0
        QTextStream(stdout) << usage;
        m_exitCode = Success;
        return false;
    }
    if (parser.positionalArguments().size() != 1)
        return usageError(parser.positionalArguments().isEmpty()
                              ? QStringLiteral("missing <url>")
                              : QStringLiteral("expected one <url>, got %1")
                                    .arg(parser.positionalArguments().size()));

    EngineIoOptions &engine = m_options.engine;
    QString error;
    if (!ConnectionArguments::parseUrl(parser.positionalArguments().first(), &engine.url, &error))
        return usageError(error);
    engine.reconnect.enabled = parser.isSet(reconnectOption);
    if (parser.isSet(connection.pathOption))
        engine.path = parser.value(connection.pathOption);

    const QString transport = parser.value(transportOption);
    if (transport == QLatin1String("websocket"))
        engine.transports = EngineIoOptions::Transports::WebSocketOnly;
    else if (transport == QLatin1String("polling"))
        engine.transports = EngineIoOptions::Transports::PollingOnly;
    else if (!transport.isEmpty() && transport != QLatin1String("auto"))
        return usageError(QStringLiteral("--transport must be auto, websocket or polling"));

    const QString eio = parser.value(eioOption);
    if (eio.isEmpty() || eio == QLatin1String("4"))
        engine.version = EngineIoOptions::Version::V4;
    else if (eio == QLatin1String("3"))
        engine.version = EngineIoOptions::Version::V3;
    else
        return usageError(QStringLiteral("--eio must be 3 or 4"));

    if (parser.isSet(parserOption) &&
        !SocketIoParser::kindFromName(parser.value(parserOption), &m_options.parser))
        return usageError(QStringLiteral("--parser must be default, msgpack or auto"));
    if (m_options.parser == SocketIoParser::Kind::Msgpack &&
        engine.version == EngineIoOptions::Version::V3)
        return usageError(
            QStringLiteral("--parser msgpack speaks Socket.IO v5, which needs --eio 4"));

    if (!ConnectionArguments::parseProxy(parser, connection, &engine.proxy, &error))
        return usageError(error);
    if (!ConnectionArguments::parseHeaders(parser.values(connection.headerOption), &engine.headers,
                                           &error) ||
        !ConnectionArguments::parseQuery(parser.values(connection.queryOption), &engine.query,
                                         &error) ||
        !ConnectionArguments::parseNamespaces(parser.values(connection.namespaceOption),
                                              parser.values(connection.authOption), &m_namespaces,
                                              &error))
        return usageError(error);
    if (!tlsOptions.apply(parser, &engine, &error))
        return usageError(error);
    if (engine.ignoreSslErrors)
        say() << "warning: --insecure: a server certificate that is not trusted is accepted; the "
                 "log records it as a warning\n";

    if (parser.isSet(sendOption)) {
        QFile script(parser.value(sendOption));
        if (!script.open(QIODevice::ReadOnly))
            return usageError(QStringLiteral("cannot read the script %1: %2")
                                  .arg(script.fileName(), script.errorString()));
        if (SessionReplay::isSessionLog(script.peek(64 * 1024))) {
            SessionLog log;
            if (!LogImporter::read(&script, &log, &error))
                return usageError(QStringLiteral("%1: %2").arg(script.fileName(), error));
            ReplayPlan plan;
            if (!SessionReplay::plan(log, &plan, &error))
                return usageError(QStringLiteral("%1: %2").arg(script.fileName(), error));
            for (const QString &warning : std::as_const(plan.warnings))
                say() << "warning: " << script.fileName() << ": " << warning << "\n";
            m_script = plan.steps;
            m_replies = plan.replies;
            m_replayLengthMs = plan.lengthMs;
            // The session's namespaces, unless -n names others.
            if (parser.values(connection.namespaceOption).isEmpty())
                m_namespaces = plan.namespaces;
        } else if (!SendScript::parse(script.readAll(), &m_script, &error)) {
            return usageError(QStringLiteral("%1: %2").arg(script.fileName(), error));
        }
    }
    if (parser.isSet(speedOption)) {
        bool ok = false;
        m_speed = parser.value(speedOption).toDouble(&ok);
        if (!ok || !(m_speed > 0) || m_speed > 1e6)
            return usageError(QStringLiteral("--speed must be a positive factor, e.g. 2 (twice "
                                             "as fast) or 0.5"));
        if (!parser.isSet(sendOption))
            return usageError(QStringLiteral("--speed plays the delays of --send; there is none"));
    }
    if (parser.isSet(autoAckOption)) {
        const QJsonDocument json = QJsonDocument::fromJson(parser.value(autoAckOption).toUtf8());
        if (!json.isArray())
            return usageError(QStringLiteral("--auto-ack must be a JSON array, e.g. '[\"ok\"]'"));
        m_autoAck = true;
        m_autoAckPayload = json.array();
    }
    if (parser.isSet(ackTimeoutOption)) {
        bool ok = false;
        const int ms = parser.value(ackTimeoutOption).toInt(&ok);
        if (!ok || ms < 0)
            return usageError(QStringLiteral("--ack-timeout must be a number of milliseconds"));
        m_options.ackTimeoutMs = ms;
    }
    if (parser.isSet(durationOption)) {
        bool ok = false;
        m_durationSeconds = parser.value(durationOption).toDouble(&ok);
        if (!ok || !(m_durationSeconds > 0) || m_durationSeconds > 1e6)
            return usageError(QStringLiteral("--duration must be a positive number of seconds"));
    }
    if (m_replayLengthMs >= 0 && !parser.isSet(durationOption))
        m_durationSeconds = m_replayLengthMs / m_speed / 1000.0 + 1;
    if (parser.isSet(formatOption) &&
        !LogExporter::parseFormat(parser.value(formatOption), &m_export.format))
        return usageError(QStringLiteral("--format must be jsonl, har or text"));
    if (parser.isSet(stopOnEventOption)) {
        m_stopOnEvent = parser.value(stopOnEventOption);
        if (m_stopOnEvent.isEmpty())
            return usageError(QStringLiteral("--stop-on-event needs an event name"));
        // ["<name>" as JSON writes it: compared with the start of each payload, so that the
        // check costs no parsing on the events that do not match.
        m_stopOnEventPrefix =
            QJsonDocument(QJsonArray{m_stopOnEvent}).toJson(QJsonDocument::Compact);
        m_stopOnEventPrefix.chop(1); // the closing ']'
    }
    m_export.includeSecrets = parser.isSet(secretsOption);
    m_export.knownSecrets = Redaction::headerSecrets(engine.headers);
    if (!engine.proxy.url.password().isEmpty())
        m_export.knownSecrets.append(engine.proxy.url.password(QUrl::FullyDecoded));
    m_outPath = parser.value(outOption);
    return true;
}

void RecordCommand::start()
{
    if (QString error; !m_output.open(m_outPath, m_export, &error)) {
        failToStart(error);
        return;
    }
    m_client = new SocketIoClient(this);
    m_client->setOptions(m_options);
    connect(m_client, &SocketIoClient::packetRecorded, this, &RecordCommand::appendRecord);
    connect(m_client, &SocketIoClient::errorOccurred, this, [this](const SocketIoError &error) {
        // The server going away after a session was open ends the recording; it is not a
        // failure of the recorder. Everything else (refused, TLS, timeouts, protocol
        // violations) is.
        const bool serverWentAway = error.kind == SocketIoError::Kind::EngineIo &&
                                    error.engine.kind == EngineIoError::Kind::Transport &&
                                    m_everOpened;
        const QString cause =
            error.kind == SocketIoError::Kind::EngineIo ? likelyCause(error.engine) : QString();
        if (serverWentAway)
            m_endCause = cause; // for the "connection ended" line
        if (m_stopping || serverWentAway)
            return;
        noteFailure(cause.isEmpty()
                        ? error.message
                        : QStringLiteral("%1\n  likely cause: %2").arg(error.message, cause));
    });
    connect(m_client->engine(), &EngineIoClient::openReceived, this,
            [this] { m_everOpened = true; });
    connect(m_client->engine(), &EngineIoClient::closed, this,
            [this](const QString &reason, bool, bool willReconnect) {
                if (willReconnect)
                    return;
                // A failure is reported once, by finish(); this line is for an end that is not
                // one (the server went away after the session was open).
                if (!m_stopping && m_failure.isEmpty()) {
                    QTextStream &err = say() << "connection ended: " << reason;
                    if (!m_endCause.isEmpty())
                        err << "\n  likely cause: " << m_endCause;
                    err << "\n";
                }
                finish();
            });
    connect(m_client, &SocketIoClient::namespaceAdded, this, &RecordCommand::watchNamespace);
    connect(m_client, &SocketIoClient::packetReceived, this, [this](const SocketIoPacket &packet) {
        switch (packet.type) {
        case SocketIoPacket::Connect:
            // A CONNECT answer the client cannot accept (a v5 CONNECT without a sid, as a
            // socket.io 2 server sends to --eio 4 over WebSocket) is a protocol violation,
            // unlike a refusal by the server with CONNECT_ERROR.
            if (SocketIoNamespace *ns = m_client->findNamespace(packet.nsp);
                ns && ns->state() == SocketIoNamespace::State::Refused)
                noteFailure(ns->refusalMessage());
            break;
        case SocketIoPacket::Event:
        case SocketIoPacket::BinaryEvent:
            checkStopOnEvent(packet);
            break;
        default:
            break;
        }
    });
    for (const auto &[name, auth] : std::as_const(m_namespaces))
        watchNamespace(m_client->joinNamespace(name, auth));
    m_player = new ScriptPlayer(m_client, this);
    m_player->setSteps(m_script);
    m_player->setSpeed(m_speed);
    m_player->setReplies(m_replies);
    if (m_autoAck)
        m_player->setAutoAck(m_autoAckPayload);
    m_player->setAckTimeoutMs(m_options.ackTimeoutMs);
    connect(m_player, &ScriptPlayer::stepFailed, this, [this](int line, const QString &error) {
        say() << (m_replayLengthMs >= 0 ? "row " : "script line ") << line << " not sent: " << error
              << "\n";
    });
    connect(m_player, &ScriptPlayer::finished, this, &RecordCommand::checkAllDone);
    // Script lines for namespaces not named with -n join them too.
    m_player->start();
    for (SocketIoNamespace *ns : m_client->namespaces())
        watchNamespace(ns);

    if (m_durationSeconds > 0)
        m_durationTimer.start(int(m_durationSeconds * 1000));
    m_client->connectToServer();
}

void RecordCommand::watchNamespace(SocketIoNamespace *ns)
{
    if (!ns || ns->property("sioscopeWatched").toBool())
        return;
    ns->setProperty("sioscopeWatched", true);
    // Queued: the namespace must finish processing the packet (and emit refused() or
    // connected()) before the recorder decides that nothing more can happen and stops.
    connect(ns, &SocketIoNamespace::stateChanged, this, &RecordCommand::checkAllDone,
            Qt::QueuedConnection);
}

void RecordCommand::checkAllDone()
{
    if (m_stopping || !m_client || !m_everOpened)
        return;
    for (SocketIoNamespace *ns : m_client->namespaces()) {
        const auto state = ns->state();
        if (state == SocketIoNamespace::State::Connecting ||
            state == SocketIoNamespace::State::Connected)
            return;
    }
    // Every namespace was left, refused or disconnected by the server: nothing more can happen.
    stop();
}

void RecordCommand::appendRecord(const PacketRecord &record)
{
    m_output.append(record);
}

void RecordCommand::checkStopOnEvent(const SocketIoPacket &packet)
{
    if (m_stopOnEvent.isEmpty() || m_stopping)
        return;
    const QByteArray &payload = packet.payload;
    bool match = false;
    if (payload.startsWith(m_stopOnEventPrefix)) {
        const qsizetype next = m_stopOnEventPrefix.size();
        match = next < payload.size() && (payload[next] == ',' || payload[next] == ']');
    } else if (payload.size() > 1 && payload[0] == '[' && payload[1] != '"') {
        match = packet.eventName() == m_stopOnEvent; // whitespace or escapes: parse it
    }
    if (match)
        QTimer::singleShot(0, this, &RecordCommand::stop); // after the event is recorded
}

void RecordCommand::stop()
{
    if (m_stopping || m_finished)
        return;
    m_stopping = true;
    m_durationTimer.stop();
    // --duration or a signal while the server has not answered yet (a hanging server, a wrong
    // --path on some servers): nothing was recorded, which is a connection failure.
    if (m_client && !m_everOpened)
        noteFailure(QStringLiteral("stopped before the connection opened: no answer from %1")
                        .arg(m_options.engine.url
                                 .adjusted(QUrl::RemoveUserInfo | QUrl::RemovePath |
                                           QUrl::RemoveQuery | QUrl::RemoveFragment)
                                 .toString())); // no secrets from the query on stderr
    if (!m_client || m_client->engine()->state() == EngineIoClient::State::Disconnected) {
        finish();
        return;
    }
    m_stopTimer.start(StopGraceMs);   // a server that never lets go cannot hold the log hostage
    m_client->disconnectFromServer(); // DISCONNECT per namespace, CLOSE, then closed()
}

void RecordCommand::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_stopping = true;
    m_stopTimer.stop();
    if (m_player)
        m_player->stop();
    if (m_client)
        m_client->disconnect(this);
    finishRun();
}
