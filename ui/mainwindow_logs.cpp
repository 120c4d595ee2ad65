// MainWindow: opening logs. Read-only windows over a file (streamed while the window shows it,
// or read whole for the crash journal and the tests), File ▸ Import, Open Recent and dropped files
// (all through openLogInteractively), New Window, and the crash journal.
#include "mainwindow.h"

#include "ackpanel.h"
#include "crashjournal.h"
#include "importprogress.h"
#include "infobanner.h"
#include "namespacetabs.h"
#include "recentlogs.h"
#include "session/logexport.h"
#include "session/logimportjob.h"
#include "session/sessionlog.h"
#include "timelinepane.h"

#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>

MainWindow *MainWindow::openLogFile(const QString &fileName, QString *error, QWidget *parent)
{
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("Cannot open %1: %2").arg(fileName, file.errorString());
        return nullptr;
    }
    auto log = std::make_unique<SessionLog>();
    QString readError;
    const bool ok = LogImporter::read(&file, log.get(), &readError);
    const QString title = tr("%1 (read-only) — SioScope").arg(QFileInfo(fileName).fileName());
    auto *window = new MainWindow(std::move(log), title, parent);
    window->setAttribute(Qt::WA_DeleteOnClose);
    if (!ok) {
        *error = tr("%1: %2").arg(QFileInfo(fileName).fileName(), readError);
        window->showInfo(tr("Read-only view of <b>%1</b>. <b>The import stopped:</b> %2. The %3 "
                            "records before the error are shown.")
                             .arg(fileName.toHtmlEscaped(), readError.toHtmlEscaped())
                             .arg(window->log()->size()),
                         true);
    } else {
        error->clear();
        window->showInfo(tr("Read-only view of <b>%1</b>: %2 records.")
                             .arg(fileName.toHtmlEscaped())
                             .arg(window->log()->size()),
                         false);
    }
    return window;
}

void MainWindow::importLog()
{
    const QString fileName = QFileDialog::getOpenFileName(
        this, tr("Import Log"), QString(),
        tr("Logs (*.jsonl *.har *.json);;JSON Lines (*.jsonl);;HAR (*.har);;All files (*)"));
    if (fileName.isEmpty())
        return;
    openLogInteractively(fileName, this);
}

MainWindow *MainWindow::openLogInteractively(const QString &fileName, QWidget *errorParent)
{
    QString error;
    MainWindow *window = openLogStreaming(fileName, &error);
    if (!window) {
        QMessageBox::warning(errorParent, tr("Open Log"), error);
        return nullptr;
    }
    RecentLogs::add(fileName);
    window->show();
    return window;
}

MainWindow *MainWindow::openNewWindow()
{
    auto *window = new MainWindow;
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->show();
    return window;
}

void MainWindow::reopenCrashJournal()
{
    QStringList journals = CrashJournal::leftoverJournals();
    if (journals.isEmpty()) {
        QMessageBox::information(this, tr("Reopen Crash Journal"),
                                 tr("No crash journal is left over: every session so far was "
                                    "closed cleanly."));
        return;
    }
    QString chosen = journals.first();
    if (journals.size() > 1) {
        QStringList labels;
        for (const QString &journal : journals)
            labels.append(QStringLiteral("%1 (%2)").arg(
                QFileInfo(journal).fileName(),
                QLocale().formattedDataSize(QFileInfo(journal).size())));
        bool ok = false;
        const QString label = QInputDialog::getItem(this, tr("Reopen Crash Journal"),
                                                    tr("Journals left by sessions that did not "
                                                       "close cleanly:"),
                                                    labels, 0, false, &ok);
        if (!ok)
            return;
        chosen = journals.at(labels.indexOf(label));
    }
    QString error;
    MainWindow *window = openCrashJournal(chosen, &error);
    if (!window) {
        QMessageBox::warning(this, tr("Reopen Crash Journal"), error);
        return;
    }
    window->show();
}

MainWindow *MainWindow::openCrashJournal(const QString &fileName, QString *error, QWidget *parent)
{
    MainWindow *window = openLogFile(fileName, error, parent);
    if (!window)
        return nullptr;
    window->m_journalFile = fileName;
    window->setWindowTitle(
        tr("Crash journal %1 (read-only) — SioScope").arg(QFileInfo(fileName).fileName()));
    // A crash can cut the last line short; everything before it is still worth seeing.
    window->showInfo(
        tr("Recovered from the crash journal <b>%1</b> (%2 records%3). Export it to "
           "keep it, or <a href=\"discard\">discard the journal</a>.")
            .arg(fileName.toHtmlEscaped())
            .arg(window->log()->size())
            .arg(error->isEmpty()
                     ? QString()
                     : tr("; the last line was cut short: %1").arg(error->toHtmlEscaped())),
        false);
    connect(window->m_infoBanner, &QLabel::linkActivated, window, [window](const QString &link) {
        if (link != QLatin1String("discard"))
            return;
        CrashJournal::removeJournal(window->m_journalFile);
        window->showInfo(tr("The journal was deleted; this window still shows its records."),
                         false);
    });
    error->clear();
    return window;
}

MainWindow *MainWindow::openLogStreaming(const QString &fileName, QString *error, QWidget *parent)
{
    auto log = std::make_unique<SessionLog>();
    auto job = std::make_unique<LogImportJob>(log.get());
    if (!job->start(fileName, error))
        return nullptr;
    const QString title = tr("%1 (read-only) — SioScope").arg(QFileInfo(fileName).fileName());
    auto *window = new MainWindow(std::move(log), title, parent);
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->followImport(job.release());
    error->clear();
    return window;
}

void MainWindow::followImport(LogImportJob *job)
{
    job->setParent(this);
    m_importJob = job;
    m_importProgress->follow(job);
    connect(job, &LogImportJob::progressed, this, [this] {
        // The first slice's rows are shown at once rather than at the timeline's next tick.
        if (m_timeline->model()->rowCount() == 0)
            m_timeline->flush();
        updateReadOnlySummary();
    });
    connect(job, &LogImportJob::finished, this, [this, job](LogImportJob::Outcome outcome) {
        m_timeline->flush();
        for (const QString &nsp : log()->namespaces())
            m_tabs->addRecordedNamespace(nsp);
        m_ackPanel->refresh();
        updateReadOnlySummary();
        const QString file = job->fileName().toHtmlEscaped();
        const QString records = QLocale().toString(job->recordsRead());
        switch (outcome) {
        case LogImportJob::Outcome::Completed:
            showInfo(tr("Read-only view of <b>%1</b>: %2 records.").arg(file, records), false);
            break;
        case LogImportJob::Outcome::Failed:
            showInfo(tr("Read-only view of <b>%1</b>. <b>The import stopped:</b> %2. The %3 "
                        "records before the error are shown.")
                         .arg(file, job->errorString().toHtmlEscaped(), records),
                     true);
            break;
        case LogImportJob::Outcome::Cancelled:
            showInfo(tr("Read-only view of <b>%1</b>. The import was cancelled after %2 records "
                        "(%3 of %4); they are shown.")
                         .arg(file, records, QLocale().formattedDataSize(job->bytesRead()),
                              QLocale().formattedDataSize(job->totalBytes())),
                     false);
            break;
        }
        job->deleteLater();
    });
}

void MainWindow::updateReadOnlySummary()
{
    if (!m_readOnlySummary)
        return;
    const QString records = QLocale().toString(log() ? log()->size() : 0);
    m_readOnlySummary->setText(m_importJob && m_importJob->isRunning()
                                   ? tr("Read-only · %1 records so far").arg(records)
                                   : tr("Read-only · %1 records").arg(records));
}
