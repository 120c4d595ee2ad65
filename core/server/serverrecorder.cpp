#include "server/serverrecorder.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace {

QString peerName(const EngineIoServerRequest &request)
{
    return QStringLiteral("%1:%2").arg(request.peerAddress.toString()).arg(request.peerPort);
}

} // namespace

EngineIoServerRecorder::EngineIoServerRecorder(EngineIoServer *server, bool recordMessages,
                                               QObject *parent)
    : QObject(parent)
    , m_recordMessages(recordMessages)
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
            record(noteRecord(PacketRecord::Error, object, request.transport, QString(),
                              QStringLiteral("request refused (%1): %2").arg(status).arg(message)));
        });
}

PacketRecord EngineIoServerRecorder::packetRecord(const EngineIoPacket &packet,
                                                  TransportKind transport,
                                                  PacketRecord::Direction direction,
                                                  const QString &session)
{
    PacketRecord r = PacketRecord::fromEngineIoPacket(packet, direction, transport);
    r.session = session;
    return r;
}

PacketRecord EngineIoServerRecorder::noteRecord(PacketRecord::Note note, const QJsonObject &object,
                                                TransportKind transport, const QString &session,
                                                const QString &error)
{
    PacketRecord r;
    r.direction = PacketRecord::Direction::In;
    r.layer = PacketRecord::Layer::Connection;
    r.type = note;
    r.transport = transport;
    r.session = session;
    r.payload = PacketRecord::detailsJson(object);
    r.error = error;
    return r;
}

void EngineIoServerRecorder::record(PacketRecord record)
{
    if (record.timeUs == 0)
        record.timeUs = PacketRecord::nowUs();
    Q_EMIT packetRecorded(record);
}

void EngineIoServerRecorder::watch(EngineIoServerSocket *socket)
{
    const QString sid = socket->sid();
    const EngineIoServerRequest &request = socket->request();
    record(noteRecord(PacketRecord::TransportOpened,
                      {{QStringLiteral("sid"), sid},
                       {QStringLiteral("transport"), transportName(socket->transport())},
                       {QStringLiteral("eio"), int(socket->version())},
                       {QStringLiteral("remote"), peerName(request)},
                       {QStringLiteral("url"), QString::fromUtf8(request.target)}},
                      socket->transport(), sid));
    connect(socket, &EngineIoServerSocket::packetReceived, this,
            [this, sid](const EngineIoPacket &packet, TransportKind transport) {
                if (packet.type != EngineIoPacket::Message || m_recordMessages)
                    record(packetRecord(packet, transport, PacketRecord::Direction::In, sid));
            });
    connect(socket, &EngineIoServerSocket::packetSent, this,
            [this, sid](const EngineIoPacket &packet, TransportKind transport) {
                if (packet.type != EngineIoPacket::Message || m_recordMessages)
                    record(packetRecord(packet, transport, PacketRecord::Direction::Out, sid));
            });
    connect(socket, &EngineIoServerSocket::upgrading, this, [this, socket, sid](TransportKind to) {
        record(noteRecord(PacketRecord::Upgrading,
                          {{QStringLiteral("from"), transportName(socket->transport())},
                           {QStringLiteral("to"), transportName(to)}},
                          socket->transport(), sid));
    });
    connect(socket, &EngineIoServerSocket::upgraded, this, [this, sid](TransportKind transport) {
        record(noteRecord(PacketRecord::Upgraded,
                          {{QStringLiteral("transport"), transportName(transport)}}, transport,
                          sid));
    });
    connect(socket, &EngineIoServerSocket::upgradeFailed, this,
            [this, socket, sid](const QString &reason) {
                record(noteRecord(PacketRecord::Warning,
                                  {{QStringLiteral("what"), QStringLiteral("upgrade failed")},
                                   {QStringLiteral("reason"), reason}},
                                  socket->transport(), sid,
                                  QStringLiteral("upgrade failed: %1").arg(reason)));
            });
    connect(socket, &EngineIoServerSocket::errorOccurred, this,
            [this, socket, sid](const EngineIoError &error) {
                PacketRecord r =
                    noteRecord(PacketRecord::Error,
                               {{QStringLiteral("layer"), QStringLiteral("eio")},
                                {QStringLiteral("kind"), EngineIoError::kindName(error.kind)}},
                               socket->transport(), sid, error.message);
                r.raw = error.frame;
                record(r);
            });
    connect(socket, &EngineIoServerSocket::closed, this,
            [this, socket, sid](const QString &reason) {
                record(noteRecord(PacketRecord::Closed, {{QStringLiteral("reason"), reason}},
                                  socket->transport(), sid));
            });
}
