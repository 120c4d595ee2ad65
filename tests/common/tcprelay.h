// A TCP relay on 127.0.0.1 in front of a server, for tests of a client's failure handling: it
// forwards bytes both ways until frozen, and then drops everything in both directions (closes
// included), as a network that silently stopped carrying packets would. A client behind it sees
// neither the server's heartbeat nor its going away.
#pragma once

#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QUrl>

class QTcpSocket;

class TcpRelay : public QObject
{
public:
    explicit TcpRelay(QObject *parent = nullptr);
    ~TcpRelay() override;

    // Listens on 127.0.0.1 (a free port) and relays every connection to 127.0.0.1:targetPort.
    bool listen(quint16 targetPort);
    QUrl url() const; // http://127.0.0.1:<port>

    // From now on nothing is forwarded either way, and neither side's close reaches the other.
    void freeze();
    bool isFrozen() const { return m_frozen; }
    int connectionCount() const { return int(m_pairs.size()); }

private:
    struct Pair
    {
        QPointer<QTcpSocket> client;
        QPointer<QTcpSocket> server;
    };
    void relay(QTcpSocket *from, QTcpSocket *to);

    QTcpServer m_server;
    quint16 m_targetPort = 0;
    bool m_frozen = false;
    QList<Pair> m_pairs;
};
