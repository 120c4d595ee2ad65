#include "socketio/socketiopacket.h"

#include "common/jsonscanner.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

QString SocketIoPacket::normalizedNamespace(const QString &name)
{
    if (name.isEmpty())
        return QStringLiteral("/");
    if (!name.startsWith(QLatin1Char('/')))
        return QLatin1Char('/') + name;
    return name;
}

QString SocketIoPacket::typeName(Type type)
{
    switch (type) {
    case Connect:
        return QStringLiteral("CONNECT");
    case Disconnect:
        return QStringLiteral("DISCONNECT");
    case Event:
        return QStringLiteral("EVENT");
    case Ack:
        return QStringLiteral("ACK");
    case ConnectError:
        return QStringLiteral("CONNECT_ERROR");
    case BinaryEvent:
        return QStringLiteral("BINARY_EVENT");
    case BinaryAck:
        return QStringLiteral("BINARY_ACK");
    }
    return QStringLiteral("UNKNOWN(%1)").arg(int(type));
}

QJsonValue SocketIoPacket::data() const
{
    if (payload.isEmpty())
        return QJsonValue(QJsonValue::Undefined);
    // Qt 6.4's QJsonDocument only parses objects and arrays at the top level, and a payload may
    // be a string (v4 ERROR) or, from a broken peer, any scalar: wrap it in an array.
    QByteArray wrapped;
    wrapped.reserve(payload.size() + 2);
    wrapped.append('[').append(payload).append(']');
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(wrapped, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isArray())
        return QJsonValue(QJsonValue::Undefined);
    const QJsonArray array = document.array();
    if (array.size() != 1) // "1,2" would wrap into a valid two-item array
        return QJsonValue(QJsonValue::Undefined);
    return array.first();
}

QString SocketIoPacket::refusalMessage() const
{
    const QJsonValue value = data();
    if (value.isString())
        return value.toString();
    return value.toObject().value(QLatin1String("message")).toString(QString::fromUtf8(payload));
}

QString SocketIoPacket::eventName() const
{
    if (type != Event && type != BinaryEvent)
        return {};
    // The scanner unescapes the first string without building a document.
    const JsonScanner::Result scanned = JsonScanner::scan(payload);
    if (scanned.kind != JsonScanner::Kind::Array || !scanned.firstItemIsString)
        return {};
    return scanned.firstString;
}
