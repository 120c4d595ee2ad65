// The proxy role: a reverse proxy between an app and its Socket.IO server (the target) that
// forwards every byte unchanged and records both directions of every app session, decoded, in
// the same record stream as the client and the server. The facade: options, listen, close, and
// the records; each app connection is a ProxyConnection, each app session a SessionDecoder held
// by ProxySessions.
#pragma once

#include "proxy/proxyoptions.h"
#include "socketio/packetrecord.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <QSslConfiguration>

#include <memory>

class ProxyConnection;
class ProxySessions;
class QTcpServer;
struct ProxyTargetSetup;

// Why the proxy could not start, typed for decisions; `message` is for people.
struct ProxyStartError
{
    enum class Kind {
        None,
        BadTarget,         // not an http(s)/ws(s) URL with a host
        ClientCertificate, // the client certificate for the target cannot be used
        ProxySetting,      // the proxy toward the target is unusable
        ListenTls,         // the listening certificate or key cannot be used
        Listen             // the address cannot be listened on
    };
    Kind kind = Kind::None;
    QString message;
};

class ProxyServer : public QObject
{
    Q_OBJECT
public:
    explicit ProxyServer(QObject *parent = nullptr);
    ~ProxyServer() override;

    // Before listen().
    void setOptions(const ProxyOptions &options);
    const ProxyOptions &options() const { return m_options; }
    // Apps connect with TLS (https, wss) with this local certificate and key; plain without.
    void setListenTls(const QSslConfiguration &configuration);

    // Checks the options, prepares the connections toward the target, and listens. False with
    // error() set.
    bool listen(const QHostAddress &address, quint16 port);
    quint16 serverPort() const;
    bool isListening() const;
    bool listensWithTls() const { return m_listenTls.has_value(); }
    ProxyStartError error() const { return m_error; }
    // Stops listening, cuts every connection, and closes every session (recorded).
    void close();

    int connectionCount() const { return int(m_connections.size()); }
    int sessionCount() const;

    // Sends an EVENT to the app in session `sid` as if the target had sent it: `eventJson` is
    // the JSON array of the event name and its arguments, with a placeholder for each of the
    // `attachments` (then a BINARY_EVENT is sent). With `ack` the EVENT asks for an ack
    // with an id of the proxy's own (InjectResult::ackId), which the app's ACK then answers in
    // the log; that ACK is kept from the target, which never sent the EVENT. Only a session on
    // its WebSocket (after the upgrade) can take one.
    struct InjectResult
    {
        bool ok = false;
        qint64 ackId = -1; // with an ack asked
        QString error;     // why not, when !ok
    };
    InjectResult injectEvent(const QString &sid, const QString &nsp, const QByteArray &eventJson,
                             const QList<QByteArray> &attachments, bool ack);

    // "http://127.0.0.1:3001" (https with TLS).
    QString listenUrl() const;
    // A client certificate file's problem, or a CA file without certificates: worth a warning.
    QString targetTlsWarning() const { return m_targetTlsWarning; }

Q_SIGNALS:
    void packetRecorded(const PacketRecord &record);
    void sessionOpened(const QString &sid);
    void sessionClosed(const QString &sid);
    void connectionCountChanged(int count);

private:
    void acceptConnections();
    bool prepareTarget();

    ProxyOptions m_options;
    std::optional<QSslConfiguration> m_listenTls;
    std::unique_ptr<ProxyTargetSetup> m_setup;
    QTcpServer *m_listener = nullptr;
    ProxySessions *m_sessions;
    QSet<ProxyConnection *> m_connections;
    QHash<QString, ProxyConnection *> m_tunnels; // the connection carrying each sid's WebSocket
    ProxyStartError m_error;
    QString m_targetTlsWarning;
    qsizetype m_refused = 0;
};
