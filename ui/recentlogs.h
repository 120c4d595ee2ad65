// The logs opened lately, newest first, for File ▸ Open Recent. Kept in QSettings, so every window
// of the process and the next start see one list. Paths are absolute; the list is capped.
#pragma once

#include <QStringList>

class QMenu;
class QWidget;

class RecentLogs
{
public:
    static constexpr int MaxEntries = 10;

    static QStringList files();
    // Puts fileName first (made absolute), dropping an older entry of it and the oldest beyond
    // MaxEntries.
    static void add(const QString &fileName);
    static void remove(const QString &fileName);
    static void clear();

    // Fills `menu` each time it is about to show: one entry per recent log (a log that no longer
    // exists is reported when chosen, then dropped), then Clear Menu. Chosen logs open in a
    // read-only window; errors are shown over `window`.
    static void attachMenu(QMenu *menu, QWidget *window);
};
