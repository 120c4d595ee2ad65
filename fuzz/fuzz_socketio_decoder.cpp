// The Socket.IO decoder, v5 and v4, text packets and binary attachments.
//
// Input: the first byte picks the protocol ('4': v4, anything else: v5) and, with bit 0x80, tight
// limits (2 attachments, depth 8, 16-byte attachments). The rest is a sequence of Engine.IO
// messages separated by '\n'; a message starting with 'B' is a binary message (the bytes after
// the 'B'), any other is a text message. So `5` + "51-[\"a\",{\"_placeholder\":true,\"num\":0}]\nBxyz"
// is a BINARY_EVENT and its attachment.
//
// Properties: no crash or sanitizer report; a decoded packet re-encodes to text that decodes to
// the same packet; after an error the decoder accepts the next packet (reset() as the client does).
#include "fuzzcommon.h"
#include "socketio/socketiocodec.h"

namespace {

void checkRoundTrip(const SocketIoPacket &packet, SocketIoProtocol protocol,
                    const SocketIoDecoder::Limits &limits)
{
    // v4 strips a query from any namespace, but only CONNECT writes one back.
    if (!packet.query.isEmpty() && packet.type != SocketIoPacket::Connect)
        return;
    const QByteArray text = SocketIoEncoder::encode(packet, protocol);
    SocketIoDecoder again(protocol);
    again.setLimits(limits);
    auto status = again.decodeText(text);
    for (const QByteArray &attachment : packet.attachments) {
        FUZZ_CHECK(status == SocketIoDecoder::Status::NeedAttachments, again.errorString());
        status = again.decodeBinary(attachment);
    }
    FUZZ_CHECK(status == SocketIoDecoder::Status::PacketReady,
               again.errorString() + QStringLiteral(" for ") + QString::fromUtf8(text));
    const SocketIoPacket back = again.takePacket();
    FUZZ_CHECK(back.type == packet.type, QString::fromUtf8(text));
    FUZZ_CHECK(back.nsp == packet.nsp, QString::fromUtf8(text));
    FUZZ_CHECK(back.query == packet.query, QString::fromUtf8(text));
    FUZZ_CHECK(back.id == packet.id, QString::fromUtf8(text));
    FUZZ_CHECK(back.payload == packet.payload, QString::fromUtf8(text));
    FUZZ_CHECK(back.attachments == packet.attachments, QString::fromUtf8(text));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArrayView input = fuzzInput(data, size);
    if (input.isEmpty())
        return 0;
    const uchar mode = uchar(input.front());
    input = input.sliced(1);
    const SocketIoProtocol protocol =
        (mode & 0x7f) == '4' ? SocketIoProtocol::V4 : SocketIoProtocol::V5;
    SocketIoDecoder::Limits limits;
    if (mode & 0x80) {
        limits.maxAttachments = 2;
        limits.maxJsonDepth = 8;
        limits.maxAttachmentBytes = 16;
        limits.maxPendingAttachmentBytes = 24;
    }
    SocketIoDecoder decoder(protocol);
    decoder.setLimits(limits);

    forEachLine(input, [&](QByteArrayView message) {
        SocketIoDecoder::Status status;
        if (message.startsWith('B'))
            status = decoder.decodeBinary(message.sliced(1).toByteArray());
        else
            status = decoder.decodeText(message.toByteArray());
        switch (status) {
        case SocketIoDecoder::Status::PacketReady: {
            FUZZ_CHECK(!decoder.isAwaitingAttachments(), QString());
            const SocketIoPacket packet = decoder.takePacket();
            FUZZ_CHECK(packet.type <= SocketIoPacket::BinaryAck, QString());
            FUZZ_CHECK(packet.nsp.startsWith(u'/'), packet.nsp);
            FUZZ_CHECK(packet.attachments.size() <= limits.maxAttachments, QString());
            FUZZ_CHECK(packet.isBinary() == !packet.attachments.isEmpty(), QString());
            checkRoundTrip(packet, protocol, limits);
            break;
        }
        case SocketIoDecoder::Status::NeedAttachments:
            FUZZ_CHECK(decoder.pendingAttachmentCount() > 0 &&
                           decoder.pendingAttachmentCount() <= limits.maxAttachments,
                       QString());
            FUZZ_CHECK(decoder.pendingAttachmentBytes() <= limits.maxPendingAttachmentBytes,
                       QString());
            break;
        case SocketIoDecoder::Status::Error:
            FUZZ_CHECK(!decoder.errorString().isEmpty(), QString());
            FUZZ_CHECK(!decoder.isAwaitingAttachments(), QString());
            decoder.reset();
            break;
        }
    });
    return 0;
}
