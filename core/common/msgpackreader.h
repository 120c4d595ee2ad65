// A strict, bounded MessagePack reader, for an inspector: every length is checked against the
// bytes that are left before anything is allocated, nesting is bounded, and every violation is
// named with its byte offset ("str of 4294967295 bytes announced at offset 3, but 7 bytes are
// left"). Values are read one at a time (a pull reader), or rendered whole as JSON in SioScope's
// one documented form for MessagePack (docs/log-format.md, "MessagePack values"):
//
//   nil, true, false, strings, arrays  as in JSON
//   maps with string keys               objects, keys in their wire order
//   integers within +-(2^53 - 1)       numbers; beyond: {"_msgpack":"int","value":"<decimal>"}
//   finite floats                       numbers (the shortest form that reads back the same)
//   NaN, +-infinity                     {"_msgpack":"float","value":"NaN"|"Infinity"|"-Infinity"}
//   bin                                 {"_placeholder":true,"num":N}, its bytes the N-th binary
//   timestamp (ext -1)                  {"_msgpack":"timestamp","seconds":S,"nanoseconds":N}
//   other ext                           {"_msgpack":"ext","type":T,"base64":"..."}
//   a map with a key that is no string  {"_msgpack":"map","entries":[[key,value],...]}
//
// A bin as a placeholder makes a MessagePack packet look like a text packet with attachments, so
// that every view, the ack panel and the exporters work on it unchanged.
//
// Why not msgpack-c (Debian's libmsgpack-cxx): its unpacker bounds sizes and depth, but a parse
// error says neither what broke nor where, and it builds a tree of its own that would then be
// converted again. An inspector must name the rule and the offset, and keep the bytes.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <array>

struct MsgpackLimits
{
    int maxDepth = 1000;
    qint64 maxStringBytes = 100 * 1024 * 1024;
    qint64 maxBinaryBytes = 100 * 1024 * 1024;
    qint64 maxContainerItems = 10 * 1000 * 1000; // items of an array, entries of a map
};

class MsgpackReader
{
public:
    enum class Type { Nil, Boolean, Integer, Float, String, Binary, Array, Map, Extension };

    explicit MsgpackReader(QByteArrayView bytes, const MsgpackLimits &limits = {});

    qsizetype offset() const { return m_pos; }
    bool atEnd() const { return m_pos >= m_bytes.size(); }
    bool hasError() const { return m_errorOffset >= 0; }
    // "<what broke> at offset N"; the offset alone, and the rule without it.
    QString errorString() const;
    qsizetype errorOffset() const { return m_errorOffset; }
    QString errorReason() const { return m_error; }

    // The type of the next value, without reading it. Fails at the end of the bytes and on 0xc1,
    // the one byte no value starts with.
    bool peekType(Type *type)
    {
        if (!hasError() && !atEnd()) {
            const quint8 marked = MarkerTypes[uchar(m_bytes[m_pos])];
            if (marked != NoType) {
                *type = Type(marked);
                return true;
            }
        }
        *type = Type::Nil;
        return peekFailed();
    }
    static QString typeName(Type type); // "nil", "boolean", "integer", ... "map", "ext"

    bool readMapHeader(quint32 *count);
    bool readArrayHeader(quint32 *count);
    // A str, as a view into the bytes; it must be UTF-8.
    bool readString(QByteArrayView *utf8);
    // An integer of any width whose value fits in qint64.
    bool readInteger(qint64 *value);
    // The next value rendered as JSON (the form above), appended to *json; each bin's bytes are
    // appended to *binaries and numbered from the size *binaries had.
    bool readJson(QByteArray *json, QList<QByteArray> *binaries);
    // Whether a map read by readJson() had a "_placeholder" key: its JSON then looks like (or
    // is) the placeholder of a bin, so a caller that takes every placeholder for a bin of its
    // own must check the JSON itself.
    bool renderedPlaceholderKey() const { return m_renderedPlaceholderKey; }

private:
    // The type that each first byte starts (NoType: 0xc1), looked up: the reader asks for it
    // before every value.
    static constexpr quint8 NoType = 0xff;
    static constexpr std::array<quint8, 256> markerTypes()
    {
        std::array<quint8, 256> types{};
        for (int m = 0; m < 256; ++m) {
            Type type = Type::Nil;
            if (m <= 0x7f || m >= 0xe0 || (m >= 0xcc && m <= 0xd3))
                type = Type::Integer;
            else if (m <= 0x8f || m == 0xde || m == 0xdf)
                type = Type::Map;
            else if (m <= 0x9f || m == 0xdc || m == 0xdd)
                type = Type::Array;
            else if (m <= 0xbf || (m >= 0xd9 && m <= 0xdb))
                type = Type::String;
            else if (m == 0xc0)
                type = Type::Nil;
            else if (m == 0xc2 || m == 0xc3)
                type = Type::Boolean;
            else if (m >= 0xc4 && m <= 0xc6)
                type = Type::Binary;
            else if (m == 0xca || m == 0xcb)
                type = Type::Float;
            else if ((m >= 0xc7 && m <= 0xc9) || (m >= 0xd4 && m <= 0xd8))
                type = Type::Extension;
            else {
                types[m] = NoType;
                continue;
            }
            types[m] = quint8(type);
        }
        return types;
    }
    static const std::array<quint8, 256> MarkerTypes;
    // peekType() at the end, after an error, or at 0xc1: names what is wrong.
    bool peekFailed();

    bool fail(qsizetype at, const QString &what);
    // The next `n` bytes of the value starting at `start`, or a failure naming `what`.
    bool take(qsizetype n, qsizetype start, const char *what, const char **bytes);
    bool readLength(uchar marker, qsizetype start, int width, const char *what, quint32 *length);
    // The JSON text is written through a plain pointer into the caller's QByteArray (one
    // QByteArray::append per piece would cost more than the piece).
    struct JsonOut;
    bool readJsonValue(JsonOut &json, QList<QByteArray> *binaries, int depth);
    bool readJsonString(JsonOut &json);
    bool readJsonMap(JsonOut &json, QList<QByteArray> *binaries, int depth, quint32 count);
    bool readJsonExtension(JsonOut &json, qint8 type, QByteArrayView data, qsizetype start);

    QByteArrayView m_bytes;
    MsgpackLimits m_limits;
    qsizetype m_pos = 0;
    qsizetype m_errorOffset = -1;
    QString m_error;
    bool m_renderedPlaceholderKey = false;
};

inline constexpr std::array<quint8, 256> MsgpackReader::MarkerTypes = MsgpackReader::markerTypes();
