// The msgpack Socket.IO parser and the MessagePack reader under it.
//
// Input: the first byte picks the limits (bit 0x80: depth 8, 16-byte binaries); the rest is one
// binary Engine.IO message, as socket.io-msgpack-parser sends a packet.
//
// Properties: no crash or sanitizer report, whatever the lengths announced; a decoded packet
// encodes to bytes that decode to the same packet (its JSON rendering and binaries); the reader
// fails with an offset inside the input.
#include "common/msgpackreader.h"
#include "fuzzcommon.h"
#include "socketio/socketiomsgpackparser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArrayView input = fuzzInput(data, size);
    if (input.isEmpty())
        return 0;
    const uchar mode = uchar(input.front());
    const QByteArray message = input.sliced(1).toByteArray();
    SocketIoParserLimits limits;
    if (mode & 0x80) {
        limits.maxJsonDepth = 8;
        limits.maxAttachmentBytes = 16;
    }

    MsgpackLimits readerLimits;
    readerLimits.maxDepth = limits.maxJsonDepth;
    readerLimits.maxBinaryBytes = limits.maxAttachmentBytes;
    MsgpackReader reader(message, readerLimits);
    QByteArray json;
    QList<QByteArray> binaries;
    if (!reader.readJson(&json, &binaries))
        FUZZ_CHECK(reader.errorOffset() >= 0 && reader.errorOffset() <= message.size(),
                   reader.errorString());

    SocketIoPacket packet;
    QString error;
    if (!SocketIoMsgpackParser::decodePacket(message, limits, &packet, &error)) {
        FUZZ_CHECK(!error.isEmpty(), QString());
        return 0;
    }
    SocketIoMsgpackParser parser;
    FUZZ_CHECK(parser.validate(packet, SocketIoProtocol::V5, &error), error);
    const QByteArray again = SocketIoMsgpackParser::encodePacket(packet);
    SocketIoPacket back;
    FUZZ_CHECK(SocketIoMsgpackParser::decodePacket(again, limits, &back, &error), error);
    FUZZ_CHECK(back == packet, QString::fromUtf8(packet.payload));
    return 0;
}
