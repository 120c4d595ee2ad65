#include "engineio/engineioclient.h"
#include "engineio/engineioclient_p.h"

#include "engineio/engineiocodec.h"
#include "engineio/engineiologging.h"
#include "engineio/pollingtransport.h"
#include "engineio/websockettransport.h"

#include <QDateTime>
#include <QPointer>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTimer>

EngineIoClientPrivate::EngineIoClientPrivate(EngineIoClient *q)
    : q(q)
{
    connectTimer.setSingleShot(true);
    heartbeatDeadline.setSingleShot(true);
    reconnectTimer.setSingleShot(true);
    closeTimer.setSingleShot(true);
    connect(&connectTimer, &QTimer::timeout, this, [this] {
        closeConnection({EngineIoError::Kind::Timeout,
                         QStringLiteral("no OPEN packet within the connect timeout of %1 ms")
                             .arg(options.connectTimeoutMs)},
                        CloseCause::Failure);
    });
    connect(&heartbeatDeadline, &QTimer::timeout, this, [this] {
        const int limit = handshake.pingInterval + handshake.pingTimeout;
        closeConnection({EngineIoError::Kind::Timeout,
                         version == EngineIoVersion::V4
                             ? QStringLiteral("ping timeout: no PING from the server within %1 ms "
                                              "(pingInterval + pingTimeout)")
                                   .arg(limit)
                             : QStringLiteral("ping timeout: no packet from the server within %1 "
                                              "ms (pingInterval + pingTimeout)")
                                   .arg(limit)},
                        CloseCause::Failure);
    });
    connect(&clientPingTimer, &QTimer::timeout, this, [this] {
        if (transport && state == EngineIoClient::State::Open)
            transport->send({EngineIoPacket(EngineIoPacket::Ping)});
    });
    connect(&reconnectTimer, &QTimer::timeout, this, &EngineIoClientPrivate::startSession);
    connect(&closeTimer, &QTimer::timeout, this,
            [this] { closeConnection({}, CloseCause::UserRequest); });
    connect(&cookieJar, &EngineIoCookieJar::cookiesReceived, q, &EngineIoClient::cookiesReceived);
}

void EngineIoClientPrivate::setState(EngineIoClient::State newState)
{
    if (state == newState)
        return;
    state = newState;
    Q_EMIT q->stateChanged(state);
}

EngineIoTransport *EngineIoClientPrivate::createTransport(TransportKind kind)
{
    EngineIoTransport *created = nullptr;
    if (kind == TransportKind::WebSocket)
        created = new WebSocketTransport(options, version, this);
    else
        created = new PollingTransport(options, version, this);
    created->setCookieJar(&cookieJar);
    created->setProxy(q->proxy());
    connect(created, &EngineIoTransport::opened, this,
            [this, created] { handleTransportOpened(created); });
    connect(created, &EngineIoTransport::packetReceived, this,
            [this, created](const EngineIoPacket &packet) {
                if (created == transport)
                    handlePacket(packet);
                else if (created == probe)
                    handleProbePacket(packet);
            });
    connect(created, &EngineIoTransport::packetSent, this,
            [this, created](const EngineIoPacket &packet) {
                Q_EMIT q->packetSent(packet, created->kind());
            });
    connect(created, &EngineIoTransport::failed, this,
            [this, created](const EngineIoError &error) { handleTransportFailed(created, error); });
    connect(created, &EngineIoTransport::warningRaised, q, &EngineIoClient::warningRaised);
    connect(created, &EngineIoTransport::paused, this, &EngineIoClientPrivate::handlePollingPaused);
    connect(created, &EngineIoTransport::shutDown, this, [this, created] {
        if (created == transport && state == EngineIoClient::State::Closing)
            closeConnection({}, CloseCause::UserRequest);
    });
    return created;
}

void EngineIoClientPrivate::dropTransports()
{
    for (EngineIoTransport *dropped : {transport, probe}) {
        if (dropped) {
            dropped->disconnect(this);
            dropped->abort();
            dropped->deleteLater();
        }
    }
    transport = probe = nullptr;
    upgrading = false;
    heldDuringUpgrade.clear();
}

void EngineIoClientPrivate::startSession()
{
    dropTransports();
    handshake = {};
    if (options.version == EngineIoOptions::Version::V3 || fellBackToV3)
        version = EngineIoVersion::V3;
    else
        version = EngineIoVersion::V4;
    const TransportKind kind = options.transports == EngineIoOptions::Transports::WebSocketOnly
                                   ? TransportKind::WebSocket
                                   : TransportKind::Polling;
    transport = createTransport(kind);
    transportUp = false;
    setState(EngineIoClient::State::Connecting);
    qCDebug(lcEngineIo) << "connecting over" << transportName(kind) << "with Engine.IO"
                        << int(version);
    Q_EMIT q->connecting(transport->endpoint(QString(), kind == TransportKind::WebSocket), kind,
                         version);
    if (options.connectTimeoutMs > 0)
        connectTimer.start(options.connectTimeoutMs);
    transport->open(QString());
}

void EngineIoClientPrivate::handleTransportOpened(EngineIoTransport *opened)
{
    if (opened == transport) {
        transportUp = true;
        Q_EMIT q->transportOpened(opened->kind());
    } else if (opened == probe) {
        probe->send({EngineIoPacket(EngineIoPacket::Ping, QByteArrayLiteral("probe"))});
    }
}

void EngineIoClientPrivate::handlePacket(const EngineIoPacket &packet)
{
    QPointer<EngineIoTransport> current(transport);
    Q_EMIT q->packetReceived(packet, transport->kind());
    if (!current || current != transport)
        return;
    if (state == EngineIoClient::State::Connecting) {
        finishOpen(packet);
        return;
    }
    if (state == EngineIoClient::State::Closing)
        return; // recorded above; after our CLOSE nothing is answered any more
    if (version == EngineIoVersion::V3)
        restartHeartbeatDeadline(); // v3: any packet proves the link is alive
    switch (packet.type) {
    case EngineIoPacket::Open:
        closeConnection({EngineIoError::Kind::Protocol,
                         QStringLiteral("unexpected OPEN packet in an open session"),
                         EngineIoCodec::encodeText(packet, version)},
                        CloseCause::Failure);
        return;
    case EngineIoPacket::Close:
        Q_EMIT q->closeReceived();
        closeConnection({EngineIoError::Kind::Transport,
                         QStringLiteral("the server closed the session (CLOSE packet)")},
                        CloseCause::Failure);
        return;
    case EngineIoPacket::Ping:
        finishPing(packet);
        return;
    case EngineIoPacket::Pong:
        lastPingMs = QDateTime::currentMSecsSinceEpoch();
        Q_EMIT q->pongReceived(packet.data);
        return;
    case EngineIoPacket::Message:
        Q_EMIT q->messageReceived(packet.data, packet.binary);
        return;
    case EngineIoPacket::Upgrade: // only clients send it; recorded, nothing to do
        return;
    case EngineIoPacket::Noop:
        Q_EMIT q->noopReceived();
        return;
    }
}

void EngineIoClientPrivate::finishOpen(const EngineIoPacket &packet)
{
    const QByteArray frame = EngineIoCodec::encodeText(packet, version);
    if (packet.type != EngineIoPacket::Open) {
        closeConnection({EngineIoError::Kind::Handshake,
                         QStringLiteral("expected an OPEN packet first, got %1")
                             .arg(EngineIoPacket::typeName(packet.type)),
                         frame},
                        CloseCause::Failure);
        return;
    }
    EngineIoHandshake parsed;
    QString error;
    if (!EngineIoHandshake::fromJson(packet.data, &parsed, &error)) {
        closeConnection({EngineIoError::Kind::Handshake,
                         QStringLiteral("invalid OPEN packet: %1").arg(error), frame},
                        CloseCause::Failure);
        return;
    }
    connectTimer.stop();
    handshake = parsed;
    attempt = 0;
    transport->setSessionId(handshake.sid);
    transport->setMaxPayload(handshake.maxPayload);
    lastPingMs = QDateTime::currentMSecsSinceEpoch();
    setState(EngineIoClient::State::Open);
    restartHeartbeatDeadline();
    if (version == EngineIoVersion::V3)
        clientPingTimer.start(handshake.pingInterval);
    QPointer<EngineIoTransport> current(transport);
    Q_EMIT q->openReceived(handshake);
    if (!current || current != transport || state != EngineIoClient::State::Open)
        return;
    if (transport->kind() == TransportKind::Polling &&
        options.transports == EngineIoOptions::Transports::Auto &&
        handshake.upgrades.contains(QLatin1String("websocket")))
        startProbe();
}

void EngineIoClientPrivate::finishPing(const EngineIoPacket &packet)
{
    lastPingMs = QDateTime::currentMSecsSinceEpoch();
    if (version == EngineIoVersion::V4)
        restartHeartbeatDeadline();
    QPointer<EngineIoTransport> current(transport);
    Q_EMIT q->pingReceived(packet.data);
    // The spec wants the PONG to echo the PING's data.
    if (current && current == transport)
        transport->send({EngineIoPacket(EngineIoPacket::Pong, packet.data)});
}

void EngineIoClientPrivate::restartHeartbeatDeadline()
{
    if (handshake.pingInterval > 0)
        heartbeatDeadline.start(handshake.pingInterval + handshake.pingTimeout);
}

void EngineIoClientPrivate::startProbe()
{
    probe = createTransport(TransportKind::WebSocket);
    Q_EMIT q->upgradeStarted();
    probe->open(handshake.sid);
}

void EngineIoClientPrivate::handleProbePacket(const EngineIoPacket &packet)
{
    Q_EMIT q->packetReceived(packet, TransportKind::WebSocket);
    if (!probe)
        return;
    if (packet.type == EngineIoPacket::Pong && packet.data == "probe" && !upgrading) {
        upgrading = true;
        transport->pause();
        return;
    }
    abandonProbe(QStringLiteral("unexpected %1 packet on the probe WebSocket")
                     .arg(EngineIoPacket::typeName(packet.type)));
}

void EngineIoClientPrivate::handlePollingPaused()
{
    if (!upgrading || !probe)
        return;
    EngineIoTransport *polling = transport;
    transport = probe;
    probe = nullptr;
    upgrading = false;
    polling->disconnect(this);
    polling->abort();
    polling->deleteLater();
    transport->setSessionId(handshake.sid);
    transport->setMaxPayload(handshake.maxPayload);
    QPointer<EngineIoTransport> current(transport);
    transport->send({EngineIoPacket(EngineIoPacket::Upgrade)});
    if (!current)
        return;
    Q_EMIT q->upgraded(TransportKind::WebSocket);
    if (current && !heldDuringUpgrade.isEmpty())
        transport->send(std::exchange(heldDuringUpgrade, {}));
}

void EngineIoClientPrivate::abandonProbe(const QString &reason)
{
    if (!probe)
        return;
    probe->disconnect(this);
    probe->abort();
    probe->deleteLater();
    probe = nullptr;
    Q_EMIT q->upgradeFailed(reason);
    if (upgrading) {
        // Polling was already pausing; the session cannot carry on half-upgraded.
        closeConnection({EngineIoError::Kind::Transport,
                         QStringLiteral("upgrade failed after polling was paused: %1").arg(reason)},
                        CloseCause::Failure);
    }
}

void EngineIoClientPrivate::handleTransportFailed(EngineIoTransport *failedTransport,
                                                  const EngineIoError &error)
{
    if (failedTransport == probe) {
        abandonProbe(QStringLiteral("WebSocket probe failed: %1").arg(error.message));
        return;
    }
    if (failedTransport != transport)
        return;
    if (state == EngineIoClient::State::Closing) {
        closeConnection({}, CloseCause::UserRequest);
        return;
    }
    if (state == EngineIoClient::State::Connecting && shouldFallBackToV3(error)) {
        fellBackToV3 = true;
        qCInfo(lcEngineIo).noquote() << "falling back to Engine.IO v3:" << error.message;
        Q_EMIT q->warningRaised(
            QStringLiteral("the server does not speak Engine.IO v4 (%1); retrying with v3")
                .arg(error.message));
        startSession();
        return;
    }
    if (state == EngineIoClient::State::Connecting && version == EngineIoVersion::V3) {
        // engine.io >= 4 without allowEIO3 refuses v3: on polling with 400 and code 5; on
        // WebSocket it accepts the upgrade (101) and then writes a raw HTTP 400 into the stream,
        // which reads as a broken frame. Say what that most likely means.
        const bool webSocketBroke = failedTransport->kind() == TransportKind::WebSocket &&
                                    transportUp && error.kind != EngineIoError::Kind::Tls;
        if (webSocketBroke || error.serverCode == EngineIoErrorCode::UnsupportedProtocolVersion) {
            EngineIoError explained = error;
            explained.message +=
                QStringLiteral(" (%1: the server likely refused Engine.IO v3; a socket.io 3/4 "
                               "server needs allowEIO3, or choose protocol v4)")
                    .arg(webSocketBroke ? QStringLiteral("the WebSocket broke before the OPEN "
                                                         "packet")
                                        : QStringLiteral("Unsupported protocol version"));
            closeConnection(explained, CloseCause::Failure);
            return;
        }
    }
    closeConnection(error, CloseCause::Failure);
}

bool EngineIoClientPrivate::shouldFallBackToV3(const EngineIoError &error) const
{
    if (options.version != EngineIoOptions::Version::Auto || version != EngineIoVersion::V4)
        return false;
    // engine.io >= 4 without allowEIO3 answers 400 with code 5; engine.io 3 ignores EIO and
    // answers in the v3 payload format ("<length>:<packet>") or as a binary payload.
    static const QRegularExpression v3Payload(QStringLiteral("^\\d+:"));
    return error.serverCode == EngineIoErrorCode::UnsupportedProtocolVersion ||
           error.symptom == EngineIoError::Symptom::BinaryPollingPayload ||
           (error.kind == EngineIoError::Kind::Protocol &&
            v3Payload.match(QString::fromLatin1(error.frame.left(16))).hasMatch());
}

void EngineIoClientPrivate::closeConnection(const EngineIoError &error, CloseCause cause)
{
    const bool deliberate = cause == CloseCause::UserRequest;
    connectTimer.stop();
    heartbeatDeadline.stop();
    clientPingTimer.stop();
    closeTimer.stop();
    reconnectTimer.stop();
    dropTransports();
    const QString reason = deliberate ? QStringLiteral("closed by the user") : error.message;
    qCInfo(lcEngineIo).noquote() << "session closed:" << reason;
    if (!deliberate)
        Q_EMIT q->errorOccurred(error);
    const ReconnectPolicy &policy = options.reconnect;
    // A client certificate that cannot be loaded stays so: no attempt would get further.
    const bool reconnect = !deliberate && policy.enabled &&
                           !error.isClientCertificateSetupFailure() &&
                           (policy.maxAttempts < 0 || attempt < policy.maxAttempts);
    if (!reconnect) {
        setState(EngineIoClient::State::Disconnected);
        Q_EMIT q->closed(reason, deliberate, false);
        if (!deliberate && policy.enabled)
            Q_EMIT q->reconnectGaveUp(attempt);
        attempt = 0;
        return;
    }
    ++attempt;
    const int delay = policy.delayForAttempt(attempt, QRandomGenerator::global()->generateDouble());
    setState(EngineIoClient::State::WaitingToReconnect);
    Q_EMIT q->closed(reason, false, true);
    if (state != EngineIoClient::State::WaitingToReconnect)
        return; // a slot closed or reopened the client
    qCDebug(lcEngineIo) << "reconnect attempt" << attempt << "in" << delay << "ms";
    Q_EMIT q->reconnectScheduled(attempt, delay);
    reconnectTimer.start(delay);
}

EngineIoClient::EngineIoClient(QObject *parent)
    : QObject(parent)
    , d(new EngineIoClientPrivate(this))
{
    qRegisterMetaType<EngineIoPacket>();
    qRegisterMetaType<EngineIoHandshake>();
    qRegisterMetaType<EngineIoError>();
}

EngineIoClient::~EngineIoClient()
{
    d->dropTransports();
}

void EngineIoClient::setOptions(const EngineIoOptions &options)
{
    d->options = options;
    d->fellBackToV3 = false;
    d->resolvedProxy.reset();
}

EngineIoOptions EngineIoClient::options() const
{
    return d->options;
}

void EngineIoClient::open()
{
    if (d->state == State::Connecting || d->state == State::Open)
        return;
    d->attempt = 0;
    d->reconnectTimer.stop();
    d->cookieJar.clear();
    d->resolvedProxy.reset(); // the environment as it is now
    d->startSession();
}

void EngineIoClient::close()
{
    switch (d->state) {
    case State::Disconnected:
    case State::Closing:
        return;
    case State::Connecting:
    case State::WaitingToReconnect:
        d->closeConnection({}, EngineIoClientPrivate::CloseCause::UserRequest);
        return;
    case State::Open:
        break;
    }
    d->setState(State::Closing);
    if (d->probe) {
        d->probe->disconnect(d.data());
        d->probe->abort();
        d->probe->deleteLater();
        d->probe = nullptr;
    }
    d->heartbeatDeadline.stop();
    d->clientPingTimer.stop();
    d->transport->send({EngineIoPacket(EngineIoPacket::Close)});
    if (d->transport) {
        d->transport->shutdown();
        if (d->state == State::Closing)
            d->closeTimer.start(2000);
    }
}

bool EngineIoClient::sendMessages(const QList<EngineIoPacket> &messages)
{
    if (d->state != State::Open || !d->transport)
        return false;
    if (d->upgrading)
        d->heldDuringUpgrade += messages; // they go over the WebSocket once it takes over
    else
        d->transport->send(messages);
    return true;
}

EngineIoClient::State EngineIoClient::state() const
{
    return d->state;
}

EngineIoVersion EngineIoClient::version() const
{
    return d->version;
}

TransportKind EngineIoClient::transport() const
{
    return d->transport ? d->transport->kind() : TransportKind::None;
}

EngineIoHandshake EngineIoClient::handshake() const
{
    return d->handshake;
}

int EngineIoClient::reconnectAttempt() const
{
    return d->attempt;
}

qint64 EngineIoClient::lastPingTime() const
{
    return d->lastPingMs;
}

ResolvedProxy EngineIoClient::proxy() const
{
    if (!d->resolvedProxy) {
        QUrl target = d->options.url;
        const QString scheme = target.scheme().toLower();
        target.setScheme(scheme == QLatin1String("https") || scheme == QLatin1String("wss")
                             ? QStringLiteral("wss")
                             : QStringLiteral("ws"));
        d->resolvedProxy =
            resolveProxy(d->options.proxy, target, proxyEnvironment());
    }
    return *d->resolvedProxy;
}

QList<QNetworkCookie> EngineIoClient::cookies() const
{
    return d->cookieJar.cookies();
}
