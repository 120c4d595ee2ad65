// Starts a reference Socket.IO server from npm (tests/peers/server.js) on a free loopback port,
// for the peer tests. It is a real socket.io 4.x or 2.x server, never a fake.
#pragma once

#include <QList>
#include <QMap>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTest>
#include <QUrl>

class ReferenceServer
{
public:
    enum class Flavor { SocketIo4, SocketIo2 };

    struct Options
    {
        // The defaults with `flavor`: spelled out, since `Options{flavor}` leaves the other
        // members to aggregate initialisation, which -Wmissing-field-initializers reports.
        static Options of(Flavor flavor)
        {
            Options options;
            options.flavor = flavor;
            return options;
        }

        Flavor flavor = Flavor::SocketIo4;
        int port = 0; // 0: a free port chosen by the OS
        int pingInterval = 300;
        int pingTimeout = 200;
        QString path; // the Engine.IO path; empty: the library's default "/socket.io"
        QStringList transports = {QStringLiteral("polling"), QStringLiteral("websocket")};
        bool allowUpgrades = true;
        bool connectionStateRecovery = false;
        qint64 maxHttpBufferSize = 1000000;
        bool allowEIO3 = false; // socket.io 4 only
        QString parser;         // "msgpack": socket.io-msgpack-parser (socket.io 4 only)
        // Both set: https/wss with this PEM key and certificate (server.js `tls`).
        QString tlsKeyFile;
        QString tlsCertFile;
        // Set: the server requires a client certificate signed by this CA (PEM), and refuses
        // the handshake without one (requestCert and rejectUnauthorized).
        QString tlsClientCaFile;
        // Every other path answers 404 with a small HTML page, as an express app does (without
        // it, a bare socket.io server never answers them).
        bool notFoundPage = false;
        // Log every HTTP request to the Engine.IO path; read them with requests().
        bool logRequests = false;
        // Log every Engine.IO packet the server receives ("[server] packet <sid> {...}" in
        // output()).
        bool logPackets = false;
        // echo-ack answers with one more argument, "changed": a server whose reply changed.
        bool changedAck = false;
    };

    // One HTTP request that reached the Engine.IO path (with Options::logRequests).
    struct Request
    {
        QByteArray method;
        QUrl url;                     // path and query, as the client sent them
        bool upgrade = false;         // the WebSocket upgrade request
        QMap<QString, QString> query; // as the server decoded it (the last of repeated keys)
        QMap<QByteArray, QByteArray> headers; // names in lower case
    };

    ReferenceServer() = default;
    ~ReferenceServer();
    ReferenceServer(const ReferenceServer &) = delete;
    ReferenceServer &operator=(const ReferenceServer &) = delete;

    // Starts node and waits until the server prints the port it listens on.
    bool start(const Options &options, QString *error);
    // SIGKILL, as a crash would; returns once the process is gone.
    void kill();
    // SIGSTOP / SIGCONT: the server stops reading and writing, like a stalled network.
    void pause();
    void resume();
    bool isRunning() const;

    int port() const { return m_port; }
    qint64 pid() const { return m_process ? m_process->processId() : 0; }
    // http://127.0.0.1:<port>, or https:// when TLS is on; `scheme` overrides.
    QUrl url(const QString &scheme = QString()) const;
    bool isTls() const { return !m_options.tlsKeyFile.isEmpty(); }
    // The requests logged so far, in order (Options::logRequests).
    QList<Request> requests() const;
    // What the server printed (its log), for failure messages.
    QByteArray output() const;

    static QString peersDir();

private:
    QProcess *m_process = nullptr;
    Options m_options;
    int m_port = 0;
    mutable QByteArray m_output;
};

// Starts `server` (a ReferenceServer, or any test server with start(options, &error)) and fails
// the test with the reason when it cannot start: never a skip.
#define START_SERVER(server, options)                                                              \
    do {                                                                                           \
        QString startError_;                                                                       \
        QVERIFY2((server).start((options), &startError_), qPrintable(startError_));                \
    } while (false)
