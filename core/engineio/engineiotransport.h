// A transport carries Engine.IO packets for one session: HTTP long-polling or WebSocket.
// The client drives it; the transport only moves packets and reports what happened.
#pragma once

#include "engineio/engineiocookiejar.h"
#include "engineio/engineioerror.h"
#include "engineio/engineiooptions.h"
#include "engineio/engineiopacket.h"

#include "engineio/engineiologging.h"

#include <QAbstractSocket>
#include <QList>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslError>
#include <QUrl>

#include <optional>

class EngineIoTransport : public QObject
{
    Q_OBJECT
public:
    EngineIoTransport(const EngineIoOptions &options, EngineIoVersion version, QObject *parent)
        : QObject(parent)
        , m_options(options)
        , m_version(version)
    {
    }

    virtual TransportKind kind() const = 0;
    // Opens the transport; with an empty sid this is the handshake.
    virtual void open(const QString &sid) = 0;
    // Sends packets in order. Polling batches them into POSTs within maxPayload.
    virtual void send(const QList<EngineIoPacket> &packets) = 0;
    // Stops at once, sending nothing more.
    virtual void abort() = 0;
    // Sends what is queued (the CLOSE packet last), then stops and emits shutDown().
    virtual void shutdown() = 0;
    // Polling learns its sid from the OPEN packet that the client parses.
    virtual void setSessionId(const QString &sid) { Q_UNUSED(sid); }
    // Polling: finish the requests in flight and issue no more (before an upgrade); emits
    // paused() when done. WebSocket: nothing to wait for.
    virtual void pause() { Q_EMIT paused(); }
    void setMaxPayload(qint64 bytes) { m_maxPayload = bytes; }
    // The connection's cookies, which outlive this transport (the client owns them). Without a
    // jar only the user's headers are sent and Set-Cookie is ignored.
    void setCookieJar(EngineIoCookieJar *jar) { m_cookieJar = jar; }
    EngineIoVersion version() const { return m_version; }

    // The URL of a request: scheme by transport, the user's query, then EIO, transport, sid.
    QUrl endpoint(const QString &sid, bool webSocket) const;
    // The system CAs plus the user's CA file (a file that cannot be read raises a warning),
    // and the client certificate when one is set. Read once per transport.
    QSslConfiguration sslConfiguration();
    // The proxy for this transport's URLs (the setting, or the environment read once).
    const ResolvedProxy &proxy();
    // The client resolves the proxy once per session and hands it to each transport it makes, so
    // that the environment is not read again per transport.
    void setProxy(const ResolvedProxy &proxy) { m_proxy = proxy; }
    QList<QPair<QByteArray, QByteArray>> userHeaders() const { return m_options.userHeaders(); }

Q_SIGNALS:
    void opened();
    void packetReceived(const EngineIoPacket &packet);
    void packetSent(const EngineIoPacket &packet);
    void paused();
    void shutDown();
    // The transport can no longer carry packets. `error.message` says why.
    void failed(const EngineIoError &error);
    void warningRaised(const QString &message);

protected:
    // Checks the proxy setting and loads the TLS settings (https/wss only) before anything
    // connects. False when a proxy variable is no proxy URL or the client certificate cannot be
    // used: failed() then follows on the next turn of the event loop (never from inside open()),
    // and the transport must not connect.
    bool prepareConnection();
    bool presentsClientCertificate() const { return m_presentsClientCertificate; }
    // "<what>: the server's certificate is not trusted (<reasons>)" with its problems typed.
    EngineIoError untrustedServerError(const QString &what, const QList<QSslError> &errors) const;
    // The server ended the handshake over the client certificate: none presented (it requires
    // one) or the one presented (refused).
    EngineIoError clientCertificateError(const QString &what, bool presented) const;

    // How much of a refusal's body is kept for the message and the record.
    static constexpr qsizetype MaxErrorBodyBytes = 64 * 1024;
    // An HTTP answer other than the one asked for, as an error: `what` failed ("WebSocket
    // upgrade refused"), then the status, the engine.io error code and message when the body
    // has them (else the start of the body), and where a redirect points. The body is the frame.
    static EngineIoError httpRefusal(EngineIoError::Kind kind, const QString &what, int status,
                                     const QString &reason, const QByteArray &body,
                                     const QByteArray &location);

    // The user's headers with the jar's cookies for `url` merged into their Cookie field.
    EngineIoCookieJar::Headers requestHeaders(const QUrl &url) const;
    // Keeps the cookies of a response's Set-Cookie fields (any status, a 101 included).
    void storeCookies(const QUrl &url, const EngineIoCookieJar::Headers &responseHeaders);

    EngineIoOptions m_options;
    EngineIoVersion m_version;
    qint64 m_maxPayload = 0; // 0: unknown
    // A socket error met through a proxy, as the proxy's failure in words that name it; nothing
    // when the error is not the proxy's. `tunnelling`: the error came before the tunnel (or the
    // SOCKS connection) was up, where Qt reports the proxy's refusals as socket errors.
    std::optional<EngineIoError> proxyFailure(QAbstractSocket::SocketError error,
                                              const QString &qtMessage, bool tunnelling);
    std::optional<EngineIoError> proxyFailure(QNetworkReply::NetworkError error,
                                              const QString &qtMessage);

    std::optional<QSslConfiguration> m_sslConfiguration;
    std::optional<ResolvedProxy> m_proxy;
    QPointer<EngineIoCookieJar> m_cookieJar;
    std::optional<EngineIoError> m_clientCertificateError; // set by sslConfiguration()
    bool m_presentsClientCertificate = false;
};
