#include "scenario/jsonpath.h"

#include "common/jsonescape.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <limits>

namespace {

bool isNameStart(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'_';
}

bool isNameChar(QChar c)
{
    return isNameStart(c) || (c >= u'0' && c <= u'9');
}

bool isName(const QString &text)
{
    if (text.isEmpty() || !isNameStart(text.front()))
        return false;
    for (QChar c : text)
        if (!isNameChar(c))
            return false;
    return true;
}

// Reads a name at `at`; returns where it ends (== at when there is none).
qsizetype readName(const QString &text, qsizetype at)
{
    if (at >= text.size() || !isNameStart(text[at]))
        return at;
    qsizetype end = at + 1;
    while (end < text.size() && isNameChar(text[end]))
        ++end;
    return end;
}

struct Parser
{
    const QString &text;
    qsizetype at = 0;
    QString error;
    qsizetype errorAt = 0;

    bool fail(const QString &message, qsizetype offset)
    {
        error = message;
        errorAt = offset;
        return false;
    }

    // A JSON string whose opening quote is at `at`; leaves `at` after the closing quote.
    bool readString(QString *out)
    {
        const qsizetype open = at;
        ++at;
        while (at < text.size()) {
            const QChar c = text[at];
            if (c == u'"') {
                ++at;
                return true;
            }
            if (c.unicode() < 0x20)
                return fail(QStringLiteral("a control character in the key must be escaped"), at);
            if (c != u'\\') {
                out->append(c);
                ++at;
                continue;
            }
            // Escapes are ASCII: as long as the escape's characters are, a byte offset in its
            // UTF-8 form is a character offset in `text`.
            const QByteArray escape = text.mid(at, 12).toUtf8();
            const JsonEscape read = JsonEscape::read(escape, 0);
            switch (read.kind) {
            case JsonEscape::Kind::CodePoint: {
                const char32_t value = read.value;
                out->append(QString::fromUcs4(&value, 1));
                at += read.length;
                continue;
            }
            case JsonEscape::Kind::LoneSurrogate:
                return fail(QStringLiteral("a \\u escape of a lone surrogate"), at);
            case JsonEscape::Kind::Truncated:
                return fail(QStringLiteral("the key's string is not closed"), open);
            case JsonEscape::Kind::BadHexDigit:
                return fail(QStringLiteral("expected a hex digit in the \\u escape"),
                            at + read.length);
            case JsonEscape::Kind::Unknown:
                return fail(QStringLiteral("not a JSON string escape"), at);
            }
        }
        return fail(QStringLiteral("the key's string is not closed"), open);
    }

    bool readIndex(qsizetype *index)
    {
        const qsizetype start = at;
        qsizetype value = 0;
        while (at < text.size() && text[at] >= u'0' && text[at] <= u'9') {
            const int digit = text[at].unicode() - u'0';
            if (value > (std::numeric_limits<qsizetype>::max() - digit) / 10)
                return fail(QStringLiteral("the index is too large"), start);
            value = value * 10 + digit;
            ++at;
        }
        *index = value;
        return true;
    }

    bool run(JsonPath *path)
    {
        const qsizetype rootEnd = readName(text, 0);
        if (rootEnd == 0)
            return fail(text.isEmpty() ? QStringLiteral("expected a name, got nothing")
                                       : QStringLiteral("expected a name (a letter or '_' first)"),
                        0);
        *path = JsonPath(text.left(rootEnd));
        at = rootEnd;
        while (at < text.size()) {
            const QChar c = text[at];
            if (c == u'.') {
                const qsizetype end = readName(text, at + 1);
                if (end == at + 1)
                    return fail(QStringLiteral("expected a name after '.'"), at + 1);
                *path = path->member(text.mid(at + 1, end - at - 1));
                at = end;
            } else if (c == u'[') {
                ++at;
                if (at < text.size() && text[at] == u'"') {
                    QString key;
                    if (!readString(&key))
                        return false;
                    if (at >= text.size() || text[at] != u']')
                        return fail(QStringLiteral("expected ']' after the key"), at);
                    *path = path->member(key);
                } else if (at < text.size() && text[at] >= u'0' && text[at] <= u'9') {
                    qsizetype index = 0;
                    if (!readIndex(&index))
                        return false;
                    if (at >= text.size() || text[at] != u']')
                        return fail(QStringLiteral("expected ']' after the index"), at);
                    *path = path->item(index);
                } else if (at < text.size() && text[at] == u'-') {
                    return fail(QStringLiteral("an index cannot be negative"), at);
                } else {
                    return fail(QStringLiteral("expected an index or a quoted key after '['"), at);
                }
                ++at; // the ']'
            } else {
                return fail(QStringLiteral("expected '.' or '['"), at);
            }
        }
        return true;
    }
};

} // namespace

bool JsonPath::parse(const QString &text, JsonPath *path, QString *error, qsizetype *errorOffset)
{
    Parser parser{text, 0, QString(), 0};
    JsonPath parsed;
    if (!parser.run(&parsed)) {
        if (error)
            *error = parser.error;
        if (errorOffset)
            *errorOffset = parser.errorAt;
        return false;
    }
    *path = std::move(parsed);
    return true;
}

QJsonValue JsonPath::evaluate(const QJsonValue &value, bool *found) const
{
    QJsonValue current = value;
    bool ok = !current.isUndefined();
    for (const Segment &segment : m_segments) {
        if (!ok)
            break;
        if (segment.index >= 0) {
            const QJsonArray array = current.toArray();
            ok = current.isArray() && segment.index < array.size();
            current = ok ? array.at(segment.index) : QJsonValue(QJsonValue::Undefined);
        } else {
            const QJsonObject object = current.toObject();
            const auto it = object.constFind(segment.key);
            ok = current.isObject() && it != object.constEnd();
            current = ok ? it.value() : QJsonValue(QJsonValue::Undefined);
        }
    }
    if (found)
        *found = ok;
    return ok ? current : QJsonValue(QJsonValue::Undefined);
}

JsonPath JsonPath::member(const QString &key) const
{
    JsonPath path = *this;
    path.m_segments.append(Segment{key, -1});
    return path;
}

JsonPath JsonPath::item(qsizetype index) const
{
    JsonPath path = *this;
    path.m_segments.append(Segment{QString(), index});
    return path;
}

QString JsonPath::toString() const
{
    QString text = m_root;
    for (const Segment &segment : m_segments) {
        if (segment.index >= 0) {
            text += u'[' + QString::number(segment.index) + u']';
        } else if (isName(segment.key)) {
            text += u'.' + segment.key;
        } else {
            // QJsonDocument writes arrays and objects only: the key's JSON string is `["…"]`'s.
            text += QString::fromUtf8(
                QJsonDocument(QJsonArray{segment.key}).toJson(QJsonDocument::Compact));
        }
    }
    return text;
}

bool operator==(const JsonPath &a, const JsonPath &b)
{
    if (a.m_root != b.m_root || a.m_segments.size() != b.m_segments.size())
        return false;
    for (qsizetype i = 0; i < a.m_segments.size(); ++i) {
        const JsonPath::Segment &x = a.m_segments[i];
        const JsonPath::Segment &y = b.m_segments[i];
        if (x.index != y.index || (x.index < 0 && x.key != y.key))
            return false;
    }
    return true;
}
