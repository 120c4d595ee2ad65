// The session log: an append-only store of every record of a session, compact enough for
// millions of packets. The wire text is kept once, in large chunks; everything a view needs is
// either in a fixed-size index entry or cut from the wire text on demand. The few records that
// carry more (attachments, errors, lifecycle details, round-trip times) keep it on the side.
#pragma once

#include "session/ackpairing.h"
#include "socketio/packetrecord.h"

#include <QByteArrayView>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

class SessionLog
{
public:
    SessionLog();
    ~SessionLog();
    SessionLog(const SessionLog &) = delete;
    SessionLog &operator=(const SessionLog &) = delete;

    // Appends a record and returns its row. Ack pairing is updated as records arrive.
    qint64 append(const PacketRecord &record);
    void clear();

    qint64 size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    // The whole record, rebuilt from the store.
    PacketRecord record(qint64 row) const;

    // Cheap per-row accessors for views and filters (no allocation except where noted).
    qint64 timeUs(qint64 row) const { return entry(row).timeUs; }
    PacketRecord::Direction direction(qint64 row) const;
    PacketRecord::Layer layer(qint64 row) const;
    quint8 type(qint64 row) const { return entry(row).type; }
    TransportKind transport(qint64 row) const;
    QString nsp(qint64 row) const;
    // Every namespace of the Socket.IO records, in order of first appearance ("/" always first).
    QStringList namespaces() const { return m_namespaces; }
    // A server's log: the client session (Engine.IO sid) of the row; empty otherwise.
    QString session(qint64 row) const;
    qint64 ackId(qint64 row) const { return entry(row).id; }
    QByteArrayView raw(qint64 row) const;
    QByteArrayView payload(qint64 row) const; // the JSON payload text
    bool hasError(qint64 row) const;
    int attachmentCount(qint64 row) const;
    // The bytes on the wire: the raw text plus the attachments; a msgpack frame holds its bins.
    qint64 wireSize(qint64 row) const;
    SocketIoParser::Kind parser(qint64 row) const; // which parser framed the raw bytes

    const AckPairing &acks() const { return m_acks; }

    // Bytes held by the store (index, arena, side records), for the memory figures.
    qint64 memoryBytes() const;

private:
    // 32 bytes: one per record.
    struct Entry
    {
        qint64 timeUs;
        qint64 id;             // ack id, -1 when none
        quint64 rawRef;        // ((chunk << 20 | position) << RawLengthBits) | raw length
        quint16 nspIndex;      // into m_namespaces
        quint16 payloadOffset; // payload = raw[payloadOffset..]; NoPayloadInRaw otherwise
        quint8 type;
        quint8 flags;
        quint16 sessionIndex; // into m_sessions; 0: none
    };
    static_assert(sizeof(Entry) == 32, "keep the index entry at 32 bytes");

    struct Extra
    {
        QByteArray raw;     // only a frame too large for the arena
        QString nsp;        // only past 65535 distinct namespaces
        QString session;    // only past 65535 distinct sessions
        QByteArray payload; // when it is not a slice of the raw text
        QList<QByteArray> attachments;
        QString error;
        qint64 rttUs = -1;
    };

    enum Flags : quint8 {
        DirectionOut = 0x01,
        LayerMask = 0x06,     // PacketRecord::Layer << 1
        TransportMask = 0x18, // TransportKind << 3
        HasExtra = 0x20,
        RawMsgpack = 0x40, // PacketRecord::parser is Msgpack
    };
    static constexpr quint16 NoPayloadInRaw = 0xffff;
    static constexpr int RawLengthBits = 24;
    static constexpr qint64 MaxArenaRawBytes = 1 << 20; // larger records are kept whole
    static constexpr qint64 EntriesPerBlock = 1 << 16;
    static constexpr qint64 ArenaChunkBytes = 1 << 20;

    const Entry &entry(qint64 row) const
    {
        return m_blocks[size_t(row / EntriesPerBlock)][size_t(row % EntriesPerBlock)];
    }
    quint64 storeRaw(QByteArrayView raw);
    quint16 internNamespace(const QString &nsp);
    quint16 internSession(const QString &session);
    const Extra *extra(qint64 row) const;

    std::vector<std::unique_ptr<Entry[]>> m_blocks;
    qint64 m_size = 0;
    // The arena: raw texts back to back, in chunks that never move once written.
    std::vector<QByteArray> m_chunks;
    qint64 m_chunkUsed = 0;
    QStringList m_namespaces;
    QHash<QString, quint16> m_namespaceIndex;
    QStringList m_sessions; // m_sessions[0] is "" (no session)
    QHash<QString, quint16> m_sessionIndex;
    QHash<qint64, Extra> m_extras;
    AckPairing m_acks;
};
