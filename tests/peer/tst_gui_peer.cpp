// The main window against a real socket.io 4 server (tests/peers/server.js), driven through its
// widgets: connect, namespace tabs and their states, a refused namespace, composing events with
// attachments, acks both ways in the ack panel, export and import, the crash journal's lifetime;
// with socket.io-msgpack-parser, the composer's attachments as bin values the server reads.
#include "ackpanel.h"
#include "composer.h"
#include "connectionbar.h"
#include "crashjournal.h"
#include "doctordialog.h"
#include "hexview.h"
#include "infobanner.h"
#include "jsoneditor.h"
#include "jsontreemodel.h"
#include "livesession.h"
#include "logsearch.h"
#include "mainwindow.h"
#include "namespacetabs.h"
#include "packetdetail.h"
#include "referenceserver.h"
#include "screenshots.h"
#include "server/socketioserver.h"
#include "session/sessionlog.h"
#include "sessionstatusbar.h"
#include "socketio/socketiopacket.h"
#include "startpanel.h"
#include "timelinepane.h"

#include <QAbstractItemModelTester>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

namespace {
constexpr int Timeout = 10000;

// Sends "request-ack", to which the reference server answers with an "ask" EVENT that wants our
// ack: the row of that EVENT, or -1 when it did not come within the timeout.
qint64 serverAsksUs(Composer *composer, const SessionLog &log)
{
    composer->setRequestAck(false);
    composer->setEventName(QStringLiteral("request-ack"));
    composer->setArgumentsText(QStringLiteral("[\"question\"]"));
    composer->send();
    qint64 ask = -1;
    // Whether it came is what `ask` says.
    (void)QTest::qWaitFor(
        [&] {
            ask = findRecord(log, PacketRecord::Direction::In, SocketIoPacket::Event,
                             QStringLiteral("/"), QStringLiteral("ask"));
            return ask >= 0;
        },
        Timeout);
    return ask;
}

QByteArray dump(const SessionLog &log)
{
    QByteArray out;
    for (qint64 row = 0; row < log.size(); ++row) {
        const PacketRecord record = log.record(row);
        out += record.directionName().toUtf8() + ' ' + record.typeName().toUtf8() + ' ' +
               record.raw.left(200) + '\n';
    }
    return out;
}

} // namespace

class tst_GuiPeer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SioScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("SioScopeGuiPeerTest"));
        QSettings().clear();
        QDir(CrashJournal::journalDirectory()).removeRecursively();
    }

    void sessionThroughTheWindow()
    {
        ReferenceServer server;
        ReferenceServer::Options options;
        options.pingInterval = 1000;
        options.pingTimeout = 1000;
        START_SERVER(server, options);

        auto window = std::make_unique<MainWindow>();
        window->resize(1400, 900);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        QAbstractItemModelTester timelineTester(
            window->timeline()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester ackTester(window->ackPanel()->model(),
                                           QAbstractItemModelTester::FailureReportingMode::QtTest);
        SessionLog &log = *window->log();
        SocketIoClient *client = window->session()->client();

        // Connect through the connection bar.
        ConnectionBar *bar = window->connectionBar();
        bar->urlCombo()->setFocus();
        QTest::keyClicks(bar->urlCombo()->lineEdit(), server.url().toString());
        QTest::mouseClick(bar->connectButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Connected, Timeout);
        QCOMPARE(bar->connectButton()->text(), QStringLiteral("Disconnect"));
        QVERIFY(!bar->urlCombo()->isEnabled());
        QVERIFY(bar->urlHistory().contains(server.url().toString()));

        // The "/" tab, connected.
        NamespaceTabs *tabs = window->namespaceTabs();
        QTRY_VERIFY_WITH_TIMEOUT(
            tabs->tabToolTip(QStringLiteral("/")).contains(QStringLiteral("connected")), Timeout);
        QCOMPARE(tabs->tabText(QStringLiteral("/")), QStringLiteral("/"));

        // The status bar shows the Engine.IO session.
        const QString sid = client->engine()->handshake().sid;
        QVERIFY(!sid.isEmpty());
        window->sessionStatusBar()->refresh();
        QVERIFY(window->sessionStatusBar()->sidLabel()->text().contains(sid));
        QVERIFY(window->sessionStatusBar()->heartbeatLabel()->text().contains(
            QStringLiteral("ping 1.0 s")));
        QVERIFY(
            window->sessionStatusBar()->stateLabel()->text().contains(QStringLiteral("connected")));

        // The crash journal is written while the session runs.
        QVERIFY(window->session()->journal());
        const QString journal = window->session()->journal()->fileName();
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(journal).size() > 0, 2000);

        // A refused namespace shows the server's message.
        Q_EMIT tabs->joinRequested(QStringLiteral("/admin"), {});
        QTRY_VERIFY_WITH_TIMEOUT(
            tabs->tabText(QStringLiteral("/admin")).contains(QStringLiteral("Not authorized")),
            Timeout);
        QVERIFY(tabs->tabToolTip(QStringLiteral("/admin")).contains(QStringLiteral("refused")));
        // With the token it connects.
        Q_EMIT tabs->joinRequested(QStringLiteral("/admin"), QJsonObject{{"token", "secret"}});
        QTRY_VERIFY_WITH_TIMEOUT(
            tabs->tabToolTip(QStringLiteral("/admin")).contains(QStringLiteral(": connected")),
            Timeout);
        QCOMPARE(tabs->tabText(QStringLiteral("/admin")), QStringLiteral("/admin"));
        // The crash journal keeps the token out: in our CONNECT and in the server's welcome,
        // which echoes it.
        QTRY_VERIFY_WITH_TIMEOUT(findRecord(log, PacketRecord::Direction::In, SocketIoPacket::Event,
                                            QStringLiteral("/admin"),
                                            QStringLiteral("welcome")) >= 0,
                                 Timeout);
        window->session()->journal()->flush();
        {
            QFile journalFile(journal);
            QVERIFY(journalFile.open(QIODevice::ReadOnly));
            const QByteArray journalText = journalFile.readAll();
            QVERIFY(journalText.contains("welcome"));
            QVERIFY2(!journalText.contains("secret"), journalText.constData());
        }

        // Another namespace, then closing its tab sends DISCONNECT.
        Q_EMIT tabs->joinRequested(QStringLiteral("/chat"), {});
        QTRY_VERIFY_WITH_TIMEOUT(
            tabs->tabToolTip(QStringLiteral("/chat")).contains(QStringLiteral(": connected")),
            Timeout);
        QCOMPARE(tabs->currentNamespace(), QStringLiteral("/chat"));
        Q_EMIT tabs->tabBar()->tabCloseRequested(tabs->tabIndex(QStringLiteral("/chat")));
        QCOMPARE(tabs->tabIndex(QStringLiteral("/chat")), -1);
        QVERIFY(findRecord(log, PacketRecord::Direction::Out, SocketIoPacket::Disconnect,
                           QStringLiteral("/chat")) >= 0);
        QCOMPARE(client->findNamespace(QStringLiteral("/chat"))->state(),
                 SocketIoNamespace::State::Disconnected);

        // Compose an event with an attachment; the echo comes back, binary included.
        Composer *composer = window->composer();
        composer->setCurrentNamespace(QStringLiteral("/"));
        composer->eventEdit()->clear();
        QTest::keyClicks(composer->eventEdit(), QStringLiteral("echo"));
        composer->argumentsEditor()->editor()->setFocus();
        QTest::keyClicks(composer->argumentsEditor()->editor(), QStringLiteral("[\"hi\", 42]"));
        QVERIFY(composer->argumentsEditor()->isValid());
        composer->addAttachment({QStringLiteral("bytes"), QByteArray("\x00\x01\xfe", 3), 1});
        QTest::mouseClick(composer->sendButton(), Qt::LeftButton);
        QVERIFY2(composer->resultLabel()->text().contains(QStringLiteral("sent")),
                 qPrintable(composer->resultLabel()->text()));
        qint64 echo = -1;
        QTRY_VERIFY2_WITH_TIMEOUT(
            (echo = findRecord(log, PacketRecord::Direction::In, SocketIoPacket::BinaryEvent,
                               QStringLiteral("/"), QStringLiteral("echo"))) >= 0,
            dump(log).constData(), Timeout);
        const PacketRecord echoed = log.record(echo);
        QCOMPARE(echoed.attachments, QList<QByteArray>{QByteArray("\x00\x01\xfe", 3)});
        QCOMPARE(QJsonDocument::fromJson(echoed.payload).array().at(3).toInt(),
                 42); // after "echo", "hi", ▣0
        // The event name is offered for completion now.
        QVERIFY(composer->eventNames().contains(QStringLiteral("welcome")));
        // ... and it is in the timeline, with its detail.
        // Closing /chat left another namespace's tab current; "All" shows every namespace.
        QCOMPARE(tabs->currentNamespace(), QStringLiteral("/admin"));
        window->timeline()->flush();
        QVERIFY(!window->timeline()->selectLogRow(echo)); // filtered out on the /admin tab
        tabs->setCurrentNamespace({});
        window->timeline()->flush();
        QVERIFY(window->timeline()->rowCount() > 0);
        QVERIFY(window->timeline()->selectLogRow(echo));
        QCOMPARE(window->detail()->currentRow(), echo);
        QVERIFY(window->detail()->headerText().contains(QStringLiteral("BINARY_EVENT")));
        QCOMPARE(window->detail()->hexView()->data(), QByteArray("\x00\x01\xfe", 3));
        QVERIFY(window->detail()->hexView()->rowText(0).contains(QStringLiteral("00 01 fe")));
        // The tree shows the placeholder as the attachment it stands for.
        QAbstractItemModelTester jsonTester(window->detail()->jsonModel(),
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);

        // An ack we ask for: paired in the ack panel, with its RTT.
        composer->clearAttachments();
        composer->setEventName(QStringLiteral("echo-ack"));
        composer->setArgumentsText(QStringLiteral("[\"ping\"]"));
        composer->setRequestAck(true, 5);
        composer->send();
        AckPanel *acks = window->ackPanel();
        QTRY_VERIFY_WITH_TIMEOUT(
            acks->model()->rowCount() == 1 &&
                acks->model()->index(0, AckTableModel::StatusColumn).data().toString() ==
                    QStringLiteral("answered"),
            Timeout);
        QVERIFY(!acks->model()->index(0, AckTableModel::RttColumn).data().toString().isEmpty());
        acks->refresh(); // the figures follow on the panel's next tick
        QVERIFY(acks->summaryLabel()->text().contains(QStringLiteral("p50")));
        QCOMPARE(acks->histogram()->sampleCount(), 1);

        // The server asks us: selecting its event turns the composer into the reply.
        const qint64 ask = serverAsksUs(composer, log);
        QVERIFY2(ask >= 0, "the server's \"ask\" did not arrive");
        QVERIFY(log.ackId(ask) >= 0);
        window->timeline()->selectLogRow(ask);
        QVERIFY(composer->isReplying());
        QCOMPARE(composer->replyId(), log.ackId(ask));
        composer->setArgumentsText(QStringLiteral("[\"answer\"]"));
        composer->addAttachment({QStringLiteral("b"), QByteArray("\x07", 1), 1});
        composer->send();
        QVERIFY(!composer->isReplying());
        qint64 answered = -1;
        QTRY_VERIFY_WITH_TIMEOUT(
            (answered = findRecord(log, PacketRecord::Direction::In, SocketIoPacket::BinaryEvent,
                                   QStringLiteral("/"), QStringLiteral("answered"))) >= 0,
            Timeout);
        const PacketRecord answer = log.record(answered);
        QCOMPARE(answer.attachments, QList<QByteArray>{QByteArray("\x07", 1)});
        QVERIFY(answer.payload.contains("\"answer\""));
        QTRY_COMPARE_WITH_TIMEOUT(acks->model()->rowCount(), 2, Timeout);
        QCOMPARE(acks->model()->index(1, AckTableModel::InitiatorColumn).data().toString(),
                 QStringLiteral("←"));
        QCOMPARE(acks->model()->index(1, AckTableModel::StatusColumn).data().toString(),
                 QStringLiteral("answered"));

        // The ask and its answer, with the echo's bytes in the detail pane.
        window->timeline()->selectLogRow(echo);
        acks->refresh();
        saveScreenshot(window.get(), QStringLiteral("main-window.png"));

        // Export, then import into a read-only window: the same records come back.
        QTemporaryDir dir;
        const QString exported = dir.filePath(QStringLiteral("session.jsonl"));
        QString error;
        QVERIFY2(window->exportLog(exported, LogFormat::JsonLines, false, false, &error),
                 qPrintable(error));
        const qint64 exportedRows = log.size();
        std::unique_ptr<MainWindow> imported(MainWindow::openLogFile(exported, &error));
        QVERIFY(imported);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(imported->isReadOnly());
        QCOMPARE(imported->log()->size(), exportedRows);
        QCOMPARE(imported->log()->record(echo).attachments, echoed.attachments);
        imported->ackPanel()->refresh();
        QCOMPARE(imported->ackPanel()->model()->rowCount(), 2);
        imported->resize(1400, 900);
        imported->show();
        QVERIFY(QTest::qWaitForWindowExposed(imported.get()));
        imported->timeline()->selectLogRow(ask);
        saveScreenshot(imported.get(), QStringLiteral("read-only-import.png"));
        // Secrets stay out of the export unless asked for: our CONNECT's auth is redacted, and
        // so is the server's welcome, which echoes the auth back.
        qint64 connectRow = -1;
        qint64 from = 0;
        while ((connectRow =
                    findRecord(*imported->log(), PacketRecord::Direction::Out,
                               SocketIoPacket::Connect, QStringLiteral("/admin"), {}, from)) >= 0) {
            from = connectRow + 1;
            if (imported->log()->record(connectRow).payload.contains("token"))
                break;
        }
        QVERIFY(connectRow >= 0);
        QVERIFY(!imported->log()->record(connectRow).payload.contains("secret"));
        QVERIFY(imported->log()->record(connectRow).payload.contains("[redacted]"));
        for (qint64 row = 0; row < imported->log()->size(); ++row)
            QVERIFY2(!imported->log()->raw(row).contains("secret") &&
                         !imported->log()->payload(row).contains("secret"),
                     imported->log()->raw(row).toByteArray().constData());
        QVERIFY(log.size() > 0 && [&log] {
            for (qint64 row = 0; row < log.size(); ++row)
                if (log.raw(row).contains("\"secret\"") &&
                    log.direction(row) == PacketRecord::Direction::In)
                    return true; // the echo the export redacted was there
            return false;
        }());

        // Disconnect through the bar; a clean close removes the journal.
        QTest::mouseClick(bar->connectButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
        QCOMPARE(bar->connectButton()->text(), QStringLiteral("Connect"));
        QVERIFY(QFile::exists(journal));
        window->close();
        QVERIFY(!QFile::exists(journal));
        QVERIFY(CrashJournal::leftoverJournals().isEmpty());
    }

    // socket.io 2.5 through the window: "auto" finds Engine.IO v3 on its own, the auth goes in
    // the CONNECT query, and a binary echo comes back.
    void socketIo2ThroughTheWindow()
    {
        ReferenceServer server;
        ReferenceServer::Options options;
        options.flavor = ReferenceServer::Flavor::SocketIo2;
        START_SERVER(server, options);
        auto window = std::make_unique<MainWindow>();
        window->setJournalEnabled(false);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        SessionLog &log = *window->log();
        SocketIoClient *client = window->session()->client();
        window->setServerUrl(server.url().toString());
        window->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Connected, Timeout);
        QCOMPARE(client->engine()->version(), EngineIoVersion::V3);
        NamespaceTabs *tabs = window->namespaceTabs();
        QTRY_VERIFY_WITH_TIMEOUT(
            tabs->tabToolTip(QStringLiteral("/")).contains(QStringLiteral("connected")), Timeout);

        Q_EMIT tabs->joinRequested(QStringLiteral("/admin"), QJsonObject{{"token", "secret"}});
        QTRY_VERIFY_WITH_TIMEOUT(
            tabs->tabToolTip(QStringLiteral("/admin")).contains(QStringLiteral(": connected")),
            Timeout);
        QVERIFY(findRecord(log, PacketRecord::Direction::Out, SocketIoPacket::Connect,
                           QStringLiteral("/admin")) >= 0);

        Composer *composer = window->composer();
        composer->setCurrentNamespace(QStringLiteral("/"));
        composer->setEventName(QStringLiteral("echo"));
        composer->setArgumentsText(QStringLiteral("[\"v2\"]"));
        composer->addAttachment({QStringLiteral("bytes"), QByteArray("\x00\xff", 2), 1});
        composer->send();
        qint64 echo = -1;
        QTRY_VERIFY2_WITH_TIMEOUT(
            (echo = findRecord(log, PacketRecord::Direction::In, SocketIoPacket::BinaryEvent,
                               QStringLiteral("/"), QStringLiteral("echo"))) >= 0,
            dump(log).constData(), Timeout);
        QCOMPARE(log.record(echo).attachments, QList<QByteArray>{QByteArray("\x00\xff", 2)});
        tabs->setCurrentNamespace(QStringLiteral("/")); // joining /admin made its tab current
        window->timeline()->flush();
        QVERIFY(window->timeline()->selectLogRow(echo));
        QCOMPARE(window->detail()->hexView()->data(), QByteArray("\x00\xff", 2));

        window->disconnectFromServer();
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
    }

    // A msgpack session: the composer's binary attachments go out as MessagePack bin values at
    // their positions, in an event and in the answer to a server's ack. socket.io 4.8 with
    // socket.io-msgpack-parser says what its parser made of each argument ("describe" acks a
    // Buffer as {"$buffer":"<hex>"}); a placeholder map would come back as a map.
    void composerSendsMsgpackBins_data()
    {
        QTest::addColumn<QString>("parser");
        QTest::addColumn<int>("transports"); // EngineIoOptions::Transports
        QTest::newRow("msgpack chosen, websocket")
            << "msgpack" << int(EngineIoOptions::Transports::WebSocketOnly);
        QTest::newRow("msgpack chosen, polling")
            << "msgpack" << int(EngineIoOptions::Transports::PollingOnly);
        QTest::newRow("auto finds msgpack, polling upgraded")
            << "auto" << int(EngineIoOptions::Transports::Auto);
    }
    void composerSendsMsgpackBins()
    {
        QFETCH(QString, parser);
        QFETCH(int, transports);
        SocketIoParser::Kind kind = SocketIoParser::Kind::Default;
        QVERIFY(SocketIoParser::kindFromName(parser, &kind));
        ReferenceServer server;
        ReferenceServer::Options options;
        options.parser = QStringLiteral("msgpack");
        options.pingInterval = 2000;
        options.pingTimeout = 2000;
        START_SERVER(server, options);

        auto window = std::make_unique<MainWindow>();
        window->setJournalEnabled(false);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        ConnectionProfile profile = window->currentProfile();
        profile.options.engine.url = server.url();
        profile.options.engine.transports = EngineIoOptions::Transports(transports);
        profile.options.parser = kind;
        window->applyProfile(profile);
        window->connectToServer();
        SocketIoClient *client = window->session()->client();
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Connected, Timeout);
        NamespaceTabs *tabs = window->namespaceTabs();
        QTRY_VERIFY_WITH_TIMEOUT(
            tabs->tabToolTip(QStringLiteral("/")).contains(QStringLiteral(": connected")), Timeout);
        QCOMPARE(client->parser(), SocketIoParser::Kind::Msgpack);
        SocketIoNamespace *root = client->findNamespace(QStringLiteral("/"));
        QVERIFY(root);
        QSignalSpy acks(root, &SocketIoNamespace::ackReceived);
        SessionLog &log = *window->log();

        // Two attachments: the second argument and the last one; the JSON arguments around them.
        const QByteArray first("\x00\x01\xfe\xff", 4);
        const QByteArray second("\x80", 1); // a byte that is not UTF-8 on its own
        Composer *composer = window->composer();
        composer->setCurrentNamespace(QStringLiteral("/"));
        composer->eventEdit()->clear();
        QTest::keyClicks(composer->eventEdit(), QStringLiteral("describe"));
        composer->setArgumentsText(QStringLiteral("[\"hi\", {\"n\": 1}]"));
        QVERIFY(composer->argumentsEditor()->isValid());
        composer->addAttachment({QStringLiteral("first"), first, 1});
        composer->addAttachment({QStringLiteral("second"), second, 3});
        composer->setRequestAck(true, 5);
        QTest::mouseClick(composer->sendButton(), Qt::LeftButton);
        QVERIFY2(composer->resultLabel()->text().contains(QStringLiteral("sent")),
                 qPrintable(composer->resultLabel()->text()));
        QTRY_VERIFY2_WITH_TIMEOUT(!acks.isEmpty(), dump(log).constData(), Timeout);
        const auto described = acks.first().at(0).value<SocketIoPacket>();
        QCOMPARE(described.type, SocketIoPacket::Ack); // the server's answer holds no binary
        const QJsonArray expected{
            QJsonArray{QStringLiteral("hi"),
                       QJsonObject{{QStringLiteral("$buffer"), QStringLiteral("0001feff")}},
                       QJsonObject{{QStringLiteral("n"), 1}},
                       QJsonObject{{QStringLiteral("$buffer"), QStringLiteral("80")}}}};
        QCOMPARE(described.data().toArray(), expected);
        // Our record of it: a BINARY_EVENT whose placeholders stand for the bins, in order.
        const qint64 sent =
            findRecord(log, PacketRecord::Direction::Out, SocketIoPacket::BinaryEvent,
                       QStringLiteral("/"), QStringLiteral("describe"));
        QVERIFY2(sent >= 0, dump(log).constData());
        QCOMPARE(log.record(sent).attachments, (QList<QByteArray>{first, second}));
        QVERIFY(log.record(sent).error.isEmpty());

        // The server asks; the composer's answer carries an attachment, which the server
        // reports back ("answered" with the answer's arguments): a bin again, so a Buffer there.
        composer->clearAttachments();
        const qint64 ask = serverAsksUs(composer, log);
        QVERIFY2(ask >= 0, "the server's \"ask\" did not arrive");
        tabs->setCurrentNamespace({});
        window->timeline()->flush();
        QVERIFY(window->timeline()->selectLogRow(ask));
        QVERIFY(composer->isReplying());
        composer->setArgumentsText(QStringLiteral("[\"answer\"]"));
        composer->addAttachment({QStringLiteral("b"), QByteArray("\x07\x00", 2), 0});
        composer->send();
        QVERIFY(!composer->isReplying());
        qint64 answered = -1;
        QTRY_VERIFY2_WITH_TIMEOUT(
            (answered = findRecord(log, PacketRecord::Direction::In, SocketIoPacket::BinaryEvent,
                                   QStringLiteral("/"), QStringLiteral("answered"))) >= 0,
            dump(log).constData(), Timeout);
        const PacketRecord answer = log.record(answered);
        QCOMPARE(answer.attachments, QList<QByteArray>{QByteArray("\x07\x00", 2)});
        // ["answered", [<bin>, "answer"]]: the bin first, where the composer put it.
        const QJsonArray answers = QJsonDocument::fromJson(answer.payload).array().at(1).toArray();
        QCOMPARE(answers.size(), 2);
        QCOMPARE(answers.at(0).toObject().value(QStringLiteral("_placeholder")).toBool(), true);
        QCOMPARE(answers.at(1).toString(), QStringLiteral("answer"));

        // Its detail: the whole MessagePack frame as a hex dump first, then each bin.
        window->timeline()->flush();
        QVERIFY(window->timeline()->selectLogRow(answered));
        PacketDetail *detail = window->detail();
        QCOMPARE(detail->currentRow(), answered);
        QVERIFY2(detail->headerText().contains(QStringLiteral("msgpack")),
                 qPrintable(detail->headerText()));
        QCOMPARE(detail->rawView()->toPlainText(),
                 QStringLiteral("(a binary MessagePack frame: see Binary)"));
        QComboBox *binaries = detail->attachmentChooser();
        QCOMPARE(binaries->count(), 2);
        QVERIFY2(binaries->itemText(0).startsWith(QStringLiteral("MessagePack frame")),
                 qPrintable(binaries->itemText(0)));
        QCOMPARE(detail->hexView()->data(), log.raw(answered).toByteArray());
        QCOMPARE(uchar(detail->hexView()->data().at(0)) & 0xf0, 0x80); // a map
        binaries->setCurrentIndex(1);
        QCOMPARE(detail->hexView()->data(), QByteArray("\x07\x00", 2));
        binaries->setCurrentIndex(0);
        if (QTest::currentDataTag() == QByteArrayView("msgpack chosen, websocket")) {
            detail->findChild<QTabWidget *>()->setCurrentIndex(2);
            saveScreenshot(window.get(), QStringLiteral("msgpack-frame.png"));
        }
        const qint64 reply = findRecord(log, PacketRecord::Direction::Out,
                                        SocketIoPacket::BinaryAck, QStringLiteral("/"));
        QVERIFY2(reply >= 0, dump(log).constData());
        QCOMPARE(log.record(reply).attachments, QList<QByteArray>{QByteArray("\x07\x00", 2)});

        window->disconnectFromServer();
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Disconnected, Timeout);
    }

    // A connection that fails puts the error and its likely cause in the banner, with a link to
    // the doctor; the doctor's report names what failed. The same window, pointed at a real
    // server, gets a report where every check passes, by the start panel's Diagnose…; and the
    // banner goes once a session opens.
    void diagnoseThroughTheWindow()
    {
        ReferenceServer server;
        START_SERVER(server, ReferenceServer::Options());
        QTcpServer vacated; // a port that was free a moment ago: connections are refused
        QVERIFY(vacated.listen(QHostAddress::LocalHost));
        const quint16 refusedPort = vacated.serverPort();
        vacated.close();

        auto window = std::make_unique<MainWindow>();
        window->setJournalEnabled(false);
        window->resize(1200, 800);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        window->setServerUrl(QStringLiteral("http://127.0.0.1:%1").arg(refusedPort));
        window->connectToServer();
        InfoBanner *banner = window->infoBanner();
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisibleTo(window.get()), Timeout);
        QCOMPARE(banner->kind(), InfoBanner::Kind::Error);
        QVERIFY2(banner->text().contains(QLatin1String("href=\"diagnose\"")),
                 qPrintable(banner->text()));
        window->disconnectFromServer();

        Q_EMIT banner->linkActivated(QStringLiteral("diagnose"));
        QPointer<DoctorDialog> dialog = window->doctorDialog();
        QVERIFY(dialog);
        QVERIFY(dialog->isRunning());
        QVERIFY(!dialog->copyButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), Timeout);
        QVERIFY(!dialog->report().ok());
        QCOMPARE(dialog->report().checks.first().id, QStringLiteral("reachable"));
        QCOMPARE(dialog->report().checks.first().status, DoctorCheck::Status::Fail);
        QVERIFY2(dialog->verdictLabel()->text().contains(QLatin1String("reachable")),
                 qPrintable(dialog->verdictLabel()->text()));
        QVERIFY(dialog->reportView()->toPlainText().contains(QLatin1String("[fail] reachable")));
        dialog->close();
        QTRY_VERIFY(!dialog); // deleted on close

        window->setServerUrl(server.url().toString());
        window->clearSession(); // the failed attempt's records go: the start panel is back
        QVERIFY(window->isStartPanelShown());
        window->startPanel()->diagnoseButton()->click();
        dialog = window->doctorDialog();
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), 4 * Timeout);
        const DoctorReport report = dialog->report();
        QVERIFY2(report.ok(), qPrintable(report.toText()));
        QStringList ids;
        for (const DoctorCheck &check : report.checks)
            ids.append(check.id);
        QCOMPARE(ids, (QStringList{"reachable", "tls", "engineio", "transports", "stickiness",
                                   "proxy", "namespaces", "heartbeat"}));
        QVERIFY(dialog->verdictLabel()->text().contains(QLatin1String("passed")));
        QVERIFY(dialog->copyButton()->isEnabled());
        dialog->copyButton()->click();
        QCOMPARE(QGuiApplication::clipboard()->text(), report.toText());
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString error;
        QVERIFY2(dialog->saveJson(dir.filePath(QStringLiteral("doctor.json")), &error),
                 qPrintable(error));
        QFile file(dir.filePath(QStringLiteral("doctor.json")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(json, report.toJson());
        QCOMPARE(json.value(QStringLiteral("ok")).toBool(), true);
        QCOMPARE(json.value(QStringLiteral("url")).toString(), server.url().toString());
        QVERIFY(!dialog->saveJson(dir.filePath(QStringLiteral("missing/doctor.json")), &error));
        QVERIFY(error.contains(QLatin1String("missing")));
        saveScreenshot(dialog, QStringLiteral("doctor.png"));
        dialog->close();

        // A session that opens takes the failure's banner away.
        window->setServerUrl(QStringLiteral("http://127.0.0.1:%1").arg(refusedPort));
        window->connectToServer();
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisibleTo(window.get()), Timeout);
        window->disconnectFromServer();
        window->setServerUrl(server.url().toString());
        window->connectToServer();
        SocketIoClient *client = window->session()->client();
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Connected, Timeout);
        QVERIFY(!banner->isVisibleTo(window.get()));
        window->disconnectFromServer();
    }

    // "Try the Demo" (sioscope --demo): the built-in demo server in-process, the window
    // connected to it with "/", "/chat" and "/admin" (refused), and the title says so.
    void tryTheDemo()
    {
        auto window = std::make_unique<MainWindow>();
        window->setJournalEnabled(false);
        window->show();
        QAction *demo = window->findChild<QAction *>(QStringLiteral("tryDemoAction"));
        QVERIFY(demo);
        demo->trigger();
        QVERIFY(window->demoServer());
        QVERIFY(window->demoServer()->serverPort() != 0);
        QVERIFY2(window->windowTitle().contains(QStringLiteral("built-in demo")),
                 qPrintable(window->windowTitle()));
        SocketIoClient *client = window->session()->client();
        QTRY_COMPARE_WITH_TIMEOUT(client->state(), SocketIoClient::State::Connected, Timeout);
        SocketIoNamespace *chat = client->findNamespace(QStringLiteral("/chat"));
        SocketIoNamespace *admin = client->findNamespace(QStringLiteral("/admin"));
        QVERIFY(chat && admin);
        QTRY_COMPARE_WITH_TIMEOUT(chat->state(), SocketIoNamespace::State::Connected, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(admin->state(), SocketIoNamespace::State::Refused, Timeout);
        QCOMPARE(admin->refusalMessage(), QStringLiteral("Not authorized"));
        QVERIFY(window->namespaceTabs()->namespaceNames().contains(QStringLiteral("/chat")));
        // A tick arrives within its 1 s interval (and some slack).
        SessionLog &log = *window->log();
        QTRY_VERIFY_WITH_TIMEOUT(findRecord(log, PacketRecord::Direction::In, SocketIoPacket::Event,
                                            QStringLiteral("/"), QStringLiteral("tick")) >= 0,
                                 3000);
        window->close();
    }
};

QTEST_MAIN(tst_GuiPeer)
#include "tst_gui_peer.moc"
