// The status bar of a live window: connection state, transport (and when it upgraded), the
// Socket.IO parser in use, the
// Engine.IO sid, ping interval and the last heartbeat, the cookies the servers set (a load
// balancer's sticky cookie), traffic both ways, reconnection attempts.
#pragma once

#include <QTimer>
#include <QWidget>

class LiveSession;
class QLabel;
class QNetworkCookie;

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
    QLabel *cookiesLabel() const { return m_cookies; }

    static QString formatAge(qint64 ms); // "0.4 s", "12 s", "3 min"
    // A cookie's name and attributes, never its value: "SERVERID · 127.0.0.1 /socket.io/ ·
    // session · HttpOnly · SameSite=Lax".
    static QString describeCookie(const QNetworkCookie &cookie);

private:
    LiveSession *m_session;
    QLabel *m_state;
    QLabel *m_transport;
    QLabel *m_parser; // the parser taken at connectToServer(), shown while open
    QLabel *m_sid;
    QLabel *m_heartbeat;
    QLabel *m_traffic;
    QLabel *m_reconnect;
    QLabel *m_cookies; // names; the tooltip has the attributes
    QTimer m_timer;
    int m_reconnectsScheduled = 0;
};
