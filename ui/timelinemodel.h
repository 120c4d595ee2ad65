// The packet list: one row per log record that passes the filter, in log order.
//
// Modeled on Wireshark's packet list: the model never holds display strings. It keeps one
// vector of matching log rows (4 bytes a row) and builds every cell in data() from the log's
// cheap accessors, so only the rows a view paints cost anything.
//
// The log is owned elsewhere and only grows (or is cleared). The model notices new records on a
// timer and inserts everything that arrived since the last tick with one beginInsertRows(); a
// flood of packets therefore costs one view update per tick, not one per packet.
#pragma once

#include "timelinefilter.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QTimer>

#include <functional>
#include <vector>

class SessionLog;

class TimelineModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        TimeColumn,
        DirectionColumn,
        TypeColumn,
        NamespaceColumn,
        EventColumn,
        AckColumn,
        SizeColumn,
        PreviewColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        LogRowRole = Qt::UserRole + 1, // qint64: the record's row in the SessionLog
        PartnerRowRole,                // qint64: log row of the ack partner (event <-> ack), or -1
        LayerRole,                     // int: PacketRecord::Layer
        TypeRole,                      // int: the record's type within its layer
        DirectionRole,                 // int: PacketRecord::Direction
        AckStatusRole,                 // int: AckStatus
        HasErrorRole,                  // bool
    };
    Q_ENUM(Role)

    enum AckStatus { NoAck = -1, AckPending, AckAnswered, AckTimedOut };
    Q_ENUM(AckStatus)

    enum class TimeFormat { Absolute, Relative };
    Q_ENUM(TimeFormat)

    explicit TimelineModel(QObject *parent = nullptr);
    ~TimelineModel() override;

    // Shows `log` (not owned; may be null). Resets the model; records already in the log are
    // inserted at once, later ones on the next ticks.
    void setLog(SessionLog *log);
    SessionLog *log() const { return m_log; }

    // Clears the log and the model (one model reset).
    void clear();
    // Re-reads the log from scratch: call after clearing or replacing the log's content behind
    // the model's back. A log that shrank is also noticed on the next tick.
    void reload();

    // How often new records are picked up (default 100 ms).
    void setBatchInterval(int ms);
    int batchInterval() const { return m_timer.interval(); }
    // Picks up new records now instead of on the next tick (no-op while paused).
    void flush();

    // While paused, new records are filtered and counted (pendingRowsChanged) but not inserted;
    // resume() inserts them in one batch.
    void pause();
    void resume();
    bool isPaused() const { return m_paused; }
    int pendingRows() const { return int(m_pending.size()); }

    void setFilter(const TimelineFilter &filter);
    const TimelineFilter &filter() const { return m_filter; }
    // Shortcut for the filter's control-packet switch.
    void setShowControlPackets(bool show);
    bool showControlPackets() const { return m_filter.showControlPackets(); }

    void setTimeFormat(TimeFormat format);
    TimeFormat timeFormat() const { return m_timeFormat; }

    // The clock for the age of pending acks, in microseconds since the epoch (default
    // PacketRecord::nowUs). An empty function (an imported log): pending acks show no age.
    void setClock(std::function<qint64()> clock);

    // Row mapping; -1 when the log row is not shown (filtered out or not inserted yet).
    qint64 logRow(int modelRow) const;
    int modelRow(qint64 logRow) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    // Cell texts, public for the tests and for copy/export of the visible rows.
    static QString formatDuration(qint64 us); // "0.35 ms", "2 ms", "1.2 s", "75 s"
    static QString formatBytes(qint64 bytes); // "123 B", "1.5 KiB", "3.0 MiB"
    // One line: no control characters, at most `maxChars` characters plus "…".
    static QString previewText(QByteArrayView utf8, int maxChars = 160);

Q_SIGNALS:
    // While paused: how many records wait for resume(); 0 after resume() or clear().
    void pendingRowsChanged(int count);
    // Emitted after each batch of rows was inserted (e.g. for auto-scroll).
    void rowsAppended(int first, int last);

private:
    void tick();
    void scanNewRecords();
    void insertPending();
    void refreshAcks();
    void rebuild();
    QString ackText(qint64 row) const;
    AckStatus ackStatus(qint64 row) const;
    QVariant display(qint64 row, int column) const;
    QVariant background(qint64 row) const;
    QVariant foreground(qint64 row) const;
    QVariant toolTip(qint64 row, int column) const;

    SessionLog *m_log = nullptr;
    TimelineFilter m_filter;
    TimeFormat m_timeFormat = TimeFormat::Absolute;
    std::function<qint64()> m_clock;
    QTimer m_timer;
    bool m_paused = false;

    std::vector<quint32> m_rows;    // shown log rows, ascending
    std::vector<quint32> m_pending; // matching rows scanned while paused
    qint64 m_scanned = 0;           // log rows [0, m_scanned) went through the filter
    qint64 m_shownEnd = 0;          // log rows [0, m_shownEnd) are in m_rows if they match

    // Ack exchanges whose rows may still change (pending, or timed out and still open).
    struct Watched
    {
        int exchange;
        int status;
    };
    std::vector<Watched> m_watched;
    size_t m_exchangesSeen = 0;
};
