#include "socketio/clientrecorder.h"

#include "engineio/likelycause.h"

#include <QJsonArray>
#include <QJsonObject>

namespace {

// A cookie as the note shows it: its name and attributes, and "cookie" (name=value as it is sent
// back), a secret-named member that Redaction replaces unless secrets are included.
QJsonObject describeCookie(const QNetworkCookie &cookie)
{
    QJsonObject described{
        {QStringLiteral("name"), QString::fromUtf8(cookie.name())},
        {QStringLiteral("cookie"),
         QString::fromUtf8(cookie.toRawForm(QNetworkCookie::NameAndValueOnly))},
        {QStringLiteral("domain"), cookie.domain()},
        {QStringLiteral("path"), cookie.path()},
        {QStringLiteral("expires"), cookie.isSessionCookie()
                                        ? QStringLiteral("session")
                                        : cookie.expirationDate().toUTC().toString(Qt::ISODate)},
        {QStringLiteral("secure"), cookie.isSecure()},
        {QStringLiteral("httpOnly"), cookie.isHttpOnly()}};
    switch (cookie.sameSitePolicy()) {
    case QNetworkCookie::SameSite::Default:
        break; // not given
    case QNetworkCookie::SameSite::None:
        described.insert(QStringLiteral("sameSite"), QStringLiteral("None"));
        break;
    case QNetworkCookie::SameSite::Lax:
        described.insert(QStringLiteral("sameSite"), QStringLiteral("Lax"));
        break;
    case QNetworkCookie::SameSite::Strict:
        described.insert(QStringLiteral("sameSite"), QStringLiteral("Strict"));
        break;
    }
    return described;
}

} // namespace

EngineIoClientRecorder::EngineIoClientRecorder(EngineIoClient *engine, SessionDecoder *session,
                                               QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_session(session)
{
    using Direction = PacketRecord::Direction;
    connect(engine, &EngineIoClient::packetSent, this,
            [this](const EngineIoPacket &packet, TransportKind transport) {
                m_session->recordEnginePacket(Direction::Out, packet, transport);
            });
    connect(engine, &EngineIoClient::packetReceived, this,
            [this](const EngineIoPacket &packet, TransportKind transport) {
                m_session->recordEnginePacket(Direction::In, packet, transport);
            });
    connect(engine, &EngineIoClient::connecting, this,
            [this](const QUrl &url, TransportKind transport, EngineIoVersion version) {
                QJsonObject details{{QStringLiteral("url"), url.toString()},
                                    {QStringLiteral("transport"), transportName(transport)},
                                    {QStringLiteral("eio"), int(version)}};
                // Which proxy, its password redacted: a failure through it then reads as such.
                const ResolvedProxy proxy = m_engine->proxy();
                if (!proxy.isDirect())
                    details.insert(QStringLiteral("proxy"), proxy.description());
                else if (!proxy.bypass.isEmpty())
                    details.insert(QStringLiteral("proxy"),
                                   QStringLiteral("none (%1)").arg(proxy.bypass));
                note(PacketRecord::Connecting, details);
            });
    connect(engine, &EngineIoClient::transportOpened, this, [this](TransportKind transport) {
        note(PacketRecord::TransportOpened,
             {{QStringLiteral("transport"), transportName(transport)}});
    });
    connect(engine, &EngineIoClient::upgradeStarted, this, [this] {
        note(PacketRecord::Upgrading,
             {{QStringLiteral("from"), transportName(m_engine->transport())},
              {QStringLiteral("to"), transportName(TransportKind::WebSocket)}});
    });
    connect(engine, &EngineIoClient::upgraded, this, [this](TransportKind transport) {
        note(PacketRecord::Upgraded, {{QStringLiteral("transport"), transportName(transport)}});
    });
    connect(engine, &EngineIoClient::upgradeFailed, this, [this](const QString &reason) {
        note(PacketRecord::Warning,
             {{QStringLiteral("what"), QStringLiteral("upgrade failed")},
              {QStringLiteral("reason"), reason}},
             QStringLiteral("upgrade failed: %1").arg(reason));
    });
    connect(engine, &EngineIoClient::errorOccurred, this, [this](const EngineIoError &error) {
        QJsonObject details{{QStringLiteral("layer"), QStringLiteral("eio")},
                            {QStringLiteral("kind"), EngineIoError::kindName(error.kind)}};
        // Which side of a TLS connection failed, and why the server's certificate is not
        // trusted: for readers of the log, who must not have to parse the message.
        if (error.tlsFailure != EngineIoError::TlsFailure::None)
            details.insert(QStringLiteral("tls"), EngineIoError::tlsFailureName(error.tlsFailure));
        if (const QString cause = likelyCause(error); !cause.isEmpty())
            details.insert(QStringLiteral("likelyCause"), cause);
        if (const QString proxy = EngineIoError::proxySymptomName(error.symptom); !proxy.isEmpty())
            details.insert(QStringLiteral("proxy"), proxy);
        if (error.certificateProblems)
            details.insert(QStringLiteral("certificate"),
                           QJsonArray::fromStringList(
                               EngineIoError::certificateProblemNames(error.certificateProblems)));
        PacketRecord r =
            PacketRecord::note(PacketRecord::Error, details, m_engine->transport(), error.message);
        r.raw = error.frame;
        m_session->record(r);
    });
    connect(engine, &EngineIoClient::warningRaised, this, [this](const QString &message) {
        note(PacketRecord::Warning, {{QStringLiteral("message"), message}}, message);
    });
    connect(engine, &EngineIoClient::cookiesReceived, this,
            [this](const QList<QNetworkCookie> &cookies) {
                QJsonArray described;
                for (const QNetworkCookie &cookie : cookies)
                    described.append(describeCookie(cookie));
                note(PacketRecord::Cookies, {{QStringLiteral("cookies"), described}});
            });
    connect(engine, &EngineIoClient::reconnectScheduled, this, [this](int attempt, int delayMs) {
        note(PacketRecord::Reconnecting,
             {{QStringLiteral("attempt"), attempt}, {QStringLiteral("delayMs"), delayMs}});
    });
    connect(engine, &EngineIoClient::reconnectGaveUp, this, [this](int attempts) {
        note(PacketRecord::Error, {{QStringLiteral("attempts"), attempts}},
             QStringLiteral("reconnection gave up after %1 attempts").arg(attempts));
    });
    connect(engine, &EngineIoClient::closed, this,
            [this](const QString &reason, bool deliberate, bool willReconnect) {
                note(PacketRecord::Closed, {{QStringLiteral("reason"), reason},
                                            {QStringLiteral("deliberate"), deliberate},
                                            {QStringLiteral("willReconnect"), willReconnect}});
            });
}

void EngineIoClientRecorder::note(PacketRecord::Note note, const QJsonObject &details,
                                  const QString &error)
{
    m_session->record(PacketRecord::note(note, details, m_engine->transport(), error));
}
