// SessionDiff: two client sessions compared per namespace, sender and event: what is equal
// (identical logs, volatile values of the same kind, events of different names in another order,
// ignored paths) and each kind of difference with the line the user reads.
#include "scenario/sessiondiff.h"
#include "session/sessionlog.h"
#include "socketio/packetrecord.h"
#include "socketio/socketiopacket.h"

#include <QTest>

struct Packet
{
    PacketRecord::Direction direction;
    SocketIoPacket::Type type;
    QString nsp;
    QByteArray payload;
    qint64 id = -1;
};
Q_DECLARE_METATYPE(Packet)

namespace {
constexpr auto In = PacketRecord::Direction::In;
constexpr auto Out = PacketRecord::Direction::Out;

void fill(SessionLog *log, const QList<Packet> &packets)
{
    for (const Packet &p : packets) {
        SocketIoPacket packet(p.type, p.nsp, p.payload, p.id);
        log->append(
            PacketRecord::fromSocketIoPacket(packet, p.direction, TransportKind::WebSocket, {}));
    }
}

// A session with every kind of packet the diff reads: the namespaces' answers (one refused),
// events both ways, an ack both ways, the server's DISCONNECT. Ten packets match themselves.
enum Index {
    Welcome = 4,
    EchoAck = 5,
    EchoAckAnswer = 6,
    Ask = 7,
    AskReply = 8,
    News = 9,
    Tick = 10
};
QList<Packet> original()
{
    return {
        {Out, SocketIoPacket::Connect, QStringLiteral("/"), {}},
        {In, SocketIoPacket::Connect, QStringLiteral("/"), "{\"sid\":\"2RWkypB1uKELiWATAAAA\"}"},
        {Out, SocketIoPacket::Connect, QStringLiteral("/admin"), {}},
        {In, SocketIoPacket::ConnectError, QStringLiteral("/admin"),
         "{\"message\":\"Not authorized\"}"},
        {In, SocketIoPacket::Event, QStringLiteral("/"),
         "[\"welcome\",{\"sid\":\"2RWkypB1uKELiWATAAAA\",\"n\":1}]"},
        {Out, SocketIoPacket::Event, QStringLiteral("/"), "[\"echo-ack\",1,{\"a\":[1,2]}]", 0},
        {In, SocketIoPacket::Ack, QStringLiteral("/"), "[1,{\"a\":[1,2]}]", 0},
        {In, SocketIoPacket::Event, QStringLiteral("/"), "[\"ask\",\"q\"]", 5},
        {Out, SocketIoPacket::Ack, QStringLiteral("/"), "[\"answer\"]", 5},
        {In, SocketIoPacket::Event, QStringLiteral("/"), "[\"news\",1]"},
        {In, SocketIoPacket::Event, QStringLiteral("/"), "[\"tick\",1]"},
        {In, SocketIoPacket::Disconnect, QStringLiteral("/"), {}},
    };
}
constexpr int AllMatched = 10;

QList<Packet> changed(qsizetype index, const QByteArray &payload)
{
    QList<Packet> packets = original();
    packets[index].payload = payload;
    return packets;
}

QList<Packet> without(qsizetype index)
{
    QList<Packet> packets = original();
    packets.removeAt(index);
    return packets;
}
} // namespace

class tst_SessionDiff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void differences_data();
    void differences();
    void serverLogIsRefused();
    void jsonNamesTheDifference();
};

void tst_SessionDiff::differences_data()
{
    QTest::addColumn<QList<Packet>>("a");
    QTest::addColumn<QList<Packet>>("b");
    QTest::addColumn<QStringList>("ignore");
    QTest::addColumn<bool>("strict");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<int>("matched");

    const QStringList none;
    QTest::newRow("identical") << original() << original() << none << false << none << AllMatched;

    QList<Packet> otherSid =
        changed(Welcome, "[\"welcome\",{\"sid\":\"Xk9dPq2LmZr8TvW3AAAB\",\"n\":1}]");
    otherSid[1].payload = "{\"sid\":\"Xk9dPq2LmZr8TvW3AAAB\"}";
    QTest::newRow("volatile sid differs: no difference")
        << original() << otherSid << none << false << none << AllMatched;
    QTest::newRow("volatile sid differs, strict")
        << original() << otherSid << none << true
        << QStringList{QStringLiteral("/: server sent \"welcome\" #1: arguments differ: "
                                      "args[0].sid: expected \"2RWkypB1uKELiWATAAAA\", got "
                                      "\"Xk9dPq2LmZr8TvW3AAAB\"")}
        << AllMatched - 1;
    QTest::newRow("volatile of another kind differs")
        << original()
        << changed(Welcome, "[\"welcome\",{\"sid\":\"2026-12-06T20:41:37.509Z\",\"n\":1}]") << none
        << false
        << QStringList{QStringLiteral("/: server sent \"welcome\" #1: arguments differ: "
                                      "args[0].sid: expected \"2RWkypB1uKELiWATAAAA\", got "
                                      "\"2026-12-06T20:41:37.509Z\"")}
        << AllMatched - 1;

    QTest::newRow("argument differs")
        << original() << changed(News, "[\"news\",2]") << none << false
        << QStringList{QStringLiteral(
               "/: server sent \"news\" #1: arguments differ: args[0]: expected 1, got 2")}
        << AllMatched - 1;
    QTest::newRow("member missing in B: both objects shown")
        << original() << changed(Welcome, "[\"welcome\",{\"sid\":\"Xk9dPq2LmZr8TvW3AAAB\"}]")
        << none << false
        << QStringList{QStringLiteral(
               "/: server sent \"welcome\" #1: arguments differ: args[0]: expected member "
               "\"n\", got nothing (A: {\"n\":1,\"sid\":\"<a session id>\"}, B: "
               "{\"sid\":\"<a session id>\"})")}
        << AllMatched - 1;
    QTest::newRow("argument of our emit differs")
        << original() << changed(EchoAck, "[\"echo-ack\",1,{\"a\":[1,2,3]}]") << none << false
        << QStringList{QStringLiteral("/: we sent \"echo-ack\" #1: arguments differ: args[1].a: "
                                      "expected 2 items, got 3 (A: [1,2], B: [1,2,3])")}
        << AllMatched - 1;
    QTest::newRow("event missing")
        << original() << without(Tick) << none << false
        << QStringList{QStringLiteral("/: server sent \"tick\" #1: missing in B (A: [1])")}
        << AllMatched - 1;
    QList<Packet> extra = original();
    extra.insert(Tick + 1, {In, SocketIoPacket::Event, QStringLiteral("/"), "[\"tick\",2]"});
    QTest::newRow("extra event") << original() << extra << none << false
                                 << QStringList{QStringLiteral(
                                        "/: server sent \"tick\" #2: extra in B (B: [2])")}
                                 << AllMatched;
    QList<Packet> newName = original();
    newName.insert(Tick + 1,
                   {In, SocketIoPacket::Event, QStringLiteral("/admin"), "[\"surprise\"]"});
    QTest::newRow("extra event of a name A never saw")
        << original() << newName << none << false
        << QStringList{QStringLiteral("/admin: server sent \"surprise\" #1: extra in B (B: [])")}
        << AllMatched;

    QTest::newRow("ack differs") << original() << changed(EchoAckAnswer, "[1,{\"a\":[1,3]}]")
                                 << none << false
                                 << QStringList{QStringLiteral(
                                        "/: we sent \"echo-ack\" #1: the server's ack differs: "
                                        "ack[1].a[1]: expected 2, got 3")}
                                 << AllMatched - 1;
    QTest::newRow("ack missing")
        << original() << without(EchoAckAnswer) << none << false
        << QStringList{QStringLiteral(
               "/: we sent \"echo-ack\" #1: the server's ack is missing in B")}
        << AllMatched - 1;
    QTest::newRow("our reply differs")
        << original() << changed(AskReply, "[\"other\"]") << none << false
        << QStringList{QStringLiteral("/: server sent \"ask\" #1: our ack differs: ack[0]: "
                                      "expected \"answer\", got \"other\"")}
        << AllMatched - 1;
    QList<Packet> noAckAsked = without(AskReply);
    noAckAsked[Ask].id = -1;
    QTest::newRow("ack asked in A only")
        << original() << noAckAsked << none << false
        << QStringList{QStringLiteral(
               "/: server sent \"ask\" #1: asks for an ack in A, no ack in B")}
        << AllMatched - 1;

    QList<Packet> accepted = original();
    accepted[3] = {In, SocketIoPacket::Connect, QStringLiteral("/admin"),
                   "{\"sid\":\"Xk9dPq2LmZr8TvW3AAAB\"}"};
    QTest::newRow("refused in A, accepted in B")
        << original() << accepted << none << false
        << QStringList{QStringLiteral("/admin: server answered CONNECT #1: refused "
                                      "(\"Not authorized\") in A, accepted in B")}
        << AllMatched - 1;
    QTest::newRow("refused with another message")
        << original() << changed(3, "{\"message\":\"Forbidden\"}") << none << false
        << QStringList{QStringLiteral("/admin: server answered CONNECT #1: refused (\"Not "
                                      "authorized\") in A, refused (\"Forbidden\") in B")}
        << AllMatched - 1;
    QTest::newRow("server's disconnect missing")
        << original() << without(11) << none << false
        << QStringList{QStringLiteral("/: server sent DISCONNECT #1: missing in B")}
        << AllMatched - 1;

    QList<Packet> reordered = original();
    reordered.swapItemsAt(News, Tick);
    reordered.move(Welcome, Tick);
    QTest::newRow("different events in another order: no difference")
        << original() << reordered << none << false << none << AllMatched;
    // The same event twice: the i-th against the i-th, so their order is compared.
    QList<Packet> twice = original(), swapped = original();
    twice.insert(News + 1, {In, SocketIoPacket::Event, QStringLiteral("/"), "[\"news\",2]"});
    swapped = twice;
    swapped.swapItemsAt(News, News + 1);
    QTest::newRow("the same event in another order")
        << twice << swapped << none << false
        << QStringList{QStringLiteral("/: server sent \"news\" #1: arguments differ: args[0]: "
                                      "expected 1, got 2"),
                       QStringLiteral("/: server sent \"news\" #2: arguments differ: args[0]: "
                                      "expected 2, got 1")}
        << AllMatched - 1;

    QTest::newRow("ignore-path on an argument")
        << original()
        << changed(Welcome, "[\"welcome\",{\"sid\":\"2RWkypB1uKELiWATAAAA\",\"n\":7}]")
        << QStringList{QStringLiteral("args[0].n")} << false << none << AllMatched;
    QTest::newRow("ignore-path on a member present in B only")
        << original()
        << changed(Welcome, "[\"welcome\",{\"sid\":\"2RWkypB1uKELiWATAAAA\",\"n\":1,\"t\":3}]")
        << QStringList{QStringLiteral("args[0].t")} << false << none << AllMatched;
    QTest::newRow("ignore-path on an ack item")
        << original() << changed(EchoAckAnswer, "[1,{\"a\":[1,3]}]")
        << QStringList{QStringLiteral("ack[1].a[1]")} << false << none << AllMatched;
    QTest::newRow("ignore-path elsewhere ignores nothing")
        << original() << changed(News, "[\"news\",2]") << QStringList{QStringLiteral("ack[0]")}
        << false
        << QStringList{QStringLiteral(
               "/: server sent \"news\" #1: arguments differ: args[0]: expected 1, got 2")}
        << AllMatched - 1;
}

void tst_SessionDiff::differences()
{
    QFETCH(QList<Packet>, a);
    QFETCH(QList<Packet>, b);
    QFETCH(QStringList, ignore);
    QFETCH(bool, strict);
    QFETCH(QStringList, expected);
    QFETCH(int, matched);

    SessionLog x, y;
    fill(&x, a);
    fill(&y, b);
    SessionDiffOptions options;
    options.strict = strict;
    for (const QString &text : ignore) {
        JsonPath path;
        QString error;
        QVERIFY2(JsonPath::parse(text, &path, &error), qPrintable(error));
        options.ignorePaths.append(path);
    }
    SessionDiffResult result;
    QString error;
    QVERIFY2(SessionDiff::compare(x, y, options, &result, &error), qPrintable(error));
    QStringList lines;
    for (const SessionDifference &difference : std::as_const(result.differences))
        lines.append(difference.toString());
    QCOMPARE(lines, expected);
    QCOMPARE(result.matched, matched);
}

void tst_SessionDiff::serverLogIsRefused()
{
    SessionLog server, client;
    fill(&client, original());
    SocketIoPacket packet(SocketIoPacket::Event, QStringLiteral("/"), "[\"x\"]");
    PacketRecord record =
        PacketRecord::fromSocketIoPacket(packet, In, TransportKind::WebSocket, {});
    record.session = QStringLiteral("2RWkypB1uKELiWATAAAA");
    server.append(record);
    SessionDiffResult result;
    QString error;
    QVERIFY(!SessionDiff::compare(client, server, {}, &result, &error));
    QVERIFY2(error.startsWith(QStringLiteral("B: this is a server's log")), qPrintable(error));
}

void tst_SessionDiff::jsonNamesTheDifference()
{
    SessionLog x, y;
    fill(&x, original());
    fill(&y, changed(EchoAckAnswer, "[1,{\"a\":[1,3]}]"));
    SessionDiffResult result;
    QString error;
    QVERIFY(SessionDiff::compare(x, y, {}, &result, &error));
    QCOMPARE(result.differences.size(), 1);
    const QJsonObject json = result.differences.first().toJson();
    QCOMPARE(json.value(QStringLiteral("kind")).toString(), QStringLiteral("ack"));
    QCOMPARE(json.value(QStringLiteral("sender")).toString(), QStringLiteral("client"));
    QCOMPARE(json.value(QStringLiteral("event")).toString(), QStringLiteral("echo-ack"));
    QCOMPARE(json.value(QStringLiteral("occurrence")).toInt(), 1);
    QCOMPARE(json.value(QStringLiteral("path")).toString(), QStringLiteral("ack[1].a[1]"));
    QCOMPARE(json.value(QStringLiteral("a")).toString(), QStringLiteral("2"));
    QCOMPARE(json.value(QStringLiteral("b")).toString(), QStringLiteral("3"));
    QCOMPARE(json.value(QStringLiteral("rowA")).toInteger(), qint64(EchoAck));
    QCOMPARE(json.value(QStringLiteral("rowB")).toInteger(), qint64(EchoAck));
}

QTEST_GUILESS_MAIN(tst_SessionDiff)
#include "tst_sessiondiff.moc"
