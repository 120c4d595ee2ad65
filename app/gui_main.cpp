#include "mainwindow.h"

#include <QApplication>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("SioScope"));
    QApplication::setOrganizationName(QStringLiteral("SioScope"));
    MainWindow window;
    window.show();
    return QApplication::exec();
}
