#include "socketio/sessiondecoder.h"

#include "engineio/engineioerror.h"

#include <QJsonObject>

#include <utility>

SessionDecoder::SessionDecoder(QObject *parent)
    : QObject(parent)
{
    m_clock.start();
}

SessionDecoder::~SessionDecoder() = default;

void SessionDecoder::setParser(const SocketIoParser *parser)
{
    m_parser = parser ? parser : &m_textParser;
    resetDecoders();
}

void SessionDecoder::resetDecoders()
{
    for (Stream &s : m_streams) {
        s.decoder.reset(); // made with the parser, protocol and limits now set when first fed
        s.pendingRaw.clear();
        s.stopped = false;
    }
}

SocketIoMessageDecoder &SessionDecoder::decoder(Direction direction)
{
    Stream &s = stream(direction);
    if (!s.decoder)
        s.decoder = m_parser->createDecoder(m_protocol, m_limits);
    return *s.decoder;
}

void SessionDecoder::start(SocketIoProtocol protocol)
{
    for (const Direction direction : {Direction::In, Direction::Out})
        abandonPartial(direction, QStringLiteral("a new session opened"));
    m_protocol = protocol;
    m_parserChosen = false;
    resetDecoders();
    m_awaitedAcks.clear(); // ack ids are per session
}

void SessionDecoder::recordEnginePacket(Direction direction, const EngineIoPacket &packet,
                                        TransportKind transport)
{
    stream(direction).transport = transport;
    if (packet.type == EngineIoPacket::Message && m_messages == Messages::SocketIo)
        return; // carries a Socket.IO packet (or an attachment): recorded at that layer
    record(PacketRecord::fromEngineIoPacket(packet, direction, transport));
}

SessionDecoder::Decoded SessionDecoder::decodeMessage(Direction direction, const QByteArray &data,
                                                      bool binary)
{
    Decoded decoded;
    Stream &s = stream(direction);
    if (s.stopped)
        return decoded; // the rest of what followed the offending packet; this direction is over
    SocketIoMessageDecoder &messageDecoder = decoder(direction);
    // A packet being assembled is lost if this message breaks a rule: keep how far it got.
    const bool wasAssembling = messageDecoder.isAssembling();
    const SocketIoPacket partial =
        wasAssembling ? messageDecoder.partialPacket() : SocketIoPacket();
    const int announced = wasAssembling ? messageDecoder.announcedParts() : 0;
    const QByteArray partialRaw = wasAssembling ? s.pendingRaw : QByteArray();
    if (!binary)
        s.pendingRaw = '4' + data;
    else if (m_parser->kind() == SocketIoParser::Kind::Msgpack)
        s.pendingRaw = data; // the whole packet: the record keeps its exact bytes

    switch (messageDecoder.decode(data, binary)) {
    case SocketIoMessageDecoder::Status::PacketReady: {
        decoded.status = Decoded::Status::PacketReady;
        decoded.packet = messageDecoder.takePacket();
        decoded.record = PacketRecord::fromSocketIoPacket(decoded.packet, direction, s.transport,
                                                          std::exchange(s.pendingRaw, {}));
        decoded.record.parser = m_parser->kind();
        s.decoder.reset(); // a packet is done: none is being assembled (see Stream::decoder)
        if (decoded.packet.type == SocketIoPacket::Ack ||
            decoded.packet.type == SocketIoPacket::BinaryAck) {
            decoded.ackMatched = pairAck(direction, decoded.packet, &decoded.record);
        } else {
            rememberEvent(direction, decoded.packet);
        }
        return decoded;
    }
    case SocketIoMessageDecoder::Status::NeedMoreMessages:
        decoded.status = Decoded::Status::NeedMoreMessages;
        return decoded;
    case SocketIoMessageDecoder::Status::Error:
        break;
    }

    decoded.status = Decoded::Status::Error;
    decoded.error = messageDecoder.errorString();
    if (wasAssembling) {
        record(incompleteRecord(direction, partial, partialRaw, announced,
                                QStringLiteral("the next message broke a rule (see the next "
                                               "record)")));
    }
    PacketRecord offending = PacketRecord::offendingSocketIoFrame(
        binary ? data : '4' + data, binary, s.transport, decoded.error);
    offending.direction = direction;
    record(offending);
    s.decoder.reset();
    s.pendingRaw.clear();
    s.stopped = true;
    return decoded;
}

PacketRecord SessionDecoder::sentRecord(const SocketIoPacket &packet, const QByteArray &raw,
                                        TransportKind transport)
{
    stream(Direction::Out).transport = transport;
    PacketRecord r = PacketRecord::fromSocketIoPacket(packet, Direction::Out, transport, raw);
    r.parser = m_parser->kind();
    if (packet.type == SocketIoPacket::Ack || packet.type == SocketIoPacket::BinaryAck)
        pairAck(Direction::Out, packet, &r);
    else
        rememberEvent(Direction::Out, packet);
    return r;
}

void SessionDecoder::rememberEvent(Direction direction, const SocketIoPacket &packet)
{
    if (!packet.hasId() ||
        (packet.type != SocketIoPacket::Event && packet.type != SocketIoPacket::BinaryEvent))
        return;
    if (m_awaitedAcks.size() >= MaxAwaitedAcks) {
        m_awaitedAcks.clear();
        PacketRecord note;
        note.direction = direction;
        note.layer = PacketRecord::Layer::Connection;
        note.type = PacketRecord::Warning;
        note.transport = stream(direction).transport;
        const QString message =
            QStringLiteral("%1 acks awaited at once: the older ones are forgotten, and their "
                           "ACKs will not be paired")
                .arg(MaxAwaitedAcks);
        note.payload = PacketRecord::detailsJson({{QStringLiteral("message"), message}});
        note.error = message;
        record(note);
    }
    m_awaitedAcks.insert({direction, packet.nsp, packet.id}, monotonicUs());
}

bool SessionDecoder::pairAck(Direction direction, const SocketIoPacket &packet,
                             PacketRecord *record)
{
    const Direction eventDirection = direction == Direction::In ? Direction::Out : Direction::In;
    const auto event = m_awaitedAcks.constFind({eventDirection, packet.nsp, packet.id});
    if (event == m_awaitedAcks.constEnd())
        return false;
    if (direction == Direction::In || m_roundTrips == RoundTrips::Both)
        record->rttUs = monotonicUs() - event.value();
    m_awaitedAcks.erase(event);
    return true;
}

void SessionDecoder::forgetAck(Direction eventDirection, const QString &nsp, qint64 id)
{
    m_awaitedAcks.remove({eventDirection, nsp, id});
}

bool SessionDecoder::isAssembling(Direction direction) const
{
    const Stream &s = stream(direction);
    return s.decoder && s.decoder->isAssembling();
}

int SessionDecoder::receivedParts(Direction direction) const
{
    const Stream &s = stream(direction);
    return isAssembling(direction) ? int(s.decoder->partialPacket().attachments.size()) : 0;
}

int SessionDecoder::announcedParts(Direction direction) const
{
    const Stream &s = stream(direction);
    return s.decoder ? s.decoder->announcedParts() : 0;
}

PacketRecord SessionDecoder::incompleteRecord(Direction direction, const SocketIoPacket &partial,
                                              const QByteArray &raw, int announced,
                                              const QString &why) const
{
    PacketRecord r;
    r.direction = direction;
    r.layer = PacketRecord::Layer::SocketIo;
    r.type = partial.type;
    r.transport = stream(direction).transport;
    r.nsp = partial.nsp;
    r.id = partial.id;
    r.payload = partial.payload;
    r.attachments = partial.attachments;
    r.raw = raw;
    r.error = QStringLiteral("incomplete %1: %2 of %3 attachments received; %4")
                  .arg(SocketIoPacket::typeName(partial.type))
                  .arg(partial.attachments.size())
                  .arg(announced)
                  .arg(why);
    return r;
}

void SessionDecoder::abandonPartial(Direction direction, const QString &why)
{
    Stream &s = stream(direction);
    if (!s.decoder)
        return; // nothing fed yet
    if (s.decoder->isAssembling()) {
        record(incompleteRecord(direction, s.decoder->partialPacket(), s.pendingRaw,
                                s.decoder->announcedParts(), why));
    }
    s.decoder->reset();
    s.pendingRaw.clear();
}

void SessionDecoder::stop(Direction direction, const QString &why)
{
    abandonPartial(direction, why);
    stream(direction).stopped = true;
}

bool SessionDecoder::isStopped(Direction direction) const
{
    return stream(direction).stopped;
}

void SessionDecoder::record(PacketRecord record)
{
    if (record.timeUs == 0)
        record.timeUs = PacketRecord::nowUs();
    if (record.session.isEmpty())
        record.session = m_session;
    if (m_sink)
        m_sink->sessionRecorded(this, record);
    Q_EMIT packetRecorded(record);
}

void SessionDecoder::observeEnginePacket(Direction direction, const EngineIoPacket &packet,
                                         TransportKind transport)
{
    recordEnginePacket(direction, packet, transport);
    if (packet.type != EngineIoPacket::Message || m_messages != Messages::SocketIo)
        return;
    if (m_autoMsgpack && !m_parserChosen) {
        m_parserChosen = true;
        // socket.io-msgpack-parser sends every packet as one binary message; the text parser's
        // first packet of a session is always text (a binary attachment follows its header).
        if (packet.binary && m_parser->kind() != SocketIoParser::Kind::Msgpack) {
            const QString from = SocketIoParser::kindName(m_parser->kind());
            setParser(m_autoMsgpack);
            record(PacketRecord::note(
                PacketRecord::ParserChanged,
                {{QStringLiteral("from"), from},
                 {QStringLiteral("to"), SocketIoParser::kindName(SocketIoParser::Kind::Msgpack)},
                 {QStringLiteral("reason"),
                  QStringLiteral("the session's first Socket.IO message is binary")}},
                transport));
        }
    }
    Decoded decoded = decodeMessage(direction, packet.data, packet.binary);
    if (decoded.status != Decoded::Status::PacketReady)
        return;
    const bool isAck = decoded.packet.type == SocketIoPacket::Ack ||
                       decoded.packet.type == SocketIoPacket::BinaryAck;
    if (isAck && !decoded.ackMatched) {
        decoded.record.error = QStringLiteral("ACK for id %1 on %2 answers no EVENT seen with "
                                              "that id")
                                   .arg(decoded.packet.id)
                                   .arg(decoded.packet.nsp);
    }
    record(decoded.record);
}

bool SessionDecoder::observeWebSocketMessage(Direction direction, const QByteArray &payload,
                                             bool binary, EngineIoVersion version)
{
    EngineIoPacket packet;
    QString error;
    const bool ok =
        binary ? EngineIoCodec::decodeBinaryFrame(payload, version, &packet, &error)
               : EngineIoCodec::decodeText(QByteArrayView(payload), version, &packet, &error);
    if (!ok) {
        recordEngineError(direction, TransportKind::WebSocket, error,
                          payload.left(EngineIoCodec::MaxOffendingBytes));
        return false;
    }
    observeEnginePacket(direction, packet, TransportKind::WebSocket);
    return true;
}

bool SessionDecoder::observePollingBody(Direction direction, const QByteArray &body,
                                        PollingBody encoding, EngineIoVersion version)
{
    QList<EngineIoPacket> packets;
    QString error;
    QByteArray offending;
    bool ok;
    if (encoding == PollingBody::V3Binary) {
        ok = EngineIoCodec::decodeV3BinaryPayload(body, m_maxEnginePacketBytes, &packets, &error);
        offending = body.left(EngineIoCodec::MaxOffendingBytes);
    } else {
        PollingPayloadDecoder decoder(version, m_maxEnginePacketBytes);
        ok = decoder.feed(body) && decoder.finish();
        packets = decoder.takePackets();
        error = decoder.errorString();
        offending = decoder.offendingSegment();
    }
    // The packets before a broken one were on the wire too.
    for (const EngineIoPacket &packet : std::as_const(packets))
        observeEnginePacket(direction, packet, TransportKind::Polling);
    if (!ok)
        recordEngineError(direction, TransportKind::Polling, error, offending);
    return ok;
}

void SessionDecoder::recordEngineError(Direction direction, TransportKind transport,
                                       const QString &message, const QByteArray &frame)
{
    PacketRecord r;
    r.direction = direction;
    r.layer = PacketRecord::Layer::Connection;
    r.type = PacketRecord::Error;
    r.transport = transport;
    r.payload = PacketRecord::detailsJson(
        {{QStringLiteral("layer"), QStringLiteral("eio")},
         {QStringLiteral("kind"), EngineIoError::kindName(EngineIoError::Kind::Protocol)}});
    r.raw = frame;
    r.error = message;
    record(r);
}
