#include "timelinepane.h"
#include "hexview.h"

#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"
#include "timelinemodel.h"
#include "tones.h"

#include <QAbstractTableModel>
#include <QClipboard>
#include <QComboBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QLineEdit>
#include <QMenu>
#include <QScrollBar>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace {
// Tints the ack partner of the current row (event <-> ack), as the wireframe asks.
class PartnerHighlightDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    qint64 partnerRow = -1;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (partnerRow >= 0 && index.data(TimelineModel::LogRowRole).toLongLong() == partnerRow) {
            QColor highlight = option->palette.color(QPalette::Highlight);
            highlight.setAlpha(70);
            option->backgroundBrush = highlight;
        }
    }
};

using TypeKey = TimelineFilter::TypeKey;
using Layer = PacketRecord::Layer;
} // namespace

class TimelinePane::Impl
{
public:
    TimelineModel *model = nullptr;
    PartnerHighlightDelegate *delegate = nullptr;
};

TimelinePane::TimelinePane(QWidget *parent)
    : QWidget(parent)
    , d(new Impl)
    , m_filterBar(new QWidget(this))
    , m_filterText(new QLineEdit(m_filterBar))
    , m_typeButton(new QToolButton(m_filterBar))
    , m_direction(new QComboBox(m_filterBar))
    , m_control(new QToolButton(m_filterBar))
    , m_view(new QTableView(this))
{
    d->model = new TimelineModel(this);
    d->delegate = new PartnerHighlightDelegate(m_view);

    auto *filterLayout = new QHBoxLayout(m_filterBar);
    filterLayout->setContentsMargins(0, 0, 0, 0);
    filterLayout->setSpacing(4);
    m_filterText->setPlaceholderText(tr("Filter (Ctrl+F)"));
    m_filterText->setClearButtonEnabled(true);
    m_filterText->setMinimumWidth(220);
    m_typeButton->setText(tr("Types"));
    m_typeButton->setPopupMode(QToolButton::InstantPopup);
    m_typeButton->setToolTip(tr("Show only some packet types"));
    auto *typeMenu = new QMenu(m_typeButton);
    const auto addType = [this, typeMenu](const QString &text, int layer, int type) {
        QAction *action = typeMenu->addAction(text);
        action->setCheckable(true);
        action->setChecked(true);
        action->setData(QPoint(layer, type)); // type -1: every type of the layer
        connect(action, &QAction::toggled, this, &TimelinePane::applyFilter);
    };
    for (int type = SocketIoPacket::Connect; type <= SocketIoPacket::BinaryAck; ++type)
        addType(SocketIoPacket::typeName(SocketIoPacket::Type(type)), int(Layer::SocketIo), type);
    typeMenu->addSeparator();
    addType(tr("Engine.IO packets"), int(Layer::EngineIo), -1);
    addType(tr("Connection notes"), int(Layer::Connection), -1);
    m_typeButton->setMenu(typeMenu);
    m_direction->addItem(QStringLiteral("⇅"), 0);
    m_direction->addItem(tr("← in"), 1);
    m_direction->addItem(tr("→ out"), 2);
    m_direction->setToolTip(tr("Direction"));
    m_control->setText(QStringLiteral("♥"));
    m_control->setCheckable(true);
    m_control->setToolTip(tr("Show control packets (PING/PONG, upgrade, lifecycle notes)"));
    filterLayout->addWidget(m_filterText);
    filterLayout->addWidget(m_typeButton);
    filterLayout->addWidget(m_direction);
    filterLayout->addWidget(m_control);
    connect(m_filterText, &QLineEdit::textChanged, this, &TimelinePane::applyFilter);
    connect(m_direction, &QComboBox::currentIndexChanged, this, &TimelinePane::applyFilter);
    connect(m_control, &QToolButton::toggled, this, &TimelinePane::applyFilter);

    m_view->setModel(d->model);
    m_view->setItemDelegate(d->delegate);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setHighlightSections(false);
    m_view->setWordWrap(false);
    m_view->setShowGrid(false);
    m_view->setAlternatingRowColors(true);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    const int charWidth = m_view->fontMetrics().horizontalAdvance(QLatin1Char('0'));
    const std::pair<int, int> widths[] = {
        {TimelineModel::TimeColumn, 13},  {TimelineModel::DirectionColumn, 2},
        {TimelineModel::TypeColumn, 15},  {TimelineModel::NamespaceColumn, 9},
        {TimelineModel::EventColumn, 14}, {TimelineModel::AckColumn, 10},
        {TimelineModel::SizeColumn, 8}};
    for (const auto &[column, chars] : widths)
        m_view->setColumnWidth(column, chars * charWidth + 16);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);

    connect(m_view, &QTableView::customContextMenuRequested, this, &TimelinePane::showContextMenu);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                Q_EMIT currentLogRowChanged(current.isValid() ? d->model->logRow(current.row())
                                                              : -1);
            });
    // Follow the tail while the user is at the bottom; stay put once they scroll up.
    connect(d->model, &TimelineModel::rowsAppended, this, [this] {
        if (m_autoScroll)
            m_view->scrollToBottom();
    });
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this,
            [this](int value) { m_autoScroll = value >= m_view->verticalScrollBar()->maximum(); });
}

TimelinePane::~TimelinePane()
{
    delete d;
}

void TimelinePane::setLog(SessionLog *log)
{
    m_log = log;
    d->model->setLog(log);
}

void TimelinePane::setLive(bool live)
{
    // An imported log has no "now": pending acks show no age there.
    d->model->setClock(live ? std::function<qint64()>(&PacketRecord::nowUs)
                            : std::function<qint64()>());
}

void TimelinePane::setNamespaceFilter(const QString &nsp)
{
    m_nsp = nsp;
    applyFilter();
}

void TimelinePane::setSessionFilter(const QString &session)
{
    m_session = session;
    applyFilter();
}

void TimelinePane::setShowControlPackets(bool show)
{
    m_control->setChecked(show);
}

void TimelinePane::setRelativeTime(bool relative)
{
    d->model->setTimeFormat(relative ? TimelineModel::TimeFormat::Relative
                                     : TimelineModel::TimeFormat::Absolute);
}

void TimelinePane::applyFilter()
{
    TimelineFilter filter;
    filter.setText(m_filterText->text());
    filter.setNamespace(m_nsp);
    filter.setSession(m_session);
    filter.setShowControlPackets(m_control->isChecked());
    filter.setDirection(TimelineFilter::DirectionFilter(m_direction->currentData().toInt()));
    std::vector<TypeKey> types;
    bool everyType = true;
    const QList<QAction *> actions = m_typeButton->menu()->actions();
    for (QAction *action : actions) {
        if (action->isSeparator())
            continue;
        everyType = everyType && action->isChecked();
        if (!action->isChecked())
            continue;
        const auto layer = Layer(action->data().toPoint().x());
        const int type = action->data().toPoint().y();
        const int last = layer == Layer::EngineIo     ? int(EngineIoPacket::Noop)
                         : layer == Layer::Connection ? int(PacketRecord::Recovered)
                                                      : type;
        for (int t = type < 0 ? 0 : type; t <= last; ++t)
            types.push_back({layer, quint8(t)});
    }
    if (everyType)
        filter.clearTypes();
    else if (types.empty())
        filter.setTypes({{Layer::SocketIo, 15}}); // nothing ticked: a type no packet has
    else
        filter.setTypes(types);
    m_typeButton->setText(everyType ? tr("Types") : tr("Types (%1)").arg(types.size()));
    d->model->setFilter(filter);
    // An active filter is visible at a glance.
    m_filterText->setStyleSheet(m_filterText->text().isEmpty()
                                    ? QString()
                                    : lineEditStyleSheet(Tone::Highlight, palette()));
}

void TimelinePane::setPaused(bool paused)
{
    if (paused)
        d->model->pause();
    else
        d->model->resume();
}

bool TimelinePane::isPaused() const
{
    return d->model->isPaused();
}

void TimelinePane::flush()
{
    d->model->flush();
}

void TimelinePane::reload()
{
    d->model->reload();
}

qint64 TimelinePane::currentLogRow() const
{
    const QModelIndex current = m_view->currentIndex();
    return current.isValid() ? d->model->logRow(current.row()) : -1;
}

bool TimelinePane::selectLogRow(qint64 row)
{
    flush();
    const int modelRow = d->model->modelRow(row);
    if (modelRow < 0)
        return false;
    m_view->setCurrentIndex(d->model->index(modelRow, 0));
    m_view->scrollTo(d->model->index(modelRow, 0), QAbstractItemView::PositionAtCenter);
    return true;
}

std::vector<qint64> TimelinePane::selectedLogRows() const
{
    std::vector<qint64> rows;
    const QModelIndexList selected = m_view->selectionModel()->selectedRows();
    rows.reserve(size_t(selected.size()));
    for (const QModelIndex &index : selected)
        rows.push_back(d->model->logRow(index.row()));
    std::sort(rows.begin(), rows.end());
    return rows;
}

bool TimelinePane::selectLogRows(const std::vector<qint64> &rows)
{
    flush();
    QItemSelection selection;
    int first = -1;
    for (const qint64 row : rows) {
        const int modelRow = d->model->modelRow(row);
        if (modelRow < 0)
            continue;
        if (first < 0)
            first = modelRow;
        selection.select(d->model->index(modelRow, 0),
                         d->model->index(modelRow, d->model->columnCount() - 1));
    }
    if (first < 0)
        return false;
    m_view->selectionModel()->setCurrentIndex(d->model->index(first, 0),
                                              QItemSelectionModel::NoUpdate);
    m_view->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    m_view->scrollTo(d->model->index(first, 0), QAbstractItemView::PositionAtCenter);
    return true;
}

std::vector<qint64> TimelinePane::visibleLogRows() const
{
    std::vector<qint64> rows;
    rows.reserve(size_t(d->model->rowCount()));
    for (int row = 0; row < d->model->rowCount(); ++row)
        rows.push_back(d->model->logRow(row));
    return rows;
}

int TimelinePane::rowCount() const
{
    return d->model->rowCount();
}

QAbstractTableModel *TimelinePane::model() const
{
    return d->model;
}

void TimelinePane::showContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_view->indexAt(pos);
    if (!index.isValid() || !m_log)
        return;
    const qint64 row = d->model->logRow(index.row());
    QMenu menu(this);
    const bool askedForAck = m_log->layer(row) == PacketRecord::Layer::SocketIo &&
                             m_log->direction(row) == PacketRecord::Direction::In &&
                             m_log->ackId(row) >= 0 &&
                             (m_log->type(row) == SocketIoPacket::Event ||
                              m_log->type(row) == SocketIoPacket::BinaryEvent);
    if (m_sendActions) {
        QAction *reply = menu.addAction(tr("Reply to Ack"), this,
                                        [this, row] { Q_EMIT replyToAckRequested(row); });
        reply->setEnabled(askedForAck);
    }
    const qint64 partner = m_log->acks().partnerRow(row);
    QAction *gotoPartner =
        menu.addAction(tr("Go to Ack Partner"), this, [this, partner] { selectLogRow(partner); });
    gotoPartner->setEnabled(partner >= 0);
    menu.addSeparator();
    if (m_sendActions) {
        const bool isEvent = m_log->layer(row) == PacketRecord::Layer::SocketIo &&
                             m_log->hasError(row) == false &&
                             (m_log->type(row) == SocketIoPacket::Event ||
                              m_log->type(row) == SocketIoPacket::BinaryEvent);
        menu.addAction(tr("Edit in Composer"), this,
                       [this, row] { Q_EMIT editInComposerRequested(row); })
            ->setEnabled(isEvent);
        menu.addAction(tr("Resend"), this, [this, row] { Q_EMIT resendRequested(row); })
            ->setEnabled(isEvent);
        menu.addSeparator();
    }
    const QByteArray payload = m_log->payload(row).toByteArray();
    menu.addAction(tr("Copy as JSON"), this,
                   [payload] {
                       // Indented when it is an object or an array; a scalar payload goes as it is.
                       const QJsonDocument document = QJsonDocument::fromJson(payload);
                       QGuiApplication::clipboard()->setText(
                           QString::fromUtf8(document.isNull() ? payload : document.toJson()));
                   })
        ->setEnabled(!payload.isEmpty());
    const QByteArray raw = m_log->raw(row).toByteArray();
    // A msgpack frame is binary: it is copied as hex ("83 a4 74 ...").
    const bool binary = m_log->parser(row) == SocketIoParser::Kind::Msgpack;
    menu.addAction(binary ? tr("Copy Raw as Hex") : tr("Copy Raw"), this,
                   [raw, binary] {
                       QGuiApplication::clipboard()->setText(binary ? HexView::hexText(raw)
                                                                    : QString::fromUtf8(raw));
                   })
        ->setEnabled(!raw.isEmpty());
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}
