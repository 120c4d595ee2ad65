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

QString DoctorRun::differences(const QString &id, const QJsonObject &expected) const
{
    const QJsonObject actual = check(id);
    QStringList lines;
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        if (actual.value(it.key()) == it.value())
            continue;
        const auto text = [](const QJsonValue &value) {
            return QString::fromUtf8(
                QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact).chopped(1).mid(1));
        };
        lines.append(QStringLiteral("%1.%2: %3, expected %4")
                         .arg(id, it.key(), text(actual.value(it.key())), text(it.value())));
    }
    return lines.join(QLatin1Char('\n'));
}

QString DoctorRun::differencesFromWorkingServer() const
{
    const QString pass = QStringLiteral("pass");
    const QStringList lines = {
        differences(QStringLiteral("transports"), {{QStringLiteral("status"), pass},
                                                   {QStringLiteral("polling"), true},
                                                   {QStringLiteral("websocket"), true},
                                                   {QStringLiteral("upgrade"), true}}),
        differences(QStringLiteral("stickiness"), {{QStringLiteral("status"), pass},
                                                   {QStringLiteral("handshakes"), 6},
                                                   {QStringLiteral("followUps"), 18},
                                                   {QStringLiteral("unknownSession"), 0},
                                                   {QStringLiteral("otherFailures"), 0},
                                                   {QStringLiteral("cookies"), QJsonArray()}}),
        differences(QStringLiteral("proxy"),
                    {{QStringLiteral("status"), pass},
                     {QStringLiteral("proxyFailure"), QJsonValue(QJsonValue::Null)},
                     {QStringLiteral("webSocketHeadersDropped"), false},
                     {QStringLiteral("errorPages"), QJsonArray()}}),
        differences(
            QStringLiteral("namespaces"),
            {{QStringLiteral("status"), pass},
             {QStringLiteral("namespaces"),
              QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("/")},
                                     {QStringLiteral("status"), QStringLiteral("connected")}}}}}),
        differences(QStringLiteral("heartbeat"), {{QStringLiteral("status"), pass},
                                                  {QStringLiteral("pingInterval"), 300},
                                                  {QStringLiteral("pingTimeout"), 200}})};
    QStringList found;
    for (const QString &line : lines)
        if (!line.isEmpty())
            found.append(line);
    return found.join(QLatin1Char('\n'));
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
    // No idle watch unless the test asks for one: the checks it does not test stay fast.
    if (!extra.contains(QStringLiteral("--watch")))
        arguments << QStringLiteral("--watch") << QStringLiteral("0");
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
