// How a scenario compares what arrived with what it expected: exactly, as a subset, with regular
// expressions on strings, or by a JSON Schema. A mismatch names the first difference by its path
// (`args[0].user.name`), what was expected there and what arrived, so that a failing CI run
// says why without a debugger.
#pragma once

#include "scenario/jsonpath.h"

#include <QJsonValue>
#include <QString>

enum class MatchMode {
    // The same JSON value. Numbers compare by value (1 and 1.0 are equal); object member order
    // does not matter.
    Exact,
    // Every member of an expected object is in the actual object and matches (more members may
    // be there); an expected array's items match the actual array's items at the same positions
    // (the actual array may be longer); everything else exactly.
    Subset,
    // As Subset, but an expected string is a regular expression (QRegularExpression, Perl
    // syntax) that must match the whole actual string; a non-string never matches it.
    Regex,
    // The expected value is a JSON Schema (draft 7; the keywords below) the actual value must
    // satisfy.
    Schema
};

struct MatchResult
{
    bool matched = true;
    JsonPath where;   // the first difference
    QString expected; // in words or as JSON: "\"bob\"", "a string matching ^u\\d+$",
                      // "at least 2 items", "member \"id\""
    QString actual;   // as JSON, shortened past 200 characters; "nothing" when missing

    // "args[0].name: expected \"bob\", got \"alice\"", or empty when matched.
    QString toString() const;
};

class PayloadMatch
{
public:
    // "exact", "subset", "regex", "schema".
    static bool modeFromName(const QString &name, MatchMode *mode);
    static QString modeName(MatchMode mode);

    // Whether `expected` can be used with `mode`, before anything runs: every regular
    // expression compiles (Regex, and Schema's `pattern`), and a schema uses only the supported
    // keywords with values of the right kind. Unsupported keywords are errors rather than ignored,
    // so that a schema never passes because part of it was not read. On a mistake, returns false
    // with an error naming where in `expected`, e.g.
    // "args.items.pattern: \"(\" is not a regular expression: missing closing parenthesis".
    // Supported schema keywords: type, enum, const, properties, required, additionalProperties,
    // patternProperties, propertyNames, minProperties, maxProperties, dependencies, items (a schema
    // or an array of them), additionalItems, contains, minItems, maxItems, uniqueItems, minLength,
    // maxLength (in Unicode code points), pattern (not anchored, as the spec says), minimum,
    // maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, allOf, anyOf, oneOf, not,
    // if/then/else, true/false schemas; and the annotations $schema, $id, $comment, title,
    // description, default, examples, which are ignored.
    static bool validate(const QJsonValue &expected, MatchMode mode, const JsonPath &root,
                         QString *error);

    // Compares. `root` names `actual` in the result (e.g. JsonPath("args")). `expected` must
    // have passed validate().
    static MatchResult match(const QJsonValue &expected, const QJsonValue &actual, MatchMode mode,
                             const JsonPath &root);

    // Any JSON value as compact JSON text (QJsonDocument writes only arrays and objects).
    static QString compactJson(const QJsonValue &value);
    // A value as a message shows it: compact JSON, cut to `limit` characters with "…".
    static QString shortJson(const QJsonValue &value, int limit = 200);
};
