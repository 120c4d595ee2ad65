// One namespace on the shared connection: a child object of SocketIoClient with its own state,
// signals and pending acks, so that a user listens to the namespaces it joined and nothing else.
#pragma once

#include "socketio/socketiopacket.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>

class SocketIoClient;
class QTimer;

class SocketIoNamespace : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Disconnected,        // never connected, or left by us
        Connecting,          // CONNECT sent, no answer yet
        Connected,           // CONNECT answered
        Refused,             // CONNECT_ERROR received
        DisconnectedByServer // DISCONNECT received from the server
    };
    Q_ENUM(State)

    struct SendResult
    {
        bool ok = false;
        qint64 ackId = -1; // the id allocated when an ack was requested
        QString error;     // why nothing was sent
    };

    QString name() const { return m_name; }
    State state() const { return m_state; }
    QString sid() const { return m_sid; } // the Socket.IO sid (not the Engine.IO one)
    QJsonObject auth() const { return m_auth; }
    void setAuth(const QJsonObject &auth) { m_auth = auth; } // used on the next CONNECT
    QString refusalMessage() const { return m_refusalMessage; }
    QJsonValue refusalData() const { return m_refusalData; }
    bool wasRecovered() const { return m_recovered; } // last CONNECT recovered the session
    QList<qint64> pendingAckIds() const { return m_pendingAcks.keys(); }

    // Sends CONNECT (again) with the current auth. The client does this by itself on open.
    void connectToNamespace();
    // Sends DISCONNECT; the connection stays up for the other namespaces.
    void disconnectFromNamespace();

    // Sends EVENT or, with attachments, BINARY_EVENT. `data` is [eventName, args...]; binary
    // arguments are placeholders {"_placeholder":true,"num":i} numbered like `attachments`.
    // ackTimeoutMs: -1 means no ack; 0 means an ack without timeout; otherwise the timeout.
    SendResult emitEvent(const QJsonArray &data, const QList<QByteArray> &attachments = {},
                         int ackTimeoutMs = -1);
    // Answers an ack the server requested (EVENT with an id), with any payload, binary included.
    SendResult sendAck(qint64 id, const QJsonArray &data,
                       const QList<QByteArray> &attachments = {});

Q_SIGNALS:
    void stateChanged(SocketIoNamespace::State state);
    void connected(bool recovered);
    void refused(const QString &message, const QJsonValue &data);
    void disconnected(bool byServer);
    // EVENT and BINARY_EVENT addressed to this namespace.
    void eventReceived(const SocketIoPacket &packet);
    // ACK and BINARY_ACK for one of our events; rttUs is the round-trip time.
    void ackReceived(const SocketIoPacket &packet, qint64 rttUs);
    void ackTimedOut(qint64 id, const QString &eventName);
    // A pending ack that can no longer be answered: the connection was lost, or the namespace
    // was left or disconnected by the server. The ack is dropped.
    void ackFailed(qint64 id, const QString &eventName, const QString &reason);

private:
    friend class SocketIoClient;
    SocketIoNamespace(const QString &name, SocketIoClient *client);

    // What the client tells a namespace about the connection.
    // A fresh connection (not a reconnection) is never a recovery.
    void forgetRecovery();
    // socket.io 2.x joins "/" by itself on open: it is wanted and connecting.
    void joinedByServer();
    // The user closed the connection: pending acks fail with `reason`; the namespace stays
    // wanted, so that the next connection joins it again.
    void leftWithConnection(const QString &reason);
    // Reconnection gave up: a namespace waiting to reconnect is disconnected.
    void reconnectionEnded();
    bool isWanted() const { return m_wanted; }
    bool hasPendingAck(qint64 id) const { return m_pendingAcks.contains(id); }
    QString pid() const { return m_pid; } // connection state recovery's private session id

    // Called by the client for packets addressed to this namespace.
    void processConnect(const SocketIoPacket &packet);
    void processConnectError(const SocketIoPacket &packet);
    void processDisconnect();
    void processEvent(const SocketIoPacket &packet);
    void processAck(const SocketIoPacket &packet, qint64 rttUs);
    // The Engine.IO session ended: pending acks fail, state goes back to Connecting/Disconnected.
    void connectionLost(bool willReconnect);
    void setState(State state);
    // Events and acks go out only on an open connection and a connected namespace.
    bool canSend(QString *error) const;
    // Sends CONNECT with auth (v5: plus pid/offset when recovering; v4: auth as a query string).
    bool sendConnect(QString *error);
    void failPendingAcks(const QString &reason);
    void handleAckTimeout(qint64 id);

    struct PendingAck
    {
        QString eventName;
        QTimer *timer = nullptr;
    };

    SocketIoClient *m_client;
    QString m_name;
    State m_state = State::Disconnected;
    QString m_sid;
    QJsonObject m_auth;
    QString m_refusalMessage;
    QJsonValue m_refusalData;
    bool m_recovered = false;
    bool m_wanted = false; // we want to be connected (reconnect it after a drop)
    // Connection state recovery (v5).
    QString m_pid;
    QString m_lastOffset;
    bool m_recoverNext = false;       // the next CONNECT follows an unplanned drop
    bool m_recoveryRequested = false; // the CONNECT in flight carries pid and offset
    QHash<qint64, PendingAck> m_pendingAcks;
};
