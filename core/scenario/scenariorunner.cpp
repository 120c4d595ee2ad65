#include "scenario/scenariorunner.h"

#include "engineio/likelycause.h"
#include "scenario/binaryarguments.h"
#include "scenario/scenariorunner_p.h"

#include <QFile>
#include <QJsonDocument>
#include <QUrlQuery>

namespace {
constexpr int ContextPackets = 8;
constexpr int CloseGraceMs = 2000;
constexpr int ContextLineChars = 200;
constexpr int MaxStepsPerTurn = 64;

QString compact(const QJsonValue &value)
{
    return PayloadMatch::shortJson(value, 400);
}

} // namespace

const StepResult *ScenarioResult::firstFailure() const
{
    for (const StepResult &step : steps)
        if (!step.passed)
            return &step;
    return nullptr;
}

ScenarioRunnerPrivate::ScenarioRunnerPrivate(ScenarioRunner *q, const Scenario &scenario,
                                             const ScenarioVariables &variables)
    : q(q)
    , m_scenario(scenario)
    , m_variables(variables)
{
    m_variables.setScenarioDefaults(scenario.variables);
    m_result.name = scenario.name;
    m_result.file = scenario.where.file;
    m_stepTimer.setSingleShot(true);
    m_stepTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_stepTimer, &QTimer::timeout, this, &ScenarioRunnerPrivate::timedOut);
    for (const ScenarioClient &client : std::as_const(m_scenario.clients)) {
        m_clientIndex.insert(client.name, m_clients.size());
        ClientRun run;
        run.spec = &client;
        m_clients.append(run);
    }
}

ScenarioRunnerPrivate::~ScenarioRunnerPrivate()
{
    for (ClientRun &run : m_clients)
        if (run.client)
            run.client->disconnect(this);
}

void ScenarioRunnerPrivate::start()
{
    m_clock.start();
    for (ClientRun &run : m_clients)
        if (run.spec->connectAtStart && !startClient(run))
            return;
    m_frames.append({&m_scenario.steps, 0, nullptr, 0});
    QTimer::singleShot(0, this, &ScenarioRunnerPrivate::advance);
}

bool ScenarioRunnerPrivate::startClient(ClientRun &run)
{
    const ScenarioClient &spec = *run.spec;
    SocketIoOptions options = spec.options;
    QString error;
    QString url;
    if (!m_variables.substituteText(spec.urlTemplate, &url, &error)) {
        finish(QStringLiteral("client %1: url: %2").arg(spec.name, error));
        return false;
    }
    if (!EngineIoOptions::parseServerUrl(url, &options.engine.url, &error)) {
        finish(QStringLiteral("client %1: url \"%2\": %3").arg(spec.name, url, error));
        return false;
    }
    for (const auto &[name, value] : spec.headerTemplates) {
        QString text;
        if (!m_variables.substituteText(value, &text, &error)) {
            finish(QStringLiteral("client %1: header %2: %3")
                       .arg(spec.name, QString::fromUtf8(name), error));
            return false;
        }
        options.engine.headers.append({name, text.toUtf8()});
    }
    for (const auto &[key, value] : spec.queryTemplates) {
        QString text;
        if (!m_variables.substituteText(value, &text, &error)) {
            finish(QStringLiteral("client %1: query %2: %3").arg(spec.name, key, error));
            return false;
        }
        options.engine.query.append({key, text});
    }
    QList<QPair<QString, QJsonObject>> namespaces;
    for (const auto &[nsp, auth] : spec.namespaces) {
        QJsonValue value;
        if (!substitute(auth, &value))
            return false;
        namespaces.append({nsp, value.toObject()});
    }

    run.client = new SocketIoClient(this);
    run.client->setOptions(options);
    run.started = true;
    watch(run);
    for (const auto &[nsp, auth] : std::as_const(namespaces))
        run.client->joinNamespace(nsp, auth);
    run.client->connectToServer();
    return true;
}

void ScenarioRunnerPrivate::watch(ClientRun &run)
{
    SocketIoClient *client = run.client;
    const QString name = run.spec->name;
    connect(client, &SocketIoClient::packetRecorded, this,
            [this, name](const PacketRecord &record) {
                if (record.layer != PacketRecord::Layer::EngineIo) {
                    ClientRun &run = runOf(name);
                    run.recent.append({nowMs(), record});
                    if (run.recent.size() > ContextPackets)
                        run.recent.removeFirst();
                }
                Q_EMIT q->recordAppended(name, record);
            });
    connect(client, &SocketIoClient::errorOccurred, this, [this, name](const SocketIoError &error) {
        const QString cause =
            error.kind == SocketIoError::Kind::EngineIo ? likelyCause(error.engine) : QString();
        runOf(name).lastError =
            cause.isEmpty() ? error.message
                            : QStringLiteral("%1 (likely cause: %2)").arg(error.message, cause);
        poll();
    });
    connect(
        client, &SocketIoClient::packetReceived, this, [this, name](const SocketIoPacket &packet) {
            if (packet.type != SocketIoPacket::Event && packet.type != SocketIoPacket::BinaryEvent)
                return;
            const QJsonArray data =
                BinaryArguments::fromPlaceholders(packet.data(), packet.attachments).toArray();
            InboxEntry entry;
            entry.nsp = packet.nsp;
            entry.event = data.isEmpty() ? QString() : data.first().toString();
            entry.args = QJsonArray(data);
            if (!entry.args.isEmpty())
                entry.args.removeFirst();
            entry.ackId = packet.id;
            addToInbox(runOf(name), entry);
        });
    connect(client->engine(), &EngineIoClient::closed, this,
            [this, name](const QString &reason, bool deliberate, bool) {
                if (deliberate)
                    return;
                InboxEntry entry;
                entry.kind = InboxEntry::Kind::Close;
                entry.message = reason;
                addToInbox(runOf(name), entry);
            });
    const auto watchNamespace = [this, name](SocketIoNamespace *ns) {
        const QString nsp = ns->name();
        connect(ns, &SocketIoNamespace::connected, this, [this, name, nsp] {
            InboxEntry entry;
            entry.kind = InboxEntry::Kind::Connected;
            entry.nsp = nsp;
            addToInbox(runOf(name), entry);
        });
        connect(ns, &SocketIoNamespace::refused, this, [this, name, nsp](const QString &message) {
            InboxEntry entry;
            entry.kind = InboxEntry::Kind::ConnectError;
            entry.nsp = nsp;
            entry.message = message;
            addToInbox(runOf(name), entry);
        });
        connect(ns, &SocketIoNamespace::disconnected, this, [this, name, nsp](bool byServer) {
            if (!byServer)
                return;
            InboxEntry entry;
            entry.kind = InboxEntry::Kind::Disconnect;
            entry.nsp = nsp;
            addToInbox(runOf(name), entry);
        });
        connect(ns, &SocketIoNamespace::ackReceived, this,
                [this, nsp](const SocketIoPacket &packet, qint64 rttUs) {
                    if (!m_step || m_step->kind != ScenarioStep::Kind::Emit || m_ackId < 0 ||
                        packet.id != m_ackId || packet.nsp != nsp)
                        return;
                    m_ack = packet;
                    m_ackRttUs = rttUs;
                    m_ackArrived = true;
                    poll();
                });
        connect(ns, &SocketIoNamespace::ackFailed, this,
                [this, nsp](qint64 id, const QString &, const QString &reason) {
                    if (m_step && m_step->kind == ScenarioStep::Kind::Emit && id == m_ackId &&
                        m_step->nsp == nsp) {
                        m_ackFailure = reason;
                        poll();
                    }
                });
        connect(ns, &SocketIoNamespace::stateChanged, this, &ScenarioRunnerPrivate::poll);
    };
    connect(client, &SocketIoClient::namespaceAdded, this, watchNamespace);
}

void ScenarioRunnerPrivate::addToInbox(ClientRun &run, InboxEntry entry)
{
    entry.atMs = nowMs();
    run.inbox.append(std::move(entry));
    poll();
}

bool ScenarioRunnerPrivate::substitute(const QJsonValue &value, QJsonValue *out)
{
    QString error;
    if (m_variables.substitute(value, out, &error))
        return true;
    if (m_step)
        fail(error);
    else
        finish(error);
    return false;
}

void ScenarioRunnerPrivate::advance()
{
    if (m_advancing)
        return;
    m_advancing = true;
    // Steps that end at once (an emit without ack, an event already received) are followed by
    // the next one in this loop, without a turn of the event loop each; after a run of them the
    // loop yields, so that a long repeat does not starve the sockets and timers.
    int atOnce = 0;
    while (!m_finished && !m_step) {
        if (++atOnce > MaxStepsPerTurn) {
            QTimer::singleShot(0, this, &ScenarioRunnerPrivate::advance);
            break;
        }
        if (m_frames.isEmpty()) {
            finish();
            break;
        }
        Frame &frame = m_frames.last();
        if (frame.index < frame.steps->size()) {
            begin(frame.steps->at(frame.index++));
            continue;
        }
        // The end of a repeat's round.
        const ScenarioStep *repeat = frame.repeat;
        if (!repeat) {
            m_frames.removeLast();
            continue;
        }
        ++frame.round;
        bool done = frame.round >= repeat->count;
        if (repeat->hasUntil) {
            const ScenarioStep &until = repeat->until.first();
            ClientRun &run = runOf(until.client);
            MatchResult closest;
            const InboxEntry *closestEntry = nullptr;
            const qsizetype found =
                findEvent(run, until, run.cursor(until.nsp), &closest, &closestEntry);
            if (found >= 0) {
                run.inbox[found].used = true;
                run.passOver(until.nsp, found);
                takeCaptures(until.payload, run.inbox.at(found).args);
                done = true;
            } else if (done) {
                m_frames.removeLast();
                m_depth = m_frames.size() - 1;
                m_step = repeat;
                m_stepStartedMs = nowMs();
                m_stepStartedNs = m_clock.nsecsElapsed();
                fail(QStringLiteral("%1 did not arrive in %2 rounds")
                         .arg(until.event)
                         .arg(repeat->count),
                     compact(until.payload.expected));
                break;
            }
        }
        if (!done) {
            frame.index = 0;
            continue;
        }
        m_frames.removeLast();
        StepResult result;
        result.where = repeat->where;
        result.label = QStringLiteral("%1: %2 rounds").arg(repeat->label()).arg(frame.round);
        result.depth = m_frames.size() - 1;
        result.passed = true;
        result.startedMs = nowMs();
        m_result.steps.append(result);
        Q_EMIT q->stepFinished(result);
    }
    m_advancing = false;
}

void ScenarioRunnerPrivate::begin(const ScenarioStep &step)
{
    m_step = &step;
    m_depth = m_frames.size() - 1;
    m_stepStartedMs = nowMs();
    m_stepStartedNs = m_clock.nsecsElapsed();
    m_emitted = false;
    m_ackId = -1;
    m_ackArrived = false;
    m_ackRttUs = -1;
    m_ackFailure.clear();
    m_anyOrderTaken.clear();

    switch (step.kind) {
    case ScenarioStep::Kind::Repeat:
        m_step = nullptr;
        m_frames.append({&step.steps, 0, &step, 0}); // advance() goes on with its steps
        return;
    case ScenarioStep::Kind::Join: {
        ClientRun &run = runOf(step.client);
        if (step.nsp.isEmpty()) { // connect the client
            if (run.started)
                return fail(QStringLiteral("client %1 is connected already").arg(step.client));
            if (startClient(run))
                pass();
            return;
        }
        QJsonValue auth;
        if (!substitute(step.auth, &auth))
            return;
        if (!run.started) {
            fail(QStringLiteral("client %1 is not connected; connect it first").arg(step.client));
            return;
        }
        SocketIoNamespace *ns = run.client->joinNamespace(step.nsp, auth.toObject());
        if (ns->state() != SocketIoNamespace::State::Connecting &&
            ns->state() != SocketIoNamespace::State::Connected) {
            ns->setAuth(auth.toObject());
            ns->connectToNamespace();
        }
        pass();
        return;
    }
    case ScenarioStep::Kind::Leave: {
        ClientRun &run = runOf(step.client);
        if (!run.started)
            return fail(QStringLiteral("client %1 is not connected").arg(step.client));
        if (step.nsp.isEmpty())
            run.client->disconnectFromServer();
        else if (SocketIoNamespace *ns = run.client->findNamespace(step.nsp))
            ns->disconnectFromNamespace();
        else
            return fail(QStringLiteral("client %1 has not joined %2").arg(step.client, step.nsp));
        pass();
        return;
    }
    default:
        break;
    }
    if (step.kind == ScenarioStep::Kind::Wait)
        m_stepTimer.start(step.withinMs);
    else if (step.kind == ScenarioStep::Kind::ExpectNone)
        m_stepTimer.start(step.withinMs);
    else
        m_stepTimer.start(step.timeoutMs);
    if (!step.client.isEmpty() && !runOf(step.client).started &&
        step.kind != ScenarioStep::Kind::Wait)
        return fail(QStringLiteral("client %1 is not connected; it has `connect: false`, so a "
                                   "`connect: %1` step must come first")
                        .arg(step.client));
    poll();
}

void ScenarioRunnerPrivate::poll()
{
    if (!m_step || m_finished)
        return;
    if (m_polling) { // a step's own action (an emit, an ack sent) reported back
        QTimer::singleShot(0, this, &ScenarioRunnerPrivate::poll);
        return;
    }
    m_polling = true;
    bool done = false;
    switch (m_step->kind) {
    case ScenarioStep::Kind::Emit:
        done = pollEmit();
        break;
    case ScenarioStep::Kind::Expect:
        done = pollExpect();
        break;
    case ScenarioStep::Kind::ExpectNone:
        done = pollExpectNone();
        break;
    case ScenarioStep::Kind::ConnectError:
        done = pollConnectError();
        break;
    case ScenarioStep::Kind::Disconnect:
        done = pollDisconnect(InboxEntry::Kind::Disconnect);
        break;
    case ScenarioStep::Kind::Close:
        done = pollDisconnect(InboxEntry::Kind::Close);
        break;
    case ScenarioStep::Kind::AnyOrder:
        done = pollAnyOrder();
        break;
    default:
        break;
    }
    m_polling = false;
    if (done && m_step)
        pass();
}

// Finished (passed or failed) when true.
bool ScenarioRunnerPrivate::pollEmit()
{
    const ScenarioStep &step = *m_step;
    ClientRun &run = runOf(step.client);
    if (!m_emitted) {
        SocketIoNamespace *ns = run.client->findNamespace(step.nsp);
        if (!ns)
            ns = run.client->joinNamespace(step.nsp);
        switch (ns->state()) {
        case SocketIoNamespace::State::Connected:
            break;
        case SocketIoNamespace::State::Refused:
            fail(QStringLiteral("cannot emit: the server refused namespace %1: %2")
                     .arg(step.nsp, ns->refusalMessage()));
            return true;
        case SocketIoNamespace::State::DisconnectedByServer:
            fail(QStringLiteral("cannot emit: the server disconnected namespace %1").arg(step.nsp));
            return true;
        default:
            // The connection is gone (a client does not reconnect): nothing will connect it.
            if (run.client->engine()->state() == EngineIoClient::State::Disconnected) {
                fail(run.lastError.isEmpty()
                         ? QStringLiteral("cannot emit: the connection is closed")
                         : QStringLiteral("cannot emit: %1").arg(run.lastError));
                return true;
            }
            return false; // connecting: wait
        }
        QJsonValue args;
        if (!substitute(step.args, &args))
            return true;
        QJsonArray data = args.toArray();
        data.prepend(step.event);
        QJsonValue withPlaceholders;
        QList<QByteArray> attachments;
        QString error;
        if (!BinaryArguments::toPlaceholders(data, &withPlaceholders, &attachments, &error)) {
            fail(error);
            return true;
        }
        const auto sent =
            ns->emitEvent(withPlaceholders.toArray(), attachments, step.ackExpected ? 0 : -1);
        if (!sent.ok) {
            fail(QStringLiteral("not sent: %1").arg(sent.error));
            return true;
        }
        m_emitted = true;
        m_ackId = sent.ackId;
        if (!step.ackExpected)
            return true;
    }
    if (!m_ackFailure.isEmpty()) {
        fail(QStringLiteral("no ack: %1").arg(m_ackFailure));
        return true;
    }
    if (!m_ackArrived)
        return false;
    const QJsonArray payload =
        BinaryArguments::fromPlaceholders(m_ack.data(), m_ack.attachments).toArray();
    if (!step.ack.any) {
        QJsonValue expected;
        if (!substitute(step.ack.expected, &expected))
            return true;
        const MatchResult match =
            PayloadMatch::match(expected, payload, step.ack.mode, JsonPath(QStringLiteral("ack")));
        if (!match.matched) {
            fail(QStringLiteral("the ack does not match (%1)")
                     .arg(PayloadMatch::modeName(step.ack.mode)),
                 compact(expected), compact(payload), match.toString());
            return true;
        }
    }
    return takeCaptures(step.ack, payload);
}

qsizetype ScenarioRunnerPrivate::findEvent(const ClientRun &run, const ScenarioStep &step,
                                           qsizetype from, MatchResult *closest,
                                           const InboxEntry **closestEntry) const
{
    QJsonValue expected;
    QString error;
    if (!step.payload.any && !m_variables.substitute(step.payload.expected, &expected, &error))
        return -1; // reported by the caller's substitute()
    for (qsizetype i = from; i < run.inbox.size(); ++i) {
        const InboxEntry &entry = run.inbox.at(i);
        if (entry.used || entry.kind != InboxEntry::Kind::Event || entry.nsp != step.nsp ||
            entry.event != step.event)
            continue;
        if (step.payload.any)
            return i;
        const MatchResult match = PayloadMatch::match(expected, entry.args, step.payload.mode,
                                                      JsonPath(QStringLiteral("args")));
        if (match.matched)
            return i;
        *closest = match; // the latest of that name
        *closestEntry = &entry;
    }
    return -1;
}

bool ScenarioRunnerPrivate::takeCaptures(const PayloadExpectation &expectation,
                                         const QJsonArray &args)
{
    for (const auto &[name, path] : expectation.captures) {
        bool found = false;
        const QJsonValue value = path.evaluate(args, &found);
        if (!found) {
            fail(QStringLiteral("cannot capture %1: %2 is not in the payload")
                     .arg(name, path.toString()),
                 {}, compact(args));
            return false;
        }
        m_variables.capture(name, value);
    }
    return true;
}

bool ScenarioRunnerPrivate::pollExpect()
{
    const ScenarioStep &step = *m_step;
    ClientRun &run = runOf(step.client);
    if (!step.payload.any) { // an undefined variable fails the step here, once
        QJsonValue expected;
        if (!substitute(step.payload.expected, &expected))
            return true;
    }
    MatchResult closest;
    const InboxEntry *closestEntry = nullptr;
    const qsizetype found = findEvent(run, step, run.cursor(step.nsp), &closest, &closestEntry);
    if (found < 0) {
        // The connection is gone: nothing more can arrive.
        if (run.client->engine()->state() == EngineIoClient::State::Disconnected &&
            run.client->state() == SocketIoClient::State::Disconnected) {
            failExpectTimeout();
            return true;
        }
        return false;
    }
    InboxEntry &entry = run.inbox[found];
    entry.used = true;
    run.passOver(step.nsp, found);
    if (takeCaptures(step.payload, entry.args))
        sendReply(step, run, entry);
    return true; // passed, or failed by either
}

bool ScenarioRunnerPrivate::sendReply(const ScenarioStep &step, ClientRun &run,
                                      const InboxEntry &entry)
{
    if (!step.replyGiven)
        return true;
    if (entry.ackId < 0) {
        fail(QStringLiteral("%1 arrived, but the server did not ask for an ack").arg(step.event),
             QStringLiteral("an ack request"), compact(entry.args));
        return false;
    }
    QJsonValue reply;
    if (!substitute(step.reply, &reply))
        return false;
    QJsonValue withPlaceholders;
    QList<QByteArray> attachments;
    QString error;
    if (!BinaryArguments::toPlaceholders(reply, &withPlaceholders, &attachments, &error)) {
        fail(error);
        return false;
    }
    SocketIoNamespace *ns = run.client->findNamespace(step.nsp);
    const auto sent = ns ? ns->sendAck(entry.ackId, withPlaceholders.toArray(), attachments)
                         : SocketIoNamespace::SendResult{};
    if (!sent.ok) {
        fail(QStringLiteral("the reply was not sent: %1").arg(sent.error));
        return false;
    }
    return true;
}

void ScenarioRunnerPrivate::failExpectTimeout()
{
    const ScenarioStep &step = *m_step;
    const ClientRun &run = runOf(step.client);
    MatchResult closest;
    const InboxEntry *closestEntry = nullptr;
    findEvent(run, step, run.cursor(step.nsp), &closest, &closestEntry);
    QJsonValue expected;
    QString error;
    if (!step.payload.any)
        m_variables.substitute(step.payload.expected, &expected, &error);
    const QString expectedText =
        step.payload.any
            ? QStringLiteral("%1 with any arguments").arg(step.event)
            : QStringLiteral("%1 %2 (%3)")
                  .arg(step.event, compact(expected), PayloadMatch::modeName(step.payload.mode));
    const bool closed = run.client->engine()->state() == EngineIoClient::State::Disconnected;
    const QString waited = closed ? QStringLiteral("before the connection closed")
                                  : QStringLiteral("within %1 ms").arg(step.timeoutMs);
    if (closestEntry) {
        fail(QStringLiteral("%1 arrived, but its arguments do not match").arg(step.event),
             expectedText, compact(closestEntry->args), closest.toString());
        return;
    }
    QStringList others;
    for (qsizetype i = run.cursor(step.nsp); i < run.inbox.size(); ++i) {
        const InboxEntry &entry = run.inbox.at(i);
        if (entry.kind == InboxEntry::Kind::Event && !entry.used)
            others.append(entry.nsp == QLatin1String("/")
                              ? entry.event
                              : QStringLiteral("%1 on %2").arg(entry.event, entry.nsp));
    }
    others.removeDuplicates();
    QString failure = QStringLiteral("no %1 on %2 %3").arg(step.event, step.nsp, waited);
    if (!run.lastError.isEmpty())
        failure += QStringLiteral("; the client's last error: %1").arg(run.lastError);
    fail(failure, expectedText,
         others.isEmpty()
             ? QStringLiteral("no event")
             : QStringLiteral("other events: %1").arg(others.join(QStringLiteral(", "))));
}

bool ScenarioRunnerPrivate::pollExpectNone()
{
    const ScenarioStep &step = *m_step;
    const ClientRun &run = runOf(step.client);
    MatchResult closest;
    const InboxEntry *closestEntry = nullptr;
    const qsizetype found = findEvent(run, step, run.cursor(step.nsp), &closest, &closestEntry);
    if (found < 0)
        return false; // passes when `within` has passed
    const InboxEntry &entry = run.inbox.at(found);
    fail(QStringLiteral("%1 arrived %2 ms into the step, and it must not")
             .arg(step.event)
             .arg(qMax<qint64>(0, entry.atMs - m_stepStartedMs)),
         QStringLiteral("no %1").arg(step.event), compact(entry.args));
    return true;
}

bool ScenarioRunnerPrivate::pollConnectError()
{
    const ScenarioStep &step = *m_step;
    ClientRun &run = runOf(step.client);
    QString message;
    QString error;
    if (!m_variables.substituteText(step.message, &message, &error)) {
        fail(error);
        return true;
    }
    for (qsizetype i = run.cursor(step.nsp); i < run.inbox.size(); ++i) {
        InboxEntry &entry = run.inbox[i];
        if (entry.used || entry.nsp != step.nsp)
            continue;
        if (entry.kind == InboxEntry::Kind::Connected) {
            fail(QStringLiteral("the server accepted namespace %1").arg(step.nsp),
                 QStringLiteral("CONNECT_ERROR"), QStringLiteral("CONNECT"));
            return true;
        }
        if (entry.kind != InboxEntry::Kind::ConnectError)
            continue;
        entry.used = true;
        run.passOver(step.nsp, i);
        if (!step.message.isEmpty() && entry.message != message) {
            fail(QStringLiteral("the refusal's message differs"), compact(message),
                 compact(entry.message));
            return true;
        }
        return true;
    }
    return false;
}

bool ScenarioRunnerPrivate::pollDisconnect(InboxEntry::Kind kind)
{
    const ScenarioStep &step = *m_step;
    ClientRun &run = runOf(step.client);
    for (qsizetype i = run.cursor(step.nsp); i < run.inbox.size(); ++i) {
        InboxEntry &entry = run.inbox[i];
        if (entry.used || entry.kind != kind ||
            (kind == InboxEntry::Kind::Disconnect && entry.nsp != step.nsp))
            continue;
        entry.used = true;
        run.passOver(step.nsp, i);
        return true;
    }
    return false;
}

bool ScenarioRunnerPrivate::pollAnyOrder()
{
    const ScenarioStep &group = *m_step;
    if (m_anyOrderTaken.isEmpty())
        m_anyOrderTaken.fill(-1, group.steps.size());
    bool all = true;
    for (qsizetype i = 0; i < group.steps.size(); ++i) {
        if (m_anyOrderTaken.at(i) >= 0)
            continue;
        const ScenarioStep &step = group.steps.at(i);
        ClientRun &run = runOf(step.client);
        MatchResult closest;
        const InboxEntry *closestEntry = nullptr;
        const qsizetype found = findEvent(run, step, run.cursor(step.nsp), &closest, &closestEntry);
        if (found < 0) {
            all = false;
            continue;
        }
        run.inbox[found].used = true;
        m_anyOrderTaken[i] = found;
        if (!takeCaptures(step.payload, run.inbox.at(found).args) ||
            !sendReply(step, run, run.inbox.at(found)))
            return true;
    }
    if (!all)
        return false;
    // In order again after the group: past the last event it took, per client.
    for (qsizetype i = 0; i < group.steps.size(); ++i) {
        const ScenarioStep &step = group.steps.at(i);
        runOf(step.client).passOver(step.nsp, m_anyOrderTaken.at(i));
    }
    return true;
}

void ScenarioRunnerPrivate::timedOut()
{
    if (!m_step)
        return;
    const ScenarioStep &step = *m_step;
    switch (step.kind) {
    case ScenarioStep::Kind::Wait:
    case ScenarioStep::Kind::ExpectNone:
        pass();
        return;
    case ScenarioStep::Kind::Expect:
        failExpectTimeout();
        return;
    case ScenarioStep::Kind::Emit: {
        ClientRun &run = runOf(step.client);
        QString failure = m_emitted
                              ? QStringLiteral("no ack within %1 ms").arg(step.timeoutMs)
                              : QStringLiteral("namespace %1 of %2 not connected within %3 ms")
                                    .arg(step.nsp, step.client)
                                    .arg(step.timeoutMs);
        if (!run.lastError.isEmpty())
            failure += QStringLiteral("; the client's last error: %1").arg(run.lastError);
        fail(failure);
        return;
    }
    case ScenarioStep::Kind::ConnectError:
        fail(QStringLiteral("no CONNECT_ERROR for %1 within %2 ms")
                 .arg(step.nsp)
                 .arg(step.timeoutMs));
        return;
    case ScenarioStep::Kind::Disconnect:
        fail(QStringLiteral("the server did not disconnect %1 within %2 ms")
                 .arg(step.nsp)
                 .arg(step.timeoutMs));
        return;
    case ScenarioStep::Kind::Close:
        fail(QStringLiteral("the connection did not close within %1 ms").arg(step.timeoutMs));
        return;
    case ScenarioStep::Kind::AnyOrder: {
        QStringList missing;
        for (qsizetype i = 0; i < step.steps.size(); ++i)
            if (m_anyOrderTaken.value(i, -1) < 0)
                missing.append(step.steps.at(i).label());
        fail(QStringLiteral("not all arrived within %1 ms; missing: %2")
                 .arg(step.timeoutMs)
                 .arg(missing.join(QStringLiteral("; "))));
        return;
    }
    default:
        return;
    }
}

QStringList ScenarioRunnerPrivate::context() const
{
    if (!m_step)
        return {};
    QStringList lines;
    for (const ClientRun &run : m_clients) {
        if (!m_step->client.isEmpty() && run.spec->name != m_step->client)
            continue;
        for (const auto &[atMs, record] : run.recent) {
            const QString what = record.layer == PacketRecord::Layer::SocketIo
                                     ? QStringLiteral("%1 %2").arg(record.typeName(), record.nsp)
                                     : record.typeName();
            QString line =
                QStringLiteral("+%1 ms %2 %3 %4 %5")
                    .arg(atMs)
                    .arg(run.spec->name,
                         record.direction == PacketRecord::Direction::In ? QStringLiteral("<-")
                                                                         : QStringLiteral("->"),
                         what, QString::fromUtf8(record.payload))
                    .trimmed();
            if (!record.error.isEmpty())
                line += QStringLiteral(" (error: %1)").arg(record.error);
            if (line.size() > ContextLineChars)
                line = line.left(ContextLineChars - 1) + QChar(0x2026);
            lines.append(line);
        }
    }
    return lines;
}

StepResult ScenarioRunnerPrivate::endStep(bool passed)
{
    m_stepTimer.stop();
    StepResult result;
    result.where = m_step->where;
    result.label = m_step->label();
    result.kind = m_step->kind;
    result.depth = m_depth;
    result.passed = passed;
    result.startedMs = m_stepStartedMs;
    result.elapsedMs = nowMs() - m_stepStartedMs;
    result.elapsedUs = (m_clock.nsecsElapsed() - m_stepStartedNs) / 1000;
    return result;
}

void ScenarioRunnerPrivate::pass()
{
    if (!m_step)
        return;
    StepResult result = endStep(true);
    if (m_step->kind == ScenarioStep::Kind::Emit && m_ackArrived)
        result.rttUs = m_ackRttUs;
    m_step = nullptr;
    m_result.steps.append(result);
    Q_EMIT q->stepFinished(result);
    advance(); // at once, or by the loop of the advance() that began this step
}

void ScenarioRunnerPrivate::fail(const QString &failure, const QString &expected,
                                 const QString &actual, const QString &difference)
{
    if (!m_step || m_finished)
        return;
    StepResult result = endStep(false);
    result.failure = failure;
    result.expected = expected;
    result.actual = actual;
    result.difference = difference;
    result.context = context();
    m_step = nullptr;
    m_result.steps.append(result);
    Q_EMIT q->stepFinished(result);
    finish();
}

void ScenarioRunnerPrivate::finish(const QString &error)
{
    if (m_finished)
        return;
    m_finished = true;
    m_stepTimer.stop();
    m_step = nullptr;
    m_result.error = error;
    m_result.elapsedMs = m_clock.isValid() ? nowMs() : 0;
    m_result.passed = error.isEmpty() && !m_result.firstFailure();
    // Close every client, then report: the logs end with the close.
    int open = 0;
    for (ClientRun &run : m_clients) {
        if (!run.client || run.client->engine()->state() == EngineIoClient::State::Disconnected)
            continue;
        ++open;
        connect(run.client->engine(), &EngineIoClient::closed, this, [this] {
            for (const ClientRun &run : std::as_const(m_clients))
                if (run.client &&
                    run.client->engine()->state() != EngineIoClient::State::Disconnected)
                    return;
            report();
        });
        run.client->disconnectFromServer();
    }
    if (open == 0)
        QTimer::singleShot(0, this, &ScenarioRunnerPrivate::report);
    else
        QTimer::singleShot(CloseGraceMs, this, &ScenarioRunnerPrivate::report);
}

void ScenarioRunnerPrivate::report()
{
    if (m_reported)
        return;
    m_reported = true;
    for (ClientRun &run : m_clients)
        if (run.client)
            run.client->disconnect(this);
    Q_EMIT q->finished(m_result);
}

void ScenarioRunnerPrivate::abort(const QString &reason)
{
    if (m_finished)
        return;
    if (m_step)
        fail(reason);
    else
        finish(reason);
}

ScenarioRunner::ScenarioRunner(const Scenario &scenario, const ScenarioVariables &variables,
                               QObject *parent)
    : QObject(parent)
    , d(std::make_unique<ScenarioRunnerPrivate>(this, scenario, variables))
{
}

ScenarioRunner::~ScenarioRunner() = default;

void ScenarioRunner::start()
{
    d->start();
}

void ScenarioRunner::abort(const QString &reason)
{
    d->abort(reason);
}

bool ScenarioRunner::isFinished() const
{
    return d->m_reported;
}

const ScenarioResult &ScenarioRunner::result() const
{
    return d->m_result;
}

const Scenario &ScenarioRunner::scenario() const
{
    return d->m_scenario;
}
