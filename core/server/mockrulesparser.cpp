// RulesParser: a rules file's JSON to the data model of mockrules_p.h. A syntax error names its
// line and column; a mistake in the rules names its JSON path.
#include "server/mockrules.h"

#include "common/jsonscanner.h"
#include "server/mockrules_p.h"
#include "socketio/socketiocodec.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <limits>

using namespace MockRulesText;

namespace {

constexpr int MaxDelayMs = 3600 * 1000;
constexpr int MaxIntervalMs = 24 * 3600 * 1000;
const QString EchoArgs = QStringLiteral("$args");
const QString BinaryKey = QStringLiteral("$binary");
const QString CommentKey = QStringLiteral("comment");

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
        if (action.kind == MockAction::Kind::Ack && std::exchange(acked, true))
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
    action->kind = MockAction::Kind(kinds.indexOf(kind));
    bool ok = true;
    switch (action->kind) {
    case MockAction::Kind::Emit:
        ok = parseEmit(body, kindPath, trigger, nsp, action);
        break;
    case MockAction::Kind::Ack:
        ok = parseAck(body, kindPath, trigger, nsp, action);
        break;
    case MockAction::Kind::Join:
    case MockAction::Kind::Leave:
        ok = readString(body, kindPath, &action->room);
        action->description = QStringLiteral("%1 room %2").arg(kind, quoted(action->room));
        break;
    case MockAction::Kind::Disconnect:
        ok = readTrue(body, kindPath);
        action->description = QStringLiteral("disconnect the namespace");
        break;
    case MockAction::Kind::Drop:
        ok = readTrue(body, kindPath);
        action->description = QStringLiteral("drop the connection");
        break;
    case MockAction::Kind::Invalid:
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
    action->kind = MockAction::Kind::Emit;
    action->eventJson = compact(event);

    QString to = trigger == Trigger::Every ? QStringLiteral("all") : QStringLiteral("sender");
    if (object.contains(QStringLiteral("to")) &&
        !readString(object.value(QStringLiteral("to")), member(path, QStringLiteral("to")), &to))
        return false;
    QString targetText;
    if (to == QLatin1String("sender") && trigger != Trigger::Every) {
        action->target = MockAction::Target::Sender;
        targetText = to;
    } else if (to == QLatin1String("all")) {
        action->target = MockAction::Target::All;
        targetText = QStringLiteral("all");
    } else if (to == QLatin1String("others") && trigger != Trigger::Every) {
        action->target = MockAction::Target::Others;
        targetText = QStringLiteral("the others");
    } else if (to.startsWith(QLatin1String("room:")) && to.size() > 5) {
        action->target = MockAction::Target::Room;
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

} // namespace

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
