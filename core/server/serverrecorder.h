// Turns what an Engine.IO server sees into the record stream (PacketRecord), the same one the
// client produces: every packet of every session, each session's lifecycle, and the requests
// refused before a session existed. Every record carries the session's Engine.IO sid.
#pragma once

#include "server/engineioserver.h"
#include "socketio/packetrecord.h"

#include <QJsonObject>
#include <QObject>

class EngineIoServerRecorder : public QObject
{
    Q_OBJECT
public:
    // recordMessages: record MESSAGE packets at this layer (a plain Engine.IO server); a
    // Socket.IO server records them as Socket.IO packets instead.
    EngineIoServerRecorder(EngineIoServer *server, bool recordMessages, QObject *parent = nullptr);

    static PacketRecord packetRecord(const EngineIoPacket &packet, TransportKind transport,
                                     PacketRecord::Direction direction, const QString &session);
    static PacketRecord noteRecord(PacketRecord::Note note, const QJsonObject &details,
                                   TransportKind transport, const QString &session,
                                   const QString &error = {});

Q_SIGNALS:
    void packetRecorded(const PacketRecord &record);

private:
    void watch(EngineIoServerSocket *socket);
    void record(PacketRecord record);

    bool m_recordMessages;
};
