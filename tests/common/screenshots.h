// SIOSCOPE_SCREENSHOT_DIR=<dir>: the GUI tests save what a window looks like at its key moments
// (the README's screenshots come from here). Nothing happens when the variable is not set.
#pragma once

#include <QDir>
#include <QTest>
#include <QWidget>

inline void saveScreenshot(QWidget *window, const QString &name)
{
    const QString dir = qEnvironmentVariable("SIOSCOPE_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    // The status bar (every 500 ms) and the ack panel (every 250 ms) refresh on timers: a
    // picture taken at once shows them a moment behind the timeline.
    QTest::qWait(600);
    QVERIFY(window->grab().save(QDir(dir).filePath(name)));
}
