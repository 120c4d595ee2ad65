#include "haproxy.h"

#include <QFile>

HaProxy::~HaProxy()
{
    kill();
}

QByteArray HaProxy::configuration(const Options &options, int port)
{
    // Timeouts: a long poll lasts up to pingInterval; `timeout tunnel` covers WebSockets.
    QByteArray config = "global\n"
                        "    maxconn 256\n"
                        "defaults\n"
                        "    mode http\n"
                        "    timeout connect 5s\n"
                        "    timeout client 60s\n"
                        "    timeout server 60s\n"
                        "    timeout tunnel 1h\n"
                        "frontend sioscope_test\n"
                        "    bind 127.0.0.1:" +
                        QByteArray::number(port) +
                        "\n"
                        "    default_backend socketio\n"
                        "backend socketio\n"
                        "    balance roundrobin\n";
    const bool sticky = !options.stickyCookie.isEmpty();
    if (sticky)
        config += "    cookie " + options.stickyCookie.toUtf8() + " insert indirect nocache\n";
    for (const QString &line : options.backendLines)
        config += "    " + line.toUtf8() + '\n';
    for (qsizetype i = 0; i < options.backendPorts.size(); ++i) {
        const QByteArray name = 's' + QByteArray::number(i + 1);
        config += "    server " + name +
                  " 127.0.0.1:" + QByteArray::number(options.backendPorts.at(i)) +
                  (sticky ? " cookie " + name : QByteArray()) + '\n';
    }
    return config;
}

bool HaProxy::start(const Options &options, QString *error)
{
    if (!m_daemon.hasDirectory()) {
        *error = QStringLiteral("no temporary directory for the haproxy configuration");
        return false;
    }
    const int port = LoopbackDaemon::freePort();
    if (port == 0) {
        *error = QStringLiteral("no free loopback port");
        return false;
    }
    const QString configFile = m_daemon.filePath(QStringLiteral("haproxy.cfg"));
    QFile file(configFile);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        file.write(configuration(options, port)) < 0) {
        *error = QStringLiteral("cannot write %1: %2").arg(configFile, file.errorString());
        return false;
    }
    file.close();
    return m_daemon.start(executable(), {QStringLiteral("-f"), configFile, QStringLiteral("-db")},
                          port, QStringLiteral("haproxy"), error);
}

void HaProxy::kill()
{
    m_daemon.kill();
}

bool HaProxy::isRunning() const
{
    return m_daemon.isRunning();
}

QUrl HaProxy::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_daemon.port()));
}

QByteArray HaProxy::output() const
{
    return m_daemon.output();
}
