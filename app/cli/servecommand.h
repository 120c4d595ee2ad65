// `sioscope-cli serve`: the embedded Socket.IO server (core/server) on one port, with the
// default handlers of the compliance suites (or the built-in demo, or mock rules from a file),
// recording everything it sees in the same log
// format as `record`. It runs until SIGINT or SIGTERM, then writes the log.
#pragma once

#include "clicommand.h"
#include "logoutput.h"
#include "server/httplistener.h"
#include "server/mockrules.h"
#include "session/logexport.h"
#include "socketio/socketioparser.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QTimer>

class EngineIoServer;
class SocketIoServer;

class ServeCommand : public CliCommand
{
    Q_OBJECT
public:
    explicit ServeCommand(QObject *parent = nullptr);

    bool parse(const QStringList &arguments) override; // after "serve"
    // Listens; prints "sioscope-cli serve: listening on http://<host>:<port><path>" to stderr.
    void start() override;
    // Closes every connection, writes the log, then emits finished().
    void stop() override;

private:
    void appendRecord(const PacketRecord &record);
    // Says which limit (by its option) refused what, and records it unless a route did. A flood
    // is not written out line by line: per limit, the first RefusalsListed of a second are, then
    // one line and one record count the rest (flushRefusals), so that neither stderr nor the log
    // grows with the attacker's connections.
    void reportRefusal(const HttpRefusal &refusal);
    void flushRefusals();
    void recordRefusal(const QJsonObject &details, const QString &line);
    // Warns when --max-connections is over what the process may open (RLIMIT_NOFILE).
    void checkFileLimit();
    void finish();

    QHostAddress m_host = QHostAddress::LocalHost;
    QString m_hostName = QStringLiteral("127.0.0.1");
    quint16 m_port = 3000;
    QString m_path = QStringLiteral("/socket.io/");
    int m_pingIntervalMs = 25000;
    int m_pingTimeoutMs = 20000;
    int m_connectTimeoutMs = 45000;
    qint64 m_maxPayload = 1000000;
    HttpListener::Limits m_limits; // --max-connections, --head-timeout, ...
    SocketIoParser::Kind m_parser = SocketIoParser::Kind::Default;
    bool m_engineEcho = false;
    bool m_demo = false;
    QString m_rulesPath;
    std::optional<MockRules> m_rules;
    QString m_outPath;
    ExportOptions m_export;

    HttpListener *m_listener = nullptr;
    SocketIoServer *m_server = nullptr;
    EngineIoServer *m_echo = nullptr;
    bool m_finished = false;
    QHash<HttpLimit, int> m_refusalsListed;  // in the current second, per limit
    QHash<HttpLimit, int> m_refusalsCounted; // over RefusalsListed: only counted
    QTimer m_refusalWindow;
};
