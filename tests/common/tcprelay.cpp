#include "tcprelay.h"

#include <QTcpSocket>

TcpRelay::TcpRelay(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *client = m_server.nextPendingConnection()) {
            auto *server = new QTcpSocket(this);
            client->setParent(this);
            m_pairs.append(Pair{client, server});
            // Bytes from the client wait in its buffer until the server side is connected.
            connect(server, &QTcpSocket::connected, this,
                    [this, client, server] { relay(client, server); });
            connect(client, &QTcpSocket::readyRead, this, [this, client, server] {
                if (server->state() == QAbstractSocket::ConnectedState)
                    relay(client, server);
            });
            connect(server, &QTcpSocket::readyRead, this,
                    [this, client, server] { relay(server, client); });
            // A close is forwarded like the bytes are: only while not frozen.
            connect(client, &QTcpSocket::disconnected, this, [this, server] {
                if (!m_frozen)
                    server->disconnectFromHost();
            });
            connect(server, &QTcpSocket::disconnected, this, [this, client] {
                if (!m_frozen)
                    client->disconnectFromHost();
            });
            server->connectToHost(QHostAddress::LocalHost, m_targetPort);
        }
    });
}

TcpRelay::~TcpRelay()
{
    for (const Pair &pair : std::as_const(m_pairs)) {
        if (pair.client)
            pair.client->abort();
        if (pair.server)
            pair.server->abort();
    }
}

bool TcpRelay::listen(quint16 targetPort)
{
    m_targetPort = targetPort;
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QUrl TcpRelay::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
}

void TcpRelay::freeze()
{
    m_frozen = true;
}

void TcpRelay::relay(QTcpSocket *from, QTcpSocket *to)
{
    const QByteArray bytes = from->readAll();
    if (!m_frozen && to->state() == QAbstractSocket::ConnectedState)
        to->write(bytes);
}
