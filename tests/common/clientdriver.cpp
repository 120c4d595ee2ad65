#include "clientdriver.h"

#include "referenceserver.h"

#include <QJsonDocument>
#include <QProcess>
#include <QSignalSpy>

QJsonValue ClientDriverRun::value(const char *step) const
{
    const QJsonObject result = steps.value(QString::fromLatin1(step));
    if (!result.value(QStringLiteral("ok")).toBool()) {
        qWarning("step %s: %s", step,
                 result.isEmpty()
                     ? "missing"
                     : QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
        return QJsonValue(QJsonValue::Undefined);
    }
    return result.value(QStringLiteral("value"));
}

ClientDriverRun runClientDriver(const QJsonObject &config, int timeoutMs)
{
    QProcess driver;
    driver.setWorkingDirectory(ReferenceServer::peersDir());
    driver.start(QStringLiteral("node"),
                 {QStringLiteral("client-driver.js"),
                  QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Compact))});
    ClientDriverRun run;
    QSignalSpy finished(&driver, &QProcess::finished);
    if (!driver.waitForStarted(5000) || !(finished.wait(timeoutMs) || !finished.isEmpty())) {
        driver.kill();
        driver.waitForFinished(5000);
    }
    const QByteArray output = driver.readAllStandardOutput();
    run.output = QString::fromUtf8(output + driver.readAllStandardError());
    for (const QByteArray &line : output.split('\n')) {
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        if (object.contains(QStringLiteral("done"))) {
            run.done = object.value(QStringLiteral("done")).toBool();
            run.doneLine = object;
        } else if (object.contains(QStringLiteral("step"))) {
            run.steps.insert(object.value(QStringLiteral("step")).toString(), object);
        }
    }
    return run;
}
