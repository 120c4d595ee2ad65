#include "engineio/websockettransport.h"

#include "engineio/engineiocodec.h"
#include "engineio/tlsalertprobe.h"

#include <QAbstractEventDispatcher>
#include <QPointer>
#include <QRandomGenerator>
#include <QSslSocket>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

namespace {

constexpr qsizetype MaxResponseHeadBytes = 64 * 1024;
// A 101 carries a handful of fields and a refusal a few dozen; this only bounds a hostile server.
constexpr int MaxResponseHeaderCount = 256;
constexpr int RefusalBodyWaitMs = 1000;

// Read coalescing. While the server sends faster than SioScope takes frames in (a read brings a
// backlog of several frames), waking up for every few frames costs more kernel time (poll, read,
// the ACK, two context switches) than the frames themselves. The socket then reports readable
// only once a quarter of its receive buffer, at most CoalescedReadBytes, is queued (SO_RCVLOWAT),
// and CoalesceDelayMs after the last read the mark drops back to one byte, which bounds the delay
// added to the end of a burst. A lone message (an ack, a PING) never waits: it leaves no backlog.
constexpr int BacklogFrames = 4;
constexpr int CoalescedReadBytes = 128 * 1024;
constexpr int MinCoalescedReadBytes = 16 * 1024;
constexpr int CoalesceDelayMs = 1;
// A burst of sends (an emit loop) goes to the socket each time this much has been written since
// the last flush, so that the server starts on it at once rather than when the loop returns.
constexpr qint64 FlushedWriteBytes = 16 * 1024;

} // namespace

WebSocketTransport::WebSocketTransport(const EngineIoOptions &options, EngineIoVersion version,
                                       QObject *parent)
    : EngineIoTransport(options, version, parent)
    , m_parser(options.maxIncomingPacketBytes)
    , m_responseParser(HttpHeadLimits{MaxResponseHeadBytes, MaxResponseHeaderCount})
{
    m_refusalTimer.setSingleShot(true);
    connect(&m_refusalTimer, &QTimer::timeout, this, &WebSocketTransport::finishRefusal);
    m_coalesceTimer.setSingleShot(true);
    m_coalesceTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_coalesceTimer, &QTimer::timeout, this, [this] { setReadCoalescing(false); });
}

WebSocketTransport::~WebSocketTransport()
{
    abort();
}

void WebSocketTransport::open(const QString &sid)
{
    m_sid = sid;
    if (!prepareConnection())
        return;
    const QUrl url = endpoint(sid, true);
    const bool secure = url.scheme() == QLatin1String("wss");
    QSslSocket *tls = nullptr;
    if (secure) {
        tls = new QSslSocket(this);
        tls->setSslConfiguration(sslConfiguration());
        connect(tls, &QSslSocket::sslErrors, this, &WebSocketTransport::handleTlsErrors);
        connect(tls, &QSslSocket::alertReceived, this,
                [this](QSsl::AlertLevel level, QSsl::AlertType type, const QString &text) {
                    qCDebug(lcEngineIo) << "TLS alert from the server: level" << int(level)
                                        << "type" << int(type) << text;
                    if (level != QSsl::AlertLevel::Fatal)
                        return;
                    m_clientCertificateAlert |=
                        TlsAlertProbe::demandsCertificate(type, presentsClientCertificate()) ||
                        TlsAlertProbe::refusesCertificate(type, presentsClientCertificate());
                });
        connect(tls, &QSslSocket::encrypted, this, &WebSocketTransport::sendUpgradeRequest);
        m_socket = tls;
    } else {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::connected, this, &WebSocketTransport::sendUpgradeRequest);
    }
    connect(m_socket, &QTcpSocket::readyRead, this, &WebSocketTransport::readSocket);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &WebSocketTransport::handleSocketError);
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        // Normally errorOccurred (RemoteHostClosedError) came first and settled it.
        handleSocketError(QAbstractSocket::RemoteHostClosedError);
    });
    // Always set: a socket without one would take the application's proxy.
    m_socket->setProxy(proxy().proxy);
    m_phase = Phase::Connecting;
    const quint16 port = quint16(url.port(secure ? 443 : 80));
    if (tls)
        tls->connectToHostEncrypted(url.host(), port);
    else
        m_socket->connectToHost(url.host(), port);
}

void WebSocketTransport::sendUpgradeRequest()
{
    // Engine.IO packets are small and answered (PONG, acks): no Nagle delay.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    const QUrl url = endpoint(m_sid, true);
    QByteArray nonce(16, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(nonce.data()), 4);
    m_key = nonce.toBase64();
    QByteArray request =
        "GET " + url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment) +
        " HTTP/1.1\r\nHost: " + url.authority(QUrl::RemoveUserInfo | QUrl::FullyEncoded).toUtf8() +
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + m_key +
        "\r\nSec-WebSocket-Version: 13\r\n";
    Http::appendFieldLines(&request, requestHeaders(url));
    request += "\r\n";
    m_phase = Phase::Handshaking;
    m_responseParser.reset();
    m_socket->write(request);
    flushBeforeWaiting();
}

void WebSocketTransport::readSocket()
{
    // Everything Qt has read goes to the parser at once: each wake-up parses every complete
    // frame it brought.
    QByteArray chunk = m_socket->readAll();
    switch (m_phase) {
    case Phase::Handshaking:
        m_responseHead += chunk;
        readUpgradeResponse();
        return;
    case Phase::ReadingRefusal:
        m_refusalBody += chunk.left(MaxErrorBodyBytes - m_refusalBody.size());
        if (m_refusalBodyBytes >= 0 && m_refusalBody.size() >= m_refusalBodyBytes)
            finishRefusal();
        return;
    case Phase::Open:
        m_parser.addData(std::move(chunk));
        if (!m_turnQueued)
            readFramesThisTurn();
        return;
    case Phase::Idle:
    case Phase::Connecting:
    case Phase::Stopped:
        return;
    }
}

EngineIoError::Kind WebSocketTransport::upgradeFailureKind() const
{
    // Without a sid this connection is the handshake itself; with one it is an upgrade.
    return m_sid.isEmpty() ? EngineIoError::Kind::Handshake : EngineIoError::Kind::Transport;
}

void WebSocketTransport::readUpgradeResponse()
{
    const EngineIoError::Kind kind = upgradeFailureKind();
    qsizetype headBytes = 0;
    switch (m_responseParser.parse(m_responseHead, &headBytes)) {
    case HttpResponseHeadParser::Status::NeedMoreData:
        return;
    case HttpResponseHeadParser::Status::Ready:
        break;
    case HttpResponseHeadParser::Status::Error:
        switch (m_responseParser.error()) {
        case HttpResponseHeadParser::Error::HeadTooLarge:
            fail(kind, QStringLiteral("WebSocket upgrade failed: the response head exceeds %1 "
                                      "bytes")
                           .arg(MaxResponseHeadBytes));
            return;
        case HttpResponseHeadParser::Error::BadStatusLine:
            fail(kind,
                 QStringLiteral("WebSocket upgrade failed: the server's answer is not HTTP: %1")
                     .arg(QString::fromUtf8(m_responseParser.statusLine().trimmed().left(200))
                              .simplified()),
                 m_responseHead.left(EngineIoCodec::MaxOffendingBytes));
            return;
        case HttpResponseHeadParser::Error::TooManyHeaders:
        case HttpResponseHeadParser::Error::BadHeaderLine:
        case HttpResponseHeadParser::Error::None:
            fail(kind,
                 QStringLiteral("WebSocket upgrade failed: the server's response head is "
                                "malformed: %1")
                     .arg(m_responseParser.errorString()),
                 m_responseHead.left(EngineIoCodec::MaxOffendingBytes));
            return;
        }
        return;
    }
    const HttpResponseHead &head = m_responseParser.head();
    storeCookies(endpoint(m_sid, true), head.headers); // a 101 may set the sticky cookie too
    QByteArray rest = m_responseHead.mid(headBytes);
    m_responseHead.clear();
    if (head.status != 101) {
        m_phase = Phase::ReadingRefusal;
        m_refusalStatus = head.status;
        m_refusalReason = QString::fromUtf8(head.reason);
        m_refusalLocation = head.header("location");
        bool lengthOk = false;
        const qint64 length = head.header("content-length").toLongLong(&lengthOk);
        m_refusalBodyBytes = lengthOk ? qMin<qint64>(length, MaxErrorBodyBytes) : -1;
        m_refusalBody = rest.left(MaxErrorBodyBytes);
        if (m_refusalBodyBytes >= 0 && m_refusalBody.size() >= m_refusalBodyBytes)
            finishRefusal();
        else
            m_refusalTimer.start(RefusalBodyWaitMs);
        return;
    }
    acceptUpgrade(head);
    if (m_phase != Phase::Open)
        return;
    QPointer<WebSocketTransport> self(this);
    Q_EMIT opened();
    if (!self || m_phase != Phase::Open || rest.isEmpty())
        return;
    m_parser.addData(std::move(rest));
    readFramesThisTurn();
}

void WebSocketTransport::acceptUpgrade(const HttpResponseHead &head)
{
    const QByteArray expectedAccept = WebSocketFrameWriter::acceptKey(m_key);
    QString problem;
    if (head.header("upgrade").compare("websocket", Qt::CaseInsensitive) != 0) {
        problem = QStringLiteral("\"Upgrade: websocket\" is missing");
    } else if (!head.headerHasToken("connection", "upgrade")) {
        problem = QStringLiteral("\"Connection: Upgrade\" is missing");
    } else if (const QByteArray accept = head.header("sec-websocket-accept");
               accept != expectedAccept) {
        problem = QStringLiteral("Sec-WebSocket-Accept is \"%1\", expected \"%2\"")
                      .arg(QString::fromLatin1(accept), QString::fromLatin1(expectedAccept));
    } else if (const QByteArray extensions = head.header("sec-websocket-extensions");
               !extensions.isEmpty()) {
        problem = QStringLiteral("the server chose the extension \"%1\", which was not offered")
                      .arg(QString::fromUtf8(extensions));
    } else if (const QByteArray protocol = head.header("sec-websocket-protocol");
               !protocol.isEmpty()) {
        problem = QStringLiteral("the server chose the subprotocol \"%1\", which was not offered")
                      .arg(QString::fromUtf8(protocol));
    }
    if (!problem.isEmpty()) {
        fail(upgradeFailureKind(),
             QStringLiteral("WebSocket upgrade failed: 101 answer, but %1").arg(problem));
        return;
    }
    m_phase = Phase::Open;
}

void WebSocketTransport::finishRefusal()
{
    if (m_phase != Phase::ReadingRefusal)
        return;
    const QByteArray body = m_refusalBody;
    EngineIoError refusal =
        httpRefusal(upgradeFailureKind(), QStringLiteral("WebSocket upgrade refused"),
                    m_refusalStatus, m_refusalReason, body, m_refusalLocation);
    refusal.upgradeRequest = true;
    fail(refusal);
}

void WebSocketTransport::readFramesThisTurn()
{
    m_turnQueued = false;
    if (m_phase != Phase::Open)
        return;
    QPointer<WebSocketTransport> self(this);
    const int frames = readFrames(qMax(1, m_options.maxMessagesPerTurn));
    if (!self || m_phase != Phase::Open)
        return;
    if (frames < 0) {
        // The budget ran out with frames still buffered: the next turn of the event loop goes on
        // (the socket says nothing new for what it has already handed over).
        m_turnQueued = true;
        QMetaObject::invokeMethod(this, &WebSocketTransport::readFramesThisTurn,
                                  Qt::QueuedConnection);
        setReadCoalescing(true);
        return;
    }
    setReadCoalescing(frames >= BacklogFrames);
}

int WebSocketTransport::readFrames(int budget)
{
    QPointer<WebSocketTransport> self(this);
    // Bounded: each round takes a frame out of what was received, or returns.
    for (int frames = 0;; ++frames) {
        if (frames == budget)
            return -1;
        switch (m_parser.next()) {
        case WebSocketFrameParser::Result::NeedMoreData:
            return frames;
        case WebSocketFrameParser::Result::TextMessage:
            receiveText(m_parser.takePayload());
            break;
        case WebSocketFrameParser::Result::BinaryMessage:
            receiveBinary(m_parser.takePayload());
            break;
        case WebSocketFrameParser::Result::Ping:
            if (!m_closeSent)
                sendFrame(WebSocketOpcode::Pong, m_parser.takePayload());
            break;
        case WebSocketFrameParser::Result::Pong:
            break; // SioScope sends no WebSocket pings; an unsolicited PONG is allowed
        case WebSocketFrameParser::Result::Close:
            receiveClose();
            return frames;
        case WebSocketFrameParser::Result::Error:
            failWithFrameError();
            return frames;
        }
        if (!self || m_phase != Phase::Open)
            return frames;
    }
}

void WebSocketTransport::setReadCoalescing(bool on)
{
#if defined(Q_OS_UNIX) && defined(SO_RCVLOWAT)
    if (!on) {
        m_coalesceTimer.stop();
        setReceiveLowWaterMark(1);
        return;
    }
    if (m_lowWaterMark == 1) {
        // Linux clamps the receive window to the mark when the receive buffer cannot hold it
        // twice over, so the mark follows the buffer: a new connection starts at 128 KiB
        // (tcp_rmem) and autotuning grows it while a flood lasts. The mark is set again each
        // time coalescing starts.
        const int receiveBuffer =
            m_socket->socketOption(QAbstractSocket::ReceiveBufferSizeSocketOption).toInt();
        const int mark = qMin(CoalescedReadBytes, receiveBuffer / 4);
        if (mark < MinCoalescedReadBytes)
            return;
        setReceiveLowWaterMark(mark);
    }
    m_coalesceTimer.start(CoalesceDelayMs);
#else
    Q_UNUSED(on);
#endif
}

void WebSocketTransport::setReceiveLowWaterMark(int bytes)
{
#if defined(Q_OS_UNIX) && defined(SO_RCVLOWAT)
    if (bytes == m_lowWaterMark)
        return;
    m_lowWaterMark = bytes;
    ::setsockopt(int(m_socket->socketDescriptor()), SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes);
#else
    Q_UNUSED(bytes);
#endif
}

void WebSocketTransport::receiveText(QByteArray message)
{
    EngineIoPacket packet;
    QString error;
    if (!EngineIoCodec::decodeText(std::move(message), m_version, &packet, &error)) {
        fail(EngineIoError::Kind::Protocol, error, message.left(EngineIoCodec::MaxOffendingBytes));
        return;
    }
    Q_EMIT packetReceived(packet);
}

void WebSocketTransport::receiveBinary(QByteArray message)
{
    EngineIoPacket packet;
    QString error;
    if (!EngineIoCodec::decodeBinaryFrame(message, m_version, &packet, &error)) {
        fail(EngineIoError::Kind::Protocol, error, message.left(EngineIoCodec::MaxOffendingBytes));
        return;
    }
    Q_EMIT packetReceived(packet);
}

void WebSocketTransport::receiveClose()
{
    const quint16 code = m_parser.closeCode();
    const QString reason = m_parser.closeReason();
    if (!m_closeSent) { // RFC 6455 5.5.1: answer with a CLOSE, echoing the code
        sendFrame(WebSocketOpcode::Close, code == WebSocketCloseCode::NoStatusReceived
                                              ? QByteArray()
                                              : WebSocketFrameWriter::closePayload(code));
    }
    if (m_shuttingDown) {
        finishShutdown(); // the server answered our CLOSE
        return;
    }
    QString message = QStringLiteral("WebSocket closed by the server");
    if ((code != WebSocketCloseCode::Normal && code != WebSocketCloseCode::NoStatusReceived) ||
        !reason.isEmpty()) {
        message += QStringLiteral(" (close code %1%2)")
                       .arg(code)
                       .arg(reason.isEmpty() ? QString() : QStringLiteral(": ") + reason);
    }
    stop(true);
    EngineIoError error{EngineIoError::Kind::Transport, message, {}};
    error.symptom = EngineIoError::Symptom::WebSocketClosedByPeer;
    Q_EMIT failed(error);
}

void WebSocketTransport::failWithFrameError()
{
    const quint16 code = m_parser.errorCloseCode();
    sendFrame(WebSocketOpcode::Close, WebSocketFrameWriter::closePayload(code));
    stop(true);
    const QString message =
        code == WebSocketCloseCode::MessageTooBig
            ? QStringLiteral("WebSocket %1 (EngineIoOptions::maxIncomingPacketBytes); the "
                             "connection was closed with code %2")
                  .arg(m_parser.errorString())
                  .arg(code)
            : QStringLiteral("the server broke the WebSocket protocol (%1); the connection was "
                             "closed with code %2")
                  .arg(m_parser.errorString())
                  .arg(code);
    Q_EMIT failed(EngineIoError{EngineIoError::Kind::Protocol, message, m_parser.offendingBytes()});
}

void WebSocketTransport::handleTlsErrors(const QList<QSslError> &errors)
{
    if (!m_options.ignoreSslErrors) {
        fail(untrustedServerError(QStringLiteral("WebSocket"), errors));
        return;
    }
    QStringList texts;
    for (const QSslError &error : errors)
        texts << error.errorString();
    static_cast<QSslSocket *>(m_socket)->ignoreSslErrors();
    Q_EMIT warningRaised(QStringLiteral("TLS certificate errors ignored on request: %1")
                             .arg(texts.join(QStringLiteral("; "))));
}

void WebSocketTransport::handleSocketError(QAbstractSocket::SocketError error)
{
    if (m_flushing) {
        // A write inside send() failed (Qt reports it before flush() returns). The caller, an
        // emit for instance, finishes first; the failure follows on the next turn of the event
        // loop, as it does when the write waits for the loop.
        QMetaObject::invokeMethod(
            this, [this, error] { handleSocketError(error); }, Qt::QueuedConnection);
        return;
    }
    switch (m_phase) {
    case Phase::Stopped:
        return;
    case Phase::ReadingRefusal:
        finishRefusal(); // the server closed after its answer: the body is complete
        return;
    default:
        break;
    }
    if (m_shuttingDown) {
        finishShutdown();
        return;
    }
    if (const auto failure =
            proxyFailure(error, m_socket->errorString(), m_phase == Phase::Connecting)) {
        fail(*failure);
        return;
    }
    qCDebug(lcEngineIo) << "WebSocket socket error" << error << m_socket->errorString();
    // Observed with Qt 6.4 and OpenSSL 3.0 against node's https server (requestCert,
    // rejectUnauthorized, TLS 1.3) and no certificate: alertReceived(Fatal, CertificateRequired)
    // after encrypted(), then SslInternalError "Error while reading: ... tlsv13 alert
    // certificate required". The alert, not the error, says what happened.
    if (m_clientCertificateAlert) {
        fail(clientCertificateError(QStringLiteral("WebSocket"), presentsClientCertificate()));
        return;
    }
    const bool tls = error == QAbstractSocket::SslHandshakeFailedError ||
                     error == QAbstractSocket::SslInternalError ||
                     error == QAbstractSocket::SslInvalidUserDataError;
    fail(tls ? EngineIoError::Kind::Tls : EngineIoError::Kind::Transport,
         QStringLiteral("WebSocket error: %1").arg(m_socket->errorString()));
}

void WebSocketTransport::send(const QList<EngineIoPacket> &packets)
{
    // Not writable: a flush has just failed, and the failure is on its way.
    if (m_phase != Phase::Open || m_closeSent || !m_socket->isWritable())
        return;
    QPointer<WebSocketTransport> self(this);
    for (const EngineIoPacket &packet : packets) {
        if (packet.binary)
            sendFrame(WebSocketOpcode::Binary,
                      EngineIoCodec::encodeBinaryFrame(packet.data, m_version));
        else
            sendFrame(WebSocketOpcode::Text, EngineIoCodec::encodeText(packet, m_version));
        // The server's pingTimeout runs from its PING: the answer goes out now, not after the
        // rest of what this wake-up brought has been handled.
        if (packet.type == EngineIoPacket::Pong || m_bytesSinceFlush >= FlushedWriteBytes)
            flushNow();
        Q_EMIT packetSent(packet);
        if (!self || m_phase != Phase::Open)
            return;
    }
}

void WebSocketTransport::sendFrame(WebSocketOpcode opcode, QByteArrayView payload)
{
    m_closeSent = m_closeSent || opcode == WebSocketOpcode::Close;
    const qint64 written = m_socket->write(
        WebSocketFrameWriter::frame(opcode, payload, QRandomGenerator::global()->generate()));
    m_bytesSinceFlush += qMax<qint64>(written, 0);
    flushBeforeWaiting();
}

void WebSocketTransport::flushNow()
{
    // Counted from the last flush rather than by bytesToWrite(): while the kernel takes nothing
    // more, a flush per message would be a failing write per message.
    m_bytesSinceFlush = 0;
    m_flushing = true;
    m_socket->flush();
    m_flushing = false;
}

void WebSocketTransport::flushBeforeWaiting()
{
    // Connected only while something waits, and once: a slot on every wait of the loop for each
    // of a load run's thousands of clients would cost more than the wake-ups it saves.
    if (m_flushBeforeWaiting)
        return;
    QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance(thread());
    if (!dispatcher)
        return; // no event loop: the socket's own write notification flushes
    m_flushBeforeWaiting = true;
    connect(
        dispatcher, &QAbstractEventDispatcher::aboutToBlock, this,
        [this] {
            m_flushBeforeWaiting = false;
            if (m_socket && m_phase != Phase::Stopped && m_socket->bytesToWrite() > 0)
                flushNow();
        },
        Qt::SingleShotConnection);
}

void WebSocketTransport::shutdown()
{
    if (m_phase == Phase::Stopped)
        return;
    m_shuttingDown = true;
    if (m_phase != Phase::Open) {
        finishShutdown();
        return;
    }
    // The server answers with its CLOSE, or drops the connection: either ends it.
    if (!m_closeSent)
        sendFrame(WebSocketOpcode::Close,
                  WebSocketFrameWriter::closePayload(WebSocketCloseCode::Normal));
}

void WebSocketTransport::finishShutdown()
{
    stop(true);
    Q_EMIT shutDown();
}

void WebSocketTransport::abort()
{
    if (m_phase != Phase::Stopped)
        stop(false);
}

void WebSocketTransport::stop(bool closeGracefully)
{
    m_phase = Phase::Stopped;
    m_refusalTimer.stop();
    m_coalesceTimer.stop();
    if (!m_socket)
        return;
    m_socket->disconnect(this);
    if (closeGracefully) {
        m_socket->flush();
        m_socket->disconnectFromHost();
    } else {
        m_socket->abort();
    }
}

void WebSocketTransport::fail(EngineIoError::Kind kind, const QString &message,
                              const QByteArray &frame)
{
    fail(EngineIoError{kind, message, frame});
}

void WebSocketTransport::fail(const EngineIoError &error)
{
    stop(false);
    Q_EMIT failed(error);
}
