// The Socket.IO client with the msgpack parser against the real reference server from npm:
// socket.io 4.8 with socket.io-msgpack-parser 3.0.2 (tests/peers/server.js, parser "msgpack"),
// over every transport choice. Namespaces with auth and a refusal, events and acks both ways
// with their round trip, binaries both ways at any depth, a DISCONNECT with the link kept. The
// server is real; a missing one fails, it never skips.
#include "packetspy.h"
#include "referenceserver.h"
#include "socketio/socketioclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using Transports = EngineIoOptions::Transports;
using NsState = SocketIoNamespace::State;

Q_DECLARE_METATYPE(EngineIoOptions::Transports)

namespace {

constexpr int Timeout = 8000;

SocketIoPacket lastEvent(const QSignalSpy &spy, const QString &name)
{
    for (qsizetype i = spy.size() - 1; i >= 0; --i) {
        const auto packet = spy.at(i).at(0).value<SocketIoPacket>();
        if (packet.eventName() == name)
            return packet;
    }
    return {};
}

bool hasEvent(const QSignalSpy &spy, const QString &name)
{
    return !lastEvent(spy, name).payload.isEmpty();
}

} // namespace

class tst_MsgpackPeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void conversation_data();
    void conversation();
    void textParserIsRefusedByAMsgpackServer();
    void autoFindsMsgpack_data() { conversation_data(); }
    void autoFindsMsgpack();
    void autoKeepsTheTextParserWithATextServer();

private:
    ReferenceServer m_server;
};

void tst_MsgpackPeer::initTestCase()
{
    qRegisterMetaType<PacketRecord>();
    ReferenceServer::Options options;
    options.parser = QStringLiteral("msgpack");
    options.pingInterval = 2000;
    options.pingTimeout = 2000;
    QString error;
    QVERIFY2(m_server.start(options, &error), qPrintable(error));
}

void tst_MsgpackPeer::conversation_data()
{
    QTest::addColumn<Transports>("transports");
    QTest::newRow("polling") << Transports::PollingOnly;
    QTest::newRow("websocket") << Transports::WebSocketOnly;
    QTest::newRow("polling upgraded to websocket") << Transports::Auto;
}

void tst_MsgpackPeer::conversation()
{
    QFETCH(Transports, transports);
    auto client = std::make_unique<SocketIoClient>();
    SocketIoOptions options;
    options.engine.url = m_server.url();
    options.engine.transports = transports;
    options.engine.reconnect.enabled = false;
    options.parser = SocketIoParser::Kind::Msgpack;
    client->setOptions(options);
    QSignalSpy records(client.get(), &SocketIoClient::packetRecorded);
    QSignalSpy errors(client.get(), &SocketIoClient::errorOccurred);

    SocketIoNamespace *root = client->joinNamespace(QStringLiteral("/"));
    SocketIoNamespace *chat = client->joinNamespace(
        QStringLiteral("/chat"), {{QStringLiteral("user"), QStringLiteral("ann")}});
    SocketIoNamespace *refused = client->joinNamespace(
        QStringLiteral("/admin"), {{QStringLiteral("token"), QStringLiteral("wrong")}});
    QSignalSpy rootEvents(root, &SocketIoNamespace::eventReceived);
    QSignalSpy chatEvents(chat, &SocketIoNamespace::eventReceived);
    QSignalSpy acks(root, &SocketIoNamespace::ackReceived);
    client->connectToServer();
    QCOMPARE(client->parser(), SocketIoParser::Kind::Msgpack);

    // Namespaces: CONNECT with auth (the server echoes it in "welcome"), and a refusal.
    QTRY_COMPARE_WITH_TIMEOUT(root->state(), NsState::Connected, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(chat->state(), NsState::Connected, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(refused->state(), NsState::Refused, Timeout);
    QCOMPARE(refused->refusalMessage(), QStringLiteral("Not authorized"));
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(chatEvents, QStringLiteral("welcome")), Timeout);
    const QJsonObject welcome =
        lastEvent(chatEvents, QStringLiteral("welcome")).data().toArray().at(1).toObject();
    QCOMPARE(welcome.value(QStringLiteral("auth")).toObject(),
             QJsonObject({{QStringLiteral("user"), QStringLiteral("ann")}}));

    // An event with an ack: the server's ACK, paired with its round trip.
    const auto sent = root->emitEvent(
        {QStringLiteral("echo-ack"), 42, QJsonObject{{QStringLiteral("a"), true}}}, {}, Timeout);
    QVERIFY2(sent.ok, qPrintable(sent.error));
    QTRY_COMPARE_WITH_TIMEOUT(acks.size(), 1, Timeout);
    const auto ack = acks.first().at(0).value<SocketIoPacket>();
    QCOMPARE(ack.id, sent.ackId);
    QCOMPARE(ack.data().toArray(), QJsonArray({42, QJsonObject{{QStringLiteral("a"), true}}}));
    QVERIFY(acks.first().at(1).toLongLong() >= 0);

    // Binaries both ways: a Buffer sent as a bin value comes back as one, at its place.
    const QByteArray blob("\x00\x01\xfe\xff", 4);
    const QJsonObject placeholder{{QStringLiteral("_placeholder"), true},
                                  {QStringLiteral("num"), 0}};
    QVERIFY(root->emitEvent(
                    {QStringLiteral("echo"), QJsonObject{{QStringLiteral("file"), placeholder}}},
                    {blob})
                .ok);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(rootEvents, QStringLiteral("echo")), Timeout);
    const SocketIoPacket echo = lastEvent(rootEvents, QStringLiteral("echo"));
    QCOMPARE(echo.type, SocketIoPacket::BinaryEvent);
    QCOMPARE(echo.attachments, QList<QByteArray>{blob});
    QCOMPARE(echo.data().toArray().at(1).toObject().value(QStringLiteral("file")).toObject(),
             placeholder);

    // The server's binaries at any depth, numbered in document order.
    QVERIFY(root->emitEvent({QStringLiteral("emit-binary")}).ok);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(rootEvents, QStringLiteral("binary")), Timeout);
    const SocketIoPacket binary = lastEvent(rootEvents, QStringLiteral("binary"));
    QCOMPARE(binary.attachments, (QList<QByteArray>{QByteArray("\x01\x02\x03"), QByteArray("hello"),
                                                    QByteArray("\xff")}));

    // The server asks for an ack; the answer reaches it ("answered" reports it).
    QVERIFY(root->emitEvent({QStringLiteral("request-ack"), QStringLiteral("question")}).ok);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(rootEvents, QStringLiteral("ask")), Timeout);
    const SocketIoPacket ask = lastEvent(rootEvents, QStringLiteral("ask"));
    QVERIFY(ask.hasId());
    QVERIFY(root->sendAck(ask.id, {QStringLiteral("answer"), 7}).ok);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(rootEvents, QStringLiteral("answered")), Timeout);
    QCOMPARE(lastEvent(rootEvents, QStringLiteral("answered")).data().toArray().at(1).toArray(),
             QJsonArray({QStringLiteral("answer"), 7}));

    // DISCONNECT of one namespace by the server: the link and the other namespace stay.
    QSignalSpy chatDisconnected(chat, &SocketIoNamespace::disconnected);
    QVERIFY(chat->emitEvent({QStringLiteral("server-disconnect")}).ok);
    QTRY_COMPARE_WITH_TIMEOUT(chatDisconnected.size(), 1, Timeout);
    QCOMPARE(chat->state(), NsState::DisconnectedByServer);
    QCOMPARE(client->state(), SocketIoClient::State::Connected);
    QVERIFY(root->emitEvent({QStringLiteral("echo"), QStringLiteral("still here")}).ok);
    QTRY_VERIFY_WITH_TIMEOUT(lastEvent(rootEvents, QStringLiteral("echo")).data().toArray().at(1) ==
                                 QJsonValue(QStringLiteral("still here")),
                             Timeout);

    QCOMPARE(errors.size(), 0);
    // Every Socket.IO packet went as one binary message and was recorded without an error.
    for (const QList<QVariant> &arguments : std::as_const(records)) {
        const auto r = arguments.first().value<PacketRecord>();
        QVERIFY2(r.error.isEmpty() || r.layer == PacketRecord::Layer::Connection,
                 qPrintable(r.error));
    }
    client->disconnectFromServer();
    QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
}

// The reason a user needs the option: the text parser's CONNECT is not something a msgpack
// server can read, and it closes the session.
void tst_MsgpackPeer::textParserIsRefusedByAMsgpackServer()
{
    SocketIoClient client;
    SocketIoOptions options;
    options.engine.url = m_server.url();
    options.engine.transports = Transports::WebSocketOnly;
    options.engine.reconnect.enabled = false;
    options.parser = SocketIoParser::Kind::Default;
    client.setOptions(options);
    SocketIoNamespace *root = client.joinNamespace(QStringLiteral("/"));
    client.connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Disconnected, Timeout);
    QVERIFY(root->state() != NsState::Connected);
}

// The auto parser against a msgpack server: the text CONNECT ends the session, and one
// reconnection with msgpack follows, said by a parser-changed note.
void tst_MsgpackPeer::autoFindsMsgpack()
{
    QFETCH(Transports, transports);
    SocketIoClient client;
    SocketIoOptions options;
    options.engine.url = m_server.url();
    options.engine.transports = transports;
    options.engine.reconnect.enabled = false;
    options.parser = SocketIoParser::Kind::Auto;
    client.setOptions(options);
    QSignalSpy records(&client, &SocketIoClient::packetRecorded);
    SocketIoNamespace *root = client.joinNamespace(QStringLiteral("/"));
    QSignalSpy events(root, &SocketIoNamespace::eventReceived);
    client.connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(root->state(), NsState::Connected, Timeout);
    QCOMPARE(client.parser(), SocketIoParser::Kind::Msgpack);
    QList<PacketRecord> notes;
    for (const QList<QVariant> &arguments : std::as_const(records)) {
        const auto r = arguments.first().value<PacketRecord>();
        if (r.layer == PacketRecord::Layer::Connection && r.type == PacketRecord::ParserChanged)
            notes.append(r);
    }
    QCOMPARE(notes.size(), 1);
    const QJsonObject details = QJsonDocument::fromJson(notes.first().payload).object();
    QCOMPARE(details.value(QStringLiteral("to")).toString(), QStringLiteral("msgpack"));
    QVERIFY2(details.value(QStringLiteral("reason"))
                 .toString()
                 .contains(QLatin1String("right after our first CONNECT")),
             notes.first().payload.constData());
    QVERIFY(root->emitEvent({QStringLiteral("echo"), QStringLiteral("found")}).ok);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(events, QStringLiteral("echo")), Timeout);
    client.disconnectFromServer();
}

// The auto parser against a text server: nothing to find, nothing changes.
void tst_MsgpackPeer::autoKeepsTheTextParserWithATextServer()
{
    ReferenceServer textServer;
    QString error;
    QVERIFY2(textServer.start({}, &error), qPrintable(error));
    SocketIoClient client;
    SocketIoOptions options;
    options.engine.url = textServer.url();
    options.engine.reconnect.enabled = false;
    options.parser = SocketIoParser::Kind::Auto;
    client.setOptions(options);
    QSignalSpy records(&client, &SocketIoClient::packetRecorded);
    SocketIoNamespace *root = client.joinNamespace(QStringLiteral("/"));
    QSignalSpy events(root, &SocketIoNamespace::eventReceived);
    client.connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(root->state(), NsState::Connected, Timeout);
    QVERIFY(root->emitEvent({QStringLiteral("emit-binary")}).ok); // binaries are attachments here
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(events, QStringLiteral("binary")), Timeout);
    QCOMPARE(client.parser(), SocketIoParser::Kind::Default);
    for (const QList<QVariant> &arguments : std::as_const(records)) {
        const auto r = arguments.first().value<PacketRecord>();
        QVERIFY(
            !(r.layer == PacketRecord::Layer::Connection && r.type == PacketRecord::ParserChanged));
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    }
    client.disconnectFromServer();
}

QTEST_GUILESS_MAIN(tst_MsgpackPeer)
#include "tst_msgpack_peer.moc"
