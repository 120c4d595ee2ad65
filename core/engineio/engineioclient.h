// The Engine.IO client: one logical connection over WebSocket or HTTP long-polling (with the
// upgrade from polling to WebSocket), heartbeat, and reconnection. It speaks v4 and v3.
#pragma once

#include "engineio/engineioerror.h"
#include "engineio/engineiooptions.h"
#include "engineio/engineiopacket.h"

#include <QList>
#include <QNetworkCookie>
#include <QObject>
#include <QScopedPointer>

class EngineIoClientPrivate;

class EngineIoClient : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Open, Closing, WaitingToReconnect };
    Q_ENUM(State)

    explicit EngineIoClient(QObject *parent = nullptr);
    ~EngineIoClient() override;

    void setOptions(const EngineIoOptions &options);
    EngineIoOptions options() const;

    // Starts a session (state Connecting, then Open after the OPEN packet).
    void open();
    // Ends the session deliberately: sends CLOSE, and never reconnects after it.
    void close();
    // Queues MESSAGE packets; all of them go out in this order (a Socket.IO packet and its
    // attachments). Returns false when the connection is not open.
    bool sendMessages(const QList<EngineIoPacket> &messages);

    State state() const;
    EngineIoVersion version() const; // negotiated; meaningful once Open
    TransportKind transport() const;
    EngineIoHandshake handshake() const;
    int reconnectAttempt() const; // 0 when not reconnecting
    // When the last sign of a live link arrived, in ms since the epoch (for "last heartbeat"):
    // the OPEN packet, then each PING or PONG received. 0 before the first OPEN.
    qint64 lastPingTime() const;
    // The cookies the servers set in this connection (RFC 6265 attributes), expired ones left
    // out: sent on every request, kept across reconnections, forgotten by open().
    QList<QNetworkCookie> cookies() const;
    // The proxy the connection goes through (options().proxy, or the environment's as curl
    // reads it); direct when ResolvedProxy::isDirect().
    ResolvedProxy proxy() const;

Q_SIGNALS:
    // One signal per received packet type.
    void openReceived(const EngineIoHandshake &handshake);
    void closeReceived();
    void pingReceived(const QByteArray &data);
    void pongReceived(const QByteArray &data);
    void messageReceived(const QByteArray &data, bool binary);
    void noopReceived();

    // This layer's record stream: every packet sent and received, as it went over the wire.
    void packetSent(const EngineIoPacket &packet, TransportKind transport);
    void packetReceived(const EngineIoPacket &packet, TransportKind transport);

    // Lifecycle.
    void stateChanged(EngineIoClient::State state);
    void connecting(const QUrl &url, TransportKind transport, EngineIoVersion version);
    void transportOpened(TransportKind transport);
    void upgradeStarted();
    void upgraded(TransportKind transport);
    void upgradeFailed(const QString &reason);
    // The session ended. `willReconnect` tells whether a reconnect is scheduled.
    void closed(const QString &reason, bool deliberate, bool willReconnect);
    void errorOccurred(const EngineIoError &error);
    void warningRaised(const QString &message); // e.g. TLS errors ignored on user request
    // Cookies received under a name, domain and path the connection did not hold before (a load
    // balancer's sticky cookie, typically on the handshake response).
    void cookiesReceived(const QList<QNetworkCookie> &cookies);
    void reconnectScheduled(int attempt, int delayMs);
    void reconnectGaveUp(int attempts);

private:
    friend class EngineIoClientPrivate;
    QScopedPointer<EngineIoClientPrivate> d;
};
