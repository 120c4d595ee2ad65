// The Window menu of every top-level window: the open windows of the process (live, read-only,
// mock server), the current one checked, and switching to the chosen one.
#pragma once

class QMenu;
class QWidget;

namespace WindowMenu {
// Fills `menu` each time it is about to show, from the visible top-level main windows.
void attach(QMenu *menu, QWidget *window);
} // namespace WindowMenu
