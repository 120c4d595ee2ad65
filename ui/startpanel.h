// What an empty live window shows instead of an empty timeline: the next steps (enter a URL and
// connect, try the demo, open a log, and, for a server that will not connect, diagnose it).
#pragma once

#include <QWidget>

class QPushButton;

class StartPanel : public QWidget
{
    Q_OBJECT
public:
    explicit StartPanel(QWidget *parent = nullptr);

    // For the tests.
    QPushButton *connectButton() const { return m_connect; }
    QPushButton *demoButton() const { return m_demo; }
    QPushButton *openLogButton() const { return m_openLog; }
    QPushButton *diagnoseButton() const { return m_diagnose; }

Q_SIGNALS:
    void connectRequested();
    void demoRequested();
    void openLogRequested();
    void diagnoseRequested();

private:
    QPushButton *m_connect = nullptr;
    QPushButton *m_demo = nullptr;
    QPushButton *m_openLog = nullptr;
    QPushButton *m_diagnose = nullptr;
};
