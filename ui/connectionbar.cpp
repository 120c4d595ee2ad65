#include "connectionbar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QToolButton>

namespace {
// The URLs used without a profile; each profile's own list is in ProfileHistoryKey (a map from
// the profile's name, which may hold any character, so it is not part of a key).
const QString HistoryKey = QStringLiteral("connection/urlHistory");
const QString ProfileHistoryKey = QStringLiteral("connection/urlHistoryByProfile");
} // namespace

ConnectionBar::ConnectionBar(QWidget *parent)
    : QWidget(parent)
    , m_profile(new QComboBox(this))
    , m_profileMenu(new QToolButton(this))
    , m_url(new QComboBox(this))
    , m_version(new QComboBox(this))
    , m_transport(new QComboBox(this))
    , m_options(new QPushButton(tr("Options…"), this))
    , m_connect(new QPushButton(tr("Connect"), this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 2, 4, 2);
    layout->setSpacing(4);

    m_profile->setToolTip(tr("Connection profile"));
    m_profile->setMinimumContentsLength(10);
    m_profile->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_profileMenu->setText(QStringLiteral("☰"));
    m_profileMenu->setToolTip(tr("Save, rename or delete profiles"));
    m_profileMenu->setPopupMode(QToolButton::InstantPopup);
    auto *menu = new QMenu(m_profileMenu);
    menu->addAction(tr("&Save Profile As…"), this, &ConnectionBar::saveProfileRequested);
    QAction *rename =
        menu->addAction(tr("&Rename Profile…"), this, &ConnectionBar::renameProfileRequested);
    QAction *remove =
        menu->addAction(tr("&Delete Profile"), this, &ConnectionBar::deleteProfileRequested);
    menu->addSeparator();
    QAction *clearHistory =
        menu->addAction(tr("&Clear URL History"), this, &ConnectionBar::clearUrlHistory);
    clearHistory->setObjectName(QStringLiteral("clearUrlHistory"));
    clearHistory->setToolTip(tr("Forget the URLs used with this profile (or without one)"));
    connect(menu, &QMenu::aboutToShow, this, [this, rename, remove] {
        rename->setEnabled(!currentProfile().isEmpty());
        remove->setEnabled(!currentProfile().isEmpty());
    });
    m_profileMenu->setMenu(menu);

    m_url->setEditable(true);
    m_url->setInsertPolicy(QComboBox::NoInsert);
    m_url->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_url->setMinimumContentsLength(30);
    m_url->lineEdit()->setPlaceholderText(QStringLiteral("http://localhost:3000"));
    m_url->lineEdit()->setClearButtonEnabled(true);
    m_url->setToolTip(tr("Server URL: http, https, ws or wss (Ctrl+L)"));
    m_url->addItems(urlHistory());
    m_url->setCurrentIndex(-1);

    m_version->addItem(tr("auto"), int(EngineIoOptions::Version::Auto));
    m_version->addItem(QStringLiteral("v4"), int(EngineIoOptions::Version::V4));
    m_version->addItem(QStringLiteral("v3"), int(EngineIoOptions::Version::V3));
    m_version->setToolTip(tr("Engine.IO version: v4 for socket.io 3/4 servers, v3 for socket.io "
                             "2; auto tries v4 then v3"));
    m_transport->addItem(tr("auto"), int(EngineIoOptions::Transports::Auto));
    m_transport->addItem(QStringLiteral("websocket"),
                         int(EngineIoOptions::Transports::WebSocketOnly));
    m_transport->addItem(QStringLiteral("polling"), int(EngineIoOptions::Transports::PollingOnly));
    m_transport->setToolTip(tr("Transport: auto starts with polling and upgrades to WebSocket"));

    m_connect->setDefault(true);
    m_connect->setMinimumWidth(m_connect->fontMetrics().horizontalAdvance(tr("Disconnect")) + 24);

    layout->addWidget(m_profile);
    layout->addWidget(m_profileMenu);
    layout->addWidget(m_url, 1);
    layout->addWidget(m_version);
    layout->addWidget(m_transport);
    layout->addWidget(m_options);
    layout->addWidget(m_connect);

    connect(m_profile, &QComboBox::activated, this, [this](int index) {
        showUrlHistory(); // each profile has its own
        Q_EMIT profileChosen(index <= 0 ? QString() : m_profile->itemText(index));
    });
    connect(m_options, &QPushButton::clicked, this, &ConnectionBar::optionsRequested);
    connect(m_connect, &QPushButton::clicked, this, [this] {
        if (m_state == SocketIoClient::State::Disconnected)
            Q_EMIT connectRequested();
        else
            Q_EMIT disconnectRequested();
    });
    // Enter in the URL field connects.
    connect(m_url->lineEdit(), &QLineEdit::returnPressed, this, [this] {
        if (m_state == SocketIoClient::State::Disconnected)
            Q_EMIT connectRequested();
    });
    setProfileNames({});
}

QString ConnectionBar::urlText() const
{
    return m_url->currentText().trimmed();
}

void ConnectionBar::setUrlText(const QString &url)
{
    m_url->setEditText(url);
}

EngineIoOptions::Version ConnectionBar::version() const
{
    return EngineIoOptions::Version(m_version->currentData().toInt());
}

void ConnectionBar::setVersion(EngineIoOptions::Version version)
{
    m_version->setCurrentIndex(qMax(0, m_version->findData(int(version))));
}

EngineIoOptions::Transports ConnectionBar::transports() const
{
    return EngineIoOptions::Transports(m_transport->currentData().toInt());
}

void ConnectionBar::setTransports(EngineIoOptions::Transports transports)
{
    m_transport->setCurrentIndex(qMax(0, m_transport->findData(int(transports))));
}

QStringList ConnectionBar::urlHistory() const
{
    const QString profile = currentProfile();
    if (profile.isEmpty())
        return QSettings().value(HistoryKey).toStringList();
    return QSettings().value(ProfileHistoryKey).toMap().value(profile).toStringList();
}

void ConnectionBar::storeUrlHistory(const QStringList &history)
{
    QSettings settings;
    const QString profile = currentProfile();
    if (profile.isEmpty()) {
        settings.setValue(HistoryKey, history);
        return;
    }
    QVariantMap byProfile = settings.value(ProfileHistoryKey).toMap();
    if (history.isEmpty())
        byProfile.remove(profile);
    else
        byProfile.insert(profile, history);
    settings.setValue(ProfileHistoryKey, byProfile);
}

void ConnectionBar::rememberUrl(const QString &url)
{
    if (url.isEmpty())
        return;
    QStringList history = urlHistory();
    history.removeAll(url);
    history.prepend(url);
    while (history.size() > MaxUrlHistory)
        history.removeLast();
    storeUrlHistory(history);
    const QSignalBlocker blocker(m_url);
    m_url->clear();
    m_url->addItems(history);
    m_url->setCurrentIndex(0);
}

void ConnectionBar::clearUrlHistory()
{
    storeUrlHistory({});
    showUrlHistory();
}

void ConnectionBar::showUrlHistory()
{
    // The URL being typed or shown stays; only the list under it changes.
    const QString text = urlText();
    const QSignalBlocker blocker(m_url);
    m_url->clear();
    m_url->addItems(urlHistory());
    m_url->setCurrentIndex(-1);
    m_url->setEditText(text);
}

void ConnectionBar::setProfileNames(const QStringList &names)
{
    const QString current = currentProfile();
    const QSignalBlocker blocker(m_profile);
    m_profile->clear();
    m_profile->addItem(tr("(no profile)"));
    m_profile->addItems(names);
    setCurrentProfile(current);
}

void ConnectionBar::setCurrentProfile(const QString &name)
{
    const QString before = currentProfile();
    {
        const QSignalBlocker blocker(m_profile);
        const int index = name.isEmpty() ? 0 : m_profile->findText(name);
        m_profile->setCurrentIndex(qMax(0, index));
    }
    if (currentProfile() != before)
        showUrlHistory(); // each profile has its own
}

QString ConnectionBar::currentProfile() const
{
    return m_profile->currentIndex() <= 0 ? QString() : m_profile->currentText();
}

void ConnectionBar::setConnectionState(SocketIoClient::State state)
{
    m_state = state;
    const bool idle = state == SocketIoClient::State::Disconnected;
    switch (state) {
    case SocketIoClient::State::Disconnected:
        m_connect->setText(tr("Connect"));
        break;
    case SocketIoClient::State::Connecting:
    case SocketIoClient::State::Reconnecting:
        m_connect->setText(tr("Cancel"));
        break;
    case SocketIoClient::State::Connected:
        m_connect->setText(tr("Disconnect"));
        break;
    }
    // The choices apply on connect; changing them mid-session would mislead.
    m_url->setEnabled(idle);
    m_version->setEnabled(idle);
    m_transport->setEnabled(idle);
    m_profile->setEnabled(idle);
}
