// The embedded server at the HTTP level, with raw requests over loopback (no npm peers): the
// spec's error codes and bodies, maxPayload (413), header limits (431), keep-alive and
// pipelining, CORS, the one-GET rule, the v3 handshake and the v3 binary POST.
#include "engineio/engineiocodec.h"
#include "packetspy.h"
#include "server/socketioserver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

namespace {

constexpr int Timeout = 5000;

struct Response
{
    int status = 0;
    HttpHeaders headers; // names in lower case
    QByteArray body;
    bool complete = false;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers) {
            if (key == name)
                return value;
        }
        return {};
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

// Reads one response (Content-Length framed) from `buffer`, filled from the socket as needed.
Response readResponse(QTcpSocket &socket, QByteArray &buffer, int timeoutMs = Timeout)
{
    Response response;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end >= 0) {
            const QList<QByteArray> lines = buffer.left(end).split('\n');
            response.status = lines.first().split(' ').value(1).toInt();
            qint64 length = 0;
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines[i].trimmed();
                const qsizetype colon = line.indexOf(':');
                const QByteArray name = line.left(colon).trimmed().toLower();
                const QByteArray value = line.mid(colon + 1).trimmed();
                response.headers.append({name, value});
                if (name == "content-length")
                    length = value.toLongLong();
            }
            if (buffer.size() >= end + 4 + length) {
                response.body = buffer.mid(end + 4, length);
                buffer.remove(0, end + 4 + length);
                response.complete = true;
                return response;
            }
        }
        if (socket.state() != QAbstractSocket::ConnectedState && socket.bytesAvailable() == 0)
            break;
        QTest::qWait(5); // the server runs in this thread: keep its event loop going
        buffer += socket.readAll();
    }
    return response;
}

// One request on a fresh connection.
Response request(quint16 port, const QByteArray &raw)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(Timeout))
        return {};
    socket.write(raw);
    QByteArray buffer;
    return readResponse(socket, buffer);
}

QByteArray get(const QByteArray &target)
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

QByteArray post(const QByteArray &target, const QByteArray &body,
                const QByteArray &contentType = "text/plain;charset=UTF-8")
{
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + contentType +
           "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QString sidOf(const Response &handshake, EngineIoVersion version = EngineIoVersion::V4)
{
    PollingPayloadDecoder decoder(version, 1 << 20);
    if (!decoder.feed(handshake.body) || !decoder.finish())
        return {};
    const QList<EngineIoPacket> packets = decoder.takePackets();
    if (packets.isEmpty() || packets.first().type != EngineIoPacket::Open)
        return {};
    EngineIoHandshake parsed;
    EngineIoHandshake::fromJson(packets.first().data, &parsed, nullptr);
    return parsed.sid;
}

// A session's handler calls, logged beside the server's session* signals in the order they come.
struct HandlerLog : EngineIoServerSessionHandler
{
    QStringList *events = nullptr;
    void sessionMessageReceived(const QByteArray &data, bool) override
    {
        events->append(QStringLiteral("handler message ") + QString::fromUtf8(data));
    }
    void sessionPacketSent(const EngineIoPacket &packet, TransportKind) override
    {
        events->append(QStringLiteral("handler sent %1").arg(int(packet.type)));
    }
    void sessionClosed(const QString &reason) override
    {
        events->append(QStringLiteral("handler closed ") + reason);
    }
};

} // namespace

class tst_HttpEngineIo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void handshakeErrors_data();
    void handshakeErrors();
    void v4Handshake();
    void v3HandshakeJoinsRoot();
    void handshakeRequestIsKept_data();
    void handshakeRequestIsKept();
    void postOverMaxPayloadIs413();
    void headTooLargeIs431();
    void keepAliveAndPipelining();
    void corsPreflight();
    void secondGetClosesTheSession();
    void binaryPostRefusedInV4();
    void v3BinaryPost();
    void closePacketAnswersThePendingGet();
    void sessionHandlerFollowsTheServerSignals();
    void dropCutsTheProbeWithoutACloseFrame();

private:
    SocketIoServer *m_server = nullptr;
    quint16 m_port = 0;
};

void tst_HttpEngineIo::init()
{
    m_server = new SocketIoServer(this);
    SocketIoServerOptions options;
    options.engine.maxPayload = 1000;
    options.engine.pingIntervalMs = 5000;
    options.engine.pingTimeoutMs = 5000;
    m_server->setOptions(options);
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    m_port = m_server->serverPort();
}

void tst_HttpEngineIo::cleanup()
{
    m_server->close();
    delete m_server;
    m_server = nullptr;
}

void tst_HttpEngineIo::handshakeErrors_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("no transport") << get("/socket.io/?EIO=4") << 400 << 0
                                  << QStringLiteral("Transport unknown");
    QTest::newRow("unknown transport") << get("/socket.io/?EIO=4&transport=abc") << 400 << 0
                                       << QStringLiteral("Transport unknown");
    QTest::newRow("unknown sid") << get("/socket.io/?EIO=4&transport=polling&sid=nope") << 400 << 1
                                 << QStringLiteral("Session ID unknown");
    QTest::newRow("POST handshake") << post("/socket.io/?EIO=4&transport=polling", "x") << 400 << 2
                                    << QStringLiteral("Bad handshake method");
    QTest::newRow("websocket without upgrade") << get("/socket.io/?EIO=4&transport=websocket")
                                               << 400 << 3 << QStringLiteral("Bad request");
    QTest::newRow("no EIO") << get("/socket.io/?transport=polling") << 400 << 5
                            << QStringLiteral("Unsupported protocol version");
    QTest::newRow("EIO=5") << get("/socket.io/?EIO=5&transport=polling") << 400 << 5
                           << QStringLiteral("Unsupported protocol version");
    QTest::newRow("unknown path") << get("/other/?EIO=4&transport=polling") << 404 << 0
                                  << QStringLiteral("Not found");
}

void tst_HttpEngineIo::handshakeErrors()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, status);
    QFETCH(int, code);
    QFETCH(QString, message);
    const Response response = request(m_port, raw);
    QVERIFY(response.complete);
    QCOMPARE(response.status, status);
    QCOMPARE(response.header("content-type"), QByteArray("application/json"));
    QCOMPARE(response.json().value(QStringLiteral("code")).toInt(), code);
    QCOMPARE(response.json().value(QStringLiteral("message")).toString(), message);
}

void tst_HttpEngineIo::v4Handshake()
{
    const Response response = request(m_port, get("/socket.io/?EIO=4&transport=polling"));
    QCOMPARE(response.status, 200);
    QCOMPARE(response.header("content-type"), QByteArray("text/plain; charset=UTF-8"));
    QCOMPARE(response.header("access-control-allow-origin"), QByteArray("*"));
    QVERIFY(response.body.startsWith("0{\"sid\":\""));
    QVERIFY2(response.body.endsWith(
                 "\",\"upgrades\":[\"websocket\"],\"pingInterval\":5000,\"pingTimeout\":5000,"
                 "\"maxPayload\":1000}"),
             response.body.constData());
    QCOMPARE(sidOf(response).size(), 20);
}

// socket.io 2.x clients: v3 framing, and "/" joined at once ("40" right behind the OPEN).
void tst_HttpEngineIo::v3HandshakeJoinsRoot()
{
    const Response response = request(m_port, get("/socket.io/?EIO=3&transport=polling&b64=1"));
    QCOMPARE(response.status, 200);
    QVERIFY2(response.body.endsWith("2:40"), response.body.constData());
    QVERIFY(!response.body.contains("maxPayload"));
    QCOMPARE(sidOf(response, EngineIoVersion::V3).size(), 20);
}

// A session keeps its handshake request: the query as sent (a fragment is no part of it) and the
// header fields, given back decoded and in order.
void tst_HttpEngineIo::handshakeRequestIsKept_data()
{
    QTest::addColumn<bool>("webSocket");
    QTest::newRow("polling") << false;
    QTest::newRow("websocket") << true;
}

void tst_HttpEngineIo::handshakeRequestIsKept()
{
    QFETCH(bool, webSocket);
    EngineIoServerRequest kept;
    EngineIoVersion version = EngineIoVersion::V4;
    int sessions = 0;
    connect(m_server->engine(), &EngineIoServer::connection, this,
            [&](EngineIoServerSocket *session) {
                kept = session->request();
                version = session->version();
                ++sessions;
            });
    QByteArray raw =
        "GET /socket.io/?EIO=3&transport=" + QByteArray(webSocket ? "websocket" : "polling") +
        "&token=a+b%21#frag HTTP/1.1\r\nHost: x\r\nX-Custom:  one \r\n";
    if (webSocket) {
        raw += "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    }
    raw += "X-Custom: two\r\n\r\n";
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(socket.waitForConnected(Timeout));
    socket.write(raw);
    QTRY_COMPARE_WITH_TIMEOUT(sessions, 1, Timeout);
    QCOMPARE(version, EngineIoVersion::V3);
    const QList<QPair<QString, QString>> query{
        {QStringLiteral("EIO"), QStringLiteral("3")},
        {QStringLiteral("transport"),
         webSocket ? QStringLiteral("websocket") : QStringLiteral("polling")},
        {QStringLiteral("token"), QStringLiteral("a b!")}};
    QCOMPARE(kept.queryItems(), query);
    QCOMPARE(kept.queryValue(QStringLiteral("token")), QStringLiteral("a b!"));
    const HttpHeaders headers = kept.headers();
    QCOMPARE(headers.first(), HttpHeader("host", "x"));
    QCOMPARE(Http::header(headers, "x-custom"), QByteArray("one, two"));
}

void tst_HttpEngineIo::postOverMaxPayloadIs413()
{
    const QString sid = sidOf(request(m_port, get("/socket.io/?EIO=4&transport=polling")));
    const QByteArray target = "/socket.io/?EIO=4&transport=polling&sid=" + sid.toLatin1();
    // 42["x","yyy..."]: 10 bytes around the padding.
    const auto event = [](int bytes) {
        return "42[\"x\",\"" + QByteArray(bytes - 10, 'y') + "\"]";
    };
    const Response tooLarge = request(m_port, post(target, event(1001)));
    QCOMPARE(tooLarge.status, 413);
    QCOMPARE(tooLarge.header("connection"), QByteArray("close"));
    // Within the limit is fine, and the session is still there.
    const Response fits = request(m_port, post(target, event(1000)));
    QCOMPARE(fits.status, 200);
    QCOMPARE(fits.body, QByteArray("ok"));
}

void tst_HttpEngineIo::headTooLargeIs431()
{
    const Response response =
        request(m_port, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nX-Big: " +
                            QByteArray(20000, 'a') + "\r\n\r\n");
    QCOMPARE(response.status, 431);
    const Response garbage = request(m_port, "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03");
    QCOMPARE(garbage.status, 400);
}

void tst_HttpEngineIo::keepAliveAndPipelining()
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(socket.waitForConnected(Timeout));
    // Two handshakes and an error in one write: three answers, in order, on one connection.
    socket.write(get("/socket.io/?EIO=4&transport=polling") +
                 get("/socket.io/?EIO=4&transport=polling") + get("/socket.io/?EIO=4"));
    QByteArray buffer;
    const Response first = readResponse(socket, buffer);
    const Response second = readResponse(socket, buffer);
    const Response third = readResponse(socket, buffer);
    QCOMPARE(first.status, 200);
    QCOMPARE(second.status, 200);
    QCOMPARE(third.status, 400);
    QCOMPARE(first.header("connection"), QByteArray("keep-alive"));
    QVERIFY(first.header("keep-alive").startsWith("timeout="));
    QVERIFY(sidOf(first) != sidOf(second));
    QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);

    // HTTP/1.0 without keep-alive: the answer closes the connection.
    socket.write("GET /socket.io/?EIO=4&transport=polling HTTP/1.0\r\n\r\n");
    const Response closing = readResponse(socket, buffer);
    QCOMPARE(closing.status, 200);
    QCOMPARE(closing.header("connection"), QByteArray("close"));
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, Timeout);
}

void tst_HttpEngineIo::corsPreflight()
{
    const Response response =
        request(m_port, "OPTIONS /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n"
                        "Origin: http://example.com\r\nAccess-Control-Request-Method: POST\r\n"
                        "Access-Control-Request-Headers: content-type\r\n\r\n");
    QCOMPARE(response.status, 204);
    QCOMPARE(response.header("access-control-allow-origin"), QByteArray("*"));
    QVERIFY(response.header("access-control-allow-methods").contains("POST"));
    QCOMPARE(response.header("access-control-allow-headers"), QByteArray("content-type"));
}

// engine.io: a second GET while one is pending is a protocol violation. The new one gets 400,
// the pending one the CLOSE packet, and the session is gone.
void tst_HttpEngineIo::secondGetClosesTheSession()
{
    const QString sid = sidOf(request(m_port, get("/socket.io/?EIO=4&transport=polling")));
    const QByteArray target = "/socket.io/?EIO=4&transport=polling&sid=" + sid.toLatin1();
    QTcpSocket pending;
    pending.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(pending.waitForConnected(Timeout));
    pending.write(get(target));
    QTest::qWait(100); // the first GET is parked
    const Response second = request(m_port, get(target));
    QCOMPARE(second.status, 400);
    QByteArray buffer;
    const Response first = readResponse(pending, buffer);
    QCOMPARE(first.status, 200);
    QCOMPARE(first.body, QByteArray("1"));
    QCOMPARE(request(m_port, get(target)).json().value(QStringLiteral("code")).toInt(), 1);
}

void tst_HttpEngineIo::binaryPostRefusedInV4()
{
    const QString sid = sidOf(request(m_port, get("/socket.io/?EIO=4&transport=polling")));
    const QByteArray target = "/socket.io/?EIO=4&transport=polling&sid=" + sid.toLatin1();
    const Response response = request(
        m_port, post(target, QByteArray::fromHex("0003ff343430"), "application/octet-stream"));
    QCOMPARE(response.status, 400);
    QCOMPARE(request(m_port, get(target)).status, 400); // the session was closed
}

// A v3 client without b64=1 POSTs binary packets as an octet-stream payload.
void tst_HttpEngineIo::v3BinaryPost()
{
    QSignalSpy received(m_server, &SocketIoServer::packetReceived);
    const Response handshake = request(m_port, get("/socket.io/?EIO=3&transport=polling"));
    const QString sid = sidOf(handshake, EngineIoVersion::V3);
    QVERIFY(!sid.isEmpty());
    const QByteArray target = "/socket.io/?EIO=3&transport=polling&sid=" + sid.toLatin1();
    const QByteArray body = EngineIoCodec::encodeV3BinaryPayload(
        {EngineIoPacket(EngineIoPacket::Message, "51-[\"up\",{\"_placeholder\":true,\"num\":0}]"),
         EngineIoPacket(EngineIoPacket::Message, QByteArray::fromHex("00ff10"), true)});
    const Response response = request(m_port, post(target, body, "application/octet-stream"));
    QCOMPARE(response.status, 200);
    QCOMPARE(response.body, QByteArray("ok"));
    QTRY_COMPARE_WITH_TIMEOUT(packetsOfType(received, SocketIoPacket::BinaryEvent).size(), 1,
                              Timeout);
    const SocketIoPacket packet = packetsOfType(received, SocketIoPacket::BinaryEvent).first();
    QCOMPARE(packet.eventName(), QStringLiteral("up"));
    QCOMPARE(packet.attachments, QList<QByteArray>{QByteArray::fromHex("00ff10")});
}

// POST "1" while a GET is pending: the GET ends with a NOOP (engine.io), then the sid is unknown.
void tst_HttpEngineIo::closePacketAnswersThePendingGet()
{
    QSignalSpy disconnected(m_server, &SocketIoServer::clientDisconnected);
    const QString sid = sidOf(request(m_port, get("/socket.io/?EIO=4&transport=polling")));
    const QByteArray target = "/socket.io/?EIO=4&transport=polling&sid=" + sid.toLatin1();
    QTcpSocket pending;
    pending.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(pending.waitForConnected(Timeout));
    pending.write(get(target));
    QTest::qWait(100);
    QCOMPARE(request(m_port, post(target, "1")).status, 200);
    QByteArray buffer;
    const Response parked = readResponse(pending, buffer);
    QCOMPARE(parked.body, QByteArray("6"));
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, Timeout);
    QCOMPARE(disconnected.first().at(1).toString(), QStringLiteral("transport close"));
    QCOMPARE(request(m_port, get(target)).status, 400);
}

// The role on a session (the Socket.IO server's connection) hears its messages, its sent packets
// and its close as the session's handler, each right after the server's signal of the same event
// (so after the recorder, which listens there), and nothing once the handler is unset.
void tst_HttpEngineIo::sessionHandlerFollowsTheServerSignals()
{
    EngineIoServer engine;
    EngineIoServerOptions options;
    options.path = QStringLiteral("/socket.io/");
    options.pingIntervalMs = 5000;
    options.pingTimeoutMs = 5000;
    engine.setOptions(options);
    QVERIFY(engine.listen(QHostAddress::LocalHost, 0));
    QStringList events;
    HandlerLog handler;
    handler.events = &events;
    QPointer<EngineIoServerSocket> session;
    connect(&engine, &EngineIoServer::connection, this, [&](EngineIoServerSocket *opened) {
        session = opened;
        opened->setHandler(&handler);
    });
    connect(&engine, &EngineIoServer::sessionMessageReceived, this,
            [&](EngineIoServerSocket *, const QByteArray &data, bool) {
                events.append(QStringLiteral("server message ") + QString::fromUtf8(data));
            });
    connect(&engine, &EngineIoServer::sessionPacketSent, this,
            [&](EngineIoServerSocket *, const EngineIoPacket &packet, TransportKind) {
                events.append(QStringLiteral("server sent %1").arg(int(packet.type)));
            });
    connect(&engine, &EngineIoServer::sessionClosed, this,
            [&](EngineIoServerSocket *, const QString &reason) {
                events.append(QStringLiteral("server closed ") + reason);
            });

    const quint16 port = engine.serverPort();
    const QString sid = sidOf(request(port, get("/socket.io/?EIO=4&transport=polling")));
    QVERIFY(session);
    const QByteArray target = "/socket.io/?EIO=4&transport=polling&sid=" + sid.toLatin1();
    events.clear(); // the OPEN packet's, whichever came first

    QCOMPARE(request(port, post(target, "4hello")).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(events,
                              (QStringList{QStringLiteral("server message hello"),
                                           QStringLiteral("handler message hello")}),
                              Timeout);
    events.clear();
    QVERIFY(session->sendMessages({EngineIoPacket(EngineIoPacket::Message, "hi")}));
    QCOMPARE(request(port, get(target)).body, QByteArray("4hi"));
    QCOMPARE(events,
             (QStringList{QStringLiteral("server sent 4"), QStringLiteral("handler sent 4")}));

    events.clear();
    session->setHandler(nullptr);
    QCOMPARE(request(port, post(target, "4unheard")).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(events, QStringList{QStringLiteral("server message unheard")},
                              Timeout);

    events.clear();
    session->setHandler(&handler);
    QCOMPARE(request(port, post(target, "1")).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(events.size(), 2, Timeout);
    QVERIFY2(events.at(0).startsWith(QStringLiteral("server closed ")), qPrintable(events.at(0)));
    QCOMPARE(events.at(1), QStringLiteral("handler closed ") +
                               events.at(0).mid(QStringLiteral("server closed ").size()));
}

// drop() ends a session as a crashing server would: every connection cut, a WebSocket probe's
// too, with no close frame on it.
void tst_HttpEngineIo::dropCutsTheProbeWithoutACloseFrame()
{
    QPointer<EngineIoServerSocket> session;
    connect(m_server->engine(), &EngineIoServer::connection, this,
            [&](EngineIoServerSocket *opened) { session = opened; });
    const QString sid = sidOf(request(m_port, get("/socket.io/?EIO=4&transport=polling")));
    QVERIFY(session);
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(probe.waitForConnected(Timeout));
    probe.write("GET /socket.io/?EIO=4&transport=websocket&sid=" + sid.toLatin1() +
                " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QByteArray buffer;
    QCOMPARE(readResponse(probe, buffer).status, 101);
    // "2probe", masked with a zero key.
    probe.write(QByteArray("\x81\x86\x00\x00\x00\x00", 6) + "2probe");
    const QByteArray pong = QByteArray("\x81\x06", 2) + "3probe";
    QTRY_VERIFY_WITH_TIMEOUT((buffer += probe.readAll()).size() >= pong.size(), Timeout);
    QCOMPARE(buffer, pong);
    buffer.clear();

    session->drop(QStringLiteral("crash"));
    QTRY_COMPARE_WITH_TIMEOUT(probe.state(), QAbstractSocket::UnconnectedState, Timeout);
    buffer += probe.readAll();
    QCOMPARE(buffer.toHex(), QByteArray()); // no CLOSE frame (0x88 ...)
}

QTEST_GUILESS_MAIN(tst_HttpEngineIo)
#include "tst_httpengineio.moc"
