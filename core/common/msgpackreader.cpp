#include "common/msgpackreader.h"

#include "common/base64.h"
#include "common/jsonwriter.h"
#include "common/utf8.h"

#include <algorithm>
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

bool MsgpackReader::peekFailed()
{
    if (hasError())
        return false;
    if (atEnd())
        return fail(m_pos, QStringLiteral("truncated: a value is missing"));
    return fail(m_pos, QStringLiteral("byte 0xc1 starts no MessagePack value"));
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

// The rendered JSON goes to the end of a QByteArray that is kept larger than what is written
// (`out`) and cut to it when the rendering ends, as it ends.
struct MsgpackReader::JsonOut
{
    QByteArray *json;
    char *base = nullptr;
    char *out = nullptr;
    char *limit = nullptr;

    explicit JsonOut(QByteArray *target, qsizetype expected)
        : json(target)
    {
        const qsizetype at = json->size();
        json->resize(at + std::max<qsizetype>(expected, 64));
        base = json->data();
        out = base + at;
        limit = base + json->size();
    }
    ~JsonOut() { json->truncate(out - base); }
    JsonOut(const JsonOut &) = delete;
    JsonOut &operator=(const JsonOut &) = delete;

    qsizetype length() const { return out - base; }
    void room(qsizetype n)
    {
        if (limit - out < n)
            grow(n);
    }
    Q_NEVER_INLINE void grow(qsizetype n)
    {
        const qsizetype at = out - base;
        json->resize(std::max(at + n, 2 * json->size()));
        base = json->data();
        out = base + at;
        limit = base + json->size();
    }
    void truncate(qsizetype at) { out = base + at; }

    void put(char c)
    {
        room(1);
        *out++ = c;
    }
    template<qsizetype N> void put(const char (&text)[N])
    {
        room(N - 1);
        out = JsonWriter::put(out, text);
    }
    void put(QByteArrayView text)
    {
        room(text.size());
        out = JsonWriter::put(out, text.data(), text.size());
    }
    template<typename T> void putNumber(T value)
    {
        room(32);
        out = std::to_chars(out, out + 32, value).ptr;
    }
    // {"_msgpack":"<tag>","value":"<value>"}
    void putTagged(const char *tag, QByteArrayView value)
    {
        put(R"({"_msgpack":")");
        put(QByteArrayView(tag));
        put(R"(","value":")");
        put(value);
        put(R"("})");
    }
    template<typename T> void putTaggedNumber(T value)
    {
        char digits[32];
        const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
        putTagged("int", QByteArrayView(digits, end - digits));
    }
};

bool MsgpackReader::readJson(QByteArray *json, QList<QByteArray> *binaries)
{
    // The JSON of MessagePack is about as long; room is made as it grows beyond.
    JsonOut out(json, std::min<qsizetype>(2 * (m_bytes.size() - m_pos), 64 * 1024) + 16);
    return readJsonValue(out, binaries, 0);
}

// A str rendered as a JSON string: checked as UTF-8 and escaped in one pass. A str that is not
// UTF-8 goes through readString() again, which names the culprit as it always did.
bool MsgpackReader::readJsonString(JsonOut &json)
{
    const qsizetype start = m_pos;
    const uchar m = uchar(m_bytes[m_pos]);
    quint32 length;
    if (m <= 0xbf) {
        length = m & 0x1f;
        ++m_pos;
    } else {
        ++m_pos;
        if (!readLength(m, start, 1 << (m - 0xd9), "str length", &length))
            return false;
    }
    if (length > m_limits.maxStringBytes || length > m_bytes.size() - m_pos) {
        m_pos = start;
        QByteArrayView ignored;
        return readString(&ignored);
    }
    const char *p = m_bytes.data() + m_pos;
    const char *const end = p + length;
    // A long string is measured first; a short one gets room as long as it is, and more at its
    // first escape (at most 6 bytes, \u00XX, for each byte left).
    const bool measured = length > 4096;
    const qsizetype escaped =
        measured ? JsonWriter::escapedLength(QByteArrayView(p, length)) : qsizetype(length);
    if (escaped < 0) { // not UTF-8
        m_pos = start;
        QByteArrayView ignored;
        return readString(&ignored);
    }
    json.room(escaped + 2);
    char *o = json.out;
    bool escapedRoom = measured;
    *o++ = '"';
    while (p < end) {
        const qsizetype plain = JsonScanner::plainStringBytes(p, end);
        std::memcpy(o, p, size_t(plain));
        o += plain;
        p += plain;
        if (p == end)
            break;
        const auto c = uchar(*p);
        if (c < 0x80) {
            if (!escapedRoom) {
                json.out = o;
                json.room(6 * (end - p) + 1);
                o = json.out;
                escapedRoom = true;
            }
            o = JsonWriter::putAsciiEscape(o, c);
            ++p;
            continue;
        }
        const int n = Utf8::sequenceLength(reinterpret_cast<const uchar *>(p),
                                           reinterpret_cast<const uchar *>(end));
        if (n == 0) {
            m_pos = start;
            QByteArrayView ignored;
            return readString(&ignored);
        }
        std::memcpy(o, p, size_t(n));
        o += n;
        p += n;
    }
    *o++ = '"';
    json.out = o;
    m_pos += length;
    return true;
}

bool MsgpackReader::readJsonValue(JsonOut &json, QList<QByteArray> *binaries, int depth)
{
    Type type;
    if (!peekType(&type))
        return false;
    const qsizetype start = m_pos;
    const uchar m = uchar(m_bytes[m_pos]);
    switch (type) {
    case Type::Nil:
        ++m_pos;
        json.put("null");
        return true;
    case Type::Boolean:
        ++m_pos;
        if (m == 0xc3)
            json.put("true");
        else
            json.put("false");
        return true;
    case Type::Integer: {
        if (m <= 0x7f) { // positive fixint, the most common integer of all
            ++m_pos;
            json.putNumber(int(m));
            return true;
        }
        if (m == 0xcf) { // the one width whose values may not fit in qint64
            const char *p;
            ++m_pos;
            if (!take(8, start, "uint", &p))
                return false;
            const quint64 u = bigEndian<quint64>(p);
            if (u > quint64(MaxSafeInteger))
                json.putTaggedNumber(u);
            else
                json.putNumber(u);
            return true;
        }
        qint64 value;
        if (!readInteger(&value))
            return false;
        if (value > MaxSafeInteger || value < -MaxSafeInteger)
            json.putTaggedNumber(value);
        else
            json.putNumber(value);
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
                json.putNumber(f);
            else
                json.putTagged("float", std::isnan(f) ? "NaN" : (f > 0 ? "Infinity" : "-Infinity"));
        } else {
            if (!take(8, start, "float64", &p))
                return false;
            const quint64 bits = bigEndian<quint64>(p);
            double d;
            std::memcpy(&d, &bits, 8);
            if (std::isfinite(d))
                json.putNumber(d);
            else
                json.putTagged("float", std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"));
        }
        return true;
    }
    case Type::String:
        return readJsonString(json);
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
        json.put(R"({"_placeholder":true,"num":)");
        json.putNumber(binaries->size());
        json.put('}');
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
        json.put('[');
        for (quint32 i = 0; i < count; ++i) {
            if (i > 0)
                json.put(',');
            if (!readJsonValue(json, binaries, depth + 1))
                return false;
        }
        json.put(']');
        return true;
    }
    case Type::Map: {
        if (depth >= m_limits.maxDepth)
            return fail(start,
                        QStringLiteral("nesting deeper than %1 levels").arg(m_limits.maxDepth));
        quint32 count;
        if (!readMapHeader(&count))
            return false;
        return readJsonMap(json, binaries, depth, count);
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

bool MsgpackReader::readJsonMap(JsonOut &json, QList<QByteArray> *binaries, int depth,
                                quint32 count)
{
    // Rendered as an object while the keys are strings. At the first key that is not, the map
    // is rendered again from its first entry as a list of entries.
    const qsizetype entriesStart = m_pos;
    const qsizetype jsonStart = json.length();
    const qsizetype binariesStart = binaries->size();
    json.put('{');
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
            json.put(',');
        const qsizetype keyStart = json.length();
        if (!readJsonString(json))
            return false;
        static constexpr char PlaceholderKey[] = R"("_placeholder")";
        if (json.length() - keyStart == qsizetype(sizeof PlaceholderKey - 1) &&
            std::memcmp(json.base + keyStart, PlaceholderKey, sizeof PlaceholderKey - 1) == 0)
            m_renderedPlaceholderKey = true;
        json.put(':');
        if (!readJsonValue(json, binaries, depth + 1))
            return false;
    }
    if (stringKeys) {
        json.put('}');
        return true;
    }
    json.truncate(jsonStart);
    binaries->resize(binariesStart);
    m_pos = entriesStart;
    json.put(R"({"_msgpack":"map","entries":[)");
    for (quint32 i = 0; i < count; ++i) {
        if (i > 0)
            json.put(",[");
        else
            json.put('[');
        if (!readJsonValue(json, binaries, depth + 1))
            return false;
        json.put(',');
        if (!readJsonValue(json, binaries, depth + 1))
            return false;
        json.put(']');
    }
    json.put("]}");
    return true;
}

bool MsgpackReader::readJsonExtension(JsonOut &json, qint8 type, QByteArrayView data,
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
        json.put(R"({"_msgpack":"timestamp","seconds":)");
        json.putNumber(seconds);
        json.put(R"(,"nanoseconds":)");
        json.putNumber(nanoseconds);
        json.put('}');
        return true;
    }
    json.put(R"({"_msgpack":"ext","type":)");
    json.putNumber(int(type));
    json.put(R"(,"base64":")");
    const qsizetype size = Base64::encodedLength(data.size());
    json.room(size);
    Base64::encode(json.out, data);
    json.out += size;
    json.put(R"("})");
    return true;
}
