// The value of an ASCII hexadecimal digit, or -1: shared by every reader of \uXXXX escapes
// (JSON scanner, JSON Lines, timeline filter) and of HTTP chunk sizes. It sits in the lowest
// layer, beside utf8.h, so that every layer may include it.
#pragma once

inline int hexDigitValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
