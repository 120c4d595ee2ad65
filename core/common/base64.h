// Standard base64 (RFC 4648, section 4, with padding), for the writers that fill a buffer sized in
// advance through a plain pointer (the JSON Lines log) and for the strict readers of base64 text
// (binary Engine.IO packets on polling).
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace Base64 {

// The length of `bytes` bytes once encoded, padding included.
constexpr qsizetype encodedLength(qsizetype bytes)
{
    return (bytes + 2) / 3 * 4;
}

// Writes `bytes` encoded, padding included, at `out`, which has room for
// encodedLength(bytes.size()) characters, and returns the end of what it wrote.
char *encode(char *out, QByteArrayView bytes);

// Decodes `text` into *decoded. Returns false, leaving *decoded as it was, when `text` holds a
// character outside the alphabet, misplaced or partial padding, or a dangling character (six bits
// that make no byte). The padding may be left out.
bool decode(QByteArrayView text, QByteArray *decoded);

} // namespace Base64
