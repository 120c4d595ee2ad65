#include "websockettransport.h"

#include "engineiocodec.h"

#include <QNetworkRequest>
#include <QPointer>
#include <QSslConfiguration>

namespace {

// The close reasons QtWebSockets 6 gives when it closes a connection itself because of what it
// received (qwebsocketframe.cpp, qwebsocketdataprocessor.cpp); untranslated, as SioScope
// installs no translator. The %1 ones are matched on their start.
bool isQtProtocolError(const QString &reason)
{
    static const QLatin1StringView reasons[] = {
        QLatin1StringView("Maximum framesize exceeded."),
        QLatin1StringView("Received message is too big."),
        QLatin1StringView("Rsv field is non-zero"),
        QLatin1StringView("Used reserved opcode"),
        QLatin1StringView("Invalid opcode detected: "),
        QLatin1StringView("Control frame is larger than 125 bytes"),
        QLatin1StringView("Control frames cannot be fragmented"),
        QLatin1StringView("Invalid close code "),
        QLatin1StringView("Invalid UTF-8 code encountered."),
        QLatin1StringView("Received Continuation frame, while there is nothing to continue."),
        QLatin1StringView("All data frames after the initial data frame must have opcode 0 "
                          "(continuation)."),
    };
    for (const QLatin1StringView known : reasons)
        if (reason.startsWith(known))
            return true;
    return false;
}

} // namespace

WebSocketTransport::WebSocketTransport(const EngineIoOptions &options, EngineIoVersion version,
                                       QObject *parent)
    : EngineIoTransport(options, version, parent)
    , m_socket(new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this))
{
    // Qt refuses larger messages before buffering them whole: the limit bounds memory.
    m_socket->setMaxAllowedIncomingMessageSize(quint64(options.maxIncomingPacketBytes));
    m_socket->setMaxAllowedIncomingFrameSize(quint64(options.maxIncomingPacketBytes));
    connect(m_socket, &QWebSocket::connected, this, [this] {
        m_connected = true;
        Q_EMIT opened();
    });
    connect(m_socket, &QWebSocket::textMessageReceived, this, &WebSocketTransport::receiveText);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &WebSocketTransport::receiveBinary);
    connect(m_socket, &QWebSocket::disconnected, this, &WebSocketTransport::handleDisconnected);
    // Qt 6.4 names this signal error(); errorOccurred() came in 6.5.
    connect(m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this](QAbstractSocket::SocketError error) {
                if (!m_stopped)
                    failWithSocketError(error);
            });
    connect(m_socket, &QWebSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        QStringList texts;
        for (const QSslError &error : errors)
            texts << error.errorString();
        if (!m_options.ignoreSslErrors) {
            fail(EngineIoError::Kind::Tls, QStringLiteral("TLS certificate rejected: %1")
                                               .arg(texts.join(QStringLiteral("; "))));
            return;
        }
        m_socket->ignoreSslErrors();
        Q_EMIT warningRaised(QStringLiteral("TLS certificate errors ignored on request: %1")
                                 .arg(texts.join(QStringLiteral("; "))));
    });
}

WebSocketTransport::~WebSocketTransport()
{
    abort();
}

void WebSocketTransport::open(const QString &sid)
{
    const QUrl url = endpoint(sid, true);
    QNetworkRequest request(url);
    for (const auto &[name, value] : m_options.headers)
        request.setRawHeader(name, value);
    if (url.scheme() == QLatin1String("wss"))
        m_socket->setSslConfiguration(sslConfiguration());
    m_socket->open(request);
}

void WebSocketTransport::send(const QList<EngineIoPacket> &packets)
{
    if (m_stopped)
        return;
    QPointer<WebSocketTransport> self(this);
    for (const EngineIoPacket &packet : packets) {
        if (packet.binary)
            m_socket->sendBinaryMessage(EngineIoCodec::encodeBinaryFrame(packet.data, m_version));
        else
            m_socket->sendTextMessage(
                QString::fromUtf8(EngineIoCodec::encodeText(packet, m_version)));
        Q_EMIT packetSent(packet);
        if (!self || m_stopped)
            return;
    }
}

void WebSocketTransport::receiveText(const QString &message)
{
    if (m_stopped)
        return;
    const QByteArray text = message.toUtf8();
    EngineIoPacket packet;
    QString error;
    if (!EngineIoCodec::decodeText(text, m_version, &packet, &error)) {
        fail(EngineIoError::Kind::Protocol, error, text.left(4096));
        return;
    }
    Q_EMIT packetReceived(packet);
}

void WebSocketTransport::receiveBinary(const QByteArray &message)
{
    if (m_stopped)
        return;
    EngineIoPacket packet;
    QString error;
    if (!EngineIoCodec::decodeBinaryFrame(message, m_version, &packet, &error)) {
        fail(EngineIoError::Kind::Protocol, error, message.left(4096));
        return;
    }
    Q_EMIT packetReceived(packet);
}

void WebSocketTransport::handleDisconnected()
{
    if (m_shuttingDown && !m_stopped) {
        m_stopped = true;
        Q_EMIT shutDown();
        return;
    }
    if (m_stopped)
        return;
    if (!m_connected) {
        // The socket reports Unconnected before the error (Qt's QAbstractSocket emits
        // stateChanged, and so QWebSocket::disconnected, ahead of errorOccurred): a refused or
        // failed connection is no close by the server.
        failWithSocketError(m_socket->error());
        return;
    }
    // Qt closes the socket itself when the server's frames break the WebSocket protocol or
    // exceed our limits; its close reason says which. That is no close by the server.
    const QString reason = m_socket->closeReason();
    if (isQtProtocolError(reason)) {
        if (m_socket->closeCode() == QWebSocketProtocol::CloseCodeTooMuchData) {
            fail(EngineIoError::Kind::Protocol,
                 QStringLiteral("WebSocket message exceeds the limit of %1 bytes "
                                "(EngineIoOptions::maxIncomingPacketBytes; Qt: %2); the "
                                "connection was closed with code 1009")
                     .arg(m_options.maxIncomingPacketBytes)
                     .arg(reason));
        } else {
            fail(EngineIoError::Kind::Protocol,
                 QStringLiteral("the server broke the WebSocket protocol (%1); the connection "
                                "was closed with code %2")
                     .arg(reason)
                     .arg(int(m_socket->closeCode())));
        }
        return;
    }
    QString message = QStringLiteral("WebSocket closed by the server");
    if (m_socket->closeCode() != QWebSocketProtocol::CloseCodeNormal ||
        !m_socket->closeReason().isEmpty()) {
        message += QStringLiteral(" (close code %1%2)")
                       .arg(int(m_socket->closeCode()))
                       .arg(m_socket->closeReason().isEmpty()
                                ? QString()
                                : QStringLiteral(": ") + m_socket->closeReason());
    }
    fail(EngineIoError::Kind::Transport, message);
}

void WebSocketTransport::failWithSocketError(QAbstractSocket::SocketError error)
{
    const bool tls = error == QAbstractSocket::SslHandshakeFailedError ||
                     error == QAbstractSocket::SslInternalError ||
                     error == QAbstractSocket::SslInvalidUserDataError;
    fail(tls ? EngineIoError::Kind::Tls : EngineIoError::Kind::Transport,
         QStringLiteral("WebSocket error: %1").arg(m_socket->errorString()));
}

void WebSocketTransport::shutdown()
{
    if (m_stopped)
        return;
    m_shuttingDown = true;
    if (m_socket->state() == QAbstractSocket::UnconnectedState) {
        m_stopped = true;
        Q_EMIT shutDown();
        return;
    }
    m_socket->close();
}

void WebSocketTransport::abort()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_socket->disconnect(this);
    m_socket->abort();
}

void WebSocketTransport::fail(EngineIoError::Kind kind, const QString &message,
                              const QByteArray &frame)
{
    abort();
    Q_EMIT failed(EngineIoError{kind, message, frame});
}
