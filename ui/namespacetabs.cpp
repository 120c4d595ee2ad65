#include "namespacetabs.h"

#include "jsoneditor.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QTabBar>
#include <QToolButton>

namespace {
constexpr int NamespaceRole = Qt::UserRole; // tab data: the namespace name ("" for All)
constexpr int MaxMessageChars = 40;

QColor stateColor(SocketIoNamespace::State state)
{
    switch (state) {
    case SocketIoNamespace::State::Connected:
        return QColor(0x2e, 0xa0, 0x43);
    case SocketIoNamespace::State::Connecting:
        return QColor(0xe6, 0xa2, 0x17);
    case SocketIoNamespace::State::Refused:
        return QColor(0xd0, 0x3b, 0x2f);
    case SocketIoNamespace::State::DisconnectedByServer:
        return QColor(0x8e, 0x44, 0xad);
    case SocketIoNamespace::State::Disconnected:
        break;
    }
    return QColor(0x95, 0x9d, 0xa5);
}

// A dot in the state's colour; hollow while nothing is connected.
QIcon stateIcon(SocketIoNamespace::State state)
{
    QPixmap pixmap(24, 24);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    const QColor color = stateColor(state);
    if (state == SocketIoNamespace::State::Disconnected) {
        painter.setPen(QPen(color, 3));
        painter.setBrush(Qt::NoBrush);
    } else {
        painter.setPen(Qt::NoPen);
        painter.setBrush(color);
    }
    painter.drawEllipse(QRectF(4.5, 4.5, 15, 15));
    return QIcon(pixmap);
}
} // namespace

NamespaceTabs::NamespaceTabs(QWidget *parent)
    : QWidget(parent)
    , m_tabs(new QTabBar(this))
    , m_join(new QToolButton(this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_tabs->setDocumentMode(true);
    m_tabs->setExpanding(false);
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(false);
    m_tabs->setElideMode(Qt::ElideRight);
    m_tabs->setUsesScrollButtons(true);
    m_tabs->setDrawBase(false);
    const int all = m_tabs->addTab(tr("All"));
    m_tabs->setTabData(all, QString());
    m_tabs->setTabToolTip(all, tr("Every namespace, and the Engine.IO layer"));
    m_tabs->setTabButton(all, QTabBar::RightSide, nullptr);
    m_tabs->setTabButton(all, QTabBar::LeftSide, nullptr);
    m_join->setText(QStringLiteral("+"));
    m_join->setAutoRaise(true);
    m_join->setToolTip(tr("Join a namespace"));
    layout->addWidget(m_tabs);
    layout->addWidget(m_join);
    layout->addStretch();

    connect(m_tabs, &QTabBar::currentChanged, this, [this](int index) {
        Q_EMIT currentNamespaceChanged(m_tabs->tabData(index).toString());
    });
    connect(m_tabs, &QTabBar::tabCloseRequested, this, &NamespaceTabs::closeTab);
    connect(m_join, &QToolButton::clicked, this, &NamespaceTabs::askToJoin);
}

void NamespaceTabs::watch(SocketIoNamespace *ns)
{
    const QString name = ns->name();
    if (tabIndex(name) < 0) {
        const int index = m_tabs->addTab(name);
        m_tabs->setTabData(index, name);
    }
    disconnect(m_watches.value(name));
    m_watches.insert(
        name, connect(ns, &SocketIoNamespace::stateChanged, this, [this, ns] { update(ns); }));
    update(ns);
}

void NamespaceTabs::clearNamespaces()
{
    for (const QMetaObject::Connection &watch : std::as_const(m_watches))
        disconnect(watch);
    m_watches.clear();
    while (m_tabs->count() > 1)
        m_tabs->removeTab(m_tabs->count() - 1);
}

void NamespaceTabs::update(SocketIoNamespace *ns)
{
    const int index = tabIndex(ns->name());
    if (index < 0)
        return;
    const SocketIoNamespace::State state = ns->state();
    QString text = ns->name();
    QString tip = tr("%1: %2").arg(ns->name(), stateText(state));
    if (state == SocketIoNamespace::State::Refused) {
        const QString message = ns->refusalMessage();
        text += QStringLiteral(": ") + (message.size() > MaxMessageChars
                                            ? message.left(MaxMessageChars) + QStringLiteral("…")
                                            : message);
        tip = tr("%1 refused by the server: %2").arg(ns->name(), message);
        if (!ns->refusalData().isUndefined() && !ns->refusalData().isNull())
            tip +=
                QStringLiteral("\n") + tr("data: %1").arg(ns->refusalData().toVariant().toString());
    } else if (state == SocketIoNamespace::State::DisconnectedByServer) {
        text += QStringLiteral(" ") + tr("(disconnected by server)");
    } else if (state == SocketIoNamespace::State::Connected && ns->wasRecovered()) {
        tip += QStringLiteral(" ") + tr("(session recovered)");
    }
    m_tabs->setTabText(index, text);
    m_tabs->setTabToolTip(index, tip);
    m_tabs->setTabIcon(index, stateIcon(state));
}

void NamespaceTabs::closeTab(int index)
{
    const QString name = m_tabs->tabData(index).toString();
    if (name.isEmpty())
        return; // "All" stays
    disconnect(m_watches.take(name));
    m_tabs->removeTab(index);
    Q_EMIT leaveRequested(name);
}

void NamespaceTabs::askToJoin()
{
    JoinNamespaceDialog dialog(this);
    if (dialog.exec() == QDialog::Accepted)
        Q_EMIT joinRequested(dialog.namespaceName(), dialog.auth());
}

QString NamespaceTabs::currentNamespace() const
{
    return m_tabs->tabData(m_tabs->currentIndex()).toString();
}

void NamespaceTabs::setCurrentNamespace(const QString &name)
{
    const int index = name.isEmpty() ? 0 : tabIndex(name);
    if (index >= 0)
        m_tabs->setCurrentIndex(index);
}

QStringList NamespaceTabs::namespaceNames() const
{
    QStringList names;
    for (int i = 1; i < m_tabs->count(); ++i)
        names.append(m_tabs->tabData(i).toString());
    return names;
}

int NamespaceTabs::tabIndex(const QString &name) const
{
    for (int i = 1; i < m_tabs->count(); ++i)
        if (m_tabs->tabData(i).toString() == name)
            return i;
    return -1;
}

QString NamespaceTabs::tabText(const QString &name) const
{
    const int index = tabIndex(name);
    return index < 0 ? QString() : m_tabs->tabText(index);
}

QString NamespaceTabs::tabToolTip(const QString &name) const
{
    const int index = tabIndex(name);
    return index < 0 ? QString() : m_tabs->tabToolTip(index);
}

void NamespaceTabs::setReadOnly(bool readOnly)
{
    m_join->setVisible(!readOnly);
    m_tabs->setTabsClosable(!readOnly);
}

void NamespaceTabs::addRecordedNamespace(const QString &name)
{
    if (tabIndex(name) >= 0)
        return;
    const int index = m_tabs->addTab(name);
    m_tabs->setTabData(index, name);
    m_tabs->setTabToolTip(index, tr("%1: recorded in this log").arg(name));
}

QString NamespaceTabs::stateText(SocketIoNamespace::State state)
{
    switch (state) {
    case SocketIoNamespace::State::Connecting:
        return tr("connecting");
    case SocketIoNamespace::State::Connected:
        return tr("connected");
    case SocketIoNamespace::State::Refused:
        return tr("refused");
    case SocketIoNamespace::State::DisconnectedByServer:
        return tr("disconnected by server");
    case SocketIoNamespace::State::Disconnected:
        break;
    }
    return tr("disconnected");
}

JoinNamespaceDialog::JoinNamespaceDialog(QWidget *parent)
    : QDialog(parent)
    , m_name(new QLineEdit(QStringLiteral("/"), this))
    , m_auth(new JsonEditor(JsonEditor::Expect::Object, this))
{
    setWindowTitle(tr("Join Namespace"));
    auto *form = new QFormLayout(this);
    m_name->setPlaceholderText(QStringLiteral("/chat"));
    form->addRow(tr("&Namespace:"), m_name);
    m_auth->setPlaceholderText(tr("optional, e.g. {\"token\": \"…\"}"));
    m_auth->setVisibleLines(4);
    form->addRow(tr("&Auth:"), m_auth);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(tr("Join"));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_name, &QLineEdit::textChanged, this, &JoinNamespaceDialog::updateAcceptable);
    connect(m_auth, &JsonEditor::validityChanged, this, &JoinNamespaceDialog::updateAcceptable);
    m_name->selectAll();
    resize(420, 240);
    updateAcceptable();
}

QString JoinNamespaceDialog::namespaceName() const
{
    QString name = m_name->text().trimmed();
    if (!name.startsWith(QLatin1Char('/')))
        name.prepend(QLatin1Char('/'));
    return name;
}

QJsonObject JoinNamespaceDialog::auth() const
{
    return m_auth->value().toObject();
}

void JoinNamespaceDialog::updateAcceptable()
{
    m_ok->setEnabled(!m_name->text().trimmed().isEmpty() && m_auth->isValid());
}
