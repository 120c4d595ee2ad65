// One entry of the record stream: every packet sent and received at both layers, and the
// connection's lifecycle notes. The session log, the GUI and the exporters are built on it.
#pragma once

#include "engineio/engineiopacket.h"
#include "socketio/socketioparser.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

class SocketIoPacket;

class PacketRecord
{
    Q_GADGET
public:
    enum class Direction : quint8 { In, Out };
    Q_ENUM(Direction)
    enum class Layer : quint8 { SocketIo, EngineIo, Connection };
    Q_ENUM(Layer)
    // Lifecycle notes (layer Connection).
    enum Note : quint8 {
        Connecting,
        TransportOpened,
        Upgrading,
        Upgraded,
        Closed,
        Error,
        Warning,
        Reconnecting,
        Recovered,
        AckTimedOut,   // details: {"nsp", "id", "event"}
        ParserChanged, // details: {"from", "to", "reason"}: the auto parser found msgpack
        Cookies,       // details: {"cookies": [...]}: cookies a server set (see clientrecorder)
        Injected,      // details: {"nsp", "event", "id"?}: the proxy itself sent the next packet
        HttpExchange   // details: {"method", "url", "status", ...}: a request the proxy forwarded
                       // outside the Engine.IO path (--record-all)
    };
    Q_ENUM(Note)

    qint64 timeUs = 0; // microseconds since the epoch, UTC
    Direction direction = Direction::In;
    Layer layer = Layer::SocketIo;
    // SocketIoPacket::Type, EngineIoPacket::Type or Note, according to layer.
    quint8 type = 0;
    TransportKind transport = TransportKind::None;
    QString nsp; // Socket.IO packets only ("/" when omitted on the wire)
    qint64 id = -1;
    // JSON text: the Socket.IO payload as on the wire (placeholders kept), the OPEN handshake,
    // the PING/PONG data as a JSON string, or a lifecycle note's details object.
    QByteArray payload;
    QList<QByteArray> attachments;
    QByteArray raw; // the wire text of a text frame (for binary frames: empty), or see parser
    // Which Socket.IO parser framed the packet. Default: `raw` is the text frame and binaries
    // travel apart. Msgpack: `raw` is the whole binary MessagePack message, its bins inside,
    // and `attachments` holds those bins again so every view reads them one way. Never Auto.
    SocketIoParser::Kind parser = SocketIoParser::Kind::Default;
    QString error; // set when the record reports a protocol violation or failure
    // On an ACK that answers an EVENT we sent: the round-trip time; -1 otherwise.
    qint64 rttUs = -1;
    // Records of the embedded server: the Engine.IO sid of the client session the record
    // belongs to (a server serves many at once). Empty in a client's own log.
    QString session;

    // Log-format names: "in"/"out", "sio"/"eio"/"conn", and the type (e.g. "EVENT", "PING",
    // "upgraded").
    QString directionName() const;
    QString layerName() const;
    QString typeName() const;
    static QString noteName(Note note);
    // A Socket.IO packet as a record; `raw` is its text frame ("4" + the encoded packet).
    static PacketRecord fromSocketIoPacket(const SocketIoPacket &packet, Direction direction,
                                           TransportKind transport, const QByteArray &raw);
    // An Engine.IO packet as a record: OPEN's handshake, PING/PONG data and a MESSAGE's text as
    // a JSON string, a binary MESSAGE as the attachment; `raw` is its text frame.
    static PacketRecord fromEngineIoPacket(const EngineIoPacket &packet, Direction direction,
                                           TransportKind transport);
    // A received Socket.IO frame that broke the protocol, kept whole (text in `raw`, a binary
    // frame as the attachment) with the error; typed by its packet digit and given the namespace
    // it names when it has them ("/" otherwise, as a frame without one means).
    static PacketRecord offendingSocketIoFrame(const QByteArray &frame, bool binary,
                                               TransportKind transport, const QString &error);
    // JSON for record payloads: a lifecycle note's details object, and a JSON string holding
    // `data` (the PING/PONG payload).
    static QByteArray detailsJson(const QJsonObject &details);
    static QByteArray jsonString(const QByteArray &data);
    // A lifecycle note (layer Connection) with its details; `error` when it reports a failure.
    static PacketRecord note(Note note, const QJsonObject &details, TransportKind transport,
                             const QString &error = {});
    // The note that one of our acks timed out; ack pairing reads it from the stream.
    static PacketRecord ackTimeoutNote(const QString &nsp, qint64 id, const QString &eventName);
    static qint64 nowUs();
};
Q_DECLARE_METATYPE(PacketRecord)
