#include "common/msgpackwriter.h"

#include "common/base64.h"
#include "common/jsonescape.h"
#include "common/jsonscanner.h"
#include "common/utf8.h"

#include <QVarLengthArray>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace {

// The MessagePack forms, written at a pointer with room for them (at most 9 bytes): one copy,
// used by MsgpackWriter's methods and by the transcoder, which writes through a plain pointer.
char *putBig(char *out, quint64 value, int bytes)
{
    for (int i = bytes - 1; i >= 0; --i)
        *out++ = char(value >> (8 * i));
    return out;
}

char *putUnsigned(char *out, quint64 value)
{
    if (value <= 0x7f) {
        *out++ = char(value);
        return out;
    }
    if (value <= 0xff) {
        *out++ = char(0xcc);
        return putBig(out, value, 1);
    }
    if (value <= 0xffff) {
        *out++ = char(0xcd);
        return putBig(out, value, 2);
    }
    if (value <= 0xffffffffULL) {
        *out++ = char(0xce);
        return putBig(out, value, 4);
    }
    *out++ = char(0xcf);
    return putBig(out, value, 8);
}

char *putInteger(char *out, qint64 value)
{
    if (value >= 0)
        return putUnsigned(out, quint64(value));
    if (value >= -32) {
        *out++ = char(value);
        return out;
    }
    if (value >= std::numeric_limits<qint8>::min()) {
        *out++ = char(0xd0);
        return putBig(out, quint64(value), 1);
    }
    if (value >= std::numeric_limits<qint16>::min()) {
        *out++ = char(0xd1);
        return putBig(out, quint64(value), 2);
    }
    if (value >= std::numeric_limits<qint32>::min()) {
        *out++ = char(0xd2);
        return putBig(out, quint64(value), 4);
    }
    *out++ = char(0xd3);
    return putBig(out, quint64(value), 8);
}

// A length in the smallest of the forms given: fix (0 for none) up to fixMax, then 8 (m8; 0 for
// none), 16 and 32 bits.
char *putLength(char *out, uchar fix, uchar fixMax, uchar m8, uchar m16, uchar m32, quint32 length)
{
    if (fix != 0 && length <= quint32(fixMax - fix)) {
        *out++ = char(fix + length);
        return out;
    }
    if (m8 != 0 && length <= 0xff) {
        *out++ = char(m8);
        return putBig(out, length, 1);
    }
    if (length <= 0xffff) {
        *out++ = char(m16);
        return putBig(out, length, 2);
    }
    *out++ = char(m32);
    return putBig(out, length, 4);
}

char *putStringHeader(char *out, quint32 length)
{
    return putLength(out, 0xa0, 0xbf, 0xd9, 0xda, 0xdb, length);
}

char *putBinaryHeader(char *out, quint32 length)
{
    return putLength(out, 0, 0, 0xc4, 0xc5, 0xc6, length);
}

// A JSON value parsed from text already validated by JsonScanner: spans of the text, and the
// members of objects with their keys unescaped, in the order written.
struct JsonNode
{
    enum class Kind { Null, True, False, Number, String, Array, Object };
    Kind kind = Kind::Null;
    qsizetype offset = 0;
    QByteArrayView number;        // Number: its text
    QByteArray string;            // String: unescaped UTF-8
    std::vector<JsonNode> items;  // Array items; Object values
    std::vector<QByteArray> keys; // Object keys, unescaped

    const JsonNode *member(QByteArrayView key) const
    {
        for (size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == key)
                return &items[i];
        return nullptr;
    }
};

class JsonTreeParser
{
public:
    explicit JsonTreeParser(QByteArrayView text, qsizetype start = 0)
        : m_text(text)
        , m_pos(start)
    {
    }

    JsonNode parse()
    {
        JsonNode node;
        value(&node);
        return node;
    }

    // Just after the value parse() read.
    qsizetype position() const { return m_pos; }

private:
    void skipSpace()
    {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' ||
                                         m_text[m_pos] == '\n' || m_text[m_pos] == '\r'))
            ++m_pos;
    }

    QByteArray string()
    {
        QByteArray out;
        ++m_pos; // the opening quote
        while (m_text[m_pos] != '"') {
            if (m_text[m_pos] != '\\') {
                out.append(m_text[m_pos++]);
                continue;
            }
            const JsonEscape escape = JsonEscape::read(m_text, m_pos);
            // A lone surrogate cannot be UTF-8: it is written as U+FFFD, as a JavaScript
            // encoder does.
            Utf8::append(out, escape.kind == JsonEscape::Kind::CodePoint ? escape.value
                                                                         : char32_t(0xFFFD));
            m_pos += escape.length;
        }
        ++m_pos;
        return out;
    }

    void value(JsonNode *node)
    {
        skipSpace();
        node->offset = m_pos;
        const char c = m_text[m_pos];
        if (c == '{') {
            node->kind = JsonNode::Kind::Object;
            ++m_pos;
            skipSpace();
            while (m_text[m_pos] != '}') {
                if (m_text[m_pos] == ',') {
                    ++m_pos;
                    skipSpace();
                }
                node->keys.push_back(string());
                skipSpace();
                ++m_pos; // ':'
                node->items.emplace_back();
                value(&node->items.back());
                skipSpace();
            }
            ++m_pos;
        } else if (c == '[') {
            node->kind = JsonNode::Kind::Array;
            ++m_pos;
            skipSpace();
            while (m_text[m_pos] != ']') {
                if (m_text[m_pos] == ',')
                    ++m_pos;
                node->items.emplace_back();
                value(&node->items.back());
                skipSpace();
            }
            ++m_pos;
        } else if (c == '"') {
            node->kind = JsonNode::Kind::String;
            node->string = string();
        } else if (c == 't') {
            node->kind = JsonNode::Kind::True;
            m_pos += 4;
        } else if (c == 'f') {
            node->kind = JsonNode::Kind::False;
            m_pos += 5;
        } else if (c == 'n') {
            node->kind = JsonNode::Kind::Null;
            m_pos += 4;
        } else {
            node->kind = JsonNode::Kind::Number;
            const qsizetype start = m_pos;
            while (m_pos < m_text.size() &&
                   (m_text[m_pos] == '-' || m_text[m_pos] == '+' || m_text[m_pos] == '.' ||
                    m_text[m_pos] == 'e' || m_text[m_pos] == 'E' ||
                    (m_text[m_pos] >= '0' && m_text[m_pos] <= '9')))
                ++m_pos;
            node->number = m_text.sliced(start, m_pos - start);
        }
    }

    QByteArrayView m_text;
    qsizetype m_pos = 0;
};

struct TreeWriter
{
    MsgpackWriter *out;
    const QList<QByteArray> &binaries;
    QString error;

    bool fail(const JsonNode &node, const QString &what)
    {
        error = QStringLiteral("%1 at offset %2").arg(what).arg(node.offset);
        return false;
    }

    bool number(const JsonNode &node)
    {
        const QByteArrayView text = node.number;
        const bool integral = !text.contains('.') && !text.contains('e') && !text.contains('E');
        bool ok = false;
        if (integral) {
            const qint64 value = text.toLongLong(&ok);
            if (ok) {
                out->writeInteger(value);
                return true;
            }
            const quint64 big = text.toULongLong(&ok);
            if (ok) {
                out->writeUnsigned(big);
                return true;
            }
        }
        const double value = text.toDouble(&ok);
        if (!ok)
            return fail(node, QStringLiteral("number %1 is out of range")
                                  .arg(QString::fromLatin1(text.toByteArray())));
        out->writeDouble(value);
        return true;
    }

    // {"_msgpack": ...}: the value it stands for.
    bool tagged(const JsonNode &node, const QByteArray &tag)
    {
        const JsonNode *value = node.member("value");
        if (tag == "int") {
            bool ok = false;
            if (value && value->kind == JsonNode::Kind::String) {
                const qint64 signedValue = value->string.toLongLong(&ok);
                if (ok) {
                    out->writeInteger(signedValue);
                    return true;
                }
                const quint64 unsignedValue = value->string.toULongLong(&ok);
                if (ok) {
                    out->writeUnsigned(unsignedValue);
                    return true;
                }
            }
            return fail(node, QStringLiteral(R"("_msgpack":"int" needs "value": a decimal )"
                                             "string within 64 bits"));
        }
        if (tag == "float") {
            if (value && value->kind == JsonNode::Kind::String) {
                if (value->string == "NaN") {
                    out->writeDouble(std::numeric_limits<double>::quiet_NaN());
                    return true;
                }
                if (value->string == "Infinity" || value->string == "-Infinity") {
                    const double inf = std::numeric_limits<double>::infinity();
                    out->writeDouble(value->string.startsWith('-') ? -inf : inf);
                    return true;
                }
            }
            return fail(node, QStringLiteral(R"("_msgpack":"float" needs "value": "NaN", )"
                                             R"("Infinity" or "-Infinity")"));
        }
        if (tag == "ext") {
            const JsonNode *type = node.member("type");
            const JsonNode *base64 = node.member("base64");
            QByteArray data;
            bool ok = false;
            const int typeValue =
                type && type->kind == JsonNode::Kind::Number ? type->number.toInt(&ok) : 0;
            if (ok && typeValue >= -128 && typeValue <= 127 && base64 &&
                base64->kind == JsonNode::Kind::String && Base64::decode(base64->string, &data)) {
                out->writeExtension(qint8(typeValue), data);
                return true;
            }
            return fail(node, QStringLiteral(R"("_msgpack":"ext" needs "type" (-128..127) and )"
                                             R"("base64")"));
        }
        if (tag == "timestamp") {
            const JsonNode *seconds = node.member("seconds");
            const JsonNode *nanos = node.member("nanoseconds");
            bool okSeconds = false;
            bool okNanos = false;
            const qint64 s = seconds && seconds->kind == JsonNode::Kind::Number
                                 ? seconds->number.toLongLong(&okSeconds)
                                 : 0;
            const qint64 n = nanos && nanos->kind == JsonNode::Kind::Number
                                 ? nanos->number.toLongLong(&okNanos)
                                 : 0;
            if (!okSeconds || !okNanos || n < 0 || n > 999999999)
                return fail(node, QStringLiteral(R"("_msgpack":"timestamp" needs integer )"
                                                 R"("seconds" and "nanoseconds" (0..999999999))"));
            // The smallest of the three forms that holds it (the timestamp extension's rule).
            QByteArray data;
            const auto put = [&data](quint64 v, int bytes) {
                for (int i = bytes - 1; i >= 0; --i)
                    data.append(char(v >> (8 * i)));
            };
            if (n == 0 && s >= 0 && s <= 0xffffffffLL) {
                put(quint64(s), 4);
            } else if (s >= 0 && s < (1LL << 34)) {
                put((quint64(n) << 34) | quint64(s), 8);
            } else {
                put(quint64(n), 4);
                put(quint64(s), 8);
            }
            out->writeExtension(-1, data);
            return true;
        }
        if (tag == "map") {
            const JsonNode *entries = node.member("entries");
            if (!entries || entries->kind != JsonNode::Kind::Array)
                return fail(node, QStringLiteral(R"("_msgpack":"map" needs "entries": )"
                                                 "[[key, value], ...]"));
            for (const JsonNode &entry : entries->items)
                if (entry.kind != JsonNode::Kind::Array || entry.items.size() != 2)
                    return fail(entry, QStringLiteral("a map entry must be [key, value]"));
            out->writeMapHeader(quint32(entries->items.size()));
            for (const JsonNode &entry : entries->items)
                if (!write(entry.items[0]) || !write(entry.items[1]))
                    return false;
            return true;
        }
        return fail(node,
                    QStringLiteral(R"(unknown "_msgpack" form "%1")").arg(QString::fromUtf8(tag)));
    }

    bool write(const JsonNode &node)
    {
        switch (node.kind) {
        case JsonNode::Kind::Null:
            out->writeNil();
            return true;
        case JsonNode::Kind::True:
        case JsonNode::Kind::False:
            out->writeBoolean(node.kind == JsonNode::Kind::True);
            return true;
        case JsonNode::Kind::Number:
            return number(node);
        case JsonNode::Kind::String:
            out->writeString(node.string);
            return true;
        case JsonNode::Kind::Array:
            out->writeArrayHeader(quint32(node.items.size()));
            for (const JsonNode &item : node.items)
                if (!write(item))
                    return false;
            return true;
        case JsonNode::Kind::Object:
            break;
        }
        const JsonNode *placeholder = node.member("_placeholder");
        const JsonNode *num = node.member("num");
        if (node.keys.size() == 2 && placeholder && placeholder->kind == JsonNode::Kind::True &&
            num && num->kind == JsonNode::Kind::Number) {
            bool ok = false;
            const int index = num->number.toInt(&ok);
            if (!ok || index < 0 || index >= binaries.size())
                return fail(node, QStringLiteral("placeholder num %1 has no binary (%2 given)")
                                      .arg(QString::fromLatin1(num->number.toByteArray()))
                                      .arg(binaries.size()));
            out->writeBinary(binaries.at(index));
            return true;
        }
        if (const JsonNode *tag = node.member("_msgpack");
            tag && tag->kind == JsonNode::Kind::String)
            return tagged(node, tag->string);
        out->writeMapHeader(quint32(node.keys.size()));
        for (size_t i = 0; i < node.keys.size(); ++i) {
            out->writeString(node.keys[i]);
            if (!write(node.items[i]))
                return false;
        }
        return true;
    }
};

} // namespace

void MsgpackWriter::writeNil()
{
    m_data.append(char(0xc0));
}

void MsgpackWriter::writeBoolean(bool value)
{
    m_data.append(char(value ? 0xc3 : 0xc2));
}

void MsgpackWriter::writeInteger(qint64 value)
{
    char bytes[9];
    m_data.append(bytes, putInteger(bytes, value) - bytes);
}

void MsgpackWriter::writeUnsigned(quint64 value)
{
    char bytes[9];
    m_data.append(bytes, putUnsigned(bytes, value) - bytes);
}

void MsgpackWriter::writeDouble(double value)
{
    // notepack.io writes every non-integer number as float64.
    quint64 bits;
    std::memcpy(&bits, &value, 8);
    char bytes[9] = {char(0xcb)};
    m_data.append(bytes, putBig(bytes + 1, bits, 8) - bytes);
}

void MsgpackWriter::writeLength(uchar fix, uchar fixMax, uchar m8, uchar m16, uchar m32,
                                quint32 length)
{
    char bytes[5];
    m_data.append(bytes, putLength(bytes, fix, fixMax, m8, m16, m32, length) - bytes);
}

void MsgpackWriter::writeString(QByteArrayView utf8)
{
    writeLength(0xa0, 0xbf, 0xd9, 0xda, 0xdb, quint32(utf8.size()));
    m_data.append(utf8);
}

void MsgpackWriter::writeString(QStringView text)
{
    // Namespaces and keys are nearly always ASCII: written without a UTF-8 copy.
    for (const QChar c : text) {
        if (c.unicode() >= 0x80) {
            writeString(QByteArrayView(text.toUtf8()));
            return;
        }
    }
    writeLength(0xa0, 0xbf, 0xd9, 0xda, 0xdb, quint32(text.size()));
    const qsizetype at = m_data.size();
    m_data.resize(at + text.size());
    char *out = m_data.data() + at;
    for (const QChar c : text)
        *out++ = char(c.unicode());
}

void MsgpackWriter::writeBinary(QByteArrayView bytes)
{
    writeLength(0, 0, 0xc4, 0xc5, 0xc6, quint32(bytes.size()));
    m_data.append(bytes);
}

void MsgpackWriter::writeArrayHeader(quint32 count)
{
    writeLength(0x90, 0x9f, 0, 0xdc, 0xdd, count);
}

void MsgpackWriter::writeMapHeader(quint32 count)
{
    writeLength(0x80, 0x8f, 0, 0xde, 0xdf, count);
}

void MsgpackWriter::writeExtension(qint8 type, QByteArrayView data)
{
    static constexpr uchar fixext[17] = {0, 0xd4, 0xd5, 0, 0xd6, 0, 0, 0,   0xd7,
                                         0, 0,    0,    0, 0,    0, 0, 0xd8};
    const qsizetype size = data.size();
    if (size <= 16 && fixext[size] != 0) {
        m_data.append(char(fixext[size]));
    } else {
        writeLength(0, 0, 0xc7, 0xc8, 0xc9, quint32(size));
    }
    m_data.append(char(type));
    m_data.append(data);
}

bool MsgpackWriter::writeJsonTree(QByteArrayView json, const QList<QByteArray> &binaries,
                                  QString *error)
{
    const JsonNode root = JsonTreeParser(json).parse();
    TreeWriter writer{this, binaries, {}};
    if (!writer.write(root)) {
        *error = writer.error;
        return false;
    }
    return true;
}

// JSON text to MessagePack in one pass, validating it on the way (JsonScanner's rules), without
// a tree. It writes through a plain pointer into m_data, which is kept larger than what is
// written and cut to it at the end (and before anything else appends to it: the tree, for a
// special object).
struct MsgpackWriter::Transcoder
{
    MsgpackWriter *writer;
    QByteArrayView text;
    const QList<QByteArray> &binaries;
    char *base = nullptr; // m_data's bytes
    char *out = nullptr;  // where the next byte goes
    char *limit = nullptr;
    qsizetype treeBytes = 0;

    struct Frame
    {
        qsizetype header;    // offset in m_data of the one header byte written for now
        qsizetype textStart; // offset in the text of '[' or '{'
        quint32 count;
        bool object;
    };
    using Stack = QVarLengthArray<Frame, 32>;

    // Writing starts at offset `at` of m_data.
    void start(qsizetype at, qsizetype expected)
    {
        QByteArray &data = writer->m_data;
        data.resize(at + expected);
        base = data.data();
        out = base + at;
        limit = base + data.size();
    }
    qsizetype length() const { return out - base; }
    // m_data as long as what is written, for MsgpackWriter's own methods to append to.
    QByteArray &sync()
    {
        writer->m_data.truncate(length());
        return writer->m_data;
    }
    void resume()
    {
        const qsizetype at = writer->m_data.size();
        start(at, std::max<qsizetype>(at, 64));
    }

    // Room for `n` more bytes at out.
    void room(qsizetype n)
    {
        if (limit - out < n)
            grow(n);
    }
    Q_NEVER_INLINE void grow(qsizetype n)
    {
        const qsizetype at = length();
        QByteArray &data = writer->m_data;
        data.resize(std::max(at + n, 2 * data.size()));
        base = data.data();
        out = base + at;
        limit = base + data.size();
    }
    void putByte(uchar c) { *out++ = char(c); }

    static int stringHeaderSize(qsizetype n)
    {
        return n <= 31 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : 5;
    }

    static bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
    qsizetype skipSpace(qsizetype pos) const
    {
        const char *d = text.data();
        while (pos < text.size() && isSpace(d[pos]))
            ++pos;
        return pos;
    }

    // The string whose opening quote is at `pos`, unescaped, as a str; returns the offset after
    // its closing quote, or -1 when it is not a JSON string (as JsonScanner reads them: UTF-8,
    // no control characters, only JSON's escapes, a lone \u surrogate allowed). *written is the
    // offset in m_data of its bytes, *size their count.
    qsizetype string(qsizetype pos, qsizetype *written, qsizetype *size)
    {
        const char *const begin = text.data() + pos + 1;
        const char *const end = text.data() + text.size();
        const char *p = begin;
        bool escapes = false;
        for (;;) {
            p += JsonScanner::plainStringBytes(p, end);
            if (p == end)
                return -1;
            const auto c = uchar(*p);
            if (c == '"')
                break;
            if (c == '\\') {
                escapes = true;
                const JsonEscape escape = JsonEscape::read(text, p - text.data());
                if (escape.kind != JsonEscape::Kind::CodePoint &&
                    escape.kind != JsonEscape::Kind::LoneSurrogate)
                    return -1;
                p += escape.length;
            } else if (c < 0x20) {
                return -1;
            } else {
                const int n = Utf8::sequenceLength(reinterpret_cast<const uchar *>(p),
                                                   reinterpret_cast<const uchar *>(end));
                if (n == 0)
                    return -1;
                p += n;
            }
        }
        const qsizetype raw = p - begin;
        const qsizetype next = p + 1 - text.data();
        const int header = stringHeaderSize(raw);
        room(header + raw + 16);
        if (!escapes) {
            char *q = putStringHeader(out, quint32(raw));
#ifdef __SSE2__
            // Short strings (most keys and values) in 16-byte steps: the room has been made,
            // and the source has 16 bytes from each step on (the closing quote and what
            // follows it, at least `raw` rounded up).
            if (raw <= 32 && end - begin >= 32) {
                _mm_storeu_si128(reinterpret_cast<__m128i *>(q),
                                 _mm_loadu_si128(reinterpret_cast<const __m128i *>(begin)));
                if (raw > 16)
                    _mm_storeu_si128(
                        reinterpret_cast<__m128i *>(q + 16),
                        _mm_loadu_si128(reinterpret_cast<const __m128i *>(begin + 16)));
            } else
#endif
            {
                std::memcpy(q, begin, size_t(raw));
            }
            *written = q - base;
            *size = raw;
            out = q + raw;
            return next;
        }
        // Unescaped, the text gets shorter: written after a header for its raw length, then
        // moved down if its real length takes a shorter header.
        char *q = out + header;
        qsizetype at = pos + 1;
        const qsizetype close = next - 1;
        while (at < close) {
            const char *run = text.data() + at;
            const char *slash =
                static_cast<const char *>(std::memchr(run, '\\', size_t(close - at)));
            const qsizetype plain = slash ? slash - run : close - at;
            std::memcpy(q, run, size_t(plain));
            q += plain;
            at += plain;
            if (at >= close)
                break;
            const JsonEscape escape = JsonEscape::read(text, at);
            // A lone surrogate cannot be UTF-8: it is written as U+FFFD, as a JavaScript
            // encoder does.
            q = Utf8::put(q, escape.kind == JsonEscape::Kind::CodePoint ? escape.value
                                                                        : char32_t(0xFFFD));
            at += escape.length;
        }
        const qsizetype unescaped = q - (out + header);
        const int real = stringHeaderSize(unescaped);
        if (real != header)
            std::memmove(out + real, out + header, size_t(unescaped));
        putStringHeader(out, quint32(unescaped));
        *written = out + real - base;
        *size = unescaped;
        out += real + unescaped;
        return next;
    }

    // The number at `pos`; returns the offset after it, or -1 when it is not a JSON number or
    // out of range (the tree reports that).
    qsizetype number(qsizetype pos)
    {
        const char *const d = text.data();
        const qsizetype size = text.size();
        const auto digit = [&](qsizetype at) { return at < size && d[at] >= '0' && d[at] <= '9'; };
        const bool negative = d[pos] == '-';
        qsizetype end = pos + negative;
        if (!digit(end))
            return -1;
        quint64 value = 0;
        if (d[end] == '0') {
            if (digit(++end))
                return -1; // a leading zero
        } else {
            while (digit(end))
                value = value * 10 + quint64(d[end++] - '0'); // wraps beyond 19 digits: unused
        }
        const qsizetype digits = end - pos - negative;
        bool integral = true;
        int fractionDigits = 0;
        if (end < size && d[end] == '.') {
            integral = false;
            if (!digit(++end))
                return -1;
            while (digit(end)) {
                value = value * 10 + quint64(d[end++] - '0');
                ++fractionDigits;
            }
        }
        int exponent = 0;
        int exponentDigits = 0;
        if (end < size && (d[end] == 'e' || d[end] == 'E')) {
            integral = false;
            ++end;
            const bool negativeExponent = end < size && d[end] == '-';
            if (end < size && (d[end] == '+' || d[end] == '-'))
                ++end;
            if (!digit(end))
                return -1;
            while (digit(end)) {
                if (++exponentDigits <= 4)
                    exponent = exponent * 10 + (d[end] - '0');
                ++end;
            }
            if (negativeExponent)
                exponent = -exponent;
        }
        room(9);
        if (integral && digits <= 18) { // at most 18 digits: within qint64, whatever they are
            out = putInteger(out, negative ? -qint64(value) : qint64(value));
            return end;
        }
        if (!integral) {
            double real = 0;
            bool exact = false;
            // Clinger's fast path: at most 15 digits are exact in a double, and so is 10^k up to
            // 10^22; one multiplication or division of the two is correctly rounded. Otherwise
            // std::from_chars, correctly rounded as well.
            const int scale = exponent - fractionDigits;
            if (digits + fractionDigits <= 15 && exponentDigits <= 4 && value != 0 &&
                scale >= -22 && scale <= 22) {
                static constexpr double Powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
                real = scale < 0 ? double(value) / Powers[-scale] : double(value) * Powers[scale];
                if (negative)
                    real = -real;
                exact = true;
            } else {
                const auto result = std::from_chars(d + pos, d + end, real);
                exact = result.ec == std::errc() && result.ptr == d + end;
            }
            // A normal double is the same from any correctly rounded reader; zero, subnormals
            // and what overflows go by the rules below (Qt's toDouble).
            if (exact && std::isnormal(real)) {
                quint64 bits;
                std::memcpy(&bits, &real, 8);
                putByte(0xcb);
                out = putBig(out, bits, 8);
                return end;
            }
        }
        // TreeWriter::number's rules, for what is left.
        const QByteArrayView span = text.sliced(pos, end - pos);
        bool ok = false;
        sync();
        if (integral) {
            if (const qint64 big = span.toLongLong(&ok); ok) {
                writer->writeInteger(big);
            } else if (const quint64 bigger = span.toULongLong(&ok); ok) {
                writer->writeUnsigned(bigger);
            }
        }
        if (!ok) {
            const double real = span.toDouble(&ok);
            if (ok)
                writer->writeDouble(real);
        }
        resume();
        return ok ? end : -1;
    }

    // {"_placeholder":true,"num":N} exactly as socket.io writes it, N a binary that exists:
    // that binary. Returns the offset after the object, or -1 when the text is anything else.
    qsizetype placeholder(qsizetype pos)
    {
        static constexpr char Head[] = R"({"_placeholder":true,"num":)";
        constexpr qsizetype HeadSize = sizeof Head - 1;
        if (text.size() - pos < HeadSize + 2 || std::memcmp(text.data() + pos, Head, HeadSize))
            return -1;
        qsizetype at = pos + HeadSize;
        qint64 index = 0;
        const qsizetype digits = at;
        while (at < text.size() && at - digits < 10 && text[at] >= '0' && text[at] <= '9')
            index = index * 10 + (text[at++] - '0');
        if (at == digits || at - digits >= 10 || (text[digits] == '0' && at - digits > 1) ||
            at >= text.size() || text[at] != '}' || index >= binaries.size())
            return -1;
        const QByteArray &bytes = binaries.at(index);
        if (index < 64)
            writer->m_jsonStats.placedBinaries |= quint64(1) << index;
        const qsizetype n = bytes.size();
        room(5 + n);
        out = putBinaryHeader(out, quint32(n));
        if (n > 0)
            std::memcpy(out, bytes.constData(), size_t(n));
        out += n;
        return at + 1;
    }

    // The object whose '{' is at `start` through the tree (it has a "_placeholder" or
    // "_msgpack" key), written from m_data offset `at` on. Returns the offset after it, or -1.
    qsizetype treeObject(qsizetype start, qsizetype at)
    {
        out = base + at;
        sync();
        writer->m_jsonStats.specialObjects = true;
        JsonTreeParser parser(text, start);
        const JsonNode node = parser.parse();
        TreeWriter tree{writer, binaries, {}};
        const bool ok = tree.write(node);
        resume();
        treeBytes += parser.position() - start;
        return ok ? parser.position() : -1;
    }

    // Closes the innermost container: its count goes into its header, widened when it does not
    // fit the one byte written for it.
    void close(const Frame &frame)
    {
        const quint32 n = frame.count;
        if (n <= 15) {
            base[frame.header] = char((frame.object ? 0x80 : 0x90) | n);
            return;
        }
        const int extra = n <= 0xffff ? 2 : 4;
        room(extra);
        char *h = base + frame.header;
        std::memmove(h + 1 + extra, h + 1, size_t(out - h - 1));
        out += extra;
        *h++ = char(extra == 2 ? (frame.object ? 0xde : 0xdc) : (frame.object ? 0xdf : 0xdd));
        for (int i = extra - 1; i >= 0; --i)
            *h++ = char(n >> (8 * i));
    }

    enum class Next { Value, Key, End, Failed };

    // After a value, at *pos: the next item of its container, or the end of containers and of
    // the text; Failed when the text is not JSON there.
    Next afterValue(Stack &stack, qsizetype *pos)
    {
        const char *const d = text.data();
        const qsizetype size = text.size();
        qsizetype at = *pos;
        for (;;) {
            while (at < size && isSpace(d[at]))
                ++at;
            if (stack.isEmpty()) {
                *pos = at;
                return at == size ? Next::End : Next::Failed;
            }
            if (at >= size)
                return Next::Failed;
            Frame &top = stack.last();
            ++top.count;
            const char c = d[at];
            if (c == ',') {
                ++at;
                while (at < size && isSpace(d[at]))
                    ++at;
                *pos = at;
                return top.object ? Next::Key : Next::Value;
            }
            if (c != (top.object ? '}' : ']'))
                return Next::Failed;
            ++at;
            close(top);
            stack.removeLast();
        }
    }

    // Opens a container at *pos; returns what comes next.
    Next open(Stack &stack, qsizetype *pos, bool object)
    {
        room(1);
        stack.append({length(), *pos, 0, object});
        putByte(object ? 0x80 : 0x90);
        *pos = skipSpace(*pos + 1);
        if (*pos < text.size() && text[*pos] == (object ? '}' : ']')) {
            stack.removeLast();
            ++*pos;
            return afterValue(stack, pos);
        }
        return object ? Next::Key : Next::Value;
    }

    bool literal(qsizetype pos, const char *word, qsizetype size) const
    {
        return text.size() - pos >= size && std::memcmp(text.data() + pos, word, size_t(size)) == 0;
    }

    enum class Status { Written, Tree, Unsure };

    // Writes the text. Unless `scanned` (JsonScanner has accepted the text), it is validated on
    // the way, and Unsure says that the scanner must decide: the text is not JSON, or nests as
    // deep as the scanner's limit, or has a special object (which only the tree writes, and the
    // tree reads validated text only). Tree: the tree must write the whole text (an error, or
    // too many special objects).
    Status run(bool scanned)
    {
        const Status failed = scanned ? Status::Tree : Status::Unsure;
        Stack stack;
        const char *const d = text.data();
        const qsizetype size = text.size();
        qsizetype pos = skipSpace(0);
        // The tree again for every special object would cost a pass per nesting level: beyond
        // a few passes' worth, the whole text goes through the tree once.
        const qsizetype treeBudget = 4 * size + 4096;
        Next next = Next::Value;
        for (;;) {
            if (next == Next::End)
                return Status::Written;
            if (next == Next::Failed || pos >= size)
                return failed;
            if (next == Next::Key) {
                if (d[pos] != '"')
                    return failed;
                qsizetype at, keySize;
                pos = string(pos, &at, &keySize);
                if (pos < 0)
                    return failed;
                const char *k = base + at;
                if ((keySize == 12 && std::memcmp(k, "_placeholder", 12) == 0) ||
                    (keySize == 8 && std::memcmp(k, "_msgpack", 8) == 0)) {
                    if (!scanned)
                        return Status::Unsure;
                    const Frame frame = stack.last();
                    stack.removeLast();
                    pos = treeObject(frame.textStart, frame.header);
                    if (pos < 0 || treeBytes > treeBudget)
                        return Status::Tree;
                    next = afterValue(stack, &pos);
                    continue;
                }
                pos = skipSpace(pos);
                if (pos >= size || d[pos] != ':')
                    return failed;
                pos = skipSpace(pos + 1);
                next = Next::Value;
                continue;
            }
            const char c = d[pos];
            if (c == '"') {
                qsizetype at, stringSize;
                pos = string(pos, &at, &stringSize);
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                pos = number(pos);
            } else if (c == '{' || c == '[') {
                if (!scanned && stack.size() >= JsonScanner::DefaultMaxDepth)
                    return Status::Unsure;
                if (c == '{') {
                    if (const qsizetype after = placeholder(pos); after >= 0) {
                        pos = after;
                        next = afterValue(stack, &pos);
                        continue;
                    }
                }
                next = open(stack, &pos, c == '{');
                continue;
            } else if (c == 't' || c == 'f' || c == 'n') {
                const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
                const qsizetype wordSize = c == 'f' ? 5 : 4;
                if (!literal(pos, word, wordSize))
                    return failed;
                room(1);
                putByte(c == 't' ? 0xc3 : c == 'f' ? 0xc2 : 0xc0);
                pos += wordSize;
            } else {
                return failed;
            }
            if (pos < 0)
                return failed;
            next = afterValue(stack, &pos);
        }
    }
};

bool MsgpackWriter::writeJson(QByteArrayView json, const QList<QByteArray> &binaries,
                              QString *error)
{
    // Nearly every payload is plain JSON: written as it is validated, in one pass. When the
    // transcoder is unsure, JsonScanner decides (and names what is wrong), then the transcoder
    // writes the text it accepted.
    const qsizetype start = m_data.size();
    m_jsonStats = JsonStats();
    Transcoder transcoder{this, json, binaries};
    transcoder.start(start, json.size() + 32);
    auto status = transcoder.run(false);
    if (status == Transcoder::Status::Unsure) {
        JsonScanner::Options options;
        options.checkPlaceholders = false;
        const JsonScanner::Result scanned = JsonScanner::scan(json, options);
        if (scanned.kind == JsonScanner::Kind::Invalid) {
            m_data.truncate(start);
            *error = scanned.error;
            return false;
        }
        transcoder.start(start, json.size() + 32);
        status = transcoder.run(true);
    }
    if (status == Transcoder::Status::Written) {
        transcoder.sync();
        return true;
    }
    // An error, or too many special objects: the tree over the whole text, which writes what
    // it always wrote and fails where it always failed.
    m_data.truncate(start);
    m_jsonStats.specialObjects = true;
    return writeJsonTree(json, binaries, error);
}
