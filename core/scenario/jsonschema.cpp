#include "scenario/jsonschema.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace {

const QStringList &annotations()
{
    static const QStringList names{QStringLiteral("$schema"),     QStringLiteral("$id"),
                                   QStringLiteral("$comment"),    QStringLiteral("title"),
                                   QStringLiteral("description"), QStringLiteral("default"),
                                   QStringLiteral("examples")};
    return names;
}

const QStringList &typeNames()
{
    static const QStringList names{QStringLiteral("null"),   QStringLiteral("boolean"),
                                   QStringLiteral("object"), QStringLiteral("array"),
                                   QStringLiteral("number"), QStringLiteral("string"),
                                   QStringLiteral("integer")};
    return names;
}

enum class Kind {
    Any,             // const
    Schema,          // not, if, then, else, contains, additionalItems, ...
    SchemaOrSchemas, // items
    Schemas,         // allOf, anyOf, oneOf: a non-empty array of schemas
    SchemaMap,       // properties
    PatternMap,      // patternProperties: the keys are regular expressions too
    Dependencies,    // a schema or an array of member names per member
    Type,            // a type name or an array of them
    Array,           // enum
    Names,           // required
    Count,           // a non-negative integer
    Number,
    PositiveNumber, // multipleOf
    Boolean,        // uniqueItems
    Pattern,        // a regular expression
};

bool keywordKind(const QString &keyword, Kind *kind)
{
    static const QHash<QString, Kind> kinds{
        {QStringLiteral("type"), Kind::Type},
        {QStringLiteral("enum"), Kind::Array},
        {QStringLiteral("const"), Kind::Any},
        {QStringLiteral("properties"), Kind::SchemaMap},
        {QStringLiteral("required"), Kind::Names},
        {QStringLiteral("additionalProperties"), Kind::Schema},
        {QStringLiteral("patternProperties"), Kind::PatternMap},
        {QStringLiteral("propertyNames"), Kind::Schema},
        {QStringLiteral("minProperties"), Kind::Count},
        {QStringLiteral("maxProperties"), Kind::Count},
        {QStringLiteral("dependencies"), Kind::Dependencies},
        {QStringLiteral("items"), Kind::SchemaOrSchemas},
        {QStringLiteral("additionalItems"), Kind::Schema},
        {QStringLiteral("contains"), Kind::Schema},
        {QStringLiteral("minItems"), Kind::Count},
        {QStringLiteral("maxItems"), Kind::Count},
        {QStringLiteral("uniqueItems"), Kind::Boolean},
        {QStringLiteral("minLength"), Kind::Count},
        {QStringLiteral("maxLength"), Kind::Count},
        {QStringLiteral("pattern"), Kind::Pattern},
        {QStringLiteral("minimum"), Kind::Number},
        {QStringLiteral("maximum"), Kind::Number},
        {QStringLiteral("exclusiveMinimum"), Kind::Number},
        {QStringLiteral("exclusiveMaximum"), Kind::Number},
        {QStringLiteral("multipleOf"), Kind::PositiveNumber},
        {QStringLiteral("allOf"), Kind::Schemas},
        {QStringLiteral("anyOf"), Kind::Schemas},
        {QStringLiteral("oneOf"), Kind::Schemas},
        {QStringLiteral("not"), Kind::Schema},
        {QStringLiteral("if"), Kind::Schema},
        {QStringLiteral("then"), Kind::Schema},
        {QStringLiteral("else"), Kind::Schema},
    };
    const auto it = kinds.constFind(keyword);
    if (it == kinds.constEnd())
        return false;
    *kind = it.value();
    return true;
}

bool isCount(const QJsonValue &value)
{
    const double d = value.toDouble(-1);
    return value.isDouble() && d >= 0 && std::floor(d) == d;
}

bool isInteger(double d)
{
    return std::isfinite(d) && std::floor(d) == d;
}

bool fail(QString *error, const JsonPath &where, const QString &message)
{
    if (error)
        *error = where.toString() + QStringLiteral(": ") + message;
    return false;
}

bool wrongKind(QString *error, const JsonPath &where, const QString &expected,
               const QJsonValue &got)
{
    return fail(error, where,
                QStringLiteral("expected ") + expected + QStringLiteral(", got ") +
                    PayloadMatch::shortJson(got));
}

bool checkRegex(const QString &pattern, const JsonPath &where, QString *error)
{
    const QRegularExpression re(pattern);
    if (re.isValid())
        return true;
    return fail(error, where,
                PayloadMatch::shortJson(pattern) +
                    QStringLiteral(" is not a regular expression: ") + re.errorString());
}

bool checkSchemas(const QJsonArray &schemas, const JsonPath &where, QString *error)
{
    for (qsizetype i = 0; i < schemas.size(); ++i)
        if (!JsonSchema::check(schemas.at(i), where.item(i), error))
            return false;
    return true;
}

bool checkNames(const QJsonValue &value, const JsonPath &where, QString *error)
{
    if (!value.isArray())
        return wrongKind(error, where, QStringLiteral("an array of member names"), value);
    const QJsonArray names = value.toArray();
    for (qsizetype i = 0; i < names.size(); ++i)
        if (!names.at(i).isString())
            return wrongKind(error, where.item(i), QStringLiteral("a member name"), names.at(i));
    return true;
}

bool checkType(const QJsonValue &value, const JsonPath &where, QString *error)
{
    const QString expected = QStringLiteral("a type name (") +
                             typeNames().join(QStringLiteral(", ")) +
                             QStringLiteral(") or an array of them");
    if (value.isString()) {
        if (!typeNames().contains(value.toString()))
            return wrongKind(error, where, expected, value);
        return true;
    }
    if (!value.isArray() || value.toArray().isEmpty())
        return wrongKind(error, where, expected, value);
    const QJsonArray types = value.toArray();
    for (qsizetype i = 0; i < types.size(); ++i)
        if (!types.at(i).isString() || !typeNames().contains(types.at(i).toString()))
            return wrongKind(error, where.item(i), QStringLiteral("a type name"), types.at(i));
    return true;
}

bool checkKeyword(Kind kind, const QJsonValue &value, const JsonPath &where, QString *error)
{
    switch (kind) {
    case Kind::Any:
        return true;
    case Kind::Schema:
        return JsonSchema::check(value, where, error);
    case Kind::SchemaOrSchemas:
        return value.isArray() ? checkSchemas(value.toArray(), where, error)
                               : JsonSchema::check(value, where, error);
    case Kind::Schemas:
        if (!value.isArray() || value.toArray().isEmpty())
            return wrongKind(error, where, QStringLiteral("a non-empty array of schemas"), value);
        return checkSchemas(value.toArray(), where, error);
    case Kind::SchemaMap:
    case Kind::PatternMap: {
        if (!value.isObject())
            return wrongKind(error, where, QStringLiteral("an object of schemas"), value);
        const QJsonObject map = value.toObject();
        const bool patterns = kind == Kind::PatternMap;
        for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
            const JsonPath at = where.member(it.key());
            if (patterns && !checkRegex(it.key(), at, error))
                return false;
            if (!JsonSchema::check(it.value(), at, error))
                return false;
        }
        return true;
    }
    case Kind::Dependencies: {
        if (!value.isObject())
            return wrongKind(error, where, QStringLiteral("an object"), value);
        const QJsonObject map = value.toObject();
        for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
            const JsonPath at = where.member(it.key());
            if (!(it.value().isArray() ? checkNames(it.value(), at, error)
                                       : JsonSchema::check(it.value(), at, error)))
                return false;
        }
        return true;
    }
    case Kind::Type:
        return checkType(value, where, error);
    case Kind::Array:
        if (!value.isArray())
            return wrongKind(error, where, QStringLiteral("an array"), value);
        return true;
    case Kind::Names:
        return checkNames(value, where, error);
    case Kind::Count:
        if (!isCount(value))
            return wrongKind(error, where, QStringLiteral("a non-negative integer"), value);
        return true;
    case Kind::Number:
        if (!value.isDouble())
            return wrongKind(error, where, QStringLiteral("a number"), value);
        return true;
    case Kind::PositiveNumber:
        if (!value.isDouble() || !(value.toDouble() > 0))
            return wrongKind(error, where, QStringLiteral("a number greater than 0"), value);
        return true;
    case Kind::Boolean:
        if (!value.isBool())
            return wrongKind(error, where, QStringLiteral("true or false"), value);
        return true;
    case Kind::Pattern:
        if (!value.isString())
            return wrongKind(error, where, QStringLiteral("a regular expression string"), value);
        return checkRegex(value.toString(), where, error);
    }
    return false;
}

// --- evaluation ---

bool equal(const QJsonValue &a, const QJsonValue &b)
{
    return PayloadMatch::match(a, b, MatchMode::Exact, JsonPath()).matched;
}

// "minimum 18 (schema)": the keyword and its value, as the schema says it.
QString said(const QString &keyword, const QJsonValue &value)
{
    return keyword + u' ' + PayloadMatch::shortJson(value, 80) + QStringLiteral(" (schema)");
}

MatchResult fails(const JsonPath &where, const QString &expected, const QJsonValue &actual)
{
    return MatchResult{false, where, expected, PayloadMatch::shortJson(actual)};
}

// minLength/maxLength, minItems/maxItems, minProperties/maxProperties: the `size` of `v`.
MatchResult sizeWithin(const QJsonObject &s, const QString &min, const QString &max, qsizetype size,
                       const QJsonValue &v, const JsonPath &path)
{
    if (s.contains(min) && size < s.value(min).toDouble())
        return fails(path, said(min, s.value(min)), v);
    if (s.contains(max) && size > s.value(max).toDouble())
        return fails(path, said(max, s.value(max)), v);
    return {};
}

bool hasType(const QString &type, const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return type == u"null";
    case QJsonValue::Bool:
        return type == u"boolean";
    case QJsonValue::Double:
        return type == u"number" || (type == u"integer" && isInteger(value.toDouble()));
    case QJsonValue::String:
        return type == u"string";
    case QJsonValue::Array:
        return type == u"array";
    case QJsonValue::Object:
        return type == u"object";
    case QJsonValue::Undefined:
        return false;
    }
    return false;
}

bool isMultiple(double value, double divisor)
{
    if (isInteger(value) && isInteger(divisor) && std::fabs(divisor) < 9e15 &&
        std::fabs(value) < 9e15)
        return std::fmod(value, divisor) == 0;
    const double quotient = value / divisor;
    if (!std::isfinite(quotient))
        return false;
    // 0.0075 / 0.0001 is 74.99999999999999 in binary floating point.
    return std::fabs(quotient - std::round(quotient)) <= 1e-9 * std::max(1.0, std::fabs(quotient));
}

class Evaluator
{
public:
    // `via`: the keyword that applied `schema`, named when a false schema refuses a value.
    MatchResult run(const QJsonValue &schema, const QJsonValue &instance, const JsonPath &path,
                    const QString &via = QString())
    {
        if (schema.isBool()) {
            if (schema.toBool())
                return {};
            return fails(path,
                         via.isEmpty() ? QStringLiteral("no value (schema false)")
                                       : via + QStringLiteral(" false (schema)"),
                         instance);
        }
        const QJsonObject s = schema.toObject();
        for (auto step : {&Evaluator::any, &Evaluator::number, &Evaluator::string,
                          &Evaluator::array, &Evaluator::object, &Evaluator::combined}) {
            MatchResult result = (this->*step)(s, instance, path);
            if (!result.matched)
                return result;
        }
        return {};
    }

private:
    MatchResult any(const QJsonObject &s, const QJsonValue &v, const JsonPath &path)
    {
        if (s.contains(u"type")) {
            const QJsonValue type = s.value(u"type");
            bool ok = false;
            if (type.isString()) {
                ok = hasType(type.toString(), v);
            } else {
                for (const QJsonValue &t : type.toArray())
                    ok = ok || hasType(t.toString(), v);
            }
            if (!ok)
                return fails(path, said(QStringLiteral("type"), type), v);
        }
        if (s.contains(u"enum")) {
            const QJsonArray values = s.value(u"enum").toArray();
            if (std::none_of(values.begin(), values.end(),
                             [&](const QJsonValue &e) { return equal(e, v); }))
                return fails(path, said(QStringLiteral("enum"), values), v);
        }
        if (s.contains(u"const") && !equal(s.value(u"const"), v))
            return fails(path, said(QStringLiteral("const"), s.value(u"const")), v);
        return {};
    }

    MatchResult number(const QJsonObject &s, const QJsonValue &v, const JsonPath &path)
    {
        if (!v.isDouble())
            return {};
        const double x = v.toDouble();
        struct Bound
        {
            const char16_t *keyword;
            bool (*ok)(double x, double bound);
        };
        static const Bound bounds[] = {
            {u"minimum", [](double x, double b) { return x >= b; }},
            {u"maximum", [](double x, double b) { return x <= b; }},
            {u"exclusiveMinimum", [](double x, double b) { return x > b; }},
            {u"exclusiveMaximum", [](double x, double b) { return x < b; }},
            {u"multipleOf", [](double x, double b) { return isMultiple(x, b); }},
        };
        for (const Bound &bound : bounds) {
            const QString keyword = QString::fromUtf16(bound.keyword);
            if (s.contains(keyword) && !bound.ok(x, s.value(keyword).toDouble()))
                return fails(path, said(keyword, s.value(keyword)), v);
        }
        return {};
    }

    MatchResult string(const QJsonObject &s, const QJsonValue &v, const JsonPath &path)
    {
        if (!v.isString())
            return {};
        const QString text = v.toString();
        MatchResult sized = sizeWithin(s, QStringLiteral("minLength"), QStringLiteral("maxLength"),
                                       text.toUcs4().size(), v, path);
        if (!sized.matched)
            return sized;
        if (s.contains(u"pattern")) {
            const QString pattern = s.value(u"pattern").toString();
            if (!QRegularExpression(pattern).match(text).hasMatch())
                return fails(path,
                             QStringLiteral("pattern ") + pattern + QStringLiteral(" (schema)"), v);
        }
        return {};
    }

    MatchResult array(const QJsonObject &s, const QJsonValue &v, const JsonPath &path)
    {
        if (!v.isArray())
            return {};
        const QJsonArray items = v.toArray();
        const qsizetype size = items.size();
        MatchResult sized =
            sizeWithin(s, QStringLiteral("minItems"), QStringLiteral("maxItems"), size, v, path);
        if (!sized.matched)
            return sized;
        if (s.value(u"uniqueItems").toBool()) {
            for (qsizetype i = 0; i < size; ++i)
                for (qsizetype j = i + 1; j < size; ++j)
                    if (equal(items.at(i), items.at(j)))
                        return fails(path, said(QStringLiteral("uniqueItems"), true), v);
        }
        if (s.contains(u"items")) {
            const QJsonValue itemSchema = s.value(u"items");
            const QString viaItems = QStringLiteral("items");
            if (itemSchema.isArray()) {
                const QJsonArray positional = itemSchema.toArray();
                for (qsizetype i = 0; i < size; ++i) {
                    const bool extra = i >= positional.size();
                    if (extra && !s.contains(u"additionalItems"))
                        break;
                    MatchResult result =
                        extra ? run(s.value(u"additionalItems"), items.at(i), path.item(i),
                                    QStringLiteral("additionalItems"))
                              : run(positional.at(i), items.at(i), path.item(i), viaItems);
                    if (!result.matched)
                        return result;
                }
            } else {
                for (qsizetype i = 0; i < size; ++i) {
                    MatchResult result = run(itemSchema, items.at(i), path.item(i), viaItems);
                    if (!result.matched)
                        return result;
                }
            }
        }
        if (s.contains(u"contains")) {
            const QJsonValue contains = s.value(u"contains");
            if (std::none_of(items.begin(), items.end(), [&](const QJsonValue &item) {
                    return run(contains, item, path).matched;
                }))
                return fails(path, said(QStringLiteral("contains"), contains), v);
        }
        return {};
    }

    MatchResult object(const QJsonObject &s, const QJsonValue &v, const JsonPath &path)
    {
        if (!v.isObject())
            return {};
        const QJsonObject members = v.toObject();
        MatchResult sized = sizeWithin(s, QStringLiteral("minProperties"),
                                       QStringLiteral("maxProperties"), members.size(), v, path);
        if (!sized.matched)
            return sized;
        for (const QJsonValue &name : s.value(u"required").toArray())
            if (!members.contains(name.toString()))
                return MatchResult{false, path,
                                   QStringLiteral("member ") + PayloadMatch::shortJson(name) +
                                       QStringLiteral(" (schema required)"),
                                   QStringLiteral("nothing")};
        const QJsonObject dependencies = s.value(u"dependencies").toObject();
        for (auto it = dependencies.constBegin(); it != dependencies.constEnd(); ++it) {
            if (!members.contains(it.key()))
                continue;
            if (!it.value().isArray()) {
                MatchResult result = run(it.value(), v, path, QStringLiteral("dependencies"));
                if (!result.matched)
                    return result;
                continue;
            }
            for (const QJsonValue &name : it.value().toArray())
                if (!members.contains(name.toString()))
                    return MatchResult{false, path,
                                       QStringLiteral("member ") + PayloadMatch::shortJson(name) +
                                           QStringLiteral(" (schema dependencies of ") +
                                           PayloadMatch::shortJson(it.key()) + u')',
                                       QStringLiteral("nothing")};
        }
        if (s.contains(u"propertyNames")) {
            const QJsonValue names = s.value(u"propertyNames");
            for (auto it = members.constBegin(); it != members.constEnd(); ++it) {
                MatchResult result = run(names, it.key(), path, QStringLiteral("propertyNames"));
                if (!result.matched) {
                    result.expected = QStringLiteral("propertyNames: ") + result.expected;
                    return result;
                }
            }
        }
        return properties(s, members, path);
    }

    MatchResult properties(const QJsonObject &s, const QJsonObject &members, const JsonPath &path)
    {
        const QJsonObject named = s.value(u"properties").toObject();
        const QJsonObject patterns = s.value(u"patternProperties").toObject();
        const bool additional = s.contains(u"additionalProperties");
        for (auto it = members.constBegin(); it != members.constEnd(); ++it) {
            const JsonPath at = path.member(it.key());
            bool known = false;
            if (named.contains(it.key())) {
                known = true;
                MatchResult result = run(named.value(it.key()), it.value(), at);
                if (!result.matched)
                    return result;
            }
            for (auto p = patterns.constBegin(); p != patterns.constEnd(); ++p) {
                if (!QRegularExpression(p.key()).match(it.key()).hasMatch())
                    continue;
                known = true;
                MatchResult result = run(p.value(), it.value(), at);
                if (!result.matched)
                    return result;
            }
            if (!known && additional) {
                MatchResult result = run(s.value(u"additionalProperties"), it.value(), at,
                                         QStringLiteral("additionalProperties"));
                if (!result.matched)
                    return result;
            }
        }
        return {};
    }

    MatchResult combined(const QJsonObject &s, const QJsonValue &v, const JsonPath &path)
    {
        for (const QJsonValue &sub : s.value(u"allOf").toArray()) {
            MatchResult result = run(sub, v, path);
            if (!result.matched)
                return result;
        }
        if (s.contains(u"anyOf")) {
            const QJsonArray subs = s.value(u"anyOf").toArray();
            if (std::none_of(subs.begin(), subs.end(),
                             [&](const QJsonValue &sub) { return run(sub, v, path).matched; }))
                return fails(path, said(QStringLiteral("anyOf"), subs), v);
        }
        if (s.contains(u"oneOf")) {
            const QJsonArray subs = s.value(u"oneOf").toArray();
            const auto count = std::count_if(subs.begin(), subs.end(), [&](const QJsonValue &sub) {
                return run(sub, v, path).matched;
            });
            if (count != 1) {
                QString expected = said(QStringLiteral("oneOf"), subs);
                if (count > 1)
                    expected.insert(expected.size() - 1, QStringLiteral(", %1 match").arg(count));
                return fails(path, expected, v);
            }
        }
        if (s.contains(u"not") && run(s.value(u"not"), v, path).matched)
            return fails(path, said(QStringLiteral("not"), s.value(u"not")), v);
        if (s.contains(u"if")) {
            const bool taken = run(s.value(u"if"), v, path).matched;
            const QString branch = taken ? QStringLiteral("then") : QStringLiteral("else");
            if (s.contains(branch))
                return run(s.value(branch), v, path, branch);
        }
        return {};
    }
};

} // namespace

bool JsonSchema::check(const QJsonValue &schema, const JsonPath &where, QString *error)
{
    if (schema.isBool())
        return true;
    if (!schema.isObject())
        return wrongKind(error, where, QStringLiteral("a schema (an object, true or false)"),
                         schema);
    const QJsonObject object = schema.toObject();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        const JsonPath at = where.member(it.key());
        if (annotations().contains(it.key()))
            continue;
        Kind kind;
        if (!keywordKind(it.key(), &kind))
            return fail(error, at,
                        QStringLiteral("unsupported schema keyword ") +
                            PayloadMatch::shortJson(it.key()));
        if (!checkKeyword(kind, it.value(), at, error))
            return false;
    }
    return true;
}

MatchResult JsonSchema::evaluate(const QJsonValue &schema, const QJsonValue &instance,
                                 const JsonPath &where)
{
    return Evaluator().run(schema, instance, where);
}
