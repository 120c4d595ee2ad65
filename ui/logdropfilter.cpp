#include "logdropfilter.h"

#include "mainwindow.h"

#include <QDropEvent>
#include <QMimeData>
#include <QUrl>
#include <QWidget>

namespace {
// The local files of a drop, or nothing when any of its URLs is not a local file.
QStringList droppedFiles(const QMimeData *mime)
{
    if (!mime || !mime->hasUrls())
        return {};
    QStringList files;
    for (const QUrl &url : mime->urls()) {
        if (!url.isLocalFile())
            return {};
        files.append(url.toLocalFile());
    }
    return files;
}
} // namespace

LogDropFilter::LogDropFilter(QWidget *window)
    : QObject(window)
    , m_window(window)
{
    window->setAcceptDrops(true);
    window->installEventFilter(this);
}

bool LogDropFilter::eventFilter(QObject *watched, QEvent *event)
{
    if (watched != m_window)
        return false;
    switch (event->type()) {
    case QEvent::DragEnter:
    case QEvent::DragMove: {
        auto *drag = static_cast<QDragMoveEvent *>(event);
        if (droppedFiles(drag->mimeData()).isEmpty())
            return false;
        drag->acceptProposedAction();
        return true;
    }
    case QEvent::Drop: {
        auto *drop = static_cast<QDropEvent *>(event);
        const QStringList files = droppedFiles(drop->mimeData());
        if (files.isEmpty())
            return false;
        drop->acceptProposedAction();
        // After the drop returns: a message box inside a drop handler blocks the drag source.
        QMetaObject::invokeMethod(
            m_window,
            [window = m_window, files] {
                for (const QString &file : files)
                    MainWindow::openLogInteractively(file, window);
            },
            Qt::QueuedConnection);
        return true;
    }
    default:
        return false;
    }
}
