// The composer: builds an event (or the answer to an ack the server asked for) from a namespace,
// an event name, a JSON array of arguments and binary attachments, and hands it to MainWindow,
// which sends it through SocketIoNamespace. History of sent messages and named templates are
// kept in QSettings.
#pragma once

#include "scenario/scenariovariables.h"

#include <QByteArray>
#include <QJsonArray>
#include <QList>
#include <QString>
#include <QVariantMap>
#include <QWidget>

class JsonEditor;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QStringListModel;
class QTableWidget;
class QToolButton;

// One binary argument: its bytes and where it goes among the arguments.
struct ComposerAttachment
{
    QString label; // file name, or "pasted hex"
    QByteArray bytes;
    int position = 0; // index among the final arguments (after the event name)
};

// What the composer asks to send.
struct OutgoingMessage
{
    QString nsp = QStringLiteral("/");
    bool isAckReply = false;
    qint64 replyToId = -1;         // the server's ack id when isAckReply
    QString eventName;             // for display; empty for an ack reply
    QJsonArray data;               // [eventName, args...] for an event; [args...] for an ack reply
    QList<QByteArray> attachments; // numbered like the placeholders in data
    int ackTimeoutMs = -1;         // -1: no ack requested; 0: ack without timeout
};

// Everything the form holds, for history and templates.
struct ComposerDraft
{
    QString nsp;
    QString eventName;
    QString argsText;
    QList<ComposerAttachment> attachments;
    bool requestAck = false;
    int ackTimeoutSeconds = 10;

    QVariantMap toVariant() const;
    static ComposerDraft fromVariant(const QVariantMap &map);
};

class Composer : public QWidget
{
    Q_OBJECT
public:
    explicit Composer(QWidget *parent = nullptr);

    // The namespaces offered (the connected ones first); the current choice is kept if present.
    void setNamespaces(const QStringList &names);
    void setCurrentNamespace(const QString &name);
    QString currentNamespace() const;
    void addEventName(const QString &name); // for completion
    QStringList eventNames() const;

    void setEventName(const QString &name);
    void setArgumentsText(const QString &json);
    QString argumentsText() const;
    void setRequestAck(bool request, int timeoutSeconds = -1);

    // Attachments, each a binary argument at a position.
    void addAttachment(const ComposerAttachment &attachment);
    bool addAttachmentFile(const QString &fileName, QString *error = nullptr);
    // Hex digits, optionally separated by spaces, colons or commas, "0x" prefixes allowed.
    static bool parseHex(const QString &text, QByteArray *bytes, QString *error);
    QList<ComposerAttachment> attachments() const;
    void clearAttachments();

    // "Replying to server ack #N 'event'": the next send answers that ack.
    void setReplyTarget(const QString &nsp, qint64 id, const QString &eventName);
    void clearReplyTarget();
    bool isReplying() const { return m_replyId >= 0; }
    qint64 replyId() const { return m_replyId; }

    // {{variables}} in the event name and the arguments are replaced from these when a message
    // is sent (the form, the history and the templates keep the references). `source` names
    // where they come from, for the messages ("staging.yaml").
    void setVariables(const ScenarioVariables &variables, const QString &source);

    // Whether the form holds something sendable; why not in *reason.
    bool canSend(QString *reason = nullptr) const;
    // The message as it would be sent now, with its variables replaced (a message that
    // canSend() refuses for an undefined variable keeps the reference).
    OutgoingMessage message() const;
    // Inserts placeholders for the attachments into the arguments at their positions.
    static QJsonArray argumentsWithPlaceholders(const QJsonArray &args,
                                                const QList<ComposerAttachment> &attachments,
                                                QList<QByteArray> *orderedBytes);

    ComposerDraft draft() const;
    void loadDraft(const ComposerDraft &draft);
    QList<ComposerDraft> history() const { return m_history; }
    QStringList templateNames() const;
    void saveTemplate(const QString &name);
    bool loadTemplate(const QString &name);
    void deleteTemplate(const QString &name);

    QLineEdit *eventEdit() const { return m_event; }
    JsonEditor *argumentsEditor() const { return m_args; }
    QPushButton *sendButton() const { return m_send; }
    // The send button's text for an event ("Send" unless set; "Inject" in the proxy window).
    void setSendLabel(const QString &label);
    QComboBox *namespaceCombo() const { return m_nsp; }
    QLabel *resultLabel() const { return m_result; }
    QLabel *replyBanner() const { return m_replyLabel; }

    static constexpr int MaxHistory = 50;

public Q_SLOTS:
    // Emits sendRequested() when the form is valid; otherwise shows why not.
    void send();
    // MainWindow reports what happened to the last sendRequested().
    void reportSent(const OutgoingMessage &message, qint64 ackId);
    void reportSendFailed(const QString &error);

Q_SIGNALS:
    void sendRequested(const OutgoingMessage &message);

private:
    void updateState();
    void refreshAttachmentTable();
    void addHexAttachment();
    void chooseFiles();
    void rebuildHistoryMenu();
    void rebuildTemplateMenu();
    void askTemplateName();

    QComboBox *m_nsp;
    QLineEdit *m_event;
    QStringListModel *m_eventNames;
    JsonEditor *m_args;
    QTableWidget *m_attachmentTable;
    QCheckBox *m_ack;
    QSpinBox *m_ackTimeout;
    QPushButton *m_send;
    QToolButton *m_historyButton;
    QToolButton *m_templateButton;
    QLabel *m_summary;
    QLabel *m_result;
    QWidget *m_replyBar;
    QLabel *m_replyLabel;
    QList<ComposerAttachment> m_attachments;
    QList<ComposerDraft> m_history;
    ScenarioVariables m_variables;
    QString m_variablesSource;
    QString m_replyNsp;
    qint64 m_replyId = -1;
    QString m_replyEvent;
    QString m_sendLabel;
};
