#include "session/scriptplayer.h"

#include "socketio/socketioclient.h"
#include "socketio/socketionamespace.h"

#include <QTimer>

#include <cmath>

ScriptPlayer::ScriptPlayer(SocketIoClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
}

void ScriptPlayer::setSteps(const QList<ScriptStep> &steps)
{
    m_pending.clear();
    for (const ScriptStep &step : steps)
        m_pending[step.nsp].append(step);
}

void ScriptPlayer::setSpeed(double factor)
{
    if (factor > 0 && std::isfinite(factor))
        m_speed = factor;
}

void ScriptPlayer::setReplies(const RecordedReplies &replies)
{
    m_replies = replies;
}

void ScriptPlayer::setAutoAck(const QJsonArray &payload)
{
    m_autoAck = payload;
}

void ScriptPlayer::setAckTimeoutMs(int ms)
{
    m_ackTimeoutMs = ms;
}

void ScriptPlayer::start()
{
    if (m_started || !m_client)
        return;
    m_started = true;
    connect(m_client, &SocketIoClient::namespaceAdded, this, &ScriptPlayer::watch);
    connect(m_client, &SocketIoClient::packetReceived, this, &ScriptPlayer::answer);
    for (SocketIoNamespace *ns : m_client->namespaces())
        watch(ns);
    // Steps for namespaces not joined yet join them.
    for (auto it = m_pending.constBegin(); it != m_pending.constEnd(); ++it)
        if (!m_client->findNamespace(it.key()))
            watch(m_client->joinNamespace(it.key()));
    if (remainingSteps() == 0 && !m_finished) {
        m_finished = true;
        QTimer::singleShot(0, this, &ScriptPlayer::finished);
    }
}

void ScriptPlayer::stop()
{
    m_stopped = true;
    if (m_client)
        m_client->disconnect(this);
}

int ScriptPlayer::remainingSteps() const
{
    int n = 0;
    for (const auto &queue : m_pending)
        n += int(queue.size());
    return n;
}

void ScriptPlayer::watch(SocketIoNamespace *ns)
{
    if (!ns || m_watched.contains(ns))
        return;
    m_watched.insert(ns);
    const QString name = ns->name();
    connect(ns, &SocketIoNamespace::connected, this, [this, name] { playNext(name); });
    connect(ns, &QObject::destroyed, this, [this, ns] { m_watched.remove(ns); });
    if (ns->state() == SocketIoNamespace::State::Connected)
        playNext(name);
}

void ScriptPlayer::playNext(const QString &nsp)
{
    if (m_stopped || m_waiting.contains(nsp))
        return;
    const QList<ScriptStep> &queue = m_pending[nsp];
    if (queue.isEmpty())
        return;
    m_waiting.insert(nsp);
    const ScriptStep step = queue.first();
    const int delayMs = int(std::llround(step.delayMs / m_speed));
    QTimer::singleShot(delayMs, this, [this, nsp, step] {
        m_waiting.remove(nsp);
        SocketIoNamespace *ns = m_client ? m_client->findNamespace(nsp) : nullptr;
        if (m_stopped || !ns || ns->state() != SocketIoNamespace::State::Connected)
            return; // resumes when the namespace connects again
        m_pending[nsp].removeFirst();
        if (step.type == SocketIoPacket::Disconnect) {
            ns->disconnectFromNamespace();
        } else {
            const auto result =
                ns->emitEvent(step.data, step.attachments, step.ack ? m_ackTimeoutMs : -1);
            if (!result.ok)
                Q_EMIT stepFailed(step.line, result.error);
        }
        if (m_stopped)
            return;
        if (remainingSteps() == 0 && !m_finished) {
            m_finished = true;
            Q_EMIT finished();
            return;
        }
        playNext(nsp);
    });
}

void ScriptPlayer::answer(const SocketIoPacket &packet)
{
    if (m_stopped || !packet.hasId() ||
        (packet.type != SocketIoPacket::Event && packet.type != SocketIoPacket::BinaryEvent))
        return;
    SocketIoNamespace *ns = m_client ? m_client->findNamespace(packet.nsp) : nullptr;
    if (!ns)
        return;
    std::optional<RecordedReply> reply;
    if (!m_replies.isEmpty()) {
        const QString event = packet.eventName();
        int &asked = m_asked[packet.nsp + QLatin1Char('\n') + event];
        reply = m_replies.replyTo(packet.nsp, event, asked++);
    }
    if (!reply && m_autoAck)
        reply = RecordedReply{*m_autoAck, {}};
    if (!reply)
        return;
    if (ns->sendAck(packet.id, reply->data, reply->attachments).ok)
        ++m_repliesSent;
}
