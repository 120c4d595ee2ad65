// ProxyHttp::forwardedRequestHead (core/proxy): what the proxy changes in a request head, and
// that every other line goes on byte for byte, in its order.
#include "proxy/requestforwarding.h"

#include <QTest>

class tst_RequestForwarding : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void forwarded_data();
    void forwarded();
};

void tst_RequestForwarding::forwarded_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<bool>("keepHost");
    QTest::addColumn<bool>("upgrade");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("Host rewritten, other lines as they came, Via added")
        << QByteArray("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: localhost:3001\r\n"
                      "User-Agent: node\r\nCookie: io=abc; lb=srv1\r\n\r\n")
        << false << false
        << QByteArray("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: target:3000\r\n"
                      "User-Agent: node\r\nCookie: io=abc; lb=srv1\r\nVia: 1.1 sioscope\r\n\r\n");
    QTest::newRow("--keep-host keeps it")
        << QByteArray("GET / HTTP/1.1\r\nHost: app.example\r\n\r\n") << true << false
        << QByteArray("GET / HTTP/1.1\r\nHost: app.example\r\nVia: 1.1 sioscope\r\n\r\n");
    QTest::newRow("hop-by-hop fields go, the fields Connection names too")
        << QByteArray("POST /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Hop\r\n"
                      "Keep-Alive: timeout=5\r\nX-Hop: 1\r\nProxy-Authorization: Basic eA==\r\n"
                      "TE: trailers\r\nProxy-Connection: keep-alive\r\nContent-Length: 2\r\n\r\n")
        << false << false
        << QByteArray("POST /x HTTP/1.1\r\nHost: target:3000\r\nConnection: keep-alive, X-Hop\r\n"
                      "Content-Length: 2\r\nVia: 1.1 sioscope\r\n\r\n");
    QTest::newRow("a WebSocket upgrade keeps Upgrade, drops the extensions offer")
        << QByteArray(
               "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: a\r\n"
               "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
        << false << true
        << QByteArray("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: target:3000\r\n"
                      "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nVia: 1.1 sioscope\r\n\r\n");
    QTest::newRow("Upgrade outside an upgrade request goes when Connection names it")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n")
        << false << false
        << QByteArray("GET / HTTP/1.1\r\nHost: target:3000\r\nConnection: upgrade\r\n"
                      "Via: 1.1 sioscope\r\n\r\n");
    QTest::newRow("an HTTP/1.0 request without Host gets one; bare LF lines end in CRLF")
        << QByteArray("GET / HTTP/1.0\nAccept: */*\n\n") << false << false
        << QByteArray(
               "GET / HTTP/1.0\r\nAccept: */*\r\nHost: target:3000\r\nVia: 1.1 sioscope\r\n\r\n");
}

void tst_RequestForwarding::forwarded()
{
    QFETCH(QByteArray, head);
    QFETCH(bool, keepHost);
    QFETCH(bool, upgrade);
    QFETCH(QByteArray, expected);
    RequestForwarding forwarding;
    forwarding.targetAuthority = "target:3000";
    forwarding.keepHost = keepHost;
    forwarding.upgrade = upgrade;
    QCOMPARE(ProxyHttp::forwardedRequestHead(head, forwarding), expected);
}

QTEST_APPLESS_MAIN(tst_RequestForwarding)
#include "tst_requestforwarding.moc"
