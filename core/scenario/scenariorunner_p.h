// The runner's state machine, for its tests: the clients with what each has received, and the
// stack of step lists being run (a repeat pushes its steps).
#pragma once

#include "scenario/scenariorunner.h"
#include "socketio/socketioclient.h"

#include <QElapsedTimer>
#include <QTimer>

// One thing a client received that steps can expect, in arrival order.
struct InboxEntry
{
    enum class Kind { Event, Connected, ConnectError, Disconnect, Close };
    Kind kind = Kind::Event;
    QString nsp;
    QString event;
    QJsonArray args;   // after the event name; binary attachments as {"$binary": base64}
    qint64 ackId = -1; // the server asks for an ack
    QString message;   // ConnectError: the refusal's message; Close: the reason
    qint64 atMs = 0;   // since the scenario started
    bool used = false; // an expectation took it
};

struct ClientRun
{
    const ScenarioClient *spec = nullptr;
    SocketIoClient *client = nullptr;
    QList<InboxEntry> inbox;
    // Per namespace, expectations in order look from here on: each namespace is its own stream
    // of events (the order between namespaces is not something a server promises).
    QHash<QString, qsizetype> cursors;
    qsizetype cursor(const QString &nsp) const { return cursors.value(nsp); }
    void passOver(const QString &nsp, qsizetype index)
    {
        cursors[nsp] = qMax(cursors.value(nsp), index + 1);
    }
    bool started = false;
    QString lastError; // the client's last error, for a step that waits on a connection
    // The last packets with their time since the scenario started, as context for a failure;
    // formatted only when one is reported.
    QList<QPair<qint64, PacketRecord>> recent;
};

class ScenarioRunnerPrivate : public QObject
{
    Q_OBJECT
public:
    ScenarioRunnerPrivate(ScenarioRunner *q, const Scenario &scenario,
                          const ScenarioVariables &variables);
    ~ScenarioRunnerPrivate() override;

    struct Frame
    {
        const QList<ScenarioStep> *steps = nullptr;
        qsizetype index = 0;
        const ScenarioStep *repeat = nullptr; // the repeat step that pushed this frame
        int round = 0;
    };

    void start();
    void abort(const QString &reason);

    // Steps.
    void advance(); // the next step of the top frame, or pops it
    void begin(const ScenarioStep &step);
    void poll(); // the current step, after anything happened
    void timedOut();
    // The current step's result so far; its timer stopped.
    StepResult endStep(bool passed);
    void pass();
    void fail(const QString &failure, const QString &expected = {}, const QString &actual = {},
              const QString &difference = {});
    void finish(const QString &error = {});
    void report(); // once the clients have closed, or after a grace period
    bool pollEmit();
    bool pollExpect();
    bool pollExpectNone();
    bool pollConnectError();
    bool pollDisconnect(InboxEntry::Kind kind);
    bool pollAnyOrder();
    void failExpectTimeout();

    // Matching.
    // The first unused event from `from` that `step` (an Expect) accepts; -1 when none.
    qsizetype findEvent(const ClientRun &run, const ScenarioStep &step, qsizetype from,
                        MatchResult *closest, const InboxEntry **closestEntry) const;
    bool substitute(const QJsonValue &value, QJsonValue *out);
    bool takeCaptures(const PayloadExpectation &expectation, const QJsonArray &args);
    // The step's reply to the event's ack request, after its captures (the reply may use them);
    // false when the step failed.
    bool sendReply(const ScenarioStep &step, ClientRun &run, const InboxEntry &entry);

    // Clients.
    bool startClient(ClientRun &run);
    void watch(ClientRun &run);
    void addToInbox(ClientRun &run, InboxEntry entry);
    ClientRun &runOf(const QString &client) { return m_clients[m_clientIndex.value(client)]; }
    const ClientRun &runOf(const QString &client) const
    {
        return m_clients.at(m_clientIndex.value(client));
    }
    qint64 nowMs() const { return m_clock.elapsed(); }
    QStringList context() const;

    ScenarioRunner *q;
    Scenario m_scenario;
    ScenarioVariables m_variables;
    ScenarioResult m_result;
    QList<ClientRun> m_clients;
    QHash<QString, qsizetype> m_clientIndex;
    QList<Frame> m_frames;
    QElapsedTimer m_clock;
    QTimer m_stepTimer;
    bool m_finished = false;
    bool m_polling = false;
    bool m_advancing = false; // advance() is running steps; a step that ends lets it go on
    bool m_reported = false;

    // The step being run.
    const ScenarioStep *m_step = nullptr;
    int m_depth = 0;
    qint64 m_stepStartedMs = 0;
    qint64 m_stepStartedNs = 0; // the same, finer: for the latency figures of a load run
    bool m_emitted = false;     // Emit: sent, waiting for the ack
    qint64 m_ackId = -1;
    SocketIoPacket m_ack; // Emit: the ack received
    qint64 m_ackRttUs = -1;
    bool m_ackArrived = false;
    QString m_ackFailure;             // Emit: the ack timed out or failed
    QList<qsizetype> m_anyOrderTaken; // AnyOrder: the inbox index each expectation took, or -1
};
