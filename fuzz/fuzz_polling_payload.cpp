// The Engine.IO polling payload decoders: v4 (packets joined by 0x1e) and v3 ("<length>:<packet>"
// with UTF-16 lengths), fed in chunks as QNetworkReply delivers them; plus the OPEN handshake
// parser for every OPEN packet decoded. The embedded server decodes a client's POST body with
// the same decoder (EngineIoServerSocket, the whole body in one feed, the limit maxPayload): the
// "whole" run below is that path. Bit 2 takes the server's other path instead: a v3 client's
// application/octet-stream body (EngineIoCodec::decodeV3BinaryPayload).
//
// Input: byte 0 picks the version (bit 0: v3), the packet limit (bit 1: 16 bytes, else 1 MB) and
// the v3 binary body (bit 2); byte 1 the chunk size (1 + value); the rest is the body.
//
// Properties: no crash or sanitizer report; the outcome (packets, or the error and its offending
// segment) does not depend on how the body is cut into chunks; no packet's wire form exceeds the
// limit; decoded packets re-encode to a body that decodes to the same packets. For the binary
// body: a refusal says why; an accepted body re-encodes (encodeV3BinaryPayload) to one that
// decodes to the same packets.
#include "engineio/engineiocodec.h"
#include "fuzzcommon.h"

namespace {

struct Outcome
{
    bool ok = false;
    QList<EngineIoPacket> packets;
    QString error;
    QByteArray offending;
};

Outcome decode(EngineIoVersion version, qint64 limit, QByteArrayView body, qsizetype chunk)
{
    PollingPayloadDecoder decoder(version, limit);
    Outcome outcome;
    bool ok = true;
    for (qsizetype pos = 0; pos < body.size() && ok; pos += chunk)
        ok = decoder.feed(body.sliced(pos, std::min(chunk, body.size() - pos)));
    if (ok)
        ok = decoder.finish();
    outcome.ok = ok;
    outcome.packets = decoder.takePackets();
    outcome.error = decoder.errorString();
    outcome.offending = decoder.offendingSegment();
    FUZZ_CHECK(ok != decoder.hasError(), outcome.error);
    return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArrayView input = fuzzInput(data, size);
    if (input.size() < 2)
        return 0;
    const uchar mode = uchar(input[0]);
    const qsizetype chunk = 1 + uchar(input[1]);
    const QByteArrayView body = input.sliced(2);
    const EngineIoVersion version = (mode & 1) ? EngineIoVersion::V3 : EngineIoVersion::V4;
    const qint64 limit = (mode & 2) ? 16 : 1000000;

    if (mode & 4) {
        QList<EngineIoPacket> packets;
        QString error;
        const bool ok = EngineIoCodec::decodeV3BinaryPayload(body, limit, &packets, &error);
        FUZZ_CHECK(ok == error.isEmpty(), error);
        if (!ok)
            return 0;
        const QByteArray reencoded = EngineIoCodec::encodeV3BinaryPayload(packets);
        QList<EngineIoPacket> again;
        FUZZ_CHECK(EngineIoCodec::decodeV3BinaryPayload(reencoded, 1 << 30, &again, &error), error);
        FUZZ_CHECK(again == packets, QString::fromLatin1(reencoded.toHex()));
        return 0;
    }

    const Outcome whole = decode(version, limit, body, std::max<qsizetype>(body.size(), 1));
    const Outcome chunked = decode(version, limit, body, chunk);
    FUZZ_CHECK(whole.ok == chunked.ok, whole.error + QStringLiteral(" / ") + chunked.error);
    FUZZ_CHECK(whole.error == chunked.error, whole.error + QStringLiteral(" / ") + chunked.error);
    FUZZ_CHECK(whole.packets.size() == chunked.packets.size() || !whole.ok, QString());
    if (!whole.ok)
        return 0;
    FUZZ_CHECK(whole.packets == chunked.packets, QString());

    for (const EngineIoPacket &packet : whole.packets) {
        FUZZ_CHECK(EngineIoCodec::encodeText(packet, version).size() <= limit ||
                       packet.binary, // base64 may be re-encoded shorter or longer than sent
                   QString());
        if (packet.type == EngineIoPacket::Open) {
            EngineIoHandshake handshake;
            QString error;
            if (EngineIoHandshake::fromJson(packet.data, &handshake, &error)) {
                FUZZ_CHECK(!handshake.sid.isEmpty(), QString());
                FUZZ_CHECK(handshake.pingInterval > 0 && handshake.pingTimeout > 0, QString());
                EngineIoHandshake again;
                FUZZ_CHECK(EngineIoHandshake::fromJson(handshake.toJson(), &again, &error), error);
                FUZZ_CHECK(again.sid == handshake.sid && again.maxPayload == handshake.maxPayload,
                           QString());
            } else {
                FUZZ_CHECK(!error.isEmpty(), QString());
            }
        }
    }

    const QByteArray reencoded = EngineIoCodec::encodePayload(whole.packets, version);
    const Outcome again = decode(version, 1 << 30, reencoded, reencoded.size());
    FUZZ_CHECK(again.ok, again.error + QStringLiteral(" in ") + QString::fromUtf8(reencoded));
    FUZZ_CHECK(again.packets == whole.packets, QString::fromUtf8(reencoded));
    return 0;
}
