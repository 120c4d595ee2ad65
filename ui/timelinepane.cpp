#include "timelinepane.h"

#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QAbstractTableModel>
#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace {
// A stand-in until TimelineModel lands: every log row, no filtering, picked up on a timer.
class PlaceholderTimelineModel : public QAbstractTableModel
{
public:
    enum Column {
        TimeColumn,
        DirectionColumn,
        TypeColumn,
        NamespaceColumn,
        IdColumn,
        SizeColumn,
        PreviewColumn,
        ColumnCount
    };

    explicit PlaceholderTimelineModel(QObject *parent)
        : QAbstractTableModel(parent)
    {
        m_timer.setInterval(100);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] { flush(); });
        m_timer.start();
    }
    void setLog(SessionLog *log)
    {
        beginResetModel();
        m_log = log;
        m_rows = 0;
        endResetModel();
        flush();
    }
    void flush()
    {
        if (m_paused)
            return;
        const int available = m_log ? int(m_log->size()) : 0;
        if (available < m_rows) {
            beginResetModel();
            m_rows = 0;
            endResetModel();
        }
        if (available > m_rows) {
            beginInsertRows({}, m_rows, available - 1);
            m_rows = available;
            endInsertRows();
        }
    }
    void setPaused(bool paused)
    {
        m_paused = paused;
        flush();
    }
    bool isPaused() const { return m_paused; }
    qint64 logRow(int modelRow) const { return modelRow >= 0 && modelRow < m_rows ? modelRow : -1; }
    int modelRow(qint64 logRow) const { return logRow >= 0 && logRow < m_rows ? int(logRow) : -1; }

    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : m_rows;
    }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : ColumnCount;
    }
    QVariant data(const QModelIndex &index, int role) const override
    {
        if (!checkIndex(index, CheckIndexOption::IndexIsValid) || role != Qt::DisplayRole)
            return {};
        const qint64 row = index.row();
        switch (index.column()) {
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(m_log->timeUs(row) / 1000)
                .toString(QStringLiteral("HH:mm:ss.zzz"));
        case DirectionColumn:
            return m_log->direction(row) == PacketRecord::Direction::In ? QStringLiteral("←")
                                                                        : QStringLiteral("→");
        case TypeColumn: {
            PacketRecord record;
            record.layer = m_log->layer(row);
            record.type = m_log->type(row);
            return record.typeName();
        }
        case NamespaceColumn:
            return m_log->nsp(row);
        case IdColumn:
            return m_log->ackId(row) >= 0 ? QVariant(m_log->ackId(row)) : QVariant();
        case SizeColumn:
            return m_log->wireSize(row);
        case PreviewColumn:
            return QString::fromUtf8(m_log->payload(row)
                                         .first(qMin<qsizetype>(200, m_log->payload(row).size()))
                                         .toByteArray())
                .simplified();
        }
        return {};
    }
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
            return {};
        static const char *names[] = {"Time", "⇅", "Type", "Namespace", "Id", "Size", "Preview"};
        return section >= 0 && section < ColumnCount ? QString::fromUtf8(names[section])
                                                     : QVariant();
    }

private:
    SessionLog *m_log = nullptr;
    int m_rows = 0;
    bool m_paused = false;
    QTimer m_timer;
};
} // namespace

class TimelinePane::Impl
{
public:
    PlaceholderTimelineModel *model = nullptr;
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
    d->model = new PlaceholderTimelineModel(this);

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
    for (int type = SocketIoPacket::Connect; type <= SocketIoPacket::BinaryAck; ++type) {
        QAction *action = typeMenu->addAction(SocketIoPacket::typeName(SocketIoPacket::Type(type)));
        action->setCheckable(true);
        action->setChecked(true);
        action->setData(type);
        connect(action, &QAction::toggled, this, &TimelinePane::applyFilter);
    }
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
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
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
    const int widths[] = {14, 3, 14, 10, 6, 8};
    for (int column = 0; column < int(std::size(widths)); ++column)
        m_view->setColumnWidth(column, widths[column] * charWidth + 12);

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
    connect(d->model, &QAbstractItemModel::rowsInserted, this, [this] {
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

void TimelinePane::setLive(bool) {}

void TimelinePane::setNamespaceFilter(const QString &nsp)
{
    m_nsp = nsp;
    applyFilter();
}

void TimelinePane::setShowControlPackets(bool show)
{
    m_control->setChecked(show);
}

void TimelinePane::setRelativeTime(bool) {}

void TimelinePane::applyFilter()
{
    // The placeholder model shows every row; TimelineModel applies these criteria.
}

void TimelinePane::setPaused(bool paused)
{
    d->model->setPaused(paused);
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
    d->model->setLog(m_log);
}

qint64 TimelinePane::currentLogRow() const
{
    const QModelIndex current = m_view->currentIndex();
    return current.isValid() ? d->model->logRow(current.row()) : -1;
}

void TimelinePane::selectLogRow(qint64 row)
{
    flush();
    const int modelRow = d->model->modelRow(row);
    if (modelRow < 0)
        return;
    m_view->setCurrentIndex(d->model->index(modelRow, 0));
    m_view->scrollTo(d->model->index(modelRow, 0), QAbstractItemView::PositionAtCenter);
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
    QAction *reply =
        menu.addAction(tr("Reply to Ack"), this, [this, row] { Q_EMIT replyToAckRequested(row); });
    reply->setEnabled(askedForAck);
    const qint64 partner = m_log->acks().partnerRow(row);
    QAction *gotoPartner =
        menu.addAction(tr("Go to Ack Partner"), this, [this, partner] { selectLogRow(partner); });
    gotoPartner->setEnabled(partner >= 0);
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}
