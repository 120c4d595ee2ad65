// Writes records to a device as they arrive, as JSON Lines or text, with secrets redacted unless
// the user opted in. Lines are batched and written at least every flushIntervalMs (and whenever
// a megabyte is waiting), so a crash or a kill loses at most that much. The CLI's log output and
// the GUI's crash journal both stream through it.
#pragma once

#include "session/jsonlines.h"
#include "session/logexport.h"
#include "session/redaction.h"

#include <QByteArray>
#include <QObject>
#include <QTimer>

class QIODevice;

class LogStreamWriter : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultFlushIntervalMs = 500;

    explicit LogStreamWriter(QObject *parent = nullptr);
    ~LogStreamWriter() override; // flushes

    // The open device to write to; not owned. Writing starts with the next append().
    void setDevice(QIODevice *device);
    void setFormat(LogFormat format); // JsonLines or Text (HAR is one document: LogExporter)
    void setIncludeSecrets(bool include) { m_includeSecrets = include; }
    bool includeSecrets() const { return m_includeSecrets; }
    // Values to redact wherever they appear that no record shows (header values); the others
    // are learnt from the records themselves.
    void addKnownSecrets(const QStringList &values) { m_redaction.addSecrets(values); }
    void setFlushInterval(int ms) { m_flushTimer.setInterval(ms); }

    void append(const PacketRecord &record);
    // Writes what is waiting. Returns false once a write has failed (disk full, closed pipe);
    // errorString() then says why, and writeFailed() was emitted once.
    bool flush();
    // Forgets what is waiting, without writing it.
    void discard() { m_buffer.clear(); }
    QString errorString() const { return m_error; }

Q_SIGNALS:
    void writeFailed(const QString &error);

private:
    void appendLine(const PacketRecord &record);

    QIODevice *m_device = nullptr;
    LogFormat m_format = LogFormat::JsonLines;
    bool m_includeSecrets = false;
    Redaction m_redaction;
    QByteArray m_buffer;
    JsonLines::CheckedPayload m_lastPayload; // a broadcast's payload is checked once
    QTimer m_flushTimer;
    QString m_error;
};
