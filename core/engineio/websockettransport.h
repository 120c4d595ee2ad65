// WebSocket: one Engine.IO packet per message; text messages for text, binary for binary.
// SioScope's own RFC 6455 client over QTcpSocket / QSslSocket: text messages reach the codec as
// the UTF-8 bytes that were on the wire (QWebSocket would convert them to QString and back), and
// every complete frame of a read is parsed in one go.
#pragma once

#include "common/httphead.h"
#include "engineio/engineiotransport.h"
#include "engineio/websocketframeparser.h"

#include <QAbstractSocket>
#include <QTimer>

class QSslError;
class QTcpSocket;

class WebSocketTransport : public EngineIoTransport
{
    Q_OBJECT
public:
    WebSocketTransport(const EngineIoOptions &options, EngineIoVersion version, QObject *parent);
    ~WebSocketTransport() override;

    TransportKind kind() const override { return TransportKind::WebSocket; }
    void open(const QString &sid) override;
    void send(const QList<EngineIoPacket> &packets) override;
    void abort() override;
    void shutdown() override;

private:
    enum class Phase {
        Idle,
        Connecting,     // TCP (and TLS) connection being set up
        Handshaking,    // upgrade request sent, reading the response head
        ReadingRefusal, // the server answered other than 101: reading its body for the message
        Open,
        Stopped
    };

    void sendUpgradeRequest();
    void readSocket();
    void readUpgradeResponse();
    void acceptUpgrade(const HttpResponseHead &head);
    void finishRefusal();
    EngineIoError::Kind upgradeFailureKind() const;
    // Parses the buffered frames, at most maxMessagesPerTurn of them, and queues the rest for the
    // next turn of the event loop.
    void readFramesThisTurn();
    // Handles up to `budget` frames: how many there were, or -1 when the budget ran out first.
    int readFrames(int budget);
    void setReadCoalescing(bool on);
    void setReceiveLowWaterMark(int bytes);
    void flushNow();
    // What this turn wrote goes to the kernel as the event loop is about to wait, not on a later
    // wake-up that reports the socket writable (one more wait and turn for every message sent).
    void flushBeforeWaiting();
    void receiveText(QByteArray message);
    void receiveBinary(QByteArray message);
    void receiveClose();
    void failWithFrameError();
    void handleTlsErrors(const QList<QSslError> &errors);
    void handleSocketError(QAbstractSocket::SocketError error);
    void sendFrame(WebSocketOpcode opcode, QByteArrayView payload);
    void finishShutdown();
    // Stops reading and writing; `closeGracefully` lets what is written (a CLOSE) go out first.
    void stop(bool closeGracefully);
    void fail(EngineIoError::Kind kind, const QString &message, const QByteArray &frame = {});
    void fail(const EngineIoError &error);

    QTcpSocket *m_socket = nullptr;
    Phase m_phase = Phase::Idle;
    WebSocketFrameParser m_parser;
    QString m_sid;
    QByteArray m_key;          // Sec-WebSocket-Key as sent
    QByteArray m_responseHead; // the upgrade response while it arrives (bounded)
    HttpResponseHeadParser m_responseParser;
    int m_refusalStatus = 0;
    QString m_refusalReason;
    QByteArray m_refusalLocation;
    qint64 m_refusalBodyBytes = -1; // from Content-Length; -1: until the server closes
    QByteArray m_refusalBody;
    QTimer m_refusalTimer;     // bounds the wait for a refusal's body
    QTimer m_coalesceTimer;    // bounds the delay that read coalescing adds
    int m_lowWaterMark = 1;    // SO_RCVLOWAT; above 1 while reads are coalesced
    bool m_turnQueued = false; // readFramesThisTurn() is queued for the rest of a backlog
    bool m_shuttingDown = false;
    bool m_closeSent = false;
    bool m_clientCertificateAlert = false; // the server's fatal alert was about the certificate
    bool m_flushing = false;           // inside flushNow(): socket errors are handled a turn later
    qint64 m_bytesSinceFlush = 0;      // written to the socket's buffer since the last flush
    bool m_flushBeforeWaiting = false; // a flush is connected to the next aboutToBlock
};
