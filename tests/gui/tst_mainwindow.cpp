// The GUI without a server: JSON validation, profiles and their secrets, the composer's message,
// the ack table, the crash journal, read-only windows over imported logs, shortcuts and layout.
// Runs offscreen with QStandardPaths in test mode, so the user's settings are never touched.
#include "ackpanel.h"
#include "composer.h"
#include "connectionbar.h"
#include "connectiondialog.h"
#include "crashjournal.h"
#include "fakewebsocketserver.h"
#include "infobanner.h"
#include "jsoneditor.h"
#include "livesession.h"
#include "mainwindow.h"
#include "namespacetabs.h"
#include "packetdetail.h"
#include "profiles.h"
#include "proxypage.h"
#include "server/socketioserver.h"
#include "session/jsonlines.h"
#include "session/logexport.h"
#include "session/sessionlog.h"
#include "sessionstatusbar.h"
#include "socketio/socketiopacket.h"
#include "startpanel.h"
#include "timelinepane.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using D = PacketRecord::Direction;

namespace {
// SIOSCOPE_SCREENSHOT_DIR=<dir>: the options dialog on the tab named `tab`, saved as `name` there
// (the README's and docs/deployments.md's pictures of the TLS and Proxy pages). True when no
// directory is set.
bool saveOptionsPage(ConnectionDialog *dialog, const QString &tab, const QString &name)
{
    const QString shots = qEnvironmentVariable("SIOSCOPE_SCREENSHOT_DIR");
    if (shots.isEmpty())
        return true;
    auto *tabs = dialog->findChild<QTabWidget *>();
    if (!tabs)
        return false;
    for (int index = 0; index < tabs->count(); ++index)
        if (tabs->tabText(index).remove(QLatin1Char('&')) == tab)
            tabs->setCurrentIndex(index);
    dialog->show();
    if (!QTest::qWaitForWindowExposed(dialog))
        return false;
    const bool saved = dialog->grab().save(QDir(shots).filePath(name));
    dialog->hide();
    return saved;
}

PacketRecord sio(D direction, SocketIoPacket::Type type, const QString &nsp, qint64 id,
                 const QByteArray &payload, qint64 timeUs = 0)
{
    PacketRecord record;
    record.timeUs = timeUs ? timeUs : PacketRecord::nowUs();
    record.direction = direction;
    record.layer = PacketRecord::Layer::SocketIo;
    record.type = type;
    record.transport = TransportKind::WebSocket;
    record.nsp = nsp;
    record.id = id;
    record.payload = payload;
    record.raw = QByteArray::number(int(type)) +
                 (nsp == QLatin1String("/") ? QByteArray() : nsp.toUtf8() + ',') +
                 (id >= 0 ? QByteArray::number(id) : QByteArray()) + payload;
    return record;
}

PacketRecord engineOpen()
{
    PacketRecord record;
    record.timeUs = PacketRecord::nowUs();
    record.layer = PacketRecord::Layer::EngineIo;
    record.type = EngineIoPacket::Open;
    record.transport = TransportKind::Polling;
    record.payload = R"({"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000})";
    record.raw = "0" + record.payload;
    return record;
}

// A short session: our event answered, the server's event still pending, our event timed out.
void fillSession(SessionLog &log)
{
    log.append(engineOpen());
    log.append(sio(D::Out, SocketIoPacket::Connect, "/", -1, {}));
    log.append(sio(D::In, SocketIoPacket::Connect, "/", -1, R"({"sid":"s1"})"));
    log.append(sio(D::Out, SocketIoPacket::Event, "/", 0, R"(["echo-ack","hi"])"));
    PacketRecord ack = sio(D::In, SocketIoPacket::Ack, "/", 0, R"(["hi"])");
    ack.rttUs = 1500;
    log.append(ack);
    log.append(sio(D::In, SocketIoPacket::Event, "/", 7, R"(["ask","question"])"));
    log.append(sio(D::Out, SocketIoPacket::Event, "/", 1, R"(["slow"])"));
    log.append(PacketRecord::ackTimeoutNote(QStringLiteral("/"), 1, QStringLiteral("slow")));
}

QByteArray readAll(const QString &fileName)
{
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}
} // namespace

class tst_MainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SioScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("SioScopeGuiTest"));
    }

    void init()
    {
        QSettings().clear();
        QDir(CrashJournal::journalDirectory()).removeRecursively();
    }

    void jsonValidation_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("expect");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("errorPart");
        const int array = int(JsonEditor::Expect::Array);
        const int object = int(JsonEditor::Expect::Object);
        QTest::newRow("empty array allowed") << "" << array << true << "";
        QTest::newRow("zero arguments") << "[]" << array << true << "";
        QTest::newRow("arguments") << R"(["a", 1, {"b": null}])" << array << true << "";
        QTest::newRow("unterminated") << R"(["a", 1)" << array << false << "line 1, column 8";
        QTest::newRow("error on line 2") << "[\n  1,,\n]" << array << false << "line 2, column 5";
        QTest::newRow("object is not an array") << R"({"a":1})" << array << false << "JSON array";
        QTest::newRow("auth object") << R"({"token":"x"})" << object << true << "";
        QTest::newRow("auth array") << "[1]" << object << false << "JSON object";
        // Columns count characters, not UTF-8 bytes.
        QTest::newRow("after non-ASCII") << "[\"héé\" 1]" << array << false << "column 8";
    }
    void jsonValidation()
    {
        QFETCH(QString, text);
        QFETCH(int, expect);
        QFETCH(bool, ok);
        QFETCH(QString, errorPart);
        const JsonEditor::Result result =
            JsonEditor::validate(text, JsonEditor::Expect(expect), true);
        QCOMPARE(result.ok, ok);
        if (!ok)
            QVERIFY2(result.error.contains(errorPart), qPrintable(result.error));
    }

    void jsonEditorShowsErrorAsYouType()
    {
        JsonEditor editor(JsonEditor::Expect::Array);
        QSignalSpy validity(&editor, &JsonEditor::validityChanged);
        QVERIFY(editor.isValid()); // empty: no arguments
        editor.editor()->setFocus();
        QTest::keyClicks(editor.editor(), R"(["a",)");
        QVERIFY(!editor.isValid());
        QVERIFY(editor.statusLabel()->text().contains(QStringLiteral("line 1, column 6")));
        QVERIFY(!editor.editor()->extraSelections().isEmpty()); // the position is marked
        QTest::keyClicks(editor.editor(), QStringLiteral("2]"));
        QVERIFY(editor.isValid());
        QCOMPARE(editor.value().toArray(), QJsonArray({QStringLiteral("a"), 2}));
        QVERIFY(validity.size() >= 2);
        QVERIFY(editor.editor()->extraSelections().isEmpty());
    }

    void profilesLeaveSecretsOut()
    {
        QTemporaryDir dir;
        const QString fileName = dir.filePath(QStringLiteral("profiles.json"));
        ConnectionProfile profile;
        profile.name = QStringLiteral("staging");
        profile.options.engine.url = QUrl(QStringLiteral("https://staging.example:8443"));
        profile.options.engine.path = QStringLiteral("/rt/");
        profile.options.engine.version = EngineIoOptions::Version::V3;
        profile.options.engine.transports = EngineIoOptions::Transports::WebSocketOnly;
        profile.options.engine.query = {{QStringLiteral("room"), QStringLiteral("42")},
                                        {QStringLiteral("access_token"), QStringLiteral("QTOKEN")}};
        profile.options.engine.headers = {{"Authorization", "Bearer HEADERSECRET"},
                                          {"Cookie", "sid=COOKIESECRET"},
                                          {"X-Session-Token", "XTOKEN"},
                                          {"X-Client", "sioscope"}};
        profile.options.ackTimeoutMs = 3000;
        profile.options.engine.clientCertificateFile = QStringLiteral("/certs/client.p12");
        profile.options.engine.clientKeyFile = QStringLiteral("/certs/client.key");
        profile.options.engine.clientCertificatePassword = "P12PASSWORD";
        profile.options.engine.origin = "https://app.example";
        profile.namespaces = {{QStringLiteral("/"), {}},
                              {QStringLiteral("/admin"), QJsonObject{{"token", "AUTHSECRET"}}}};
        {
            ProfileStore store(fileName);
            store.put(profile);
            QVERIFY(store.save());
        }
        const QByteArray written = readAll(fileName);
        for (const char *secret :
             {"QTOKEN", "HEADERSECRET", "COOKIESECRET", "XTOKEN", "AUTHSECRET", "P12PASSWORD"})
            QVERIFY2(!written.contains(secret), secret);
        QVERIFY(written.contains("sioscope"));
        QVERIFY(written.contains("staging.example"));
        QCOMPARE(QFile::permissions(fileName) & (QFileDevice::ReadOther | QFileDevice::ReadGroup),
                 QFileDevice::Permissions());

        ProfileStore reread(fileName);
        QVERIFY(reread.load());
        QCOMPARE(reread.names(), QStringList{QStringLiteral("staging")});
        const ConnectionProfile loaded = reread.profile(QStringLiteral("staging"));
        QVERIFY(loaded.secretsOmitted);
        QCOMPARE(loaded.options.engine.path, QStringLiteral("/rt/"));
        QCOMPARE(loaded.options.engine.version, EngineIoOptions::Version::V3);
        QCOMPARE(loaded.options.engine.transports, EngineIoOptions::Transports::WebSocketOnly);
        QCOMPARE(loaded.options.ackTimeoutMs, 3000);
        QCOMPARE(loaded.options.engine.clientCertificateFile, QStringLiteral("/certs/client.p12"));
        QCOMPARE(loaded.options.engine.clientKeyFile, QStringLiteral("/certs/client.key"));
        QCOMPARE(loaded.options.engine.origin, QByteArray("https://app.example"));
        QVERIFY(loaded.options.engine.clientCertificatePassword.isEmpty());
        QCOMPARE(loaded.namespaces.size(), 2);
        QVERIFY(loaded.authFor(QStringLiteral("/admin")).isEmpty());
        QCOMPARE(loaded.options.engine.headers.size(), 4); // names kept, secret values empty
        QCOMPARE(loaded.options.engine.headers.at(3).second, QByteArray("sioscope"));
        QVERIFY(loaded.options.engine.headers.at(0).second.isEmpty());

        // Opted in: everything comes back.
        profile.saveSecrets = true;
        reread.put(profile);
        QVERIFY(reread.save());
        QVERIFY(readAll(fileName).contains("AUTHSECRET"));
        // The PKCS#12 password is never saved, not even with the secrets.
        QVERIFY(!readAll(fileName).contains("P12PASSWORD"));
        ProfileStore again(fileName);
        QVERIFY(again.load());
        const ConnectionProfile full = again.profile(QStringLiteral("staging"));
        QVERIFY(!full.secretsOmitted);
        QCOMPARE(full.authFor(QStringLiteral("/admin")), QJsonObject({{"token", "AUTHSECRET"}}));
        QCOMPARE(full.options.engine.headers, profile.options.engine.headers);

        // Rename and delete.
        QVERIFY(again.rename(QStringLiteral("staging"), QStringLiteral("stage")));
        QVERIFY(!again.rename(QStringLiteral("nope"), QStringLiteral("x")));
        ConnectionProfile other;
        other.name = QStringLiteral("other");
        again.put(other);
        QVERIFY(!again.rename(QStringLiteral("stage"), QStringLiteral("other")));
        QVERIFY(again.remove(QStringLiteral("other")));
        QVERIFY(again.save());
        ProfileStore last(fileName);
        QVERIFY(last.load());
        QCOMPARE(last.names(), QStringList{QStringLiteral("stage")});
    }

    void optionsDialogEditsTheProfile()
    {
        ConnectionProfile profile;
        profile.options.engine.query = {{QStringLiteral("a"), QStringLiteral("1")}};
        ConnectionDialog dialog(profile);
        QCOMPARE(dialog.queryTable()->rowCount(), 1);
        dialog.headerTable()->insertRow(0);
        dialog.headerTable()->setItem(0, 0, new QTableWidgetItem(QStringLiteral("Authorization")));
        dialog.headerTable()->setItem(0, 1, new QTableWidgetItem(QStringLiteral("Bearer x")));
        // Secret names are marked.
        QVERIFY(!dialog.headerTable()->item(0, 0)->toolTip().isEmpty());
        QCOMPARE(dialog.namespaceList()->count(), 1);
        dialog.authEditor()->setText(QStringLiteral("{\"token\": "));
        QVERIFY(!dialog.isInputValid());
        dialog.authEditor()->setText(QStringLiteral("{\"token\": \"abc\"}"));
        QVERIFY(dialog.isInputValid());
        dialog.ignoreSslErrorsBox()->setChecked(true);
        dialog.originEdit()->setText(QStringLiteral(" https://app.example "));
        dialog.clientCertificateEdit()->setText(QStringLiteral("/certs/client.pem"));
        dialog.clientKeyEdit()->setText(QStringLiteral("/certs/client.key"));
        dialog.certificatePasswordEdit()->setText(QStringLiteral("pw"));
        QCOMPARE(dialog.certificatePasswordEdit()->echoMode(), QLineEdit::Password);
        QVERIFY(dialog.certificatePasswordEdit()->toolTip().contains(QLatin1String("never saved")));
        QVERIFY(saveOptionsPage(&dialog, QStringLiteral("TLS"),
                                QStringLiteral("connection-options-tls.png")));
        const ConnectionProfile edited = dialog.profile();
        QCOMPARE(edited.options.engine.origin, QByteArray("https://app.example"));
        QCOMPARE(edited.options.engine.clientCertificateFile, QStringLiteral("/certs/client.pem"));
        QCOMPARE(edited.options.engine.clientKeyFile, QStringLiteral("/certs/client.key"));
        // Held for the session that the dialog configures, in memory only.
        QCOMPARE(edited.options.engine.clientCertificatePassword, QByteArray("pw"));
        QCOMPARE(edited.authFor(QStringLiteral("/")), QJsonObject({{"token", "abc"}}));
        QCOMPARE(edited.options.engine.headers.size(), 1);
        QCOMPARE(edited.options.engine.headers.at(0).first, QByteArray("Authorization"));
        QCOMPARE(edited.options.engine.query.size(), 1);
        QVERIFY(edited.options.engine.ignoreSslErrors);
    }

    // Options ▸ Proxy: the environment, none, or a URL; a URL that is no proxy URL keeps the
    // dialog from being accepted and says why; profiles keep the password only with secrets.
    void proxyPageEditsTheProfile()
    {
        ConnectionProfile profile;
        profile.options.engine.url = QUrl(QStringLiteral("http://127.0.0.1:3000"));
        ConnectionDialog dialog(profile);
        ProxyPage *page = dialog.proxyPage();
        QCOMPARE(page->modeBox()->currentData().toInt(), int(ProxySetting::Mode::Environment));
        QVERIFY(!page->urlEdit()->isEnabled());
        page->modeBox()->setCurrentIndex(page->modeBox()->findData(int(ProxySetting::Mode::Url)));
        QVERIFY(page->urlEdit()->isEnabled());
        page->urlEdit()->setText(QStringLiteral("https://proxy.example:3128"));
        QVERIFY(!dialog.isInputValid());
        QVERIFY2(page->statusLabel()->text().contains(QLatin1String("has the scheme \"https\"")),
                 qPrintable(page->statusLabel()->text()));
        page->urlEdit()->setText(QStringLiteral("http://alice:s3cret@127.0.0.1:3128"));
        QVERIFY(dialog.isInputValid());
        QVERIFY2(page->statusLabel()->text().contains(QLatin1String("http://alice:***@127.0.0.1")),
                 qPrintable(page->statusLabel()->text()));
        QVERIFY(saveOptionsPage(&dialog, QStringLiteral("Proxy"),
                                QStringLiteral("connection-options-proxy.png")));
        ConnectionProfile edited = dialog.profile();
        QCOMPARE(edited.options.engine.proxy.mode, ProxySetting::Mode::Url);
        QCOMPARE(edited.options.engine.proxy.url.password(), QStringLiteral("s3cret"));

        edited.saveSecrets = false;
        QJsonObject json = edited.toJson();
        QVERIFY(!QJsonDocument(json).toJson().contains("s3cret"));
        QVERIFY(json.value(QStringLiteral("secretsOmitted")).toBool());
        ConnectionProfile loaded = ConnectionProfile::fromJson(json);
        QCOMPARE(loaded.options.engine.proxy.mode, ProxySetting::Mode::Url);
        QCOMPARE(loaded.options.engine.proxy.url.toString(),
                 QStringLiteral("http://alice@127.0.0.1:3128"));
        edited.saveSecrets = true;
        loaded = ConnectionProfile::fromJson(edited.toJson());
        QCOMPARE(loaded.options.engine.proxy.url.password(), QStringLiteral("s3cret"));

        page->modeBox()->setCurrentIndex(page->modeBox()->findData(int(ProxySetting::Mode::None)));
        QCOMPARE(dialog.profile().options.engine.proxy.mode, ProxySetting::Mode::None);
        // A profile from before proxies existed follows the environment.
        QCOMPARE(ConnectionProfile::fromJson(QJsonObject{}).options.engine.proxy.mode,
                 ProxySetting::Mode::Environment);
    }

    // An empty live window shows the next steps until something is recorded; a read-only one
    // never does.
    void startPanelUntilSomethingIsRecorded()
    {
        MainWindow window;
        window.setJournalEnabled(false);
        QVERIFY(window.startPanel());
        QVERIFY(window.isStartPanelShown());
        window.setServerUrl(QString());
        window.startPanel()->connectButton()->click(); // no URL: it asks for one
        QVERIFY(window.isStartPanelShown());
        QCOMPARE(window.session()->client()->state(), SocketIoClient::State::Disconnected);
        QVERIFY(window.statusBar()->currentMessage().contains(QLatin1String("URL")));

        QTcpServer closed; // a port that takes connections and answers nothing
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        window.setServerUrl(QStringLiteral("http://127.0.0.1:%1").arg(closed.serverPort()));
        window.startPanel()->connectButton()->click();
        QVERIFY(window.session()->client()->state() != SocketIoClient::State::Disconnected);
        QVERIFY(!window.isStartPanelShown());
        window.disconnectFromServer();
        QTRY_COMPARE(window.session()->client()->state(), SocketIoClient::State::Disconnected);
        QVERIFY(window.log()->size() > 0); // the connecting note at least
        QVERIFY(!window.isStartPanelShown());
        window.clearSession();
        QVERIFY(window.isStartPanelShown());
    }

    // Session ▸ Diagnose… and the start panel's Diagnose… need a URL: without one the banner asks
    // for it and no doctor starts.
    void diagnoseNeedsAUrl()
    {
        MainWindow window;
        window.setJournalEnabled(false);
        QVERIFY(window.diagnoseAction());
        QVERIFY(window.diagnoseAction()->isEnabled());
        window.setServerUrl(QString());
        window.diagnoseAction()->trigger();
        QVERIFY(!window.doctorDialog());
        QVERIFY(window.infoBanner()->isVisibleTo(&window));
        QVERIFY(window.infoBanner()->text().contains(QLatin1String("URL")));
        window.startPanel()->diagnoseButton()->click();
        QVERIFY(!window.doctorDialog());
    }

    // The doctor gets the window's connection options: the engine's (TLS, proxy, headers, ...)
    // as they are, a probe timeout no longer than its own 5 s, the path only when the user set
    // one, and the namespaces with their auth payloads.
    void doctorOptionsFollowTheProfile_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("connectTimeoutMs");
        QTest::addColumn<bool>("pathGiven");
        QTest::addColumn<int>("probeTimeoutMs");
        QTest::newRow("default path, the connection's 20 s timeout")
            << QStringLiteral("/socket.io/") << 20000 << false << 5000;
        QTest::newRow("a path of the user's, a short timeout")
            << QStringLiteral("/app/socket.io/") << 1500 << true << 1500;
    }
    void doctorOptionsFollowTheProfile()
    {
        QFETCH(QString, path);
        QFETCH(int, connectTimeoutMs);
        QFETCH(bool, pathGiven);
        QFETCH(int, probeTimeoutMs);
        ConnectionProfile profile;
        profile.options.engine.url = QUrl(QStringLiteral("https://127.0.0.1:8443"));
        profile.options.engine.path = path;
        profile.options.engine.connectTimeoutMs = connectTimeoutMs;
        profile.options.engine.caFile = QStringLiteral("/tmp/ca.pem");
        profile.options.engine.origin = "https://app.example";
        profile.options.engine.proxy.mode = ProxySetting::Mode::Url;
        profile.options.engine.proxy.url = QUrl(QStringLiteral("http://127.0.0.1:3128"));
        profile.options.engine.headers = {{"X-Team", "qa"}};
        profile.namespaces = {{QStringLiteral("/"), {}},
                              {QStringLiteral("/admin"), QJsonObject{{"token", "t0ken"}}}};
        const DoctorOptions options = MainWindow::doctorOptions(profile);
        QCOMPARE(options.engine.url, profile.options.engine.url);
        QCOMPARE(options.engine.path, path);
        QCOMPARE(options.pathGiven, pathGiven);
        QCOMPARE(options.engine.connectTimeoutMs, probeTimeoutMs);
        QCOMPARE(options.engine.caFile, profile.options.engine.caFile);
        QCOMPARE(options.engine.origin, profile.options.engine.origin);
        QCOMPARE(options.engine.proxy, profile.options.engine.proxy);
        QCOMPARE(options.engine.headers, profile.options.engine.headers);
        QCOMPARE(options.namespaces.size(), 2);
        QCOMPARE(options.namespaces.at(1).first, QStringLiteral("/admin"));
        QCOMPARE(options.namespaces.at(1).second, (QJsonObject{{"token", "t0ken"}}));
    }

    void parserChoiceRoundTrips_data()
    {
        QTest::addColumn<SocketIoParser::Kind>("kind");
        QTest::addColumn<EngineIoOptions::Version>("version");
        QTest::addColumn<bool>("valid");
        QTest::newRow("auto, auto")
            << SocketIoParser::Kind::Auto << EngineIoOptions::Version::Auto << true;
        QTest::newRow("default, auto")
            << SocketIoParser::Kind::Default << EngineIoOptions::Version::Auto << true;
        QTest::newRow("default, v3")
            << SocketIoParser::Kind::Default << EngineIoOptions::Version::V3 << true;
        QTest::newRow("msgpack, v4")
            << SocketIoParser::Kind::Msgpack << EngineIoOptions::Version::V4 << true;
        // socket.io-msgpack-parser is a Socket.IO v5 parser: refused with a reason, not accepted.
        QTest::newRow("msgpack, v3")
            << SocketIoParser::Kind::Msgpack << EngineIoOptions::Version::V3 << false;
    }

    void parserChoiceRoundTrips()
    {
        QFETCH(SocketIoParser::Kind, kind);
        QFETCH(EngineIoOptions::Version, version);
        QFETCH(bool, valid);
        ConnectionProfile profile;
        profile.name = QStringLiteral("p");
        profile.options.engine.version = version;
        ConnectionDialog dialog(profile);
        QComboBox *box = dialog.parserBox();
        QSignalSpy changed(box, &QComboBox::currentIndexChanged);
        box->setCurrentIndex(box->findData(static_cast<int>(kind)));
        // A new profile starts with auto, the options' default.
        QCOMPARE(changed.size(), kind == SocketIoParser::Kind::Auto ? 0 : 1);
        QCOMPARE(dialog.isInputValid(), valid);
        QCOMPARE(dialog.parserError()->isHidden(), valid);
        if (!valid) {
            QVERIFY(dialog.parserError()->text().contains(QStringLiteral("v3")));
            return;
        }
        const ConnectionProfile edited = dialog.profile();
        QCOMPARE(edited.options.parser, kind);
        // SIOSCOPE_SCREENSHOT_DIR=<dir>: the README's picture of the parser choice.
        if (const QString shots = qEnvironmentVariable("SIOSCOPE_SCREENSHOT_DIR");
            !shots.isEmpty() && kind == SocketIoParser::Kind::Msgpack) {
            dialog.show();
            QVERIFY(QTest::qWaitForWindowExposed(&dialog));
            QVERIFY(dialog.grab().save(
                QDir(shots).filePath(QStringLiteral("connection-options-parser.png"))));
        }

        QTemporaryDir dir;
        const QString fileName = dir.filePath(QStringLiteral("profiles.json"));
        {
            ProfileStore store(fileName);
            store.put(edited);
            QVERIFY(store.save());
        }
        ProfileStore reread(fileName);
        QVERIFY(reread.load());
        const ConnectionProfile loaded = reread.profile(QStringLiteral("p"));
        QCOMPARE(loaded.options.parser, kind);
        ConnectionDialog again(loaded);
        QCOMPARE(again.parserBox()->currentData().toInt(), static_cast<int>(kind));
    }

    void profileWithoutParserLoadsAsDefault()
    {
        ConnectionProfile profile;
        profile.options.parser = SocketIoParser::Kind::Msgpack;
        QJsonObject json = profile.toJson();
        QCOMPARE(json.value(QStringLiteral("parser")).toString(), QStringLiteral("msgpack"));
        json.remove(QStringLiteral("parser")); // as written before the parser choice existed
        QCOMPARE(ConnectionProfile::fromJson(json).options.parser, SocketIoParser::Kind::Default);
    }

    void statusBarShowsTheParser_data()
    {
        QTest::addColumn<SocketIoParser::Kind>("kind");
        QTest::newRow("default") << SocketIoParser::Kind::Default;
        QTest::newRow("msgpack") << SocketIoParser::Kind::Msgpack;
    }

    void statusBarShowsTheParser()
    {
        QFETCH(SocketIoParser::Kind, kind);
        SocketIoServer server;
        SocketIoServerOptions serverOptions = server.options();
        serverOptions.parser = kind;
        server.setOptions(serverOptions);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        LiveSession session;
        SocketIoOptions options;
        options.engine.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()));
        options.engine.version = EngineIoOptions::Version::V4;
        options.parser = kind;
        session.client()->setOptions(options);
        SessionStatusBar bar(&session);
        QSignalSpy states(session.client(), &SocketIoClient::stateChanged);
        session.client()->joinNamespace(QStringLiteral("/"));
        session.client()->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(session.client()->state(), SocketIoClient::State::Connected,
                                  5000);
        QVERIFY(!states.isEmpty());
        bar.refresh();
        QVERIFY(!bar.parserLabel()->isHidden());
        QCOMPARE(bar.parserLabel()->text(),
                 QStringLiteral("parser: %1").arg(SocketIoParser::kindName(kind)));
        session.client()->disconnectFromServer();
    }

    // The cookies a server set (here on the WebSocket 101) are named in the status bar, their
    // attributes in its tooltip, their values nowhere.
    void statusBarShowsTheCookies()
    {
        FakeWebSocketServer fake;
        QVERIFY(fake.listen());
        fake.setUpgradeHeaders(
            "Set-Cookie: SERVERID=secret-s1; Path=/; HttpOnly; SameSite=Lax\r\n");
        fake.answerUpgradeWith(FakeWebSocketServer::textFrame(R"(40{"sid":"n1"})"));
        LiveSession session;
        SocketIoOptions options;
        options.engine = fake.clientOptions();
        options.engine.reconnect.enabled = false;
        session.client()->setOptions(options);
        SessionStatusBar bar(&session);
        QVERIFY(bar.cookiesLabel()->isHidden());
        session.client()->joinNamespace(QStringLiteral("/"));
        session.client()->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(session.client()->state(), SocketIoClient::State::Connected,
                                  5000);
        QVERIFY(!bar.cookiesLabel()->isHidden());
        QCOMPARE(bar.cookiesLabel()->text(), QStringLiteral("cookies: SERVERID"));
        const QString tip = bar.cookiesLabel()->toolTip();
        QVERIFY2(tip.contains(QStringLiteral("SERVERID · 127.0.0.1/ · session · HttpOnly · "
                                             "SameSite=Lax")),
                 qPrintable(tip));
        QVERIFY(!tip.contains(QStringLiteral("secret-s1")));
        session.client()->disconnectFromServer();
    }

    void placeholdersGoWhereAsked_data()
    {
        QTest::addColumn<QByteArray>("args");
        QTest::addColumn<QList<int>>("positions");
        QTest::addColumn<QByteArray>("expected");
        const QByteArray p0 = R"({"_placeholder":true,"num":0})";
        const QByteArray p1 = R"({"_placeholder":true,"num":1})";
        QTest::newRow("no attachments")
            << QByteArray(R"(["a"])") << QList<int>{} << QByteArray(R"(["a"])");
        QTest::newRow("only a binary") << QByteArray("[]") << QList<int>{0} << "[" + p0 + "]";
        QTest::newRow("first") << QByteArray(R"(["a","b"])") << QList<int>{0}
                               << "[" + p0 + R"(,"a","b"])";
        QTest::newRow("middle") << QByteArray(R"(["a","b"])") << QList<int>{1}
                                << R"(["a",)" + p0 + R"(,"b"])";
        QTest::newRow("past the end is appended")
            << QByteArray(R"(["a"])") << QList<int>{9} << R"(["a",)" + p0 + "]";
        QTest::newRow("same position keeps list order")
            << QByteArray(R"(["a","b"])") << QList<int>{1, 1}
            << R"(["a",)" + p0 + "," + p1 + R"(,"b"])";
        QTest::newRow("numbered by list, placed by position")
            << QByteArray("[]") << QList<int>{1, 0} << "[" + p1 + "," + p0 + "]";
    }
    void placeholdersGoWhereAsked()
    {
        QFETCH(QByteArray, args);
        QFETCH(QList<int>, positions);
        QFETCH(QByteArray, expected);
        QList<ComposerAttachment> attachments;
        for (int i = 0; i < positions.size(); ++i)
            attachments.append(
                {QStringLiteral("a%1").arg(i), QByteArray(i + 1, char(i)), positions.at(i)});
        QList<QByteArray> bytes;
        const QJsonArray result = Composer::argumentsWithPlaceholders(
            QJsonDocument::fromJson(args).array(), attachments, &bytes);
        QCOMPARE(QJsonDocument(result).toJson(QJsonDocument::Compact), expected);
        QCOMPARE(bytes.size(), positions.size());
        for (int i = 0; i < bytes.size(); ++i)
            QCOMPARE(bytes.at(i), QByteArray(i + 1, char(i)));
    }

    void hexParsing()
    {
        QByteArray bytes;
        QString error;
        QVERIFY(Composer::parseHex(QStringLiteral("01 02 ff"), &bytes, &error));
        QCOMPARE(bytes, QByteArray::fromHex("0102ff"));
        QVERIFY(Composer::parseHex(QStringLiteral("0x01,0xAB:cd"), &bytes, &error));
        QCOMPARE(bytes, QByteArray::fromHex("01abcd"));
        QVERIFY(!Composer::parseHex(QStringLiteral("012"), &bytes, &error));
        QVERIFY(error.contains(QStringLiteral("odd")));
        QVERIFY(!Composer::parseHex(QStringLiteral("01 zz"), &bytes, &error));
        QVERIFY(error.contains(QStringLiteral("character 4")));
    }

    void composerBuildsEventsAndAckReplies()
    {
        Composer composer;
        QSignalSpy sent(&composer, &Composer::sendRequested);
        composer.send();
        QCOMPARE(sent.size(), 0); // no event name
        QVERIFY(!composer.resultLabel()->text().isEmpty());
        composer.setEventName(QStringLiteral("upload"));
        composer.setArgumentsText(QStringLiteral("[\"photo\""));
        QString reason;
        QVERIFY(!composer.canSend(&reason));
        QVERIFY(reason.contains(QStringLiteral("column")));
        composer.setArgumentsText(QStringLiteral("[\"photo\", 3]"));
        composer.addAttachment({QStringLiteral("pic"), QByteArray("\x89PNG", 4), 1});
        composer.setRequestAck(true, 5);
        composer.send();
        QCOMPARE(sent.size(), 1);
        OutgoingMessage message = sent.at(0).at(0).value<OutgoingMessage>();
        QCOMPARE(message.nsp, QStringLiteral("/"));
        QVERIFY(!message.isAckReply);
        QCOMPARE(message.ackTimeoutMs, 5000);
        QCOMPARE(QJsonDocument(message.data).toJson(QJsonDocument::Compact),
                 QByteArray(R"(["upload","photo",{"_placeholder":true,"num":0},3])"));
        QCOMPARE(message.attachments, QList<QByteArray>{QByteArray("\x89PNG", 4)});

        // Zero arguments are fine.
        composer.clearAttachments();
        composer.setArgumentsText({});
        composer.setRequestAck(false);
        composer.send();
        message = sent.at(1).at(0).value<OutgoingMessage>();
        QCOMPARE(message.data, QJsonArray({QStringLiteral("upload")}));
        QCOMPARE(message.ackTimeoutMs, -1);

        // Replying to a server ack: the arguments are the ack's payload, binary included.
        composer.setReplyTarget(QStringLiteral("/chat"), 7, QStringLiteral("ask"));
        QVERIFY(composer.replyBanner()->text().contains(QStringLiteral("#7")));
        QCOMPARE(composer.sendButton()->text(), QStringLiteral("Send Ack"));
        composer.setArgumentsText(QStringLiteral("[\"yes\"]"));
        composer.addAttachment({QStringLiteral("b"), QByteArray("\x01", 1), 1});
        composer.send();
        message = sent.at(2).at(0).value<OutgoingMessage>();
        QVERIFY(message.isAckReply);
        QCOMPARE(message.replyToId, 7);
        QCOMPARE(message.nsp, QStringLiteral("/chat"));
        QCOMPARE(QJsonDocument(message.data).toJson(QJsonDocument::Compact),
                 QByteArray(R"(["yes",{"_placeholder":true,"num":0}])"));
        composer.reportSent(message, -1);
        QVERIFY(!composer.isReplying());
        QCOMPARE(composer.history().size(), 1);
    }

    void composerTemplatesAndHistoryPersist()
    {
        {
            Composer composer;
            composer.setCurrentNamespace(QStringLiteral("/chat"));
            composer.setEventName(QStringLiteral("join"));
            composer.setArgumentsText(QStringLiteral("[\"room-1\"]"));
            composer.addAttachment({QStringLiteral("x"), QByteArray("xyz"), 0});
            composer.saveTemplate(QStringLiteral("join room"));
            composer.reportSent(composer.message(), -1);
        }
        Composer composer;
        QCOMPARE(composer.templateNames(), QStringList{QStringLiteral("join room")});
        QCOMPARE(composer.history().size(), 1);
        QVERIFY(composer.loadTemplate(QStringLiteral("join room")));
        QCOMPARE(composer.eventEdit()->text(), QStringLiteral("join"));
        QCOMPARE(composer.currentNamespace(), QStringLiteral("/chat"));
        QCOMPARE(composer.attachments().size(), 1);
        QCOMPARE(composer.attachments().at(0).bytes, QByteArray("xyz"));
        composer.deleteTemplate(QStringLiteral("join room"));
        QVERIFY(composer.templateNames().isEmpty());
    }

    void ackTable()
    {
        SessionLog log;
        AckTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setLog(&log);
        QCOMPARE(model.rowCount(), 0);
        fillSession(log);
        model.refresh();
        QCOMPARE(model.rowCount(), 3);
        const auto status = [&](int row) {
            return model.index(row, AckTableModel::StatusColumn).data().toString();
        };
        QCOMPARE(status(0), QStringLiteral("answered"));
        QCOMPARE(model.index(0, AckTableModel::RttColumn).data().toString(),
                 QStringLiteral("1.50 ms"));
        QCOMPARE(model.index(0, AckTableModel::EventColumn).data().toString(),
                 QStringLiteral("echo-ack"));
        QVERIFY(status(1).startsWith(QStringLiteral("pending"))); // the server's "ask"
        QCOMPARE(model.index(1, AckTableModel::InitiatorColumn).data().toString(),
                 QStringLiteral("←"));
        QCOMPARE(status(2), QStringLiteral("timed out"));

        // We answer the server's event: the row changes in place.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        log.append(sio(D::Out, SocketIoPacket::Ack, "/", 7, R"(["yes"])"));
        model.refresh();
        QCOMPARE(status(1), QStringLiteral("answered"));
        QVERIFY(!changed.isEmpty());

        log.clear();
        model.refresh();
        QCOMPARE(model.rowCount(), 0);
    }

    void ackPanelFigures()
    {
        SessionLog log;
        fillSession(log);
        AckPanel panel;
        panel.setLog(&log);
        QVERIFY(panel.summaryLabel()->text().contains(QStringLiteral("p50")));
        QVERIFY(panel.summaryLabel()->text().contains(QStringLiteral("timed out 1")));
        // Three exchanges in the table; the figures are about the two that we started.
        QVERIFY2(panel.summaryLabel()->text().contains(
                     QStringLiteral("<b>3</b> exchanges, 2 of our events: answered 1")),
                 qPrintable(panel.summaryLabel()->text()));
        QCOMPARE(panel.histogram()->sampleCount(), 1); // only our answered event has an RTT
        QCOMPARE(panel.histogram()->bins().back(), 1); // the largest RTT is in the last bin

        RttHistogram histogram;
        std::vector<qint64> samples;
        for (int i = 1; i <= 100; ++i)
            samples.push_back(i * 1000);
        histogram.setSamples(samples);
        QCOMPARE(histogram.binCount(), 24);
        int total = 0;
        for (int count : histogram.bins())
            total += count;
        QCOMPARE(total, 100);
        // 0..100 ms in 24 bins: 1 ms lands in the first, 100 ms in the last.
        QCOMPARE(histogram.bins().front(), 4);
        QVERIFY(histogram.bins().back() >= 1);
        histogram.resize(300, 100);
        QVERIFY(!histogram.grab().isNull()); // paints without crashing
    }

    void crashJournal()
    {
        QTemporaryDir dir;
        PacketRecord connect =
            sio(D::Out, SocketIoPacket::Connect, "/admin", -1, R"({"token":"TOPSECRET"})");
        QString fileName;
        {
            CrashJournal journal(dir.path());
            QVERIFY2(journal.isOpen(), qPrintable(journal.errorString()));
            fileName = journal.fileName();
            QVERIFY(fileName.endsWith(QStringLiteral(".jsonl")));
            journal.append(engineOpen());
            journal.append(connect);
            // Written within a second, without any explicit flush.
            QTRY_VERIFY_WITH_TIMEOUT(readAll(fileName).count('\n') == 2, 1500);
            QVERIFY(!readAll(fileName).contains("TOPSECRET"));
            QVERIFY(readAll(fileName).contains("[redacted]"));
            // Held by a live session: not a leftover.
            QVERIFY(!CrashJournal::leftoverJournals(dir.path()).contains(fileName));
        } // destroyed without discard(): what a crash leaves behind
        QCOMPARE(CrashJournal::leftoverJournals(dir.path()), QStringList{fileName});
        QFile file(fileName);
        QVERIFY(file.open(QIODevice::ReadOnly));
        JsonLinesReader reader(&file);
        PacketRecord record;
        QVERIFY(reader.next(&record));
        QVERIFY(reader.next(&record));
        QCOMPARE(record.nsp, QStringLiteral("/admin"));
        file.close();
        QVERIFY(CrashJournal::removeJournal(fileName));
        QVERIFY(CrashJournal::leftoverJournals(dir.path()).isEmpty());

        // Opted in: secrets stay. A clean end (discard) removes the file.
        CrashJournal journal(dir.path());
        journal.setIncludeSecrets(true);
        journal.append(connect);
        journal.flush();
        QVERIFY(readAll(journal.fileName()).contains("TOPSECRET"));
        journal.discard();
        QVERIFY(!QFile::exists(journal.fileName()));
        QVERIFY(CrashJournal::leftoverJournals(dir.path()).isEmpty());
    }

    void readOnlyWindowOverImportedLog()
    {
        QTemporaryDir dir;
        SessionLog log;
        fillSession(log);
        log.append(sio(D::In, SocketIoPacket::Event, "/chat", -1, R"(["chat","hello"])"));
        const QString fileName = dir.filePath(QStringLiteral("session.jsonl"));
        {
            QFile file(fileName);
            QVERIFY(file.open(QIODevice::WriteOnly));
            QString error;
            QVERIFY2(LogExporter::write(log, nullptr, &file, {}, &error), qPrintable(error));
        }
        QString error;
        std::unique_ptr<MainWindow> window(MainWindow::openLogFile(fileName, &error));
        QVERIFY(window);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(window->isReadOnly());
        QVERIFY(window->windowTitle().contains(QStringLiteral("read-only")));
        QVERIFY(!window->connectionBar());
        QVERIFY(!window->composer());
        QVERIFY(!window->startPanel());
        QCOMPARE(window->log()->size(), log.size());
        // A tab per namespace of the log, as in a live window, without "+" or closing.
        NamespaceTabs *tabs = window->namespaceTabs();
        QCOMPARE(tabs->namespaceNames(),
                 (QStringList{QStringLiteral("/"), QStringLiteral("/chat")}));
        QVERIFY(!tabs->joinButton()->isVisibleTo(window.get()));
        QVERIFY(!tabs->tabBar()->tabsClosable());
        const int everything = window->timeline()->rowCount();
        tabs->setCurrentNamespace(QStringLiteral("/chat"));
        QCOMPARE(window->timeline()->rowCount(), 1);
        tabs->setCurrentNamespace({});
        QCOMPARE(window->timeline()->rowCount(), everything);
        window->ackPanel()->refresh();
        QCOMPARE(window->ackPanel()->model()->rowCount(), 3);
        // Offline: a pending ack has no age.
        QCOMPARE(
            window->ackPanel()->model()->index(1, AckTableModel::StatusColumn).data().toString(),
            QStringLiteral("pending"));

        // A broken line: the window still opens with what came before, and the error names it.
        {
            QFile file(fileName);
            QVERIFY(file.open(QIODevice::Append));
            file.write("{\"this is\": not a record\n");
            file.write(JsonLines::toLine(engineOpen()));
        }
        std::unique_ptr<MainWindow> broken(MainWindow::openLogFile(fileName, &error));
        QVERIFY(broken);
        QVERIFY2(error.contains(QStringLiteral("line %1").arg(log.size() + 1)), qPrintable(error));
        QCOMPARE(broken->log()->size(), log.size());
        QVERIFY(broken->infoBanner()->isVisibleTo(broken.get()));
        QVERIFY(broken->infoBanner()->text().contains(QStringLiteral("line")));

        QVERIFY(!MainWindow::openLogFile(dir.filePath(QStringLiteral("missing.jsonl")), &error));
        QVERIFY(error.contains(QStringLiteral("missing.jsonl")));
    }

    void exportOnlyWhatIsShownOrEverything()
    {
        QTemporaryDir dir;
        MainWindow window;
        window.setJournalEnabled(false);
        fillSession(*window.log());
        QString error;
        const QString all = dir.filePath(QStringLiteral("all.jsonl"));
        QVERIFY2(window.exportLog(all, LogFormat::JsonLines, false, false, &error),
                 qPrintable(error));
        QCOMPARE(readAll(all).count('\n'), int(window.log()->size()));
        const QString har = dir.filePath(QStringLiteral("all.har"));
        QVERIFY(window.exportLog(har, LogFormat::Har, true, false, &error));
        QVERIFY(readAll(har).contains("\"log\""));
        // A directory that does not exist: a clear error, no file.
        QVERIFY(!window.exportLog(dir.filePath(QStringLiteral("no/such/dir/x.jsonl")),
                                  LogFormat::JsonLines, false, false, &error));
        QVERIFY(error.contains(QStringLiteral("x.jsonl")));
    }

    void editInComposerLoadsTheEvent()
    {
        MainWindow window;
        window.setJournalEnabled(false);
        fillSession(*window.log());
        PacketRecord binary = sio(D::In, SocketIoPacket::BinaryEvent, "/", -1,
                                  R"(["file",{"_placeholder":true,"num":0},"name.bin"])");
        binary.attachments = {QByteArray("\x00\x01\x02", 3)};
        const qint64 row = window.log()->append(binary);
        Q_EMIT window.timeline()->editInComposerRequested(row);
        const ComposerDraft draft = window.composer()->draft();
        QCOMPARE(draft.eventName, QStringLiteral("file"));
        QCOMPARE(draft.argsText, QStringLiteral(R"(["name.bin"])"));
        QCOMPARE(draft.attachments.size(), 1);
        QCOMPARE(draft.attachments.first().position, 0);
        QCOMPARE(draft.attachments.first().bytes, QByteArray("\x00\x01\x02", 3));
        QVERIFY(!draft.requestAck);
        // An event that asked for an ack asks again.
        Q_EMIT window.timeline()->editInComposerRequested(3);
        QCOMPARE(window.composer()->draft().eventName, QStringLiteral("echo-ack"));
        QVERIFY(window.composer()->draft().requestAck);
    }

    void detailSavesTheAttachment()
    {
        SessionLog log;
        PacketRecord binary = sio(D::In, SocketIoPacket::BinaryEvent, "/", -1,
                                  R"(["file",{"_placeholder":true,"num":0}])");
        binary.attachments = {QByteArray("\xde\xad\xbe\xef", 4)};
        log.append(binary);
        PacketDetail detail;
        detail.setLog(&log);
        detail.showRow(0);
        QTemporaryDir dir;
        QString error;
        const QString path = dir.filePath(QStringLiteral("a.bin"));
        QVERIFY2(detail.writeAttachment(path, 0, &error), qPrintable(error));
        QCOMPARE(readAll(path), QByteArray("\xde\xad\xbe\xef", 4));
        QVERIFY(
            !detail.writeAttachment(dir.filePath(QStringLiteral("no/such/dir/a.bin")), 0, &error));
        QVERIFY2(error.contains(QLatin1String("a.bin")), qPrintable(error));
    }

    void timelineModelStaysConsistent()
    {
        MainWindow window;
        window.setJournalEnabled(false);
        QAbstractItemModelTester tester(window.timeline()->model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        fillSession(*window.log());
        window.timeline()->flush();
        // Every record but the ack-timeout note, hidden with the control packets by default.
        QCOMPARE(window.timeline()->rowCount(), int(window.log()->size()) - 1);
        window.timeline()->selectLogRow(3);
        QCOMPARE(window.timeline()->currentLogRow(), 3);
        QVERIFY(window.detail()->headerText().contains(QStringLiteral("EVENT")));
        // Selecting the server's pending "ask" turns the composer into a reply.
        window.timeline()->selectLogRow(5);
        QVERIFY(window.composer()->isReplying());
        QCOMPARE(window.composer()->replyId(), 7);
        window.composer()->clearReplyTarget();
        // Answered exchanges do not.
        window.timeline()->selectLogRow(3);
        QVERIFY(!window.composer()->isReplying());
        window.pauseAction()->trigger();
        window.log()->append(engineOpen());
        window.timeline()->flush();
        // Paused: the new OPEN is not shown yet (nor, ever, the hidden ack-timeout note).
        QCOMPARE(window.timeline()->rowCount(), int(window.log()->size()) - 2);
        window.pauseAction()->trigger();
        window.timeline()->flush();
        QCOMPARE(window.timeline()->rowCount(), int(window.log()->size()) - 1);
    }

    void keyboardShortcuts()
    {
        MainWindow window;
        window.setJournalEnabled(false);
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(&window, Qt::Key_F, Qt::ControlModifier);
        QTRY_VERIFY(window.timeline()->filterEdit()->hasFocus());
        QTest::keyClick(&window, Qt::Key_L, Qt::ControlModifier);
        QTRY_VERIFY(window.connectionBar()->urlCombo()->lineEdit()->hasFocus());
        // Ctrl+Enter sends from anywhere, the arguments editor included.
        QSignalSpy sent(window.composer(), &Composer::sendRequested);
        window.composer()->setEventName(QStringLiteral("ping-me"));
        window.composer()->argumentsEditor()->editor()->setFocus();
        QTest::keyClick(&window, Qt::Key_Return, Qt::ControlModifier);
        QCOMPARE(sent.size(), 1);
        // Not connected: the failure is shown, not swallowed.
        QVERIFY(window.composer()->resultLabel()->text().contains(QStringLiteral("not")));
    }

    void urlFromCommandLineAndValidation()
    {
        MainWindow window;
        window.setJournalEnabled(false);
        window.setServerUrl(QStringLiteral("localhost:1"));
        QCOMPARE(window.currentProfile().options.engine.url,
                 QUrl(QStringLiteral("http://localhost:1")));
        window.setServerUrl(QStringLiteral("ftp://example.org"));
        window.connectToServer();
        QVERIFY(window.infoBanner()->isVisibleTo(&window));
        QVERIFY(window.infoBanner()->text().contains(QStringLiteral("ftp")));
        QCOMPARE(window.session()->client()->state(), SocketIoClient::State::Disconnected);
    }

    void tlsWarningBanner()
    {
        MainWindow window;
        window.setJournalEnabled(false);
        QVERIFY(!window.tlsWarningBanner()->isVisibleTo(&window));
        ConnectionProfile profile = window.currentProfile();
        profile.options.engine.ignoreSslErrors = true;
        window.applyProfile(profile);
        QVERIFY(window.tlsWarningBanner()->isVisibleTo(&window));
        profile.options.engine.ignoreSslErrors = false;
        window.applyProfile(profile);
        QVERIFY(!window.tlsWarningBanner()->isVisibleTo(&window));
    }

    void layoutIsRemembered()
    {
        {
            MainWindow window;
            window.setJournalEnabled(false);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.ackPanel()->parentWidget()->hide(); // the Acks dock
            window.resize(1111, 777);
            window.close();
        }
        MainWindow window;
        window.setJournalEnabled(false);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(!window.ackPanel()->parentWidget()->isVisible());
        QVERIFY(window.composer()->parentWidget()->isVisible());
        QCOMPARE(window.size(), QSize(1111, 777));
    }
};

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
