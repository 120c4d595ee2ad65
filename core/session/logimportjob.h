// Reads a log file into a SessionLog a slice at a time on the event loop, so that a window shows,
// filters and selects the records while the rest is still being read (File ▸ Open, Open Recent,
// a dropped file). JSON Lines stream; a HAR file is one JSON document and is read whole in the
// first slice. The read stops at the first broken line, and every record before it stays in the
// log, as LogImporter::read does in one go.
#pragma once

#include <QFile>
#include <QObject>
#include <QTimer>

#include <memory>

class JsonLinesReader;
class SessionLog;

class LogImportJob : public QObject
{
    Q_OBJECT
public:
    enum class Outcome {
        Completed, // the whole file was read
        Failed,    // error(): the line that broke, or why the file is not a log
        Cancelled  // by cancel(); the records read so far stay
    };
    Q_ENUM(Outcome)

    // A slice reads records for at most this long before the event loop runs again. The first
    // one is shorter: a window shows its first rows sooner.
    static constexpr int SliceMs = 25;
    static constexpr int FirstSliceMs = 4;

    // `log` is not owned and must outlive the job; records are appended to it.
    explicit LogImportJob(SessionLog *log, QObject *parent = nullptr);
    ~LogImportJob() override;

    // Opens the file and starts reading on the next turn of the event loop. False, with *error,
    // when the file cannot be opened (nothing is read then and finished() is not emitted).
    bool start(const QString &fileName, QString *error);
    // Stops reading at once; finished(Cancelled) is emitted before this returns.
    void cancel();

    bool isRunning() const { return m_running; }
    QString fileName() const { return m_file.fileName(); }
    qint64 bytesRead() const;
    qint64 totalBytes() const { return m_totalBytes; }
    // Records appended by this job so far.
    qint64 recordsRead() const { return m_recordsRead; }
    QString errorString() const { return m_error; }

Q_SIGNALS:
    // After each slice that read something.
    void progressed(qint64 bytesRead, qint64 totalBytes);
    void finished(LogImportJob::Outcome outcome);

private:
    void readSlice();
    void finish(Outcome outcome);

    SessionLog *m_log;
    QFile m_file;
    std::unique_ptr<JsonLinesReader> m_reader;
    QTimer m_nextSlice;
    qint64 m_totalBytes = 0;
    qint64 m_bytesAtEnd = 0; // where the reading stopped, once the file is closed
    qint64 m_recordsRead = 0;
    bool m_running = false;
    bool m_firstSlice = true;
    QString m_error;
};
