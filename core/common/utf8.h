// UTF-8 well-formedness (RFC 3629, Unicode table 3-7), shared by everything that accepts text
// from outside: WebSocket text messages, the JSON scanner, the JSON Lines reader and writer; and
// the encoding of one code point, for the decoders of JSON escapes.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace Utf8 {

// The length of the well-formed UTF-8 sequence at p (no overlong forms, no surrogates, nothing
// above U+10FFFF), or 0 when the bytes there are not one.
inline int sequenceLength(const uchar *p, const uchar *end)
{
    const uchar c = p[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0;
    auto continuation = [&](int i, uchar lo = 0x80, uchar hi = 0xBF) {
        return p + i < end && p[i] >= lo && p[i] <= hi;
    };
    if (c < 0xE0)
        return continuation(1) ? 2 : 0;
    if (c < 0xF0) {
        const uchar lo = c == 0xE0 ? 0xA0 : 0x80;
        const uchar hi = c == 0xED ? 0x9F : 0xBF;
        return continuation(1, lo, hi) && continuation(2) ? 3 : 0;
    }
    if (c < 0xF5) {
        const uchar lo = c == 0xF0 ? 0x90 : 0x80;
        const uchar hi = c == 0xF4 ? 0x8F : 0xBF;
        return continuation(1, lo, hi) && continuation(2) && continuation(3) ? 4 : 0;
    }
    return 0;
}

// The offset of the first byte that does not start a well-formed sequence, or -1 when all of
// `bytes` is well-formed. ASCII is skipped 16 bytes at a time (SSE2): it is nearly all of the
// traffic.
inline qsizetype firstInvalidOffset(QByteArrayView bytes)
{
    const auto *begin = reinterpret_cast<const uchar *>(bytes.data());
    const uchar *end = begin + bytes.size();
    const uchar *p = begin;
    while (p < end) {
#ifdef __SSE2__
        if (end - p >= 16 &&
            _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p))) == 0) {
            p += 16;
            continue;
        }
#endif
        quint64 word;
        if (end - p >= 8 && (std::memcpy(&word, p, 8), (word & 0x8080808080808080ULL) == 0)) {
            p += 8;
            continue;
        }
        const int length = sequenceLength(p, end);
        if (length == 0)
            return p - begin;
        p += length;
    }
    return -1;
}

// Writes the UTF-8 form of `codePoint` (at most U+10FFFF; a surrogate is the caller's business)
// at `out`, which has room for 4 bytes; returns the end of what it wrote.
inline char *put(char *out, char32_t codePoint)
{
    if (codePoint < 0x80) {
        *out++ = char(codePoint);
    } else if (codePoint < 0x800) {
        *out++ = char(0xC0 | (codePoint >> 6));
        *out++ = char(0x80 | (codePoint & 0x3F));
    } else if (codePoint < 0x10000) {
        *out++ = char(0xE0 | (codePoint >> 12));
        *out++ = char(0x80 | ((codePoint >> 6) & 0x3F));
        *out++ = char(0x80 | (codePoint & 0x3F));
    } else {
        *out++ = char(0xF0 | (codePoint >> 18));
        *out++ = char(0x80 | ((codePoint >> 12) & 0x3F));
        *out++ = char(0x80 | ((codePoint >> 6) & 0x3F));
        *out++ = char(0x80 | (codePoint & 0x3F));
    }
    return out;
}

// Appends the UTF-8 form of `codePoint` (as put()).
inline void append(QByteArray &out, char32_t codePoint)
{
    char bytes[4];
    out.append(bytes, put(bytes, codePoint) - bytes);
}

} // namespace Utf8
