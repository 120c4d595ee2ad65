// Engine.IO packets as value types, and the handshake carried by OPEN.
#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>
#include <QStringList>

enum class EngineIoVersion : quint8 { V3 = 3, V4 = 4 };

// How a packet travelled: it decides the wire form and is shown in every record.
enum class TransportKind : quint8 { None, Polling, WebSocket };
QString transportName(TransportKind kind); // "polling", "websocket", "" for None

class EngineIoPacket
{
    Q_GADGET
public:
    enum Type : quint8 {
        Open = 0,
        Close = 1,
        Ping = 2,
        Pong = 3,
        Message = 4,
        Upgrade = 5,
        Noop = 6
    };
    Q_ENUM(Type)

    EngineIoPacket() = default;
    EngineIoPacket(Type type, QByteArray data = {}, bool binary = false)
        : type(type)
        , data(std::move(data))
        , binary(binary)
    {
    }

    // Names as used by the log format: OPEN, CLOSE, PING, PONG, MESSAGE, UPGRADE, NOOP.
    static QString typeName(Type type);

    Type type = Noop;
    // Text after the type digit, or the raw bytes of a binary message (binary == true).
    QByteArray data;
    bool binary = false;

    friend bool operator==(const EngineIoPacket &a, const EngineIoPacket &b)
    {
        return a.type == b.type && a.binary == b.binary && a.data == b.data;
    }
    friend bool operator!=(const EngineIoPacket &a, const EngineIoPacket &b) { return !(a == b); }
};
Q_DECLARE_METATYPE(EngineIoPacket)

// The JSON object of an OPEN packet.
class EngineIoHandshake
{
    Q_GADGET
public:
    QString sid;
    QStringList upgrades;
    int pingInterval = 0;  // ms
    int pingTimeout = 0;   // ms
    qint64 maxPayload = 0; // bytes; 0 when the server did not announce one (v3, engine.io < 6)

    // Validates the fields the spec requires (sid: non-empty string; upgrades: array of strings;
    // pingInterval, pingTimeout: positive integers; maxPayload: positive integer when present).
    // On failure returns false and says which field is wrong in *error.
    static bool fromJson(const QByteArray &json, EngineIoHandshake *handshake, QString *error);
    QByteArray toJson() const;
};
Q_DECLARE_METATYPE(EngineIoHandshake)
