#include "loopbackdaemon.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QTcpServer>
#include <QTcpSocket>

LoopbackDaemon::~LoopbackDaemon()
{
    kill();
}

int LoopbackDaemon::freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

bool LoopbackDaemon::start(const QString &program, const QStringList &arguments, int port,
                           const QString &package, QString *error)
{
    kill();
    m_output.clear();
    m_port = port;
    if (!QFile::exists(program)) {
        *error = QStringLiteral("%1 is missing: install the Debian package %2 (scripts/dev.sh "
                                "lists it)")
                     .arg(program, package);
        return false;
    }
    m_process = new QProcess;
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->start(program, arguments);
    if (!m_process->waitForStarted(10000)) {
        *error = QStringLiteral("cannot start %1: %2").arg(program, m_process->errorString());
        kill();
        return false;
    }
    // These programs say nothing reliable when they are ready: they are once the port accepts.
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired() && m_process->state() == QProcess::Running) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, quint16(m_port));
        if (socket.waitForConnected(200))
            return true;
        m_process->waitForFinished(50);
    }
    *error = QStringLiteral("%1 did not start listening on 127.0.0.1:%2: %3")
                 .arg(program)
                 .arg(m_port)
                 .arg(QString::fromUtf8(output()));
    kill();
    return false;
}

void LoopbackDaemon::kill()
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

bool LoopbackDaemon::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

QByteArray LoopbackDaemon::output() const
{
    if (m_process)
        m_output += m_process->readAll();
    return m_output;
}
