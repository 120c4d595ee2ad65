#include "websockettransport.h"

#include "engineiocodec.h"

#include <QNetworkRequest>
#include <QPointer>
#include <QSslConfiguration>

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
