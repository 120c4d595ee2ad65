// A server program from Debian run by a peer test (HAProxy, tinyproxy, microsocks): started in
// the foreground on a free 127.0.0.1 port, ready once that port accepts a connection, killed (by
// its QProcess, so only what the test started) when the test is done. Its output is kept for
// failure messages and for tests that read its log.
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

class LoopbackDaemon
{
public:
    LoopbackDaemon() = default;
    ~LoopbackDaemon();
    LoopbackDaemon(const LoopbackDaemon &) = delete;
    LoopbackDaemon &operator=(const LoopbackDaemon &) = delete;

    // A port nobody listens on now. The program binds it a moment later; another process taking
    // it in between makes start() fail with the program's own words, not a wrong result.
    static int freePort();

    // Starts `program` with `arguments` (which must make it listen on `port`) and waits until
    // the port accepts a connection. `package`: the Debian package to name when it is missing.
    bool start(const QString &program, const QStringList &arguments, int port,
               const QString &package, QString *error);
    // SIGKILL; returns once the process is gone.
    void kill();
    bool isRunning() const;
    int port() const { return m_port; }
    // Everything it printed (stdout and stderr) so far.
    QByteArray output() const;
    // A directory for its configuration and log files, removed with this object.
    QString filePath(const QString &name) const { return m_dir.filePath(name); }
    bool hasDirectory() const { return m_dir.isValid(); }

private:
    QProcess *m_process = nullptr;
    QTemporaryDir m_dir;
    int m_port = 0;
    mutable QByteArray m_output;
};
