// `sioscope-cli serve` (or another listening subcommand, e.g. `proxy`) as a child process of a
// test, on a free loopback port: started with the given arguments (plus --port 0 for serve,
// --listen 127.0.0.1:0 for proxy), ready once its first line on stderr says where it listens
// ("listening on http://127.0.0.1:<port>...").
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QUrl>

class CliServe
{
public:
    CliServe() = default;
    CliServe(const CliServe &) = delete;
    CliServe &operator=(const CliServe &) = delete;
    ~CliServe(); // kills it if it still runs

    // Starts `sioscope-cli serve <arguments> --port 0` and waits up to 10 s for the banner.
    // False with the reason (and what it printed) otherwise.
    bool start(const QStringList &arguments, QString *error);
    // Starts `sioscope-cli <command> <arguments>` plus where to listen: `--port 0` for serve,
    // `--listen 127.0.0.1:0` for proxy, nothing for another command (the arguments say it).
    bool start(const QString &command, const QStringList &arguments, QString *error);
    // SIGTERM, then waits for the exit (the log is written then). False when it does not end
    // within 10 s or exits with another code than 0.
    bool stop(QString *error);

    // "http://127.0.0.1:<port>" (https with TLS), and the port alone.
    QUrl url() const { return m_url; }
    quint16 port() const { return quint16(m_url.port()); }
    // Everything it printed on stderr so far (the banner first).
    QByteArray readStderr();
    QProcess &process() { return m_process; }

private:
    QProcess m_process;
    QString m_command = QStringLiteral("serve");
    QByteArray m_stderr;
    QUrl m_url;
};
