// `sioscope-cli proxy`: the proxy role (core/proxy) between an app and its Socket.IO server. The
// app connects to --listen; every byte goes on to --target unchanged, and every app session is
// recorded, decoded both ways, in the same log format as `record` and `serve`. It runs until
// SIGINT or SIGTERM, then closes every connection and writes the log.
#pragma once

#include "clicommand.h"
#include "proxy/proxyoptions.h"
#include "session/logexport.h"

#include <QHostAddress>
#include <QSslConfiguration>

#include <optional>

class ProxyServer;

class ProxyCommand : public CliCommand
{
    Q_OBJECT
public:
    explicit ProxyCommand(QObject *parent = nullptr);

    bool parse(const QStringList &arguments) override; // after "proxy"
    // Listens; prints "sioscope-cli proxy: listening on http://<host>:<port> -> <target>" to
    // stderr.
    void start() override;
    void stop() override;

private:
    ProxyOptions m_options;
    QHostAddress m_host = QHostAddress::LocalHost;
    quint16 m_port = 0;
    std::optional<QSslConfiguration> m_listenTls;
    bool m_quiet = false;
    QString m_outPath;
    ExportOptions m_export;
    ProxyServer *m_proxy = nullptr;
    bool m_stopping = false;
};
