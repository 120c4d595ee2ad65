#include "socketio/socketiomsgpackparser.h"

#include "common/msgpackreader.h"
#include "common/msgpackwriter.h"
#include "socketio/socketiocodec.h"

namespace {

class MsgpackMessageDecoder final : public SocketIoMessageDecoder
{
public:
    explicit MsgpackMessageDecoder(const SocketIoParserLimits &limits)
        : m_limits(limits)
    {
    }

    Status decode(const QByteArray &data, bool binary) override
    {
        if (!binary) {
            m_error = QStringLiteral("text message under the msgpack parser, which sends every "
                                     "packet as one binary message");
            return Status::Error;
        }
        if (!SocketIoMsgpackParser::decodePacket(data, m_limits, &m_packet, &m_error))
            return Status::Error;
        return Status::PacketReady;
    }
    SocketIoPacket takePacket() override { return std::exchange(m_packet, {}); }
    // One message is one packet: nothing is ever half received.
    bool isAssembling() const override { return false; }
    SocketIoPacket partialPacket() const override { return {}; }
    int announcedParts() const override { return 0; }
    QString errorString() const override { return m_error; }
    void reset() override
    {
        m_packet = SocketIoPacket();
        m_error.clear();
    }

private:
    SocketIoParserLimits m_limits;
    SocketIoPacket m_packet;
    QString m_error;
};

} // namespace

bool SocketIoMsgpackParser::validate(const SocketIoPacket &packet, SocketIoProtocol protocol,
                                     QString *error) const
{
    if (protocol != SocketIoProtocol::V5) {
        if (error)
            *error = QStringLiteral("the msgpack parser speaks Socket.IO protocol v5 only "
                                    "(socket.io 3 and 4)");
        return false;
    }
    if (!SocketIoEncoder::validate(packet, protocol, error))
        return false;
    // The payload must also write as MessagePack: placeholders and "_msgpack" forms.
    MsgpackWriter writer;
    if (!packet.payload.isEmpty() && !writer.writeJson(packet.payload, packet.attachments, error))
        return false;
    return true;
}

QByteArray SocketIoMsgpackParser::encodePacket(const SocketIoPacket &packet)
{
    int type = packet.type;
    if (packet.type == SocketIoPacket::BinaryEvent)
        type = SocketIoPacket::Event;
    else if (packet.type == SocketIoPacket::BinaryAck)
        type = SocketIoPacket::Ack;
    const bool hasData = !packet.payload.isEmpty();
    MsgpackWriter writer;
    writer.writeMapHeader(2 + (hasData ? 1 : 0) + (packet.hasId() ? 1 : 0));
    writer.writeString("type");
    writer.writeInteger(type);
    writer.writeString("nsp");
    writer.writeString(packet.nsp.toUtf8());
    if (hasData) {
        writer.writeString("data");
        QString error; // validate() has accepted the payload
        writer.writeJson(packet.payload, packet.attachments, &error);
    }
    if (packet.hasId()) {
        writer.writeString("id");
        writer.writeInteger(packet.id);
    }
    return writer.take();
}

SocketIoParser::Encoded SocketIoMsgpackParser::encode(const SocketIoPacket &packet,
                                                      SocketIoProtocol protocol) const
{
    Q_UNUSED(protocol);
    Encoded encoded;
    encoded.raw = encodePacket(packet);
    encoded.messages = {EngineIoPacket(EngineIoPacket::Message, encoded.raw, true)};
    return encoded;
}

std::unique_ptr<SocketIoMessageDecoder>
SocketIoMsgpackParser::createDecoder(SocketIoProtocol protocol,
                                     const SocketIoParserLimits &limits) const
{
    Q_UNUSED(protocol);
    return std::make_unique<MsgpackMessageDecoder>(limits);
}

bool SocketIoMsgpackParser::decodePacket(const QByteArray &bytes,
                                         const SocketIoParserLimits &limits, SocketIoPacket *packet,
                                         QString *error)
{
    MsgpackLimits msgpackLimits;
    msgpackLimits.maxDepth = limits.maxJsonDepth;
    msgpackLimits.maxBinaryBytes = limits.maxAttachmentBytes;
    MsgpackReader reader(bytes, msgpackLimits);
    const auto fail = [&](qsizetype at, const QString &what) {
        *error = QStringLiteral("%1 at offset %2").arg(what).arg(at);
        return false;
    };
    MsgpackReader::Type type;
    if (!reader.peekType(&type)) {
        *error = reader.errorString();
        return false;
    }
    if (type != MsgpackReader::Type::Map)
        return fail(
            0, QStringLiteral("the packet is a %1, not a map").arg(MsgpackReader::typeName(type)));
    quint32 count;
    if (!reader.readMapHeader(&count)) {
        *error = reader.errorString();
        return false;
    }
    SocketIoPacket decoded;
    qint64 packetType = -1;
    bool hasNsp = false;
    qsizetype dataOffset = -1;
    QByteArray scratch;
    QList<QByteArray> scratchBinaries;
    for (quint32 i = 0; i < count; ++i) {
        MsgpackReader::Type keyType;
        if (!reader.peekType(&keyType))
            break;
        QByteArrayView key;
        if (keyType == MsgpackReader::Type::String) {
            if (!reader.readString(&key))
                break;
        } else if (!reader.readJson(&scratch, &scratchBinaries)) { // an extra key: tolerated
            break;
        }
        const qsizetype at = reader.offset();
        MsgpackReader::Type valueType;
        if (!reader.peekType(&valueType))
            break;
        if (key == "type") {
            if (valueType != MsgpackReader::Type::Integer)
                return fail(at, QStringLiteral("type is a %1, not an integer")
                                    .arg(MsgpackReader::typeName(valueType)));
            if (!reader.readInteger(&packetType)) {
                return fail(at, QStringLiteral("type is out of range"));
            }
            if (packetType < 0 || packetType > 6)
                return fail(at, QStringLiteral("invalid packet type %1").arg(packetType));
        } else if (key == "nsp") {
            if (valueType != MsgpackReader::Type::String)
                return fail(at, QStringLiteral("nsp is a %1, not a str")
                                    .arg(MsgpackReader::typeName(valueType)));
            QByteArrayView nsp;
            if (!reader.readString(&nsp))
                break;
            decoded.nsp = QString::fromUtf8(nsp);
            hasNsp = true;
        } else if (key == "data") {
            dataOffset = at;
            decoded.payload.clear();
            decoded.attachments.clear();
            if (!reader.readJson(&decoded.payload, &decoded.attachments))
                break;
        } else if (key == "id") {
            qint64 id = -1;
            if (valueType != MsgpackReader::Type::Integer || !reader.readInteger(&id) || id < 0)
                return fail(at, QStringLiteral("the ack id is not a non-negative integer"));
            decoded.id = id;
        } else {
            scratch.clear();
            scratchBinaries.clear();
            if (!reader.readJson(&scratch, &scratchBinaries))
                break;
        }
    }
    if (reader.hasError()) {
        *error = reader.errorString();
        return false;
    }
    if (!reader.atEnd())
        return fail(
            reader.offset(),
            QStringLiteral("%1 bytes follow the packet").arg(bytes.size() - reader.offset()));
    if (packetType < 0)
        return fail(0, QStringLiteral("the packet has no type"));
    if (!hasNsp)
        return fail(0, QStringLiteral("the packet has no nsp"));
    decoded.type = SocketIoPacket::Type(packetType);
    if (!decoded.attachments.isEmpty()) {
        if (decoded.type == SocketIoPacket::Event)
            decoded.type = SocketIoPacket::BinaryEvent;
        else if (decoded.type == SocketIoPacket::Ack)
            decoded.type = SocketIoPacket::BinaryAck;
    }
    // The rules on payloads and ids are the text parser's.
    QString rule;
    if (!SocketIoEncoder::validate(decoded, SocketIoProtocol::V5, &rule))
        return fail(dataOffset >= 0 ? dataOffset : 0, rule);
    *packet = std::move(decoded);
    return true;
}
