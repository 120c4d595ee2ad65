// HTTP long-polling: one GET in flight to receive, one POST in flight to send (the spec allows
// no more), bodies batched within the server's maxPayload.
#pragma once

#include "engineio/engineiocodec.h"
#include "engineio/engineiotransport.h"

class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;

class TlsAlertProbe;

class PollingTransport : public EngineIoTransport
{
    Q_OBJECT
public:
    PollingTransport(const EngineIoOptions &options, EngineIoVersion version, QObject *parent);
    ~PollingTransport() override;

    TransportKind kind() const override { return TransportKind::Polling; }
    void open(const QString &sid) override;
    void send(const QList<EngineIoPacket> &packets) override;
    void abort() override;
    void shutdown() override;
    void pause() override;
    void setSessionId(const QString &sid) override { m_sid = sid; }

private:
    QNetworkRequest request();
    void watchTls(QNetworkReply *reply);
    void startGet();
    void readGet();
    void finishGet();
    void flushPosts();
    void finishPost();
    // The answer as a refusal; a proxy's 407 (forwarded polls get it as an answer) as the proxy's.
    EngineIoError httpRefusal(EngineIoError::Kind kind, const QString &what, QNetworkReply *reply,
                              const QByteArray &body);
    void fail(EngineIoError::Kind kind, const QString &message, const QByteArray &frame = {});
    void fail(const EngineIoError &error);
    // A request that got no HTTP answer: why, told apart for TLS (see the .cpp).
    void failConnection(QNetworkReply *reply, const QString &what, const QByteArray &body);
    void checkPaused();
    void finishShutdownIfDone();

    QNetworkAccessManager *m_network;
    QString m_sid;
    QNetworkReply *m_get = nullptr;
    QNetworkReply *m_post = nullptr;
    QList<EngineIoPacket> m_outbox;
    PollingPayloadDecoder m_decoder;
    QByteArray m_errorBody; // the body of a non-200 answer, kept for the message
    bool m_openedOnce = false;
    bool m_pausing = false;
    bool m_stopped = false;
    bool m_shuttingDown = false;
    bool m_sslIgnoredWarned = false; // certificate errors were ignored (said once)
    quint64 m_requestCount = 0;
    QList<QSslError> m_untrustedErrors; // the server certificate's errors, when not ignored
    TlsAlertProbe *m_alertProbe = nullptr;
};
