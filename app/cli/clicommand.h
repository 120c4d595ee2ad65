// A long-running sioscope-cli command (record, serve): it parses its arguments, starts, and runs
// until it finishes by itself or SIGINT/SIGTERM asks it to stop, which lets it write its log out
// before the process exits with its code. What goes to stderr starts with "sioscope-cli <name>: ".
#pragma once

#include "logoutput.h"

#include <QObject>
#include <QStringList>

class QTextStream;

class CliCommand : public QObject
{
    Q_OBJECT
public:
    enum ExitCode { Success = 0, Failure = 1, UsageError = 2 };

    CliCommand(const QString &name, QObject *parent);

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
    // stderr, with "sioscope-cli <name>: " written: say() << "listening on " << url << "\n".
    QTextStream &say();
    // A mistake in the arguments (or a file they name): the message, then `usage` when given;
    // the exit code UsageError. Returns false, for parse() to return.
    bool usageError(const QString &message, const char *usage = nullptr);
    // start() cannot go on: the message; the exit code Failure; finished() on the next turn.
    void failToStart(const QString &message);
    // The first failure is the one finishRun() reports.
    void noteFailure(const QString &message);
    // Writes the log out (noting a failure to), reports the first failure with the exit code
    // Failure, and emits finished().
    void finishRun();

    int m_exitCode = Success;
    QString m_failure;
    LogOutput m_output;

private:
    QString m_name;
};
