// The "Mock server" window: runs SioScope's embedded Socket.IO server in this process with a
// rules file (core/server/mockrules.h), the compliance suites' default handlers, or the built-in
// demo, and shows what it sees: its client sessions, every packet of all of them in the same
// timeline and detail pane as a client session, and what the rules did. Stopping and starting
// again (e.g. after editing the rules file) keeps the log.
#pragma once

#include "session/sessionlog.h"

#include <QHostAddress>
#include <QMainWindow>
#include <QUrl>

class InfoBanner;
class MockRulesEngine;
class PacketDetail;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTreeWidget;
class QTreeWidgetItem;
class SocketIoServer;
class TimelinePane;

class MockServerWindow : public QMainWindow
{
    Q_OBJECT
public:
    // What the server does; the combo box's order.
    enum class Behaviour { Rules, DefaultHandlers, Demo };
    Q_ENUM(Behaviour)

    explicit MockServerWindow(QWidget *parent = nullptr);
    ~MockServerWindow() override;

    void setBehaviour(Behaviour behaviour);
    Behaviour behaviour() const;
    void setRulesFile(const QString &path);
    QString rulesFile() const;
    // 0: any free port.
    void setPort(quint16 port);
    void setHost(const QString &host);

    // Starts (or restarts) the server with the settings in the window. False, with the reason in
    // the banner (a rules file that cannot be used names the line or the JSON path; a port in
    // use says so), when it does not run.
    bool startServer();
    void stopServer();
    bool isRunning() const { return m_server != nullptr; }
    // http://host:port/socket.io/ while running; empty otherwise.
    QUrl serverUrl() const;

    SocketIoServer *server() const { return m_server; }
    MockRulesEngine *rulesEngine() const { return m_rulesEngine; }
    SessionLog *log() { return &m_log; }
    TimelinePane *timeline() const { return m_timeline; }
    PacketDetail *detail() const { return m_detail; }
    QTreeWidget *clientList() const { return m_clients; }
    QPlainTextEdit *activity() const { return m_activity; }
    InfoBanner *banner() const { return m_banner; }
    QLabel *statusLabel() const { return m_status; }

Q_SIGNALS:
    void runningChanged(bool running);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildUi();
    void chooseRulesFile();
    void openInspector();
    void showExportDialog();
    void clearLog();
    void updateControls();
    void updateStatus();
    void note(const QString &line);
    void watchClients();
    QTreeWidgetItem *clientItem(const QString &engineSid);
    void updateClientItem(const QString &engineSid);
    void saveSettings() const;

    SessionLog m_log;
    SocketIoServer *m_server = nullptr;
    MockRulesEngine *m_rulesEngine = nullptr;
    QHostAddress m_listeningOn;
    // Namespaces each client session has joined, by Engine.IO sid.
    QHash<QString, QStringList> m_joined;

    InfoBanner *m_banner = nullptr;
    QComboBox *m_behaviour = nullptr;
    QLineEdit *m_rulesPath = nullptr;
    QPushButton *m_browse = nullptr;
    QLineEdit *m_host = nullptr;
    QSpinBox *m_port = nullptr;
    QComboBox *m_parser = nullptr; // item data: int(SocketIoParser::Kind)
    QPushButton *m_startStop = nullptr;
    QPushButton *m_inspect = nullptr;
    QLabel *m_status = nullptr;
    QTreeWidget *m_clients = nullptr;
    TimelinePane *m_timeline = nullptr;
    PacketDetail *m_detail = nullptr;
    QPlainTextEdit *m_activity = nullptr;
};
