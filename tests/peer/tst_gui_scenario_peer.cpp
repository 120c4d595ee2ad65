// The window's scenarios against a real socket.io 4 server (tests/peers/server.js): File ▸ Save
// as Test… of a session recorded in the window (the whole of it, or the selected rows), which
// `sioscope-cli test` then runs and passes; and Session ▸ Run Test…, whose dialog lists each
// step with ✓ or ✗, explains a failure, shows each client's packets, and names a broken file's
// line and column.
#include "clirun.h"
#include "composer.h"
#include "logsearch.h"
#include "mainwindow.h"
#include "referenceserver.h"
#include "scenario/scenarioloader.h"
#include "scenariodialog.h"
#include "screenshots.h"
#include "session/sessionlog.h"
#include "timelinepane.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

namespace {
constexpr int Timeout = 10000;

bool writeFile(const QString &path, const QByteArray &text)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(text) == text.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The step rows of the dialog, "✓ label" each, for comparing and for failure messages.
QStringList stepRows(const ScenarioDialog *dialog)
{
    QStringList rows;
    const QTreeWidget *list = dialog->stepList();
    for (int i = 0; i < list->topLevelItemCount(); ++i) {
        const QTreeWidgetItem *item = list->topLevelItem(i);
        rows.append(item->text(ScenarioDialog::StatusColumn) + QLatin1Char(' ') +
                    item->text(ScenarioDialog::StepColumn).trimmed());
    }
    return rows;
}

// Sends `event` with `args` from the window's composer, asking for an ack or not.
void emitFromComposer(Composer *composer, const QString &event, const QString &args, bool ack)
{
    composer->setCurrentNamespace(QStringLiteral("/"));
    composer->setRequestAck(ack);
    composer->setEventName(event);
    composer->setArgumentsText(args);
    composer->send();
}
} // namespace

class tst_GuiScenarioPeer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SioScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("SioScopeGuiScenarioPeerTest"));
        QSettings().clear();
        QVERIFY(m_dir.isValid());
    }

    // A session recorded in the window becomes a test that passes against the same server: the
    // whole session, and the two selected rows of one exchange.
    void saveAsTestFromALiveSession()
    {
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options());
        MainWindow window;
        window.setJournalEnabled(false);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        // Nothing recorded: no test to write, and the reason says so.
        const QString empty = m_dir.filePath(QStringLiteral("empty.yaml"));
        QString error;
        QVERIFY(!window.saveAsTest(empty, false, &error));
        QVERIFY2(error.contains(QLatin1String("no Socket.IO packet")), qPrintable(error));
        QVERIFY(!QFile::exists(empty));
        QVERIFY(!window.saveSelectionAsTestAction()->isEnabled());

        window.setServerUrl(server.url().toString());
        window.connectToServer();
        SessionLog &log = *window.log();
        QTRY_VERIFY_WITH_TIMEOUT(findRecord(log, PacketRecord::Direction::In, SocketIoPacket::Event,
                                            QStringLiteral("/"), QStringLiteral("welcome")) >= 0,
                                 Timeout);
        emitFromComposer(window.composer(), QStringLiteral("echo-ack"),
                         QStringLiteral("[1, {\"a\": [1, 2]}]"), true);
        QTRY_VERIFY_WITH_TIMEOUT(findRecord(log, PacketRecord::Direction::In, SocketIoPacket::Ack,
                                            QStringLiteral("/")) >= 0,
                                 Timeout);
        emitFromComposer(window.composer(), QStringLiteral("echo"), QStringLiteral("[\"hello\"]"),
                         false);
        qint64 echoed = -1;
        QTRY_VERIFY_WITH_TIMEOUT(
            (echoed = findRecord(log, PacketRecord::Direction::In, SocketIoPacket::Event,
                                 QStringLiteral("/"), QStringLiteral("echo"))) >= 0,
            Timeout);

        // The whole session.
        const QString whole = m_dir.filePath(QStringLiteral("whole.yaml"));
        QVERIFY2(window.saveAsTest(whole, false, &error), qPrintable(error));
        Scenario scenario;
        ScenarioError loadError;
        QVERIFY2(ScenarioLoader::loadFile(whole, {}, &scenario, &loadError),
                 qPrintable(loadError.toString()));
        QCOMPARE(scenario.name, QStringLiteral("whole"));
        CliRun run({QStringLiteral("test"), whole});
        QVERIFY2(run.exitCode == 0,
                 (run.describe({QStringLiteral("test"), whole}) + run.out + readFile(whole))
                     .constData());
        QVERIFY(run.out.contains("\u2713 expect welcome (client)"));
        QVERIFY(run.out.contains("\u2713 emit echo-ack (client) with ack"));
        QVERIFY(run.out.contains("\u2713 expect echo (client)"));

        // Only the exchange selected in the timeline: our echo-ack and its ack.
        const qint64 emitted = findRecord(log, PacketRecord::Direction::Out, SocketIoPacket::Event,
                                          QStringLiteral("/"), QStringLiteral("echo-ack"));
        const qint64 acked =
            findRecord(log, PacketRecord::Direction::In, SocketIoPacket::Ack, QStringLiteral("/"));
        QVERIFY(emitted >= 0 && acked > emitted);
        QVERIFY(window.timeline()->selectLogRows({emitted, acked}));
        QCOMPARE(window.timeline()->selectedLogRows(), (std::vector<qint64>{emitted, acked}));
        QVERIFY(window.saveSelectionAsTestAction()->isEnabled());
        const QString selected = m_dir.filePath(QStringLiteral("selected.yaml"));
        QVERIFY2(window.saveAsTest(selected, true, &error), qPrintable(error));
        QVERIFY2(ScenarioLoader::loadFile(selected, {}, &scenario, &loadError),
                 qPrintable(loadError.toString()));
        run = CliRun({QStringLiteral("test"), selected});
        QVERIFY2(run.exitCode == 0,
                 (run.describe({QStringLiteral("test"), selected}) + run.out + readFile(selected))
                     .constData());
        QVERIFY(run.out.contains("\u2713 emit echo-ack (client) with ack"));
        QVERIFY2(!run.out.contains("welcome") && !run.out.contains("expect echo "),
                 run.out.constData());
        QVERIFY(window.timeline()->selectLogRows({echoed}));
        QVERIFY(!window.saveSelectionAsTestAction()->isEnabled()); // one row: not a selection

        // A file that cannot be written: the reason names it, and nothing is left behind.
        const QString missing = m_dir.filePath(QStringLiteral("missing/test.yaml"));
        QVERIFY(!window.saveAsTest(missing, false, &error));
        QVERIFY2(error.contains(missing), qPrintable(error));

        // The saved test runs in the window's Run Test… dialog too, against the same server,
        // with the profile's variables file as its environment file.
        const QString variables = m_dir.filePath(QStringLiteral("variables.yaml"));
        QVERIFY(writeFile(variables, "greeting: hello\n"));
        ConnectionProfile profile = window.currentProfile();
        profile.variablesFile = variables;
        window.applyProfile(profile);
        QPointer<ScenarioDialog> dialog = window.runTest();
        QVERIFY(dialog);
        QCOMPARE(window.scenarioDialog(), dialog.data());
        QCOMPARE(dialog->environmentFile(), variables);
        dialog->setScenarioFile(whole);
        QSignalSpy finished(dialog.data(), &ScenarioDialog::runFinished);
        dialog->runButton()->click();
        QVERIFY(dialog->isRunning());
        QVERIFY(dialog->stopButton()->isEnabled());
        QVERIFY(finished.wait(Timeout));
        QVERIFY2(dialog->result().passed, qPrintable(stepRows(dialog).join(QLatin1Char('\n'))));
        QVERIFY(!stepRows(dialog).isEmpty());
        for (const QString &row : stepRows(dialog))
            QVERIFY2(row.startsWith(QStringLiteral("\u2713 ")), qPrintable(row));
        QVERIFY2(dialog->statusLabel()->text().contains(QLatin1String("Passed")),
                 qPrintable(dialog->statusLabel()->text()));
        dialog->close();
        QTRY_VERIFY(!dialog); // deleted on close
        window.disconnectFromServer();
    }

    // Two clients: a passing step, then a failing one whose explanation shows the difference;
    // each client's packets in the timeline; a step selects the packets of its span.
    void runTestShowsEachStep()
    {
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options());
        const QString file = m_dir.filePath(QStringLiteral("room.yaml"));
        QVERIFY(writeFile(file, "name: two clients\n"
                                "clients:\n"
                                "  alice: {url: \"{{url}}\"}\n"
                                "  bob: {url: \"{{url}}\", transport: websocket}\n"
                                "steps:\n"
                                "  - expect: welcome\n"
                                "    client: alice\n"
                                "  - emit: echo-ack\n"
                                "    client: bob\n"
                                "    args: [1, {a: [1, 2]}]\n"
                                "    ack: [1, {a: [1, 2]}]\n"
                                "  - emit: echo-ack\n"
                                "    client: bob\n"
                                "    args: [1, {a: [1, 2]}]\n"
                                "    ack: [1, {a: [1, 3]}]\n"
                                "  - emit: echo\n"
                                "    client: alice\n"
                                "    args: [never]\n"));

        ScenarioDialog dialog;
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.setScenarioFile(file);
        // Without the url variable the file cannot be read; the banner says where and what.
        QVERIFY(!dialog.run());
        QVERIFY2(dialog.statusLabel()->text().contains(QLatin1String("room.yaml:3:")) &&
                     dialog.statusLabel()->text().contains(
                         QLatin1String("undefined variable &quot;url&quot;")),
                 qPrintable(dialog.statusLabel()->text()));
        QVERIFY(!dialog.isRunning());

        dialog.setVariablesText(QStringLiteral("# the server under test\nurl=") +
                                server.url().toString() + QLatin1Char('\n'));
        QSignalSpy finished(&dialog, &ScenarioDialog::runFinished);
        QVERIFY(dialog.run());
        QVERIFY(finished.wait(Timeout));
        const ScenarioResult result = dialog.result();
        QVERIFY(!result.passed);
        QCOMPARE(stepRows(&dialog), (QStringList{
                                        QStringLiteral("\u2713 expect welcome (alice)"),
                                        QStringLiteral("\u2713 emit echo-ack (bob) with ack"),
                                        QStringLiteral("\u2717 emit echo-ack (bob) with ack"),
                                    }));
        // The failed row is selected, and explained.
        QTreeWidget *steps = dialog.stepList();
        QCOMPARE(steps->currentItem(), steps->topLevelItem(2));
        const QString details = dialog.detailView()->toPlainText();
        QVERIFY2(
            details.contains(QLatin1String("first difference: ack[1].a[1]: expected 3, got 2")),
            qPrintable(details));
        QVERIFY2(details.contains(QLatin1String("room.yaml:12:5")), qPrintable(details));
        QVERIFY2(details.contains(QLatin1String("actual:   [1,{\"a\":[1,2]}]")),
                 qPrintable(details));
        QVERIFY2(dialog.statusLabel()->text().contains(QLatin1String("Failed")),
                 qPrintable(dialog.statusLabel()->text()));
        QVERIFY(!dialog.stopButton()->isEnabled());
        QVERIFY(dialog.runButton()->isEnabled());

        // Each client's packets; the timeline shows the chosen one.
        QCOMPARE(dialog.clientChooser()->count(), 2);
        QVERIFY(dialog.clientChooser()->isEnabled());
        SessionLog *alice = dialog.clientLog(QStringLiteral("alice"));
        SessionLog *bob = dialog.clientLog(QStringLiteral("bob"));
        QVERIFY(alice && bob);
        QVERIFY(findRecord(*alice, PacketRecord::Direction::In, SocketIoPacket::Event,
                           QStringLiteral("/"), QStringLiteral("welcome")) >= 0);
        QCOMPARE(findRecord(*alice, PacketRecord::Direction::Out, SocketIoPacket::Event,
                            QStringLiteral("/"), QStringLiteral("echo-ack")),
                 -1);
        const qint64 bobsAck =
            findRecord(*bob, PacketRecord::Direction::In, SocketIoPacket::Ack, QStringLiteral("/"));
        QVERIFY(bobsAck >= 0);
        // The failed step is bob's: its span selects bob's packets, the ack among them.
        QCOMPARE(dialog.clientChooser()->currentText(), QStringLiteral("bob"));
        QVERIFY(dialog.timeline()->rowCount() > 0);
        const std::vector<qint64> spanned = dialog.timeline()->selectedLogRows();
        QVERIFY(!spanned.empty());
        const qint64 lastAck = findRecord(*bob, PacketRecord::Direction::In, SocketIoPacket::Ack,
                                          QStringLiteral("/"), {}, bobsAck + 1);
        QVERIFY(lastAck > bobsAck);
        QVERIFY(std::find(spanned.cbegin(), spanned.cend(), lastAck) != spanned.cend());
        QVERIFY(spanned.front() > 0); // not bob's connection, long before the step
        saveScreenshot(&dialog, QStringLiteral("run-test.png"));
        // A passed step shows where it is in the file.
        steps->setCurrentItem(steps->topLevelItem(0));
        QVERIFY2(dialog.detailView()->toPlainText().contains(QLatin1String("room.yaml:6:5")),
                 qPrintable(dialog.detailView()->toPlainText()));
        QCOMPARE(dialog.clientChooser()->currentText(), QStringLiteral("alice"));

        // Stop ends a run under way: a step that waits fails with the reason.
        QVERIFY(writeFile(file, "url: \"{{url}}\"\nsteps:\n  - expect: never-sent\n"
                                "    timeout: 20s\n"));
        finished.clear();
        QVERIFY(dialog.run());
        // Connected: the step is waiting.
        QTRY_VERIFY_WITH_TIMEOUT(findRecord(*dialog.clientLog(QStringLiteral("client")),
                                            PacketRecord::Direction::In, SocketIoPacket::Connect,
                                            QStringLiteral("/")) >= 0,
                                 Timeout);
        dialog.stopButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, Timeout); // perhaps at once, in the click
        QVERIFY(!dialog.isRunning());
        QVERIFY(!dialog.result().passed);
        QCOMPARE(stepRows(&dialog),
                 QStringList{QStringLiteral("\u2717 expect never-sent (client)")});
        QVERIFY2(
            dialog.detailView()->toPlainText().contains(QLatin1String("stopped in the window")),
            qPrintable(dialog.detailView()->toPlainText()));
        QVERIFY(!dialog.clientChooser()->isEnabled()); // one client: nothing to choose
    }

    // A scenario file that is not valid names its file, line and column in the dialog.
    void badScenarioFile_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("YAML syntax") << QByteArray("url: x\nsteps: [\n  - a\n")
                                     << QStringLiteral("bad.yaml:3:3: not valid YAML");
        QTest::newRow("unknown step") << QByteArray("url: \"{{url}}\"\nsteps:\n  - emitt: a\n")
                                      << QStringLiteral("bad.yaml:3:5: unknown step");
    }

    void badScenarioFile()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, expected);
        const QString file = m_dir.filePath(QStringLiteral("bad.yaml"));
        QVERIFY(writeFile(file, text));
        ScenarioDialog dialog;
        dialog.setScenarioFile(file);
        dialog.setVariablesText(QStringLiteral("url=http://127.0.0.1:1"));
        QVERIFY(!dialog.run());
        const QString status = dialog.statusLabel()->text();
        QVERIFY2(status.contains(expected) && status.contains(m_dir.path()), qPrintable(status));
        QCOMPARE(dialog.stepList()->topLevelItemCount(), 0);

        // A variable line that is not name=value, and an environment file that is not there.
        dialog.setVariablesText(QStringLiteral("url=x\n=nameless\n"));
        QVERIFY(!dialog.run());
        QVERIFY2(dialog.statusLabel()->text().contains(QLatin1String("line 2")),
                 qPrintable(dialog.statusLabel()->text()));
        dialog.setVariablesText({});
        dialog.setEnvironmentFile(m_dir.filePath(QStringLiteral("absent.yaml")));
        QVERIFY(!dialog.run());
        QVERIFY2(dialog.statusLabel()->text().contains(QLatin1String("absent.yaml")),
                 qPrintable(dialog.statusLabel()->text()));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(tst_GuiScenarioPeer)
#include "tst_gui_scenario_peer.moc"
