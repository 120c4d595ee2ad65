#include "server/demoscenario.h"

#include "server/defaulthandlers.h"
#include "server/socketioserver.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace {
const QString Root = QStringLiteral("/");
const QString Chat = QStringLiteral("/chat");
const QString Admin = QStringLiteral("/admin");

const char *const ChatLines[][2] = {
    {"ada", "hello everyone"},
    {"linus", "anyone tried the binary snapshots?"},
    {"grace", "the poll wants an answer: reply to its ack"},
    {"ada", "/admin says Not authorized... token is \"demo\""},
    {"linus", "ticks every second, nice"},
    {"grace", "the server kicks us from /chat now and then; join again"},
};

int scaled(int ms, double scale)
{
    return std::max(1, int(std::lround(ms * scale)));
}
} // namespace

DemoScenario::DemoScenario(SocketIoServer *server, double timeScale)
    : QObject(server)
    , m_server(server)
{
    if (!(timeScale > 0))
        timeScale = 1.0;
    m_intervals.tickMs = scaled(m_intervals.tickMs, timeScale);
    m_intervals.chatMs = scaled(m_intervals.chatMs, timeScale);
    m_intervals.snapshotMs = scaled(m_intervals.snapshotMs, timeScale);
    m_intervals.pollMs = scaled(m_intervals.pollMs, timeScale);
    m_intervals.kickMs = scaled(m_intervals.kickMs, timeScale);

    SocketIoDefaultHandlers::install(server, {Root, Chat, Admin});

    server->findNamespace(Admin)->setConnectHook([](const SocketIoConnectRequest &request) {
        if (request.auth.value(QStringLiteral("token")).toString() == QLatin1String(AdminToken))
            return SocketIoConnectDecision::accepted();
        return SocketIoConnectDecision::refused(
            QStringLiteral("Not authorized"),
            QJsonObject{{QStringLiteral("hint"), QStringLiteral("send {\"token\":\"demo\"}")}});
    });

    SocketIoServerNamespace *root = server->findNamespace(Root);
    connect(root, &SocketIoServerNamespace::socketConnected, this,
            [](SocketIoServerSocket *socket) {
                socket->emitEvent(
                    {QStringLiteral("welcome"),
                     QJsonObject{{QStringLiteral("demo"), true},
                                 {QStringLiteral("try"),
                                  QStringLiteral("emit \"message\" (echoed as \"message-back\") "
                                                 "or \"message-with-ack\"; answer \"poll\"")}}});
            });
    connect(root, &SocketIoServerNamespace::ackReceived, this,
            [this](SocketIoServerSocket *socket, const SocketIoPacket &packet, qint64) {
                PollAnswer answer;
                answer.socketId = socket->id();
                answer.engineSid = socket->engineSid();
                answer.ackId = packet.id;
                answer.payload = packet.payload;
                m_answers.append(answer);
                Q_EMIT pollAnswered(answer);
            });

    m_timers = {addTimer(m_intervals.tickMs, &DemoScenario::tick),
                addTimer(m_intervals.chatMs, &DemoScenario::chat),
                addTimer(m_intervals.snapshotMs, &DemoScenario::snapshot),
                addTimer(m_intervals.pollMs, &DemoScenario::poll),
                addTimer(m_intervals.kickMs, &DemoScenario::kickChat)};
    connect(server, &SocketIoServer::closed, this, &DemoScenario::stop);
}

QTimer *DemoScenario::addTimer(int intervalMs, void (DemoScenario::*slot)())
{
    // The server is the timer's parent and context: gone with it.
    auto *timer = new QTimer(m_server);
    timer->setInterval(intervalMs);
    connect(timer, &QTimer::timeout, this, slot);
    return timer;
}

void DemoScenario::start()
{
    for (QTimer *timer : std::as_const(m_timers))
        timer->start();
}

void DemoScenario::stop()
{
    for (QTimer *timer : std::as_const(m_timers))
        timer->stop();
}

bool DemoScenario::isRunning() const
{
    return !m_timers.isEmpty() && m_timers.first()->isActive();
}

void DemoScenario::tick()
{
    ++m_ticks;
    m_server->findNamespace(Root)->emitToAll(
        {QStringLiteral("tick"),
         QJsonObject{{QStringLiteral("n"), m_ticks},
                     {QStringLiteral("time"),
                      QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)}}});
}

void DemoScenario::chat()
{
    const auto &line = ChatLines[m_chats % std::size(ChatLines)];
    ++m_chats;
    m_server->findNamespace(Chat)->emitToAll(
        {QStringLiteral("chat"), QJsonObject{{QStringLiteral("user"), QString::fromLatin1(line[0])},
                                             {QStringLiteral("text"), QString::fromUtf8(line[1])},
                                             {QStringLiteral("n"), m_chats}}});
}

void DemoScenario::snapshot()
{
    ++m_snapshots;
    // A tiny "frame": a header and a counter, binary on purpose (bytes that are not text).
    QByteArray frame("\x89SIO\r\n\x1a\n", 8);
    for (int i = 0; i < 8; ++i)
        frame.append(char((m_snapshots * 31 + i * 17) & 0xff));
    m_server->findNamespace(Root)->emitToAll(
        {QStringLiteral("snapshot"),
         QJsonObject{{QStringLiteral("n"), m_snapshots},
                     {QStringLiteral("bytes"), int(frame.size())},
                     {QStringLiteral("frame"), QJsonObject{{QStringLiteral("_placeholder"), true},
                                                           {QStringLiteral("num"), 0}}}}},
        {frame});
}

void DemoScenario::poll()
{
    ++m_polls;
    const QJsonArray data{
        QStringLiteral("poll"),
        QJsonObject{{QStringLiteral("n"), m_polls},
                    {QStringLiteral("question"), QStringLiteral("Still there? Answer this ack.")}}};
    for (SocketIoServerSocket *socket : m_server->findNamespace(Root)->sockets())
        socket->emitEvent(data, {}, m_intervals.pollMs * 2);
}

void DemoScenario::kickChat()
{
    for (SocketIoServerSocket *socket : m_server->findNamespace(Chat)->sockets())
        socket->disconnectFromServer();
}
