#include "engineio/engineiopacket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>

#include <cmath>
#include <limits>

QString transportName(TransportKind kind)
{
    switch (kind) {
    case TransportKind::Polling:
        return QStringLiteral("polling");
    case TransportKind::WebSocket:
        return QStringLiteral("websocket");
    case TransportKind::None:
        break;
    }
    return QString();
}

QString EngineIoPacket::typeName(Type type)
{
    switch (type) {
    case Open:
        return QStringLiteral("OPEN");
    case Close:
        return QStringLiteral("CLOSE");
    case Ping:
        return QStringLiteral("PING");
    case Pong:
        return QStringLiteral("PONG");
    case Message:
        return QStringLiteral("MESSAGE");
    case Upgrade:
        return QStringLiteral("UPGRADE");
    case Noop:
        return QStringLiteral("NOOP");
    }
    return QStringLiteral("UNKNOWN(%1)").arg(int(type));
}

namespace {

// The value as the server sent it, short enough for an error line.
QString describeJsonValue(const QJsonValue &value)
{
    if (value.isUndefined())
        return QStringLiteral("missing");
    // QJsonDocument serialises only arrays and objects: wrap the value and strip the brackets.
    const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    QString text = QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2));
    constexpr int maxChars = 40;
    if (text.size() > maxChars)
        text = text.left(maxChars) + QStringLiteral("...");
    return QStringLiteral("got %1").arg(text);
}

QString fieldError(const QString &field, const QString &rule, const QJsonValue &value)
{
    return QStringLiteral("handshake field \"%1\" must be %2 (%3)")
        .arg(field, rule, describeJsonValue(value));
}

// A JSON number that is a whole number in [1, max]. JSON has only doubles; integers up to 2^53
// are exact, which covers every limit here.
bool readPositiveInteger(const QJsonValue &value, double max, qint64 *result)
{
    if (!value.isDouble())
        return false;
    const double number = value.toDouble();
    if (!(number >= 1 && number <= max) || std::trunc(number) != number)
        return false;
    *result = qint64(number);
    return true;
}

QByteArray jsonString(const QString &text)
{
    const QByteArray wrapped = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
    return wrapped.mid(1, wrapped.size() - 2);
}

} // namespace

bool EngineIoHandshake::fromJson(const QByteArray &json, EngineIoHandshake *handshake,
                                 QString *error)
{
    auto failWith = [error](const QString &message) {
        if (error)
            *error = message;
        return false;
    };

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return failWith(QStringLiteral("handshake is not valid JSON: %1 at offset %2")
                            .arg(parseError.errorString())
                            .arg(parseError.offset));
    }
    if (!document.isObject())
        return failWith(QStringLiteral("handshake must be a JSON object"));
    const QJsonObject object = document.object();

    EngineIoHandshake result;

    const QJsonValue sid = object.value(QLatin1String("sid"));
    if (!sid.isString() || sid.toString().isEmpty())
        return failWith(
            fieldError(QStringLiteral("sid"), QStringLiteral("a non-empty string"), sid));
    result.sid = sid.toString();

    // The spec's own v3 WebSocket-only example leaves "upgrades" out; absent means nothing to
    // upgrade to. Present, it must be well-formed.
    const QJsonValue upgrades = object.value(QLatin1String("upgrades"));
    if (!upgrades.isUndefined()) {
        const QString rule = QStringLiteral("an array of strings");
        if (!upgrades.isArray())
            return failWith(fieldError(QStringLiteral("upgrades"), rule, upgrades));
        const QJsonArray names = upgrades.toArray();
        result.upgrades.reserve(names.size());
        for (const QJsonValue &name : names) {
            if (!name.isString())
                return failWith(fieldError(QStringLiteral("upgrades"), rule, upgrades));
            result.upgrades.append(name.toString());
        }
    }

    const double maxInt = std::numeric_limits<int>::max();
    const QString positiveInt = QStringLiteral("a positive integer no larger than 2147483647");
    for (auto [key, target] : {std::pair{QStringLiteral("pingInterval"), &result.pingInterval},
                               std::pair{QStringLiteral("pingTimeout"), &result.pingTimeout}}) {
        const QJsonValue value = object.value(key);
        qint64 number = 0;
        if (!readPositiveInteger(value, maxInt, &number))
            return failWith(fieldError(key, positiveInt, value));
        *target = int(number);
    }

    // Announced since engine.io 6; socket.io 2 and 3 servers (engine.io < 6) do not send it.
    const QJsonValue maxPayload = object.value(QLatin1String("maxPayload"));
    if (!maxPayload.isUndefined()) {
        constexpr double maxExactInteger = 9007199254740992.0; // 2^53
        if (!readPositiveInteger(maxPayload, maxExactInteger, &result.maxPayload)) {
            return failWith(fieldError(QStringLiteral("maxPayload"),
                                       QStringLiteral("a positive integer"), maxPayload));
        }
    }

    if (handshake)
        *handshake = std::move(result);
    return true;
}

QByteArray EngineIoHandshake::toJson() const
{
    // Written by hand to keep engine.io's key order (QJsonObject sorts keys), so that a
    // re-encoded handshake reads like the one on the wire.
    QByteArray json;
    json.reserve(96 + sid.size());
    json += "{\"sid\":";
    json += jsonString(sid);
    json += ",\"upgrades\":";
    json += QJsonDocument(QJsonArray::fromStringList(upgrades)).toJson(QJsonDocument::Compact);
    json += ",\"pingInterval\":";
    json += QByteArray::number(pingInterval);
    json += ",\"pingTimeout\":";
    json += QByteArray::number(pingTimeout);
    if (maxPayload > 0) {
        json += ",\"maxPayload\":";
        json += QByteArray::number(maxPayload);
    }
    json += '}';
    return json;
}
