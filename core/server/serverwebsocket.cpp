#include "server/serverwebsocket.h"

#include "server/serverlogging.h"
#include "server/tcpstream.h"

#include <QPointer>
#include <QTimerEvent>

#ifdef Q_OS_UNIX
#endif

ServerWebSocket::Refusal ServerWebSocket::checkUpgrade(const HttpRequest &request)
{
    const auto refuse = [](int status, const QString &message, HttpHeaders headers = {}) {
        return Refusal{status, std::move(headers), message};
    };
    if (request.method != "GET")
        return refuse(400, QStringLiteral("a WebSocket upgrade must be a GET (RFC 6455 4.2.1)"));
    if (request.versionMinor < 1) {
        return refuse(400, QStringLiteral("a WebSocket upgrade needs HTTP/1.1 or later (RFC 6455 "
                                          "4.2.1)"));
    }
    if (!request.headerHasToken("upgrade", "websocket"))
        return refuse(400, QStringLiteral("missing or invalid Upgrade header (RFC 6455 4.2.1)"));
    if (!request.headerHasToken("connection", "upgrade")) {
        return refuse(400, QStringLiteral("the Connection header does not hold Upgrade (RFC 6455 "
                                          "4.2.1)"));
    }
    if (request.header("sec-websocket-version") != "13") {
        return refuse(426,
                      QStringLiteral("unsupported Sec-WebSocket-Version '%1' (RFC 6455 4.2.1: "
                                     "13)")
                          .arg(QString::fromLatin1(request.header("sec-websocket-version"))),
                      {HttpHeader("Sec-WebSocket-Version", "13")});
    }
    const QByteArray key = request.header("sec-websocket-key");
    const auto decoded =
        QByteArray::fromBase64Encoding(key, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() != 16 || key.size() != 24) {
        return refuse(400, QStringLiteral("missing or invalid Sec-WebSocket-Key (RFC 6455 4.2.1: "
                                          "16 bytes in base64)"));
    }
    return {};
}

ServerWebSocket::ServerWebSocket(std::unique_ptr<TcpStream> stream, const HttpRequest &request,
                                 qint64 maxMessageBytes, QObject *parent)
    : QObject(parent)
    , m_socket(std::move(stream))
    , m_parser(maxMessageBytes, WebSocketFrameParser::Role::ServerEnd)
{
    TcpStream *socket = m_socket.get();
    socket->setHandler(this);

    QByteArray answer = "HTTP/1.1 101 Switching Protocols\r\n"
                        "Upgrade: websocket\r\n"
                        "Connection: Upgrade\r\n"
                        "Sec-WebSocket-Accept: ";
    answer += WebSocketFrameWriter::acceptKey(request.header("sec-websocket-key"));
    answer += "\r\n\r\n";
    socket->write(answer);
    // Frames that came with the upgrade request raise no new readyRead.
    if (socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &ServerWebSocket::readFrames, Qt::QueuedConnection);
}

ServerWebSocket::~ServerWebSocket() = default;

void ServerWebSocket::streamReadyRead(TcpStream *)
{
    readFrames();
}

void ServerWebSocket::streamBytesWritten(TcpStream *, qint64)
{
    if (m_ending)
        finishEnding();
    if (m_handler)
        m_handler->webSocketBytesWritten(this);
}

void ServerWebSocket::streamDisconnected(TcpStream *)
{
    handleDisconnected();
}

void ServerWebSocket::setMaxMessageBytes(qint64 bytes)
{
    m_parser.setMaxMessageBytes(bytes);
}

void ServerWebSocket::readFrames()
{
    QPointer<ServerWebSocket> self(this);
    while (m_state != State::Closed && m_socket->bytesAvailable() > 0) {
        QByteArray bytes = m_socket->readAll();
        if (m_ending)
            continue; // after the close handshake (or a violation): read and dropped
        m_parser.addData(std::move(bytes));
        // A handler may close or abort the socket from a signal; nothing more is read then.
        for (bool more = true; more && self && !m_ending && m_state != State::Closed;) {
            using Result = WebSocketFrameParser::Result;
            switch (m_parser.next()) {
            case Result::NeedMoreData:
                more = false;
                break;
            case Result::TextMessage:
                if (m_state == State::Open) {
                    const QByteArray payload = m_parser.takePayload();
                    if (m_handler)
                        m_handler->webSocketTextReceived(this, payload);
                    if (self)
                        Q_EMIT textMessageReceived(payload);
                }
                break;
            case Result::BinaryMessage:
                if (m_state == State::Open) {
                    const QByteArray payload = m_parser.takePayload();
                    if (m_handler)
                        m_handler->webSocketBinaryReceived(this, payload);
                    if (self)
                        Q_EMIT binaryMessageReceived(payload);
                }
                break;
            case Result::Ping:
                if (m_state == State::Open)
                    sendFrame(WebSocketOpcode::Pong, m_parser.takePayload());
                break;
            case Result::Pong:
                m_parser.takePayload();
                break;
            case Result::Close:
                handleClose();
                break;
            case Result::Error:
                handleViolation();
                break;
            }
        }
        if (!self)
            return;
    }
}

void ServerWebSocket::handleClose()
{
    m_closeCode = m_parser.closeCode();
    m_closeReason = m_parser.closeReason();
    if (!m_closeSent) {
        // RFC 6455 5.5.1: the answer echoes the code (none when the client's CLOSE had none).
        sendFrame(WebSocketOpcode::Close, m_closeCode == WebSocketCloseCode::NoStatusReceived
                                              ? QByteArray()
                                              : WebSocketFrameWriter::closePayload(m_closeCode));
        m_closeSent = true;
    }
    m_state = State::Closing;
    endConnection();
    QPointer<ServerWebSocket> self(this);
    if (m_handler)
        m_handler->webSocketCloseReceived(this);
    if (self)
        Q_EMIT closeReceived();
}

ServerWebSocketError ServerWebSocket::error() const
{
    return {m_parser.violation(), m_parser.errorCloseCode(), m_parser.errorString(),
            m_parser.offendingBytes()};
}

void ServerWebSocket::handleViolation()
{
    const ServerWebSocketError violation = error();
    qCDebug(lcServer) << "WebSocket from" << peerAddress().toString() << peerPort()
                      << "broke a rule:" << violation.message << "- closing with"
                      << violation.closeCode;
    if (!m_closeSent) {
        sendFrame(WebSocketOpcode::Close, WebSocketFrameWriter::closePayload(violation.closeCode));
        m_closeSent = true;
    }
    m_state = State::Closing;
    endConnection();
    QPointer<ServerWebSocket> self(this);
    if (m_handler)
        m_handler->webSocketViolated(this, violation);
    if (self)
        Q_EMIT protocolViolated(violation);
}

void ServerWebSocket::sendTextMessage(QByteArrayView utf8)
{
    if (m_state == State::Open)
        sendFrame(WebSocketOpcode::Text, utf8);
}

void ServerWebSocket::sendBinaryMessage(QByteArrayView data)
{
    if (m_state == State::Open)
        sendFrame(WebSocketOpcode::Binary, data);
}

void ServerWebSocket::sendFrame(WebSocketOpcode opcode, QByteArrayView payload)
{
    m_socket->write(WebSocketFrameWriter::unmaskedFrame(opcode, payload));
}

qint64 ServerWebSocket::bytesToWrite() const
{
    return m_socket->bytesToWrite();
}

void ServerWebSocket::close(quint16 code, const QString &reason)
{
    if (m_state != State::Open)
        return;
    sendFrame(WebSocketOpcode::Close, WebSocketFrameWriter::closePayload(code, reason));
    m_closeSent = true;
    m_state = State::Closing;
    m_closeTimer.start(CloseTimeoutMs, this);
}

void ServerWebSocket::abort()
{
    if (m_state == State::Closed)
        return;
    m_socket->abort();
    handleDisconnected();
}

// The server closes TCP first (RFC 6455 7.1.1). It stops sending once the CLOSE is out, and
// reads and drops what still comes until the client closes too, so that unread bytes do not
// turn the close into a reset that could destroy the CLOSE frame before the client reads it.
void ServerWebSocket::endConnection()
{
    m_ending = true;
    m_closeTimer.start(CloseTimeoutMs, this);
    finishEnding();
}

void ServerWebSocket::finishEnding()
{
    if (m_state == State::Closed || m_socket->bytesToWrite() > 0)
        return;
    if (m_socket->isOpen()) {
        m_socket->shutdownWrite();
        return;
    }
    abort();
}

void ServerWebSocket::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_closeTimer.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    m_closeTimer.stop();
    qCDebug(lcServer) << "WebSocket from" << peerAddress().toString() << peerPort()
                      << "did not finish closing: cut";
    abort();
}

void ServerWebSocket::handleDisconnected()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_closeTimer.stop();
    QPointer<ServerWebSocket> self(this);
    if (m_handler)
        m_handler->webSocketDisconnected(this);
    if (self)
        Q_EMIT disconnected();
}
