// The built-in demo (`sioscope-cli serve --demo`, `sioscope --demo`): a lively scenario on a
// SocketIoServer that shows every packet type.
//  - "/":      "tick" {n, time} every 1 s; "snapshot" with a small binary attachment every 3 s
//              (BINARY_EVENT); "poll" asking for an answer every 4 s (EVENT with an ack id; the
//              answers are recorded, pollAnswered()).
//  - "/chat":  a chat message {user, text} every 1.5 s; every 20 s the server disconnects the
//              namespace's sockets (DISCONNECT from the server; the client can join again).
//  - "/admin": refused by the connect hook with "Not authorized" and
//              {"hint":"send {\"token\":\"demo\"}"} unless the auth token is "demo".
//  - the default handlers on all three ("message" -> "message-back", "message-with-ack" acked).
// The timers live on the server object (their context); they stop when the server is closed or
// destroyed, or with stop(). `timeScale` multiplies every interval (tests use 0.1).
#pragma once

#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QString>

class QTimer;
class SocketIoServer;

class DemoScenario : public QObject
{
    Q_OBJECT
public:
    struct Intervals
    {
        int tickMs = 1000;
        int chatMs = 1500;
        int snapshotMs = 3000;
        int pollMs = 4000;
        int kickMs = 20000;
    };
    struct PollAnswer
    {
        QString socketId; // the Socket.IO sid
        QString engineSid;
        qint64 ackId = -1;      // the id of the "poll" it answers
        QByteArray payload; // the ACK's payload as on the wire
    };

    // Installs the namespaces, hooks and handlers on `server` (a child of it).
    explicit DemoScenario(SocketIoServer *server, double timeScale = 1.0);

    static constexpr const char *AdminToken = "demo";

    Intervals intervals() const { return m_intervals; }
    // Starts the timers (the server may listen before or after).
    void start();
    void stop();
    bool isRunning() const;
    QList<PollAnswer> pollAnswers() const { return m_answers; }

Q_SIGNALS:
    void pollAnswered(const DemoScenario::PollAnswer &answer);

private:
    QTimer *addTimer(int intervalMs, void (DemoScenario::*slot)());
    void tick();
    void chat();
    void snapshot();
    void poll();
    void kickChat();

    SocketIoServer *m_server;
    Intervals m_intervals;
    QList<QTimer *> m_timers;
    QList<PollAnswer> m_answers;
    qint64 m_ticks = 0;
    qint64 m_chats = 0;
    qint64 m_snapshots = 0;
    qint64 m_polls = 0;
};
