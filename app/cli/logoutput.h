// Where a sioscope-cli command writes its log: standard output or a file. JSON Lines and text
// stream out record by record (LogStreamWriter); HAR is one document, so the session is kept
// (a SessionLog) and written when the command ends. Secrets are redacted unless the options opt
// in.
#pragma once

#include "session/logexport.h"
#include "session/logstreamwriter.h"
#include "session/sessionlog.h"

#include <QFile>
#include <QObject>

class LogOutput : public QObject
{
    Q_OBJECT
public:
    explicit LogOutput(QObject *parent = nullptr);

    // Opens `path` for writing (empty: standard output). False with "cannot write <path>: <why>".
    bool open(const QString &path, const ExportOptions &options, QString *error);
    void append(const PacketRecord &record);
    // Writes the HAR document when that is the format, flushes and closes. False, with
    // "cannot write the log: <why>", when the HAR document could not be written.
    bool close(QString *error);

Q_SIGNALS:
    // A streamed write failed (disk full, a closed pipe): "cannot write the log: <why>". Once.
    void writeFailed(const QString &message);

private:
    ExportOptions m_options;
    QFile m_file;
    LogStreamWriter m_writer;
    SessionLog m_log; // HAR only: the streamed formats would grow it without bound
};
