#include "common/msgpackwriter.h"

#include "common/base64.h"
#include "common/jsonescape.h"
#include "common/jsonscanner.h"
#include "common/utf8.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace {

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
    explicit JsonTreeParser(QByteArrayView text)
        : m_text(text)
    {
    }

    JsonNode parse()
    {
        JsonNode node;
        value(&node);
        return node;
    }

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

void MsgpackWriter::putBigEndian(quint64 value, int bytes)
{
    for (int i = bytes - 1; i >= 0; --i)
        m_data.append(char(value >> (8 * i)));
}

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
    if (value >= 0) {
        writeUnsigned(quint64(value));
    } else if (value >= -32) {
        m_data.append(char(value));
    } else if (value >= std::numeric_limits<qint8>::min()) {
        m_data.append(char(0xd0));
        putBigEndian(quint64(value), 1);
    } else if (value >= std::numeric_limits<qint16>::min()) {
        m_data.append(char(0xd1));
        putBigEndian(quint64(value), 2);
    } else if (value >= std::numeric_limits<qint32>::min()) {
        m_data.append(char(0xd2));
        putBigEndian(quint64(value), 4);
    } else {
        m_data.append(char(0xd3));
        putBigEndian(quint64(value), 8);
    }
}

void MsgpackWriter::writeUnsigned(quint64 value)
{
    if (value <= 0x7f) {
        m_data.append(char(value));
    } else if (value <= 0xff) {
        m_data.append(char(0xcc));
        putBigEndian(value, 1);
    } else if (value <= 0xffff) {
        m_data.append(char(0xcd));
        putBigEndian(value, 2);
    } else if (value <= 0xffffffffULL) {
        m_data.append(char(0xce));
        putBigEndian(value, 4);
    } else {
        m_data.append(char(0xcf));
        putBigEndian(value, 8);
    }
}

void MsgpackWriter::writeDouble(double value)
{
    // notepack.io writes every non-integer number as float64.
    quint64 bits;
    std::memcpy(&bits, &value, 8);
    m_data.append(char(0xcb));
    putBigEndian(bits, 8);
}

void MsgpackWriter::writeLength(uchar fix, uchar fixMax, uchar m8, uchar m16, uchar m32,
                                quint32 length)
{
    if (fix != 0 && length <= quint32(fixMax - fix)) {
        m_data.append(char(fix + length));
    } else if (m8 != 0 && length <= 0xff) {
        m_data.append(char(m8));
        putBigEndian(length, 1);
    } else if (length <= 0xffff) {
        m_data.append(char(m16));
        putBigEndian(length, 2);
    } else {
        m_data.append(char(m32));
        putBigEndian(length, 4);
    }
}

void MsgpackWriter::writeString(QByteArrayView utf8)
{
    writeLength(0xa0, 0xbf, 0xd9, 0xda, 0xdb, quint32(utf8.size()));
    m_data.append(utf8);
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

bool MsgpackWriter::writeJson(QByteArrayView json, const QList<QByteArray> &binaries,
                              QString *error)
{
    JsonScanner::Options options;
    options.checkPlaceholders = false;
    const JsonScanner::Result scanned = JsonScanner::scan(json, options);
    if (scanned.kind == JsonScanner::Kind::Invalid) {
        *error = scanned.error;
        return false;
    }
    const JsonNode root = JsonTreeParser(json).parse();
    TreeWriter writer{this, binaries, {}};
    if (!writer.write(root)) {
        *error = writer.error;
        return false;
    }
    return true;
}
