#include "common/jsonwriter.h"
#include "session/jsonlines.h"
#include "session/jsonlines_p.h"

#include "common/jsonescape.h"
#include "common/jsonscanner.h"
#include "common/utf8.h"

#include <QIODevice>
#include <QtNumeric>

#include <cmath>

using namespace JsonLinesPrivate;
using namespace JsonWriter;

namespace {

// ---------------------------------------------------------------------------------------------
// Reading: a cursor over one line, strict RFC 8259.

struct Cursor
{
    const char *begin;
    const char *p;
    const char *end;
    QString error;

    bool atEnd() const { return p >= end; }
    qsizetype column() const { return p - begin + 1; }
    bool fail(const char *what) { return fail(QLatin1String(what)); }
    bool fail(const QString &what)
    {
        if (atEnd())
            error =
                QStringLiteral("unexpected end of line at column %1 (truncated?)").arg(column());
        else
            error = QStringLiteral("%1 at column %2").arg(what).arg(column());
        return false;
    }
    void skipWhitespace()
    {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
            ++p;
    }
    bool expect(char c, const char *what)
    {
        if (p < end && *p == c) {
            ++p;
            return true;
        }
        return fail(what);
    }
};

inline bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// String sinks: where the decoded characters of a JSON string go.
struct Utf8Sink // for byte fields: the text must be Unicode scalar values
{
    QByteArray *out;
    void run(const char *p, qsizetype n) { out->append(p, n); }
    void codePoint(char32_t cp) { Utf8::append(*out, cp); }
    bool loneSurrogate(char16_t) { return false; }
};

struct Utf16Sink
{
    QString *out;
    void run(const char *p, qsizetype n)
    {
        if (n)
            out->append(QString::fromUtf8(p, n));
    }
    void codePoint(char32_t cp) { out->append(QChar::fromUcs4(cp)); }
    bool loneSurrogate(char16_t u)
    {
        out->append(QChar(u));
        return true;
    }
};

// At the opening quote. Decodes into the sink and leaves the cursor after the closing quote.
template<typename Sink> bool scanString(Cursor &c, Sink &sink)
{
    if (!c.expect('"', "expected a string"))
        return false;
    const char *run = c.p;
    for (;;) {
        c.p += JsonScanner::plainStringBytes(c.p, c.end);
        if (c.atEnd())
            return c.fail("");
        const uchar ch = uchar(*c.p);
        if (ch == '"') {
            sink.run(run, c.p - run);
            ++c.p;
            return true;
        }
        if (ch == '\\') {
            sink.run(run, c.p - run);
            const JsonEscape escape = JsonEscape::read(QByteArrayView(c.p, c.end), 0);
            switch (escape.kind) {
            case JsonEscape::Kind::CodePoint:
                sink.codePoint(escape.value);
                break;
            case JsonEscape::Kind::LoneSurrogate:
                if (!sink.loneSurrogate(char16_t(escape.value)))
                    return c.fail("unpaired surrogate escape in a byte string");
                break;
            case JsonEscape::Kind::Truncated:
                c.p = c.end;
                return c.fail("");
            case JsonEscape::Kind::BadHexDigit:
                c.p += escape.length;
                return c.fail("invalid \\u escape");
            case JsonEscape::Kind::Unknown:
                ++c.p;
                return c.fail("invalid escape");
            }
            c.p += escape.length;
            run = c.p;
            continue;
        }
        if (ch < 0x20)
            return c.fail("unescaped control character in string");
        if (ch < 0x80) {
            ++c.p;
            continue;
        }
        const int length = Utf8::sequenceLength(reinterpret_cast<const uchar *>(c.p),
                                                reinterpret_cast<const uchar *>(c.end));
        if (length == 0)
            return c.fail("invalid UTF-8 in string");
        c.p += length;
    }
}

bool skipNumber(Cursor &c)
{
    if (c.p < c.end && *c.p == '-')
        ++c.p;
    if (c.atEnd() || !isDigit(*c.p))
        return c.fail("invalid number");
    if (*c.p == '0') {
        ++c.p;
    } else {
        while (c.p < c.end && isDigit(*c.p))
            ++c.p;
    }
    if (c.p < c.end && *c.p == '.') {
        ++c.p;
        if (c.atEnd() || !isDigit(*c.p))
            return c.fail("invalid number");
        while (c.p < c.end && isDigit(*c.p))
            ++c.p;
    }
    if (c.p < c.end && (*c.p == 'e' || *c.p == 'E')) {
        ++c.p;
        if (c.p < c.end && (*c.p == '+' || *c.p == '-'))
            ++c.p;
        if (c.atEnd() || !isDigit(*c.p))
            return c.fail("invalid number");
        while (c.p < c.end && isDigit(*c.p))
            ++c.p;
    }
    return true;
}

// Validates one JSON value (a payload, or a field of a later version) with the codec's scanner
// and leaves the cursor after it.
bool skipValue(Cursor &c)
{
    qsizetype length = 0;
    const JsonScanner::Result result =
        JsonScanner::scanPrefix(QByteArrayView(c.p, c.end - c.p), &length);
    c.p += length;
    if (result.kind == JsonScanner::Kind::Invalid)
        return c.fail(result.reason);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Record fields.

enum Field : unsigned {
    FieldTs = 1u << 0,
    FieldDir = 1u << 1,
    FieldLayer = 1u << 2,
    FieldType = 1u << 3,
    FieldNsp = 1u << 4,
    FieldId = 1u << 5,
    FieldData = 1u << 6,
    FieldDataText = 1u << 7,
    FieldDataB64 = 1u << 8,
    FieldAttachments = 1u << 9,
    FieldTransport = 1u << 10,
    FieldRtt = 1u << 11,
    FieldRaw = 1u << 12,
    FieldRawB64 = 1u << 13,
    FieldError = 1u << 14,
    FieldSession = 1u << 15,
    FieldParser = 1u << 16,
};

struct FieldName
{
    const char *name;
    Field field;
};

constexpr FieldName FieldNames[] = {
    {"ts", FieldTs},
    {"dir", FieldDir},
    {"layer", FieldLayer},
    {"type", FieldType},
    {"nsp", FieldNsp},
    {"id", FieldId},
    {"data", FieldData},
    {"data_text", FieldDataText},
    {"data_b64", FieldDataB64},
    {"attachments", FieldAttachments},
    {"transport", FieldTransport},
    {"rtt_ms", FieldRtt},
    {"raw", FieldRaw},
    {"raw_b64", FieldRawB64},
    {"error", FieldError},
    {"session", FieldSession},
    {"parser", FieldParser},
};

bool readByteString(Cursor &c, QByteArray *out)
{
    out->clear();
    Utf8Sink sink{out};
    return scanString(c, sink);
}

bool readString(Cursor &c, QString *out)
{
    out->clear();
    Utf16Sink sink{out};
    return scanString(c, sink);
}

// Qt's strict mode: a character outside the alphabet or misplaced padding fails, a dangling
// character (six bits, no byte) is dropped.
bool decodeBase64(const QByteArray &text, QByteArray *out)
{
    auto result = QByteArray::fromBase64Encoding(text, QByteArray::AbortOnBase64DecodingErrors);
    if (!result)
        return false;
    *out = std::move(*result);
    return true;
}

// Parses the value of "rtt_ms" (at the cursor) into microseconds.
bool readMilliseconds(Cursor &c, qint64 *us)
{
    const char *start = c.p;
    if (!skipNumber(c))
        return false;
    const QByteArrayView text(start, c.p - start);
    if (text.startsWith('-')) {
        c.p = start;
        return c.fail("expected a non-negative number");
    }
    // Exact for the form the writer uses (digits, up to three significant fraction digits).
    qint64 whole = 0;
    qsizetype i = 0;
    bool exact = true;
    for (; i < text.size() && isDigit(text[i]); ++i) {
        if (qMulOverflow(whole, qint64(10), &whole) ||
            qAddOverflow(whole, qint64(text[i] - '0'), &whole)) {
            exact = false;
            break;
        }
    }
    qint64 fraction = 0;
    if (exact && i < text.size() && text[i] == '.') {
        ++i;
        int digits = 0;
        for (; i < text.size() && isDigit(text[i]); ++i, ++digits) {
            if (digits < 3)
                fraction = fraction * 10 + (text[i] - '0');
            else if (text[i] != '0')
                exact = false;
        }
        for (; digits < 3; ++digits)
            fraction *= 10;
    }
    if (exact && i == text.size()) {
        qint64 result;
        if (!qMulOverflow(whole, qint64(1000), &result) &&
            !qAddOverflow(result, fraction, &result)) {
            *us = result;
            return true;
        }
    }
    // Exponents, sub-microsecond digits: to the nearest microsecond.
    const double value = text.toByteArray().toDouble() * 1000.0;
    if (!(value < 9.2e18)) {
        c.p = start;
        return c.fail("number out of range");
    }
    *us = std::llround(value);
    return true;
}

bool readId(Cursor &c, qint64 *id)
{
    const char *start = c.p;
    if (!skipNumber(c))
        return false;
    qint64 value = 0;
    for (const char *p = start; p < c.p; ++p) {
        if (!isDigit(*p)) {
            c.p = start;
            return c.fail("expected a non-negative integer");
        }
        if (qMulOverflow(value, qint64(10), &value) ||
            qAddOverflow(value, qint64(*p - '0'), &value)) {
            c.p = start;
            return c.fail("integer out of range");
        }
    }
    *id = value;
    return true;
}

// A value for an error message: as a JSON string, cut after 80 bytes.
QString quoted(QByteArrayView text)
{
    text = text.first(qMin<qsizetype>(text.size(), 80));
    const qsizetype length = escapedLength(text);
    if (length < 0) // cut in the middle of a character
        return QLatin1Char('"') + QString::fromUtf8(text) + QLatin1Char('"');
    QByteArray escaped(length, Qt::Uninitialized);
    putEscapedUtf8(escaped.data(), text);
    return QLatin1Char('"') + QString::fromUtf8(escaped) + QLatin1Char('"');
}

} // namespace

// -------------------------------------------------------------------------------------------------

bool JsonLines::parseRecord(QByteArrayView line, PacketRecord *record, QString *error)
{
    auto failWith = [error](QString message) {
        if (error)
            *error = std::move(message);
        return false;
    };

    if (line.endsWith('\n'))
        line.chop(1);
    if (line.endsWith('\r'))
        line.chop(1);
    Cursor c{line.data(), line.data(), line.data() + line.size(), {}};
    c.skipWhitespace();
    if (c.atEnd())
        return failWith(QStringLiteral("empty line"));
    if (*c.p != '{') {
        return failWith(
            QStringLiteral("not a JSON object: expected '{' at column %1").arg(c.column()));
    }
    ++c.p;

    *record = PacketRecord();
    unsigned seen = 0;
    QByteArray text;
    QByteArray typeName;
    int typeNumber = -1;
    QByteArray direction;
    QByteArray layer;
    QByteArray timestamp;

    c.skipWhitespace();
    if (c.p < c.end && *c.p == '}') {
        ++c.p;
    } else {
        for (;;) {
            if (c.p < c.end && *c.p != '"') {
                c.fail("expected a field name");
                return failWith(c.error);
            }
            QByteArray key;
            if (!readByteString(c, &key))
                return failWith(c.error);
            c.skipWhitespace();
            if (!c.expect(':', "expected ':'"))
                return failWith(c.error);
            c.skipWhitespace();

            Field field = Field(0);
            for (const FieldName &name : FieldNames) {
                if (key == name.name) {
                    field = name.field;
                    break;
                }
            }
            if (field && (seen & field))
                return failWith(QStringLiteral("duplicate field %1").arg(quoted(key)));
            seen |= field;
            auto fieldError = [&](const QString &message) {
                return failWith(QStringLiteral("field %1: %2").arg(quoted(key), message));
            };

            bool ok = true;
            switch (field) {
            case FieldTs:
                ok = readByteString(c, &timestamp);
                break;
            case FieldDir:
                ok = readByteString(c, &direction);
                break;
            case FieldLayer:
                ok = readByteString(c, &layer);
                break;
            case FieldType:
                if (c.p < c.end && isDigit(*c.p)) {
                    qint64 number = 0;
                    const char *start = c.p;
                    ok = readId(c, &number);
                    if (ok && number > 255) {
                        c.p = start;
                        ok = c.fail("type number above 255");
                    }
                    typeNumber = int(number);
                } else {
                    ok = readByteString(c, &typeName);
                }
                break;
            case FieldNsp:
                ok = readString(c, &record->nsp);
                break;
            case FieldId:
                ok = readId(c, &record->id);
                break;
            case FieldData: {
                const char *start = c.p;
                ok = skipValue(c);
                record->payload = QByteArray(start, c.p - start);
                break;
            }
            case FieldDataText:
                ok = readByteString(c, &record->payload);
                break;
            case FieldDataB64:
            case FieldRawB64:
                ok = readByteString(c, &text);
                if (ok &&
                    !decodeBase64(text, field == FieldDataB64 ? &record->payload : &record->raw))
                    return fieldError(QStringLiteral("not valid base64"));
                break;
            case FieldAttachments: {
                if (!c.expect('[', "expected an array")) {
                    ok = false;
                    break;
                }
                c.skipWhitespace();
                if (c.p < c.end && *c.p == ']') {
                    ++c.p;
                    break;
                }
                for (;;) {
                    if (!readByteString(c, &text)) {
                        ok = false;
                        break;
                    }
                    QByteArray bytes;
                    if (!decodeBase64(text, &bytes))
                        return fieldError(QStringLiteral("item %1 is not valid base64")
                                              .arg(record->attachments.size()));
                    record->attachments.append(std::move(bytes));
                    c.skipWhitespace();
                    if (c.p < c.end && *c.p == ',') {
                        ++c.p;
                        c.skipWhitespace();
                        continue;
                    }
                    ok = c.expect(']', "expected ',' or ']'");
                    break;
                }
                break;
            }
            case FieldTransport:
                ok = readByteString(c, &text);
                if (ok) {
                    if (text == "websocket")
                        record->transport = TransportKind::WebSocket;
                    else if (text == "polling")
                        record->transport = TransportKind::Polling;
                    else
                        return fieldError(QStringLiteral("unknown transport %1").arg(quoted(text)));
                }
                break;
            case FieldRtt:
                ok = readMilliseconds(c, &record->rttUs);
                break;
            case FieldRaw:
                ok = readByteString(c, &record->raw);
                break;
            case FieldError:
                ok = readString(c, &record->error);
                break;
            case FieldSession:
                ok = readString(c, &record->session);
                break;
            case FieldParser:
                ok = readByteString(c, &text);
                if (ok) {
                    SocketIoParser::Kind kind;
                    if (!SocketIoParser::kindFromName(QString::fromUtf8(text), &kind) ||
                        kind == SocketIoParser::Kind::Auto)
                        return fieldError(
                            QStringLiteral("unknown parser %1 (expected \"default\" or "
                                           "\"msgpack\")")
                                .arg(quoted(text)));
                    record->parser = kind;
                }
                break;
            default: // a field added by a later version: skipped
                ok = skipValue(c);
                break;
            }
            if (!ok)
                return fieldError(c.error);

            c.skipWhitespace();
            if (c.p < c.end && *c.p == ',') {
                ++c.p;
                c.skipWhitespace();
                continue;
            }
            if (!c.expect('}', "expected ',' or '}'"))
                return failWith(c.error);
            break;
        }
    }
    c.skipWhitespace();
    if (!c.atEnd())
        return failWith(
            QStringLiteral("unexpected text after the object at column %1").arg(c.column()));

    for (const FieldName &required : {FieldNames[0], FieldNames[1], FieldNames[2], FieldNames[3]}) {
        if (!(seen & required.field))
            return failWith(
                QStringLiteral("missing field \"%1\"").arg(QLatin1String(required.name)));
    }
    const auto conflict = [&](Field a, Field b, const char *nameA, const char *nameB) {
        return (seen & a) && (seen & b)
                   ? failWith(QStringLiteral("fields \"%1\" and \"%2\" exclude each other")
                                  .arg(QLatin1String(nameA), QLatin1String(nameB)))
                   : true;
    };
    if (!conflict(FieldData, FieldDataText, "data", "data_text") ||
        !conflict(FieldData, FieldDataB64, "data", "data_b64") ||
        !conflict(FieldDataText, FieldDataB64, "data_text", "data_b64") ||
        !conflict(FieldRaw, FieldRawB64, "raw", "raw_b64"))
        return false;

    if (!parseTimestamp(timestamp, &record->timeUs))
        return failWith(
            QStringLiteral("field \"ts\": invalid timestamp %1").arg(quoted(timestamp)));
    if (direction == "in")
        record->direction = PacketRecord::Direction::In;
    else if (direction == "out")
        record->direction = PacketRecord::Direction::Out;
    else
        return failWith(QStringLiteral("field \"dir\": expected \"in\" or \"out\", not %1")
                            .arg(quoted(direction)));
    if (layer == "sio")
        record->layer = PacketRecord::Layer::SocketIo;
    else if (layer == "eio")
        record->layer = PacketRecord::Layer::EngineIo;
    else if (layer == "conn")
        record->layer = PacketRecord::Layer::Connection;
    else
        return failWith(QStringLiteral("field \"layer\": unknown layer %1").arg(quoted(layer)));

    const NameTable &table = typeTable(record->layer);
    if (typeNumber >= 0) {
        record->type = quint8(typeNumber);
    } else {
        int index = 0;
        while (index < table.count && typeName != table.names[index])
            ++index;
        if (index == table.count)
            return failWith(QStringLiteral("field \"type\": unknown %1 type %2")
                                .arg(QLatin1String(table.layer), quoted(typeName)));
        record->type = quint8(index);
    }
    if (record->layer == PacketRecord::Layer::SocketIo && !(seen & FieldNsp))
        record->nsp = QStringLiteral("/");
    if (record->parser == SocketIoParser::Kind::Msgpack &&
        record->layer != PacketRecord::Layer::SocketIo)
        return failWith(QStringLiteral("field \"parser\": only a Socket.IO record (layer "
                                       "\"sio\") has a parser, not %1")
                            .arg(quoted(layer)));
    return true;
}

// -------------------------------------------------------------------------------------------------

JsonLinesReader::JsonLinesReader(QIODevice *device)
    : m_device(device)
{
}

bool JsonLinesReader::next(PacketRecord *record)
{
    if (m_done)
        return false;
    if (!m_device || !m_device->isReadable()) {
        m_error = QStringLiteral("the device is not open for reading");
        m_done = true;
        return false;
    }
    for (;;) {
        QByteArray line = m_device->readLine();
        if (line.isEmpty()) { // the end
            m_done = true;
            return false;
        }
        ++m_lineNumber;
        const bool complete = line.endsWith('\n');
        QByteArrayView view(line);
        if (m_lineNumber == 1 && view.startsWith("\xEF\xBB\xBF"))
            view = view.sliced(3);
        if (view == "\n" || view == "\r\n" || view.isEmpty())
            continue;
        QString error;
        if (JsonLines::parseRecord(view, record, &error))
            return true;
        if (!complete)
            error += QStringLiteral("; the last line has no end of line: is the file truncated?");
        m_error = QStringLiteral("line %1: %2").arg(m_lineNumber).arg(error);
        m_done = true;
        return false;
    }
}
