// The figures of a load run (`sioscope-cli test --clients N`): clients, iterations and their
// errors, latencies of acks and expectations, events per second both ways, CPU and memory. They
// are printed live and at the end, written as JSON, and checked by --fail-if thresholds.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <vector>

// A distribution of latencies, in microseconds as measured, summarised in milliseconds.
class LatencySamples
{
public:
    void add(qint64 us) { m_us.push_back(us); }
    qsizetype count() const { return qsizetype(m_us.size()); }
    // p50, p95, p99 and max in milliseconds (nearest rank); 0 when there is no sample.
    struct Summary
    {
        qsizetype count = 0;
        double p50 = 0;
        double p95 = 0;
        double p99 = 0;
        double max = 0;
    };
    Summary summary() const;

private:
    std::vector<qint64> m_us;
};

struct LoadFigures
{
    int clients = 0;                   // the virtual clients asked for
    int started = 0;                   // started so far (the ramp)
    int connected = 0;                 // clients whose connection opened at least once
    int failedClients = 0;             // clients with at least one failed iteration
    int iterationsPassed = 0;          // scenario runs that passed
    int iterationsFailed = 0;          // and failed
    int running = 0;                   // runs in progress
    QList<QPair<QString, int>> errors; // first failure of each failed run, by message, most first
    LatencySamples::Summary ack;       // our emits' acks (RTT)
    LatencySamples::Summary expect;    // expectation steps: the time each waited
    qint64 eventsOut = 0;
    qint64 eventsIn = 0;
    double elapsedSeconds = 0;
    double cpuSeconds = 0;        // user + system of this process
    qint64 rssBytes = 0;          // resident memory now
    qint64 peakRssBytes = 0;      // the most resident memory so far
    qint64 baselineRssBytes = 0;  // before the first client started
    qint64 connectedRssBytes = 0; // when the most clients were connected at once
    int mostConnectedAtOnce = 0;

    // The names --fail-if knows, and their values; NaN for an unknown name.
    static QStringList metricNames();
    double value(const QString &metric) const;

    QString progressLine() const;
    QString summaryText() const;
    QJsonObject toJson() const;
};

// `--fail-if '<metric> <op> <number>'`: a condition on the figures that fails the run.
struct LoadThreshold
{
    enum class Op { Greater, GreaterOrEqual, Less, LessOrEqual, Equal, NotEqual };
    QString metric;
    Op op = Op::Greater;
    double value = 0;
    QString text; // as given

    // False with an error for people: an unknown metric (the known ones are listed), an
    // unknown operator, or a value that is not a number.
    static bool parse(const QString &text, LoadThreshold *threshold, QString *error);
    bool holds(const LoadFigures &figures) const;
};
