#include "scenario/rulesfromsession.h"

#include "scenario/binaryarguments.h"
#include "scenario/jsonpath.h"
#include "scenario/payloadmatch.h"
#include "scenario/scenariofromsession.h"
#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>

#include <algorithm>
#include <cmath>

namespace {

// The mock rules' bounds (docs/server.md): a delay, and a periodic emit's interval.
constexpr qint64 MaxDelayMs = 3600000;
constexpr qint64 MaxIntervalMs = 86400000;
// Closer than this, a run of events is a burst, not a timer.
constexpr qint64 MinPeriodicIntervalMs = 10;
// Past this width, a JSON value is written over several lines.
constexpr qsizetype LineWidth = 100;

QString json(const QJsonValue &value)
{
    return PayloadMatch::compactJson(value);
}

qint64 toMs(qint64 us)
{
    return qint64(std::llround(double(us) / 1000.0));
}

// One thing the server did in a window, as the client saw it.
struct ServerAction
{
    qint64 timeUs = 0;
    qint64 row = 0;
    QJsonObject action; // {"emit": ...}, {"ack": ...} or {"disconnect": true}, without delayMs
    QStringList comments;
};

// What triggered the server: our event sent on a namespace, or the namespace's CONNECT answered
// (an empty event), and what the server did until our next event there.
struct Window
{
    QString nsp;
    QString event;
    qint64 timeUs = 0;
    QJsonArray args; // ours, binaries as {"$binary": base64}: what "$args" stands for
    QList<ServerAction> actions;
};

// An EVENT the server sent, before it is taken as periodic or as an answer.
struct ServerEvent
{
    qint64 row = 0;
    qint64 timeUs = 0;
    QString nsp;
    QString name;
    QJsonArray args;
    qint64 id = -1;
    qsizetype window = -1;
    bool periodic = false;
};

// How a namespace answered one of our CONNECTs.
struct Outcome
{
    QJsonValue auth; // what we sent; Undefined when nothing
    bool accepted = false;
    QString message; // a refusal's
    QJsonValue data = QJsonValue(QJsonValue::Undefined);
};

struct NamespaceInfo
{
    QList<Outcome> outcomes;
    QStringList comments;
};

class Writer
{
public:
    Writer(const SessionLog &log, const RulesFromSessionOptions &options)
        : m_log(log)
        , m_options(options)
    {
    }

    bool run(QByteArray *out, QList<RulesAttachment> *attachments, QString *error);

private:
    // The packet's data, binaries as {"$binary": base64}; `reservedKey` set when an argument
    // holds a key the rules read otherwise.
    QJsonArray payloadOf(qint64 row, QString *reservedKey = nullptr) const;
    qsizetype openWindow(const QString &nsp, const QString &event, qint64 timeUs,
                         const QJsonArray &args);
    void findPeriodic(QMap<QString, QJsonArray> *every);
    // `args` for an emit or ack: "$args" when they are the trigger's, else the array (binaries
    // still as base64: withFiles() makes files of those written); the volatile values the mock
    // repeats as recorded noted in `comments`.
    QJsonValue argsFor(const QJsonArray &args, const Window *trigger, QStringList *comments);
    QJsonValue withFiles(const QJsonValue &value);
    QJsonArray actionList(const QList<qsizetype> &occurrences, QStringList *namespaceComments);
    QJsonObject namespaceRules(const QString &nsp, const NamespaceInfo &info);

    const SessionLog &m_log;
    const RulesFromSessionOptions &m_options;
    QList<Window> m_windows;
    QList<ServerEvent> m_events;
    QHash<QString, qsizetype> m_current; // namespace -> its open window; none once left
    QHash<QByteArray, QString> m_files;  // binary bytes -> the file written for them
    QList<RulesAttachment> m_attachments;
    QString m_error;
};

QString reservedKeyIn(const QJsonValue &value, qsizetype attachmentCount);

QJsonArray Writer::payloadOf(qint64 row, QString *reservedKey) const
{
    const PacketRecord record = m_log.record(row);
    SocketIoPacket packet;
    packet.payload = record.payload;
    const QJsonValue data = packet.data();
    if (reservedKey)
        *reservedKey = reservedKeyIn(data, record.attachments.size());
    return BinaryArguments::fromPlaceholders(data, record.attachments).toArray();
}

qsizetype Writer::openWindow(const QString &nsp, const QString &event, qint64 timeUs,
                             const QJsonArray &args)
{
    m_windows.append(Window{nsp, event, timeUs, args, {}});
    m_current.insert(nsp, m_windows.size() - 1);
    return m_windows.size() - 1;
}

// Each volatile value (a sid, a timestamp...) with its path: the mock sends the recorded one.
void noteVolatile(const QJsonValue &value, const JsonPath &path, QStringList *comments)
{
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            noteVolatile(array.at(i), path.item(i), comments);
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        if (object.size() == 1 && object.contains(QLatin1String("$binary")))
            return;
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            noteVolatile(it.value(), path.member(it.key()), comments);
    } else {
        const QString kind = ScenarioFromSession::volatileKind(value);
        if (!kind.isEmpty())
            comments->append(QStringLiteral("%1 was %2, %3: the mock sends this recorded value")
                                 .arg(path.toString(), json(value), kind));
    }
}

// A key the rules give meaning to in an argument: a recorded object that has one, other than a
// packet's placeholder, cannot be written as it is (the parser would read it as a binary file or
// refuse it). `value` is the packet's data, placeholders not yet replaced.
QString reservedKeyIn(const QJsonValue &value, qsizetype attachmentCount)
{
    if (value.isArray()) {
        for (const QJsonValue &item : value.toArray())
            if (const QString key = reservedKeyIn(item, attachmentCount); !key.isEmpty())
                return key;
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        const int num = object.value(QLatin1String("num")).toInt(-1);
        if (object.size() == 2 && object.value(QLatin1String("_placeholder")) == QJsonValue(true) &&
            num >= 0 && num < attachmentCount)
            return {};
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            if (it.key() == QLatin1String("_placeholder") || it.key() == QLatin1String("$binary"))
                return it.key();
            if (const QString key = reservedKeyIn(it.value(), attachmentCount); !key.isEmpty())
                return key;
        }
    }
    return {};
}

QJsonValue Writer::withFiles(const QJsonValue &value)
{
    if (value.isArray()) {
        QJsonArray out;
        for (const QJsonValue &item : value.toArray())
            out.append(withFiles(item));
        return out;
    }
    if (!value.isObject())
        return value;
    const QJsonObject object = value.toObject();
    if (object.size() == 1 && object.contains(QLatin1String("$binary"))) {
        const QByteArray bytes =
            QByteArray::fromBase64(object.value(QLatin1String("$binary")).toString().toLatin1());
        if (m_options.binaryFolder.isEmpty()) {
            if (m_error.isEmpty())
                m_error = QStringLiteral("the server sent binary arguments, which the rules refer "
                                         "to as files next to the rules file: write the rules to "
                                         "a file (-o)");
            return value;
        }
        QString &file = m_files[bytes];
        if (file.isEmpty()) {
            file = QStringLiteral("%1/%2.bin").arg(m_options.binaryFolder).arg(m_files.size());
            m_attachments.append(RulesAttachment{file, bytes});
        }
        return QJsonObject{{QStringLiteral("$binary"), file}};
    }
    QJsonObject out;
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        out.insert(it.key(), withFiles(it.value()));
    return out;
}

QJsonValue Writer::argsFor(const QJsonArray &args, const Window *trigger, QStringList *comments)
{
    if (trigger && !trigger->event.isEmpty() && !args.isEmpty() && args == trigger->args)
        return QStringLiteral("$args");
    noteVolatile(args, JsonPath(QStringLiteral("args")), comments);
    return args;
}

// The events of one name the server sent on a namespace at a steady interval, which are not
// answers to ours: all in the window of one event of ours (a timed answer), or one in each of
// several (an answer to each) would be. They become a periodic emit and leave the windows.
void Writer::findPeriodic(QMap<QString, QJsonArray> *every)
{
    QMap<QPair<QString, QString>, QList<qsizetype>> series; // (nsp, name) -> events, in order
    for (qsizetype i = 0; i < m_events.size(); ++i)
        if (m_events.at(i).id < 0)
            series[{m_events.at(i).nsp, m_events.at(i).name}].append(i);
    for (auto it = series.constBegin(); it != series.constEnd(); ++it) {
        const QList<qsizetype> &events = it.value();
        if (events.size() < RulesFromSession::MinPeriodicCount)
            continue;
        QList<qint64> gaps;
        for (qsizetype i = 1; i < events.size(); ++i)
            gaps.append(m_events.at(events.at(i)).timeUs - m_events.at(events.at(i - 1)).timeUs);
        QList<qint64> sorted = gaps;
        std::sort(sorted.begin(), sorted.end());
        const qint64 median = sorted.at(sorted.size() / 2);
        const bool steady = std::all_of(gaps.cbegin(), gaps.cend(), [median](qint64 gap) {
            return std::abs(double(gap - median)) <= RulesFromSession::PeriodicTolerance * median;
        });
        const qint64 intervalMs = toMs(median);
        if (!steady || intervalMs < MinPeriodicIntervalMs || intervalMs > MaxIntervalMs)
            continue;
        QList<qsizetype> windows;
        bool allAfterOurs = true;
        for (const qsizetype e : events) {
            const qsizetype w = m_events.at(e).window;
            windows.append(w);
            if (w < 0 || m_windows.at(w).event.isEmpty())
                allAfterOurs = false;
        }
        QList<qsizetype> distinct = windows;
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        if (allAfterOurs && (distinct.size() == 1 || distinct.size() == windows.size()))
            continue;

        const ServerEvent &first = m_events.at(events.first());
        QStringList comments;
        comments.append(
            QStringLiteral("\"%1\" came %2 times, every %3 ms, whatever the client sent: a "
                           "periodic emit, which runs from the server's start")
                .arg(first.name)
                .arg(events.size())
                .arg(intervalMs));
        for (const qsizetype e : events) {
            if (RulesFromSession::maskVolatile(m_events.at(e).args) !=
                RulesFromSession::maskVolatile(first.args)) {
                comments.append(
                    QStringLiteral("the arguments changed from one to the next (the "
                                   "last was %1): the mock sends the first's")
                        .arg(PayloadMatch::shortJson(m_events.at(events.last()).args, 80)));
                break;
            }
        }
        QJsonObject emitted{{QStringLiteral("event"), first.name},
                            {QStringLiteral("to"), QStringLiteral("all")}};
        const QJsonValue args = withFiles(argsFor(first.args, nullptr, &comments));
        if (!args.toArray().isEmpty())
            emitted.insert(QStringLiteral("args"), args);
        QJsonObject entry{{QStringLiteral("intervalMs"), intervalMs},
                          {QStringLiteral("count"), int(events.size())},
                          {QStringLiteral("emit"), emitted}};
        entry.insert(QStringLiteral("comment"),
                     comments.size() == 1 ? QJsonValue(comments.first())
                                          : QJsonValue(QJsonArray::fromStringList(comments)));
        (*every)[first.nsp].append(entry);
        for (const qsizetype e : events)
            m_events[e].periodic = true;
    }
}

QString describeActions(const QList<ServerAction> &actions)
{
    if (actions.isEmpty())
        return QStringLiteral("nothing");
    QStringList parts;
    for (const ServerAction &action : actions)
        parts.append(PayloadMatch::shortJson(RulesFromSession::maskVolatile(action.action), 120));
    return parts.join(QStringLiteral(", "));
}

// The actions of the first occurrence of a trigger, with their delays; how later ones differed
// is written as a comment on the first action, or the namespace's when there is none.
QJsonArray Writer::actionList(const QList<qsizetype> &occurrences, QStringList *namespaceComments)
{
    const Window &first = m_windows.at(occurrences.first());
    const QString trigger = first.event.isEmpty() ? QStringLiteral("the CONNECT")
                                                  : QStringLiteral("\"%1\"").arg(first.event);
    QStringList differences;
    const auto signature = [](const Window &window) {
        QJsonArray out;
        for (const ServerAction &action : window.actions)
            out.append(RulesFromSession::maskVolatile(action.action));
        return out;
    };
    for (qsizetype i = 1; i < occurrences.size(); ++i) {
        const Window &later = m_windows.at(occurrences.at(i));
        if (signature(later) != signature(first))
            differences.append(QStringLiteral("sending %1 was answered with %2")
                                   .arg(i + 1)
                                   .arg(describeActions(later.actions)));
    }
    QString note;
    if (!differences.isEmpty())
        note = QStringLiteral("%1 came %2 times; the mock answers each as the first. %3")
                   .arg(trigger)
                   .arg(occurrences.size())
                   .arg(differences.join(QStringLiteral("; ")));

    QJsonArray list;
    qint64 previousUs = first.timeUs;
    for (const ServerAction &recorded : first.actions) {
        // Binaries become files only here: later sendings' are not written.
        QJsonObject action;
        for (auto it = recorded.action.constBegin(); it != recorded.action.constEnd(); ++it) {
            QJsonObject body = it.value().toObject();
            if (body.value(QLatin1String("args")).isArray())
                body.insert(QStringLiteral("args"), withFiles(body.value(QLatin1String("args"))));
            action.insert(it.key(), it.value().isObject() ? QJsonValue(body) : it.value());
        }
        const qint64 delayMs =
            std::clamp(toMs(recorded.timeUs - previousUs), qint64(0), MaxDelayMs);
        previousUs = recorded.timeUs;
        if (delayMs > 0)
            action.insert(QStringLiteral("delayMs"), delayMs);
        QStringList comments = recorded.comments;
        if (!note.isEmpty() && list.isEmpty())
            comments.prepend(note);
        if (!comments.isEmpty())
            action.insert(QStringLiteral("comment"),
                          comments.size() == 1 ? QJsonValue(comments.first())
                                               : QJsonValue(QJsonArray::fromStringList(comments)));
        list.append(action);
    }
    if (list.isEmpty() && !note.isEmpty())
        namespaceComments->append(note);
    return list;
}

QJsonObject Writer::namespaceRules(const QString &nsp, const NamespaceInfo &info)
{
    QJsonObject rules;
    QStringList comments = info.comments;
    const auto firstRefusal = std::find_if(info.outcomes.cbegin(), info.outcomes.cend(),
                                           [](const Outcome &o) { return !o.accepted; });
    const auto firstAccepted = std::find_if(info.outcomes.cbegin(), info.outcomes.cend(),
                                            [](const Outcome &o) { return o.accepted; });
    if (firstRefusal != info.outcomes.cend()) {
        QJsonObject refuse;
        if (!firstRefusal->message.isEmpty())
            refuse.insert(QStringLiteral("message"), firstRefusal->message);
        if (!firstRefusal->data.isUndefined())
            refuse.insert(QStringLiteral("data"), firstRefusal->data);
        rules.insert(QStringLiteral("refuse"), refuse);
        if (firstAccepted != info.outcomes.cend()) {
            // Refused and accepted: the auth that was accepted is the one required, when every
            // accepted CONNECT carried it and no refused one did (the mock compares the keys of
            // its `auth` only).
            const QJsonObject auth = firstAccepted->auth.toObject();
            const auto satisfies = [&auth](const QJsonValue &sent) {
                const QJsonObject object = sent.toObject();
                for (auto it = auth.constBegin(); it != auth.constEnd(); ++it)
                    if (!object.contains(it.key()) || object.value(it.key()) != it.value())
                        return false;
                return true;
            };
            const bool toldApart =
                std::all_of(info.outcomes.cbegin(), info.outcomes.cend(),
                            [&](const Outcome &o) { return o.accepted == satisfies(o.auth); });
            if (!auth.isEmpty() && toldApart) {
                rules.insert(QStringLiteral("auth"), auth);
                comments.append(QStringLiteral("refused with other auth, accepted with this one"));
            } else {
                rules.remove(QStringLiteral("refuse"));
                comments.append(
                    QStringLiteral("refused %1 time(s) and accepted %2 time(s), not told apart by "
                                   "the CONNECT's auth: the mock accepts every client")
                        .arg(std::count_if(info.outcomes.cbegin(), info.outcomes.cend(),
                                           [](const Outcome &o) { return !o.accepted; }))
                        .arg(std::count_if(info.outcomes.cbegin(), info.outcomes.cend(),
                                           [](const Outcome &o) { return o.accepted; })));
            }
        }
    }
    if (!rules.contains(QStringLiteral("refuse")) || rules.contains(QStringLiteral("auth"))) {
        // Triggers in order of first occurrence.
        QList<QString> order;
        QHash<QString, QList<qsizetype>> occurrences;
        for (qsizetype w = 0; w < m_windows.size(); ++w) {
            if (m_windows.at(w).nsp != nsp)
                continue;
            const QString key = m_windows.at(w).event;
            if (!occurrences.contains(key))
                order.append(key);
            occurrences[key].append(w);
        }
        QJsonObject on;
        for (const QString &key : std::as_const(order)) {
            const QJsonArray list = actionList(occurrences.value(key), &comments);
            if (list.isEmpty())
                continue;
            const QJsonValue actions = list.size() == 1 ? list.first() : QJsonValue(list);
            if (key.isEmpty())
                rules.insert(QStringLiteral("onConnect"), actions);
            else
                on.insert(key, actions);
        }
        if (!on.isEmpty())
            rules.insert(QStringLiteral("on"), on);
    }
    if (!comments.isEmpty())
        rules.insert(QStringLiteral("comment"),
                     comments.size() == 1 ? QJsonValue(comments.first())
                                          : QJsonValue(QJsonArray::fromStringList(comments)));
    return rules;
}

// Compact JSON where it fits on a line, one member or item per line where it does not.
void pretty(const QJsonValue &value, const QString &indent, QString *out)
{
    const QString compact = json(value);
    if (indent.size() + compact.size() <= LineWidth || (!value.isArray() && !value.isObject())) {
        *out += compact;
        return;
    }
    const QString inner = indent + QStringLiteral("  ");
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        *out += QStringLiteral("[\n");
        for (qsizetype i = 0; i < array.size(); ++i) {
            *out += inner;
            pretty(array.at(i), inner, out);
            *out += i + 1 < array.size() ? QStringLiteral(",\n") : QStringLiteral("\n");
        }
        *out += indent + QStringLiteral("]");
        return;
    }
    const QJsonObject object = value.toObject();
    // "comment" and "version" first, where a reader looks for them.
    QStringList keys = object.keys();
    for (const QString &first : {QStringLiteral("version"), QStringLiteral("comment")})
        if (keys.removeOne(first))
            keys.prepend(first);
    *out += QStringLiteral("{\n");
    for (qsizetype i = 0; i < keys.size(); ++i) {
        *out += inner + json(keys.at(i)) + QStringLiteral(": ");
        pretty(object.value(keys.at(i)), inner, out);
        *out += i + 1 < keys.size() ? QStringLiteral(",\n") : QStringLiteral("\n");
    }
    *out += indent + QStringLiteral("}");
}

bool Writer::run(QByteArray *out, QList<RulesAttachment> *attachments, QString *error)
{
    bool sawSocketIo = false;
    QStringList order; // namespaces in order of first appearance
    QHash<QString, NamespaceInfo> namespaces;
    QHash<QString, QJsonValue> pendingAuth; // namespace -> the auth of our CONNECT awaiting
    QHash<QPair<QString, qint64>, qsizetype> awaitingAck; // (nsp, our ack id) -> window
    int skipped = 0;

    for (qint64 row = 0; row < m_log.size(); ++row) {
        if (!m_log.session(row).isEmpty()) {
            *error = QStringLiteral("this is a server's log (serve or the mock server), with many "
                                    "clients in it; rules are made from a client's session");
            return false;
        }
        const PacketRecord::Layer layer = m_log.layer(row);
        if (layer == PacketRecord::Layer::Connection) {
            // A new connection: what the server does next answers its CONNECTs.
            if (m_log.type(row) == PacketRecord::Connecting ||
                m_log.type(row) == PacketRecord::Closed)
                m_current.clear();
            continue;
        }
        if (layer != PacketRecord::Layer::SocketIo)
            continue;
        sawSocketIo = true;
        const QString nsp = m_log.nsp(row);
        if (!order.contains(nsp))
            order.append(nsp);
        NamespaceInfo &info = namespaces[nsp];
        const bool outgoing = m_log.direction(row) == PacketRecord::Direction::Out;
        const quint8 type = m_log.type(row);
        const qint64 timeUs = m_log.timeUs(row);
        if (m_log.hasError(row)) {
            if (!outgoing)
                ++skipped;
            continue;
        }
        switch (type) {
        case SocketIoPacket::Connect:
            if (outgoing) {
                const QByteArrayView payload = m_log.payload(row);
                pendingAuth.insert(nsp,
                                   payload.isEmpty()
                                       ? QJsonValue(QJsonValue::Undefined)
                                       : QJsonDocument::fromJson(payload.toByteArray()).object());
            } else {
                info.outcomes.append(Outcome{pendingAuth.take(nsp), true, {}, {}});
                openWindow(nsp, {}, timeUs, {});
            }
            break;
        case SocketIoPacket::ConnectError:
            if (!outgoing) {
                SocketIoPacket packet;
                packet.payload = m_log.payload(row).toByteArray();
                const QJsonValue data = packet.data();
                Outcome outcome{pendingAuth.take(nsp), false, {}, QJsonValue::Undefined};
                if (data.isString()) {
                    outcome.message = data.toString();
                } else if (data.isObject() && data.toObject().contains(QLatin1String("message"))) {
                    // v5: {"message", "data"}.
                    outcome.message = data.toObject().value(QLatin1String("message")).toString();
                    outcome.data = data.toObject().value(QLatin1String("data"));
                } else {
                    outcome.data = data; // v4: the error's data as it is
                }
                info.outcomes.append(outcome);
                m_current.remove(nsp);
            }
            break;
        case SocketIoPacket::Disconnect:
            if (!outgoing) {
                qsizetype window = m_current.value(nsp, -1);
                if (window < 0)
                    window = openWindow(nsp, {}, timeUs, {});
                m_windows[window].actions.append(
                    ServerAction{timeUs, row, {{QStringLiteral("disconnect"), true}}, {}});
            }
            m_current.remove(nsp);
            break;
        case SocketIoPacket::Event:
        case SocketIoPacket::BinaryEvent: {
            QString key;
            QJsonArray payload = payloadOf(row, &key);
            if (payload.isEmpty() || !payload.first().isString())
                break; // not an event a rule can name or send
            const QString name = payload.takeAt(0).toString();
            if (!key.isEmpty()) {
                *error = QStringLiteral("row %1: an argument of \"%2\" holds an object with the "
                                        "key \"%3\", which rules read as a binary argument: it "
                                        "cannot be written")
                             .arg(row + 1)
                             .arg(name, key);
                return false;
            }
            if (outgoing) {
                const qsizetype window = openWindow(nsp, name, timeUs, payload);
                const qint64 id = m_log.ackId(row);
                if (id >= 0)
                    awaitingAck.insert({nsp, id}, window);
            } else {
                qsizetype window = m_current.value(nsp, -1);
                if (window < 0) // the log starts after the CONNECT
                    window = openWindow(nsp, {}, timeUs, {});
                m_events.append(
                    ServerEvent{row, timeUs, nsp, name, payload, m_log.ackId(row), window, false});
            }
            break;
        }
        case SocketIoPacket::Ack:
        case SocketIoPacket::BinaryAck:
            if (!outgoing) {
                const QPair<QString, qint64> key{nsp, m_log.ackId(row)};
                if (!awaitingAck.contains(key))
                    break; // an ack for nothing we asked: recorded with its verdict
                const qsizetype window = awaitingAck.take(key);
                QStringList comments;
                const QJsonValue args = argsFor(payloadOf(row), &m_windows.at(window), &comments);
                m_windows[window].actions.append(ServerAction{
                    timeUs,
                    row,
                    {{QStringLiteral("ack"), QJsonObject{{QStringLiteral("args"), args}}}},
                    comments});
            }
            break;
        default:
            break;
        }
    }
    if (!sawSocketIo) {
        *error = QStringLiteral("the log holds no Socket.IO packet to make rules of");
        return false;
    }

    QMap<QString, QJsonArray> every;
    findPeriodic(&every);
    for (const ServerEvent &event : std::as_const(m_events)) {
        if (event.periodic)
            continue;
        Window &window = m_windows[event.window];
        QStringList comments;
        if (event.id >= 0)
            comments.append(QStringLiteral("the server asked for an ack (id %1), which rules "
                                           "cannot: the mock emits it without asking")
                                .arg(event.id));
        QJsonObject emitted{{QStringLiteral("event"), event.name}};
        const QJsonValue args = argsFor(event.args, &window, &comments);
        if (!args.isArray() || !args.toArray().isEmpty())
            emitted.insert(QStringLiteral("args"), args);
        window.actions.append(
            ServerAction{event.timeUs, event.row, {{QStringLiteral("emit"), emitted}}, comments});
    }
    for (Window &window : m_windows)
        std::stable_sort(
            window.actions.begin(), window.actions.end(),
            [](const ServerAction &a, const ServerAction &b) { return a.row < b.row; });

    QJsonObject namespaceObjects;
    for (const QString &nsp : std::as_const(order)) {
        NamespaceInfo &info = namespaces[nsp];
        if (info.outcomes.isEmpty() &&
            std::none_of(m_windows.cbegin(), m_windows.cend(),
                         [&nsp](const Window &w) { return w.nsp == nsp; })) {
            if (!pendingAuth.contains(nsp))
                continue; // only our packets there (an ack, a DISCONNECT): nothing joined
            info.comments.append(QStringLiteral("no answer to the client's CONNECT was recorded: "
                                                "the mock accepts it"));
        }
        QJsonObject rules = namespaceRules(nsp, info);
        if (every.contains(nsp))
            rules.insert(QStringLiteral("every"), every.value(nsp));
        namespaceObjects.insert(nsp, rules);
    }
    if (!m_error.isEmpty()) {
        *error = m_error;
        return false;
    }
    if (namespaceObjects.isEmpty()) {
        *error = QStringLiteral("the log holds no namespace the client joined");
        return false;
    }

    QStringList header{
        QStringLiteral("Written by sioscope-cli from %1 on %2: it stands in for the server of "
                       "that session (sioscope-cli serve --rules <this file>)")
            .arg(m_options.source.isEmpty() ? QStringLiteral("a recorded session")
                                            : m_options.source,
                 QDateTime::currentDateTimeUtc().toString(Qt::ISODate)),
        QStringLiteral("Delays are as recorded, counted from the client's event (or the "
                       "previous action)")};
    if (skipped > 0)
        header.append(QStringLiteral("%1 packet(s) from the server were recorded with a protocol "
                                     "error and are left out")
                          .arg(skipped));
    const QJsonObject document{{QStringLiteral("version"), 1},
                               {QStringLiteral("comment"), QJsonArray::fromStringList(header)},
                               {QStringLiteral("namespaces"), namespaceObjects}};
    QString text;
    pretty(document, {}, &text);
    text += QLatin1Char('\n');
    *out = text.toUtf8();
    *attachments = m_attachments;
    return true;
}

} // namespace

QJsonValue RulesFromSession::maskVolatile(const QJsonValue &value)
{
    if (value.isArray()) {
        QJsonArray out;
        for (const QJsonValue &item : value.toArray())
            out.append(maskVolatile(item));
        return out;
    }
    if (value.isObject()) {
        QJsonObject out;
        const QJsonObject object = value.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            out.insert(it.key(), maskVolatile(it.value()));
        return out;
    }
    const QString kind = ScenarioFromSession::volatileKind(value);
    return kind.isEmpty() ? value : QJsonValue(QStringLiteral("<%1>").arg(kind));
}

bool RulesFromSession::write(const SessionLog &log, const RulesFromSessionOptions &options,
                             QByteArray *json, QList<RulesAttachment> *attachments, QString *error)
{
    Writer writer(log, options);
    return writer.run(json, attachments, error);
}
