#include "exportdialog.h"

#include "session/sessionlog.h"
#include "timelinepane.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QRadioButton>
#include <QSaveFile>
#include <QVBoxLayout>

ExportDialog::ExportDialog(qint64 totalRows, qint64 visibleRows, QWidget *parent)
    : QDialog(parent)
    , m_jsonl(new QRadioButton(tr("&JSON Lines (lossless; imports back)"), this))
    , m_har(new QRadioButton(tr("&HAR 1.2 (browser dev tools; imports back)"), this))
    , m_text(new QRadioButton(tr("&Text (one readable line per packet)"), this))
    , m_all(new QRadioButton(this))
    , m_visible(new QRadioButton(this))
    , m_secrets(new QCheckBox(tr("Include &secrets (auth payloads, tokens, cookies) in plain text"),
                              this))
    , m_file(new QLineEdit(this))
{
    setWindowTitle(tr("Export Log"));
    const QLocale locale;
    m_all->setText(tr("&Everything (%1 records)").arg(locale.toString(totalRows)));
    m_visible->setText(
        tr("&Only what the filter shows (%1 records)").arg(locale.toString(visibleRows)));
    m_jsonl->setChecked(true);
    m_all->setChecked(true);

    auto *formatBox = new QGroupBox(tr("Format"), this);
    auto *formatLayout = new QVBoxLayout(formatBox);
    formatLayout->addWidget(m_jsonl);
    formatLayout->addWidget(m_har);
    formatLayout->addWidget(m_text);
    auto *scopeBox = new QGroupBox(tr("Records"), this);
    auto *scopeLayout = new QVBoxLayout(scopeBox);
    scopeLayout->addWidget(m_all);
    scopeLayout->addWidget(m_visible);
    auto *secretsHint = new QLabel(tr("Without it, secrets are written as \"[redacted]\"."), this);
    secretsHint->setStyleSheet(QStringLiteral("color: palette(mid);"));

    auto *fileRow = new QHBoxLayout;
    auto *browse = new QPushButton(tr("Browse…"), this);
    fileRow->addWidget(m_file, 1);
    fileRow->addWidget(browse);
    m_file->setText(QDir::home().filePath(QStringLiteral("sioscope-log.jsonl")));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    auto *exportButton = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    exportButton->setDefault(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(formatBox);
    layout->addWidget(scopeBox);
    layout->addWidget(m_secrets);
    layout->addWidget(secretsHint);
    layout->addWidget(new QLabel(tr("File:"), this));
    layout->addLayout(fileRow);
    layout->addWidget(buttons);

    connect(browse, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    for (QRadioButton *button : {m_jsonl, m_har, m_text})
        connect(button, &QRadioButton::toggled, this, &ExportDialog::formatChanged);
    connect(m_file, &QLineEdit::textChanged, exportButton, [exportButton](const QString &text) {
        exportButton->setEnabled(!text.trimmed().isEmpty());
    });
}

QString ExportDialog::fileName() const
{
    return m_file->text().trimmed();
}

void ExportDialog::setFileName(const QString &fileName)
{
    m_file->setText(fileName);
}

LogFormat ExportDialog::format() const
{
    if (m_har->isChecked())
        return LogFormat::Har;
    if (m_text->isChecked())
        return LogFormat::Text;
    return LogFormat::JsonLines;
}

bool ExportDialog::onlyVisible() const
{
    return m_visible->isChecked();
}

bool ExportDialog::includeSecrets() const
{
    return m_secrets->isChecked();
}

QString ExportDialog::suffixFor(LogFormat format)
{
    switch (format) {
    case LogFormat::Har:
        return QStringLiteral("har");
    case LogFormat::Text:
        return QStringLiteral("txt");
    case LogFormat::JsonLines:
        break;
    }
    return QStringLiteral("jsonl");
}

void ExportDialog::formatChanged()
{
    // Keep the file name's suffix in step with the format.
    const QFileInfo info(fileName());
    if (info.fileName().isEmpty())
        return;
    setFileName(
        info.dir().filePath(info.completeBaseName() + QLatin1Char('.') + suffixFor(format())));
}

void ExportDialog::browse()
{
    const QString filter = format() == LogFormat::Har    ? tr("HAR (*.har)")
                           : format() == LogFormat::Text ? tr("Text (*.txt *.log)")
                                                         : tr("JSON Lines (*.jsonl)");
    const QString file = QFileDialog::getSaveFileName(this, tr("Export Log"), fileName(), filter);
    if (!file.isEmpty())
        setFileName(file);
}

bool ExportDialog::exportTimeline(QWidget *parent, const SessionLog &log, TimelinePane *timeline,
                                  bool onlyVisible, const QString &fileName, LogFormat format,
                                  bool includeSecrets, const QStringList &knownSecrets,
                                  QString *error)
{
    timeline->flush();
    std::vector<qint64> rows;
    if (onlyVisible)
        rows = timeline->visibleLogRows();
    return exportLog(parent, log, onlyVisible ? &rows : nullptr, fileName, format, includeSecrets,
                     knownSecrets, error);
}

QString ExportDialog::run(QWidget *parent, const SessionLog &log, TimelinePane *timeline,
                          const QStringList &knownSecrets)
{
    timeline->flush();
    ExportDialog dialog(log.size(), timeline->rowCount(), parent);
    if (dialog.exec() != QDialog::Accepted)
        return {};
    QString error;
    if (!exportTimeline(parent, log, timeline, dialog.onlyVisible(), dialog.fileName(),
                        dialog.format(), dialog.includeSecrets(), knownSecrets, &error)) {
        QMessageBox::warning(parent, tr("Export Log"),
                             tr("The log was not exported.\n\n%1").arg(error));
        return {};
    }
    return dialog.fileName();
}

bool ExportDialog::exportLog(QWidget *parent, const SessionLog &log,
                             const std::vector<qint64> *rows, const QString &fileName,
                             LogFormat format, bool includeSecrets, const QStringList &knownSecrets,
                             QString *error)
{
    // QSaveFile: a failed or cancelled export never leaves a truncated file behind.
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = tr("cannot write %1: %2").arg(fileName, file.errorString());
        return false;
    }
    const qint64 total = rows ? qint64(rows->size()) : log.size();
    std::unique_ptr<QProgressDialog> progress;
    if (total >= ProgressThreshold && parent) {
        progress = std::make_unique<QProgressDialog>(tr("Exporting %1 records…").arg(total),
                                                     tr("Cancel"), 0, 1000, parent);
        progress->setWindowModality(Qt::WindowModal);
        progress->setMinimumDuration(300);
        progress->setValue(0);
    }
    ExportOptions options;
    options.format = format;
    options.includeSecrets = includeSecrets;
    options.knownSecrets = knownSecrets;
    options.progress = [&progress](qint64 done, qint64 all) {
        if (!progress)
            return true;
        progress->setValue(all > 0 ? int(done * 1000 / all) : 0);
        return !progress->wasCanceled();
    };
    QString writeError;
    if (!LogExporter::write(log, rows, &file, options, &writeError)) {
        file.cancelWriting();
        *error = writeError.isEmpty() ? tr("the export failed") : writeError;
        return false;
    }
    if (!file.commit()) {
        *error = tr("cannot write %1: %2").arg(fileName, file.errorString());
        return false;
    }
    return true;
}
