// The Socket.IO client: namespaces multiplexed over one Engine.IO connection, events and acks
// both ways, binary attachments, connection state recovery, and the record stream of both layers.
#pragma once

#include "engineio/engineioclient.h"
#include "socketio/packetrecord.h"
#include "socketio/sessiondecoder.h"
#include "socketio/socketioerror.h"
#include "socketio/socketiomsgpackparser.h"
#include "socketio/socketionamespace.h"
#include "socketio/socketiooptions.h"
#include "socketio/socketioparser.h"

#include <QMap>
#include <QObject>
#include <QTimer>

#include <memory>

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
    SocketIoParser::Kind parser() const { return m_parser->kind(); } // the one in use
    EngineIoClient *engine() const { return m_engine; }

Q_SIGNALS:
    // Every Socket.IO packet received, on every namespace, after its namespace has taken it.
    // Per-namespace events are the namespaces' signals; this is for a view of the whole stream.
    void packetReceived(const SocketIoPacket &packet);

    // Every packet sent and received at both layers, and every lifecycle note.
    void packetRecorded(const PacketRecord &record);

    void stateChanged(SocketIoClient::State state);
    void namespaceAdded(SocketIoNamespace *ns);
    // A protocol violation or failure; the message names the broken rule.
    void errorOccurred(const SocketIoError &error);
    // Something unexpected but not fatal, e.g. an ACK whose id matches no pending ack.
    void warningRaised(const QString &message);

private:
    friend class SocketIoNamespace;

    // What the namespaces ask of the connection.
    // Encodes, validates and sends one packet with its attachments; records it.
    bool sendPacket(const SocketIoPacket &packet, QString *error);
    // The id the next EVENT that asks for an ack will carry, and taking it once it is sent.
    qint64 nextAckId() const { return m_nextAckId; }
    qint64 allocateAckId() { return m_nextAckId++; }
    // One of our EVENTs' ack timed out: a late ACK is then unmatched, and the note is recorded.
    void ackTimedOut(const QString &nsp, qint64 id, const QString &eventName);
    void reportError(const SocketIoError &error);
    void reportWarning(const QString &message);

    void handleOpen(const EngineIoHandshake &handshake);
    void handleMessage(const QByteArray &data, bool binary);
    void handleClosed(const QString &reason, bool deliberate, bool willReconnect);
    void handleAttachmentTimeout();
    // The auto parser: whether it is still deciding, and taking msgpack (reconnecting with it).
    bool isDetectingParser() const;
    void switchToMsgpack(const QString &reason);
    // Each received packet type is finished in its own function, once its namespace is known.
    void finishPacket(const SocketIoPacket &packet, PacketRecord record);
    void finishConnect(SocketIoNamespace *ns, const SocketIoPacket &packet);
    void finishConnectError(SocketIoNamespace *ns, const SocketIoPacket &packet);
    void finishDisconnect(SocketIoNamespace *ns);
    void finishEvent(SocketIoNamespace *ns, const SocketIoPacket &packet);
    // `error`: the verdict recorded on it (no pending ack), when it is not taken.
    void finishAck(SocketIoNamespace *ns, const SocketIoPacket &packet, qint64 rttUs,
                   const QString &error);
    // The one path for every protocol error: the error is reported and the connection closed
    // (the session decoder has recorded the offending bytes). The spec says the receiver MUST
    // close; the close is deliberate at the Engine.IO level, so no reconnection follows.
    void closeConnection(const SocketIoError &error);
    void updateState();
    void setState(State state);
    SocketIoNamespace *createNamespace(const QString &name);
    bool isEngineOpen() const;

    SocketIoOptions m_options;
    EngineIoClient *m_engine;
    // Both parsers live as long as the client: the session decoder keeps a pointer to the one
    // in use, which connectToServer() chooses.
    SocketIoTextParser m_textParser;
    SocketIoMsgpackParser m_msgpackParser;
    const SocketIoParser *m_parser = &m_textParser;
    SessionDecoder *m_session; // decodes what is received and records both ways
    QMap<QString, SocketIoNamespace *> m_namespaces;
    State m_state = State::Disconnected;
    qint64 m_nextAckId = 0;
    bool m_deliberateClose = false;
    bool m_reconnecting = false; // an unplanned drop happened; the engine is reopening
    SocketIoProtocol m_protocol = SocketIoProtocol::V5;
    QTimer m_attachmentTimer; // SocketIoOptions::attachmentTimeoutMs
    // The auto parser's evidence, per session: CONNECT sent, a Socket.IO packet received.
    bool m_connectSent = false;
    bool m_packetReceived = false;
    bool m_sessionUnknown = false;    // the session's last engine error was "Session ID unknown"
    bool m_parserSwitched = false;    // once per connectToServer()
    bool m_reopenWithMsgpack = false; // closing the session to reopen it with msgpack
};
