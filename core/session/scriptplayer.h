// Plays a send script or a recorded session's steps on a client (`record --send`, Session ▸
// Replay…), and answers the server's ack requests: with the replies recorded in the session
// when there is one for that request, else with the auto-ack payload when one is set.
//
// The steps of one namespace play in order, starting when the namespace is connected; each
// waits its delay (divided by the speed) after the one before it on that namespace, or after
// the namespace connected. Namespaces play independently. A namespace that loses its
// connection resumes its remaining steps when it is connected again.
#pragma once

#include "session/sendscript.h"
#include "session/sessionreplay.h"

#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <optional>

class SocketIoClient;
class SocketIoNamespace;
class SocketIoPacket;

class ScriptPlayer : public QObject
{
    Q_OBJECT
public:
    // The client outlives the player, or the player is its child.
    explicit ScriptPlayer(SocketIoClient *client, QObject *parent = nullptr);

    void setSteps(const QList<ScriptStep> &steps);
    void setSpeed(double factor); // > 0; 2 plays twice as fast
    void setReplies(const RecordedReplies &replies);
    void setAutoAck(const QJsonArray &payload); // for requests without a recorded reply
    void setAckTimeoutMs(int ms);               // for our events that ask for an ack

    // Watches the client's namespaces, present and to come; plays as they connect.
    void start();
    // Nothing more is sent; timers waiting are cancelled.
    void stop();

    int remainingSteps() const;
    int repliesSent() const { return m_repliesSent; }

Q_SIGNALS:
    // A step that could not be sent (the client said why); the others go on.
    void stepFailed(int line, const QString &error);
    // The last step of every namespace was sent.
    void finished();

private:
    void watch(SocketIoNamespace *ns);
    void playNext(const QString &nsp);
    void answer(const SocketIoPacket &packet);

    QPointer<SocketIoClient> m_client;
    QHash<QString, QList<ScriptStep>> m_pending; // per namespace, in order
    QSet<QString> m_waiting;                     // namespaces with a step's timer running
    QSet<SocketIoNamespace *> m_watched;
    RecordedReplies m_replies;
    QHash<QString, int> m_asked; // nsp + '\n' + event -> ack requests of the server so far
    std::optional<QJsonArray> m_autoAck;
    double m_speed = 1;
    int m_ackTimeoutMs = -1;
    int m_repliesSent = 0;
    bool m_started = false;
    bool m_stopped = false;
    bool m_finished = false;
};
