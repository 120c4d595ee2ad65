// The embedded server (core/server) against the REFERENCE clients from npm: socket.io-client
// 4.8 (Engine.IO v4 / Socket.IO v5) and 2.5 (Engine.IO v3 / Socket.IO v4), over polling,
// WebSocket, and polling upgraded to WebSocket. tests/peers/client-driver.js plays one scenario
// that exchanges every packet type both ways, binary and acks included, and prints what it
// received as JSON lines; the server side is set up here. A missing node_modules fails.
#include "cliserve.h"
#include "engineio/websocketframeparser.h"
#include "referenceserver.h"
#include "server/defaulthandlers.h"
#include "server/socketioserver.h"
#include "session/jsonlines.h"
#include "socketio/socketiomsgpackparser.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

namespace {

constexpr int DriverTimeoutMs = 60000;

// ["answered", ...the ack's arguments].
QByteArray prependEventName(const QByteArray &array, const QByteArray &name)
{
    const QByteArray quoted = '"' + name + '"';
    if (array.trimmed() == "[]")
        return '[' + quoted + ']';
    return '[' + quoted + ',' + array.mid(array.indexOf('[') + 1);
}

QJsonValue json(const char *text)
{
    const QByteArray wrapped = QByteArray("[") + text + ']';
    return QJsonDocument::fromJson(wrapped).array().first();
}

QString describe(const QList<PacketRecord> &records)
{
    QString out;
    for (const PacketRecord &r : records) {
        out += QStringLiteral("%1 %2 %3 %4 %5 %6%7\n")
                   .arg(r.session, r.directionName(), r.layerName(), r.typeName(),
                        transportName(r.transport), QString::fromUtf8(r.raw.left(120)),
                        r.error.isEmpty() ? QString() : QStringLiteral(" ERROR ") + r.error);
    }
    return out;
}

// `sioscope-cli serve -o <log>` in a temporary directory; its log is read once it stopped.
struct LoggedServe
{
    QTemporaryDir dir;
    CliServe serve;

    QString logPath() const { return dir.filePath(QStringLiteral("serve.jsonl")); }
    bool start(QString *error)
    {
        return dir.isValid() && serve.start({QStringLiteral("-o"), logPath()}, error);
    }
    bool stop(QByteArray *log, QString *error)
    {
        if (!serve.stop(error))
            return false;
        QFile file(logPath());
        if (!file.open(QIODevice::ReadOnly)) {
            *error = file.errorString();
            return false;
        }
        *log = file.readAll();
        return true;
    }
};

// A WebSocket upgrade by hand on a raw TCP connection: the request with the given version and
// key, then the answer's head. What came after the head stays in `rest`.
struct RawUpgrade
{
    QTcpSocket socket;
    QByteArray head;
    QByteArray rest;

    bool start(quint16 port, const QByteArray &version, const QByteArray &key)
    {
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!socket.waitForConnected(5000))
            return false;
        QByteArray request = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                             "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
        if (!version.isNull())
            request += "Sec-WebSocket-Version: " + version + "\r\n";
        if (!key.isNull())
            request += "Sec-WebSocket-Key: " + key + "\r\n";
        socket.write(request + "\r\n");
        QByteArray received;
        QElapsedTimer timer;
        timer.start();
        while (!received.contains("\r\n\r\n") && timer.elapsed() < 5000) {
            if (socket.bytesAvailable() == 0 && !socket.waitForReadyRead(500) &&
                socket.state() != QAbstractSocket::ConnectedState)
                break;
            received += socket.readAll();
        }
        const qsizetype end = received.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        head = received.left(end + 4);
        rest = received.mid(end + 4);
        return true;
    }
    // The server's frames up to the next message, PONG or CLOSE (or 5 s): "text <payload>",
    // "pong <payload>", "close <code>", "error <what>", "eof" when the server closed TCP,
    // "timeout".
    QString nextFrame(WebSocketFrameParser *parser)
    {
        QElapsedTimer timer;
        timer.start();
        parser->addData(std::exchange(rest, {}));
        while (timer.elapsed() < 5000) {
            switch (parser->next()) {
            case WebSocketFrameParser::Result::TextMessage:
                return QStringLiteral("text ") + QString::fromUtf8(parser->takePayload());
            case WebSocketFrameParser::Result::Close:
                return QStringLiteral("close %1").arg(parser->closeCode());
            case WebSocketFrameParser::Result::Pong:
                return QStringLiteral("pong ") + QString::fromUtf8(parser->takePayload());
            case WebSocketFrameParser::Result::Error:
                return QStringLiteral("error ") + parser->errorString();
            case WebSocketFrameParser::Result::NeedMoreData:
                if (socket.bytesAvailable() == 0 && !socket.waitForReadyRead(200) &&
                    socket.state() != QAbstractSocket::ConnectedState)
                    return QStringLiteral("eof");
                parser->addData(socket.readAll());
                break;
            default:
                parser->takePayload();
                break;
            }
        }
        return QStringLiteral("timeout");
    }
};

} // namespace

class tst_ServerPeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void scenario_data();
    void scenario();
    void driverFailsWithoutServer();
    void serveCommandRecordsEverything();
    void unmaskedClientFrameClosesWith1002();
    void pingAnsweredAndCloseEchoed();
    void upgradeRefusals_data();
    void upgradeRefusals();

private:
    void setUpServer(SocketIoServer *server);

    QHash<QString, QString> m_adminLeaveReason; // by Engine.IO sid
};

void tst_ServerPeer::setUpServer(SocketIoServer *server)
{
    SocketIoServerNamespace *root = server->findNamespace(QStringLiteral("/"));
    SocketIoServerNamespace *admin = server->addNamespace(QStringLiteral("/admin"));

    admin->setConnectHook([](const SocketIoConnectRequest &request) {
        if (request.auth.value(QStringLiteral("token")).toString() == QLatin1String("secret"))
            return SocketIoConnectDecision::accepted();
        return SocketIoConnectDecision::refused(
            QStringLiteral("Not authorized"),
            QJsonObject{{QStringLiteral("reason"), QStringLiteral("bad token")}});
    });
    connect(admin, &SocketIoServerNamespace::socketDisconnected, this,
            [this](SocketIoServerSocket *socket, const QString &reason) {
                m_adminLeaveReason.insert(socket->engineSid(), reason);
            });

    connect(
        root, &SocketIoServerNamespace::socketConnected, this, [](SocketIoServerSocket *socket) {
            socket->emitEvent({QStringLiteral("welcome"),
                               QJsonObject{{QStringLiteral("auth"), socket->auth()},
                                           {QStringLiteral("protocol"), int(socket->protocol())},
                                           {QStringLiteral("nsp"), socket->nsp()}}});
        });

    const auto echo = [](SocketIoServerSocket *socket, const SocketIoPacket &packet) {
        if (packet.eventName() == QLatin1String("echo"))
            socket->emitEventJson(packet.payload, packet.attachments);
        else if (packet.eventName() == QLatin1String("echo-ack") && packet.hasId())
            socket->sendAckJson(packet.id, SocketIoDefaultHandlers::dropFirstItem(packet.payload),
                                packet.attachments);
    };
    connect(admin, &SocketIoServerNamespace::eventReceived, this, echo);
    connect(
        root, &SocketIoServerNamespace::eventReceived, this,
        [this, echo, root, admin](SocketIoServerSocket *socket, const SocketIoPacket &packet) {
            echo(socket, packet);
            const QString name = packet.eventName();
            const QJsonArray args = packet.data().toArray();
            if (name == QLatin1String("request-ack")) {
                for (const bool binary : {false, true}) {
                    socket->emitEvent(
                        {QStringLiteral("ask"), QJsonObject{{QStringLiteral("q"), binary ? 2 : 1},
                                                            {QStringLiteral("binary"), binary}}},
                        {}, 5000);
                }
                connect(socket, &SocketIoServerSocket::ackReceived, socket,
                        [socket](const SocketIoPacket &ack) {
                            socket->emitEventJson(prependEventName(ack.payload, "answered"),
                                                  ack.attachments);
                        });
            } else if (name == QLatin1String("join")) {
                socket->join(args.at(1).toString());
            } else if (name == QLatin1String("broadcast")) {
                const QString room = args.at(1).toString();
                root->emitToRoom(room, {QStringLiteral("room-msg"), room});
            } else if (name == QLatin1String("did-admin-leave")) {
                int adminSockets = 0;
                for (SocketIoServerSocket *other : admin->sockets())
                    adminSockets += other->engineSid() == socket->engineSid() ? 1 : 0;
                socket->emitEvent({QStringLiteral("left"),
                                   QJsonObject{{QStringLiteral("reason"),
                                                m_adminLeaveReason.value(socket->engineSid())},
                                               {QStringLiteral("adminSockets"), adminSockets}}});
            } else if (name == QLatin1String("kick")) {
                socket->disconnectFromServer();
            }
        });
}

void tst_ServerPeer::scenario_data()
{
    QTest::addColumn<QString>("flavor");
    QTest::addColumn<QStringList>("transports");
    QTest::addColumn<QString>("finalTransport");
    QTest::addColumn<QString>("parser");
    const QStringList polling{QStringLiteral("polling")};
    const QStringList websocket{QStringLiteral("websocket")};
    const QStringList upgrade{QStringLiteral("polling"), QStringLiteral("websocket")};
    for (const QString &flavor : {QStringLiteral("4"), QStringLiteral("2")}) {
        const QByteArray name = flavor == QLatin1String("4") ? "client 4.8" : "client 2.5";
        QTest::newRow(name + " polling")
            << flavor << polling << QStringLiteral("polling") << QStringLiteral("default");
        QTest::newRow(name + " websocket")
            << flavor << websocket << QStringLiteral("websocket") << QStringLiteral("default");
        QTest::newRow(name + " upgrade")
            << flavor << upgrade << QStringLiteral("websocket") << QStringLiteral("default");
    }
    // socket.io-client 4.8 with socket.io-msgpack-parser against `serve --parser msgpack`'s server.
    const QString msgpack = QStringLiteral("msgpack");
    const QString v5 = QStringLiteral("4");
    QTest::newRow("client 4.8 msgpack polling")
        << v5 << polling << QStringLiteral("polling") << msgpack;
    QTest::newRow("client 4.8 msgpack websocket")
        << v5 << websocket << QStringLiteral("websocket") << msgpack;
    QTest::newRow("client 4.8 msgpack upgrade")
        << v5 << upgrade << QStringLiteral("websocket") << msgpack;
}

void tst_ServerPeer::scenario()
{
    QFETCH(QString, flavor);
    QFETCH(QStringList, transports);
    QFETCH(QString, finalTransport);
    QFETCH(QString, parser);
    const bool v5 = flavor == QLatin1String("4");
    const bool msgpack = parser == QLatin1String("msgpack");

    SocketIoServer server;
    SocketIoServerOptions options;
    options.engine.pingIntervalMs = 1000;
    options.engine.pingTimeoutMs = 2000;
    options.connectTimeoutMs = 5000;
    if (msgpack)
        options.parser = SocketIoParser::Kind::Msgpack;
    server.setOptions(options);
    setUpServer(&server);
    QList<PacketRecord> records;
    connect(&server, &SocketIoServer::packetRecorded, this,
            [&records](const PacketRecord &record) { records.append(record); });
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0), qPrintable(server.errorString()));

    const QJsonObject config{
        {QStringLiteral("url"), QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort())},
        {QStringLiteral("flavor"), flavor},
        {QStringLiteral("transports"), QJsonArray::fromStringList(transports)},
        {QStringLiteral("parser"), parser}};
    QProcess driver;
    driver.setWorkingDirectory(ReferenceServer::peersDir());
    driver.setProgram(QStringLiteral("node"));
    driver.setArguments({QStringLiteral("client-driver.js"),
                         QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Compact))});
    QByteArray stderrText;
    connect(&driver, &QProcess::readyReadStandardError, this,
            [&] { stderrText += driver.readAllStandardError(); });
    QSignalSpy finished(&driver, &QProcess::finished);
    driver.start();
    QVERIFY2(driver.waitForStarted(5000), qPrintable(driver.errorString()));
    QVERIFY2(finished.wait(DriverTimeoutMs) || !finished.isEmpty(),
             qPrintable(QStringLiteral("the driver did not finish; stderr: %1")
                            .arg(QString::fromUtf8(stderrText))));

    QHash<QString, QJsonObject> steps;
    QJsonObject done;
    const QList<QByteArray> lines = driver.readAllStandardOutput().split('\n');
    for (const QByteArray &line : lines) {
        if (line.trimmed().isEmpty())
            continue;
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        if (object.contains(QStringLiteral("done")))
            done = object;
        else
            steps.insert(object.value(QStringLiteral("step")).toString(), object);
    }
    const QString context = QStringLiteral("driver stderr:\n%1\nrecords:\n%2")
                                .arg(QString::fromUtf8(stderrText), describe(records));
    QVERIFY2(done.value(QStringLiteral("done")).toBool(), qPrintable(context));

    const auto check = [&](const char *step, const QJsonValue &expected) {
        const QJsonObject result = steps.value(QString::fromLatin1(step));
        if (!result.value(QStringLiteral("ok")).toBool()) {
            QTest::qFail(
                qPrintable(QStringLiteral("step %1 failed: %2\n%3")
                               .arg(QLatin1String(step),
                                    result.value(QStringLiteral("error")).toString(), context)),
                __FILE__, __LINE__);
            return false;
        }
        if (!expected.isUndefined() && result.value(QStringLiteral("value")) != expected) {
            QTest::qFail(
                qPrintable(QStringLiteral("step %1: got %2, expected %3")
                               .arg(QLatin1String(step),
                                    QString::fromUtf8(QJsonDocument(QJsonArray{result.value(
                                                                        QStringLiteral("value"))})
                                                          .toJson(QJsonDocument::Compact)),
                                    QString::fromUtf8(QJsonDocument(QJsonArray{expected})
                                                          .toJson(QJsonDocument::Compact)))),
                __FILE__, __LINE__);
            return false;
        }
        return true;
    };

    QVERIFY(check("connect", json("{\"connected\":true}")));
    QVERIFY(
        check("welcome", json(v5 ? "{\"auth\":{\"token\":\"abc\"},\"nsp\":\"/\",\"protocol\":5}"
                                 : "{\"auth\":{\"token\":\"abc\"},\"nsp\":\"/\",\"protocol\":4}")));
    QVERIFY(check("echo", json("[1,\"two\",{\"three\":[true]}]")));
    QVERIFY(check("echo-binary",
                  json("[{\"$bin\":\"010203\"},{\"nested\":{\"buf\":{\"$bin\":\"68656c6c6f\"}},"
                       "\"list\":[{\"$bin\":\"ff\"},42]}]")));
    QVERIFY(check("ack", json("[\"a\",{\"b\":2}]")));
    QVERIFY(check("ack-binary", json("[{\"$bin\":\"090807\"},\"x\"]")));
    QVERIFY(
        check("server-ack", json("[[\"answer\",{\"binary\":false,\"q\":1}],"
                                 "[\"answer\",{\"binary\":true,\"q\":2},{\"$bin\":\"cafe\"}]]")));
    QVERIFY(check("room", json("[\"room1\"]")));
    QVERIFY(check("refused",
                  json(v5 ? "{\"message\":\"Not authorized\",\"data\":{\"reason\":\"bad token\"}}"
                          : "{\"error\":{\"reason\":\"bad token\"}}")));
    QVERIFY(check("admin", json("{\"connected\":true}")));
    QVERIFY(check("admin-welcome", json("[\"on admin\"]")));
    QVERIFY(check("invalid", json(v5 ? "{\"message\":\"Invalid namespace\"}"
                                     : "{\"error\":\"Invalid namespace\"}")));
    QVERIFY(check("client-disconnect",
                  json("[{\"adminSockets\":0,\"reason\":\"client namespace disconnect\"}]")));
    QVERIFY(check("server-disconnect", json("[\"io server disconnect\"]")));
    QCOMPARE(done.value(QStringLiteral("transport")).toString(), finalTransport);

    // Every Socket.IO packet type went over the wire in the directions the protocol allows, and
    // every record names its client session.
    QSet<QPair<int, int>> seen; // (direction, type)
    bool upgraded = false;
    for (const PacketRecord &record : std::as_const(records)) {
        if (record.layer == PacketRecord::Layer::SocketIo) {
            QVERIFY2(record.error.isEmpty(),
                     qPrintable(QStringLiteral("%1 %2: %3\n%4")
                                    .arg(record.directionName(), record.typeName(), record.error,
                                         context)));
            seen.insert({int(record.direction), record.type});
            // Each record keeps its exact frame: a msgpack one decodes to what it shows.
            QCOMPARE(record.parser,
                     msgpack ? SocketIoParser::Kind::Msgpack : SocketIoParser::Kind::Default);
            if (msgpack) {
                SocketIoPacket decoded;
                QString error;
                QVERIFY2(SocketIoMsgpackParser::decodePacket(record.raw, {}, &decoded, &error),
                         qPrintable(error + QLatin1Char('\n') + context));
                QCOMPARE(decoded.payload, record.payload);
                QCOMPARE(decoded.attachments, record.attachments);
            }
        }
        if (record.layer == PacketRecord::Layer::Connection &&
            record.type == PacketRecord::Upgraded)
            upgraded = true;
        QVERIFY2(!record.session.isEmpty(), qPrintable(context));
    }
    const int in = int(PacketRecord::Direction::In);
    const int out = int(PacketRecord::Direction::Out);
    for (const auto type :
         {SocketIoPacket::Connect, SocketIoPacket::Event, SocketIoPacket::Ack,
          SocketIoPacket::BinaryEvent, SocketIoPacket::BinaryAck, SocketIoPacket::Disconnect}) {
        if (!(type == SocketIoPacket::Connect && !v5)) // v4: CONNECT is only sent for /admin, /nope
            QVERIFY2(seen.contains({in, type}),
                     qPrintable(QStringLiteral("no %1 received\n%2")
                                    .arg(SocketIoPacket::typeName(type), context)));
        QVERIFY2(
            seen.contains({out, type}),
            qPrintable(
                QStringLiteral("no %1 sent\n%2").arg(SocketIoPacket::typeName(type), context)));
    }
    QVERIFY(seen.contains({in, SocketIoPacket::Connect})); // /admin, /nope in v4 too
    QVERIFY(seen.contains({out, SocketIoPacket::ConnectError}));
    QCOMPARE(upgraded, transports.size() == 2);
    server.close();
}

// The driver itself must fail loudly (not hang, not pass) when there is no server.
void tst_ServerPeer::driverFailsWithoutServer()
{
    QTcpServer placeholder; // a port nobody answers on once closed
    QVERIFY(placeholder.listen(QHostAddress::LocalHost, 0));
    const quint16 port = placeholder.serverPort();
    placeholder.close();
    QProcess driver;
    driver.setWorkingDirectory(ReferenceServer::peersDir());
    driver.start(
        QStringLiteral("node"),
        {QStringLiteral("client-driver.js"),
         QStringLiteral("{\"url\":\"http://127.0.0.1:%1\",\"timeoutMs\":1000}").arg(port)});
    QVERIFY(driver.waitForFinished(30000));
    const QByteArray output = driver.readAllStandardOutput();
    QVERIFY2(output.contains("\"step\":\"connect\",\"ok\":false"), output.constData());
}

// sioscope-cli serve with its default handlers: the reference client 4.8 over WebSocket gets
// "auth" back, and the JSON Lines log written on SIGTERM names the client session on every
// record of it, and keeps the client's auth out.
void tst_ServerPeer::serveCommandRecordsEverything()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString logPath = dir.filePath(QStringLiteral("serve.jsonl"));
    CliServe serve;
    QString error;
    QVERIFY2(serve.start({QStringLiteral("--ping-interval"), QStringLiteral("1000"),
                          QStringLiteral("-o"), logPath},
                         &error),
             qPrintable(error));

    // A one-off client script: connect with auth, send "message", expect "message-back".
    const QString script = QStringLiteral(
        "const { io } = require('socket.io-client');"
        "const s = io(process.argv[1], { transports: ['websocket'], auth: { token: 't1-secret' } "
        "});"
        "s.on('auth', (a) => console.log(JSON.stringify({ auth: a })));"
        "s.on('message-back', (...args) => { console.log(JSON.stringify({ back: args })); "
        "s.close(); });"
        "s.on('connect', () => s.emit('message', 1, { two: 2 }));"
        "setTimeout(() => process.exit(3), 10000).unref();");
    QProcess client;
    client.setWorkingDirectory(ReferenceServer::peersDir());
    client.start(QStringLiteral("node"), {QStringLiteral("-e"), script, serve.url().toString()});
    QVERIFY(client.waitForStarted(5000));
    QSignalSpy clientDone(&client, &QProcess::finished);
    QVERIFY(clientDone.wait(20000) || !clientDone.isEmpty());
    const QByteArray output = client.readAllStandardOutput();
    QVERIFY2(output.contains("{\"auth\":{\"token\":\"t1-secret\"}}"), output.constData());
    QVERIFY2(output.contains("{\"back\":[1,{\"two\":2}]}"), output.constData());

    QVERIFY2(serve.stop(&error), qPrintable(error));
    QFile log(logPath);
    QVERIFY(log.open(QIODevice::ReadOnly));
    // The client's auth is a secret in the server's log too: in its CONNECT and where the
    // server echoed it.
    const QByteArray logText = log.readAll();
    QVERIFY2(!logText.contains("t1-secret"), logText.constData());
    QCOMPARE(logText.count("\"token\\\":\\\"[redacted]"), 2);
    log.seek(0);
    JsonLinesReader reader(&log);
    PacketRecord record;
    QSet<QString> sessions;
    QSet<QString> types;
    while (reader.next(&record)) {
        sessions.insert(record.session);
        types.insert(record.layerName() + QLatin1Char(' ') + record.directionName() +
                     QLatin1Char(' ') + record.typeName());
    }
    QVERIFY2(!reader.hasError(), qPrintable(reader.errorString()));
    QCOMPARE(sessions.size(), 1);
    QCOMPARE(sessions.values().first().size(), 20);
    for (const char *expected :
         {"conn in transport-opened", "eio out OPEN", "sio in CONNECT", "sio out CONNECT",
          "sio out EVENT", "sio in EVENT", "conn in closed"})
        QVERIFY2(types.contains(QString::fromLatin1(expected)), expected);
}

// RFC 6455 5.1: a client frame that is not masked closes the connection with 1002 (as the
// reference server, ws, does), before the message in it is read; the server's log records it as
// the client's error, with the rule and the frame.
void tst_ServerPeer::unmaskedClientFrameClosesWith1002()
{
    LoggedServe serve;
    QString error;
    QVERIFY2(serve.start(&error), qPrintable(error));

    const QByteArray key = QByteArray("sioscope-test-16").toBase64();
    RawUpgrade upgrade;
    QVERIFY(upgrade.start(serve.serve.port(), "13", key));
    QVERIFY2(upgrade.head.startsWith("HTTP/1.1 101 "), upgrade.head.constData());
    QVERIFY2(upgrade.head.contains("Sec-WebSocket-Accept: " + WebSocketFrameWriter::acceptKey(key) +
                                   "\r\n"),
             upgrade.head.constData());
    WebSocketFrameParser parser(1 << 20, WebSocketFrameParser::Role::ClientEnd);
    const QString open = upgrade.nextFrame(&parser);
    QVERIFY2(open.startsWith(QLatin1String("text 0{\"sid\"")), qPrintable(open));

    // A masked CONNECT is answered ...
    upgrade.socket.write(WebSocketFrameWriter::frame(WebSocketOpcode::Text, "40", 0x12345678));
    const QString connected = upgrade.nextFrame(&parser);
    QVERIFY2(connected.startsWith(QLatin1String("text 40{\"sid\"")), qPrintable(connected));
    // ... the same frames unmasked are not: CLOSE 1002, then the server closes TCP.
    const QByteArray unmasked =
        WebSocketFrameWriter::unmaskedFrame(WebSocketOpcode::Text, "42[\"message\",\"unmasked\"]");
    upgrade.socket.write(unmasked);
    QCOMPARE(upgrade.nextFrame(&parser), QStringLiteral("close 1002"));
    QCOMPARE(upgrade.nextFrame(&parser), QStringLiteral("eof"));

    QByteArray logText;
    QVERIFY2(serve.stop(&logText, &error), qPrintable(error));
    QBuffer log(&logText);
    QVERIFY(log.open(QIODevice::ReadOnly));
    JsonLinesReader reader(&log);
    PacketRecord record;
    QList<PacketRecord> violations;
    bool unmaskedEventRead = false;
    while (reader.next(&record)) {
        if (record.layer == PacketRecord::Layer::Connection && record.type == PacketRecord::Error)
            violations.append(record);
        else if (record.raw.contains("unmasked"))
            unmaskedEventRead = true;
    }
    QVERIFY2(!reader.hasError(), qPrintable(reader.errorString()));
    QCOMPARE(violations.size(), 1);
    QCOMPARE(violations.first().direction, PacketRecord::Direction::In);
    QCOMPARE(violations.first().transport, TransportKind::WebSocket);
    QVERIFY2(
        violations.first().error.contains(QLatin1String("RFC 6455 5.1: client frame not masked")) &&
            violations.first().error.contains(QLatin1String("closed with 1002")),
        qPrintable(violations.first().error));
    QCOMPARE(violations.first().raw, unmasked);
    QVERIFY2(!unmaskedEventRead, "the EVENT in the unmasked frame was read");
}

// A client's PING is answered with its data; its CLOSE is echoed with the code before the
// server closes TCP, and a code other than 1000/1001 is logged with its reason.
void tst_ServerPeer::pingAnsweredAndCloseEchoed()
{
    LoggedServe serve;
    QString error;
    QVERIFY2(serve.start(&error), qPrintable(error));
    RawUpgrade upgrade;
    QVERIFY(upgrade.start(serve.serve.port(), "13", QByteArray("0123456789abcdef").toBase64()));
    QVERIFY2(upgrade.head.startsWith("HTTP/1.1 101 "), upgrade.head.constData());
    WebSocketFrameParser parser(1 << 20, WebSocketFrameParser::Role::ClientEnd);
    QVERIFY(upgrade.nextFrame(&parser).startsWith(QLatin1String("text 0{")));
    upgrade.socket.write(WebSocketFrameWriter::frame(WebSocketOpcode::Ping, "are you there", 7));
    QCOMPARE(upgrade.nextFrame(&parser), QStringLiteral("pong are you there"));
    upgrade.socket.write(WebSocketFrameWriter::frame(
        WebSocketOpcode::Close, WebSocketFrameWriter::closePayload(4000, QStringLiteral("bye")),
        8));
    QCOMPARE(upgrade.nextFrame(&parser), QStringLiteral("close 4000"));
    QCOMPARE(upgrade.nextFrame(&parser), QStringLiteral("eof"));
    QByteArray text;
    QVERIFY2(serve.stop(&text, &error), qPrintable(error));
    QVERIFY2(text.contains("WebSocket closed by the client (close code 4000: bye)"),
             text.constData());
}

void tst_ServerPeer::upgradeRefusals_data()
{
    QTest::addColumn<QByteArray>("version");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("statusLine");
    QTest::addColumn<QByteArray>("header");
    const QByteArray goodKey = QByteArray("0123456789abcdef").toBase64();
    const QByteArray upgradeRequired = "HTTP/1.1 426 Upgrade Required\r\n";
    const QByteArray badRequest = "HTTP/1.1 400 Bad Request\r\n";
    QTest::newRow("version 8: 426 naming 13") << QByteArray("8") << goodKey << upgradeRequired
                                              << QByteArray("Sec-WebSocket-Version: 13\r\n");
    QTest::newRow("no version: 426 naming 13") << QByteArray() << goodKey << upgradeRequired
                                               << QByteArray("Sec-WebSocket-Version: 13\r\n");
    QTest::newRow("key of 15 bytes: 400")
        << QByteArray("13") << QByteArray("0123456789abcde").toBase64() << badRequest
        << QByteArray("Connection: close\r\n");
    QTest::newRow("key not base64: 400")
        << QByteArray("13") << QByteArray("not base64 at all!!!!!==") << badRequest
        << QByteArray("Connection: close\r\n");
    QTest::newRow("no key: 400") << QByteArray("13") << QByteArray() << badRequest
                                 << QByteArray("Connection: close\r\n");
}

// RFC 6455 4.2.1: an upgrade the server cannot answer with 101 gets 426 (a version other than
// 13, with the version it speaks) or 400 (a key that is not 16 bytes in base64), and the log
// records the refusal.
void tst_ServerPeer::upgradeRefusals()
{
    QFETCH(QByteArray, version);
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, statusLine);
    QFETCH(QByteArray, header);
    LoggedServe serve;
    QString error;
    QVERIFY2(serve.start(&error), qPrintable(error));
    RawUpgrade upgrade;
    QVERIFY(upgrade.start(serve.serve.port(), version, key));
    QVERIFY2(upgrade.head.startsWith(statusLine), upgrade.head.constData());
    QVERIFY2(upgrade.head.contains(header), upgrade.head.constData());
    QVERIFY2(!upgrade.head.contains("Sec-WebSocket-Accept"), upgrade.head.constData());
    QByteArray log;
    QVERIFY2(serve.stop(&log, &error), qPrintable(error));
    const QByteArray status = statusLine.mid(9, 3);
    QVERIFY2(log.contains("\"error\":\"request refused (" + status + "): "), status.constData());
}

QTEST_GUILESS_MAIN(tst_ServerPeer)
#include "tst_server_peer.moc"
