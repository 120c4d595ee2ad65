#include "engineio/engineiooptions.h"

#include <QTest>

class tst_ReconnectPolicy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void delay_data()
    {
        QTest::addColumn<int>("attempt");
        QTest::addColumn<double>("random01");
        QTest::addColumn<double>("randomization");
        QTest::addColumn<int>("expected");
        // delayMs 1000, delayMaxMs 5000.
        QTest::newRow("first attempt, no jitter") << 1 << 0.3 << 0.0 << 1000;
        QTest::newRow("second attempt doubles") << 2 << 0.3 << 0.0 << 2000;
        QTest::newRow("third attempt doubles again") << 3 << 0.3 << 0.0 << 4000;
        QTest::newRow("capped at delayMaxMs") << 4 << 0.3 << 0.0 << 5000;
        QTest::newRow("many attempts stay capped") << 40 << 0.3 << 0.0 << 5000;
        // Jitter as in socket.io-client: odd tenth of random01 adds, even subtracts.
        QTest::newRow("jitter subtracts") << 1 << 0.2 << 0.5 << 900;
        QTest::newRow("jitter adds") << 1 << 0.1 << 0.5 << 1050;
    }
    void delay()
    {
        QFETCH(int, attempt);
        QFETCH(double, random01);
        QFETCH(double, randomization);
        QFETCH(int, expected);
        ReconnectPolicy policy;
        policy.randomization = randomization;
        QCOMPARE(policy.delayForAttempt(attempt, random01), expected);
    }
};

QTEST_APPLESS_MAIN(tst_ReconnectPolicy)
#include "tst_reconnectpolicy.moc"
