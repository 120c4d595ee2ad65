// The "Proxy" window (Session ▸ Proxy…): runs the proxy role (core/proxy) in this process between
// an app and its server, and shows the app's sessions as they happen: the list of sessions with
// their state, and every packet of all of them (or of the one selected) in the same timeline,
// detail pane and ack pairing as a client session. The composer injects an event into the
// selected session toward the app, as if its server had sent it. Stopping and starting again
// keeps the log.
#pragma once

#include "session/sessionlog.h"

#include <QHash>
#include <QMainWindow>
#include <QStringList>

class AckPanel;
class Composer;
class InfoBanner;
class PacketDetail;
class ProxyServer;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QSpinBox;
class QTreeWidget;
class QTreeWidgetItem;
class TimelinePane;
struct OutgoingMessage;

class ProxyWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit ProxyWindow(QWidget *parent = nullptr);
    ~ProxyWindow() override;

    void setListenHost(const QString &host);
    // 0: any free port.
    void setListenPort(quint16 port);
    void setTarget(const QString &url);
    void setStrict(bool strict);

    // Starts (or restarts) the proxy with the settings in the window. False, with the reason in
    // the banner (a target that is not a URL, an address in use), when it does not run.
    bool startProxy();
    void stopProxy();
    bool isRunning() const { return m_proxy != nullptr; }
    // "http://127.0.0.1:3001" while running; empty otherwise. The app connects here.
    QString listenUrl() const;

    SessionLog *log() { return &m_log; }
    TimelinePane *timeline() const { return m_timeline; }
    PacketDetail *detail() const { return m_detail; }
    QTreeWidget *sessionList() const { return m_sessions; }
    InfoBanner *banner() const { return m_banner; }
    QLabel *statusLabel() const { return m_status; }
    Composer *composer() const { return m_composer; }
    AckPanel *ackPanel() const { return m_ackPanel; }
    // The session selected in the list ("" for all sessions): where the composer's event goes.
    QString selectedSession() const;
    void selectSession(const QString &sid);

Q_SIGNALS:
    void runningChanged(bool running);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildUi();
    void showExportDialog();
    void clearLog();
    void updateControls();
    void updateStatus();
    void note(const QString &line);
    QTreeWidgetItem *sessionItem(const QString &sid);
    void sessionOpened(const QString &sid);
    void sessionClosed(const QString &sid);
    void saveSettings() const;
    void inject(const OutgoingMessage &message);
    void sessionSelected(const QString &sid);

    SessionLog m_log;
    ProxyServer *m_proxy = nullptr;
    int m_openSessions = 0;

    InfoBanner *m_banner = nullptr;
    QLineEdit *m_host = nullptr;
    QSpinBox *m_port = nullptr;
    QLineEdit *m_target = nullptr;
    QComboBox *m_parser = nullptr; // item data: int(SocketIoParser::Kind)
    QCheckBox *m_strict = nullptr;
    QPushButton *m_startStop = nullptr;
    QLabel *m_status = nullptr;
    QTreeWidget *m_sessions = nullptr;
    TimelinePane *m_timeline = nullptr;
    PacketDetail *m_detail = nullptr;
    QPlainTextEdit *m_activity = nullptr;
    QTabWidget *m_bottomTabs = nullptr;
    Composer *m_composer = nullptr;
    AckPanel *m_ackPanel = nullptr;
    // The namespaces each app session joined, offered by the composer for that session.
    QHash<QString, QStringList> m_sessionNamespaces;
};
