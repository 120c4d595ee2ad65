#include "server/serverrecorder.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace {

QString peerName(const EngineIoServerRequest &request)
{
    return QStringLiteral("%1:%2").arg(request.peerAddress.toString()).arg(request.peerPort);
}

} // namespace

EngineIoServerRecorder::EngineIoServerRecorder(EngineIoServer *server,
                                               SessionDecoder::Messages messages, QObject *parent)
    : QObject(parent)
    , m_messages(messages)
{
    connect(server, &EngineIoServer::connection, this, &EngineIoServerRecorder::watch);
    connect(
        server, &EngineIoServer::connectionError, this,
        [this](const EngineIoServerRequest &request, int status, int code, const QString &message) {
            QJsonObject object{{QStringLiteral("status"), status},
                               {QStringLiteral("method"), QString::fromLatin1(request.method)},
                               {QStringLiteral("url"), QString::fromUtf8(request.target)},
                               {QStringLiteral("remote"), peerName(request)},
                               {QStringLiteral("message"), message}};
            if (code >= 0)
                object.insert(QStringLiteral("code"), code);
            record(PacketRecord::note(
                PacketRecord::Error, object, request.transport,
                QStringLiteral("request refused (%1): %2").arg(status).arg(message)));
        });
    // Every session's events through the server's signals: one connection each for all
    // sessions, where connecting to each session cost ~1 KB per session (nine connections and
    // the session's connection lists; heaptrack of `serve` with 2,000 clients).
    connect(server, &EngineIoServer::sessionPacketReceived, this,
            [this](EngineIoServerSocket *socket, const EngineIoPacket &packet,
                   TransportKind transport) {
                if (SessionDecoder *session = m_sessions.value(socket))
                    session->recordEnginePacket(PacketRecord::Direction::In, packet, transport);
            });
    connect(server, &EngineIoServer::sessionPacketSent, this,
            [this](EngineIoServerSocket *socket, const EngineIoPacket &packet,
                   TransportKind transport) {
                // A Socket.IO packet sent is recorded by its sender (sentRecord()), so the
                // decoder is not looked up for the MESSAGE that carries it: a broadcast sends
                // one to every client.
                if (packet.type == EngineIoPacket::Message &&
                    m_messages == SessionDecoder::Messages::SocketIo)
                    return;
                if (SessionDecoder *session = m_sessions.value(socket))
                    session->recordEnginePacket(PacketRecord::Direction::Out, packet, transport);
            });
    connect(server, &EngineIoServer::sessionUpgrading, this,
            [this](EngineIoServerSocket *socket, TransportKind to) {
                recordNote(socket, PacketRecord::note(PacketRecord::Upgrading,
                                                      {{QStringLiteral("from"),
                                                        transportName(socket->transport())},
                                                       {QStringLiteral("to"), transportName(to)}},
                                                      socket->transport()));
            });
    connect(server, &EngineIoServer::sessionUpgraded, this,
            [this](EngineIoServerSocket *socket, TransportKind transport) {
                recordNote(socket, PacketRecord::note(
                                       PacketRecord::Upgraded,
                                       {{QStringLiteral("transport"), transportName(transport)}},
                                       transport));
            });
    connect(server, &EngineIoServer::sessionUpgradeFailed, this,
            [this](EngineIoServerSocket *socket, const QString &reason) {
                recordNote(socket, PacketRecord::note(
                                       PacketRecord::Warning,
                                       {{QStringLiteral("what"), QStringLiteral("upgrade failed")},
                                        {QStringLiteral("reason"), reason}},
                                       socket->transport(),
                                       QStringLiteral("upgrade failed: %1").arg(reason)));
            });
    connect(server, &EngineIoServer::sessionErrorOccurred, this,
            [this](EngineIoServerSocket *socket, const EngineIoError &error) {
                PacketRecord r = PacketRecord::note(
                    PacketRecord::Error,
                    {{QStringLiteral("layer"), QStringLiteral("eio")},
                     {QStringLiteral("kind"), EngineIoError::kindName(error.kind)}},
                    socket->transport(), error.message);
                r.raw = error.frame;
                recordNote(socket, std::move(r));
            });
    connect(server, &EngineIoServer::sessionClosed, this,
            [this](EngineIoServerSocket *socket, const QString &reason) {
                recordNote(socket, PacketRecord::note(PacketRecord::Closed,
                                                      {{QStringLiteral("reason"), reason}},
                                                      socket->transport()));
                // The session's own handlers of closed() hold the decoder themselves.
                m_sessions.remove(socket);
            });
}

void EngineIoServerRecorder::record(PacketRecord record)
{
    if (record.timeUs == 0)
        record.timeUs = PacketRecord::nowUs();
    Q_EMIT packetRecorded(record);
}

void EngineIoServerRecorder::recordNote(EngineIoServerSocket *socket, PacketRecord note)
{
    if (SessionDecoder *session = m_sessions.value(socket))
        session->record(std::move(note));
}

void EngineIoServerRecorder::sessionRecorded(SessionDecoder *, const PacketRecord &record)
{
    Q_EMIT packetRecorded(record);
}

SessionDecoder *EngineIoServerRecorder::sessionDecoder(EngineIoServerSocket *socket) const
{
    return m_sessions.value(socket);
}

void EngineIoServerRecorder::watch(EngineIoServerSocket *socket)
{
    const QString sid = socket->sid();
    const EngineIoServerRequest &request = socket->request();
    auto *session = new SessionDecoder(socket);
    session->setSession(sid);
    session->setMessages(m_messages);
    session->start(socket->version() == EngineIoVersion::V3 ? SocketIoProtocol::V4
                                                            : SocketIoProtocol::V5);
    m_sessions.insert(socket, session);
    // Straight on: the decoder stamps the time and the session (one hop less per packet, which
    // a broadcast to thousands of clients pays once per client).
    session->setSink(this);

    session->record(
        PacketRecord::note(PacketRecord::TransportOpened,
                           {{QStringLiteral("sid"), sid},
                            {QStringLiteral("transport"), transportName(socket->transport())},
                            {QStringLiteral("eio"), int(socket->version())},
                            {QStringLiteral("remote"), peerName(request)},
                            {QStringLiteral("url"), QString::fromUtf8(request.target)}},
                           socket->transport()));
}
