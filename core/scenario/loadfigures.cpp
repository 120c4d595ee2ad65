#include "scenario/loadfigures.h"

#include "session/ackpairing.h"

#include <QJsonArray>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <limits>

namespace {

double perSecond(qint64 count, double seconds)
{
    return seconds > 0 ? double(count) / seconds : 0;
}

double megabytes(qint64 bytes)
{
    return double(bytes) / (1024.0 * 1024.0);
}

QJsonObject latencyJson(const LatencySamples::Summary &summary)
{
    return {{QStringLiteral("count"), double(summary.count)},
            {QStringLiteral("p50_ms"), summary.p50},
            {QStringLiteral("p95_ms"), summary.p95},
            {QStringLiteral("p99_ms"), summary.p99},
            {QStringLiteral("max_ms"), summary.max}};
}

QString latencyText(const LatencySamples::Summary &summary)
{
    if (summary.count == 0)
        return QStringLiteral("none");
    return QStringLiteral("%1 · p50 %2 ms · p95 %3 ms · p99 %4 ms · max %5 ms")
        .arg(summary.count)
        .arg(summary.p50, 0, 'f', 2)
        .arg(summary.p95, 0, 'f', 2)
        .arg(summary.p99, 0, 'f', 2)
        .arg(summary.max, 0, 'f', 2);
}

} // namespace

LatencySamples::Summary LatencySamples::summary() const
{
    Summary out;
    out.count = count();
    if (m_us.empty())
        return out;
    std::vector<qint64> sorted = m_us;
    std::sort(sorted.begin(), sorted.end());
    // Nearest rank, as the ack panel's figures (one function for both).
    out.p50 = AckPairing::percentile(sorted, 0.50);
    out.p95 = AckPairing::percentile(sorted, 0.95);
    out.p99 = AckPairing::percentile(sorted, 0.99);
    out.max = double(sorted.back()) / 1000.0;
    return out;
}

QStringList LoadFigures::metricNames()
{
    return {QStringLiteral("clients"),
            QStringLiteral("connected_clients"),
            QStringLiteral("failed_clients"),
            QStringLiteral("passed_iterations"),
            QStringLiteral("failed_iterations"),
            QStringLiteral("error_rate"),
            QStringLiteral("acks"),
            QStringLiteral("p50_ack_ms"),
            QStringLiteral("p95_ack_ms"),
            QStringLiteral("p99_ack_ms"),
            QStringLiteral("max_ack_ms"),
            QStringLiteral("expectations"),
            QStringLiteral("p50_expect_ms"),
            QStringLiteral("p95_expect_ms"),
            QStringLiteral("p99_expect_ms"),
            QStringLiteral("max_expect_ms"),
            QStringLiteral("events_out_per_s"),
            QStringLiteral("events_in_per_s"),
            QStringLiteral("cpu_seconds"),
            QStringLiteral("cpu_percent"),
            QStringLiteral("peak_rss_mb"),
            QStringLiteral("kb_per_client")};
}

double LoadFigures::value(const QString &metric) const
{
    const int iterations = iterationsPassed + iterationsFailed;
    if (metric == QLatin1String("clients"))
        return clients;
    if (metric == QLatin1String("connected_clients"))
        return connected;
    if (metric == QLatin1String("failed_clients"))
        return failedClients;
    if (metric == QLatin1String("passed_iterations"))
        return iterationsPassed;
    if (metric == QLatin1String("failed_iterations"))
        return iterationsFailed;
    if (metric == QLatin1String("error_rate"))
        return iterations > 0 ? double(iterationsFailed) / iterations : 0;
    if (metric == QLatin1String("acks"))
        return double(ack.count);
    if (metric == QLatin1String("p50_ack_ms"))
        return ack.p50;
    if (metric == QLatin1String("p95_ack_ms"))
        return ack.p95;
    if (metric == QLatin1String("p99_ack_ms"))
        return ack.p99;
    if (metric == QLatin1String("max_ack_ms"))
        return ack.max;
    if (metric == QLatin1String("expectations"))
        return double(expect.count);
    if (metric == QLatin1String("p50_expect_ms"))
        return expect.p50;
    if (metric == QLatin1String("p95_expect_ms"))
        return expect.p95;
    if (metric == QLatin1String("p99_expect_ms"))
        return expect.p99;
    if (metric == QLatin1String("max_expect_ms"))
        return expect.max;
    if (metric == QLatin1String("events_out_per_s"))
        return perSecond(eventsOut, elapsedSeconds);
    if (metric == QLatin1String("events_in_per_s"))
        return perSecond(eventsIn, elapsedSeconds);
    if (metric == QLatin1String("cpu_seconds"))
        return cpuSeconds;
    if (metric == QLatin1String("cpu_percent"))
        return elapsedSeconds > 0 ? 100.0 * cpuSeconds / elapsedSeconds : 0;
    if (metric == QLatin1String("peak_rss_mb"))
        return megabytes(peakRssBytes);
    if (metric == QLatin1String("kb_per_client"))
        return mostConnectedAtOnce > 0 && connectedRssBytes > 0
                   ? double(connectedRssBytes - baselineRssBytes) / 1024.0 / mostConnectedAtOnce
                   : 0;
    return std::numeric_limits<double>::quiet_NaN();
}

QString LoadFigures::progressLine() const
{
    return QStringLiteral("%1 s  clients %2/%3 started, %4 connected, %5 failed · runs %6 passed, "
                          "%7 failed, %8 running · events %9/s out, %10/s in · ack p95 %11 ms · "
                          "CPU %12 % · RSS %13 MB")
        .arg(elapsedSeconds, 0, 'f', 0)
        .arg(started)
        .arg(clients)
        .arg(connected)
        .arg(failedClients)
        .arg(iterationsPassed)
        .arg(iterationsFailed)
        .arg(running)
        .arg(value(QStringLiteral("events_out_per_s")), 0, 'f', 0)
        .arg(value(QStringLiteral("events_in_per_s")), 0, 'f', 0)
        .arg(ack.p95, 0, 'f', 2)
        .arg(value(QStringLiteral("cpu_percent")), 0, 'f', 0)
        .arg(megabytes(rssBytes), 0, 'f', 1);
}

QString LoadFigures::summaryText() const
{
    QString out;
    out += QStringLiteral("clients:      %1 asked, %2 started, %3 connected, %4 failed\n")
               .arg(clients)
               .arg(started)
               .arg(connected)
               .arg(failedClients);
    out += QStringLiteral("runs:         %1 passed, %2 failed\n")
               .arg(iterationsPassed)
               .arg(iterationsFailed);
    for (const auto &[message, count] : errors)
        out += QStringLiteral("  %1 × %2\n").arg(count).arg(message);
    out += QStringLiteral("acks:         %1\n").arg(latencyText(ack));
    out += QStringLiteral("expectations: %1\n").arg(latencyText(expect));
    out += QStringLiteral("events:       %1 out (%2/s), %3 in (%4/s) in %5 s\n")
               .arg(eventsOut)
               .arg(value(QStringLiteral("events_out_per_s")), 0, 'f', 1)
               .arg(eventsIn)
               .arg(value(QStringLiteral("events_in_per_s")), 0, 'f', 1)
               .arg(elapsedSeconds, 0, 'f', 2);
    out += QStringLiteral("CPU:          %1 s (%2 % of one core)\n")
               .arg(cpuSeconds, 0, 'f', 2)
               .arg(value(QStringLiteral("cpu_percent")), 0, 'f', 0);
    out += QStringLiteral("memory:       peak RSS %1 MB; %2 KB per client (%3 connected at once)\n")
               .arg(megabytes(peakRssBytes), 0, 'f', 1)
               .arg(value(QStringLiteral("kb_per_client")), 0, 'f', 1)
               .arg(mostConnectedAtOnce);
    return out;
}

QJsonObject LoadFigures::toJson() const
{
    QJsonArray errorList;
    for (const auto &[message, count] : errors)
        errorList.append(
            QJsonObject{{QStringLiteral("message"), message}, {QStringLiteral("count"), count}});
    QJsonObject metrics;
    for (const QString &name : metricNames())
        metrics.insert(name, value(name));
    return {{QStringLiteral("clients"), clients},
            {QStringLiteral("started"), started},
            {QStringLiteral("connected"), connected},
            {QStringLiteral("failed_clients"), failedClients},
            {QStringLiteral("runs"), QJsonObject{{QStringLiteral("passed"), iterationsPassed},
                                                 {QStringLiteral("failed"), iterationsFailed}}},
            {QStringLiteral("errors"), errorList},
            {QStringLiteral("ack"), latencyJson(ack)},
            {QStringLiteral("expect"), latencyJson(expect)},
            {QStringLiteral("events_out"), double(eventsOut)},
            {QStringLiteral("events_in"), double(eventsIn)},
            {QStringLiteral("elapsed_s"), elapsedSeconds},
            {QStringLiteral("cpu_s"), cpuSeconds},
            {QStringLiteral("peak_rss_bytes"), double(peakRssBytes)},
            {QStringLiteral("baseline_rss_bytes"), double(baselineRssBytes)},
            {QStringLiteral("connected_rss_bytes"), double(connectedRssBytes)},
            {QStringLiteral("most_connected_at_once"), mostConnectedAtOnce},
            {QStringLiteral("metrics"), metrics}};
}

bool LoadThreshold::parse(const QString &text, LoadThreshold *threshold, QString *error)
{
    static const QRegularExpression form(
        QStringLiteral("^\\s*([a-z0-9_]+)\\s*(>=|<=|==|!=|>|<)\\s*(\\S+)\\s*$"));
    const QRegularExpressionMatch match = form.match(text);
    if (!match.hasMatch()) {
        *error = QStringLiteral("--fail-if \"%1\": expected <metric> <op> <number>, e.g. "
                                "'p95_ack_ms > 50' (op: > >= < <= == !=)")
                     .arg(text);
        return false;
    }
    LoadThreshold parsed;
    parsed.text = text.trimmed();
    parsed.metric = match.captured(1);
    if (!LoadFigures::metricNames().contains(parsed.metric)) {
        *error =
            QStringLiteral("--fail-if \"%1\": unknown metric %2 (known: %3)")
                .arg(text, parsed.metric, LoadFigures::metricNames().join(QLatin1String(", ")));
        return false;
    }
    const QString op = match.captured(2);
    parsed.op = op == QLatin1String(">")    ? Op::Greater
                : op == QLatin1String(">=") ? Op::GreaterOrEqual
                : op == QLatin1String("<")  ? Op::Less
                : op == QLatin1String("<=") ? Op::LessOrEqual
                : op == QLatin1String("==") ? Op::Equal
                                            : Op::NotEqual;
    bool ok = false;
    parsed.value = match.captured(3).toDouble(&ok);
    if (!ok || !std::isfinite(parsed.value)) {
        *error =
            QStringLiteral("--fail-if \"%1\": %2 is not a number").arg(text, match.captured(3));
        return false;
    }
    *threshold = parsed;
    return true;
}

bool LoadThreshold::holds(const LoadFigures &figures) const
{
    const double actual = figures.value(metric);
    switch (op) {
    case Op::Greater:
        return actual > value;
    case Op::GreaterOrEqual:
        return actual >= value;
    case Op::Less:
        return actual < value;
    case Op::LessOrEqual:
        return actual <= value;
    case Op::Equal:
        return actual == value;
    case Op::NotEqual:
        return actual != value;
    }
    return false;
}
