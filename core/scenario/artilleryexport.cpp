#include "scenario/artilleryexport.h"

#include "scenario/payloadmatch.h"

#include <QUrl>

#include <algorithm>
#include <cmath>

namespace {

QString json(const QJsonValue &value)
{
    return PayloadMatch::compactJson(value);
}

// Artillery's JSONPath (jsonpath-plus) over the list of an ack's or an event's arguments.
QString artilleryPath(const JsonPath &path)
{
    QString out = QStringLiteral("$");
    for (const JsonPath::Segment &segment : path.segments()) {
        if (segment.index >= 0)
            out += QStringLiteral("[%1]").arg(segment.index);
        else
            out += QStringLiteral("[%1]").arg(
                json(segment.key).replace(QLatin1Char('"'), QLatin1Char('\'')));
    }
    return out;
}

bool holdsBinary(const QJsonValue &value)
{
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        if (object.size() == 1 &&
            (object.contains(QLatin1String("$binary")) || object.contains(QLatin1String("$file"))))
            return true;
        for (const QJsonValue &member : object)
            if (holdsBinary(member))
                return true;
    } else if (value.isArray()) {
        for (const QJsonValue &item : value.toArray())
            if (holdsBinary(item))
                return true;
    }
    return false;
}

// A subset expectation as JSONPath matches of its scalar leaves.
void leafMatches(const QJsonValue &expected, const JsonPath &path,
                 QList<QPair<QString, QJsonValue>> *out)
{
    if (expected.isArray()) {
        const QJsonArray array = expected.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            leafMatches(array.at(i), path.item(i), out);
    } else if (expected.isObject()) {
        const QJsonObject object = expected.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            leafMatches(it.value(), path.member(it.key()), out);
    } else {
        out->append({artilleryPath(path), expected});
    }
}

class Writer
{
public:
    Writer(const Scenario &scenario, const ScenarioVariables &variables, QString client)
        : m_variables(variables)
        , m_client(std::move(client))
    {
        // Captured values are Artillery's at run time: a reference to one stays a reference.
        collectCaptures(scenario.steps);
        for (const QString &name : std::as_const(m_captureNames))
            m_variables.capture(name, QStringLiteral("{{ %1 }}").arg(name));
        // A virtual user's number comes from config.variables (write() adds it when used):
        // Artillery gives each new virtual user the next value of the list.
        for (const char *name : {"vu", "iteration"})
            m_variables.capture(QLatin1String(name),
                                QStringLiteral("{{ %1 }}").arg(QLatin1String(name)));
    }

    bool steps(const QList<ScenarioStep> &steps, int indent, QString *out, QString *error);
    QStringList notes;

private:
    void collectCaptures(const QList<ScenarioStep> &steps);
    void note(const ScenarioStep &step, const QString &why, int indent, QString *out);
    bool emitStep(const ScenarioStep &step, const ScenarioStep *response, int indent, QString *out,
                  QString *error);
    bool substitute(const QJsonValue &value, QJsonValue *out, QString *error) const;

    ScenarioVariables m_variables;
    QString m_client;
    QStringList m_captureNames;
};

void Writer::collectCaptures(const QList<ScenarioStep> &steps)
{
    for (const ScenarioStep &step : steps) {
        for (const auto &capture : step.payload.captures)
            m_captureNames.append(capture.first);
        for (const auto &capture : step.ack.captures)
            m_captureNames.append(capture.first);
        collectCaptures(step.steps);
    }
}

bool Writer::substitute(const QJsonValue &value, QJsonValue *out, QString *error) const
{
    return m_variables.substitute(value, out, error);
}

void Writer::note(const ScenarioStep &step, const QString &why, int indent, QString *out)
{
    const QString text =
        QStringLiteral("%1 (%2): %3").arg(step.label(), step.where.toString(), why);
    notes.append(text);
    *out += QStringLiteral("%1# not expressed: %2\n").arg(QString(indent, QLatin1Char(' ')), text);
}

bool Writer::emitStep(const ScenarioStep &step, const ScenarioStep *response, int indent,
                      QString *out, QString *error)
{
    const QString pad(indent, QLatin1Char(' '));
    QJsonValue args;
    if (!substitute(step.args, &args, error))
        return false;
    // The engine's script schema takes `[event, strings...]` or `{channel, data}` (one
    // argument of any type).
    const QJsonArray list = args.toArray();
    if (list.size() == 1) {
        *out += QStringLiteral("%1- emit:\n%1    channel: %2\n%1    data: %3\n")
                    .arg(pad, json(step.event), json(list.first()));
    } else {
        QJsonArray outgoing{step.event};
        for (const QJsonValue &arg : list)
            outgoing.append(arg);
        *out += QStringLiteral("%1- emit: %2\n").arg(pad, json(outgoing));
    }
    if (step.nsp != QLatin1String("/"))
        *out += QStringLiteral("%1  namespace: %2\n").arg(pad, json(step.nsp));
    if (step.ackExpected) {
        *out += QStringLiteral("%1  acknowledge:\n").arg(pad);
        const PayloadExpectation &ack = step.ack;
        bool wrote = false;
        if (!ack.any) {
            QJsonValue expected;
            if (!substitute(ack.expected, &expected, error))
                return false;
            if (ack.mode == MatchMode::Exact) {
                *out += QStringLiteral("%1    args: %2\n").arg(pad, json(expected));
                wrote = true;
            } else if (ack.mode == MatchMode::Subset) {
                QList<QPair<QString, QJsonValue>> matches;
                leafMatches(expected, JsonPath(QStringLiteral("args")), &matches);
                if (!matches.isEmpty()) {
                    *out += QStringLiteral("%1    match:\n").arg(pad);
                    for (const auto &[path, value] : std::as_const(matches))
                        *out += QStringLiteral("%1      - {json: %2, value: %3}\n")
                                    .arg(pad, json(path), json(value));
                    wrote = true;
                }
            } else {
                notes.append(QStringLiteral("%1 (%2): the ack's %3 match; Artillery checks only "
                                            "that an ack came")
                                 .arg(step.label(), step.where.toString(),
                                      PayloadMatch::modeName(ack.mode)));
                *out += QStringLiteral("%1    # the ack's %2 match is not expressed: any ack "
                                       "passes\n")
                            .arg(pad, PayloadMatch::modeName(ack.mode));
            }
        }
        if (!ack.captures.isEmpty()) {
            *out += QStringLiteral("%1    capture:\n").arg(pad);
            for (const auto &[name, path] : ack.captures)
                *out += QStringLiteral("%1      - {json: %2, as: %3}\n")
                            .arg(pad, json(artilleryPath(path)), json(name));
            wrote = true;
        }
        if (!wrote)
            *out += QStringLiteral("%1    {}\n").arg(pad); // an ack must come, any payload
    }
    if (response) {
        *out +=
            QStringLiteral("%1  response:\n%1    channel: %2\n").arg(pad, json(response->event));
        if (!response->payload.any) {
            QJsonValue expected;
            if (!substitute(response->payload.expected, &expected, error))
                return false;
            *out += QStringLiteral("%1    args: %2\n").arg(pad, json(expected));
        }
        if (!response->payload.captures.isEmpty()) {
            *out += QStringLiteral("%1    capture:\n").arg(pad);
            for (const auto &[name, path] : response->payload.captures)
                *out += QStringLiteral("%1      - {json: %2, as: %3}\n")
                            .arg(pad, json(artilleryPath(path)), json(name));
        }
    }
    return true;
}

bool Writer::steps(const QList<ScenarioStep> &steps, int indent, QString *out, QString *error)
{
    const QString pad(indent, QLatin1Char(' '));
    for (qsizetype i = 0; i < steps.size(); ++i) {
        const ScenarioStep &step = steps.at(i);
        if (!step.client.isEmpty() && step.client != m_client) {
            note(step, QStringLiteral("a step of another client"), indent, out);
            continue;
        }
        switch (step.kind) {
        case ScenarioStep::Kind::Emit: {
            if (holdsBinary(step.args)) {
                note(step,
                     QStringLiteral("binary arguments ($binary, $file) have no YAML form "
                                    "in Artillery"),
                     indent, out);
                continue;
            }
            if (step.args.size() > 1 &&
                !std::all_of(step.args.begin(), step.args.end(),
                             [](const QJsonValue &arg) { return arg.isString(); })) {
                note(step, QStringLiteral("Artillery's emit takes one argument, or only strings"),
                     indent, out);
                continue;
            }
            // An exact expectation right after it, on its namespace, is the emit's `response`
            // (the engine listens for one event after the emit, and cannot with an ack too).
            const ScenarioStep *response = nullptr;
            if (!step.ackExpected && i + 1 < steps.size()) {
                const ScenarioStep &next = steps.at(i + 1);
                if (next.kind == ScenarioStep::Kind::Expect && !next.replyGiven &&
                    next.nsp == step.nsp && (next.client.isEmpty() || next.client == m_client) &&
                    (next.payload.any || next.payload.mode == MatchMode::Exact) &&
                    !holdsBinary(next.payload.expected))
                    response = &next;
            }
            if (!emitStep(step, response, indent, out, error))
                return false;
            if (response)
                ++i;
            break;
        }
        case ScenarioStep::Kind::Wait:
            *out += QStringLiteral("%1- think: %2\n").arg(pad).arg(step.withinMs / 1000.0);
            break;
        case ScenarioStep::Kind::Repeat:
            if (step.hasUntil) {
                note(step, QStringLiteral("repeat until has no equal; the steps run once"), indent,
                     out);
                if (!this->steps(step.steps, indent, out, error))
                    return false;
                break;
            }
            *out += QStringLiteral("%1- count: %2\n%1  loop:\n").arg(pad).arg(step.count);
            if (!this->steps(step.steps, indent + 4, out, error))
                return false;
            break;
        case ScenarioStep::Kind::Join:
            *out += QStringLiteral("%1# %2: Artillery connects a namespace at its first emit\n")
                        .arg(pad, step.label());
            break;
        case ScenarioStep::Kind::Expect:
            note(step,
                 step.replyGiven
                     ? QStringLiteral("the engine cannot answer the server's ack requests")
                     : QStringLiteral("the engine expects an event only right after an emit on "
                                      "its namespace, matched exactly, and without an ack"),
                 indent, out);
            break;
        case ScenarioStep::Kind::ExpectNone:
        case ScenarioStep::Kind::AnyOrder:
        case ScenarioStep::Kind::ConnectError:
        case ScenarioStep::Kind::Disconnect:
        case ScenarioStep::Kind::Close:
        case ScenarioStep::Kind::Leave:
            note(step, QStringLiteral("the engine has no such step"), indent, out);
            break;
        }
    }
    return true;
}

} // namespace

bool ArtilleryExport::write(const Scenario &scenario, const ScenarioVariables &variables,
                            const ArtilleryExportOptions &options, QByteArray *yaml,
                            QStringList *notes, QString *error)
{
    const ScenarioClient *client = nullptr;
    if (!options.client.isEmpty()) {
        client = scenario.findClient(options.client);
        if (!client) {
            *error = QStringLiteral("the scenario has no client %1").arg(options.client);
            return false;
        }
    } else if (scenario.clients.size() == 1) {
        client = &scenario.clients.first();
    } else {
        QStringList names;
        for (const ScenarioClient &c : scenario.clients)
            names.append(c.name);
        *error = QStringLiteral("the scenario has %1 clients (%2): Artillery's virtual users do "
                                "not know each other; choose one with --client")
                     .arg(scenario.clients.size())
                     .arg(names.join(QLatin1String(", ")));
        return false;
    }
    Writer writer(scenario, variables, client->name);
    QString urlText;
    if (!variables.substituteText(client->urlTemplate, &urlText, error))
        return false;
    const QUrl url(urlText);
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https") &&
         url.scheme() != QLatin1String("ws") && url.scheme() != QLatin1String("wss"))) {
        *error = QStringLiteral("the URL %1 is not an http(s) or ws(s) URL").arg(urlText);
        return false;
    }
    QString out;
    out += QStringLiteral("# Written by sioscope-cli scenario export-artillery from %1 (%2).\n"
                          "# Run it with: npx artillery run <this file>\n")
               .arg(scenario.where.file, scenario.name);
    out += QStringLiteral("config:\n  target: %1\n")
               .arg(json(url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment)
                             .toString()));
    out += QStringLiteral("  phases:\n    - duration: %1\n      arrivalCount: %2\n")
               .arg(std::max(1.0, options.phaseSeconds))
               .arg(options.arrivals);
    QString socketio;
    const QString path = client->options.engine.path;
    if (!path.isEmpty() && path != QLatin1String("/socket.io/") &&
        path != QLatin1String("/socket.io"))
        socketio += QStringLiteral("    path: %1\n").arg(json(path));
    if (client->options.engine.transports == EngineIoOptions::Transports::WebSocketOnly)
        socketio += QStringLiteral("    transports: [\"websocket\"]\n");
    else if (client->options.engine.transports == EngineIoOptions::Transports::PollingOnly)
        socketio += QStringLiteral("    transports: [\"polling\"]\n");
    if (!client->queryTemplates.isEmpty()) {
        socketio += QStringLiteral("    query:\n");
        for (const auto &[key, valueTemplate] : client->queryTemplates) {
            QString value;
            if (!variables.substituteText(valueTemplate, &value, error))
                return false;
            socketio += QStringLiteral("      %1: %2\n").arg(json(key), json(value));
        }
    }
    if (!client->headerTemplates.isEmpty()) {
        socketio += QStringLiteral("    extraHeaders:\n");
        for (const auto &[name, valueTemplate] : client->headerTemplates) {
            QString value;
            if (!variables.substituteText(valueTemplate, &value, error))
                return false;
            socketio +=
                QStringLiteral("      %1: %2\n").arg(json(QString::fromLatin1(name)), json(value));
        }
    }
    for (const auto &[nsp, authTemplate] : client->namespaces) {
        if (authTemplate.isNull() || authTemplate.isUndefined() ||
            (authTemplate.isObject() && authTemplate.toObject().isEmpty()))
            continue;
        QJsonValue auth;
        if (!variables.substitute(authTemplate, &auth, error))
            return false;
        // socket.io-client sends one auth for every namespace of a manager.
        socketio += QStringLiteral("    auth: %1\n").arg(json(auth));
        if (client->namespaces.size() > 1)
            writer.notes.append(
                QStringLiteral("the auth of %1 is sent on every namespace (the engine "
                               "has one auth)")
                    .arg(nsp));
        break;
    }
    if (!socketio.isEmpty())
        out += QStringLiteral("  socketio:\n") + socketio;
    if (client->options.engine.version == EngineIoOptions::Version::V3)
        writer.notes.append(QStringLiteral("the client is Engine.IO v3 (socket.io 2); Artillery's "
                                           "socket.io-client 4 reaches such a server only if it "
                                           "sets allowEIO3"));
    QString flow;
    if (!writer.steps(scenario.steps, 6, &flow, error))
        return false;
    QString perUser;
    if (flow.contains(QLatin1String("{{ vu }}"))) {
        QJsonArray numbers;
        for (int i = 0; i < options.arrivals; ++i)
            numbers.append(i);
        perUser += QStringLiteral("    vu: %1\n").arg(json(numbers));
    }
    if (flow.contains(QLatin1String("{{ iteration }}")))
        perUser += QStringLiteral("    iteration: [0]\n"); // each Artillery user runs once
    if (!perUser.isEmpty())
        out += QStringLiteral("  variables:\n") + perUser;
    out += QStringLiteral("scenarios:\n  - name: %1\n    engine: socketio\n    flow:\n")
               .arg(json(scenario.name));
    if (!flow.contains(QLatin1String("- emit:")) && !flow.contains(QLatin1String("- think:")))
        flow += QStringLiteral("      - think: 0 # nothing of the scenario could be expressed\n");
    out += flow;
    *notes = writer.notes;
    *yaml = out.toUtf8();
    return true;
}
