#include "cliserve.h"

#include <QDeadlineTimer>
#include <QRegularExpression>

namespace {
constexpr int StartTimeoutMs = 10000;
constexpr int StopTimeoutMs = 10000;
} // namespace

CliServe::~CliServe()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(StopTimeoutMs);
    }
}

bool CliServe::start(const QStringList &arguments, QString *error)
{
    return start(QStringLiteral("serve"), arguments, error);
}

bool CliServe::start(const QString &command, const QStringList &arguments, QString *error)
{
    m_command = command;
    QStringList where;
    if (command == QLatin1String("serve"))
        where = QStringList{QStringLiteral("--port"), QStringLiteral("0")};
    else if (command == QLatin1String("proxy"))
        where = QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")};
    m_process.start(QStringLiteral(SIOSCOPE_CLI_PATH), QStringList{command} + arguments + where);
    if (!m_process.waitForStarted(StartTimeoutMs)) {
        *error = QStringLiteral("sioscope-cli did not start: %1").arg(m_process.errorString());
        return false;
    }
    // The banner is on stderr; stdout (the log) may stay quiet until a client comes.
    m_process.setReadChannel(QProcess::StandardError);
    const QDeadlineTimer deadline(StartTimeoutMs);
    while (!m_stderr.contains('\n') && !deadline.hasExpired() &&
           m_process.state() == QProcess::Running) {
        m_process.waitForReadyRead(int(deadline.remainingTime()));
        m_stderr += m_process.readAllStandardError();
    }
    m_process.setReadChannel(QProcess::StandardOutput);
    const QRegularExpressionMatch match =
        QRegularExpression(QStringLiteral("listening on (https?://127\\.0\\.0\\.1:\\d+)"))
            .match(QString::fromUtf8(m_stderr.left(m_stderr.indexOf('\n'))));
    if (!match.hasMatch()) {
        *error =
            QStringLiteral("no \"listening on\" line from sioscope-cli %1: %2")
                .arg(m_command, QString::fromUtf8(m_stderr + m_process.readAllStandardError()));
        return false;
    }
    m_url = QUrl(match.captured(1));
    return true;
}

bool CliServe::stop(QString *error)
{
    m_process.terminate();
    if (!m_process.waitForFinished(StopTimeoutMs)) {
        *error = QStringLiteral("sioscope-cli %1 did not end within %2 ms of SIGTERM")
                     .arg(m_command)
                     .arg(StopTimeoutMs);
        return false;
    }
    if (m_process.exitStatus() != QProcess::NormalExit || m_process.exitCode() != 0) {
        *error = QStringLiteral("sioscope-cli %1 exited with %2: %3")
                     .arg(m_command)
                     .arg(m_process.exitCode())
                     .arg(QString::fromUtf8(readStderr()));
        return false;
    }
    return true;
}

QByteArray CliServe::readStderr()
{
    m_stderr += m_process.readAllStandardError();
    return m_stderr;
}
