// Real proxies from Debian for the peer tests, each on a free 127.0.0.1 port: tinyproxy (an HTTP
// proxy: CONNECT tunnels and forwarded requests, Basic authentication) and microsocks (SOCKS5,
// user and password). What they log shows that traffic went through them.
#pragma once

#include "loopbackdaemon.h"

#include <QUrl>

class TinyProxy
{
public:
    // With a user, the proxy asks for Basic authentication (407 without it).
    bool start(QString *error, const QString &user = {}, const QString &password = {});
    void kill() { m_daemon.kill(); }
    int port() const { return m_daemon.port(); }
    // http://[user:password@]127.0.0.1:<port>
    QUrl url(const QString &user = {}, const QString &password = {}) const;
    // Its log file (LogLevel Info: each request line, each CONNECT).
    QByteArray log() const;

private:
    LoopbackDaemon m_daemon;
};

class MicroSocks
{
public:
    bool start(QString *error, const QString &user = {}, const QString &password = {});
    void kill() { m_daemon.kill(); }
    int port() const { return m_daemon.port(); }
    // socks5h://[user:password@]127.0.0.1:<port>
    QUrl url(const QString &user = {}, const QString &password = {}) const;
    // "client[N] 127.0.0.1: connected to <host>:<port>" for each connection it made.
    QByteArray log() const { return m_daemon.output(); }

private:
    LoopbackDaemon m_daemon;
};
