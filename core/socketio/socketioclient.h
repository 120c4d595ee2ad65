// The Socket.IO client: namespaces multiplexed over one Engine.IO connection, events and acks
// both ways, binary attachments, connection state recovery, and the record stream of both layers.
#pragma once

#include "engineio/engineioclient.h"
#include "socketio/packetrecord.h"
#include "socketio/socketiocodec.h"
#include "socketio/socketionamespace.h"
#include "socketio/socketiooptions.h"

#include <QMap>
#include <QObject>
#include <QTimer>

class SocketIoClient : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Connected, Reconnecting };
    Q_ENUM(State)

    explicit SocketIoClient(QObject *parent = nullptr);
    ~SocketIoClient() override;

    void setOptions(const SocketIoOptions &options);
    SocketIoOptions options() const { return m_options; }

    // Opens the Engine.IO connection; every joined namespace connects once it is open.
    void connectToServer();
    // Leaves every namespace and closes the connection; no reconnection follows.
    void disconnectFromServer();

    // Returns the namespace object, creating it. When the connection is open and the namespace
    // is not connected, CONNECT is sent (with `auth`, or in v4 as a query string).
    SocketIoNamespace *joinNamespace(const QString &name, const QJsonObject &auth = {});
    SocketIoNamespace *findNamespace(const QString &name) const;
    QList<SocketIoNamespace *> namespaces() const;

    State state() const { return m_state; }
    SocketIoProtocol protocol() const; // follows the Engine.IO version: v4 -> 5, v3 -> 4
    EngineIoClient *engine() const { return m_engine; }

Q_SIGNALS:
    // One signal per received Socket.IO packet type, for every namespace.
    void connectReceived(const SocketIoPacket &packet);
    void disconnectReceived(const SocketIoPacket &packet);
    void eventReceived(const SocketIoPacket &packet);
    void ackReceived(const SocketIoPacket &packet);
    void connectErrorReceived(const SocketIoPacket &packet);
    void binaryEventReceived(const SocketIoPacket &packet);
    void binaryAckReceived(const SocketIoPacket &packet);

    // Every packet sent and received at both layers, and every lifecycle note.
    void packetRecorded(const PacketRecord &record);

    void stateChanged(SocketIoClient::State state);
    void namespaceAdded(SocketIoNamespace *ns);
    // A protocol violation or failure, in words that name the broken rule.
    void errorOccurred(const QString &message);
    // Something unexpected but not fatal, e.g. an ACK whose id matches no pending ack.
    void warningRaised(const QString &message);

private:
    friend class SocketIoNamespace;

    // Encodes, validates and sends one packet with its attachments; records it.
    bool sendPacket(const SocketIoPacket &packet, QString *error);
    qint64 allocateAckId() { return m_nextAckId++; }

    void handleOpen(const EngineIoHandshake &handshake);
    void handleMessage(const QByteArray &data, bool binary);
    void handleClosed(const QString &reason, bool deliberate, bool willReconnect);
    void finishPacket(const SocketIoPacket &packet, const QByteArray &raw);
    // The one path for every protocol error: record the offending frame, report, close.
    // binaryFrame: the offending frame is a binary message (kept as an attachment, raw empty).
    void closeConnection(const QString &error, const QByteArray &offendingFrame,
                         bool binaryFrame = false);
    // A BINARY_* packet whose attachments will never all arrive (an error, the connection lost,
    // the attachment timeout): recorded as far as it got, with its header frame, so that nothing
    // received is lost from the record stream.
    void recordIncomplete(const SocketIoPacket &partial, const QByteArray &raw, int expected,
                          const QString &why);
    void abandonPendingPacket(const QString &why);
    void record(PacketRecord record);
    void recordNote(PacketRecord::Note note, const QByteArray &details, const QString &error = {});
    void recordEnginePacket(const EngineIoPacket &packet, TransportKind transport,
                            PacketRecord::Direction direction);
    void updateState();
    void setState(State state);
    SocketIoNamespace *createNamespace(const QString &name);
    bool isEngineOpen() const;

    SocketIoOptions m_options;
    EngineIoClient *m_engine;
    SocketIoDecoder m_decoder;
    QMap<QString, SocketIoNamespace *> m_namespaces;
    State m_state = State::Disconnected;
    qint64 m_nextAckId = 0;
    bool m_deliberateClose = false;
    bool m_reconnecting = false; // an unplanned drop happened; the engine is reopening
    SocketIoProtocol m_protocol = SocketIoProtocol::V5;
    TransportKind m_rxTransport = TransportKind::None; // transport of the last received packet
    QByteArray m_pendingRaw;       // the text frame of a binary packet awaiting its attachments
    QTimer m_attachmentTimer;      // SocketIoOptions::attachmentTimeoutMs
    bool m_protocolFailed = false; // closeConnection() ran: drop what still arrives until reopened
};
