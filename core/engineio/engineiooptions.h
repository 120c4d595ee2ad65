// What the user chooses for a connection at the Engine.IO level.
#pragma once

#include "engineio/proxysetting.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

struct ReconnectPolicy
{
    bool enabled = true;
    int maxAttempts = -1; // -1: no limit
    int delayMs = 1000;   // first delay; doubles on each attempt (as socket.io-client does)
    int delayMaxMs = 5000;
    double randomization = 0.5; // jitter: each delay is spread by +-this fraction

    // The delay before reconnect attempt `attempt` (1-based), with jitter from `random01`
    // (a number in [0, 1)). Pure, so that it can be tested.
    int delayForAttempt(int attempt, double random01) const;
};

struct EngineIoOptions
{
    enum class Version { Auto, V3, V4 };
    enum class Transports { Auto, WebSocketOnly, PollingOnly };

    QUrl url; // http, https, ws or wss; its path is ignored in favour of `path`, its query kept
    QString path = QStringLiteral("/socket.io/");
    Version version = Version::Auto;
    Transports transports = Transports::Auto;
    QList<QPair<QString, QString>> query;         // added to every request
    QList<QPair<QByteArray, QByteArray>> headers; // sent on every HTTP request and the WS handshake
    QString caFile;               // extra CA certificates (PEM) trusted besides the system's
    bool ignoreSslErrors = false; // explicit opt-in; reported as a warning for the whole session
    ProxySetting proxy;           // every request and the WebSocket go through it
    // A client certificate presented to a server that asks for one: a PEM certificate with its
    // PEM key (an unencrypted key, in clientKeyFile or in the same file), or a PKCS#12 bundle
    // (.p12/.pfx) that holds both, opened with clientCertificatePassword. The password is held
    // in memory only: profiles, logs and records never carry it.
    QString clientCertificateFile;
    QString clientKeyFile;
    QByteArray clientCertificatePassword;
    // Sent as the Origin header on every request (polling and the WebSocket upgrade); it
    // replaces an Origin among `headers`.
    QByteArray origin;
    int connectTimeoutMs = 20000;
    ReconnectPolicy reconnect;
    // Limits that keep memory bounded whatever a server sends.
    qint64 maxIncomingPacketBytes = 64 * 1024 * 1024;
    // At most this many WebSocket messages are handled per turn of the event loop; the rest of a
    // backlog waits for the next turn, so that timers (heartbeat, ack timeouts) and a GUI's
    // repaints run in between, however much a flood has buffered.
    int maxMessagesPerTurn = 1000;

    // The user's headers for every request, the WebSocket upgrade included, with Origin set
    // from `origin` when given (it replaces an Origin among `headers`).
    QList<QPair<QByteArray, QByteArray>> userHeaders() const;

    // A server URL as a user writes it: http, https, ws or wss, with a host. False with the
    // reason, which names the form it should take.
    static bool parseServerUrl(const QString &text, QUrl *url, QString *error);
};
