// A long-running sioscope-cli command (record, serve): it parses its arguments, starts, and runs
// until it finishes by itself or SIGINT/SIGTERM asks it to stop, which lets it write everything
// out before the process exits with its code.
#pragma once

#include <QObject>
#include <QStringList>

class CliCommand : public QObject
{
    Q_OBJECT
public:
    enum ExitCode { Success = 0, Failure = 1, UsageError = 2 };

    using QObject::QObject;

    // The arguments after the command's name. On a usage error prints it with the usage and
    // returns false, with the exit code set to UsageError; for --help, prints the usage on stdout
    // and returns false with the exit code Success.
    virtual bool parse(const QStringList &arguments) = 0;
    virtual void start() = 0;
    // Ends the work cleanly (leaves, closes, writes the log), then emits finished().
    virtual void stop() = 0;
    int exitCode() const { return m_exitCode; }

    // parse(), start(), the event loop until finished(); stop() on SIGINT or SIGTERM. The exit
    // status of the process.
    int run(const QStringList &arguments);

Q_SIGNALS:
    void finished(int exitCode);

protected:
    int m_exitCode = Success;
};
