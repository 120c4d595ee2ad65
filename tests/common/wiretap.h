// A TCP relay on 127.0.0.1 that records what crosses it: per accepted connection, the bytes in
// each direction and which side closed first. Put between two peers (a client and a proxy, a
// proxy and a server) it shows exactly what each one sent and received, for byte-for-byte
// comparisons. Closes are forwarded (a side's end closes the other side once its bytes went out).
//
// parseHttp() reads a connection's recorded bytes back as HTTP/1.1: the requests and responses
// (heads as sent, bodies framed by Content-Length or chunked, raw bytes kept), and after a 101 the
// WebSocket bytes of each direction unparsed.
#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QTcpServer>
#include <QUrl>

#include <memory>

class QTcpSocket;

class WireTap : public QObject
{
public:
    enum class Side { None, Client, Server };

    // One accepted connection as recorded so far.
    struct Connection
    {
        QByteArray clientToServer; // everything the client sent
        QByteArray serverToClient; // everything the server sent
        bool connected = false;    // the relay reached the server
        Side closedFirst = Side::None;
        bool clientOpen = true;
        bool serverOpen = true;

        bool isClosed() const { return !clientOpen && !serverOpen; }
        // The first line the client sent (the request line), without its CRLF.
        QByteArray firstLine() const;
    };

    explicit WireTap(QObject *parent = nullptr);
    ~WireTap() override;

    // Listens on 127.0.0.1 (a free port) and relays every connection to 127.0.0.1:targetPort.
    bool listen(quint16 targetPort);
    quint16 port() const { return m_server.serverPort(); }
    QUrl url() const; // http://127.0.0.1:<port>

    // In order of acceptance.
    QList<Connection> connections() const;
    int connectionCount() const { return int(m_links.size()); }
    // Every connection accepted so far has ended on both sides.
    bool allClosed() const;
    // The connection whose first line is `line`; nullptr when none (or several).
    const Connection *findByFirstLine(const QByteArray &line) const;

private:
    struct Link;
    void relay(Link *link, bool fromClient);
    void closed(Link *link, bool client);

    QTcpServer m_server;
    quint16 m_targetPort = 0;
    std::vector<std::unique_ptr<Link>> m_links;
};

// --- HTTP/1.1 read back from a recorded stream ----------------------------------------------

struct HttpMessage
{
    QByteArray startLine;                        // request line or status line, without CRLF
    QList<QPair<QByteArray, QByteArray>> fields; // as sent (name case kept, value trimmed)
    QByteArray head;                             // the raw head, up to and including CRLF CRLF
    QByteArray body;        // the raw body bytes as on the wire (chunk framing kept)
    QByteArray decodedBody; // without the chunk framing
    bool complete = false;  // the whole body arrived

    int status() const; // a response's status code, 0 for a request
    // The first value of a field (name case-insensitive); null when absent.
    QByteArray field(QByteArrayView name) const;
    bool hasToken(QByteArrayView name, QByteArrayView token) const; // e.g. Connection: upgrade
};

struct HttpConversation
{
    QList<HttpMessage> requests;
    QList<HttpMessage> responses;
    bool upgraded = false;   // a 101 answered an upgrade request
    QByteArray clientTunnel; // after the upgrade request, what the client sent
    QByteArray serverTunnel; // after the 101's head, what the server sent
    QString error;           // where the bytes stopped being HTTP, if they did
};

HttpConversation parseHttp(const WireTap::Connection &connection);
