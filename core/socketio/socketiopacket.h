// Socket.IO packets as value types. The payload is kept as the JSON text that was on the wire
// (binary placeholders included), which is what the log records; it is parsed only on demand.
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QMetaType>
#include <QString>

// Socket.IO protocol revision: 5 for socket.io 3/4 servers, 4 for socket.io 2.x servers.
enum class SocketIoProtocol : quint8 { V4 = 4, V5 = 5 };

class SocketIoPacket
{
    Q_GADGET
public:
    enum Type : quint8 {
        Connect = 0,
        Disconnect = 1,
        Event = 2,
        Ack = 3,
        ConnectError = 4, // ERROR in protocol v4
        BinaryEvent = 5,
        BinaryAck = 6
    };
    Q_ENUM(Type)

    SocketIoPacket() = default;
    SocketIoPacket(Type type, QString nsp, QByteArray payload = {}, qint64 id = -1)
        : type(type)
        , nsp(std::move(nsp))
        , id(id)
        , payload(std::move(payload))
    {
    }

    // Names as used by the log format: CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR,
    // BINARY_EVENT, BINARY_ACK.
    static QString typeName(Type type);
    // A namespace as the user or an API caller may write it: "" and "chat" mean "/" and "/chat".
    static QString normalizedNamespace(const QString &name);

    bool hasId() const { return id >= 0; }
    bool isBinary() const { return type == BinaryEvent || type == BinaryAck; }
    // The parsed payload (placeholders kept as objects); Undefined when there is none.
    QJsonValue data() const;
    // For EVENT and BINARY_EVENT: the first array item when it is a string, else empty.
    QString eventName() const;
    // For CONNECT_ERROR: the refusal's message; a string payload (v4's ERROR) is the message,
    // else the object's "message" (v5), else the payload's text. Whatever the type, it reads
    // the payload that way.
    QString refusalMessage() const;

    Type type = Event;
    QString nsp = QStringLiteral("/");
    // Protocol v4 only: the query string sent with CONNECT ("token=abc" in "0/admin?token=abc,").
    QString query;
    qint64 id = -1;                // ack id; -1 when the packet has none
    QByteArray payload;            // JSON text as on the wire; empty when the packet has no payload
    QList<QByteArray> attachments; // for BINARY_* packets, in placeholder order

    friend bool operator==(const SocketIoPacket &a, const SocketIoPacket &b)
    {
        return a.type == b.type && a.nsp == b.nsp && a.query == b.query && a.id == b.id &&
               a.payload == b.payload && a.attachments == b.attachments;
    }
    friend bool operator!=(const SocketIoPacket &a, const SocketIoPacket &b) { return !(a == b); }
};
Q_DECLARE_METATYPE(SocketIoPacket)
