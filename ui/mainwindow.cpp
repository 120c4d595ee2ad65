#include "mainwindow.h"

#include "engineio/likelycause.h"

#include "ackpanel.h"
#include "connectionbar.h"
#include "connectiondialog.h"
#include "crashjournal.h"
#include "doctordialog.h"
#include "exportdialog.h"
#include "importprogress.h"
#include "infobanner.h"
#include "livesession.h"
#include "logdropfilter.h"
#include "mockserverwindow.h"
#include "namespacetabs.h"
#include "packetdetail.h"
#include "proxywindow.h"
#include "recentlogs.h"
#include "replaydialog.h"
#include "scenario/scenariofromsession.h"
#include "scenario/scenarioloader.h"
#include "scenariodialog.h"
#include "server/demoscenario.h"
#include "server/socketioserver.h"
#include "session/redaction.h"
#include "session/scriptplayer.h"
#include "session/sessionlog.h"
#include "session/sessionreplay.h"
#include "sessionstatusbar.h"
#include "startpanel.h"
#include "timelinepane.h"
#include "tones.h"
#include "windowmenu.h"

#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace {
// Bump when the docks change, so that an old saved layout is not applied to a new window.
constexpr int LayoutVersion = 1;
const QString GeometryKey = QStringLiteral("mainWindow/geometry");
const QString StateKey = QStringLiteral("mainWindow/state");
const QString ControlPacketsKey = QStringLiteral("view/showControlPackets");
const QString RelativeTimeKey = QStringLiteral("view/relativeTime");
const QString JournalSecretsKey = QStringLiteral("journal/includeSecrets");
constexpr int StatusMessageMs = 8000;

// "localhost:3000" -> "http://localhost:3000"; only the schemes the client speaks pass.
QUrl serverUrl(const QString &text, QString *error)
{
    QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        *error = QObject::tr("Enter the server's URL, e.g. http://localhost:3000");
        return {};
    }
    if (!trimmed.contains(QLatin1String("://")))
        trimmed.prepend(QLatin1String("http://"));
    const QUrl url(trimmed, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || url.host().isEmpty()) {
        *error = QObject::tr("\"%1\" is not a valid URL").arg(text);
        return {};
    }
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https") &&
        scheme != QLatin1String("ws") && scheme != QLatin1String("wss")) {
        *error = QObject::tr("unsupported scheme \"%1\": use http, https, ws or wss").arg(scheme);
        return {};
    }
    return url;
}

QDockWidget *makeDock(const QString &title, const QString &objectName, QWidget *content,
                      QMainWindow *window)
{
    auto *dock = new QDockWidget(title, window);
    dock->setObjectName(objectName); // saveState() needs it
    dock->setWidget(content);
    dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                      QDockWidget::DockWidgetFloatable);
    return dock;
}
} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_session(new LiveSession(this))
{
    m_profiles.load();
    buildUi();
    buildMenus();
    wireLiveSession();
    restoreLayout();
    setWindowTitle(tr("SioScope"));
    new LogDropFilter(this);
}

MainWindow::MainWindow(std::unique_ptr<SessionLog> log, const QString &title, QWidget *parent)
    : QMainWindow(parent)
    , m_offlineLog(std::move(log))
{
    buildUi();
    buildMenus();
    restoreLayout();
    setWindowTitle(title);
    new LogDropFilter(this);
}

MainWindow::~MainWindow() = default;

SessionLog *MainWindow::log() const
{
    return m_session ? m_session->log() : m_offlineLog.get();
}

void MainWindow::buildUi()
{
    setWindowIcon(QIcon(QStringLiteral(":/sioscope/sioscope-128.png")));
    setDockNestingEnabled(true);
    setDockOptions(AnimatedDocks | AllowNestedDocks | AllowTabbedDocks);

    if (!isReadOnly()) {
        m_connectionBar = new ConnectionBar(this);
        auto *toolbar = addToolBar(tr("Connection"));
        toolbar->setObjectName(QStringLiteral("connectionToolBar"));
        toolbar->setMovable(false);
        toolbar->setFloatable(false);
        toolbar->addWidget(m_connectionBar);
        toolbar->toggleViewAction()->setEnabled(false); // the one way to connect stays visible
    }

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    m_tlsBanner = new QLabel(central);
    m_tlsBanner->setText(tr("⚠ Certificate errors are ignored for this connection: anyone on the "
                            "network path can read and change the traffic. Turn it off in "
                            "Options… → TLS."));
    m_tlsBanner->setWordWrap(true);
    m_tlsBanner->setContentsMargins(8, 4, 8, 4);
    m_tlsBanner->setStyleSheet(bannerStyleSheet(Tone::Warning, palette()));
    m_tlsBanner->hide();
    m_infoBanner = new InfoBanner(central);
    connect(m_infoBanner, &QLabel::linkActivated, this, [this](const QString &link) {
        if (link == QLatin1String(DiagnoseLink) && !isReadOnly())
            diagnose();
        else if (link == QLatin1String(StopReplayLink))
            stopReplay();
    });
    layout->addWidget(m_tlsBanner);
    layout->addWidget(m_infoBanner);
    if (isReadOnly()) {
        m_importProgress = new ImportProgress(central);
        layout->addWidget(m_importProgress);
    }

    m_timeline = new TimelinePane(central);
    m_timeline->setLog(log());
    m_timeline->setLive(!isReadOnly());
    m_timeline->setSendActionsAvailable(!isReadOnly());
    m_tabs = new NamespaceTabs(central);
    m_tabs->setReadOnly(isReadOnly());
    if (isReadOnly() && log()) {
        for (const QString &nsp : log()->namespaces())
            m_tabs->addRecordedNamespace(nsp);
    }
    auto *tabRow = new QHBoxLayout;
    tabRow->setContentsMargins(4, 2, 4, 2);
    tabRow->addWidget(m_tabs, 1);
    tabRow->addWidget(m_timeline->filterBar());
    layout->addLayout(tabRow);
    // A live window that has recorded nothing yet shows the next steps in the timeline's place.
    m_timelineStack = new QStackedWidget(central);
    m_timelineStack->addWidget(m_timeline);
    if (!isReadOnly()) {
        m_startPanel = new StartPanel(m_timelineStack);
        m_timelineStack->addWidget(m_startPanel);
    }
    layout->addWidget(m_timelineStack, 1);
    setCentralWidget(central);

    m_detail = new PacketDetail(this);
    m_detail->setLog(log());
    m_detailDock = makeDock(tr("Detail"), QStringLiteral("detailDock"), m_detail, this);
    addDockWidget(Qt::RightDockWidgetArea, m_detailDock);

    m_ackPanel = new AckPanel(this);
    m_ackPanel->setLog(log());
    m_ackPanel->setLive(!isReadOnly());
    m_ackDock = makeDock(tr("Acks"), QStringLiteral("ackDock"), m_ackPanel, this);

    if (!isReadOnly()) {
        m_composer = new Composer(this);
        m_composerDock = makeDock(tr("Composer"), QStringLiteral("composerDock"), m_composer, this);
        addDockWidget(Qt::BottomDockWidgetArea, m_composerDock);
        addDockWidget(Qt::BottomDockWidgetArea, m_ackDock);
        splitDockWidget(m_composerDock, m_ackDock, Qt::Horizontal);
        resizeDocks({m_composerDock, m_ackDock}, {620, 560}, Qt::Horizontal);
        resizeDocks({m_composerDock}, {250}, Qt::Vertical);
        m_statusBar = new SessionStatusBar(m_session, this);
        statusBar()->addPermanentWidget(m_statusBar, 1);
    } else {
        addDockWidget(Qt::BottomDockWidgetArea, m_ackDock);
        resizeDocks({m_ackDock}, {220}, Qt::Vertical);
        m_readOnlySummary = new QLabel(this);
        statusBar()->addPermanentWidget(m_readOnlySummary);
        updateReadOnlySummary();
    }
    resizeDocks({m_detailDock}, {380}, Qt::Horizontal);

    connect(m_tabs, &NamespaceTabs::currentNamespaceChanged, this, [this](const QString &nsp) {
        m_timeline->setNamespaceFilter(nsp);
        if (m_composer && !nsp.isEmpty() && !m_composer->isReplying())
            m_composer->setCurrentNamespace(nsp);
    });
    connect(m_timeline, &TimelinePane::currentLogRowChanged, this, &MainWindow::timelineRowChanged);
    connect(m_timeline, &TimelinePane::replyToAckRequested, this, &MainWindow::replyToAck);
    connect(m_timeline, &TimelinePane::editInComposerRequested, this, &MainWindow::editInComposer);
    connect(m_timeline, &TimelinePane::resendRequested, this, &MainWindow::resend);
    connect(m_detail, &PacketDetail::partnerRequested, this, &MainWindow::showLogRow);
    connect(m_ackPanel, &AckPanel::exchangeActivated, this,
            [this](qint64 eventRow) { showLogRow(eventRow); });
    resize(1360, 860);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *newWindow =
        file->addAction(tr("&New Window"), QKeySequence::New, this, &MainWindow::openNewWindow);
    newWindow->setObjectName(QStringLiteral("newWindowAction"));
    newWindow->setToolTip(tr("Open another live window, with its own connection and log"));
    file->addSeparator();
    file->addAction(tr("&Export…"), QKeySequence(Qt::CTRL | Qt::Key_E), this,
                    &MainWindow::showExportDialog);
    file->addAction(tr("&Import…"), QKeySequence::Open, this, &MainWindow::importLog);
    QMenu *recent = file->addMenu(tr("Open &Recent"));
    recent->setObjectName(QStringLiteral("openRecentMenu"));
    RecentLogs::attachMenu(recent, this);
    file->addAction(tr("&Reopen Crash Journal…"), this, &MainWindow::reopenCrashJournal);
    file->addSeparator();
    m_saveAsTestAction =
        file->addAction(tr("Save as &Test…"), this, [this] { saveAsTestInteractively(false); });
    m_saveAsTestAction->setObjectName(QStringLiteral("saveAsTestAction"));
    m_saveAsTestAction->setToolTip(tr("Write a scenario for sioscope-cli test (and Run Test…) "
                                      "that replays this session and checks the server's "
                                      "answers"));
    m_saveSelectionAsTestAction = file->addAction(tr("Save Se&lection as Test…"), this,
                                                  [this] { saveAsTestInteractively(true); });
    m_saveSelectionAsTestAction->setObjectName(QStringLiteral("saveSelectionAsTestAction"));
    m_saveSelectionAsTestAction->setToolTip(
        tr("The same, from the timeline's selected rows only (select several with Shift or "
           "Ctrl)"));
    m_saveSelectionAsTestAction->setEnabled(false);
    connect(m_timeline->view()->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] {
                m_saveSelectionAsTestAction->setEnabled(m_timeline->selectedLogRows().size() > 1);
            });
    file->addSeparator();
    file->addAction(tr("&Close Window"), QKeySequence::Close, this, &QWidget::close);
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);

    QMenu *session = menuBar()->addMenu(tr("&Session"));
    m_connectAction =
        session->addAction(tr("&Connect"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return));
    connect(m_connectAction, &QAction::triggered, this, [this] {
        if (m_session && m_session->client()->state() == SocketIoClient::State::Disconnected)
            connectToServer();
        else
            disconnectFromServer();
    });
    QAction *join = session->addAction(tr("&Join Namespace…"), QKeySequence(Qt::CTRL | Qt::Key_J),
                                       m_tabs->joinButton(), &QToolButton::click);
    QAction *options = session->addAction(tr("&Options…"), this, &MainWindow::showOptions);
    m_diagnoseAction =
        session->addAction(tr("&Diagnose…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D), this,
                           &MainWindow::diagnose);
    m_diagnoseAction->setObjectName(QStringLiteral("diagnoseAction"));
    m_diagnoseAction->setToolTip(tr("Probe the server with these connection options and say in "
                                    "plain words what works and what does not"));
    QAction *runTestAction = session->addAction(tr("Run &Test…"), this, [this] { runTest(); });
    runTestAction->setObjectName(QStringLiteral("runTestAction"));
    runTestAction->setToolTip(tr("Run a scenario file (sioscope-cli test) and watch each step "
                                 "and the packets of its clients"));
    m_replayAction = session->addAction(tr("&Replay…"), this, [this] {
        ReplayDialog dialog(this);
        dialog.setFileName(m_lastReplayFile);
        if (dialog.exec() != QDialog::Accepted)
            return;
        m_lastReplayFile = dialog.fileName();
        QString error;
        replaySession(dialog.fileName(), dialog.speed(), &error); // the banner says what failed
    });
    m_replayAction->setObjectName(QStringLiteral("replayAction"));
    m_replayAction->setToolTip(tr("Play again what we sent in a recorded session, with its "
                                  "timing, and answer the server's ack requests as recorded"));
    QAction *demo = session->addAction(tr("Try the &Demo"), this, &MainWindow::startDemo);
    demo->setObjectName(QStringLiteral("tryDemoAction"));
    demo->setToolTip(tr("Start the built-in demo server in SioScope and connect to it"));
    QAction *mockServer = session->addAction(
        tr("&Mock Server…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M), this, [] {
            auto *window = new MockServerWindow;
            window->setAttribute(Qt::WA_DeleteOnClose);
            window->show();
        });
    mockServer->setObjectName(QStringLiteral("mockServerAction"));
    mockServer->setToolTip(tr("Run a Socket.IO server in SioScope with mock rules, and watch "
                              "its clients"));
    QAction *proxy = session->addAction(tr("&Proxy…"), this, [] {
        auto *window = new ProxyWindow;
        window->setAttribute(Qt::WA_DeleteOnClose);
        window->show();
    });
    proxy->setObjectName(QStringLiteral("proxyAction"));
    proxy->setToolTip(tr("Put SioScope between an app and its server, and watch the app's own "
                         "sessions decoded"));
    session->addSeparator();
    QAction *send = session->addAction(tr("&Send"));
    send->setShortcuts(
        {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    send->setShortcutContext(Qt::WindowShortcut);
    if (m_composer)
        connect(send, &QAction::triggered, m_composer, &Composer::send);
    session->addSeparator();
    QAction *clear = session->addAction(tr("C&lear"), QKeySequence(Qt::CTRL | Qt::Key_K), this,
                                        &MainWindow::clearSession);
    m_pauseAction = session->addAction(tr("&Pause"));
    m_pauseAction->setCheckable(true);
    m_pauseAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    m_pauseAction->setToolTip(tr("Stop adding rows to the timeline; the log keeps recording"));
    connect(m_pauseAction, &QAction::toggled, this, &MainWindow::togglePause);
    session->addSeparator();
    m_journalSecretsAction = session->addAction(tr("Keep Secrets in the Crash &Journal"));
    m_journalSecretsAction->setCheckable(true);
    m_journalSecretsAction->setChecked(QSettings().value(JournalSecretsKey, false).toBool());
    connect(m_journalSecretsAction, &QAction::toggled, this, [this](bool on) {
        QSettings().setValue(JournalSecretsKey, on);
        if (m_session && m_session->journal())
            m_session->journal()->setIncludeSecrets(on);
    });
    if (isReadOnly()) {
        for (QAction *action : {m_connectAction, join, options, m_diagnoseAction, demo, send, clear,
                                m_journalSecretsAction})
            action->setEnabled(false);
    }

    QMenu *view = menuBar()->addMenu(tr("&View"));
    m_controlAction = view->addAction(tr("Show &Control Packets"));
    m_controlAction->setCheckable(true);
    m_controlAction->setToolTip(tr("PING/PONG, upgrade, and connection lifecycle notes"));
    connect(m_controlAction, &QAction::toggled, this, [this](bool on) {
        m_timeline->setShowControlPackets(on);
        QSettings().setValue(ControlPacketsKey, on);
    });
    m_relativeTimeAction = view->addAction(tr("&Relative Time"));
    m_relativeTimeAction->setCheckable(true);
    connect(m_relativeTimeAction, &QAction::toggled, this, [this](bool on) {
        m_timeline->setRelativeTime(on);
        QSettings().setValue(RelativeTimeKey, on);
    });
    m_controlAction->setChecked(QSettings().value(ControlPacketsKey, false).toBool());
    m_relativeTimeAction->setChecked(QSettings().value(RelativeTimeKey, false).toBool());
    view->addSeparator();
    QMenu *panels = view->addMenu(tr("&Panels"));
    for (QDockWidget *dock : {m_detailDock, m_composerDock, m_ackDock})
        if (dock)
            panels->addAction(dock->toggleViewAction());
    view->addSeparator();
    QAction *focusUrl = view->addAction(tr("Go to &URL"), QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(focusUrl, &QAction::triggered, this, [this] {
        if (!m_connectionBar)
            return;
        m_connectionBar->urlCombo()->setFocus(Qt::ShortcutFocusReason);
        m_connectionBar->urlCombo()->lineEdit()->selectAll();
    });
    focusUrl->setEnabled(!isReadOnly());
    view->addAction(tr("Go to &Filter"), QKeySequence::Find, this, [this] {
        m_timeline->filterEdit()->setFocus(Qt::ShortcutFocusReason);
        m_timeline->filterEdit()->selectAll();
    });
    view->addAction(tr("Go to &Timeline"), QKeySequence(Qt::CTRL | Qt::Key_1), this,
                    [this] { m_timeline->view()->setFocus(Qt::ShortcutFocusReason); });
    if (m_composer) {
        view->addAction(tr("Go to C&omposer"), QKeySequence(Qt::CTRL | Qt::Key_2), this, [this] {
            m_composerDock->show();
            m_composer->eventEdit()->setFocus(Qt::ShortcutFocusReason);
        });
    }

    QMenu *windows = menuBar()->addMenu(tr("&Window"));
    windows->setObjectName(QStringLiteral("windowMenu"));
    WindowMenu::attach(windows, this);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About SioScope"), this, [this] {
        QMessageBox::about(
            this, tr("About SioScope"),
            tr("<b>SioScope</b> %1<br>An inspector and test client for "
               "Socket.IO.<br>Qt %2")
                .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion())));
    });
}

void MainWindow::wireLiveSession()
{
    SocketIoClient *client = m_session->client();
    connect(m_startPanel, &StartPanel::connectRequested, this, [this] {
        if (m_connectionBar->urlText().trimmed().isEmpty()) {
            m_connectionBar->urlCombo()->setFocus();
            statusBar()->showMessage(tr("Enter the server's URL first"), StatusMessageMs);
            return;
        }
        connectToServer();
    });
    connect(m_startPanel, &StartPanel::demoRequested, this, &MainWindow::startDemo);
    connect(m_startPanel, &StartPanel::openLogRequested, this, &MainWindow::importLog);
    connect(m_startPanel, &StartPanel::diagnoseRequested, this, &MainWindow::diagnose);
    connect(m_connectionBar, &ConnectionBar::connectRequested, this, &MainWindow::connectToServer);
    connect(m_connectionBar, &ConnectionBar::disconnectRequested, this,
            &MainWindow::disconnectFromServer);
    connect(m_connectionBar, &ConnectionBar::optionsRequested, this, &MainWindow::showOptions);
    connect(m_connectionBar, &ConnectionBar::profileChosen, this, &MainWindow::chooseProfile);
    connect(m_connectionBar, &ConnectionBar::saveProfileRequested, this,
            &MainWindow::saveProfileAs);
    connect(m_connectionBar, &ConnectionBar::renameProfileRequested, this,
            &MainWindow::renameProfile);
    connect(m_connectionBar, &ConnectionBar::deleteProfileRequested, this,
            &MainWindow::deleteProfile);
    reloadProfileNames();

    connect(client, &SocketIoClient::stateChanged, this, [this](SocketIoClient::State state) {
        updateStartPanel();
        m_connectionBar->setConnectionState(state);
        m_connectAction->setText(state == SocketIoClient::State::Disconnected ? tr("&Connect")
                                                                              : tr("&Disconnect"));
    });
    connect(client, &SocketIoClient::errorOccurred, this, [this](const SocketIoError &error) {
        statusBar()->showMessage(error.message, StatusMessageMs);
    });
    connect(client, &SocketIoClient::warningRaised, this,
            [this](const QString &message) { statusBar()->showMessage(message, StatusMessageMs); });
    connect(client->engine(), &EngineIoClient::errorOccurred, this,
            &MainWindow::showConnectionFailure);
    connect(client->engine(), &EngineIoClient::openReceived, this, [this] {
        if (m_connectionFailureShown)
            m_infoBanner->hide();
        m_connectionFailureShown = false;
    });
    connect(client, &SocketIoClient::namespaceAdded, this, [this](SocketIoNamespace *ns) {
        connect(ns, &SocketIoNamespace::stateChanged, this, &MainWindow::updateNamespaceChoices);
    });
    connect(m_tabs, &NamespaceTabs::joinRequested, this, &MainWindow::joinNamespace);
    connect(m_tabs, &NamespaceTabs::leaveRequested, this, &MainWindow::leaveNamespace);
    connect(m_composer, &Composer::sendRequested, this, &MainWindow::send);
    connect(m_session, &LiveSession::eventNameSeen, m_composer, &Composer::addEventName);
    updateTlsBanner();
    updateStartPanel();
}

bool MainWindow::isStartPanelShown() const
{
    return m_startPanel && m_timelineStack->currentWidget() == m_startPanel;
}

void MainWindow::updateStartPanel()
{
    const bool start = m_startPanel && m_session &&
                       m_session->client()->state() == SocketIoClient::State::Disconnected &&
                       log()->size() == 0;
    m_timelineStack->setCurrentWidget(start ? static_cast<QWidget *>(m_startPanel) : m_timeline);
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    restoreGeometry(settings.value(GeometryKey).toByteArray());
    // Read-only windows have no composer; they keep the layout they were built with.
    if (!isReadOnly())
        restoreState(settings.value(StateKey).toByteArray(), LayoutVersion);
}

void MainWindow::saveLayout()
{
    QSettings settings;
    settings.setValue(GeometryKey, saveGeometry());
    if (!isReadOnly())
        settings.setValue(StateKey, saveState(LayoutVersion));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveLayout();
    if (m_session) {
        m_session->client()->disconnectFromServer();
        // A clean close: the journal is not needed to recover anything.
        if (m_session->journal())
            m_session->journal()->discard();
    }
    event->accept();
}

void MainWindow::setServerUrl(const QString &url)
{
    if (m_connectionBar)
        m_connectionBar->setUrlText(url);
}

ConnectionProfile MainWindow::currentProfile() const
{
    ConnectionProfile profile = m_profile;
    if (m_connectionBar) {
        QString error;
        const QUrl url = serverUrl(m_connectionBar->urlText(), &error);
        profile.options.engine.url = url.isValid() ? url : QUrl(m_connectionBar->urlText());
        profile.options.engine.version = m_connectionBar->version();
        profile.options.engine.transports = m_connectionBar->transports();
        profile.name = m_connectionBar->currentProfile();
    }
    return profile;
}

void MainWindow::applyProfile(const ConnectionProfile &profile)
{
    m_profile = profile;
    if (m_connectionBar) {
        m_connectionBar->setUrlText(profile.options.engine.url.toString());
        m_connectionBar->setVersion(profile.options.engine.version);
        m_connectionBar->setTransports(profile.options.engine.transports);
    }
    updateTlsBanner();
    updateComposerVariables();
}

void MainWindow::updateComposerVariables()
{
    if (!m_composer)
        return;
    ScenarioVariables variables;
    variables.setProcessEnvironment(QProcessEnvironment::systemEnvironment());
    const QString file = m_profile.variablesFile;
    if (!file.isEmpty()) {
        QJsonObject values;
        ScenarioError error;
        if (ScenarioLoader::loadVariablesFile(file, &values, &error))
            variables.setEnvironmentFile(values);
        else
            showInfo(
                tr("The variables file cannot be used: %1").arg(error.toString().toHtmlEscaped()),
                true);
    }
    m_composer->setVariables(variables, QFileInfo(file).fileName());
}

void MainWindow::connectToServer()
{
    if (!m_session)
        return;
    QString error;
    const QUrl url = serverUrl(m_connectionBar->urlText(), &error);
    if (!url.isValid()) {
        showInfo(error.toHtmlEscaped(), true);
        m_connectionBar->urlCombo()->setFocus();
        return;
    }
    const ConnectionProfile profile = currentProfile();
    // The bar's version can change after Options accepted msgpack; refuse rather than connect
    // with a parser the server's protocol does not have.
    if (profile.options.parser == SocketIoParser::Kind::Msgpack &&
        profile.options.engine.version == EngineIoOptions::Version::V3) {
        showInfo(tr("msgpack cannot work with Engine.IO v3 forced: socket.io-msgpack-parser is a "
                    "Socket.IO v5 (Engine.IO v4) parser. Choose Auto or v4, or the default "
                    "parser in Options…"),
                 true);
        return;
    }
    m_infoBanner->hide();
    m_profile.options = profile.options;
    // Header values are never recorded, so exports and the journal are told what to redact.
    for (const QString &secret : Redaction::headerSecrets(profile.options.engine.headers))
        if (!m_knownSecrets.contains(secret))
            m_knownSecrets.append(secret);
    m_connectionBar->rememberUrl(url.toString());
    m_connectionBar->setUrlText(url.toString());
    // Tells the windows apart in the Window menu and the desktop's task list.
    setWindowTitle(tr("%1 — SioScope").arg(url.toDisplayString()));

    if (m_journalEnabled && !m_session->journal()) {
        auto *journal = new CrashJournal;
        journal->setIncludeSecrets(m_journalSecretsAction->isChecked());
        journal->addKnownSecrets(m_knownSecrets);
        if (journal->isOpen())
            m_session->setJournal(journal);
        else {
            statusBar()->showMessage(tr("No crash journal: %1").arg(journal->errorString()),
                                     StatusMessageMs);
            delete journal;
        }
    }

    SocketIoClient *client = m_session->client();
    client->setOptions(profile.options);
    for (const NamespaceJoin &join : profile.namespaces) {
        if (SocketIoNamespace *existing = client->findNamespace(join.name))
            existing->setAuth(join.auth);
        m_tabs->watch(client->joinNamespace(join.name, join.auth));
    }
    client->connectToServer();
    updateNamespaceChoices();
    updateTlsBanner();
}

bool MainWindow::startDemo()
{
    if (!m_session)
        return false;
    if (!m_demoServer) {
        auto *server = new SocketIoServer(this);
        auto *scenario = new DemoScenario(server);
        if (!server->listen(QHostAddress::LocalHost, 0)) {
            showInfo(tr("The built-in demo server could not start: %1")
                         .arg(server->errorString())
                         .toHtmlEscaped(),
                     true);
            delete server;
            return false;
        }
        scenario->start();
        m_demoServer = server;
    }
    if (m_session->client()->state() != SocketIoClient::State::Disconnected)
        disconnectFromServer();
    ConnectionProfile profile;
    profile.options.engine.url =
        QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_demoServer->serverPort()));
    profile.namespaces = {
        {QStringLiteral("/"), {}}, {QStringLiteral("/chat"), {}}, {QStringLiteral("/admin"), {}}};
    applyProfile(profile);
    connectToServer();
    setWindowTitle(tr("SioScope — built-in demo (127.0.0.1:%1)").arg(m_demoServer->serverPort()));
    showInfo(tr("<b>Built-in demo</b>: ticks on /, chat on /chat, binary snapshots, a "
                "<i>poll</i> that wants an ack reply, /chat disconnected by the server every "
                "20 s. /admin is refused on purpose: join it again with auth "
                "<code>{\"token\":\"demo\"}</code>."),
             false);
    return true;
}

void MainWindow::disconnectFromServer()
{
    stopReplay();
    if (m_session)
        m_session->client()->disconnectFromServer();
}

bool MainWindow::replaySession(const QString &fileName, double speed, QString *error)
{
    const auto failed = [this, error](const QString &message) {
        *error = message;
        showInfo(tr("<b>No replay:</b> %1").arg(message.toHtmlEscaped()), true);
        return false;
    };
    if (!m_session)
        return failed(tr("a read-only window has no connection to replay on"));
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly))
        return failed(tr("cannot read %1: %2").arg(fileName, file.errorString()));
    SessionLog log;
    QString readError;
    if (!LogImporter::read(&file, &log, &readError))
        return failed(tr("%1: %2").arg(QFileInfo(fileName).fileName(), readError));
    ReplayPlan plan;
    if (!SessionReplay::plan(log, &plan, &readError))
        return failed(tr("%1: %2").arg(QFileInfo(fileName).fileName(), readError));
    stopReplay();

    SocketIoClient *client = m_session->client();
    const bool connectFirst = client->state() == SocketIoClient::State::Disconnected;
    auto *player = new ScriptPlayer(client, this);
    player->setSteps(plan.steps);
    player->setSpeed(speed);
    player->setReplies(plan.replies);
    player->setAckTimeoutMs(m_profile.options.ackTimeoutMs);
    m_replay = player;
    const QString name = QFileInfo(fileName).fileName().toHtmlEscaped();
    const int steps = int(plan.steps.size());
    QString warnings;
    for (const QString &warning : std::as_const(plan.warnings))
        warnings += QStringLiteral("<br>%1").arg(warning.toHtmlEscaped());
    connect(player, &ScriptPlayer::stepFailed, this, [this, name](int row, const QString &why) {
        showInfo(tr("Replay of <b>%1</b>: row %2 was not sent: %3")
                     .arg(name)
                     .arg(row)
                     .arg(why.toHtmlEscaped()),
                 true);
    });
    connect(player, &ScriptPlayer::finished, this, [this, name, steps, player] {
        showInfo(tr("Replay of <b>%1</b> finished: %2 packets sent. The server's ack requests "
                    "answered as recorded so far: %3.")
                     .arg(name)
                     .arg(steps)
                     .arg(player->repliesSent()),
                 false);
    });
    showInfo(tr("Replaying <b>%1</b> at %2×: %3 packets, %4 recorded replies. "
                "<a href=\"%5\">Stop</a>%6")
                 .arg(name)
                 .arg(speed)
                 .arg(steps)
                 .arg(plan.replies.count())
                 .arg(QLatin1String(StopReplayLink), warnings),
             false);
    if (connectFirst) {
        for (const auto &[nsp, auth] : std::as_const(plan.namespaces)) {
            if (SocketIoNamespace *existing = client->findNamespace(nsp))
                existing->setAuth(auth);
            m_tabs->watch(client->joinNamespace(nsp, auth));
        }
    }
    player->start();
    for (SocketIoNamespace *ns : client->namespaces())
        m_tabs->watch(ns);
    if (connectFirst) {
        connectToServer();
        if (client->state() == SocketIoClient::State::Disconnected) { // the URL was refused
            stopReplay();
            *error = tr("the window could not connect");
            return false;
        }
    }
    error->clear();
    return true;
}

ScriptPlayer *MainWindow::replay() const
{
    return m_replay;
}

void MainWindow::stopReplay()
{
    if (!m_replay)
        return;
    m_replay->stop();
    m_replay->deleteLater();
    m_replay = nullptr;
}

void MainWindow::joinNamespace(const QString &name, const QJsonObject &auth)
{
    if (!m_session)
        return;
    SocketIoClient *client = m_session->client();
    if (SocketIoNamespace *existing = client->findNamespace(name))
        existing->setAuth(auth);
    SocketIoNamespace *ns = client->joinNamespace(name, auth);
    m_tabs->watch(ns);
    m_tabs->setCurrentNamespace(ns->name());
    m_profile.setAuthFor(ns->name(), auth);
    updateNamespaceChoices();
}

void MainWindow::leaveNamespace(const QString &name)
{
    if (!m_session)
        return;
    if (SocketIoNamespace *ns = m_session->client()->findNamespace(name))
        ns->disconnectFromNamespace();
    // Not joined again on the next connect either.
    for (qsizetype i = 0; i < m_profile.namespaces.size(); ++i)
        if (m_profile.namespaces.at(i).name == name)
            m_profile.namespaces.removeAt(i--);
    updateNamespaceChoices();
}

void MainWindow::updateNamespaceChoices()
{
    if (m_composer)
        m_composer->setNamespaces(m_tabs->namespaceNames());
}

void MainWindow::send(const OutgoingMessage &message)
{
    SocketIoNamespace *ns = m_session ? m_session->client()->findNamespace(message.nsp) : nullptr;
    if (!ns) {
        m_composer->reportSendFailed(tr("%1 is not joined: join it with + first").arg(message.nsp));
        return;
    }
    const SocketIoNamespace::SendResult result =
        message.isAckReply ? ns->sendAck(message.replyToId, message.data, message.attachments)
                           : ns->emitEvent(message.data, message.attachments, message.ackTimeoutMs);
    if (!result.ok) {
        m_composer->reportSendFailed(result.error);
        return;
    }
    m_composer->reportSent(message, result.ackId);
}

void MainWindow::timelineRowChanged(qint64 row)
{
    m_detail->showRow(row);
    if (!m_composer || row < 0)
        return;
    // A server event still waiting for our answer: the composer offers to answer it.
    const SessionLog *sessionLog = log();
    const int exchange = sessionLog->acks().exchangeForRow(row);
    if (exchange < 0)
        return;
    const AckPairing::Exchange &x = sessionLog->acks().exchanges()[size_t(exchange)];
    if (x.initiator == AckPairing::Initiator::Server && x.eventRow == row &&
        x.status == AckPairing::Status::Pending)
        replyToAck(row);
}

void MainWindow::showLogRow(qint64 row)
{
    // A row hidden by the namespace tab is shown on "All" rather than not at all.
    if (!m_timeline->selectLogRow(row) && !m_tabs->currentNamespace().isEmpty()) {
        m_tabs->setCurrentNamespace({});
        m_timeline->selectLogRow(row);
    }
}

void MainWindow::replyToAck(qint64 row)
{
    if (!m_composer)
        return;
    const PacketRecord record = log()->record(row);
    const QString eventName =
        SocketIoPacket(SocketIoPacket::Type(record.type), record.nsp, record.payload).eventName();
    m_composer->setReplyTarget(record.nsp, record.id, eventName);
    m_composerDock->show();
}

void MainWindow::editInComposer(qint64 row)
{
    if (!m_composer)
        return;
    const PacketRecord record = log()->record(row);
    const QJsonArray data = QJsonDocument::fromJson(record.payload).array();
    ComposerDraft draft;
    draft.nsp = record.nsp;
    draft.eventName = data.first().toString();
    // Binary arguments at the top level become attachments at their positions; the others
    // stay in the arguments text.
    QJsonArray args;
    for (qsizetype i = 1; i < data.size(); ++i) {
        const QJsonObject object = data.at(i).toObject();
        const int num = object.value(QLatin1String("num")).toInt(-1);
        if (object.value(QLatin1String("_placeholder")).toBool() && object.size() == 2 &&
            num >= 0 && num < record.attachments.size()) {
            draft.attachments.append(
                {tr("attachment %1").arg(num), record.attachments.at(num), int(i - 1)});
            continue;
        }
        args.append(data.at(i));
    }
    draft.argsText = QString::fromUtf8(QJsonDocument(args).toJson(QJsonDocument::Compact));
    draft.requestAck = record.id >= 0;
    m_composer->loadDraft(draft);
    m_composerDock->show();
}

void MainWindow::resend(qint64 row)
{
    if (!m_composer)
        return;
    const PacketRecord record = log()->record(row);
    OutgoingMessage message;
    message.nsp = record.nsp;
    message.data = QJsonDocument::fromJson(record.payload).array();
    message.eventName = message.data.first().toString();
    message.attachments = record.attachments;
    // An event that asked for an ack asks again, with the session's ack timeout.
    message.ackTimeoutMs = record.id >= 0 ? m_session->client()->options().ackTimeoutMs : -1;
    send(message);
}

void MainWindow::clearSession()
{
    if (!m_session)
        return;
    m_session->clear();
    m_timeline->reload();
    updateStartPanel();
    m_ackPanel->setLog(log());
    m_detail->showRow(-1);
}

void MainWindow::togglePause(bool paused)
{
    m_timeline->setPaused(paused);
    m_pauseAction->setText(paused ? tr("&Resume") : tr("&Pause"));
    if (paused)
        statusBar()->showMessage(tr("Paused: the log keeps recording; Resume shows the new rows"));
    else
        statusBar()->clearMessage();
}

void MainWindow::updateTlsBanner()
{
    m_tlsBanner->setVisible(!isReadOnly() && m_profile.options.engine.ignoreSslErrors);
}

void MainWindow::showInfo(const QString &html, bool error)
{
    m_connectionFailureShown = false;
    m_infoBanner->showMessage(html, error ? InfoBanner::Kind::Error : InfoBanner::Kind::Note);
}

void MainWindow::showConnectionFailure(const EngineIoError &error)
{
    const QString cause = likelyCause(error);
    const QString text =
        cause.isEmpty() ? error.message : tr("%1 — likely cause: %2").arg(error.message, cause);
    statusBar()->showMessage(text, StatusMessageMs);
    // The banner stays until the next session opens: the status bar's line is gone in seconds,
    // and the doctor is the next step for a connection that fails.
    showInfo(tr("%1 <a href=\"%2\">Diagnose…</a>")
                 .arg(text.toHtmlEscaped(), QLatin1String(DiagnoseLink)),
             true);
    m_connectionFailureShown = true;
}

void MainWindow::diagnose()
{
    const ConnectionProfile profile = currentProfile();
    if (profile.options.engine.url.isEmpty() || !profile.options.engine.url.isValid()) {
        showInfo(tr("Enter the server's URL first: the doctor probes it with this window's "
                    "connection options."),
                 true);
        return;
    }
    auto *dialog = new DoctorDialog(doctorOptions(profile), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    m_doctorDialog = dialog;
}

DoctorOptions MainWindow::doctorOptions(const ConnectionProfile &profile)
{
    DoctorOptions options;
    options.engine = profile.options.engine;
    // The doctor's own default, as in `sioscope-cli doctor`: a connection's 20 s would make a
    // dead server take minutes to diagnose.
    options.engine.connectTimeoutMs = qMin(options.engine.connectTimeoutMs, DoctorProbeTimeoutMs);
    // A path the user set is the one to diagnose; the default one lets the doctor also try the
    // URL's own path.
    options.pathGiven = options.engine.path != EngineIoOptions().path;
    options.watchMs = DoctorWatchMs;
    options.namespaces.clear();
    for (const NamespaceJoin &join : profile.namespaces)
        options.namespaces.append({join.name, join.auth});
    if (options.namespaces.isEmpty())
        options.namespaces.append({QStringLiteral("/"), {}});
    return options;
}

void MainWindow::showOptions()
{
    ConnectionDialog dialog(currentProfile(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_profile = dialog.profile();
    updateTlsBanner();
    updateComposerVariables();
}

void MainWindow::reloadProfileNames()
{
    if (m_connectionBar)
        m_connectionBar->setProfileNames(m_profiles.names());
}

void MainWindow::chooseProfile(const QString &name)
{
    if (name.isEmpty())
        return;
    const ConnectionProfile profile = m_profiles.profile(name);
    applyProfile(profile);
    m_connectionBar->setCurrentProfile(name);
    if (profile.secretsOmitted)
        showInfo(tr("Profile \"%1\" was saved without its secrets (auth payloads, tokens, "
                    "cookies). Fill them in under Options… before connecting.")
                     .arg(name.toHtmlEscaped()),
                 false);
    else
        m_infoBanner->hide();
}

bool MainWindow::selectProfile(const QString &name)
{
    if (!m_connectionBar || !m_profiles.contains(name))
        return false;
    chooseProfile(name);
    return true;
}

void MainWindow::saveProfileAs()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Save Profile"));
    auto *form = new QFormLayout(&dialog);
    auto *name = new QLineEdit(m_connectionBar->currentProfile(), &dialog);
    if (name->text().isEmpty())
        name->setText(currentProfile().options.engine.url.host());
    auto *secrets = new QCheckBox(tr("Save secrets in plain text"), &dialog);
    secrets->setChecked(m_profile.saveSecrets);
    secrets->setToolTip(tr("Auth payloads, and headers and query parameters such as "
                           "Authorization, Cookie or *token*. Otherwise they are left out."));
    auto *buttons =
        new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, &dialog);
    form->addRow(tr("&Name:"), name);
    form->addRow(QString(), secrets);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted || name->text().trimmed().isEmpty())
        return;
    ConnectionProfile profile = currentProfile();
    profile.name = name->text().trimmed();
    profile.saveSecrets = secrets->isChecked();
    m_profile.saveSecrets = profile.saveSecrets;
    m_profiles.put(profile);
    QString error;
    if (!m_profiles.save(&error)) {
        QMessageBox::warning(this, tr("Save Profile"), tr("Cannot save profiles: %1").arg(error));
        return;
    }
    reloadProfileNames();
    m_connectionBar->setCurrentProfile(profile.name);
    statusBar()->showMessage(tr("Saved profile \"%1\"").arg(profile.name), StatusMessageMs);
}

void MainWindow::renameProfile()
{
    const QString current = m_connectionBar->currentProfile();
    if (current.isEmpty())
        return;
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Rename Profile"), tr("New name:"),
                                               QLineEdit::Normal, current, &ok)
                             .trimmed();
    if (!ok || name.isEmpty() || name == current)
        return;
    if (!m_profiles.rename(current, name)) {
        QMessageBox::warning(this, tr("Rename Profile"),
                             tr("A profile named \"%1\" already exists.").arg(name));
        return;
    }
    QString error;
    if (!m_profiles.save(&error))
        QMessageBox::warning(this, tr("Rename Profile"), tr("Cannot save profiles: %1").arg(error));
    reloadProfileNames();
    m_connectionBar->setCurrentProfile(name);
}

void MainWindow::deleteProfile()
{
    const QString current = m_connectionBar->currentProfile();
    if (current.isEmpty())
        return;
    if (QMessageBox::question(this, tr("Delete Profile"),
                              tr("Delete the profile \"%1\"?").arg(current)) != QMessageBox::Yes)
        return;
    m_profiles.remove(current);
    QString error;
    if (!m_profiles.save(&error))
        QMessageBox::warning(this, tr("Delete Profile"), tr("Cannot save profiles: %1").arg(error));
    m_connectionBar->setCurrentProfile({});
    reloadProfileNames();
}

bool MainWindow::exportLog(const QString &fileName, LogFormat format, bool onlyVisible,
                           bool includeSecrets, QString *error)
{
    return ExportDialog::exportTimeline(this, *log(), m_timeline, onlyVisible, fileName, format,
                                        includeSecrets, m_knownSecrets, error);
}

void MainWindow::showExportDialog()
{
    if (const QString written = ExportDialog::run(this, *log(), m_timeline, m_knownSecrets);
        !written.isEmpty())
        statusBar()->showMessage(tr("Exported to %1").arg(written), StatusMessageMs);
}

bool MainWindow::saveAsTest(const QString &fileName, bool selectionOnly, QString *error)
{
    ScenarioFromSessionOptions options;
    options.name = QFileInfo(fileName).completeBaseName();
    // The header comment names where the session came from: the server, or the imported file.
    options.source =
        m_connectionBar ? tr("a session with %1").arg(m_connectionBar->urlText()) : windowTitle();
    if (selectionOnly) {
        const std::vector<qint64> rows = m_timeline->selectedLogRows();
        if (rows.empty()) {
            *error = tr("No row of the timeline is selected.");
            return false;
        }
        options.rows = QList<qint64>(rows.cbegin(), rows.cend());
    }
    QByteArray yaml;
    if (!ScenarioFromSession::write(*log(), options, &yaml, error))
        return false;
    // QSaveFile: a failed write never leaves half a scenario behind.
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly) || file.write(yaml) != yaml.size() || !file.commit()) {
        *error = tr("%1: %2").arg(fileName, file.errorString());
        return false;
    }
    return true;
}

void MainWindow::saveAsTestInteractively(bool selectionOnly)
{
    const QString fileName = QFileDialog::getSaveFileName(
        this, selectionOnly ? tr("Save Selection as Test") : tr("Save as Test"),
        QStringLiteral("session-test.yaml"), tr("Scenarios (*.yaml *.yml);;All files (*)"));
    if (fileName.isEmpty())
        return;
    QString error;
    if (!saveAsTest(fileName, selectionOnly, &error)) {
        showInfo(tr("<b>The test was not saved:</b> %1").arg(error.toHtmlEscaped()), true);
        return;
    }
    statusBar()->showMessage(
        tr("Saved the test to %1: run it with Session ▸ Run Test… or sioscope-cli test")
            .arg(fileName),
        StatusMessageMs);
}

ScenarioDialog *MainWindow::runTest()
{
    if (!m_scenarioDialog) {
        auto *dialog = new ScenarioDialog(this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        // The composer's variables are the ones a test of this server wants too.
        dialog->setEnvironmentFile(m_profile.variablesFile);
        m_scenarioDialog = dialog;
    }
    m_scenarioDialog->show();
    m_scenarioDialog->raise();
    m_scenarioDialog->activateWindow();
    return m_scenarioDialog;
}
