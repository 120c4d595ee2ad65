// The main window: connection bar, namespace tabs, the timeline with its filter, the detail pane,
// the composer and the ack panel (docks), and the status bar. A window is either live (it owns a
// LiveSession) or a read-only view of an imported log or a crash journal.
#pragma once

#include "composer.h"
#include "doctordialog.h"
#include "profiles.h"
#include "scenariodialog.h"
#include "session/logexport.h"
#include "session/logimportjob.h"

#include <QMainWindow>
#include <QPointer>

#include <memory>

class AckPanel;
struct EngineIoError;
class InfoBanner;
class ConnectionBar;
class LiveSession;
class NamespaceTabs;
class PacketDetail;
class QAction;
class ImportProgress;
class QStackedWidget;
class StartPanel;
class QDockWidget;
class QLabel;
class SessionLog;
class SessionStatusBar;
class SocketIoServer;
class TimelinePane;

class ScriptPlayer;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // A live window.
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // A read-only window over a log file (JSON Lines or HAR). When the file is broken part way,
    // the records before the error are shown and the error names the line; *error says so too.
    // Returns null only when nothing could be read at all (the file cannot be opened).
    static MainWindow *openLogFile(const QString &fileName, QString *error,
                                   QWidget *parent = nullptr);

    // A read-only window over a log that is read while the window shows it (LogImportJob): rows
    // appear as they are read, the filter and the detail work meanwhile, and the banner has a
    // progress bar with Cancel. Null, with *error, only when the file cannot be opened.
    static MainWindow *openLogStreaming(const QString &fileName, QString *error,
                                        QWidget *parent = nullptr);
    // The job reading this window's log, while it runs; null otherwise.
    LogImportJob *importJob() const { return m_importJob; }
    ImportProgress *importProgress() const { return m_importProgress; }

    // Opens the log (streamed) in a read-only window, shows it, and puts it first in File ▸ Open
    // Recent (also when the import stopped part way: the window says where). A file that cannot be
    // opened is reported in a message box over errorParent; returns null then.
    static MainWindow *openLogInteractively(const QString &fileName, QWidget *errorParent);

    // A new, independent live window (File ▸ New Window), shown; it deletes itself when closed.
    static MainWindow *openNewWindow();

    // A read-only window over a crash journal left by a session that did not close cleanly,
    // with a link that deletes the journal.
    static MainWindow *openCrashJournal(const QString &fileName, QString *error,
                                        QWidget *parent = nullptr);

    bool isReadOnly() const { return !m_session; }
    SessionLog *log() const;
    LiveSession *session() const { return m_session; }

    void setServerUrl(const QString &url);
    void connectToServer();
    void disconnectFromServer();
    // Empties the live log (the Clear action).
    void clearSession();
    // The built-in demo (core/server/demoscenario): starts its server in this process on
    // 127.0.0.1 with a free port (once per window) and connects to it, joining "/", "/chat" and
    // "/admin" (refused on purpose). False, with a message in the info banner, when it cannot
    // listen.
    bool startDemo();
    SocketIoServer *demoServer() const { return m_demoServer; }
    // The profile the next connect uses: the options plus the connection bar's choices.
    ConnectionProfile currentProfile() const;
    void applyProfile(const ConnectionProfile &profile);
    ProfileStore &profiles() { return m_profiles; }
    // Loads a saved profile into the connection bar and options; false when there is none.
    bool selectProfile(const QString &name);

    // Writes the log; `onlyVisible`: only the rows the timeline's filter shows.
    bool exportLog(const QString &fileName, LogFormat format, bool onlyVisible, bool includeSecrets,
                   QString *error);

    // File ▸ Save as Test…: a scenario (ScenarioFromSession) from the whole log, or with
    // `selectionOnly` from the timeline's selected rows, written to `fileName`. False with the
    // reason (no Socket.IO packet, nothing selected, the file cannot be written).
    bool saveAsTest(const QString &fileName, bool selectionOnly, QString *error);

    // The crash journal is on by default for live windows; tests may turn it off.
    void setJournalEnabled(bool enabled) { m_journalEnabled = enabled; }

    ConnectionBar *connectionBar() const { return m_connectionBar; }
    StartPanel *startPanel() const { return m_startPanel; }
    bool isStartPanelShown() const;
    NamespaceTabs *namespaceTabs() const { return m_tabs; }
    TimelinePane *timeline() const { return m_timeline; }
    PacketDetail *detail() const { return m_detail; }
    Composer *composer() const { return m_composer; }
    AckPanel *ackPanel() const { return m_ackPanel; }
    SessionStatusBar *sessionStatusBar() const { return m_statusBar; }
    QLabel *tlsWarningBanner() const { return m_tlsBanner; }
    InfoBanner *infoBanner() const { return m_infoBanner; }
    QAction *pauseAction() const { return m_pauseAction; }
    QAction *diagnoseAction() const { return m_diagnoseAction; }
    // The doctor's dialog opened last (Session ▸ Diagnose…), while it is open.
    DoctorDialog *doctorDialog() const { return m_doctorDialog; }
    QAction *saveAsTestAction() const { return m_saveAsTestAction; }
    QAction *saveSelectionAsTestAction() const { return m_saveSelectionAsTestAction; }
    // Session ▸ Run Test…: the scenario dialog, opened (or raised) and returned.
    ScenarioDialog *runTest();
    ScenarioDialog *scenarioDialog() const { return m_scenarioDialog; }

    // Session ▸ Replay…: plays again what we sent in a recorded session (`fileName`, JSON Lines
    // or HAR) on this window's connection, with its timing at `speed`, answering the server's
    // ack requests as recorded (SessionReplay, ScriptPlayer). A window not connected joins the
    // session's namespaces and connects to the bar's URL. False, with the reason, when the
    // file cannot be read or holds nothing to replay; the info banner says so too.
    bool replaySession(const QString &fileName, double speed, QString *error);
    // The replay running, or null.
    ScriptPlayer *replay() const;
    void stopReplay();
    QAction *replayAction() const { return m_replayAction; }
    // The info banner's link that stops the replay.
    static constexpr const char *StopReplayLink = "stop-replay";

    // Session ▸ Diagnose…: the connection doctor on this window's connection options.
    void diagnose();
    // What the doctor is given for a profile: its engine options (each probe bounded by the
    // doctor's own timeout), its path, and its namespaces with their auth payloads.
    static DoctorOptions doctorOptions(const ConnectionProfile &profile);
    // The info banner's link that opens the doctor.
    static constexpr const char *DiagnoseLink = "diagnose";
    static constexpr int DoctorProbeTimeoutMs = 5000;
    // The heartbeat check's idle watch in the window: shorter than the CLI's 30 s, so that a
    // diagnosis stays quick; its report says when the watch was shorter than pingInterval.
    static constexpr int DoctorWatchMs = 3000;

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    MainWindow(std::unique_ptr<SessionLog> log, const QString &title, QWidget *parent);
    void buildUi();
    void buildMenus();
    void wireLiveSession();
    void restoreLayout();
    void saveLayout();
    void updateTlsBanner();
    // The composer's {{variables}}: the profile's variables file, then the process environment.
    void updateComposerVariables();
    // The start panel while a live window is disconnected and has recorded nothing.
    void updateStartPanel();
    void updateNamespaceChoices();
    void showInfo(const QString &html, bool error);
    // Shows job's progress and, when it ends, how it ended; the window owns the job.
    void followImport(LogImportJob *job);
    void updateReadOnlySummary();
    // An Engine.IO error: the status bar, and the banner with its likely cause and Diagnose….
    void showConnectionFailure(const EngineIoError &error);

    void joinNamespace(const QString &name, const QJsonObject &auth);
    void leaveNamespace(const QString &name);
    void send(const OutgoingMessage &message);
    void timelineRowChanged(qint64 row);
    void replyToAck(qint64 row);
    void editInComposer(qint64 row);
    void resend(qint64 row);
    void showLogRow(qint64 row);
    void togglePause(bool paused);

    void showOptions();
    void chooseProfile(const QString &name);
    void saveProfileAs();
    void renameProfile();
    void deleteProfile();
    void reloadProfileNames();

    void showExportDialog();
    void saveAsTestInteractively(bool selectionOnly);
    void importLog();
    void reopenCrashJournal();

    LiveSession *m_session = nullptr;
    std::unique_ptr<SessionLog> m_offlineLog;
    QPointer<LogImportJob> m_importJob;
    ImportProgress *m_importProgress = nullptr;
    QLabel *m_readOnlySummary = nullptr;
    ConnectionProfile m_profile;
    QStringList m_knownSecrets; // secret header values of this window's connections
    ProfileStore m_profiles;
    bool m_journalEnabled = true;
    QString m_journalFile; // for read-only windows opened from a crash journal

    ConnectionBar *m_connectionBar = nullptr;
    NamespaceTabs *m_tabs = nullptr;
    TimelinePane *m_timeline = nullptr;
    QStackedWidget *m_timelineStack = nullptr;
    StartPanel *m_startPanel = nullptr; // live windows only
    PacketDetail *m_detail = nullptr;
    Composer *m_composer = nullptr;
    AckPanel *m_ackPanel = nullptr;
    SessionStatusBar *m_statusBar = nullptr;
    QLabel *m_tlsBanner = nullptr;
    InfoBanner *m_infoBanner = nullptr;
    QDockWidget *m_detailDock = nullptr;
    QDockWidget *m_composerDock = nullptr;
    QDockWidget *m_ackDock = nullptr;
    QAction *m_connectAction = nullptr;
    QAction *m_pauseAction = nullptr;
    QAction *m_diagnoseAction = nullptr;
    QPointer<DoctorDialog> m_doctorDialog;
    QPointer<ScenarioDialog> m_scenarioDialog;
    QPointer<ScriptPlayer> m_replay;
    QAction *m_replayAction = nullptr;
    QString m_lastReplayFile;
    QAction *m_saveAsTestAction = nullptr;
    QAction *m_saveSelectionAsTestAction = nullptr;
    bool m_connectionFailureShown = false; // the info banner shows showConnectionFailure()'s note
    QAction *m_controlAction = nullptr;
    QAction *m_relativeTimeAction = nullptr;
    QAction *m_journalSecretsAction = nullptr;
    SocketIoServer *m_demoServer = nullptr;
};
