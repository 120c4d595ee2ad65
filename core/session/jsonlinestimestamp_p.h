// The timestamps of the log format, "2026-11-24T15:20:01.123456Z": formatting into a buffer
// sized in advance, for the JSON Lines writer. JsonLines::formatTimestamp and parseTimestamp are
// the public side.
#pragma once

#include "common/jsonwriter.h"

#include <limits>

namespace JsonLinesPrivate {
using namespace JsonWriter;

constexpr qint64 UsPerSecond = 1000000;

constexpr qsizetype MaxTimestampLength = 30; // "+294247-01-10T04:00:54.775807Z"

// Writes the whole timestamp, at most MaxTimestampLength bytes.
char *putTimestampUncached(char *p, qint64 timeUs);

// Records come in bursts within the same second: the date and time down to the second are
// formatted once per second and copied after that.
inline char *putTimestamp(char *p, qint64 timeUs)
{
    struct Cache
    {
        qint64 second = std::numeric_limits<qint64>::min();
        char text[MaxTimestampLength];
        int length = 0; // up to and including the '.'
    };
    thread_local Cache cache;
    if (timeUs < std::numeric_limits<qint64>::min() + UsPerSecond)
        return putTimestampUncached(p, timeUs); // its second would not fit in microseconds
    qint64 second = timeUs / UsPerSecond;
    qint64 fraction = timeUs % UsPerSecond;
    if (fraction < 0) {
        fraction += UsPerSecond;
        --second;
    }
    if (second != cache.second) {
        const char *end = putTimestampUncached(cache.text, second * UsPerSecond);
        cache.length = int(end - cache.text) - 7; // drop "000000Z"
        cache.second = second;
    }
    p = put(p, cache.text, cache.length);
    p = putDigits(p, quint64(fraction), 6);
    *p++ = 'Z';
    return p;
}

} // namespace JsonLinesPrivate
