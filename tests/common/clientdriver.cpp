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

QByteArray runPeerScript(const QString &script, const QJsonObject &config, int timeoutMs,
                         QByteArray *stderrOut)
{
    QProcess peer;
    peer.setWorkingDirectory(ReferenceServer::peersDir());
    peer.start(QStringLiteral("node"),
               {script, QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Compact))});
    QSignalSpy finished(&peer, &QProcess::finished);
    if (!peer.waitForStarted(5000) || !(finished.wait(timeoutMs) || !finished.isEmpty())) {
        peer.kill();
        peer.waitForFinished(5000);
    }
    *stderrOut = peer.readAllStandardError();
    return peer.readAllStandardOutput();
}

ClientDriverRun runClientDriver(const QJsonObject &config, int timeoutMs)
{
    ClientDriverRun run;
    QByteArray errors;
    const QByteArray output =
        runPeerScript(QStringLiteral("client-driver.js"), config, timeoutMs, &errors);
    run.output = QString::fromUtf8(output + errors);
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
