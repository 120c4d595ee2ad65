#include "session/sessionreplay.h"

#include "session/redaction.h"
#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QJsonDocument>
#include <QUrlQuery>

#include <algorithm>

namespace {

QString replyKey(const QString &nsp, const QString &event)
{
    return nsp + QLatin1Char('\n') + event;
}

// The auth of a CONNECT we sent: the v5 payload object, or a v4 namespace query string.
QJsonObject authOf(QByteArrayView payload)
{
    if (payload.isEmpty())
        return {};
    const QJsonDocument document = QJsonDocument::fromJson(payload.toByteArray());
    if (document.isObject())
        return document.object();
    QJsonObject auth;
    const QUrlQuery query(QString::fromUtf8(payload));
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded))
        auth.insert(key, value);
    return auth;
}

bool holdsRedacted(const QJsonValue &value)
{
    if (value.isString())
        return value.toString() == Redaction::Placeholder;
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        return std::any_of(array.begin(), array.end(),
                           [](const QJsonValue &item) { return holdsRedacted(item); });
    }
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        return std::any_of(object.begin(), object.end(),
                           [](const QJsonValue &item) { return holdsRedacted(item); });
    }
    return false;
}

} // namespace

void RecordedReplies::append(const QString &nsp, const QString &event,
                             std::optional<RecordedReply> reply)
{
    m_replies[replyKey(nsp, event)].append(std::move(reply));
}

int RecordedReplies::count() const
{
    int n = 0;
    for (const auto &list : m_replies)
        n += int(std::count_if(list.begin(), list.end(),
                               [](const auto &reply) { return reply.has_value(); }));
    return n;
}

std::optional<RecordedReply> RecordedReplies::replyTo(const QString &nsp, const QString &event,
                                                      int occurrence) const
{
    const auto it = m_replies.constFind(replyKey(nsp, event));
    if (it == m_replies.constEnd() || it->isEmpty() || occurrence < 0)
        return std::nullopt;
    if (occurrence < it->size())
        return it->at(occurrence);
    for (qsizetype i = it->size() - 1; i >= 0; --i)
        if (it->at(i))
            return it->at(i);
    return std::nullopt;
}

bool SessionReplay::isSessionLog(QByteArrayView text)
{
    // The first line that is neither blank nor a script comment.
    while (!text.isEmpty()) {
        const qsizetype end = text.indexOf('\n');
        const QByteArrayView line = (end < 0 ? text : text.first(end)).trimmed();
        if (line.isEmpty() || line.startsWith('#')) {
            text = end < 0 ? QByteArrayView() : text.sliced(end + 1);
            continue;
        }
        if (!line.startsWith('{'))
            return false;
        // HAR: one document whose first key is "log" (as LogImporter tells them apart), which
        // may start on a later line.
        if (text.trimmed().sliced(1).trimmed().startsWith("\"log\""))
            return true;
        const QJsonDocument document = QJsonDocument::fromJson(line.toByteArray());
        return document.isObject() && document.object().contains(QLatin1String("layer"));
    }
    return false;
}

bool SessionReplay::plan(const SessionLog &log, ReplayPlan *plan, QString *error)
{
    *plan = {};
    if (log.isEmpty()) {
        *error = QStringLiteral("the log is empty");
        return false;
    }
    QHash<QString, qint64> connectedUs; // namespace -> when the server accepted it
    QHash<QString, qint64> lastSentUs;  // namespace -> when our last step on it was sent
    bool redactedWarned = false;
    for (qint64 row = 0; row < log.size(); ++row) {
        if (!log.session(row).isEmpty()) {
            *error = QStringLiteral("this is a server's log (serve or the mock server), with many "
                                    "clients in it; a replay plays a client's session");
            return false;
        }
        if (log.layer(row) != PacketRecord::Layer::SocketIo)
            continue;
        const bool out = log.direction(row) == PacketRecord::Direction::Out;
        const QString nsp = log.nsp(row);
        const qint64 timeUs = log.timeUs(row);
        switch (log.type(row)) {
        case SocketIoPacket::Connect:
            if (out) {
                const bool known = std::any_of(plan->namespaces.cbegin(), plan->namespaces.cend(),
                                               [&nsp](const auto &n) { return n.first == nsp; });
                const QJsonObject auth = authOf(log.payload(row));
                if (!known)
                    plan->namespaces.append({nsp, auth});
                if (!redactedWarned && holdsRedacted(auth)) {
                    redactedWarned = true;
                    plan->warnings.append(
                        QStringLiteral("the auth of %1 was redacted when the log was written; "
                                       "give it with -n %1 --auth '{...}' (the log keeps "
                                       "secrets with --include-secrets)")
                            .arg(nsp));
                }
            } else if (!connectedUs.contains(nsp)) {
                connectedUs.insert(nsp, timeUs);
            }
            break;
        case SocketIoPacket::Event:
        case SocketIoPacket::BinaryEvent: {
            const PacketRecord record = log.record(row);
            SocketIoPacket packet;
            packet.payload = record.payload;
            const QJsonValue data = packet.data();
            if (!data.isArray() || data.toArray().isEmpty() || !data.toArray().first().isString())
                break; // recorded with its error; nothing to send or answer
            if (!out) {
                if (record.id < 0)
                    break;
                const QString event = data.toArray().first().toString();
                std::optional<RecordedReply> reply;
                const qint64 answer = log.acks().partnerRow(row);
                if (answer >= 0) {
                    const PacketRecord ack = log.record(answer);
                    SocketIoPacket ackPacket;
                    ackPacket.payload = ack.payload;
                    reply = RecordedReply{ackPacket.data().toArray(), ack.attachments};
                }
                plan->replies.append(nsp, event, reply);
                break;
            }
            ScriptStep step;
            step.type = SocketIoPacket::Event;
            step.nsp = nsp;
            step.data = data.toArray();
            step.attachments = record.attachments;
            step.ack = record.id >= 0;
            step.line = int(row + 1);
            // As a send script's delay_ms: since our previous step on the namespace, or since
            // it connected.
            const qint64 connected = connectedUs.value(nsp, log.timeUs(0));
            const qint64 sinceUs = std::max(lastSentUs.value(nsp, connected), connected);
            step.delayMs = int(std::clamp<qint64>((timeUs - sinceUs) / 1000, 0, 86400000));
            if (holdsRedacted(step.data) && !redactedWarned) {
                redactedWarned = true;
                plan->warnings.append(QStringLiteral("row %1 holds a value redacted when the log "
                                                     "was written; it is sent as \"%2\"")
                                          .arg(row + 1)
                                          .arg(Redaction::Placeholder));
            }
            lastSentUs.insert(nsp, timeUs);
            plan->steps.append(step);
            break;
        }
        case SocketIoPacket::Disconnect:
            if (out) {
                ScriptStep step;
                step.type = SocketIoPacket::Disconnect;
                step.nsp = nsp;
                step.line = int(row + 1);
                const qint64 sinceUs = lastSentUs.value(nsp, connectedUs.value(nsp, timeUs));
                step.delayMs = int(std::clamp<qint64>((timeUs - sinceUs) / 1000, 0, 86400000));
                lastSentUs.insert(nsp, timeUs);
                plan->steps.append(step);
            }
            connectedUs.remove(nsp);
            break;
        default:
            break;
        }
    }
    // The DISCONNECTs after our last event are the recorder's own leaving at its end: the
    // replay ends at the recording's length instead.
    qsizetype lastEvent = -1;
    for (qsizetype i = 0; i < plan->steps.size(); ++i)
        if (plan->steps.at(i).type != SocketIoPacket::Disconnect)
            lastEvent = i;
    while (plan->steps.size() > lastEvent + 1 &&
           plan->steps.last().type == SocketIoPacket::Disconnect)
        plan->steps.removeLast();
    if (plan->namespaces.isEmpty() && plan->steps.isEmpty()) {
        *error = QStringLiteral("the log holds nothing we sent at the Socket.IO layer (no "
                                "CONNECT, no event) to replay");
        return false;
    }
    plan->lengthMs = (log.timeUs(log.size() - 1) - log.timeUs(0)) / 1000;
    return true;
}
