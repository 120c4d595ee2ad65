// The mock server window (ui/mockserverwindow) driven through its widgets, with the REAL
// socket.io-client 4.8 from npm as its client (its default parser, and socket.io-msgpack-parser
// 3.0.2 with the window's parser set to msgpack): resources/mock-rules/example.json served
// in-process, the client's session in the client list, every packet in the timeline, the rules'
// activity, the session filter, stop and restart keeping the log, and the errors a user makes
// (a broken rules file, a port in use, a host that is not an address).
#include "infobanner.h"
#include "livesession.h"
#include "mainwindow.h"
#include "mockserverwindow.h"
#include "packetdetail.h"
#include "referenceserver.h"
#include "server/mockrules.h"
#include "server/socketioserver.h"
#include "session/sessionlog.h"
#include "socketio/socketioclient.h"
#include "timelinepane.h"

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

namespace {
constexpr int Timeout = 15000;

QString examplePath()
{
    return ReferenceServer::peersDir() + QStringLiteral("/../../resources/mock-rules/example.json");
}

// socket.io-client 4.8 (with socket.io-msgpack-parser when `parser` is "msgpack"): connect to
// "/", say hello and wait for the answer, ask for the snapshot (a binary from the rules' file),
// then leave. Prints {"back": [...], "snapshot": "<hex of its bytes>"}.
QProcess *startClient(const QUrl &url, const QString &parser, QObject *parent)
{
    const QString script = QStringLiteral(
        "const { io } = require('socket.io-client');"
        "const parser = process.argv[2] === 'msgpack' ? require('socket.io-msgpack-parser') "
        ": undefined;"
        "const s = io(process.argv[1], { transports: ['websocket'], parser });"
        "const hex = (b) => Buffer.isBuffer(b) ? b.toString('hex') : 'not a Buffer: ' + b;"
        "s.on('hello-back', (...back) => {"
        "  s.once('snapshot', (value) => {"
        "    console.log(JSON.stringify({ back, snapshot: hex(value && value.bytes) }));"
        "    setTimeout(() => { s.close(); process.exit(0); }, 200); });"
        "  s.emit('snapshot'); });"
        "s.on('connect', () => s.emit('hello', 'from node', 42));"
        "setTimeout(() => process.exit(3), 10000).unref();");
    auto *client = new QProcess(parent);
    client->setWorkingDirectory(ReferenceServer::peersDir());
    client->start(QStringLiteral("node"),
                  {QStringLiteral("-e"), script, url.toString(QUrl::RemovePath), parser});
    return client;
}

QByteArray snapshotHex()
{
    QFile file(ReferenceServer::peersDir() +
               QStringLiteral("/../../resources/mock-rules/snapshot.bin"));
    return file.open(QIODevice::ReadOnly) ? file.readAll().toHex() : QByteArray();
}

bool logHasEvent(const SessionLog &log, PacketRecord::Direction direction,
                 const QByteArray &payloadStart)
{
    for (qint64 row = 0; row < log.size(); ++row)
        if (log.layer(row) == PacketRecord::Layer::SocketIo && log.direction(row) == direction &&
            log.payload(row).startsWith(payloadStart))
            return true;
    return false;
}
} // namespace

class tst_GuiMockServerPeer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QVERIFY2(QFile::exists(examplePath()), qPrintable(examplePath()));
    }

    void servesTheRulesAndShowsTheClient_data()
    {
        QTest::addColumn<QString>("parser");
        QTest::newRow("socket.io-client 4.8, default parser") << "default";
        QTest::newRow("socket.io-client 4.8 with socket.io-msgpack-parser") << "msgpack";
    }
    void servesTheRulesAndShowsTheClient()
    {
        QFETCH(QString, parser);
        MockServerWindow window;
        window.setBehaviour(MockServerWindow::Behaviour::Rules);
        window.setRulesFile(examplePath());
        window.setPort(0);
        window.show();
        // The parser is chosen in the window, as a user does.
        auto *parserBox = window.findChild<QComboBox *>(QStringLiteral("parser"));
        QVERIFY(parserBox);
        const int parserIndex = parserBox->findText(parser);
        QVERIFY(parserIndex >= 0);
        parserBox->setCurrentIndex(parserIndex);
        QSignalSpy running(&window, &MockServerWindow::runningChanged);
        auto *startStop = window.findChild<QPushButton *>(QStringLiteral("startStop"));
        QVERIFY(startStop);
        QCOMPARE(startStop->text(), QStringLiteral("Start"));
        startStop->click();
        QVERIFY2(window.isRunning(), qPrintable(window.banner()->text()));
        QCOMPARE(running.size(), 1);
        QCOMPARE(SocketIoParser::kindName(window.server()->options().parser), parser);
        QVERIFY(!parserBox->isEnabled()); // fixed while the server runs
        QCOMPARE(startStop->text(), QStringLiteral("Stop"));
        QVERIFY(window.serverUrl().port() > 0);
        QVERIFY(window.statusLabel()->text().contains(window.serverUrl().toString()));
        // The rules are listed when the server starts.
        QVERIFY(window.activity()->toPlainText().contains(QStringLiteral("hello")));

        std::unique_ptr<QProcess> client(startClient(window.serverUrl(), parser, nullptr));
        QVERIFY(client->waitForStarted(5000));
        QTRY_VERIFY_WITH_TIMEOUT(client->state() == QProcess::NotRunning, Timeout);
        const QByteArray output = client->readAllStandardOutput();
        QVERIFY2(client->exitCode() == 0, (output + client->readAllStandardError()).constData());
        QVERIFY2(
            output.contains("{\"back\":[\"from node\",42],\"snapshot\":\"" + snapshotHex() + "\"}"),
            output.constData());

        // The client's session is listed, with the namespace it joined.
        QTreeWidget *clients = window.clientList();
        QTRY_COMPARE_WITH_TIMEOUT(clients->topLevelItemCount(), 2, Timeout);
        QTreeWidgetItem *item = clients->topLevelItem(1);
        const QString sid = item->text(0);
        QCOMPARE(sid.size(), 20);
        QTRY_VERIFY_WITH_TIMEOUT(item->text(2).startsWith(QStringLiteral("closed")), Timeout);

        // Every packet is in the log and the timeline: the hello, its answer, the welcome.
        const SessionLog &log = *window.log();
        QVERIFY(logHasEvent(log, PacketRecord::Direction::In, "[\"hello\",\"from node\",42]"));
        QVERIFY(
            logHasEvent(log, PacketRecord::Direction::Out, "[\"hello-back\",\"from node\",42]"));
        QVERIFY(logHasEvent(log, PacketRecord::Direction::Out, "[\"welcome\""));
        window.timeline()->flush();
        const int allRows = window.timeline()->rowCount();
        QVERIFY(allRows >= 3);
        // What the rules did.
        QTRY_VERIFY_WITH_TIMEOUT(
            window.activity()->toPlainText().contains(QStringLiteral("hello-back")), Timeout);

        // Selecting the client shows its packets only; the detail names it.
        clients->setCurrentItem(item);
        window.timeline()->flush();
        QVERIFY(window.timeline()->rowCount() >= 3);
        const std::vector<qint64> rows = window.timeline()->visibleLogRows();
        for (const qint64 row : rows)
            QCOMPARE(log.session(row), sid);
        QVERIFY(window.timeline()->selectLogRow(rows.front()));
        QVERIFY2(window.detail()->headerText().contains(sid),
                 qPrintable(window.detail()->headerText()));
        clients->setCurrentItem(clients->topLevelItem(0));
        window.timeline()->flush();
        QCOMPARE(window.timeline()->rowCount(), allRows);

        // Stop: the server no longer listens; the log stays. Start again: the same log grows.
        const QUrl url = window.serverUrl();
        const qint64 records = log.size();
        startStop->click();
        QVERIFY(!window.isRunning());
        QCOMPARE(running.size(), 2);
        QVERIFY(window.statusLabel()->text().startsWith(QStringLiteral("Stopped")));
        QCOMPARE(log.size(), records);
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, quint16(url.port()));
        QVERIFY(!probe.waitForConnected(1000));
        startStop->click();
        QVERIFY(window.isRunning());
        std::unique_ptr<QProcess> again(startClient(window.serverUrl(), parser, nullptr));
        QVERIFY(again->waitForStarted(5000));
        QTRY_VERIFY_WITH_TIMEOUT(again->state() == QProcess::NotRunning, Timeout);
        QCOMPARE(again->exitCode(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(clients->topLevelItemCount(), 3, Timeout);
        QVERIFY(log.size() > records);
    }

    // "Inspect as Client" opens an inspector window connected to the server.
    void inspectOpensAConnectedWindow()
    {
        MockServerWindow window;
        window.setBehaviour(MockServerWindow::Behaviour::DefaultHandlers);
        window.setPort(0);
        window.show();
        QVERIFY2(window.startServer(), qPrintable(window.banner()->text()));
        auto *inspect = window.findChild<QPushButton *>(QStringLiteral("inspect"));
        QVERIFY(inspect && inspect->isEnabled());
        const QWidgetList windowsBefore = QApplication::topLevelWidgets();
        const QSet<QWidget *> before(windowsBefore.cbegin(), windowsBefore.cend());
        inspect->click();
        MainWindow *inspector = nullptr;
        for (QWidget *widget : QApplication::topLevelWidgets())
            if (auto *candidate = qobject_cast<MainWindow *>(widget);
                candidate && !before.contains(widget))
                inspector = candidate;
        QVERIFY(inspector);
        inspector->setJournalEnabled(false);
        QTRY_COMPARE_WITH_TIMEOUT(inspector->session()->client()->state(),
                                  SocketIoClient::State::Connected, Timeout);
        // The default handlers greet every client with "auth".
        QTRY_VERIFY_WITH_TIMEOUT(
            logHasEvent(*inspector->log(), PacketRecord::Direction::In, "[\"auth\""), Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(
            logHasEvent(*window.log(), PacketRecord::Direction::Out, "[\"auth\""), Timeout);
        inspector->close();
    }

    // What a user can get wrong: each says what and where, and nothing runs.
    void mistakesAreExplained_data()
    {
        QTest::addColumn<QByteArray>("rules"); // empty: no rules file
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("portInUse");
        QTest::addColumn<QString>("message");
        QTest::newRow("no rules file chosen")
            << QByteArray() << "127.0.0.1" << false << "Choose a rules file";
        QTest::newRow("broken JSON names line and column")
            << QByteArray("{\n  \"version\": 1,\n  \"namespaces\": {\n}") << "127.0.0.1" << false
            << "line 4";
        QTest::newRow("a schema mistake names the JSON path")
            << QByteArray(
                   "{\"version\": 1, \"namespaces\": {\"/\": {\"on\": {\"x\": {\"emit\": 3}}}}}")
            << "127.0.0.1" << false << "namespaces./.on.x";
        QTest::newRow("a host that is not an address")
            << QByteArray("{\"version\": 1, \"namespaces\": {\"/\": {}}}") << "localhostt" << false
            << "is not an IP address";
        QTest::newRow("a port in use")
            << QByteArray("{\"version\": 1, \"namespaces\": {\"/\": {}}}") << "127.0.0.1" << true
            << "could not start";
    }
    void mistakesAreExplained()
    {
        QFETCH(QByteArray, rules);
        QFETCH(QString, host);
        QFETCH(bool, portInUse);
        QFETCH(QString, message);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString rulesPath;
        if (!rules.isEmpty()) {
            rulesPath = dir.filePath(QStringLiteral("rules.json"));
            QFile file(rulesPath);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(rules);
        }
        QTcpServer occupier;
        QVERIFY(occupier.listen(QHostAddress::LocalHost, 0));
        MockServerWindow window;
        window.setBehaviour(MockServerWindow::Behaviour::Rules);
        window.setRulesFile(rulesPath);
        window.setHost(host);
        window.setPort(portInUse ? occupier.serverPort() : 0);
        window.show();
        QSignalSpy running(&window, &MockServerWindow::runningChanged);
        QVERIFY(!window.startServer());
        QVERIFY(!window.isRunning());
        QCOMPARE(running.size(), 0);
        QVERIFY(window.banner()->isVisibleTo(&window));
        QCOMPARE(window.banner()->kind(), InfoBanner::Kind::Error);
        QVERIFY2(window.banner()->text().contains(message), qPrintable(window.banner()->text()));
        QVERIFY(window.statusLabel()->text().startsWith(QStringLiteral("Stopped")));
    }
};

QTEST_MAIN(tst_GuiMockServerPeer)
#include "tst_gui_mockserver_peer.moc"
