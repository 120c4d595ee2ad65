// How error messages show a single byte of the input.
#pragma once

#include <QString>

// Printable ASCII quoted ('x'); anything else, space included, in hex (byte 0x0a).
inline QString describeByte(char c)
{
    const auto byte = uchar(c);
    if (byte > 0x20 && byte < 0x7f)
        return QStringLiteral("'%1'").arg(QLatin1Char(c));
    return QStringLiteral("byte 0x%1").arg(byte, 2, 16, QLatin1Char('0'));
}
