#include "proxy/proxyconnection_p.h"

#include "engineio/engineiocodec.h"
#include "proxy/proxysessions.h"

#include <QTcpSocket>

#include <algorithm>

// The WebSocket tunnel after a 101: both directions forwarded as they come, read frame by frame
// on the way, and the injections toward the app sent between the target's messages.

void ProxyConnection::startTunnel()
{
    const Exchange exchange = m_exchanges.front();
    m_exchanges.pop_front();
    m_responseStarted = false;
    m_requestPhase = RequestPhase::Tunnel;
    m_responsePhase = ResponsePhase::Tunnel;
    m_tunnelObserved = exchange.engineIo;
    m_tunnelSid = exchange.sid;
    m_tunnelVersion = exchange.version;
    m_tunnelContext = {{QStringLiteral("remote"), m_remote},
                       {QStringLiteral("url"), QString::fromUtf8(exchange.target)}};
    if (m_tunnelObserved && !m_tunnelSid.isEmpty()) {
        m_sessions->webSocketOpened(m_tunnelSid, m_tunnelVersion, true);
        Q_EMIT tunnelSessionKnown(m_tunnelSid);
    }
    if (!m_tunnelObserved && m_options.recordAll)
        recordOtherExchange(exchange, 0);
    // What the app sent after the upgrade request, held until now.
    if (!m_appBuffer.isEmpty())
        QMetaObject::invokeMethod(this, &ProxyConnection::parseRequests, Qt::QueuedConnection);
}

void ProxyConnection::observeTunnel(Direction direction, QByteArrayView bytes)
{
    if (!m_tunnelObserved)
        return;
    const bool fromApp = direction == Direction::Out;
    WebSocketFrameParser &frames = fromApp ? m_appFrames : m_targetFrames;
    bool &failed = fromApp ? m_appFramesFailed : m_targetFramesFailed;
    if (failed)
        return;
    frames.addData(bytes.toByteArray());
    while (m_requestPhase == RequestPhase::Tunnel) {
        const WebSocketFrameParser::Result result = frames.next();
        switch (result) {
        case WebSocketFrameParser::Result::NeedMoreData:
            if (!fromApp)
                flushInjections();
            return;
        case WebSocketFrameParser::Result::TextMessage:
        case WebSocketFrameParser::Result::BinaryMessage: {
            const bool binary = result == WebSocketFrameParser::Result::BinaryMessage;
            const QByteArray payload = frames.takePayload();
            if (m_tunnelSid.isEmpty()) {
                // A WebSocket-only session: the target's first message is its OPEN.
                EngineIoPacket packet;
                QString error;
                if (!fromApp && !binary &&
                    EngineIoCodec::decodeText(QByteArrayView(payload), m_tunnelVersion, &packet,
                                              &error))
                    m_tunnelSid = ProxySessions::sidOfOpen(packet, &error);
                else if (error.isEmpty())
                    error = fromApp ? QStringLiteral("the app sent a message before the OPEN")
                                    : QStringLiteral("a binary message came before the OPEN");
                if (m_tunnelSid.isEmpty()) {
                    violation(direction, QStringLiteral("eio"),
                              QStringLiteral("the WebSocket opens no Engine.IO session: %1; the "
                                             "rest of it is forwarded unread")
                                  .arg(error),
                              payload.left(EngineIoCodec::MaxOffendingBytes), {});
                    m_tunnelObserved = false;
                    return;
                }
                m_sessions->open(m_tunnelSid, m_tunnelVersion, TransportKind::WebSocket,
                                 m_tunnelContext);
                Q_EMIT tunnelSessionKnown(m_tunnelSid);
            }
            bool answersInjection = false;
            if (!m_sessions->observeWebSocketMessage(m_tunnelSid, m_tunnelVersion, direction,
                                                     payload, binary, &answersInjection) &&
                m_options.strict)
                violation(direction, {}, {}, {}, m_tunnelSid);
            if (fromApp && !m_appHold.isEmpty()) {
                // A whole message: it goes on, unless it is the app's answer to an injected
                // EVENT (the target never asked); a packet still assembling waits for its end.
                if (answersInjection)
                    releaseApp(frames.parsedBytes(), false);
                else if (!m_sessions->isAssembling(m_tunnelSid, Direction::Out))
                    releaseApp(frames.parsedBytes(), true);
            }
            continue;
        }
        case WebSocketFrameParser::Result::Ping:
        case WebSocketFrameParser::Result::Pong:
            frames.takePayload();
            if (fromApp && !m_appHold.isEmpty() &&
                !m_sessions->isAssembling(m_tunnelSid, Direction::Out))
                releaseApp(frames.parsedBytes(), true);
            continue;
        case WebSocketFrameParser::Result::Close:
            if (fromApp && !m_appHold.isEmpty())
                releaseApp(frames.parsedBytes(), true);
            m_tunnelClose.insert(fromApp ? QStringLiteral("appCloseCode")
                                         : QStringLiteral("targetCloseCode"),
                                 frames.closeCode());
            if (!frames.closeReason().isEmpty())
                m_tunnelClose.insert(fromApp ? QStringLiteral("appCloseReason")
                                             : QStringLiteral("targetCloseReason"),
                                     frames.closeReason());
            continue;
        case WebSocketFrameParser::Result::Error:
            failed = true;
            if (frames.violation() == WebSocketFrameParser::Violation::MessageTooBig) {
                record(m_tunnelSid,
                       PacketRecord::note(
                           PacketRecord::Warning,
                           {{QStringLiteral("what"), QStringLiteral("not decoded")}},
                           TransportKind::WebSocket,
                           QStringLiteral("%1: over the proxy's decoding limit; this WebSocket "
                                          "is forwarded from here on, not decoded")
                               .arg(frames.errorString())));
                return;
            }
            violation(direction, QStringLiteral("ws"),
                      QStringLiteral("%1 (RFC 6455); the rest of this direction is forwarded "
                                     "unread")
                          .arg(frames.errorString()),
                      frames.offendingBytes(), m_tunnelSid);
            return;
        }
    }
}

void ProxyConnection::relayAppTunnel(const QByteArray &bytes)
{
    const bool hold = m_tunnelObserved && !m_appFramesFailed && !m_tunnelSid.isEmpty() &&
                      m_sessions->awaitsInjectedAck(m_tunnelSid);
    if (!hold && m_appHold.isEmpty()) {
        sendToTarget(bytes);
        m_appReleased += bytes.size();
        observeTunnel(Direction::Out, bytes);
        return;
    }
    m_appHold += bytes;
    observeTunnel(Direction::Out, bytes); // releases or keeps back each whole message
    // Nothing to keep back any more (the ACK came, or the frames cannot be read): the rest,
    // a frame still arriving included, goes on as it comes.
    if (m_appFramesFailed || m_tunnelSid.isEmpty() ||
        (!m_sessions->awaitsInjectedAck(m_tunnelSid) &&
         !m_sessions->isAssembling(m_tunnelSid, Direction::Out)))
        releaseApp(m_appReleased + m_appHold.size(), true);
}

void ProxyConnection::releaseApp(qint64 end, bool forward)
{
    const qsizetype count = qsizetype(std::clamp<qint64>(end - m_appReleased, 0, m_appHold.size()));
    if (forward)
        sendToTarget(QByteArrayView(m_appHold).first(count));
    m_appHold.remove(0, count);
    m_appReleased += count;
}

bool ProxyConnection::inject(const QString &nsp, const QByteArray &eventJson,
                             const ProxySessions::Injection &injection)
{
    if (m_responsePhase != ResponsePhase::Tunnel || !m_appOpen || m_targetFramesFailed)
        return false;
    m_injections.append({nsp, eventJson, injection});
    flushInjections();
    return true;
}

void ProxyConnection::flushInjections()
{
    if (m_injections.isEmpty() || m_responsePhase != ResponsePhase::Tunnel || !m_appOpen ||
        m_targetFramesFailed || m_tunnelSid.isEmpty())
        return;
    // Only between the target's messages: never inside a frame or a packet's attachments.
    if (!m_targetFrames.isBetweenMessages() || m_sessions->isAssembling(m_tunnelSid, Direction::In))
        return;
    const QList<PendingInjection> injections = std::exchange(m_injections, {});
    for (const PendingInjection &pending : injections) {
        for (const EngineIoPacket &message : pending.injection.messages) {
            sendToApp(message.binary
                          ? WebSocketFrameWriter::unmaskedFrame(
                                WebSocketOpcode::Binary,
                                EngineIoCodec::encodeBinaryFrame(message.data, m_tunnelVersion))
                          : WebSocketFrameWriter::unmaskedFrame(
                                WebSocketOpcode::Text,
                                EngineIoCodec::encodeText(message, m_tunnelVersion)));
        }
        m_sessions->recordInjection(m_tunnelSid, pending.nsp, pending.eventJson, pending.injection);
    }
}

void ProxyConnection::closeTunnelSession(const QString &closedBy)
{
    if (!m_tunnelObserved || m_tunnelRecorded || m_tunnelSid.isEmpty())
        return;
    m_tunnelRecorded = true;
    QJsonObject details = m_tunnelClose;
    details.insert(QStringLiteral("closedBy"), closedBy);
    details.insert(QStringLiteral("reason"),
                   closedBy == QLatin1String("app")
                       ? QStringLiteral("the app closed the WebSocket connection")
                   : closedBy == QLatin1String("target")
                       ? QStringLiteral("the target closed the WebSocket connection")
                       : QStringLiteral("the proxy stopped"));
    m_sessions->webSocketClosed(m_tunnelSid, details);
}
