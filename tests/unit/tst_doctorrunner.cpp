// DoctorRunner: the connection doctor in a thread of its own, its report back as a signal, and a
// cancel that ends a diagnosis stuck on a server that never answers long before the probe's own
// time limit. The servers here are in-process QTcpServers on 127.0.0.1: what is under test is the
// thread and its waits, not what the doctor finds (tests/peer/tst_doctor_peer.cpp does that
// against real servers).
#include "doctor/doctorrunner.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

class tst_DoctorRunner : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void reportComesBackAsASignal();
    void cancelEndsAStalledDiagnosisAtOnce();
    void destroyingTheRunnerEndsItsThread();
};

namespace {
// A port on 127.0.0.1 that refuses connections: one that was free a moment ago.
quint16 refusedPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost))
        return 0;
    return server.serverPort();
}

DoctorOptions optionsFor(quint16 port, int timeoutMs)
{
    DoctorOptions options;
    options.engine.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    options.engine.connectTimeoutMs = timeoutMs;
    return options;
}

// Accepts connections and keeps them open without a byte of answer: every probe of the doctor
// waits for its time limit.
class SilentServer : public QTcpServer
{
public:
    QList<QTcpSocket *> held;

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        socket->setSocketDescriptor(descriptor);
        held.append(socket);
    }
};
} // namespace

void tst_DoctorRunner::reportComesBackAsASignal()
{
    const quint16 port = refusedPort();
    QVERIFY(port != 0);
    DoctorRunner runner;
    QSignalSpy finished(&runner, &DoctorRunner::finished);
    QSignalSpy cancelled(&runner, &DoctorRunner::cancelled);
    QVERIFY(runner.start(optionsFor(port, 5000)));
    QVERIFY(runner.isRunning());
    QVERIFY(!runner.start(optionsFor(port, 5000))); // one diagnosis at a time
    QVERIFY(finished.wait(10000));
    QVERIFY(!runner.isRunning());
    QCOMPARE(cancelled.count(), 0);
    const auto report = finished.first().first().value<DoctorReport>();
    QCOMPARE(report.url, QStringLiteral("http://127.0.0.1:%1").arg(port));
    QVERIFY(!report.checks.isEmpty());
    QCOMPARE(report.checks.first().id, QStringLiteral("reachable"));
    QCOMPARE(report.checks.first().status, DoctorCheck::Status::Fail);
    QVERIFY(!report.ok());
    // It can run again once it ended.
    QVERIFY(runner.start(optionsFor(port, 5000)));
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.count(), 2);
}

void tst_DoctorRunner::cancelEndsAStalledDiagnosisAtOnce()
{
    SilentServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    constexpr int ProbeTimeoutMs = 20000;
    DoctorRunner runner;
    QSignalSpy finished(&runner, &DoctorRunner::finished);
    QSignalSpy cancelled(&runner, &DoctorRunner::cancelled);
    QVERIFY(runner.start(optionsFor(server.serverPort(), ProbeTimeoutMs)));
    // The reachable check connects; the Engine.IO probe then waits for an answer.
    QTRY_VERIFY_WITH_TIMEOUT(server.held.size() >= 2, 5000);
    QElapsedTimer elapsed;
    elapsed.start();
    runner.cancel();
    QVERIFY(cancelled.wait(5000));
    // Far from the probe's 20 s: the waits saw the interruption.
    QVERIFY2(elapsed.elapsed() < 2000, qPrintable(QString::number(elapsed.elapsed())));
    QCOMPARE(finished.count(), 0);
    QVERIFY(!runner.isRunning());
}

void tst_DoctorRunner::destroyingTheRunnerEndsItsThread()
{
    SilentServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    QElapsedTimer elapsed;
    {
        DoctorRunner runner;
        QVERIFY(runner.start(optionsFor(server.serverPort(), 20000)));
        QTRY_VERIFY_WITH_TIMEOUT(server.held.size() >= 2, 5000);
        elapsed.start();
    } // the destructor interrupts the thread and waits for it
    QVERIFY2(elapsed.elapsed() < 2000, qPrintable(QString::number(elapsed.elapsed())));
}

QTEST_GUILESS_MAIN(tst_DoctorRunner)
#include "tst_doctorrunner.moc"
