#include "connectiondialog.h"

#include "jsoneditor.h"
#include "proxypage.h"
#include "session/redaction.h"
#include "tones.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace {
QTableWidget *createPairTable(const QString &nameHeader, QWidget *parent)
{
    auto *table = new QTableWidget(0, 2, parent);
    table->setHorizontalHeaderLabels({nameHeader, QObject::tr("Value")});
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->resizeSection(0, 180);
    table->verticalHeader()->hide();
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    return table;
}

void appendPair(QTableWidget *table, const QString &name, const QString &value)
{
    const int row = table->rowCount();
    table->insertRow(row);
    table->setItem(row, 0, new QTableWidgetItem(name));
    table->setItem(row, 1, new QTableWidgetItem(value));
}

QList<QPair<QString, QString>> tablePairs(const QTableWidget *table)
{
    QList<QPair<QString, QString>> pairs;
    for (int row = 0; row < table->rowCount(); ++row) {
        const QString name =
            table->item(row, 0) ? table->item(row, 0)->text().trimmed() : QString();
        const QString value = table->item(row, 1) ? table->item(row, 1)->text() : QString();
        if (!name.isEmpty())
            pairs.append({name, value});
    }
    return pairs;
}

// [+] [−] under a table.
QWidget *pairTableWithButtons(QTableWidget *table, QWidget *parent)
{
    auto *box = new QWidget(parent);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(table);
    auto *buttons = new QHBoxLayout;
    auto *add = new QToolButton(box);
    add->setText(QStringLiteral("+"));
    add->setToolTip(QObject::tr("Add a row"));
    auto *remove = new QToolButton(box);
    remove->setText(QStringLiteral("−"));
    remove->setToolTip(QObject::tr("Remove the selected rows"));
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch();
    layout->addLayout(buttons);
    QObject::connect(add, &QToolButton::clicked, table, [table] {
        appendPair(table, {}, {});
        table->setCurrentCell(table->rowCount() - 1, 0);
        table->editItem(table->item(table->rowCount() - 1, 0));
    });
    QObject::connect(remove, &QToolButton::clicked, table, [table] {
        const QModelIndexList rows = table->selectionModel()->selectedRows();
        QList<int> numbers;
        for (const QModelIndex &index : rows)
            numbers.append(index.row());
        std::sort(numbers.rbegin(), numbers.rend());
        for (int row : numbers)
            table->removeRow(row);
    });
    return box;
}

// Secret rows are marked, so the user knows they are kept out of profiles and exports.
void markSecrets(QTableWidget *table)
{
    for (int row = 0; row < table->rowCount(); ++row) {
        QTableWidgetItem *name = table->item(row, 0);
        if (!name)
            continue;
        const bool secret = Redaction::isSecretName(name->text());
        name->setToolTip(secret ? QObject::tr("A secret: redacted in exports and journals, and "
                                              "not saved in profiles unless you opt in")
                                : QString());
        name->setForeground(secret ? QColor(0xb9, 0x77, 0x0e) : QColor());
    }
}
} // namespace

ConnectionDialog::ConnectionDialog(const ConnectionProfile &profile, QWidget *parent)
    : QDialog(parent)
    , m_profile(profile)
{
    setWindowTitle(tr("Connection Options"));
    auto *tabs = new QTabWidget(this);
    tabs->addTab(createGeneralPage(), tr("General"));
    tabs->addTab(createRequestPage(), tr("Query && Headers"));
    tabs->addTab(createAuthPage(), tr("Auth"));
    tabs->addTab(createReconnectPage(), tr("Reconnection"));
    tabs->addTab(createTlsPage(), tr("TLS"));
    m_proxyPage = new ProxyPage(m_profile.options.engine.proxy, m_profile.options.engine.url, this);
    connect(m_proxyPage, &ProxyPage::validityChanged, this, &ConnectionDialog::updateAcceptable);
    tabs->addTab(m_proxyPage, tr("Proxy"));
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    layout->addWidget(m_buttons);
    resize(620, 460);
    updateAcceptable();
}

QWidget *ConnectionDialog::createGeneralPage()
{
    auto *page = new QWidget(this);
    auto *form = new QFormLayout(page);
    const SocketIoOptions &options = m_profile.options;
    m_path = new QLineEdit(options.engine.path, page);
    m_path->setPlaceholderText(QStringLiteral("/socket.io/"));
    form->addRow(tr("&Path:"), m_path);
    m_connectTimeout = new QSpinBox(page);
    m_connectTimeout->setRange(1, 600);
    m_connectTimeout->setSuffix(tr(" s"));
    m_connectTimeout->setValue(qMax(1, options.engine.connectTimeoutMs / 1000));
    form->addRow(tr("&Connect timeout:"), m_connectTimeout);
    m_ackTimeout = new QSpinBox(page);
    m_ackTimeout->setRange(0, 3600);
    m_ackTimeout->setSuffix(tr(" s"));
    m_ackTimeout->setSpecialValueText(tr("never"));
    m_ackTimeout->setValue(options.ackTimeoutMs / 1000);
    form->addRow(tr("&Ack timeout:"), m_ackTimeout);
    m_recoverState = new QCheckBox(tr("Recover the session after a drop (Socket.IO v5)"), page);
    m_recoverState->setChecked(options.recoverState);
    form->addRow(QString(), m_recoverState);
    m_parser = new QComboBox(page);
    m_parser->addItem(tr("auto (text until the server shows msgpack)"),
                      static_cast<int>(SocketIoParser::Kind::Auto));
    m_parser->addItem(tr("default (socket.io-parser)"),
                      static_cast<int>(SocketIoParser::Kind::Default));
    m_parser->addItem(tr("msgpack (socket.io-msgpack-parser)"),
                      static_cast<int>(SocketIoParser::Kind::Msgpack));
    m_parser->setCurrentIndex(m_parser->findData(static_cast<int>(options.parser)));
    m_parser->setToolTip(tr("Must match the server's parser; msgpack needs Socket.IO v5 "
                            "(Engine.IO v4). auto starts with the text parser and reconnects "
                            "once with msgpack when the server shows it speaks it"));
    form->addRow(tr("P&arser:"), m_parser);
    m_origin = new QLineEdit(QString::fromUtf8(options.engine.origin), page);
    m_origin->setPlaceholderText(tr("none (e.g. https://app.example.com)"));
    m_origin->setToolTip(tr("Sent as the Origin header on every request (polling and the "
                            "WebSocket upgrade); it replaces an Origin among the headers"));
    form->addRow(tr("&Origin:"), m_origin);
    m_variablesFile = new QLineEdit(m_profile.variablesFile, page);
    m_variablesFile->setPlaceholderText(tr("none (a YAML or JSON file: name: value)"));
    m_variablesFile->setToolTip(
        tr("{{variables}} in the composer's event name and arguments (templates and history "
           "keep them) come from this file, then from the process environment; the same files "
           "as sioscope-cli test --env"));
    form->addRow(tr("&Variables file:"), m_variablesFile);
    m_parserError = new QLabel(page);
    m_parserError->setWordWrap(true);
    m_parserError->setStyleSheet(QStringLiteral("color: #b91c1c;"));
    m_parserError->hide();
    form->addRow(QString(), m_parserError);
    connect(m_parser, &QComboBox::currentIndexChanged, this, &ConnectionDialog::updateAcceptable);
    return page;
}

QWidget *ConnectionDialog::createRequestPage()
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    m_query = createPairTable(tr("Parameter"), page);
    for (const auto &[name, value] : m_profile.options.engine.query)
        appendPair(m_query, name, value);
    m_headers = createPairTable(tr("Header"), page);
    for (const auto &[name, value] : m_profile.options.engine.headers)
        appendPair(m_headers, QString::fromUtf8(name), QString::fromUtf8(value));
    markSecrets(m_query);
    markSecrets(m_headers);
    connect(m_query, &QTableWidget::itemChanged, this, [this] { markSecrets(m_query); });
    connect(m_headers, &QTableWidget::itemChanged, this, [this] { markSecrets(m_headers); });
    layout->addWidget(new QLabel(tr("Query parameters (added to every request):"), page));
    layout->addWidget(pairTableWithButtons(m_query, page));
    layout->addWidget(
        new QLabel(tr("Headers (every HTTP request and the WebSocket handshake):"), page));
    layout->addWidget(pairTableWithButtons(m_headers, page));
    auto *hint = new QLabel(tr("Names in amber (Authorization, Cookie, *token*, *secret*, …) are "
                               "secrets: redacted in exports and journals."),
                            page);
    hint->setWordWrap(true);
    layout->addWidget(hint);
    return page;
}

QWidget *ConnectionDialog::createAuthPage()
{
    auto *page = new QWidget(this);
    auto *layout = new QHBoxLayout(page);
    auto *left = new QVBoxLayout;
    left->addWidget(new QLabel(tr("Namespaces joined on connect:"), page));
    m_namespaces = new QListWidget(page);
    for (const NamespaceJoin &join : m_profile.namespaces) {
        m_namespaces->addItem(join.name);
        m_authTexts.insert(join.name, join.auth.isEmpty()
                                          ? QString()
                                          : QString::fromUtf8(QJsonDocument(join.auth).toJson(
                                                QJsonDocument::Indented)));
    }
    left->addWidget(m_namespaces);
    auto *buttons = new QHBoxLayout;
    auto *add = new QToolButton(page);
    add->setText(QStringLiteral("+"));
    add->setToolTip(tr("Add a namespace"));
    auto *remove = new QToolButton(page);
    remove->setText(QStringLiteral("−"));
    remove->setToolTip(tr("Remove the selected namespace"));
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch();
    left->addLayout(buttons);
    layout->addLayout(left, 1);

    auto *right = new QVBoxLayout;
    right->addWidget(
        new QLabel(tr("Auth payload sent with CONNECT (a JSON object; empty: none):"), page));
    m_auth = new JsonEditor(JsonEditor::Expect::Object, page);
    m_auth->setPlaceholderText(QStringLiteral("{\"token\": \"…\"}"));
    right->addWidget(m_auth);
    layout->addLayout(right, 2);

    connect(add, &QToolButton::clicked, this, &ConnectionDialog::addNamespace);
    connect(remove, &QToolButton::clicked, this, &ConnectionDialog::removeNamespace);
    connect(m_namespaces, &QListWidget::currentTextChanged, this,
            &ConnectionDialog::selectNamespace);
    connect(m_auth, &JsonEditor::textChanged, this, [this] {
        if (!m_currentNamespace.isEmpty())
            m_authTexts.insert(m_currentNamespace, m_auth->text());
        updateAcceptable();
    });
    if (m_namespaces->count() > 0)
        m_namespaces->setCurrentRow(0);
    else
        m_auth->setEnabled(false);
    return page;
}

QWidget *ConnectionDialog::createReconnectPage()
{
    auto *page = new QWidget(this);
    auto *form = new QFormLayout(page);
    const ReconnectPolicy &policy = m_profile.options.engine.reconnect;
    m_reconnect = new QCheckBox(tr("Reconnect after an unplanned drop"), page);
    m_reconnect->setChecked(policy.enabled);
    form->addRow(QString(), m_reconnect);
    m_maxAttempts = new QSpinBox(page);
    m_maxAttempts->setRange(-1, 10000);
    m_maxAttempts->setSpecialValueText(tr("unlimited"));
    m_maxAttempts->setValue(policy.maxAttempts);
    form->addRow(tr("&Attempts:"), m_maxAttempts);
    m_delay = new QSpinBox(page);
    m_delay->setRange(0, 600000);
    m_delay->setSingleStep(100);
    m_delay->setSuffix(tr(" ms"));
    m_delay->setValue(policy.delayMs);
    form->addRow(tr("First &delay:"), m_delay);
    m_delayMax = new QSpinBox(page);
    m_delayMax->setRange(0, 3600000);
    m_delayMax->setSingleStep(1000);
    m_delayMax->setSuffix(tr(" ms"));
    m_delayMax->setValue(policy.delayMaxMs);
    form->addRow(tr("&Longest delay:"), m_delayMax);
    m_randomization = new QDoubleSpinBox(page);
    m_randomization->setRange(0, 1);
    m_randomization->setSingleStep(0.1);
    m_randomization->setValue(policy.randomization);
    form->addRow(tr("&Jitter (±fraction):"), m_randomization);
    const auto enable = [this](bool on) {
        m_maxAttempts->setEnabled(on);
        m_delay->setEnabled(on);
        m_delayMax->setEnabled(on);
        m_randomization->setEnabled(on);
    };
    connect(m_reconnect, &QCheckBox::toggled, this, enable);
    enable(policy.enabled);
    return page;
}

QWidget *ConnectionDialog::createTlsPage()
{
    auto *page = new QWidget(this);
    auto *form = new QFormLayout(page);
    const EngineIoOptions &engine = m_profile.options.engine;
    const QString pemFilter = tr("PEM certificates (*.pem *.crt *.cer);;All files (*)");
    m_caFile = addFileRow(form, tr("Extra &CA certificates (PEM):"), engine.caFile,
                          tr("CA Certificates"), pemFilter);
    m_caFile->setPlaceholderText(tr("the system's certificates only"));
    m_ignoreSsl = new QCheckBox(tr("Ignore certificate errors"), page);
    m_ignoreSsl->setChecked(m_profile.options.engine.ignoreSslErrors);
    form->addRow(QString(), m_ignoreSsl);
    auto *warning = new QLabel(tr("⚠ Anyone on the network path can read and change the traffic. "
                                  "The main window shows a warning while this is on."),
                               page);
    warning->setWordWrap(true);
    warning->setStyleSheet(textStyleSheet(Tone::Warning, palette()));
    warning->setVisible(m_ignoreSsl->isChecked());
    connect(m_ignoreSsl, &QCheckBox::toggled, warning, &QLabel::setVisible);
    form->addRow(QString(), warning);

    // The client certificate, for servers that ask for one (mutual TLS).
    m_clientCertificate = addFileRow(
        form, tr("Client c&ertificate:"), engine.clientCertificateFile, tr("Client Certificate"),
        tr("Certificates (*.pem *.crt *.cer *.p12 *.pfx);;All files (*)"));
    m_clientCertificate->setPlaceholderText(tr("none"));
    m_clientCertificate->setToolTip(
        tr("A PEM certificate (with its key below, or in the same file) or a PKCS#12 bundle "
           "(.p12/.pfx) that holds both"));
    m_clientKey = addFileRow(form, tr("Client &key (PEM):"), engine.clientKeyFile, tr("Client Key"),
                             tr("PEM keys (*.pem *.key);;All files (*)"));
    m_clientKey->setPlaceholderText(tr("in the certificate file"));
    m_clientKey->setToolTip(tr("The certificate's unencrypted PEM private key"));
    m_certificatePassword =
        new QLineEdit(QString::fromUtf8(engine.clientCertificatePassword), page);
    m_certificatePassword->setEchoMode(QLineEdit::Password);
    m_certificatePassword->setPlaceholderText(tr("PKCS#12 files only"));
    m_certificatePassword->setToolTip(
        tr("The password of a PKCS#12 file. It is kept in memory for this window only: never "
           "saved in profiles, logs or exports"));
    form->addRow(tr("PKCS#12 &password:"), m_certificatePassword);
    return page;
}

QLineEdit *ConnectionDialog::addFileRow(QFormLayout *form, const QString &label,
                                        const QString &file, const QString &dialogTitle,
                                        const QString &filter)
{
    QWidget *page = form->parentWidget();
    auto *row = new QHBoxLayout;
    auto *edit = new QLineEdit(file, page);
    auto *browse = new QPushButton(tr("Browse…"), page);
    row->addWidget(edit);
    row->addWidget(browse);
    // The label's buddy is the line edit: a row given as a layout has none, and its "&" would
    // show as it is.
    auto *text = new QLabel(label, page);
    text->setBuddy(edit);
    form->addRow(text, row);
    connect(browse, &QPushButton::clicked, edit, [this, edit, dialogTitle, filter] {
        const QString chosen =
            QFileDialog::getOpenFileName(this, dialogTitle, edit->text(), filter);
        if (!chosen.isEmpty())
            edit->setText(chosen);
    });
    return edit;
}

void ConnectionDialog::selectNamespace(const QString &name)
{
    m_currentNamespace = name;
    m_auth->setEnabled(!name.isEmpty());
    const QSignalBlocker blocker(m_auth); // switching is not an edit
    m_auth->setText(m_authTexts.value(name));
    updateAcceptable();
}

void ConnectionDialog::addNamespace()
{
    bool ok = false;
    QString name = QInputDialog::getText(this, tr("Add Namespace"), tr("Namespace:"),
                                         QLineEdit::Normal, QStringLiteral("/"), &ok)
                       .trimmed();
    if (!ok || name.isEmpty())
        return;
    if (!name.startsWith(QLatin1Char('/')))
        name.prepend(QLatin1Char('/'));
    if (m_authTexts.contains(name))
        return;
    m_authTexts.insert(name, {});
    m_namespaces->addItem(name);
    m_namespaces->setCurrentRow(m_namespaces->count() - 1);
}

void ConnectionDialog::removeNamespace()
{
    QListWidgetItem *item = m_namespaces->currentItem();
    if (!item)
        return;
    m_authTexts.remove(item->text());
    delete item;
    if (m_namespaces->count() == 0)
        selectNamespace({});
    updateAcceptable();
}

bool ConnectionDialog::isInputValid() const
{
    // The version comes from the connection bar and is fixed while the dialog is open.
    if (m_parser && m_profile.options.engine.version == EngineIoOptions::Version::V3 &&
        m_parser->currentData().toInt() == static_cast<int>(SocketIoParser::Kind::Msgpack))
        return false;
    for (auto it = m_authTexts.cbegin(); it != m_authTexts.cend(); ++it)
        if (!JsonEditor::validate(it.value(), JsonEditor::Expect::Object, true).ok)
            return false;
    return !m_proxyPage || m_proxyPage->isValid();
}

void ConnectionDialog::updateAcceptable()
{
    if (m_parserError) {
        const bool conflict =
            m_profile.options.engine.version == EngineIoOptions::Version::V3 &&
            m_parser->currentData().toInt() == static_cast<int>(SocketIoParser::Kind::Msgpack);
        m_parserError->setText(
            conflict ? tr("msgpack cannot work with Engine.IO v3 forced: socket.io-msgpack-parser "
                          "is a Socket.IO v5 (Engine.IO v4) parser. Choose Auto or v4 in the "
                          "connection bar, or the default parser.")
                     : QString());
        m_parserError->setVisible(conflict);
    }
    if (m_buttons)
        m_buttons->button(QDialogButtonBox::Ok)->setEnabled(isInputValid());
}

ConnectionProfile ConnectionDialog::profile() const
{
    ConnectionProfile profile = m_profile;
    SocketIoOptions &options = profile.options;
    options.engine.path = m_path->text().trimmed().isEmpty() ? QStringLiteral("/socket.io/")
                                                             : m_path->text().trimmed();
    options.engine.connectTimeoutMs = m_connectTimeout->value() * 1000;
    options.ackTimeoutMs = m_ackTimeout->value() * 1000;
    options.recoverState = m_recoverState->isChecked();
    options.parser = static_cast<SocketIoParser::Kind>(m_parser->currentData().toInt());
    options.engine.query = tablePairs(m_query);
    options.engine.headers.clear();
    for (const auto &[name, value] : tablePairs(m_headers))
        options.engine.headers.append({name.toUtf8(), value.toUtf8()});
    profile.namespaces.clear();
    for (int row = 0; row < m_namespaces->count(); ++row) {
        const QString name = m_namespaces->item(row)->text();
        const JsonEditor::Result auth =
            JsonEditor::validate(m_authTexts.value(name), JsonEditor::Expect::Object, true);
        profile.namespaces.append({name, auth.value.toObject()});
    }
    ReconnectPolicy &policy = options.engine.reconnect;
    policy.enabled = m_reconnect->isChecked();
    policy.maxAttempts = m_maxAttempts->value();
    policy.delayMs = m_delay->value();
    policy.delayMaxMs = qMax(m_delay->value(), m_delayMax->value());
    policy.randomization = m_randomization->value();
    options.engine.caFile = m_caFile->text().trimmed();
    options.engine.ignoreSslErrors = m_ignoreSsl->isChecked();
    options.engine.proxy = m_proxyPage->setting();
    options.engine.clientCertificateFile = m_clientCertificate->text().trimmed();
    options.engine.clientKeyFile = m_clientKey->text().trimmed();
    options.engine.clientCertificatePassword = m_certificatePassword->text().toUtf8();
    options.engine.origin = m_origin->text().trimmed().toUtf8();
    profile.variablesFile = m_variablesFile->text().trimmed();
    return profile;
}
