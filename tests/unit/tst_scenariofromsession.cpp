// ScenarioFromSession: which values are taken as changing from run to run, and what a session
// becomes: emits, expectations, acks and replies, captures of values sent back, the subset and
// schema loosening with its comments, a selection of rows; every scenario written loads again.
#include "scenario/scenariofromsession.h"
#include "scenario/scenarioloader.h"
#include "session/sessionlog.h"
#include "socketio/packetrecord.h"
#include "socketio/socketiopacket.h"

#include <QJsonDocument>
#include <QTest>

class tst_ScenarioFromSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void volatileKind_data();
    void volatileKind();
    void sessionBecomesSteps();
    void valueSentBackIsCaptured();
    void volatileListItemMakesASchema();
    void serverEventsInARowComeInAnyOrder_data();
    void serverEventsInARowComeInAnyOrder();
    void selectedRowsOnly();
    void selectionKeepsItsConnection();
    void logsThatCannotMakeAScenario();
};

namespace {
void append(SessionLog *log, PacketRecord::Direction direction, SocketIoPacket::Type type,
            const QString &nsp, const QByteArray &payload, qint64 id = -1)
{
    SocketIoPacket packet(type, nsp, payload, id);
    log->append(PacketRecord::fromSocketIoPacket(packet, direction, TransportKind::WebSocket, {}));
}

void connecting(SessionLog *log,
                const QString &url = QStringLiteral(
                    "http://127.0.0.1:3000/socket.io/?EIO=4&transport=polling&room=a"))
{
    log->append(PacketRecord::note(PacketRecord::Connecting,
                                   {{QStringLiteral("url"), url},
                                    {QStringLiteral("eio"), 4},
                                    {QStringLiteral("transport"), QStringLiteral("polling")}},
                                   TransportKind::Polling));
}

constexpr auto In = PacketRecord::Direction::In;
constexpr auto Out = PacketRecord::Direction::Out;

QByteArray written(const SessionLog &log, const QList<qint64> &rows = {})
{
    ScenarioFromSessionOptions options;
    options.name = QStringLiteral("t");
    options.rows = rows;
    QByteArray yaml;
    QString error;
    if (!ScenarioFromSession::write(log, options, &yaml, &error))
        qWarning("%s", qPrintable(error));
    // Whatever is written must load as a scenario.
    Scenario scenario;
    ScenarioError loadError;
    if (!yaml.isEmpty() &&
        !ScenarioLoader::load(yaml, QStringLiteral("w.yaml"), {}, &scenario, &loadError)) {
        qWarning("the scenario written does not load: %s\n%s", qPrintable(loadError.toString()),
                 yaml.constData());
        return {}; // and the test's checks of the text fail
    }
    return yaml;
}
} // namespace

void tst_ScenarioFromSession::volatileKind_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QString>("kind");
    QTest::newRow("engine sid") << QByteArray("\"2RWkypB1uKELiWATAAAA\"")
                                << QStringLiteral("a session id");
    QTest::newRow("engine sid without a digit")
        << QByteArray("\"xYzAbCdEfGhIjKlMnOpQ\"") << QStringLiteral("a session id");
    QTest::newRow("socket.io 2 socket id")
        << QByteArray("\"/chat#McR-6NtvXjTRI-E5AAAB\"") << QStringLiteral("a socket id");
    QTest::newRow("UUID") << QByteArray("\"123e4567-e89b-12d3-a456-426614174000\"")
                          << QStringLiteral("a UUID");
    QTest::newRow("ObjectId") << QByteArray("\"507f1f77bcf86cd799439011\"")
                              << QStringLiteral("an ObjectId");
    QTest::newRow("ISO time") << QByteArray("\"2026-12-06T20:41:37.509Z\"")
                              << QStringLiteral("a timestamp");
    QTest::newRow("JWT") << QByteArray("\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijk\"")
                         << QStringLiteral("a JWT");
    QTest::newRow("epoch ms") << QByteArray("1765053697509")
                              << QStringLiteral("a timestamp in milliseconds");
    QTest::newRow("epoch s") << QByteArray("1765053697")
                             << QStringLiteral("a timestamp in seconds");
    QTest::newRow("small number") << QByteArray("42") << QString();
    QTest::newRow("fraction") << QByteArray("1765053697.5") << QString();
    QTest::newRow("word of 20 letters") << QByteArray("\"internationalization\"") << QString();
    QTest::newRow("short text") << QByteArray("\"hello\"") << QString();
    QTest::newRow("sentence") << QByteArray("\"the room is full, try again later\"") << QString();
    QTest::newRow("boolean") << QByteArray("true") << QString();
}

void tst_ScenarioFromSession::volatileKind()
{
    QFETCH(QByteArray, value);
    QFETCH(QString, kind);
    const QJsonValue json = QJsonDocument::fromJson("[" + value + "]").array().first();
    QCOMPARE(ScenarioFromSession::volatileKind(json), kind);
}

void tst_ScenarioFromSession::sessionBecomesSteps()
{
    SessionLog log;
    connecting(&log);
    append(&log, Out, SocketIoPacket::Connect, QStringLiteral("/"), {});
    append(&log, Out, SocketIoPacket::Connect, QStringLiteral("/admin"), "{\"token\":\"x\"}");
    append(&log, In, SocketIoPacket::Connect, QStringLiteral("/"),
           "{\"sid\":\"2RWkypB1uKELiWATAAAA\"}");
    append(&log, In, SocketIoPacket::ConnectError, QStringLiteral("/admin"),
           "{\"message\":\"Not authorized\"}");
    append(&log, In, SocketIoPacket::Event, QStringLiteral("/"),
           "[\"welcome\",{\"sid\":\"2RWkypB1uKELiWATAAAA\",\"n\":1}]");
    append(&log, Out, SocketIoPacket::Event, QStringLiteral("/"), "[\"echo-ack\",1]", 0);
    append(&log, In, SocketIoPacket::Ack, QStringLiteral("/"), "[1]", 0);
    append(&log, In, SocketIoPacket::Event, QStringLiteral("/"), "[\"ask\",\"q\"]", 5);
    append(&log, Out, SocketIoPacket::Ack, QStringLiteral("/"), "[\"a\"]", 5);
    append(&log, In, SocketIoPacket::Disconnect, QStringLiteral("/"), {});
    const QByteArray yaml = written(log);
    QVERIFY2(yaml.contains("variables:\n  url: \"http://127.0.0.1:3000\"\n"), yaml.constData());
    QVERIFY2(yaml.contains("  query:\n    \"room\": \"a\"\n"), yaml.constData());
    QVERIFY2(yaml.contains("  namespaces:\n    - \"/\"\nsteps:\n"), yaml.constData());
    QVERIFY2(yaml.contains("  - join: \"/admin\"\n    auth: {\"token\":\"x\"}\n"
                           "  - expect_connect_error: \"Not authorized\"\n    nsp: \"/admin\"\n"),
             yaml.constData());
    QVERIFY2(yaml.contains("  # args[0].sid was \"2RWkypB1uKELiWATAAAA\", a session id: left out "
                           "(match: subset)\n  - expect: \"welcome\"\n    args: [{\"n\":1}]\n"
                           "    match: subset\n"),
             yaml.constData());
    QVERIFY2(yaml.contains("  - emit: \"echo-ack\"\n    args: [1]\n    ack:\n      args: [1]\n"),
             yaml.constData());
    QVERIFY2(yaml.contains("  - expect: \"ask\"\n    args: [\"q\"]\n    reply: [\"a\"]\n"),
             yaml.constData());
    QVERIFY2(yaml.contains("  - expect_disconnect: true\n"), yaml.constData());
}

void tst_ScenarioFromSession::valueSentBackIsCaptured()
{
    SessionLog log;
    connecting(&log);
    append(&log, In, SocketIoPacket::Event, QStringLiteral("/"),
           "[\"created\",{\"id\":\"123e4567-e89b-12d3-a456-426614174000\"}]");
    append(&log, Out, SocketIoPacket::Event, QStringLiteral("/"),
           "[\"delete\",\"123e4567-e89b-12d3-a456-426614174000\"]", 1);
    append(&log, In, SocketIoPacket::Ack, QStringLiteral("/"),
           "[{\"deleted\":\"123e4567-e89b-12d3-a456-426614174000\"}]", 1);
    const QByteArray yaml = written(log);
    QVERIFY2(yaml.contains("  - expect: \"created\"\n    args: [{}]\n    match: subset\n"
                           "    capture:\n      id: \"args[0].id\"\n"),
             yaml.constData());
    QVERIFY2(yaml.contains("  - emit: \"delete\"\n    args: [\"{{id}}\"]\n"), yaml.constData());
    // The ack sends the captured value back: matched exactly through the variable.
    QVERIFY2(yaml.contains("    ack:\n      args: [{\"deleted\":\"{{id}}\"}]\n"), yaml.constData());
}

void tst_ScenarioFromSession::volatileListItemMakesASchema()
{
    SessionLog log;
    connecting(&log);
    append(&log, In, SocketIoPacket::Event, QStringLiteral("/"),
           "[\"tick\",1765053697509,\"stable\"]");
    const QByteArray yaml = written(log);
    QVERIFY2(yaml.contains("  # args[0] was 1765053697509, a timestamp in milliseconds: matched "
                           "by its form, not its value\n"),
             yaml.constData());
    QVERIFY2(yaml.contains("schema: {\"items\":[{\"type\":\"number\"},{\"const\":\"stable\"}],"
                           "\"maxItems\":2,\"minItems\":2,\"type\":\"array\"}"),
             yaml.constData());
}

struct Packet
{
    PacketRecord::Direction direction;
    SocketIoPacket::Type type;
    QString nsp;
    QByteArray payload;
    qint64 id = -1;
};

void tst_ScenarioFromSession::serverEventsInARowComeInAnyOrder_data()
{
    QTest::addColumn<QList<Packet>>("packets");
    QTest::addColumn<QByteArrayList>("present");
    QTest::addColumn<QByteArrayList>("absent");
    const QString root = QStringLiteral("/");
    const QString chat = QStringLiteral("/chat");
    QTest::newRow("two on one namespace are a group")
        << QList<Packet>{{Out, SocketIoPacket::Event, root, "[\"go\"]"},
                         {In, SocketIoPacket::Event, root, "[\"a\",1]"},
                         {In, SocketIoPacket::Event, root, "[\"b\",2]"}}
        << QByteArrayList{"  - emit: \"go\"\n  # The server sent these in this order",
                          "  - any_order:\n      - expect: \"a\"\n        args: [1]\n"
                          "      - expect: \"b\"\n        args: [2]\n"}
        << QByteArrayList{};
    QTest::newRow("different namespaces are not ordered anyway")
        << QList<Packet>{{In, SocketIoPacket::Event, root, "[\"a\"]"},
                         {In, SocketIoPacket::Event, chat, "[\"b\"]"}}
        << QByteArrayList{"  - expect: \"a\"\n    args: []\n  - expect: \"b\"\n    nsp: "
                          "\"/chat\"\n"}
        << QByteArrayList{"any_order"};
    QTest::newRow("an emit between them keeps the order")
        << QList<Packet>{{In, SocketIoPacket::Event, root, "[\"a\"]"},
                         {Out, SocketIoPacket::Event, root, "[\"x\"]"},
                         {In, SocketIoPacket::Event, root, "[\"b\"]"}}
        << QByteArrayList{"  - expect: \"a\"\n    args: []\n  - emit: \"x\"\n  - expect: \"b\"\n"}
        << QByteArrayList{"any_order"};
    // The reply uses the id that `created` captures: `ask` cannot come before it.
    QTest::newRow("a step using a value captured in the group starts another")
        << QList<Packet>{{In, SocketIoPacket::Event, root,
                          "[\"created\",\"123e4567-e89b-12d3-a456-426614174000\"]"},
                         {In, SocketIoPacket::Event, root, "[\"ask\"]", 3},
                         {Out, SocketIoPacket::Ack, root,
                          "[\"123e4567-e89b-12d3-a456-426614174000\"]", 3},
                         {In, SocketIoPacket::Event, root, "[\"after\"]"}}
        << QByteArrayList{"  - expect: \"created\"\n", "    capture:\n      value: \"args[0]\"\n",
                          "  - any_order:\n      - expect: \"ask\"\n        args: []\n"
                          "        reply: [\"{{value}}\"]\n      - expect: \"after\"\n"}
        << QByteArrayList{};
}

// What the server sends in a row may come in another order on another run (socket.io runs an
// event's handler a tick after an ack's): such expectations are written as one any_order group.
void tst_ScenarioFromSession::serverEventsInARowComeInAnyOrder()
{
    QFETCH(QList<Packet>, packets);
    QFETCH(QByteArrayList, present);
    QFETCH(QByteArrayList, absent);
    SessionLog log;
    connecting(&log);
    for (const Packet &packet : std::as_const(packets))
        append(&log, packet.direction, packet.type, packet.nsp, packet.payload, packet.id);
    const QByteArray yaml = written(log);
    for (const QByteArray &text : std::as_const(present))
        QVERIFY2(yaml.contains(text), (text + "\nnot in\n" + yaml).constData());
    for (const QByteArray &text : std::as_const(absent))
        QVERIFY2(!yaml.contains(text), (text + "\nin\n" + yaml).constData());
}

void tst_ScenarioFromSession::selectedRowsOnly()
{
    SessionLog log;
    connecting(&log);
    append(&log, Out, SocketIoPacket::Event, QStringLiteral("/"), "[\"first\"]");
    append(&log, Out, SocketIoPacket::Event, QStringLiteral("/"), "[\"second\"]");
    const QByteArray yaml = written(log, {0, 2});
    QVERIFY2(yaml.contains("emit: \"second\""), yaml.constData());
    QVERIFY2(!yaml.contains("emit: \"first\""), yaml.constData());
    QVERIFY2(yaml.contains("url: \"http://127.0.0.1:3000\""), yaml.constData());
}

// The GUI's selection is a few rows in the middle: the client still connects where the session
// did, with the namespaces it had joined (and not left) by then.
void tst_ScenarioFromSession::selectionKeepsItsConnection()
{
    SessionLog log;
    connecting(&log,
               QStringLiteral("http://127.0.0.1:4567/socket.io/?EIO=4&transport=polling&room=b"));
    append(&log, Out, SocketIoPacket::Connect, QStringLiteral("/"), {});
    append(&log, Out, SocketIoPacket::Connect, QStringLiteral("/chat"), "{\"token\":\"t\"}");
    append(&log, Out, SocketIoPacket::Connect, QStringLiteral("/left"), {});
    append(&log, Out, SocketIoPacket::Disconnect, QStringLiteral("/left"), {});
    append(&log, Out, SocketIoPacket::Event, QStringLiteral("/chat"), "[\"first\"]");
    const qint64 second = log.size();
    append(&log, Out, SocketIoPacket::Event, QStringLiteral("/chat"), "[\"second\"]");
    const QByteArray yaml = written(log, {second});
    QVERIFY2(yaml.contains("url: \"http://127.0.0.1:4567\""), yaml.constData());
    QVERIFY2(yaml.contains("\"room\": \"b\""), yaml.constData());
    QVERIFY2(yaml.contains("- {name: \"/chat\", auth: {\"token\":\"t\"}}"), yaml.constData());
    QVERIFY2(!yaml.contains("/left"), yaml.constData());
    QVERIFY2(yaml.contains("emit: \"second\""), yaml.constData());
    QVERIFY2(!yaml.contains("emit: \"first\""), yaml.constData());
    QVERIFY2(!yaml.contains("join:"), yaml.constData());
}

void tst_ScenarioFromSession::logsThatCannotMakeAScenario()
{
    QByteArray yaml;
    QString error;
    SessionLog empty;
    QVERIFY(!ScenarioFromSession::write(empty, {}, &yaml, &error));
    QCOMPARE(error, QStringLiteral("the log holds no Socket.IO packet to make steps of"));

    SessionLog server;
    SocketIoPacket packet(SocketIoPacket::Event, QStringLiteral("/"), "[\"x\"]");
    PacketRecord record =
        PacketRecord::fromSocketIoPacket(packet, In, TransportKind::WebSocket, {});
    record.session = QStringLiteral("abc");
    server.append(record);
    QVERIFY(!ScenarioFromSession::write(server, {}, &yaml, &error));
    QVERIFY2(error.startsWith(QLatin1String("this is a server's log")), qPrintable(error));

    SessionLog connectOnly;
    append(&connectOnly, Out, SocketIoPacket::Connect, QStringLiteral("/"), {});
    QVERIFY(!ScenarioFromSession::write(connectOnly, {}, &yaml, &error));
    QVERIFY2(error.startsWith(QLatin1String("the log holds no event")), qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_ScenarioFromSession)
#include "tst_scenariofromsession.moc"
