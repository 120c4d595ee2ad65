// `sioscope-cli serve`: the embedded Socket.IO server (core/server) on one port, with the
// default handlers of the compliance suites (or the built-in demo, or mock rules from a file),
// recording everything it sees in the same log
// format as `record`. It runs until SIGINT or SIGTERM, then writes the log.
#pragma once

#include "logoutput.h"
#include "server/mockrules.h"
#include "session/logexport.h"

#include <QHostAddress>
#include <QObject>

class EngineIoServer;
class HttpListener;
class SocketIoServer;

class ServeCommand : public QObject
{
    Q_OBJECT
public:
    enum ExitCode { Success = 0, Failure = 1, UsageError = 2 };

    explicit ServeCommand(QObject *parent = nullptr);

    // Parses the arguments (after "serve"); on a usage error prints it with the usage and
    // returns false, with the exit code set to UsageError.
    bool parse(const QStringList &arguments);
    // Listens; prints "sioscope-cli serve: listening on http://<host>:<port><path>" to stderr.
    void start();
    // Closes every connection, writes the log, then emits finished().
    void stop();
    int exitCode() const { return m_exitCode; }

Q_SIGNALS:
    void finished(int exitCode);

private:
    void appendRecord(const PacketRecord &record);
    void finish();

    QHostAddress m_host = QHostAddress::LocalHost;
    QString m_hostName = QStringLiteral("127.0.0.1");
    quint16 m_port = 3000;
    QString m_path = QStringLiteral("/socket.io/");
    int m_pingIntervalMs = 25000;
    int m_pingTimeoutMs = 20000;
    int m_connectTimeoutMs = 45000;
    qint64 m_maxPayload = 1000000;
    bool m_engineEcho = false;
    bool m_demo = false;
    QString m_rulesPath;
    std::optional<MockRules> m_rules;
    QString m_outPath;
    ExportOptions m_export;

    HttpListener *m_listener = nullptr;
    SocketIoServer *m_server = nullptr;
    EngineIoServer *m_echo = nullptr;
    LogOutput m_output;
    bool m_finished = false;
    int m_exitCode = Success;
    QString m_failure;
};
