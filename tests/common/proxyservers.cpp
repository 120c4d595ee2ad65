#include "proxyservers.h"

#include <QFile>

namespace {
QUrl proxyUrl(const QString &scheme, int port, const QString &user, const QString &password)
{
    QUrl url;
    url.setScheme(scheme);
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port);
    url.setUserName(user);
    url.setPassword(password);
    return url;
}
} // namespace

bool TinyProxy::start(QString *error, const QString &user, const QString &password)
{
    if (!m_daemon.hasDirectory()) {
        *error = QStringLiteral("no temporary directory for the tinyproxy configuration");
        return false;
    }
    const int port = LoopbackDaemon::freePort();
    QByteArray config = "Port " + QByteArray::number(port) +
                        "\n"
                        "Listen 127.0.0.1\n"
                        "Timeout 600\n"
                        "MaxClients 100\n"
                        "Allow 127.0.0.1\n"
                        "DisableViaHeader Yes\n"
                        "LogLevel Info\n"
                        "LogFile \"" +
                        m_daemon.filePath(QStringLiteral("tinyproxy.log")).toUtf8() + "\"\n";
    // No ConnectPort line: CONNECT is allowed to every port (the test servers' are random).
    if (!user.isEmpty())
        config += "BasicAuth " + user.toUtf8() + ' ' + password.toUtf8() + '\n';
    const QString configFile = m_daemon.filePath(QStringLiteral("tinyproxy.conf"));
    QFile file(configFile);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(config) < 0) {
        *error = QStringLiteral("cannot write %1: %2").arg(configFile, file.errorString());
        return false;
    }
    file.close();
    return m_daemon.start(QStringLiteral("/usr/bin/tinyproxy"),
                          {QStringLiteral("-d"), QStringLiteral("-c"), configFile}, port,
                          QStringLiteral("tinyproxy"), error);
}

QUrl TinyProxy::url(const QString &user, const QString &password) const
{
    return proxyUrl(QStringLiteral("http"), port(), user, password);
}

QByteArray TinyProxy::log() const
{
    QFile file(m_daemon.filePath(QStringLiteral("tinyproxy.log")));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool MicroSocks::start(QString *error, const QString &user, const QString &password)
{
    const int port = LoopbackDaemon::freePort();
    QStringList arguments{QStringLiteral("-i"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                          QString::number(port)};
    if (!user.isEmpty())
        arguments << QStringLiteral("-u") << user << QStringLiteral("-P") << password;
    return m_daemon.start(QStringLiteral("/usr/bin/microsocks"), arguments, port,
                          QStringLiteral("microsocks"), error);
}

QUrl MicroSocks::url(const QString &user, const QString &password) const
{
    return proxyUrl(QStringLiteral("socks5h"), port(), user, password);
}
