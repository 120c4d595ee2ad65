// LogImportJob: a log read a slice at a time on the event loop ends with the same records as
// LogImporter::read reading it in one go, stops at a broken line with everything before it kept,
// and can be cancelled part way with what it read kept.
#include "session/jsonlines.h"
#include "session/logexport.h"
#include "session/logimportjob.h"
#include "session/sessionlog.h"

#include "ticklog.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

namespace {
constexpr int Timeout = 30000;

// The records as LogImporter::read finds them, as JSON Lines.
QByteArray readInOneGo(const QByteArray &content, bool *ok, QString *error)
{
    QBuffer buffer;
    buffer.setData(content);
    buffer.open(QIODevice::ReadOnly);
    SessionLog log;
    *ok = LogImporter::read(&buffer, &log, error);
    QByteArray out;
    for (qint64 row = 0; row < log.size(); ++row)
        out += JsonLines::toLine(log.record(row)) + '\n';
    return out;
}

QByteArray linesOf(const SessionLog &log)
{
    QByteArray out;
    for (qint64 row = 0; row < log.size(); ++row)
        out += JsonLines::toLine(log.record(row)) + '\n';
    return out;
}
} // namespace

class tst_LogImportJob : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void readsWhatTheImporterReads_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<int>("outcome");
        QTest::addColumn<qint64>("records");
        QTest::addColumn<QString>("errorStart");

        QTest::newRow("many records, several slices")
            << tickRecordLines(60000) << int(LogImportJob::Outcome::Completed) << qint64(60000)
            << QString();
        QTest::newRow("empty file")
            << QByteArray() << int(LogImportJob::Outcome::Completed) << qint64(0) << QString();
        QTest::newRow("blank lines and a BOM")
            << (QByteArray("\xEF\xBB\xBF") + tickRecordLine(0) + "\n\r\n" + tickRecordLine(1))
            << int(LogImportJob::Outcome::Completed) << qint64(2) << QString();
        QTest::newRow("last line without its newline")
            << (tickRecordLines(3) + tickRecordLine(3).chopped(1))
            << int(LogImportJob::Outcome::Completed) << qint64(4) << QString();
        QTest::newRow("broken line 5 after 4 records")
            << (tickRecordLines(4) + "{\"ts\":\"x\"}\n" + tickRecordLines(2))
            << int(LogImportJob::Outcome::Failed) << qint64(4) << QStringLiteral("line 5: ");
        QTest::newRow("truncated last line")
            << (tickRecordLines(3) + tickRecordLine(3).left(30))
            << int(LogImportJob::Outcome::Failed) << qint64(3) << QStringLiteral("line 4: ");
        QTest::newRow("not a log") << QByteArray("hello\n") << int(LogImportJob::Outcome::Failed)
                                   << qint64(0) << QStringLiteral("line 1: ");
        QTest::newRow("HAR, read whole")
            << QByteArray("{\"log\":{\"version\":\"1.2\",\"entries\":[]}}")
            << int(LogImportJob::Outcome::Completed) << qint64(0) << QString();
        QTest::newRow("HAR that is not JSON")
            << QByteArray("{\"log\": [") << int(LogImportJob::Outcome::Failed) << qint64(0)
            << QStringLiteral("HAR: not JSON");
    }

    void readsWhatTheImporterReads()
    {
        QFETCH(QByteArray, content);
        QFETCH(int, outcome);
        QFETCH(qint64, records);
        QFETCH(QString, errorStart);

        const QString file = m_dir.filePath(QStringLiteral("log-%1.jsonl").arg(++m_files));
        QVERIFY(writeFile(file, content));
        SessionLog log;
        LogImportJob job(&log);
        QSignalSpy progressed(&job, &LogImportJob::progressed);
        QSignalSpy finished(&job, &LogImportJob::finished);
        QString error;
        QVERIFY2(job.start(file, &error), qPrintable(error));
        QVERIFY(job.isRunning());
        QCOMPARE(log.size(), 0); // nothing is read before the event loop runs
        QVERIFY(finished.wait(Timeout));
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.first().first().value<LogImportJob::Outcome>(),
                 LogImportJob::Outcome(outcome));
        QVERIFY(!job.isRunning());
        QCOMPARE(log.size(), records);
        QCOMPARE(job.recordsRead(), records);
        QVERIFY(!progressed.isEmpty());
        if (errorStart.isEmpty())
            QVERIFY2(job.errorString().isEmpty(), qPrintable(job.errorString()));
        else
            QVERIFY2(job.errorString().startsWith(errorStart), qPrintable(job.errorString()));

        bool ok = false;
        QString oneGoError;
        const QByteArray expected = readInOneGo(content, &ok, &oneGoError);
        QCOMPARE(ok, outcome == int(LogImportJob::Outcome::Completed));
        QCOMPARE(job.errorString(), oneGoError);
        QCOMPARE(linesOf(log), expected);
    }

    void readsInSlicesWhileTheEventLoopRuns()
    {
        const QString file = m_dir.filePath(QStringLiteral("slices.jsonl"));
        QVERIFY(writeFile(file, tickRecordLines(300000)));
        SessionLog log;
        LogImportJob job(&log);
        QSignalSpy progressed(&job, &LogImportJob::progressed);
        QSignalSpy finished(&job, &LogImportJob::finished);
        QString error;
        QVERIFY2(job.start(file, &error), qPrintable(error));
        // Other events are served between slices: a zero timer fires before the end.
        bool timerFired = false;
        QTimer::singleShot(0, this, [&] { timerFired = finished.isEmpty(); });
        QVERIFY(finished.wait(Timeout));
        QVERIFY(timerFired);
        QVERIFY2(progressed.size() > 1, qPrintable(QString::number(progressed.size())));
        // Progress only grows, and ends at the file's size.
        qint64 last = -1;
        for (const QList<QVariant> &arguments : std::as_const(progressed)) {
            QVERIFY(arguments.at(0).toLongLong() >= last);
            last = arguments.at(0).toLongLong();
            QCOMPARE(arguments.at(1).toLongLong(), QFileInfo(file).size());
        }
        QCOMPARE(last, QFileInfo(file).size());
        QCOMPARE(log.size(), 300000);
        // The store's own count: the index entries and the raw texts, nothing else.
        QVERIFY2(log.memoryBytes() > 300000 * 32 && log.memoryBytes() < 300000 * 120,
                 qPrintable(QString::number(log.memoryBytes())));
    }

    void cancelKeepsWhatWasRead()
    {
        const QString file = m_dir.filePath(QStringLiteral("cancel.jsonl"));
        const QByteArray content = tickRecordLines(300000);
        QVERIFY(writeFile(file, content));
        SessionLog log;
        LogImportJob job(&log);
        QSignalSpy progressed(&job, &LogImportJob::progressed);
        QSignalSpy finished(&job, &LogImportJob::finished);
        QString error;
        QVERIFY2(job.start(file, &error), qPrintable(error));
        QVERIFY(progressed.wait(Timeout));
        job.cancel();
        QCOMPARE(finished.size(), 1); // at once, inside cancel()
        QCOMPARE(finished.first().first().value<LogImportJob::Outcome>(),
                 LogImportJob::Outcome::Cancelled);
        const qint64 kept = log.size();
        QVERIFY2(kept > 0 && kept < 300000, qPrintable(QString::number(kept)));
        QCOMPARE(job.recordsRead(), kept);
        QVERIFY(job.bytesRead() > 0 && job.bytesRead() < content.size());
        // Nothing more arrives after the cancel, and the records kept are the file's first ones.
        QTest::qWait(200);
        QCOMPARE(log.size(), kept);
        QCOMPARE(finished.size(), 1);
        QCOMPARE(log.payload(0).toByteArray(), QByteArray("[\"tick\",0]"));
        QCOMPARE(log.payload(kept - 1).toByteArray(),
                 QByteArray("[\"tick\",") + QByteArray::number(kept - 1) + ']');
        job.cancel(); // a second cancel does nothing
        QCOMPARE(finished.size(), 1);
    }

    void aFileThatCannotBeOpened()
    {
        SessionLog log;
        LogImportJob job(&log);
        QSignalSpy finished(&job, &LogImportJob::finished);
        QString error;
        QVERIFY(!job.start(m_dir.filePath(QStringLiteral("missing.jsonl")), &error));
        QVERIFY2(error.startsWith(QStringLiteral("Cannot open ")) &&
                     error.contains(QStringLiteral("missing.jsonl")),
                 qPrintable(error));
        QVERIFY(!job.isRunning());
        QTest::qWait(50);
        QVERIFY(finished.isEmpty());
    }

private:
    static bool writeFile(const QString &path, const QByteArray &content)
    {
        QFile file(path);
        return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
               file.write(content) == content.size();
    }

    QTemporaryDir m_dir;
    int m_files = 0;
};

QTEST_GUILESS_MAIN(tst_LogImportJob)
#include "tst_logimportjob.moc"
