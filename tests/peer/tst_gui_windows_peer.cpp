// Two live windows of one process against the real socket.io 4 server at once (File ▸ New
// Window): each has its own connection (its own Engine.IO session), its own log and its own crash
// journal, and what one sends is recorded in its log only. Closing one leaves the other
// connected. SIOSCOPE_SCREENSHOT_DIR: the two windows side by side (the README's picture).
#include "composer.h"
#include "crashjournal.h"
#include "livesession.h"
#include "logsearch.h"
#include "mainwindow.h"
#include "referenceserver.h"
#include "socketio/socketioclient.h"
#include "timelinepane.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QGuiApplication>
#include <QPainter>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

namespace {
constexpr int Timeout = 10000;
constexpr auto In = PacketRecord::Direction::In;
constexpr auto Out = PacketRecord::Direction::Out;

bool connected(MainWindow *window)
{
    const SocketIoNamespace *root = window->session()->client()->findNamespace(QStringLiteral("/"));
    return root && root->state() == SocketIoNamespace::State::Connected;
}

// The row of our `echo` whose first argument is `text`, or -1.
qint64 findEcho(const SessionLog &log, PacketRecord::Direction direction, const QString &text)
{
    for (qint64 row = findRecord(log, direction, SocketIoPacket::Event, QStringLiteral("/"),
                                 QStringLiteral("echo"));
         row >= 0; row = findRecord(log, direction, SocketIoPacket::Event, QStringLiteral("/"),
                                    QStringLiteral("echo"), row + 1)) {
        if (log.payload(row).toByteArray().contains(text.toUtf8()))
            return row;
    }
    return -1;
}

// Both windows in one picture: the screen itself on a real X server (xvfb-run), else the two
// windows' own renderings put side by side.
void saveSideBySide(MainWindow *left, MainWindow *right, const QString &name)
{
    const QString dir = qEnvironmentVariable("SIOSCOPE_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    QTest::qWait(600); // the status bars and ack panels refresh on timers
    QImage picture;
    if (QGuiApplication::platformName() == QLatin1String("xcb")) {
        picture = left->screen()->grabWindow(0).toImage();
    } else {
        const QPixmap a = left->grab();
        const QPixmap b = right->grab();
        picture = QImage(a.width() + b.width() + 16, std::max(a.height(), b.height()),
                         QImage::Format_RGB32);
        picture.fill(QColor(0x50, 0x50, 0x58));
        QPainter painter(&picture);
        painter.drawPixmap(0, 0, a);
        painter.drawPixmap(a.width() + 16, 0, b);
    }
    QVERIFY(picture.save(QDir(dir).filePath(name)));
}
} // namespace

class tst_GuiWindowsPeer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SioScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("SioScopeGuiWindowsPeerTest"));
        QSettings().clear();
        QDir(CrashJournal::journalDirectory()).removeRecursively();
    }

    void twoLiveWindowsAtOnce()
    {
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options());

        MainWindow *alice = MainWindow::openNewWindow();
        alice->setGeometry(0, 0, 690, 860);
        alice->findChild<QAction *>(QStringLiteral("newWindowAction"))->trigger();
        MainWindow *bob = nullptr;
        for (QWidget *top : QApplication::topLevelWidgets())
            if (auto *window = qobject_cast<MainWindow *>(top); window && window != alice)
                bob = window;
        QVERIFY(bob);
        bob->setGeometry(700, 0, 690, 860);
        QVERIFY(QTest::qWaitForWindowExposed(alice));
        QVERIFY(QTest::qWaitForWindowExposed(bob));

        for (MainWindow *window : {alice, bob}) {
            window->setServerUrl(server.url().toString());
            window->connectToServer();
        }
        QTRY_VERIFY_WITH_TIMEOUT(connected(alice) && connected(bob), Timeout);
        // Two Engine.IO sessions, two logs, two journals.
        const QString aliceSid = alice->session()->client()->engine()->handshake().sid;
        const QString bobSid = bob->session()->client()->engine()->handshake().sid;
        QVERIFY(!aliceSid.isEmpty() && !bobSid.isEmpty());
        QVERIFY(aliceSid != bobSid);
        QVERIFY(alice->log() != bob->log());
        QVERIFY(alice->session()->journal() && bob->session()->journal());
        QVERIFY(alice->session()->journal()->fileName() != bob->session()->journal()->fileName());
        QVERIFY(alice->windowTitle().contains(server.url().toDisplayString()));

        // Each sends its own message through its composer at the same time.
        alice->composer()->setEventName(QStringLiteral("echo"));
        alice->composer()->setArgumentsText(QStringLiteral("[\"from alice\"]"));
        bob->composer()->setEventName(QStringLiteral("echo"));
        bob->composer()->setArgumentsText(QStringLiteral("[\"from bob\"]"));
        alice->composer()->send();
        bob->composer()->send();
        const SessionLog &aliceLog = *alice->log();
        const SessionLog &bobLog = *bob->log();
        QTRY_VERIFY_WITH_TIMEOUT(findEcho(aliceLog, In, QStringLiteral("from alice")) >= 0 &&
                                     findEcho(bobLog, In, QStringLiteral("from bob")) >= 0,
                                 Timeout);
        QVERIFY(findEcho(aliceLog, Out, QStringLiteral("from alice")) >= 0);
        QVERIFY(findEcho(bobLog, Out, QStringLiteral("from bob")) >= 0);
        // Neither log has the other's traffic.
        QCOMPARE(findEcho(aliceLog, Out, QStringLiteral("from bob")), -1);
        QCOMPARE(findEcho(aliceLog, In, QStringLiteral("from bob")), -1);
        QCOMPARE(findEcho(bobLog, Out, QStringLiteral("from alice")), -1);
        QCOMPARE(findEcho(bobLog, In, QStringLiteral("from alice")), -1);
        alice->timeline()->flush();
        bob->timeline()->flush();
        saveSideBySide(alice, bob, QStringLiteral("two-windows.png"));

        // Closing one window ends its session only.
        const qint64 bobRows = bobLog.size();
        QPointer<MainWindow> aliceGuard(alice);
        alice->close();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        QVERIFY(aliceGuard.isNull());
        QVERIFY(connected(bob));
        bob->composer()->setArgumentsText(QStringLiteral("[\"still here\"]"));
        bob->composer()->send();
        QTRY_VERIFY_WITH_TIMEOUT(findEcho(bobLog, In, QStringLiteral("still here")) > bobRows,
                                 Timeout);
        bob->close();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
};

QTEST_MAIN(tst_GuiWindowsPeer)
#include "tst_gui_windows_peer.moc"
