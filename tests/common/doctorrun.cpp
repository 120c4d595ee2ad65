#include "doctorrun.h"

#include "clirun.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace {
constexpr int DoctorTimeoutMs = 60000;
}

const QStringList DoctorCheckIds = {QStringLiteral("reachable"),  QStringLiteral("tls"),
                                    QStringLiteral("engineio"),   QStringLiteral("transports"),
                                    QStringLiteral("stickiness"), QStringLiteral("proxy"),
                                    QStringLiteral("namespaces"), QStringLiteral("heartbeat")};

QJsonObject DoctorRun::check(const QString &id) const
{
    for (const QJsonValue check : report.value(QStringLiteral("checks")).toArray())
        if (check.toObject().value(QStringLiteral("id")).toString() == id)
            return check.toObject();
    return {};
}

QString DoctorRun::status(const QString &id) const
{
    return check(id).value(QStringLiteral("status")).toString();
}

QStringList DoctorRun::ids() const
{
    QStringList list;
    for (const QJsonValue check : report.value(QStringLiteral("checks")).toArray())
        list.append(check.toObject().value(QStringLiteral("id")).toString());
    return list;
}

bool DoctorRun::wellFormed() const
{
    for (const QJsonValue value : report.value(QStringLiteral("checks")).toArray()) {
        const QJsonObject check = value.toObject();
        const QString status = check.value(QStringLiteral("status")).toString();
        if (!QStringList{QStringLiteral("pass"), QStringLiteral("warn"), QStringLiteral("fail"),
                         QStringLiteral("skip")}
                 .contains(status) ||
            check.value(QStringLiteral("summary")).toString().isEmpty() ||
            !check.value(QStringLiteral("evidence")).isArray())
            return false;
        if (status != QLatin1String("skip") &&
            check.value(QStringLiteral("evidence")).toArray().isEmpty())
            return false;
    }
    return true;
}

DoctorRun runDoctor(const QUrl &url, const QStringList &extra,
                    const QProcessEnvironment &environment, bool json)
{
    QStringList arguments{QStringLiteral("doctor"), url.toString()};
    if (json)
        arguments.append(QStringLiteral("--json"));
    arguments += extra;
    const CliRun cli(arguments, environment.isEmpty() ? environmentWithoutProxies() : environment,
                     DoctorTimeoutMs);
    DoctorRun run;
    run.exitCode = cli.exitCode;
    run.out = cli.out;
    run.describe = QString::fromUtf8(cli.describe(arguments) + "\nstdout:\n" + cli.out);
    if (json)
        run.report = QJsonDocument::fromJson(cli.out).object();
    return run;
}
