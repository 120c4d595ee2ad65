// The load run's figures: latency percentiles (nearest rank), the metrics --fail-if reads, and
// the parsing and checking of --fail-if conditions with their errors.
#include "scenario/loadfigures.h"

#include <QTest>

#include <cmath>

class tst_LoadFigures : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void percentiles();
    void metrics();
    void parseThreshold_data();
    void parseThreshold();
    void thresholdHolds_data();
    void thresholdHolds();
};

void tst_LoadFigures::percentiles()
{
    LatencySamples samples;
    QCOMPARE(samples.summary().count, 0);
    QCOMPARE(samples.summary().p95, 0.0);
    // 1..100 ms, out of order.
    for (int i = 100; i >= 1; --i)
        samples.add(i * 1000);
    const LatencySamples::Summary summary = samples.summary();
    QCOMPARE(summary.count, 100);
    QCOMPARE(summary.p50, 50.0);
    QCOMPARE(summary.p95, 95.0);
    QCOMPARE(summary.p99, 99.0);
    QCOMPARE(summary.max, 100.0);
    LatencySamples one;
    one.add(1500);
    QCOMPARE(one.summary().p50, 1.5);
    QCOMPARE(one.summary().p99, 1.5);
}

void tst_LoadFigures::metrics()
{
    LoadFigures figures;
    figures.clients = 10;
    figures.connected = 9;
    figures.iterationsPassed = 30;
    figures.iterationsFailed = 10;
    figures.eventsOut = 200;
    figures.eventsIn = 100;
    figures.elapsedSeconds = 4;
    figures.cpuSeconds = 1;
    figures.baselineRssBytes = 10 * 1024 * 1024;
    figures.connectedRssBytes = 10 * 1024 * 1024 + 9 * 20 * 1024;
    figures.mostConnectedAtOnce = 9;
    QCOMPARE(figures.value(QStringLiteral("connected_clients")), 9.0);
    QCOMPARE(figures.value(QStringLiteral("error_rate")), 0.25);
    QCOMPARE(figures.value(QStringLiteral("events_out_per_s")), 50.0);
    QCOMPARE(figures.value(QStringLiteral("events_in_per_s")), 25.0);
    QCOMPARE(figures.value(QStringLiteral("cpu_percent")), 25.0);
    QCOMPARE(figures.value(QStringLiteral("kb_per_client")), 20.0);
    QVERIFY(std::isnan(figures.value(QStringLiteral("no_such_metric"))));
    // Every metric named is one the figures have, and the JSON lists them all.
    const QJsonObject metrics = figures.toJson().value(QLatin1String("metrics")).toObject();
    for (const QString &name : LoadFigures::metricNames()) {
        QVERIFY2(!std::isnan(figures.value(name)), qPrintable(name));
        QVERIFY2(metrics.contains(name), qPrintable(name));
    }
    // Nothing measured yet: no memory per client rather than a negative one.
    figures.connectedRssBytes = 0;
    QCOMPARE(figures.value(QStringLiteral("kb_per_client")), 0.0);
}

void tst_LoadFigures::parseThreshold_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("metric");
    QTest::addColumn<int>("op");
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("error");
    using Op = LoadThreshold::Op;
    QTest::newRow("greater") << "p95_ack_ms > 50"
                             << "p95_ack_ms" << int(Op::Greater) << 50.0 << QString();
    QTest::newRow("no spaces, fraction")
        << "error_rate>=0.01"
        << "error_rate" << int(Op::GreaterOrEqual) << 0.01 << QString();
    QTest::newRow("less") << " connected_clients < 200 "
                          << "connected_clients" << int(Op::Less) << 200.0 << QString();
    QTest::newRow("not equal") << "failed_clients != 0"
                               << "failed_clients" << int(Op::NotEqual) << 0.0 << QString();
    QTest::newRow("unknown metric lists the known ones")
        << "p95_latency > 5" << QString() << 0 << 0.0
        << "unknown metric p95_latency (known: clients, connected_clients";
    QTest::newRow("value not a number")
        << "p95_ack_ms > fast" << QString() << 0 << 0.0 << "fast is not a number";
    QTest::newRow("no operator") << "p95_ack_ms 50" << QString() << 0 << 0.0
                                 << "expected <metric> <op> <number>";
    QTest::newRow("assignment is not an operator")
        << "p95_ack_ms = 50" << QString() << 0 << 0.0 << "expected <metric> <op> <number>";
}

void tst_LoadFigures::parseThreshold()
{
    QFETCH(QString, text);
    QFETCH(QString, metric);
    QFETCH(int, op);
    QFETCH(double, value);
    QFETCH(QString, error);
    LoadThreshold threshold;
    QString message;
    const bool ok = LoadThreshold::parse(text, &threshold, &message);
    QCOMPARE(ok, error.isEmpty());
    if (!ok) {
        QVERIFY2(message.contains(error), qPrintable(message));
        QVERIFY2(message.contains(text), qPrintable(message)); // names what was given
        return;
    }
    QCOMPARE(threshold.metric, metric);
    QCOMPARE(int(threshold.op), op);
    QCOMPARE(threshold.value, value);
    QCOMPARE(threshold.text, text.trimmed());
}

void tst_LoadFigures::thresholdHolds_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("holds");
    // The figures: 200 clients connected, 3 failed, ack p95 12.5 ms.
    QTest::newRow("p95 above the limit") << "p95_ack_ms > 10" << true;
    QTest::newRow("p95 under the limit") << "p95_ack_ms > 20" << false;
    QTest::newRow("equal is not greater") << "p95_ack_ms > 12.5" << false;
    QTest::newRow("equal is greater or equal") << "p95_ack_ms >= 12.5" << true;
    QTest::newRow("fewer connected than asked") << "connected_clients < 250" << true;
    QTest::newRow("failures") << "failed_clients != 0" << true;
    QTest::newRow("no failures asked") << "failed_clients > 3" << false;
    QTest::newRow("less or equal") << "connected_clients <= 200" << true;
    QTest::newRow("equal") << "connected_clients == 200" << true;
}

void tst_LoadFigures::thresholdHolds()
{
    QFETCH(QString, text);
    QFETCH(bool, holds);
    LoadFigures figures;
    figures.clients = 250;
    figures.connected = 200;
    figures.failedClients = 3;
    figures.ack.count = 100;
    figures.ack.p95 = 12.5;
    LoadThreshold threshold;
    QString error;
    QVERIFY2(LoadThreshold::parse(text, &threshold, &error), qPrintable(error));
    QCOMPARE(threshold.holds(figures), holds);
}

QTEST_GUILESS_MAIN(tst_LoadFigures)
#include "tst_loadfigures.moc"
