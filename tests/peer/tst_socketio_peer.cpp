// The Socket.IO client against the real reference servers from npm (tests/peers/server.js):
// socket.io 4 (Engine.IO v4, Socket.IO v5) and socket.io 2 (Engine.IO v3, Socket.IO v4), over
// every transport choice. A missing server (node_modules absent) fails; it never skips.
#include "packetspy.h"
#include "referenceserver.h"
#include "socketio/socketioclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using Flavor = ReferenceServer::Flavor;
using Transports = EngineIoOptions::Transports;
using NsState = SocketIoNamespace::State;

Q_DECLARE_METATYPE(ReferenceServer::Flavor)
Q_DECLARE_METATYPE(EngineIoOptions::Transports)

namespace {

constexpr int Timeout = 8000;

QJsonArray args(const SocketIoPacket &packet)
{
    return packet.data().toArray();
}

// The index of the first event `name` in a spy on eventReceived(const SocketIoPacket &), from
// `from` on; -1 when there is none yet.
int indexOfEvent(const QSignalSpy &spy, const QString &name, int from = 0)
{
    for (int i = from; i < spy.size(); ++i) {
        if (spy.at(i).at(0).value<SocketIoPacket>().eventName() == name)
            return i;
    }
    return -1;
}

int countEvents(const QSignalSpy &spy, const QString &name)
{
    int n = 0;
    for (int i = 0; i < spy.size(); ++i)
        n += spy.at(i).at(0).value<SocketIoPacket>().eventName() == name ? 1 : 0;
    return n;
}

SocketIoPacket eventAt(const QSignalSpy &spy, int index)
{
    return spy.at(index).at(0).value<SocketIoPacket>();
}

QList<PacketRecord> records(const QSignalSpy &spy)
{
    QList<PacketRecord> list;
    for (const auto &args : spy)
        list.append(args.at(0).value<PacketRecord>());
    return list;
}

int countRecords(const QSignalSpy &spy, PacketRecord::Layer layer, int type,
                 PacketRecord::Direction direction)
{
    int n = 0;
    for (const PacketRecord &r : records(spy))
        n += (r.layer == layer && r.type == type && r.direction == direction) ? 1 : 0;
    return n;
}

QByteArray recordDump(const QSignalSpy &spy)
{
    QByteArray out;
    for (const PacketRecord &r : records(spy)) {
        out += r.directionName().toUtf8() + ' ' + r.layerName().toUtf8() + ' ' +
               r.typeName().toUtf8() + ' ' + r.raw + ' ' + r.payload;
        if (!r.error.isEmpty())
            out += " ERROR " + r.error.toUtf8();
        out += '\n';
    }
    return out;
}

} // namespace

class tst_SocketIoPeer : public QObject
{
    Q_OBJECT

private:
    static void addFlavorColumns()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<Transports>("transports");
    }
    // Every flavor x transport, or one transport per flavor.
    static void addRows(bool allTransports = true)
    {
        addFlavorColumns();
        const QList<QPair<Flavor, QByteArray>> flavors = {{Flavor::SocketIo4, "sio4"},
                                                          {Flavor::SocketIo2, "sio2"}};
        for (const auto &[flavor, flavorName] : flavors) {
            QTest::newRow(flavorName + "-auto") << flavor << Transports::Auto;
            if (!allTransports)
                continue;
            QTest::newRow(flavorName + "-websocket") << flavor << Transports::WebSocketOnly;
            QTest::newRow(flavorName + "-polling") << flavor << Transports::PollingOnly;
        }
    }

    static std::unique_ptr<SocketIoClient> makeClient(const ReferenceServer &server, Flavor flavor,
                                                      Transports transports)
    {
        SocketIoOptions options;
        options.engine.url = server.url();
        options.engine.transports = transports;
        options.engine.version = flavor == Flavor::SocketIo4 ? EngineIoOptions::Version::V4
                                                             : EngineIoOptions::Version::V3;
        options.engine.connectTimeoutMs = 5000;
        options.engine.reconnect.delayMs = 100;
        options.engine.reconnect.delayMaxMs = 400;
        options.ackTimeoutMs = 5000;
        auto client = std::make_unique<SocketIoClient>();
        client->setOptions(options);
        return client;
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<SocketIoPacket>();
        qRegisterMetaType<PacketRecord>();
        qRegisterMetaType<SocketIoNamespace::State>();
        qRegisterMetaType<SocketIoClient::State>();
    }

    // "/", "/chat" and "/admin" (auth accepted) share one connection; each gets its "welcome".
    void namespaces_data() { addRows(); }
    void namespaces()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options::of(flavor));
        auto client = makeClient(server, flavor, transports);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        QSignalSpy stateSpy(client.get(), &SocketIoClient::stateChanged);
        QSignalSpy errorSpy(client.get(), &SocketIoClient::errorOccurred);

        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        SocketIoNamespace *chat = client->joinNamespace(QStringLiteral("/chat"));
        SocketIoNamespace *admin =
            client->joinNamespace(QStringLiteral("/admin"),
                                  QJsonObject{{QStringLiteral("token"), QStringLiteral("secret")}});
        QSignalSpy rootConnected(root, &SocketIoNamespace::connected);
        QSignalSpy chatConnected(chat, &SocketIoNamespace::connected);
        QSignalSpy adminConnected(admin, &SocketIoNamespace::connected);
        QSignalSpy rootEvents(root, &SocketIoNamespace::eventReceived);
        QSignalSpy chatEvents(chat, &SocketIoNamespace::eventReceived);
        QSignalSpy adminEvents(admin, &SocketIoNamespace::eventReceived);

        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(rootConnected.size(), 1, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(chatConnected.size(), 1, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(adminConnected.size(), 1, Timeout);
        QCOMPARE(client->state(), SocketIoClient::State::Connected);
        QVERIFY(stateSpy.size() >= 2); // Connecting, Connected
        QCOMPARE(client->protocol(),
                 flavor == Flavor::SocketIo4 ? SocketIoProtocol::V5 : SocketIoProtocol::V4);
        for (SocketIoNamespace *ns : {root, chat, admin}) {
            QCOMPARE(ns->state(), NsState::Connected);
            QVERIFY(!ns->sid().isEmpty());
            QVERIFY(!ns->wasRecovered());
        }

        QTRY_VERIFY_WITH_TIMEOUT(indexOfEvent(rootEvents, QStringLiteral("welcome")) >= 0, Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(indexOfEvent(chatEvents, QStringLiteral("welcome")) >= 0, Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(indexOfEvent(adminEvents, QStringLiteral("welcome")) >= 0,
                                 Timeout);
        const QJsonObject chatWelcome =
            args(eventAt(chatEvents, indexOfEvent(chatEvents, QStringLiteral("welcome"))))
                .at(1)
                .toObject();
        QCOMPARE(chatWelcome.value(QStringLiteral("nsp")).toString(), QStringLiteral("/chat"));
        const QJsonObject adminWelcome =
            args(eventAt(adminEvents, indexOfEvent(adminEvents, QStringLiteral("welcome"))))
                .at(1)
                .toObject();
        QCOMPARE(adminWelcome.value(QStringLiteral("nsp")).toString(), QStringLiteral("/admin"));
        if (flavor == Flavor::SocketIo4) {
            QCOMPARE(adminWelcome.value(QStringLiteral("auth"))
                         .toObject()
                         .value(QStringLiteral("token"))
                         .toString(),
                     QStringLiteral("secret"));
        } else { // v4: the auth went as the namespace query string
            QCOMPARE(adminWelcome.value(QStringLiteral("queryToken")).toString(),
                     QStringLiteral("secret"));
        }
        if (flavor == Flavor::SocketIo4) // v5: the server's socket id is the sid we were given
            QCOMPARE(chatWelcome.value(QStringLiteral("sid")).toString(), chat->sid());

        // The record stream: the OPEN at the Engine.IO layer, CONNECT answers at the Socket.IO
        // layer with the full frame text, lifecycle notes.
        const auto all = records(recordSpy);
        QVERIFY2(countRecords(recordSpy, PacketRecord::Layer::EngineIo, EngineIoPacket::Open,
                              PacketRecord::Direction::In) >= 1,
                 recordDump(recordSpy).constData());
        QVERIFY(countRecords(recordSpy, PacketRecord::Layer::Connection, PacketRecord::Connecting,
                             PacketRecord::Direction::In) >= 1);
        QVERIFY(countRecords(recordSpy, PacketRecord::Layer::Connection,
                             PacketRecord::TransportOpened, PacketRecord::Direction::In) >= 1);
        QCOMPARE(countRecords(recordSpy, PacketRecord::Layer::SocketIo, SocketIoPacket::Connect,
                              PacketRecord::Direction::In),
                 3);
        bool sawChatConnect = false;
        for (const PacketRecord &r : all) {
            QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
            if (r.layer == PacketRecord::Layer::SocketIo && r.type == SocketIoPacket::Connect &&
                r.direction == PacketRecord::Direction::Out && r.nsp == QLatin1String("/chat")) {
                QVERIFY(r.raw.startsWith("40/chat"));
                sawChatConnect = true;
            }
            if (r.layer == PacketRecord::Layer::SocketIo && r.type == SocketIoPacket::Connect &&
                r.direction == PacketRecord::Direction::Out && r.nsp == QLatin1String("/admin")) {
                if (flavor == Flavor::SocketIo4)
                    QCOMPARE(r.raw, QByteArray(R"(40/admin,{"token":"secret"})"));
                else
                    QCOMPARE(r.raw, QByteArray("40/admin?token=secret,"));
            }
            if (r.layer == PacketRecord::Layer::SocketIo && r.type == SocketIoPacket::Event &&
                r.direction == PacketRecord::Direction::In && r.nsp == QLatin1String("/")) {
                QVERIFY2(r.raw.startsWith("42[\"welcome\""), r.raw.constData());
            }
        }
        QVERIFY(sawChatConnect);
        if (transports == Transports::Auto) {
            QTRY_VERIFY_WITH_TIMEOUT(countRecords(recordSpy, PacketRecord::Layer::Connection,
                                                  PacketRecord::Upgraded,
                                                  PacketRecord::Direction::In) == 1,
                                     Timeout);
            QCOMPARE(client->engine()->transport(), TransportKind::WebSocket);
        }
        QCOMPARE(errorSpy.size(), 0);

        client->disconnectFromServer();
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
    }

    // Auth refused ("Not authorized", v5 data {"reason":"bad token"}); the others stay up.
    void authRefused_data() { addRows(false); }
    void authRefused()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options::of(flavor));
        auto client = makeClient(server, flavor, transports);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        SocketIoNamespace *admin =
            client->joinNamespace(QStringLiteral("/admin"),
                                  QJsonObject{{QStringLiteral("token"), QStringLiteral("wrong")}});
        QSignalSpy rootConnected(root, &SocketIoNamespace::connected);
        QSignalSpy adminRefused(admin, &SocketIoNamespace::refused);
        QSignalSpy adminConnected(admin, &SocketIoNamespace::connected);
        QSignalSpy received(client.get(), &SocketIoClient::packetReceived);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(adminRefused.size(), 1, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(rootConnected.size(), 1, Timeout);
        QCOMPARE(packetsOfType(received, SocketIoPacket::ConnectError).size(), 1);
        QCOMPARE(adminConnected.size(), 0);
        QCOMPARE(admin->state(), NsState::Refused);
        QCOMPARE(adminRefused.at(0).at(0).toString(), QStringLiteral("Not authorized"));
        QCOMPARE(admin->refusalMessage(), QStringLiteral("Not authorized"));
        if (flavor == Flavor::SocketIo4) {
            QCOMPARE(admin->refusalData().toObject(),
                     QJsonObject({{QStringLiteral("reason"), QStringLiteral("bad token")}}));
        }
        QCOMPARE(root->state(), NsState::Connected);

        // The refused namespace can be joined again with the right token.
        client->joinNamespace(QStringLiteral("/admin"),
                              QJsonObject{{QStringLiteral("token"), QStringLiteral("secret")}});
        QTRY_COMPARE_WITH_TIMEOUT(adminConnected.size(), 1, Timeout);
        QCOMPARE(admin->state(), NsState::Connected);
    }

    void invalidNamespace_data() { addRows(false); }
    void invalidNamespace()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options::of(flavor));
        auto client = makeClient(server, flavor, transports);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        SocketIoNamespace *nope = client->joinNamespace(QStringLiteral("/does-not-exist"));
        QSignalSpy rootConnected(root, &SocketIoNamespace::connected);
        QSignalSpy refused(nope, &SocketIoNamespace::refused);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(refused.size(), 1, Timeout);
        QCOMPARE(refused.at(0).at(0).toString(), QStringLiteral("Invalid namespace"));
        QCOMPARE(nope->state(), NsState::Refused);
        QTRY_COMPARE_WITH_TIMEOUT(rootConnected.size(), 1, Timeout);
        QCOMPARE(client->state(), SocketIoClient::State::Connected);
    }

    // "echo" both ways, with acks both ways ("echo-ack"; "request-ack" -> "ask" -> "answered").
    void eventsAndAcks_data() { addRows(); }
    void eventsAndAcks()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options::of(flavor));
        auto client = makeClient(server, flavor, transports);
        SocketIoNamespace *chat = client->joinNamespace(QStringLiteral("/chat"));
        QSignalSpy connected(chat, &SocketIoNamespace::connected);
        QSignalSpy events(chat, &SocketIoNamespace::eventReceived);
        QSignalSpy acks(chat, &SocketIoNamespace::ackReceived);
        QSignalSpy timeouts(chat, &SocketIoNamespace::ackTimedOut);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, Timeout);

        // echo
        const QJsonArray sent{
            QStringLiteral("echo"), QStringLiteral("hé \"quoted\""), 42,
            QJsonObject{{QStringLiteral("a"), QJsonArray{1, true, QJsonValue()}}}};
        auto result = chat->emitEvent(sent);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.ackId, -1);
        QTRY_VERIFY_WITH_TIMEOUT(indexOfEvent(events, QStringLiteral("echo")) >= 0, Timeout);
        QCOMPARE(args(eventAt(events, indexOfEvent(events, QStringLiteral("echo")))), sent);

        // echo-ack: the server acks with our arguments; ids start at 0 on a connection.
        const QJsonArray ackSent{QStringLiteral("echo-ack"), QStringLiteral("x"), 7};
        result = chat->emitEvent(ackSent, {}, 0);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.ackId, 0);
        QCOMPARE(chat->pendingAckIds(), QList<qint64>{0});
        QTRY_COMPARE_WITH_TIMEOUT(acks.size(), 1, Timeout);
        const auto ack = acks.at(0).at(0).value<SocketIoPacket>();
        QCOMPARE(ack.type, SocketIoPacket::Ack);
        QCOMPARE(ack.id, 0);
        QCOMPARE(args(ack), QJsonArray({QStringLiteral("x"), 7}));
        QVERIFY(acks.at(0).at(1).toLongLong() > 0); // RTT in µs
        QVERIFY(chat->pendingAckIds().isEmpty());

        // A second ack with a timeout: the next id.
        result = chat->emitEvent(ackSent, {}, 3000);
        QVERIFY(result.ok);
        QCOMPARE(result.ackId, 1);
        QTRY_COMPARE_WITH_TIMEOUT(acks.size(), 2, Timeout);
        QCOMPARE(timeouts.size(), 0);

        // An event nobody answers times out.
        result = chat->emitEvent(QJsonArray{QStringLiteral("nobody-acks-this")}, {}, 300);
        QVERIFY(result.ok);
        QTRY_COMPARE_WITH_TIMEOUT(timeouts.size(), 1, Timeout);
        QCOMPARE(timeouts.at(0).at(0).toLongLong(), result.ackId);
        QCOMPARE(timeouts.at(0).at(1).toString(), QStringLiteral("nobody-acks-this"));
        QVERIFY(chat->pendingAckIds().isEmpty());

        // The server asks for an ack; we answer; it tells us what it got.
        result = chat->emitEvent(QJsonArray{QStringLiteral("request-ack"), QStringLiteral("q?")});
        QVERIFY(result.ok);
        QTRY_VERIFY_WITH_TIMEOUT(indexOfEvent(events, QStringLiteral("ask")) >= 0, Timeout);
        const SocketIoPacket ask = eventAt(events, indexOfEvent(events, QStringLiteral("ask")));
        QVERIFY(ask.hasId());
        QCOMPARE(args(ask).at(1).toString(), QStringLiteral("q?"));
        const QJsonArray answer{QStringLiteral("yes"), QJsonObject{{QStringLiteral("n"), 1}}};
        result = chat->sendAck(ask.id, answer);
        QVERIFY2(result.ok, qPrintable(result.error));
        QTRY_VERIFY_WITH_TIMEOUT(indexOfEvent(events, QStringLiteral("answered")) >= 0, Timeout);
        // "answered" carries the answer's arguments as one array.
        const QJsonArray answered =
            args(eventAt(events, indexOfEvent(events, QStringLiteral("answered"))));
        QCOMPARE(answered.at(1).toArray(), answer);

        // Validation: nothing is sent for an invalid packet.
        const int before = recordSpy.size();
        result = chat->emitEvent(QJsonArray{});
        QVERIFY(!result.ok);
        QVERIFY(!result.error.isEmpty());
        result = chat->emitEvent(
            QJsonArray{QStringLiteral("bin"), QJsonObject{{QStringLiteral("_placeholder"), true},
                                                          {QStringLiteral("num"), 3}}},
            {QByteArray("a")});
        QVERIFY(!result.ok);
        QCOMPARE(recordSpy.size(), before);

        bool sawAckRecord = false;
        for (const PacketRecord &r : records(recordSpy)) {
            if (r.layer == PacketRecord::Layer::SocketIo &&
                r.direction == PacketRecord::Direction::Out && r.type == SocketIoPacket::Event &&
                r.id == 0)
                QCOMPARE(r.raw, QByteArray(R"(42/chat,0["echo-ack","x",7])"));
            if (r.layer == PacketRecord::Layer::SocketIo &&
                r.direction == PacketRecord::Direction::In && r.type == SocketIoPacket::Ack &&
                r.id == 0) {
                QCOMPARE(r.raw, QByteArray(R"(43/chat,0["x",7])"));
                QCOMPARE(r.rttUs, acks.at(0).at(1).toLongLong());
                sawAckRecord = true;
            }
            if (r.layer == PacketRecord::Layer::SocketIo &&
                r.direction == PacketRecord::Direction::Out && r.type == SocketIoPacket::Ack)
                QCOMPARE(r.rttUs, -1);
        }
        QVERIFY(sawAckRecord);
    }

    // Binary both ways, with several nested attachments.
    void binary_data() { addRows(); }
    void binary()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options::of(flavor));
        auto client = makeClient(server, flavor, transports);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        QSignalSpy connected(root, &SocketIoNamespace::connected);
        QSignalSpy events(root, &SocketIoNamespace::eventReceived);
        QSignalSpy received(client.get(), &SocketIoClient::packetReceived);
        QSignalSpy acks(root, &SocketIoNamespace::ackReceived);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, Timeout);

        auto placeholder = [](int num) {
            return QJsonObject{{QStringLiteral("_placeholder"), true},
                               {QStringLiteral("num"), num}};
        };
        QByteArray big(70000, '\0');
        for (int i = 0; i < big.size(); ++i)
            big[i] = char(i * 7);
        const QList<QByteArray> attachments{QByteArray("\x00\x01\x02\xff", 4), QByteArray("hello"),
                                            big};
        const QJsonArray data{QStringLiteral("echo"), placeholder(0),
                              QJsonObject{{QStringLiteral("deep"),
                                           QJsonObject{{QStringLiteral("b"), placeholder(1)}}},
                                          {QStringLiteral("list"), QJsonArray{placeholder(2), 5}}}};
        auto result = root->emitEvent(data, attachments);
        QVERIFY2(result.ok, qPrintable(result.error));
        QTRY_VERIFY_WITH_TIMEOUT(indexOfEvent(events, QStringLiteral("echo")) >= 0, Timeout);
        const SocketIoPacket echo = eventAt(events, indexOfEvent(events, QStringLiteral("echo")));
        QCOMPARE(echo.type, SocketIoPacket::BinaryEvent);
        QCOMPARE(echo.attachments, attachments);
        QCOMPARE(args(echo), data);

        // A binary ack.
        result = root->emitEvent(QJsonArray{QStringLiteral("echo-ack"), placeholder(0)},
                                 {QByteArray("\x10\x20", 2)}, 0);
        QVERIFY2(result.ok, qPrintable(result.error));
        QTRY_COMPARE_WITH_TIMEOUT(acks.size(), 1, Timeout);
        const auto ack = acks.at(0).at(0).value<SocketIoPacket>();
        QCOMPARE(ack.type, SocketIoPacket::BinaryAck);
        QCOMPARE(ack.attachments, QList<QByteArray>{QByteArray("\x10\x20", 2)});

        // The server's binary event.
        result = root->emitEvent(QJsonArray{QStringLiteral("emit-binary")});
        QVERIFY(result.ok);
        QTRY_VERIFY_WITH_TIMEOUT(indexOfEvent(events, QStringLiteral("binary")) >= 0, Timeout);
        const SocketIoPacket bin = eventAt(events, indexOfEvent(events, QStringLiteral("binary")));
        QCOMPARE(bin.type, SocketIoPacket::BinaryEvent);
        QCOMPARE(bin.attachments, (QList<QByteArray>{QByteArray("\x01\x02\x03", 3),
                                                     QByteArray("hello"), QByteArray("\xff", 1)}));
        const QJsonArray binArgs = args(bin);
        QCOMPARE(binArgs.at(1).toObject(), placeholder(0));
        QCOMPARE(binArgs.at(2).toObject().value(QStringLiteral("list")).toArray().at(1).toInt(),
                 42);
        QVERIFY(packetsOfType(received, SocketIoPacket::BinaryEvent).size() >= 2);

        // One Socket.IO record per binary packet, with its attachments; no attachment frames.
        int binaryRecords = 0;
        for (const PacketRecord &r : records(recordSpy)) {
            if (r.layer == PacketRecord::Layer::EngineIo)
                QVERIFY(r.type != EngineIoPacket::Message);
            if (r.layer == PacketRecord::Layer::SocketIo && r.type == SocketIoPacket::BinaryEvent &&
                r.direction == PacketRecord::Direction::In && r.payload.contains("\"binary\"")) {
                ++binaryRecords;
                QCOMPARE(r.attachments.size(), 3);
                QVERIFY2(r.raw.startsWith("453-[\"binary\""), r.raw.constData());
            }
        }
        QCOMPARE(binaryRecords, 1);
        QCOMPARE(errors.size(), 0);
    }

    // "server-disconnect" ends one namespace; the others and the connection stay up. Then the
    // client leaves a namespace by itself.
    void namespaceDisconnects_data() { addRows(false); }
    void namespaceDisconnects()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options::of(flavor));
        auto client = makeClient(server, flavor, transports);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        SocketIoNamespace *chat = client->joinNamespace(QStringLiteral("/chat"));
        QSignalSpy rootConnected(root, &SocketIoNamespace::connected);
        QSignalSpy chatConnected(chat, &SocketIoNamespace::connected);
        QSignalSpy chatDisconnected(chat, &SocketIoNamespace::disconnected);
        QSignalSpy rootDisconnected(root, &SocketIoNamespace::disconnected);
        QSignalSpy rootEvents(root, &SocketIoNamespace::eventReceived);
        QSignalSpy received(client.get(), &SocketIoClient::packetReceived);
        QSignalSpy closed(client->engine(), &EngineIoClient::closed);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(rootConnected.size(), 1, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(chatConnected.size(), 1, Timeout);

        QVERIFY(chat->emitEvent(QJsonArray{QStringLiteral("server-disconnect")}).ok);
        QTRY_COMPARE_WITH_TIMEOUT(chatDisconnected.size(), 1, Timeout);
        QCOMPARE(chatDisconnected.at(0).at(0).toBool(), true);
        QCOMPARE(chat->state(), NsState::DisconnectedByServer);
        QCOMPARE(packetsOfType(received, SocketIoPacket::Disconnect).size(), 1);
        QVERIFY(!chat->emitEvent(QJsonArray{QStringLiteral("echo")}).ok);

        QVERIFY(root->emitEvent(QJsonArray{QStringLiteral("echo"), 1}).ok);
        QTRY_VERIFY_WITH_TIMEOUT(indexOfEvent(rootEvents, QStringLiteral("echo")) >= 0, Timeout);
        QCOMPARE(root->state(), NsState::Connected);
        QCOMPARE(closed.size(), 0);

        // The client leaves "/chat" after joining it again, then "/": the connection stays.
        client->joinNamespace(QStringLiteral("/chat"));
        QTRY_COMPARE_WITH_TIMEOUT(chatConnected.size(), 2, Timeout);
        chat->disconnectFromNamespace();
        QCOMPARE(chat->state(), NsState::Disconnected);
        QCOMPARE(chatDisconnected.size(), 2);
        QCOMPARE(chatDisconnected.at(1).at(0).toBool(), false);
        bool sawDisconnect = false;
        for (const PacketRecord &r : records(recordSpy)) {
            if (r.layer == PacketRecord::Layer::SocketIo && r.type == SocketIoPacket::Disconnect &&
                r.direction == PacketRecord::Direction::Out) {
                QCOMPARE(r.raw, QByteArray("41/chat,"));
                sawDisconnect = true;
            }
        }
        QVERIFY(sawDisconnect);
        QVERIFY(root->emitEvent(QJsonArray{QStringLiteral("echo"), 2}).ok);
        QTRY_COMPARE_WITH_TIMEOUT(countEvents(rootEvents, QStringLiteral("echo")), 2, Timeout);
        QCOMPARE(closed.size(), 0);
        QCOMPARE(client->state(), SocketIoClient::State::Connected);
    }

    // pingInterval 300 / pingTimeout 200: the connection survives several intervals.
    void heartbeat_data() { addRows(); }
    void heartbeat()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options::of(flavor));
        auto client = makeClient(server, flavor, transports);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        QSignalSpy connected(root, &SocketIoNamespace::connected);
        QSignalSpy closed(client->engine(), &EngineIoClient::closed);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, Timeout);
        QTest::qWait(2000);
        QCOMPARE(closed.size(), 0);
        QCOMPARE(client->state(), SocketIoClient::State::Connected);
        QCOMPARE(root->state(), NsState::Connected);
        // v4: the server pings; v3: the client pings. Either way both records are there.
        const auto pingDir = flavor == Flavor::SocketIo4 ? PacketRecord::Direction::In
                                                         : PacketRecord::Direction::Out;
        const auto pongDir = flavor == Flavor::SocketIo4 ? PacketRecord::Direction::Out
                                                         : PacketRecord::Direction::In;
        QVERIFY2(countRecords(recordSpy, PacketRecord::Layer::EngineIo, EngineIoPacket::Ping,
                              pingDir) >= 4,
                 recordDump(recordSpy).constData());
        QVERIFY(countRecords(recordSpy, PacketRecord::Layer::EngineIo, EngineIoPacket::Pong,
                             pongDir) >= 4);
        QVERIFY(root->emitEvent(QJsonArray{QStringLiteral("echo-ack")}, {}, 2000).ok);
        QSignalSpy acks(root, &SocketIoNamespace::ackReceived);
        QTRY_COMPARE_WITH_TIMEOUT(acks.size(), 1, Timeout);
    }

    // The server closes the transport: an unplanned drop. Pending acks fail, the engine
    // reconnects, and the wanted namespaces (not those the server disconnected) reconnect.
    void transportClosedByServer_data() { addRows(); }
    void transportClosedByServer()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options::of(flavor));
        auto client = makeClient(server, flavor, transports);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        SocketIoNamespace *chat = client->joinNamespace(QStringLiteral("/chat"));
        SocketIoNamespace *admin =
            client->joinNamespace(QStringLiteral("/admin"),
                                  QJsonObject{{QStringLiteral("token"), QStringLiteral("secret")}});
        QSignalSpy rootConnected(root, &SocketIoNamespace::connected);
        QSignalSpy chatConnected(chat, &SocketIoNamespace::connected);
        QSignalSpy chatDisconnected(chat, &SocketIoNamespace::disconnected);
        QSignalSpy adminConnected(admin, &SocketIoNamespace::connected);
        QSignalSpy adminDisconnected(admin, &SocketIoNamespace::disconnected);
        QSignalSpy ackFailed(root, &SocketIoNamespace::ackFailed);
        QSignalSpy stateSpy(client.get(), &SocketIoClient::stateChanged);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(rootConnected.size(), 1, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(chatConnected.size(), 1, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(adminConnected.size(), 1, Timeout);

        // "/chat" is disconnected by the server: it must not come back.
        QVERIFY(chat->emitEvent(QJsonArray{QStringLiteral("server-disconnect")}).ok);
        QTRY_COMPARE_WITH_TIMEOUT(chatDisconnected.size(), 1, Timeout);

        QVERIFY(root->emitEvent(QJsonArray{QStringLiteral("nobody-acks-this")}, {}, 0).ok);
        QVERIFY(root->emitEvent(QJsonArray{QStringLiteral("server-close-transport")}).ok);
        QTRY_COMPARE_WITH_TIMEOUT(ackFailed.size(), 1, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(adminDisconnected.size(), 1, Timeout);
        QCOMPARE(adminDisconnected.at(0).at(0).toBool(), false);
        QTRY_COMPARE_WITH_TIMEOUT(rootConnected.size(), 2, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(adminConnected.size(), 2, Timeout);
        QCOMPARE(client->state(), SocketIoClient::State::Connected);
        bool sawReconnecting = false;
        for (const auto &args : stateSpy)
            sawReconnecting |=
                args.at(0).value<SocketIoClient::State>() == SocketIoClient::State::Reconnecting;
        QVERIFY(sawReconnecting);
        QCOMPARE(chat->state(), NsState::DisconnectedByServer);
        QCOMPARE(chatConnected.size(), 1);
        QVERIFY(root->pendingAckIds().isEmpty());
        // Ack ids start again at 0 on the new connection.
        const auto result = root->emitEvent(QJsonArray{QStringLiteral("echo-ack")}, {}, 2000);
        QVERIFY(result.ok);
        QCOMPARE(result.ackId, 0);
        QVERIFY(countRecords(recordSpy, PacketRecord::Layer::Connection, PacketRecord::Closed,
                             PacketRecord::Direction::In) >= 1);
    }

    // The server process dies and comes back on the same port.
    void serverRestart_data() { addRows(false); }
    void serverRestart()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        ReferenceServer::Options options = ReferenceServer::Options::of(flavor);
        START_SERVER(server, options);
        auto client = makeClient(server, flavor, transports);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        SocketIoNamespace *chat = client->joinNamespace(QStringLiteral("/chat"));
        QSignalSpy rootConnected(root, &SocketIoNamespace::connected);
        QSignalSpy chatConnected(chat, &SocketIoNamespace::connected);
        QSignalSpy chatEvents(chat, &SocketIoNamespace::eventReceived);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(chatConnected.size(), 1, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(rootConnected.size(), 1, Timeout);

        server.kill();
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Reconnecting, Timeout);
        QCOMPARE(chat->state(), NsState::Connecting);
        QTest::qWait(800); // a few failed attempts
        QCOMPARE(client->state(), SocketIoClient::State::Reconnecting);

        options.port = server.port();
        START_SERVER(server, options);
        QTRY_COMPARE_WITH_TIMEOUT(chatConnected.size(), 2, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(rootConnected.size(), 2, Timeout);
        QCOMPARE(client->state(), SocketIoClient::State::Connected);
        QVERIFY(!chat->wasRecovered());
        QVERIFY(countRecords(recordSpy, PacketRecord::Layer::Connection, PacketRecord::Reconnecting,
                             PacketRecord::Direction::In) >= 1);
        const int before = countEvents(chatEvents, QStringLiteral("echo"));
        QVERIFY(chat->emitEvent(QJsonArray{QStringLiteral("echo"), 3}).ok);
        QTRY_COMPARE_WITH_TIMEOUT(countEvents(chatEvents, QStringLiteral("echo")), before + 1,
                                  Timeout);

        // After a deliberate disconnect nothing reconnects.
        client->disconnectFromServer();
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
        QTest::qWait(1000);
        QCOMPARE(client->state(), SocketIoClient::State::Disconnected);
        QCOMPARE(chatConnected.size(), 2);
    }

    // An ACK whose id matches no pending ack (here: an EVENT sent around our ack bookkeeping, as
    // a late answer would look) is recorded with an error and reported, not fatal.
    void unknownAckId_data() { addRows(false); }
    void unknownAckId()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options::of(flavor));
        auto client = makeClient(server, flavor, transports);
        SocketIoNamespace *chat = client->joinNamespace(QStringLiteral("/chat"));
        QSignalSpy connected(chat, &SocketIoNamespace::connected);
        QSignalSpy nsAcks(chat, &SocketIoNamespace::ackReceived);
        QSignalSpy received(client.get(), &SocketIoClient::packetReceived);
        QSignalSpy warnings(client.get(), &SocketIoClient::warningRaised);
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, Timeout);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("ACK for id 99 .*")));
        QVERIFY(client->engine()->sendMessages({EngineIoPacket(
            EngineIoPacket::Message, QByteArrayLiteral(R"(2/chat,99["echo-ack",1])"))}));
        QTRY_COMPARE_WITH_TIMEOUT(packetsOfType(received, SocketIoPacket::Ack).size(), 1, Timeout);
        QCOMPARE(nsAcks.size(), 0);
        QCOMPARE(warnings.size(), 1);
        QVERIFY(warnings.at(0).at(0).toString().contains(QLatin1String("99")));
        bool recorded = false;
        for (const PacketRecord &r : records(recordSpy)) {
            if (r.layer == PacketRecord::Layer::SocketIo && r.type == SocketIoPacket::Ack &&
                r.direction == PacketRecord::Direction::In) {
                QCOMPARE(r.id, 99);
                QCOMPARE(r.raw, QByteArray("43/chat,99[1]"));
                QVERIFY(!r.error.isEmpty());
                recorded = true;
            }
        }
        QVERIFY(recorded);
        // Still usable.
        QVERIFY(chat->emitEvent(QJsonArray{QStringLiteral("echo-ack"), 2}, {}, 2000).ok);
        QTRY_COMPARE_WITH_TIMEOUT(nsAcks.size(), 1, Timeout);
        QCOMPARE(errors.size(), 0);
        QCOMPARE(chat->state(), NsState::Connected);
    }

    // A received packet the decoder refuses (here: more attachments than our limit allows) goes
    // through closeConnection(): recorded with the frame and the error, reported, and the
    // connection closed for good (the spec says MUST close).
    void invalidIncomingPacket_data() { addRows(false); }
    void invalidIncomingPacket()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options::of(flavor));
        auto client = makeClient(server, flavor, transports);
        SocketIoOptions options = client->options();
        options.limits.maxAttachments = 1;
        client->setOptions(options);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        QSignalSpy connected(root, &SocketIoNamespace::connected);
        QSignalSpy disconnected(root, &SocketIoNamespace::disconnected);
        QSignalSpy events(root, &SocketIoNamespace::eventReceived);
        QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        QSignalSpy closed(client->engine(), &EngineIoClient::closed);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, Timeout);
        const QJsonObject p0{{QStringLiteral("_placeholder"), true}, {QStringLiteral("num"), 0}};
        const QJsonObject p1{{QStringLiteral("_placeholder"), true}, {QStringLiteral("num"), 1}};
        const auto result = root->emitEvent(QJsonArray{QStringLiteral("echo"), p0, p1},
                                            {QByteArray("a"), QByteArray("b")});
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(
                                               "protocol error: .*too many attachments.*")));
        QVERIFY2(result.ok, qPrintable(result.error)); // the limit is on what we accept
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, Timeout);
        QCOMPARE(closed.at(0).at(2).toBool(), false); // no reconnection
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
        QCOMPARE(disconnected.size(), 1);
        QCOMPARE(indexOfEvent(events, QStringLiteral("echo")), -1);
        bool recorded = false;
        for (const PacketRecord &r : records(recordSpy)) {
            if (r.layer == PacketRecord::Layer::SocketIo &&
                r.direction == PacketRecord::Direction::In && !r.error.isEmpty()) {
                QVERIFY2(r.raw.startsWith("452-[\"echo\""), r.raw.constData());
                QCOMPARE(r.error, errors.at(0).at(0).value<SocketIoError>().message);
                recorded = true;
            }
        }
        QVERIFY(recorded);
        QTest::qWait(500);
        QCOMPARE(client->state(), SocketIoClient::State::Disconnected);
        QCOMPARE(connected.size(), 1);
    }

    // socket.io 4 with connectionStateRecovery: the server drops the transport and emits while
    // we are away; the reconnection recovers the session and the missed events arrive.
    void stateRecovery_data()
    {
        addFlavorColumns();
        QTest::newRow("sio4-auto") << Flavor::SocketIo4 << Transports::Auto;
        QTest::newRow("sio4-websocket") << Flavor::SocketIo4 << Transports::WebSocketOnly;
        QTest::newRow("sio4-polling") << Flavor::SocketIo4 << Transports::PollingOnly;
    }
    void stateRecovery()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Transports, transports);
        ReferenceServer server;
        ReferenceServer::Options options = ReferenceServer::Options::of(flavor);
        options.connectionStateRecovery = true;
        START_SERVER(server, options);
        auto client = makeClient(server, flavor, transports);
        // The server broadcasts "missed" 100 ms after the drop: come back later than that, so
        // that they are replayed by the recovery rather than received live.
        SocketIoOptions clientOptions = client->options();
        clientOptions.engine.reconnect.delayMs = 400;
        clientOptions.engine.reconnect.randomization = 0;
        client->setOptions(clientOptions);
        SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
        QSignalSpy connected(root, &SocketIoNamespace::connected);
        QSignalSpy events(root, &SocketIoNamespace::eventReceived);
        QSignalSpy recordSpy(client.get(), &SocketIoClient::packetRecorded);
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, Timeout);
        QCOMPARE(connected.at(0).at(0).toBool(), false);
        const QString sid = root->sid();
        // An offset comes with every event (here "welcome"): socket.io-client keeps the
        // argument, and so do we.
        QTRY_VERIFY_WITH_TIMEOUT(indexOfEvent(events, QStringLiteral("welcome")) >= 0, Timeout);

        QVERIFY(root->emitEvent(QJsonArray{QStringLiteral("drop-and-emit"), 3}).ok);
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, Timeout);
        QCOMPARE(connected.at(1).at(0).toBool(), true);
        QVERIFY(root->wasRecovered());
        QCOMPARE(root->sid(), sid);
        QTRY_COMPARE_WITH_TIMEOUT(countEvents(events, QStringLiteral("missed")), 3, Timeout);
        // The recovered "welcome" says so, and the replayed events came before it.
        QTRY_COMPARE_WITH_TIMEOUT(countEvents(events, QStringLiteral("welcome")), 2, Timeout);
        const int secondWelcome = indexOfEvent(events, QStringLiteral("welcome"),
                                               indexOfEvent(events, QStringLiteral("welcome")) + 1);
        QCOMPARE(args(eventAt(events, secondWelcome))
                     .at(1)
                     .toObject()
                     .value(QStringLiteral("recovered"))
                     .toBool(),
                 true);
        // Every event without an ack id carries the offset as its last argument; it is kept.
        const QJsonArray missedArgs =
            args(eventAt(events, indexOfEvent(events, QStringLiteral("missed"))));
        QCOMPARE(missedArgs.size(), 3);
        QVERIFY(missedArgs.last().isString());
        int expected = 0;
        for (int i = 0; i < events.size(); ++i) {
            const SocketIoPacket p = eventAt(events, i);
            if (p.eventName() != QLatin1String("missed"))
                continue;
            QCOMPARE(args(p).at(1).toInt(), expected++);
        }
        bool sawRecoveryConnect = false;
        for (const PacketRecord &r : records(recordSpy)) {
            if (r.layer == PacketRecord::Layer::SocketIo && r.type == SocketIoPacket::Connect &&
                r.direction == PacketRecord::Direction::Out && r.payload.contains("\"pid\"")) {
                QVERIFY2(r.payload.contains("\"offset\""), r.payload.constData());
                sawRecoveryConnect = true;
            }
        }
        QVERIFY(sawRecoveryConnect);
        QCOMPARE(countRecords(recordSpy, PacketRecord::Layer::Connection, PacketRecord::Recovered,
                              PacketRecord::Direction::In),
                 1);
    }
};

QTEST_GUILESS_MAIN(tst_SocketIoPeer)
#include "tst_socketio_peer.moc"
