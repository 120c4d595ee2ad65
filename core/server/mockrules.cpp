#include "server/mockrules.h"

#include "common/jsonscanner.h"
#include "server/defaulthandlers.h"
#include "server/engineioserver.h"
#include "server/serverlogging.h"
#include "server/socketioserver.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <cmath>
#include <limits>

namespace {

constexpr int MaxDelayMs = 3600 * 1000;
constexpr int MaxIntervalMs = 24 * 3600 * 1000;
const QString RootNamespace = QStringLiteral("/");
const QString AnyEvent = QStringLiteral("*");
const QString EchoArgs = QStringLiteral("$args");
const QString BinaryKey = QStringLiteral("$binary");
const QString CommentKey = QStringLiteral("comment");

enum class ActionKind { Emit, Ack, Join, Leave, Disconnect, Drop, Invalid };
enum class Target { Sender, All, Others, Room };
// Where an action list runs: what it may refer to ($args and ack need a received event).
enum class Trigger { Connect, Event, Every };

// Deliberately invalid packets, as the text of an Engine.IO MESSAGE ("%1" is the namespace
// prefix, "/admin," or nothing for "/").
struct InvalidPacket
{
    const char *name;
    const char *text;
};
constexpr InvalidPacket InvalidPackets[] = {
    {"bad-type", "9%1[\"mock\"]"},
    {"broken-json", "2%1[\"mock\",{\"unterminated\":"},
    {"bad-attachment-count", "5x-%1[\"mock\",{\"_placeholder\":true,\"num\":0}]"},
};

QByteArray compact(const QJsonValue &value)
{
    // QJsonDocument holds objects and arrays only: wrap and strip for scalars.
    const QByteArray text = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return text.mid(1, text.size() - 2);
}

} // namespace

struct MockAction
{
    ActionKind kind = ActionKind::Emit;
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

namespace {

QString kindOf(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

QString member(const QString &path, const QString &key)
{
    return path.isEmpty() ? key : path + QLatin1Char('.') + key;
}

QString item(const QString &path, int index)
{
    return QStringLiteral("%1[%2]").arg(path).arg(index);
}

QString quoted(const QString &text)
{
    return QLatin1Char('"') + text + QLatin1Char('"');
}

// The rules file's grammar; the first mistake ends the parse with its JSON path.
class RulesParser
{
public:
    explicit RulesParser(const QString &baseDir)
        : m_baseDir(baseDir)
    {
    }

    bool parseDocument(const QJsonObject &root, MockRulesData *data);
    QString error() const { return m_error; }

private:
    bool fail(const QString &path, const QString &message)
    {
        m_error = path.isEmpty() ? message : path + QStringLiteral(": ") + message;
        return false;
    }
    bool expected(const QString &path, const QString &what, const QJsonValue &value)
    {
        return fail(path, QStringLiteral("expected %1, got %2").arg(what, kindOf(value)));
    }
    bool checkKeys(const QJsonObject &object, const QString &path, const QStringList &allowed);
    bool readObject(const QJsonValue &value, const QString &path, QJsonObject *object);
    bool readString(const QJsonValue &value, const QString &path, QString *text);
    bool readInteger(const QJsonValue &value, const QString &path, int min, int max, int *number);
    bool readTrue(const QJsonValue &value, const QString &path);

    bool parseNamespace(const QString &name, const QJsonValue &value, const QString &path,
                        MockNamespace *ns);
    bool parseActions(const QJsonValue &value, const QString &path, Trigger trigger,
                      const QString &nsp, QList<MockAction> *actions);
    bool parseAction(const QJsonValue &value, const QString &path, Trigger trigger,
                     const QString &nsp, MockAction *action);
    bool parseEmit(const QJsonValue &value, const QString &path, Trigger trigger,
                   const QString &nsp, MockAction *action);
    bool parseAck(const QJsonValue &value, const QString &path, Trigger trigger, const QString &nsp,
                  MockAction *action);
    bool parseInvalid(const QJsonValue &value, const QString &path, const QString &nsp,
                      MockAction *action);
    bool parseArgs(const QJsonValue &value, const QString &path, Trigger trigger, QJsonArray *args,
                   bool *echo, QList<QByteArray> *attachments);
    bool resolveBinaries(QJsonValue *value, const QString &path, QList<QByteArray> *attachments);
    bool validate(const SocketIoPacket &packet, const QString &path);

    QString m_baseDir;
    QString m_error;
    qint64 m_binaryBytes = 0;
};

bool RulesParser::checkKeys(const QJsonObject &object, const QString &path,
                            const QStringList &allowed)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (it.key() != CommentKey && !allowed.contains(it.key()))
            return fail(member(path, it.key()), QStringLiteral("unknown key (expected %1)")
                                                    .arg(allowed.join(QStringLiteral(", "))));
    }
    return true;
}

bool RulesParser::readObject(const QJsonValue &value, const QString &path, QJsonObject *object)
{
    if (!value.isObject())
        return expected(path, QStringLiteral("an object"), value);
    *object = value.toObject();
    return true;
}

bool RulesParser::readString(const QJsonValue &value, const QString &path, QString *text)
{
    if (!value.isString() || value.toString().isEmpty())
        return expected(path, QStringLiteral("a non-empty string"), value);
    *text = value.toString();
    return true;
}

bool RulesParser::readInteger(const QJsonValue &value, const QString &path, int min, int max,
                              int *number)
{
    const double n = value.toDouble(std::nan(""));
    if (!value.isDouble() || n != std::floor(n) || n < min || n > max)
        return fail(path,
                    QStringLiteral("expected an integer from %1 to %2, got %3")
                        .arg(min)
                        .arg(max)
                        .arg(value.isDouble() ? QString::fromUtf8(compact(value)) : kindOf(value)));
    *number = int(n);
    return true;
}

bool RulesParser::readTrue(const QJsonValue &value, const QString &path)
{
    if (value != QJsonValue(true))
        return expected(path, QStringLiteral("true"), value);
    return true;
}

bool RulesParser::parseDocument(const QJsonObject &root, MockRulesData *data)
{
    if (!checkKeys(root, {}, {QStringLiteral("version"), QStringLiteral("namespaces")}))
        return false;
    int version = 0;
    if (!root.contains(QStringLiteral("version")))
        return fail(QStringLiteral("version"),
                    QStringLiteral("missing (write \"version\": %1)").arg(MockRules::Version));
    if (!readInteger(root.value(QStringLiteral("version")), QStringLiteral("version"),
                     MockRules::Version, MockRules::Version, &version))
        return false;
    QJsonObject namespaces;
    if (!root.contains(QStringLiteral("namespaces")))
        return fail(QStringLiteral("namespaces"), QStringLiteral("missing"));
    if (!readObject(root.value(QStringLiteral("namespaces")), QStringLiteral("namespaces"),
                    &namespaces))
        return false;
    if (namespaces.isEmpty())
        return fail(QStringLiteral("namespaces"),
                    QStringLiteral("empty (name at least one, e.g. \"/\": {})"));
    for (auto it = namespaces.begin(); it != namespaces.end(); ++it) {
        MockNamespace ns;
        if (!parseNamespace(it.key(), it.value(), member(QStringLiteral("namespaces"), it.key()),
                            &ns))
            return false;
        // "/" first: it is the one most rules are about.
        if (ns.name == RootNamespace)
            data->namespaces.prepend(ns);
        else
            data->namespaces.append(ns);
    }
    return true;
}

bool RulesParser::parseNamespace(const QString &name, const QJsonValue &value, const QString &path,
                                 MockNamespace *ns)
{
    if (!name.startsWith(QLatin1Char('/')) || name.contains(QLatin1Char(',')) ||
        name.contains(QLatin1Char('?')))
        return fail(path, QStringLiteral("a namespace name starts with \"/\" and has no \",\" "
                                         "or \"?\""));
    ns->name = name;
    QJsonObject object;
    if (!readObject(value, path, &object))
        return false;
    if (!checkKeys(object, path,
                   {QStringLiteral("auth"), QStringLiteral("refuse"), QStringLiteral("onConnect"),
                    QStringLiteral("on"), QStringLiteral("every")}))
        return false;

    if (object.contains(QStringLiteral("auth"))) {
        ns->requiresAuth = true;
        if (!readObject(object.value(QStringLiteral("auth")), member(path, QStringLiteral("auth")),
                        &ns->auth))
            return false;
    }
    if (object.contains(QStringLiteral("refuse"))) {
        const QString refusePath = member(path, QStringLiteral("refuse"));
        QJsonObject refuse;
        if (!readObject(object.value(QStringLiteral("refuse")), refusePath, &refuse) ||
            !checkKeys(refuse, refusePath, {QStringLiteral("message"), QStringLiteral("data")}))
            return false;
        if (refuse.contains(QStringLiteral("message")) &&
            !readString(refuse.value(QStringLiteral("message")),
                        member(refusePath, QStringLiteral("message")), &ns->refuseMessage))
            return false;
        if (refuse.contains(QStringLiteral("data")))
            ns->refuseData = refuse.value(QStringLiteral("data"));
        ns->refuseAlways = !ns->requiresAuth;
    }
    if (object.contains(QStringLiteral("onConnect")) &&
        !parseActions(object.value(QStringLiteral("onConnect")),
                      member(path, QStringLiteral("onConnect")), Trigger::Connect, name,
                      &ns->onConnect))
        return false;

    if (object.contains(QStringLiteral("on"))) {
        const QString onPath = member(path, QStringLiteral("on"));
        QJsonObject on;
        if (!readObject(object.value(QStringLiteral("on")), onPath, &on))
            return false;
        for (auto it = on.begin(); it != on.end(); ++it) {
            MockHandler handler;
            handler.event = it.key();
            const QString handlerPath = member(onPath, it.key());
            if (it.key() != AnyEvent && !validate(SocketIoPacket(SocketIoPacket::Event, name,
                                                                 compact(QJsonArray{it.key()})),
                                                  handlerPath))
                return false;
            if (!parseActions(it.value(), handlerPath, Trigger::Event, name, &handler.actions))
                return false;
            ns->handlers.append(handler);
        }
    }

    if (object.contains(QStringLiteral("every"))) {
        const QString everyPath = member(path, QStringLiteral("every"));
        const QJsonValue every = object.value(QStringLiteral("every"));
        if (!every.isArray())
            return expected(everyPath, QStringLiteral("an array"), every);
        const QJsonArray entries = every.toArray();
        for (int i = 0; i < entries.size(); ++i) {
            const QString entryPath = item(everyPath, i);
            QJsonObject entry;
            MockEvery periodic;
            if (!readObject(entries.at(i), entryPath, &entry) ||
                !checkKeys(entry, entryPath,
                           {QStringLiteral("intervalMs"), QStringLiteral("count"),
                            QStringLiteral("emit")}))
                return false;
            if (!entry.contains(QStringLiteral("intervalMs")))
                return fail(member(entryPath, QStringLiteral("intervalMs")),
                            QStringLiteral("missing"));
            if (!entry.contains(QStringLiteral("emit")))
                return fail(member(entryPath, QStringLiteral("emit")), QStringLiteral("missing"));
            if (!readInteger(entry.value(QStringLiteral("intervalMs")),
                             member(entryPath, QStringLiteral("intervalMs")), 1, MaxIntervalMs,
                             &periodic.intervalMs))
                return false;
            if (entry.contains(QStringLiteral("count")) &&
                !readInteger(entry.value(QStringLiteral("count")),
                             member(entryPath, QStringLiteral("count")), 1,
                             std::numeric_limits<int>::max(), &periodic.count))
                return false;
            if (!parseEmit(entry.value(QStringLiteral("emit")),
                           member(entryPath, QStringLiteral("emit")), Trigger::Every, name,
                           &periodic.action))
                return false;
            ns->every.append(periodic);
        }
    }
    return true;
}

bool RulesParser::parseActions(const QJsonValue &value, const QString &path, Trigger trigger,
                               const QString &nsp, QList<MockAction> *actions)
{
    // One action, or a list of them.
    const bool single = value.isObject();
    if (!single && !value.isArray())
        return expected(path, QStringLiteral("an action object or an array of actions"), value);
    const QJsonArray list = single ? QJsonArray{value} : value.toArray();
    bool acked = false;
    for (int i = 0; i < list.size(); ++i) {
        const QString actionPath = single ? path : item(path, i);
        MockAction action;
        if (!parseAction(list.at(i), actionPath, trigger, nsp, &action))
            return false;
        if (action.kind == ActionKind::Ack && std::exchange(acked, true))
            return fail(actionPath, QStringLiteral("a second ack (an event is acked once)"));
        actions->append(action);
    }
    return true;
}

bool RulesParser::parseAction(const QJsonValue &value, const QString &path, Trigger trigger,
                              const QString &nsp, MockAction *action)
{
    static const QStringList kinds{QStringLiteral("emit"),       QStringLiteral("ack"),
                                   QStringLiteral("join"),       QStringLiteral("leave"),
                                   QStringLiteral("disconnect"), QStringLiteral("drop"),
                                   QStringLiteral("invalid")};
    QJsonObject object;
    if (!readObject(value, path, &object) ||
        !checkKeys(object, path, kinds + QStringList{QStringLiteral("delayMs")}))
        return false;
    QStringList given;
    for (const QString &kind : kinds) {
        if (object.contains(kind))
            given.append(kind);
    }
    if (given.size() != 1)
        return fail(path, QStringLiteral("expected exactly one of %1, got %2")
                              .arg(kinds.join(QStringLiteral(", ")),
                                   given.isEmpty() ? QStringLiteral("none")
                                                   : given.join(QStringLiteral(" and "))));
    if (object.contains(QStringLiteral("delayMs")) &&
        !readInteger(object.value(QStringLiteral("delayMs")),
                     member(path, QStringLiteral("delayMs")), 0, MaxDelayMs, &action->delayMs))
        return false;

    const QString kind = given.first();
    const QString kindPath = member(path, kind);
    const QJsonValue body = object.value(kind);
    action->kind = ActionKind(kinds.indexOf(kind));
    bool ok = true;
    switch (action->kind) {
    case ActionKind::Emit:
        ok = parseEmit(body, kindPath, trigger, nsp, action);
        break;
    case ActionKind::Ack:
        ok = parseAck(body, kindPath, trigger, nsp, action);
        break;
    case ActionKind::Join:
    case ActionKind::Leave:
        ok = readString(body, kindPath, &action->room);
        action->description = QStringLiteral("%1 room %2").arg(kind, quoted(action->room));
        break;
    case ActionKind::Disconnect:
        ok = readTrue(body, kindPath);
        action->description = QStringLiteral("disconnect the namespace");
        break;
    case ActionKind::Drop:
        ok = readTrue(body, kindPath);
        action->description = QStringLiteral("drop the connection");
        break;
    case ActionKind::Invalid:
        ok = parseInvalid(body, kindPath, nsp, action);
        break;
    }
    if (ok && action->delayMs > 0)
        action->description =
            QStringLiteral("after %1 ms, %2").arg(action->delayMs).arg(action->description);
    return ok;
}

bool RulesParser::parseEmit(const QJsonValue &value, const QString &path, Trigger trigger,
                            const QString &nsp, MockAction *action)
{
    QJsonObject object;
    if (!readObject(value, path, &object) ||
        !checkKeys(object, path,
                   {QStringLiteral("event"), QStringLiteral("args"), QStringLiteral("to")}))
        return false;
    QString event;
    if (!object.contains(QStringLiteral("event")))
        return fail(member(path, QStringLiteral("event")), QStringLiteral("missing"));
    if (!readString(object.value(QStringLiteral("event")), member(path, QStringLiteral("event")),
                    &event))
        return false;
    action->kind = ActionKind::Emit;
    action->eventJson = compact(event);

    QString to = trigger == Trigger::Every ? QStringLiteral("all") : QStringLiteral("sender");
    if (object.contains(QStringLiteral("to")) &&
        !readString(object.value(QStringLiteral("to")), member(path, QStringLiteral("to")), &to))
        return false;
    QString targetText;
    if (to == QLatin1String("sender") && trigger != Trigger::Every) {
        action->target = Target::Sender;
        targetText = to;
    } else if (to == QLatin1String("all")) {
        action->target = Target::All;
        targetText = QStringLiteral("all");
    } else if (to == QLatin1String("others") && trigger != Trigger::Every) {
        action->target = Target::Others;
        targetText = QStringLiteral("the others");
    } else if (to.startsWith(QLatin1String("room:")) && to.size() > 5) {
        action->target = Target::Room;
        action->room = to.mid(5);
        targetText = QStringLiteral("room %1").arg(quoted(action->room));
    } else {
        return fail(member(path, QStringLiteral("to")),
                    trigger == Trigger::Every
                        ? QStringLiteral("expected \"all\" or \"room:<name>\" (a periodic emit "
                                         "has no sender), got %1")
                              .arg(quoted(to))
                        : QStringLiteral("expected \"sender\", \"all\", \"others\" or "
                                         "\"room:<name>\", got %1")
                              .arg(quoted(to)));
    }

    QJsonArray args;
    if (!parseArgs(object.value(QStringLiteral("args")), member(path, QStringLiteral("args")),
                   trigger, &args, &action->echoArgs, &action->attachments))
        return false;
    args.prepend(event);
    if (!action->echoArgs)
        action->dataJson = compact(args);
    SocketIoPacket packet(action->attachments.isEmpty() ? SocketIoPacket::Event
                                                        : SocketIoPacket::BinaryEvent,
                          nsp, action->echoArgs ? compact(QJsonArray{event}) : action->dataJson);
    packet.attachments = action->attachments;
    if (!validate(packet, path))
        return false;
    action->description =
        QStringLiteral("emit %1 to %2%3")
            .arg(quoted(event), targetText,
                 action->echoArgs                ? QStringLiteral(" with the received arguments")
                 : action->attachments.isEmpty() ? QString()
                                                 : QStringLiteral(" with %1 binary attachment(s)")
                                                       .arg(action->attachments.size()));
    return true;
}

bool RulesParser::parseAck(const QJsonValue &value, const QString &path, Trigger trigger,
                           const QString &nsp, MockAction *action)
{
    if (trigger != Trigger::Event)
        return fail(path, QStringLiteral("ack answers a received event: only in \"on\" handlers"));
    QJsonObject object;
    if (!readObject(value, path, &object) || !checkKeys(object, path, {QStringLiteral("args")}))
        return false;
    QJsonArray args;
    if (!parseArgs(object.value(QStringLiteral("args")), member(path, QStringLiteral("args")),
                   trigger, &args, &action->echoArgs, &action->attachments))
        return false;
    if (!action->echoArgs) {
        action->dataJson = compact(args);
        SocketIoPacket packet(action->attachments.isEmpty() ? SocketIoPacket::Ack
                                                            : SocketIoPacket::BinaryAck,
                              nsp, action->dataJson, 0);
        packet.attachments = action->attachments;
        if (!validate(packet, path))
            return false;
    }
    action->description =
        action->echoArgs ? QStringLiteral("ack with the received arguments")
        : action->attachments.isEmpty()
            ? QStringLiteral("ack")
            : QStringLiteral("ack with %1 binary attachment(s)").arg(action->attachments.size());
    return true;
}

bool RulesParser::parseInvalid(const QJsonValue &value, const QString &path, const QString &nsp,
                               MockAction *action)
{
    const QString prefix = nsp == RootNamespace ? QString() : nsp + QLatin1Char(',');
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        QString raw;
        if (!checkKeys(object, path, {QStringLiteral("raw")}))
            return false;
        if (!object.contains(QStringLiteral("raw")))
            return fail(member(path, QStringLiteral("raw")), QStringLiteral("missing"));
        if (!readString(object.value(QStringLiteral("raw")), member(path, QStringLiteral("raw")),
                        &raw))
            return false;
        action->rawMessage = raw.toUtf8();
        action->description = QStringLiteral("send the raw message %1").arg(quoted(raw));
        return true;
    }
    QStringList names;
    for (const InvalidPacket &packet : InvalidPackets) {
        names.append(quoted(QLatin1String(packet.name)));
        if (value.toString() == QLatin1String(packet.name)) {
            action->rawMessage = QString::fromLatin1(packet.text).arg(prefix).toUtf8();
            action->description =
                QStringLiteral("send an invalid packet (%1)").arg(QLatin1String(packet.name));
            return true;
        }
    }
    return fail(path, QStringLiteral("expected %1 or {\"raw\": \"<message text>\"}, got %2")
                          .arg(names.join(QStringLiteral(", ")),
                               value.isString() ? quoted(value.toString()) : kindOf(value)));
}

bool RulesParser::parseArgs(const QJsonValue &value, const QString &path, Trigger trigger,
                            QJsonArray *args, bool *echo, QList<QByteArray> *attachments)
{
    if (value.isUndefined())
        return true; // no arguments
    if (value.isString() && value.toString() == EchoArgs) {
        if (trigger != Trigger::Event)
            return fail(path, QStringLiteral("\"$args\" echoes a received event: only in \"on\" "
                                             "handlers"));
        *echo = true;
        return true;
    }
    if (!value.isArray())
        return expected(path, QStringLiteral("an array or \"$args\""), value);
    QJsonValue resolved = value;
    if (!resolveBinaries(&resolved, path, attachments))
        return false;
    *args = resolved.toArray();
    return true;
}

// Replaces every {"$binary": "<file>"} with a placeholder and reads the file, in document order.
bool RulesParser::resolveBinaries(QJsonValue *value, const QString &path,
                                  QList<QByteArray> *attachments)
{
    if (value->isArray()) {
        QJsonArray array = value->toArray();
        for (int i = 0; i < array.size(); ++i) {
            QJsonValue element = array.at(i);
            if (!resolveBinaries(&element, item(path, i), attachments))
                return false;
            array[i] = element;
        }
        *value = array;
        return true;
    }
    if (!value->isObject())
        return true;
    QJsonObject object = value->toObject();
    if (!object.contains(BinaryKey)) {
        if (object.contains(QStringLiteral("_placeholder")))
            return fail(member(path, QStringLiteral("_placeholder")),
                        QStringLiteral("write {\"$binary\": \"<file>\"} for a binary argument; "
                                       "placeholders are made from it"));
        for (auto it = object.begin(); it != object.end(); ++it) {
            QJsonValue element = it.value();
            if (!resolveBinaries(&element, member(path, it.key()), attachments))
                return false;
            it.value() = element;
        }
        *value = object;
        return true;
    }
    const QString binaryPath = member(path, BinaryKey);
    if (object.size() != 1)
        return fail(path, QStringLiteral("a {\"$binary\": \"<file>\"} object has no other keys"));
    QString fileName;
    if (!readString(object.value(BinaryKey), binaryPath, &fileName))
        return false;
    QFile file(QDir(m_baseDir).filePath(fileName));
    if (!QFileInfo(file).isFile() || !file.open(QIODevice::ReadOnly))
        return fail(binaryPath, QStringLiteral("cannot read %1: %2")
                                    .arg(file.fileName(), QFileInfo(file).isFile()
                                                              ? file.errorString()
                                                              : QStringLiteral("no such file")));
    if (file.size() > MockRules::MaxBinaryFileBytes)
        return fail(binaryPath, QStringLiteral("%1 has %2 bytes, more than the %3 allowed")
                                    .arg(file.fileName())
                                    .arg(file.size())
                                    .arg(MockRules::MaxBinaryFileBytes));
    m_binaryBytes += file.size();
    if (m_binaryBytes > MockRules::MaxBinaryTotalBytes)
        return fail(binaryPath, QStringLiteral("the binary files add up to more than %1 bytes")
                                    .arg(MockRules::MaxBinaryTotalBytes));
    const QByteArray bytes = file.read(MockRules::MaxBinaryFileBytes + 1);
    if (bytes.size() != file.size())
        return fail(binaryPath,
                    QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
    *value = QJsonObject{{QStringLiteral("_placeholder"), true},
                         {QStringLiteral("num"), int(attachments->size())}};
    attachments->append(bytes);
    return true;
}

bool RulesParser::validate(const SocketIoPacket &packet, const QString &path)
{
    QString error;
    if (!SocketIoEncoder::validate(packet, SocketIoProtocol::V5, &error))
        return fail(path, error);
    return true;
}

QString lineAndColumn(const QByteArray &json, int offset)
{
    const QByteArray before = json.left(offset);
    const int lineStart = before.lastIndexOf('\n') + 1;
    return QStringLiteral("line %1, column %2")
        .arg(before.count('\n') + 1)
        .arg(QString::fromUtf8(before.mid(lineStart)).size() + 1);
}

// QJsonDocument keeps one of two equal keys without a word, so a rules file that names an event
// twice would lose the handlers of one. `json` is what QJsonDocument has read: scanned in its
// dialect and with no depth limit of its own, it gets through wherever Qt did. "_placeholder"
// means nothing in a rules file.
JsonScanner::Result scanForDuplicateKeys(const QByteArray &json)
{
    JsonScanner::Options options;
    options.dialect = JsonScanner::Dialect::QJsonDocument;
    options.maxDepth = std::numeric_limits<int>::max();
    options.rejectDuplicateKeys = true;
    options.checkPlaceholders = false;
    return JsonScanner::scan(json, options);
}

QString handlerContext(const QString &nsp, const QString &event)
{
    return event == AnyEvent ? QStringLiteral("%1 on any other event").arg(nsp)
                             : QStringLiteral("%1 on %2").arg(nsp, quoted(event));
}

QString everyContext(const QString &nsp, const MockEvery &every)
{
    return QStringLiteral("%1 every %2 ms%3")
        .arg(nsp)
        .arg(every.intervalMs)
        .arg(every.count > 0 ? QStringLiteral(" (%1 times)").arg(every.count) : QString());
}

} // namespace

// --- MockRules --------------------------------------------------------------------------------

MockRules::MockRules(std::shared_ptr<const MockRulesData> data)
    : d(std::move(data))
{
}

std::optional<MockRules> MockRules::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    if (file.size() > MaxFileBytes) {
        *error = QStringLiteral("%1 has %2 bytes, more than the %3 a rules file may have")
                     .arg(path)
                     .arg(file.size())
                     .arg(MaxFileBytes);
        return std::nullopt;
    }
    std::optional<MockRules> rules =
        parse(file.read(MaxFileBytes + 1), QFileInfo(path).absolutePath(), error);
    if (!rules)
        *error = QStringLiteral("%1: %2").arg(path, *error);
    return rules;
}

std::optional<MockRules> MockRules::parse(const QByteArray &json, const QString &baseDir,
                                          QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("%1: %2").arg(lineAndColumn(json, parseError.offset),
                                              parseError.errorString());
        return std::nullopt;
    }
    if (const JsonScanner::Result scanned = scanForDuplicateKeys(json);
        !scanned.duplicateKey.isNull()) {
        *error =
            QStringLiteral("%1: the key %2 appears a second time in the same object (JSON "
                           "would keep only one of them)")
                .arg(lineAndColumn(json, int(scanned.errorOffset)), quoted(scanned.duplicateKey));
        return std::nullopt;
    }
    if (!document.isObject()) {
        *error = QStringLiteral("expected an object at the top ({\"version\": 1, "
                                "\"namespaces\": {...}})");
        return std::nullopt;
    }
    auto data = std::make_shared<MockRulesData>();
    RulesParser parser(baseDir);
    if (!parser.parseDocument(document.object(), data.get())) {
        *error = parser.error();
        return std::nullopt;
    }
    return MockRules(data);
}

QStringList MockRules::namespaces() const
{
    QStringList names;
    for (const MockNamespace &ns : d->namespaces)
        names.append(ns.name);
    return names;
}

QStringList MockRules::describe() const
{
    QStringList lines;
    for (const MockNamespace &ns : d->namespaces) {
        if (ns.refuseAlways)
            lines.append(
                QStringLiteral("%1 refused with %2").arg(ns.name, quoted(ns.refuseMessage)));
        else if (ns.requiresAuth)
            lines.append(
                QStringLiteral("%1 requires auth %2, else refused with %3")
                    .arg(ns.name, QString::fromUtf8(compact(ns.auth)), quoted(ns.refuseMessage)));
        else
            lines.append(QStringLiteral("%1 accepts every client").arg(ns.name));
        for (const MockAction &action : ns.onConnect)
            lines.append(QStringLiteral("%1 on connect: %2").arg(ns.name, action.description));
        for (const MockHandler &handler : ns.handlers) {
            for (const MockAction &action : handler.actions)
                lines.append(QStringLiteral("%1: %2").arg(handlerContext(ns.name, handler.event),
                                                          action.description));
        }
        for (const MockEvery &every : ns.every)
            lines.append(QStringLiteral("%1: %2").arg(everyContext(ns.name, every),
                                                      every.action.description));
    }
    return lines;
}

// --- MockRulesEngine --------------------------------------------------------------------------

class MockRulesEnginePrivate
{
public:
    MockRulesEnginePrivate(MockRulesEngine *q, SocketIoServer *server, const MockRules &rules)
        : q(q)
        , server(server)
        , rules(rules)
    {
    }

    void install(const MockNamespace &rules, SocketIoServerNamespace *ns);
    // Runs `actions` from `first` on, in order; a delay parks the rest on a timer.
    void run(const QPointer<SocketIoServerSocket> &socket, const QString &context,
             const QList<MockAction> &actions, int first, const SocketIoPacket &received,
             bool waited = false);
    bool perform(SocketIoServerSocket *socket, const MockAction &action,
                 const SocketIoPacket &received, QString *outcome);
    void tick(SocketIoServerNamespace *ns, const QString &context, const MockEvery &every,
              QTimer *timer);

    MockRulesEngine *q;
    SocketIoServer *server;
    MockRules rules;
    bool running = false;
    QList<QTimer *> everyTimers;
    QHash<QTimer *, int> everyCounts; // emits that reached a socket, per periodic timer
    QSet<QTimer *> delayed;
};

void MockRulesEnginePrivate::install(const MockNamespace &rules, SocketIoServerNamespace *ns)
{
    if (rules.requiresAuth || rules.refuseAlways) {
        ns->setConnectHook([rules](const SocketIoConnectRequest &request) {
            bool accepted = !rules.refuseAlways;
            for (auto it = rules.auth.begin(); accepted && it != rules.auth.end(); ++it)
                accepted = request.auth.value(it.key()) == it.value();
            return accepted
                       ? SocketIoConnectDecision::accepted()
                       : SocketIoConnectDecision::refused(rules.refuseMessage, rules.refuseData);
        });
    }
    QObject::connect(
        ns, &SocketIoServerNamespace::connectRefused, q,
        [this](const SocketIoConnectRequest &request, const SocketIoConnectDecision &decision) {
            if (running)
                Q_EMIT q->ruleFired(
                    QStringLiteral("%1 refused session %2: %3")
                        .arg(request.nsp, request.engineSid, quoted(decision.message)));
        });
    const QString name = rules.name;
    const QList<MockAction> onConnect = rules.onConnect;
    QObject::connect(ns, &SocketIoServerNamespace::socketConnected, q,
                     [this, name, onConnect](SocketIoServerSocket *socket) {
                         if (running)
                             run(socket, QStringLiteral("%1 on connect").arg(name), onConnect, 0,
                                 {});
                     });
    const QList<MockHandler> handlers = rules.handlers;
    QObject::connect(
        ns, &SocketIoServerNamespace::eventReceived, q,
        [this, name, handlers](SocketIoServerSocket *socket, const SocketIoPacket &packet) {
            if (!running)
                return;
            const MockHandler *match = nullptr;
            for (const MockHandler &handler : handlers) {
                if (handler.event == packet.eventName())
                    match = &handler;
                else if (handler.event == AnyEvent && !match)
                    match = &handler;
            }
            if (match)
                run(socket, handlerContext(name, match->event), match->actions, 0, packet);
        });
    for (const MockEvery &every : rules.every) {
        auto *timer = new QTimer(q);
        timer->setInterval(every.intervalMs);
        const QString context = everyContext(name, every);
        QObject::connect(timer, &QTimer::timeout, q,
                         [this, ns, context, every, timer] { tick(ns, context, every, timer); });
        everyTimers.append(timer);
    }
}

void MockRulesEnginePrivate::run(const QPointer<SocketIoServerSocket> &socket,
                                 const QString &context, const QList<MockAction> &actions,
                                 int first, const SocketIoPacket &received, bool waited)
{
    for (int i = first; i < actions.size(); ++i) {
        const MockAction &action = actions.at(i);
        if (action.delayMs > 0 && !(waited && i == first)) {
            // Park the rest; the timer comes back here at this action, its delay over.
            auto *timer = new QTimer(q);
            timer->setSingleShot(true);
            delayed.insert(timer);
            QObject::connect(timer, &QTimer::timeout, q,
                             [this, socket, context, actions, i, received, timer] {
                                 delayed.remove(timer);
                                 timer->deleteLater();
                                 run(socket, context, actions, i, received, true);
                             });
            timer->start(action.delayMs);
            return;
        }
        if (!socket || !socket->isConnected()) {
            Q_EMIT q->errorOccurred(QStringLiteral("%1: %2 not done: the socket is gone")
                                        .arg(context, action.description));
            return;
        }
        QString outcome;
        if (perform(socket, action, received, &outcome))
            Q_EMIT q->ruleFired(
                QStringLiteral("%1: %2%3").arg(context, action.description, outcome));
        else
            Q_EMIT q->errorOccurred(
                QStringLiteral("%1: %2 failed: %3").arg(context, action.description, outcome));
    }
}

bool MockRulesEnginePrivate::perform(SocketIoServerSocket *socket, const MockAction &action,
                                     const SocketIoPacket &received, QString *outcome)
{
    using SocketIoDefaultHandlers::dropFirstItem;
    using SocketIoDefaultHandlers::replaceFirstItem;
    SocketIoServerSocket::SendResult result;
    switch (action.kind) {
    case ActionKind::Emit: {
        const QByteArray json = action.echoArgs
                                    ? replaceFirstItem(received.payload, action.eventJson)
                                    : action.dataJson;
        const QList<QByteArray> &attachments =
            action.echoArgs ? received.attachments : action.attachments;
        if (action.target == Target::Sender) {
            result = socket->emitEventJson(json, attachments);
            break;
        }
        SocketIoServerNamespace *ns = server->findNamespace(socket->nsp());
        const int count = ns->emitToRoomJson(
            action.target == Target::Room ? action.room : QString(), json, attachments,
            action.target == Target::Others ? socket->id() : QString());
        *outcome = QStringLiteral(" (%1 socket(s))").arg(count);
        return true;
    }
    case ActionKind::Ack:
        if (!received.hasId()) {
            *outcome = QStringLiteral(" skipped: the event asked for no ack");
            return true;
        }
        result = action.echoArgs
                     ? socket->sendAckJson(received.id, dropFirstItem(received.payload),
                                           received.attachments)
                     : socket->sendAckJson(received.id, action.dataJson, action.attachments);
        break;
    case ActionKind::Join:
        socket->join(action.room);
        return true;
    case ActionKind::Leave:
        socket->leave(action.room);
        return true;
    case ActionKind::Disconnect:
        socket->disconnectFromServer();
        return true;
    case ActionKind::Drop:
        if (EngineIoServerSocket *engine = server->engine()->session(socket->engineSid()))
            engine->drop(QStringLiteral("dropped by a mock rule"));
        return true;
    case ActionKind::Invalid:
        result = socket->sendRawMessage(action.rawMessage,
                                        QStringLiteral("deliberately invalid (mock rules)"));
        break;
    }
    if (!result.ok)
        *outcome = result.error;
    return result.ok;
}

void MockRulesEnginePrivate::tick(SocketIoServerNamespace *ns, const QString &context,
                                  const MockEvery &every, QTimer *timer)
{
    const int count =
        ns->emitToRoomJson(every.action.target == Target::Room ? every.action.room : QString(),
                           every.action.dataJson, every.action.attachments);
    // Only emits that reached someone count: "count" is what a client gets to see.
    if (count == 0)
        return;
    Q_EMIT q->ruleFired(
        QStringLiteral("%1: %2 (%3 socket(s))").arg(context, every.action.description).arg(count));
    if (every.count > 0 && ++everyCounts[timer] >= every.count)
        timer->stop();
}

MockRulesEngine::MockRulesEngine(SocketIoServer *server, const MockRules &rules)
    : QObject(server)
    , d(new MockRulesEnginePrivate(this, server, rules))
{
    // Namespaces the rules do not name are refused ("Invalid namespace"), "/" included.
    if (!rules.namespaces().contains(RootNamespace))
        server->removeNamespace(RootNamespace);
    for (const MockNamespace &ns : rules.d->namespaces)
        d->install(ns, server->addNamespace(ns.name));
    connect(server, &SocketIoServer::closed, this, &MockRulesEngine::stop);
}

MockRulesEngine::~MockRulesEngine() = default;

MockRules MockRulesEngine::rules() const
{
    return d->rules;
}

void MockRulesEngine::start()
{
    if (d->running)
        return;
    d->running = true;
    d->everyCounts.clear();
    for (QTimer *timer : std::as_const(d->everyTimers))
        timer->start();
    qCDebug(lcServer) << "mock rules started:" << d->rules.describe();
}

void MockRulesEngine::stop()
{
    d->running = false;
    for (QTimer *timer : std::as_const(d->everyTimers))
        timer->stop();
    qDeleteAll(std::exchange(d->delayed, {}));
}

bool MockRulesEngine::isRunning() const
{
    return d->running;
}
