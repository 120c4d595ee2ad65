#include "sessionstatusbar.h"

#include "livesession.h"

#include "timelinemodel.h"
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QNetworkCookie>

namespace {
QLabel *makeLabel(QWidget *parent, const QString &tip)
{
    auto *label = new QLabel(parent);
    label->setToolTip(tip);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

QString sizeText(qint64 bytes)
{
    return TimelineModel::formatBytes(bytes); // the same units everywhere
}
} // namespace

SessionStatusBar::SessionStatusBar(LiveSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_state(makeLabel(this, tr("Connection state")))
    , m_transport(makeLabel(this, tr("Current transport")))
    , m_parser(makeLabel(this, tr("Socket.IO parser in use (default: socket.io-parser; msgpack: "
                                  "socket.io-msgpack-parser)")))
    , m_sid(makeLabel(this, tr("Engine.IO session id")))
    , m_heartbeat(makeLabel(this, tr("Ping interval, and the last packet received")))
    , m_traffic(makeLabel(this, tr("Packets and bytes received (↓) and sent (↑), both layers")))
    , m_reconnect(makeLabel(this, tr("Reconnection attempts")))
    , m_cookies(makeLabel(this, QString()))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 0, 4, 0);
    layout->setSpacing(14);
    for (QLabel *label :
         {m_state, m_transport, m_parser, m_sid, m_heartbeat, m_cookies, m_traffic, m_reconnect})
        layout->addWidget(label);
    layout->addStretch();
    SocketIoClient *client = session->client();
    connect(client, &SocketIoClient::stateChanged, this, &SessionStatusBar::refresh);
    connect(client->engine(), &EngineIoClient::reconnectScheduled, this, [this] {
        ++m_reconnectsScheduled;
        refresh();
    });
    connect(client->engine(), &EngineIoClient::upgraded, this, &SessionStatusBar::refresh);
    connect(client->engine(), &EngineIoClient::cookiesReceived, this, &SessionStatusBar::refresh);
    m_timer.setInterval(500);
    connect(&m_timer, &QTimer::timeout, this, &SessionStatusBar::refresh);
    m_timer.start();
    refresh();
}

QString SessionStatusBar::formatAge(qint64 ms)
{
    if (ms < 1000)
        return tr("%1 ms").arg(ms);
    if (ms < 10000)
        return tr("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    if (ms < 120000)
        return tr("%1 s").arg(ms / 1000);
    return tr("%1 min").arg(ms / 60000);
}

QString SessionStatusBar::describeCookie(const QNetworkCookie &cookie)
{
    QStringList parts{
        QString::fromUtf8(cookie.name()), cookie.domain() + cookie.path(),
        cookie.isSessionCookie()
            ? tr("session")
            : tr("expires %1").arg(cookie.expirationDate().toUTC().toString(Qt::ISODate))};
    if (cookie.isSecure())
        parts << QStringLiteral("Secure");
    if (cookie.isHttpOnly())
        parts << QStringLiteral("HttpOnly");
    switch (cookie.sameSitePolicy()) {
    case QNetworkCookie::SameSite::Default:
        break;
    case QNetworkCookie::SameSite::None:
        parts << QStringLiteral("SameSite=None");
        break;
    case QNetworkCookie::SameSite::Lax:
        parts << QStringLiteral("SameSite=Lax");
        break;
    case QNetworkCookie::SameSite::Strict:
        parts << QStringLiteral("SameSite=Strict");
        break;
    }
    return parts.join(QStringLiteral(" · "));
}

void SessionStatusBar::refresh()
{
    SocketIoClient *client = m_session->client();
    EngineIoClient *engine = client->engine();
    const SocketIoClient::State state = client->state();
    QString color;
    QString text;
    switch (state) {
    case SocketIoClient::State::Connected:
        color = QStringLiteral("#2ea043");
        text = tr("connected");
        break;
    case SocketIoClient::State::Connecting:
        color = QStringLiteral("#e6a217");
        text = tr("connecting");
        break;
    case SocketIoClient::State::Reconnecting:
        color = QStringLiteral("#e6a217");
        text = tr("reconnecting");
        break;
    case SocketIoClient::State::Disconnected:
        color = QStringLiteral("#959da5");
        text = tr("disconnected");
        break;
    }
    m_state->setText(QStringLiteral("<span style=\"color:%1\">●</span> %2").arg(color, text));

    const bool open = engine->state() == EngineIoClient::State::Open;
    const EngineIoHandshake handshake = engine->handshake();
    if (open) {
        QString transport = transportName(engine->transport());
        if (m_session->upgradedAtUs() > 0 && m_session->openedAtUs() > 0) {
            transport +=
                QStringLiteral(" ") +
                tr("(upgraded after %1)")
                    .arg(formatAge((m_session->upgradedAtUs() - m_session->openedAtUs()) / 1000));
            m_transport->setToolTip(
                tr("Upgraded to WebSocket at %1")
                    .arg(QDateTime::fromMSecsSinceEpoch(m_session->upgradedAtUs() / 1000)
                             .toString(QStringLiteral("HH:mm:ss.zzz"))));
        }
        m_transport->setText(transport + QStringLiteral(" · EIO v%1").arg(int(engine->version())));
        m_parser->setText(tr("parser: %1").arg(SocketIoParser::kindName(client->parser())));
        m_sid->setText(tr("sid %1").arg(handshake.sid));
        QString heartbeat = tr("ping %1").arg(formatAge(handshake.pingInterval));
        const qint64 last = engine->lastPingTime();
        if (last > 0)
            heartbeat +=
                tr(", last %1 ago")
                    .arg(formatAge(qMax<qint64>(0, QDateTime::currentMSecsSinceEpoch() - last)));
        m_heartbeat->setText(heartbeat);
    }
    m_transport->setVisible(open);
    m_parser->setVisible(open);
    m_sid->setVisible(open);
    m_heartbeat->setVisible(open);

    // Kept across reconnections: shown while connected or trying to be.
    const QList<QNetworkCookie> cookies = engine->cookies();
    QStringList names;
    QStringList described;
    for (const QNetworkCookie &cookie : cookies) {
        names << QString::fromUtf8(cookie.name());
        described << describeCookie(cookie);
    }
    m_cookies->setText(tr("cookies: %1").arg(names.join(QStringLiteral(", "))));
    m_cookies->setToolTip(tr("Cookies the server set, sent on every request of this connection "
                             "(a load balancer's sticky cookie keeps the session on one "
                             "server):\n%1")
                              .arg(described.join(QLatin1Char('\n'))));
    m_cookies->setVisible(!cookies.isEmpty());

    const LiveSession::Traffic &traffic = m_session->traffic();
    const QLocale locale;
    m_traffic->setText(tr("↓ %1 pkts %2 · ↑ %3 pkts %4")
                           .arg(locale.toString(traffic.packetsIn), sizeText(traffic.bytesIn),
                                locale.toString(traffic.packetsOut), sizeText(traffic.bytesOut)));
    const int attempt = engine->reconnectAttempt();
    if (attempt > 0)
        m_reconnect->setText(tr("reconnect attempt %1").arg(attempt));
    else if (m_reconnectsScheduled > 0)
        m_reconnect->setText(tr("%n reconnect(s)", nullptr, m_reconnectsScheduled));
    m_reconnect->setVisible(attempt > 0 || m_reconnectsScheduled > 0);
}
