// The Socket.IO server: namespaces with connect hooks, events and acks both ways, binary
// attachments, DISCONNECT, rooms and broadcasts; protocol v5 over Engine.IO v4 and v4 over
// Engine.IO v3 (socket.io 2.x clients: "/" joined by itself, auth in the CONNECT query string).
// Built on the client's codec (SocketIoEncoder, SocketIoDecoder) and the same record stream.
//
// The objects mirror socket.io's: SocketIoServer (io), SocketIoServerNamespace (io.of(name)),
// SocketIoServerSocket (one client in one namespace). A rules engine or the GUI drives the
// server through the connect hooks, the per-packet signals and the send functions.
#pragma once

#include "server/engineioserver.h"
#include "socketio/packetrecord.h"
#include "socketio/socketiocodec.h"
#include "socketio/socketiomsgpackparser.h"
#include "socketio/socketioparser.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QSet>

#include <functional>
#include <memory>

class SocketIoServer;
class EngineIoServerRecorder;
class SocketIoServerConnection;
class SocketIoServerNamespace;
class QTimer;

struct SocketIoServerOptions
{
    EngineIoServerOptions engine; // its path defaults to "/socket.io/" here
    // A client that joins no namespace within this time is disconnected (socket.io's
    // connectTimeout).
    int connectTimeoutMs = 45000;
    // How packets are written: socket.io-parser's text (the default) or socket.io-msgpack-parser
    // (its clients speak Engine.IO v4 only). Taken by the sessions that open after it is set.
    SocketIoParser::Kind parser = SocketIoParser::Kind::Default;
    SocketIoParserLimits limits;

    SocketIoServerOptions() { engine.path = QStringLiteral("/socket.io/"); }
};

// What a connect hook sees of a CONNECT.
struct SocketIoConnectRequest
{
    QString nsp;
    QString engineSid;
    SocketIoProtocol protocol = SocketIoProtocol::V5;
    // v5: the CONNECT payload (an empty object when there was none). v4: the namespace's query
    // string as an object ({"token":"abc"} for "0/admin?token=abc,"), for "/" the handshake's
    // query minus EIO, transport, sid, t and b64.
    QJsonObject auth;
    QByteArray rawAuth;              // the payload as on the wire (v5), empty when there was none
    QString query;                   // v4: the CONNECT query string as sent
    EngineIoServerRequest handshake; // the HTTP request that opened the session
};

// A connect hook's answer. A refusal becomes CONNECT_ERROR {"message","data"} (v5) or an ERROR
// with the data, else the message, as a string (v4).
struct SocketIoConnectDecision
{
    bool accept = true;
    QString message;
    QJsonValue data = QJsonValue(QJsonValue::Undefined);

    static SocketIoConnectDecision accepted() { return {}; }
    static SocketIoConnectDecision refused(const QString &message,
                                           const QJsonValue &data = QJsonValue::Undefined)
    {
        SocketIoConnectDecision decision;
        decision.accept = false;
        decision.message = message;
        decision.data = data;
        return decision;
    }
};

// One client in one namespace (socket.io's Socket).
class SocketIoServerSocket : public QObject
{
    Q_OBJECT
public:
    struct SendResult
    {
        bool ok = false;
        qint64 ackId = -1;
        QString error;
    };

    QString id() const { return m_id; } // the Socket.IO sid, not the Engine.IO one
    QString engineSid() const;
    QString nsp() const;
    SocketIoProtocol protocol() const;
    QJsonObject auth() const { return m_auth; }
    // The auth as JSON text: v5 the CONNECT payload byte for byte ("{}" when there was none),
    // v4 the query-string object.
    QByteArray authJson() const { return m_authJson; }
    // The HTTP request that opened the session (empty once its engine session is deleted).
    const EngineIoServerRequest &handshake() const;
    bool isConnected() const { return m_connected; }
    // Its own id included, unless it left that room.
    QSet<QString> rooms() const { return QSet<QString>(m_rooms.cbegin(), m_rooms.cend()); }
    QList<qint64> pendingAckIds() const { return m_pendingAcks.keys(); }
    bool hasPendingAck(qint64 id) const { return m_pendingAcks.contains(id); }

    void join(const QString &room);
    void leave(const QString &room);

    // EVENT or BINARY_EVENT; `data` is [eventName, args...] with placeholders for binaries.
    // ackTimeoutMs: -1 no ack; 0 an ack without timeout; otherwise its timeout.
    SendResult emitEvent(const QJsonArray &data, const QList<QByteArray> &attachments = {},
                         int ackTimeoutMs = -1);
    // ACK or BINARY_ACK for an EVENT the client sent with an id.
    SendResult sendAck(qint64 id, const QJsonArray &data,
                       const QList<QByteArray> &attachments = {});
    // The same with the payload as JSON text, sent byte for byte (key order, number spelling):
    // what an echo or a rules engine needs. It is validated like anything sent.
    SendResult emitEventJson(const QByteArray &json, const QList<QByteArray> &attachments = {},
                             int ackTimeoutMs = -1);
    SendResult sendAckJson(qint64 id, const QByteArray &json,
                           const QList<QByteArray> &attachments = {});
    // Sends `text` as one Engine.IO text MESSAGE as it is, without validation: a deliberately
    // invalid packet, for testing a client's parser (mock rules). Recorded like any packet sent,
    // with `note` as its error.
    SendResult sendRawMessage(const QByteArray &text, const QString &note);
    // Sends DISCONNECT (reason "server namespace disconnect"); with closeConnection the whole
    // Engine.IO session closes too.
    void disconnectFromServer(bool closeConnection = false);

Q_SIGNALS:
    void eventReceived(const SocketIoPacket &packet); // EVENT and BINARY_EVENT
    void ackReceived(const SocketIoPacket &packet, qint64 rttUs);
    void ackTimedOut(qint64 id, const QString &eventName);
    // "client namespace disconnect", "server namespace disconnect", or the Engine.IO reason
    // ("transport close", "ping timeout", "parse error", "forced close", ...).
    void disconnected(const QString &reason);

private:
    friend class SocketIoServerConnection;
    friend class SocketIoServerNamespace;
    SocketIoServerSocket(const QString &id, SocketIoServerNamespace *ns,
                         SocketIoServerConnection *connection, const QJsonObject &auth,
                         const QByteArray &authJson);
    void processEvent(const SocketIoPacket &packet);
    bool processAck(const SocketIoPacket &packet, qint64 rttUs);
    void handleAckTimeout(qint64 id);
    void close(const QString &reason); // the end, whatever the cause

    struct PendingAck
    {
        QString eventName;
        QTimer *timer = nullptr;
    };

    QString m_id;
    SocketIoServerNamespace *m_namespace;
    SocketIoServerConnection *m_connection;
    QJsonObject m_auth;
    QByteArray m_authJson;
    bool m_connected = true;
    // A list, not a QSet: a socket is in one or a few rooms, and a QSet allocates a span for ~48
    // entries on its first insert (~1.2 KB per socket).
    QStringList m_rooms;
    qint64 m_nextAckId = 0;
    QHash<qint64, PendingAck> m_pendingAcks;
};

class SocketIoServerNamespace : public QObject
{
    Q_OBJECT
public:
    using ConnectHook = std::function<SocketIoConnectDecision(const SocketIoConnectRequest &)>;

    QString name() const { return m_name; }
    // Decides on every CONNECT to this namespace; none accepts everyone.
    void setConnectHook(ConnectHook hook) { m_hook = std::move(hook); }

    QList<SocketIoServerSocket *> sockets() const { return m_sockets.values(); }
    SocketIoServerSocket *socket(const QString &id) const { return m_sockets.value(id); }
    QStringList rooms() const;
    QList<SocketIoServerSocket *> socketsInRoom(const QString &room) const;

    // EVENT to every connected socket, or to those in `room`, minus `exceptSocketId`. The packet
    // is encoded once. Returns how many sockets it went to.
    int emitToAll(const QJsonArray &data, const QList<QByteArray> &attachments = {});
    int emitToRoom(const QString &room, const QJsonArray &data,
                   const QList<QByteArray> &attachments = {}, const QString &exceptSocketId = {});
    // The payload as JSON text; an empty room means every socket.
    int emitToRoomJson(const QString &room, const QByteArray &json,
                       const QList<QByteArray> &attachments = {},
                       const QString &exceptSocketId = {});

Q_SIGNALS:
    void socketConnected(SocketIoServerSocket *socket);
    void connectRefused(const SocketIoConnectRequest &request,
                        const SocketIoConnectDecision &decision);
    void socketDisconnected(SocketIoServerSocket *socket, const QString &reason);
    void eventReceived(SocketIoServerSocket *socket, const SocketIoPacket &packet);
    void ackReceived(SocketIoServerSocket *socket, const SocketIoPacket &packet, qint64 rttUs);

private:
    friend class SocketIoServer;
    friend class SocketIoServerConnection;
    friend class SocketIoServerSocket;
    SocketIoServerNamespace(const QString &name, SocketIoServer *server);
    int sendTo(const QList<SocketIoServerSocket *> &targets, const QByteArray &json,
               const QList<QByteArray> &attachments);

    SocketIoServer *m_server;
    QString m_name;
    ConnectHook m_hook;
    // By socket id. A QHash: a namespace holds up to thousands of sockets, and a QMap node costs
    // ~0.08 KB each where a QHash entry costs ~0.04 KB.
    QHash<QString, SocketIoServerSocket *> m_sockets;
    // The rooms sockets joined, without each socket's room of its own id: that one is implied by
    // m_sockets (and the socket's own list), which spares a QSet per socket.
    QHash<QString, QSet<SocketIoServerSocket *>> m_rooms;
};

class SocketIoServer : public QObject
{
    Q_OBJECT
public:
    explicit SocketIoServer(QObject *parent = nullptr);
    ~SocketIoServer() override;

    void setOptions(const SocketIoServerOptions &options);
    SocketIoServerOptions options() const { return m_options; }

    // Serves on a listener of its own, or on a shared one under options().engine.path.
    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    void attach(HttpListener *listener);
    quint16 serverPort() const { return m_engine->serverPort(); }
    QString errorString() const { return m_engine->errorString(); }
    // Closes every connection and stops serving.
    void close();

    EngineIoServer *engine() const { return m_engine; }

    // socket.io's io.of(name): the namespace, created when new. "/" exists from the start.
    SocketIoServerNamespace *addNamespace(const QString &name);
    SocketIoServerNamespace *findNamespace(const QString &name) const;
    QList<SocketIoServerNamespace *> namespaces() const { return m_namespaces.values(); }
    void removeNamespace(const QString &name); // its sockets are disconnected

Q_SIGNALS:
    // Every Socket.IO packet received, from every client on every namespace, once recorded and
    // before the server acts on it. `engineSid` names the client's Engine.IO session.
    void packetReceived(const QString &engineSid, const SocketIoPacket &packet);

    // Every packet both layers sent and received, and every lifecycle note, for every client.
    void packetRecorded(const PacketRecord &record);

    void clientConnected(const QString &engineSid);
    void clientDisconnected(const QString &engineSid, const QString &reason);
    // A protocol violation by a client (it is disconnected), in words that name the rule.
    void errorOccurred(const QString &engineSid, const QString &message);
    // close() was called: the server no longer serves.
    void closed();

private:
    friend class SocketIoServerConnection;
    friend class SocketIoServerNamespace;
    friend class SocketIoServerSocket;
    void handleConnection(EngineIoServerSocket *engineSocket);
    void record(PacketRecord record);

    SocketIoServerOptions m_options;
    EngineIoServer *m_engine;
    // Both parsers live as long as the server: each session's decoder keeps a pointer to the one
    // it was opened with.
    SocketIoTextParser m_textParser;
    SocketIoMsgpackParser m_msgpackParser;
    const SocketIoParser *m_parser = &m_textParser;
    EngineIoServerRecorder *m_recorder;
    QMap<QString, SocketIoServerNamespace *> m_namespaces;
    QHash<EngineIoServerSocket *, SocketIoServerConnection *> m_connections;
    const EngineIoServerRequest m_noHandshake; // see SocketIoServerConnection::handshake()
};
