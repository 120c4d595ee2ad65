// The app sessions a proxy sees, by Engine.IO sid: each one's passive SessionDecoder, fed the
// polling bodies and WebSocket messages of every connection that carries the session, and its
// lifecycle (opened at the handshake, upgraded, closed by a CLOSE packet, by its WebSocket's end,
// or by silence). Records go out through packetRecorded(), each with its session's sid.
//
// Direction in the records: Out is what the app sent toward the target, In what the target sent
// back, as in a client's own log.
#pragma once

#include "engineio/engineiopacket.h"
#include "socketio/packetrecord.h"
#include "socketio/sessiondecoder.h"
#include "socketio/socketiomsgpackparser.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>

class ProxySessions : public QObject
{
    Q_OBJECT
public:
    using Direction = PacketRecord::Direction;

    explicit ProxySessions(QObject *parent = nullptr);
    ~ProxySessions() override;

    void setParser(SocketIoParser::Kind kind) { m_parserKind = kind; }
    void setMaxDecodedBytes(qint64 bytes) { m_maxDecodedBytes = bytes; }

    // A handshake's answer was seen: the session `sid` opens (TransportOpened, with `context`:
    // remote, url). A sid seen again starts over.
    void open(const QString &sid, EngineIoVersion version, TransportKind transport,
              const QJsonObject &context);
    // Open sessions (a closed one lingers a while for late bodies, not counted).
    bool contains(const QString &sid) const;
    int count() const { return m_openCount; }

    // What crossed the proxy in one session. A sid the proxy never saw open (the app's session
    // began before the proxy started) is opened first, with a warning that says so. Returns
    // false when it broke a rule (recorded): the Engine.IO framing, or the Socket.IO parser's,
    // which then stops decoding that direction.
    bool observePollingBody(const QString &sid, EngineIoVersion version, Direction direction,
                            const QByteArray &body, SessionDecoder::PollingBody encoding);
    // *answersInjection: the message completed the app's ACK to an injected EVENT, which the
    // target never sent and must not see.
    bool observeWebSocketMessage(const QString &sid, EngineIoVersion version, Direction direction,
                                 const QByteArray &payload, bool binary,
                                 bool *answersInjection = nullptr);
    // A WebSocket of the session got its 101 (an upgrade when the session is polling).
    void webSocketOpened(const QString &sid, EngineIoVersion version, bool upgrade);
    // The WebSocket carrying the session ended: the session ends with it.
    void webSocketClosed(const QString &sid, const QJsonObject &details);

    // --- Injection: an EVENT sent to the app as if the target had sent it.

    // The session's transport now (None when there is no such open session).
    TransportKind transport(const QString &sid) const;
    // Whether a packet is half-assembled in `direction` (an injection must wait for its end).
    bool isAssembling(const QString &sid, Direction direction) const;
    // The EVENT as the session's parser writes it, with an ack id of the proxy's own when `ack`
    // (from InjectedAckBase up, so that it never meets the target's). False with *error.
    struct Injection
    {
        QList<EngineIoPacket> messages;
        qint64 ackId = -1;
    };
    bool prepareInjection(const QString &sid, const QString &nsp, const QByteArray &eventJson,
                          const QList<QByteArray> &attachments, bool ack, Injection *injection,
                          QString *error);
    // The injection went to the app: recorded (an `injected` note, then its packet, In).
    void recordInjection(const QString &sid, const QString &nsp, const QByteArray &eventJson,
                         const Injection &injection);
    // Whether the app still owes the ACK of an injected EVENT in this session.
    bool awaitsInjectedAck(const QString &sid) const;
    static constexpr qint64 InjectedAckBase = 1000000000;

    // The sid of an Engine.IO OPEN packet's handshake, or empty with *error.
    static QString sidOfOpen(const EngineIoPacket &packet, QString *error);

    // A record of a session (empty sid: of no session, e.g. a refused connection).
    void record(const QString &sid, PacketRecord record);

    // The session ends: its Closed note with `details`. A closed or unknown one is left as is.
    void close(const QString &sid, const QJsonObject &details);
    // Every open session ends (the proxy stops): a Closed note each.
    void closeAll(const QString &reason);

Q_SIGNALS:
    void packetRecorded(const PacketRecord &record);
    void sessionOpened(const QString &sid);
    void sessionClosed(const QString &sid);

private:
    struct Session
    {
        SessionDecoder *decoder = nullptr;
        EngineIoVersion version = EngineIoVersion::V4;
        TransportKind transport = TransportKind::Polling;
        qint64 lastSeenMs = 0;
        qint64 silenceMs = 0; // pingInterval + pingTimeout, when the handshake said
        // Closed: kept for ClosedLingerMs, so that what was already on its way (the answer of
        // a long-poll pending when the app sent CLOSE) is recorded in it, not as a new session.
        bool closed = false;
        qint64 nextInjectedAckId = InjectedAckBase;
        QSet<qint64> injectedAcks; // asked by injected EVENTs, not answered yet
    };

    Session *session(const QString &sid, EngineIoVersion version, TransportKind transport);
    Session &create(const QString &sid, EngineIoVersion version, TransportKind transport);
    void watchRecord(const QString &sid, const PacketRecord &record);
    void closeSilentSessions();

    SocketIoParser::Kind m_parserKind = SocketIoParser::Kind::Auto;
    qint64 m_maxDecodedBytes = 64 * 1024 * 1024;
    SocketIoTextParser m_textParser;
    SocketIoMsgpackParser m_msgpackParser;
    QHash<QString, Session> m_sessions;
    int m_openCount = 0;
    QElapsedTimer m_clock;
    QTimer m_silenceSweep;
};
