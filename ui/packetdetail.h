// The detail pane: everything about the selected record. A header with the facts (time,
// direction, type, namespace, ack id and partner, transport, size, error), the payload as a tree
// (binary placeholders shown as attachments), the raw wire text, and a hex dump per attachment.
#pragma once

#include "socketio/packetrecord.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTreeWidget;
class QTreeWidgetItem;
class SessionLog;

class PacketDetail : public QWidget
{
    Q_OBJECT
public:
    explicit PacketDetail(QWidget *parent = nullptr);

    void setLog(const SessionLog *log); // not owned
    // Shows log row `row` (-1: nothing).
    void showRow(qint64 row);
    qint64 currentRow() const { return m_row; }

    QString headerText() const;
    QTreeWidget *tree() const { return m_tree; }
    QPlainTextEdit *rawView() const { return m_raw; }
    QPlainTextEdit *hexView() const { return m_hex; }

    // "00000000  01 02 03 …  ..." one line per 16 bytes, at most maxBytes of data.
    static QString hexDump(const QByteArray &bytes, qsizetype maxBytes = 64 * 1024);

Q_SIGNALS:
    // The user followed the link to the ack partner.
    void partnerRequested(qint64 row);

private:
    void fillTree(const PacketRecord &record);
    void addJson(QTreeWidgetItem *parent, const QString &key, const QJsonValue &value,
                 const PacketRecord &record);

    const SessionLog *m_log = nullptr;
    qint64 m_row = -1;
    QLabel *m_header;
    QTabWidget *m_tabs;
    QTreeWidget *m_tree;
    QPlainTextEdit *m_raw;
    QPlainTextEdit *m_hex;
};
