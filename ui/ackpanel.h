// The ack panel: every event/ack exchange of the session (ours and the server's), summary figures
// and an RTT histogram. It reads the SessionLog's AckPairing; nothing here pairs anything.
#pragma once

#include "session/ackpairing.h"

#include <QAbstractTableModel>
#include <QTimer>
#include <QWidget>

#include <functional>
#include <vector>

class QLabel;
class QTableView;
class SessionLog;

// One row per AckPairing::Exchange, in the order the events went out. Exchanges only ever get
// appended (or all cleared), and a row changes only while pending, so refresh() inserts the new
// rows and updates the ones still open.
class AckTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        InitiatorColumn,
        NamespaceColumn,
        EventColumn,
        IdColumn,
        SentColumn,
        AnsweredColumn,
        RttColumn,
        StatusColumn,
        ColumnCount
    };
    Q_ENUM(Column)
    enum Role { EventRowRole = Qt::UserRole + 1, AckRowRole, StatusRole };

    explicit AckTableModel(QObject *parent = nullptr);

    void setLog(const SessionLog *log); // not owned; may be null
    // Picks up new exchanges and status changes.
    void refresh();
    // The clock for pending ages (us since the epoch); empty: pending rows show no age.
    void setClock(std::function<qint64()> clock) { m_clock = std::move(clock); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    static QString formatRtt(qint64 us);  // "0.42 ms", "12 ms", "1.5 s"
    static QString formatTime(qint64 us); // local "15:20:01.123"

private:
    const AckPairing::Exchange &exchange(int row) const;

    const SessionLog *m_log = nullptr;
    int m_rows = 0;
    int m_firstOpen = 0; // rows before this one are settled (answered or timed out)
    std::function<qint64()> m_clock;
};

// RTT distribution of the answered exchanges our client started, painted as bars.
class RttHistogram : public QWidget
{
    Q_OBJECT
public:
    explicit RttHistogram(QWidget *parent = nullptr);

    // Round-trip times in microseconds (any order).
    void setSamples(std::vector<qint64> samplesUs);
    int binCount() const { return int(m_bins.size()); }
    int sampleCount() const { return int(m_samples.size()); }
    const std::vector<int> &bins() const { return m_bins; }
    qint64 binWidthUs() const { return m_binWidthUs; }

    QSize sizeHint() const override { return {260, 90}; }
    QSize minimumSizeHint() const override { return {120, 60}; }

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override; // tooltips per bar

private:
    QRect plotRect() const;
    int binAt(const QPoint &pos) const;

    std::vector<qint64> m_samples; // sorted
    std::vector<int> m_bins;
    qint64 m_minUs = 0;
    qint64 m_binWidthUs = 1;
};

class AckPanel : public QWidget
{
    Q_OBJECT
public:
    explicit AckPanel(QWidget *parent = nullptr);

    void setLog(const SessionLog *log);
    void setLive(bool live); // offline logs: no ages, no refresh timer
    void refresh();

    AckTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    RttHistogram *histogram() const { return m_histogram; }
    QLabel *summaryLabel() const { return m_summary; }

Q_SIGNALS:
    // The user picked an exchange: show its event (and ack) in the timeline.
    void exchangeActivated(qint64 eventRow, qint64 ackRow);

private:
    const SessionLog *m_log = nullptr;
    AckTableModel *m_model;
    QTableView *m_view;
    RttHistogram *m_histogram;
    QLabel *m_summary;
    QTimer m_timer;
    size_t m_samplesSeen = 0;
    int m_answeredSeen = -1;
};
