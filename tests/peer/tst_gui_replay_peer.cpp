// Session ▸ Replay… against a real socket.io 4 server (tests/peers/server.js): a session
// recorded with `sioscope-cli record` is played in a window that is not connected yet; the
// window joins the session's namespaces, sends what the session sent, answers the server's ack
// request as recorded, and says in its banner when the replay is done. A file that cannot be
// replayed is named in the banner, and nothing is sent. The dialog's Replay button waits for a
// file.
#include "clirun.h"
#include "infobanner.h"
#include "logsearch.h"
#include "mainwindow.h"
#include "referenceserver.h"
#include "replaydialog.h"
#include "screenshots.h"
#include "session/scriptplayer.h"
#include "session/sessionlog.h"

#include <QDoubleSpinBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace {
constexpr int Timeout = 10000;
constexpr auto In = PacketRecord::Direction::In;
constexpr auto Out = PacketRecord::Direction::Out;

bool writeFile(const QString &path, const QByteArray &text)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(text) == text.size();
}
} // namespace

class tst_GuiReplayPeer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SioScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("SioScopeGuiReplayPeerTest"));
        QSettings().clear();
        QVERIFY(m_dir.isValid());
    }

    void replayInAWindow()
    {
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options());
        const QString script = m_dir.filePath(QStringLiteral("script.jsonl"));
        QVERIFY(writeFile(script, "{\"type\":\"EVENT\",\"data\":[\"echo-ack\",7],\"ack\":true}\n"
                                  "{\"type\":\"EVENT\",\"data\":[\"request-ack\",\"q\"]}\n"
                                  "{\"type\":\"EVENT\",\"nsp\":\"/chat\",\"data\":[\"echo\","
                                  "\"on chat\"],\"delay_ms\":200}\n"));
        const QString recorded = m_dir.filePath(QStringLiteral("recorded.jsonl"));
        const QStringList record{
            QStringLiteral("record"),     server.url().toString(),
            QStringLiteral("-n"),         QStringLiteral("/"),
            QStringLiteral("-n"),         QStringLiteral("/chat"),
            QStringLiteral("--send"),     script,
            QStringLiteral("--auto-ack"), QStringLiteral("[\"recorded answer\"]"),
            QStringLiteral("--duration"), QStringLiteral("0.8"),
            QStringLiteral("-o"),         recorded};
        const CliRun run(record);
        QVERIFY2(run.exitCode == 0, run.describe(record));

        MainWindow window;
        window.setJournalEnabled(false);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.setServerUrl(server.url().toString());
        QString error;
        QVERIFY2(window.replaySession(recorded, 2, &error), qPrintable(error));
        QVERIFY(window.replay());
        QSignalSpy finished(window.replay(), &ScriptPlayer::finished);
        QVERIFY(window.infoBanner()->text().contains(QLatin1String("Replaying")));

        SessionLog &log = *window.log();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(findRecord(log, In, SocketIoPacket::Event, QStringLiteral("/chat"),
                                            QStringLiteral("echo")) >= 0,
                                 Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(findRecord(log, In, SocketIoPacket::Event, QStringLiteral("/"),
                                            QStringLiteral("answered")) >= 0,
                                 Timeout);
        // The session's namespaces were joined, its events sent, our ack request answered,
        // and the server's ack request answered as recorded (the window has no auto-ack).
        QVERIFY(findRecord(log, Out, SocketIoPacket::Event, QStringLiteral("/"),
                           QStringLiteral("echo-ack")) >= 0);
        QVERIFY(findRecord(log, In, SocketIoPacket::Ack, QStringLiteral("/")) >= 0);
        const qint64 reply = findRecord(log, Out, SocketIoPacket::Ack, QStringLiteral("/"));
        QVERIFY(reply >= 0);
        QCOMPARE(log.payload(reply).toByteArray(), QByteArray("[\"recorded answer\"]"));
        QTRY_VERIFY_WITH_TIMEOUT(
            window.infoBanner()->text().contains(QLatin1String("finished: 3 packets sent")),
            Timeout);
        saveScreenshot(&window, QStringLiteral("replay.png"));
        window.disconnectFromServer();
        QVERIFY(!window.replay());
    }

    void filesThatCannotBeReplayed_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing file") << QByteArray() << QStringLiteral("cannot read");
        QTest::newRow("a broken line")
            << QByteArray("{\"ts\":\"2026-11-24T15:20:01.123456Z\",\"dir\":\n")
            << QStringLiteral("line 1");
        QTest::newRow("nothing we sent")
            << QByteArray("{\"ts\":\"2026-11-24T15:20:01.123456Z\",\"dir\":\"in\",\"layer\":"
                          "\"sio\",\"type\":\"EVENT\",\"nsp\":\"/\",\"data\":[\"x\"]}\n")
            << QStringLiteral("the log holds nothing we sent");
    }

    void filesThatCannotBeReplayed()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, expected);
        const QString path = m_dir.filePath(QStringLiteral("bad.jsonl"));
        QFile::remove(path);
        if (!content.isEmpty())
            QVERIFY(writeFile(path, content));
        MainWindow window;
        window.setJournalEnabled(false);
        window.setServerUrl(QStringLiteral("http://127.0.0.1:9"));
        QString error;
        QVERIFY(!window.replaySession(path, 1, &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY(!window.replay());
        QCOMPARE(window.infoBanner()->kind(), InfoBanner::Kind::Error);
        QVERIFY2(window.infoBanner()->text().contains(expected.toHtmlEscaped()),
                 qPrintable(window.infoBanner()->text()));
        QCOMPARE(window.log()->size(), 0); // nothing was sent, no connection was tried
    }

    void dialogWaitsForAFile()
    {
        ReplayDialog dialog;
        QVERIFY(!dialog.replayButton()->isEnabled());
        dialog.fileEdit()->setText(QStringLiteral("  /tmp/session.jsonl "));
        QVERIFY(dialog.replayButton()->isEnabled());
        QCOMPARE(dialog.fileName(), QStringLiteral("/tmp/session.jsonl"));
        dialog.speedBox()->setValue(2.5);
        QCOMPARE(dialog.speed(), 2.5);
        dialog.fileEdit()->clear();
        QVERIFY(!dialog.replayButton()->isEnabled());
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(tst_GuiReplayPeer)
#include "tst_gui_replay_peer.moc"
