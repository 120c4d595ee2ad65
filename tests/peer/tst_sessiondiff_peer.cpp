// `sioscope-cli diff` on real recordings against the real socket.io servers (4.8 and 2.5,
// tests/peers/server.js): a recorded session replayed (`record --send session.jsonl`) against the
// same server gives no difference, although session ids and timing differ, whether the original
// is read as JSON Lines or HAR, and so does the same send script recorded twice; replayed against
// a server whose echo-ack answer changed, the diff names that ack and the path.
// Then the exit status of a log that cannot be read and of the usage errors.
#include "clirun.h"
#include "referenceserver.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

namespace {
constexpr int RunTimeoutMs = 30000;
} // namespace
Q_DECLARE_METATYPE(ReferenceServer::Flavor)

class tst_SessionDiffPeer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void replayAgainstTheSameAndAChangedServer_data();
    void replayAgainstTheSameAndAChangedServer();
    void unreadableLogAndUsage();

private:
    // Records the send script against `url`, into `log`, for 2 s: time for every answer (the
    // ask our reply answers, then `answered`) to be in even on a loaded machine, or the runs
    // would differ by a late packet.
    void record(const QString &url, bool v5, const QString &log);
    // Replays the recorded session `original` against `url` (`record --send`, at twice the
    // speed; it stops by itself), into `log`.
    void replay(const QString &url, bool v5, const QString &original, const QString &log);
    void run(const QStringList &arguments, const QString &log);

    QTemporaryDir m_dir;
    QString m_script;
};

void tst_SessionDiffPeer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_script = m_dir.filePath(QStringLiteral("script.jsonl"));
    QFile file(m_script);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    // An ack of ours, an ack the server asks for, a binary, a second namespace; /admin refuses.
    file.write("{\"type\":\"EVENT\",\"data\":[\"echo-ack\",1,{\"a\":[true,null]}],\"ack\":true}\n"
               "{\"type\":\"EVENT\",\"data\":[\"request-ack\",\"question\"]}\n"
               "{\"type\":\"EVENT\",\"data\":[\"echo\",\"x\",{\"_placeholder\":true,\"num\":0}],"
               "\"attachments\":[\"AQID\"]}\n"
               "{\"type\":\"EVENT\",\"nsp\":\"/chat\",\"data\":[\"echo\",\"on chat\"]}\n");
}

void tst_SessionDiffPeer::record(const QString &url, bool v5, const QString &log)
{
    run({QStringLiteral("record"), url, QStringLiteral("--eio"),
         v5 ? QStringLiteral("4") : QStringLiteral("3"), QStringLiteral("-n"), QStringLiteral("/"),
         QStringLiteral("-n"), QStringLiteral("/chat"), QStringLiteral("-n"),
         QStringLiteral("/admin"), QStringLiteral("--send"), m_script, QStringLiteral("--auto-ack"),
         QStringLiteral("[\"answer\"]"), QStringLiteral("--duration"), QStringLiteral("2"),
         QStringLiteral("-o"), log},
        log);
}

void tst_SessionDiffPeer::replay(const QString &url, bool v5, const QString &original,
                                 const QString &log)
{
    run({QStringLiteral("record"), url, QStringLiteral("--eio"),
         v5 ? QStringLiteral("4") : QStringLiteral("3"), QStringLiteral("--send"), original,
         QStringLiteral("--speed"), QStringLiteral("2"), QStringLiteral("-o"), log},
        log);
}

void tst_SessionDiffPeer::run(const QStringList &arguments, const QString &log)
{
    const CliRun result(arguments, environmentWithoutProxies(), RunTimeoutMs);
    // 1: /admin refused us, which the recording reports.
    QVERIFY2(result.exitCode == 0 || result.exitCode == 1, result.describe(arguments));
    QVERIFY2(QFile::exists(log), result.describe(arguments));
}

void tst_SessionDiffPeer::replayAgainstTheSameAndAChangedServer_data()
{
    QTest::addColumn<ReferenceServer::Flavor>("flavor");
    QTest::newRow("socket.io 4.8") << ReferenceServer::Flavor::SocketIo4;
    QTest::newRow("socket.io 2.5") << ReferenceServer::Flavor::SocketIo2;
}

void tst_SessionDiffPeer::replayAgainstTheSameAndAChangedServer()
{
    QFETCH(ReferenceServer::Flavor, flavor);
    const bool v5 = flavor == ReferenceServer::Flavor::SocketIo4;
    QString error;
    ReferenceServer server;
    ReferenceServer::Options options;
    options.flavor = flavor;
    QVERIFY2(server.start(options, &error), qPrintable(error));
    ReferenceServer changed;
    options.changedAck = true;
    QVERIFY2(changed.start(options, &error), qPrintable(error));

    // The original; the same script recorded again; the original replayed against the same
    // server and against the changed one.
    const QString original = m_dir.filePath(QStringLiteral("original.jsonl"));
    const QString again = m_dir.filePath(QStringLiteral("again.jsonl"));
    const QString replayed = m_dir.filePath(QStringLiteral("replayed.jsonl"));
    const QString other = m_dir.filePath(QStringLiteral("changed.jsonl"));
    record(server.url().toString(), v5, original);
    record(server.url().toString(), v5, again);
    if (QTest::currentTestFailed())
        return;
    replay(server.url().toString(), v5, original, replayed);
    replay(changed.url().toString(), v5, original, other);
    if (QTest::currentTestFailed())
        return;

    const QStringList same{QStringLiteral("diff"), original, replayed};
    const CliRun equal(same, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(equal.exitCode == 0, equal.describe(same) + "\n" + equal.out);
    QVERIFY2(equal.out.contains("no difference: "), equal.out.constData());
    QVERIFY2(equal.out.startsWith("A: " + original.toUtf8() + " ("), equal.out.constData());
    // A HAR of the original is read as well (the log importer tells them apart by content).
    const QString har = m_dir.filePath(QStringLiteral("original.har"));
    const QStringList convert{QStringLiteral("convert"), original, har, QStringLiteral("--format"),
                              QStringLiteral("har")};
    const CliRun converted(convert, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(converted.exitCode == 0, converted.describe(convert));
    const QStringList fromHar{QStringLiteral("diff"), har, replayed};
    const CliRun harRun(fromHar, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(harRun.exitCode == 0, harRun.describe(fromHar) + "\n" + harRun.out);
    // The same count of packets matched either way.
    const QByteArray matchedLine = equal.out.mid(equal.out.indexOf("no difference: "));
    QVERIFY2(harRun.out.endsWith(matchedLine), harRun.out + "\n" + equal.out);
    // The session ids in the welcomes differ; compared strictly they are differences.
    // The script recorded twice, too.
    const QStringList twice{QStringLiteral("diff"), original, again};
    const CliRun twiceRun(twice, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(twiceRun.exitCode == 0, twiceRun.describe(twice) + "\n" + twiceRun.out);
    const QStringList strict{QStringLiteral("diff"), original, again, QStringLiteral("--strict")};
    const CliRun strictRun(strict, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(strictRun.exitCode == 1, strictRun.describe(strict) + "\n" + strictRun.out);
    QVERIFY2(strictRun.out.contains("/: server sent \"welcome\" #1: arguments differ: "
                                    "args[0].sid: expected \""),
             strictRun.out.constData());

    const QStringList against{QStringLiteral("diff"), original, other};
    const CliRun differs(against, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(differs.exitCode == 1, differs.describe(against) + "\n" + differs.out);
    QVERIFY2(differs.out.contains("/: we sent \"echo-ack\" #1: the server's ack differs: ack: "
                                  "expected 2 items, got 3 (A: [1,{\"a\":[true,null]}], B: "
                                  "[1,{\"a\":[true,null]},\"changed\"])\n1 difference ("),
             differs.out.constData());

    const QStringList json{QStringLiteral("diff"), original, other, QStringLiteral("--json")};
    const CliRun jsonRun(json, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(jsonRun.exitCode == 1, jsonRun.describe(json));
    const QJsonObject report = QJsonDocument::fromJson(jsonRun.out).object();
    const QJsonArray differences = report.value(QStringLiteral("differences")).toArray();
    QCOMPARE(differences.size(), 1);
    const QJsonObject difference = differences.first().toObject();
    QCOMPARE(difference.value(QStringLiteral("kind")).toString(), QStringLiteral("ack"));
    QCOMPARE(difference.value(QStringLiteral("event")).toString(), QStringLiteral("echo-ack"));
    QCOMPARE(difference.value(QStringLiteral("path")).toString(), QStringLiteral("ack"));
    QVERIFY(report.value(QStringLiteral("matched")).toInt() > 5);

    // Ignoring the ack's payload leaves no difference.
    const QStringList ignored{QStringLiteral("diff"), original, other,
                              QStringLiteral("--ignore-path"), QStringLiteral("ack")};
    const CliRun ignoredRun(ignored, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(ignoredRun.exitCode == 0, ignoredRun.describe(ignored) + "\n" + ignoredRun.out);
}

void tst_SessionDiffPeer::unreadableLogAndUsage()
{
    const QString good = m_dir.filePath(QStringLiteral("good.jsonl"));
    const QString cut = m_dir.filePath(QStringLiteral("cut.jsonl"));
    {
        QFile file(good);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"ts\":\"2026-12-06T20:41:37.509000Z\",\"dir\":\"in\",\"layer\":\"sio\","
                   "\"type\":\"EVENT\",\"nsp\":\"/\",\"data\":[\"a\",1]}\n");
        QFile broken(cut);
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("{\"ts\":\"2026-12-06T20:41:37.509000Z\",\"dir\":\"in\",\"layer\":\"sio\","
                     "\"type\":\"EVENT\",\"nsp\":\"/\",\"data\":[\"a\",1]}\n{\"ts\":\"20");
    }
    const QStringList self{QStringLiteral("diff"), good, good};
    const CliRun same(self, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(same.exitCode == 0, same.describe(self) + "\n" + same.out);
    QVERIFY2(same.out.contains("no difference: 1 packets matched"), same.out.constData());

    const QStringList withCut{QStringLiteral("diff"), good, cut};
    const CliRun truncated(withCut, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(truncated.exitCode == 2, truncated.describe(withCut));
    QVERIFY2(truncated.err.contains("sioscope-cli diff: " + cut.toUtf8() + ": line 2: "),
             truncated.describe(withCut));

    const QStringList missing{QStringLiteral("diff"), good, m_dir.filePath(QStringLiteral("no"))};
    const CliRun absent(missing, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(absent.exitCode == 2, absent.describe(missing));
    QVERIFY2(absent.err.contains("cannot read"), absent.describe(missing));

    for (const QStringList &arguments :
         {QStringList{QStringLiteral("diff"), good},
          QStringList{QStringLiteral("diff"), good, good, QStringLiteral("--ignore-path"),
                      QStringLiteral("data[0]")},
          QStringList{QStringLiteral("diff"), good, good, QStringLiteral("--ignore-path"),
                      QStringLiteral("args[")},
          QStringList{QStringLiteral("diff"), good, good, QStringLiteral("--bogus")}}) {
        const CliRun run(arguments, environmentWithoutProxies(), RunTimeoutMs);
        QVERIFY2(run.exitCode == 2, run.describe(arguments));
        QVERIFY2(run.err.contains("usage: sioscope-cli diff"), run.describe(arguments));
    }
    const QStringList help{QStringLiteral("diff"), QStringLiteral("--help")};
    const CliRun helpRun(help, environmentWithoutProxies(), RunTimeoutMs);
    QVERIFY2(helpRun.exitCode == 0 && helpRun.out.contains("--ignore-path"),
             helpRun.describe(help));
}

QTEST_GUILESS_MAIN(tst_SessionDiffPeer)
#include "tst_sessiondiff_peer.moc"
