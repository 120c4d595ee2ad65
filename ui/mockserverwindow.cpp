#include "mockserverwindow.h"

#include "exportdialog.h"
#include "infobanner.h"
#include "logdropfilter.h"
#include "mainwindow.h"
#include "packetdetail.h"
#include "server/defaulthandlers.h"
#include "server/demoscenario.h"
#include "server/mockrules.h"
#include "server/socketioserver.h"
#include "timelinepane.h"
#include "windowmenu.h"

#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {
const QString BehaviourKey = QStringLiteral("mockServer/behaviour");
const QString RulesFileKey = QStringLiteral("mockServer/rulesFile");
const QString HostKey = QStringLiteral("mockServer/host");
const QString PortKey = QStringLiteral("mockServer/port");
constexpr int DefaultPort = 3000;
// The activity pane is a view, not a log (the session log keeps every packet): old lines go.
constexpr int MaxActivityLines = 5000;
constexpr int StatusMessageMs = 8000;
constexpr int StatusRefreshMs = 500;

enum ClientColumn { SessionColumn, NamespacesColumn, StateColumn };
constexpr int SessionRole = Qt::UserRole + 1;
} // namespace

MockServerWindow::MockServerWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Mock Server — SioScope"));
    buildUi();
    const QSettings settings;
    setBehaviour(Behaviour(settings.value(BehaviourKey, int(Behaviour::Rules)).toInt()));
    setRulesFile(settings.value(RulesFileKey).toString());
    setHost(settings.value(HostKey, QStringLiteral("127.0.0.1")).toString());
    setPort(quint16(settings.value(PortKey, DefaultPort).toUInt()));
    updateControls();
    updateStatus();
    // The record count in the status bar moves with every packet: refreshed, not per packet.
    auto *statusTimer = new QTimer(this);
    connect(statusTimer, &QTimer::timeout, this, &MockServerWindow::updateStatus);
    statusTimer->start(StatusRefreshMs);
}

MockServerWindow::~MockServerWindow()
{
    stopServer();
}

void MockServerWindow::buildUi()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Export Log…"), QKeySequence(Qt::CTRL | Qt::Key_E), this,
                    &MockServerWindow::showExportDialog);
    file->addAction(tr("C&lear Log"), QKeySequence(Qt::CTRL | Qt::Key_K), this,
                    &MockServerWindow::clearLog);
    file->addSeparator();
    file->addAction(tr("&New Window"), QKeySequence::New, this, &MainWindow::openNewWindow);
    file->addAction(tr("&Close Window"), QKeySequence::Close, this, &QWidget::close);
    QMenu *windows = menuBar()->addMenu(tr("&Window"));
    windows->setObjectName(QStringLiteral("windowMenu"));
    WindowMenu::attach(windows, this);
    new LogDropFilter(this);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    m_banner = new InfoBanner(central);
    layout->addWidget(m_banner);

    // The settings row: what the server does, where it listens, start/stop.
    auto *settingsRow = new QHBoxLayout;
    settingsRow->setContentsMargins(8, 6, 8, 6);
    m_behaviour = new QComboBox(central);
    m_behaviour->setObjectName(QStringLiteral("behaviour"));
    m_behaviour->addItem(tr("Rules file"), int(Behaviour::Rules));
    m_behaviour->addItem(tr("Default handlers (echo)"), int(Behaviour::DefaultHandlers));
    m_behaviour->addItem(tr("Built-in demo"), int(Behaviour::Demo));
    m_behaviour->setToolTip(
        tr("Rules file: the JSON mock rules (docs/server.md, \"Mock rules\").\n"
           "Default handlers: \"/\" and \"/custom\" echo \"message\" as \"message-back\", ack "
           "\"message-with-ack\", and emit \"auth\" on connect (the official test suites).\n"
           "Built-in demo: ticks, chat, binary snapshots, server ack requests, a refused "
           "namespace."));
    m_rulesPath = new QLineEdit(central);
    m_rulesPath->setObjectName(QStringLiteral("rulesPath"));
    m_rulesPath->setPlaceholderText(tr("rules.json"));
    m_rulesPath->setClearButtonEnabled(true);
    m_browse = new QPushButton(tr("Browse…"), central);
    m_host = new QLineEdit(central);
    m_host->setObjectName(QStringLiteral("host"));
    m_host->setMaximumWidth(140);
    m_host->setToolTip(tr("The address to listen on: 127.0.0.1 or ::1 for this machine only"));
    m_port = new QSpinBox(central);
    m_port->setObjectName(QStringLiteral("port"));
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("any free"));
    m_parser = new QComboBox(central);
    m_parser->setObjectName(QStringLiteral("parser"));
    m_parser->addItem(tr("default"), static_cast<int>(SocketIoParser::Kind::Default));
    m_parser->addItem(tr("msgpack"), static_cast<int>(SocketIoParser::Kind::Msgpack));
    m_parser->setToolTip(tr("How packets are written: socket.io-parser (default) or "
                            "socket.io-msgpack-parser (Socket.IO v5 clients only)"));
    m_startStop = new QPushButton(central);
    m_startStop->setObjectName(QStringLiteral("startStop"));
    m_startStop->setDefault(true);
    m_inspect = new QPushButton(tr("Inspect as Client"), central);
    m_inspect->setObjectName(QStringLiteral("inspect"));
    m_inspect->setToolTip(tr("Open an inspector window connected to this server"));
    settingsRow->addWidget(new QLabel(tr("Behaviour:"), central));
    settingsRow->addWidget(m_behaviour);
    settingsRow->addWidget(m_rulesPath, 1);
    settingsRow->addWidget(m_browse);
    settingsRow->addSpacing(12);
    settingsRow->addWidget(new QLabel(tr("Host:"), central));
    settingsRow->addWidget(m_host);
    settingsRow->addWidget(new QLabel(tr("Port:"), central));
    settingsRow->addWidget(m_port);
    settingsRow->addWidget(new QLabel(tr("Parser:"), central));
    settingsRow->addWidget(m_parser);
    settingsRow->addSpacing(12);
    settingsRow->addWidget(m_startStop);
    settingsRow->addWidget(m_inspect);
    layout->addLayout(settingsRow);

    // Clients on the left; the timeline and its detail in the middle; what the rules did below.
    m_clients = new QTreeWidget(central);
    m_clients->setObjectName(QStringLiteral("clients"));
    m_clients->setHeaderLabels({tr("Client session"), tr("Namespaces"), tr("State")});
    m_clients->setRootIsDecorated(false);
    m_clients->setUniformRowHeights(true);
    m_clients->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    auto *allClients = new QTreeWidgetItem(m_clients, {tr("All clients")});
    allClients->setData(SessionColumn, SessionRole, QString());
    m_clients->setCurrentItem(allClients);

    m_timeline = new TimelinePane(central);
    m_timeline->setLog(&m_log);
    m_timeline->setLive(true);
    m_timeline->setSendActionsAvailable(false);
    m_detail = new PacketDetail(central);
    m_detail->setLog(&m_log);
    m_activity = new QPlainTextEdit(central);
    m_activity->setObjectName(QStringLiteral("activity"));
    m_activity->setReadOnly(true);
    m_activity->setMaximumBlockCount(MaxActivityLines);
    m_activity->setPlaceholderText(tr("What the server and its rules do shows here."));

    auto *timelineColumn = new QWidget(central);
    auto *timelineLayout = new QVBoxLayout(timelineColumn);
    timelineLayout->setContentsMargins(0, 0, 0, 0);
    timelineLayout->addWidget(m_timeline->filterBar());
    timelineLayout->addWidget(m_timeline, 1);

    auto *middle = new QSplitter(Qt::Horizontal, central);
    middle->addWidget(m_clients);
    middle->addWidget(timelineColumn);
    middle->addWidget(m_detail);
    middle->setStretchFactor(1, 1);
    middle->setSizes({400, 680, 360});
    auto *vertical = new QSplitter(Qt::Vertical, central);
    vertical->addWidget(middle);
    vertical->addWidget(m_activity);
    vertical->setStretchFactor(0, 1);
    vertical->setSizes({620, 160});
    layout->addWidget(vertical, 1);
    setCentralWidget(central);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("serverStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusBar()->addPermanentWidget(m_status, 1);

    connect(m_behaviour, &QComboBox::currentIndexChanged, this, &MockServerWindow::updateControls);
    connect(m_browse, &QPushButton::clicked, this, &MockServerWindow::chooseRulesFile);
    connect(m_startStop, &QPushButton::clicked, this, [this] {
        if (isRunning())
            stopServer();
        else
            startServer();
    });
    connect(m_rulesPath, &QLineEdit::returnPressed, this, &MockServerWindow::startServer);
    connect(m_inspect, &QPushButton::clicked, this, &MockServerWindow::openInspector);
    connect(m_clients, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        m_timeline->setSessionFilter(item ? item->data(SessionColumn, SessionRole).toString()
                                          : QString());
    });
    connect(m_timeline, &TimelinePane::currentLogRowChanged, m_detail, &PacketDetail::showRow);
    connect(m_detail, &PacketDetail::partnerRequested, this,
            [this](qint64 row) { m_timeline->selectLogRow(row); });
    resize(1440, 860);
}

void MockServerWindow::setBehaviour(Behaviour behaviour)
{
    const int index = m_behaviour->findData(int(behaviour));
    m_behaviour->setCurrentIndex(index < 0 ? 0 : index);
}

MockServerWindow::Behaviour MockServerWindow::behaviour() const
{
    return Behaviour(m_behaviour->currentData().toInt());
}

void MockServerWindow::setRulesFile(const QString &path)
{
    m_rulesPath->setText(path);
}

QString MockServerWindow::rulesFile() const
{
    return m_rulesPath->text().trimmed();
}

void MockServerWindow::setPort(quint16 port)
{
    m_port->setValue(port);
}

void MockServerWindow::setHost(const QString &host)
{
    m_host->setText(host);
}

QUrl MockServerWindow::serverUrl() const
{
    if (!m_server)
        return {};
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(m_listeningOn.toString());
    url.setPort(m_server->serverPort());
    url.setPath(m_server->options().engine.path);
    return url;
}

bool MockServerWindow::startServer()
{
    stopServer();
    m_banner->hide();
    QHostAddress address;
    if (!address.setAddress(m_host->text().trimmed())) {
        m_banner->showMessage(tr("<b>%1</b> is not an IP address to listen on (e.g. 127.0.0.1 "
                                 "or ::1).")
                                  .arg(m_host->text().toHtmlEscaped()),
                              InfoBanner::Kind::Error);
        m_host->setFocus();
        return false;
    }
    std::optional<MockRules> rules;
    if (behaviour() == Behaviour::Rules) {
        if (rulesFile().isEmpty()) {
            m_banner->showMessage(tr("Choose a rules file first (Browse…), or another behaviour."),
                                  InfoBanner::Kind::Error);
            m_rulesPath->setFocus();
            return false;
        }
        QString error;
        rules = MockRules::load(rulesFile(), &error);
        if (!rules) {
            m_banner->showMessage(
                tr("<b>The rules file cannot be used.</b> %1: %2")
                    .arg(QFileInfo(rulesFile()).fileName().toHtmlEscaped(), error.toHtmlEscaped()),
                InfoBanner::Kind::Error);
            note(tr("Rules refused: %1").arg(error));
            return false;
        }
    }

    auto *server = new SocketIoServer(this);
    // Fixed for the server's lifetime: clients of both parsers cannot share one server.
    SocketIoServerOptions serverOptions = server->options();
    serverOptions.parser = static_cast<SocketIoParser::Kind>(m_parser->currentData().toInt());
    server->setOptions(serverOptions);
    connect(server, &SocketIoServer::packetRecorded, this,
            [this](const PacketRecord &record) { m_log.append(record); });
    connect(server, &SocketIoServer::errorOccurred, this,
            [this](const QString &engineSid, const QString &message) {
                note(tr("Client %1 broke the protocol: %2").arg(engineSid, message));
            });
    DemoScenario *demo = nullptr;
    switch (behaviour()) {
    case Behaviour::Rules:
        m_rulesEngine = new MockRulesEngine(server, *rules);
        connect(m_rulesEngine, &MockRulesEngine::ruleFired, this, &MockServerWindow::note);
        connect(m_rulesEngine, &MockRulesEngine::errorOccurred, this,
                [this](const QString &message) { note(tr("Rule failed: %1").arg(message)); });
        break;
    case Behaviour::DefaultHandlers:
        SocketIoDefaultHandlers::install(server);
        break;
    case Behaviour::Demo:
        demo = new DemoScenario(server);
        break;
    }
    m_server = server; // before listening: the watchers below need it
    watchClients();
    if (!server->listen(address, quint16(m_port->value()))) {
        m_banner->showMessage(tr("<b>The server could not start</b> on %1 port %2: %3")
                                  .arg(address.toString().toHtmlEscaped())
                                  .arg(m_port->value())
                                  .arg(server->errorString().toHtmlEscaped()),
                              InfoBanner::Kind::Error);
        m_server = nullptr;
        m_rulesEngine = nullptr;
        delete server;
        updateControls();
        updateStatus();
        return false;
    }
    m_listeningOn = address;
    if (m_rulesEngine) {
        m_rulesEngine->start();
        note(tr("Rules from %1:").arg(rulesFile()));
        for (const QString &line : rules->describe())
            note(QStringLiteral("  ") + line);
    } else if (demo) {
        demo->start();
    }
    note(tr("Listening on %1").arg(serverUrl().toString()));
    if (!address.isLoopback())
        m_banner->showMessage(tr("The server listens on <b>%1</b>: other machines on the network "
                                 "can connect to it.")
                                  .arg(address.toString().toHtmlEscaped()),
                              InfoBanner::Kind::Note);
    saveSettings();
    updateControls();
    updateStatus();
    Q_EMIT runningChanged(true);
    return true;
}

void MockServerWindow::stopServer()
{
    if (!m_server)
        return;
    SocketIoServer *server = m_server;
    m_server = nullptr;
    m_rulesEngine = nullptr; // a child of the server
    // What closing does to the clients (their DISCONNECTs, "forced close") is still recorded;
    // then the window stops listening to the server.
    server->close();
    server->disconnect(this);
    server->deleteLater();
    note(tr("Stopped"));
    updateControls();
    updateStatus();
    Q_EMIT runningChanged(false);
}

void MockServerWindow::watchClients()
{
    connect(m_server, &SocketIoServer::clientConnected, this, [this](const QString &engineSid) {
        m_joined.insert(engineSid, {});
        updateClientItem(engineSid);
        updateStatus();
    });
    connect(m_server, &SocketIoServer::clientDisconnected, this,
            [this](const QString &engineSid, const QString &reason) {
                if (QTreeWidgetItem *item = clientItem(engineSid)) {
                    item->setText(StateColumn, tr("closed: %1").arg(reason));
                    for (int column = 0; column < item->columnCount(); ++column)
                        item->setForeground(column, palette().brush(QPalette::PlaceholderText));
                }
                m_joined.remove(engineSid);
                updateStatus();
            });
    for (SocketIoServerNamespace *ns : m_server->namespaces()) {
        connect(ns, &SocketIoServerNamespace::socketConnected, this,
                [this, ns](SocketIoServerSocket *socket) {
                    m_joined[socket->engineSid()].append(ns->name());
                    updateClientItem(socket->engineSid());
                });
        connect(ns, &SocketIoServerNamespace::socketDisconnected, this,
                [this, ns](SocketIoServerSocket *socket, const QString &) {
                    const QString sid = socket->engineSid();
                    if (!m_joined.contains(sid))
                        return; // the whole session is gone; its row says why
                    m_joined[sid].removeOne(ns->name());
                    updateClientItem(sid);
                });
        connect(
            ns, &SocketIoServerNamespace::connectRefused, this,
            [this](const SocketIoConnectRequest &request, const SocketIoConnectDecision &decision) {
                note(tr("Client %1 refused on %2: %3")
                         .arg(request.engineSid, request.nsp, decision.message));
            });
    }
}

QTreeWidgetItem *MockServerWindow::clientItem(const QString &engineSid)
{
    for (int i = 1; i < m_clients->topLevelItemCount(); ++i) {
        QTreeWidgetItem *item = m_clients->topLevelItem(i);
        if (item->data(SessionColumn, SessionRole).toString() == engineSid)
            return item;
    }
    return nullptr;
}

void MockServerWindow::updateClientItem(const QString &engineSid)
{
    QTreeWidgetItem *item = clientItem(engineSid);
    if (!item) {
        item = new QTreeWidgetItem(m_clients, {engineSid});
        item->setData(SessionColumn, SessionRole, engineSid);
        item->setToolTip(SessionColumn, tr("Engine.IO session %1: select it to see only its "
                                           "packets")
                                            .arg(engineSid));
    }
    const QStringList joined = m_joined.value(engineSid);
    item->setText(NamespacesColumn, joined.join(QStringLiteral(", ")));
    item->setText(StateColumn, tr("connected"));
}

void MockServerWindow::updateControls()
{
    const bool rules = behaviour() == Behaviour::Rules;
    m_rulesPath->setEnabled(rules && !isRunning());
    m_browse->setEnabled(rules && !isRunning());
    m_behaviour->setEnabled(!isRunning());
    m_host->setEnabled(!isRunning());
    m_port->setEnabled(!isRunning());
    m_parser->setEnabled(!isRunning());
    m_startStop->setText(isRunning() ? tr("Stop") : tr("Start"));
    m_inspect->setEnabled(isRunning());
}

void MockServerWindow::updateStatus()
{
    if (!m_server) {
        m_status->setText(tr("Stopped · %1 records").arg(QLocale().toString(m_log.size())));
        return;
    }
    m_status->setText(tr("Listening on %1 · %2 connected · %3 records")
                          .arg(serverUrl().toString())
                          .arg(tr("%n client(s)", nullptr, int(m_joined.size())))
                          .arg(QLocale().toString(m_log.size())));
}

void MockServerWindow::note(const QString &line)
{
    m_activity->appendPlainText(
        QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss.zzz  ")) + line);
}

void MockServerWindow::chooseRulesFile()
{
    const QString file =
        QFileDialog::getOpenFileName(this, tr("Mock Rules"), QFileInfo(rulesFile()).path(),
                                     tr("Mock rules (*.json);;All files (*)"));
    if (!file.isEmpty())
        setRulesFile(file);
}

void MockServerWindow::openInspector()
{
    if (!m_server)
        return;
    auto *window = new MainWindow;
    window->setAttribute(Qt::WA_DeleteOnClose);
    QUrl url = serverUrl();
    url.setPath(QString()); // the client's path option already is /socket.io/
    window->setServerUrl(url.toString());
    // The inspector must speak this server's parser, or its packets would not decode.
    ConnectionProfile profile = window->currentProfile();
    profile.options.parser = m_server->options().parser;
    window->applyProfile(profile);
    window->show();
    window->connectToServer();
}

void MockServerWindow::showExportDialog()
{
    if (const QString written = ExportDialog::run(this, m_log, m_timeline, {}); !written.isEmpty())
        statusBar()->showMessage(tr("Exported to %1").arg(written), StatusMessageMs);
}

void MockServerWindow::clearLog()
{
    m_log.clear();
    m_timeline->reload();
    m_detail->showRow(-1);
    updateStatus();
}

void MockServerWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(BehaviourKey, int(behaviour()));
    settings.setValue(RulesFileKey, rulesFile());
    settings.setValue(HostKey, m_host->text().trimmed());
    settings.setValue(PortKey, m_port->value());
}

void MockServerWindow::closeEvent(QCloseEvent *event)
{
    stopServer();
    event->accept();
}
