#include "clicommand.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTextStream>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace {

QTextStream &standardError()
{
    static QTextStream stream(stderr);
    return stream;
}

// The write end of the self-pipe: a signal handler can reach nothing else.
int signalPipe[2] = {-1, -1};

void forwardSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

// SIGINT and SIGTERM become a call on the event loop (the self-pipe trick).
void watchStopSignals(CliCommand *command)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, command);
    QObject::connect(notifier, &QSocketNotifier::activated, command, [command] {
        char byte;
        [[maybe_unused]] const auto read = ::read(signalPipe[0], &byte, 1);
        command->stop();
    });
    struct sigaction action = {};
    action.sa_handler = forwardSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

} // namespace

CliCommand::CliCommand(const QString &name, QObject *parent)
    : QObject(parent)
    , m_name(name)
{
    connect(&m_output, &LogOutput::writeFailed, this, &CliCommand::noteFailure);
}

QTextStream &CliCommand::say()
{
    return standardError() << "sioscope-cli " << m_name << ": ";
}

bool CliCommand::usageError(const QString &message, const char *usage)
{
    QTextStream &err = say() << message << "\n";
    if (usage)
        err << usage;
    err.flush();
    m_exitCode = UsageError;
    return false;
}

void CliCommand::failToStart(const QString &message)
{
    say() << message << "\n" << Qt::flush;
    m_exitCode = Failure;
    QMetaObject::invokeMethod(
        this, [this] { Q_EMIT finished(m_exitCode); }, Qt::QueuedConnection);
}

void CliCommand::noteFailure(const QString &message)
{
    if (m_failure.isEmpty())
        m_failure = message;
}

void CliCommand::finishRun()
{
    if (QString error; !m_output.close(&error))
        noteFailure(error);
    if (!m_failure.isEmpty()) {
        say() << m_failure << "\n";
        m_exitCode = Failure;
    }
    standardError().flush(); // and whatever was said before without a flush
    Q_EMIT finished(m_exitCode);
}

int CliCommand::run(const QStringList &arguments)
{
    if (!parse(arguments))
        return m_exitCode;
    connect(this, &CliCommand::finished, QCoreApplication::instance(), &QCoreApplication::exit);
    watchStopSignals(this);
    start();
    return QCoreApplication::exec();
}
