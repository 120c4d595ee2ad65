#include "session/jsonlines.h"

#include "common/jsonescape.h"
#include "common/jsonscanner.h"
#include "common/utf8.h"
#include "socketio/socketiopacket.h"

#include <QIODevice>
#include <QMetaEnum>
#include <QtEndian>
#include <QtNumeric>

#include <cmath>
#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <limits>

namespace {

// ---------------------------------------------------------------------------------------------
// Names: the core's own (PacketRecord::typeName and friends), looked up once per layer.

struct NameTable
{
    std::vector<QByteArray> names; // by type number
    int count;
    const char *layer;
};

template<typename Enum> NameTable buildTable(PacketRecord::Layer layer, const char *layerName)
{
    NameTable table{{}, QMetaEnum::fromType<Enum>().keyCount(), layerName};
    PacketRecord record;
    record.layer = layer;
    for (int type = 0; type < table.count; ++type) {
        record.type = quint8(type);
        table.names.push_back(record.typeName().toUtf8());
    }
    return table;
}

const NameTable &typeTable(PacketRecord::Layer layer)
{
    static const NameTable sio =
        buildTable<SocketIoPacket::Type>(PacketRecord::Layer::SocketIo, "sio");
    static const NameTable eio =
        buildTable<EngineIoPacket::Type>(PacketRecord::Layer::EngineIo, "eio");
    static const NameTable conn =
        buildTable<PacketRecord::Note>(PacketRecord::Layer::Connection, "conn");
    switch (layer) {
    case PacketRecord::Layer::SocketIo:
        return sio;
    case PacketRecord::Layer::EngineIo:
        return eio;
    case PacketRecord::Layer::Connection:
        break;
    }
    return conn;
}

// ---------------------------------------------------------------------------------------------
// Writing. appendRecord computes an upper bound of the line first, grows the buffer once, and
// then writes through a plain pointer: QByteArray::append per piece would cost more than the
// escaping itself.

inline char *put(char *p, const char *text, qsizetype n)
{
    if (n > 0) // an empty QByteArray's data() may be null, which memcpy must not get
        std::memcpy(p, text, size_t(n));
    return p + n;
}

template<qsizetype N> inline char *put(char *p, const char (&text)[N])
{
    return put(p, text, N - 1);
}

inline char *putString(char *p, const char *text)
{
    return put(p, text, qsizetype(std::strlen(text)));
}

char *putUnsigned(char *p, quint64 value)
{
    char buffer[24];
    char *const end = buffer + sizeof buffer;
    char *q = end;
    do {
        *--q = char('0' + value % 10);
        value /= 10;
    } while (value);
    return put(p, q, end - q);
}

inline char *putDigits(char *p, quint64 value, int width)
{
    for (int i = width - 1; i >= 0; --i) {
        p[i] = char('0' + value % 10);
        value /= 10;
    }
    return p + width;
}

constexpr char HexDigits[] = "0123456789abcdef";

inline char *putUnicodeEscape(char *p, unsigned unit)
{
    p[0] = '\\';
    p[1] = 'u';
    p[2] = HexDigits[(unit >> 12) & 15];
    p[3] = HexDigits[(unit >> 8) & 15];
    p[4] = HexDigits[(unit >> 4) & 15];
    p[5] = HexDigits[unit & 15];
    return p + 6;
}

inline bool needsEscape(uchar c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

// The short escape letter of an ASCII byte that needs escaping, or 0 when it takes \u00XX.
inline char shortEscape(uchar c)
{
    switch (c) {
    case '"':
        return '"';
    case '\\':
        return '\\';
    case '\n':
        return 'n';
    case '\r':
        return 'r';
    case '\t':
        return 't';
    case '\b':
        return 'b';
    case '\f':
        return 'f';
    }
    return 0;
}

inline char *putAsciiEscape(char *p, uchar c)
{
    if (const char letter = shortEscape(c)) {
        p[0] = '\\';
        p[1] = letter;
        return p + 2;
    }
    return putUnicodeEscape(p, c);
}

// What escaping adds to each ASCII byte: 0, 1 for a short escape (\n), 5 for \u00XX.
constexpr struct EscapeExtra
{
    quint8 bytes[128] = {};
    constexpr EscapeExtra()
    {
        for (int c = 0; c < 0x20; ++c)
            bytes[c] = 5;
        for (char c : {'\b', '\f', '\n', '\r', '\t'})
            bytes[uchar(c)] = 1;
        bytes[uchar('"')] = 1;
        bytes[uchar('\\')] = 1;
    }
} escapeExtra;

// The length of `bytes` escaped as the inside of a JSON string, or -1 when they are not UTF-8.
qsizetype escapedLength(QByteArrayView bytes)
{
    const char *p = bytes.data();
    const char *const end = p + bytes.size();
    qsizetype extra = 0;
    while (p < end) {
        p += JsonScanner::plainStringBytes(p, end);
        if (p == end)
            break;
        const uchar c = uchar(*p);
        if (c < 0x80) {
            extra += escapeExtra.bytes[c];
            ++p;
            continue;
        }
        const int length = Utf8::sequenceLength(reinterpret_cast<const uchar *>(p),
                                                reinterpret_cast<const uchar *>(end));
        if (length == 0)
            return -1;
        p += length;
    }
    return bytes.size() + extra;
}

// Writes valid UTF-8 (escapedLength() >= 0) as the inside of a JSON string.
char *putEscapedUtf8(char *out, QByteArrayView bytes)
{
    const char *p = bytes.data();
    const char *const end = p + bytes.size();
    while (p < end) {
        const qsizetype plain = JsonScanner::plainStringBytes(p, end);
        std::memcpy(out, p, plain);
        out += plain;
        p += plain;
        if (p == end)
            break;
        const uchar c = uchar(*p++);
        if (needsEscape(c))
            out = putAsciiEscape(out, c);
        else
            *out++ = char(c); // a byte of a UTF-8 sequence that escapedLength() checked
    }
    return out;
}

// Writes UTF-16 text as the inside of a JSON string: at most 6 bytes per code unit. Lone
// surrogates (a QString may hold them) become \uXXXX escapes, which the reader turns back into
// the same code unit: nothing is lost.
char *putEscapedUtf16(char *out, QStringView text)
{
    const char16_t *p = text.utf16();
    const char16_t *const end = p + text.size();
    while (p < end) {
        const char16_t u = *p++;
        if (u < 0x80) {
            if (needsEscape(uchar(u)))
                out = putAsciiEscape(out, uchar(u));
            else
                *out++ = char(u);
        } else if (u < 0x800) {
            *out++ = char(0xC0 | (u >> 6));
            *out++ = char(0x80 | (u & 0x3F));
        } else if (QChar::isHighSurrogate(u) && p < end && QChar::isLowSurrogate(*p)) {
            const char32_t cp = QChar::surrogateToUcs4(u, *p++);
            *out++ = char(0xF0 | (cp >> 18));
            *out++ = char(0x80 | ((cp >> 12) & 0x3F));
            *out++ = char(0x80 | ((cp >> 6) & 0x3F));
            *out++ = char(0x80 | (cp & 0x3F));
        } else if (QChar::isSurrogate(u)) {
            out = putUnicodeEscape(out, u);
        } else {
            *out++ = char(0xE0 | (u >> 12));
            *out++ = char(0x80 | ((u >> 6) & 0x3F));
            *out++ = char(0x80 | (u & 0x3F));
        }
    }
    return out;
}

constexpr qsizetype base64Length(qsizetype n)
{
    return (n + 2) / 3 * 4;
}

// Every pair of base64 characters, by the 12 bits they encode.
constexpr struct Base64Pairs
{
    char pairs[4096][2] = {};
    constexpr Base64Pairs()
    {
        constexpr char Alphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 4096; ++i) {
            pairs[i][0] = Alphabet[i >> 6];
            pairs[i][1] = Alphabet[i & 63];
        }
    }
} base64Pairs;

// Standard base64 (RFC 4648, section 4) with padding.
char *putBase64(char *out, QByteArrayView bytes)
{
    static constexpr char Alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const uchar *p = reinterpret_cast<const uchar *>(bytes.data());
    const uchar *const end = p + bytes.size();
    // Attachments are the bulk of a binary flood's log. SSE2: twelve bytes (read as sixteen) to
    // sixteen characters, three bytes to four in each 32-bit lane; then six bytes (read as
    // eight) to eight characters through the table of pairs.
#ifdef __SSE2__
    for (; end - p >= 16; p += 12) {
        // b0 b1 b2 of each group of three in bits 31..8 of its lane.
        const __m128i v =
            _mm_set_epi32(int(qFromBigEndian<quint32>(p + 9)), int(qFromBigEndian<quint32>(p + 6)),
                          int(qFromBigEndian<quint32>(p + 3)), int(qFromBigEndian<quint32>(p)));
        // The four 6-bit indices of each lane, in output (little-endian byte) order.
        const __m128i indices = _mm_or_si128(
            _mm_or_si128(_mm_srli_epi32(v, 26),
                         _mm_and_si128(_mm_srli_epi32(v, 12), _mm_set1_epi32(0x3F00))),
            _mm_or_si128(_mm_and_si128(_mm_slli_epi32(v, 2), _mm_set1_epi32(0x3F0000)),
                         _mm_and_si128(_mm_slli_epi32(v, 16), _mm_set1_epi32(0x3F000000))));
        // Index to character: 'A' + i, then +6 from 26 ('a'), -75 from 52 ('0'), -15 at 62
        // ('+'), +3 at 63 ('/').
        const auto from = [&indices](int first, int offset) {
            return _mm_and_si128(_mm_cmpgt_epi8(indices, _mm_set1_epi8(char(first - 1))),
                                 _mm_set1_epi8(char(offset)));
        };
        const __m128i offsets =
            _mm_add_epi8(_mm_add_epi8(_mm_set1_epi8('A'), from(26, 6)),
                         _mm_add_epi8(from(52, -75), _mm_add_epi8(from(62, -15), from(63, 3))));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out), _mm_add_epi8(indices, offsets));
        out += 16;
    }
#endif
    for (; end - p >= 8; p += 6) {
        const quint64 bits = qFromBigEndian<quint64>(p) >> 16;
        char chunk[8];
        std::memcpy(chunk, base64Pairs.pairs[bits >> 36], 2);
        std::memcpy(chunk + 2, base64Pairs.pairs[(bits >> 24) & 0xFFF], 2);
        std::memcpy(chunk + 4, base64Pairs.pairs[(bits >> 12) & 0xFFF], 2);
        std::memcpy(chunk + 6, base64Pairs.pairs[bits & 0xFFF], 2);
        std::memcpy(out, chunk, 8);
        out += 8;
    }
    for (; end - p >= 3; p += 3) {
        const quint32 v = quint32(p[0]) << 16 | quint32(p[1]) << 8 | p[2];
        *out++ = Alphabet[v >> 18];
        *out++ = Alphabet[(v >> 12) & 63];
        *out++ = Alphabet[(v >> 6) & 63];
        *out++ = Alphabet[v & 63];
    }
    if (end - p == 1) {
        const quint32 v = quint32(p[0]) << 16;
        *out++ = Alphabet[v >> 18];
        *out++ = Alphabet[(v >> 12) & 63];
        *out++ = '=';
        *out++ = '=';
    } else if (end - p == 2) {
        const quint32 v = quint32(p[0]) << 16 | quint32(p[1]) << 8;
        *out++ = Alphabet[v >> 18];
        *out++ = Alphabet[(v >> 12) & 63];
        *out++ = Alphabet[(v >> 6) & 63];
        *out++ = '=';
    }
    return out;
}
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
// Timestamps (Howard Hinnant's algorithms: proleptic Gregorian calendar, any 64-bit day count).

constexpr qint64 UsPerSecond = 1000000;
constexpr qint64 UsPerDay = 86400 * UsPerSecond;

struct CivilDate
{
    qint64 year;
    unsigned month; // 1..12
    unsigned day;   // 1..31
};

constexpr CivilDate civilFromDays(qint64 days)
{
    days += 719468; // from 1970-01-01 to 0000-03-01
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned dayOfEra = unsigned(days - era * 146097); // [0, 146096]
    const unsigned yearOfEra =
        (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365; // [0, 399]
    const unsigned dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const unsigned mp = (5 * dayOfYear + 2) / 153; // March-based month [0, 11]
    const unsigned day = dayOfYear - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    return {qint64(yearOfEra) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

constexpr qint64 daysFromCivil(qint64 year, unsigned month, unsigned day)
{
    year -= month <= 2 ? 1 : 0;
    const qint64 era = (year >= 0 ? year : year - 399) / 400;
    const unsigned yearOfEra = unsigned(year - era * 400);
    const unsigned dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + qint64(dayOfEra) - 719468;
}

static_assert(daysFromCivil(1970, 1, 1) == 0);
static_assert(daysFromCivil(2000, 3, 1) == 11017);
static_assert(civilFromDays(11016).month == 2 && civilFromDays(11016).day == 29);

constexpr bool isLeapYear(qint64 year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

constexpr unsigned daysInMonth(qint64 year, unsigned month)
{
    constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && isLeapYear(year) ? 29 : days[month - 1];
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

constexpr qsizetype MaxTimestampLength = 30; // "+294247-01-10T04:00:54.775807Z"

char *putTimestampUncached(char *p, qint64 timeUs);

// Records come in bursts within the same second: the date and time down to the second are
// formatted once per second and copied after that.
char *putTimestamp(char *p, qint64 timeUs)
{
    struct Cache
    {
        qint64 second = std::numeric_limits<qint64>::min();
        char text[MaxTimestampLength];
        int length = 0; // up to and including the '.'
    };
    thread_local Cache cache;
    if (timeUs < std::numeric_limits<qint64>::min() + UsPerSecond)
        return putTimestampUncached(p, timeUs); // its second would not fit in microseconds
    qint64 second = timeUs / UsPerSecond;
    qint64 fraction = timeUs % UsPerSecond;
    if (fraction < 0) {
        fraction += UsPerSecond;
        --second;
    }
    if (second != cache.second) {
        const char *end = putTimestampUncached(cache.text, second * UsPerSecond);
        cache.length = int(end - cache.text) - 7; // drop "000000Z"
        cache.second = second;
    }
    p = put(p, cache.text, cache.length);
    p = putDigits(p, quint64(fraction), 6);
    *p++ = 'Z';
    return p;
}

char *putTimestampUncached(char *p, qint64 timeUs)
{
    qint64 days = timeUs / UsPerDay;
    qint64 timeOfDay = timeUs % UsPerDay;
    if (timeOfDay < 0) {
        timeOfDay += UsPerDay;
        --days;
    }
    const CivilDate date = civilFromDays(days);
    const qint64 seconds = timeOfDay / UsPerSecond;

    if (date.year >= 0 && date.year <= 9999) {
        p = putDigits(p, quint64(date.year), 4);
    } else {
        *p++ = date.year < 0 ? '-' : '+';
        p = putDigits(p, quint64(date.year < 0 ? -date.year : date.year), 6);
    }
    *p++ = '-';
    p = putDigits(p, date.month, 2);
    *p++ = '-';
    p = putDigits(p, date.day, 2);
    *p++ = 'T';
    p = putDigits(p, quint64(seconds / 3600), 2);
    *p++ = ':';
    p = putDigits(p, quint64(seconds / 60 % 60), 2);
    *p++ = ':';
    p = putDigits(p, quint64(seconds % 60), 2);
    *p++ = '.';
    p = putDigits(p, quint64(timeOfDay % UsPerSecond), 6);
    *p++ = 'Z';
    return p;
}

} // namespace

// -------------------------------------------------------------------------------------------------

void JsonLines::appendTimestamp(QByteArray &out, qint64 timeUs)
{
    char buffer[MaxTimestampLength];
    out.append(buffer, putTimestamp(buffer, timeUs) - buffer);
}

QByteArray JsonLines::formatTimestamp(qint64 timeUs)
{
    QByteArray out;
    out.reserve(32);
    appendTimestamp(out, timeUs);
    return out;
}

bool JsonLines::parseTimestamp(QByteArrayView text, qint64 *timeUs)
{
    const char *p = text.data();
    const char *const end = p + text.size();
    auto digits = [&](int count, qint64 *value) {
        if (end - p < count)
            return false;
        qint64 v = 0;
        for (int i = 0; i < count; ++i) {
            if (!isDigit(p[i]))
                return false;
            v = v * 10 + (p[i] - '0');
        }
        p += count;
        *value = v;
        return true;
    };
    auto literal = [&](char c) {
        if (p < end && *p == c) {
            ++p;
            return true;
        }
        return false;
    };

    qint64 year, month, day, hour, minute, second;
    if (p < end && (*p == '+' || *p == '-')) {
        const bool negative = *p++ == '-';
        if (!digits(6, &year) || (negative && year == 0))
            return false;
        if (negative)
            year = -year;
    } else if (!digits(4, &year)) {
        return false;
    }
    if (!literal('-') || !digits(2, &month) || !literal('-') || !digits(2, &day) || !literal('T') ||
        !digits(2, &hour) || !literal(':') || !digits(2, &minute) || !literal(':') ||
        !digits(2, &second))
        return false;
    qint64 fraction = 0;
    if (literal('.')) {
        int count = 0;
        while (p < end && isDigit(*p)) {
            if (++count > 6)
                return false;
            fraction = fraction * 10 + (*p++ - '0');
        }
        if (count == 0)
            return false;
        for (; count < 6; ++count)
            fraction *= 10;
    }
    if (!literal('Z') || p != end)
        return false;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, unsigned(month)) ||
        hour > 23 || minute > 59 || second > 59)
        return false;

    qint64 days = daysFromCivil(year, unsigned(month), unsigned(day));
    qint64 timeOfDay = (hour * 3600 + minute * 60 + second) * UsPerSecond + fraction;
    if (days < 0) { // keep the product in range near the lower end of qint64
        ++days;
        timeOfDay -= UsPerDay;
    }
    qint64 result;
    if (qMulOverflow(days, UsPerDay, &result) || qAddOverflow(result, timeOfDay, &result))
        return false;
    *timeUs = result;
    return true;
}

bool JsonLines::isEmbeddableJson(QByteArrayView payload)
{
    if (payload.isEmpty() || payload.contains('\n') || payload.contains('\r'))
        return false;
    const char first = payload.front();
    const char last = payload.back();
    if (first == ' ' || first == '\t' || last == ' ' || last == '\t')
        return false;
    return JsonScanner::scan(payload).kind != JsonScanner::Kind::Invalid;
}

void JsonLines::appendRecord(QByteArray &out, const PacketRecord &record)
{
    // How the payload and the raw text are written, and their length there.
    enum class Form { Absent, Json, Text, Base64 };
    const auto formOf = [](const QByteArray &bytes, bool asJson, qsizetype *length) {
        if (bytes.isEmpty())
            return Form::Absent;
        if (asJson && isEmbeddableJson(bytes)) {
            *length = bytes.size();
            return Form::Json;
        }
        *length = escapedLength(bytes);
        if (*length >= 0)
            return Form::Text;
        *length = base64Length(bytes.size());
        return Form::Base64;
    };
    qsizetype payloadLength = 0;
    qsizetype rawLength = 0;
    const Form payloadForm = formOf(record.payload, true, &payloadLength);
    const Form rawForm = formOf(record.raw, false, &rawLength);

    // Everything but the variable parts fits in 340 bytes (the longest names, both numbers at
    // 20 digits); the variable parts are counted exactly or, for UTF-16, by 6 bytes a unit.
    qsizetype bound = 340 + payloadLength + rawLength +
                      6 * (record.nsp.size() + record.error.size() + record.session.size());
    for (const QByteArray &attachment : record.attachments)
        bound += base64Length(attachment.size()) + 3;
    const qsizetype start = out.size();
    if (start + bound > out.capacity()) // geometric growth: callers append millions of lines
        out.reserve(qMax(start + bound, 2 * out.capacity()));
    out.resize(start + bound);
    char *p = out.data() + start;

    p = put(p, "{\"ts\":\"");
    p = putTimestamp(p, record.timeUs);
    p = record.direction == PacketRecord::Direction::Out ? put(p, "\",\"dir\":\"out\",\"layer\":\"")
                                                         : put(p, "\",\"dir\":\"in\",\"layer\":\"");
    const NameTable &table = typeTable(record.layer);
    p = putString(p, table.layer);
    if (record.type < table.count) {
        p = put(p, "\",\"type\":\"");
        p = putString(p, table.names[record.type].constData());
        *p++ = '"';
    } else { // no name: the number, which the reader accepts too
        p = put(p, "\",\"type\":");
        p = putUnsigned(p, record.type);
    }
    if (record.layer == PacketRecord::Layer::SocketIo) {
        p = put(p, ",\"nsp\":\"");
        p = putEscapedUtf16(p, record.nsp);
        *p++ = '"';
    }
    if (record.id >= 0) {
        p = put(p, ",\"id\":");
        p = putUnsigned(p, quint64(record.id));
    }
    switch (payloadForm) {
    case Form::Absent:
        break;
    case Form::Json:
        p = put(p, ",\"data\":");
        p = put(p, record.payload.constData(), record.payload.size());
        break;
    case Form::Text:
        p = put(p, ",\"data_text\":\"");
        p = putEscapedUtf8(p, record.payload);
        *p++ = '"';
        break;
    case Form::Base64:
        p = put(p, ",\"data_b64\":\"");
        p = putBase64(p, record.payload);
        *p++ = '"';
        break;
    }
    if (!record.attachments.isEmpty()) {
        p = put(p, ",\"attachments\":[");
        for (qsizetype i = 0; i < record.attachments.size(); ++i) {
            if (i)
                *p++ = ',';
            *p++ = '"';
            p = putBase64(p, record.attachments[i]);
            *p++ = '"';
        }
        *p++ = ']';
    }
    switch (record.transport) {
    case TransportKind::WebSocket:
        p = put(p, ",\"transport\":\"websocket\"");
        break;
    case TransportKind::Polling:
        p = put(p, ",\"transport\":\"polling\"");
        break;
    case TransportKind::None:
        break;
    }
    if (record.rttUs >= 0) {
        p = put(p, ",\"rtt_ms\":");
        p = putUnsigned(p, quint64(record.rttUs / 1000));
        *p++ = '.';
        p = putDigits(p, quint64(record.rttUs % 1000), 3);
    }
    switch (rawForm) {
    case Form::Absent:
    case Form::Json:
        break;
    case Form::Text:
        p = put(p, ",\"raw\":\"");
        p = putEscapedUtf8(p, record.raw);
        *p++ = '"';
        break;
    case Form::Base64:
        p = put(p, ",\"raw_b64\":\"");
        p = putBase64(p, record.raw);
        *p++ = '"';
        break;
    }
    if (!record.error.isEmpty()) {
        p = put(p, ",\"error\":\"");
        p = putEscapedUtf16(p, record.error);
        *p++ = '"';
    }
    if (!record.session.isEmpty()) {
        p = put(p, ",\"session\":\"");
        p = putEscapedUtf16(p, record.session);
        *p++ = '"';
    }
    p = put(p, "}\n");
    Q_ASSERT(p - out.data() <= start + bound);
    out.truncate(p - out.data());
}

QByteArray JsonLines::toLine(const PacketRecord &record)
{
    QByteArray out;
    appendRecord(out, record);
    return out;
}

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
