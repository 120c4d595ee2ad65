// EngineIoClient's private side, a state machine (Disconnected, Connecting, Open, Closing,
// WaitingToReconnect; a probe and an upgrade within Open). Not API: the client's tests may
// include it to look at the machine's state.
#pragma once

#include <optional>

#include "engineio/engineioclient.h"
#include "engineio/engineiocookiejar.h"
#include "engineio/engineiotransport.h"

#include <QList>
#include <QObject>
#include <QTimer>

// The connection's private side: the facade forwards to it and holds no state of its own; each
// received packet type is finished in its own function, and every way a session ends goes
// through closeConnection().
class EngineIoClientPrivate : public QObject
{
public:
    explicit EngineIoClientPrivate(EngineIoClient *q);

    void startSession();
    EngineIoTransport *createTransport(TransportKind kind);
    void dropTransports();
    void setState(EngineIoClient::State state);

    void handleTransportOpened(EngineIoTransport *transport);
    void handlePacket(const EngineIoPacket &packet);
    void finishOpen(const EngineIoPacket &packet);
    void finishPing(const EngineIoPacket &packet);
    void finishClose();
    void handleTransportFailed(EngineIoTransport *transport, const EngineIoError &error);
    void restartHeartbeatDeadline();

    void startProbe();
    void handleProbePacket(const EngineIoPacket &packet);
    void handlePollingPaused();
    void abandonProbe(const QString &reason);

    // Why a session ends: a failure (protocol errors, timeouts, transport loss) is reported
    // and may be followed by a reconnection; a close the user asked for is neither.
    enum class CloseCause { Failure, UserRequest };
    // The one path for every way a session ends. Decides about reconnection.
    void closeConnection(const EngineIoError &error, CloseCause cause);
    bool shouldFallBackToV3(const EngineIoError &error) const;

    EngineIoClient *q;
    EngineIoOptions options;
    EngineIoClient::State state = EngineIoClient::State::Disconnected;
    EngineIoVersion version = EngineIoVersion::V4;
    bool fellBackToV3 = false;
    bool transportUp = false; // the current transport connected (WebSocket: 101 received)
    EngineIoTransport *transport = nullptr;
    EngineIoTransport *probe = nullptr;
    bool upgrading = false; // the probe was answered; waiting for polling to pause
    QList<EngineIoPacket> heldDuringUpgrade;
    EngineIoHandshake handshake;
    int attempt = 0;
    qint64 lastPingMs = 0;
    QTimer connectTimer;
    QTimer heartbeatDeadline; // no ping (v4) or no packet (v3) within pingInterval + pingTimeout
    QTimer clientPingTimer;   // v3: the client pings
    QTimer reconnectTimer;
    QTimer closeTimer; // bounds a graceful close
    // One jar for the whole connection: every transport and every reconnection shares it (the
    // load balancer's sticky cookie must reach the upgrade request); open() empties it.
    EngineIoCookieJar cookieJar;
    // The proxy of the session's URL: resolved on the first use after open() or setOptions().
    mutable std::optional<ResolvedProxy> resolvedProxy;
};
