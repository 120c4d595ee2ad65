#include "clirun.h"

#include <QProcess>
#include <QTest>

QProcessEnvironment environmentWithoutProxies()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                             "ALL_PROXY", "no_proxy", "NO_PROXY"})
        environment.remove(QString::fromLatin1(name));
    return environment;
}

CliRun::CliRun(const QStringList &arguments, const QProcessEnvironment &environment, int timeoutMs)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(SIOSCOPE_CLI_PATH), arguments);
    const bool finished = QTest::qWaitFor(
        [&process] {
            return process.state() == QProcess::NotRunning ||
                   process.waitForFinished(10); // also reads its pipes
        },
        timeoutMs);
    if (!finished) {
        process.kill();
        process.waitForFinished(5000);
    } else if (process.exitStatus() == QProcess::NormalExit) {
        exitCode = process.exitCode();
    }
    out = process.readAllStandardOutput();
    err = process.readAllStandardError();
}

QByteArray CliRun::describe(const QStringList &arguments) const
{
    return "sioscope-cli " + arguments.join(QLatin1Char(' ')).toUtf8() + "\nexit " +
           QByteArray::number(exitCode) + ", stderr:\n" + err;
}
