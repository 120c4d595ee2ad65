#include "proxycommand.h"

#include "connectionarguments.h"
#include "proxy/proxyserver.h"
#include "tlsoptions.h"

#include <QCommandLineParser>
#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QTextStream>

namespace {
const char *const UsageHead =
    "usage: sioscope-cli proxy --listen <host:port> --target <url> [options]\n"
    "A reverse proxy for an app's Socket.IO traffic: point the app at --listen; every request,\n"
    "response and WebSocket frame goes on to --target unchanged, and each app session is\n"
    "recorded decoded, both ways, with acks paired.\n"
    "      --listen <host:port>      where the app connects, e.g. 127.0.0.1:3001 (port 0: any)\n"
    "      --target <url>            the app's server: http, https, ws or wss, e.g.\n"
    "                                https://api.example.com\n"
    "      --path <path>             the Engine.IO path to decode, default /socket.io/; other\n"
    "                                paths are forwarded, not recorded\n"
    "      --record-all              record the requests on other paths too, each as an\n"
    "                                `http` note (method, URL, status, sizes, time)\n"
    "      --keep-host               forward the app's Host field (default: the target's)\n"
    "      --strict                  close both connections when either side breaks a rule\n"
    "                                (default: record the violation and forward it)\n"
    "      --parser auto|default|msgpack  the sessions' Socket.IO parser; auto (default): a\n"
    "                                session whose first message is binary is msgpack\n"
    "      --listen-cert <pem>       listen with TLS (https, wss) with this certificate...\n"
    "      --listen-key <pem>        ...and its unencrypted PEM key\n"
    "      --max-decoded <bytes>     the largest polling body or WebSocket message decoded;\n"
    "                                larger ones are forwarded, not decoded; default 67108864\n"
    "      --max-connections <n>     open app connections; more are refused; default 10000\n"
    "      --connect-timeout <ms>    for each connection to the target; default 20000\n"
    "  -q, --quiet                   no line per session on stderr\n"
    "Toward the target:\n";
const char *const UsageOutput =
    "  -o, --out <file>              where to write the log (default stdout)\n"
    "      --format jsonl|har|text   default jsonl\n"
    "      --include-secrets         do not redact tokens, cookies and auth payloads\n";

QByteArray usageText()
{
    return QByteArray(UsageHead) + TlsOptions::usage() + ConnectionArguments::ProxyUsage +
           UsageOutput;
}

bool parseNumber(const QString &text, qint64 min, qint64 max, qint64 *value)
{
    bool ok = false;
    const qint64 number = text.toLongLong(&ok);
    if (!ok || number < min || number > max)
        return false;
    *value = number;
    return true;
}

// "host:port" or "[v6]:port".
bool parseListen(const QString &text, QHostAddress *host, quint16 *port, QString *error)
{
    const int colon = int(text.lastIndexOf(QLatin1Char(':')));
    QString hostText = colon > 0 ? text.left(colon) : QString();
    const QString portText = colon > 0 ? text.mid(colon + 1) : QString();
    if (hostText.startsWith(QLatin1Char('[')) && hostText.endsWith(QLatin1Char(']')))
        hostText = hostText.mid(1, hostText.size() - 2);
    qint64 number = 0;
    if (hostText.isEmpty() || !parseNumber(portText, 0, 65535, &number)) {
        *error = QStringLiteral("--listen must be <address>:<port>, e.g. 127.0.0.1:3001; got "
                                "\"%1\"")
                     .arg(text);
        return false;
    }
    if (hostText == QLatin1String("localhost"))
        *host = QHostAddress::LocalHost;
    else if (!host->setAddress(hostText)) {
        *error = QStringLiteral("--listen needs an IP address (e.g. 127.0.0.1), got \"%1\"")
                     .arg(hostText);
        return false;
    }
    *port = quint16(number);
    return true;
}

bool readPem(const QString &path, const char *option, QByteArray *pem, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: cannot read %2: %3")
                     .arg(QLatin1String(option), path, file.errorString());
        return false;
    }
    *pem = file.readAll();
    return true;
}
} // namespace

ProxyCommand::ProxyCommand(QObject *parent)
    : CliCommand(QStringLiteral("proxy"), parent)
{
}

bool ProxyCommand::parse(const QStringList &arguments)
{
    const QByteArray usage = usageText();
    const auto usageError = [this, &usage](const QString &message) {
        return CliCommand::usageError(message, usage.constData());
    };
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption listenOption(QStringLiteral("listen"), {}, QStringLiteral("address"));
    const QCommandLineOption targetOption(QStringLiteral("target"), {}, QStringLiteral("url"));
    const QCommandLineOption pathOption(QStringLiteral("path"), {}, QStringLiteral("path"));
    const QCommandLineOption keepHostOption(QStringLiteral("keep-host"));
    const QCommandLineOption strictOption(QStringLiteral("strict"));
    const QCommandLineOption recordAllOption(QStringLiteral("record-all"));
    const QCommandLineOption parserOption(QStringLiteral("parser"), {}, QStringLiteral("parser"));
    const QCommandLineOption listenCertOption(QStringLiteral("listen-cert"), {},
                                              QStringLiteral("pem"));
    const QCommandLineOption listenKeyOption(QStringLiteral("listen-key"), {},
                                             QStringLiteral("pem"));
    const QCommandLineOption maxDecodedOption(QStringLiteral("max-decoded"), {},
                                              QStringLiteral("bytes"));
    const QCommandLineOption maxConnectionsOption(QStringLiteral("max-connections"), {},
                                                  QStringLiteral("n"));
    const QCommandLineOption connectTimeoutOption(QStringLiteral("connect-timeout"), {},
                                                  QStringLiteral("ms"));
    const QCommandLineOption quietOption(QStringList{QStringLiteral("q"), QStringLiteral("quiet")});
    const QCommandLineOption outOption({QStringLiteral("o"), QStringLiteral("out")}, {},
                                       QStringLiteral("file"));
    const QCommandLineOption formatOption(QStringLiteral("format"), {}, QStringLiteral("format"));
    const QCommandLineOption secretsOption(QStringLiteral("include-secrets"));
    const QCommandLineOption helpOption(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    const TlsOptions tlsOptions;
    tlsOptions.addTo(&parser);
    parser.addOptions({listenOption, targetOption, pathOption, keepHostOption, strictOption,
                       recordAllOption, parserOption, listenCertOption, listenKeyOption,
                       maxDecodedOption, maxConnectionsOption, connectTimeoutOption, quietOption,
                       outOption, formatOption, secretsOption, helpOption});
    const ConnectionArguments::Options connection;
    parser.addOptions({connection.proxyOption, connection.noProxyOption});
    if (!parser.parse(QStringList{QStringLiteral("proxy")} + arguments))
        return usageError(parser.errorText());
    if (parser.isSet(helpOption)) {
        QTextStream(stdout) << usage;
        m_exitCode = Success;
        return false;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(
            QStringLiteral("unexpected argument \"%1\"").arg(parser.positionalArguments().first()));
    if (!parser.isSet(listenOption))
        return usageError(QStringLiteral("missing --listen <address:port>"));
    if (!parser.isSet(targetOption))
        return usageError(QStringLiteral("missing --target <url>"));
    QString error;
    if (!parseListen(parser.value(listenOption), &m_host, &m_port, &error))
        return usageError(error);
    QUrl target;
    if (!EngineIoOptions::parseServerUrl(parser.value(targetOption), &target, &error))
        return usageError(QStringLiteral("--target: %1").arg(error));
    m_options.target = ProxyOptions::normalizedTarget(target);
    if (parser.isSet(pathOption)) {
        m_options.path = parser.value(pathOption);
    } else if (target.path().size() > 1) {
        m_options.path = target.path(); // as `record` reads a URL's path
    }
    if (!m_options.path.startsWith(QLatin1Char('/')) || m_options.path.contains(QLatin1Char('?')))
        return usageError(QStringLiteral("--path must start with \"/\", e.g. /socket.io/"));
    if (!m_options.path.endsWith(QLatin1Char('/')))
        m_options.path += QLatin1Char('/');
    m_options.keepHost = parser.isSet(keepHostOption);
    m_options.strict = parser.isSet(strictOption);
    m_options.recordAll = parser.isSet(recordAllOption);
    if (parser.isSet(parserOption) &&
        !SocketIoParser::kindFromName(parser.value(parserOption), &m_options.parser))
        return usageError(QStringLiteral("--parser must be auto, default or msgpack"));

    qint64 number = 0;
    if (parser.isSet(maxDecodedOption)) {
        if (!parseNumber(parser.value(maxDecodedOption), 1024, qint64(1) << 32, &number))
            return usageError(
                QStringLiteral("--max-decoded must be a number of bytes from 1024 to 2^32"));
        m_options.maxDecodedBytes = number;
    }
    if (parser.isSet(maxConnectionsOption)) {
        if (!parseNumber(parser.value(maxConnectionsOption), 1, 1000000, &number))
            return usageError(QStringLiteral("--max-connections must be from 1 to 1000000"));
        m_options.maxConnections = int(number);
    }
    if (parser.isSet(connectTimeoutOption)) {
        if (!parseNumber(parser.value(connectTimeoutOption), 1, 600000, &number))
            return usageError(
                QStringLiteral("--connect-timeout must be a positive number of milliseconds"));
        m_options.targetConnection.connectTimeoutMs = int(number);
    }

    // Toward the target: TLS and the proxy to go through, as `record` takes them.
    if (!tlsOptions.apply(parser, &m_options.targetConnection, &error))
        return usageError(error);
    if (!ConnectionArguments::parseProxy(parser, connection, &m_options.targetConnection.proxy,
                                         &error))
        return usageError(error);

    if (parser.isSet(listenCertOption) != parser.isSet(listenKeyOption))
        return usageError(QStringLiteral("--listen-cert and --listen-key go together"));
    if (parser.isSet(listenCertOption)) {
        QByteArray certificatePem;
        QByteArray keyPem;
        if (!readPem(parser.value(listenCertOption), "--listen-cert", &certificatePem, &error) ||
            !readPem(parser.value(listenKeyOption), "--listen-key", &keyPem, &error))
            return CliCommand::usageError(error);
        const QList<QSslCertificate> chain = QSslCertificate::fromData(certificatePem, QSsl::Pem);
        if (chain.isEmpty())
            return CliCommand::usageError(
                QStringLiteral("--listen-cert: %1 holds no PEM certificate")
                    .arg(parser.value(listenCertOption)));
        QSslKey key(keyPem, QSsl::Rsa);
        if (key.isNull())
            key = QSslKey(keyPem, QSsl::Ec);
        if (key.isNull())
            return CliCommand::usageError(
                QStringLiteral("--listen-key: %1 holds no unencrypted PEM key (RSA or EC)")
                    .arg(parser.value(listenKeyOption)));
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificateChain(chain);
        tls.setPrivateKey(key);
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        m_listenTls = tls;
    }

    m_quiet = parser.isSet(quietOption);
    if (parser.isSet(formatOption) &&
        !LogExporter::parseFormat(parser.value(formatOption), &m_export.format))
        return usageError(QStringLiteral("--format must be jsonl, har or text"));
    m_export.includeSecrets = parser.isSet(secretsOption);
    m_outPath = parser.value(outOption);
    return true;
}

void ProxyCommand::start()
{
    if (QString error; !m_output.open(m_outPath, m_export, &error)) {
        failToStart(error);
        return;
    }
    m_proxy = new ProxyServer(this);
    m_proxy->setOptions(m_options);
    if (m_listenTls)
        m_proxy->setListenTls(*m_listenTls);
    connect(m_proxy, &ProxyServer::packetRecorded, &m_output, &LogOutput::append);
    if (!m_quiet) {
        connect(m_proxy, &ProxyServer::sessionOpened, this, [this](const QString &sid) {
            say() << "session " << sid << " opened\n" << Qt::flush;
        });
        connect(m_proxy, &ProxyServer::sessionClosed, this, [this](const QString &sid) {
            say() << "session " << sid << " closed\n" << Qt::flush;
        });
    }
    if (!m_proxy->listen(m_host, m_port)) {
        const ProxyStartError error = m_proxy->error();
        failToStart(error.kind == ProxyStartError::Kind::Listen
                        ? QStringLiteral("cannot listen on %1:%2: %3")
                              .arg(m_host.toString())
                              .arg(m_port)
                              .arg(error.message)
                        : error.message);
        return;
    }
    say() << "listening on " << m_proxy->listenUrl() << " -> "
          << m_options.target.toString(QUrl::RemoveUserInfo) << "\n"
          << Qt::flush;
    if (!m_proxy->targetTlsWarning().isEmpty())
        say() << "warning: " << m_proxy->targetTlsWarning() << "\n" << Qt::flush;
}

void ProxyCommand::stop()
{
    if (m_stopping)
        return;
    m_stopping = true;
    if (m_proxy)
        m_proxy->close();
    finishRun();
}
