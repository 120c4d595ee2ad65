// The desktop habits: File ▸ New Window, the Window menu, File ▸ Open Recent (capped, cleared, a
// missing file reported and dropped), the URL history per profile, log files dropped on a window, a
// log named on the command line, and a log opened while it loads (rows shown at once, Cancel keeps
// what was read, a broken line stops with everything before it shown). Offscreen, without a server
// (tests/peer/tst_gui_windows_peer.cpp runs two live windows against a real one).
#include "connectionbar.h"
#include "crashjournal.h"
#include "importprogress.h"
#include "infobanner.h"
#include "mainwindow.h"
#include "mockserverwindow.h"
#include "packetdetail.h"
#include "recentlogs.h"
#include "startup.h"
#include "ticklog.h"
#include "timelinepane.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrl>

namespace {
constexpr int Timeout = 30000;

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(content) == content.size();
}

// The visible top-level MainWindows, in no particular order.
QList<MainWindow *> mainWindows()
{
    QList<MainWindow *> windows;
    for (QWidget *top : QApplication::topLevelWidgets())
        if (auto *window = qobject_cast<MainWindow *>(top); window && window->isVisible())
            windows.append(window);
    return windows;
}

MainWindow *readOnlyWindowTitled(const QString &fileName)
{
    for (MainWindow *window : mainWindows())
        if (window->isReadOnly() && window->windowTitle().startsWith(fileName + QLatin1Char(' ')))
            return window;
    return nullptr;
}

// Fills `menu` as the user opening it would, and returns its entries' texts.
QStringList openMenu(QMenu *menu)
{
    Q_EMIT menu->aboutToShow();
    QStringList texts;
    for (QAction *action : menu->actions())
        if (!action->isSeparator())
            texts.append(action->text());
    return texts;
}

QAction *actionNamed(QMenu *menu, const QString &text)
{
    for (QAction *action : menu->actions())
        if (action->text() == text)
            return action;
    return nullptr;
}

// Closes the message box that the next step opens, and records its text.
void answerNextMessageBox(QString *text)
{
    QTimer::singleShot(0, qApp, [text] {
        if (auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())) {
            *text = box->text();
            box->accept();
        } else {
            answerNextMessageBox(text); // not shown yet
        }
    });
}

void closeAllWindows()
{
    for (QWidget *top : QApplication::topLevelWidgets())
        if (top->isWindow() && top->isVisible())
            top->close();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

bool finishImport(MainWindow *window)
{
    if (!window->importJob())
        return true;
    QSignalSpy finished(window->importJob(), &LogImportJob::finished);
    return finished.wait(Timeout);
}
} // namespace

class tst_Windows : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SioScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("SioScopeWindowsTest"));
        QVERIFY(m_dir.isValid());
        m_small = m_dir.filePath(QStringLiteral("small.jsonl"));
        QVERIFY(writeFile(m_small, tickRecordLines(5, "/chat")));
        m_other = m_dir.filePath(QStringLiteral("other.jsonl"));
        QVERIFY(writeFile(m_other, tickRecordLines(7, "/chat")));
        m_large = m_dir.filePath(QStringLiteral("large.jsonl"));
        QVERIFY(writeFile(m_large, tickRecordLines(400000, "/chat")));
    }

    void init()
    {
        QSettings().clear();
        QDir(CrashJournal::journalDirectory()).removeRecursively();
    }

    void cleanup() { closeAllWindows(); }

    void newWindowIsIndependent()
    {
        auto *first = MainWindow::openNewWindow();
        first->setJournalEnabled(false);
        QAction *newWindow = first->findChild<QAction *>(QStringLiteral("newWindowAction"));
        QVERIFY(newWindow);
        QCOMPARE(newWindow->shortcut(), QKeySequence(QKeySequence::New));
        newWindow->trigger();
        const QList<MainWindow *> windows = mainWindows();
        QCOMPARE(windows.size(), 2);
        MainWindow *second = windows.at(0) == first ? windows.at(1) : windows.at(0);
        QVERIFY(!second->isReadOnly());
        QVERIFY(second->session() != first->session());
        QVERIFY(second->log() != first->log());
        QVERIFY(second->testAttribute(Qt::WA_DeleteOnClose));
        // Closing one leaves the other working.
        QPointer<MainWindow> secondGuard(second);
        second->close();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        QVERIFY(secondGuard.isNull());
        QCOMPARE(mainWindows(), QList<MainWindow *>{first});
    }

    void twoJournalsInOneSecond()
    {
        CrashJournal first;
        CrashJournal second;
        QVERIFY2(first.errorString().isEmpty(), qPrintable(first.errorString()));
        QVERIFY2(second.errorString().isEmpty(), qPrintable(second.errorString()));
        QVERIFY(first.fileName() != second.fileName());
        first.discard();
        second.discard();
    }

    void windowMenuListsEveryWindow()
    {
        auto *live = MainWindow::openNewWindow();
        live->setJournalEnabled(false);
        MainWindow *log = MainWindow::openLogInteractively(m_small, live);
        QVERIFY(log);
        auto *mock = new MockServerWindow;
        mock->setAttribute(Qt::WA_DeleteOnClose);
        mock->show();

        QMenu *menu = live->findChild<QMenu *>(QStringLiteral("windowMenu"));
        QVERIFY(menu);
        const QStringList texts = openMenu(menu);
        QVERIFY2(texts.contains(QStringLiteral("SioScope")), qPrintable(texts.join(u'|')));
        QVERIFY2(texts.contains(QStringLiteral("small.jsonl (read-only) — SioScope")),
                 qPrintable(texts.join(u'|')));
        QVERIFY2(texts.contains(QStringLiteral("Mock Server — SioScope")),
                 qPrintable(texts.join(u'|')));
        QVERIFY(actionNamed(menu, QStringLiteral("SioScope"))->isChecked());
        QVERIFY(!actionNamed(menu, QStringLiteral("Mock Server — SioScope"))->isChecked());

        // The mock server window has the same menu, itself checked.
        QMenu *mockMenu = mock->findChild<QMenu *>(QStringLiteral("windowMenu"));
        QVERIFY(mockMenu);
        openMenu(mockMenu);
        QVERIFY(actionNamed(mockMenu, QStringLiteral("Mock Server — SioScope"))->isChecked());

        // A minimized window is brought back when chosen.
        log->showMinimized();
        openMenu(menu);
        actionNamed(menu, QStringLiteral("small.jsonl (read-only) — SioScope"))->trigger();
        QVERIFY(!log->isMinimized());
    }

    void openRecentListsNewestFirst()
    {
        QVERIFY(MainWindow::openLogInteractively(m_small, nullptr));
        QVERIFY(MainWindow::openLogInteractively(m_other, nullptr));
        QCOMPARE(RecentLogs::files(), (QStringList{m_other, m_small}));
        // Opening one again moves it to the front instead of listing it twice.
        QVERIFY(MainWindow::openLogInteractively(m_small, nullptr));
        QCOMPARE(RecentLogs::files(), (QStringList{m_small, m_other}));

        auto *live = MainWindow::openNewWindow();
        live->setJournalEnabled(false);
        QMenu *recent = live->findChild<QMenu *>(QStringLiteral("openRecentMenu"));
        QVERIFY(recent);
        const QStringList texts = openMenu(recent);
        QCOMPARE(texts.size(), 3);
        QVERIFY2(texts.at(0).startsWith(QStringLiteral("&1 ")) &&
                     texts.at(0).endsWith(QStringLiteral("small.jsonl")),
                 qPrintable(texts.join(u'|')));
        QVERIFY(texts.at(1).endsWith(QStringLiteral("other.jsonl")));
        QCOMPARE(texts.at(2), QStringLiteral("&Clear Menu"));

        // Choosing an entry opens the log in a read-only window.
        closeAllWindows();
        live = MainWindow::openNewWindow();
        live->setJournalEnabled(false);
        recent = live->findChild<QMenu *>(QStringLiteral("openRecentMenu"));
        openMenu(recent);
        recent->actions().at(1)->trigger();
        MainWindow *opened = readOnlyWindowTitled(QStringLiteral("other.jsonl"));
        QVERIFY(opened);
        QVERIFY(finishImport(opened));
        QCOMPARE(opened->log()->size(), 7);

        // Clear Menu empties it.
        openMenu(recent);
        actionNamed(recent, QStringLiteral("&Clear Menu"))->trigger();
        QVERIFY(RecentLogs::files().isEmpty());
        QCOMPARE(openMenu(recent),
                 (QStringList{QStringLiteral("No recent logs"), QStringLiteral("&Clear Menu")}));
        QVERIFY(!actionNamed(recent, QStringLiteral("&Clear Menu"))->isEnabled());
    }

    void openRecentIsCapped()
    {
        for (int i = 0; i < RecentLogs::MaxEntries + 3; ++i)
            RecentLogs::add(m_dir.filePath(QStringLiteral("log-%1.jsonl").arg(i)));
        const QStringList list = RecentLogs::files();
        QCOMPARE(list.size(), RecentLogs::MaxEntries);
        QCOMPARE(list.first(),
                 m_dir.filePath(QStringLiteral("log-%1.jsonl").arg(RecentLogs::MaxEntries + 2)));
        QCOMPARE(list.last(), m_dir.filePath(QStringLiteral("log-3.jsonl")));
    }

    void openRecentReportsAMissingFile()
    {
        const QString gone = m_dir.filePath(QStringLiteral("gone.jsonl"));
        QVERIFY(writeFile(gone, tickRecordLines(2, "/chat")));
        RecentLogs::add(m_small);
        RecentLogs::add(gone);
        QVERIFY(QFile::remove(gone));

        auto *live = MainWindow::openNewWindow();
        live->setJournalEnabled(false);
        QMenu *recent = live->findChild<QMenu *>(QStringLiteral("openRecentMenu"));
        openMenu(recent);
        QString message;
        answerNextMessageBox(&message);
        recent->actions().at(0)->trigger(); // gone.jsonl, the newest
        QVERIFY2(message.contains(QStringLiteral("gone.jsonl")) &&
                     message.contains(QStringLiteral("no longer exists")),
                 qPrintable(message));
        QCOMPARE(RecentLogs::files(), QStringList{m_small});
        QCOMPARE(mainWindows().size(), 1); // nothing opened
    }

    void urlHistoryPerProfile()
    {
        ConnectionBar bar;
        bar.setProfileNames({QStringLiteral("staging"), QStringLiteral("local")});
        const auto items = [&bar] {
            QStringList texts;
            for (int i = 0; i < bar.urlCombo()->count(); ++i)
                texts.append(bar.urlCombo()->itemText(i));
            return texts;
        };
        bar.rememberUrl(QStringLiteral("http://127.0.0.1:3000"));
        bar.setCurrentProfile(QStringLiteral("staging"));
        QVERIFY(bar.urlHistory().isEmpty());
        QVERIFY(items().isEmpty());
        bar.rememberUrl(QStringLiteral("http://127.0.0.1:4000"));
        bar.rememberUrl(QStringLiteral("http://127.0.0.1:4001"));
        QCOMPARE(items(), (QStringList{QStringLiteral("http://127.0.0.1:4001"),
                                       QStringLiteral("http://127.0.0.1:4000")}));
        // Switching profiles switches the list and keeps the URL being edited.
        bar.setUrlText(QStringLiteral("http://127.0.0.1:9999"));
        bar.setCurrentProfile(QString());
        QCOMPARE(items(), QStringList{QStringLiteral("http://127.0.0.1:3000")});
        QCOMPARE(bar.urlText(), QStringLiteral("http://127.0.0.1:9999"));
        // A new bar (another window, the next start) sees the same lists.
        {
            ConnectionBar other;
            other.setProfileNames({QStringLiteral("staging"), QStringLiteral("local")});
            other.setCurrentProfile(QStringLiteral("staging"));
            QCOMPARE(other.urlHistory().size(), 2);
        }
        // Clearing empties the current profile's list only.
        bar.clearUrlHistory();
        QVERIFY(items().isEmpty());
        bar.setCurrentProfile(QStringLiteral("staging"));
        QCOMPARE(bar.urlHistory().size(), 2);
        // Capped.
        for (int i = 0; i < ConnectionBar::MaxUrlHistory + 5; ++i)
            bar.rememberUrl(QStringLiteral("http://127.0.0.1:%1").arg(5000 + i));
        QCOMPARE(bar.urlHistory().size(), ConnectionBar::MaxUrlHistory);
        QCOMPARE(
            bar.urlHistory().first(),
            QStringLiteral("http://127.0.0.1:%1").arg(5000 + ConnectionBar::MaxUrlHistory + 4));
    }

    void droppedLogsOpenEachInAWindow()
    {
        auto *live = MainWindow::openNewWindow();
        live->setJournalEnabled(false);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(m_small), QUrl::fromLocalFile(m_other)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton,
                              Qt::NoModifier);
        QCoreApplication::sendEvent(live, &enter);
        QVERIFY(enter.isAccepted());
        QCOMPARE(enter.dropAction(), Qt::CopyAction);
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(live, &drop);
        QVERIFY(drop.isAccepted());
        QTRY_COMPARE_WITH_TIMEOUT(mainWindows().size(), 3, Timeout);
        MainWindow *small = readOnlyWindowTitled(QStringLiteral("small.jsonl"));
        MainWindow *other = readOnlyWindowTitled(QStringLiteral("other.jsonl"));
        QVERIFY(small && other);
        QVERIFY(finishImport(small) && finishImport(other));
        QCOMPARE(small->log()->size(), 5);
        QCOMPARE(other->log()->size(), 7);
        QCOMPARE(RecentLogs::files(), (QStringList{m_other, m_small}));
    }

    void dropsThatAreNotLogFilesAreLeftAlone_data()
    {
        QTest::addColumn<bool>("text");
        QTest::addColumn<QList<QUrl>>("urls");
        QTest::newRow("text") << true << QList<QUrl>{};
        QTest::newRow("a web address")
            << false << QList<QUrl>{QUrl(QStringLiteral("http://127.0.0.1/x"))};
        QTest::newRow("a file and a web address")
            << false
            << QList<QUrl>{QUrl::fromLocalFile(QStringLiteral("/tmp/x.jsonl")),
                           QUrl(QStringLiteral("https://127.0.0.1/x"))};
    }

    void dropsThatAreNotLogFilesAreLeftAlone()
    {
        QFETCH(bool, text);
        QFETCH(QList<QUrl>, urls);
        auto *live = MainWindow::openNewWindow();
        live->setJournalEnabled(false);
        QMimeData mime;
        if (text)
            mime.setText(QStringLiteral("42[\"hello\"]"));
        else
            mime.setUrls(urls);
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton,
                              Qt::NoModifier);
        enter.setAccepted(false);
        QCoreApplication::sendEvent(live, &enter);
        QVERIFY(!enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        drop.setAccepted(false);
        QCoreApplication::sendEvent(live, &drop);
        QVERIFY(!drop.isAccepted());
        QTest::qWait(50);
        QCOMPARE(mainWindows().size(), 1);
    }

    void aLogOnTheCommandLine_data()
    {
        QTest::addColumn<QString>("argument");
        QTest::addColumn<bool>("isLog");
        QTest::newRow("a path") << m_small << true;
        QTest::newRow("a file:// URL") << QUrl::fromLocalFile(m_small).toString() << true;
        QTest::newRow("a server URL") << QStringLiteral("http://127.0.0.1:3000") << false;
        QTest::newRow("host and port") << QStringLiteral("127.0.0.1:3000") << false;
        QTest::newRow("a path that does not exist")
            << m_dir.filePath(QStringLiteral("nothing.jsonl")) << false;
        QTest::newRow("a folder") << m_dir.path() << false;
    }

    void aLogOnTheCommandLine()
    {
        QFETCH(QString, argument);
        QFETCH(bool, isLog);
        QCOMPARE(!logFileNamedBy(argument).isEmpty(), isLog);
        StartupRequest request;
        request.url = argument;
        QString error;
        MainWindow *window = openStartupWindow(request, &error);
        QVERIFY2(window, qPrintable(error));
        window->setJournalEnabled(false);
        QCOMPARE(window->isReadOnly(), isLog);
        if (isLog) {
            QVERIFY(finishImport(window));
            QCOMPARE(window->log()->size(), 5);
            QCOMPARE(RecentLogs::files(), QStringList{m_small});
        }
    }

    void aLargeLogIsShownWhileItLoads()
    {
        QString error;
        MainWindow *window = MainWindow::openLogStreaming(m_large, &error);
        QVERIFY2(window, qPrintable(error));
        window->show();
        LogImportJob *job = window->importJob();
        QVERIFY(job);
        QVERIFY(window->importProgress()->isVisibleTo(window));
        QSignalSpy progressed(job, &LogImportJob::progressed);
        QVERIFY(progressed.wait(Timeout));
        // Rows are in the timeline while the rest is read, and the progress says how far.
        QVERIFY(job->isRunning());
        QAbstractItemModel *model = window->timeline()->model();
        QVERIFY(model->rowCount() > 0);
        QVERIFY2(
            window->importProgress()->text().startsWith(QStringLiteral("Reading large.jsonl: ")),
            qPrintable(window->importProgress()->text()));
        QVERIFY(window->importProgress()->progressBar()->value() < 1000);
        QSignalSpy finished(job, &LogImportJob::finished);
        QVERIFY(finished.wait(Timeout));
        window->timeline()->flush();
        QCOMPARE(window->log()->size(), 400000);
        QCOMPARE(model->rowCount(), 400000);
        QVERIFY(!window->importProgress()->isVisibleTo(window));
        QVERIFY(window->infoBanner()->text().contains(QStringLiteral("400,000 records")));
        QCOMPARE(window->infoBanner()->kind(), InfoBanner::Kind::Note);
    }

    void filterAndDetailWorkWhileItLoads()
    {
        QString error;
        MainWindow *window = MainWindow::openLogStreaming(m_large, &error);
        QVERIFY2(window, qPrintable(error));
        window->show();
        QSignalSpy finished(window->importJob(), &LogImportJob::finished);
        QSignalSpy progressed(window->importJob(), &LogImportJob::progressed);
        QVERIFY(progressed.wait(Timeout));
        QVERIFY(window->importJob()->isRunning());
        // One record in ten: the ticks whose number ends in 7.
        window->timeline()->filterEdit()->setText(QStringLiteral("7]"));
        QTRY_VERIFY_WITH_TIMEOUT(window->timeline()->rowCount() > 0, Timeout);
        const std::vector<qint64> shown = window->timeline()->visibleLogRows();
        for (qint64 row : shown)
            QVERIFY2(window->log()->payload(row).endsWith("7]"), qPrintable(QString::number(row)));
        // A row selected while the rest loads shows in the detail pane.
        QVERIFY(window->timeline()->selectLogRow(shown.front()));
        QCOMPARE(window->detail()->currentRow(), shown.front());
        const bool stillLoading = finished.isEmpty();
        QVERIFY(finished.wait(Timeout) || !finished.isEmpty());
        window->timeline()->flush();
        QCOMPARE(window->timeline()->rowCount(), 40000);
        QCOMPARE(window->detail()->currentRow(), shown.front());
        QVERIFY2(stillLoading, "the file was read before the filter was set: make it larger");
    }

    void cancelKeepsWhatWasRead()
    {
        QString error;
        MainWindow *window = MainWindow::openLogStreaming(m_large, &error);
        QVERIFY2(window, qPrintable(error));
        window->show();
        QSignalSpy progressed(window->importJob(), &LogImportJob::progressed);
        QVERIFY(progressed.wait(Timeout));
        QTest::mouseClick(window->importProgress()->cancelButton(), Qt::LeftButton);
        QVERIFY(!window->importJob() || !window->importJob()->isRunning());
        const qint64 kept = window->log()->size();
        QVERIFY2(kept > 0 && kept < 400000, qPrintable(QString::number(kept)));
        QTest::qWait(200);
        window->timeline()->flush();
        QCOMPARE(window->log()->size(), kept);
        QCOMPARE(window->timeline()->model()->rowCount(), kept);
        QVERIFY(!window->importProgress()->isVisibleTo(window));
        QVERIFY2(window->infoBanner()->text().contains(QStringLiteral("cancelled after")),
                 qPrintable(window->infoBanner()->text()));
        // The namespace of the records read is offered as a tab.
        QVERIFY(window->log()->namespaces().contains(QStringLiteral("/chat")));
    }

    void aBrokenLineStopsTheImport()
    {
        const QString broken = m_dir.filePath(QStringLiteral("broken.jsonl"));
        QVERIFY(writeFile(broken, tickRecordLines(3, "/chat") + "{\"ts\": 1}\n" +
                                      tickRecordLines(2, "/chat")));
        QString error;
        MainWindow *window = MainWindow::openLogStreaming(broken, &error);
        QVERIFY2(window, qPrintable(error));
        window->show();
        QVERIFY(finishImport(window));
        QCOMPARE(window->log()->size(), 3);
        QCOMPARE(window->timeline()->model()->rowCount(), 3);
        QCOMPARE(window->infoBanner()->kind(), InfoBanner::Kind::Error);
        QVERIFY2(window->infoBanner()->text().contains(QStringLiteral("The import stopped:")) &&
                     window->infoBanner()->text().contains(QStringLiteral("line 4: ")),
                 qPrintable(window->infoBanner()->text()));
    }

    void aFileThatCannotBeOpenedIsReported()
    {
        QString message;
        answerNextMessageBox(&message);
        QVERIFY(!MainWindow::openLogInteractively(m_dir.filePath(QStringLiteral("none.jsonl")),
                                                  nullptr));
        QVERIFY2(message.startsWith(QStringLiteral("Cannot open ")), qPrintable(message));
        QVERIFY(RecentLogs::files().isEmpty());
    }

private:
    QTemporaryDir m_dir;
    QString m_small;
    QString m_other;
    QString m_large;
};

QTEST_MAIN(tst_Windows)
#include "tst_windows.moc"
