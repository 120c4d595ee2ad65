#include "session/sessionlog.h"

#include <cstring>

namespace {
constexpr quint64 RawLengthMask = (quint64(1) << 24) - 1;
constexpr quint16 NoNamespaceIndex = 0xffff;
} // namespace

SessionLog::SessionLog()
{
    m_namespaces.append(QStringLiteral("/"));
    m_namespaceIndex.insert(m_namespaces.first(), 0);
    m_sessions.append(QString());
}

SessionLog::~SessionLog() = default;

quint16 SessionLog::internNamespace(const QString &nsp)
{
    if (nsp.isEmpty())
        return 0;
    const auto found = m_namespaceIndex.constFind(nsp);
    if (found != m_namespaceIndex.constEnd())
        return *found;
    if (m_namespaces.size() >= NoNamespaceIndex)
        return NoNamespaceIndex; // the record is kept whole instead
    const quint16 index = quint16(m_namespaces.size());
    m_namespaces.append(nsp);
    m_namespaceIndex.insert(nsp, index);
    return index;
}

quint16 SessionLog::internSession(const QString &session)
{
    if (session.isEmpty())
        return 0;
    const auto found = m_sessionIndex.constFind(session);
    if (found != m_sessionIndex.constEnd())
        return *found;
    if (m_sessions.size() >= NoNamespaceIndex)
        return NoNamespaceIndex; // kept on the side instead
    const quint16 index = quint16(m_sessions.size());
    m_sessions.append(session);
    m_sessionIndex.insert(session, index);
    return index;
}

quint64 SessionLog::storeRaw(QByteArrayView raw)
{
    const qint64 length = raw.size();
    if (length == 0)
        return 0;
    if (m_chunks.empty() || m_chunkUsed + length > m_chunks.back().size()) {
        // A raw text never straddles two chunks; a large one gets a chunk of its own size.
        m_chunks.emplace_back(std::max(ArenaChunkBytes, length), Qt::Uninitialized);
        m_chunkUsed = 0;
    }
    std::memcpy(m_chunks.back().data() + m_chunkUsed, raw.data(), size_t(length));
    // Offset: chunk index in the high bits, position in the chunk below; the length at the bottom.
    const quint64 chunk = quint64(m_chunks.size() - 1);
    const quint64 ref = (((chunk << 20) | quint64(m_chunkUsed)) << RawLengthBits) | quint64(length);
    m_chunkUsed += length;
    return ref;
}

qint64 SessionLog::append(const PacketRecord &record)
{
    if (m_size % EntriesPerBlock == 0)
        m_blocks.emplace_back(new Entry[EntriesPerBlock]);
    const qint64 row = m_size++;
    Entry &e = m_blocks.back()[size_t(row % EntriesPerBlock)];
    e.timeUs = record.timeUs;
    e.id = record.id;
    e.type = record.type;
    e.flags = (record.direction == PacketRecord::Direction::Out ? DirectionOut : 0) |
              quint8(quint8(record.layer) << 1) | quint8(quint8(record.transport) << 3) |
              (record.parser == SocketIoParser::Kind::Msgpack ? RawMsgpack : 0);
    e.sessionIndex = internSession(record.session);
    e.rawRef = 0;
    e.payloadOffset = NoPayloadInRaw;
    e.nspIndex = internNamespace(record.nsp);

    Extra extra;
    if (record.raw.size() >= MaxArenaRawBytes)
        extra.raw = record.raw; // a huge frame keeps its own buffer rather than an arena chunk
    else
        e.rawRef = storeRaw(record.raw);
    if (e.nspIndex == NoNamespaceIndex)
        extra.nsp = record.nsp; // a hostile number of namespaces
    if (e.sessionIndex == NoNamespaceIndex)
        extra.session = record.session;
    if (!record.payload.isEmpty()) {
        // Usually the payload is the tail of the wire text; then it costs nothing to keep.
        const qsizetype offset = record.raw.size() - record.payload.size();
        if (offset >= 0 && offset < NoPayloadInRaw &&
            QByteArrayView(record.raw).sliced(offset) == QByteArrayView(record.payload))
            e.payloadOffset = quint16(offset);
        else
            extra.payload = record.payload;
    }
    extra.attachments = record.attachments;
    extra.error = record.error;
    extra.rttUs = record.rttUs;
    if (!extra.raw.isEmpty() || !extra.nsp.isEmpty() || !extra.session.isEmpty() ||
        !extra.payload.isEmpty() || !extra.attachments.isEmpty() || !extra.error.isEmpty() ||
        extra.rttUs >= 0) {
        e.flags |= HasExtra;
        m_extras.insert(row, std::move(extra));
    }
    m_acks.observe(row, record);
    return row;
}

void SessionLog::clear()
{
    m_blocks.clear();
    m_size = 0;
    m_chunks.clear();
    m_chunkUsed = 0;
    m_extras.clear();
    m_namespaces.resize(1);
    m_namespaceIndex.clear();
    m_namespaceIndex.insert(m_namespaces.first(), 0);
    m_sessions.resize(1);
    m_sessionIndex.clear();
    m_acks.clear();
}

const SessionLog::Extra *SessionLog::extra(qint64 row) const
{
    if (!(entry(row).flags & HasExtra))
        return nullptr;
    const auto found = m_extras.constFind(row);
    return found == m_extras.constEnd() ? nullptr : &*found;
}

PacketRecord::Direction SessionLog::direction(qint64 row) const
{
    return entry(row).flags & DirectionOut ? PacketRecord::Direction::Out
                                           : PacketRecord::Direction::In;
}

PacketRecord::Layer SessionLog::layer(qint64 row) const
{
    return PacketRecord::Layer((entry(row).flags & LayerMask) >> 1);
}

TransportKind SessionLog::transport(qint64 row) const
{
    return TransportKind((entry(row).flags & TransportMask) >> 3);
}

QByteArrayView SessionLog::raw(qint64 row) const
{
    const quint64 ref = entry(row).rawRef;
    const qsizetype length = qsizetype(ref & RawLengthMask);
    if (length == 0) {
        const Extra *x = extra(row);
        return x ? QByteArrayView(x->raw) : QByteArrayView();
    }
    const quint64 location = ref >> RawLengthBits;
    const QByteArray &chunk = m_chunks[size_t(location >> 20)];
    return QByteArrayView(chunk.constData() + (location & ((1 << 20) - 1)), length);
}

QByteArrayView SessionLog::payload(qint64 row) const
{
    const Entry &e = entry(row);
    if (e.payloadOffset != NoPayloadInRaw)
        return raw(row).sliced(e.payloadOffset);
    if (const Extra *x = extra(row))
        return QByteArrayView(x->payload);
    return {};
}

bool SessionLog::hasError(qint64 row) const
{
    const Extra *x = extra(row);
    return x && !x->error.isEmpty();
}

int SessionLog::attachmentCount(qint64 row) const
{
    const Extra *x = extra(row);
    return x ? int(x->attachments.size()) : 0;
}

SocketIoParser::Kind SessionLog::parser(qint64 row) const
{
    return entry(row).flags & RawMsgpack ? SocketIoParser::Kind::Msgpack
                                         : SocketIoParser::Kind::Default;
}

qint64 SessionLog::wireSize(qint64 row) const
{
    qint64 size = raw(row).size();
    if (entry(row).flags & RawMsgpack)
        return size;
    if (const Extra *x = extra(row))
        for (const QByteArray &attachment : x->attachments)
            size += attachment.size();
    return size;
}

PacketRecord SessionLog::record(qint64 row) const
{
    const Entry &e = entry(row);
    PacketRecord record;
    record.timeUs = e.timeUs;
    record.id = e.id;
    record.type = e.type;
    record.direction = direction(row);
    record.layer = layer(row);
    record.transport = transport(row);
    record.parser = parser(row);
    if (record.layer == PacketRecord::Layer::SocketIo)
        record.nsp = nsp(row);
    record.session = session(row);
    record.raw = raw(row).toByteArray();
    record.payload = payload(row).toByteArray();
    if (const Extra *x = extra(row)) {
        record.attachments = x->attachments;
        record.error = x->error;
        record.rttUs = x->rttUs;
    }
    return record;
}

qint64 SessionLog::memoryBytes() const
{
    qint64 bytes = qint64(m_blocks.size()) * EntriesPerBlock * qint64(sizeof(Entry));
    for (const QByteArray &chunk : m_chunks)
        bytes += chunk.size();
    for (const Extra &x : m_extras) {
        bytes += 64 + x.raw.size() + x.payload.size() +
                 (x.error.size() + x.nsp.size() + x.session.size()) * 2;
        for (const QByteArray &attachment : x.attachments)
            bytes += 32 + attachment.size();
    }
    return bytes;
}

QString SessionLog::session(qint64 row) const
{
    const quint16 index = entry(row).sessionIndex;
    if (index != NoNamespaceIndex)
        return m_sessions.at(index);
    const Extra *x = extra(row);
    return x ? x->session : QString();
}

QString SessionLog::nsp(qint64 row) const
{
    const quint16 index = entry(row).nspIndex;
    if (index != NoNamespaceIndex)
        return m_namespaces.at(index);
    const Extra *x = extra(row);
    return x ? x->nsp : QString();
}
