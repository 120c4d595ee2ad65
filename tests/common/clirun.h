// One `sioscope-cli` run to its end, for the peer tests: exit status and both outputs. The event
// loop turns while it runs, so that servers living in the test process keep answering.
#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QStringList>

// This process's environment without any proxy variable (http_proxy, no_proxy, ... in either
// case): the tests' connections are direct unless a test sets one.
QProcessEnvironment environmentWithoutProxies();

struct CliRun
{
    int exitCode = -1; // -1: crashed, killed, or did not finish in time
    QByteArray out;
    QByteArray err;

    explicit CliRun(const QStringList &arguments,
                    const QProcessEnvironment &environment = environmentWithoutProxies(),
                    int timeoutMs = 20000);
    // "sioscope-cli <arguments>\nexit N, stderr:\n...": for failure messages.
    QByteArray describe(const QStringList &arguments) const;
};
