#include "socketio/packetrecord.h"

#include "socketio/socketiopacket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <chrono>

QString PacketRecord::directionName() const
{
    return direction == Direction::In ? QStringLiteral("in") : QStringLiteral("out");
}

QString PacketRecord::layerName() const
{
    switch (layer) {
    case Layer::SocketIo:
        return QStringLiteral("sio");
    case Layer::EngineIo:
        return QStringLiteral("eio");
    case Layer::Connection:
        break;
    }
    return QStringLiteral("conn");
}

QString PacketRecord::typeName() const
{
    switch (layer) {
    case Layer::SocketIo:
        return SocketIoPacket::typeName(SocketIoPacket::Type(type));
    case Layer::EngineIo:
        return EngineIoPacket::typeName(EngineIoPacket::Type(type));
    case Layer::Connection:
        break;
    }
    return noteName(Note(type));
}

QString PacketRecord::noteName(Note note)
{
    switch (note) {
    case Connecting:
        return QStringLiteral("connecting");
    case TransportOpened:
        return QStringLiteral("transport-opened");
    case Upgrading:
        return QStringLiteral("upgrading");
    case Upgraded:
        return QStringLiteral("upgraded");
    case Closed:
        return QStringLiteral("closed");
    case Error:
        return QStringLiteral("error");
    case Warning:
        return QStringLiteral("warning");
    case Reconnecting:
        return QStringLiteral("reconnecting");
    case Recovered:
        return QStringLiteral("recovered");
    case AckTimedOut:
        return QStringLiteral("ack-timeout");
    case ParserChanged:
        return QStringLiteral("parser-changed");
    case Cookies:
        return QStringLiteral("cookies");
    case Injected:
        return QStringLiteral("injected");
    case HttpExchange:
        return QStringLiteral("http");
    }
    return QStringLiteral("unknown");
}

PacketRecord PacketRecord::fromSocketIoPacket(const SocketIoPacket &packet, Direction direction,
                                              TransportKind transport, const QByteArray &raw)
{
    PacketRecord record;
    record.direction = direction;
    record.layer = Layer::SocketIo;
    record.type = packet.type;
    record.transport = transport;
    record.nsp = packet.nsp;
    record.id = packet.id;
    record.payload = packet.payload;
    record.attachments = packet.attachments;
    record.raw = raw;
    return record;
}

PacketRecord PacketRecord::fromEngineIoPacket(const EngineIoPacket &packet, Direction direction,
                                              TransportKind transport)
{
    PacketRecord record;
    record.direction = direction;
    record.layer = Layer::EngineIo;
    record.type = packet.type;
    record.transport = transport;
    switch (packet.type) {
    case EngineIoPacket::Open:
        record.payload = packet.data;
        break;
    case EngineIoPacket::Ping:
    case EngineIoPacket::Pong:
        record.payload = jsonString(packet.data);
        break;
    case EngineIoPacket::Message:
        if (packet.binary)
            record.attachments = {packet.data};
        else
            record.payload = jsonString(packet.data);
        break;
    default:
        break;
    }
    if (!packet.binary)
        record.raw = QByteArray::number(int(packet.type)) + packet.data;
    return record;
}

namespace {
// The namespace a broken text frame names, read leniently ("4", the type digit, an optional
// "<attachments>-", then "/name," when there is one): "/" when it names none, as on the wire.
QString namespaceOfBrokenFrame(const QByteArray &frame)
{
    constexpr qsizetype MaxNamespaceBytes = 256; // the frame is broken: its name may be too
    qsizetype i = 2;
    while (i < frame.size() && frame.at(i) >= '0' && frame.at(i) <= '9')
        ++i;
    i = i < frame.size() && frame.at(i) == '-' ? i + 1 : 2;
    if (i >= frame.size() || frame.at(i) != '/')
        return QStringLiteral("/");
    const qsizetype comma = frame.indexOf(',', i);
    const qsizetype end = comma < 0 ? frame.size() : comma;
    return QString::fromUtf8(frame.mid(i, std::min(end - i, MaxNamespaceBytes)));
}
} // namespace

PacketRecord PacketRecord::offendingSocketIoFrame(const QByteArray &frame, bool binary,
                                                  TransportKind transport, const QString &error)
{
    PacketRecord record;
    record.direction = Direction::In;
    record.layer = Layer::SocketIo;
    record.transport = transport;
    record.nsp = binary ? QStringLiteral("/") : namespaceOfBrokenFrame(frame);
    if (binary) {
        record.attachments = {frame};
        record.type = SocketIoPacket::BinaryEvent; // an attachment with nothing to attach it to
    } else {
        record.raw = frame;
        if (frame.size() > 1 && frame.at(1) >= '0' && frame.at(1) <= '6')
            record.type = quint8(frame.at(1) - '0');
    }
    record.error = error;
    return record;
}

QByteArray PacketRecord::detailsJson(const QJsonObject &details)
{
    return QJsonDocument(details).toJson(QJsonDocument::Compact);
}

QByteArray PacketRecord::jsonString(const QByteArray &data)
{
    const QByteArray array =
        QJsonDocument(QJsonArray{QString::fromUtf8(data)}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

PacketRecord PacketRecord::note(Note note, const QJsonObject &details, TransportKind transport,
                                const QString &error)
{
    PacketRecord record;
    record.direction = Direction::In;
    record.layer = Layer::Connection;
    record.type = note;
    record.transport = transport;
    record.payload = detailsJson(details);
    record.error = error;
    return record;
}

PacketRecord PacketRecord::ackTimeoutNote(const QString &nsp, qint64 id, const QString &eventName)
{
    PacketRecord note;
    note.timeUs = nowUs();
    note.layer = Layer::Connection;
    note.type = AckTimedOut;
    note.payload = detailsJson({{QStringLiteral("nsp"), nsp},
                                {QStringLiteral("id"), double(id)},
                                {QStringLiteral("event"), eventName}});
    return note;
}

qint64 PacketRecord::nowUs()
{
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}
