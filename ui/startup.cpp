#include "startup.h"

#include "mainwindow.h"
#include "recentlogs.h"

#include <QApplication>
#include <QFileInfo>
#include <QUrl>

void setSioScopeApplicationInfo()
{
    QApplication::setApplicationName(QStringLiteral("SioScope"));
    QApplication::setOrganizationName(QStringLiteral("SioScope"));
    QApplication::setDesktopFileName(QStringLiteral("sioscope"));
}

QString logFileNamedBy(const QString &argument)
{
    if (argument.startsWith(QLatin1String("file:"), Qt::CaseInsensitive)) {
        const QUrl url(argument);
        return url.isLocalFile() ? url.toLocalFile() : QString();
    }
    // A server URL has a scheme; a bare host:port is not a file unless such a file exists.
    return QFileInfo(argument).isFile() ? argument : QString();
}

MainWindow *openStartupWindow(const StartupRequest &request, QString *error)
{
    MainWindow *window = nullptr;
    const QString logFile =
        request.logFile.isEmpty() ? logFileNamedBy(request.url) : request.logFile;
    if (!logFile.isEmpty()) {
        window = MainWindow::openLogStreaming(logFile, error);
        if (!window)
            return nullptr;
        RecentLogs::add(logFile);
    } else {
        window = new MainWindow;
        window->setAttribute(Qt::WA_DeleteOnClose);
        if (!request.profile.isEmpty() && !window->selectProfile(request.profile)) {
            *error = QObject::tr("No profile named \"%1\".").arg(request.profile);
            delete window;
            return nullptr;
        }
        if (!request.url.isEmpty())
            window->setServerUrl(request.url);
    }
    window->show();
    return window;
}
