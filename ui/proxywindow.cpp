#include "proxywindow.h"

#include "ackpanel.h"
#include "composer.h"
#include "engineio/engineiooptions.h"
#include "exportdialog.h"
#include "infobanner.h"
#include "logdropfilter.h"
#include "mainwindow.h"
#include "packetdetail.h"
#include "proxy/proxyserver.h"
#include "timelinepane.h"
#include "windowmenu.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {
const QString HostKey = QStringLiteral("proxy/host");
const QString PortKey = QStringLiteral("proxy/port");
const QString TargetKey = QStringLiteral("proxy/target");
const QString StrictKey = QStringLiteral("proxy/strict");
constexpr int DefaultPort = 3001;
// The activity pane is a view, not a log (the session log keeps every packet): old lines go.
constexpr int MaxActivityLines = 5000;
constexpr int StatusMessageMs = 8000;
constexpr int StatusRefreshMs = 500;

enum SessionColumn { SidColumn, StateColumn };
constexpr int SessionRole = Qt::UserRole + 1;
} // namespace

ProxyWindow::ProxyWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Proxy — SioScope"));
    buildUi();
    const QSettings settings;
    setListenHost(settings.value(HostKey, QStringLiteral("127.0.0.1")).toString());
    setListenPort(quint16(settings.value(PortKey, DefaultPort).toUInt()));
    setTarget(settings.value(TargetKey).toString());
    setStrict(settings.value(StrictKey, false).toBool());
    updateControls();
    updateStatus();
    // The record count moves with every packet: refreshed, not per packet.
    auto *statusTimer = new QTimer(this);
    connect(statusTimer, &QTimer::timeout, this, &ProxyWindow::updateStatus);
    statusTimer->start(StatusRefreshMs);
}

ProxyWindow::~ProxyWindow()
{
    stopProxy();
}

void ProxyWindow::buildUi()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Export Log…"), QKeySequence(Qt::CTRL | Qt::Key_E), this,
                    &ProxyWindow::showExportDialog);
    file->addAction(tr("C&lear Log"), QKeySequence(Qt::CTRL | Qt::Key_K), this,
                    &ProxyWindow::clearLog);
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

    // The settings row: where the app connects, where its traffic goes, start/stop.
    auto *settingsRow = new QHBoxLayout;
    settingsRow->setContentsMargins(8, 6, 8, 6);
    m_host = new QLineEdit(central);
    m_host->setObjectName(QStringLiteral("listenHost"));
    m_host->setMaximumWidth(140);
    m_host->setToolTip(tr("The address the app connects to: 127.0.0.1 or ::1 for this machine "
                          "only"));
    m_port = new QSpinBox(central);
    m_port->setObjectName(QStringLiteral("listenPort"));
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("any free"));
    m_target = new QLineEdit(central);
    m_target->setObjectName(QStringLiteral("target"));
    m_target->setPlaceholderText(tr("https://api.example.com"));
    m_target->setClearButtonEnabled(true);
    m_target->setToolTip(tr("The app's own server: every request and frame goes there "
                            "unchanged"));
    m_parser = new QComboBox(central);
    m_parser->setObjectName(QStringLiteral("parser"));
    m_parser->addItem(tr("auto"), static_cast<int>(SocketIoParser::Kind::Auto));
    m_parser->addItem(tr("default"), static_cast<int>(SocketIoParser::Kind::Default));
    m_parser->addItem(tr("msgpack"), static_cast<int>(SocketIoParser::Kind::Msgpack));
    m_parser->setToolTip(tr("How the sessions' packets are read. Auto: a session whose first "
                            "message is binary speaks msgpack"));
    m_strict = new QCheckBox(tr("Strict"), central);
    m_strict->setObjectName(QStringLiteral("strict"));
    m_strict->setToolTip(tr("Close both connections when the app or the server breaks a rule. "
                            "Without it the violation is recorded and forwarded, so both sides "
                            "behave as they would without the proxy"));
    m_startStop = new QPushButton(central);
    m_startStop->setObjectName(QStringLiteral("startStop"));
    m_startStop->setDefault(true);
    settingsRow->addWidget(new QLabel(tr("Listen:"), central));
    settingsRow->addWidget(m_host);
    settingsRow->addWidget(m_port);
    settingsRow->addSpacing(12);
    settingsRow->addWidget(new QLabel(tr("Target:"), central));
    settingsRow->addWidget(m_target, 1);
    settingsRow->addWidget(new QLabel(tr("Parser:"), central));
    settingsRow->addWidget(m_parser);
    settingsRow->addWidget(m_strict);
    settingsRow->addSpacing(12);
    settingsRow->addWidget(m_startStop);
    layout->addLayout(settingsRow);

    // Sessions on the left; the timeline and its detail in the middle; what happened below.
    m_sessions = new QTreeWidget(central);
    m_sessions->setObjectName(QStringLiteral("sessions"));
    m_sessions->setHeaderLabels({tr("App session"), tr("State")});
    m_sessions->setRootIsDecorated(false);
    m_sessions->setUniformRowHeights(true);
    m_sessions->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    auto *allSessions = new QTreeWidgetItem(m_sessions, {tr("All sessions")});
    allSessions->setData(SidColumn, SessionRole, QString());
    m_sessions->setCurrentItem(allSessions);

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
    m_activity->setPlaceholderText(
        tr("Point the app at the listening address instead of its server; its sessions show "
           "here as they open."));

    auto *timelineColumn = new QWidget(central);
    auto *timelineLayout = new QVBoxLayout(timelineColumn);
    timelineLayout->setContentsMargins(0, 0, 0, 0);
    timelineLayout->addWidget(m_timeline->filterBar());
    timelineLayout->addWidget(m_timeline, 1);

    auto *middle = new QSplitter(Qt::Horizontal, central);
    middle->addWidget(m_sessions);
    middle->addWidget(timelineColumn);
    middle->addWidget(m_detail);
    middle->setStretchFactor(1, 1);
    middle->setSizes({300, 760, 380});
    // Below: the composer (an event into the selected session, toward the app), the acks of all
    // sessions, and what happened.
    m_composer = new Composer(central);
    m_composer->setNamespaces({QStringLiteral("/")});
    m_composer->setSendLabel(tr("Inject"));
    m_composer->sendButton()->setToolTip(
        tr("Send this event to the app of the selected session, as if its server had sent it. "
           "Its ack, if asked, is answered by the app and kept from the server"));
    m_ackPanel = new AckPanel(central);
    m_ackPanel->setLog(&m_log);
    m_ackPanel->setLive(true);
    m_bottomTabs = new QTabWidget(central);
    m_bottomTabs->setObjectName(QStringLiteral("bottomTabs"));
    m_bottomTabs->setDocumentMode(true);
    m_bottomTabs->addTab(m_activity, tr("Activity"));
    m_bottomTabs->addTab(m_composer, tr("Inject"));
    m_bottomTabs->addTab(m_ackPanel, tr("Acks"));

    auto *vertical = new QSplitter(Qt::Vertical, central);
    vertical->addWidget(middle);
    vertical->addWidget(m_bottomTabs);
    vertical->setStretchFactor(0, 1);
    vertical->setSizes({560, 240});
    layout->addWidget(vertical, 1);
    setCentralWidget(central);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("proxyStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusBar()->addPermanentWidget(m_status, 1);

    connect(m_startStop, &QPushButton::clicked, this, [this] {
        if (isRunning())
            stopProxy();
        else
            startProxy();
    });
    connect(m_target, &QLineEdit::returnPressed, this, &ProxyWindow::startProxy);
    connect(m_sessions, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        sessionSelected(item ? item->data(SidColumn, SessionRole).toString() : QString());
    });
    connect(m_composer, &Composer::sendRequested, this, &ProxyWindow::inject);
    connect(m_ackPanel, &AckPanel::exchangeActivated, this,
            [this](qint64 eventRow) { m_timeline->selectLogRow(eventRow); });
    connect(m_timeline, &TimelinePane::currentLogRowChanged, m_detail, &PacketDetail::showRow);
    connect(m_detail, &PacketDetail::partnerRequested, this,
            [this](qint64 row) { m_timeline->selectLogRow(row); });
    resize(1440, 860);
}

void ProxyWindow::setListenHost(const QString &host)
{
    m_host->setText(host);
}

void ProxyWindow::setListenPort(quint16 port)
{
    m_port->setValue(port);
}

void ProxyWindow::setTarget(const QString &url)
{
    m_target->setText(url);
}

void ProxyWindow::setStrict(bool strict)
{
    m_strict->setChecked(strict);
}

QString ProxyWindow::listenUrl() const
{
    return m_proxy ? m_proxy->listenUrl() : QString();
}

bool ProxyWindow::startProxy()
{
    stopProxy();
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
    QUrl target;
    QString error;
    if (!EngineIoOptions::parseServerUrl(m_target->text().trimmed(), &target, &error)) {
        m_banner->showMessage(
            tr("<b>The target is not a server URL:</b> %1").arg(error.toHtmlEscaped()),
            InfoBanner::Kind::Error);
        m_target->setFocus();
        return false;
    }
    ProxyOptions options;
    options.target = target;
    if (target.path().size() > 1)
        options.path = target.path().endsWith(QLatin1Char('/')) ? target.path()
                                                                : target.path() + QLatin1Char('/');
    options.parser = static_cast<SocketIoParser::Kind>(m_parser->currentData().toInt());
    options.strict = m_strict->isChecked();

    auto *proxy = new ProxyServer(this);
    proxy->setOptions(options);
    connect(proxy, &ProxyServer::packetRecorded, this, [this](const PacketRecord &record) {
        m_log.append(record);
        // The namespaces a session joined: the ones the composer offers for it.
        if (record.layer == PacketRecord::Layer::SocketIo &&
            record.type == SocketIoPacket::Connect &&
            record.direction == PacketRecord::Direction::In) {
            QStringList &names = m_sessionNamespaces[record.session];
            if (!names.contains(record.nsp)) {
                names.append(record.nsp);
                if (record.session == selectedSession())
                    m_composer->setNamespaces(names);
            }
        }
    });
    connect(proxy, &ProxyServer::sessionOpened, this, &ProxyWindow::sessionOpened);
    connect(proxy, &ProxyServer::sessionClosed, this, &ProxyWindow::sessionClosed);
    if (!proxy->listen(address, quint16(m_port->value()))) {
        const ProxyStartError startError = proxy->error();
        m_banner->showMessage(startError.kind == ProxyStartError::Kind::Listen
                                  ? tr("<b>The proxy could not start</b> on %1 port %2: %3")
                                        .arg(address.toString().toHtmlEscaped())
                                        .arg(m_port->value())
                                        .arg(startError.message.toHtmlEscaped())
                                  : tr("<b>The proxy could not start:</b> %1")
                                        .arg(startError.message.toHtmlEscaped()),
                              InfoBanner::Kind::Error);
        delete proxy;
        updateControls();
        updateStatus();
        return false;
    }
    m_proxy = proxy;
    note(tr("Listening on %1, forwarding to %2")
             .arg(m_proxy->listenUrl(), options.target.toString(QUrl::RemoveUserInfo)));
    if (!address.isLoopback())
        m_banner->showMessage(tr("The proxy listens on <b>%1</b>: other machines on the network "
                                 "can connect through it.")
                                  .arg(address.toString().toHtmlEscaped()),
                              InfoBanner::Kind::Note);
    saveSettings();
    updateControls();
    updateStatus();
    Q_EMIT runningChanged(true);
    return true;
}

void ProxyWindow::stopProxy()
{
    if (!m_proxy)
        return;
    ProxyServer *proxy = m_proxy;
    m_proxy = nullptr;
    // Closing records each session's end; then the window stops listening to the proxy.
    proxy->close();
    proxy->disconnect(this);
    proxy->deleteLater();
    m_openSessions = 0;
    note(tr("Stopped"));
    updateControls();
    updateStatus();
    Q_EMIT runningChanged(false);
}

QTreeWidgetItem *ProxyWindow::sessionItem(const QString &sid)
{
    for (int i = 1; i < m_sessions->topLevelItemCount(); ++i) {
        QTreeWidgetItem *item = m_sessions->topLevelItem(i);
        if (item->data(SidColumn, SessionRole).toString() == sid)
            return item;
    }
    return nullptr;
}

void ProxyWindow::sessionOpened(const QString &sid)
{
    ++m_openSessions;
    QTreeWidgetItem *item = sessionItem(sid);
    if (!item) {
        item = new QTreeWidgetItem(m_sessions, {sid});
        item->setData(SidColumn, SessionRole, sid);
        item->setToolTip(SidColumn,
                         tr("Engine.IO session %1: select it to see only its packets").arg(sid));
    }
    item->setText(StateColumn, tr("open"));
    for (int column = 0; column < item->columnCount(); ++column)
        item->setForeground(column, palette().brush(QPalette::Text));
    note(tr("Session %1 opened").arg(sid));
    updateStatus();
}

void ProxyWindow::sessionClosed(const QString &sid)
{
    m_openSessions = std::max(0, m_openSessions - 1);
    if (QTreeWidgetItem *item = sessionItem(sid)) {
        item->setText(StateColumn, tr("closed"));
        for (int column = 0; column < item->columnCount(); ++column)
            item->setForeground(column, palette().brush(QPalette::PlaceholderText));
    }
    note(tr("Session %1 closed").arg(sid));
    updateStatus();
}

QString ProxyWindow::selectedSession() const
{
    const QTreeWidgetItem *item = m_sessions->currentItem();
    return item ? item->data(SidColumn, SessionRole).toString() : QString();
}

void ProxyWindow::selectSession(const QString &sid)
{
    if (sid.isEmpty())
        m_sessions->setCurrentItem(m_sessions->topLevelItem(0));
    else if (QTreeWidgetItem *item = sessionItem(sid))
        m_sessions->setCurrentItem(item);
}

void ProxyWindow::sessionSelected(const QString &sid)
{
    m_timeline->setSessionFilter(sid);
    const QStringList names = m_sessionNamespaces.value(sid);
    m_composer->setNamespaces(names.isEmpty() ? QStringList{QStringLiteral("/")} : names);
}

void ProxyWindow::inject(const OutgoingMessage &message)
{
    const QString sid = selectedSession();
    if (!m_proxy) {
        m_composer->reportSendFailed(tr("the proxy is not running"));
        return;
    }
    if (sid.isEmpty()) {
        m_composer->reportSendFailed(
            tr("select an app session on the left: the event goes to that app"));
        return;
    }
    const bool ack = message.ackTimeoutMs >= 0;
    const ProxyServer::InjectResult result = m_proxy->injectEvent(
        sid, message.nsp, QJsonDocument(message.data).toJson(QJsonDocument::Compact),
        message.attachments, ack);
    if (!result.ok) {
        m_composer->reportSendFailed(result.error);
        return;
    }
    const qint64 ackId = result.ackId;
    m_composer->reportSent(message, ackId);
    note(tr("Injected %1 into session %2%3")
             .arg(message.eventName, sid, ack ? tr(", asking for ack #%1").arg(ackId) : QString()));
}

void ProxyWindow::updateControls()
{
    m_host->setEnabled(!isRunning());
    m_port->setEnabled(!isRunning());
    m_target->setEnabled(!isRunning());
    m_parser->setEnabled(!isRunning());
    m_strict->setEnabled(!isRunning());
    m_startStop->setText(isRunning() ? tr("Stop") : tr("Start"));
}

void ProxyWindow::updateStatus()
{
    if (!m_proxy) {
        m_status->setText(tr("Stopped · %1 records").arg(QLocale().toString(m_log.size())));
        return;
    }
    m_status->setText(
        tr("Listening on %1 → %2 · %3 · %4 · %5 records")
            .arg(m_proxy->listenUrl(), m_proxy->options().target.toString(QUrl::RemoveUserInfo))
            .arg(tr("%n connection(s)", nullptr, m_proxy->connectionCount()))
            .arg(tr("%n session(s) open", nullptr, m_openSessions))
            .arg(QLocale().toString(m_log.size())));
}

void ProxyWindow::note(const QString &line)
{
    m_activity->appendPlainText(
        QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss.zzz  ")) + line);
}

void ProxyWindow::showExportDialog()
{
    if (const QString written = ExportDialog::run(this, m_log, m_timeline, {}); !written.isEmpty())
        statusBar()->showMessage(tr("Exported to %1").arg(written), StatusMessageMs);
}

void ProxyWindow::clearLog()
{
    m_log.clear();
    m_timeline->reload();
    m_detail->showRow(-1);
    updateStatus();
}

void ProxyWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(HostKey, m_host->text().trimmed());
    settings.setValue(PortKey, m_port->value());
    settings.setValue(TargetKey, m_target->text().trimmed());
    settings.setValue(StrictKey, m_strict->isChecked());
}

void ProxyWindow::closeEvent(QCloseEvent *event)
{
    stopProxy();
    event->accept();
}
