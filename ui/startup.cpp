#include "startup.h"

#include "mainwindow.h"

#include <QApplication>

void setSioScopeApplicationInfo()
{
    QApplication::setApplicationName(QStringLiteral("SioScope"));
    QApplication::setOrganizationName(QStringLiteral("SioScope"));
    QApplication::setDesktopFileName(QStringLiteral("sioscope"));
}

MainWindow *openStartupWindow(const StartupRequest &request, QString *error)
{
    MainWindow *window = nullptr;
    if (!request.logFile.isEmpty()) {
        window = MainWindow::openLogFile(request.logFile, error);
        if (!window)
            return nullptr;
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
