#include "scenario/payloadmatch.h"

#include "scenario/jsonschema.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <cmath>

namespace {

MatchResult mismatch(const JsonPath &where, const QString &expected, const QString &actual)
{
    return MatchResult{false, where, expected, actual};
}

QString kindName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    default:
        return PayloadMatch::shortJson(value);
    }
}

bool sameNumber(const QJsonValue &a, const QJsonValue &b)
{
    if (a.toDouble() != b.toDouble())
        return false;
    // Past 2^53 two integers can share a double: compare them as integers when both are.
    constexpr qint64 notA = -1, notB = -2;
    const qint64 ia = a.toInteger(notA), ib = b.toInteger(notB);
    const bool integral = ia == a.toInteger(notB) && ib == b.toInteger(notA);
    return !integral || ia == ib;
}

struct Comparer
{
    MatchMode mode;

    MatchResult compare(const QJsonValue &expected, const QJsonValue &actual,
                        const JsonPath &path) const
    {
        if (mode == MatchMode::Regex && expected.isString()) {
            const QString pattern = expected.toString();
            const QRegularExpression re(QRegularExpression::anchoredPattern(pattern));
            if (!actual.isString() || !re.match(actual.toString()).hasMatch())
                return mismatch(path, QStringLiteral("a string matching ") + pattern,
                                PayloadMatch::shortJson(actual));
            return {};
        }
        if (expected.type() != actual.type())
            return mismatch(path, kindName(expected), PayloadMatch::shortJson(actual));
        switch (expected.type()) {
        case QJsonValue::Object:
            return compareObjects(expected.toObject(), actual.toObject(), path);
        case QJsonValue::Array:
            return compareArrays(expected.toArray(), actual.toArray(), path);
        case QJsonValue::Double:
            if (!sameNumber(expected, actual))
                return mismatch(path, PayloadMatch::shortJson(expected),
                                PayloadMatch::shortJson(actual));
            return {};
        default:
            if (expected != actual)
                return mismatch(path, PayloadMatch::shortJson(expected),
                                PayloadMatch::shortJson(actual));
            return {};
        }
    }

    MatchResult compareObjects(const QJsonObject &expected, const QJsonObject &actual,
                               const JsonPath &path) const
    {
        for (auto it = expected.constBegin(); it != expected.constEnd(); ++it) {
            const auto found = actual.constFind(it.key());
            if (found == actual.constEnd())
                return mismatch(path, QStringLiteral("member ") + PayloadMatch::shortJson(it.key()),
                                QStringLiteral("nothing"));
            MatchResult result = compare(it.value(), found.value(), path.member(it.key()));
            if (!result.matched)
                return result;
        }
        if (mode == MatchMode::Exact) {
            for (auto it = actual.constBegin(); it != actual.constEnd(); ++it)
                if (!expected.contains(it.key()))
                    return mismatch(path.member(it.key()), QStringLiteral("nothing"),
                                    PayloadMatch::shortJson(it.value()));
        }
        return {};
    }

    MatchResult compareArrays(const QJsonArray &expected, const QJsonArray &actual,
                              const JsonPath &path) const
    {
        const qsizetype want = expected.size(), got = actual.size();
        const QString items = want == 1 ? QStringLiteral(" item") : QStringLiteral(" items");
        if (mode == MatchMode::Exact && got != want)
            return mismatch(path, QString::number(want) + items, QString::number(got));
        if (got < want)
            return mismatch(path, QStringLiteral("at least %1").arg(want) + items,
                            QString::number(got));
        for (qsizetype i = 0; i < want; ++i) {
            MatchResult result = compare(expected.at(i), actual.at(i), path.item(i));
            if (!result.matched)
                return result;
        }
        return {};
    }
};

// Every string in `expected` (not the keys) must compile, for Regex mode.
bool validateRegexes(const QJsonValue &expected, const JsonPath &path, QString *error)
{
    if (expected.isString()) {
        const QRegularExpression re(expected.toString());
        if (re.isValid())
            return true;
        if (error)
            *error = path.toString() + QStringLiteral(": ") + PayloadMatch::shortJson(expected) +
                     QStringLiteral(" is not a regular expression: ") + re.errorString();
        return false;
    }
    if (expected.isArray()) {
        const QJsonArray array = expected.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            if (!validateRegexes(array.at(i), path.item(i), error))
                return false;
    } else if (expected.isObject()) {
        const QJsonObject object = expected.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            if (!validateRegexes(it.value(), path.member(it.key()), error))
                return false;
    }
    return true;
}

} // namespace

QString MatchResult::toString() const
{
    if (matched)
        return QString();
    return where.toString() + QStringLiteral(": expected ") + expected + QStringLiteral(", got ") +
           actual;
}

bool PayloadMatch::modeFromName(const QString &name, MatchMode *mode)
{
    for (MatchMode m : {MatchMode::Exact, MatchMode::Subset, MatchMode::Regex, MatchMode::Schema}) {
        if (modeName(m) == name) {
            *mode = m;
            return true;
        }
    }
    return false;
}

QString PayloadMatch::modeName(MatchMode mode)
{
    switch (mode) {
    case MatchMode::Exact:
        return QStringLiteral("exact");
    case MatchMode::Subset:
        return QStringLiteral("subset");
    case MatchMode::Regex:
        return QStringLiteral("regex");
    case MatchMode::Schema:
        return QStringLiteral("schema");
    }
    return QString();
}

bool PayloadMatch::validate(const QJsonValue &expected, MatchMode mode, const JsonPath &root,
                            QString *error)
{
    switch (mode) {
    case MatchMode::Exact:
    case MatchMode::Subset:
        return true;
    case MatchMode::Regex:
        return validateRegexes(expected, root, error);
    case MatchMode::Schema:
        return JsonSchema::check(expected, root, error);
    }
    return false;
}

MatchResult PayloadMatch::match(const QJsonValue &expected, const QJsonValue &actual,
                                MatchMode mode, const JsonPath &root)
{
    if (mode == MatchMode::Schema)
        return JsonSchema::evaluate(expected, actual, root);
    return Comparer{mode}.compare(expected, actual, root);
}

QString PayloadMatch::compactJson(const QJsonValue &value)
{
    // QJsonDocument writes arrays and objects only: wrap the value and strip the brackets.
    const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2));
}

QString PayloadMatch::shortJson(const QJsonValue &value, int limit)
{
    if (value.isUndefined())
        return QStringLiteral("nothing");
    const QString text = compactJson(value);
    if (text.size() <= limit)
        return text;
    // Do not cut a surrogate pair in half.
    qsizetype keep = qMax(0, limit - 1);
    if (keep > 0 && text.at(keep - 1).isHighSurrogate())
        --keep;
    return text.left(keep) + QChar(0x2026);
}
