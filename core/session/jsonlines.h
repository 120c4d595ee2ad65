// The JSON Lines log format: one PacketRecord per line, one JSON object per line, UTF-8, '\n'
// terminated. docs/log-format.md is the contract; this is its only writer and reader.
//
// Writing is hand-written and allocation-light (the payload is embedded verbatim after a
// single validating pass, never re-serialized). Reading is a hand-written parser too, because the
// payload must come back byte for byte, which no DOM-building parser can give.
#pragma once

#include "socketio/packetrecord.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

class QIODevice;

class JsonLines
{
public:
    // "2026-11-24T15:20:01.123456Z" from microseconds since the epoch (UTC). Years outside
    // 0000..9999 are written as a sign and six digits, like JavaScript's Date ("+012345-...").
    // Every qint64 is representable and parses back to itself.
    static QByteArray formatTimestamp(qint64 timeUs);
    static void appendTimestamp(QByteArray &out, qint64 timeUs);
    // Accepts what formatTimestamp writes, with 0 to 6 fraction digits ("...:01Z", "...:01.5Z").
    static bool parseTimestamp(QByteArrayView text, qint64 *timeUs);

    // The last payload appendRecord() checked, kept (shared) with its verdict. A broadcast puts
    // one payload, the same QByteArray, into the record of every client it reaches: a writer
    // that keeps one of these checks it once instead of once a client.
    struct CheckedPayload
    {
        QByteArray payload;
        bool embeddable = false;
    };
    // Appends one line, '\n' included. Never produces an invalid line, whatever the record holds.
    static void appendRecord(QByteArray &out, const PacketRecord &record,
                             CheckedPayload *lastChecked = nullptr);
    static QByteArray toLine(const PacketRecord &record);

    // Parses one line (the trailing '\n' or "\r\n" may be present or not). On failure returns
    // false, leaves *record unspecified and says what is wrong in *error, naming the field when one
    // is at fault (e.g. `field "type": unknown sio type "FOO"`).
    static bool parseRecord(QByteArrayView line, PacketRecord *record, QString *error = nullptr);

    // Whether `payload` can be written verbatim as the value of "data": one valid JSON value
    // (RFC 8259, UTF-8, nesting up to 1000), without leading or trailing whitespace and without
    // CR or LF anywhere. Exposed for the tests and the doc's claims.
    static bool isEmbeddableJson(QByteArrayView payload);
};

// Reads a log line by line from a device (a file, a socket, a QBuffer). next() delivers records
// in order; on the first bad or truncated line it returns false and errorString() names the line.
// Every record before that line has been delivered. Empty lines are skipped; a UTF-8 BOM at the
// start is skipped; the last line may lack its '\n'.
class JsonLinesReader
{
public:
    explicit JsonLinesReader(QIODevice *device);

    // false at the end of the input or on an error (hasError() tells them apart).
    bool next(PacketRecord *record);

    bool hasError() const { return !m_error.isEmpty(); }
    // e.g. "line 3: field \"dir\": expected \"in\" or \"out\"". Empty when there is no error.
    QString errorString() const { return m_error; }
    // The number (1-based) of the line last read: the bad line after an error.
    qint64 lineNumber() const { return m_lineNumber; }

private:
    QIODevice *m_device;
    qint64 m_lineNumber = 0;
    QString m_error;
    bool m_done = false;
};
