// Replay (`sioscope-cli record <url> --send <session.jsonl>`, the real binary) against the real
// reference servers from npm (socket.io 4.8 and 2.5, tests/peers/server.js): a session recorded
// with a send script is played again; what we sent is sent again per namespace, with its timing
// at --speed; the server's ack requests are answered as recorded, the n-th with the n-th reply;
// the run ends by itself at the recording's length. Misuse is a usage error (exit 2) that names
// the file and what is wrong. A missing server fails, it never skips.
#include "clirun.h"
#include "logsearch.h"
#include "referenceserver.h"
#include "session/logexport.h"
#include "session/sessionlog.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

namespace {
constexpr int RunTimeoutMs = 30000;
constexpr auto In = PacketRecord::Direction::In;
constexpr auto Out = PacketRecord::Direction::Out;

bool readLog(const QString &path, SessionLog *log, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.errorString();
        return false;
    }
    return LogImporter::read(&file, log, error);
}

// Every Socket.IO packet of that direction and type, as "nsp payload": per namespace in order,
// the namespaces one after another (they play independently, so their interleaving is timing).
QStringList packets(const SessionLog &log, PacketRecord::Direction direction, QList<int> types)
{
    QStringList out;
    for (qint64 row = 0; row < log.size(); ++row)
        if (log.layer(row) == PacketRecord::Layer::SocketIo && log.direction(row) == direction &&
            types.contains(log.type(row)))
            out.append(log.nsp(row) + QLatin1Char(' ') +
                       QString::fromUtf8(log.payload(row).toByteArray()));
    std::stable_sort(out.begin(), out.end(), [](const QString &a, const QString &b) {
        return a.section(QLatin1Char(' '), 0, 0) < b.section(QLatin1Char(' '), 0, 0);
    });
    return out;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(bytes) == bytes.size();
}
} // namespace

class tst_ReplayPeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void replayAsRecorded_data();
    void replayAsRecorded();
    void usageErrors_data();
    void usageErrors();

private:
    QTemporaryDir m_dir;
    ReferenceServer m_socketIo4;
    ReferenceServer m_socketIo2;
};

void tst_ReplayPeer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error;
    ReferenceServer::Options options;
    QVERIFY2(m_socketIo4.start(options, &error), qPrintable(error));
    options.flavor = ReferenceServer::Flavor::SocketIo2;
    QVERIFY2(m_socketIo2.start(options, &error), qPrintable(error));
}

void tst_ReplayPeer::replayAsRecorded_data()
{
    QTest::addColumn<bool>("v5");
    QTest::newRow("socket.io 4.8") << true;
    QTest::newRow("socket.io 2.5") << false;
}

void tst_ReplayPeer::replayAsRecorded()
{
    QFETCH(bool, v5);
    const QString url = (v5 ? m_socketIo4 : m_socketIo2).url().toString();
    const QString eio = v5 ? QStringLiteral("4") : QStringLiteral("3");
    const QString script = m_dir.filePath(QStringLiteral("script.jsonl"));
    QVERIFY(writeFile(script,
                      "{\"type\":\"EVENT\",\"data\":[\"echo-ack\",1,{\"a\":[true,null]}],"
                      "\"ack\":true}\n"
                      "{\"type\":\"EVENT\",\"data\":[\"request-ack\",\"q1\"]}\n"
                      "{\"type\":\"EVENT\",\"data\":[\"request-ack\",\"q2\"],\"delay_ms\":600}\n"
                      "{\"type\":\"EVENT\",\"data\":[\"echo\",\"x\",{\"_placeholder\":true,"
                      "\"num\":0}],\"attachments\":[\"AQID\"]}\n"
                      "{\"type\":\"EVENT\",\"nsp\":\"/chat\",\"data\":[\"echo\",\"on chat\"]}\n"));
    const QString recordedPath = m_dir.filePath(QStringLiteral("recorded.jsonl"));
    const QStringList record{QStringLiteral("record"),     url,
                             QStringLiteral("--eio"),      eio,
                             QStringLiteral("-n"),         QStringLiteral("/"),
                             QStringLiteral("-n"),         QStringLiteral("/chat"),
                             QStringLiteral("--send"),     script,
                             QStringLiteral("--auto-ack"), QStringLiteral("[\"answer\"]"),
                             QStringLiteral("--duration"), QStringLiteral("1.2"),
                             QStringLiteral("-o"),         recordedPath};
    const CliRun recorded(record, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(recorded.exitCode == 0, recorded.describe(record));

    // The client we replay answered its second ack request differently from the first: the
    // replay must give each request its own reply, which --auto-ack alone cannot.
    QFile recordedFile(recordedPath);
    QVERIFY(recordedFile.open(QIODevice::ReadOnly));
    QList<QByteArray> lines = recordedFile.readAll().split('\n');
    recordedFile.close();
    int acks = 0;
    for (QByteArray &line : lines)
        if (line.contains("\"dir\":\"out\"") && line.contains("\"type\":\"ACK\"") && ++acks == 2)
            line.replace("[\"answer\"]", "[\"second\"]")
                .replace("[\\\"answer\\\"]", "[\\\"second\\\"]");
    QCOMPARE(acks, 2);
    QVERIFY(writeFile(recordedPath, lines.join('\n')));
    SessionLog original;
    QString error;
    QVERIFY2(readLog(recordedPath, &original, &error), qPrintable(error));

    // Played again at twice the speed, without --auto-ack and without -n: the namespaces come
    // from the session.
    const QString replayPath = m_dir.filePath(QStringLiteral("replay.jsonl"));
    const QStringList replay{
        QStringLiteral("record"), url,          QStringLiteral("--eio"),   eio,
        QStringLiteral("--send"), recordedPath, QStringLiteral("--speed"), QStringLiteral("2"),
        QStringLiteral("-o"),     replayPath};
    QElapsedTimer clock;
    clock.start();
    const CliRun replayed(replay, environmentWithoutProxies(), RunTimeoutMs);
    const qint64 tookMs = clock.elapsed();
    QVERIFY2(replayed.exitCode == 0, replayed.describe(replay));
    // It ends by itself: the recording's length (about 1.2 s) at twice the speed, and 1 s.
    QVERIFY2(tookMs < 5000, QByteArray::number(tookMs));
    SessionLog log;
    QVERIFY2(readLog(replayPath, &log, &error), qPrintable(error));

    // What we sent is sent again, per namespace in order, binary included.
    const QList<int> events{SocketIoPacket::Event, SocketIoPacket::BinaryEvent};
    QCOMPARE(packets(log, Out, events), packets(original, Out, events));
    // The same namespaces joined (socket.io 2 joins "/" without a CONNECT).
    QCOMPARE(packets(log, Out, {SocketIoPacket::Connect}),
             packets(original, Out, {SocketIoPacket::Connect}));
    // Each ack request got its recorded reply, and the server saw them.
    const QStringList replies = packets(log, Out, {SocketIoPacket::Ack});
    QCOMPARE(replies.size(), 2);
    QCOMPARE(replies.at(0), QStringLiteral("/ [\"answer\"]"));
    QCOMPARE(replies.at(1), QStringLiteral("/ [\"second\"]"));
    QVERIFY(findRecord(log, In, SocketIoPacket::Event, QStringLiteral("/"),
                       QStringLiteral("answered")) >= 0);
    QStringList answered;
    for (const QString &packet : packets(log, In, {SocketIoPacket::Event}))
        if (packet.contains(QLatin1String("\"answered\"")))
            answered.append(packet);
    QCOMPARE(answered, (QStringList{QStringLiteral("/ [\"answered\",[\"answer\"]]"),
                                    QStringLiteral("/ [\"answered\",[\"second\"]]")}));
    // Our ack request was answered again.
    QVERIFY(findRecord(log, In, SocketIoPacket::Ack, QStringLiteral("/")) >= 0);

    // The 600 ms between q1 and q2, at twice the speed.
    const qint64 q1 = findRecord(log, Out, SocketIoPacket::Event, QStringLiteral("/"),
                                 QStringLiteral("request-ack"));
    const qint64 q2 = findRecord(log, Out, SocketIoPacket::Event, QStringLiteral("/"),
                                 QStringLiteral("request-ack"), q1 + 1);
    QVERIFY(q1 >= 0 && q2 > q1);
    const qint64 gapMs = (log.timeUs(q2) - log.timeUs(q1)) / 1000;
    QVERIFY2(gapMs >= 290 && gapMs < 600, QByteArray::number(gapMs));
}

void tst_ReplayPeer::usageErrors_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("expected");
    const QByteArray log = "{\"ts\":\"2026-11-24T15:20:01.123456Z\",\"dir\":\"out\",\"layer\":"
                           "\"sio\",\"type\":\"CONNECT\",\"nsp\":\"/\",\"raw\":\"40\"}\n";
    QTest::newRow("speed zero") << log
                                << QStringList{QStringLiteral("--speed"), QStringLiteral("0")}
                                << QStringLiteral("--speed must be a positive factor");
    QTest::newRow("a broken line")
        << QByteArray(log + "{\"ts\":\"2026-11-24T15:20:02Z\",\"dir\":\n") << QStringList{}
        << QStringLiteral("line 2");
    QTest::newRow("a server's log")
        << QByteArray("{\"ts\":\"2026-11-24T15:20:01.123456Z\",\"dir\":\"in\",\"layer\":\"sio\","
                      "\"type\":\"EVENT\",\"nsp\":\"/\",\"data\":[\"x\"],\"session\":\"abc\"}\n")
        << QStringList{} << QStringLiteral("this is a server's log");
    QTest::newRow("nothing we sent")
        << QByteArray("{\"ts\":\"2026-11-24T15:20:01.123456Z\",\"dir\":\"in\",\"layer\":\"sio\","
                      "\"type\":\"EVENT\",\"nsp\":\"/\",\"data\":[\"x\"]}\n")
        << QStringList{} << QStringLiteral("the log holds nothing we sent");
}

void tst_ReplayPeer::usageErrors()
{
    QFETCH(QByteArray, file);
    QFETCH(QStringList, extra);
    QFETCH(QString, expected);
    const QString path = m_dir.filePath(QStringLiteral("bad.jsonl"));
    QVERIFY(writeFile(path, file));
    const QStringList arguments =
        QStringList{QStringLiteral("record"), m_socketIo4.url().toString(),
                    QStringLiteral("--send"), path} +
        extra;
    const CliRun run(arguments, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(run.exitCode == 2, run.describe(arguments));
    QVERIFY2(run.err.contains(expected.toUtf8()), run.describe(arguments));
    QVERIFY2(run.err.contains(path.toUtf8()) || expected.startsWith(QLatin1String("--")),
             run.describe(arguments));
}

QTEST_GUILESS_MAIN(tst_ReplayPeer)
#include "tst_replay_peer.moc"
