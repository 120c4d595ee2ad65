#include "scenario/scenariofromsession.h"

#include "scenario/binaryarguments.h"
#include "scenario/jsonpath.h"
#include "scenario/payloadmatch.h"
#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QUrl>
#include <QUrlQuery>

#include <algorithm>
#include <optional>

namespace {

QString json(const QJsonValue &value)
{
    return PayloadMatch::compactJson(value);
}

// One step as it will be written.
struct Step
{
    QStringList comments;
    QString kind;                             // "emit", "expect", ...
    QString value;                            // the kind's value, as YAML (JSON)
    QList<QPair<QString, QString>> fields;    // key: YAML (JSON) value, in order
    QList<QPair<QString, QString>> captures;  // variable: path
    QList<QPair<QString, QString>> ackFields; // emit's ack: {args or schema, capture}
    QList<QPair<QString, QString>> ackCaptures;
    QString nsp = QStringLiteral("/");
    bool ack = false;
};

// A volatile value seen in what the server sent, which a later step may refer to.
struct Seen
{
    qsizetype step = -1;
    bool inAck = false;
    QString path;
    QString variable; // once captured
};

class Writer
{
public:
    Writer(const SessionLog &log, QList<qint64> rows)
        : m_log(log)
        , m_rows(std::move(rows))
    {
    }

    bool run(const ScenarioFromSessionOptions &options, QByteArray *yaml, QString *error);

private:
    // The expectation for a payload the server sent: exact, with {{variables}} where it holds a
    // value captured before, or a schema that matches the volatile values by kind.
    void expectation(const QJsonArray &payload, const QString &root,
                     QList<QPair<QString, QString>> *fields, QStringList *comments, qsizetype step,
                     bool inAck);
    QJsonValue schemaOf(const QJsonValue &value, const JsonPath &path, QStringList *comments,
                        bool *loosened);
    // The value without its volatile object members, for a subset match; false when a volatile
    // value is an array item (which a subset cannot leave out).
    bool withoutVolatileMembers(const QJsonValue &value, const JsonPath &path, QJsonValue *out,
                                QStringList *comments);
    QJsonValue substituteKnown(const QJsonValue &value, bool *changed);
    void remember(const QJsonValue &value, const JsonPath &path, qsizetype step, bool inAck);
    // Our emit's arguments, with values the server sent before replaced by their variables.
    QJsonValue referToCaptures(const QJsonValue &value, const JsonPath &path);
    QString variableFor(const QString &value, const Seen &seen);
    std::optional<qsizetype> findAnswer(qsizetype from, PacketRecord::Direction direction,
                                        const QString &nsp, qint64 id) const;
    QJsonArray payloadOf(const PacketRecord &record) const;
    // The end of the `expect` steps from `from` on that may be met in any order: consecutive,
    // none using a value another captured, at least two on one namespace; `from` when none.
    qsizetype orderFreeGroupEnd(qsizetype from) const;
    void writeStep(const Step &step, const QString &indent, QString *out) const;

    const SessionLog &m_log;
    QList<qint64> m_rows;
    QList<Step> m_steps;
    QHash<QString, Seen> m_seen; // volatile value -> where it first came
    QSet<QString> m_variables;
    QSet<qsizetype> m_answered; // rows already written as an ack or a reply
};

QJsonArray Writer::payloadOf(const PacketRecord &record) const
{
    SocketIoPacket packet;
    packet.payload = record.payload;
    return BinaryArguments::fromPlaceholders(packet.data(), record.attachments).toArray();
}

std::optional<qsizetype> Writer::findAnswer(qsizetype from, PacketRecord::Direction direction,
                                            const QString &nsp, qint64 id) const
{
    for (qsizetype i = from + 1; i < m_rows.size(); ++i) {
        const qint64 row = m_rows.at(i);
        if (m_log.layer(row) != PacketRecord::Layer::SocketIo || m_log.direction(row) != direction)
            continue;
        const quint8 type = m_log.type(row);
        if ((type == SocketIoPacket::Ack || type == SocketIoPacket::BinaryAck) &&
            m_log.ackId(row) == id && m_log.nsp(row) == nsp)
            return i;
    }
    return std::nullopt;
}

QString Writer::variableFor(const QString &value, const Seen &seen)
{
    Q_UNUSED(value);
    QString base = QStringLiteral("value");
    JsonPath path;
    QString error;
    if (JsonPath::parse(seen.path, &path, &error) && !path.segments().isEmpty() &&
        path.segments().last().index < 0) {
        static const QRegularExpression identifier(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
        if (identifier.match(path.segments().last().key).hasMatch())
            base = path.segments().last().key;
    }
    QString name = base;
    for (int n = 2; m_variables.contains(name); ++n)
        name = base + QString::number(n);
    m_variables.insert(name);
    return name;
}

QJsonValue Writer::referToCaptures(const QJsonValue &value, const JsonPath &path)
{
    if (value.isString()) {
        const auto it = m_seen.find(value.toString());
        if (it == m_seen.end())
            return value;
        Seen &seen = *it;
        if (seen.variable.isEmpty()) {
            seen.variable = variableFor(value.toString(), seen);
            Step &step = m_steps[seen.step];
            (seen.inAck ? step.ackCaptures : step.captures).append({seen.variable, seen.path});
        }
        return QStringLiteral("{{%1}}").arg(seen.variable);
    }
    if (value.isArray()) {
        QJsonArray out;
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            out.append(referToCaptures(array.at(i), path.item(i)));
        return out;
    }
    if (value.isObject()) {
        QJsonObject out;
        const QJsonObject object = value.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            out.insert(it.key(), referToCaptures(it.value(), path.member(it.key())));
        return out;
    }
    return value;
}

QJsonValue Writer::substituteKnown(const QJsonValue &value, bool *changed)
{
    if (value.isString()) {
        const auto it = m_seen.constFind(value.toString());
        if (it != m_seen.constEnd() && !it->variable.isEmpty()) {
            *changed = true;
            return QStringLiteral("{{%1}}").arg(it->variable);
        }
        return value;
    }
    if (value.isArray()) {
        QJsonArray out;
        for (const QJsonValue &item : value.toArray())
            out.append(substituteKnown(item, changed));
        return out;
    }
    if (value.isObject()) {
        QJsonObject out;
        const QJsonObject object = value.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            out.insert(it.key(), substituteKnown(it.value(), changed));
        return out;
    }
    return value;
}

void Writer::remember(const QJsonValue &value, const JsonPath &path, qsizetype step, bool inAck)
{
    if (value.isString()) {
        if (!ScenarioFromSession::volatileKind(value).isEmpty() &&
            !m_seen.contains(value.toString()))
            m_seen.insert(value.toString(), Seen{step, inAck, path.toString(), {}});
        return;
    }
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            remember(array.at(i), path.item(i), step, inAck);
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            remember(it.value(), path.member(it.key()), step, inAck);
    }
}

bool Writer::withoutVolatileMembers(const QJsonValue &value, const JsonPath &path, QJsonValue *out,
                                    QStringList *comments)
{
    if (value.isArray()) {
        QJsonArray items;
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (!ScenarioFromSession::volatileKind(array.at(i)).isEmpty())
                return false;
            QJsonValue item;
            if (!withoutVolatileMembers(array.at(i), path.item(i), &item, comments))
                return false;
            items.append(item);
        }
        *out = items;
        return true;
    }
    if (value.isObject()) {
        QJsonObject kept;
        const QJsonObject object = value.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            const QString kind = ScenarioFromSession::volatileKind(it.value());
            if (!kind.isEmpty()) {
                comments->append(
                    QStringLiteral("%1 was %2, %3: left out (match: subset)")
                        .arg(path.member(it.key()).toString(), json(it.value()), kind));
                continue;
            }
            QJsonValue member;
            if (!withoutVolatileMembers(it.value(), path.member(it.key()), &member, comments))
                return false;
            kept.insert(it.key(), member);
        }
        *out = kept;
        return true;
    }
    *out = value;
    return true;
}

// A schema that holds every stable value with `const` and each volatile one by its kind.
QJsonValue Writer::schemaOf(const QJsonValue &value, const JsonPath &path, QStringList *comments,
                            bool *loosened)
{
    if (value.isArray()) {
        QJsonArray items;
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            items.append(schemaOf(array.at(i), path.item(i), comments, loosened));
        return QJsonObject{{QStringLiteral("type"), QStringLiteral("array")},
                           {QStringLiteral("items"), items},
                           {QStringLiteral("minItems"), array.size()},
                           {QStringLiteral("maxItems"), array.size()}};
    }
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        if (object.size() == 1 && object.contains(QLatin1String("$binary")))
            return QJsonObject{{QStringLiteral("const"), object}};
        QJsonObject properties;
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            properties.insert(it.key(),
                              schemaOf(it.value(), path.member(it.key()), comments, loosened));
        return QJsonObject{{QStringLiteral("type"), QStringLiteral("object")},
                           {QStringLiteral("required"), QJsonArray::fromStringList(object.keys())},
                           {QStringLiteral("properties"), properties}};
    }
    const QString kind = ScenarioFromSession::volatileKind(value);
    if (kind.isEmpty())
        return QJsonObject{{QStringLiteral("const"), value}};
    *loosened = true;
    comments->append(QStringLiteral("%1 was %2, %3: matched by its form, not its value")
                         .arg(path.toString(), json(value), kind));
    if (value.isString())
        return QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}};
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("number")}};
}

void Writer::expectation(const QJsonArray &payload, const QString &root,
                         QList<QPair<QString, QString>> *fields, QStringList *comments,
                         qsizetype step, bool inAck)
{
    bool changed = false;
    const QJsonValue known = substituteKnown(payload, &changed);
    if (changed)
        comments->append(
            QStringLiteral("%1 holds values captured before, as {{variables}}").arg(root));
    bool loosened = false;
    QStringList schemaComments;
    const QJsonValue schema = schemaOf(known, JsonPath(root), &schemaComments, &loosened);
    QJsonValue subset;
    QStringList subsetComments;
    if (!loosened) {
        fields->append({QStringLiteral("args"), json(known)});
    } else if (withoutVolatileMembers(known, JsonPath(root), &subset, &subsetComments)) {
        *comments += subsetComments;
        fields->append({QStringLiteral("args"), json(subset)});
        fields->append({QStringLiteral("match"), QStringLiteral("subset")});
    } else {
        *comments += schemaComments;
        fields->append({QStringLiteral("schema"), json(schema)});
    }
    remember(payload, JsonPath(QStringLiteral("args")), step, inAck);
}

qsizetype Writer::orderFreeGroupEnd(qsizetype from) const
{
    QStringList captured;
    QSet<QString> namespaces;
    bool sharedNamespace = false;
    qsizetype end = from;
    const auto usesCaptured = [&captured](const Step &step) {
        return std::any_of(captured.cbegin(), captured.cend(), [&step](const QString &name) {
            const QString reference = QStringLiteral("{{%1}}").arg(name);
            return std::any_of(
                step.fields.cbegin(), step.fields.cend(),
                [&reference](const auto &field) { return field.second.contains(reference); });
        });
    };
    // A step that uses a value captured in the group needs that capture first: it ends it.
    for (; end < m_steps.size() && m_steps.at(end).kind == QLatin1String("expect") &&
           !usesCaptured(m_steps.at(end));
         ++end) {
        const Step &step = m_steps.at(end);
        for (const auto &capture : step.captures)
            captured.append(capture.first);
        if (namespaces.contains(step.nsp))
            sharedNamespace = true;
        namespaces.insert(step.nsp);
    }
    // Expectations on different namespaces are not ordered anyway.
    return sharedNamespace ? end : from;
}

void Writer::writeStep(const Step &step, const QString &indent, QString *out) const
{
    for (const QString &comment : step.comments)
        *out += QStringLiteral("%1# %2\n").arg(indent, comment);
    *out += QStringLiteral("%1- %2: %3\n").arg(indent, step.kind, step.value);
    const QString fieldIndent = indent + QStringLiteral("  ");
    for (const auto &[key, value] : step.fields)
        *out += QStringLiteral("%1%2: %3\n").arg(fieldIndent, key, value);
    if (!step.captures.isEmpty()) {
        *out += fieldIndent + QStringLiteral("capture:\n");
        for (const auto &[name, path] : step.captures)
            *out += QStringLiteral("%1  %2: %3\n").arg(fieldIndent, name, json(path));
    }
    if (!step.ack)
        return;
    if (step.ackFields.isEmpty()) {
        *out += fieldIndent + QStringLiteral("ack: true\n");
        return;
    }
    *out += fieldIndent + QStringLiteral("ack:\n");
    for (const auto &[key, value] : step.ackFields)
        *out += QStringLiteral("%1  %2: %3\n").arg(fieldIndent, key, value);
    if (!step.ackCaptures.isEmpty()) {
        *out += fieldIndent + QStringLiteral("  capture:\n");
        for (const auto &[name, path] : step.ackCaptures)
            *out += QStringLiteral("%1    %2: %3\n").arg(fieldIndent, name, json(path));
    }
}

bool Writer::run(const ScenarioFromSessionOptions &options, QByteArray *yaml, QString *error)
{
    QString url, path = QStringLiteral("/socket.io/"), transport;
    int eio = 4;
    QList<QPair<QString, QString>> query;
    QList<QPair<QString, QJsonValue>> namespaces; // connected at the start, with auth
    QSet<QString> refused;
    bool sawEvent = false;
    bool sawSocketIo = false;

    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        const qint64 row = m_rows.at(i);
        if (!m_log.session(row).isEmpty()) {
            *error = QStringLiteral("this is a server's log (serve or the mock server), with "
                                    "many clients in it; a scenario is made from a client's "
                                    "session");
            return false;
        }
        if (m_log.layer(row) == PacketRecord::Layer::Connection &&
            m_log.type(row) == PacketRecord::Connecting && url.isEmpty()) {
            const QJsonObject details =
                QJsonDocument::fromJson(m_log.payload(row).toByteArray()).object();
            const QUrl connectUrl(details.value(QLatin1String("url")).toString());
            eio = details.value(QLatin1String("eio")).toInt(4);
            transport = details.value(QLatin1String("transport")).toString();
            if (connectUrl.isValid() && !connectUrl.host().isEmpty()) {
                url = connectUrl
                          .adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment |
                                    QUrl::RemoveUserInfo)
                          .toString();
                path = connectUrl.path();
                const QUrlQuery items(connectUrl);
                for (const auto &[key, value] : items.queryItems(QUrl::FullyDecoded))
                    if (key != QLatin1String("EIO") && key != QLatin1String("transport") &&
                        key != QLatin1String("t") && key != QLatin1String("sid"))
                        query.append({key, value});
            }
        }
    }
    if (url.isEmpty()) {
        // A HAR from a browser, say: the URL is a variable the run must give.
        url = QStringLiteral("http://127.0.0.1:3000");
    }

    // The namespaces joined before the first event are the client's; later ones are join steps.
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        const qint64 row = m_rows.at(i);
        if (m_log.layer(row) != PacketRecord::Layer::SocketIo)
            continue;
        sawSocketIo = true;
        const quint8 type = m_log.type(row);
        const bool out = m_log.direction(row) == PacketRecord::Direction::Out;
        const QString nsp = m_log.nsp(row);
        const PacketRecord record = m_log.record(row);

        if (type == SocketIoPacket::Connect && out) {
            const QJsonValue auth = QJsonDocument::fromJson(record.payload).object();
            const bool known = std::any_of(namespaces.cbegin(), namespaces.cend(),
                                           [&nsp](const auto &n) { return n.first == nsp; });
            if (!sawEvent && !known) {
                namespaces.append({nsp, record.payload.isEmpty() ? QJsonValue() : auth});
            } else if (!known || refused.contains(nsp)) {
                Step step;
                step.kind = QStringLiteral("join");
                step.value = json(nsp);
                if (!record.payload.isEmpty())
                    step.fields.append({QStringLiteral("auth"), json(auth)});
                m_steps.append(step);
            }
            continue;
        }
        if (type == SocketIoPacket::ConnectError && !out) {
            SocketIoPacket packet;
            packet.payload = record.payload;
            const QString message = packet.refusalMessage();
            // A namespace refused at the start is joined by a step, so that the refusal can be
            // expected rather than fail the other namespaces' steps.
            for (qsizetype n = 0; n < namespaces.size(); ++n)
                if (namespaces.at(n).first == nsp && nsp != QLatin1String("/")) {
                    Step join;
                    join.kind = QStringLiteral("join");
                    join.value = json(nsp);
                    if (!namespaces.at(n).second.isNull() && !namespaces.at(n).second.isUndefined())
                        join.fields.append({QStringLiteral("auth"), json(namespaces.at(n).second)});
                    m_steps.append(join);
                    namespaces.removeAt(n);
                    break;
                }
            refused.insert(nsp);
            Step step;
            step.kind = QStringLiteral("expect_connect_error");
            step.value = json(message);
            if (nsp != QLatin1String("/"))
                step.fields.append({QStringLiteral("nsp"), json(nsp)});
            m_steps.append(step);
            continue;
        }
        if (type == SocketIoPacket::Disconnect) {
            Step step;
            if (out) {
                // The leave at the end of a session is the recorder's own.
                bool last = true;
                for (qsizetype j = i + 1; j < m_rows.size() && last; ++j)
                    if (m_log.layer(m_rows.at(j)) == PacketRecord::Layer::SocketIo &&
                        m_log.type(m_rows.at(j)) != SocketIoPacket::Disconnect)
                        last = false;
                if (last)
                    continue;
                step.kind = QStringLiteral("leave");
                step.value = json(nsp);
            } else {
                step.kind = QStringLiteral("expect_disconnect");
                step.value = QStringLiteral("true");
                if (nsp != QLatin1String("/"))
                    step.fields.append({QStringLiteral("nsp"), json(nsp)});
            }
            m_steps.append(step);
            continue;
        }
        if (type != SocketIoPacket::Event && type != SocketIoPacket::BinaryEvent)
            continue;
        if (m_answered.contains(i))
            continue;
        sawEvent = true;
        QJsonArray payload = payloadOf(record);
        if (payload.isEmpty() || !payload.first().isString())
            continue; // recorded with its error; nothing a scenario can send or expect
        const QString event = payload.takeAt(0).toString();
        Step step;
        step.value = json(event);
        const qsizetype index = m_steps.size();
        if (out) {
            step.kind = QStringLiteral("emit");
            if (nsp != QLatin1String("/"))
                step.fields.append({QStringLiteral("nsp"), json(nsp)});
            bool changed = false;
            const QJsonValue args = referToCaptures(payload, JsonPath(QStringLiteral("args")));
            substituteKnown(payload, &changed);
            if (!payload.isEmpty())
                step.fields.append({QStringLiteral("args"), json(args)});
            if (args != QJsonValue(payload))
                step.comments.append(
                    QStringLiteral("args hold values the server sent before, as {{variables}}"));
            if (record.id >= 0) {
                step.ack = true;
                if (const auto answer =
                        findAnswer(i, PacketRecord::Direction::In, nsp, record.id)) {
                    m_answered.insert(*answer);
                    m_steps.append(step);
                    expectation(payloadOf(m_log.record(m_rows.at(*answer))), QStringLiteral("ack"),
                                &m_steps[index].ackFields, &m_steps[index].comments, index, true);
                    continue;
                }
                step.comments.append(
                    QStringLiteral("the ack was asked for, but none was recorded"));
            }
            m_steps.append(step);
        } else {
            step.kind = QStringLiteral("expect");
            step.nsp = nsp;
            if (nsp != QLatin1String("/"))
                step.fields.append({QStringLiteral("nsp"), json(nsp)});
            m_steps.append(step);
            expectation(payload, QStringLiteral("args"), &m_steps[index].fields,
                        &m_steps[index].comments, index, false);
            if (record.id >= 0) {
                if (const auto answer =
                        findAnswer(i, PacketRecord::Direction::Out, nsp, record.id)) {
                    m_answered.insert(*answer);
                    m_steps[index].fields.append(
                        {QStringLiteral("reply"),
                         json(referToCaptures(payloadOf(m_log.record(m_rows.at(*answer))),
                                              JsonPath(QStringLiteral("reply"))))});
                } else {
                    m_steps[index].comments.append(
                        QStringLiteral("the server asked for an ack; none was recorded"));
                }
            }
        }
    }
    if (!sawSocketIo) {
        *error = QStringLiteral("the log holds no Socket.IO packet to make steps of");
        return false;
    }
    if (m_steps.isEmpty()) {
        *error = QStringLiteral("the log holds no event, ack, refusal or disconnection to make "
                                "steps of");
        return false;
    }

    QString out;
    out +=
        QStringLiteral("# Written by sioscope-cli from %1 on %2.\n")
            .arg(options.source.isEmpty() ? QStringLiteral("a recorded session") : options.source,
                 QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    out += QStringLiteral("# Our emits are emits, what the server sent is expected. "
                          "Run it with\n#   sioscope-cli test <this file> [--var url=...]\n");
    out +=
        QStringLiteral("name: %1\n")
            .arg(json(options.name.isEmpty() ? QStringLiteral("recorded session") : options.name));
    out += QStringLiteral("variables:\n  url: %1\n").arg(json(url));
    out += QStringLiteral("url: \"{{url}}\"\nclient:\n");
    out += QStringLiteral("  path: %1\n  eio: %2\n").arg(json(path)).arg(eio == 3 ? 3 : 4);
    if (transport == QLatin1String("websocket"))
        out += QStringLiteral("  transport: websocket\n");
    if (!query.isEmpty()) {
        out += QStringLiteral("  query:\n");
        for (const auto &[key, value] : std::as_const(query))
            out += QStringLiteral("    %1: %2\n").arg(json(key), json(value));
    }
    if (namespaces.isEmpty())
        namespaces.append({QStringLiteral("/"), QJsonValue()});
    out += QStringLiteral("  namespaces:\n");
    for (const auto &[nsp, auth] : std::as_const(namespaces)) {
        if (auth.isObject() && !auth.toObject().isEmpty())
            out += QStringLiteral("    - {name: %1, auth: %2}\n").arg(json(nsp), json(auth));
        else
            out += QStringLiteral("    - %1\n").arg(json(nsp));
    }
    out += QStringLiteral("steps:\n");
    for (qsizetype i = 0; i < m_steps.size();) {
        const qsizetype end = orderFreeGroupEnd(i);
        if (end - i < 2) {
            writeStep(m_steps.at(i), QStringLiteral("  "), &out);
            ++i;
            continue;
        }
        out += QStringLiteral(
            "  # The server sent these in this order, but it answers different packets in an\n"
            "  # order that depends on timing (socket.io runs an event's handler a tick after an\n"
            "  # ack's), so they are expected in any order. Take them out of the group to check\n"
            "  # the order.\n"
            "  - any_order:\n");
        for (; i < end; ++i)
            writeStep(m_steps.at(i), QStringLiteral("      "), &out);
    }
    *yaml = out.toUtf8();
    return true;
}

} // namespace

QString ScenarioFromSession::volatileKind(const QJsonValue &value)
{
    if (value.isDouble()) {
        const double d = value.toDouble();
        if (d != double(qint64(d)))
            return {};
        if (d >= 1e12 && d < 1e13)
            return QStringLiteral("a timestamp in milliseconds");
        if (d >= 1e9 && d < 4e9)
            return QStringLiteral("a timestamp in seconds");
        return {};
    }
    if (!value.isString())
        return {};
    const QString text = value.toString();
    static const QRegularExpression uuid(QStringLiteral(
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"));
    static const QRegularExpression objectId(QStringLiteral("^[0-9a-f]{24}$"));
    static const QRegularExpression isoTime(
        QStringLiteral("^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?"));
    static const QRegularExpression sid(QStringLiteral("^[A-Za-z0-9_-]{20}$"));
    static const QRegularExpression jwt(
        QStringLiteral("^[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}$"));
    static const QRegularExpression token(QStringLiteral("^[A-Za-z0-9_+/=-]{24,}$"));
    static const QRegularExpression digit(QStringLiteral("[0-9]"));
    // socket.io 2 names a socket on a namespace "<nsp>#<Engine.IO sid>".
    static const QRegularExpression namespacedSid(QStringLiteral("^/[^#]*#[A-Za-z0-9_-]{20}$"));
    if (namespacedSid.match(text).hasMatch())
        return QStringLiteral("a socket id");
    if (uuid.match(text).hasMatch())
        return QStringLiteral("a UUID");
    if (objectId.match(text).hasMatch())
        return QStringLiteral("an ObjectId");
    if (isoTime.match(text).hasMatch())
        return QStringLiteral("a timestamp");
    if (jwt.match(text).hasMatch())
        return QStringLiteral("a JWT");
    // Ids are random mixes of letters and digits; words and names are not.
    const bool hasDigit = digit.match(text).hasMatch();
    const bool bothCases = text != text.toLower() && text != text.toUpper();
    const bool mixed = hasDigit && bothCases;
    // One random id in 30 has no digit: both cases are enough for an id of exactly this form.
    if (sid.match(text).hasMatch() && (hasDigit || bothCases))
        return QStringLiteral("a session id");
    if (token.match(text).hasMatch() && mixed)
        return QStringLiteral("a token");
    return {};
}

bool ScenarioFromSession::write(const SessionLog &log, const ScenarioFromSessionOptions &options,
                                QByteArray *yaml, QString *error)
{
    QList<qint64> rows = options.rows;
    std::sort(rows.begin(), rows.end());
    if (rows.isEmpty()) {
        for (qint64 row = 0; row < log.size(); ++row)
            rows.append(row);
    } else {
        // A selection gives the steps; the connection is still the session's: the client's URL
        // and options (its Connecting note) and the namespaces it had joined, and not left, by
        // the selection's first row (of the last connection before it).
        qint64 connecting = -1;
        QHash<QString, qint64> joined; // namespace -> its CONNECT's row
        for (qint64 row = 0; row < rows.first(); ++row) {
            if (log.layer(row) == PacketRecord::Layer::Connection &&
                log.type(row) == PacketRecord::Connecting) {
                connecting = row;
                joined.clear();
            }
            if (log.layer(row) != PacketRecord::Layer::SocketIo)
                continue;
            const bool out = log.direction(row) == PacketRecord::Direction::Out;
            if (log.type(row) == SocketIoPacket::Connect && out)
                joined.insert(log.nsp(row), row);
            else if (log.type(row) == SocketIoPacket::Disconnect ||
                     (log.type(row) == SocketIoPacket::ConnectError && !out))
                joined.remove(log.nsp(row));
        }
        if (connecting >= 0)
            rows.append(connecting);
        for (const qint64 row : std::as_const(joined))
            rows.append(row);
        std::sort(rows.begin(), rows.end());
        rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    }
    Writer writer(log, rows);
    return writer.run(options, yaml, error);
}
