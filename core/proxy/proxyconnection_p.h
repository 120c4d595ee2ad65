// One app connection through the proxy, paired with one connection to the target of its own:
// HTTP requests and their responses forwarded byte for byte (the request head with the changes
// of requestforwarding.h), a WebSocket relayed verbatim after its 101, and everything of the
// Engine.IO path read beside the bytes and handed to ProxySessions.
//
// Two half-state machines, one per direction: the app's requests (head, body) and the target's
// responses (head, body), matched in order through a queue of exchanges (HTTP/1.1 allows the app
// to send the next request before the answer). After a 101 both become the tunnel.
//
// Reading never changes what is forwarded. When a side breaks a rule, it is recorded and the
// bytes still go on (unless strict); when a response cannot be framed, the rest of the
// connection is relayed without reading.
#pragma once

#include "common/httpbody.h"
#include "common/httphead.h"
#include "engineio/engineiopacket.h"
#include "engineio/websocketframeparser.h"
#include "proxy/proxyoptions.h"
#include "proxy/proxysessions.h"
#include "server/httprequestparser.h"
#include "socketio/packetrecord.h"

#include <QAbstractSocket>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QNetworkProxy>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QTimer>

#include <deque>

class QSslError;
class QTcpSocket;
struct ResolvedProxy;

// How the connections toward the target are made; prepared once per proxy.
struct ProxyTargetSetup
{
    bool tls = false;
    QSslConfiguration tlsConfiguration;
    bool ignoreTlsErrors = false;
    QNetworkProxy networkProxy{QNetworkProxy::NoProxy};
};

class ProxyConnection : public QObject
{
    Q_OBJECT
public:
    using Direction = PacketRecord::Direction;

    // Takes over `app` (reparented).
    ProxyConnection(QTcpSocket *app, const ProxyOptions &options, const ProxyTargetSetup &setup,
                    ProxySessions *sessions, QObject *parent);
    ~ProxyConnection() override;

    // Both connections are cut at once (the proxy stops).
    void abortBoth();
    // Sends an injected EVENT to the app on this connection's WebSocket, at the next point
    // between the target's messages (never inside one of its frames or packets).
    // False when this connection cannot carry it (no WebSocket, or one whose frames could not be
    // read, so that no point between messages is known).
    bool inject(const QString &nsp, const QByteArray &eventJson,
                const ProxySessions::Injection &injection);
    QString remote() const { return m_remote; }

Q_SIGNALS:
    // Both connections are closed; the proxy deletes this later.
    void finished();
    // The WebSocket of this connection carries the session `sid` (known at its 101, or at its
    // OPEN for a WebSocket-only session).
    void tunnelSessionKnown(const QString &sid);

private:
    enum class RequestPhase { Head, Body, AwaitingUpgrade, Tunnel, Opaque, Closed };
    enum class ResponsePhase { Head, Body, Tunnel, Opaque, Closed };

    // One request and what its answer needs to be read.
    struct Exchange
    {
        QByteArray method;
        QByteArray target;
        bool engineIo = false; // under the Engine.IO path: decoded
        EngineIoVersion version = EngineIoVersion::V4;
        QString sid;
        TransportKind transport = TransportKind::None;
        bool upgrade = false;
        bool requestDone = false;
        int status = 0;
        QByteArray contentType; // of the request: a v3 binary POST is application/octet-stream
        qint64 startedMs = 0;   // on m_clock, when its head arrived (for --record-all)
        qint64 requestBytes = 0;
    };

    // --- the app's side
    void readApp();
    void parseRequests();
    bool startRequest(qsizetype headBytes);
    void finishRequestBody();
    // An answer of the proxy's own (the request cannot be forwarded): recorded, sent, and the
    // app's connection closed after it.
    void answerApp(int status, const QString &message, const QString &sid = {});

    // --- the target's side
    void connectTarget();
    void targetConnected();
    void readTarget();
    void parseResponses();
    void finishResponse();
    // --record-all: an exchange outside the Engine.IO path, as an `http` note.
    void recordOtherExchange(const Exchange &exchange, qint64 responseBytes);
    void targetFailed(const QString &message, int status);
    void handleTargetError(QAbstractSocket::SocketError error);
    void handleTlsErrors(const QList<QSslError> &errors);

    // --- the tunnel after a 101
    void startTunnel();
    void observeTunnel(Direction direction, QByteArrayView bytes);
    void closeTunnelSession(const QString &closedBy);
    // The app's side of the tunnel. While the app owes the ACK of an injected EVENT, its frames
    // are held until whole, so that the ACK can be kept from the target; otherwise they go on at
    // once.
    void relayAppTunnel(const QByteArray &bytes);
    void releaseApp(qint64 end, bool forward);
    void flushInjections();

    // --- both
    void sendToTarget(QByteArrayView bytes);
    void sendToApp(QByteArrayView bytes);
    // A rule broken by one side: recorded in the session (or none). With strict, both close.
    void violation(Direction direction, const QString &layer, const QString &message,
                   const QByteArray &bytes, const QString &sid);
    void appClosed();
    void targetClosed();
    void closeBoth(bool graceful);
    void checkFinished();
    void resumeReading();
    QString sessionOf(const Exchange &exchange) const;
    void record(const QString &sid, PacketRecord record);

    const ProxyOptions &m_options;
    const ProxyTargetSetup &m_setup;
    ProxySessions *m_sessions;
    QString m_remote;
    QElapsedTimer m_clock;

    QTcpSocket *m_app;
    QTcpSocket *m_target = nullptr;
    bool m_targetConnected = false;
    bool m_appOpen = true;
    bool m_targetOpen = true;
    QByteArray m_pendingToTarget; // until the target's connection is up
    QTimer m_connectTimer;

    RequestPhase m_requestPhase = RequestPhase::Head;
    QByteArray m_appBuffer;
    HttpRequestParser m_requestParser;
    HttpBodyDecoder m_requestBody;
    QByteArray m_requestContentEncoding;

    ResponsePhase m_responsePhase = ResponsePhase::Head;
    QByteArray m_targetBuffer;
    HttpResponseHeadParser m_responseParser;
    HttpBodyDecoder m_responseBody;
    HttpResponseHead m_responseHead;
    bool m_responseStarted = false; // a byte of the current response reached the app

    std::deque<Exchange> m_exchanges;

    // The tunnel: frames read each way, and the session it carries.
    WebSocketFrameParser m_appFrames;
    WebSocketFrameParser m_targetFrames;
    bool m_appFramesFailed = false;
    bool m_targetFramesFailed = false;
    QString m_tunnelSid;
    EngineIoVersion m_tunnelVersion = EngineIoVersion::V4;
    bool m_tunnelUpgrade = false;
    QJsonObject m_tunnelClose; // the CLOSE frames seen: who, code, reason
    bool m_tunnelRecorded = false;
    bool m_tunnelObserved = false; // the WebSocket is under the Engine.IO path
    bool m_finished = false;
    QJsonObject m_tunnelContext;
    QByteArray m_appHold;     // the app's tunnel bytes from m_appReleased on, held back
    qint64 m_appReleased = 0; // the app's tunnel bytes forwarded or kept back so far
    struct PendingInjection
    {
        QString nsp;
        QByteArray eventJson;
        ProxySessions::Injection injection;
    };
    QList<PendingInjection> m_injections;
};
