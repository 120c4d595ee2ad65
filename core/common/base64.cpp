#include "common/base64.h"

#include <QtEndian>

#include <cstring>
#include <utility>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace {

constexpr char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Every pair of base64 characters, by the 12 bits they encode.
constexpr struct Base64Pairs
{
    char pairs[4096][2] = {};
    constexpr Base64Pairs()
    {
        for (int i = 0; i < 4096; ++i) {
            pairs[i][0] = Alphabet[i >> 6];
            pairs[i][1] = Alphabet[i & 63];
        }
    }
} base64Pairs;

} // namespace

namespace Base64 {

char *encode(char *out, QByteArrayView bytes)
{
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

bool decode(QByteArrayView text, QByteArray *decoded)
{
    // Qt's strict mode accepts one dangling character (6 bits: not a byte) and returns nothing.
    qsizetype significant = text.size();
    while (significant > 0 && text[significant - 1] == '=')
        --significant;
    if (significant % 4 == 1)
        return false;
    // fromRawData: the view is only read during the call, the result is a new array.
    auto result = QByteArray::fromBase64Encoding(QByteArray::fromRawData(text.data(), text.size()),
                                                 QByteArray::AbortOnBase64DecodingErrors);
    if (!result)
        return false;
    *decoded = std::move(result.decoded);
    return true;
}

} // namespace Base64
