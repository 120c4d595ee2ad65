#include "haproxy.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QTcpServer>
#include <QTcpSocket>

namespace {

// A port nobody listens on now. haproxy binds it a moment later; another process taking it in
// between makes start() fail with haproxy's "cannot bind socket" alert, not a wrong result.
int freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

} // namespace

HaProxy::~HaProxy()
{
    kill();
}

QByteArray HaProxy::configuration(const Options &options, int port)
{
    // Timeouts: a long poll lasts up to pingInterval; `timeout tunnel` covers WebSockets.
    QByteArray config = "global\n"
                        "    maxconn 256\n"
                        "defaults\n"
                        "    mode http\n"
                        "    timeout connect 5s\n"
                        "    timeout client 60s\n"
                        "    timeout server 60s\n"
                        "    timeout tunnel 1h\n"
                        "frontend sioscope_test\n"
                        "    bind 127.0.0.1:" +
                        QByteArray::number(port) +
                        "\n"
                        "    default_backend socketio\n"
                        "backend socketio\n"
                        "    balance roundrobin\n";
    const bool sticky = !options.stickyCookie.isEmpty();
    if (sticky)
        config += "    cookie " + options.stickyCookie.toUtf8() + " insert indirect nocache\n";
    for (const QString &line : options.backendLines)
        config += "    " + line.toUtf8() + '\n';
    for (qsizetype i = 0; i < options.backendPorts.size(); ++i) {
        const QByteArray name = 's' + QByteArray::number(i + 1);
        config += "    server " + name +
                  " 127.0.0.1:" + QByteArray::number(options.backendPorts.at(i)) +
                  (sticky ? " cookie " + name : QByteArray()) + '\n';
    }
    return config;
}

bool HaProxy::start(const Options &options, QString *error)
{
    kill();
    m_output.clear();
    if (!QFile::exists(executable())) {
        *error = QStringLiteral("%1 is missing: install the Debian package haproxy "
                                "(scripts/dev.sh lists it)")
                     .arg(executable());
        return false;
    }
    if (!m_dir.isValid()) {
        *error = QStringLiteral("no temporary directory: %1").arg(m_dir.errorString());
        return false;
    }
    m_port = freeLoopbackPort();
    if (m_port == 0) {
        *error = QStringLiteral("no free loopback port");
        return false;
    }
    const QString configFile = m_dir.filePath(QStringLiteral("haproxy.cfg"));
    QFile file(configFile);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        file.write(configuration(options, m_port)) < 0) {
        *error = QStringLiteral("cannot write %1: %2").arg(configFile, file.errorString());
        return false;
    }
    file.close();
    m_process = new QProcess;
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->start(executable(), {QStringLiteral("-f"), configFile, QStringLiteral("-db")});
    if (!m_process->waitForStarted(10000)) {
        *error = QStringLiteral("cannot start %1: %2").arg(executable(), m_process->errorString());
        kill();
        return false;
    }
    // haproxy says nothing when it is ready: it is once its port accepts a connection.
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired() && m_process->state() == QProcess::Running) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, quint16(m_port));
        if (socket.waitForConnected(200))
            return true;
        m_process->waitForFinished(50);
    }
    *error = QStringLiteral("haproxy did not start listening on 127.0.0.1:%1: %2")
                 .arg(m_port)
                 .arg(QString::fromUtf8(output()));
    kill();
    return false;
}

void HaProxy::kill()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
    m_output += m_process->readAll();
    delete m_process;
    m_process = nullptr;
}

bool HaProxy::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

QUrl HaProxy::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port));
}

QByteArray HaProxy::output() const
{
    if (m_process)
        m_output += m_process->readAll();
    return m_output;
}
