#include "proxy/proxyconnection_p.h"

#include "common/contentcoding.h"
#include "engineio/clienttls.h"
#include "engineio/engineiocodec.h"
#include "proxy/proxylogging.h"
#include "proxy/proxysessions.h"
#include "proxy/requestforwarding.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QUrlQuery>

#include <limits>

namespace {
// Flow control: reading from one side pauses while the other side has this much unsent, and
// Qt reads at most ReadBufferBytes ahead, so that a slow side slows the fast one down through
// TCP instead of growing the proxy's memory.
constexpr qint64 HighWaterBytes = 1024 * 1024;
constexpr qint64 LowWaterBytes = 256 * 1024;
constexpr qint64 ReadBufferBytes = 256 * 1024;
// An error answer's body kept for its record.
constexpr qint64 ErrorBodyBytes = 4096;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 413:
        return "Content Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

bool isOctetStream(const QByteArray &contentType)
{
    return contentType.trimmed().toLower().startsWith("application/octet-stream");
}

} // namespace

ProxyConnection::ProxyConnection(QTcpSocket *app, const ProxyOptions &options,
                                 const ProxyTargetSetup &setup, ProxySessions *sessions,
                                 QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_setup(setup)
    , m_sessions(sessions)
    , m_app(app)
    , m_appFrames(options.maxDecodedBytes, WebSocketFrameParser::Role::ServerEnd)
    , m_targetFrames(options.maxDecodedBytes, WebSocketFrameParser::Role::ClientEnd)
{
    app->setParent(this);
    app->setReadBufferSize(ReadBufferBytes);
    m_clock.start();
    const QHostAddress address = app->peerAddress();
    m_remote = QStringLiteral("%1:%2")
                   .arg(address.protocol() == QAbstractSocket::IPv6Protocol
                            ? QStringLiteral("[%1]").arg(address.toString())
                            : address.toString())
                   .arg(app->peerPort());
    connect(app, &QTcpSocket::readyRead, this, &ProxyConnection::readApp);
    connect(app, &QTcpSocket::disconnected, this, &ProxyConnection::appClosed);
    connect(app, &QTcpSocket::bytesWritten, this, &ProxyConnection::resumeReading);
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        targetFailed(QStringLiteral("the target %1 did not accept the connection within %2 ms")
                         .arg(m_options.target.toString(QUrl::RemoveUserInfo))
                         .arg(m_options.targetConnection.connectTimeoutMs),
                     504);
    });
    if (app->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &ProxyConnection::readApp, Qt::QueuedConnection);
}

ProxyConnection::~ProxyConnection() = default;

// --- the app's side ---------------------------------------------------------------------------

void ProxyConnection::readApp()
{
    if (m_targetConnected && m_target->bytesToWrite() > HighWaterBytes)
        return; // resumed from the target's bytesWritten
    if (m_app->bytesAvailable() <= 0 && m_appBuffer.isEmpty())
        return;
    const QByteArray bytes = m_app->readAll();
    switch (m_requestPhase) {
    case RequestPhase::Tunnel:
        relayAppTunnel(bytes);
        return;
    case RequestPhase::Opaque:
        sendToTarget(bytes);
        return;
    case RequestPhase::Closed:
        return;
    default:
        m_appBuffer += bytes;
        parseRequests();
    }
}

void ProxyConnection::parseRequests()
{
    while (true) {
        switch (m_requestPhase) {
        case RequestPhase::Head: {
            if (m_appBuffer.isEmpty())
                return;
            qsizetype headBytes = 0;
            const HttpRequestParser::Status status =
                m_requestParser.parseHead(m_appBuffer, &headBytes);
            if (status == HttpRequestParser::Status::NeedMoreData)
                return;
            if (status == HttpRequestParser::Status::Error) {
                answerApp(m_requestParser.errorStatus(),
                          QStringLiteral("the app's request cannot be forwarded: %1")
                              .arg(m_requestParser.errorString()));
                return;
            }
            if (!startRequest(headBytes))
                return;
            continue;
        }
        case RequestPhase::Body: {
            qsizetype consumed = 0;
            const HttpBodyDecoder::Status status = m_requestBody.feed(m_appBuffer, &consumed);
            sendToTarget(QByteArrayView(m_appBuffer).first(consumed));
            m_appBuffer.remove(0, consumed);
            if (status == HttpBodyDecoder::Status::Error) {
                const QString sid = sessionOf(m_exchanges.back());
                violation(Direction::Out, QStringLiteral("http"),
                          QStringLiteral("the app's request body is malformed: %1; the rest of "
                                         "the connection is forwarded unread")
                              .arg(m_requestBody.errorString()),
                          m_appBuffer.left(EngineIoCodec::MaxOffendingBytes), sid);
                if (m_requestPhase == RequestPhase::Closed)
                    return;
                m_requestPhase = RequestPhase::Opaque;
                continue;
            }
            if (status == HttpBodyDecoder::Status::Done) {
                m_requestPhase = RequestPhase::Head;
                finishRequestBody();
                continue;
            }
            return;
        }
        case RequestPhase::AwaitingUpgrade:
            return; // the bytes after an upgrade request wait for its answer
        case RequestPhase::Tunnel:
            relayAppTunnel(std::exchange(m_appBuffer, {}));
            return;
        case RequestPhase::Opaque:
            sendToTarget(std::exchange(m_appBuffer, {}));
            return;
        case RequestPhase::Closed:
            m_appBuffer.clear();
            return;
        }
    }
}

bool ProxyConnection::startRequest(qsizetype headBytes)
{
    QByteArrayView head = QByteArrayView(m_appBuffer).first(headBytes);
    while (!head.isEmpty() && (head.front() == '\r' || head.front() == '\n'))
        head = head.sliced(1); // empty lines before a request line are not forwarded
    // The head's framing fields were checked with the head (Content-Length and Transfer-Encoding
    // that contradict each other are refused); the body itself is framed here, not kept whole.
    const HttpRequest request = m_requestParser.request();
    const bool chunked = m_requestParser.isChunked();
    const qint64 contentLength = m_requestParser.contentLength();
    m_requestParser.reset();

    Exchange exchange;
    exchange.method = request.method;
    exchange.target = request.target;
    exchange.upgrade = request.isWebSocketUpgrade();
    exchange.startedMs = m_clock.elapsed();
    const QByteArray path = m_options.path.toUtf8();
    exchange.engineIo =
        request.path == path || request.path.startsWith(path) || request.path + '/' == path;
    if (exchange.engineIo) {
        const QUrlQuery query(QString::fromLatin1(request.query));
        exchange.version = query.queryItemValue(QStringLiteral("EIO")) == QLatin1String("3")
                               ? EngineIoVersion::V3
                               : EngineIoVersion::V4;
        exchange.sid = query.queryItemValue(QStringLiteral("sid"), QUrl::FullyDecoded);
        exchange.transport = exchange.upgrade ? TransportKind::WebSocket : TransportKind::Polling;
        exchange.contentType = request.header("content-type");
    }

    RequestForwarding forwarding;
    forwarding.targetAuthority = m_options.targetAuthority();
    forwarding.keepHost = m_options.keepHost;
    forwarding.upgrade = exchange.upgrade;
    const QByteArray forwarded = ProxyHttp::forwardedRequestHead(head, forwarding);
    m_appBuffer.remove(0, headBytes);
    m_requestContentEncoding = request.header("content-encoding");
    m_exchanges.push_back(exchange);
    if (!m_target)
        connectTarget();
    sendToTarget(forwarded);

    HttpBodyLimits limits;
    limits.maxKeptBytes =
        exchange.engineIo && exchange.method == "POST" ? m_options.maxDecodedBytes : 0;
    m_requestBody = HttpBodyDecoder(limits);
    m_requestBody.start(chunked             ? HttpBodyDecoder::Framing::Chunked
                        : contentLength > 0 ? HttpBodyDecoder::Framing::Length
                                            : HttpBodyDecoder::Framing::None,
                        contentLength);
    if (exchange.upgrade) {
        m_requestPhase = RequestPhase::AwaitingUpgrade;
        m_exchanges.back().requestDone = true;
    } else if (m_requestBody.isDone()) {
        finishRequestBody();
    } else {
        m_requestPhase = RequestPhase::Body;
    }
    return m_requestPhase != RequestPhase::Closed;
}

void ProxyConnection::finishRequestBody()
{
    Exchange &exchange = m_exchanges.back();
    exchange.requestDone = true;
    exchange.requestBytes = m_requestBody.bodyBytes();
    if (!exchange.engineIo || exchange.method != "POST")
        return;
    const QString sid = exchange.sid;
    if (sid.isEmpty())
        return; // a POST without a session: the target refuses it, and that is recorded
    if (m_requestBody.isBodyCut()) {
        record(sid, PacketRecord::note(
                        PacketRecord::Warning,
                        {{QStringLiteral("what"), QStringLiteral("not decoded")},
                         {QStringLiteral("bytes"), m_requestBody.bodyBytes()}},
                        TransportKind::Polling,
                        QStringLiteral("a polling body of %1 bytes is over the proxy's decoding "
                                       "limit of %2 bytes: forwarded, not decoded")
                            .arg(m_requestBody.bodyBytes())
                            .arg(m_options.maxDecodedBytes)));
        return;
    }
    QByteArray body = m_requestBody.takeBody();
    if (!m_requestContentEncoding.isEmpty()) {
        QString error;
        if (!ContentCoding::decode(m_requestContentEncoding, body, m_options.maxDecodedBytes, &body,
                                   &error)) {
            violation(Direction::Out, QStringLiteral("http"),
                      QStringLiteral("the app's polling body cannot be decoded: %1").arg(error), {},
                      sid);
            return;
        }
    }
    const bool ok = m_sessions->observePollingBody(sid, exchange.version, Direction::Out, body,
                                                   isOctetStream(exchange.contentType)
                                                       ? SessionDecoder::PollingBody::V3Binary
                                                       : SessionDecoder::PollingBody::Text);
    if (!ok && m_options.strict)
        violation(Direction::Out, {}, {}, {}, sid);
}

void ProxyConnection::answerApp(int status, const QString &message, const QString &sid)
{
    const QByteArray body = "sioscope proxy: " + message.toUtf8() + "\n";
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) +
                          "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                          QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    record(sid, PacketRecord::note(
                    PacketRecord::Error,
                    {{QStringLiteral("status"), status},
                     {QStringLiteral("remote"), m_remote},
                     {QStringLiteral("message"), message}},
                    TransportKind::None,
                    QStringLiteral("the proxy answered %1: %2").arg(status).arg(message)));
    m_requestPhase = RequestPhase::Closed;
    m_responsePhase = ResponsePhase::Closed;
    m_appBuffer.clear();
    if (m_appOpen) {
        m_app->write(response);
        m_app->disconnectFromHost();
    }
    if (m_target && m_targetOpen)
        m_target->abort();
    checkFinished();
}

// --- the target's side ------------------------------------------------------------------------

void ProxyConnection::connectTarget()
{
    if (m_setup.tls) {
        auto *tls = new QSslSocket(this);
        tls->setSslConfiguration(m_setup.tlsConfiguration);
        tls->setPeerVerifyName(m_options.target.host());
        connect(tls, &QSslSocket::sslErrors, this, &ProxyConnection::handleTlsErrors);
        connect(tls, &QSslSocket::encrypted, this, &ProxyConnection::targetConnected);
        m_target = tls;
    } else {
        m_target = new QTcpSocket(this);
        connect(m_target, &QTcpSocket::connected, this, &ProxyConnection::targetConnected);
    }
    m_target->setReadBufferSize(ReadBufferBytes);
    m_target->setProxy(m_setup.networkProxy);
    connect(m_target, &QTcpSocket::readyRead, this, &ProxyConnection::readTarget);
    connect(m_target, &QTcpSocket::disconnected, this, &ProxyConnection::targetClosed);
    connect(m_target, &QTcpSocket::errorOccurred, this, &ProxyConnection::handleTargetError);
    connect(m_target, &QTcpSocket::bytesWritten, this, &ProxyConnection::resumeReading);
    m_connectTimer.start(m_options.targetConnection.connectTimeoutMs);
    const QString host = m_options.target.host();
    if (m_setup.tls)
        static_cast<QSslSocket *>(m_target)->connectToHostEncrypted(host, m_options.targetPort());
    else
        m_target->connectToHost(host, m_options.targetPort());
}

void ProxyConnection::targetConnected()
{
    m_connectTimer.stop();
    m_target->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_targetConnected = true;
    if (!m_pendingToTarget.isEmpty()) {
        m_target->write(std::exchange(m_pendingToTarget, {}));
        m_target->flush();
    }
}

void ProxyConnection::handleTlsErrors(const QList<QSslError> &errors)
{
    auto *tls = static_cast<QSslSocket *>(m_target);
    if (m_setup.ignoreTlsErrors) {
        tls->ignoreSslErrors();
        return;
    }
    targetFailed(ClientTls::untrustedServerError(QStringLiteral("the target"),
                                                 m_options.target.host(), errors)
                     .message,
                 502);
}

void ProxyConnection::handleTargetError(QAbstractSocket::SocketError error)
{
    if (error == QAbstractSocket::RemoteHostClosedError)
        return; // disconnected() follows: targetClosed()
    if (!m_targetOpen)
        return;
    targetFailed(QStringLiteral("the target %1: %2")
                     .arg(m_options.target.toString(QUrl::RemoveUserInfo), m_target->errorString()),
                 error == QAbstractSocket::SocketTimeoutError ? 504 : 502);
}

void ProxyConnection::targetFailed(const QString &message, int status)
{
    if (!m_targetOpen)
        return;
    qCDebug(lcProxy) << m_remote << message;
    m_connectTimer.stop();
    m_targetOpen = false;
    const QString sid = m_exchanges.empty() ? m_tunnelSid : sessionOf(m_exchanges.front());
    if (!m_responseStarted && !m_exchanges.empty() && m_responsePhase == ResponsePhase::Head) {
        // Nothing of an answer reached the app yet: it gets the gateway's error, as from any
        // reverse proxy, with the reason in words.
        answerApp(status, message, sid);
    } else {
        record(sid, PacketRecord::note(PacketRecord::Error,
                                       {{QStringLiteral("remote"), m_remote},
                                        {QStringLiteral("message"), message}},
                                       TransportKind::None, message));
        if (m_responsePhase == ResponsePhase::Tunnel)
            closeTunnelSession(QStringLiteral("target"));
        if (m_appOpen)
            m_app->abort();
    }
    if (m_target->state() != QAbstractSocket::UnconnectedState)
        m_target->abort();
    checkFinished();
}

void ProxyConnection::readTarget()
{
    if (m_appOpen && m_app->bytesToWrite() > HighWaterBytes)
        return; // resumed from the app's bytesWritten
    const QByteArray bytes = m_target->readAll();
    if (bytes.isEmpty())
        return;
    switch (m_responsePhase) {
    case ResponsePhase::Tunnel:
        sendToApp(bytes);
        observeTunnel(Direction::In, bytes);
        return;
    case ResponsePhase::Opaque:
        sendToApp(bytes);
        return;
    case ResponsePhase::Closed:
        return;
    default:
        m_targetBuffer += bytes;
        parseResponses();
    }
}

void ProxyConnection::parseResponses()
{
    while (true) {
        switch (m_responsePhase) {
        case ResponsePhase::Head: {
            if (m_targetBuffer.isEmpty())
                return;
            if (m_exchanges.empty()) {
                violation(Direction::In, QStringLiteral("http"),
                          QStringLiteral("the target sent bytes that answer no request; the rest "
                                         "of the connection is forwarded unread"),
                          m_targetBuffer.left(EngineIoCodec::MaxOffendingBytes), m_tunnelSid);
                if (m_responsePhase == ResponsePhase::Closed)
                    return;
                m_responsePhase = ResponsePhase::Opaque;
                continue;
            }
            qsizetype headBytes = 0;
            const HttpResponseHeadParser::Status status =
                m_responseParser.parse(m_targetBuffer, &headBytes);
            if (status == HttpResponseHeadParser::Status::NeedMoreData)
                return;
            if (status == HttpResponseHeadParser::Status::Error) {
                const QString error = m_responseParser.errorString();
                m_responseParser.reset();
                violation(Direction::In, QStringLiteral("http"),
                          QStringLiteral("the target's response head is malformed: %1; the "
                                         "rest of the connection is forwarded unread")
                              .arg(error),
                          m_targetBuffer.left(EngineIoCodec::MaxOffendingBytes),
                          sessionOf(m_exchanges.front()));
                if (m_responsePhase == ResponsePhase::Closed)
                    return;
                m_responsePhase = ResponsePhase::Opaque;
                m_requestPhase = RequestPhase::Opaque;
                continue;
            }
            m_responseHead = m_responseParser.head();
            m_responseParser.reset();
            Exchange &exchange = m_exchanges.front();
            exchange.status = m_responseHead.status;
            m_responseStarted = true;
            sendToApp(QByteArrayView(m_targetBuffer).first(headBytes));
            m_targetBuffer.remove(0, headBytes);
            if (exchange.status == 101 && exchange.upgrade) {
                startTunnel();
                continue;
            }
            if (exchange.status >= 100 && exchange.status < 200 && exchange.status != 101)
                continue; // an interim answer; the final one follows
            if (exchange.upgrade && m_requestPhase == RequestPhase::AwaitingUpgrade) {
                // A refused upgrade: the connection goes on as HTTP (or closes).
                m_requestPhase = RequestPhase::Head;
                QMetaObject::invokeMethod(this, &ProxyConnection::parseRequests,
                                          Qt::QueuedConnection);
            }
            qint64 length = 0;
            const HttpBodyDecoder::Framing framing = HttpBodyDecoder::responseFraming(
                exchange.method, exchange.status, m_responseHead.header("transfer-encoding"),
                m_responseHead.header("content-length"), &length);
            HttpBodyLimits limits;
            limits.maxKeptBytes = !exchange.engineIo       ? 0
                                  : exchange.status == 200 ? m_options.maxDecodedBytes
                                                           : ErrorBodyBytes;
            m_responseBody = HttpBodyDecoder(limits);
            m_responseBody.start(framing, length);
            m_responsePhase = ResponsePhase::Body;
            continue;
        }
        case ResponsePhase::Body: {
            qsizetype consumed = 0;
            const HttpBodyDecoder::Status status = m_responseBody.feed(m_targetBuffer, &consumed);
            sendToApp(QByteArrayView(m_targetBuffer).first(consumed));
            m_targetBuffer.remove(0, consumed);
            if (status == HttpBodyDecoder::Status::Error) {
                violation(Direction::In, QStringLiteral("http"),
                          QStringLiteral("the target's response body is malformed: %1; the rest "
                                         "of the connection is forwarded unread")
                              .arg(m_responseBody.errorString()),
                          m_targetBuffer.left(EngineIoCodec::MaxOffendingBytes),
                          sessionOf(m_exchanges.front()));
                if (m_responsePhase == ResponsePhase::Closed)
                    return;
                m_responsePhase = ResponsePhase::Opaque;
                m_requestPhase = RequestPhase::Opaque;
                continue;
            }
            if (status == HttpBodyDecoder::Status::Done) {
                m_responsePhase = ResponsePhase::Head;
                finishResponse();
                continue;
            }
            return;
        }
        case ResponsePhase::Tunnel:
        case ResponsePhase::Opaque: {
            const QByteArray bytes = std::exchange(m_targetBuffer, {});
            if (bytes.isEmpty())
                return;
            sendToApp(bytes);
            if (m_responsePhase == ResponsePhase::Tunnel)
                observeTunnel(Direction::In, bytes);
            return;
        }
        case ResponsePhase::Closed:
            m_targetBuffer.clear();
            return;
        }
    }
}

void ProxyConnection::finishResponse()
{
    const Exchange exchange = m_exchanges.front();
    m_exchanges.pop_front();
    m_responseStarted = false;
    if (!exchange.engineIo) {
        if (m_options.recordAll)
            recordOtherExchange(exchange, m_responseBody.bodyBytes());
        return;
    }
    QString sid = exchange.sid;
    const bool bodyCut = m_responseBody.isBodyCut();
    QByteArray body = m_responseBody.takeBody();
    if (exchange.status != 200) {
        const QString text = QString::fromUtf8(body).trimmed();
        record(sid,
               PacketRecord::note(PacketRecord::Error,
                                  {{QStringLiteral("status"), exchange.status},
                                   {QStringLiteral("method"), QString::fromLatin1(exchange.method)},
                                   {QStringLiteral("url"), QString::fromUtf8(exchange.target)},
                                   {QStringLiteral("body"), text}},
                                  exchange.transport,
                                  QStringLiteral("the target answered %1 %2 with %3: %4")
                                      .arg(QString::fromLatin1(exchange.method),
                                           QString::fromUtf8(exchange.target))
                                      .arg(exchange.status)
                                      .arg(text.isEmpty() ? QStringLiteral("(no body)") : text)));
        return;
    }
    if (exchange.method != "GET")
        return; // a POST's "ok"
    if (bodyCut) {
        record(sid, PacketRecord::note(
                        PacketRecord::Warning,
                        {{QStringLiteral("what"), QStringLiteral("not decoded")},
                         {QStringLiteral("bytes"), m_responseBody.bodyBytes()}},
                        TransportKind::Polling,
                        QStringLiteral("a polling body of %1 bytes is over the proxy's decoding "
                                       "limit of %2 bytes: forwarded, not decoded")
                            .arg(m_responseBody.bodyBytes())
                            .arg(m_options.maxDecodedBytes)));
        return;
    }
    const QByteArray contentEncoding = m_responseHead.header("content-encoding");
    if (!contentEncoding.isEmpty()) {
        QString error;
        if (!ContentCoding::decode(contentEncoding, body, m_options.maxDecodedBytes, &body,
                                   &error)) {
            violation(Direction::In, QStringLiteral("http"),
                      QStringLiteral("the target's polling body cannot be decoded: %1").arg(error),
                      {}, sid);
            return;
        }
    }
    const SessionDecoder::PollingBody encoding =
        isOctetStream(m_responseHead.header("content-type")) ? SessionDecoder::PollingBody::V3Binary
                                                             : SessionDecoder::PollingBody::Text;
    if (sid.isEmpty()) {
        // The handshake's answer: its OPEN packet names the session.
        QList<EngineIoPacket> packets;
        QString error;
        bool decoded;
        if (encoding == SessionDecoder::PollingBody::V3Binary) {
            decoded = EngineIoCodec::decodeV3BinaryPayload(body, m_options.maxDecodedBytes,
                                                           &packets, &error);
        } else {
            PollingPayloadDecoder decoder(exchange.version, m_options.maxDecodedBytes);
            decoded = decoder.feed(body) && decoder.finish();
            packets = decoder.takePackets();
            error = decoder.errorString();
        }
        if (decoded && packets.isEmpty())
            error = QStringLiteral("the body holds no packet");
        if (decoded && !packets.isEmpty())
            sid = ProxySessions::sidOfOpen(packets.first(), &error);
        if (sid.isEmpty()) {
            violation(Direction::In, QStringLiteral("eio"),
                      QStringLiteral("the answer to the handshake %1 opens no session: %2")
                          .arg(QString::fromUtf8(exchange.target), error),
                      body.left(EngineIoCodec::MaxOffendingBytes), {});
            return;
        }
        m_sessions->open(sid, exchange.version, TransportKind::Polling,
                         {{QStringLiteral("remote"), m_remote},
                          {QStringLiteral("url"), QString::fromUtf8(exchange.target)}});
    }
    if (!m_sessions->observePollingBody(sid, exchange.version, Direction::In, body, encoding) &&
        m_options.strict)
        violation(Direction::In, {}, {}, {}, sid);
}

void ProxyConnection::recordOtherExchange(const Exchange &exchange, qint64 responseBytes)
{
    QJsonObject details{{QStringLiteral("method"), QString::fromLatin1(exchange.method)},
                        {QStringLiteral("url"), QString::fromUtf8(exchange.target)},
                        {QStringLiteral("status"), exchange.status},
                        {QStringLiteral("remote"), m_remote},
                        {QStringLiteral("ms"), m_clock.elapsed() - exchange.startedMs}};
    if (exchange.status == 101) {
        // A WebSocket outside the Engine.IO path: forwarded, its frames not decoded.
        details.insert(QStringLiteral("websocket"), true);
    } else {
        details.insert(QStringLiteral("requestBytes"), exchange.requestBytes);
        details.insert(QStringLiteral("responseBytes"), responseBytes);
        const QByteArray contentType = m_responseHead.header("content-type");
        if (!contentType.isEmpty())
            details.insert(QStringLiteral("contentType"), QString::fromLatin1(contentType));
    }
    record({}, PacketRecord::note(PacketRecord::HttpExchange, details, TransportKind::None));
}

// --- both -------------------------------------------------------------------------------------

void ProxyConnection::sendToTarget(QByteArrayView bytes)
{
    if (bytes.isEmpty() || !m_targetOpen)
        return;
    if (!m_targetConnected) {
        m_pendingToTarget += bytes;
        return;
    }
    m_target->write(bytes.data(), bytes.size());
    m_target->flush();
}

void ProxyConnection::sendToApp(QByteArrayView bytes)
{
    if (bytes.isEmpty() || !m_appOpen)
        return;
    m_app->write(bytes.data(), bytes.size());
    m_app->flush();
}

void ProxyConnection::resumeReading()
{
    // Called when either side has written: the other side may read again.
    if (m_targetConnected && m_target->bytesToWrite() < LowWaterBytes && m_app->bytesAvailable())
        readApp();
    if (m_target && m_appOpen && m_app->bytesToWrite() < LowWaterBytes &&
        m_target->bytesAvailable())
        readTarget();
}

void ProxyConnection::violation(Direction direction, const QString &layer, const QString &message,
                                const QByteArray &bytes, const QString &sid)
{
    // An empty layer: the session's decoder recorded the error itself.
    if (!layer.isEmpty()) {
        PacketRecord r = PacketRecord::note(
            PacketRecord::Error,
            {{QStringLiteral("layer"), layer},
             {QStringLiteral("by"),
              direction == Direction::Out ? QStringLiteral("app") : QStringLiteral("target")}},
            m_responsePhase == ResponsePhase::Tunnel ? TransportKind::WebSocket
                                                     : TransportKind::Polling,
            message);
        r.direction = direction;
        r.raw = bytes;
        record(sid, r);
    }
    if (!m_options.strict)
        return;
    const QString why =
        QStringLiteral("--strict: the %1 broke a rule, so the proxy closed both connections")
            .arg(direction == Direction::Out ? QStringLiteral("app") : QStringLiteral("target"));
    // One Closed note: the session's, or (no session yet) one of no session.
    const QJsonObject details{{QStringLiteral("closedBy"), QStringLiteral("proxy")},
                              {QStringLiteral("reason"), why}};
    if (!sid.isEmpty() && m_sessions->contains(sid))
        m_sessions->close(sid, details);
    else
        record(sid, PacketRecord::note(PacketRecord::Closed, details, TransportKind::None));
    if (sid == m_tunnelSid)
        m_tunnelRecorded = true;
    closeBoth(false);
}

void ProxyConnection::appClosed()
{
    if (!m_appOpen) {
        checkFinished(); // a close this side began
        return;
    }
    m_appOpen = false;
    if (m_requestPhase == RequestPhase::Tunnel)
        closeTunnelSession(QStringLiteral("app"));
    m_requestPhase = RequestPhase::Closed;
    if (m_target && m_targetOpen) {
        if (m_targetConnected)
            m_target->disconnectFromHost(); // what was sent before goes out first
        else
            m_target->abort();
    }
    checkFinished();
}

void ProxyConnection::targetClosed()
{
    if (!m_targetOpen) {
        checkFinished();
        return;
    }
    // What arrived with the close is read first.
    if (m_target->bytesAvailable() > 0) {
        const QByteArray bytes = m_target->readAll();
        if (m_responsePhase == ResponsePhase::Tunnel) {
            sendToApp(bytes);
            observeTunnel(Direction::In, bytes);
        } else if (m_responsePhase != ResponsePhase::Closed) {
            m_targetBuffer += bytes;
            parseResponses();
        }
    }
    m_targetOpen = false;
    m_connectTimer.stop();
    if (m_responsePhase == ResponsePhase::Body) {
        if (m_responseBody.finish() == HttpBodyDecoder::Status::Done) {
            finishResponse();
        } else {
            record(sessionOf(m_exchanges.front()),
                   PacketRecord::note(PacketRecord::Error,
                                      {{QStringLiteral("layer"), QStringLiteral("http")},
                                       {QStringLiteral("by"), QStringLiteral("target")}},
                                      TransportKind::Polling,
                                      QStringLiteral("the target's response was cut short: %1")
                                          .arg(m_responseBody.errorString())));
        }
    }
    if (m_responsePhase == ResponsePhase::Tunnel)
        closeTunnelSession(QStringLiteral("target"));
    m_responsePhase = ResponsePhase::Closed;
    if (m_appOpen)
        m_app->disconnectFromHost();
    checkFinished();
}

void ProxyConnection::closeBoth(bool graceful)
{
    m_requestPhase = RequestPhase::Closed;
    m_responsePhase = ResponsePhase::Closed;
    if (m_appOpen) {
        m_appOpen = false;
        graceful ? m_app->disconnectFromHost() : m_app->abort();
    }
    if (m_target && m_targetOpen) {
        m_targetOpen = false;
        graceful ? m_target->disconnectFromHost() : m_target->abort();
    }
    checkFinished();
}

void ProxyConnection::abortBoth()
{
    if (m_requestPhase == RequestPhase::Tunnel)
        closeTunnelSession(QStringLiteral("proxy"));
    closeBoth(false);
}

void ProxyConnection::checkFinished()
{
    const bool appDone = m_app->state() == QAbstractSocket::UnconnectedState;
    const bool targetDone = !m_target || m_target->state() == QAbstractSocket::UnconnectedState;
    if (appDone && targetDone && !m_finished) {
        m_finished = true;
        Q_EMIT finished();
    }
}

QString ProxyConnection::sessionOf(const Exchange &exchange) const
{
    return exchange.engineIo ? exchange.sid : QString();
}

void ProxyConnection::record(const QString &sid, PacketRecord record)
{
    m_sessions->record(sid, std::move(record));
}
