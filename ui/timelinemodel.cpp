#include "timelinemodel.h"
#include "glyphs.h"

#include "engineio/engineiopacket.h"
#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QColor>
#include <QDateTime>
#include <QGuiApplication>
#include <QPalette>

#include <QLocale>

#include <algorithm>

namespace {
// Tints drawn over the view's base colour: with a low alpha they read on light and dark themes.
QColor tint(int r, int g, int b)
{
    return QColor(r, g, b, 46);
}

bool isSocketIo(const SessionLog &log, qint64 row)
{
    return log.layer(row) == PacketRecord::Layer::SocketIo;
}

bool isEventType(quint8 type)
{
    return type == SocketIoPacket::Event || type == SocketIoPacket::BinaryEvent;
}

bool isAckType(quint8 type)
{
    return type == SocketIoPacket::Ack || type == SocketIoPacket::BinaryAck;
}

// The first item of a JSON array payload when it is a string (unescaped) or a number. Reads
// only as far as that item, unlike a full scan: a 10 MB payload costs no more than a small one.
QString eventNameOf(QByteArrayView payload)
{
    qsizetype i = 0;
    const qsizetype n = payload.size();
    auto skipSpace = [&] {
        while (i < n && (payload[i] == ' ' || payload[i] == '\t' || payload[i] == '\n' ||
                         payload[i] == '\r'))
            ++i;
    };
    skipSpace();
    if (i >= n || payload[i] != '[')
        return {};
    ++i;
    skipSpace();
    if (i >= n)
        return {};
    if (payload[i] == '"') {
        const qsizetype start = ++i;
        bool escaped = false;
        while (i < n && payload[i] != '"') {
            if (payload[i] == '\\') {
                escaped = true;
                ++i;
            }
            ++i;
        }
        if (i >= n)
            return {};
        const QByteArrayView text = payload.sliced(start, i - start);
        return QString::fromUtf8(escaped ? TimelineFilter::unescapeJson(text) : text.toByteArray());
    }
    const qsizetype start = i;
    while (i < n &&
           (payload[i] == '-' || payload[i] == '+' || payload[i] == '.' || payload[i] == 'e' ||
            payload[i] == 'E' || (payload[i] >= '0' && payload[i] <= '9')))
        ++i;
    return QString::fromLatin1(payload.sliced(start, i - start));
}
} // namespace

TimelineModel::TimelineModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock(&PacketRecord::nowUs)
{
    m_timer.setInterval(100);
    connect(&m_timer, &QTimer::timeout, this, &TimelineModel::tick);
}

TimelineModel::~TimelineModel() = default;

void TimelineModel::setLog(SessionLog *log)
{
    m_log = log;
    rebuild();
    if (m_log)
        m_timer.start();
    else
        m_timer.stop();
}

void TimelineModel::clear()
{
    beginResetModel();
    if (m_log)
        m_log->clear();
    m_rows.clear();
    m_pending.clear();
    m_scanned = 0;
    m_shownEnd = 0;
    m_watched.clear();
    m_exchangesSeen = 0;
    endResetModel();
    Q_EMIT pendingRowsChanged(0);
}

void TimelineModel::reload()
{
    rebuild();
}

void TimelineModel::rebuild()
{
    // Everything up to where the view was (inserted rows) is shown again under the current
    // filter; what arrived later stays pending while paused.
    const qint64 size = m_log ? m_log->size() : 0;
    const qint64 shownEnd = m_paused ? std::min(m_shownEnd, size) : size;
    beginResetModel();
    m_rows.clear();
    m_pending.clear();
    m_watched.clear();
    m_exchangesSeen = 0;
    m_scanned = 0;
    if (m_log) {
        m_filter.appendMatches(*m_log, 0, std::min(shownEnd, size), m_rows);
        m_filter.appendMatches(*m_log, std::min(shownEnd, size), size, m_pending);
        m_scanned = size;
    }
    m_shownEnd = std::min(shownEnd, size);
    endResetModel();
    if (m_paused)
        Q_EMIT pendingRowsChanged(int(m_pending.size()));
}

void TimelineModel::setBatchInterval(int ms)
{
    m_timer.setInterval(ms);
}

void TimelineModel::tick()
{
    if (!m_log)
        return;
    scanNewRecords();
    if (!m_paused)
        insertPending();
    refreshAcks();
}

void TimelineModel::flush()
{
    tick();
}

void TimelineModel::scanNewRecords()
{
    const qint64 size = m_log->size();
    if (size < m_scanned) { // cleared behind our back
        rebuild();
        return;
    }
    if (size == m_scanned)
        return;
    const size_t before = m_pending.size();
    m_filter.appendMatches(*m_log, m_scanned, size, m_pending);
    m_scanned = size;
    if (m_paused && m_pending.size() != before)
        Q_EMIT pendingRowsChanged(int(m_pending.size()));
}

void TimelineModel::insertPending()
{
    m_shownEnd = m_scanned;
    if (m_pending.empty())
        return;
    const int first = int(m_rows.size());
    const int last = first + int(m_pending.size()) - 1;
    beginInsertRows({}, first, last);
    m_rows.insert(m_rows.end(), m_pending.begin(), m_pending.end());
    m_pending.clear();
    endInsertRows();
    Q_EMIT rowsAppended(first, last);
}

void TimelineModel::pause()
{
    m_paused = true;
}

void TimelineModel::resume()
{
    if (!m_paused)
        return;
    m_paused = false;
    if (m_log)
        scanNewRecords();
    insertPending();
    Q_EMIT pendingRowsChanged(0);
}

void TimelineModel::setFilter(const TimelineFilter &filter)
{
    if (filter == m_filter)
        return;
    m_filter = filter;
    rebuild();
}

void TimelineModel::setShowControlPackets(bool show)
{
    TimelineFilter filter = m_filter;
    filter.setShowControlPackets(show);
    setFilter(filter);
}

void TimelineModel::setTimeFormat(TimeFormat format)
{
    if (format == m_timeFormat)
        return;
    m_timeFormat = format;
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, TimeColumn), index(rowCount() - 1, TimeColumn),
                           {Qt::DisplayRole});
}

void TimelineModel::setClock(std::function<qint64()> clock)
{
    m_clock = std::move(clock);
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, AckColumn), index(rowCount() - 1, AckColumn));
}

void TimelineModel::refreshAcks()
{
    const auto &exchanges = m_log->acks().exchanges();
    if (exchanges.size() < m_exchangesSeen) // cleared
        m_exchangesSeen = 0;
    for (; m_exchangesSeen < exchanges.size(); ++m_exchangesSeen) {
        const auto status = exchanges[m_exchangesSeen].status;
        if (status != AckPairing::Status::Answered)
            m_watched.push_back({int(m_exchangesSeen), -1});
    }
    int first = INT_MAX;
    int last = -1;
    auto touch = [&](qint64 row) {
        const int shown = modelRow(row);
        if (shown >= 0) {
            first = std::min(first, shown);
            last = std::max(last, shown);
        }
    };
    const bool ages = bool(m_clock);
    auto out = m_watched.begin();
    for (auto it = m_watched.begin(); it != m_watched.end(); ++it) {
        if (size_t(it->exchange) >= exchanges.size())
            continue; // the log was replaced behind our back; reload() follows
        const AckPairing::Exchange &exchange = exchanges[size_t(it->exchange)];
        const int status = int(exchange.status);
        // Pending rows show their age; the others only change with their status.
        if (status != it->status || (ages && exchange.status == AckPairing::Status::Pending))
            touch(exchange.eventRow);
        it->status = status;
        if (exchange.status != AckPairing::Status::Answered)
            *out++ = *it;
    }
    m_watched.erase(out, m_watched.end());
    if (last >= 0)
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
}

qint64 TimelineModel::logRow(int modelRow) const
{
    if (modelRow < 0 || size_t(modelRow) >= m_rows.size())
        return -1;
    return m_rows[size_t(modelRow)];
}

int TimelineModel::modelRow(qint64 logRow) const
{
    if (logRow < 0)
        return -1;
    const auto found = std::lower_bound(m_rows.begin(), m_rows.end(), quint64(logRow),
                                        [](quint32 a, quint64 b) { return a < b; });
    return found != m_rows.end() && *found == logRow ? int(found - m_rows.begin()) : -1;
}

int TimelineModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TimelineModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

Qt::ItemFlags TimelineModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
}

QVariant TimelineModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::DisplayRole) {
        switch (Column(section)) {
        case TimeColumn:
            return m_timeFormat == TimeFormat::Absolute ? tr("Time") : tr("Time (s)");
        case DirectionColumn:
            return tr("Dir");
        case TypeColumn:
            return tr("Type");
        case NamespaceColumn:
            return tr("Namespace");
        case EventColumn:
            return tr("Event");
        case AckColumn:
            return tr("Ack");
        case SizeColumn:
            return tr("Size");
        case PreviewColumn:
            return tr("Payload");
        case ColumnCount:
            break;
        }
    }
    if (role == Qt::TextAlignmentRole && section == SizeColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant TimelineModel::data(const QModelIndex &index, int role) const
{
    if (!m_log || !index.isValid() || index.row() >= int(m_rows.size()) || index.column() < 0 ||
        index.column() >= ColumnCount)
        return {};
    const qint64 row = m_rows[size_t(index.row())];
    if (row >= m_log->size()) // the log was cleared and the model not told yet
        return {};
    switch (role) {
    case Qt::DisplayRole:
        return display(row, index.column());
    case Qt::ToolTipRole:
        return toolTip(row, index.column());
    case Qt::BackgroundRole:
        return background(row);
    case Qt::ForegroundRole:
        return foreground(row);
    case Qt::TextAlignmentRole:
        if (index.column() == SizeColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        if (index.column() == DirectionColumn)
            return int(Qt::AlignCenter);
        return {};
    case LogRowRole:
        return row;
    case PartnerRowRole:
        return m_log->acks().partnerRow(row);
    case LayerRole:
        return int(m_log->layer(row));
    case TypeRole:
        return int(m_log->type(row));
    case DirectionRole:
        return int(m_log->direction(row));
    case AckStatusRole:
        return int(ackStatus(row));
    case HasErrorRole:
        return m_log->hasError(row);
    default:
        return {};
    }
}

TimelineModel::AckStatus TimelineModel::ackStatus(qint64 row) const
{
    const int index = m_log->acks().exchangeForRow(row);
    if (index < 0)
        return NoAck;
    switch (m_log->acks().exchanges()[size_t(index)].status) {
    case AckPairing::Status::Pending:
        return AckPending;
    case AckPairing::Status::Answered:
        return AckAnswered;
    case AckPairing::Status::TimedOut:
        return AckTimedOut;
    }
    return NoAck;
}

QString TimelineModel::ackText(qint64 row) const
{
    const qint64 id = m_log->ackId(row);
    if (id < 0)
        return {};
    const QString number = QString::number(id);
    const int index = m_log->acks().exchangeForRow(row);
    if (index < 0)
        return number;
    const AckPairing::Exchange &exchange = m_log->acks().exchanges()[size_t(index)];
    switch (exchange.status) {
    case AckPairing::Status::Pending:
        if (!m_clock)
            return number + u' ' + Glyphs::AckPending;
        return number + u' ' + Glyphs::AckPending + u' ' +
               formatDuration(std::max<qint64>(0, m_clock() - exchange.sentUs));
    case AckPairing::Status::Answered:
        return number + u' ' + Glyphs::AckAnswered + u' ' + formatDuration(exchange.rttUs);
    case AckPairing::Status::TimedOut:
        return number + u' ' + Glyphs::AckTimedOut;
    }
    return number;
}

QVariant TimelineModel::display(qint64 row, int column) const
{
    const SessionLog &log = *m_log;
    switch (Column(column)) {
    case TimeColumn: {
        const qint64 us = log.timeUs(row);
        if (m_timeFormat == TimeFormat::Absolute)
            return QDateTime::fromMSecsSinceEpoch(us / 1000, Qt::LocalTime)
                .toString(QStringLiteral("hh:mm:ss.zzz"));
        const qint64 delta = us - log.timeUs(0);
        const qint64 ms = (delta < 0 ? -delta : delta) / 1000;
        return QStringLiteral("%1%2.%3")
            .arg(delta < 0 ? QStringLiteral("-") : QStringLiteral("+"))
            .arg(ms / 1000)
            .arg(ms % 1000, 3, 10, QLatin1Char('0'));
    }
    case DirectionColumn:
        if (log.layer(row) == PacketRecord::Layer::Connection)
            return QStringLiteral("·");
        return log.direction(row) == PacketRecord::Direction::Out ? QStringLiteral("→")
                                                                  : QStringLiteral("←");
    case TypeColumn: {
        const quint8 type = log.type(row);
        switch (log.layer(row)) {
        case PacketRecord::Layer::SocketIo:
            return SocketIoPacket::typeName(SocketIoPacket::Type(type));
        case PacketRecord::Layer::EngineIo:
            return EngineIoPacket::typeName(EngineIoPacket::Type(type));
        case PacketRecord::Layer::Connection:
            return PacketRecord::noteName(PacketRecord::Note(type));
        }
        return {};
    }
    case NamespaceColumn:
        return isSocketIo(log, row) ? log.nsp(row) : QString();
    case EventColumn: {
        if (!isSocketIo(log, row))
            return QString();
        const quint8 type = log.type(row);
        if (isEventType(type))
            return eventNameOf(log.payload(row));
        if (isAckType(type)) {
            const int index = log.acks().exchangeForRow(row);
            if (index >= 0)
                return QStringLiteral("↩ ") + log.acks().exchanges()[size_t(index)].eventName;
        }
        return QString();
    }
    case AckColumn:
        return ackText(row);
    case SizeColumn:
        return formatBytes(log.wireSize(row));
    case PreviewColumn: {
        QByteArrayView text = log.payload(row);
        if (text.isEmpty() && log.parser(row) != SocketIoParser::Kind::Msgpack) // not text
            text = log.raw(row);
        QString preview = previewText(text);
        if (const int attachments = log.attachmentCount(row))
            preview += QStringLiteral("  %1×%2").arg(Glyphs::Attachment).arg(attachments);
        if (log.hasError(row))
            preview.prepend(QStringLiteral("⚠ "));
        return preview;
    }
    case ColumnCount:
        break;
    }
    return {};
}

QVariant TimelineModel::toolTip(qint64 row, int column) const
{
    const SessionLog &log = *m_log;
    QString tip;
    switch (Column(column)) {
    case TimeColumn:
        tip = QDateTime::fromMSecsSinceEpoch(log.timeUs(row) / 1000, Qt::UTC)
                  .toString(Qt::ISODateWithMs);
        break;
    case DirectionColumn:
        tip = log.direction(row) == PacketRecord::Direction::Out ? tr("sent") : tr("received");
        break;
    case TypeColumn: {
        const PacketRecord::Layer layer = log.layer(row);
        tip = layer == PacketRecord::Layer::SocketIo   ? tr("Socket.IO packet")
              : layer == PacketRecord::Layer::EngineIo ? tr("Engine.IO packet")
                                                       : tr("connection note");
        const QString transport = transportName(log.transport(row));
        if (!transport.isEmpty())
            tip += QStringLiteral(" (%1)").arg(transport);
        break;
    }
    case AckColumn:
        switch (ackStatus(row)) {
        case AckPending:
            tip = tr("waiting for the ack");
            break;
        case AckAnswered:
            tip = tr("answered; round trip shown");
            break;
        case AckTimedOut:
            tip = tr("no ack within the timeout");
            break;
        case NoAck:
            break;
        }
        break;
    case SizeColumn:
        tip = tr("%1 bytes on the wire").arg(log.wireSize(row));
        if (const int attachments = log.attachmentCount(row))
            tip += tr(", binary attachments: %1").arg(attachments);
        break;
    case PreviewColumn: {
        QByteArrayView text = log.payload(row);
        if (text.isEmpty() && log.parser(row) != SocketIoParser::Kind::Msgpack) // not text
            text = log.raw(row);
        tip = previewText(text, 2000);
        break;
    }
    default:
        break;
    }
    if (log.hasError(row)) {
        const QString error = log.record(row).error;
        tip = tip.isEmpty() ? error : tip + QLatin1Char('\n') + error;
    }
    return tip.isEmpty() ? QVariant() : QVariant(tip);
}

QVariant TimelineModel::background(qint64 row) const
{
    const SessionLog &log = *m_log;
    if (log.hasError(row))
        return tint(230, 40, 40);
    switch (log.layer(row)) {
    case PacketRecord::Layer::Connection:
        return tint(230, 180, 0);
    case PacketRecord::Layer::EngineIo:
        return {};
    case PacketRecord::Layer::SocketIo:
        break;
    }
    switch (log.type(row)) {
    case SocketIoPacket::Connect:
        return tint(40, 180, 70);
    case SocketIoPacket::Disconnect:
        return tint(240, 130, 30);
    case SocketIoPacket::Event:
        return tint(50, 120, 230);
    case SocketIoPacket::Ack:
        return tint(150, 80, 220);
    case SocketIoPacket::ConnectError:
        return tint(230, 40, 40);
    case SocketIoPacket::BinaryEvent:
        return tint(0, 170, 170);
    case SocketIoPacket::BinaryAck:
        return tint(190, 60, 170);
    default:
        return {};
    }
}

QVariant TimelineModel::foreground(qint64 row) const
{
    const SessionLog &log = *m_log;
    if (log.hasError(row))
        return QColor(220, 50, 50);
    if (log.layer(row) == PacketRecord::Layer::EngineIo) {
        // Engine.IO traffic recedes: the text colour of the theme, half transparent.
        QColor dim = QGuiApplication::palette().color(QPalette::Text);
        dim.setAlpha(150);
        return dim;
    }
    return {};
}

QString TimelineModel::formatDuration(qint64 us)
{
    if (us < 0)
        return QStringLiteral("?");
    if (us < 1000)
        return QString::number(double(us) / 1000.0, 'f', 2) + QStringLiteral(" ms");
    if (us < 1000000)
        return QString::number((us + 500) / 1000) + QStringLiteral(" ms");
    if (us < 100000000)
        return QString::number(double(us) / 1e6, 'f', 1) + QStringLiteral(" s");
    return QString::number((us + 500000) / 1000000) + QStringLiteral(" s");
}

QString TimelineModel::formatBytes(qint64 bytes)
{
    // QLocale says "350 bytes"; a column of sizes reads better with one short unit throughout.
    if (bytes < 1024)
        return QString::number(bytes) + QStringLiteral(" B");
    return QLocale().formattedDataSize(bytes, 1);
}

QString TimelineModel::previewText(QByteArrayView utf8, int maxChars)
{
    // Decode a little more than can be shown (UTF-8 is at most 4 bytes a character), never
    // the whole payload.
    const qsizetype limit = qsizetype(maxChars) * 4 + 4;
    const bool cut = utf8.size() > limit;
    QString text = QString::fromUtf8(cut ? utf8.first(limit) : utf8);
    bool truncated = cut;
    if (text.size() > maxChars) {
        text.truncate(maxChars);
        if (text.size() && text.back().isHighSurrogate())
            text.chop(1);
        truncated = true;
    }
    for (QChar &c : text)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f || c == QChar::LineSeparator ||
            c == QChar::ParagraphSeparator)
            c = QLatin1Char(' ');
    if (truncated)
        text += QStringLiteral("…");
    return text;
}
