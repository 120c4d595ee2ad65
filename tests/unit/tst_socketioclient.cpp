// SocketIoClient against the in-process server (core/server) on loopback, over Engine.IO v4 and
// v3 with each transport: a namespace connects, acks are answered, time out, and fail in the
// order they were sent when the connection drops; a refused namespace; binary events both ways.
// The attachment timeout comes from the fake WebSocket server (a header whose attachment never
// comes).
#include "fakewebsocketserver.h"
#include "packetspy.h"
#include "server/defaulthandlers.h"
#include "server/socketioserver.h"
#include "socketio/socketioclient.h"
#include "transportrows.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

namespace {

constexpr int Timeout = 5000;

// "echo" comes back as an event, "echo-ack" as the ack (binaries included); "ignore" is never
// answered. /admin refuses everyone.
void setUpServer(SocketIoServer *server)
{
    SocketIoServerNamespace *root = server->findNamespace(QStringLiteral("/"));
    QObject::connect(root, &SocketIoServerNamespace::eventReceived, root,
                     [](SocketIoServerSocket *socket, const SocketIoPacket &packet) {
                         if (packet.eventName() == QLatin1String("echo"))
                             socket->emitEventJson(packet.payload, packet.attachments);
                         else if (packet.eventName() == QLatin1String("echo-ack") && packet.hasId())
                             socket->sendAckJson(
                                 packet.id, SocketIoDefaultHandlers::dropFirstItem(packet.payload),
                                 packet.attachments);
                     });
    server->addNamespace(QStringLiteral("/admin"))
        ->setConnectHook([](const SocketIoConnectRequest &) {
            return SocketIoConnectDecision::refused(QStringLiteral("Not authorized"));
        });
}

SocketIoOptions clientOptions(quint16 port, EngineIoOptions::Version version,
                              EngineIoOptions::Transports transports)
{
    SocketIoOptions options;
    options.engine.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    options.engine.version = version;
    options.engine.transports = transports;
    options.engine.connectTimeoutMs = Timeout;
    options.engine.reconnect.enabled = false;
    return options;
}

// A Socket.IO v5 server over Engine.IO v4 WebSocket with connection state recovery, scripted
// because the in-process SocketIoServer does not implement recovery. Each connection gets OPEN;
// each CONNECT is recorded and answered with the next pid of `pidAnswers` (the last one once
// they run out), then an event whose last argument is the offset "off-1".
class RecoveryServer : public QObject
{
public:
    explicit RecoveryServer(QStringList pidAnswers)
        : m_server(QStringLiteral("recovery"), QWebSocketServer::NonSecureMode)
        , m_pidAnswers(std::move(pidAnswers))
    {
        connect(&m_server, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *socket = m_server.nextPendingConnection())
                accept(socket);
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }
    // The data object of each CONNECT received, in order ({} when it had none).
    const QList<QJsonObject> &connects() const { return m_connects; }
    // Drops the newest connection without a close handshake: an unplanned drop for the client.
    void abortLatest()
    {
        if (m_latest)
            m_latest->abort();
    }

private:
    void accept(QWebSocket *socket)
    {
        socket->setParent(this);
        m_latest = socket;
        ++m_engineSessions;
        socket->sendTextMessage(
            QStringLiteral(R"(0{"sid":"e%1","upgrades":[],"pingInterval":25000,)"
                           R"("pingTimeout":20000,"maxPayload":1000000})")
                .arg(m_engineSessions));
        connect(
            socket, &QWebSocket::textMessageReceived, this, [this, socket](const QString &text) {
                if (!text.startsWith(QLatin1String("40")))
                    return;
                m_connects.append(QJsonDocument::fromJson(text.mid(2).toUtf8()).object());
                const QString pid = m_pidAnswers.value(m_connects.size() - 1, m_pidAnswers.last());
                socket->sendTextMessage(QStringLiteral(R"(40{"sid":"s%1","pid":"%2"})")
                                            .arg(m_connects.size())
                                            .arg(pid));
                socket->sendTextMessage(QStringLiteral(R"(42["tick","off-1"])"));
            });
    }

    QWebSocketServer m_server;
    QStringList m_pidAnswers;
    QList<QJsonObject> m_connects;
    QPointer<QWebSocket> m_latest;
    int m_engineSessions = 0;
};

SocketIoOptions recoveryClientOptions(quint16 port)
{
    SocketIoOptions options;
    options.engine.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    options.engine.version = EngineIoOptions::Version::V4;
    options.engine.transports = EngineIoOptions::Transports::WebSocketOnly;
    options.engine.connectTimeoutMs = Timeout;
    options.engine.reconnect.enabled = true;
    options.engine.reconnect.delayMs = 50;
    options.engine.reconnect.delayMaxMs = 100;
    options.engine.reconnect.randomization = 0;
    options.recoverState = true;
    return options;
}

const QJsonObject RecoveryAuth{{QStringLiteral("token"), QStringLiteral("t")}};

int recoveredNotes(const QList<PacketRecord> &records)
{
    return int(std::count_if(records.cbegin(), records.cend(), [](const PacketRecord &r) {
        return r.layer == PacketRecord::Layer::Connection && r.type == PacketRecord::Recovered;
    }));
}

} // namespace

class tst_SocketIoClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void ackAnswered_data() { addTransportRows(); }
    void ackAnswered();
    void ackTimesOut_data() { addTransportRows(); }
    void ackTimesOut();
    void pendingAcksFailInOrderWhenTheConnectionDrops_data() { addTransportRows(); }
    void pendingAcksFailInOrderWhenTheConnectionDrops();
    void refusedNamespace_data() { addTransportRows(); }
    void refusedNamespace();
    void binaryBothWays_data() { addTransportRows(); }
    void binaryBothWays();
    void attachmentTimeout();
    void autoParserTakesMsgpackFromABinaryMessage();
    void recoversAfterADrop_data();
    void recoversAfterADrop();
    void deliberateReconnectDoesNotRecover();
    void leftNamespaceDoesNotRecover();

private:
    // Connects the client (options from the current row) and its root namespace.
    SocketIoNamespace *connectRoot();

    SocketIoServer *m_server = nullptr;
    SocketIoClient *m_client = nullptr;
};

void tst_SocketIoClient::init()
{
    m_server = new SocketIoServer(this);
    setUpServer(m_server);
    QVERIFY2(m_server->listen(), qPrintable(m_server->errorString()));
    m_client = new SocketIoClient(this);
}

void tst_SocketIoClient::cleanup()
{
    delete m_client;
    m_client = nullptr;
    delete m_server;
    m_server = nullptr;
}

SocketIoNamespace *tst_SocketIoClient::connectRoot()
{
    QFETCH(EngineIoOptions::Version, version);
    QFETCH(EngineIoOptions::Transports, transports);
    m_client->setOptions(clientOptions(m_server->serverPort(), version, transports));
    SocketIoNamespace *root = m_client->joinNamespace(QStringLiteral("/"));
    m_client->connectToServer();
    [&] {
        QTRY_COMPARE_WITH_TIMEOUT(root->state(), SocketIoNamespace::State::Connected, Timeout);
    }();
    return root;
}

// An event with an ack: the server's ACK reaches the namespace with the id that was allocated.
void tst_SocketIoClient::ackAnswered()
{
    SocketIoNamespace *root = connectRoot();
    QCOMPARE(root->state(), SocketIoNamespace::State::Connected);
    QCOMPARE(m_client->state(), SocketIoClient::State::Connected);
    QSignalSpy acks(root, &SocketIoNamespace::ackReceived);
    const auto sent = root->emitEvent({QStringLiteral("echo-ack"), 42}, {}, Timeout);
    QVERIFY2(sent.ok, qPrintable(sent.error));
    QCOMPARE(root->pendingAckIds(), QList<qint64>{sent.ackId});
    QTRY_COMPARE_WITH_TIMEOUT(acks.size(), 1, Timeout);
    const auto ack = acks.first().first().value<SocketIoPacket>();
    QCOMPARE(ack.id, sent.ackId);
    QCOMPARE(ack.data().toArray(), QJsonArray{42});
    QVERIFY(root->pendingAckIds().isEmpty());
}

// An event the server never answers: ackTimedOut with its id and name, and it is no longer
// pending.
void tst_SocketIoClient::ackTimesOut()
{
    SocketIoNamespace *root = connectRoot();
    QCOMPARE(root->state(), SocketIoNamespace::State::Connected);
    QSignalSpy timedOut(root, &SocketIoNamespace::ackTimedOut);
    QSignalSpy failed(root, &SocketIoNamespace::ackFailed);
    const auto sent = root->emitEvent({QStringLiteral("ignore")}, {}, 200);
    QVERIFY2(sent.ok, qPrintable(sent.error));
    QTRY_COMPARE_WITH_TIMEOUT(timedOut.size(), 1, Timeout);
    QCOMPARE(timedOut.first().at(0).toLongLong(), sent.ackId);
    QCOMPARE(timedOut.first().at(1).toString(), QStringLiteral("ignore"));
    QVERIFY(root->pendingAckIds().isEmpty());
    QCOMPARE(failed.size(), 0);
}

// Acks pending when the server cuts the connection fail in the order they were sent.
void tst_SocketIoClient::pendingAcksFailInOrderWhenTheConnectionDrops()
{
    SocketIoNamespace *root = connectRoot();
    QCOMPARE(root->state(), SocketIoNamespace::State::Connected);
    QSignalSpy failed(root, &SocketIoNamespace::ackFailed);
    QList<qint64> ids;
    for (int i = 0; i < 12; ++i) {
        const auto sent = root->emitEvent({QStringLiteral("ignore"), i}, {}, 0);
        QVERIFY2(sent.ok, qPrintable(sent.error));
        ids.append(sent.ackId);
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_server->engine()->sessions().size(), 1, Timeout);
    m_server->engine()->sessions().first()->drop(QStringLiteral("test drop"));
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), ids.size(), Timeout);
    for (int i = 0; i < ids.size(); ++i) {
        QCOMPARE(failed.at(i).at(0).toLongLong(), ids.at(i));
        QCOMPARE(failed.at(i).at(1).toString(), QStringLiteral("ignore"));
    }
    QVERIFY(root->pendingAckIds().isEmpty());
    QCOMPARE(root->state(), SocketIoNamespace::State::Disconnected);
}

// CONNECT_ERROR: the namespace is refused with the server's message; the others stay connected.
void tst_SocketIoClient::refusedNamespace()
{
    SocketIoNamespace *root = connectRoot();
    QCOMPARE(root->state(), SocketIoNamespace::State::Connected);
    QSignalSpy received(m_client, &SocketIoClient::packetReceived);
    SocketIoNamespace *admin = m_client->joinNamespace(QStringLiteral("/admin"));
    QSignalSpy refused(admin, &SocketIoNamespace::refused);
    QTRY_COMPARE_WITH_TIMEOUT(refused.size(), 1, Timeout);
    QCOMPARE(refused.first().first().toString(), QStringLiteral("Not authorized"));
    QCOMPARE(admin->state(), SocketIoNamespace::State::Refused);
    QCOMPARE(admin->refusalMessage(), QStringLiteral("Not authorized"));
    QCOMPARE(packetsOfType(received, SocketIoPacket::ConnectError).size(), 1);
    QCOMPARE(root->state(), SocketIoNamespace::State::Connected);
    QCOMPARE(m_client->state(), SocketIoClient::State::Connected);
}

// BINARY_EVENT out and back as an event, and out and back as a BINARY_ACK.
void tst_SocketIoClient::binaryBothWays()
{
    SocketIoNamespace *root = connectRoot();
    QCOMPARE(root->state(), SocketIoNamespace::State::Connected);
    QSignalSpy events(root, &SocketIoNamespace::eventReceived);
    QSignalSpy acks(root, &SocketIoNamespace::ackReceived);
    const QList<QByteArray> attachments{QByteArray("\x00\x01\x02", 3), QByteArray("\xff", 1)};
    const QJsonObject first{{QStringLiteral("_placeholder"), true}, {QStringLiteral("num"), 0}};
    const QJsonObject second{{QStringLiteral("_placeholder"), true}, {QStringLiteral("num"), 1}};

    QVERIFY(root->emitEvent({QStringLiteral("echo"), first, second}, attachments).ok);
    QTRY_COMPARE_WITH_TIMEOUT(events.size(), 1, Timeout);
    const auto event = events.first().first().value<SocketIoPacket>();
    QCOMPARE(event.type, SocketIoPacket::BinaryEvent);
    QCOMPARE(event.eventName(), QStringLiteral("echo"));
    QCOMPARE(event.attachments, attachments);

    const auto sent =
        root->emitEvent({QStringLiteral("echo-ack"), first, second}, attachments, Timeout);
    QVERIFY2(sent.ok, qPrintable(sent.error));
    QTRY_COMPARE_WITH_TIMEOUT(acks.size(), 1, Timeout);
    const auto ack = acks.first().first().value<SocketIoPacket>();
    QCOMPARE(ack.type, SocketIoPacket::BinaryAck);
    QCOMPARE(ack.id, sent.ackId);
    QCOMPARE(ack.attachments, attachments);
}

// A BINARY_EVENT header whose attachment never comes: after attachmentTimeoutMs the packet is
// recorded as incomplete and the connection is closed as a protocol error.
void tst_SocketIoClient::attachmentTimeout()
{
    FakeWebSocketServer fake;
    QVERIFY(fake.listen());
    fake.answerUpgradeWith(
        FakeWebSocketServer::textFrame(R"(40{"sid":"n1"})") +
        FakeWebSocketServer::textFrame(R"(451-["file",{"_placeholder":true,"num":0}])"));
    SocketIoOptions options;
    options.engine = fake.clientOptions();
    options.engine.reconnect.enabled = false;
    options.attachmentTimeoutMs = 200;
    m_client->setOptions(options);
    QSignalSpy errors(m_client, &SocketIoClient::errorOccurred);
    QList<PacketRecord> records;
    connect(m_client, &SocketIoClient::packetRecorded, this,
            [&records](const PacketRecord &record) { records.append(record); });
    SocketIoNamespace *root = m_client->joinNamespace(QStringLiteral("/"));
    QSignalSpy events(root, &SocketIoNamespace::eventReceived);
    m_client->connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(root->state(), SocketIoNamespace::State::Connected, Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), Timeout);
    const QString error = errors.first().first().value<SocketIoError>().message;
    QVERIFY2(error.startsWith(QLatin1String("attachment timeout: 0 of 1")), qPrintable(error));
    const auto incomplete = std::find_if(records.cbegin(), records.cend(), [](const auto &r) {
        return r.error.startsWith(QLatin1String("incomplete BINARY_EVENT: 0 of 1"));
    });
    QVERIFY(incomplete != records.cend());
    QCOMPARE(events.size(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_client->state(), SocketIoClient::State::Disconnected, Timeout);
}

// The auto parser: a binary message that is no attachment but decodes as a msgpack packet says
// what the server speaks; the client notes it, closes, and reopens with msgpack.
void tst_SocketIoClient::autoParserTakesMsgpackFromABinaryMessage()
{
    FakeWebSocketServer fake;
    QVERIFY(fake.listen());
    // {"type":2,"nsp":"/","data":["hello"]} as socket.io-msgpack-parser writes it, in one
    // unmasked binary frame.
    const QByteArray packet = QByteArray::fromHex("83a47479706502a36e7370a12fa46461746191a568656c6c6f");
    fake.answerUpgradeWith(QByteArray(1, char(0x82)) + char(packet.size()) + packet);
    SocketIoOptions options;
    options.engine = fake.clientOptions();
    options.engine.reconnect.enabled = false;
    options.parser = SocketIoParser::Kind::Auto;
    m_client->setOptions(options);
    QList<PacketRecord> records;
    connect(m_client, &SocketIoClient::packetRecorded, this,
            [&records](const PacketRecord &record) { records.append(record); });
    m_client->joinNamespace(QStringLiteral("/"));
    QCOMPARE(m_client->parser(), SocketIoParser::Kind::Default);
    m_client->connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(m_client->parser(), SocketIoParser::Kind::Msgpack, Timeout);
    const auto note = std::find_if(records.cbegin(), records.cend(), [](const PacketRecord &r) {
        return r.layer == PacketRecord::Layer::Connection && r.type == PacketRecord::ParserChanged;
    });
    QVERIFY(note != records.cend());
    QVERIFY2(note->payload.contains("decodes as a msgpack EVENT packet on /"),
             note->payload.constData());
    // The message that gave it away was not taken for a broken attachment.
    for (const PacketRecord &r : std::as_const(records))
        QVERIFY2(r.layer == PacketRecord::Layer::Connection || r.error.isEmpty(),
                 qPrintable(r.error));
    // It reopens (the fake serves one connection only: the new one is refused or never answered).
    QTRY_VERIFY_WITH_TIMEOUT(std::count_if(records.cbegin(), records.cend(),
                                           [](const PacketRecord &r) {
                                               return r.layer == PacketRecord::Layer::Connection &&
                                                      r.type == PacketRecord::Connecting;
                                           }) == 2,
                             Timeout);
    m_client->disconnectFromServer();
}

void tst_SocketIoClient::recoversAfterADrop_data()
{
    QTest::addColumn<QString>("secondPid");
    QTest::addColumn<bool>("recovered");
    QTest::newRow("server keeps the session") << QStringLiteral("p1") << true;
    QTest::newRow("server lost the session") << QStringLiteral("p2") << false;
}

// After an unplanned drop the client reconnects by itself and asks to resume pid "p1" from the
// last offset it saw, its auth merged in; it is recovered only if the server answers that pid.
void tst_SocketIoClient::recoversAfterADrop()
{
    QFETCH(QString, secondPid);
    QFETCH(bool, recovered);
    RecoveryServer server({QStringLiteral("p1"), secondPid});
    QVERIFY(server.listen());
    m_client->setOptions(recoveryClientOptions(server.port()));
    QList<PacketRecord> records;
    connect(m_client, &SocketIoClient::packetRecorded, this,
            [&records](const PacketRecord &record) { records.append(record); });
    SocketIoNamespace *root = m_client->joinNamespace(QStringLiteral("/"), RecoveryAuth);
    QSignalSpy connected(root, &SocketIoNamespace::connected);
    QSignalSpy events(root, &SocketIoNamespace::eventReceived);
    m_client->connectToServer();
    // The offset is taken from the event that follows the CONNECT answer.
    QTRY_COMPARE_WITH_TIMEOUT(events.size(), 1, Timeout);
    QCOMPARE(connected.size(), 1);
    QCOMPARE(connected.first().first().toBool(), false);
    // The first CONNECT has nothing to resume: auth only.
    QCOMPARE(server.connects().size(), 1);
    QCOMPARE(server.connects().first(), RecoveryAuth);

    server.abortLatest();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, Timeout);
    QCOMPARE(server.connects().size(), 2);
    const QJsonObject resume = server.connects().at(1);
    QCOMPARE(resume.value(QStringLiteral("pid")).toString(), QStringLiteral("p1"));
    QCOMPARE(resume.value(QStringLiteral("offset")).toString(), QStringLiteral("off-1"));
    QCOMPARE(resume.value(QStringLiteral("token")).toString(), QStringLiteral("t"));
    QCOMPARE(resume.size(), 3);

    QCOMPARE(connected.at(1).first().toBool(), recovered);
    QCOMPARE(root->wasRecovered(), recovered);
    QCOMPARE(root->state(), SocketIoNamespace::State::Connected);
    QCOMPARE(recoveredNotes(records), recovered ? 1 : 0);
    if (recovered) {
        const auto note = std::find_if(records.cbegin(), records.cend(), [](const auto &r) {
            return r.layer == PacketRecord::Layer::Connection && r.type == PacketRecord::Recovered;
        });
        const QJsonObject details = QJsonDocument::fromJson(note->payload).object();
        QCOMPARE(details.value(QStringLiteral("nsp")).toString(), QStringLiteral("/"));
        QCOMPARE(details.value(QStringLiteral("sid")).toString(), QStringLiteral("s2"));
        QCOMPARE(details.value(QStringLiteral("pid")).toString(), QStringLiteral("p1"));
    }
}

// disconnectFromServer() then connectToServer() is a new session by the user's choice: the
// CONNECT carries the auth but no pid or offset, though the server had given a pid.
void tst_SocketIoClient::deliberateReconnectDoesNotRecover()
{
    RecoveryServer server({QStringLiteral("p1")});
    QVERIFY(server.listen());
    m_client->setOptions(recoveryClientOptions(server.port()));
    SocketIoNamespace *root = m_client->joinNamespace(QStringLiteral("/"), RecoveryAuth);
    QSignalSpy connected(root, &SocketIoNamespace::connected);
    QSignalSpy events(root, &SocketIoNamespace::eventReceived);
    m_client->connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(events.size(), 1, Timeout);

    m_client->disconnectFromServer();
    QTRY_COMPARE_WITH_TIMEOUT(m_client->state(), SocketIoClient::State::Disconnected, Timeout);
    m_client->connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, Timeout);
    QCOMPARE(server.connects().size(), 2);
    QCOMPARE(server.connects().at(1), RecoveryAuth);
    QCOMPARE(connected.at(1).first().toBool(), false);
    QVERIFY(!root->wasRecovered());
}

// A namespace the user left and joins again is a new session too: its CONNECT carries the auth
// but no pid or offset.
void tst_SocketIoClient::leftNamespaceDoesNotRecover()
{
    RecoveryServer server({QStringLiteral("p1")});
    QVERIFY(server.listen());
    m_client->setOptions(recoveryClientOptions(server.port()));
    SocketIoNamespace *root = m_client->joinNamespace(QStringLiteral("/"), RecoveryAuth);
    QSignalSpy connected(root, &SocketIoNamespace::connected);
    QSignalSpy events(root, &SocketIoNamespace::eventReceived);
    m_client->connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(events.size(), 1, Timeout);

    root->disconnectFromNamespace();
    QCOMPARE(root->state(), SocketIoNamespace::State::Disconnected);
    root->connectToNamespace();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, Timeout);
    QCOMPARE(server.connects().size(), 2);
    QCOMPARE(server.connects().at(1), RecoveryAuth);
    QCOMPARE(connected.at(1).first().toBool(), false);
    QVERIFY(!root->wasRecovered());
}

QTEST_GUILESS_MAIN(tst_SocketIoClient)
#include "tst_socketioclient.moc"
