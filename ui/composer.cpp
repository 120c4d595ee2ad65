#include "composer.h"

#include "common/hexdigit.h"
#include "glyphs.h"

#include "jsoneditor.h"

#include "timelinemodel.h"
#include "tones.h"
#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProcessEnvironment>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStringListModel>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace {
const QString HistoryKey = QStringLiteral("composer/history");
const QString TemplatesKey = QStringLiteral("composer/templates");
// Attachments are stored with history entries and templates only up to this size.
constexpr qsizetype MaxStoredAttachmentBytes = 256 * 1024;
constexpr qint64 MaxAttachmentFileBytes = 512LL * 1024 * 1024;

enum AttachmentColumn { PositionColumn, LabelColumn, SizeColumn, RemoveColumn };

QString sizeText(qint64 bytes)
{
    return TimelineModel::formatBytes(bytes); // the same units everywhere
}
} // namespace

QVariantMap ComposerDraft::toVariant() const
{
    QVariantList stored;
    qsizetype total = 0;
    for (const ComposerAttachment &attachment : attachments) {
        total += attachment.bytes.size();
        if (total > MaxStoredAttachmentBytes)
            break;
        stored.append(
            QVariantMap{{QStringLiteral("label"), attachment.label},
                        {QStringLiteral("hex"), QString::fromLatin1(attachment.bytes.toHex())},
                        {QStringLiteral("position"), attachment.position}});
    }
    return {{QStringLiteral("nsp"), nsp},        {QStringLiteral("event"), eventName},
            {QStringLiteral("args"), argsText},  {QStringLiteral("attachments"), stored},
            {QStringLiteral("ack"), requestAck}, {QStringLiteral("ackTimeout"), ackTimeoutSeconds}};
}

ComposerDraft ComposerDraft::fromVariant(const QVariantMap &map)
{
    ComposerDraft draft;
    draft.nsp = map.value(QStringLiteral("nsp")).toString();
    draft.eventName = map.value(QStringLiteral("event")).toString();
    draft.argsText = map.value(QStringLiteral("args")).toString();
    draft.requestAck = map.value(QStringLiteral("ack")).toBool();
    draft.ackTimeoutSeconds = map.value(QStringLiteral("ackTimeout"), 10).toInt();
    const QVariantList attachments = map.value(QStringLiteral("attachments")).toList();
    for (const QVariant &item : attachments) {
        const QVariantMap attachment = item.toMap();
        draft.attachments.append(
            {attachment.value(QStringLiteral("label")).toString(),
             QByteArray::fromHex(attachment.value(QStringLiteral("hex")).toString().toLatin1()),
             attachment.value(QStringLiteral("position")).toInt()});
    }
    return draft;
}

Composer::Composer(QWidget *parent)
    : QWidget(parent)
    , m_nsp(new QComboBox(this))
    , m_event(new QLineEdit(this))
    , m_eventNames(new QStringListModel(this))
    , m_args(new JsonEditor(JsonEditor::Expect::Array, this))
    , m_attachmentTable(new QTableWidget(0, 4, this))
    , m_ack(new QCheckBox(tr("Request &ack"), this))
    , m_ackTimeout(new QSpinBox(this))
    , m_send(new QPushButton(tr("Send"), this))
    , m_historyButton(new QToolButton(this))
    , m_templateButton(new QToolButton(this))
    , m_summary(new QLabel(this))
    , m_result(new QLabel(this))
    , m_replyBar(new QWidget(this))
    , m_replyLabel(new QLabel(m_replyBar))
{
    // Until a profile gives a variables file: the process environment ({{HOME}}, CI's secrets).
    m_variables.setProcessEnvironment(QProcessEnvironment::systemEnvironment());
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(6, 4, 6, 4);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(4);

    // The reply banner: shown while the next send answers a server ack.
    auto *replyLayout = new QHBoxLayout(m_replyBar);
    replyLayout->setContentsMargins(6, 2, 2, 2);
    m_replyBar->setAutoFillBackground(true);
    m_replyBar->setStyleSheet(bannerStyleSheet(Tone::Warning, palette()));
    auto *cancelReply = new QToolButton(m_replyBar);
    cancelReply->setText(tr("Send an event instead"));
    cancelReply->setAutoRaise(true);
    replyLayout->addWidget(m_replyLabel, 1);
    replyLayout->addWidget(cancelReply);
    m_replyBar->hide();
    connect(cancelReply, &QToolButton::clicked, this, &Composer::clearReplyTarget);
    grid->addWidget(m_replyBar, 0, 0, 1, 6);

    m_nsp->setEditable(true);
    m_nsp->setInsertPolicy(QComboBox::NoInsert);
    m_nsp->setMinimumContentsLength(8);
    m_nsp->addItem(QStringLiteral("/"));
    m_nsp->setToolTip(tr("Namespace to send on"));
    m_event->setPlaceholderText(tr("event name"));
    m_event->setClearButtonEnabled(true);
    auto *completer = new QCompleter(m_eventNames, this);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    m_event->setCompleter(completer);
    m_historyButton->setText(tr("History"));
    m_historyButton->setPopupMode(QToolButton::InstantPopup);
    m_historyButton->setMenu(new QMenu(m_historyButton));
    m_historyButton->setToolTip(tr("Messages sent before"));
    m_templateButton->setText(tr("Templates"));
    m_templateButton->setPopupMode(QToolButton::InstantPopup);
    m_templateButton->setMenu(new QMenu(m_templateButton));
    connect(m_historyButton->menu(), &QMenu::aboutToShow, this, &Composer::rebuildHistoryMenu);
    connect(m_templateButton->menu(), &QMenu::aboutToShow, this, &Composer::rebuildTemplateMenu);

    auto *nspLabel = new QLabel(tr("&Namespace"), this);
    nspLabel->setBuddy(m_nsp);
    auto *eventLabel = new QLabel(tr("&Event"), this);
    eventLabel->setBuddy(m_event);
    auto *top = new QHBoxLayout;
    top->addWidget(m_nsp);
    top->addSpacing(8);
    top->addWidget(eventLabel);
    top->addWidget(m_event, 1);
    top->addWidget(m_historyButton);
    top->addWidget(m_templateButton);
    grid->addWidget(nspLabel, 1, 0);
    grid->addLayout(top, 1, 1, 1, 5);

    auto *argsLabel = new QLabel(tr("A&rguments"), this);
    argsLabel->setBuddy(m_args->editor());
    argsLabel->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_args->setPlaceholderText(tr("[\"hello\", {\"n\": 1}]   (a JSON array; empty: no arguments)"));
    m_args->setVisibleLines(3);
    grid->addWidget(argsLabel, 2, 0);
    grid->addWidget(m_args, 2, 1, 1, 5);

    m_attachmentTable->setHorizontalHeaderLabels(
        {tr("Position"), tr("Attachment"), tr("Size"), {}});
    m_attachmentTable->verticalHeader()->hide();
    m_attachmentTable->horizontalHeader()->setSectionResizeMode(LabelColumn, QHeaderView::Stretch);
    m_attachmentTable->horizontalHeader()->setSectionResizeMode(PositionColumn,
                                                                QHeaderView::ResizeToContents);
    m_attachmentTable->horizontalHeader()->setSectionResizeMode(SizeColumn,
                                                                QHeaderView::ResizeToContents);
    m_attachmentTable->horizontalHeader()->setSectionResizeMode(RemoveColumn,
                                                                QHeaderView::ResizeToContents);
    m_attachmentTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_attachmentTable->setMaximumHeight(
        m_attachmentTable->verticalHeader()->defaultSectionSize() * 3 +
        m_attachmentTable->horizontalHeader()->sizeHint().height() + 4);
    m_attachmentTable->hide();
    auto *addFile = new QPushButton(tr("+ File…"), this);
    addFile->setToolTip(tr("Attach a file as a binary argument"));
    auto *addHex = new QPushButton(tr("+ Hex…"), this);
    addHex->setToolTip(tr("Attach bytes typed or pasted as hex"));
    connect(addFile, &QPushButton::clicked, this, &Composer::chooseFiles);
    connect(addHex, &QPushButton::clicked, this, &Composer::addHexAttachment);
    auto *binaryLabel = new QLabel(tr("Binary"), this);
    auto *binaryRow = new QHBoxLayout;
    binaryRow->addWidget(addFile);
    binaryRow->addWidget(addHex);
    binaryRow->addStretch();
    grid->addWidget(binaryLabel, 3, 0);
    grid->addLayout(binaryRow, 3, 1, 1, 5);
    grid->addWidget(m_attachmentTable, 4, 1, 1, 5);

    m_ackTimeout->setRange(0, 3600);
    m_ackTimeout->setValue(10);
    m_ackTimeout->setSuffix(tr(" s"));
    m_ackTimeout->setSpecialValueText(tr("no timeout"));
    m_ackTimeout->setPrefix(tr("timeout "));
    m_ackTimeout->setEnabled(false);
    connect(m_ack, &QCheckBox::toggled, m_ackTimeout, &QSpinBox::setEnabled);
    m_send->setToolTip(tr("Send (Ctrl+Enter)"));
    m_send->setDefault(true);
    m_summary->setStyleSheet(QStringLiteral("color: palette(mid);"));
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_ack);
    bottom->addWidget(m_ackTimeout);
    bottom->addSpacing(12);
    bottom->addWidget(m_summary);
    bottom->addStretch();
    bottom->addWidget(m_result);
    bottom->addWidget(m_send);
    grid->addLayout(bottom, 5, 0, 1, 6);
    grid->setColumnStretch(1, 1);
    grid->setRowStretch(6, 1);

    connect(m_send, &QPushButton::clicked, this, &Composer::send);
    connect(m_event, &QLineEdit::textChanged, this, &Composer::updateState);
    connect(m_nsp, &QComboBox::currentTextChanged, this, &Composer::updateState);
    connect(m_args, &JsonEditor::textChanged, this, &Composer::updateState);
    connect(m_ack, &QCheckBox::toggled, this, &Composer::updateState);

    const QVariantList stored = QSettings().value(HistoryKey).toList();
    for (const QVariant &item : stored)
        m_history.append(ComposerDraft::fromVariant(item.toMap()));
    updateState();
}

void Composer::setNamespaces(const QStringList &names)
{
    const QString current = currentNamespace();
    const QSignalBlocker blocker(m_nsp);
    m_nsp->clear();
    m_nsp->addItems(names.isEmpty() ? QStringList{QStringLiteral("/")} : names);
    m_nsp->setEditText(current.isEmpty() ? m_nsp->itemText(0) : current);
}

void Composer::setCurrentNamespace(const QString &name)
{
    if (name.isEmpty())
        return;
    const int index = m_nsp->findText(name);
    if (index >= 0)
        m_nsp->setCurrentIndex(index);
    else
        m_nsp->setEditText(name);
}

QString Composer::currentNamespace() const
{
    QString name = m_nsp->currentText().trimmed();
    if (!name.isEmpty() && !name.startsWith(QLatin1Char('/')))
        name.prepend(QLatin1Char('/'));
    return name;
}

void Composer::addEventName(const QString &name)
{
    QStringList names = m_eventNames->stringList();
    if (names.contains(name))
        return;
    names.append(name);
    names.sort(Qt::CaseInsensitive);
    m_eventNames->setStringList(names);
}

QStringList Composer::eventNames() const
{
    return m_eventNames->stringList();
}

void Composer::setEventName(const QString &name)
{
    m_event->setText(name);
}

void Composer::setArgumentsText(const QString &json)
{
    m_args->setText(json);
}

QString Composer::argumentsText() const
{
    return m_args->text();
}

void Composer::setRequestAck(bool request, int timeoutSeconds)
{
    m_ack->setChecked(request);
    if (timeoutSeconds >= 0)
        m_ackTimeout->setValue(timeoutSeconds);
}

void Composer::addAttachment(const ComposerAttachment &attachment)
{
    m_attachments.append(attachment);
    refreshAttachmentTable();
    updateState();
}

bool Composer::addAttachmentFile(const QString &fileName, QString *error)
{
    QFile file(fileName);
    if (file.size() > MaxAttachmentFileBytes) {
        if (error)
            *error = tr("%1 is larger than %2").arg(fileName, sizeText(MaxAttachmentFileBytes));
        return false;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = tr("cannot read %1: %2").arg(fileName, file.errorString());
        return false;
    }
    ComposerAttachment attachment;
    attachment.label = QFileInfo(fileName).fileName();
    attachment.bytes = file.readAll();
    attachment.position = m_args->value().toArray().size() + int(m_attachments.size());
    addAttachment(attachment);
    return true;
}

bool Composer::parseHex(const QString &text, QByteArray *bytes, QString *error)
{
    QString digits;
    digits.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c.isSpace() || c == QLatin1Char(':') || c == QLatin1Char(',') || c == QLatin1Char('-'))
            continue;
        if (c == QLatin1Char('0') && i + 1 < text.size() &&
            (text.at(i + 1) == QLatin1Char('x') || text.at(i + 1) == QLatin1Char('X'))) {
            ++i;
            continue;
        }
        if (c.unicode() > 127 || hexDigitValue(char(c.unicode())) < 0) {
            if (error)
                *error = tr("not a hex digit at character %1: '%2'").arg(i + 1).arg(c);
            return false;
        }
        digits.append(c);
    }
    if (digits.size() % 2 != 0) {
        if (error)
            *error = tr("odd number of hex digits (%1)").arg(digits.size());
        return false;
    }
    *bytes = QByteArray::fromHex(digits.toLatin1());
    return true;
}

QList<ComposerAttachment> Composer::attachments() const
{
    return m_attachments;
}

void Composer::clearAttachments()
{
    m_attachments.clear();
    refreshAttachmentTable();
    updateState();
}

void Composer::setReplyTarget(const QString &nsp, qint64 id, const QString &eventName)
{
    m_replyNsp = nsp;
    m_replyId = id;
    m_replyEvent = eventName;
    m_replyLabel->setText(tr("↩ Replying to server ack #%1 \"%2\" on %3. The arguments become "
                             "the ack's payload.")
                              .arg(id)
                              .arg(eventName.toHtmlEscaped(), nsp));
    m_replyBar->show();
    setCurrentNamespace(nsp);
    updateState();
}

void Composer::clearReplyTarget()
{
    m_replyId = -1;
    m_replyNsp.clear();
    m_replyEvent.clear();
    m_replyBar->hide();
    updateState();
}

bool Composer::canSend(QString *reason) const
{
    QString why;
    if (!m_args->isValid())
        why = tr("arguments: %1").arg(m_args->result().error);
    else if (!isReplying() && m_event->text().trimmed().isEmpty())
        why = tr("an event name is needed");
    else if (currentNamespace().isEmpty())
        why = tr("a namespace is needed");
    if (why.isEmpty()) {
        QString name;
        QJsonValue args;
        QString error;
        if (!m_variables.substituteText(m_event->text(), &name, &error) ||
            !m_variables.substitute(m_args->value(), &args, &error))
            why = m_variablesSource.isEmpty()
                      ? tr("%1 (no variables file is set: Options…)").arg(error)
                      : tr("%1 in %2 or the environment").arg(error, m_variablesSource);
    }
    if (reason)
        *reason = why;
    return why.isEmpty();
}

QJsonArray Composer::argumentsWithPlaceholders(const QJsonArray &args,
                                               const QList<ComposerAttachment> &attachments,
                                               QList<QByteArray> *orderedBytes)
{
    // Placeholders are numbered in the order the attachments are listed; each goes to its
    // position among the final arguments (ties keep the list order).
    QList<int> order(attachments.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return attachments.at(a).position < attachments.at(b).position;
    });
    QJsonArray result = args;
    int previous = -1;
    for (int number : order) {
        const int wanted = qMax(attachments.at(number).position, previous + 1);
        const int at = qMin(wanted, int(result.size()));
        result.insert(at, QJsonObject{{QStringLiteral("_placeholder"), true},
                                      {QStringLiteral("num"), number}});
        previous = at;
    }
    if (orderedBytes) {
        orderedBytes->clear();
        for (const ComposerAttachment &attachment : attachments)
            orderedBytes->append(attachment.bytes);
    }
    return result;
}

void Composer::setVariables(const ScenarioVariables &variables, const QString &source)
{
    m_variables = variables;
    m_variablesSource = source;
    updateState();
}

OutgoingMessage Composer::message() const
{
    OutgoingMessage message;
    message.nsp = isReplying() ? m_replyNsp : currentNamespace();
    QJsonValue substituted = m_args->value();
    QString error;
    if (!m_variables.substitute(m_args->value(), &substituted, &error))
        substituted = m_args->value();
    const QJsonArray args =
        argumentsWithPlaceholders(substituted.toArray(), m_attachments, &message.attachments);
    if (isReplying()) {
        message.isAckReply = true;
        message.replyToId = m_replyId;
        message.eventName = m_replyEvent;
        message.data = args;
    } else {
        QString name;
        message.eventName = m_variables.substituteText(m_event->text(), &name, &error)
                                ? name.trimmed()
                                : m_event->text().trimmed();
        message.data = args;
        message.data.prepend(message.eventName);
        message.ackTimeoutMs = m_ack->isChecked() ? m_ackTimeout->value() * 1000 : -1;
    }
    return message;
}

void Composer::send()
{
    QString reason;
    if (!canSend(&reason)) {
        reportSendFailed(reason);
        return;
    }
    Q_EMIT sendRequested(message());
}

void Composer::reportSent(const OutgoingMessage &message, qint64 ackId)
{
    QString text = message.isAckReply ? tr("✓ answered ack #%1").arg(message.replyToId)
                                      : tr("✓ sent \"%1\"").arg(message.eventName);
    if (!message.isAckReply && ackId >= 0)
        text += QStringLiteral(" ") + tr("(ack #%1 pending)").arg(ackId);
    m_result->setText(text);
    m_result->setStyleSheet(textStyleSheet(Tone::Success, palette()));
    m_result->setToolTip({});
    const ComposerDraft sent = draft();
    if (m_history.isEmpty() || m_history.first().toVariant() != sent.toVariant()) {
        m_history.prepend(sent);
        while (m_history.size() > MaxHistory)
            m_history.removeLast();
        QVariantList stored;
        for (const ComposerDraft &entry : std::as_const(m_history))
            stored.append(entry.toVariant());
        QSettings().setValue(HistoryKey, stored);
    }
    if (message.isAckReply)
        clearReplyTarget();
}

void Composer::reportSendFailed(const QString &error)
{
    m_result->setText(QStringLiteral("✗ ") + error);
    m_result->setToolTip(error);
    m_result->setStyleSheet(textStyleSheet(Tone::Error, palette()));
}

ComposerDraft Composer::draft() const
{
    ComposerDraft draft;
    draft.nsp = currentNamespace();
    draft.eventName = m_event->text().trimmed();
    draft.argsText = m_args->text();
    draft.attachments = m_attachments;
    draft.requestAck = m_ack->isChecked();
    draft.ackTimeoutSeconds = m_ackTimeout->value();
    return draft;
}

void Composer::loadDraft(const ComposerDraft &draft)
{
    setCurrentNamespace(draft.nsp);
    if (!isReplying())
        m_event->setText(draft.eventName);
    m_args->setText(draft.argsText);
    m_attachments = draft.attachments;
    refreshAttachmentTable();
    setRequestAck(draft.requestAck, draft.ackTimeoutSeconds);
    updateState();
}

QStringList Composer::templateNames() const
{
    QStringList names = QSettings().value(TemplatesKey).toMap().keys();
    names.sort(Qt::CaseInsensitive);
    return names;
}

void Composer::saveTemplate(const QString &name)
{
    QSettings settings;
    QVariantMap templates = settings.value(TemplatesKey).toMap();
    templates.insert(name, draft().toVariant());
    settings.setValue(TemplatesKey, templates);
}

bool Composer::loadTemplate(const QString &name)
{
    const QVariantMap templates = QSettings().value(TemplatesKey).toMap();
    if (!templates.contains(name))
        return false;
    loadDraft(ComposerDraft::fromVariant(templates.value(name).toMap()));
    return true;
}

void Composer::deleteTemplate(const QString &name)
{
    QSettings settings;
    QVariantMap templates = settings.value(TemplatesKey).toMap();
    templates.remove(name);
    settings.setValue(TemplatesKey, templates);
}

void Composer::setSendLabel(const QString &label)
{
    m_sendLabel = label;
    updateState();
}

void Composer::updateState()
{
    m_event->setEnabled(!isReplying());
    m_ack->setEnabled(!isReplying());
    m_ackTimeout->setEnabled(!isReplying() && m_ack->isChecked());
    m_send->setText(isReplying()            ? tr("Send Ack")
                    : m_sendLabel.isEmpty() ? tr("Send")
                                            : m_sendLabel);
    QString reason;
    if (!canSend(&reason)) {
        m_summary->setText(reason);
        return;
    }
    const OutgoingMessage outgoing = message();
    const int args = int(outgoing.data.size()) - (outgoing.isAckReply ? 0 : 1);
    QString summary = outgoing.isAckReply ? tr("ACK #%1 on %2, %n argument(s)", nullptr, args)
                                                .arg(outgoing.replyToId)
                                                .arg(outgoing.nsp)
                                          : tr("EVENT \"%1\" on %2, %n argument(s)", nullptr, args)
                                                .arg(outgoing.eventName, outgoing.nsp);
    if (!outgoing.attachments.isEmpty())
        summary += tr(", %n binary", nullptr, int(outgoing.attachments.size()));
    m_summary->setText(summary);
}

void Composer::refreshAttachmentTable()
{
    m_attachmentTable->setRowCount(int(m_attachments.size()));
    for (int row = 0; row < m_attachments.size(); ++row) {
        const ComposerAttachment &attachment = m_attachments.at(row);
        auto *position = new QSpinBox(m_attachmentTable);
        position->setRange(0, 999);
        position->setValue(attachment.position);
        position->setToolTip(tr("Index among the arguments (0 = right after the event name)"));
        connect(position, &QSpinBox::valueChanged, this, [this, row](int value) {
            if (row < m_attachments.size())
                m_attachments[row].position = value;
            updateState();
        });
        m_attachmentTable->setCellWidget(row, PositionColumn, position);
        auto *label = new QTableWidgetItem(
            QStringLiteral("%1%2  %3").arg(Glyphs::Attachment).arg(row).arg(attachment.label));
        label->setToolTip(QString::fromLatin1(attachment.bytes.left(64).toHex(' ')) +
                          (attachment.bytes.size() > 64 ? QStringLiteral(" …") : QString()));
        m_attachmentTable->setItem(row, LabelColumn, label);
        m_attachmentTable->setItem(row, SizeColumn,
                                   new QTableWidgetItem(sizeText(attachment.bytes.size())));
        auto *remove = new QToolButton(m_attachmentTable);
        remove->setText(QStringLiteral("✕"));
        remove->setAutoRaise(true);
        remove->setToolTip(tr("Remove this attachment"));
        connect(remove, &QToolButton::clicked, this, [this, row] {
            if (row < m_attachments.size())
                m_attachments.removeAt(row);
            // Deferred: the button being clicked belongs to the table about to be rebuilt.
            QMetaObject::invokeMethod(
                this,
                [this] {
                    refreshAttachmentTable();
                    updateState();
                },
                Qt::QueuedConnection);
        });
        m_attachmentTable->setCellWidget(row, RemoveColumn, remove);
    }
    m_attachmentTable->setVisible(!m_attachments.isEmpty());
}

void Composer::chooseFiles()
{
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("Attach Files"));
    for (const QString &file : files) {
        QString error;
        if (!addAttachmentFile(file, &error))
            reportSendFailed(error);
    }
}

void Composer::addHexAttachment()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Attach Hex Bytes"));
    auto *layout = new QVBoxLayout(&dialog);
    auto *edit = new QPlainTextEdit(&dialog);
    edit->setPlaceholderText(QStringLiteral("01 02 03 ff   or   0x01,0x02   or   010203ff"));
    auto *status = new QLabel(&dialog);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    layout->addWidget(new QLabel(tr("Bytes as hex:"), &dialog));
    layout->addWidget(edit);
    layout->addWidget(status);
    layout->addWidget(buttons);
    QByteArray bytes;
    const auto check = [&] {
        QString error;
        const bool ok = parseHex(edit->toPlainText(), &bytes, &error);
        status->setText(ok ? tr("%n byte(s)", nullptr, int(bytes.size()))
                           : QStringLiteral("✗ ") + error);
        buttons->button(QDialogButtonBox::Ok)->setEnabled(ok && !bytes.isEmpty());
    };
    connect(edit, &QPlainTextEdit::textChanged, &dialog, check);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    check();
    if (dialog.exec() != QDialog::Accepted)
        return;
    addAttachment(
        {tr("pasted hex"), bytes, int(m_args->value().toArray().size() + m_attachments.size())});
}

void Composer::rebuildHistoryMenu()
{
    QMenu *menu = m_historyButton->menu();
    menu->clear();
    if (m_history.isEmpty()) {
        menu->addAction(tr("Nothing sent yet"))->setEnabled(false);
        return;
    }
    for (int i = 0; i < m_history.size(); ++i) {
        const ComposerDraft &entry = m_history.at(i);
        QString args = entry.argsText.simplified();
        if (args.size() > 60)
            args = args.left(60) + QStringLiteral("…");
        QString text = QStringLiteral("%1  %2  %3").arg(entry.nsp, entry.eventName, args);
        if (!entry.attachments.isEmpty())
            text += QStringLiteral("  %1%2").arg(Glyphs::Attachment).arg(entry.attachments.size());
        menu->addAction(text, this, [this, i] {
            if (i < m_history.size())
                loadDraft(m_history.at(i));
        });
    }
    menu->addSeparator();
    menu->addAction(tr("Clear History"), this, [this] {
        m_history.clear();
        QSettings().remove(HistoryKey);
    });
}

void Composer::rebuildTemplateMenu()
{
    QMenu *menu = m_templateButton->menu();
    menu->clear();
    menu->addAction(tr("Save as Template…"), this, &Composer::askTemplateName);
    const QStringList names = templateNames();
    if (names.isEmpty())
        return;
    menu->addSeparator();
    for (const QString &name : names)
        menu->addAction(name, this, [this, name] { loadTemplate(name); });
    menu->addSeparator();
    QMenu *remove = menu->addMenu(tr("Delete Template"));
    for (const QString &name : names)
        remove->addAction(name, this, [this, name] { deleteTemplate(name); });
}

void Composer::askTemplateName()
{
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save Template"), tr("Template name:"),
                                               QLineEdit::Normal, m_event->text(), &ok)
                             .trimmed();
    if (ok && !name.isEmpty())
        saveTemplate(name);
}
