#include "clicommand.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace {

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

int CliCommand::run(const QStringList &arguments)
{
    if (!parse(arguments))
        return m_exitCode;
    connect(this, &CliCommand::finished, QCoreApplication::instance(), &QCoreApplication::exit);
    watchStopSignals(this);
    start();
    return QCoreApplication::exec();
}
