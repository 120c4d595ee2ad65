// The built-in demo (core/server/demoscenario) in-process, against our own SocketIoClient: the
// intervals are scaled down (0.1) so that every packet type shows within a few seconds: ticks on
// "/", chat on "/chat", a BINARY_EVENT with its attachment, a "poll" with an ack id whose answer
// the server records, "/admin" refused (and accepted with the token), /chat disconnected by the
// server, the default "message" handler. Each with the default parser and with msgpack (the
// server and the client set to socket.io-msgpack-parser's encoding); the same scenario with the
// REAL socket.io-client 4.8 (tests/peers/client-driver.js, scenario "demo"), with and without
// socket.io-msgpack-parser, in-process and through `sioscope-cli serve --demo [--parser msgpack]`.
#include "clientdriver.h"
#include "cliserve.h"
#include "server/demoscenario.h"
#include "server/socketioserver.h"
#include "socketio/socketioclient.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

namespace {
constexpr int BoundMs = 6000;
constexpr double Scale = 0.1; // tick 100 ms, chat 150, snapshot 300, poll 400, kick 2000

SocketIoParser::Kind parserKind(const QString &name)
{
    SocketIoParser::Kind kind = SocketIoParser::Kind::Default;
    if (!SocketIoParser::kindFromName(name, &kind))
        qFatal("unknown parser %s", qPrintable(name));
    return kind;
}

// A server for the demo with the parser of the row.
void setParser(SocketIoServer *server, const QString &parser)
{
    SocketIoServerOptions options = server->options();
    options.parser = parserKind(parser);
    server->setOptions(options);
}

QJsonValue json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray("[") + text + ']').array().first();
}

QString describe(const QList<PacketRecord> &records)
{
    QStringList lines;
    for (const PacketRecord &r : records)
        lines.append(QStringLiteral("%1 %2 %3 %4 %5 %6")
                         .arg(r.layerName(), r.directionName(), r.typeName(), r.nsp,
                              QString::fromUtf8(r.payload.left(200)), r.error));
    return lines.join(QLatin1Char('\n'));
}
} // namespace

class tst_DemoPeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyPacketType_data() { parserRows(); }
    void everyPacketType();
    void adminAcceptsTheToken_data() { parserRows(); }
    void adminAcceptsTheToken();
    void stopsWithTheServer();
    void serveDemoCommand_data() { parserRows(); }
    void serveDemoCommand();
    void referenceClients_data();
    void referenceClients();

private:
    static void parserRows()
    {
        QTest::addColumn<QString>("parser"); // the server's and the client's
        QTest::newRow("default parser") << "default";
        QTest::newRow("msgpack parser") << "msgpack";
    }
};

void tst_DemoPeer::everyPacketType()
{
    QFETCH(QString, parser);
    SocketIoServer server;
    setParser(&server, parser);
    auto *demo = new DemoScenario(&server, Scale);
    QCOMPARE(demo->intervals().tickMs, 100);
    QCOMPARE(demo->intervals().kickMs, 2000);
    demo->start();
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0), qPrintable(server.errorString()));
    QSignalSpy answered(demo, &DemoScenario::pollAnswered);

    SocketIoClient client;
    SocketIoOptions options;
    options.engine.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()));
    options.parser = parserKind(parser);
    client.setOptions(options);
    SocketIoNamespace *root = client.joinNamespace(QStringLiteral("/"));
    SocketIoNamespace *chat = client.joinNamespace(QStringLiteral("/chat"));
    SocketIoNamespace *admin = client.joinNamespace(QStringLiteral("/admin"));

    QList<SocketIoPacket> rootEvents, chatEvents;
    connect(root, &SocketIoNamespace::eventReceived, this,
            [&](const SocketIoPacket &packet) { rootEvents.append(packet); });
    connect(chat, &SocketIoNamespace::eventReceived, this,
            [&](const SocketIoPacket &packet) { chatEvents.append(packet); });
    qint64 answeredAckId = -1;
    connect(root, &SocketIoNamespace::eventReceived, this, [&](const SocketIoPacket &packet) {
        if (packet.eventName() == QLatin1String("poll") && packet.hasId() && answeredAckId < 0) {
            answeredAckId = packet.id;
            QVERIFY(root->sendAck(packet.id, {QStringLiteral("here"), 42}).ok);
        }
    });
    QSignalSpy chatDisconnected(chat, &SocketIoNamespace::disconnected);

    QElapsedTimer elapsed;
    elapsed.start();
    client.connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(root->state(), SocketIoNamespace::State::Connected, BoundMs);
    QTRY_COMPARE_WITH_TIMEOUT(chat->state(), SocketIoNamespace::State::Connected, BoundMs);
    QTRY_COMPARE_WITH_TIMEOUT(admin->state(), SocketIoNamespace::State::Refused, BoundMs);
    QCOMPARE(admin->refusalMessage(), QStringLiteral("Not authorized"));
    QCOMPARE(admin->refusalData().toObject().value(QStringLiteral("hint")).toString(),
             QStringLiteral("send {\"token\":\"demo\"}"));

    const auto count = [](const QList<SocketIoPacket> &packets, const char *name,
                          SocketIoPacket::Type type) {
        return std::count_if(packets.cbegin(), packets.cend(), [&](const SocketIoPacket &p) {
            return p.type == type && p.eventName() == QLatin1String(name);
        });
    };
    QTRY_VERIFY_WITH_TIMEOUT(count(rootEvents, "tick", SocketIoPacket::Event) >= 2, BoundMs);
    QTRY_VERIFY_WITH_TIMEOUT(count(chatEvents, "chat", SocketIoPacket::Event) >= 1, BoundMs);
    QTRY_VERIFY_WITH_TIMEOUT(count(rootEvents, "snapshot", SocketIoPacket::BinaryEvent) >= 1,
                             BoundMs);
    QTRY_VERIFY_WITH_TIMEOUT(answeredAckId >= 0, BoundMs);
    QTRY_COMPARE_WITH_TIMEOUT(answered.size(), 1, BoundMs);

    // The tick's arguments, counting up.
    QList<qint64> ticks;
    for (const SocketIoPacket &p : std::as_const(rootEvents)) {
        if (p.eventName() != QLatin1String("tick"))
            continue;
        const QJsonObject tick = p.data().toArray().at(1).toObject();
        QVERIFY2(!tick.value(QStringLiteral("time")).toString().isEmpty(), p.payload.constData());
        ticks.append(tick.value(QStringLiteral("n")).toInteger());
    }
    QVERIFY(ticks.size() >= 2);
    QVERIFY2(ticks.at(1) > ticks.at(0),
             qPrintable(QStringLiteral("%1 %2").arg(ticks.at(0)).arg(ticks.at(1))));

    // The chat message has a user and a text.
    for (const SocketIoPacket &p : std::as_const(chatEvents)) {
        if (p.eventName() != QLatin1String("chat"))
            continue;
        const QJsonObject message = p.data().toArray().at(1).toObject();
        QVERIFY(!message.value(QStringLiteral("user")).toString().isEmpty());
        QVERIFY(!message.value(QStringLiteral("text")).toString().isEmpty());
        break;
    }

    // The snapshot: one attachment, referenced by a placeholder.
    for (const SocketIoPacket &p : std::as_const(rootEvents)) {
        if (p.eventName() != QLatin1String("snapshot"))
            continue;
        QCOMPARE(p.attachments.size(), 1);
        QCOMPARE(p.attachments.first().size(), 16);
        QVERIFY(p.attachments.first().startsWith("\x89SIO"));
        QVERIFY(p.payload.contains("\"_placeholder\":true"));
        break;
    }

    // The poll carried an ack id, and the server recorded our answer to that id.
    const QList<DemoScenario::PollAnswer> answers = demo->pollAnswers();
    QCOMPARE(answers.size(), 1);
    QCOMPARE(answers.first().ackId, answeredAckId);
    QCOMPARE(QJsonDocument::fromJson(answers.first().payload).array(),
             (QJsonArray{QStringLiteral("here"), 42}));
    QCOMPARE(answers.first().socketId, root->sid());

    // The default handlers: "message" comes back as "message-back".
    QVERIFY(root->emitEvent({QStringLiteral("message"), QStringLiteral("hi")}).ok);
    QTRY_VERIFY_WITH_TIMEOUT(count(rootEvents, "message-back", SocketIoPacket::Event) == 1,
                             BoundMs);
    QVERIFY2(elapsed.elapsed() < BoundMs, qPrintable(QString::number(elapsed.elapsed())));

    // /chat is disconnected by the server (every 2 s at this scale); it can be joined again.
    QTRY_VERIFY_WITH_TIMEOUT(!chatDisconnected.isEmpty(), 4000);
    QCOMPARE(chatDisconnected.first().first().toBool(), true);
    QCOMPARE(chat->state(), SocketIoNamespace::State::DisconnectedByServer);
    chat->connectToNamespace();
    QTRY_COMPARE_WITH_TIMEOUT(chat->state(), SocketIoNamespace::State::Connected, BoundMs);
    client.disconnectFromServer();
}

void tst_DemoPeer::adminAcceptsTheToken()
{
    QFETCH(QString, parser);
    SocketIoServer server;
    setParser(&server, parser);
    (new DemoScenario(&server, Scale))->start();
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    SocketIoClient client;
    SocketIoOptions options;
    options.engine.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()));
    options.parser = parserKind(parser);
    client.setOptions(options);
    SocketIoNamespace *admin = client.joinNamespace(
        QStringLiteral("/admin"), QJsonObject{{QStringLiteral("token"), QStringLiteral("demo")}});
    client.connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(admin->state(), SocketIoNamespace::State::Connected, BoundMs);
    client.disconnectFromServer();
}

void tst_DemoPeer::stopsWithTheServer()
{
    SocketIoServer server;
    auto *demo = new DemoScenario(&server, Scale);
    demo->start();
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QVERIFY(demo->isRunning());
    server.close();
    QVERIFY(!demo->isRunning());
}

// `sioscope-cli serve --demo [--parser msgpack]` at its real pace: a chat message within 1.5 s,
// /admin refused. A rules file that does not exist is refused (exit 2).
void tst_DemoPeer::serveDemoCommand()
{
    QFETCH(QString, parser);
    QProcess rules;
    rules.start(QStringLiteral(SIOSCOPE_CLI_PATH),
                {QStringLiteral("serve"), QStringLiteral("--rules"), QStringLiteral("x.json")});
    QVERIFY(rules.waitForFinished(10000));
    QCOMPARE(rules.exitCode(), 2);

    CliServe serve;
    QString error;
    QVERIFY2(serve.start({QStringLiteral("--demo"), QStringLiteral("-o"),
                          QStringLiteral("/dev/null"), QStringLiteral("--parser"), parser},
                         &error),
             qPrintable(error));
    QVERIFY2(serve.readStderr().contains("(built-in demo)"), serve.readStderr().constData());

    SocketIoClient client;
    SocketIoOptions options;
    options.engine.url = serve.url();
    options.parser = parserKind(parser);
    client.setOptions(options);
    SocketIoNamespace *chat = client.joinNamespace(QStringLiteral("/chat"));
    SocketIoNamespace *admin = client.joinNamespace(QStringLiteral("/admin"));
    int chatMessages = 0; // "chat" events, not the "auth" every namespace sends on connect
    connect(chat, &SocketIoNamespace::eventReceived, this, [&](const SocketIoPacket &packet) {
        chatMessages += packet.eventName() == QLatin1String("chat") ? 1 : 0;
    });
    client.connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(admin->state(), SocketIoNamespace::State::Refused, BoundMs);
    QCOMPARE(admin->refusalMessage(), QStringLiteral("Not authorized"));
    QTRY_VERIFY_WITH_TIMEOUT(chatMessages > 0, BoundMs);
    client.disconnectFromServer();
    QVERIFY2(serve.stop(&error), qPrintable(error));
}

// The demo against socket.io-client 4.8 from npm, with its default parser and with
// socket.io-msgpack-parser: in-process at a tenth of the pace (every step, /chat kicked by the
// server included), and through `sioscope-cli serve --demo` at its real pace (the kick, every
// 20 s, is left out there).
void tst_DemoPeer::referenceClients_data()
{
    QTest::addColumn<QString>("parser"); // the server's and the client's
    QTest::addColumn<QStringList>("transports");
    QTest::addColumn<bool>("serveCommand");
    QTest::newRow("socket.io-client 4.8, websocket")
        << "default" << QStringList{"websocket"} << false;
    QTest::newRow("socket.io-client 4.8 with socket.io-msgpack-parser, websocket")
        << "msgpack" << QStringList{"websocket"} << false;
    QTest::newRow("socket.io-client 4.8 with socket.io-msgpack-parser, polling")
        << "msgpack" << QStringList{"polling"} << false;
    QTest::newRow("socket.io-client 4.8 with socket.io-msgpack-parser, polling upgraded")
        << "msgpack" << QStringList{"polling", "websocket"} << false;
    QTest::newRow("serve --demo, socket.io-client 4.8")
        << "default" << QStringList{"polling", "websocket"} << true;
    QTest::newRow("serve --demo --parser msgpack, socket.io-client 4.8 with "
                  "socket.io-msgpack-parser")
        << "msgpack" << QStringList{"polling", "websocket"} << true;
}

void tst_DemoPeer::referenceClients()
{
    QFETCH(QString, parser);
    QFETCH(QStringList, transports);
    QFETCH(bool, serveCommand);

    SocketIoServer server;
    DemoScenario *demo = nullptr;
    QList<PacketRecord> records;
    CliServe serve;
    QUrl url;
    if (serveCommand) {
        QString error;
        QVERIFY2(serve.start({QStringLiteral("--demo"), QStringLiteral("-o"),
                              QStringLiteral("/dev/null"), QStringLiteral("--parser"), parser},
                             &error),
                 qPrintable(error));
        url = serve.url();
    } else {
        setParser(&server, parser);
        demo = new DemoScenario(&server, Scale);
        connect(&server, &SocketIoServer::packetRecorded, this,
                [&records](const PacketRecord &record) { records.append(record); });
        demo->start();
        QVERIFY2(server.listen(QHostAddress::LocalHost, 0), qPrintable(server.errorString()));
        url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()));
    }

    // At the real pace the poll comes after 4 s: every wait is bounded by 8 s.
    const ClientDriverRun run =
        runClientDriver({{QStringLiteral("url"), url.toString(QUrl::RemovePath)},
                         {QStringLiteral("scenario"), QStringLiteral("demo")},
                         {QStringLiteral("parser"), parser},
                         {QStringLiteral("transports"), QJsonArray::fromStringList(transports)},
                         {QStringLiteral("timeoutMs"), serveCommand ? 8000 : 5000},
                         {QStringLiteral("demoKick"), !serveCommand}});
    const QString context = run.output + QStringLiteral("\nrecords:\n") + describe(records);
    QVERIFY2(run.done, qPrintable(context));

    QCOMPARE(run.value("connect"), json("{\"connected\":true}"));
    QCOMPARE(run.value("chat-connect"), json("{\"connected\":true}"));
    QCOMPARE(run.value("welcome")[QStringLiteral("demo")], QJsonValue(true));
    const QJsonValue tick = run.value("tick");
    QVERIFY2(tick[QStringLiteral("n")].toInt() >= 1 && tick[QStringLiteral("time")].isString(),
             qPrintable(context));
    const QJsonValue chatLine = run.value("chat");
    QVERIFY2(!chatLine[QStringLiteral("user")].toString().isEmpty() &&
                 !chatLine[QStringLiteral("text")].toString().isEmpty(),
             qPrintable(context));
    // The snapshot's frame is a binary at its place: 16 bytes, "\x89SIO\r\n\x1a\n" first.
    const QJsonValue snapshot = run.value("snapshot");
    QCOMPARE(snapshot[QStringLiteral("bytes")].toInt(), 16);
    const QString frame = snapshot[QStringLiteral("frame")][QStringLiteral("$bin")].toString();
    QVERIFY2(frame.size() == 32 && frame.startsWith(QLatin1String("8953494f0d0a1a0a")),
             qPrintable(context));
    const QJsonValue poll = run.value("poll");
    QVERIFY2(poll[0][QStringLiteral("n")].toInt() >= 1, qPrintable(context));
    // The default handlers: an echo, and an ack with the same arguments, binaries included.
    QCOMPARE(run.value("message"), json("[\"hi\",{\"n\":1}]"));
    QCOMPARE(run.value("message-with-ack"),
             json("[{\"$bin\":\"0001fe\"},{\"nested\":{\"$bin\":\"6f6b\"}}]"));
    QCOMPARE(run.value("refused"), json("{\"message\":\"Not authorized\",\"data\":{\"hint\":"
                                        "\"send {\\\"token\\\":\\\"demo\\\"}\"}}"));
    QCOMPARE(run.value("admin"), json("{\"connected\":true}"));
    if (serveCommand) {
        QString error;
        QVERIFY2(serve.stop(&error), qPrintable(error));
        return;
    }
    QCOMPARE(run.value("kicked"), json("[\"io server disconnect\"]"));

    // The server recorded our answer to its poll, and the binaries both ways.
    QTRY_VERIFY_WITH_TIMEOUT(!demo->pollAnswers().isEmpty(), BoundMs);
    QCOMPARE(QJsonDocument::fromJson(demo->pollAnswers().first().payload).array(),
             (QJsonArray{QStringLiteral("here"), 42}));
    const auto has = [&records](PacketRecord::Direction direction, const char *type,
                                const QList<QByteArray> &attachments) {
        return std::any_of(records.cbegin(), records.cend(), [&](const PacketRecord &r) {
            return r.layer == PacketRecord::Layer::SocketIo && r.direction == direction &&
                   r.typeName() == QLatin1String(type) && r.attachments == attachments;
        });
    };
    const QList<QByteArray> sent{QByteArray("\x00\x01\xfe", 3), QByteArray("ok")};
    QVERIFY2(has(PacketRecord::Direction::In, "BINARY_EVENT", sent), qPrintable(context));
    QVERIFY2(has(PacketRecord::Direction::Out, "BINARY_ACK", sent), qPrintable(context));
    // Everything the client sent decoded. (A periodic emit may meet the connection closing at
    // the end: "not sent", which is not the client's doing.)
    for (const PacketRecord &r : std::as_const(records))
        QVERIFY2(r.layer != PacketRecord::Layer::SocketIo ||
                     r.direction != PacketRecord::Direction::In || r.error.isEmpty(),
                 qPrintable(describe({r})));
}

QTEST_GUILESS_MAIN(tst_DemoPeer)
#include "tst_demo_peer.moc"
