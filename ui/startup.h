// How the sioscope program opens its first window, shared with the GUI benchmark so that the
// benchmark measures the window users get (bench/guibench.cpp).
#pragma once

#include <QString>

class MainWindow;

// The names QSettings, QStandardPaths and the desktop use.
void setSioScopeApplicationInfo();

// What the command line asks the first window to be.
struct StartupRequest
{
    QString logFile; // a read-only window over this log (JSON Lines or HAR) when set
    QString profile; // a saved connection profile to load into a live window
    QString url;     // the server URL to fill in, or a log to open (see logFileNamedBy)
};

// The log a positional argument names: a file:// URL, or a path to an existing file. Empty when
// it is a server URL.
QString logFileNamedBy(const QString &argument);

// Builds the first window as `request` asks and shows it. Null, with *error, when the log cannot
// be read or there is no such profile. An opened log goes first in File ▸ Open Recent.
MainWindow *openStartupWindow(const StartupRequest &request, QString *error);
