#include "ackpanel.h"

#include "session/sessionlog.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHelpEvent>
#include <QLabel>
#include <QPainter>
#include <QTableView>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace {
constexpr int RefreshIntervalMs = 250;
constexpr int MaxBins = 24;
} // namespace

AckTableModel::AckTableModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock(&PacketRecord::nowUs)
{
}

void AckTableModel::setLog(const SessionLog *log)
{
    beginResetModel();
    m_log = log;
    m_rows = 0;
    m_firstOpen = 0;
    endResetModel();
    refresh();
}

const AckPairing::Exchange &AckTableModel::exchange(int row) const
{
    return m_log->acks().exchanges()[size_t(row)];
}

void AckTableModel::refresh()
{
    const int available = m_log ? int(m_log->acks().exchanges().size()) : 0;
    if (available < m_rows) { // the log was cleared
        beginResetModel();
        m_rows = 0;
        m_firstOpen = 0;
        endResetModel();
    }
    // Rows that were open may have been answered or timed out; pending ones age.
    if (m_firstOpen < m_rows) {
        Q_EMIT dataChanged(index(m_firstOpen, AnsweredColumn), index(m_rows - 1, StatusColumn));
    }
    if (available > m_rows) {
        beginInsertRows({}, m_rows, available - 1);
        m_rows = available;
        endInsertRows();
    }
    while (m_firstOpen < m_rows && exchange(m_firstOpen).status != AckPairing::Status::Pending)
        ++m_firstOpen;
}

int AckTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int AckTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString AckTableModel::formatRtt(qint64 us)
{
    if (us < 0)
        return {};
    if (us < 10000)
        return QStringLiteral("%1 ms").arg(double(us) / 1000.0, 0, 'f', 2);
    if (us < 1000000)
        return QStringLiteral("%1 ms").arg(qRound64(double(us) / 1000.0));
    return QStringLiteral("%1 s").arg(double(us) / 1e6, 0, 'f', 1);
}

QString AckTableModel::formatTime(qint64 us)
{
    if (us <= 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(us / 1000).toString(QStringLiteral("HH:mm:ss.zzz"));
}

QVariant AckTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AckPairing::Exchange &x = exchange(index.row());
    const bool ours = x.initiator == AckPairing::Initiator::Client;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case InitiatorColumn:
            return ours ? QStringLiteral("→") : QStringLiteral("←");
        case NamespaceColumn:
            return x.nsp;
        case EventColumn:
            return x.eventName;
        case IdColumn:
            return x.id;
        case SentColumn:
            return formatTime(x.sentUs);
        case AnsweredColumn:
            return formatTime(x.answeredUs);
        case RttColumn:
            return formatRtt(x.rttUs);
        case StatusColumn:
            switch (x.status) {
            case AckPairing::Status::Answered:
                return tr("answered");
            case AckPairing::Status::TimedOut:
                return tr("timed out");
            case AckPairing::Status::Pending:
                if (m_clock)
                    return tr("pending %1").arg(formatRtt(qMax<qint64>(0, m_clock() - x.sentUs)));
                return tr("pending");
            }
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == InitiatorColumn)
            return ours ? tr("Our event, answered by the server")
                        : tr("The server's event, answered by us");
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == IdColumn || index.column() == RttColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        if (index.column() == InitiatorColumn)
            return int(Qt::AlignCenter);
        break;
    case Qt::ForegroundRole:
        if (index.column() == StatusColumn) {
            switch (x.status) {
            case AckPairing::Status::Answered:
                return QColor(0x2e, 0x7d, 0x32);
            case AckPairing::Status::TimedOut:
                return QColor(0xc0, 0x39, 0x2b);
            case AckPairing::Status::Pending:
                return QColor(0xb9, 0x77, 0x0e);
            }
        }
        break;
    case EventRowRole:
        return x.eventRow;
    case AckRowRole:
        return x.ackRow;
    case StatusRole:
        return int(x.status);
    default:
        break;
    }
    return {};
}

QVariant AckTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case InitiatorColumn:
        return QStringLiteral("⇅");
    case NamespaceColumn:
        return tr("Namespace");
    case EventColumn:
        return tr("Event");
    case IdColumn:
        return tr("Id");
    case SentColumn:
        return tr("Sent");
    case AnsweredColumn:
        return tr("Answered");
    case RttColumn:
        return tr("RTT");
    case StatusColumn:
        return tr("Status");
    default:
        return {};
    }
}

RttHistogram::RttHistogram(QWidget *parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setToolTip(tr("Round-trip times of our acknowledged events"));
}

void RttHistogram::setSamples(std::vector<qint64> samplesUs)
{
    m_samples = std::move(samplesUs);
    std::sort(m_samples.begin(), m_samples.end());
    m_bins.clear();
    if (!m_samples.empty()) {
        // From 0 to the largest RTT in a fixed number of bins: a single sample is one bar at its
        // place on the axis, not a block filling the widget.
        m_minUs = 0;
        const int count = MaxBins;
        m_binWidthUs = qMax<qint64>(1, (m_samples.back() + count) / count);
        m_bins.assign(size_t(count), 0);
        for (qint64 sample : m_samples) {
            const qint64 bin = qMax<qint64>(0, sample) / m_binWidthUs;
            ++m_bins[size_t(qMin<qint64>(bin, count - 1))];
        }
    }
    update();
}

QRect RttHistogram::plotRect() const
{
    const int text = fontMetrics().height();
    return rect().adjusted(4, 4, -4, -(text + 4));
}

int RttHistogram::binAt(const QPoint &pos) const
{
    const QRect plot = plotRect();
    if (m_bins.empty() || !plot.contains(pos))
        return -1;
    return qBound(0, (pos.x() - plot.left()) * int(m_bins.size()) / qMax(1, plot.width()),
                  int(m_bins.size()) - 1);
}

bool RttHistogram::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int bin = binAt(help->pos());
        if (bin >= 0) {
            const qint64 from = m_minUs + bin * m_binWidthUs;
            QToolTip::showText(help->globalPos(),
                               tr("%1 – %2: %n ack(s)", nullptr, m_bins[size_t(bin)])
                                   .arg(AckTableModel::formatRtt(from),
                                        AckTableModel::formatRtt(from + m_binWidthUs)),
                               this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

void RttHistogram::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const QRect plot = plotRect();
    const QPalette pal = palette();
    painter.fillRect(rect(), pal.base());
    painter.setPen(pal.color(QPalette::Mid));
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    if (m_bins.empty()) {
        painter.setPen(pal.color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("no RTTs yet"));
        return;
    }
    const int highest = *std::max_element(m_bins.begin(), m_bins.end());
    const double barWidth = double(plot.width()) / double(m_bins.size());
    const QColor bar = pal.color(QPalette::Highlight);
    for (size_t i = 0; i < m_bins.size(); ++i) {
        if (m_bins[i] == 0)
            continue;
        const double height = double(plot.height()) * m_bins[i] / highest;
        const QRectF r(plot.left() + i * barWidth + 1, plot.bottom() - height,
                       qMax(1.0, barWidth - 2), height);
        painter.fillRect(r, bar);
    }
    // p50 and p95 markers.
    int labelLine = 0; // p95 under p50, so that close markers do not overwrite each other
    const auto markAt = [&](double fraction, const QString &label) {
        const qint64 value = qint64(AckPairing::percentile(m_samples, fraction) * 1000.0);
        const double span = double(m_binWidthUs) * double(m_bins.size());
        const int x = plot.left() + int(double(plot.width()) * double(value - m_minUs) / span);
        painter.setPen(QPen(pal.color(QPalette::Text), 1, Qt::DashLine));
        painter.drawLine(x, plot.top(), x, plot.bottom());
        const int y = plot.top() + fontMetrics().ascent() + labelLine++ * fontMetrics().height();
        const int width = fontMetrics().horizontalAdvance(label);
        // Near the right edge the label goes left of its marker.
        painter.drawText(x + 2 + width > plot.right() ? x - 2 - width : x + 2, y, label);
    };
    markAt(0.5, QStringLiteral("p50"));
    markAt(0.95, QStringLiteral("p95"));
    painter.setPen(pal.color(QPalette::Text));
    const QRect axis(plot.left(), plot.bottom() + 2, plot.width(), fontMetrics().height());
    painter.drawText(axis, Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("0"));
    painter.drawText(axis, Qt::AlignRight | Qt::AlignVCenter,
                     AckTableModel::formatRtt(m_samples.back()));
    painter.drawText(axis, Qt::AlignHCenter | Qt::AlignVCenter,
                     tr("%n RTT(s)", nullptr, int(m_samples.size())));
}

AckPanel::AckPanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new AckTableModel(this))
    , m_view(new QTableView(this))
    , m_histogram(new RttHistogram(this))
    , m_summary(new QLabel(this))
{
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(AckTableModel::EventColumn,
                                                     QHeaderView::Stretch);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setColumnWidth(AckTableModel::InitiatorColumn, 28);
    m_view->setColumnWidth(AckTableModel::IdColumn, 50);
    const int timeWidth =
        m_view->fontMetrics().horizontalAdvance(QStringLiteral("00:00:00.000")) + 14;
    m_view->setColumnWidth(AckTableModel::NamespaceColumn, 80);
    m_view->setColumnWidth(AckTableModel::SentColumn, timeWidth);
    m_view->setColumnWidth(AckTableModel::AnsweredColumn, timeWidth);
    m_view->setColumnWidth(AckTableModel::RttColumn, 70);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // As in the wireframe: the figures with the histogram beside them, the exchanges below.
    m_summary->setWordWrap(true);
    m_histogram->setFixedHeight(86);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto *figures = new QHBoxLayout;
    figures->addWidget(m_summary, 1);
    figures->addWidget(m_histogram, 1);
    layout->addLayout(figures);
    layout->addWidget(m_view, 1);

    connect(m_view, &QTableView::activated, this, [this](const QModelIndex &index) {
        Q_EMIT exchangeActivated(index.data(AckTableModel::EventRowRole).toLongLong(),
                                 index.data(AckTableModel::AckRowRole).toLongLong());
    });
    m_timer.setInterval(RefreshIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &AckPanel::refresh);
    refresh();
}

void AckPanel::setLog(const SessionLog *log)
{
    m_log = log;
    m_samplesSeen = 0;
    m_answeredSeen = -1;
    m_model->setLog(log);
    refresh();
}

void AckPanel::setLive(bool live)
{
    if (live) {
        m_model->setClock(&PacketRecord::nowUs);
        m_timer.start();
    } else {
        m_model->setClock({});
        m_timer.stop();
    }
}

void AckPanel::refresh()
{
    m_model->refresh();
    if (!m_log) {
        m_summary->setText(tr("No acks yet."));
        return;
    }
    const AckPairing &acks = m_log->acks();
    const AckPairing::Stats stats = acks.stats();
    const size_t total = acks.exchanges().size();
    if (total == 0) {
        m_summary->setText(tr("No acks yet. Tick \"Request ack\" in the composer, or wait for the "
                              "server to ask for one."));
    } else {
        const auto ms = [](double value) { return AckTableModel::formatRtt(qint64(value * 1000)); };
        // The figures are about our events (the server's round trips are its own business);
        // the count says so, so that it matches the table.
        const int ours = stats.answered + stats.pending + stats.timedOut;
        QString text = tr("<b>%1</b> exchanges, %2 of our events: answered %3 · pending %4 · "
                          "timed out %5")
                           .arg(total)
                           .arg(ours)
                           .arg(stats.answered)
                           .arg(stats.pending)
                           .arg(stats.timedOut);
        if (stats.answered > 0)
            text += tr("<br>round trip p50 <b>%1</b> · p95 <b>%2</b> · max <b>%3</b>")
                        .arg(ms(stats.p50Ms), ms(stats.p95Ms), ms(stats.maxMs));
        m_summary->setText(text);
    }
    // The histogram only changes when an answer arrives.
    if (total != m_samplesSeen || stats.answered != m_answeredSeen) {
        m_samplesSeen = total;
        m_answeredSeen = stats.answered;
        std::vector<qint64> samples;
        for (const AckPairing::Exchange &x : acks.exchanges())
            if (x.initiator == AckPairing::Initiator::Client &&
                x.status == AckPairing::Status::Answered && x.rttUs >= 0)
                samples.push_back(x.rttUs);
        m_histogram->setSamples(std::move(samples));
    }
}
