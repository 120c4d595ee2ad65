// SessionReplay: what a recorded client session becomes when it is played again (the steps we
// sent with their delays per namespace, the namespaces with their auth, our replies to the
// server's ack requests by occurrence), and how a recorded session is told from a send script.
#include "session/sessionlog.h"
#include "session/sessionreplay.h"
#include "socketio/packetrecord.h"
#include "socketio/socketiopacket.h"

#include <QJsonDocument>
#include <QTest>

class tst_SessionReplay : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void isSessionLog_data();
    void isSessionLog();
    void stepsKeepTheirDelaysPerNamespace();
    void repliesByOccurrence();
    void namespacesWithTheirAuth();
    void trailingDisconnectsAreTheRecorders();
    void logsThatCannotBeReplayed_data();
    void logsThatCannotBeReplayed();
};

namespace {
constexpr auto In = PacketRecord::Direction::In;
constexpr auto Out = PacketRecord::Direction::Out;
constexpr qint64 T0 = 1765000000000000; // microseconds

void append(SessionLog *log, qint64 ms, PacketRecord::Direction direction,
            SocketIoPacket::Type type, const QString &nsp, const QByteArray &payload,
            qint64 id = -1, const QList<QByteArray> &attachments = {})
{
    SocketIoPacket packet(type, nsp, payload, id);
    packet.attachments = attachments;
    PacketRecord record =
        PacketRecord::fromSocketIoPacket(packet, direction, TransportKind::WebSocket, {});
    record.timeUs = T0 + ms * 1000;
    log->append(record);
}

const QString Root = QStringLiteral("/");
const QString Chat = QStringLiteral("/chat");

QByteArray compact(const QJsonArray &array)
{
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}
} // namespace

void tst_SessionReplay::isSessionLog_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("sessionLog");
    QTest::newRow("send script") << QByteArray("{\"type\":\"EVENT\",\"data\":[\"hi\"]}\n") << false;
    QTest::newRow("send script after comments")
        << QByteArray("# say hi\n\n{\"type\":\"EVENT\",\"data\":[\"hi\"]}\n") << false;
    QTest::newRow("JSON Lines log")
        << QByteArray("{\"ts\":\"2026-11-24T15:20:01.123456Z\",\"dir\":\"out\",\"layer\":\"sio\","
                      "\"type\":\"CONNECT\",\"nsp\":\"/\"}\n")
        << true;
    QTest::newRow("HAR") << QByteArray("{\n  \"log\": {\"version\": \"1.2\", \"entries\": []}}")
                         << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("not JSON") << QByteArray("hello\n") << false;
}

void tst_SessionReplay::isSessionLog()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, sessionLog);
    QCOMPARE(SessionReplay::isSessionLog(text), sessionLog);
}

// Each step waits, as a send script's delay_ms, for the time since our previous step on its
// namespace, or since the namespace connected. What the server sent in between is not a step.
void tst_SessionReplay::stepsKeepTheirDelaysPerNamespace()
{
    SessionLog log;
    append(&log, 0, Out, SocketIoPacket::Connect, Root, {});
    append(&log, 1, Out, SocketIoPacket::Connect, Chat, {});
    append(&log, 10, In, SocketIoPacket::Connect, Root, "{\"sid\":\"a\"}");
    append(&log, 30, In, SocketIoPacket::Connect, Chat, "{\"sid\":\"b\"}");
    append(&log, 60, Out, SocketIoPacket::Event, Root, "[\"first\",1]", 0);
    append(&log, 70, In, SocketIoPacket::Ack, Root, "[1]", 0);
    append(&log, 80, Out, SocketIoPacket::Event, Chat, "[\"on-chat\"]");
    append(&log, 360, Out, SocketIoPacket::BinaryEvent, Root,
           "[\"upload\",{\"_placeholder\":true,\"num\":0}]", -1, {QByteArray("\x01\x02", 2)});
    append(&log, 500, Out, SocketIoPacket::Disconnect, Chat, {});
    append(&log, 900, Out, SocketIoPacket::Event, Root, "[\"last\"]");
    ReplayPlan plan;
    QString error;
    QVERIFY2(SessionReplay::plan(log, &plan, &error), qPrintable(error));
    QCOMPARE(plan.steps.size(), 5);
    const ScriptStep &first = plan.steps.at(0);
    QCOMPARE(first.nsp, Root);
    QCOMPARE(compact(first.data), QByteArray("[\"first\",1]"));
    QVERIFY(first.ack);
    QCOMPARE(first.delayMs, 50); // since / connected at 10 ms
    QCOMPARE(plan.steps.at(1).nsp, Chat);
    QCOMPARE(plan.steps.at(1).delayMs, 50); // since /chat connected at 30 ms
    QVERIFY(!plan.steps.at(1).ack);
    const ScriptStep &upload = plan.steps.at(2);
    QCOMPARE(upload.delayMs, 300); // since "first" at 60 ms
    QCOMPARE(upload.attachments, QList<QByteArray>{QByteArray("\x01\x02", 2)});
    QCOMPARE(compact(upload.data), QByteArray("[\"upload\",{\"_placeholder\":true,\"num\":0}]"));
    QCOMPARE(plan.steps.at(3).type, SocketIoPacket::Disconnect); // a leave mid-session
    QCOMPARE(plan.steps.at(3).delayMs, 420);
    QCOMPARE(plan.steps.at(4).delayMs, 540);
    QCOMPARE(plan.lengthMs, 900);
    QVERIFY(plan.warnings.isEmpty());
}

// The n-th request of an event gets the n-th recorded reply; one we did not answer stays
// unanswered and keeps the later ones in their place; past the recorded ones, the last reply.
void tst_SessionReplay::repliesByOccurrence()
{
    SessionLog log;
    append(&log, 0, Out, SocketIoPacket::Connect, Root, {});
    append(&log, 1, In, SocketIoPacket::Connect, Root, "{\"sid\":\"a\"}");
    append(&log, 2, In, SocketIoPacket::Event, Root, "[\"ask\",1]", 7);
    append(&log, 3, Out, SocketIoPacket::Ack, Root, "[\"one\"]", 7);
    append(&log, 4, In, SocketIoPacket::Event, Root, "[\"ask\",2]", 8); // not answered
    append(&log, 5, In, SocketIoPacket::Event, Root, "[\"ask\",3]", 9);
    append(&log, 6, Out, SocketIoPacket::BinaryAck, Root, "[{\"_placeholder\":true,\"num\":0}]", 9,
           {QByteArray("bin")});
    append(&log, 7, In, SocketIoPacket::Event, Chat, "[\"ask\"]", 1); // another namespace
    append(&log, 8, In, SocketIoPacket::Event, Root, "[\"tell\"]");   // asks nothing
    ReplayPlan plan;
    QString error;
    QVERIFY2(SessionReplay::plan(log, &plan, &error), qPrintable(error));
    QCOMPARE(plan.replies.count(), 2);
    const auto first = plan.replies.replyTo(Root, QStringLiteral("ask"), 0);
    QVERIFY(first);
    QCOMPARE(compact(first->data), QByteArray("[\"one\"]"));
    QVERIFY(!plan.replies.replyTo(Root, QStringLiteral("ask"), 1));
    const auto third = plan.replies.replyTo(Root, QStringLiteral("ask"), 2);
    QVERIFY(third);
    QCOMPARE(third->attachments, QList<QByteArray>{QByteArray("bin")});
    const auto later = plan.replies.replyTo(Root, QStringLiteral("ask"), 5);
    QVERIFY(later);
    QCOMPARE(later->attachments, QList<QByteArray>{QByteArray("bin")});
    QVERIFY(!plan.replies.replyTo(Chat, QStringLiteral("ask"), 0));
    QVERIFY(!plan.replies.replyTo(Root, QStringLiteral("tell"), 0));
}

void tst_SessionReplay::namespacesWithTheirAuth()
{
    SessionLog log;
    append(&log, 0, Out, SocketIoPacket::Connect, Root, {});
    append(&log, 0, Out, SocketIoPacket::Connect, QStringLiteral("/admin"),
           "{\"token\":\"[redacted]\",\"role\":\"x\"}");
    append(&log, 0, Out, SocketIoPacket::Connect, QStringLiteral("/v4"), "token=abc&room=a%20b");
    ReplayPlan plan;
    QString error;
    QVERIFY2(SessionReplay::plan(log, &plan, &error), qPrintable(error));
    QCOMPARE(plan.namespaces.size(), 3);
    QCOMPARE(plan.namespaces.at(0).first, Root);
    QVERIFY(plan.namespaces.at(0).second.isEmpty());
    QCOMPARE(plan.namespaces.at(1).second.value(QLatin1String("role")).toString(),
             QStringLiteral("x"));
    // socket.io 2 sends the auth as the namespace's query string.
    QCOMPARE(plan.namespaces.at(2).second.value(QLatin1String("room")).toString(),
             QStringLiteral("a b"));
    QCOMPARE(plan.warnings.size(), 1);
    QVERIFY2(plan.warnings.first().contains(QLatin1String("the auth of /admin was redacted")),
             qPrintable(plan.warnings.first()));
}

void tst_SessionReplay::trailingDisconnectsAreTheRecorders()
{
    SessionLog log;
    append(&log, 0, Out, SocketIoPacket::Connect, Root, {});
    append(&log, 1, In, SocketIoPacket::Connect, Root, "{\"sid\":\"a\"}");
    append(&log, 5, Out, SocketIoPacket::Event, Root, "[\"only\"]");
    append(&log, 1000, Out, SocketIoPacket::Disconnect, Root, {});
    ReplayPlan plan;
    QString error;
    QVERIFY2(SessionReplay::plan(log, &plan, &error), qPrintable(error));
    QCOMPARE(plan.steps.size(), 1);
    QCOMPARE(plan.lengthMs, 1000);
}

void tst_SessionReplay::logsThatCannotBeReplayed_data()
{
    QTest::addColumn<bool>("serverLog");
    QTest::addColumn<bool>("onlyReceived");
    QTest::addColumn<QString>("error");
    QTest::newRow("empty") << false << false << QStringLiteral("the log is empty");
    QTest::newRow("a server's log") << true << false << QStringLiteral("this is a server's log");
    QTest::newRow("nothing we sent")
        << false << true << QStringLiteral("the log holds nothing we sent");
}

void tst_SessionReplay::logsThatCannotBeReplayed()
{
    QFETCH(bool, serverLog);
    QFETCH(bool, onlyReceived);
    QFETCH(QString, error);
    SessionLog log;
    if (serverLog) {
        SocketIoPacket packet(SocketIoPacket::Event, Root, "[\"x\"]");
        PacketRecord record =
            PacketRecord::fromSocketIoPacket(packet, In, TransportKind::WebSocket, {});
        record.session = QStringLiteral("abc");
        log.append(record);
    }
    if (onlyReceived)
        append(&log, 0, In, SocketIoPacket::Event, Root, "[\"x\"]");
    ReplayPlan plan;
    QString message;
    QVERIFY(!SessionReplay::plan(log, &plan, &message));
    QVERIFY2(message.startsWith(error), qPrintable(message));
}

QTEST_GUILESS_MAIN(tst_SessionReplay)
#include "tst_sessionreplay.moc"
