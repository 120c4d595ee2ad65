// Starts HAProxy from Debian (/usr/sbin/haproxy, in the foreground with -db) as a load balancer in
// front of servers on 127.0.0.1, for the peer tests: its configuration is written to a temporary
// directory and it listens on a free loopback port. Balancing is round robin, request by request,
// so that a session that is not pinned to one server meets the other one at once.
#pragma once

#include "loopbackdaemon.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

class HaProxy
{
public:
    struct Options
    {
        QList<int> backendPorts; // the servers, each on 127.0.0.1
        // The sticky cookie: `cookie <name> insert indirect nocache`, and `cookie sN` on the Nth
        // server line (s1, s2, ...). Empty: no stickiness, every request balanced anew.
        QString stickyCookie = QStringLiteral("SERVERID");
        // Lines added to the backend section as they are, e.g. "http-request del-header Upgrade".
        QStringList backendLines;
    };

    HaProxy() = default;
    ~HaProxy();
    HaProxy(const HaProxy &) = delete;
    HaProxy &operator=(const HaProxy &) = delete;

    static QString executable() { return QStringLiteral("/usr/sbin/haproxy"); }
    // The configuration start() writes, listening on `port`.
    static QByteArray configuration(const Options &options, int port);

    // Writes the configuration, starts haproxy and waits until it accepts connections.
    bool start(const Options &options, QString *error);
    // SIGKILL; returns once the process is gone.
    void kill();
    bool isRunning() const;

    int port() const { return m_daemon.port(); }
    QUrl url() const; // http://127.0.0.1:<port>
    // What haproxy printed (warnings, alerts), for failure messages.
    QByteArray output() const;

private:
    LoopbackDaemon m_daemon;
};
