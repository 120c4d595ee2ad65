// Writing JSON text through a plain pointer into a buffer grown once to an upper bound of what
// will be written: the JSON Lines writer fills a whole line so, and the MessagePack reader renders
// values so, because QByteArray::append per piece would cost more than the escaping itself. Every
// put* writes at the pointer it is given and returns the end of what it wrote; the caller has made
// room.
#pragma once

#include "common/jsonscanner.h"
#include "common/utf8.h"

#include <QByteArrayView>
#include <QChar>
#include <QStringView>

#include <cstring>

namespace JsonWriter {

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

inline char *putUnsigned(char *p, quint64 value)
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

inline constexpr char HexDigits[] = "0123456789abcdef";

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
inline constexpr struct EscapeExtra
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
inline qsizetype escapedLength(QByteArrayView bytes)
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
inline char *putEscapedUtf8(char *out, QByteArrayView bytes)
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
inline char *putEscapedUtf16(char *out, QStringView text)
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
        } else if (QChar::isHighSurrogate(u) && p < end && QChar::isLowSurrogate(*p)) {
            out = Utf8::put(out, QChar::surrogateToUcs4(u, *p++));
        } else if (QChar::isSurrogate(u)) {
            out = putUnicodeEscape(out, u);
        } else {
            out = Utf8::put(out, u);
        }
    }
    return out;
}

} // namespace JsonWriter
