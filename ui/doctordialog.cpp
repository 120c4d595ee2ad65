#include "doctordialog.h"

#include "tones.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QVBoxLayout>

DoctorDialog::DoctorDialog(const DoctorOptions &options, QWidget *parent)
    : QDialog(parent)
    , m_options(options)
{
    setWindowTitle(tr("Diagnose %1 — SioScope").arg(options.engine.url.toDisplayString()));
    resize(860, 620);
    auto *layout = new QVBoxLayout(this);

    auto *intro = new QLabel(
        tr("The doctor probes the server the way the connection would reach it: TCP, TLS, the "
           "Engine.IO version and path, the transports and the upgrade, sticky sessions, "
           "proxies, the namespaces and the heartbeat. Each finding quotes the request and the "
           "answer that show it."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    m_verdict = new QLabel(this);
    m_verdict->setWordWrap(true);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_verdict->setContentsMargins(8, 6, 8, 6);
    layout->addWidget(m_verdict);

    m_busy = new QProgressBar(this);
    m_busy->setRange(0, 0); // busy: the number of probes depends on what the first ones find
    m_busy->setTextVisible(false);
    m_busy->setMaximumHeight(6);
    layout->addWidget(m_busy);

    m_text = new QPlainTextEdit(this);
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::WidgetWidth); // summaries are long sentences
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    layout->addWidget(m_text, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_runAgain = buttons->addButton(tr("&Run Again"), QDialogButtonBox::ActionRole);
    m_copy = buttons->addButton(tr("&Copy Report"), QDialogButtonBox::ActionRole);
    m_save = buttons->addButton(tr("&Save JSON…"), QDialogButtonBox::ActionRole);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &DoctorDialog::reject);
    connect(m_runAgain, &QPushButton::clicked, this, &DoctorDialog::runDiagnosis);
    connect(m_copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_report.toText()); });
    connect(m_save, &QPushButton::clicked, this, &DoctorDialog::saveAs);
    connect(&m_runner, &DoctorRunner::finished, this, &DoctorDialog::showReport);

    runDiagnosis();
}

void DoctorDialog::runDiagnosis()
{
    if (!m_runner.start(m_options))
        return;
    m_verdict->setText(tr("Diagnosing %1… each probe waits at most %2 s.")
                           .arg(m_options.engine.url.toDisplayString().toHtmlEscaped())
                           .arg(m_options.engine.connectTimeoutMs / 1000.0));
    m_verdict->setStyleSheet(bannerStyleSheet(Tone::Info, palette()));
    m_busy->show();
    updateButtons();
}

void DoctorDialog::showReport(const DoctorReport &report)
{
    m_report = report;
    m_busy->hide();
    int failed = 0;
    int warned = 0;
    for (const DoctorCheck &check : report.checks) {
        failed += check.status == DoctorCheck::Status::Fail ? 1 : 0;
        warned += check.status == DoctorCheck::Status::Warn ? 1 : 0;
    }
    // The verdict names the first failure: the one to fix first, since later checks depend on it.
    const auto firstFailure =
        std::find_if(report.checks.cbegin(), report.checks.cend(), [](const DoctorCheck &check) {
            return check.status == DoctorCheck::Status::Fail;
        });
    if (firstFailure != report.checks.cend()) {
        m_verdict->setText(
            tr("<b>%1 of %2 checks failed.</b> First: <b>%3</b> — %4")
                .arg(failed)
                .arg(report.checks.size())
                .arg(firstFailure->id.toHtmlEscaped(), firstFailure->summary.toHtmlEscaped()));
        m_verdict->setStyleSheet(bannerStyleSheet(Tone::Error, palette()));
    } else if (warned > 0) {
        m_verdict->setText(tr("<b>Every check passed, with %n warning(s).</b>", nullptr, warned));
        m_verdict->setStyleSheet(bannerStyleSheet(Tone::Warning, palette()));
    } else {
        m_verdict->setText(tr("<b>Every check passed.</b>"));
        m_verdict->setStyleSheet(bannerStyleSheet(Tone::Success, palette()));
    }
    m_text->setPlainText(report.toText());
    updateButtons();
    Q_EMIT reportReady(report);
}

bool DoctorDialog::saveJson(const QString &fileName, QString *error) const
{
    // QSaveFile: a failed write never leaves half a report behind.
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = tr("%1: %2").arg(fileName, file.errorString());
        return false;
    }
    file.write(QJsonDocument(m_report.toJson()).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        *error = tr("%1: %2").arg(fileName, file.errorString());
        return false;
    }
    return true;
}

void DoctorDialog::saveAs()
{
    const QString suggested = QStringLiteral("doctor-%1.json").arg(m_options.engine.url.host());
    const QString fileName = QFileDialog::getSaveFileName(this, tr("Save the Doctor's Report"),
                                                          suggested, tr("JSON (*.json)"));
    if (fileName.isEmpty())
        return;
    QString error;
    if (!saveJson(fileName, &error))
        QMessageBox::warning(this, tr("Report not saved"),
                             tr("The report could not be written: %1").arg(error));
}

void DoctorDialog::updateButtons()
{
    const bool running = m_runner.isRunning();
    const bool haveReport = !m_report.checks.isEmpty();
    m_runAgain->setEnabled(!running);
    m_copy->setEnabled(!running && haveReport);
    m_save->setEnabled(!running && haveReport);
}

void DoctorDialog::reject()
{
    // Closing cancels a run under way; the runner's thread ends within a probe's event loop turn.
    m_runner.cancel();
    QDialog::reject();
}
