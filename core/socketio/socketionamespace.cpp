#include "socketio/socketionamespace.h"

#include "socketio/socketioclient.h"
#include "socketio/socketiologging.h"

#include <QJsonDocument>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <utility>

namespace {

QByteArray compactJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray compactJson(const QJsonArray &array)
{
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

// Protocol v4 (socket.io 2.x) carries CONNECT auth as a query string: the object's scalar
// members become URL-encoded key=value pairs. Arrays and objects cannot be flattened; they are
// left out (and said so in the log).
QString authToQuery(const QJsonObject &auth, QStringList *skipped)
{
    QStringList pairs;
    for (auto it = auth.begin(); it != auth.end(); ++it) {
        QString value;
        const QJsonValue v = it.value();
        switch (v.type()) {
        case QJsonValue::String:
            value = v.toString();
            break;
        case QJsonValue::Double: {
            const double d = v.toDouble();
            const qint64 i = qint64(d);
            value = (double(i) == d) ? QString::number(i) : QString::number(d, 'g', 17);
            break;
        }
        case QJsonValue::Bool:
            value = v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
            break;
        case QJsonValue::Null:
            break;
        default:
            skipped->append(it.key());
            continue;
        }
        pairs.append(QString::fromLatin1(QUrl::toPercentEncoding(it.key())) + QLatin1Char('=') +
                     QString::fromLatin1(QUrl::toPercentEncoding(value)));
    }
    return pairs.join(QLatin1Char('&'));
}

} // namespace

SocketIoNamespace::SocketIoNamespace(const QString &name, SocketIoClient *client)
    : QObject(client)
    , m_client(client)
    , m_name(name)
{
}

void SocketIoNamespace::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void SocketIoNamespace::connectToNamespace()
{
    m_wanted = true;
    if (!m_client->isEngineOpen())
        return; // CONNECT goes out when the connection opens
    if (m_state == State::Connected || m_state == State::Connecting)
        return;
    QString error;
    if (!sendConnect(&error)) {
        qCWarning(lcSocketIo) << "cannot connect namespace" << m_name << ":" << error;
        m_client->reportError(
            SocketIoError(SocketIoError::Kind::NamespaceConnectFailed,
                          QStringLiteral("cannot connect namespace %1: %2").arg(m_name, error)));
    }
}

bool SocketIoNamespace::sendConnect(QString *error)
{
    SocketIoPacket packet(SocketIoPacket::Connect, m_name);
    m_recoveryRequested = false;
    if (m_client->protocol() == SocketIoProtocol::V5) {
        QJsonObject data;
        if (m_recoverNext && m_client->options().recoverState && !m_pid.isEmpty()) {
            // As socket.io-client: Object.assign({pid, offset}, auth).
            data.insert(QStringLiteral("pid"), m_pid);
            if (!m_lastOffset.isEmpty())
                data.insert(QStringLiteral("offset"), m_lastOffset);
            for (auto it = m_auth.begin(); it != m_auth.end(); ++it)
                data.insert(it.key(), it.value());
            m_recoveryRequested = true;
        } else {
            data = m_auth;
        }
        if (!data.isEmpty())
            packet.payload = compactJson(data);
    } else {
        QStringList skipped;
        packet.query = authToQuery(m_auth, &skipped);
        if (!skipped.isEmpty()) {
            m_client->reportWarning(
                QStringLiteral("protocol v4 sends auth as a query string: members %1 of %2 are "
                               "not scalars and were left out")
                    .arg(skipped.join(QStringLiteral(", ")), m_name));
        }
    }
    m_recoverNext = false;
    if (!m_client->sendPacket(packet, error)) {
        m_recoveryRequested = false;
        return false;
    }
    setState(State::Connecting);
    return true;
}

void SocketIoNamespace::disconnectFromNamespace()
{
    m_wanted = false;
    m_recoverNext = false;
    m_pid.clear(); // a deliberate leave is never recovered
    m_lastOffset.clear();
    const bool wasConnected = m_state == State::Connected;
    if ((m_state == State::Connected || m_state == State::Connecting) && m_client->isEngineOpen()) {
        QString error;
        if (!m_client->sendPacket(SocketIoPacket(SocketIoPacket::Disconnect, m_name), &error))
            qCWarning(lcSocketIo) << "cannot send DISCONNECT for" << m_name << ":" << error;
    }
    if (m_state == State::Connected || m_state == State::Connecting)
        setState(State::Disconnected);
    failPendingAcks(QStringLiteral("namespace %1 was left").arg(m_name));
    if (wasConnected)
        Q_EMIT disconnected(false);
}

bool SocketIoNamespace::canSend(QString *error) const
{
    if (!m_client->isEngineOpen())
        *error = QStringLiteral("not connected to the server");
    else if (m_state != State::Connected)
        *error = QStringLiteral("namespace %1 is not connected").arg(m_name);
    else
        return true;
    return false;
}

SocketIoNamespace::SendResult SocketIoNamespace::emitEvent(const QJsonArray &data,
                                                           const QList<QByteArray> &attachments,
                                                           int ackTimeoutMs)
{
    SendResult result;
    if (!canSend(&result.error))
        return result;
    SocketIoPacket packet(attachments.isEmpty() ? SocketIoPacket::Event
                                                : SocketIoPacket::BinaryEvent,
                          m_name, compactJson(data));
    packet.attachments = attachments;
    const bool wantsAck = ackTimeoutMs >= 0;
    if (wantsAck)
        packet.id = m_client->nextAckId(); // taken only once the packet is sent
    if (!m_client->sendPacket(packet, &result.error))
        return result;
    result.ok = true;
    if (!wantsAck)
        return result;

    result.ackId = m_client->allocateAckId();
    PendingAck pending;
    pending.eventName = packet.eventName();
    if (ackTimeoutMs > 0) {
        pending.timer = new QTimer(this);
        pending.timer->setSingleShot(true);
        const qint64 id = result.ackId;
        connect(pending.timer, &QTimer::timeout, this, [this, id] { handleAckTimeout(id); });
        pending.timer->start(ackTimeoutMs);
    }
    m_pendingAcks.insert(result.ackId, pending);
    return result;
}

SocketIoNamespace::SendResult SocketIoNamespace::sendAck(qint64 id, const QJsonArray &data,
                                                         const QList<QByteArray> &attachments)
{
    SendResult result;
    if (id < 0) {
        result.error = QStringLiteral("an ACK needs the id of the event it answers");
        return result;
    }
    if (!canSend(&result.error))
        return result;
    SocketIoPacket packet(attachments.isEmpty() ? SocketIoPacket::Ack : SocketIoPacket::BinaryAck,
                          m_name, compactJson(data), id);
    packet.attachments = attachments;
    result.ok = m_client->sendPacket(packet, &result.error);
    if (result.ok)
        result.ackId = id;
    return result;
}

void SocketIoNamespace::processConnect(const SocketIoPacket &packet)
{
    QString sid;
    QString pid;
    if (m_client->protocol() == SocketIoProtocol::V5) {
        const QJsonObject data = packet.data().toObject();
        sid = data.value(QStringLiteral("sid")).toString();
        pid = data.value(QStringLiteral("pid")).toString();
        if (sid.isEmpty()) {
            // What socket.io-client does too: a v5 CONNECT answer must carry the sid.
            m_refusalMessage =
                QStringLiteral("the CONNECT answer has no sid: is this a socket.io 2.x server? "
                               "(choose Engine.IO v3)");
            m_refusalData = QJsonValue();
            m_wanted = false;
            m_recoveryRequested = false;
            setState(State::Refused);
            Q_EMIT refused(m_refusalMessage, m_refusalData);
            return;
        }
    } else {
        // v4 has no Socket.IO sid: socket.io-client 2.x names the socket after the engine sid.
        const QString engineSid = m_client->engine()->handshake().sid;
        sid = m_name == QLatin1String("/") ? engineSid : m_name + QLatin1Char('#') + engineSid;
    }
    // As socket.io-client: recovered when the server kept the pid we asked to resume.
    const bool recovered = m_recoveryRequested && !pid.isEmpty() && pid == m_pid;
    if (!recovered)
        m_lastOffset.clear(); // offsets belong to the old session
    m_recoveryRequested = false;
    m_pid = pid; // set only when the server has connection state recovery on
    m_sid = sid;
    m_recovered = recovered;
    m_refusalMessage.clear();
    m_refusalData = QJsonValue();
    m_wanted = true;
    setState(State::Connected);
    Q_EMIT connected(recovered);
}

void SocketIoNamespace::processConnectError(const SocketIoPacket &packet)
{
    const QJsonValue data = packet.data();
    if (data.isString()) {
        m_refusalMessage = data.toString();
        m_refusalData = QJsonValue();
    } else if (data.isObject() && data.toObject().value(QStringLiteral("message")).isString()) {
        const QJsonObject object = data.toObject();
        m_refusalMessage = object.value(QStringLiteral("message")).toString();
        m_refusalData = object.value(QStringLiteral("data")); // Undefined when absent
    } else {
        // v4 servers send err.data as it is when there is one.
        m_refusalMessage = QString::fromUtf8(packet.payload);
        m_refusalData = data;
    }
    // socket.io-client destroys the socket: it is not reconnected.
    m_wanted = false;
    m_recoverNext = false;
    m_recoveryRequested = false;
    failPendingAcks(QStringLiteral("namespace %1 was refused").arg(m_name));
    setState(State::Refused);
    Q_EMIT refused(m_refusalMessage, m_refusalData);
}

void SocketIoNamespace::processDisconnect()
{
    const bool wasConnected = m_state == State::Connected;
    m_wanted = false; // never reconnected after a server DISCONNECT
    m_recoverNext = false;
    m_pid.clear();
    m_lastOffset.clear();
    failPendingAcks(QStringLiteral("namespace %1 was disconnected by the server").arg(m_name));
    setState(State::DisconnectedByServer);
    if (wasConnected)
        Q_EMIT disconnected(true);
}

void SocketIoNamespace::processEvent(const SocketIoPacket &packet)
{
    // Connection state recovery, exactly as socket.io-client's emitEvent: with a pid, an event
    // with no ack id whose last argument is a string gives the offset. The argument is NOT
    // removed (socket.io-client hands it to the listeners too). One deviation: the event name
    // itself is never taken for an offset (socket.io-client would, for an event with no args,
    // but a server with recovery on always appends one).
    if (!m_pid.isEmpty() && !packet.hasId()) {
        const QJsonArray args = packet.data().toArray();
        if (args.size() >= 2 && args.last().isString())
            m_lastOffset = args.last().toString();
    }
    Q_EMIT eventReceived(packet);
}

void SocketIoNamespace::processAck(const SocketIoPacket &packet, qint64 rttUs)
{
    auto it = m_pendingAcks.find(packet.id);
    if (it == m_pendingAcks.end())
        return; // the client has recorded and reported it already
    const PendingAck pending = it.value();
    m_pendingAcks.erase(it);
    if (pending.timer) {
        pending.timer->stop();
        pending.timer->deleteLater();
    }
    Q_EMIT ackReceived(packet, rttUs);
}

void SocketIoNamespace::handleAckTimeout(qint64 id)
{
    auto it = m_pendingAcks.find(id);
    if (it == m_pendingAcks.end())
        return;
    const PendingAck pending = it.value();
    m_pendingAcks.erase(it);
    if (pending.timer)
        pending.timer->deleteLater();
    qCDebug(lcSocketIo) << "ack" << id << "for" << pending.eventName << "on" << m_name
                        << "timed out";
    m_client->ackTimedOut(m_name, id, pending.eventName);
    Q_EMIT ackTimedOut(id, pending.eventName);
}

void SocketIoNamespace::failPendingAcks(const QString &reason)
{
    if (m_pendingAcks.isEmpty())
        return;
    const auto pending = std::exchange(m_pendingAcks, {});
    QList<qint64> ids = pending.keys();
    std::sort(ids.begin(), ids.end());
    for (qint64 id : std::as_const(ids)) {
        const PendingAck &ack = pending[id];
        if (ack.timer) {
            ack.timer->stop();
            ack.timer->deleteLater();
        }
        Q_EMIT ackFailed(id, ack.eventName, reason);
    }
}

void SocketIoNamespace::connectionLost(bool willReconnect)
{
    failPendingAcks(QStringLiteral("the connection was lost"));
    const bool wasConnected = m_state == State::Connected;
    if (m_state != State::Connected && m_state != State::Connecting)
        return;
    // Recovery is asked for after an unplanned drop only (transport close, ping timeout).
    m_recoverNext = willReconnect && !m_pid.isEmpty();
    m_recoveryRequested = false;
    setState(willReconnect && m_wanted ? State::Connecting : State::Disconnected);
    if (wasConnected)
        Q_EMIT disconnected(false);
}

void SocketIoNamespace::forgetRecovery()
{
    m_recoverNext = false;
}

void SocketIoNamespace::joinedByServer()
{
    m_wanted = true;
    setState(State::Connecting);
}

void SocketIoNamespace::leftWithConnection(const QString &reason)
{
    const bool wasConnected = m_state == State::Connected;
    m_recoverNext = false;
    failPendingAcks(reason);
    if (wasConnected || m_state == State::Connecting)
        setState(State::Disconnected);
    if (wasConnected)
        Q_EMIT disconnected(false);
}

void SocketIoNamespace::reconnectionEnded()
{
    if (m_state == State::Connecting)
        setState(State::Disconnected);
}
