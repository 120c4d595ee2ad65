// Wire forms of Engine.IO packets: WebSocket frames and HTTP long-polling bodies, v4 and v3.
// No I/O here; the transports call these.
#pragma once

#include "engineio/engineiopacket.h"

#include <QByteArrayView>
#include <QList>

class EngineIoCodec
{
public:
    // How much of a frame, segment or body that broke the protocol is kept for the record and
    // the error, everywhere in the Engine.IO layer and the server.
    static constexpr qsizetype MaxOffendingBytes = 4096;

    // A packet in text form: "<type digit><data>". A binary message in text form (polling only)
    // is "b<base64>" in v4 and "b4<base64>" in v3.
    static QByteArray encodeText(const EngineIoPacket &packet, EngineIoVersion version);
    // A binary message as one WebSocket binary frame: the raw bytes (v4), or 0x04 + bytes (v3).
    static QByteArray encodeBinaryFrame(const QByteArray &data, EngineIoVersion version);
    // A polling request body. v4: packets joined by 0x1e. v3: "<length>:<packet>" repeated, the
    // length counting UTF-16 code units of the packet text.
    static QByteArray encodePayload(const QList<EngineIoPacket> &packets, EngineIoVersion version);

    // The inverse of encodeText, for a WebSocket text frame or one polling segment.
    // Errors name the broken rule, e.g. "unknown Engine.IO packet type '9'", "empty packet",
    // "invalid base64 in binary packet".
    static bool decodeText(QByteArrayView text, EngineIoVersion version, EngineIoPacket *packet,
                           QString *error);
    // The same for a whole WebSocket text message: the packet's data takes over its bytes without
    // a copy. `text` is left as it was when decoding fails.
    static bool decodeText(QByteArray &&text, EngineIoVersion version, EngineIoPacket *packet,
                           QString *error);
    // A WebSocket binary frame. v4: always a binary MESSAGE. v3: the first byte is the packet
    // type and must be 4 (message).
    static bool decodeBinaryFrame(const QByteArray &frame, EngineIoVersion version,
                                  EngineIoPacket *packet, QString *error);

    // The v3 binary polling payload (engine.io-parser 2.x encodePayloadAsBinary), which a v3
    // client without b64=1 POSTs as application/octet-stream when a packet is binary. Each packet
    // is <0 text | 1 binary> <length as decimal digits, one byte each (0-9)> <0xff> <bytes>; a
    // text packet's bytes are its UTF-8 text form, a binary one's the type byte 0x04 then data.
    static QByteArray encodeV3BinaryPayload(const QList<EngineIoPacket> &packets);
    // The inverse; maxPacketBytes bounds each packet's bytes. Errors name the broken rule.
    static bool decodeV3BinaryPayload(QByteArrayView payload, qint64 maxPacketBytes,
                                      QList<EngineIoPacket> *packets, QString *error);
};

// A resumable decoder for polling response bodies, fed as the bytes arrive
// (QNetworkReply::readyRead). Written as a state machine in the style of qtwebsockets'
// frame parser: each step returns the next state or "need more data", and every length is
// checked against a limit before anything is buffered.
class PollingPayloadDecoder
{
public:
    // maxPacketBytes bounds each packet's wire form (the segment text, base64 included), and so
    // the memory the decoder holds whatever the server sends.
    PollingPayloadDecoder(EngineIoVersion version, qint64 maxPacketBytes);

    // Feeds the next chunk of the body. Complete packets become available from takePackets().
    // Returns false on the first error; the decoder then stays failed until reset().
    bool feed(QByteArrayView chunk);
    // The body ended. v4: the bytes after the last separator form the last packet. v3: fails
    // when a packet was cut short. An empty body is an error in both versions. On success the
    // decoder is ready for the next body (untaken packets are kept).
    bool finish();
    void reset();

    QList<EngineIoPacket> takePackets();
    bool hasError() const { return !m_error.isEmpty(); }
    // What was wrong, e.g. "polling packet exceeds the limit of 1000000 bytes",
    // "v3 payload: length prefix is not a number (found 'x' where a digit or ':' was expected)".
    QString errorString() const { return m_error; }
    // The segment (or the start of it, at most 4 KiB) that broke the rule, for the record.
    QByteArray offendingSegment() const { return m_offending; }

private:
    enum class State { Start, ReadingV4Segment, ReadingV3Length, ReadingV3Packet, Failed };
    enum class Step { Continue, NeedMoreData };
    Step step();
    Step readV4Segment();
    Step readV3Length();
    Step readV3Packet();
    bool fail(const QString &message, QByteArrayView segment);
    bool failOverLimit(QByteArrayView pending, QByteArrayView piece);
    bool acceptSegment(QByteArrayView segment);
    void clearBodyState();

    EngineIoVersion m_version;
    qint64 m_maxPacketBytes;
    State m_state = State::Start;
    // The chunk being fed, read in place; valid only during feed().
    QByteArrayView m_input;
    qsizetype m_inputPos = 0;
    // The start of the current v4 segment, v3 length prefix or v3 packet when it spans chunks;
    // never longer than m_maxPacketBytes.
    QByteArray m_pending;
    qint64 m_bodyBytes = 0;
    qint64 m_v3DeclaredUnits = 0; // UTF-16 code units declared by the current length prefix
    qint64 m_v3UnitsRead = 0;     // code units counted so far, the current character included
    int m_v3CharBytesLeft = 0;    // continuation bytes still due for the current character
    int m_v3CharUnits = 0;        // code units of the current character (2 for a surrogate pair)
    QList<EngineIoPacket> m_packets;
    QString m_error;
    QByteArray m_offending;
};
