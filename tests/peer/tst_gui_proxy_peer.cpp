// The proxy window (ui/proxywindow, Session ▸ Proxy…) driven through its widgets, between the
// REAL socket.io-client 4.8 and the REAL socket.io 4.8 server from npm: the app's session appears
// in the session list, its packets both ways in the timeline with the acks paired, the session
// filter, the app's own results unchanged by the proxy, and the errors a user makes (a target
// that is not a URL, a port in use, a target that does not answer).
#include "infobanner.h"
#include "mainwindow.h"
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
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTreeWidget>

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
        window.setListenHost(QStringLiteral("127.0.0.1"));
        window.setListenPort(0);
        window.setTarget(server.url().toString());
        window.show();
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
