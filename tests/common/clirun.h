// One `sioscope-cli` run to its end, for the peer tests: exit status and both outputs. The event
// loop turns while it runs, so that servers living in the test process keep answering.
#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QStringList>

struct CliRun
{
    int exitCode = -1; // -1: crashed, killed, or did not finish in time
    QByteArray out;
    QByteArray err;

    explicit CliRun(
        const QStringList &arguments,
        const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment(),
        int timeoutMs = 20000);
    // "sioscope-cli <arguments>\nexit N, stderr:\n...": for failure messages.
    QByteArray describe(const QStringList &arguments) const;
};
