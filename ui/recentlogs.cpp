#include "recentlogs.h"

#include "mainwindow.h"

#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSettings>

namespace {
const QString RecentLogsKey = QStringLiteral("recent/logs");
} // namespace

QStringList RecentLogs::files()
{
    return QSettings().value(RecentLogsKey).toStringList();
}

void RecentLogs::add(const QString &fileName)
{
    const QString path = QDir::cleanPath(QFileInfo(fileName).absoluteFilePath());
    QStringList list = files();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > MaxEntries)
        list.removeLast();
    QSettings().setValue(RecentLogsKey, list);
}

void RecentLogs::remove(const QString &fileName)
{
    QStringList list = files();
    if (list.removeAll(fileName) > 0)
        QSettings().setValue(RecentLogsKey, list);
}

void RecentLogs::clear()
{
    QSettings().remove(RecentLogsKey);
}

void RecentLogs::attachMenu(QMenu *menu, QWidget *window)
{
    QObject::connect(menu, &QMenu::aboutToShow, window, [menu, window] {
        menu->clear();
        const QStringList list = files();
        int number = 0;
        for (const QString &path : list) {
            ++number;
            // &1 … &9, then &0: a mnemonic for each of the first ten.
            const QString label = QStringLiteral("&%1 %2")
                                      .arg(number % 10)
                                      .arg(QDir::toNativeSeparators(path).replace(
                                          QLatin1Char('&'), QStringLiteral("&&")));
            QAction *open = menu->addAction(label);
            open->setData(path);
            QObject::connect(open, &QAction::triggered, window, [window, path] {
                if (!QFileInfo(path).isFile()) {
                    RecentLogs::remove(path);
                    QMessageBox::warning(window, QObject::tr("Open Recent"),
                                         QObject::tr("%1 no longer exists. It was removed from "
                                                     "the list of recent logs.")
                                             .arg(QDir::toNativeSeparators(path)));
                    return;
                }
                MainWindow::openLogInteractively(path, window);
            });
        }
        if (list.isEmpty())
            menu->addAction(QObject::tr("No recent logs"))->setEnabled(false);
        menu->addSeparator();
        QAction *clear = menu->addAction(QObject::tr("&Clear Menu"), window, &RecentLogs::clear);
        clear->setEnabled(!list.isEmpty());
    });
}
