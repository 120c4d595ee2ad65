// The data model of mock rules, shared by the parser that builds it (mockrulesparser.cpp), the
// value that holds it (mockrules.cpp) and the engine that runs it (mockrulesengine.cpp). Not
// public API: only these files and their tests include it.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>

// One step of a rule: what it sends or does, after how long.
struct MockAction
{
    enum class Kind { Emit, Ack, Join, Leave, Disconnect, Drop, Invalid };
    enum class Target { Sender, All, Others, Room };

    Kind kind = Kind::Emit;
    int delayMs = 0;               // after the previous action of the same list (or the trigger)
    QByteArray eventJson;          // emit: the event name as JSON text
    bool echoArgs = false;         // emit, ack: the received event's arguments ("$args")
    QByteArray dataJson;           // emit: [event, args...]; ack: [args...] (when not echoing)
    QList<QByteArray> attachments; // for the placeholders in dataJson
    Target target = Target::Sender;
    QString room;          // emit to a room; join, leave
    QByteArray rawMessage; // invalid: the Engine.IO message's text
    QString description;
};

struct MockHandler
{
    QString event; // "*": any event without a handler of its own
    QList<MockAction> actions;
};

struct MockEvery
{
    int intervalMs = 0;
    int count = 0;     // 0: no end
    MockAction action; // an emit
};

struct MockNamespace
{
    QString name;
    bool requiresAuth = false;
    QJsonObject auth;
    bool refuseAlways = false; // "refuse" without "auth"
    QString refuseMessage = QStringLiteral("Not authorized");
    QJsonValue refuseData = QJsonValue(QJsonValue::Undefined);
    QList<MockAction> onConnect;
    QList<MockHandler> handlers;
    QList<MockEvery> every;
};

struct MockRulesData
{
    QList<MockNamespace> namespaces;
};

// The names rules give special meaning to, and the words rules are described in (by
// MockRules::describe() and in MockRulesEngine::ruleFired()).
namespace MockRulesText {

inline const QString RootNamespace = QStringLiteral("/");
inline const QString AnyEvent = QStringLiteral("*");

// `text` between double quotes, as descriptions and errors show names.
QString quoted(const QString &text);
// `value` as compact JSON text; scalars too.
QByteArray compact(const QJsonValue &value);
// "/ on \"chat\"", "/ on any other event": where a handler's actions come from.
QString handlerContext(const QString &nsp, const QString &event);
// "/ every 1000 ms (3 times)": where a periodic emit comes from.
QString everyContext(const QString &nsp, const MockEvery &every);

} // namespace MockRulesText
