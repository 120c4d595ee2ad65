#include "session/jsonlines.h"
#include "session/jsonlinestimestamp_p.h"

#include "common/civildate.h"

#include <QtNumeric>

using namespace JsonLinesPrivate;
using namespace JsonWriter;
using namespace CivilCalendar;

namespace {

constexpr qint64 UsPerDay = 86400 * UsPerSecond;

inline bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

} // namespace

char *JsonLinesPrivate::putTimestampUncached(char *p, qint64 timeUs)
{
    qint64 days = timeUs / UsPerDay;
    qint64 timeOfDay = timeUs % UsPerDay;
    if (timeOfDay < 0) {
        timeOfDay += UsPerDay;
        --days;
    }
    const CivilDate date = civilFromDays(days);
    const qint64 seconds = timeOfDay / UsPerSecond;

    if (date.year >= 0 && date.year <= 9999) {
        p = putDigits(p, quint64(date.year), 4);
    } else {
        *p++ = date.year < 0 ? '-' : '+';
        p = putDigits(p, quint64(date.year < 0 ? -date.year : date.year), 6);
    }
    *p++ = '-';
    p = putDigits(p, date.month, 2);
    *p++ = '-';
    p = putDigits(p, date.day, 2);
    *p++ = 'T';
    p = putDigits(p, quint64(seconds / 3600), 2);
    *p++ = ':';
    p = putDigits(p, quint64(seconds / 60 % 60), 2);
    *p++ = ':';
    p = putDigits(p, quint64(seconds % 60), 2);
    *p++ = '.';
    p = putDigits(p, quint64(timeOfDay % UsPerSecond), 6);
    *p++ = 'Z';
    return p;
}

// -------------------------------------------------------------------------------------------------

void JsonLines::appendTimestamp(QByteArray &out, qint64 timeUs)
{
    char buffer[MaxTimestampLength];
    out.append(buffer, putTimestamp(buffer, timeUs) - buffer);
}

QByteArray JsonLines::formatTimestamp(qint64 timeUs)
{
    QByteArray out;
    out.reserve(32);
    appendTimestamp(out, timeUs);
    return out;
}

bool JsonLines::parseTimestamp(QByteArrayView text, qint64 *timeUs)
{
    const char *p = text.data();
    const char *const end = p + text.size();
    auto digits = [&](int count, qint64 *value) {
        if (end - p < count)
            return false;
        qint64 v = 0;
        for (int i = 0; i < count; ++i) {
            if (!isDigit(p[i]))
                return false;
            v = v * 10 + (p[i] - '0');
        }
        p += count;
        *value = v;
        return true;
    };
    auto literal = [&](char c) {
        if (p < end && *p == c) {
            ++p;
            return true;
        }
        return false;
    };

    qint64 year, month, day, hour, minute, second;
    if (p < end && (*p == '+' || *p == '-')) {
        const bool negative = *p++ == '-';
        if (!digits(6, &year) || (negative && year == 0))
            return false;
        if (negative)
            year = -year;
    } else if (!digits(4, &year)) {
        return false;
    }
    if (!literal('-') || !digits(2, &month) || !literal('-') || !digits(2, &day) || !literal('T') ||
        !digits(2, &hour) || !literal(':') || !digits(2, &minute) || !literal(':') ||
        !digits(2, &second))
        return false;
    qint64 fraction = 0;
    if (literal('.')) {
        int count = 0;
        while (p < end && isDigit(*p)) {
            if (++count > 6)
                return false;
            fraction = fraction * 10 + (*p++ - '0');
        }
        if (count == 0)
            return false;
        for (; count < 6; ++count)
            fraction *= 10;
    }
    if (!literal('Z') || p != end)
        return false;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, unsigned(month)) ||
        hour > 23 || minute > 59 || second > 59)
        return false;

    qint64 days = daysFromCivil(year, unsigned(month), unsigned(day));
    qint64 timeOfDay = (hour * 3600 + minute * 60 + second) * UsPerSecond + fraction;
    if (days < 0) { // keep the product in range near the lower end of qint64
        ++days;
        timeOfDay -= UsPerDay;
    }
    qint64 result;
    if (qMulOverflow(days, UsPerDay, &result) || qAddOverflow(result, timeOfDay, &result))
        return false;
    *timeUs = result;
    return true;
}
