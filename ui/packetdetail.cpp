#include "packetdetail.h"

#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {
constexpr qsizetype MaxRawChars = 256 * 1024; // a 64 MB frame is not laid out whole
constexpr int MaxTreeChildren = 2000;

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

bool isPlaceholder(const QJsonValue &value, int *num)
{
    if (!value.isObject())
        return false;
    const QJsonObject object = value.toObject();
    if (object.size() != 2 || !object.value(QStringLiteral("_placeholder")).toBool() ||
        !object.value(QStringLiteral("num")).isDouble())
        return false;
    *num = object.value(QStringLiteral("num")).toInt();
    return true;
}
} // namespace

PacketDetail::PacketDetail(QWidget *parent)
    : QWidget(parent)
    , m_header(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_tree(new QTreeWidget(this))
    , m_raw(new QPlainTextEdit(this))
    , m_hex(new QPlainTextEdit(this))
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
    m_tree->setColumnCount(3);
    m_tree->setHeaderLabels({tr("Key"), tr("Value"), tr("Type")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    for (QPlainTextEdit *edit : {m_raw, m_hex}) {
        edit->setReadOnly(true);
        edit->setFont(fixed);
        edit->setLineWrapMode(edit == m_raw ? QPlainTextEdit::WidgetWidth : QPlainTextEdit::NoWrap);
    }
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_tree, tr("Data"));
    m_tabs->addTab(m_raw, tr("Raw"));
    m_tabs->addTab(m_hex, tr("Binary"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_header);
    layout->addWidget(m_tabs, 1);
    showRow(-1);
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

QString PacketDetail::hexDump(const QByteArray &bytes, qsizetype maxBytes)
{
    QString out;
    const qsizetype shown = qMin(bytes.size(), maxBytes);
    for (qsizetype offset = 0; offset < shown; offset += 16) {
        const QByteArray line = bytes.mid(offset, qMin<qsizetype>(16, shown - offset));
        out += QStringLiteral("%1  ").arg(offset, 8, 16, QLatin1Char('0'));
        QString ascii;
        for (int i = 0; i < 16; ++i) {
            if (i < line.size()) {
                const auto byte = quint8(line.at(i));
                out += QStringLiteral("%1 ").arg(byte, 2, 16, QLatin1Char('0'));
                ascii += (byte >= 0x20 && byte < 0x7f) ? QChar(byte) : QLatin1Char('.');
            } else {
                out += QStringLiteral("   ");
            }
            if (i == 7)
                out += QLatin1Char(' ');
        }
        out += QLatin1Char(' ') + ascii + QLatin1Char('\n');
    }
    if (shown < bytes.size())
        out += tr("… %1 more").arg(sizeText(bytes.size() - shown));
    return out;
}

void PacketDetail::showRow(qint64 row)
{
    m_tree->clear();
    m_raw->clear();
    m_hex->clear();
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
    facts << time;
    if (record.transport != TransportKind::None)
        facts << transportName(record.transport);
    qint64 size = record.raw.size();
    for (const QByteArray &attachment : record.attachments)
        size += attachment.size();
    facts << sizeText(size);
    if (record.rttUs >= 0)
        facts << tr("RTT <b>%1 ms</b>").arg(double(record.rttUs) / 1000.0, 0, 'f', 2);
    const qint64 partner = m_log->acks().partnerRow(row);
    if (partner >= 0)
        facts << tr("<a href=\"row:%1\">%2 #%1</a>")
                     .arg(partner)
                     .arg(record.type == SocketIoPacket::Event ||
                                  record.type == SocketIoPacket::BinaryEvent
                              ? tr("answered by row")
                              : tr("answers row"));
    QString header = facts.join(QStringLiteral(" · "));
    if (!record.error.isEmpty())
        header += QStringLiteral("<br><span style=\"color:#c0392b\">⚠ %1</span>")
                      .arg(record.error.toHtmlEscaped());
    m_header->setText(header);

    fillTree(record);
    QString raw = QString::fromUtf8(record.raw.left(MaxRawChars));
    if (record.raw.size() > MaxRawChars)
        raw += tr("\n… %1 more").arg(sizeText(record.raw.size() - MaxRawChars));
    m_raw->setPlainText(raw.isEmpty() ? tr("(binary frame: see Binary)") : raw);
    QString hex;
    for (int i = 0; i < record.attachments.size(); ++i) {
        const QByteArray &attachment = record.attachments.at(i);
        hex += tr("⧉ attachment %1 (%2)\n").arg(i).arg(sizeText(attachment.size()));
        hex += hexDump(attachment) + QLatin1Char('\n');
    }
    m_hex->setPlainText(hex);
    m_tabs->setTabText(2, record.attachments.isEmpty()
                              ? tr("Binary")
                              : tr("Binary (%1)").arg(record.attachments.size()));
}

void PacketDetail::fillTree(const PacketRecord &record)
{
    if (record.payload.isEmpty())
        return;
    QJsonParseError error;
    // Wrapped so that scalar payloads (a PING's string) parse too.
    const QJsonDocument document = QJsonDocument::fromJson("[" + record.payload + "]", &error);
    if (error.error != QJsonParseError::NoError) {
        auto *item = new QTreeWidgetItem(m_tree, {tr("(not JSON)"), error.errorString()});
        item->setForeground(1, QColor(0xc0, 0x39, 0x2b));
        return;
    }
    const QJsonValue value = document.array().at(0);
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (int i = 0; i < array.size() && i < MaxTreeChildren; ++i) {
            // An event's first item is its name.
            const bool isName = i == 0 && record.layer == PacketRecord::Layer::SocketIo &&
                                (record.type == SocketIoPacket::Event ||
                                 record.type == SocketIoPacket::BinaryEvent) &&
                                array.at(0).isString();
            addJson(nullptr, isName ? tr("event") : QString::number(isName ? 0 : i), array.at(i),
                    record);
        }
    } else {
        addJson(nullptr, tr("data"), value, record);
    }
    m_tree->expandToDepth(1);
}

void PacketDetail::addJson(QTreeWidgetItem *parent, const QString &key, const QJsonValue &value,
                           const PacketRecord &record)
{
    auto *item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_tree);
    item->setText(0, key);
    int num = -1;
    if (isPlaceholder(value, &num)) {
        const bool present = num >= 0 && num < record.attachments.size();
        item->setText(1, present ? tr("⧉ attachment %1 (%2)")
                                       .arg(num)
                                       .arg(sizeText(record.attachments.at(num).size()))
                                 : tr("⧉ attachment %1 (missing)").arg(num));
        item->setText(2, tr("binary"));
        item->setForeground(1, QColor(0x6a, 0x1b, 0x9a));
        return;
    }
    switch (value.type()) {
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        item->setText(1, tr("{%n key(s)}", nullptr, int(object.size())));
        item->setText(2, tr("object"));
        int count = 0;
        for (auto it = object.begin(); it != object.end() && count < MaxTreeChildren; ++it, ++count)
            addJson(item, it.key(), it.value(), record);
        break;
    }
    case QJsonValue::Array: {
        const QJsonArray array = value.toArray();
        item->setText(1, tr("[%n item(s)]", nullptr, int(array.size())));
        item->setText(2, tr("array"));
        for (int i = 0; i < array.size() && i < MaxTreeChildren; ++i)
            addJson(item, QString::number(i), array.at(i), record);
        break;
    }
    case QJsonValue::String:
        item->setText(1, QStringLiteral("\"%1\"").arg(value.toString()));
        item->setText(2, tr("string"));
        item->setForeground(1, QColor(0x1b, 0x5e, 0x20));
        break;
    case QJsonValue::Double:
        item->setText(1, QString::number(value.toDouble(), 'g', 17));
        item->setText(2, tr("number"));
        item->setForeground(1, QColor(0x0d, 0x47, 0xa1));
        break;
    case QJsonValue::Bool:
        item->setText(1, value.toBool() ? QStringLiteral("true") : QStringLiteral("false"));
        item->setText(2, tr("bool"));
        break;
    case QJsonValue::Null:
        item->setText(1, QStringLiteral("null"));
        item->setText(2, tr("null"));
        break;
    default:
        break;
    }
    item->setToolTip(1, item->text(1));
}
