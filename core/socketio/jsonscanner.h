// A single-pass JSON validator that builds no document. The codec validates every payload with
// it; building a QJsonDocument for each packet would cost far more than the packet itself, and
// the log keeps the wire text anyway.
#pragma once

#include <QByteArrayView>
#include <QList>
#include <QString>

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
    };

    static constexpr int DefaultMaxDepth = 1000;

    // Validates `text` as exactly one JSON value (RFC 8259; surrounding whitespace allowed).
    static Result scan(QByteArrayView text, int maxDepth = DefaultMaxDepth);
    // Validates the JSON value at the start of `text` (whitespace before it allowed) and stops
    // right after it: what follows belongs to the caller (the rest of a JSON Lines record).
    // *end is the offset just after the value.
    static Result scanPrefix(QByteArrayView text, qsizetype *end, int maxDepth = DefaultMaxDepth);
};
