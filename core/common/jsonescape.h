// One JSON string escape (RFC 8259, section 7), read from its backslash. Shared by every decoder of
// JSON strings, which differ only in where the characters go and in how lenient they are: the
// JSON scanner (UTF-16, input already validated), the JSON Lines reader (UTF-8 or UTF-16, strict)
// and the timeline filter (the search text, lenient).
#pragma once

#include "common/hexdigit.h"

#include <QByteArrayView>
#include <QChar>

struct JsonEscape
{
    enum class Kind : quint8 {
        CodePoint,     // `value` is a Unicode scalar value; a \u surrogate pair is combined
        LoneSurrogate, // `value` is a \u high or low surrogate without its partner
        Truncated,     // the text ends inside the escape
        BadHexDigit,   // \u with a non-hex digit at `length` bytes from the backslash
        Unknown,       // an escape character that JSON does not have, after the backslash
    };
    Kind kind = Kind::Truncated;
    char32_t value = 0;
    qsizetype length = 0; // bytes read from the backslash on (for errors: up to the culprit)

    // `text[at]` is the backslash.
    static JsonEscape read(QByteArrayView text, qsizetype at)
    {
        const qsizetype size = text.size();
        if (at + 1 >= size)
            return {Kind::Truncated, 0, size - at};
        switch (text[at + 1]) {
        case '"':
            return {Kind::CodePoint, U'"', 2};
        case '\\':
            return {Kind::CodePoint, U'\\', 2};
        case '/':
            return {Kind::CodePoint, U'/', 2};
        case 'b':
            return {Kind::CodePoint, U'\b', 2};
        case 'f':
            return {Kind::CodePoint, U'\f', 2};
        case 'n':
            return {Kind::CodePoint, U'\n', 2};
        case 'r':
            return {Kind::CodePoint, U'\r', 2};
        case 't':
            return {Kind::CodePoint, U'\t', 2};
        case 'u':
            break;
        default:
            return {Kind::Unknown, 0, 1};
        }
        JsonEscape unit = readUnit(text, at);
        if (unit.kind != Kind::CodePoint)
            return unit;
        if (!QChar::isSurrogate(unit.value))
            return unit;
        unit.kind = Kind::LoneSurrogate;
        if (QChar::isHighSurrogate(unit.value) && at + 7 < size && text[at + 6] == '\\' &&
            text[at + 7] == 'u') {
            // Only a \u low surrogate completes the pair; anything else is read on its own.
            const JsonEscape low = readUnit(text, at + 6);
            if (low.kind == Kind::CodePoint && QChar::isLowSurrogate(low.value))
                return {Kind::CodePoint,
                        QChar::surrogateToUcs4(char16_t(unit.value), char16_t(low.value)), 12};
        }
        return unit;
    }

private:
    // "\uXXXX" at `at`, as one UTF-16 code unit.
    static JsonEscape readUnit(QByteArrayView text, qsizetype at)
    {
        char32_t value = 0;
        for (qsizetype k = 2; k < 6; ++k) {
            if (at + k >= text.size())
                return {Kind::Truncated, 0, text.size() - at};
            const int digit = hexDigitValue(text[at + k]);
            if (digit < 0)
                return {Kind::BadHexDigit, 0, k};
            value = value * 16 + char32_t(digit);
        }
        return {Kind::CodePoint, value, 6};
    }
};
