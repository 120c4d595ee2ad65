#include "importprogress.h"

#include "session/logimportjob.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>

namespace {
// The bar counts in thousandths: a QProgressBar's range is an int, a file's size may not be.
constexpr int BarSteps = 1000;
} // namespace

ImportProgress::ImportProgress(QWidget *parent)
    : QFrame(parent)
    , m_label(new QLabel(this))
    , m_bar(new QProgressBar(this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
{
    setObjectName(QStringLiteral("importProgress"));
    setFrameShape(QFrame::StyledPanel);
    m_bar->setRange(0, BarSteps);
    m_bar->setTextVisible(true);
    m_bar->setMaximumWidth(260);
    m_cancel->setObjectName(QStringLiteral("cancelImport"));
    m_cancel->setToolTip(tr("Stop reading the file; the records read so far stay shown"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    hide();
}

void ImportProgress::follow(LogImportJob *job)
{
    m_job = job;
    connect(job, &LogImportJob::progressed, this, &ImportProgress::update);
    connect(job, &LogImportJob::finished, this, [this] {
        m_job = nullptr;
        hide();
    });
    connect(m_cancel, &QPushButton::clicked, job, &LogImportJob::cancel);
    update(0, job->totalBytes());
    show();
}

QString ImportProgress::text() const
{
    return m_label->text();
}

void ImportProgress::update(qint64 bytesRead, qint64 totalBytes)
{
    if (!m_job)
        return;
    const QLocale locale;
    m_bar->setValue(totalBytes > 0 ? int(bytesRead * BarSteps / totalBytes) : 0);
    m_label->setText(
        tr("Reading %1: %2 records, %3 of %4")
            .arg(QFileInfo(m_job->fileName()).fileName(), locale.toString(m_job->recordsRead()),
                 locale.formattedDataSize(bytesRead), locale.formattedDataSize(totalBytes)));
}
