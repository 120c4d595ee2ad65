#include "referenceserver.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <csignal>

ReferenceServer::~ReferenceServer()
{
    kill();
}

QString ReferenceServer::peersDir()
{
    return QStringLiteral(SIOSCOPE_PEERS_DIR);
}

bool ReferenceServer::start(const Options &options, QString *error)
{
    kill();
    m_options = options;
    m_output.clear();
    const QString dir = peersDir();
    if (!QFile::exists(dir + QStringLiteral("/node_modules"))) {
        *error = QStringLiteral("%1/node_modules is missing: run `npm ci` there "
                                "(scripts/dev.sh test does it)")
                     .arg(dir);
        return false;
    }
    QJsonObject config{
        {QStringLiteral("flavor"),
         options.flavor == Flavor::SocketIo4 ? QStringLiteral("4") : QStringLiteral("2")},
        {QStringLiteral("port"), options.port},
        {QStringLiteral("pingInterval"), options.pingInterval},
        {QStringLiteral("pingTimeout"), options.pingTimeout},
        {QStringLiteral("path"), options.path.isEmpty() ? QJsonValue() : QJsonValue(options.path)},
        {QStringLiteral("transports"), QJsonArray::fromStringList(options.transports)},
        {QStringLiteral("allowUpgrades"), options.allowUpgrades},
        {QStringLiteral("connectionStateRecovery"), options.connectionStateRecovery},
        {QStringLiteral("maxHttpBufferSize"), double(options.maxHttpBufferSize)},
        {QStringLiteral("allowEIO3"), options.allowEIO3},
        {QStringLiteral("logRequests"), options.logRequests},
        {QStringLiteral("logPackets"), options.logPackets},
        {QStringLiteral("notFoundPage"), options.notFoundPage},
        {QStringLiteral("changedAck"), options.changedAck},
    };
    if (!options.parser.isEmpty())
        config.insert(QStringLiteral("parser"), options.parser);
    if (!options.tlsKeyFile.isEmpty() || !options.tlsCertFile.isEmpty()) {
        QJsonObject tls{{QStringLiteral("key"), options.tlsKeyFile},
                        {QStringLiteral("cert"), options.tlsCertFile}};
        if (!options.tlsClientCaFile.isEmpty()) {
            tls.insert(QStringLiteral("ca"), options.tlsClientCaFile);
            tls.insert(QStringLiteral("requestCert"), true);
        }
        config.insert(QStringLiteral("tls"), tls);
    }
    m_process = new QProcess;
    m_process->setWorkingDirectory(dir);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->start(QStringLiteral("node"),
                     {dir + QStringLiteral("/server.js"),
                      QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Compact))});
    if (!m_process->waitForStarted(10000)) {
        *error = QStringLiteral("cannot start node: %1").arg(m_process->errorString());
        kill();
        return false;
    }
    // The whole line, newline included: `$` would also match a line read only in part
    // ("listening 4" of "listening 40043").
    static const QRegularExpression listening(QStringLiteral("^listening (\\d+)\\r?\\n"),
                                              QRegularExpression::MultilineOption);
    QDeadlineTimer deadline(15000);
    while (!deadline.hasExpired()) {
        m_process->waitForReadyRead(100);
        m_output += m_process->readAll();
        const auto match = listening.match(QString::fromUtf8(m_output));
        if (match.hasMatch()) {
            m_port = match.captured(1).toInt();
            return true;
        }
        if (m_process->state() == QProcess::NotRunning)
            break;
    }
    *error =
        QStringLiteral("the reference server did not start: %1").arg(QString::fromUtf8(m_output));
    kill();
    return false;
}

void ReferenceServer::kill()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        ::kill(pid_t(m_process->processId()), SIGCONT); // a paused process must die too
        m_process->kill();
        m_process->waitForFinished(5000);
    }
    m_output += m_process->readAll();
    delete m_process;
    m_process = nullptr;
}

void ReferenceServer::pause()
{
    if (isRunning())
        ::kill(pid_t(m_process->processId()), SIGSTOP);
}

void ReferenceServer::resume()
{
    if (isRunning())
        ::kill(pid_t(m_process->processId()), SIGCONT);
}

bool ReferenceServer::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

QUrl ReferenceServer::url(const QString &scheme) const
{
    QUrl url;
    url.setScheme(!scheme.isEmpty() ? scheme
                  : isTls()         ? QStringLiteral("https")
                                    : QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_port);
    return url;
}

QByteArray ReferenceServer::output() const
{
    if (m_process)
        m_output += m_process->readAll();
    return m_output;
}

QList<ReferenceServer::Request> ReferenceServer::requests() const
{
    static const QByteArray prefix = QByteArrayLiteral("[server] request ");
    QList<Request> requests;
    const QByteArray log = output();
    for (const QByteArray &line : log.split('\n')) {
        if (!line.startsWith(prefix))
            continue;
        const QJsonObject entry = QJsonDocument::fromJson(line.mid(prefix.size())).object();
        if (entry.isEmpty())
            continue; // a line still being written
        Request request;
        request.method = entry.value(QStringLiteral("method")).toString().toUtf8();
        request.url = QUrl(entry.value(QStringLiteral("url")).toString());
        request.upgrade = entry.value(QStringLiteral("upgrade")).toBool();
        const QJsonObject query = entry.value(QStringLiteral("query")).toObject();
        for (auto it = query.begin(); it != query.end(); ++it)
            request.query.insert(it.key(), it.value().toString());
        const QJsonObject headers = entry.value(QStringLiteral("headers")).toObject();
        for (auto it = headers.begin(); it != headers.end(); ++it)
            request.headers.insert(it.key().toUtf8(), it.value().toString().toUtf8());
        requests.append(request);
    }
    return requests;
}
