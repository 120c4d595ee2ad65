// The proleptic Gregorian calendar over any 64-bit day count, counted from 1970-01-01 (Howard
// Hinnant's algorithms). Everything is constexpr: the conversions are checked at compile time.
#pragma once

#include <QtGlobal>

struct CivilDate
{
    qint64 year;
    unsigned month; // 1..12
    unsigned day;   // 1..31
};

namespace CivilCalendar {

// The date of day `days`, day 0 being 1970-01-01.
constexpr CivilDate civilFromDays(qint64 days)
{
    days += 719468; // from 1970-01-01 to 0000-03-01
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned dayOfEra = unsigned(days - era * 146097); // [0, 146096]
    const unsigned yearOfEra =
        (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365; // [0, 399]
    const unsigned dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const unsigned mp = (5 * dayOfYear + 2) / 153; // March-based month [0, 11]
    const unsigned day = dayOfYear - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    return {qint64(yearOfEra) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// The day number of a date (1970-01-01 is day 0); `day` is within the month.
constexpr qint64 daysFromCivil(qint64 year, unsigned month, unsigned day)
{
    year -= month <= 2 ? 1 : 0;
    const qint64 era = (year >= 0 ? year : year - 399) / 400;
    const unsigned yearOfEra = unsigned(year - era * 400);
    const unsigned dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + qint64(dayOfEra) - 719468;
}

static_assert(daysFromCivil(1970, 1, 1) == 0);
static_assert(daysFromCivil(2000, 3, 1) == 11017);
static_assert(civilFromDays(11016).month == 2 && civilFromDays(11016).day == 29);

constexpr bool isLeapYear(qint64 year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

constexpr unsigned daysInMonth(qint64 year, unsigned month)
{
    constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && isLeapYear(year) ? 29 : days[month - 1];
}

} // namespace CivilCalendar
