// The status bar of a live window: connection state, transport (and when it upgraded), the
// Socket.IO parser in use, the
// Engine.IO sid, ping interval and the last heartbeat, traffic both ways, reconnection attempts.
#pragma once

#include <QTimer>
#include <QWidget>

class LiveSession;
class QLabel;

class SessionStatusBar : public QWidget
{
    Q_OBJECT
public:
    explicit SessionStatusBar(LiveSession *session, QWidget *parent = nullptr);

    void refresh();

    QLabel *stateLabel() const { return m_state; }
    QLabel *transportLabel() const { return m_transport; }
    QLabel *parserLabel() const { return m_parser; }
    QLabel *sidLabel() const { return m_sid; }
    QLabel *heartbeatLabel() const { return m_heartbeat; }
    QLabel *trafficLabel() const { return m_traffic; }
    QLabel *reconnectLabel() const { return m_reconnect; }

    static QString formatAge(qint64 ms); // "0.4 s", "12 s", "3 min"

private:
    LiveSession *m_session;
    QLabel *m_state;
    QLabel *m_transport;
    QLabel *m_parser; // the parser taken at connectToServer(), shown while open
    QLabel *m_sid;
    QLabel *m_heartbeat;
    QLabel *m_traffic;
    QLabel *m_reconnect;
    QTimer m_timer;
    int m_reconnectsScheduled = 0;
};
