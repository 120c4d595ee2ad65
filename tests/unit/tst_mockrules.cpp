// The rules file of `sioscope-cli serve --rules` (core/server/mockrules): every construct it
// accepts, as the engine will describe it, and every mistake with its message.
#include "server/mockrules.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

namespace {

// A whole rules file around one namespace's rules.
QByteArray rulesFor(const QByteArray &nsp, const QByteArray &body)
{
    return "{\"version\": 1, \"namespaces\": {\"" + nsp + "\": " + body + "}}";
}

QString examplePath()
{
    return QStringLiteral(SIOSCOPE_PEERS_DIR "/../../resources/mock-rules/example.json");
}

} // namespace

class tst_MockRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validRules_data();
    void validRules();
    void errors_data();
    void errors();
    void binaryFiles();
    void binaryFileErrors_data();
    void binaryFileErrors();
    void loadErrors();
    void exampleFile();
};

void tst_MockRules::validRules_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QStringList>("namespaces");
    QTest::addColumn<QStringList>("description");

    QTest::newRow("one empty namespace")
        << rulesFor("/", "{}") << QStringList{"/"} << QStringList{"/ accepts every client"};
    QTest::newRow("\"/\" comes first")
        << QByteArray(R"({"version":1,"namespaces":{"/a":{},"/":{}}})") << QStringList{"/", "/a"}
        << QStringList{"/ accepts every client", "/a accepts every client"};
    QTest::newRow("comments wherever keys are fixed")
        << QByteArray(R"({"version":1,"comment":"x","namespaces":{"/":{"comment":"y",)"
                      R"("onConnect":{"comment":"z","emit":{"comment":1,"event":"e"}}}}})")
        << QStringList{"/"}
        << QStringList{"/ accepts every client", "/ on connect: emit \"e\" to sender"};
    QTest::newRow("the same keys in sibling objects and array items")
        << QByteArray(R"({"version":1,"namespaces":{"/":{"comment":"comment"},)"
                      R"("/b":{"comment":"comment","on":{"x":[{"join":"r"},{"join":"r"}]}}}})")
        << QStringList{"/", "/b"}
        << QStringList{"/ accepts every client", "/b accepts every client",
                       "/b on \"x\": join room \"r\"", "/b on \"x\": join room \"r\""};
    QTest::newRow("auth with the default refusal")
        << rulesFor("/admin", R"({"auth":{"token":"secret","level":2}})") << QStringList{"/admin"}
        << QStringList{"/admin requires auth {\"level\":2,\"token\":\"secret\"}, else refused with "
                       "\"Not authorized\""};
    QTest::newRow("auth with a refusal of its own")
        << rulesFor("/admin", R"({"auth":{"token":"s"},"refuse":{"message":"Go away","data":[1]}})")
        << QStringList{"/admin"}
        << QStringList{"/admin requires auth {\"token\":\"s\"}, else refused with \"Go away\""};
    QTest::newRow("a placeholder-like object is just an object")
        << rulesFor("/admin", R"({"auth":{"_placeholder":true}})") << QStringList{"/admin"}
        << QStringList{"/admin requires auth {\"_placeholder\":true}, else refused with "
                       "\"Not authorized\""};
    QTest::newRow("refuse without auth refuses everyone")
        << rulesFor("/closed", R"({"refuse":{"message":"Closed"}})") << QStringList{"/closed"}
        << QStringList{"/closed refused with \"Closed\""};
    QTest::newRow("onConnect as a list, to every target")
        << rulesFor("/",
                    R"({"onConnect":[{"emit":{"event":"a","args":[1,{"b":null}]}},)"
                    R"({"emit":{"event":"b","to":"all"}},{"emit":{"event":"c","to":"others"}},)"
                    R"({"emit":{"event":"d","to":"room:lobby"}}]})")
        << QStringList{"/"}
        << QStringList{"/ accepts every client", "/ on connect: emit \"a\" to sender",
                       "/ on connect: emit \"b\" to all", "/ on connect: emit \"c\" to the others",
                       "/ on connect: emit \"d\" to room \"lobby\""};
    QTest::newRow("reply with the received arguments")
        << rulesFor("/", R"({"on":{"chat":{"emit":{"event":"chat","args":"$args","to":"all"}}}})")
        << QStringList{"/"}
        << QStringList{"/ accepts every client",
                       "/ on \"chat\": emit \"chat\" to all with the received arguments"};
    QTest::newRow("ack with a payload")
        << rulesFor("/", R"({"on":{"price":{"ack":{"args":[{"p":42.5}]}}}})") << QStringList{"/"}
        << QStringList{"/ accepts every client", "/ on \"price\": ack"};
    QTest::newRow("ack echoing, ack without arguments")
        << rulesFor("/", R"({"on":{"a":{"ack":{"args":"$args"}},"b":{"ack":{}}}})")
        << QStringList{"/"}
        << QStringList{"/ accepts every client", "/ on \"a\": ack with the received arguments",
                       "/ on \"b\": ack"};
    QTest::newRow("delays, rooms, disconnect, drop")
        << rulesFor("/", R"({"on":{"go":[{"join":"r"},{"leave":"r","delayMs":0},)"
                         R"({"disconnect":true,"delayMs":100},{"drop":true,"delayMs":5}]}})")
        << QStringList{"/"}
        << QStringList{"/ accepts every client", "/ on \"go\": join room \"r\"",
                       "/ on \"go\": leave room \"r\"",
                       "/ on \"go\": after 100 ms, disconnect the namespace",
                       "/ on \"go\": after 5 ms, drop the connection"};
    QTest::newRow("every kind of invalid packet")
        << rulesFor("/", R"({"on":{"x":[{"invalid":"bad-type"},{"invalid":"broken-json"},)"
                         R"({"invalid":"bad-attachment-count"},{"invalid":{"raw":"2[oops"}}]}})")
        << QStringList{"/"}
        << QStringList{"/ accepts every client", "/ on \"x\": send an invalid packet (bad-type)",
                       "/ on \"x\": send an invalid packet (broken-json)",
                       "/ on \"x\": send an invalid packet (bad-attachment-count)",
                       "/ on \"x\": send the raw message \"2[oops\""};
    QTest::newRow("any other event")
        << rulesFor("/", R"({"on":{"*":{"emit":{"event":"unknown","args":"$args"}}}})")
        << QStringList{"/"}
        << QStringList{"/ accepts every client",
                       "/ on any other event: emit \"unknown\" to sender with the received "
                       "arguments"};
    QTest::newRow("periodic emits, to all and to a room")
        << rulesFor("/", R"({"every":[{"intervalMs":1000,"count":3,"emit":{"event":"tick"}},)"
                         R"({"intervalMs":50,"emit":{"event":"r","args":[1],"to":"room:x"}}]})")
        << QStringList{"/"}
        << QStringList{"/ accepts every client", "/ every 1000 ms (3 times): emit \"tick\" to all",
                       "/ every 50 ms: emit \"r\" to room \"x\""};
}

void tst_MockRules::validRules()
{
    QFETCH(QByteArray, json);
    QFETCH(QStringList, namespaces);
    QFETCH(QStringList, description);
    QString error;
    const std::optional<MockRules> rules = MockRules::parse(json, QString(), &error);
    QVERIFY2(rules, qPrintable(error));
    QCOMPARE(rules->namespaces(), namespaces);
    QCOMPARE(rules->describe(), description);
}

void tst_MockRules::errors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");

    // The document.
    QTest::newRow("syntax error with line and column")
        << QByteArray("{\n  \"version\": 1,\n  \"namespaces\": {\"/\": {}\n}")
        << "line 4, column 2: unterminated object";
    QTest::newRow("missing comma") << QByteArray("{\"version\": 1 \"namespaces\": {}}")
                                   << "line 1, column 16: unterminated object";
    QTest::newRow("an event handled twice")
        << QByteArray(R"({"version":1,"namespaces":{"/":{"on":{"chat":[],"chat":[]}}}})")
        << "line 1, column 49: the key \"chat\" appears a second time in the same object (JSON "
           "would keep only one of them)";
    QTest::newRow("the same key, once escaped")
        << QByteArray(R"({"version":1,"namespaces":{"/":{"on":{"chat":[],"ch\u0061t":[]}}}})")
        << "line 1, column 49: the key \"chat\" appears a second time in the same object (JSON "
           "would keep only one of them)";
    QTest::newRow("the same key after an escape JSON does not have (Qt reads \\c as c)")
        << QByteArray(R"({"version":1,"namespaces":{"/":{"on":{"chat":[],"\chat":[]}}}})")
        << "line 1, column 49: the key \"chat\" appears a second time in the same object (JSON "
           "would keep only one of them)";
    QTest::newRow("two different lone surrogates are two keys")
        << QByteArray(R"({"version":1,"namespaces":{"/":{"on":{"\ud800":[],"\udbff":[{"x":1}]}}}})")
        // (The second one is read on: its handler's mistake is what stops the load.)
        << QStringLiteral("namespaces./.on.") + QChar(0xdbff) +
               QStringLiteral("[0].x: unknown key (expected emit, ack, join, leave, disconnect, "
                              "drop, invalid, delayMs)");
    QTest::newRow("a namespace twice, on another line")
        << QByteArray("{\"version\":1,\"namespaces\":{\"/a\":{},\n \"/a\":{}}}")
        << "line 2, column 2: the key \"/a\" appears a second time in the same object (JSON "
           "would keep only one of them)";
    QTest::newRow("a key twice after a raw tab in a string (Qt reads it)")
        << QByteArray("{\"version\":1,\"namespaces\":{\"/\":{\"on\":{\"a\tb\":[],\"chat\":[],"
                      "\"chat\":[]}}}}")
        << "line 1, column 58: the key \"chat\" appears a second time in the same object (JSON "
           "would keep only one of them)";
    QTest::newRow("a key twice after numbers and an escape only Qt reads")
        << QByteArray(R"({"version":1,"comment":[.5,1.,"\c"],"version":1,"namespaces":{}})")
        << "line 1, column 37: the key \"version\" appears a second time in the same object (JSON "
           "would keep only one of them)";
    QTest::newRow("a key twice after a byte order mark (no column of its own)")
        << QByteArray("\xef\xbb\xbf{\"version\":1,\"version\":1,\"namespaces\":{}}")
        << "line 1, column 14: the key \"version\" appears a second time in the same object (JSON "
           "would keep only one of them)";
    QTest::newRow("a key twice after 1010 nested arrays (Qt reads up to 1024)")
        << QByteArray("{\"comment\":" + QByteArray(1010, '[') + QByteArray(1010, ']') +
                      ",\"version\":1,\"version\":1,\"namespaces\":{}}")
        << "line 1, column 2045: the key \"version\" appears a second time in the same object "
           "(JSON would keep only one of them)";
    QTest::newRow("version twice") << QByteArray(R"({"version":1,"version":1,"namespaces":{}})")
                                   << "line 1, column 14: the key \"version\" appears a second "
                                      "time in the same object (JSON would keep only one of them)";
    QTest::newRow("not an object") << QByteArray("[]")
                                   << "expected an object at the top ({\"version\": 1, "
                                      "\"namespaces\": {...}})";
    QTest::newRow("unknown top-level key")
        << QByteArray(R"({"version":1,"namespaces":{"/":{}},"namespace":{}})")
        << "namespace: unknown key (expected version, namespaces)";
    QTest::newRow("no version") << QByteArray(R"({"namespaces":{"/":{}}})")
                                << "version: missing (write \"version\": 1)";
    QTest::newRow("future version") << QByteArray(R"({"version":2,"namespaces":{"/":{}}})")
                                    << "version: expected an integer from 1 to 1, got 2";
    QTest::newRow("no namespaces") << QByteArray(R"({"version":1})") << "namespaces: missing";
    QTest::newRow("namespaces not an object") << QByteArray(R"({"version":1,"namespaces":["/"]})")
                                              << "namespaces: expected an object, got an array";
    QTest::newRow("empty namespaces") << QByteArray(R"({"version":1,"namespaces":{}})")
                                      << "namespaces: empty (name at least one, e.g. \"/\": {})";

    // A namespace.
    QTest::newRow("namespace without a slash")
        << rulesFor("chat", "{}")
        << "namespaces.chat: a namespace name starts with \"/\" and has no \",\" or \"?\"";
    QTest::newRow("namespace with a comma")
        << rulesFor("/a,b", "{}")
        << "namespaces./a,b: a namespace name starts with \"/\" and has no \",\" or \"?\"";
    QTest::newRow("namespace not an object")
        << rulesFor("/", "true") << "namespaces./: expected an object, got a boolean";
    QTest::newRow("unknown namespace key")
        << rulesFor("/", R"({"onconnect":[]})")
        << "namespaces./.onconnect: unknown key (expected auth, refuse, onConnect, on, every)";
    QTest::newRow("auth not an object") << rulesFor("/", R"({"auth":"secret"})")
                                        << "namespaces./.auth: expected an object, got a string";
    QTest::newRow("refuse with an unknown key")
        << rulesFor("/", R"({"refuse":{"reason":"x"}})")
        << "namespaces./.refuse.reason: unknown key (expected message, data)";
    QTest::newRow("refuse message empty")
        << rulesFor("/", R"({"refuse":{"message":""}})")
        << "namespaces./.refuse.message: expected a non-empty string, got a string";
    QTest::newRow("on not an object")
        << rulesFor("/", R"({"on":[]})") << "namespaces./.on: expected an object, got an array";
    QTest::newRow("reserved event name")
        << rulesFor("/", R"({"on":{"disconnect":{"drop":true}}})")
        << "namespaces./.on.disconnect: event name 'disconnect' is reserved";

    // Actions.
    QTest::newRow("handler neither action nor list")
        << rulesFor("/", R"({"on":{"chat":"reply"}})")
        << "namespaces./.on.chat: expected an action object or an array of actions, got a string";
    QTest::newRow("action not an object")
        << rulesFor("/", R"({"on":{"chat":[{"drop":true},3]}})")
        << "namespaces./.on.chat[1]: expected an object, got a number";
    QTest::newRow("unknown action key")
        << rulesFor("/", R"({"on":{"chat":{"reply":{}}}})")
        << "namespaces./.on.chat.reply: unknown key (expected emit, ack, join, leave, disconnect, "
           "drop, invalid, delayMs)";
    QTest::newRow("no action")
        << rulesFor("/", R"({"on":{"chat":{"delayMs":5}}})")
        << "namespaces./.on.chat: expected exactly one of emit, ack, join, leave, disconnect, "
           "drop, invalid, got none";
    QTest::newRow("two actions in one object")
        << rulesFor("/", R"({"on":{"chat":{"drop":true,"disconnect":true}}})")
        << "namespaces./.on.chat: expected exactly one of emit, ack, join, leave, disconnect, "
           "drop, invalid, got disconnect and drop";
    QTest::newRow("negative delay")
        << rulesFor("/", R"({"on":{"chat":{"drop":true,"delayMs":-1}}})")
        << "namespaces./.on.chat.delayMs: expected an integer from 0 to 3600000, got -1";
    QTest::newRow("fractional delay")
        << rulesFor("/", R"({"on":{"chat":{"drop":true,"delayMs":1.5}}})")
        << "namespaces./.on.chat.delayMs: expected an integer from 0 to 3600000, got 1.5";
    QTest::newRow("delay as a string")
        << rulesFor("/", R"({"on":{"chat":{"drop":true,"delayMs":"5"}}})")
        << "namespaces./.on.chat.delayMs: expected an integer from 0 to 3600000, got a string";
    QTest::newRow("emit args not an array")
        << rulesFor("/", R"({"on":{"chat":[{"drop":true},{"emit":{"event":"x","args":{}}}]}})")
        << "namespaces./.on.chat[1].emit.args: expected an array or \"$args\", got an object";
    QTest::newRow("emit without event") << rulesFor("/", R"({"on":{"chat":{"emit":{"args":[]}}}})")
                                        << "namespaces./.on.chat.emit.event: missing";
    QTest::newRow("emit with an unknown key")
        << rulesFor("/", R"({"on":{"chat":{"emit":{"event":"a","room":"r"}}}})")
        << "namespaces./.on.chat.emit.room: unknown key (expected event, args, to)";
    QTest::newRow("emit of a reserved event")
        << rulesFor("/", R"({"onConnect":{"emit":{"event":"connect_error"}}})")
        << "namespaces./.onConnect.emit: event name 'connect_error' is reserved";
    QTest::newRow("emit to nobody known")
        << rulesFor("/", R"({"on":{"a":{"emit":{"event":"b","to":"everyone"}}}})")
        << "namespaces./.on.a.emit.to: expected \"sender\", \"all\", \"others\" or "
           "\"room:<name>\", got \"everyone\"";
    QTest::newRow("emit to a room without a name")
        << rulesFor("/", R"({"on":{"a":{"emit":{"event":"b","to":"room:"}}}})")
        << "namespaces./.on.a.emit.to: expected \"sender\", \"all\", \"others\" or "
           "\"room:<name>\", got \"room:\"";
    QTest::newRow("$args on connect")
        << rulesFor("/", R"({"onConnect":{"emit":{"event":"b","args":"$args"}}})")
        << "namespaces./.onConnect.emit.args: \"$args\" echoes a received event: only in \"on\" "
           "handlers";
    QTest::newRow("a placeholder written by hand")
        << rulesFor("/",
                    R"({"on":{"a":{"emit":{"event":"b","args":[{"_placeholder":true,"num":0}]}}}})")
        << "namespaces./.on.a.emit.args[0]._placeholder: write {\"$binary\": \"<file>\"} for a "
           "binary argument; placeholders are made from it";
    QTest::newRow("ack on connect")
        << rulesFor("/", R"({"onConnect":{"ack":{}}})")
        << "namespaces./.onConnect.ack: ack answers a received event: only in \"on\" handlers";
    QTest::newRow("two acks") << rulesFor("/", R"({"on":{"a":[{"ack":{}},{"ack":{"args":[1]}}]}})")
                              << "namespaces./.on.a[1]: a second ack (an event is acked once)";
    QTest::newRow("ack with an unknown key")
        << rulesFor("/", R"({"on":{"a":{"ack":{"payload":[1]}}}})")
        << "namespaces./.on.a.ack.payload: unknown key (expected args)";
    QTest::newRow("ack args not an array")
        << rulesFor("/", R"({"on":{"a":{"ack":{"args":5}}}})")
        << "namespaces./.on.a.ack.args: expected an array or \"$args\", got a number";
    QTest::newRow("join without a room")
        << rulesFor("/", R"({"on":{"a":{"join":""}}})")
        << "namespaces./.on.a.join: expected a non-empty string, got a string";
    QTest::newRow("disconnect false")
        << rulesFor("/", R"({"on":{"a":{"disconnect":false}}})")
        << "namespaces./.on.a.disconnect: expected true, got a boolean";
    QTest::newRow("drop with options") << rulesFor("/", R"({"on":{"a":{"drop":{}}}})")
                                       << "namespaces./.on.a.drop: expected true, got an object";
    QTest::newRow("unknown invalid packet")
        << rulesFor("/", R"({"on":{"a":{"invalid":"bad-json"}}})")
        << "namespaces./.on.a.invalid: expected \"bad-type\", \"broken-json\", "
           "\"bad-attachment-count\" or {\"raw\": \"<message text>\"}, got \"bad-json\"";
    QTest::newRow("invalid raw missing") << rulesFor("/", R"({"on":{"a":{"invalid":{}}}})")
                                         << "namespaces./.on.a.invalid.raw: missing";
    QTest::newRow("invalid raw not a string")
        << rulesFor("/", R"({"on":{"a":{"invalid":{"raw":42}}}})")
        << "namespaces./.on.a.invalid.raw: expected a non-empty string, got a number";

    // Periodic emits.
    QTest::newRow("every not an array") << rulesFor("/", R"({"every":{"intervalMs":5}})")
                                        << "namespaces./.every: expected an array, got an object";
    QTest::newRow("every without interval")
        << rulesFor("/", R"({"every":[{"emit":{"event":"t"}}]})")
        << "namespaces./.every[0].intervalMs: missing";
    QTest::newRow("every without emit") << rulesFor("/", R"({"every":[{"intervalMs":5}]})")
                                        << "namespaces./.every[0].emit: missing";
    QTest::newRow("every interval zero")
        << rulesFor("/", R"({"every":[{"intervalMs":0,"emit":{"event":"t"}}]})")
        << "namespaces./.every[0].intervalMs: expected an integer from 1 to 86400000, got 0";
    QTest::newRow("every count zero")
        << rulesFor("/", R"({"every":[{"intervalMs":5,"count":0,"emit":{"event":"t"}}]})")
        << "namespaces./.every[0].count: expected an integer from 1 to 2147483647, got 0";
    QTest::newRow("every with a delay")
        << rulesFor("/", R"({"every":[{"intervalMs":5,"delayMs":1,"emit":{"event":"t"}}]})")
        << "namespaces./.every[0].delayMs: unknown key (expected intervalMs, count, emit)";
    QTest::newRow("every to the sender")
        << rulesFor("/", R"({"every":[{"intervalMs":5,"emit":{"event":"t","to":"sender"}}]})")
        << "namespaces./.every[0].emit.to: expected \"all\" or \"room:<name>\" (a periodic emit "
           "has no sender), got \"sender\"";
    QTest::newRow("every echoing")
        << rulesFor("/", R"({"every":[{"intervalMs":5,"emit":{"event":"t","args":"$args"}}]})")
        << "namespaces./.every[0].emit.args: \"$args\" echoes a received event: only in \"on\" "
           "handlers";
}

void tst_MockRules::errors()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    QString actual;
    QVERIFY(!MockRules::parse(json, QString(), &actual));
    QCOMPARE(actual, error);
}

void tst_MockRules::binaryFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile file(dir.filePath(QStringLiteral("a.bin")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray("\x00\x01\xff", 3));
    file.close();
    QString error;
    const std::optional<MockRules> rules = MockRules::parse(
        rulesFor(
            "/",
            R"({"on":{"photo":[{"emit":{"event":"p","args":[{"$binary":"a.bin"},)"
            R"({"nested":[{"$binary":"a.bin"}]}]}},{"ack":{"args":[{"$binary":"a.bin"}]}}]}})"),
        dir.path(), &error);
    QVERIFY2(rules, qPrintable(error));
    QCOMPARE(rules->describe(),
             (QStringList{"/ accepts every client",
                          "/ on \"photo\": emit \"p\" to sender with 2 binary attachment(s)",
                          "/ on \"photo\": ack with 1 binary attachment(s)"}));
}

void tst_MockRules::binaryFileErrors_data()
{
    QTest::addColumn<QByteArray>("args");
    QTest::addColumn<QString>("error"); // %1: the folder

    QTest::newRow("missing file") << QByteArray(R"([{"$binary":"nope.bin"}])")
                                  << "args[0].$binary: cannot read %1/nope.bin: no such file";
    QTest::newRow("a folder") << QByteArray(R"([{"$binary":"."}])")
                              << "args[0].$binary: cannot read %1/.: no such file";
    QTest::newRow("other keys beside $binary")
        << QByteArray(R"([1,{"$binary":"big.bin","name":"x"}])")
        << "args[1]: a {\"$binary\": \"<file>\"} object has no other keys";
    QTest::newRow("not a file name")
        << QByteArray(R"([{"$binary":7}])")
        << "args[0].$binary: expected a non-empty string, got a number";
    QTest::newRow("too big") << QByteArray(R"([{"x":{"$binary":"big.bin"}}])")
                             << "args[0].x.$binary: %1/big.bin has 16777217 bytes, more than the "
                                "16777216 allowed";
}

void tst_MockRules::binaryFileErrors()
{
    QFETCH(QByteArray, args);
    QFETCH(QString, error);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile big(dir.filePath(QStringLiteral("big.bin")));
    QVERIFY(big.open(QIODevice::WriteOnly));
    QVERIFY(big.resize(MockRules::MaxBinaryFileBytes + 1));
    big.close();
    QString actual;
    QVERIFY(!MockRules::parse(
        rulesFor("/", R"({"on":{"a":{"emit":{"event":"b","args":)" + args + "}}}}"), dir.path(),
        &actual));
    QCOMPARE(actual, QStringLiteral("namespaces./.on.a.emit.") +
                         error.replace(QStringLiteral("%1"), dir.path()));
}

void tst_MockRules::loadErrors()
{
    QString error;
    QVERIFY(!MockRules::load(QStringLiteral("/nonexistent/rules.json"), &error));
    QCOMPARE(error,
             QStringLiteral("cannot read /nonexistent/rules.json: No such file or directory"));

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("rules.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"version\": 1,\n \"namespaces\": {\"/\": {\"on\": {\"a\": {\"drop\": 1}}}}}");
    file.close();
    QVERIFY(!MockRules::load(path, &error));
    QCOMPARE(error, path + QStringLiteral(": namespaces./.on.a.drop: expected true, got a number"));

    QVERIFY(file.open(QIODevice::WriteOnly));
    QVERIFY(file.resize(MockRules::MaxFileBytes + 1));
    file.close();
    QVERIFY(!MockRules::load(path, &error));
    QCOMPARE(error, QStringLiteral("%1 has 1048577 bytes, more than the 1048576 a rules file may "
                                   "have")
                        .arg(path));
}

void tst_MockRules::exampleFile()
{
    QString error;
    const std::optional<MockRules> rules = MockRules::load(examplePath(), &error);
    QVERIFY2(rules, qPrintable(error));
    QCOMPARE(rules->namespaces(), (QStringList{"/", "/admin"}));
    const QStringList description = rules->describe();
    QVERIFY2(description.contains(
                 "/ on \"snapshot\": emit \"snapshot\" to sender with 1 binary attachment(s)"),
             qPrintable(description.join('\n')));
    QVERIFY(description.contains("/ every 250 ms (3 times): emit \"tick\" to all"));
    QVERIFY(description.contains("/admin requires auth {\"token\":\"secret\"}, else refused with "
                                 "\"Not authorized\""));
}

QTEST_GUILESS_MAIN(tst_MockRules)
#include "tst_mockrules.moc"
