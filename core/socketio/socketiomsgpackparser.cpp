#include "socketio/socketiomsgpackparser.h"

#include "common/msgpackreader.h"
#include "common/msgpackwriter.h"
#include "socketio/socketiocodec.h"

namespace {

// Where a payload's shape is read from: the value the encoder wrote from JSON text (its kinds
// are the text's), or a value received (its kinds are those of the JSON it renders to).
enum class ShapeOf { Written, Received };

// The JSON kind of the next value. A bin is a placeholder object and an ext an "_msgpack"
// object either way. A received integer beyond +-(2^53 - 1) or a non-finite float renders as
// an "_msgpack" object too, so received scalars are rendered to tell. A string's UTF-8 goes to
// *string. The value has been read once already: it is well formed.
JsonScanner::Kind kindOf(MsgpackReader &reader, ShapeOf source, QByteArrayView *string)
{
    using Kind = JsonScanner::Kind;
    MsgpackReader::Type type;
    if (!reader.peekType(&type))
        return Kind::Invalid;
    switch (type) {
    case MsgpackReader::Type::Array:
        return Kind::Array;
    case MsgpackReader::Type::Map:
    case MsgpackReader::Type::Binary:
    case MsgpackReader::Type::Extension:
        return Kind::Object;
    case MsgpackReader::Type::String:
        return reader.readString(string) ? Kind::String : Kind::Invalid;
    case MsgpackReader::Type::Integer:
    case MsgpackReader::Type::Float:
        if (source == ShapeOf::Written)
            return Kind::Number;
        break;
    case MsgpackReader::Type::Nil:
    case MsgpackReader::Type::Boolean:
        break;
    }
    QByteArray json;
    QList<QByteArray> binaries;
    if (!reader.readJson(&json, &binaries) || json.isEmpty())
        return Kind::Invalid;
    switch (json.front()) {
    case '{':
        return Kind::Object;
    case 't':
        return Kind::True;
    case 'f':
        return Kind::False;
    case 'n':
        return Kind::Null;
    default:
        return Kind::Number;
    }
}

// What the payload rules read of the `data` value (encoded at the start of `value`): its kind,
// and for an array its item count and its first item.
SocketIoPayloadShape shapeOf(QByteArrayView value, ShapeOf source)
{
    SocketIoPayloadShape shape;
    MsgpackReader reader(value);
    QByteArrayView string;
    shape.kind = kindOf(reader, source, &string);
    quint32 count = 0;
    if (shape.kind == JsonScanner::Kind::Array && reader.readArrayHeader(&count)) {
        shape.itemCount = int(count);
        if (count > 0) {
            shape.firstItemKind = kindOf(reader, source, &string);
            if (shape.firstItemKind == JsonScanner::Kind::String)
                shape.firstString = QUtf8StringView(string.data(), string.size());
        }
    }
    return shape;
}

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
    QByteArray discarded;
    return encodeChecked(packet, protocol, &discarded, error);
}

bool SocketIoMsgpackParser::encodeChecked(const SocketIoPacket &packet, SocketIoProtocol protocol,
                                          QByteArray *bytes, QString *error)
{
    if (protocol != SocketIoProtocol::V5) {
        if (error)
            *error = QStringLiteral("the msgpack parser speaks Socket.IO protocol v5 only "
                                    "(socket.io 3 and 4)");
        return false;
    }
    if (!SocketIoEncoder::validateEnvelope(packet, protocol, error))
        return false;
    MsgpackWriter writer;
    qsizetype dataStart = -1;
    QString writeError;
    if (!writePacket(packet, &writer, &dataStart, &writeError)) {
        // The text rules name a payload's fault as the text parser does; what only MessagePack
        // refuses (a malformed "_msgpack" form) keeps the writer's words.
        if (SocketIoEncoder::validate(packet, protocol, error) && error)
            *error = writeError;
        return false;
    }
    // One pass: JSON that the transcoder wrote is JSON that the scanner accepts, and the rules
    // on the payload are read off the value written. When an object went through the tree,
    // placeholders in other forms may be about: the text rules decide on the text.
    const MsgpackWriter::JsonStats stats = writer.lastJsonStats();
    if (stats.specialObjects || packet.attachments.size() > 64) {
        if (!SocketIoEncoder::validate(packet, protocol, error))
            return false;
    } else {
        const bool present = dataStart >= 0;
        const SocketIoPayloadShape shape =
            present ? shapeOf(QByteArrayView(writer.data()).sliced(dataStart), ShapeOf::Written)
                    : SocketIoPayloadShape();
        if (!SocketIoEncoder::validatePayloadShape(packet.type, protocol, present, shape, error))
            return false;
        // The text rules' last one: every attachment is referenced by a placeholder.
        for (qsizetype i = 0; i < packet.attachments.size(); ++i) {
            if (!(stats.placedBinaries & (quint64(1) << i))) {
                if (error)
                    *error =
                        QStringLiteral("attachment %1 is not referenced by any placeholder").arg(i);
                return false;
            }
        }
    }
    *bytes = writer.take();
    return true;
}

bool SocketIoMsgpackParser::writePacket(const SocketIoPacket &packet, MsgpackWriter *writer,
                                        qsizetype *dataStart, QString *error)
{
    int type = packet.type;
    if (packet.type == SocketIoPacket::BinaryEvent)
        type = SocketIoPacket::Event;
    else if (packet.type == SocketIoPacket::BinaryAck)
        type = SocketIoPacket::Ack;
    const bool hasData = !packet.payload.isEmpty();
    // All of it in one allocation: the head, the payload with the transcoder's margin (32
    // bytes), each binary with its header, the id.
    qsizetype capacity = 64 + 3 * packet.nsp.size() + packet.payload.size();
    for (const QByteArray &attachment : packet.attachments)
        capacity += 5 + attachment.size();
    writer->reserve(capacity);
    // The head as notepack.io writes it: fixmap, "type" and its fixint, "nsp" and its str. In
    // one piece when the namespace is the root's.
    const char head[] = {char(0x80 | (2 + (hasData ? 1 : 0) + (packet.hasId() ? 1 : 0))),
                         char(0xa4),
                         't',
                         'y',
                         'p',
                         'e',
                         char(type),
                         char(0xa3),
                         'n',
                         's',
                         'p',
                         char(0xa1),
                         '/',
                         char(0xa4),
                         'd',
                         'a',
                         't',
                         'a'};
    const bool root = packet.nsp == u"/";
    writer->writeRaw(QByteArrayView(head, root ? (hasData ? 18 : 13) : 11));
    if (!root)
        writer->writeString(packet.nsp);
    if (hasData) {
        if (!root)
            writer->writeString("data");
        *dataStart = writer->data().size();
        if (!writer->writeJson(packet.payload, packet.attachments, error))
            return false;
    }
    if (packet.hasId()) {
        writer->writeString("id");
        writer->writeInteger(packet.id);
    }
    return true;
}

QByteArray SocketIoMsgpackParser::encodePacket(const SocketIoPacket &packet)
{
    MsgpackWriter writer;
    qsizetype dataStart = -1;
    QString error; // the packet has been validated
    writePacket(packet, &writer, &dataStart, &error);
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

bool SocketIoMsgpackParser::checkAndEncode(const SocketIoPacket &packet, SocketIoProtocol protocol,
                                           Encoded *encoded, QString *error) const
{
    QByteArray bytes;
    if (!encodeChecked(packet, protocol, &bytes, error))
        return false;
    encoded->raw = bytes;
    encoded->messages.clear();
    encoded->messages.emplaceBack(EngineIoPacket::Message, std::move(bytes), true);
    return true;
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
    qsizetype dataEnd = -1;
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
            // The root namespace is nearly every packet's: no UTF-16 copy for it.
            decoded.nsp = nsp == "/" ? QStringLiteral("/") : QString::fromUtf8(nsp);
            hasNsp = true;
        } else if (key == "data") {
            dataOffset = at;
            decoded.payload.clear();
            decoded.attachments.clear();
            if (!reader.readJson(&decoded.payload, &decoded.attachments))
                break;
            dataEnd = reader.offset();
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
    // The rules on payloads and ids are the text parser's. Each bin became a placeholder of
    // its own, so the placeholders hold unless a map had a "_placeholder" key: then the
    // rendered text decides, as it would for the text parser.
    QString rule;
    bool rulesHold;
    if (reader.renderedPlaceholderKey()) {
        rulesHold = SocketIoEncoder::validate(decoded, SocketIoProtocol::V5, &rule);
    } else {
        const bool present = dataOffset >= 0;
        const SocketIoPayloadShape shape =
            present ? shapeOf(QByteArrayView(bytes).sliced(dataOffset, dataEnd - dataOffset),
                              ShapeOf::Received)
                    : SocketIoPayloadShape();
        rulesHold = SocketIoEncoder::validateEnvelope(decoded, SocketIoProtocol::V5, &rule) &&
                    SocketIoEncoder::validatePayloadShape(decoded.type, SocketIoProtocol::V5,
                                                          present, shape, &rule);
    }
    if (!rulesHold)
        return fail(dataOffset >= 0 ? dataOffset : 0, rule);
    *packet = std::move(decoded);
    return true;
}
