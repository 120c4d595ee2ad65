#include "common/msgpackreader.h"

#include "common/base64.h"
#include "common/jsonwriter.h"
#include "common/utf8.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace {

// The integers a JavaScript number holds exactly: beyond them a JSON number would mislead.
constexpr qint64 MaxSafeInteger = 9007199254740991; // 2^53 - 1

template<typename T> T bigEndian(const char *p)
{
    T value = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
        value = T((value << 8) | T(uchar(p[i])));
    return value;
}

void appendEscapedString(QByteArray *json, QByteArrayView utf8)
{
    const qsizetype length = JsonWriter::escapedLength(utf8); // checked UTF-8 by the caller
    const qsizetype at = json->size();
    json->resize(at + length + 2);
    char *p = json->data() + at;
    *p++ = '"';
    p = JsonWriter::putEscapedUtf8(p, utf8);
    *p = '"';
}

void appendDouble(QByteArray *json, double value)
{
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    json->append(buffer, result.ptr - buffer);
}

void appendFloat(QByteArray *json, float value)
{
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    json->append(buffer, result.ptr - buffer);
}

void appendTagged(QByteArray *json, const char *tag, const QByteArray &value)
{
    json->append(R"({"_msgpack":")");
    json->append(tag);
    json->append(R"(","value":")");
    json->append(value);
    json->append(R"("})");
}

} // namespace

MsgpackReader::MsgpackReader(QByteArrayView bytes, const MsgpackLimits &limits)
    : m_bytes(bytes)
    , m_limits(limits)
{
}

QString MsgpackReader::errorString() const
{
    if (!hasError())
        return {};
    return QStringLiteral("%1 at offset %2").arg(m_error).arg(m_errorOffset);
}

QString MsgpackReader::typeName(Type type)
{
    switch (type) {
    case Type::Nil:
        return QStringLiteral("nil");
    case Type::Boolean:
        return QStringLiteral("boolean");
    case Type::Integer:
        return QStringLiteral("integer");
    case Type::Float:
        return QStringLiteral("float");
    case Type::String:
        return QStringLiteral("str");
    case Type::Binary:
        return QStringLiteral("bin");
    case Type::Array:
        return QStringLiteral("array");
    case Type::Map:
        return QStringLiteral("map");
    case Type::Extension:
        return QStringLiteral("ext");
    }
    return {};
}

bool MsgpackReader::fail(qsizetype at, const QString &what)
{
    if (!hasError()) { // the first error is the one that counts
        m_errorOffset = at;
        m_error = what;
    }
    return false;
}

bool MsgpackReader::take(qsizetype n, qsizetype start, const char *what, const char **bytes)
{
    const qsizetype left = m_bytes.size() - m_pos;
    if (n > left) {
        return fail(start, QStringLiteral("truncated %1: %2 bytes needed, %3 left")
                               .arg(QLatin1StringView(what))
                               .arg(n)
                               .arg(left));
    }
    *bytes = m_bytes.data() + m_pos;
    m_pos += n;
    return true;
}

bool MsgpackReader::readLength(uchar marker, qsizetype start, int width, const char *what,
                               quint32 *length)
{
    Q_UNUSED(marker);
    const char *p;
    if (!take(width, start, what, &p))
        return false;
    *length = width == 1   ? quint32(uchar(p[0]))
              : width == 2 ? quint32(bigEndian<quint16>(p))
                           : bigEndian<quint32>(p);
    return true;
}

bool MsgpackReader::peekType(Type *type)
{
    if (hasError())
        return false;
    if (atEnd())
        return fail(m_pos, QStringLiteral("truncated: a value is missing"));
    const uchar m = uchar(m_bytes[m_pos]);
    if (m <= 0x7f || m >= 0xe0 || (m >= 0xcc && m <= 0xd3))
        *type = Type::Integer;
    else if (m <= 0x8f || m == 0xde || m == 0xdf)
        *type = Type::Map;
    else if (m <= 0x9f || m == 0xdc || m == 0xdd)
        *type = Type::Array;
    else if (m <= 0xbf || (m >= 0xd9 && m <= 0xdb))
        *type = Type::String;
    else if (m == 0xc0)
        *type = Type::Nil;
    else if (m == 0xc2 || m == 0xc3)
        *type = Type::Boolean;
    else if (m >= 0xc4 && m <= 0xc6)
        *type = Type::Binary;
    else if (m == 0xca || m == 0xcb)
        *type = Type::Float;
    else if ((m >= 0xc7 && m <= 0xc9) || (m >= 0xd4 && m <= 0xd8))
        *type = Type::Extension;
    else
        return fail(m_pos, QStringLiteral("byte 0xc1 starts no MessagePack value"));
    return true;
}

bool MsgpackReader::readMapHeader(quint32 *count)
{
    Type type;
    if (!peekType(&type))
        return false;
    const qsizetype start = m_pos;
    if (type != Type::Map)
        return fail(start, QStringLiteral("a map was expected, found %1").arg(typeName(type)));
    const uchar m = uchar(m_bytes[m_pos++]);
    if (m <= 0x8f)
        *count = m & 0x0f;
    else if (!readLength(m, start, m == 0xde ? 2 : 4, "map length", count))
        return false;
    // Each entry takes two bytes at least: a count beyond that is a lie, refused before anything
    // is reserved for it.
    if (*count > quint64(m_limits.maxContainerItems))
        return fail(start, QStringLiteral("map of %1 entries exceeds the limit of %2")
                               .arg(*count)
                               .arg(m_limits.maxContainerItems));
    if (qint64(*count) * 2 > m_bytes.size() - m_pos)
        return fail(start, QStringLiteral("map of %1 entries announced, but %2 bytes are left")
                               .arg(*count)
                               .arg(m_bytes.size() - m_pos));
    return true;
}

bool MsgpackReader::readArrayHeader(quint32 *count)
{
    Type type;
    if (!peekType(&type))
        return false;
    const qsizetype start = m_pos;
    if (type != Type::Array)
        return fail(start, QStringLiteral("an array was expected, found %1").arg(typeName(type)));
    const uchar m = uchar(m_bytes[m_pos++]);
    if (m <= 0x9f)
        *count = m & 0x0f;
    else if (!readLength(m, start, m == 0xdc ? 2 : 4, "array length", count))
        return false;
    if (*count > quint64(m_limits.maxContainerItems))
        return fail(start, QStringLiteral("array of %1 items exceeds the limit of %2")
                               .arg(*count)
                               .arg(m_limits.maxContainerItems));
    if (qint64(*count) > m_bytes.size() - m_pos)
        return fail(start, QStringLiteral("array of %1 items announced, but %2 bytes are left")
                               .arg(*count)
                               .arg(m_bytes.size() - m_pos));
    return true;
}

bool MsgpackReader::readString(QByteArrayView *utf8)
{
    Type type;
    if (!peekType(&type))
        return false;
    const qsizetype start = m_pos;
    if (type != Type::String)
        return fail(start, QStringLiteral("a str was expected, found %1").arg(typeName(type)));
    const uchar m = uchar(m_bytes[m_pos++]);
    quint32 length;
    if (m <= 0xbf)
        length = m & 0x1f;
    else if (!readLength(m, start, 1 << (m - 0xd9), "str length", &length))
        return false;
    if (length > m_limits.maxStringBytes)
        return fail(start, QStringLiteral("str of %1 bytes exceeds the limit of %2 bytes")
                               .arg(length)
                               .arg(m_limits.maxStringBytes));
    if (length > m_bytes.size() - m_pos)
        return fail(start, QStringLiteral("str of %1 bytes announced, but %2 bytes are left")
                               .arg(length)
                               .arg(m_bytes.size() - m_pos));
    const QByteArrayView text = m_bytes.sliced(m_pos, length);
    const qsizetype invalid = Utf8::firstInvalidOffset(text);
    if (invalid >= 0)
        return fail(m_pos + invalid, QStringLiteral("str is not UTF-8 (byte 0x%1)")
                                         .arg(uchar(text[invalid]), 2, 16, QLatin1Char('0')));
    m_pos += length;
    *utf8 = text;
    return true;
}

bool MsgpackReader::readInteger(qint64 *value)
{
    Type type;
    if (!peekType(&type))
        return false;
    const qsizetype start = m_pos;
    if (type != Type::Integer)
        return fail(start, QStringLiteral("an integer was expected, found %1").arg(typeName(type)));
    const uchar m = uchar(m_bytes[m_pos++]);
    if (m <= 0x7f) {
        *value = m;
        return true;
    }
    if (m >= 0xe0) {
        *value = qint8(m);
        return true;
    }
    static constexpr int widths[] = {1, 2, 4, 8};
    const int width = widths[(m - 0xcc) % 4];
    const char *p;
    if (!take(width, start, m <= 0xcf ? "uint" : "int", &p))
        return false;
    switch (m) {
    case 0xcc:
        *value = uchar(p[0]);
        break;
    case 0xcd:
        *value = bigEndian<quint16>(p);
        break;
    case 0xce:
        *value = bigEndian<quint32>(p);
        break;
    case 0xcf: {
        const quint64 u = bigEndian<quint64>(p);
        if (u > quint64(std::numeric_limits<qint64>::max()))
            return fail(start, QStringLiteral("uint64 %1 is out of range").arg(u));
        *value = qint64(u);
        break;
    }
    case 0xd0:
        *value = qint8(p[0]);
        break;
    case 0xd1:
        *value = qint16(bigEndian<quint16>(p));
        break;
    case 0xd2:
        *value = qint32(bigEndian<quint32>(p));
        break;
    default:
        *value = qint64(bigEndian<quint64>(p));
        break;
    }
    return true;
}

bool MsgpackReader::readJson(QByteArray *json, QList<QByteArray> *binaries)
{
    return readJsonValue(json, binaries, 0);
}

bool MsgpackReader::readJsonValue(QByteArray *json, QList<QByteArray> *binaries, int depth)
{
    Type type;
    if (!peekType(&type))
        return false;
    const qsizetype start = m_pos;
    const uchar m = uchar(m_bytes[m_pos]);
    switch (type) {
    case Type::Nil:
        ++m_pos;
        json->append("null");
        return true;
    case Type::Boolean:
        ++m_pos;
        json->append(m == 0xc3 ? "true" : "false");
        return true;
    case Type::Integer: {
        if (m == 0xcf) { // the one width whose values may not fit in qint64
            const char *p;
            ++m_pos;
            if (!take(8, start, "uint", &p))
                return false;
            const quint64 u = bigEndian<quint64>(p);
            if (u > quint64(MaxSafeInteger))
                appendTagged(json, "int", QByteArray::number(u));
            else
                json->append(QByteArray::number(u));
            return true;
        }
        qint64 value;
        if (!readInteger(&value))
            return false;
        if (value > MaxSafeInteger || value < -MaxSafeInteger)
            appendTagged(json, "int", QByteArray::number(value));
        else
            json->append(QByteArray::number(value));
        return true;
    }
    case Type::Float: {
        ++m_pos;
        const char *p;
        if (m == 0xca) {
            if (!take(4, start, "float32", &p))
                return false;
            const quint32 bits = bigEndian<quint32>(p);
            float f;
            std::memcpy(&f, &bits, 4);
            if (std::isfinite(f))
                appendFloat(json, f);
            else
                appendTagged(json, "float",
                             std::isnan(f) ? "NaN" : (f > 0 ? "Infinity" : "-Infinity"));
        } else {
            if (!take(8, start, "float64", &p))
                return false;
            const quint64 bits = bigEndian<quint64>(p);
            double d;
            std::memcpy(&d, &bits, 8);
            if (std::isfinite(d))
                appendDouble(json, d);
            else
                appendTagged(json, "float",
                             std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"));
        }
        return true;
    }
    case Type::String: {
        QByteArrayView text;
        if (!readString(&text))
            return false;
        appendEscapedString(json, text);
        return true;
    }
    case Type::Binary: {
        ++m_pos;
        quint32 length;
        if (!readLength(m, start, 1 << (m - 0xc4), "bin length", &length))
            return false;
        if (length > m_limits.maxBinaryBytes)
            return fail(start, QStringLiteral("bin of %1 bytes exceeds the limit of %2 bytes")
                                   .arg(length)
                                   .arg(m_limits.maxBinaryBytes));
        if (length > m_bytes.size() - m_pos)
            return fail(start, QStringLiteral("bin of %1 bytes announced, but %2 bytes are left")
                                   .arg(length)
                                   .arg(m_bytes.size() - m_pos));
        json->append(R"({"_placeholder":true,"num":)");
        json->append(QByteArray::number(binaries->size()));
        json->append('}');
        binaries->append(m_bytes.sliced(m_pos, length).toByteArray());
        m_pos += length;
        return true;
    }
    case Type::Array: {
        if (depth >= m_limits.maxDepth)
            return fail(start,
                        QStringLiteral("nesting deeper than %1 levels").arg(m_limits.maxDepth));
        quint32 count;
        if (!readArrayHeader(&count))
            return false;
        json->append('[');
        for (quint32 i = 0; i < count; ++i) {
            if (i > 0)
                json->append(',');
            if (!readJsonValue(json, binaries, depth + 1))
                return false;
        }
        json->append(']');
        return true;
    }
    case Type::Map: {
        if (depth >= m_limits.maxDepth)
            return fail(start,
                        QStringLiteral("nesting deeper than %1 levels").arg(m_limits.maxDepth));
        quint32 count;
        if (!readMapHeader(&count))
            return false;
        return readJsonMap(json, binaries, depth, count, start);
    }
    case Type::Extension: {
        ++m_pos;
        quint32 length;
        if (m >= 0xd4 && m <= 0xd8) {
            length = 1u << (m - 0xd4);
        } else if (!readLength(m, start, 1 << (m - 0xc7), "ext length", &length)) {
            return false;
        }
        if (length > m_limits.maxBinaryBytes)
            return fail(start, QStringLiteral("ext of %1 bytes exceeds the limit of %2 bytes")
                                   .arg(length)
                                   .arg(m_limits.maxBinaryBytes));
        const char *p;
        if (!take(1, start, "ext type", &p))
            return false;
        const qint8 extType = qint8(p[0]);
        if (length > m_bytes.size() - m_pos)
            return fail(start, QStringLiteral("ext of %1 bytes announced, but %2 bytes are left")
                                   .arg(length)
                                   .arg(m_bytes.size() - m_pos));
        const QByteArrayView data = m_bytes.sliced(m_pos, length);
        m_pos += length;
        return readJsonExtension(json, extType, data, start);
    }
    }
    return false;
}

bool MsgpackReader::readJsonMap(QByteArray *json, QList<QByteArray> *binaries, int depth,
                                quint32 count, qsizetype start)
{
    // Rendered as an object while the keys are strings. At the first key that is not, the map
    // is rendered again from its first entry as a list of entries.
    const qsizetype entriesStart = m_pos;
    const qsizetype jsonStart = json->size();
    const qsizetype binariesStart = binaries->size();
    json->append('{');
    bool stringKeys = true;
    for (quint32 i = 0; i < count && stringKeys; ++i) {
        Type keyType;
        if (!peekType(&keyType))
            return false;
        if (keyType != Type::String) {
            stringKeys = false;
            break;
        }
        if (i > 0)
            json->append(',');
        QByteArrayView key;
        if (!readString(&key))
            return false;
        appendEscapedString(json, key);
        json->append(':');
        if (!readJsonValue(json, binaries, depth + 1))
            return false;
    }
    if (stringKeys) {
        json->append('}');
        return true;
    }
    json->truncate(jsonStart);
    binaries->resize(binariesStart);
    m_pos = entriesStart;
    json->append(R"({"_msgpack":"map","entries":[)");
    for (quint32 i = 0; i < count; ++i) {
        json->append(i > 0 ? ",[" : "[");
        if (!readJsonValue(json, binaries, depth + 1))
            return false;
        json->append(',');
        if (!readJsonValue(json, binaries, depth + 1))
            return false;
        json->append(']');
    }
    json->append("]}");
    Q_UNUSED(start);
    return true;
}

bool MsgpackReader::readJsonExtension(QByteArray *json, qint8 type, QByteArrayView data,
                                      qsizetype start)
{
    if (type == -1) { // the timestamp extension
        qint64 seconds = 0;
        quint32 nanoseconds = 0;
        const char *p = data.data();
        if (data.size() == 4) {
            seconds = bigEndian<quint32>(p);
        } else if (data.size() == 8) {
            const quint64 both = bigEndian<quint64>(p);
            nanoseconds = quint32(both >> 34);
            seconds = qint64(both & 0x3ffffffffULL);
        } else if (data.size() == 12) {
            nanoseconds = bigEndian<quint32>(p);
            seconds = qint64(bigEndian<quint64>(p + 4));
        } else {
            return fail(
                start,
                QStringLiteral("timestamp of %1 bytes (4, 8 or 12 expected)").arg(data.size()));
        }
        if (nanoseconds > 999999999)
            return fail(start, QStringLiteral("timestamp with %1 nanoseconds").arg(nanoseconds));
        json->append(R"({"_msgpack":"timestamp","seconds":)");
        json->append(QByteArray::number(seconds));
        json->append(R"(,"nanoseconds":)");
        json->append(QByteArray::number(nanoseconds));
        json->append('}');
        return true;
    }
    json->append(R"({"_msgpack":"ext","type":)");
    json->append(QByteArray::number(type));
    json->append(R"(,"base64":")");
    const qsizetype at = json->size();
    json->resize(at + Base64::encodedLength(data.size()));
    Base64::encode(json->data() + at, data);
    json->append(R"("})");
    return true;
}
