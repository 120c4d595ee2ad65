// A scenario as `sioscope-cli test` runs it: named clients, each with its connection options,
// and a list of steps that emit, expect, capture and wait. Values are templates: strings may
// hold {{variables}}, substituted when the step runs (ScenarioVariables). Every step keeps where
// it was written, for the messages of the loader and the runner.
#pragma once

#include "scenario/jsonpath.h"
#include "scenario/payloadmatch.h"
#include "socketio/socketiooptions.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>

struct SourceLocation
{
    QString file;
    int line = 0;   // 1-based; 0: unknown
    int column = 0; // 1-based

    // "file:line:column", as compilers write it.
    QString toString() const;
};

// One client of a scenario. The connection options are templates too: the URL, header values,
// query values and auth payloads may use {{variables}}.
struct ScenarioClient
{
    QString name;
    SourceLocation where;
    QString urlTemplate;
    SocketIoOptions options; // everything but the URL, the headers and the query
    QList<QPair<QByteArray, QString>> headerTemplates;
    QList<QPair<QString, QString>> queryTemplates;
    QList<QPair<QString, QJsonValue>> namespaces; // joined on connect, with their auth template
    bool connectAtStart = true;
};

// What an `expect` (or `not`, an emit's `ack`, `until`) compares a payload with.
struct PayloadExpectation
{
    bool any = true; // no arguments given: any payload matches
    QJsonValue expected;
    MatchMode mode = MatchMode::Exact;
    QList<QPair<QString, JsonPath>> captures; // variable <- path into the payload (root `args`)
};

struct ScenarioStep
{
    enum class Kind {
        Emit,         // an event, with an ack expected or not
        Expect,       // an event from the server (and its ack request answered, with `reply`)
        ExpectNone,   // `not`: no such event within `withinMs`
        ConnectError, // the server refuses a namespace (CONNECT_ERROR), with a message
        Disconnect,   // the server disconnects a namespace (DISCONNECT)
        Close,        // the connection closes (not by us)
        Wait,         // a pause
        Repeat,       // `steps` `count` times, or until `until` is met (at most `count` times)
        AnyOrder,     // every expectation of `steps`, in any order, within `timeoutMs`
        Join,         // connect a namespace (with auth), or the client itself
        Leave,        // leave a namespace, or disconnect the client
    };

    Kind kind = Kind::Wait;
    SourceLocation where;
    QString client;
    QString nsp = QStringLiteral("/");
    QString event;   // Emit, Expect, ExpectNone, Repeat's until
    QJsonArray args; // Emit: the arguments (binary ones {"$binary": base64} or {"$file": path})
    PayloadExpectation payload; // Expect, ExpectNone: the arguments after the event name
    bool ackExpected = false;   // Emit: an ack is asked for
    PayloadExpectation ack;     // Emit: the ack's payload
    bool replyGiven = false;    // Expect: the server must ask for an ack, answered with `reply`
    QJsonArray reply;
    QString message;           // ConnectError: the refusal's message, a template; empty: any
    int timeoutMs = 0;         // Emit (the ack), Expect, ConnectError, Disconnect, Close, AnyOrder
    int withinMs = 0;          // ExpectNone; Wait: the pause
    int count = 1;             // Repeat
    QJsonValue auth;           // Join
    QList<ScenarioStep> steps; // Repeat, AnyOrder
    bool hasUntil = false;     // Repeat
    QList<ScenarioStep> until; // Repeat: one Expect step, checked after each round

    // "emit chat (alice, /room)", as the runner's lines name the step.
    QString label() const;
};

struct Scenario
{
    QString name;
    SourceLocation where;
    QList<ScenarioClient> clients;
    QJsonObject variables; // the scenario's own defaults (`variables:`)
    int defaultTimeoutMs = 5000;
    QList<ScenarioStep> steps;

    const ScenarioClient *findClient(const QString &name) const;
};
