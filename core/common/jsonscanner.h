// A single-pass JSON validator that builds no document. The codec validates every payload with
// it; building a QJsonDocument for each packet would cost far more than the packet itself, and
// the log keeps the wire text anyway.
#pragma once

#include <QByteArrayView>
#include <QList>
#include <QString>

#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

class JsonScanner
{
public:
    enum class Kind { Invalid, Object, Array, String, Number, True, False, Null };

    struct Result
    {
        Kind kind = Kind::Invalid;
        // Arrays: number of top-level items; objects: number of top-level members.
        int itemCount = 0;
        // Arrays whose first item is a string: that string, unescaped.
        QString firstString;
        bool firstItemIsString = false;
        // Arrays: the kind of the first item (Invalid when the array is empty). EVENT needs it:
        // the event name may be a string or a number.
        Kind firstItemKind = Kind::Invalid;
        // The "num" of every placeholder object ({"_placeholder":true,"num":N}, keys in any
        // order) found at any depth, in document (depth-first) order. A placeholder-like object
        // whose "num" is not a non-negative integer is an error.
        QList<int> placeholders;
        // When kind == Invalid: what is wrong and the byte offset where it was detected,
        // e.g. "unterminated string at offset 12",
        // "nesting deeper than 1000 levels at offset 1000".
        QString error;
        qsizetype errorOffset = -1;
        // The same without its position ("unterminated string"), for callers that report
        // positions their own way.
        QString reason;
        // When the scan failed on a key that its object already has (Options::rejectDuplicateKeys):
        // that key, unescaped; errorOffset is the opening quote of its second occurrence. Null
        // otherwise.
        QString duplicateKey;
    };

    static constexpr int DefaultMaxDepth = 1000;

    // The text a scan accepts.
    enum class Dialect {
        Rfc8259,
        // What QJsonDocument::fromJson (Qt 6) accepts as well: a UTF-8 byte order mark before the
        // value, control characters unescaped in strings, a backslash before any other ASCII
        // character standing for that character ("\c" is "c"), and a number without integer
        // digits (".5") or without fraction digits ("1."). For a second look at a document Qt has
        // read: such a scan gets through wherever Qt did.
        QJsonDocument,
    };

    struct Options
    {
        int maxDepth = DefaultMaxDepth;
        Dialect dialect = Dialect::Rfc8259;
        // Fails at the first key that its object already has, keys compared unescaped (as
        // UTF-16: "ch\u0061t" is "chat"; a lone surrogate stays itself). It costs a decoded copy
        // of every key; off, keys are only looked at for placeholders.
        bool rejectDuplicateKeys = false;
        // Collects Result::placeholders and fails on a malformed placeholder object. A document
        // that is not a Socket.IO payload turns it off: its "_placeholder" keys mean nothing.
        bool checkPlaceholders = true;
    };

    // Validates `text` as exactly one JSON value (RFC 8259; surrounding whitespace allowed).
    static Result scan(QByteArrayView text, int maxDepth = DefaultMaxDepth);
    static Result scan(QByteArrayView text, const Options &options);
    // Validates the JSON value at the start of `text` (whitespace before it allowed) and stops
    // right after it: what follows belongs to the caller (the rest of a JSON Lines record).
    // *end is the offset just after the value.
    static Result scanPrefix(QByteArrayView text, qsizetype *end, int maxDepth = DefaultMaxDepth);

    // How many bytes at p a JSON string carries as they are: up to the first control character,
    // '"', '\\' or non-ASCII byte (or end). Every string scanner and escaper of SioScope skips
    // with it; payloads are mostly such runs.
    static qsizetype plainStringBytes(const char *p, const char *end);
};

inline qsizetype JsonScanner::plainStringBytes(const char *p, const char *end)
{
    const char *const begin = p;
#ifdef __SSE2__
    // 16 bytes a step. Compared as signed bytes, non-ASCII ones are below 0x20 too.
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    for (; end - p >= 16; p += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        const __m128i special =
            _mm_or_si128(_mm_cmplt_epi8(v, space),
                         _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        if (const int mask = _mm_movemask_epi8(special))
            return p - begin + __builtin_ctz(unsigned(mask));
    }
#else
    // Eight bytes a step (hasless/haszero): a word is flagged exactly when one of its bytes is
    // special, though the flag may sit on a wrong byte above it.
    constexpr quint64 Ones = 0x0101010101010101ULL;
    constexpr quint64 High = 0x8080808080808080ULL;
    for (; end - p >= 8; p += 8) {
        quint64 v;
        std::memcpy(&v, p, sizeof v);
        const quint64 quote = v ^ (Ones * '"');
        const quint64 backslash = v ^ (Ones * '\\');
        if ((((v - Ones * 0x20) & ~v) | ((quote - Ones) & ~quote) |
             ((backslash - Ones) & ~backslash) | v) &
            High)
            break;
    }
#endif
    for (; p < end; ++p) {
        const auto c = uchar(*p);
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            break;
    }
    return p - begin;
}
