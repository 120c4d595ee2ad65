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
}

void EngineIoServerRecorder::record(PacketRecord record)
{
    if (record.timeUs == 0)
        record.timeUs = PacketRecord::nowUs();
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
    connect(socket, &QObject::destroyed, this, [this, socket] { m_sessions.remove(socket); });
    // Straight on: the decoder stamps the time and the session (one hop less per packet, which
    // a broadcast to thousands of clients pays once per client).
    connect(session, &SessionDecoder::packetRecorded, this,
            &EngineIoServerRecorder::packetRecorded);

    session->record(
        PacketRecord::note(PacketRecord::TransportOpened,
                           {{QStringLiteral("sid"), sid},
                            {QStringLiteral("transport"), transportName(socket->transport())},
                            {QStringLiteral("eio"), int(socket->version())},
                            {QStringLiteral("remote"), peerName(request)},
                            {QStringLiteral("url"), QString::fromUtf8(request.target)}},
                           socket->transport()));
    connect(socket, &EngineIoServerSocket::packetReceived, session,
            [session](const EngineIoPacket &packet, TransportKind transport) {
                session->recordEnginePacket(PacketRecord::Direction::In, packet, transport);
            });
    connect(socket, &EngineIoServerSocket::packetSent, session,
            [session](const EngineIoPacket &packet, TransportKind transport) {
                session->recordEnginePacket(PacketRecord::Direction::Out, packet, transport);
            });
    connect(socket, &EngineIoServerSocket::upgrading, session, [session, socket](TransportKind to) {
        session->record(
            PacketRecord::note(PacketRecord::Upgrading,
                               {{QStringLiteral("from"), transportName(socket->transport())},
                                {QStringLiteral("to"), transportName(to)}},
                               socket->transport()));
    });
    connect(socket, &EngineIoServerSocket::upgraded, session, [session](TransportKind transport) {
        session->record(PacketRecord::note(
            PacketRecord::Upgraded, {{QStringLiteral("transport"), transportName(transport)}},
            transport));
    });
    connect(socket, &EngineIoServerSocket::upgradeFailed, session,
            [session, socket](const QString &reason) {
                session->record(PacketRecord::note(
                    PacketRecord::Warning,
                    {{QStringLiteral("what"), QStringLiteral("upgrade failed")},
                     {QStringLiteral("reason"), reason}},
                    socket->transport(), QStringLiteral("upgrade failed: %1").arg(reason)));
            });
    connect(socket, &EngineIoServerSocket::errorOccurred, session,
            [session, socket](const EngineIoError &error) {
                PacketRecord r = PacketRecord::note(
                    PacketRecord::Error,
                    {{QStringLiteral("layer"), QStringLiteral("eio")},
                     {QStringLiteral("kind"), EngineIoError::kindName(error.kind)}},
                    socket->transport(), error.message);
                r.raw = error.frame;
                session->record(r);
            });
    connect(
        socket, &EngineIoServerSocket::closed, session, [session, socket](const QString &reason) {
            session->record(PacketRecord::note(
                PacketRecord::Closed, {{QStringLiteral("reason"), reason}}, socket->transport()));
        });
}
