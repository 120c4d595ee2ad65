// The passive decoder of one Engine.IO session: fed what crosses the wire each way, it decodes
// both layers, pairs acks in both directions, and turns it all into the record stream
// (PacketRecord). The client, the server and the proxy record through it, so the three roles
// write the same records for the same bytes.
//
// Two ways to feed it:
// - A role that runs the protocol (client, server) hands over the Engine.IO packets its engine
//   saw (recordEnginePacket), decodes each received MESSAGE here (decodeMessage: the packet comes
//   back with its record, which the role completes with its verdict and records), and builds the
//   record of each packet it sends with sentRecord().
// - An observer (the proxy) hands over the wire itself: WebSocket messages and polling bodies,
//   each way (observeWebSocketMessage, observePollingBody, observeEnginePacket). Everything is
//   recorded as decoded.
//
// A Socket.IO protocol error in one direction records the offending frame (and the packet it cut
// short), and that direction then drops what follows until start(): the spec says the receiver
// closes the connection, and a stream that lost its place cannot be decoded any further.
#pragma once

#include "engineio/engineiocodec.h"
#include "socketio/packetrecord.h"
#include "socketio/socketioparser.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>

#include <array>
#include <memory>

class SessionDecoder;

// Told of each record of a SessionDecoder before it emits packetRecorded(): one plain call, where
// a connection to each decoder costs ~0.2 KB (its connection lists; heaptrack of `serve`, which
// records thousands of sessions). It must not delete the decoder from the call.
class PacketRecordSink
{
public:
    virtual void sessionRecorded(SessionDecoder *session, const PacketRecord &record) = 0;

protected:
    ~PacketRecordSink() = default;
};

class SessionDecoder : public QObject
{
    Q_OBJECT
public:
    using Direction = PacketRecord::Direction;

    // What an Engine.IO MESSAGE carries: Socket.IO packets (recorded at that layer), or opaque
    // data recorded as Engine.IO messages (a plain Engine.IO server).
    enum class Messages { SocketIo, EngineIo };
    // Which ACK records carry a round-trip time. A client or a server measures its own EVENTs:
    // an ACK received for an EVENT sent. An observer measures every ACK, either way.
    enum class RoundTrips { Received, Both };
    // A polling body as sent: text (v4, and v3 text payloads), or engine.io 3's binary payload
    // (application/octet-stream).
    enum class PollingBody { Text, V3Binary };

    // A received MESSAGE decoded.
    struct Decoded
    {
        enum class Status {
            PacketReady,      // `packet` and `record` are set; the record is not yet recorded
            NeedMoreMessages, // part of a packet (a BINARY_* header or an attachment)
            Error,            // a rule was broken: recorded, `error` says which
            Dropped           // this direction failed earlier; nothing was decoded
        };
        Status status = Status::Dropped;
        SocketIoPacket packet;
        PacketRecord record;
        // An ACK: whether it answers an EVENT seen the other way whose ack is still awaited.
        bool ackMatched = false;
        QString error;
    };

    explicit SessionDecoder(QObject *parent = nullptr);
    ~SessionDecoder() override;

    // The parser is not owned and must outlive the decoder. The text parser until set.
    void setParser(const SocketIoParser *parser);
    const SocketIoParser *parser() const { return m_parser; }
    void setLimits(const SocketIoParserLimits &limits) { m_limits = limits; }
    void setMessages(Messages messages) { m_messages = messages; }
    void setRoundTrips(RoundTrips roundTrips) { m_roundTrips = roundTrips; }
    // The Engine.IO sid every record carries (a server's records); empty for a client's.
    void setSession(const QString &sid) { m_session = sid; }
    QString session() const { return m_session; }
    // An observer that does not know the session's parser: the first MESSAGE either way decides.
    // A binary one selects `msgpack` (recorded as a ParserChanged note), a text one keeps the
    // parser set; until start() is called again. Not owned; must outlive the decoder.
    void setParserChosenByFirstMessage(const SocketIoParser *msgpack) { m_autoMsgpack = msgpack; }
    // Bounds each Engine.IO packet an observer decodes from a polling body.
    void setMaxEnginePacketBytes(qint64 bytes) { m_maxEnginePacketBytes = bytes; }

    // A new Engine.IO session begins: both directions decode afresh, and ack ids start over.
    // A packet still being assembled is recorded as incomplete first.
    void start(SocketIoProtocol protocol);
    SocketIoProtocol protocol() const { return m_protocol; }

    // --- Fed by a role that runs the protocol -------------------------------------------------

    // An Engine.IO packet sent or received. Records it, except a MESSAGE when messages carry
    // Socket.IO packets (those are recorded at that layer). Remembers the transport, which the
    // records of the Socket.IO packets it carries then name. A role that records each packet it
    // sends through sentRecord() need not pass on the MESSAGEs that carry them: sentRecord()
    // remembers the transport it names.
    void recordEnginePacket(Direction direction, const EngineIoPacket &packet,
                            TransportKind transport);
    // The data of one MESSAGE received or sent (`direction`).
    Decoded decodeMessage(Direction direction, const QByteArray &data, bool binary);
    // The record of a packet the role sends (`raw` as the parser encoded it); its EVENT's ack id
    // is remembered for pairing. The role records it when it goes out.
    PacketRecord sentRecord(const SocketIoPacket &packet, const QByteArray &raw,
                            TransportKind transport);
    // An EVENT sent `direction` whose ack is no longer awaited (it timed out): an ACK that comes
    // later is unmatched.
    void forgetAck(Direction eventDirection, const QString &nsp, qint64 id);

    // Whether a packet is half-assembled in `direction`, how many parts it has and announced.
    bool isAssembling(Direction direction) const;
    int receivedParts(Direction direction) const;
    int announcedParts(Direction direction) const;
    // A half-assembled packet will never be completed (the connection closed, a new session):
    // recorded as incomplete with `why`, then dropped. Decoding goes on.
    void abandonPartial(Direction direction, const QString &why);
    // This direction can no longer be decoded (e.g. attachments that never came): the partial
    // packet is recorded with `why`, and what follows is dropped until start().
    void stop(Direction direction, const QString &why);
    bool isStopped(Direction direction) const;

    // Stamps the time (when unset) and the session, tells the sink, and emits the record.
    void record(PacketRecord record);
    void setSink(PacketRecordSink *sink) { m_sink = sink; }

    // --- Fed by an observer ---------------------------------------------------------------------

    // An Engine.IO packet either way; a MESSAGE is decoded and its packet recorded.
    void observeEnginePacket(Direction direction, const EngineIoPacket &packet,
                             TransportKind transport);
    // One WebSocket message of the Engine.IO session. Returns false when it is no Engine.IO
    // packet (recorded as an error).
    bool observeWebSocketMessage(Direction direction, const QByteArray &payload, bool binary,
                                 EngineIoVersion version);
    // One whole polling body (a GET's answer or a POST's body). Returns false when it does not
    // decode (recorded as an error; the packets before the broken one are recorded).
    bool observePollingBody(Direction direction, const QByteArray &body, PollingBody encoding,
                            EngineIoVersion version);

Q_SIGNALS:
    void packetRecorded(const PacketRecord &record);

private:
    struct Stream
    {
        // Made when the direction is fed (decoder()), and dropped again when a packet is done
        // (and so none is being assembled): a session between packets holds none (~0.3 KB per
        // session, which a server with thousands of them pays in all). A server records what it
        // sends itself, so its Out decoder is never made.
        std::unique_ptr<SocketIoMessageDecoder> decoder;
        QByteArray pendingRaw; // the raw frame of the packet being assembled
        TransportKind transport = TransportKind::None;
        bool stopped = false;
    };
    struct AckKey
    {
        Direction eventDirection;
        QString nsp;
        qint64 id;
        friend bool operator==(const AckKey &a, const AckKey &b)
        {
            return a.eventDirection == b.eventDirection && a.id == b.id && a.nsp == b.nsp;
        }
        friend size_t qHash(const AckKey &key, size_t seed = 0)
        {
            return qHashMulti(seed, int(key.eventDirection), key.nsp, key.id);
        }
    };

    Stream &stream(Direction direction) { return m_streams[size_t(direction)]; }
    const Stream &stream(Direction direction) const { return m_streams[size_t(direction)]; }
    void resetDecoders();
    SocketIoMessageDecoder &decoder(Direction direction);
    // A packet cut short, recorded as far as it got so that nothing received is lost.
    PacketRecord incompleteRecord(Direction direction, const SocketIoPacket &partial,
                                  const QByteArray &raw, int announced, const QString &why) const;
    void rememberEvent(Direction direction, const SocketIoPacket &packet);
    // For an ACK going `direction`: pairs it with its EVENT, sets rttUs where measured.
    bool pairAck(Direction direction, const SocketIoPacket &packet, PacketRecord *record);
    void recordEngineError(Direction direction, TransportKind transport, const QString &message,
                           const QByteArray &frame);
    qint64 monotonicUs() const { return m_clock.nsecsElapsed() / 1000; }

    // Ack ids seen and not yet answered; bounded, so that a peer that never answers (or an
    // observer's long session) cannot grow it without end.
    static constexpr int MaxAwaitedAcks = 100000;

    // The default until setParser(): stateless, a vtable pointer, held here (no allocation).
    SocketIoTextParser m_textParser;
    const SocketIoParser *m_parser = &m_textParser;
    PacketRecordSink *m_sink = nullptr;
    SocketIoParserLimits m_limits;
    SocketIoProtocol m_protocol = SocketIoProtocol::V5;
    Messages m_messages = Messages::SocketIo;
    RoundTrips m_roundTrips = RoundTrips::Received;
    QString m_session;
    const SocketIoParser *m_autoMsgpack = nullptr; // see setParserChosenByFirstMessage()
    bool m_parserChosen = false;
    qint64 m_maxEnginePacketBytes = 256 * 1024 * 1024;
    std::array<Stream, 2> m_streams;
    QHash<AckKey, qint64> m_awaitedAcks; // EVENT -> when it went, in monotonicUs()
    QElapsedTimer m_clock;
};
