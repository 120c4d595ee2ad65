// The packet list in the middle of the window, with its filter bar. This is the seam between the
// window and the timeline model: MainWindow talks only to TimelinePane, so the model behind it
// can change without touching the window.
#pragma once

#include <QWidget>

#include <vector>

class QAbstractTableModel;
class QComboBox;
class QLineEdit;
class QTableView;
class QToolButton;
class SessionLog;

class TimelinePane : public QWidget
{
    Q_OBJECT
public:
    explicit TimelinePane(QWidget *parent = nullptr);
    ~TimelinePane() override;

    void setLog(SessionLog *log); // not owned
    // Live sessions show the age of pending acks; imported logs do not.
    void setLive(bool live);
    // Whether the context menu offers Reply to Ack, Edit in Composer and Resend (only where a
    // composer can act on them: not in read-only windows, not in the mock server's window).
    void setSendActionsAvailable(bool available) { m_sendActions = available; }

    // The filter bar (text, type, direction, control packets), placed by the window.
    QWidget *filterBar() const { return m_filterBar; }
    QLineEdit *filterEdit() const { return m_filterText; }
    void setNamespaceFilter(const QString &nsp);   // empty: every namespace
    void setSessionFilter(const QString &session); // a server's client session; empty: all
    void setShowControlPackets(bool show);
    void setRelativeTime(bool relative);

    // While paused, new records are counted but not shown.
    void setPaused(bool paused);
    bool isPaused() const;
    // Picks up records appended to the log now instead of on the next tick.
    void flush();
    // Call after the log was cleared.
    void reload();

    qint64 currentLogRow() const;
    // False when the row is not shown (filtered out).
    bool selectLogRow(qint64 row);
    // The selected log rows, in log order (the view selects several rows with Shift and Ctrl).
    std::vector<qint64> selectedLogRows() const;
    // Selects the rows of `rows` that are shown, the first one current; false when none is.
    bool selectLogRows(const std::vector<qint64> &rows);
    // Log rows the view shows now (what "export only what the filter shows" writes).
    std::vector<qint64> visibleLogRows() const;
    int rowCount() const;

    QTableView *view() const { return m_view; }
    QAbstractTableModel *model() const;

Q_SIGNALS:
    void currentLogRowChanged(qint64 row);
    // Context menu "Reply to ack" on a server EVENT that asked for an ack.
    void replyToAckRequested(qint64 row);
    // Context menu on an EVENT: load it into the composer, or send it again as it was.
    void editInComposerRequested(qint64 row);
    void resendRequested(qint64 row);
    void pendingRowsChanged(int count);

private:
    void applyFilter();
    void showContextMenu(const QPoint &pos);

    class Impl;
    Impl *d;
    QWidget *m_filterBar;
    QLineEdit *m_filterText;
    QToolButton *m_typeButton;
    QComboBox *m_direction;
    QToolButton *m_control;
    QTableView *m_view;
    SessionLog *m_log = nullptr;
    QString m_nsp;
    QString m_session;
    bool m_autoScroll = true;
    bool m_sendActions = true;
};
