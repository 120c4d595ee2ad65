#include "scenario/sessiondiff.h"

#include "scenario/binaryarguments.h"
#include "scenario/payloadmatch.h"
#include "scenario/scenariofromsession.h"
#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>

namespace {

using Kind = SessionDifference::Kind;

// How long a whole payload is shown in a line (a missing or extra event).
constexpr int ShownPayloadLimit = 80;

// One packet of a kind a side sent on a namespace: an EVENT with its ack, the server's answer to
// a CONNECT, or the server's DISCONNECT.
struct Item
{
    qint64 row = -1;
    QJsonValue value; // EVENT: its arguments; CONNECT: null when accepted, the refusal's message
    bool asksAck = false;
    qint64 ackRow = -1;
    QJsonValue ack;
};

Item itemAt(qint64 row, const QJsonValue &value = QJsonValue())
{
    Item item;
    item.row = row;
    item.value = value;
    return item;
}

// What is matched occurrence by occurrence: a side, a namespace, a packet and an event's name.
struct Key
{
    PacketRecord::Direction direction;
    QString nsp;
    QString packet;
    QString event;
    friend bool operator==(const Key &a, const Key &b)
    {
        return a.direction == b.direction && a.nsp == b.nsp && a.packet == b.packet &&
               a.event == b.event;
    }
    friend size_t qHash(const Key &key, size_t seed = 0)
    {
        return qHashMulti(seed, int(key.direction), key.nsp, key.packet, key.event);
    }
};

struct Side
{
    QHash<Key, QList<Item>> items;
    QList<Key> order; // first appearance
};

QJsonValue dataOf(const PacketRecord &record)
{
    SocketIoPacket packet;
    packet.payload = record.payload;
    return BinaryArguments::fromPlaceholders(packet.data(), record.attachments);
}

QString refusalMessage(const PacketRecord &record)
{
    SocketIoPacket packet;
    packet.payload = record.payload;
    return packet.refusalMessage();
}

bool read(const SessionLog &log, Side *side, QString *error)
{
    const auto add = [side](const Key &key, const Item &item) {
        auto it = side->items.find(key);
        if (it == side->items.end()) {
            side->order.append(key);
            it = side->items.insert(key, {});
        }
        it->append(item);
    };
    for (qint64 row = 0; row < log.size(); ++row) {
        if (!log.session(row).isEmpty()) {
            *error = QStringLiteral("this is a server's log (serve or the mock server), with "
                                    "many clients in it; diff compares client sessions");
            return false;
        }
        if (log.layer(row) != PacketRecord::Layer::SocketIo)
            continue;
        const PacketRecord::Direction direction = log.direction(row);
        const bool in = direction == PacketRecord::Direction::In;
        const QString nsp = log.nsp(row);
        switch (log.type(row)) {
        case SocketIoPacket::Connect:
            if (in)
                add({direction, nsp, QStringLiteral("CONNECT"), {}}, itemAt(row));
            break;
        case SocketIoPacket::ConnectError:
            if (in)
                add({direction, nsp, QStringLiteral("CONNECT"), {}},
                    itemAt(row, refusalMessage(log.record(row))));
            break;
        case SocketIoPacket::Disconnect:
            // Our own leaves are the recorder's doing (at the end of every recording).
            if (in)
                add({direction, nsp, QStringLiteral("DISCONNECT"), {}}, itemAt(row));
            break;
        case SocketIoPacket::Event:
        case SocketIoPacket::BinaryEvent: {
            const PacketRecord record = log.record(row);
            QJsonArray payload = dataOf(record).toArray();
            if (payload.isEmpty() || !payload.first().isString())
                break; // recorded with its error: no event to match
            const QString event = payload.takeAt(0).toString();
            Item item = itemAt(row, payload);
            item.asksAck = record.id >= 0;
            if (item.asksAck) {
                item.ackRow = log.acks().partnerRow(row);
                if (item.ackRow >= 0)
                    item.ack = dataOf(log.record(item.ackRow));
            }
            add({direction, nsp, QStringLiteral("EVENT"), event}, item);
            break;
        }
        default: // ACKs are read through their events
            break;
        }
    }
    return true;
}

// `value` with what `path` (from `segment` on) names left out: an object member removed, an
// array item made null (the items after it keep their positions), the whole value null.
QJsonValue without(const QJsonValue &value, const JsonPath &path, qsizetype segment = 0)
{
    if (segment == path.segments().size())
        return QJsonValue();
    const JsonPath::Segment &step = path.segments().at(segment);
    const bool last = segment + 1 == path.segments().size();
    if (step.index < 0 && value.isObject()) {
        QJsonObject object = value.toObject();
        const auto it = object.find(step.key);
        if (it == object.end())
            return value;
        if (last)
            object.erase(it);
        else
            *it = without(*it, path, segment + 1);
        return object;
    }
    if (step.index >= 0 && value.isArray()) {
        QJsonArray array = value.toArray();
        if (step.index >= array.size())
            return value;
        array.replace(step.index, without(array.at(step.index), path, segment + 1));
        return array;
    }
    return value;
}

// Where both sides hold a volatile value of the same kind, both hold the kind's name instead.
void neutralizeVolatile(QJsonValue *a, QJsonValue *b)
{
    const QString kind = ScenarioFromSession::volatileKind(*a);
    if (!kind.isEmpty() && kind == ScenarioFromSession::volatileKind(*b)) {
        *a = *b = QJsonValue(QStringLiteral("<%1>").arg(kind));
        return;
    }
    if (a->isArray() && b->isArray()) {
        QJsonArray x = a->toArray(), y = b->toArray();
        for (qsizetype i = 0; i < qMin(x.size(), y.size()); ++i) {
            QJsonValue u = x.at(i), v = y.at(i);
            neutralizeVolatile(&u, &v);
            x.replace(i, u);
            y.replace(i, v);
        }
        *a = x;
        *b = y;
    } else if (a->isObject() && b->isObject()) {
        QJsonObject x = a->toObject(), y = b->toObject();
        for (auto it = x.begin(); it != x.end(); ++it) {
            const auto other = y.find(it.key());
            if (other == y.end())
                continue;
            QJsonValue u = *it, v = *other;
            neutralizeVolatile(&u, &v);
            *it = u;
            *other = v;
        }
        *a = x;
        *b = y;
    }
}

class Comparer
{
public:
    Comparer(const SessionDiffOptions &options, SessionDiffResult *result)
        : m_options(options)
        , m_result(result)
    {
    }

    void compare(const Side &a, const Side &b)
    {
        QList<Key> order = a.order;
        for (const Key &key : b.order)
            if (!a.items.contains(key))
                order.append(key);
        for (const Key &key : std::as_const(order))
            compareItems(key, a.items.value(key), b.items.value(key));
    }

private:
    // The first difference between two payloads named `root`, with what is ignored left out;
    // matched when none. *valueA and *valueB: what each holds there, when the difference does
    // not show it (an array's length, a missing member).
    MatchResult payloadDifference(QJsonValue a, QJsonValue b, const QString &root, QString *valueA,
                                  QString *valueB) const
    {
        for (const JsonPath &path : m_options.ignorePaths) {
            if (path.root() != root)
                continue;
            a = without(a, path);
            b = without(b, path);
        }
        if (!m_options.strict)
            neutralizeVolatile(&a, &b);
        const MatchResult result = PayloadMatch::match(a, b, MatchMode::Exact, JsonPath(root));
        if (!result.matched) {
            const auto shown = [&result](const QJsonValue &value) {
                bool found = false;
                const QJsonValue there = result.where.evaluate(value, &found);
                return found ? PayloadMatch::shortJson(there, ShownPayloadLimit)
                             : QStringLiteral("nothing");
            };
            *valueA = shown(a);
            *valueB = shown(b);
            if (*valueA == result.expected && *valueB == result.actual) {
                valueA->clear();
                valueB->clear();
            }
        }
        return result;
    }

    void add(const Key &key, int occurrence, Kind kind, const Item *a, const Item *b,
             const MatchResult &where = {}, const QString &valueA = {}, const QString &valueB = {})
    {
        SessionDifference difference;
        difference.kind = kind;
        difference.nsp = key.nsp;
        difference.direction = key.direction;
        difference.packet = key.packet;
        difference.event = key.event;
        difference.occurrence = occurrence;
        difference.rowA = a ? a->row : -1;
        difference.rowB = b ? b->row : -1;
        if (!where.matched) {
            difference.path = where.where.toString();
            difference.a = where.expected;
            difference.b = where.actual;
            difference.valueA = valueA;
            difference.valueB = valueB;
        }
        m_result->differences.append(difference);
    }

    void compareItems(const Key &key, const QList<Item> &a, const QList<Item> &b)
    {
        const bool event = key.packet == QLatin1String("EVENT");
        for (qsizetype i = 0; i < qMax(a.size(), b.size()); ++i) {
            const int occurrence = int(i + 1);
            const Item *x = i < a.size() ? &a.at(i) : nullptr;
            const Item *y = i < b.size() ? &b.at(i) : nullptr;
            if (!x || !y) {
                const Item *present = x ? x : y;
                MatchResult shown;
                if (event) {
                    shown.matched = false;
                    shown.where = JsonPath(QStringLiteral("args"));
                    const QString payload =
                        PayloadMatch::shortJson(present->value, ShownPayloadLimit);
                    (x ? shown.expected : shown.actual) = payload;
                    (x ? shown.actual : shown.expected) = QStringLiteral("nothing");
                }
                add(key, occurrence, x ? Kind::MissingInB : Kind::ExtraInB, x, y, shown);
                continue;
            }
            if (key.packet == QLatin1String("CONNECT")) {
                if (x->value != y->value) {
                    const auto outcome = [](const QJsonValue &value) {
                        return value.isNull() ? QStringLiteral("accepted")
                                              : QStringLiteral("refused (%1)")
                                                    .arg(PayloadMatch::shortJson(value));
                    };
                    MatchResult shown{false, JsonPath(), outcome(x->value), outcome(y->value)};
                    add(key, occurrence, Kind::ConnectDiffers, x, y, shown);
                } else {
                    ++m_result->matched;
                }
                continue;
            }
            if (!event) {
                ++m_result->matched;
                continue;
            }
            QString valueA, valueB;
            const MatchResult args =
                payloadDifference(x->value, y->value, QStringLiteral("args"), &valueA, &valueB);
            if (args.matched)
                ++m_result->matched;
            else
                add(key, occurrence, Kind::ArgumentsDiffer, x, y, args, valueA, valueB);
            if (x->asksAck != y->asksAck) {
                const auto asks = [](bool asks) {
                    return asks ? QStringLiteral("asks for an ack") : QStringLiteral("no ack");
                };
                add(key, occurrence, Kind::AckRequestDiffers, x, y,
                    MatchResult{false, JsonPath(), asks(x->asksAck), asks(y->asksAck)});
            } else if (x->ackRow >= 0 && y->ackRow >= 0) {
                const MatchResult ack =
                    payloadDifference(x->ack, y->ack, QStringLiteral("ack"), &valueA, &valueB);
                if (ack.matched)
                    ++m_result->matched;
                else
                    add(key, occurrence, Kind::AckDiffers, x, y, ack, valueA, valueB);
            } else if (x->ackRow >= 0) {
                add(key, occurrence, Kind::AckMissingInB, x, y);
            } else if (y->ackRow >= 0) {
                add(key, occurrence, Kind::AckExtraInB, x, y);
            }
        }
    }

    const SessionDiffOptions &m_options;
    SessionDiffResult *m_result;
};

} // namespace

QString SessionDifference::kindName(Kind kind)
{
    switch (kind) {
    case Kind::MissingInB:
        return QStringLiteral("missing");
    case Kind::ExtraInB:
        return QStringLiteral("extra");
    case Kind::ArgumentsDiffer:
        return QStringLiteral("arguments");
    case Kind::AckRequestDiffers:
        return QStringLiteral("ack-request");
    case Kind::AckDiffers:
        return QStringLiteral("ack");
    case Kind::AckMissingInB:
        return QStringLiteral("ack-missing");
    case Kind::AckExtraInB:
        return QStringLiteral("ack-extra");
    case Kind::ConnectDiffers:
        return QStringLiteral("connect");
    }
    return {};
}

QString SessionDifference::toString() const
{
    const bool ours = direction == PacketRecord::Direction::Out;
    QString text = nsp + QStringLiteral(": ");
    if (packet == QLatin1String("EVENT"))
        text += (ours ? QStringLiteral("we sent ") : QStringLiteral("server sent ")) +
                PayloadMatch::compactJson(event);
    else if (packet == QLatin1String("CONNECT"))
        text += QStringLiteral("server answered CONNECT");
    else
        text += QStringLiteral("server sent ") + packet;
    text += QStringLiteral(" #%1: ").arg(occurrence);
    // The ack answers the event: the other side sent it.
    const QString ack = ours ? QStringLiteral("the server's ack") : QStringLiteral("our ack");
    QString at = path + QStringLiteral(": expected ") + a + QStringLiteral(", got ") + b;
    if (!valueA.isEmpty())
        at += QStringLiteral(" (A: %1, B: %2)").arg(valueA, valueB);
    switch (kind) {
    case Kind::MissingInB:
        return text + QStringLiteral("missing in B") +
               (a.isEmpty() ? QString() : QStringLiteral(" (A: %1)").arg(a));
    case Kind::ExtraInB:
        return text + QStringLiteral("extra in B") +
               (b.isEmpty() ? QString() : QStringLiteral(" (B: %1)").arg(b));
    case Kind::ArgumentsDiffer:
        return text + QStringLiteral("arguments differ: ") + at;
    case Kind::AckRequestDiffers:
        return text + QStringLiteral("%1 in A, %2 in B").arg(a, b);
    case Kind::AckDiffers:
        return text + ack + QStringLiteral(" differs: ") + at;
    case Kind::AckMissingInB:
        return text + ack + QStringLiteral(" is missing in B");
    case Kind::AckExtraInB:
        return text + ack + QStringLiteral(" is extra in B (A has none)");
    case Kind::ConnectDiffers:
        return text + QStringLiteral("%1 in A, %2 in B").arg(a, b);
    }
    return text;
}

QJsonObject SessionDifference::toJson() const
{
    QJsonObject object{{QStringLiteral("kind"), kindName(kind)},
                       {QStringLiteral("nsp"), nsp},
                       {QStringLiteral("sender"), direction == PacketRecord::Direction::Out
                                                      ? QStringLiteral("client")
                                                      : QStringLiteral("server")},
                       {QStringLiteral("packet"), packet},
                       {QStringLiteral("occurrence"), occurrence},
                       {QStringLiteral("rowA"), rowA},
                       {QStringLiteral("rowB"), rowB},
                       {QStringLiteral("message"), toString()}};
    if (!event.isEmpty() || packet == QLatin1String("EVENT"))
        object.insert(QStringLiteral("event"), event);
    if (!path.isEmpty())
        object.insert(QStringLiteral("path"), path);
    if (!a.isEmpty() || !b.isEmpty()) {
        object.insert(QStringLiteral("a"), a);
        object.insert(QStringLiteral("b"), b);
    }
    if (!valueA.isEmpty()) {
        object.insert(QStringLiteral("valueA"), valueA);
        object.insert(QStringLiteral("valueB"), valueB);
    }
    return object;
}

bool SessionDiff::compare(const SessionLog &a, const SessionLog &b,
                          const SessionDiffOptions &options, SessionDiffResult *result,
                          QString *error)
{
    Side x, y;
    QString why;
    if (!read(a, &x, &why)) {
        *error = QStringLiteral("A: ") + why;
        return false;
    }
    if (!read(b, &y, &why)) {
        *error = QStringLiteral("B: ") + why;
        return false;
    }
    *result = {};
    Comparer(options, result).compare(x, y);
    return true;
}
