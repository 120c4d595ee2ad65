#include "windowmenu.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QMainWindow>
#include <QMenu>

void WindowMenu::attach(QMenu *menu, QWidget *window)
{
    QObject::connect(menu, &QMenu::aboutToShow, window, [menu, window] {
        menu->clear();
        QAction *minimize =
            menu->addAction(QObject::tr("Mi&nimize"), window, &QWidget::showMinimized);
        minimize->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
        menu->addSeparator();
        auto *group = new QActionGroup(menu);
        for (QWidget *top : QApplication::topLevelWidgets()) {
            if (!qobject_cast<QMainWindow *>(top) || !top->isVisible())
                continue;
            QString title = top->windowTitle();
            title.replace(QLatin1Char('&'), QStringLiteral("&&"));
            QAction *show = menu->addAction(title.isEmpty() ? QObject::tr("SioScope") : title);
            show->setCheckable(true);
            show->setChecked(top == window);
            group->addAction(show);
            QObject::connect(show, &QAction::triggered, top, [top] {
                if (top->isMinimized())
                    top->showNormal();
                top->raise();
                top->activateWindow();
            });
        }
    });
}
