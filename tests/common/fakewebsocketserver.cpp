#include "fakewebsocketserver.h"

#include "engineio/websocketframeparser.h"

#include <QTcpSocket>

FakeWebSocketServer::FakeWebSocketServer(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        QTcpSocket *socket = m_server.nextPendingConnection();
        if (m_connection) { // one client only
            socket->abort();
            socket->deleteLater();
            return;
        }
        m_connection = socket;
        connect(socket, &QTcpSocket::readyRead, this, [this] {
            if (m_answered)
                return; // what the client sends afterwards is not this fake's business
            m_request += m_connection->readAll();
            answerIfReady();
        });
    });
}

bool FakeWebSocketServer::listen(quint16 port)
{
    return m_server.listen(QHostAddress::LocalHost, port);
}

QUrl FakeWebSocketServer::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
}

EngineIoOptions FakeWebSocketServer::clientOptions() const
{
    EngineIoOptions options;
    options.url = url();
    options.transports = EngineIoOptions::Transports::WebSocketOnly;
    options.version = EngineIoOptions::Version::V4;
    return options;
}

void FakeWebSocketServer::answerUpgradeWith(const QByteArray &frames)
{
    m_frames = frames;
    m_answerWanted = true;
    answerIfReady();
}

bool FakeWebSocketServer::upgradeRequested() const
{
    return m_request.contains("\r\n\r\n");
}

QByteArray FakeWebSocketServer::textFrame(const QByteArray &payload)
{
    Q_ASSERT(payload.size() < 126);
    return QByteArray(1, char(0x81)) + char(payload.size()) + payload;
}

void FakeWebSocketServer::answerIfReady()
{
    if (!m_answerWanted || m_answered || !upgradeRequested())
        return;
    m_answered = true;
    const qsizetype at = m_request.indexOf("Sec-WebSocket-Key: ");
    const QByteArray key =
        at < 0 ? QByteArray() : m_request.mid(at + 19, m_request.indexOf('\r', at) - at - 19);
    const QByteArray accept = WebSocketFrameWriter::acceptKey(key);
    QByteArray answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                        accept + "\r\n" + m_upgradeHeaders + "\r\n";
    answer += textFrame(R"(0{"sid":"s1","upgrades":[],"pingInterval":25000,)"
                        R"("pingTimeout":20000,"maxPayload":1000000})");
    answer += m_frames;
    m_connection->write(answer);
}
