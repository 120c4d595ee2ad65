// A path into a received payload, as scenarios write it for `capture` and as failure messages
// name a difference: `args[0].id`, `args[1]["odd key"][2]`, `args`. The root is the name of the
// whole value (`args`: the event's arguments, or an ack's payload).
#pragma once

#include <QJsonValue>
#include <QList>
#include <QString>

class JsonPath
{
public:
    struct Segment
    {
        QString key;          // an object member, when index < 0
        qsizetype index = -1; // an array item
    };

    JsonPath() = default;
    explicit JsonPath(QString root)
        : m_root(std::move(root))
    {
    }

    // Parses `text`: a root name ([A-Za-z_][A-Za-z0-9_]*), then `.name`, `["any key"]` (JSON
    // string escapes) or `[index]` (a non-negative decimal) segments. On a mistake, returns false
    // with an error such as "expected ']' after the index" and the 0-based offset in `text`
    // where it was found in *errorOffset.
    static bool parse(const QString &text, JsonPath *path, QString *error,
                      qsizetype *errorOffset = nullptr);

    QString root() const { return m_root; }
    const QList<Segment> &segments() const { return m_segments; }

    // The value at this path below `value` (which stands for the root). *found is false (and an
    // Undefined value returned) when a member or an item is missing or the value on the way is
    // of another kind.
    QJsonValue evaluate(const QJsonValue &value, bool *found = nullptr) const;

    // This path with one more segment.
    JsonPath member(const QString &key) const;
    JsonPath item(qsizetype index) const;

    // As parse() reads it: `.name` when the key is an identifier, `["…"]` otherwise.
    QString toString() const;

    friend bool operator==(const JsonPath &a, const JsonPath &b);

private:
    QString m_root;
    QList<Segment> m_segments;
};
