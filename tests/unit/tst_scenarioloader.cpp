// ScenarioLoader: what a scenario file becomes (clients, steps, templates, durations, YAML's
// typing of scalars), and each mistake named with its line and column, one row per mistake.
// ScenarioVariables: lookup order and substitution.
#include "scenario/scenarioloader.h"
#include "scenario/scenariovariables.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

class tst_ScenarioLoader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneClient();
    void severalClients();
    void stepsOfEveryKind();
    void yamlScalarsAreTypedAndQuotedOnesAreStrings();
    void anchorsAndAliasesAreExpanded();
    void jsonIsAccepted();
    void mistakes_data();
    void mistakes();
    void variablesFile();
    void variablesLookupOrder();
    void substitution_data();
    void substitution();
};

namespace {
Scenario load(const QByteArray &text, const QSet<QString> &known = {})
{
    Scenario scenario;
    ScenarioError error;
    if (!ScenarioLoader::load(text, QStringLiteral("s.yaml"), known, &scenario, &error))
        qWarning("%s", qPrintable(error.toString()));
    return scenario;
}
} // namespace

void tst_ScenarioLoader::oneClient()
{
    const Scenario scenario = load("name: one\nurl: \"http://h:1\"\nclient:\n  transport: polling\n"
                                   "  eio: 3\n  headers: {X-A: b}\n  query: {k: v}\n"
                                   "  namespaces: [/, {name: admin, auth: {token: t}}]\n"
                                   "  auth: {user: u}\nsteps:\n  - wait: 2s\n");
    QCOMPARE(scenario.name, QStringLiteral("one"));
    QCOMPARE(scenario.clients.size(), 1);
    const ScenarioClient &client = scenario.clients.first();
    QCOMPARE(client.name, QStringLiteral("client"));
    QCOMPARE(client.urlTemplate, QStringLiteral("http://h:1"));
    QCOMPARE(client.options.engine.transports, EngineIoOptions::Transports::PollingOnly);
    QCOMPARE(client.options.engine.version, EngineIoOptions::Version::V3);
    QVERIFY(!client.options.engine.reconnect.enabled); // a drop is for a test to see
    QCOMPARE(client.headerTemplates.size(), 1);
    QCOMPARE(client.headerTemplates.first().first, QByteArray("X-A"));
    QCOMPARE(client.queryTemplates.first().second, QStringLiteral("v"));
    QCOMPARE(client.namespaces.size(), 2);
    QCOMPARE(client.namespaces.at(0).second.toObject().value(QLatin1String("user")).toString(),
             QStringLiteral("u"));
    QCOMPARE(client.namespaces.at(1).first, QStringLiteral("/admin"));
    QCOMPARE(scenario.steps.size(), 1);
    QCOMPARE(scenario.steps.first().kind, ScenarioStep::Kind::Wait);
    QCOMPARE(scenario.steps.first().withinMs, 2000);
    QCOMPARE(scenario.steps.first().where.line, 11);
    QCOMPARE(scenario.steps.first().where.column, 5);
}

void tst_ScenarioLoader::severalClients()
{
    const Scenario scenario =
        load("clients:\n  a: {url: \"http://h:1\"}\n  b: {url: \"ws://h:2\", connect: false}\n"
             "steps:\n  - emit: x\n    client: b\n  - connect: b\n");
    QCOMPARE(scenario.name, QStringLiteral("s")); // the file's name
    QCOMPARE(scenario.clients.size(), 2);
    QVERIFY(scenario.clients.at(0).connectAtStart);
    QVERIFY(!scenario.clients.at(1).connectAtStart);
    QCOMPARE(scenario.steps.at(0).client, QStringLiteral("b"));
    QCOMPARE(scenario.steps.at(1).kind, ScenarioStep::Kind::Join);
    QVERIFY(scenario.steps.at(1).nsp.isEmpty()); // the whole client
}

void tst_ScenarioLoader::stepsOfEveryKind()
{
    const Scenario scenario = load(
        "url: \"http://h\"\ntimeout: 700ms\nsteps:\n"
        "  - emit: e\n    nsp: chat\n    args: [1, {$binary: AQID}]\n    ack: {args: [ok], match: "
        "subset, capture: {x: \"args[0]\"}, timeout: 1s}\n"
        "  - expect: f\n    args: [\"{{x}}\"]\n    match: regex\n    reply: [r]\n"
        "  - expect: g\n    schema: {type: array}\n"
        "  - not: h\n    within: 250\n"
        "  - expect_connect_error: Not authorized\n    nsp: /admin\n"
        "  - expect_connect_error: true\n"
        "  - expect_disconnect: true\n  - expect_close: true\n"
        "  - repeat: 3\n    until: {expect: done}\n    steps: [{wait: 10}]\n"
        "  - any_order: [{expect: a}, {expect: b}]\n"
        "  - join: /admin\n    auth: {token: t}\n  - leave: /admin\n  - disconnect: client\n");
    QCOMPARE(scenario.steps.size(), 13);
    const ScenarioStep &emitStep = scenario.steps.at(0);
    QCOMPARE(emitStep.kind, ScenarioStep::Kind::Emit);
    QCOMPARE(emitStep.nsp, QStringLiteral("/chat"));
    QVERIFY(emitStep.ackExpected);
    QCOMPARE(emitStep.ack.mode, MatchMode::Subset);
    QCOMPARE(emitStep.timeoutMs, 1000);
    QCOMPARE(emitStep.ack.captures.size(), 1);
    QCOMPARE(emitStep.ack.captures.first().second.toString(), QStringLiteral("args[0]"));
    const ScenarioStep &expect = scenario.steps.at(1);
    QCOMPARE(expect.timeoutMs, 700); // the scenario's default
    QCOMPARE(expect.payload.mode, MatchMode::Regex);
    QVERIFY(expect.replyGiven);
    QCOMPARE(scenario.steps.at(2).payload.mode, MatchMode::Schema);
    QCOMPARE(scenario.steps.at(3).kind, ScenarioStep::Kind::ExpectNone);
    QCOMPARE(scenario.steps.at(3).withinMs, 250);
    QCOMPARE(scenario.steps.at(4).message, QStringLiteral("Not authorized"));
    QVERIFY(scenario.steps.at(5).message.isEmpty());
    QCOMPARE(scenario.steps.at(8).count, 3);
    QVERIFY(scenario.steps.at(8).hasUntil);
    QCOMPARE(scenario.steps.at(9).steps.size(), 2);
    QCOMPARE(scenario.steps.at(10).auth.toObject().value(QLatin1String("token")).toString(),
             QStringLiteral("t"));
    QCOMPARE(scenario.steps.at(11).kind, ScenarioStep::Kind::Leave);
    QCOMPARE(scenario.steps.at(11).nsp, QStringLiteral("/admin"));
    QCOMPARE(scenario.steps.at(12).kind, ScenarioStep::Kind::Leave);
    QVERIFY(scenario.steps.at(12).nsp.isEmpty());
}

void tst_ScenarioLoader::yamlScalarsAreTypedAndQuotedOnesAreStrings()
{
    const Scenario scenario =
        load("url: \"http://h\"\nsteps:\n  - emit: e\n    args: [1, -2.5, true, null, ~, yes, "
             "\"1\", '2', x, 1e3, 0x10, !!str 5, \"\", '']\n");
    const QJsonArray args = scenario.steps.first().args;
    QCOMPARE(QJsonDocument(args).toJson(QJsonDocument::Compact),
             QByteArray("[1,-2.5,true,null,null,\"yes\",\"1\",\"2\",\"x\",1000,\"0x10\","
                        "\"5\",\"\",\"\"]"));
}

void tst_ScenarioLoader::anchorsAndAliasesAreExpanded()
{
    const Scenario scenario = load("url: \"http://h\"\nsteps:\n  - emit: e\n    args: &a [1, {b: "
                                   "[2]}]\n  - emit: f\n    args: *a\n");
    QCOMPARE(scenario.steps.size(), 2);
    QCOMPARE(QJsonDocument(scenario.steps.at(1).args).toJson(QJsonDocument::Compact),
             QByteArray("[1,{\"b\":[2]}]"));
}

void tst_ScenarioLoader::jsonIsAccepted()
{
    const Scenario scenario =
        load("{\"url\": \"http://h\", \"steps\": [{\"emit\": \"e\", \"args\": "
             "[{\"a\": [1, 2]}], \"ack\": [\"ok\"]}]}");
    QCOMPARE(scenario.steps.size(), 1);
    QCOMPARE(QJsonDocument(scenario.steps.first().args).toJson(QJsonDocument::Compact),
             QByteArray("[{\"a\":[1,2]}]"));
}

void tst_ScenarioLoader::mistakes_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("expected");
    const QByteArray head = "url: \"http://h\"\nsteps:\n";
    QTest::newRow("not YAML") << QByteArray("url: [\n")
                              << QStringLiteral("s.yaml:2:1: not valid YAML");
    QTest::newRow("not a mapping")
        << QByteArray("- a\n") << QStringLiteral("s.yaml:1:1: a scenario is a mapping");
    QTest::newRow("no steps") << QByteArray("url: \"http://h\"\n")
                              << QStringLiteral("s.yaml:1:1: a scenario needs `steps:`");
    QTest::newRow("empty steps") << QByteArray("url: \"http://h\"\nsteps: []\n")
                                 << QStringLiteral("s.yaml:2:8: `steps:` must be a non-empty list");
    QTest::newRow("no client") << QByteArray("steps:\n  - wait: 1\n")
                               << QStringLiteral("needs `url:` (one client) or `clients:`");
    QTest::newRow("url and clients")
        << QByteArray("url: x\nclients: {a: {url: y}}\nsteps: [{wait: 1}]\n")
        << QStringLiteral("s.yaml:1:6: give either `url:`");
    QTest::newRow("client without url")
        << QByteArray("clients:\n  a: {transport: polling}\nsteps: [{wait: 1}]\n")
        << QStringLiteral("s.yaml:2:6: client \"a\" needs a `url:`");
    QTest::newRow("unknown top-level key")
        << QByteArray("url: x\nstep: []\n")
        << QStringLiteral("s.yaml:2:1: unknown key \"step\" in a scenario");
    QTest::newRow("unknown client option")
        << QByteArray("url: x\nclient: {transprt: polling}\nsteps: [{wait: 1}]\n")
        << QStringLiteral("s.yaml:2:10: unknown key \"transprt\" in client \"client\"");
    QTest::newRow("bad transport")
        << QByteArray("url: x\nclient: {transport: carrier-pigeon}\nsteps: [{wait: 1}]\n")
        << QStringLiteral("transport must be auto, websocket or polling");
    QTest::newRow("bad eio") << QByteArray("url: x\nclient: {eio: 5}\nsteps: [{wait: 1}]\n")
                             << QStringLiteral("s.yaml:2:15: eio must be 3 or 4");
    QTest::newRow("msgpack with eio 3")
        << QByteArray("url: x\nclient: {eio: 3, parser: msgpack}\nsteps: [{wait: 1}]\n")
        << QStringLiteral("the msgpack parser speaks Socket.IO v5");
    QTest::newRow("url that is not one") << QByteArray("url: localhost:3000\nsteps: [{wait: 1}]\n")
                                         << QStringLiteral("s.yaml:1:6: the URL must be an http");
    QTest::newRow("nested too deeply")
        << head + "  - emit: a\n    args: " + QByteArray(600, '[') + QByteArray(600, ']') + "\n"
        << QStringLiteral("s.yaml:4:508: nested too deeply: more than 500 levels");
    QTest::newRow("alias of no anchor") << head + "  - emit: a\n    args: *nope\n"
                                        << QStringLiteral("s.yaml:4:11: the alias *nope names no "
                                                          "anchor (&nope) before it");
    QByteArray laughs = "variables:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i <= 6; ++i)
        laughs += QByteArray("  l") + QByteArray::number(i) + ": &l" + QByteArray::number(i) +
                  " [" + QByteArray("*l" + QByteArray::number(i - 1) + ", ").repeated(9) + "*l" +
                  QByteArray::number(i - 1) + "]\n";
    QTest::newRow("aliases that expand to a million nodes")
        << laughs + "url: x\nsteps: [{wait: 1}]\n"
        << QStringLiteral("s.yaml:7:12: more than 200000 nodes with the aliases expanded");
    QTest::newRow("a second document")
        << QByteArray("url: x\nsteps: [{wait: 1}]\n---\nurl: y\n")
        << QStringLiteral("s.yaml:3:1: a second YAML document starts here; the file holds one");
    QTest::newRow("not UTF-8") << QByteArray("url: x\nsteps: [{wait: \"\xff\"}]\n")
                               << QStringLiteral("s.yaml:2:17: not valid YAML: invalid leading "
                                                 "UTF-8 octet (byte 23)");
    QTest::newRow("unknown step") << head + "  - emitt: a\n"
                                  << QStringLiteral("s.yaml:3:5: unknown step \"emitt\"");
    QTest::newRow("two kinds in a step") << head + "  - emit: a\n    expect: b\n"
                                         << QStringLiteral("s.yaml:4:5: a step has one kind");
    QTest::newRow("unknown key in a step")
        << head + "  - emit: a\n    within: 1\n"
        << QStringLiteral("s.yaml:4:5: unknown key \"within\" in the emit step");
    QTest::newRow("key given twice") << head + "  - emit: a\n    args: [1]\n    args: [2]\n"
                                     << QStringLiteral("s.yaml:5:5: \"args\" is given twice");
    QTest::newRow("args not a list") << head + "  - expect: a\n    args: {a: 1}\n"
                                     << QStringLiteral("s.yaml:4:11: args must be a list");
    QTest::newRow("bad match") << head + "  - expect: a\n    args: [1]\n    match: fuzzy\n"
                               << QStringLiteral(
                                      "s.yaml:5:12: match must be exact, subset, regex or schema");
    QTest::newRow("bad regex") << head + "  - expect: a\n    args: [\"(\"]\n    match: regex\n"
                               << QStringLiteral("s.yaml:4:11: args[0]");
    QTest::newRow("unsupported schema keyword")
        << head + "  - expect: a\n    schema: {$ref: \"#/x\"}\n"
        << QStringLiteral("s.yaml:4:13: args[\"$ref\"]: unsupported schema keyword \"$ref\"");
    QTest::newRow("bad JSON path") << head + "  - expect: a\n    capture:\n      x: args[\n"
                                   << QStringLiteral("s.yaml:5:15: bad JSON path \"args[\"");
    QTest::newRow("capture outside args") << head + "  - expect: a\n    capture: {x: \"ack[0]\"}\n"
                                          << QStringLiteral("a capture's path starts with args");
    QTest::newRow("undefined variable")
        << head + "  - emit: a\n    args: [\"{{who}}\"]\n"
        << QStringLiteral("s.yaml:4:12: undefined variable \"who\"");
    QTest::newRow("variable used before its capture")
        << head + "  - emit: a\n    args: [\"{{id}}\"]\n  - expect: b\n    capture: {id: "
                  "\"args[0]\"}\n"
        << QStringLiteral("s.yaml:4:12: undefined variable \"id\"");
    QTest::newRow("variable in the url")
        << QByteArray("url: \"{{host}}\"\nsteps: [{wait: 1}]\n")
        << QStringLiteral("s.yaml:1:6: undefined variable \"host\"");
    QTest::newRow("unknown client in a step")
        << QByteArray("clients: {a: {url: \"ws://a\"}, b: {url: \"ws://b\"}}\nsteps:\n  - emit: "
                      "e\n    client: c\n")
        << QStringLiteral("s.yaml:4:13: no client is named \"c\"; the clients are: a, b");
    QTest::newRow("client missing with several")
        << QByteArray(
               "clients: {a: {url: \"ws://a\"}, b: {url: \"ws://b\"}}\nsteps:\n  - emit: e\n")
        << QStringLiteral("s.yaml:3:5: this step needs `client:`");
    QTest::newRow("bad duration") << head + "  - wait: soon\n"
                                  << QStringLiteral("s.yaml:3:11: wait must be a duration");
    QTest::newRow("duration over an hour") << head + "  - wait: 2h\n"
                                           << QStringLiteral("wait must be a duration");
    QTest::newRow("repeat zero") << head + "  - repeat: 0\n    steps: [{wait: 1}]\n"
                                 << QStringLiteral(
                                        "s.yaml:3:13: repeat must be a whole number from 1");
    QTest::newRow("repeat without steps") << head + "  - repeat: 2\n"
                                          << QStringLiteral("s.yaml:3:5: repeat needs `steps:`");
    QTest::newRow("any_order with an emit")
        << head + "  - any_order: [{expect: a}, {emit: b}]\n"
        << QStringLiteral("s.yaml:3:30: any_order holds expect steps only");
    QTest::newRow("namespace with a comma") << head + "  - join: \"a,b\"\n"
                                            << QStringLiteral("a namespace name cannot hold ','");
    QTest::newRow("auth of / not joined")
        << QByteArray("url: x\nclient: {namespaces: [/chat], auth: {a: 1}}\nsteps: [{wait: 1}]\n")
        << QStringLiteral("auth is the payload of \"/\", which is not among the namespaces");
}

void tst_ScenarioLoader::mistakes()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, expected);
    Scenario scenario;
    ScenarioError error;
    QVERIFY(!ScenarioLoader::load(text, QStringLiteral("s.yaml"), {}, &scenario, &error));
    QVERIFY2(error.toString().contains(expected), qPrintable(error.toString()));
}

void tst_ScenarioLoader::variablesFile()
{
    QJsonObject variables;
    ScenarioError error;
    QVERIFY(ScenarioLoader::loadVariables("host: staging\nport: 8080\nuser: {id: 1}\n",
                                          QStringLiteral("e.yaml"), &variables, &error));
    QCOMPARE(variables.value(QLatin1String("port")).toInt(), 8080);
    QCOMPARE(variables.value(QLatin1String("user")).toObject().value(QLatin1String("id")).toInt(),
             1);
    QVERIFY(!ScenarioLoader::loadVariables("- a\n", QStringLiteral("e.yaml"), &variables, &error));
    QVERIFY2(error.toString().startsWith(QLatin1String("e.yaml:1:1: an environment file maps")),
             qPrintable(error.toString()));
    QVERIFY(
        !ScenarioLoader::loadVariables("a b: 1\n", QStringLiteral("e.yaml"), &variables, &error));
    QVERIFY2(error.toString().contains(QLatin1String("\"a b\" is not a variable name")),
             qPrintable(error.toString()));
}

void tst_ScenarioLoader::variablesLookupOrder()
{
    ScenarioVariables variables;
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("v"), QStringLiteral("process"));
    environment.insert(QStringLiteral("onlyProcess"), QStringLiteral("p"));
    variables.setProcessEnvironment(environment);
    QCOMPARE(variables.value(QStringLiteral("v")).toString(), QStringLiteral("process"));
    variables.setScenarioDefaults({{QStringLiteral("v"), QStringLiteral("scenario")}});
    QCOMPARE(variables.value(QStringLiteral("v")).toString(), QStringLiteral("scenario"));
    variables.setEnvironmentFile({{QStringLiteral("v"), QStringLiteral("env")}});
    QCOMPARE(variables.value(QStringLiteral("v")).toString(), QStringLiteral("env"));
    variables.setCommandLine({{QStringLiteral("v"), QStringLiteral("var")}});
    QCOMPARE(variables.value(QStringLiteral("v")).toString(), QStringLiteral("var"));
    variables.capture(QStringLiteral("v"), 7);
    QCOMPARE(variables.value(QStringLiteral("v")).toInt(), 7);
    QCOMPARE(variables.value(QStringLiteral("onlyProcess")).toString(), QStringLiteral("p"));
    QVERIFY(variables.value(QStringLiteral("nowhere")).isUndefined());
    QVERIFY(variables.namesBeforeRun().contains(QStringLiteral("onlyProcess")));
}

void tst_ScenarioLoader::substitution_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("output");
    QTest::addColumn<QString>("error");
    QTest::newRow("whole string keeps the type")
        << QByteArray("[\"{{obj}}\",\"{{n}}\"]") << QByteArray("[{\"id\":1},42]") << QString();
    QTest::newRow("inside a string as text")
        << QByteArray("[\"id={{n}} {{s}} {{obj}}\"]")
        << QByteArray("[\"id=42 text {\\\"id\\\":1}\"]") << QString();
    QTest::newRow("blanks inside the braces")
        << QByteArray("[\"{{ s }}\"]") << QByteArray("[\"text\"]") << QString();
    QTest::newRow("not a reference stays") << QByteArray("[\"{{ 1x }} {{}} {x}\"]")
                                           << QByteArray("[\"{{ 1x }} {{}} {x}\"]") << QString();
    QTest::newRow("nested in objects") << QByteArray("[{\"a\":{\"b\":\"{{s}}\"}}]")
                                       << QByteArray("[{\"a\":{\"b\":\"text\"}}]") << QString();
    QTest::newRow("undefined") << QByteArray("[\"{{missing}}\"]") << QByteArray()
                               << QStringLiteral("undefined variable \"missing\"");
}

void tst_ScenarioLoader::substitution()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, output);
    QFETCH(QString, error);
    ScenarioVariables variables;
    variables.setCommandLine({{QStringLiteral("n"), 42},
                              {QStringLiteral("s"), QStringLiteral("text")},
                              {QStringLiteral("obj"), QJsonObject{{QStringLiteral("id"), 1}}}});
    QJsonValue out;
    QString message;
    const bool ok = variables.substitute(QJsonDocument::fromJson(input).array(), &out, &message);
    QCOMPARE(ok, error.isEmpty());
    if (ok)
        QCOMPARE(QJsonDocument(out.toArray()).toJson(QJsonDocument::Compact), output);
    else
        QCOMPARE(message, error);
}

QTEST_GUILESS_MAIN(tst_ScenarioLoader)
#include "tst_scenarioloader.moc"
