// The server end of a WebSocket (RFC 6455), built on the same resumable parser as the client's
// (WebSocketFrameParser, in its ServerEnd role): every rule a server must enforce is checked on
// what the client sends, an unmasked frame among them (5.1), and a client that breaks one is
// told with a CLOSE frame (1002, 1007 or 1009) and reported with the rule and its bytes.
//
// HttpListener reads the upgrade request, checks it (checkUpgrade(): 4.2.1) and hands the
// connection over as a TcpStream (the descriptor without a QTcpSocket's per-connection buffers:
// a server holds thousands of these); the ServerWebSocket answers 101 and owns it from then on.
#pragma once

#include "engineio/websocketframeparser.h"
#include "server/httprequestparser.h"
#include "server/tcpstream.h"

#include <QBasicTimer>
#include <QHostAddress>
#include <QMetaType>
#include <QObject>

// A rule of RFC 6455 the client broke, as the server closed the connection for it.
struct ServerWebSocketError
{
    using Violation = WebSocketFrameParser::Violation;
    Violation violation = Violation::None;
    quint16 closeCode = 0;     // the code of the CLOSE frame the server sent: 1002, 1007 or 1009
    QString message;           // which rule, for people and the record; never read by code
    QByteArray offendingBytes; // the frame or message that broke it (at most 4 KiB)
};
Q_DECLARE_METATYPE(ServerWebSocketError)

class ServerWebSocket;

// Told what ServerWebSocket's signals announce, by a plain call made just before each signal:
// the Engine.IO server holds thousands of WebSockets, and a connection per signal per socket
// costs ~0.1 KB (heaptrack of `serve`). A handler may close or abort the socket from a call, and
// may deleteLater() it, but not delete it.
class ServerWebSocketHandler
{
public:
    virtual void webSocketTextReceived(ServerWebSocket *socket, const QByteArray &utf8) = 0;
    virtual void webSocketBinaryReceived(ServerWebSocket *socket, const QByteArray &data) = 0;
    virtual void webSocketBytesWritten(ServerWebSocket *socket) = 0;
    virtual void webSocketViolated(ServerWebSocket *socket, const ServerWebSocketError &error) = 0;
    virtual void webSocketCloseReceived(ServerWebSocket *socket) = 0;
    virtual void webSocketDisconnected(ServerWebSocket *socket) = 0;

protected:
    ~ServerWebSocketHandler() = default;
};

// The TcpStream reports to it as its handler (privately): no connections per stream.
class ServerWebSocket : public QObject, private TcpStreamHandler
{
    Q_OBJECT
public:
    enum class State { Open, Closing, Closed };
    Q_ENUM(State)

    // Why an upgrade request cannot be answered with 101 (status 0: it can).
    struct Refusal
    {
        int status = 0;      // 400, or 426 for a version other than 13
        HttpHeaders headers; // 426: Sec-WebSocket-Version: 13
        QString message;
    };
    // RFC 6455 4.2.1: GET, HTTP/1.1 or later, Upgrade: websocket, Connection: Upgrade,
    // Sec-WebSocket-Version 13 and a Sec-WebSocket-Key that is 16 bytes in base64.
    static Refusal checkUpgrade(const HttpRequest &request);

    // How long the client has to answer the server's CLOSE, or to close TCP after the close
    // handshake, before the connection is cut.
    static constexpr int CloseTimeoutMs = 2000;

    // Takes `stream` over, after its upgrade request `request` (checked, and read
    // out of the stream) and answers 101. Messages above maxMessageBytes close with 1009. The
    // request is not kept: its reader (HttpRequestHandler::handleWebSocket) has it already, and
    // a session keeps what it needs of it (~0.2 KB per connection when kept here too).
    ServerWebSocket(std::unique_ptr<TcpStream> stream, const HttpRequest &request,
                    qint64 maxMessageBytes, QObject *parent = nullptr);
    ~ServerWebSocket() override;

    State state() const { return m_state; }
    QHostAddress peerAddress() const { return m_socket->peerAddress(); }
    quint16 peerPort() const { return m_socket->peerPort(); }
    // Applies from the next frame header on.
    void setMaxMessageBytes(qint64 bytes);
    // Not owned; null for none. See ServerWebSocketHandler.
    void setHandler(ServerWebSocketHandler *handler) { m_handler = handler; }

    // One frame each, unmasked. Ignored unless Open.
    void sendTextMessage(QByteArrayView utf8);
    void sendBinaryMessage(QByteArrayView data);
    // Bytes written but not yet handed to the network.
    qint64 bytesToWrite() const;

    // Starts the close handshake: CLOSE with `code`, then TCP closes once the client answers
    // (or after CloseTimeoutMs).
    void close(quint16 code = WebSocketCloseCode::Normal, const QString &reason = {});
    // Cuts the TCP connection: no CLOSE frame.
    void abort();

    // Once the client sent CLOSE: its code (1005 when the frame had none) and reason. 1006 when
    // the connection ended without one.
    quint16 closeCode() const { return m_closeCode; }
    QString closeReason() const { return m_closeReason; }
    // Whether the connection ended for a rule the client broke (error() says which).
    bool hasViolation() const
    {
        return m_parser.violation() != ServerWebSocketError::Violation::None;
    }
    // From the frame parser, which stops at the violation and keeps it (made on demand: nearly
    // every client breaks no rule, and a copy here cost ~0.06 KB per client).
    ServerWebSocketError error() const;

Q_SIGNALS:
    void textMessageReceived(const QByteArray &utf8); // well-formed UTF-8, checked
    void binaryMessageReceived(const QByteArray &data);
    // The client broke a rule of RFC 6455: CLOSE with error.closeCode has been sent, and the
    // connection closes.
    void protocolViolated(const ServerWebSocketError &error);
    // The client's CLOSE arrived (closeCode(), closeReason()); it has been echoed, and TCP
    // closes next (disconnected()).
    void closeReceived();
    void disconnected();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void streamReadyRead(TcpStream *stream) override;
    void streamBytesWritten(TcpStream *stream, qint64 bytes) override;
    void streamDisconnected(TcpStream *stream) override;
    void readFrames();
    void handleClose();
    void handleViolation();
    void sendFrame(WebSocketOpcode opcode, QByteArrayView payload);
    // The close handshake is over (or broken): TCP closes once what is written has gone out.
    void endConnection();
    void finishEnding();
    void handleDisconnected();

    std::unique_ptr<TcpStream> m_socket; // as long as this object
    WebSocketFrameParser m_parser;
    State m_state = State::Open;
    bool m_closeSent = false;
    bool m_ending = false; // no more frames are read; TCP closes after the last write
    quint16 m_closeCode = 1006;
    QString m_closeReason;
    QBasicTimer m_closeTimer; // not a QTimer object: one less QObject per connection
    ServerWebSocketHandler *m_handler = nullptr;
};
