// sioscope-bench-import <log.jsonl>
//
// Opens a log as a user does (MainWindow::openLogStreaming: a read-only window that shows the
// records while the rest is read), and measures from the call:
// - first_rows_ms: until the timeline's viewport has finished painting its first rows;
// - done_ms: until the whole file is read (LogImportJob::finished);
// - the whole process's CPU time and peak resident memory (getrusage), and the resident memory
//   before the window opened, so that the memory per record can be told apart from the libraries.
// Prints one JSON object. Run offscreen (QT_QPA_PLATFORM=offscreen) or under xvfb-run.
#include "mainwindow.h"
#include "processusage.h"
#include "session/logimportjob.h"
#include "session/sessionlog.h"
#include "timelinepane.h"

#include <QAbstractItemModel>
#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTableView>
#include <QTimer>

#include <cstdio>

namespace {
// Notes when a paint of `viewport` ends while the model has rows.
class FirstRowsPaint : public QObject
{
public:
    FirstRowsPaint(QWidget *viewport, const QAbstractItemModel *model, const QElapsedTimer *clock)
        : m_model(model)
        , m_clock(clock)
    {
        viewport->installEventFilter(this);
    }
    qint64 atMs = -1;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint && atMs < 0 && m_model->rowCount() > 0) {
            static_cast<QWidget *>(watched)->removeEventFilter(this);
            // The paint itself runs after the filter: measure when it has returned.
            QMetaObject::invokeMethod(
                this, [this] { atMs = m_clock->elapsed(); }, Qt::QueuedConnection);
        }
        return false;
    }

private:
    const QAbstractItemModel *m_model;
    const QElapsedTimer *m_clock;
};
} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: sioscope-bench-import <log.jsonl>\n");
        return 2;
    }
    const QString fileName = QString::fromLocal8Bit(argv[1]);
    const qint64 rssBeforeKb = peakRssKb();
    const qint64 cpuBeforeUs = processCpuUs();
    QElapsedTimer clock;
    clock.start();
    QString error;
    MainWindow *window = MainWindow::openLogStreaming(fileName, &error);
    if (!window) {
        std::fprintf(stderr, "sioscope-bench-import: %s\n", qPrintable(error));
        return 1;
    }
    window->resize(1400, 900);
    window->show();
    auto *view = window->timeline()->findChild<QTableView *>();
    FirstRowsPaint firstRows(view->viewport(), window->timeline()->model(), &clock);
    LogImportJob *job = window->importJob();
    QJsonObject result;
    QObject::connect(job, &LogImportJob::finished, &app, [&](LogImportJob::Outcome outcome) {
        const qint64 doneMs = clock.elapsed();
        // Qt 6's quit() closes the windows, and this one deletes itself when closed: everything
        // is read here.
        result = QJsonObject{
            {"file_bytes", QFileInfo(fileName).size()},
            {"records", window->log()->size()},
            {"completed", outcome == LogImportJob::Outcome::Completed},
            {"error", job->errorString()},
            {"done_ms", doneMs},
            {"cpu_us", processCpuUs() - cpuBeforeUs},
            {"rss_before_kb", rssBeforeKb},
            {"log_memory_bytes", double(window->log()->memoryBytes())},
        };
        // One more turn so that a first paint pending now is measured, then quit.
        QTimer::singleShot(0, &app, &QCoreApplication::quit);
    });
    QApplication::exec();
    result.insert(QStringLiteral("first_rows_ms"), firstRows.atMs);
    result.insert(QStringLiteral("peak_rss_kb"), peakRssKb());
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    return 0;
}
