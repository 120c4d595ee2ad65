// MockRulesEngine: runs the actions of MockRules on a SocketIoServer as its events come in.
#include "server/mockrules.h"

#include "server/defaulthandlers.h"
#include "server/engineioserver.h"
#include "server/mockrules_p.h"
#include "server/serverlogging.h"
#include "server/socketioserver.h"

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTimer>

using namespace MockRulesText;

// The engine at work: the server and rules it runs, whether it runs, and its timers (one per
// periodic emit, one per action list waiting out a delay; stop() cancels the latter).
class MockRulesEnginePrivate
{
public:
    MockRulesEnginePrivate(MockRulesEngine *q, SocketIoServer *server, const MockRules &rules)
        : q(q)
        , server(server)
        , rules(rules)
    {
    }

    void install(const MockNamespace &rules, SocketIoServerNamespace *ns);
    // Runs `actions` from `first` on, in order; a delay parks the rest on a timer.
    void run(const QPointer<SocketIoServerSocket> &socket, const QString &context,
             const QList<MockAction> &actions, int first, const SocketIoPacket &received,
             bool waited = false);
    bool perform(SocketIoServerSocket *socket, const MockAction &action,
                 const SocketIoPacket &received, QString *outcome);
    void tick(SocketIoServerNamespace *ns, const QString &context, const MockEvery &every,
              QTimer *timer);

    MockRulesEngine *q;
    SocketIoServer *server;
    MockRules rules;
    bool running = false;
    QList<QTimer *> everyTimers;
    QHash<QTimer *, int> everyCounts; // emits that reached a socket, per periodic timer
    QSet<QTimer *> delayed;
};

void MockRulesEnginePrivate::install(const MockNamespace &rules, SocketIoServerNamespace *ns)
{
    if (rules.requiresAuth || rules.refuseAlways) {
        ns->setConnectHook([rules](const SocketIoConnectRequest &request) {
            bool accepted = !rules.refuseAlways;
            for (auto it = rules.auth.begin(); accepted && it != rules.auth.end(); ++it)
                accepted = request.auth.value(it.key()) == it.value();
            return accepted
                       ? SocketIoConnectDecision::accepted()
                       : SocketIoConnectDecision::refused(rules.refuseMessage, rules.refuseData);
        });
    }
    QObject::connect(
        ns, &SocketIoServerNamespace::connectRefused, q,
        [this](const SocketIoConnectRequest &request, const SocketIoConnectDecision &decision) {
            if (running)
                Q_EMIT q->ruleFired(
                    QStringLiteral("%1 refused session %2: %3")
                        .arg(request.nsp, request.engineSid, quoted(decision.message)));
        });
    const QString name = rules.name;
    const QList<MockAction> onConnect = rules.onConnect;
    QObject::connect(ns, &SocketIoServerNamespace::socketConnected, q,
                     [this, name, onConnect](SocketIoServerSocket *socket) {
                         if (running)
                             run(socket, QStringLiteral("%1 on connect").arg(name), onConnect, 0,
                                 {});
                     });
    const QList<MockHandler> handlers = rules.handlers;
    QObject::connect(
        ns, &SocketIoServerNamespace::eventReceived, q,
        [this, name, handlers](SocketIoServerSocket *socket, const SocketIoPacket &packet) {
            if (!running)
                return;
            const MockHandler *match = nullptr;
            for (const MockHandler &handler : handlers) {
                if (handler.event == packet.eventName())
                    match = &handler;
                else if (handler.event == AnyEvent && !match)
                    match = &handler;
            }
            if (match)
                run(socket, handlerContext(name, match->event), match->actions, 0, packet);
        });
    for (const MockEvery &every : rules.every) {
        auto *timer = new QTimer(q);
        timer->setInterval(every.intervalMs);
        const QString context = everyContext(name, every);
        QObject::connect(timer, &QTimer::timeout, q,
                         [this, ns, context, every, timer] { tick(ns, context, every, timer); });
        everyTimers.append(timer);
    }
}

void MockRulesEnginePrivate::run(const QPointer<SocketIoServerSocket> &socket,
                                 const QString &context, const QList<MockAction> &actions,
                                 int first, const SocketIoPacket &received, bool waited)
{
    for (int i = first; i < actions.size(); ++i) {
        const MockAction &action = actions.at(i);
        if (action.delayMs > 0 && !(waited && i == first)) {
            // Park the rest; the timer comes back here at this action, its delay over.
            auto *timer = new QTimer(q);
            timer->setSingleShot(true);
            delayed.insert(timer);
            QObject::connect(timer, &QTimer::timeout, q,
                             [this, socket, context, actions, i, received, timer] {
                                 delayed.remove(timer);
                                 timer->deleteLater();
                                 run(socket, context, actions, i, received, true);
                             });
            timer->start(action.delayMs);
            return;
        }
        if (!socket || !socket->isConnected()) {
            Q_EMIT q->errorOccurred(QStringLiteral("%1: %2 not done: the socket is gone")
                                        .arg(context, action.description));
            return;
        }
        QString outcome;
        if (perform(socket, action, received, &outcome))
            Q_EMIT q->ruleFired(
                QStringLiteral("%1: %2%3").arg(context, action.description, outcome));
        else
            Q_EMIT q->errorOccurred(
                QStringLiteral("%1: %2 failed: %3").arg(context, action.description, outcome));
    }
}

bool MockRulesEnginePrivate::perform(SocketIoServerSocket *socket, const MockAction &action,
                                     const SocketIoPacket &received, QString *outcome)
{
    using SocketIoDefaultHandlers::dropFirstItem;
    using SocketIoDefaultHandlers::replaceFirstItem;
    SocketIoServerSocket::SendResult result;
    switch (action.kind) {
    case MockAction::Kind::Emit: {
        const QByteArray json = action.echoArgs
                                    ? replaceFirstItem(received.payload, action.eventJson)
                                    : action.dataJson;
        const QList<QByteArray> &attachments =
            action.echoArgs ? received.attachments : action.attachments;
        if (action.target == MockAction::Target::Sender) {
            result = socket->emitEventJson(json, attachments);
            break;
        }
        SocketIoServerNamespace *ns = server->findNamespace(socket->nsp());
        const int count = ns->emitToRoomJson(
            action.target == MockAction::Target::Room ? action.room : QString(), json, attachments,
            action.target == MockAction::Target::Others ? socket->id() : QString());
        *outcome = QStringLiteral(" (%1 socket(s))").arg(count);
        return true;
    }
    case MockAction::Kind::Ack:
        if (!received.hasId()) {
            *outcome = QStringLiteral(" skipped: the event asked for no ack");
            return true;
        }
        result = action.echoArgs
                     ? socket->sendAckJson(received.id, dropFirstItem(received.payload),
                                           received.attachments)
                     : socket->sendAckJson(received.id, action.dataJson, action.attachments);
        break;
    case MockAction::Kind::Join:
        socket->join(action.room);
        return true;
    case MockAction::Kind::Leave:
        socket->leave(action.room);
        return true;
    case MockAction::Kind::Disconnect:
        socket->disconnectFromServer();
        return true;
    case MockAction::Kind::Drop:
        if (EngineIoServerSocket *engine = server->engine()->session(socket->engineSid()))
            engine->drop(QStringLiteral("dropped by a mock rule"));
        return true;
    case MockAction::Kind::Invalid:
        result = socket->sendRawMessage(action.rawMessage,
                                        QStringLiteral("deliberately invalid (mock rules)"));
        break;
    }
    if (!result.ok)
        *outcome = result.error;
    return result.ok;
}

void MockRulesEnginePrivate::tick(SocketIoServerNamespace *ns, const QString &context,
                                  const MockEvery &every, QTimer *timer)
{
    const int count = ns->emitToRoomJson(
        every.action.target == MockAction::Target::Room ? every.action.room : QString(),
        every.action.dataJson, every.action.attachments);
    // Only emits that reached someone count: "count" is what a client gets to see.
    if (count == 0)
        return;
    Q_EMIT q->ruleFired(
        QStringLiteral("%1: %2 (%3 socket(s))").arg(context, every.action.description).arg(count));
    if (every.count > 0 && ++everyCounts[timer] >= every.count)
        timer->stop();
}

MockRulesEngine::MockRulesEngine(SocketIoServer *server, const MockRules &rules)
    : QObject(server)
    , d(new MockRulesEnginePrivate(this, server, rules))
{
    // Namespaces the rules do not name are refused ("Invalid namespace"), "/" included.
    if (!rules.namespaces().contains(RootNamespace))
        server->removeNamespace(RootNamespace);
    for (const MockNamespace &ns : rules.d->namespaces)
        d->install(ns, server->addNamespace(ns.name));
    connect(server, &SocketIoServer::closed, this, &MockRulesEngine::stop);
}

MockRulesEngine::~MockRulesEngine() = default;

MockRules MockRulesEngine::rules() const
{
    return d->rules;
}

void MockRulesEngine::start()
{
    if (d->running)
        return;
    d->running = true;
    d->everyCounts.clear();
    for (QTimer *timer : std::as_const(d->everyTimers))
        timer->start();
    qCDebug(lcServer) << "mock rules started:" << d->rules.describe();
}

void MockRulesEngine::stop()
{
    d->running = false;
    for (QTimer *timer : std::as_const(d->everyTimers))
        timer->stop();
    qDeleteAll(std::exchange(d->delayed, {}));
}

bool MockRulesEngine::isRunning() const
{
    return d->running;
}
