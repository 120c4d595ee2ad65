// WebSocket: one Engine.IO packet per frame; text frames for text, binary frames for binary.
#pragma once

#include "engineiotransport.h"

#include <QWebSocket>

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
    void receiveText(const QString &message);
    void receiveBinary(const QByteArray &message);
    void handleDisconnected();
    void failWithSocketError(QAbstractSocket::SocketError error);
    void fail(EngineIoError::Kind kind, const QString &message, const QByteArray &frame = {});

    QWebSocket *m_socket;
    bool m_connected = false; // the opening handshake completed
    bool m_stopped = false;
    bool m_shuttingDown = false;
};
