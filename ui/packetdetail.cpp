#include "packetdetail.h"
#include "glyphs.h"

#include "hexview.h"
#include "jsontreemodel.h"
#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include "timelinemodel.h"
#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QTabWidget>
#include <QTreeView>
#include <QVBoxLayout>

namespace {
constexpr qsizetype MaxRawChars = 256 * 1024; // a 64 MB frame is not laid out whole

QString sizeText(qint64 bytes)
{
    return TimelineModel::formatBytes(bytes); // the same units everywhere
}

} // namespace

PacketDetail::PacketDetail(QWidget *parent)
    : QWidget(parent)
    , m_header(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_tree(new QTreeView(this))
    , m_json(new JsonTreeModel(this))
    , m_raw(new QPlainTextEdit(this))
    , m_attachment(new QComboBox(this))
    , m_hex(new HexView(this))
{
    m_header->setTextFormat(Qt::RichText);
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_header->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_header->setContentsMargins(4, 4, 4, 4);
    connect(m_header, &QLabel::linkActivated, this, [this](const QString &link) {
        if (link.startsWith(QLatin1String("row:")))
            Q_EMIT partnerRequested(link.mid(4).toLongLong());
    });
    m_tree->setModel(m_json);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setSectionResizeMode(JsonTreeModel::KeyColumn, QHeaderView::ResizeToContents);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(JsonTreeModel::ValueColumn, QHeaderView::Stretch);
    m_raw->setReadOnly(true);
    m_raw->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_raw->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    auto *binary = new QWidget(this);
    auto *binaryLayout = new QVBoxLayout(binary);
    binaryLayout->setContentsMargins(0, 2, 0, 0);
    auto *saveAttachment = new QPushButton(tr("Save Attachment…"), binary);
    connect(saveAttachment, &QPushButton::clicked, this, &PacketDetail::saveAttachment);
    auto *attachmentBar = new QHBoxLayout;
    attachmentBar->addWidget(m_attachment, 1);
    attachmentBar->addWidget(saveAttachment);
    binaryLayout->addLayout(attachmentBar);
    binaryLayout->addWidget(m_hex, 1);
    m_saveAttachment = saveAttachment;
    connect(m_attachment, &QComboBox::currentIndexChanged, this, &PacketDetail::showAttachment);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_tree, tr("Data"));
    m_tabs->addTab(m_raw, tr("Raw"));
    m_tabs->addTab(binary, tr("Binary"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_header);
    layout->addWidget(m_tabs, 1);
    showRow(-1);
}

void PacketDetail::saveAttachment()
{
    const int index = qMax(0, m_attachment->currentIndex());
    if (index >= m_attachments.size())
        return;
    const QString suggested =
        m_frameFirst && index == 0
            ? QStringLiteral("frame-%1.msgpack").arg(m_row)
            : QStringLiteral("attachment-%1-%2.bin").arg(m_row).arg(index - (m_frameFirst ? 1 : 0));
    const QString fileName = QFileDialog::getSaveFileName(this, tr("Save Attachment"), suggested);
    if (fileName.isEmpty())
        return;
    QString error;
    if (!writeAttachment(fileName, index, &error))
        QMessageBox::warning(this, tr("Save Attachment"), error);
}

bool PacketDetail::writeAttachment(const QString &fileName, int index, QString *error) const
{
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly) || file.write(m_attachments.value(index)) < 0 ||
        !file.commit()) {
        *error = tr("Could not save %1: %2").arg(fileName, file.errorString());
        return false;
    }
    return true;
}

void PacketDetail::setLog(const SessionLog *log)
{
    m_log = log;
    showRow(-1);
}

QString PacketDetail::headerText() const
{
    return m_header->text();
}

void PacketDetail::showRow(qint64 row)
{
    m_json->clear();
    m_raw->clear();
    m_attachments.clear();
    m_frameFirst = false;
    m_attachment->clear();
    m_attachment->hide();
    m_hex->setData({});
    if (!m_log || row < 0 || row >= m_log->size()) {
        m_row = -1;
        m_header->setText(tr("<i>Select a packet to see its details.</i>"));
        m_tabs->setTabText(2, tr("Binary"));
        return;
    }
    m_row = row;
    const PacketRecord record = m_log->record(row);
    const QString time = QDateTime::fromMSecsSinceEpoch(record.timeUs / 1000)
                             .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")) +
                         QStringLiteral("%1").arg(record.timeUs % 1000, 3, 10, QLatin1Char('0'));
    QStringList facts;
    facts << QStringLiteral("<b>%1 %2</b> %3")
                 .arg(record.direction == PacketRecord::Direction::In ? QStringLiteral("←")
                                                                      : QStringLiteral("→"),
                      record.typeName().toHtmlEscaped(), record.layerName());
    if (record.layer == PacketRecord::Layer::SocketIo)
        facts << tr("namespace <b>%1</b>").arg(record.nsp.toHtmlEscaped());
    if (record.id >= 0)
        facts << tr("ack id <b>%1</b>").arg(record.id);
    if (!record.session.isEmpty()) // the embedded server's log: which client
        facts << tr("client <b>%1</b>").arg(record.session.toHtmlEscaped());
    facts << time;
    if (record.transport != TransportKind::None)
        facts << transportName(record.transport);
    const bool msgpack = record.parser == SocketIoParser::Kind::Msgpack && !record.raw.isEmpty();
    if (msgpack)
        facts << tr("msgpack");
    facts << sizeText(m_log->wireSize(row));
    if (record.rttUs >= 0)
        facts << tr("RTT <b>%1 ms</b>").arg(double(record.rttUs) / 1000.0, 0, 'f', 2);
    const qint64 partner = m_log->acks().partnerRow(row);
    if (partner >= 0) {
        const bool isEvent =
            record.type == SocketIoPacket::Event || record.type == SocketIoPacket::BinaryEvent;
        facts << QStringLiteral("<a href=\"row:%1\">%2</a>")
                     .arg(partner)
                     .arg(isEvent ? tr("go to its ack") : tr("go to its event"));
    }
    QString header = facts.join(QStringLiteral(" · "));
    if (!record.error.isEmpty())
        header += QStringLiteral("<br><span style=\"color:#c0392b\">⚠ %1</span>")
                      .arg(record.error.toHtmlEscaped());
    m_header->setText(header);

    QList<qint64> sizes;
    for (const QByteArray &attachment : record.attachments)
        sizes.append(attachment.size());
    const bool isEvent =
        record.layer == PacketRecord::Layer::SocketIo &&
        (record.type == SocketIoPacket::Event || record.type == SocketIoPacket::BinaryEvent);
    if (!record.payload.isEmpty() &&
        !m_json->setJsonText(record.payload, sizes, isEvent ? tr("event") : tr("data")))
        m_json->setJson(tr("(not valid JSON; see Raw)"), {}, tr("data"));
    m_tree->expandToDepth(1);
    QString raw;
    if (!msgpack) {
        raw = QString::fromUtf8(record.raw.left(MaxRawChars));
        if (record.raw.size() > MaxRawChars)
            raw += tr("\n… %1 more").arg(sizeText(record.raw.size() - MaxRawChars));
    }
    m_raw->setPlainText(!raw.isEmpty() ? raw
                        : msgpack      ? tr("(a binary MessagePack frame: see Binary)")
                                       : tr("(binary frame: see Binary)"));
    m_frameFirst = msgpack;
    if (msgpack)
        m_attachments.append(record.raw);
    m_attachments += record.attachments;
    {
        const QSignalBlocker blocker(m_attachment);
        if (msgpack)
            m_attachment->addItem(tr("MessagePack frame (%1)").arg(sizeText(record.raw.size())));
        for (qsizetype i = 0; i < record.attachments.size(); ++i)
            m_attachment->addItem(tr("%1 attachment %2 (%3)")
                                      .arg(Glyphs::Attachment)
                                      .arg(i)
                                      .arg(sizeText(record.attachments.at(i).size())));
    }
    m_attachment->setVisible(m_attachments.size() > 1);
    m_saveAttachment->setEnabled(!m_attachments.isEmpty());
    showAttachment(0);
    m_tabs->setTabText(2, record.attachments.isEmpty()
                              ? tr("Binary")
                              : tr("Binary (%1)").arg(record.attachments.size()));
}

void PacketDetail::showAttachment(int index)
{
    m_hex->setData(index >= 0 && index < m_attachments.size() ? m_attachments.at(index)
                                                              : QByteArray());
}
