#include "proxy/proxysessions.h"

namespace {
// How often silent sessions are looked for, and how long a session with no handshake timing
// (one that began before the proxy) may be silent.
constexpr int SilenceSweepMs = 5000;
constexpr qint64 DefaultSilenceMs = 120000;
// Silence is counted generously: the server's own timeout, twice, so that a session is only
// closed here when the server has surely given up on it.
constexpr int SilenceFactor = 2;
constexpr qint64 ClosedLingerMs = 10000;

SocketIoProtocol protocolOf(EngineIoVersion version)
{
    return version == EngineIoVersion::V3 ? SocketIoProtocol::V4 : SocketIoProtocol::V5;
}
} // namespace

ProxySessions::ProxySessions(QObject *parent)
    : QObject(parent)
{
    m_clock.start();
    m_silenceSweep.setInterval(SilenceSweepMs);
    connect(&m_silenceSweep, &QTimer::timeout, this, &ProxySessions::closeSilentSessions);
}

ProxySessions::~ProxySessions() = default;

ProxySessions::Session &ProxySessions::create(const QString &sid, EngineIoVersion version,
                                              TransportKind transport)
{
    if (auto it = m_sessions.find(sid); it != m_sessions.end()) {
        if (!it->closed)
            --m_openCount;
        it->decoder->deleteLater();
        m_sessions.erase(it);
    }
    ++m_openCount;
    Session &s = m_sessions[sid];
    s.version = version;
    s.transport = transport;
    s.lastSeenMs = m_clock.elapsed();
    s.silenceMs = DefaultSilenceMs;
    s.decoder = new SessionDecoder(this);
    s.decoder->setSession(sid);
    s.decoder->setRoundTrips(SessionDecoder::RoundTrips::Both);
    s.decoder->setMaxEnginePacketBytes(m_maxDecodedBytes);
    if (m_parserKind == SocketIoParser::Kind::Msgpack)
        s.decoder->setParser(&m_msgpackParser);
    else
        s.decoder->setParser(&m_textParser);
    if (m_parserKind == SocketIoParser::Kind::Auto && version == EngineIoVersion::V4)
        s.decoder->setParserChosenByFirstMessage(&m_msgpackParser);
    s.decoder->start(protocolOf(version));
    connect(s.decoder, &SessionDecoder::packetRecorded, this,
            [this, sid](const PacketRecord &record) { watchRecord(sid, record); });
    if (!m_silenceSweep.isActive())
        m_silenceSweep.start();
    return s;
}

void ProxySessions::open(const QString &sid, EngineIoVersion version, TransportKind transport,
                         const QJsonObject &context)
{
    Session &s = create(sid, version, transport);
    QJsonObject details = context;
    details.insert(QStringLiteral("sid"), sid);
    details.insert(QStringLiteral("transport"), transportName(transport));
    details.insert(QStringLiteral("eio"), int(version));
    s.decoder->record(PacketRecord::note(PacketRecord::TransportOpened, details, transport));
    Q_EMIT sessionOpened(sid);
}

bool ProxySessions::contains(const QString &sid) const
{
    const auto it = m_sessions.constFind(sid);
    return it != m_sessions.cend() && !it->closed;
}

ProxySessions::Session *ProxySessions::session(const QString &sid, EngineIoVersion version,
                                               TransportKind transport)
{
    auto it = m_sessions.find(sid);
    if (it == m_sessions.end()) {
        Session &s = create(sid, version, transport);
        const QString message =
            QStringLiteral("session %1 began before the proxy saw its handshake: its parser and "
                           "the acks asked before now are not known")
                .arg(sid);
        s.decoder->record(
            PacketRecord::note(PacketRecord::Warning,
                               {{QStringLiteral("what"), QStringLiteral("session seen mid-way")},
                                {QStringLiteral("sid"), sid}},
                               transport, message));
        Q_EMIT sessionOpened(sid);
        return &s;
    }
    if (!it->closed)
        it->lastSeenMs = m_clock.elapsed();
    return &*it;
}

bool ProxySessions::observePollingBody(const QString &sid, EngineIoVersion version,
                                       Direction direction, const QByteArray &body,
                                       SessionDecoder::PollingBody encoding)
{
    Session *s = session(sid, version, TransportKind::Polling);
    SessionDecoder *decoder = s->decoder;
    const bool wasStopped = decoder->isStopped(direction);
    const bool ok = decoder->observePollingBody(direction, body, encoding, version);
    // The session may have closed (a CLOSE packet) while the body was read.
    return ok && (wasStopped || !contains(sid) || !decoder->isStopped(direction));
}

bool ProxySessions::observeWebSocketMessage(const QString &sid, EngineIoVersion version,
                                            Direction direction, const QByteArray &payload,
                                            bool binary, bool *answersInjection)
{
    Session *s = session(sid, version, TransportKind::WebSocket);
    SessionDecoder *decoder = s->decoder;
    const bool wasStopped = decoder->isStopped(direction);
    const qsizetype acksOwed = s->injectedAcks.size();
    const bool ok = decoder->observeWebSocketMessage(direction, payload, binary, version);
    if (answersInjection) {
        const auto it = m_sessions.constFind(sid);
        *answersInjection = it != m_sessions.cend() && it->injectedAcks.size() < acksOwed;
    }
    return ok && (wasStopped || !contains(sid) || !decoder->isStopped(direction));
}

void ProxySessions::webSocketOpened(const QString &sid, EngineIoVersion version, bool upgrade)
{
    Session *s = session(sid, version, upgrade ? TransportKind::Polling : TransportKind::WebSocket);
    if (upgrade)
        s->decoder->record(
            PacketRecord::note(PacketRecord::Upgrading,
                               {{QStringLiteral("from"), transportName(TransportKind::Polling)},
                                {QStringLiteral("to"), transportName(TransportKind::WebSocket)}},
                               TransportKind::Polling));
}

void ProxySessions::webSocketClosed(const QString &sid, const QJsonObject &details)
{
    auto it = m_sessions.find(sid);
    if (it == m_sessions.end() || it->closed)
        return;
    // A probe WebSocket that never carried the session (its upgrade failed) ends alone.
    if (it->transport != TransportKind::WebSocket) {
        QJsonObject warning = details;
        warning.insert(QStringLiteral("what"), QStringLiteral("upgrade failed"));
        it->decoder->record(PacketRecord::note(
            PacketRecord::Warning, warning, TransportKind::WebSocket,
            QStringLiteral("the WebSocket opened for the upgrade closed before the upgrade")));
        return;
    }
    close(sid, details);
}

void ProxySessions::record(const QString &sid, PacketRecord record)
{
    if (auto it = m_sessions.find(sid); it != m_sessions.end()) {
        it->decoder->record(std::move(record));
        return;
    }
    if (record.timeUs == 0)
        record.timeUs = PacketRecord::nowUs();
    record.session = sid;
    Q_EMIT packetRecorded(record);
}

void ProxySessions::watchRecord(const QString &sid, const PacketRecord &record)
{
    Q_EMIT packetRecorded(record);
    if (record.layer == PacketRecord::Layer::SocketIo && record.direction == Direction::Out &&
        (record.type == SocketIoPacket::Ack || record.type == SocketIoPacket::BinaryAck)) {
        auto it = m_sessions.find(sid);
        if (it != m_sessions.end())
            it->injectedAcks.remove(record.id);
        return;
    }
    if (record.layer != PacketRecord::Layer::EngineIo)
        return;
    auto it = m_sessions.find(sid);
    if (it == m_sessions.end() || it->closed)
        return;
    switch (record.type) {
    case EngineIoPacket::Open: {
        EngineIoHandshake handshake;
        QString error;
        if (EngineIoHandshake::fromJson(record.payload, &handshake, &error))
            it->silenceMs =
                SilenceFactor * (qint64(handshake.pingInterval) + handshake.pingTimeout);
        break;
    }
    case EngineIoPacket::Upgrade:
        if (record.direction == Direction::Out && it->transport != TransportKind::WebSocket) {
            it->transport = TransportKind::WebSocket;
            it->decoder->record(PacketRecord::note(
                PacketRecord::Upgraded,
                {{QStringLiteral("transport"), transportName(TransportKind::WebSocket)}},
                TransportKind::WebSocket));
        }
        break;
    case EngineIoPacket::Close:
        close(sid, {{QStringLiteral("reason"),
                     record.direction == Direction::Out
                         ? QStringLiteral("the app sent an Engine.IO CLOSE")
                         : QStringLiteral("the target sent an Engine.IO CLOSE")}});
        break;
    default:
        break;
    }
}

void ProxySessions::close(const QString &sid, const QJsonObject &details)
{
    auto it = m_sessions.find(sid);
    if (it == m_sessions.end() || it->closed)
        return;
    it->closed = true;
    it->lastSeenMs = m_clock.elapsed();
    --m_openCount;
    SessionDecoder *decoder = it->decoder;
    for (const Direction direction : {Direction::Out, Direction::In})
        decoder->abandonPartial(direction, QStringLiteral("the session closed"));
    decoder->record(PacketRecord::note(PacketRecord::Closed, details, it->transport));
    Q_EMIT sessionClosed(sid);
}

void ProxySessions::closeSilentSessions()
{
    const qint64 now = m_clock.elapsed();
    QStringList silent;
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        if (it->closed && now - it->lastSeenMs > ClosedLingerMs) {
            it->decoder->deleteLater(); // not at once: this may run inside its signal
            it = m_sessions.erase(it);
            continue;
        }
        if (!it->closed && it->transport != TransportKind::WebSocket &&
            now - it->lastSeenMs > it->silenceMs)
            silent.append(it.key());
        ++it;
    }
    if (m_sessions.isEmpty())
        m_silenceSweep.stop();
    for (const QString &sid : std::as_const(silent)) {
        const qint64 silenceMs = now - m_sessions.value(sid).lastSeenMs;
        close(sid, {{QStringLiteral("reason"),
                     QStringLiteral("no request of the session crossed the proxy for %1 s")
                         .arg(silenceMs / 1000)}});
    }
}

void ProxySessions::closeAll(const QString &reason)
{
    const QStringList sids = m_sessions.keys();
    for (const QString &sid : sids)
        close(sid, {{QStringLiteral("reason"), reason}}); // skips the closed ones
}

TransportKind ProxySessions::transport(const QString &sid) const
{
    const auto it = m_sessions.constFind(sid);
    return it == m_sessions.cend() || it->closed ? TransportKind::None : it->transport;
}

bool ProxySessions::isAssembling(const QString &sid, Direction direction) const
{
    const auto it = m_sessions.constFind(sid);
    return it != m_sessions.cend() && it->decoder->isAssembling(direction);
}

bool ProxySessions::awaitsInjectedAck(const QString &sid) const
{
    const auto it = m_sessions.constFind(sid);
    return it != m_sessions.cend() && !it->injectedAcks.isEmpty();
}

bool ProxySessions::prepareInjection(const QString &sid, const QString &nsp,
                                     const QByteArray &eventJson,
                                     const QList<QByteArray> &attachments, bool ack,
                                     Injection *injection, QString *error)
{
    auto it = m_sessions.find(sid);
    if (it == m_sessions.end() || it->closed) {
        *error = QStringLiteral("there is no open session %1").arg(sid);
        return false;
    }
    SocketIoPacket packet(
        attachments.isEmpty() ? SocketIoPacket::Event : SocketIoPacket::BinaryEvent,
        SocketIoPacket::normalizedNamespace(nsp), eventJson, ack ? it->nextInjectedAckId : -1);
    packet.attachments = attachments;
    SocketIoParser::Encoded encoded;
    if (!it->decoder->parser()->checkAndEncode(packet, it->decoder->protocol(), &encoded, error))
        return false;
    injection->messages = encoded.messages;
    injection->ackId = packet.id;
    if (ack)
        ++it->nextInjectedAckId;
    return true;
}

void ProxySessions::recordInjection(const QString &sid, const QString &nsp,
                                    const QByteArray &eventJson, const Injection &injection)
{
    auto it = m_sessions.find(sid);
    if (it == m_sessions.end())
        return;
    QJsonObject details{{QStringLiteral("nsp"), SocketIoPacket::normalizedNamespace(nsp)},
                        {QStringLiteral("event"), QString::fromUtf8(eventJson)}};
    if (injection.ackId >= 0) {
        details.insert(QStringLiteral("id"), injection.ackId);
        it->injectedAcks.insert(injection.ackId);
    }
    it->decoder->record(
        PacketRecord::note(PacketRecord::Injected, details, TransportKind::WebSocket));
    for (const EngineIoPacket &message : injection.messages)
        it->decoder->observeEnginePacket(Direction::In, message, TransportKind::WebSocket);
}

QString ProxySessions::sidOfOpen(const EngineIoPacket &packet, QString *error)
{
    if (packet.type != EngineIoPacket::Open) {
        *error = QStringLiteral("the first packet is %1, not OPEN")
                     .arg(EngineIoPacket::typeName(packet.type));
        return {};
    }
    EngineIoHandshake handshake;
    if (!EngineIoHandshake::fromJson(packet.data, &handshake, error))
        return {};
    return handshake.sid;
}
