// Writing a session log out (JSON Lines, HAR 1.2, plain text) and reading one back in
// (JSON Lines, HAR). The JSON Lines form is lossless; see docs/log-format.md.
#pragma once

#include "socketio/packetrecord.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

class QIODevice;
class SessionLog;

enum class LogFormat { JsonLines, Har, Text };

struct ExportOptions
{
    LogFormat format = LogFormat::JsonLines;
    bool includeSecrets = false; // explicit opt-in; otherwise see Redaction
    // Secret values no record shows (the values of secret headers, Redaction::headerSecrets()),
    // redacted wherever they appear; those the log carries are found in it.
    QStringList knownSecrets;
    // Called now and then; return false to cancel.
    std::function<bool(qint64 done, qint64 total)> progress;
};

class LogExporter
{
public:
    // Writes `rows` of the log (every row when null). On failure (disk full, cancelled) returns
    // false with the reason; the log itself is untouched.
    static bool write(const SessionLog &log, const std::vector<qint64> *rows, QIODevice *out,
                      const ExportOptions &options, QString *error);

    // One readable line (with '\n') for the text format and for terminals.
    static QByteArray textLine(const PacketRecord &record);
    // Parses "jsonl", "har", "text"; false for anything else.
    static bool parseFormat(const QString &name, LogFormat *format);
    static QString formatName(LogFormat format);
};

class LogImporter
{
public:
    // Appends the records in `in` (JSON Lines or HAR, told apart by content) to `log`. On a bad
    // or truncated input returns false with an error naming the line (JSON Lines) or the entry
    // (HAR); everything before it has been appended.
    static bool read(QIODevice *in, SessionLog *log, QString *error);
    // Whether `in` holds HAR rather than JSON Lines, from its first bytes (peeked, not read):
    // HAR is one JSON document whose first key is "log"; JSON Lines starts with a record.
    static bool isHar(QIODevice *in);
    static bool readHar(const QByteArray &har, SessionLog *log, QString *error);
};
