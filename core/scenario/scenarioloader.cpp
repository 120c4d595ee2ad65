#include "scenario/scenarioloader.h"

#include "scenario/scenariovariables.h"
#include "scenario/yamldocument.h"
#include "socketio/socketiopacket.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUrl>

#include <cmath>
#include <optional>

namespace {
constexpr int MaxTimeoutMs = 3600 * 1000;
constexpr int MaxRepeatCount = 1000000;

// The reader unwinds on the first mistake with this (yaml-cpp reports its own the same way);
// load() turns it into the ScenarioError.
struct LoadFailure
{
    ScenarioError error;
};

// A plain scalar by the YAML 1.2 core schema: null, a boolean or a number; nothing for a string.
// Compared directly rather than with regular expressions: every scalar of every file comes here.
std::optional<QJsonValue> plainScalar(const QString &value)
{
    if (value.isEmpty() || value == QLatin1String("~") || value == QLatin1String("null") ||
        value == QLatin1String("Null") || value == QLatin1String("NULL"))
        return QJsonValue(QJsonValue::Null);
    if (value == QLatin1String("true") || value == QLatin1String("True") ||
        value == QLatin1String("TRUE"))
        return QJsonValue(true);
    if (value == QLatin1String("false") || value == QLatin1String("False") ||
        value == QLatin1String("FALSE"))
        return QJsonValue(false);
    const QChar first = value.front();
    if (!first.isDigit() && first != u'-' && first != u'+' && first != u'.')
        return std::nullopt;
    static const QRegularExpression number(
        QStringLiteral("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$"));
    if (!number.match(value).hasMatch())
        return std::nullopt;
    bool ok = false;
    const double d = value.toDouble(&ok);
    if (ok && std::isfinite(d))
        return QJsonValue(d);
    return std::nullopt;
}

// Turns YAML nodes into the model. Every message names the node it is about.
class Reader
{
public:
    Reader(QString fileName, QSet<QString> known)
        : m_file(std::move(fileName))
        , m_known(std::move(known))
    {
    }

    SourceLocation at(const YamlNode &node) const { return {m_file, node.line(), node.column()}; }

    [[noreturn]] void fail(const YamlNode &node, const QString &message) const
    {
        throw LoadFailure{{at(node), message}};
    }

    static const QString &text(const YamlNode &node) { return node.scalar(); }

    // A value as JSON, by the YAML core schema: a plain scalar is null, a boolean, a number or
    // a string; a quoted one is always a string. Every {{reference}} in a string must be known.
    QJsonValue json(const YamlNode &node, bool checkReferences = true)
    {
        switch (node.type()) {
        case YamlNode::Type::Null:
        case YamlNode::Type::Undefined:
            return QJsonValue::Null;
        case YamlNode::Type::Scalar: {
            const QString value = text(node);
            if (!node.isString()) // plain
                if (const std::optional<QJsonValue> typed = plainScalar(value))
                    return *typed;
            if (checkReferences)
                checkText(node, value);
            return value;
        }
        case YamlNode::Type::Sequence: {
            QJsonArray array;
            for (const YamlNode &item : node.items())
                array.append(json(item, checkReferences));
            return array;
        }
        case YamlNode::Type::Map: {
            QJsonObject object;
            for (auto it = node.entries().begin(); it != node.entries().end(); ++it) {
                const QString key = scalarKey(it->first);
                if (object.contains(key))
                    fail(it->first, QStringLiteral("\"%1\" is given twice").arg(key));
                object.insert(key, json(it->second, checkReferences));
            }
            return object;
        }
        }
        return QJsonValue::Null;
    }

    QString scalarKey(const YamlNode &key) const
    {
        if (!key.isScalar())
            fail(key, QStringLiteral("a key must be a plain name"));
        return text(key);
    }

    void checkText(const YamlNode &node, const QString &value) const
    {
        for (const QString &name : ScenarioVariables::references(value))
            if (!m_known.contains(name))
                fail(node, QStringLiteral("undefined variable \"%1\": define it with --var "
                                          "%1=<value>, in the --env file, under `variables:`, "
                                          "or capture it in an earlier step")
                               .arg(name));
    }

    QString string(const YamlNode &node, const QString &what)
    {
        if (!node.isScalar())
            fail(node, QStringLiteral("%1 must be a string").arg(what));
        const QString value = text(node);
        checkText(node, value);
        return value;
    }

    bool boolean(const YamlNode &node, const QString &what)
    {
        const QJsonValue value = json(node, false);
        if (!value.isBool())
            fail(node, QStringLiteral("%1 must be true or false").arg(what));
        return value.toBool();
    }

    // Milliseconds: a number, or a string with a unit: "250ms", "2s", "1.5s", "1m".
    int duration(const YamlNode &node, const QString &what)
    {
        static const QRegularExpression pattern(
            QStringLiteral("^\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(ms|s|m)?\\s*$"));
        const QRegularExpressionMatch match =
            node.isScalar() ? pattern.match(text(node)) : QRegularExpressionMatch();
        if (!match.hasMatch())
            fail(node, QStringLiteral("%1 must be a duration: milliseconds (500), or with a "
                                      "unit (500ms, 2s, 1m)")
                           .arg(what));
        const QString unit = match.captured(2);
        const double factor = unit == QLatin1String("s")   ? 1000.0
                              : unit == QLatin1String("m") ? 60000.0
                                                           : 1.0;
        const double ms = match.captured(1).toDouble() * factor;
        if (ms > MaxTimeoutMs)
            fail(node, QStringLiteral("%1 must be at most one hour").arg(what));
        return int(std::lround(ms));
    }

    int count(const YamlNode &node, const QString &what, int min)
    {
        const QJsonValue value = json(node, false);
        const double d = value.toDouble(-1);
        if (!value.isDouble() || d != std::floor(d) || d < min || d > MaxRepeatCount)
            fail(node, QStringLiteral("%1 must be a whole number from %2 to %3")
                           .arg(what)
                           .arg(min)
                           .arg(MaxRepeatCount));
        return int(d);
    }

    // A URL without {{variables}} is checked now; one with them when the run substitutes them.
    QString serverUrl(const YamlNode &node)
    {
        const QString text = string(node, QStringLiteral("url"));
        QUrl url;
        QString error;
        if (ScenarioVariables::references(text).isEmpty() &&
            !EngineIoOptions::parseServerUrl(text, &url, &error))
            fail(node, error);
        return text;
    }

    QString namespaceName(const YamlNode &node)
    {
        const QString name = string(node, QStringLiteral("a namespace"));
        if (name.contains(QLatin1Char(',')) || name.contains(QLatin1Char('?')))
            fail(node, QStringLiteral("a namespace name cannot hold ',' or '?'"));
        return SocketIoPacket::normalizedNamespace(name);
    }

    // Only `allowed` keys, each once (the map reader already refused duplicates).
    void checkKeys(const YamlNode &map, const QStringList &allowed, const QString &what)
    {
        QSet<QString> seen;
        for (auto it = map.entries().begin(); it != map.entries().end(); ++it) {
            const QString key = scalarKey(it->first);
            if (seen.contains(key))
                fail(it->first, QStringLiteral("\"%1\" is given twice").arg(key));
            seen.insert(key);
            if (!allowed.contains(key))
                fail(it->first, QStringLiteral("unknown key \"%1\" in %2; expected one of: %3")
                                    .arg(key, what, allowed.join(QStringLiteral(", "))));
        }
    }

    Scenario scenario(const YamlNode &root);

private:
    void variables(const YamlNode &node, Scenario *scenario);
    ScenarioClient client(const QString &name, const YamlNode &node);
    QList<ScenarioStep> steps(const YamlNode &node, const QString &what);
    ScenarioStep readStep(const YamlNode &node);
    void stepClient(const YamlNode &node, ScenarioStep *step);
    PayloadExpectation expectation(const YamlNode &map, const YamlNode &argsNode,
                                   const QString &root);
    void captures(const YamlNode &node, PayloadExpectation *expectation);
    QJsonArray emitArguments(const YamlNode &node);

    QString m_file;
    QSet<QString> m_known;
    const Scenario *m_scenario = nullptr; // the clients, read before the steps
};

Scenario Reader::scenario(const YamlNode &root)
{
    if (!root.isMap())
        fail(root, QStringLiteral("a scenario is a mapping with `clients:` (or `url:`) and "
                                  "`steps:`"));
    checkKeys(root,
              {QStringLiteral("name"), QStringLiteral("variables"), QStringLiteral("timeout"),
               QStringLiteral("clients"), QStringLiteral("url"), QStringLiteral("client"),
               QStringLiteral("steps")},
              QStringLiteral("a scenario"));
    Scenario scenario;
    m_scenario = &scenario;
    scenario.where = at(root);
    if (const YamlNode &name = root["name"])
        scenario.name = string(name, QStringLiteral("name"));
    if (const YamlNode &node = root["variables"])
        variables(node, &scenario);
    if (const YamlNode &node = root["timeout"])
        scenario.defaultTimeoutMs = duration(node, QStringLiteral("timeout"));

    const YamlNode &clients = root["clients"];
    const YamlNode &url = root["url"];
    if (clients && url)
        fail(url, QStringLiteral("give either `url:` (one client) or `clients:`, not both"));
    if (url) {
        // One client, named "client", with its options beside the URL under `client:`.
        const YamlNode noOptions(YamlNode::Type::Map);
        const YamlNode *options = &noOptions;
        if (const YamlNode &given = root["client"]) {
            if (!given.isMap())
                fail(given, QStringLiteral("`client:` must be a mapping of options"));
            if (given["url"])
                fail(given["url"], QStringLiteral("the URL is given by `url:` already"));
            options = &given;
        }
        ScenarioClient client = this->client(QStringLiteral("client"), *options);
        client.urlTemplate = serverUrl(url);
        client.where = at(url);
        scenario.clients.append(client);
    } else if (clients) {
        if (root["client"])
            fail(root["client"], QStringLiteral("`client:` goes with `url:`; under `clients:` "
                                                "each client has its own options"));
        if (!clients.isMap() || clients.size() == 0)
            fail(clients, QStringLiteral("`clients:` must map each client's name to its "
                                         "options, e.g. alice: {url: http://localhost:3000}"));
        for (auto it = clients.entries().begin(); it != clients.entries().end(); ++it) {
            const QString name = scalarKey(it->first);
            static const QRegularExpression namePattern(QStringLiteral("^[A-Za-z0-9_.\\-]+$"));
            if (!namePattern.match(name).hasMatch())
                fail(it->first, QStringLiteral("a client's name is letters, digits, '_', '-' "
                                               "and '.', got \"%1\"")
                                    .arg(name));
            if (scenario.findClient(name))
                fail(it->first, QStringLiteral("client \"%1\" is given twice").arg(name));
            if (!it->second.isMap() || !it->second["url"])
                fail(it->second, QStringLiteral("client \"%1\" needs a `url:`").arg(name));
            ScenarioClient client = this->client(name, it->second);
            client.urlTemplate = serverUrl(it->second["url"]);
            client.where = at(it->first);
            scenario.clients.append(client);
        }
    } else {
        fail(root, QStringLiteral("a scenario needs `url:` (one client) or `clients:`"));
    }

    const YamlNode &steps = root["steps"];
    if (!steps)
        fail(root, QStringLiteral("a scenario needs `steps:`"));
    scenario.steps = this->steps(steps, QStringLiteral("steps"));
    if (scenario.name.isEmpty())
        scenario.name = QFileInfo(m_file).completeBaseName();
    m_scenario = nullptr;
    return scenario;
}

void Reader::variables(const YamlNode &node, Scenario *scenario)
{
    if (!node.isMap())
        fail(node, QStringLiteral("`variables:` must map names to values"));
    for (auto it = node.entries().begin(); it != node.entries().end(); ++it) {
        const QString name = scalarKey(it->first);
        if (!ScenarioVariables::isVariableName(name))
            fail(it->first, QStringLiteral("\"%1\" is not a variable name (letters, digits, '_', "
                                           "'-' and '.', starting with a letter or '_')")
                                .arg(name));
        scenario->variables.insert(name, json(it->second));
        m_known.insert(name);
    }
}

ScenarioClient Reader::client(const QString &name, const YamlNode &node)
{
    checkKeys(node,
              {QStringLiteral("url"), QStringLiteral("namespaces"), QStringLiteral("auth"),
               QStringLiteral("headers"), QStringLiteral("query"), QStringLiteral("path"),
               QStringLiteral("transport"), QStringLiteral("eio"), QStringLiteral("parser"),
               QStringLiteral("connect"), QStringLiteral("ca"), QStringLiteral("insecure"),
               QStringLiteral("cert"), QStringLiteral("key"), QStringLiteral("proxy"),
               QStringLiteral("origin"), QStringLiteral("connect_timeout")},
              QStringLiteral("client \"%1\"").arg(name));
    ScenarioClient client;
    client.name = name;
    SocketIoOptions &options = client.options;
    EngineIoOptions &engine = options.engine;
    // A scenario checks one session: a drop is a failure to report, not something to paper over.
    engine.reconnect.enabled = false;
    options.recoverState = false;
    options.ackTimeoutMs = 0; // each emit sets its own

    if (const YamlNode &path = node["path"])
        engine.path = string(path, QStringLiteral("path"));
    if (const YamlNode &transport = node["transport"]) {
        const QString value = string(transport, QStringLiteral("transport"));
        if (value == QLatin1String("websocket"))
            engine.transports = EngineIoOptions::Transports::WebSocketOnly;
        else if (value == QLatin1String("polling"))
            engine.transports = EngineIoOptions::Transports::PollingOnly;
        else if (value != QLatin1String("auto"))
            fail(transport, QStringLiteral("transport must be auto, websocket or polling"));
    }
    engine.version = EngineIoOptions::Version::V4;
    if (const YamlNode &eio = node["eio"]) {
        const QJsonValue value = json(eio, false);
        if (value == QJsonValue(3))
            engine.version = EngineIoOptions::Version::V3;
        else if (value != QJsonValue(4))
            fail(eio, QStringLiteral("eio must be 3 or 4"));
    }
    if (const YamlNode &parser = node["parser"];
        parser &&
        !SocketIoParser::kindFromName(string(parser, QStringLiteral("parser")), &options.parser))
        fail(parser, QStringLiteral("parser must be auto, default or msgpack"));
    if (options.parser == SocketIoParser::Kind::Msgpack &&
        engine.version == EngineIoOptions::Version::V3)
        fail(node["parser"], QStringLiteral("the msgpack parser speaks Socket.IO v5: eio 4"));
    if (const YamlNode &connect = node["connect"])
        client.connectAtStart = boolean(connect, QStringLiteral("connect"));
    if (const YamlNode &timeout = node["connect_timeout"])
        engine.connectTimeoutMs = duration(timeout, QStringLiteral("connect_timeout"));
    if (const YamlNode &ca = node["ca"])
        engine.caFile = string(ca, QStringLiteral("ca"));
    if (const YamlNode &insecure = node["insecure"])
        engine.ignoreSslErrors = boolean(insecure, QStringLiteral("insecure"));
    if (const YamlNode &cert = node["cert"])
        engine.clientCertificateFile = string(cert, QStringLiteral("cert"));
    if (const YamlNode &key = node["key"]) {
        if (!node["cert"])
            fail(key, QStringLiteral("key goes with cert"));
        engine.clientKeyFile = string(key, QStringLiteral("key"));
    }
    if (const YamlNode &origin = node["origin"])
        engine.origin = string(origin, QStringLiteral("origin")).toUtf8();
    if (const YamlNode &proxy = node["proxy"]) {
        const QString value = string(proxy, QStringLiteral("proxy"));
        if (value == QLatin1String("none")) {
            engine.proxy.mode = ProxySetting::Mode::None;
        } else if (value != QLatin1String("environment")) {
            QString error;
            if (!ProxySetting::parseUrl(value, &engine.proxy.url, &error))
                fail(proxy, error);
            engine.proxy.mode = ProxySetting::Mode::Url;
        }
    }
    if (const YamlNode &headers = node["headers"]) {
        if (!headers.isMap())
            fail(headers, QStringLiteral("headers must map names to values"));
        for (auto it = headers.entries().begin(); it != headers.entries().end(); ++it)
            client.headerTemplates.append(
                {scalarKey(it->first).toUtf8(), string(it->second, QStringLiteral("a header"))});
    }
    if (const YamlNode &query = node["query"]) {
        if (!query.isMap())
            fail(query, QStringLiteral("query must map keys to values"));
        for (auto it = query.entries().begin(); it != query.entries().end(); ++it)
            client.queryTemplates.append(
                {scalarKey(it->first), string(it->second, QStringLiteral("a query value"))});
    }

    const YamlNode &auth = node["auth"];
    if (auth && !auth.isMap())
        fail(auth, QStringLiteral("auth must be a mapping (the CONNECT payload of \"/\")"));
    if (const YamlNode &namespaces = node["namespaces"]) {
        if (!namespaces.isSequence() || namespaces.size() == 0)
            fail(namespaces, QStringLiteral("namespaces must be a list, e.g. [/, /chat] or "
                                            "[{name: /admin, auth: {token: x}}]"));
        for (const YamlNode &item : namespaces.items()) {
            QString nsp;
            QJsonValue nspAuth;
            if (item.isMap()) {
                checkKeys(item, {QStringLiteral("name"), QStringLiteral("auth")},
                          QStringLiteral("a namespace"));
                if (!item["name"])
                    fail(item, QStringLiteral("a namespace needs a `name:`"));
                nsp = namespaceName(item["name"]);
                if (const YamlNode &a = item["auth"]) {
                    if (!a.isMap())
                        fail(a, QStringLiteral("auth must be a mapping"));
                    nspAuth = json(a);
                }
            } else {
                nsp = namespaceName(item);
            }
            for (const auto &[existing, unused] : std::as_const(client.namespaces))
                if (existing == nsp)
                    fail(item, QStringLiteral("namespace %1 is given twice").arg(nsp));
            client.namespaces.append({nsp, nspAuth});
        }
    } else {
        client.namespaces.append({QStringLiteral("/"), QJsonValue()});
    }
    if (auth) {
        bool found = false;
        for (auto &[nsp, nspAuth] : client.namespaces)
            if (nsp == QLatin1String("/")) {
                if (!nspAuth.isUndefined() && !nspAuth.isNull())
                    fail(auth, QStringLiteral("the auth of \"/\" is given twice"));
                nspAuth = json(auth);
                found = true;
            }
        if (!found)
            fail(auth, QStringLiteral("auth is the payload of \"/\", which is not among the "
                                      "namespaces; give it in the namespace's entry"));
    }
    return client;
}

QList<ScenarioStep> Reader::steps(const YamlNode &node, const QString &what)
{
    if (!node.isSequence() || node.size() == 0)
        fail(node, QStringLiteral("`%1:` must be a non-empty list of steps").arg(what));
    QList<ScenarioStep> steps;
    for (const YamlNode &item : node.items())
        steps.append(readStep(item));
    return steps;
}

void Reader::stepClient(const YamlNode &node, ScenarioStep *step)
{
    if (const YamlNode &client = node["client"]) {
        step->client = string(client, QStringLiteral("client"));
        if (!m_scenario->findClient(step->client)) {
            QStringList names;
            for (const ScenarioClient &c : m_scenario->clients)
                names.append(c.name);
            fail(client, QStringLiteral("no client is named \"%1\"; the clients are: %2")
                             .arg(step->client, names.join(QStringLiteral(", "))));
        }
    } else if (m_scenario->clients.size() == 1) {
        step->client = m_scenario->clients.first().name;
    } else {
        fail(node, QStringLiteral("this step needs `client:`: the scenario has several clients"));
    }
    if (const YamlNode &nsp = node["nsp"])
        step->nsp = namespaceName(nsp);
}

void Reader::captures(const YamlNode &node, PayloadExpectation *expectation)
{
    if (!node.isMap())
        fail(node, QStringLiteral("capture must map variable names to JSON paths, e.g. "
                                  "{userId: \"args[0].id\"}"));
    for (auto it = node.entries().begin(); it != node.entries().end(); ++it) {
        const QString name = scalarKey(it->first);
        if (!ScenarioVariables::isVariableName(name))
            fail(it->first, QStringLiteral("\"%1\" is not a variable name").arg(name));
        if (!it->second.isScalar())
            fail(it->second, QStringLiteral("a capture's path must be a string like args[0].id"));
        JsonPath path;
        QString error;
        qsizetype offset = 0;
        if (!JsonPath::parse(text(it->second), &path, &error, &offset)) {
            SourceLocation where = at(it->second);
            if (!it->second.isString()) // plain: the offset maps onto the line
                where.column += int(offset);
            throw LoadFailure{
                {where, QStringLiteral("bad JSON path \"%1\": %2").arg(text(it->second), error)}};
        }
        if (path.root() != QLatin1String("args"))
            fail(
                it->second,
                QStringLiteral("a capture's path starts with args (the payload), e.g. args[0].id"));
        expectation->captures.append({name, path});
    }
    // Known from here on, in document order.
    for (const auto &[name, path] : std::as_const(expectation->captures))
        m_known.insert(name);
}

// `args:` (matched with `match:`, default exact) or `schema:` (a JSON Schema of the payload).
PayloadExpectation Reader::expectation(const YamlNode &map, const YamlNode &argsNode,
                                       const QString &root)
{
    PayloadExpectation expectation;
    const YamlNode &schema = map["schema"];
    const YamlNode &match = map["match"];
    if (argsNode && schema)
        fail(schema, QStringLiteral("give `args:` or `schema:`, not both"));
    if (match) {
        if (!PayloadMatch::modeFromName(string(match, QStringLiteral("match")), &expectation.mode))
            fail(match, QStringLiteral("match must be exact, subset, regex or schema"));
        if (!argsNode && !schema)
            fail(match, QStringLiteral("match needs `args:` to compare with"));
    }
    if (schema) {
        expectation.any = false;
        expectation.mode = MatchMode::Schema;
        expectation.expected = json(schema);
    } else if (argsNode) {
        expectation.any = false;
        expectation.expected = json(argsNode);
        if (expectation.mode != MatchMode::Schema && !expectation.expected.isArray())
            fail(argsNode, QStringLiteral("args must be a list: the arguments after the event "
                                          "name (or the ack's payload)"));
    }
    if (!expectation.any) {
        QString error;
        if (!PayloadMatch::validate(expectation.expected, expectation.mode, JsonPath(root), &error))
            fail(schema ? schema : argsNode, error);
    }
    if (const YamlNode &capture = map["capture"])
        captures(capture, &expectation);
    return expectation;
}

// Binary arguments are {"$binary": "<base64>"} or {"$file": "<path>"}; the runner makes them
// attachments.
QJsonArray Reader::emitArguments(const YamlNode &node)
{
    const QJsonValue args = json(node);
    if (!args.isArray())
        fail(node, QStringLiteral("args must be a list of the event's arguments"));
    return args.toArray();
}

ScenarioStep Reader::readStep(const YamlNode &node)
{
    static const QStringList kinds{QStringLiteral("emit"),
                                   QStringLiteral("expect"),
                                   QStringLiteral("not"),
                                   QStringLiteral("expect_connect_error"),
                                   QStringLiteral("expect_disconnect"),
                                   QStringLiteral("expect_close"),
                                   QStringLiteral("wait"),
                                   QStringLiteral("repeat"),
                                   QStringLiteral("any_order"),
                                   QStringLiteral("join"),
                                   QStringLiteral("leave"),
                                   QStringLiteral("connect"),
                                   QStringLiteral("disconnect")};
    if (!node.isMap())
        fail(node, QStringLiteral("a step is a mapping that starts with one of: %1")
                       .arg(kinds.join(QStringLiteral(", "))));
    QString kindName;
    const YamlNode *kindNode = nullptr;
    for (auto it = node.entries().begin(); it != node.entries().end(); ++it) {
        const QString key = scalarKey(it->first);
        if (!kinds.contains(key))
            continue;
        if (!kindName.isEmpty())
            fail(it->first, QStringLiteral("a step has one kind; this one has both \"%1\" and "
                                           "\"%2\"")
                                .arg(kindName, key));
        kindName = key;
        kindNode = &it->second;
    }
    if (kindName.isEmpty()) {
        const QString first =
            !node.entries().empty() ? scalarKey(node.entries().front().first) : QString();
        fail(node, QStringLiteral("unknown step%1; a step starts with one of: %2")
                       .arg(first.isEmpty() ? QString() : QStringLiteral(" \"%1\"").arg(first),
                            kinds.join(QStringLiteral(", "))));
    }

    const YamlNode &kindValue = *kindNode;
    ScenarioStep step;
    step.where = at(node);
    step.timeoutMs = m_scenario->defaultTimeoutMs;
    const auto keys = [&](QStringList allowed) {
        allowed.prepend(kindName);
        checkKeys(node, allowed, QStringLiteral("the %1 step").arg(kindName));
    };
    const auto eventName = [&] {
        const QString name = string(kindValue, QStringLiteral("the event name"));
        if (name.isEmpty())
            fail(kindValue, QStringLiteral("the event name is empty"));
        return name;
    };
    const QString client = QStringLiteral("client"), nsp = QStringLiteral("nsp"),
                  args = QStringLiteral("args"), match = QStringLiteral("match"),
                  schema = QStringLiteral("schema"), timeout = QStringLiteral("timeout"),
                  capture = QStringLiteral("capture");

    if (kindName == QLatin1String("emit")) {
        keys({client, nsp, args, QStringLiteral("ack"), timeout});
        step.kind = ScenarioStep::Kind::Emit;
        stepClient(node, &step);
        step.event = eventName();
        if (const YamlNode &a = node["args"])
            step.args = emitArguments(a);
        if (const YamlNode &t = node["timeout"])
            step.timeoutMs = duration(t, timeout);
        if (const YamlNode &ack = node["ack"]) {
            step.ackExpected = true;
            if (ack.isSequence()) { // the payload, matched exactly
                step.ack = expectation(YamlNode(YamlNode::Type::Map), ack, QStringLiteral("ack"));
            } else if (ack.isMap()) {
                checkKeys(ack, {args, match, schema, capture, timeout}, QStringLiteral("an ack"));
                step.ack = expectation(ack, ack["args"], QStringLiteral("ack"));
                if (const YamlNode &t = ack["timeout"])
                    step.timeoutMs = duration(t, timeout);
            } else if (!boolean(ack, QStringLiteral("ack"))) {
                step.ackExpected = false;
            }
        }
    } else if (kindName == QLatin1String("expect") || kindName == QLatin1String("not")) {
        const bool none = kindName == QLatin1String("not");
        if (none)
            keys({client, nsp, args, match, schema, QStringLiteral("within")});
        else
            keys({client, nsp, args, match, schema, timeout, capture, QStringLiteral("reply")});
        step.kind = none ? ScenarioStep::Kind::ExpectNone : ScenarioStep::Kind::Expect;
        stepClient(node, &step);
        step.event = eventName();
        step.payload = expectation(node, node["args"], args);
        if (none) {
            step.withinMs = 1000;
            if (const YamlNode &w = node["within"])
                step.withinMs = duration(w, QStringLiteral("within"));
        } else {
            if (const YamlNode &t = node["timeout"])
                step.timeoutMs = duration(t, timeout);
            if (const YamlNode &reply = node["reply"]) {
                const QJsonValue payload = json(reply);
                if (!payload.isArray())
                    fail(reply, QStringLiteral("reply must be a list: the ack's payload"));
                step.replyGiven = true;
                step.reply = payload.toArray();
            }
        }
    } else if (kindName == QLatin1String("expect_connect_error")) {
        keys({client, nsp, timeout});
        step.kind = ScenarioStep::Kind::ConnectError;
        stepClient(node, &step);
        if (kindValue.isScalar() && kindValue.isString())
            step.message = string(kindValue, QStringLiteral("the message"));
        else if (const QJsonValue v = json(kindValue, false); v.isString())
            step.message = string(kindValue, QStringLiteral("the message"));
        else if (v != QJsonValue(true) && !v.isNull())
            fail(kindValue, QStringLiteral("expect_connect_error takes the refusal's message, "
                                           "or true for any"));
        if (const YamlNode &t = node["timeout"])
            step.timeoutMs = duration(t, timeout);
    } else if (kindName == QLatin1String("expect_disconnect") ||
               kindName == QLatin1String("expect_close")) {
        const bool close = kindName == QLatin1String("expect_close");
        keys(close ? QStringList{client, timeout} : QStringList{client, nsp, timeout});
        step.kind = close ? ScenarioStep::Kind::Close : ScenarioStep::Kind::Disconnect;
        stepClient(node, &step);
        if (json(kindValue, false) != QJsonValue(true))
            fail(kindValue, QStringLiteral("%1 takes true").arg(kindName));
        if (const YamlNode &t = node["timeout"])
            step.timeoutMs = duration(t, timeout);
    } else if (kindName == QLatin1String("wait")) {
        keys({});
        step.kind = ScenarioStep::Kind::Wait;
        step.withinMs = duration(kindValue, QStringLiteral("wait"));
    } else if (kindName == QLatin1String("repeat")) {
        keys({QStringLiteral("steps"), QStringLiteral("until")});
        step.kind = ScenarioStep::Kind::Repeat;
        step.count = count(kindValue, QStringLiteral("repeat"), 1);
        if (!node["steps"])
            fail(node, QStringLiteral("repeat needs `steps:`"));
        step.steps = steps(node["steps"], QStringLiteral("steps"));
        if (const YamlNode &until = node["until"]) {
            if (!until.isMap() || !until["expect"])
                fail(until, QStringLiteral("until is an expect step, e.g. "
                                           "{expect: done, client: alice}"));
            ScenarioStep condition = readStep(until);
            if (condition.kind != ScenarioStep::Kind::Expect || condition.replyGiven)
                fail(until, QStringLiteral("until is an expect step without reply"));
            step.hasUntil = true;
            step.until = {condition};
        }
    } else if (kindName == QLatin1String("any_order")) {
        keys({timeout});
        step.kind = ScenarioStep::Kind::AnyOrder;
        step.steps = steps(kindValue, kindName);
        for (qsizetype i = 0; i < step.steps.size(); ++i)
            if (step.steps.at(i).kind != ScenarioStep::Kind::Expect)
                fail(kindValue[i], QStringLiteral("any_order holds expect steps only"));
        if (const YamlNode &t = node["timeout"])
            step.timeoutMs = duration(t, timeout);
    } else if (kindName == QLatin1String("join") || kindName == QLatin1String("leave")) {
        const bool join = kindName == QLatin1String("join");
        keys(join ? QStringList{client, QStringLiteral("auth"), timeout} : QStringList{client});
        step.kind = join ? ScenarioStep::Kind::Join : ScenarioStep::Kind::Leave;
        stepClient(node, &step);
        step.nsp = namespaceName(kindValue);
        if (const YamlNode &auth = node["auth"]) {
            if (!auth.isMap())
                fail(auth, QStringLiteral("auth must be a mapping"));
            step.auth = json(auth);
        }
        if (const YamlNode &t = node["timeout"])
            step.timeoutMs = duration(t, timeout);
    } else { // connect, disconnect: the whole client
        keys(kindName == QLatin1String("connect") ? QStringList{timeout} : QStringList{});
        step.kind = kindName == QLatin1String("connect") ? ScenarioStep::Kind::Join
                                                         : ScenarioStep::Kind::Leave;
        step.client = string(kindValue, QStringLiteral("the client"));
        if (!m_scenario->findClient(step.client))
            fail(kindValue, QStringLiteral("no client is named \"%1\"").arg(step.client));
        step.nsp.clear();
        if (const YamlNode &t = node["timeout"])
            step.timeoutMs = duration(t, timeout);
    }
    return step;
}

bool parseDocument(const QByteArray &text, const QString &fileName, YamlNode *root,
                   ScenarioError *error)
{
    YamlError yamlError;
    if (YamlDocument::parse(text, root, &yamlError))
        return true;
    *error = {{fileName, yamlError.line, yamlError.column}, yamlError.message};
    return false;
}

bool readFile(const QString &path, QByteArray *text, ScenarioError *error)
{
    // Unbuffered: QFile's buffer would be a 16 KB allocation for each file, read once.
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
        *error = {{path, 0, 0}, QStringLiteral("cannot read it: %1").arg(file.errorString())};
        return false;
    }
    *text = file.readAll();
    return true;
}
} // namespace

QString SourceLocation::toString() const
{
    if (line <= 0)
        return file;
    return QStringLiteral("%1:%2:%3").arg(file).arg(line).arg(column);
}

QString ScenarioError::toString() const
{
    return QStringLiteral("%1: %2").arg(where.toString(), message);
}

bool ScenarioLoader::load(const QByteArray &text, const QString &fileName,
                          const QSet<QString> &knownVariables, Scenario *scenario,
                          ScenarioError *error)
{
    YamlNode root;
    if (!parseDocument(text, fileName, &root, error))
        return false;
    try {
        Reader reader(fileName, knownVariables);
        *scenario = reader.scenario(root);
        scenario->where.file = fileName;
        return true;
    } catch (const LoadFailure &failure) {
        *error = failure.error;
        return false;
    }
}

bool ScenarioLoader::loadFile(const QString &path, const QSet<QString> &knownVariables,
                              Scenario *scenario, ScenarioError *error)
{
    QByteArray text;
    return readFile(path, &text, error) && load(text, path, knownVariables, scenario, error);
}

bool ScenarioLoader::loadVariables(const QByteArray &text, const QString &fileName,
                                   QJsonObject *variables, ScenarioError *error)
{
    YamlNode root;
    if (!parseDocument(text, fileName, &root, error))
        return false;
    try {
        Reader reader(fileName, {});
        if (!root.isMap())
            reader.fail(root, QStringLiteral("an environment file maps variable names to values, "
                                             "e.g. host: staging.example.com"));
        for (auto it = root.entries().begin(); it != root.entries().end(); ++it) {
            const QString name = reader.scalarKey(it->first);
            if (!ScenarioVariables::isVariableName(name))
                reader.fail(it->first, QStringLiteral("\"%1\" is not a variable name").arg(name));
            if (variables->contains(name))
                reader.fail(it->first, QStringLiteral("\"%1\" is given twice").arg(name));
            variables->insert(name, reader.json(it->second, false));
        }
        return true;
    } catch (const LoadFailure &failure) {
        *error = failure.error;
        return false;
    }
}

bool ScenarioLoader::loadVariablesFile(const QString &path, QJsonObject *variables,
                                       ScenarioError *error)
{
    QByteArray text;
    return readFile(path, &text, error) && loadVariables(text, path, variables, error);
}
