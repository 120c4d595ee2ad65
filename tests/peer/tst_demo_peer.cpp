// The built-in demo (core/server/demoscenario) in-process, against our own SocketIoClient: the
// intervals are scaled down (0.1) so that every packet type shows within a few seconds: ticks on
// "/", chat on "/chat", a BINARY_EVENT with its attachment, a "poll" with an ack id whose answer
// the server records, "/admin" refused (and accepted with the token), /chat disconnected by the
// server, the default "message" handler.
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
} // namespace

class tst_DemoPeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyPacketType();
    void adminAcceptsTheToken();
    void stopsWithTheServer();
    void serveDemoCommand();
};

void tst_DemoPeer::everyPacketType()
{
    SocketIoServer server;
    auto *demo = new DemoScenario(&server, Scale);
    QCOMPARE(demo->intervals().tickMs, 100);
    QCOMPARE(demo->intervals().kickMs, 2000);
    demo->start();
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0), qPrintable(server.errorString()));
    QSignalSpy answered(demo, &DemoScenario::pollAnswered);

    SocketIoClient client;
    SocketIoOptions options;
    options.engine.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()));
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
    SocketIoServer server;
    (new DemoScenario(&server, Scale))->start();
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    SocketIoClient client;
    SocketIoOptions options;
    options.engine.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()));
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

// `sioscope-cli serve --demo` at its real pace: a chat message within 1.5 s, /admin refused.
// A rules file that does not exist is refused (exit 2).
void tst_DemoPeer::serveDemoCommand()
{
    QProcess rules;
    rules.start(QStringLiteral(SIOSCOPE_CLI_PATH),
                {QStringLiteral("serve"), QStringLiteral("--rules"), QStringLiteral("x.json")});
    QVERIFY(rules.waitForFinished(10000));
    QCOMPARE(rules.exitCode(), 2);

    CliServe serve;
    QString error;
    QVERIFY2(
        serve.start({QStringLiteral("--demo"), QStringLiteral("-o"), QStringLiteral("/dev/null")},
                    &error),
        qPrintable(error));
    QVERIFY2(serve.readStderr().contains("(built-in demo)"), serve.readStderr().constData());

    SocketIoClient client;
    SocketIoOptions options;
    options.engine.url = serve.url();
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

QTEST_GUILESS_MAIN(tst_DemoPeer)
#include "tst_demo_peer.moc"
