#include "proxy/proxyserver.h"

#include "engineio/clienttls.h"
#include "engineio/proxysetting.h"
#include "proxy/proxyconnection_p.h"
#include "proxy/proxylogging.h"
#include "proxy/proxysessions.h"

#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>

Q_LOGGING_CATEGORY(lcProxy, "sioscope.proxy", QtInfoMsg)

ProxyServer::ProxyServer(QObject *parent)
    : QObject(parent)
    , m_sessions(new ProxySessions(this))
{
    connect(m_sessions, &ProxySessions::packetRecorded, this, &ProxyServer::packetRecorded);
    connect(m_sessions, &ProxySessions::sessionOpened, this, &ProxyServer::sessionOpened);
    connect(m_sessions, &ProxySessions::sessionClosed, this, &ProxyServer::sessionClosed);
}

ProxyServer::~ProxyServer()
{
    // The connections refer to the options and the setup: they go first.
    qDeleteAll(m_connections);
    m_connections.clear();
}

void ProxyServer::setOptions(const ProxyOptions &options)
{
    m_options = options;
    m_options.target = ProxyOptions::normalizedTarget(options.target);
    m_sessions->setParser(m_options.parser);
    m_sessions->setMaxDecodedBytes(m_options.maxDecodedBytes);
}

void ProxyServer::setListenTls(const QSslConfiguration &configuration)
{
    m_listenTls = configuration;
}

bool ProxyServer::prepareTarget()
{
    const QUrl &target = m_options.target;
    if (!target.isValid() || target.host().isEmpty() ||
        (target.scheme() != QLatin1String("http") && target.scheme() != QLatin1String("https"))) {
        m_error = {ProxyStartError::Kind::BadTarget,
                   QStringLiteral("the target must be an http, https, ws or wss URL with a host, "
                                  "e.g. http://127.0.0.1:3000; got \"%1\"")
                       .arg(target.toString())};
        return false;
    }
    auto setup = std::make_unique<ProxyTargetSetup>();
    setup->tls = m_options.targetIsTls();
    if (setup->tls) {
        const ClientTls tls = ClientTls::fromOptions(m_options.targetConnection);
        if (tls.clientCertificateError) {
            m_error = {ProxyStartError::Kind::ClientCertificate,
                       tls.clientCertificateError->message};
            return false;
        }
        m_targetTlsWarning = tls.caWarning;
        setup->tlsConfiguration = tls.configuration;
        setup->ignoreTlsErrors = m_options.targetConnection.ignoreSslErrors;
    }
    const ResolvedProxy through = resolveProxy(m_options.targetConnection.proxy, target,
                                               proxyEnvironment());
    if (!through.error.isEmpty()) {
        m_error = {ProxyStartError::Kind::ProxySetting, through.error};
        return false;
    }
    setup->networkProxy = through.proxy;
    m_setup = std::move(setup);
    return true;
}

bool ProxyServer::listen(const QHostAddress &address, quint16 port)
{
    m_error = {};
    if (!prepareTarget())
        return false;
    if (m_listenTls) {
        if (m_listenTls->localCertificate().isNull() || m_listenTls->privateKey().isNull()) {
            m_error = {ProxyStartError::Kind::ListenTls,
                       QStringLiteral("listening with TLS needs a certificate and its key")};
            return false;
        }
        auto *tls = new QSslServer(this);
        tls->setSslConfiguration(*m_listenTls);
        connect(tls, &QSslServer::errorOccurred, this,
                [](QSslSocket *socket, QAbstractSocket::SocketError) {
                    qCDebug(lcProxy)
                        << "TLS handshake with an app failed:" << socket->errorString();
                });
        m_listener = tls;
    } else {
        m_listener = new QTcpServer(this);
    }
    m_listener->setMaxPendingConnections(1024);
    connect(m_listener, &QTcpServer::pendingConnectionAvailable, this,
            &ProxyServer::acceptConnections);
    if (!m_listener->listen(address, port)) {
        m_error = {ProxyStartError::Kind::Listen, m_listener->errorString()};
        delete m_listener;
        m_listener = nullptr;
        return false;
    }
    return true;
}

quint16 ProxyServer::serverPort() const
{
    return m_listener ? m_listener->serverPort() : 0;
}

bool ProxyServer::isListening() const
{
    return m_listener && m_listener->isListening();
}

int ProxyServer::sessionCount() const
{
    return m_sessions->count();
}

QString ProxyServer::listenUrl() const
{
    if (!m_listener)
        return {};
    const QHostAddress address = m_listener->serverAddress();
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(address.toString())
                             : address.toString();
    return QStringLiteral("%1://%2:%3")
        .arg(m_listenTls ? QStringLiteral("https") : QStringLiteral("http"), host)
        .arg(m_listener->serverPort());
}

void ProxyServer::acceptConnections()
{
    while (m_listener && m_listener->hasPendingConnections()) {
        QTcpSocket *app = m_listener->nextPendingConnection();
        if (!app)
            break;
        if (m_connections.size() >= m_options.maxConnections) {
            ++m_refused;
            PacketRecord note = PacketRecord::note(
                PacketRecord::Error,
                {{QStringLiteral("remote"),
                  QStringLiteral("%1:%2").arg(app->peerAddress().toString()).arg(app->peerPort())},
                 {QStringLiteral("limit"), m_options.maxConnections}},
                TransportKind::None,
                QStringLiteral("connection refused: the proxy's limit of %1 open connections "
                               "was reached")
                    .arg(m_options.maxConnections));
            note.timeUs = PacketRecord::nowUs();
            Q_EMIT packetRecorded(note);
            app->abort();
            app->deleteLater();
            continue;
        }
        app->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        auto *connection = new ProxyConnection(app, m_options, *m_setup, m_sessions, this);
        m_connections.insert(connection);
        connect(connection, &ProxyConnection::tunnelSessionKnown, this,
                [this, connection](const QString &sid) { m_tunnels.insert(sid, connection); });
        connect(connection, &ProxyConnection::finished, this, [this, connection] {
            m_connections.remove(connection);
            m_tunnels.removeIf(
                [connection](const auto &entry) { return entry.value() == connection; });
            connection->deleteLater();
            Q_EMIT connectionCountChanged(int(m_connections.size()));
        });
        Q_EMIT connectionCountChanged(int(m_connections.size()));
    }
}

void ProxyServer::close()
{
    if (m_listener)
        m_listener->close();
    const QSet<ProxyConnection *> connections = m_connections;
    for (ProxyConnection *connection : connections)
        connection->abortBoth();
    m_sessions->closeAll(QStringLiteral("the proxy stopped"));
}

ProxyServer::InjectResult ProxyServer::injectEvent(const QString &sid, const QString &nsp,
                                                   const QByteArray &eventJson,
                                                   const QList<QByteArray> &attachments, bool ack)
{
    InjectResult result;
    const TransportKind transport = m_sessions->transport(sid);
    if (transport == TransportKind::None) {
        result.error = QStringLiteral("there is no open session %1").arg(sid);
        return result;
    }
    ProxyConnection *connection = m_tunnels.value(sid);
    if (transport != TransportKind::WebSocket || !connection) {
        result.error = QStringLiteral("session %1 is on HTTP long-polling: an event can be "
                                      "injected only on its WebSocket (after the upgrade)")
                           .arg(sid);
        return result;
    }
    ProxySessions::Injection injection;
    if (!m_sessions->prepareInjection(sid, nsp, eventJson, attachments, ack, &injection,
                                      &result.error))
        return result;
    if (!connection->inject(nsp, eventJson, injection)) {
        result.error = QStringLiteral("the WebSocket of session %1 can no longer be read, so "
                                      "there is no safe point to inject at")
                           .arg(sid);
        return result;
    }
    result.ok = true;
    result.ackId = injection.ackId;
    return result;
}
