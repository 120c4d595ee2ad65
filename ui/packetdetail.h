// The detail pane: everything about the selected record. A header with the facts (time,
// direction, type, namespace, ack id and partner, transport, size, error), the payload as a tree
// (binary placeholders shown as attachments), the raw wire text, and a hex view of each
// attachment.
#pragma once

#include "socketio/packetrecord.h"

#include <QWidget>

class HexView;
class JsonTreeModel;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTreeView;
class SessionLog;

class PacketDetail : public QWidget
{
    Q_OBJECT
public:
    explicit PacketDetail(QWidget *parent = nullptr);

    void setLog(const SessionLog *log); // not owned
    // Shows log row `row` (-1: nothing).
    void showRow(qint64 row);
    // Writes attachment `index` of the shown packet (Save Attachment… after its dialog).
    bool writeAttachment(const QString &fileName, int index, QString *error) const;
    qint64 currentRow() const { return m_row; }

    QString headerText() const;
    QTreeView *tree() const { return m_tree; }
    JsonTreeModel *jsonModel() const { return m_json; }
    QPlainTextEdit *rawView() const { return m_raw; }
    HexView *hexView() const { return m_hex; }
    QComboBox *attachmentChooser() const { return m_attachment; }

Q_SIGNALS:
    // The user followed the link to the ack partner.
    void partnerRequested(qint64 row);

private:
    void showAttachment(int index);
    void saveAttachment();

    const SessionLog *m_log = nullptr;
    qint64 m_row = -1;
    // What the Binary tab offers: the attachments, after the whole frame of a msgpack packet.
    QList<QByteArray> m_attachments;
    bool m_frameFirst = false; // m_attachments[0] is a msgpack packet's frame
    class QPushButton *m_saveAttachment = nullptr;
    QLabel *m_header;
    QTabWidget *m_tabs;
    QTreeView *m_tree;
    JsonTreeModel *m_json;
    QPlainTextEdit *m_raw;
    QComboBox *m_attachment;
    HexView *m_hex;
};
