// Turns what an Engine.IO server sees into the record stream (PacketRecord), the same one the
// client produces: every packet of every session, each session's lifecycle, and the requests
// refused before a session existed. Every record carries the session's Engine.IO sid. Each
// session is recorded through a SessionDecoder of its own, which a Socket.IO server then uses to
// decode and record the session's Socket.IO packets.
#pragma once

#include "server/engineioserver.h"
#include "socketio/packetrecord.h"
#include "socketio/sessiondecoder.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

class EngineIoServerRecorder : public QObject, private PacketRecordSink
{
    Q_OBJECT
public:
    // `messages`: EngineIo records MESSAGE packets at this layer (a plain Engine.IO server);
    // with SocketIo, a Socket.IO server decodes and records them through sessionDecoder().
    EngineIoServerRecorder(EngineIoServer *server, SessionDecoder::Messages messages,
                           QObject *parent = nullptr);

    // The decoder recording `socket`'s session (a child of the socket), or null when the socket
    // is not watched.
    SessionDecoder *sessionDecoder(EngineIoServerSocket *socket) const;

Q_SIGNALS:
    void packetRecorded(const PacketRecord &record);

private:
    void watch(EngineIoServerSocket *socket);
    // PacketRecordSink: every session's records, each straight on (no connection per session).
    void sessionRecorded(SessionDecoder *session, const PacketRecord &record) override;
    void record(PacketRecord record);
    // Recorded through `socket`'s decoder, which stamps the session; dropped when the socket is
    // not watched.
    void recordNote(EngineIoServerSocket *socket, PacketRecord note);

    SessionDecoder::Messages m_messages;
    // Each session's decoder, from connection() to closed(). A QPointer: a session deleted
    // without closing (only with its server) takes its decoder along.
    QHash<EngineIoServerSocket *, QPointer<SessionDecoder>> m_sessions;
};
