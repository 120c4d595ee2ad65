// Lets a top-level window take log files dropped on it: each local file opens in a read-only
// window (MainWindow::openLogInteractively). Anything that is not a list of local files is left
// to the widgets (text dropped on the composer stays text).
#pragma once

#include <QObject>

class QWidget;

class LogDropFilter : public QObject
{
    Q_OBJECT
public:
    // Installs itself on `window` (its child) and makes the window accept drops.
    explicit LogDropFilter(QWidget *window);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QWidget *m_window;
};
