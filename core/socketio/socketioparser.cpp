#include "socketio/socketioparser.h"

#include "socketio/socketiocodec.h"

namespace {

class TextMessageDecoder final : public SocketIoMessageDecoder
{
public:
    TextMessageDecoder(SocketIoProtocol protocol, const SocketIoParserLimits &limits)
        : m_decoder(protocol)
    {
        m_decoder.setLimits(limits);
    }

    Status decode(const QByteArray &data, bool binary) override
    {
        switch (binary ? m_decoder.decodeBinary(data) : m_decoder.decodeText(data)) {
        case SocketIoDecoder::Status::PacketReady:
            return Status::PacketReady;
        case SocketIoDecoder::Status::NeedAttachments:
            return Status::NeedMoreMessages;
        case SocketIoDecoder::Status::Error:
            break;
        }
        return Status::Error;
    }
    SocketIoPacket takePacket() override { return m_decoder.takePacket(); }
    bool isAssembling() const override { return m_decoder.isAwaitingAttachments(); }
    SocketIoPacket partialPacket() const override { return m_decoder.pendingPacket(); }
    int announcedParts() const override
    {
        return m_decoder.isAwaitingAttachments()
                   ? int(m_decoder.pendingPacket().attachments.size()) +
                         m_decoder.pendingAttachmentCount()
                   : 0;
    }
    QString errorString() const override { return m_decoder.errorString(); }
    void reset() override { m_decoder.reset(); }

private:
    SocketIoDecoder m_decoder;
};

} // namespace

QString SocketIoParser::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Default:
        return QStringLiteral("default");
    case Kind::Msgpack:
        return QStringLiteral("msgpack");
    case Kind::Auto:
        return QStringLiteral("auto");
    }
    return {};
}

bool SocketIoParser::kindFromName(const QString &name, Kind *kind)
{
    for (const Kind candidate : {Kind::Default, Kind::Msgpack, Kind::Auto}) {
        if (name == kindName(candidate)) {
            *kind = candidate;
            return true;
        }
    }
    return false;
}

bool SocketIoParser::checkAndEncode(const SocketIoPacket &packet, SocketIoProtocol protocol,
                                    Encoded *encoded, QString *error) const
{
    if (!validate(packet, protocol, error))
        return false;
    *encoded = encode(packet, protocol);
    return true;
}

bool SocketIoTextParser::validate(const SocketIoPacket &packet, SocketIoProtocol protocol,
                                  QString *error) const
{
    return SocketIoEncoder::validate(packet, protocol, error);
}

SocketIoParser::Encoded SocketIoTextParser::encode(const SocketIoPacket &packet,
                                                   SocketIoProtocol protocol) const
{
    const QByteArray text = SocketIoEncoder::encode(packet, protocol);
    Encoded encoded;
    encoded.messages = SocketIoEncoder::messages(packet, text);
    encoded.raw = '4' + text;
    return encoded;
}

std::unique_ptr<SocketIoMessageDecoder>
SocketIoTextParser::createDecoder(SocketIoProtocol protocol,
                                  const SocketIoParserLimits &limits) const
{
    return std::make_unique<TextMessageDecoder>(protocol, limits);
}
