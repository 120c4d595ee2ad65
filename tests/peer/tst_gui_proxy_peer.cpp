// The proxy window (ui/proxywindow, Session ▸ Proxy…) driven through its widgets, between the
// REAL socket.io-client 4.8 and the REAL socket.io 4.8 server from npm: the app's session appears
// in the session list, its packets both ways in the timeline with the acks paired, the session
// filter, the app's own results unchanged by the proxy, an event injected from the composer into
// the app's session (answered by the app, paired, and kept from the server), and the errors a
// user makes (a target that is not a URL, a port in use, a target that does not answer).
#include "composer.h"
#include "infobanner.h"
#include "jsoneditor.h"
#include "mainwindow.h"
#include "proxy/proxysessions.h"
#include "proxywindow.h"
#include "referenceserver.h"
#include "screenshots.h"
#include "session/sessionlog.h"
#include "timelinepane.h"

#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTreeWidget>

Q_DECLARE_METATYPE(ReferenceServer::Flavor)

namespace {
constexpr int Timeout = 20000;

// socket.io-client 4.8 through `url` (polling, then the upgrade): joins "/", emits "echo-ack"
// with an ack, answers the server's "ask" (the reference server asks on "request-ack"), then
// leaves. Prints {"ack": [...], "answered": [...]}.
QProcess *startApp(const QString &url, QObject *parent)
{
    const QString script =
        QStringLiteral("const { io } = require('socket.io-client');"
                       "const s = io(process.argv[1], { transports: ['polling', 'websocket'] });"
                       "s.on('ask', (value, reply) => reply('answer', value));"
                       "s.on('connect', () => {"
                       "  s.emit('echo-ack', 'from the app', 7, (...ack) => {"
                       "    s.once('answered', (answered) => {"
                       "      console.log(JSON.stringify({ ack, answered }));"
                       "      setTimeout(() => { s.close(); process.exit(0); }, 300); });"
                       "    s.emit('request-ack'); }); });"
                       "setTimeout(() => process.exit(3), 15000).unref();");
    auto *app = new QProcess(parent);
    app->setWorkingDirectory(ReferenceServer::peersDir());
    app->start(QStringLiteral("node"), {QStringLiteral("-e"), script, url});
    return app;
}

// socket.io-client 4.8 or 2.5 through `url` that prints {"transport": name} once on its final
// transport, answers "from-proxy" (value, ack) with ack("pong", value), prints the hex of a
// "from-proxy-bin" attachment, then emits "echo-ack" to show the session goes on, prints its
// answer and leaves.
QProcess *startInjectedApp(const QString &url, const QString &flavor, const QString &transports,
                           QObject *parent)
{
    const QString script = QStringLiteral(
        "const [url, flavor, transports] = process.argv.slice(1);"
        "const io = flavor === '2' ? require('socket.io-client-v2') : "
        "  require('socket.io-client').io;"
        "const s = io(url, { transports: transports.split(',') });"
        "const say = (o) => console.log(JSON.stringify(o));"
        "const ready = () => say({ transport: s.io.engine.transport.name });"
        "s.on('connect', () => {"
        "  if (transports === 'websocket') ready(); else s.io.engine.once('upgrade', ready); });"
        "s.on('from-proxy', (value, ack) => { say({ got: value }); ack('pong', value); });"
        "s.on('from-proxy-bin', (bytes) => {"
        "  say({ bin: Buffer.from(bytes).toString('hex') });"
        "  s.emit('echo-ack', 'after', (...ack) => {"
        "    say({ after: ack }); setTimeout(() => { s.close(); process.exit(0); }, 200); }); });"
        "setTimeout(() => process.exit(3), 20000).unref();");
    auto *app = new QProcess(parent);
    app->setWorkingDirectory(ReferenceServer::peersDir());
    app->start(QStringLiteral("node"), {QStringLiteral("-e"), script, url, flavor, transports});
    return app;
}

// The next line `process` prints (waiting up to Timeout), without its newline.
QByteArray nextLine(QProcess *process)
{
    // Empty when no line came: the caller's comparison then fails with what it expected.
    if (!QTest::qWaitFor([process] { return process->canReadLine(); }, Timeout))
        return {};
    return process->readLine().trimmed();
}

// Listening on any free loopback port, toward `target`, shown.
void pointAt(ProxyWindow *window, const QUrl &target)
{
    window->setListenHost(QStringLiteral("127.0.0.1"));
    window->setListenPort(0);
    window->setTarget(target.toString());
    window->show();
}

bool waitForExit(QProcess *process)
{
    return QTest::qWaitFor([process] { return process->state() == QProcess::NotRunning; }, Timeout);
}
} // namespace

class tst_GuiProxyPeer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void showsTheAppSessionDecoded()
    {
        ReferenceServer server;
        QString error;
        ReferenceServer::Options options;
        options.pingInterval = 25000;
        options.pingTimeout = 20000;
        QVERIFY2(server.start(options, &error), qPrintable(error));

        ProxyWindow window;
        pointAt(&window, server.url());
        QSignalSpy running(&window, &ProxyWindow::runningChanged);
        window.findChild<QPushButton *>(QStringLiteral("startStop"))->click();
        QCOMPARE(running.count(), 1);
        QVERIFY(window.isRunning());
        QVERIFY2(window.listenUrl().startsWith(QStringLiteral("http://127.0.0.1:")),
                 qPrintable(window.listenUrl()));

        QProcess *app = startApp(window.listenUrl(), this);
        QVERIFY(waitForExit(app));
        const QByteArray output = app->readAllStandardOutput();
        QVERIFY2(app->exitCode() == 0,
                 (output + app->readAllStandardError() + server.output()).constData());
        // What the app got through the proxy is what the server sent.
        QCOMPARE(output.trimmed(),
                 QByteArray(R"({"ack":["from the app",7],"answered":["answer",null]})"));

        // The session in the list, closed when the app left.
        QTreeWidget *sessions = window.sessionList();
        QVERIFY(QTest::qWaitFor(
            [&] {
                return sessions->topLevelItemCount() == 2 &&
                       sessions->topLevelItem(1)->text(1) == QLatin1String("closed");
            },
            Timeout));
        const QString sid = sessions->topLevelItem(1)->text(0);
        QVERIFY(!sid.isEmpty());

        // Both directions decoded, in that session, with both acks paired and timed.
        SessionLog *log = window.log();
        qint64 appEvent = -1, serverAck = -1, serverAsk = -1, appAck = -1, upgraded = -1;
        for (qint64 row = 0; row < log->size(); ++row) {
            if (log->session(row) != sid)
                continue;
            const QByteArrayView payload = log->payload(row);
            if (log->layer(row) == PacketRecord::Layer::Connection &&
                log->type(row) == PacketRecord::Upgraded)
                upgraded = row;
            if (log->layer(row) != PacketRecord::Layer::SocketIo)
                continue;
            const bool out = log->direction(row) == PacketRecord::Direction::Out;
            if (out && payload.startsWith(QByteArrayView(R"(["echo-ack","from the app",7])")))
                appEvent = row;
            else if (!out && log->type(row) == SocketIoPacket::Ack)
                serverAck = row;
            else if (!out && payload.startsWith(QByteArrayView(R"(["ask")")))
                serverAsk = row;
            else if (out && log->type(row) == SocketIoPacket::Ack)
                appAck = row;
        }
        QVERIFY2(appEvent >= 0 && serverAck >= 0 && serverAsk >= 0 && appAck >= 0,
                 qPrintable(QStringLiteral("%1 %2 %3 %4")
                                .arg(appEvent)
                                .arg(serverAck)
                                .arg(serverAsk)
                                .arg(appAck)));
        QVERIFY(upgraded >= 0);
        QCOMPARE(log->acks().partnerRow(serverAck), appEvent);
        QCOMPARE(log->acks().partnerRow(appAck), serverAsk);
        QVERIFY(log->record(serverAck).rttUs >= 0);
        QVERIFY(log->record(appAck).rttUs >= 0);

        // Selecting the session shows only its rows; "All sessions" everything again.
        sessions->setCurrentItem(sessions->topLevelItem(1));
        QVERIFY(window.timeline()->rowCount() > 0);
        QVERIFY(window.timeline()->rowCount() <= log->size());
        saveScreenshot(&window, QStringLiteral("proxy-window.png"));
        sessions->setCurrentItem(sessions->topLevelItem(0));

        window.findChild<QPushButton *>(QStringLiteral("startStop"))->click();
        QVERIFY(!window.isRunning());
        QCOMPARE(running.count(), 2);
        const qint64 kept = log->size();
        QVERIFY(kept > 0); // stopping keeps the log
    }

    void injectsAnEventIntoTheAppsSession_data()
    {
        QTest::addColumn<ReferenceServer::Flavor>("flavor");
        QTest::addColumn<QString>("transports");
        QTest::newRow("socket.io 4.8, WebSocket only")
            << ReferenceServer::Flavor::SocketIo4 << QStringLiteral("websocket");
        QTest::newRow("socket.io 4.8, polling then the upgrade")
            << ReferenceServer::Flavor::SocketIo4 << QStringLiteral("polling,websocket");
        QTest::newRow("socket.io 2.5 (Engine.IO v3), polling then the upgrade")
            << ReferenceServer::Flavor::SocketIo2 << QStringLiteral("polling,websocket");
    }

    void injectsAnEventIntoTheAppsSession()
    {
        QFETCH(ReferenceServer::Flavor, flavor);
        QFETCH(QString, transports);
        ReferenceServer server;
        QString error;
        ReferenceServer::Options options;
        options.flavor = flavor;
        options.pingInterval = 25000;
        options.pingTimeout = 20000;
        options.logPackets = true;
        QVERIFY2(server.start(options, &error), qPrintable(error));

        ProxyWindow window;
        pointAt(&window, server.url());
        QVERIFY(window.startProxy());
        Composer *composer = window.composer();
        composer->setEventName(QStringLiteral("from-proxy"));
        composer->setArgumentsText(QStringLiteral("[42]"));
        composer->setRequestAck(true, 10);

        // No session chosen yet: the composer says where the event would have to go.
        composer->sendButton()->click();
        QVERIFY2(composer->resultLabel()->text().contains(QStringLiteral("select an app session")),
                 qPrintable(composer->resultLabel()->text()));

        QProcess *app =
            startInjectedApp(window.listenUrl(),
                             flavor == ReferenceServer::Flavor::SocketIo2 ? QStringLiteral("2")
                                                                          : QStringLiteral("4"),
                             transports, this);
        const QByteArray ready = nextLine(app);
        QVERIFY2(ready == R"({"transport":"websocket"})",
                 (ready + app->readAllStandardError() + server.output()).constData());
        QTreeWidget *sessions = window.sessionList();
        QTRY_COMPARE_WITH_TIMEOUT(sessions->topLevelItemCount(), 2, Timeout);
        const QString sid = sessions->topLevelItem(1)->text(0);
        window.selectSession(sid);
        QCOMPARE(window.selectedSession(), sid);

        composer->sendButton()->click();
        QVERIFY2(composer->resultLabel()->text().contains(QStringLiteral("ack #1000000000")),
                 qPrintable(composer->resultLabel()->text()));
        QCOMPARE(nextLine(app), QByteArray(R"({"got":42})"));

        // A binary event, no ack.
        composer->setEventName(QStringLiteral("from-proxy-bin"));
        composer->setArgumentsText(QStringLiteral("[]"));
        composer->setRequestAck(false);
        composer->addAttachment({QStringLiteral("bytes"), QByteArray("\x00\x01\xfe\xff", 4), 0});
        composer->sendButton()->click();
        QVERIFY2(composer->resultLabel()->text().startsWith(QStringLiteral("✓")),
                 qPrintable(composer->resultLabel()->text()));
        QCOMPARE(nextLine(app), QByteArray(R"({"bin":"0001feff"})"));
        // The session goes on with the server as before: its ack ids were not disturbed.
        QCOMPARE(nextLine(app), QByteArray(R"({"after":["after"]})"));
        QVERIFY(waitForExit(app));
        QCOMPARE(app->exitCode(), 0);

        // In the log: the note, the EVENT toward the app with the proxy's ack id, the app's ACK
        // paired with it and timed; the binary event with its attachment.
        SessionLog *log = window.log();
        qint64 note = -1, event = -1, ack = -1, binary = -1;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (qint64 row = 0; row < log->size(); ++row) {
                    if (log->session(row) != sid)
                        continue;
                    if (log->layer(row) == PacketRecord::Layer::Connection &&
                        log->type(row) == PacketRecord::Injected && note < 0)
                        note = row;
                    if (log->layer(row) != PacketRecord::Layer::SocketIo)
                        continue;
                    const PacketRecord record = log->record(row);
                    if (record.id == ProxySessions::InjectedAckBase &&
                        record.type == SocketIoPacket::Event)
                        event = row;
                    if (record.id == ProxySessions::InjectedAckBase &&
                        record.type == SocketIoPacket::Ack)
                        ack = row;
                    if (record.type == SocketIoPacket::BinaryEvent &&
                        log->payload(row).startsWith(QByteArrayView(R"(["from-proxy-bin")")))
                        binary = row;
                }
                return note >= 0 && event >= 0 && ack >= 0 && binary >= 0;
            }(),
            Timeout);
        QVERIFY(note < event);
        if (flavor == ReferenceServer::Flavor::SocketIo4 &&
            transports == QLatin1String("websocket")) {
            window.findChild<QTabWidget *>(QStringLiteral("bottomTabs"))
                ->setCurrentWidget(composer);
            window.timeline()->selectLogRow(ack);
            saveScreenshot(&window, QStringLiteral("proxy-inject.png"));
        }
        QCOMPARE(log->direction(event), PacketRecord::Direction::In);
        QCOMPARE(log->payload(event), QByteArrayView(R"(["from-proxy",42])"));
        QCOMPARE(log->direction(ack), PacketRecord::Direction::Out);
        QCOMPARE(log->payload(ack), QByteArrayView(R"(["pong",42])"));
        QCOMPARE(log->acks().partnerRow(ack), event);
        QVERIFY(log->record(ack).rttUs >= 0);
        QCOMPARE(log->direction(binary), PacketRecord::Direction::In);
        QCOMPARE(log->record(binary).attachments.value(0), QByteArray("\x00\x01\xfe\xff", 4));

        // The server never saw the ACK of an EVENT it did not send, and got the app's own
        // "echo-ack".
        const QByteArray received = server.output();
        QVERIFY2(received.contains("echo-ack"), received.constData());
        QVERIFY2(!received.contains("1000000000"), received.constData());
        QVERIFY2(!received.contains("pong"), received.constData());

        // Once the app has gone, the session cannot take another event.
        QTRY_COMPARE_WITH_TIMEOUT(sessions->topLevelItem(1)->text(1), QStringLiteral("closed"),
                                  Timeout);
        composer->setEventName(QStringLiteral("from-proxy"));
        composer->clearAttachments();
        composer->sendButton()->click();
        QVERIFY2(composer->resultLabel()->text().contains(QStringLiteral("no open session")),
                 qPrintable(composer->resultLabel()->text()));
    }

    void namesTheUsersMistakes()
    {
        ProxyWindow window;
        window.setListenHost(QStringLiteral("127.0.0.1"));
        window.setListenPort(0);
        window.setTarget(QStringLiteral("not a url"));
        QVERIFY(!window.startProxy());
        QVERIFY(window.banner()->isVisibleTo(&window));
        QVERIFY2(window.banner()->text().contains(QStringLiteral("target")),
                 qPrintable(window.banner()->text()));

        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
        window.setTarget(QStringLiteral("http://127.0.0.1:9"));
        window.setListenPort(taken.serverPort());
        QVERIFY(!window.startProxy());
        QVERIFY2(window.banner()->text().contains(QString::number(taken.serverPort())),
                 qPrintable(window.banner()->text()));

        // A target that refuses: the app gets a 502 whose body says why, and the log an error.
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 refusingPort = closed.serverPort();
        closed.close();
        window.setTarget(QStringLiteral("http://127.0.0.1:%1").arg(refusingPort));
        window.setListenPort(0);
        QVERIFY(window.startProxy());
        QTcpSocket app;
        app.connectToHost(QHostAddress::LocalHost, QUrl(window.listenUrl()).port());
        QVERIFY(app.waitForConnected(Timeout));
        app.write("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: app\r\n\r\n");
        QByteArray answer;
        QVERIFY(QTest::qWaitFor(
            [&] {
                answer += app.readAll();
                return app.state() == QAbstractSocket::UnconnectedState;
            },
            Timeout));
        answer += app.readAll();
        QVERIFY2(answer.startsWith("HTTP/1.1 502 Bad Gateway"), answer.constData());
        QVERIFY2(answer.contains("refused"), answer.constData());
        QVERIFY(QTest::qWaitFor(
            [&] {
                for (qint64 row = 0; row < window.log()->size(); ++row)
                    if (window.log()->hasError(row))
                        return true;
                return false;
            },
            Timeout));
    }

    void mainWindowOpensIt()
    {
        MainWindow main;
        QAction *action = main.findChild<QAction *>(QStringLiteral("proxyAction"));
        QVERIFY(action);
        const int before = int(QApplication::topLevelWidgets().size());
        action->trigger();
        ProxyWindow *opened = nullptr;
        for (QWidget *widget : QApplication::topLevelWidgets())
            if (auto *proxy = qobject_cast<ProxyWindow *>(widget))
                opened = proxy;
        QVERIFY(opened);
        QVERIFY(int(QApplication::topLevelWidgets().size()) > before);
        opened->close(); // WA_DeleteOnClose
    }
};

QTEST_MAIN(tst_GuiProxyPeer)
#include "tst_gui_proxy_peer.moc"
