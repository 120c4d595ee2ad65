// JsonPath: what parse() reads and toString() writes back, what evaluate() finds, and the
// mistakes parse() names with their offsets.
#include "scenario/jsonpath.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace {

QJsonValue json(const char *text)
{
    // QJsonDocument reads arrays and objects only: wrap the value and take it out.
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray("[") + text + QByteArray("]"));
    return document.array().at(0);
}

} // namespace

class tst_JsonPath : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("written"); // as toString() writes it back
        QTest::addColumn<QString>("root");
        QTest::addColumn<int>("segments");
        QTest::newRow("root only") << "args"
                                   << "args"
                                   << "args" << 0;
        QTest::newRow("underscore and digits in the root") << "_ack2"
                                                           << "_ack2"
                                                           << "_ack2" << 0;
        QTest::newRow("index") << "args[0]"
                               << "args[0]"
                               << "args" << 1;
        QTest::newRow("index then member") << "args[0].id"
                                           << "args[0].id"
                                           << "args" << 2;
        QTest::newRow("nested indexes") << "args[1][22][333]"
                                        << "args[1][22][333]"
                                        << "args" << 3;
        QTest::newRow("quoted key with a space") << "args[1][\"odd key\"][2]"
                                                 << "args[1][\"odd key\"][2]"
                                                 << "args" << 3;
        QTest::newRow("quoted identifier written as .name") << "args[\"id\"]"
                                                            << "args.id"
                                                            << "args" << 1;
        QTest::newRow("quoted key starting with a digit") << "args[\"1a\"]"
                                                          << "args[\"1a\"]"
                                                          << "args" << 1;
        QTest::newRow("quoted empty key") << "args[\"\"]"
                                          << "args[\"\"]"
                                          << "args" << 1;
        QTest::newRow("key with a dot") << "a[\"x.y\"].z"
                                        << "a[\"x.y\"].z"
                                        << "a" << 2;
        QTest::newRow("key with quote and backslash escapes") << "a[\"q\\\"b\\\\\"]"
                                                              << "a[\"q\\\"b\\\\\"]"
                                                              << "a" << 1;
        QTest::newRow("key with a \\n escape") << "a[\"l\\n2\"]"
                                               << "a[\"l\\n2\"]"
                                               << "a" << 1;
        QTest::newRow("\\u escape written as the character")
            << "a[\"\\u00e9t\\u00e9\"]" << QString::fromUtf8("a[\"été\"]") << "a" << 1;
        QTest::newRow("surrogate pair escape")
            << "a[\"\\ud83d\\ude00\"]" << QString::fromUtf8("a[\"😀\"]") << "a" << 1;
        QTest::newRow("leading zeros in an index") << "args[007]"
                                                   << "args[7]"
                                                   << "args" << 1;
    }

    void roundTrip()
    {
        QFETCH(QString, text);
        QFETCH(QString, written);
        QFETCH(QString, root);
        QFETCH(int, segments);
        JsonPath path;
        QString error;
        QVERIFY2(JsonPath::parse(text, &path, &error), qPrintable(error));
        QCOMPARE(path.root(), root);
        QCOMPARE(path.segments().size(), segments);
        QCOMPARE(path.toString(), written);
        // What toString() writes reads back as the same path.
        JsonPath again;
        QVERIFY2(JsonPath::parse(written, &again, &error), qPrintable(error));
        QVERIFY(again == path);
    }

    void parsedSegments()
    {
        JsonPath path;
        QString error;
        QVERIFY(JsonPath::parse(QStringLiteral("args[2][\"odd key\"].id"), &path, &error));
        QCOMPARE(path.segments().size(), 3);
        QCOMPARE(path.segments()[0].index, 2);
        QCOMPARE(path.segments()[1].index, -1);
        QCOMPARE(path.segments()[1].key, QStringLiteral("odd key"));
        QCOMPARE(path.segments()[2].key, QStringLiteral("id"));
        QVERIFY(path == JsonPath(QStringLiteral("args")).item(2).member("odd key").member("id"));
    }

    void parseError_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error");
        QTest::addColumn<qsizetype>("offset");
        QTest::newRow("empty") << ""
                               << "expected a name, got nothing" << qsizetype(0);
        QTest::newRow("root starting with a digit")
            << "1abc"
            << "expected a name (a letter or '_' first)" << qsizetype(0);
        QTest::newRow("root starting with '['")
            << "[0]"
            << "expected a name (a letter or '_' first)" << qsizetype(0);
        QTest::newRow("'[' at the end")
            << "args["
            << "expected an index or a quoted key after '['" << qsizetype(5);
        QTest::newRow("unquoted key in brackets")
            << "args[x]"
            << "expected an index or a quoted key after '['" << qsizetype(5);
        QTest::newRow("'.' at the end") << "args."
                                        << "expected a name after '.'" << qsizetype(5);
        QTest::newRow("'.' then a digit") << "args.0"
                                          << "expected a name after '.'" << qsizetype(5);
        QTest::newRow("unterminated key") << "args[\"unterminated"
                                          << "the key's string is not closed" << qsizetype(5);
        QTest::newRow("unterminated key ending in a backslash")
            << "args[\"a\\"
            << "the key's string is not closed" << qsizetype(5);
        QTest::newRow("negative index") << "args[-1]"
                                        << "an index cannot be negative" << qsizetype(5);
        QTest::newRow("index without ']'") << "args[0"
                                           << "expected ']' after the index" << qsizetype(6);
        QTest::newRow("index with a fraction") << "args[1.5]"
                                               << "expected ']' after the index" << qsizetype(6);
        QTest::newRow("key without ']'") << "args[\"a\"x"
                                         << "expected ']' after the key" << qsizetype(8);
        QTest::newRow("index too large") << "args[99999999999999999999]"
                                         << "the index is too large" << qsizetype(5);
        QTest::newRow("unknown escape") << "args[\"a\\x\"]"
                                        << "not a JSON string escape" << qsizetype(7);
        QTest::newRow("bad \\u digit") << "args[\"\\u12g4\"]"
                                       << "expected a hex digit in the \\u escape" << qsizetype(10);
        QTest::newRow("lone surrogate") << "args[\"\\ud83d\"]"
                                        << "a \\u escape of a lone surrogate" << qsizetype(6);
        QTest::newRow("raw control character in a key")
            << QStringLiteral("args[\"a\tb\"]") << "a control character in the key must be escaped"
            << qsizetype(7);
        QTest::newRow("space after the root") << "args [0]"
                                              << "expected '.' or '['" << qsizetype(4);
        QTest::newRow("junk after a segment") << "args[0]x"
                                              << "expected '.' or '['" << qsizetype(7);
    }

    void parseError()
    {
        QFETCH(QString, text);
        QFETCH(QString, error);
        QFETCH(qsizetype, offset);
        JsonPath path(QStringLiteral("untouched"));
        QString got;
        qsizetype gotOffset = -1;
        QVERIFY(!JsonPath::parse(text, &path, &got, &gotOffset));
        QCOMPARE(got, error);
        QCOMPARE(gotOffset, offset);
        QCOMPARE(path.toString(), QStringLiteral("untouched"));
    }

    void evaluate_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<bool>("found");
        QTest::addColumn<QJsonValue>("expected");
        const QJsonValue missing(QJsonValue::Undefined);
        const QJsonValue args =
            json("[{\"id\":\"u1\",\"tags\":[\"a\",\"b\"],\"odd key\":{\"x\":null}},7]");
        QTest::newRow("the root") << "args" << args << true << args;
        QTest::newRow("an item") << "args[1]" << args << true << json("7");
        QTest::newRow("a member of an item") << "args[0].id" << args << true << json("\"u1\"");
        QTest::newRow("an item of a member") << "args[0].tags[1]" << args << true << json("\"b\"");
        QTest::newRow("a quoted key") << "args[0][\"odd key\"].x" << args << true << json("null");
        QTest::newRow("item past the end") << "args[2]" << args << false << missing;
        QTest::newRow("missing member") << "args[0].name" << args << false << missing;
        QTest::newRow("below a missing member") << "args[0].name.first" << args << false << missing;
        QTest::newRow("index into an object") << "args[0][0]" << args << false << missing;
        QTest::newRow("member of an array") << "args.id" << args << false << missing;
        QTest::newRow("member of a number") << "args[1].id" << args << false << missing;
        QTest::newRow("index into a string") << "args[0].id[0]" << args << false << missing;
        QTest::newRow("below null") << "args[0][\"odd key\"].x.y" << args << false << missing;
        QTest::newRow("an undefined root") << "args" << missing << false << missing;
    }

    void evaluate()
    {
        QFETCH(QString, path);
        QFETCH(QJsonValue, value);
        QFETCH(bool, found);
        QFETCH(QJsonValue, expected);
        JsonPath parsed;
        QString error;
        QVERIFY2(JsonPath::parse(path, &parsed, &error), qPrintable(error));
        bool wasFound = !found;
        const QJsonValue got = parsed.evaluate(value, &wasFound);
        QCOMPARE(wasFound, found);
        QCOMPARE(got, expected);
        if (!found)
            QVERIFY(got.isUndefined());
    }

    void memberAndItem()
    {
        const JsonPath root(QStringLiteral("args"));
        const JsonPath path =
            root.item(0).member(QStringLiteral("user")).member("first name").item(3);
        QCOMPARE(path.toString(), QStringLiteral("args[0].user[\"first name\"][3]"));
        QCOMPARE(root.toString(), QStringLiteral("args")); // member() and item() copy
        QVERIFY(!(path == root));
        QVERIFY(root.member("a") == JsonPath(QStringLiteral("args")).member("a"));
        QVERIFY(!(root.member("a") == root.member("b")));
        QVERIFY(!(root.item(0) == root.member("0")));
        QVERIFY(!(root == JsonPath(QStringLiteral("ack"))));
        QVERIFY(JsonPath() == JsonPath());
    }
};

QTEST_GUILESS_MAIN(tst_JsonPath)
#include "tst_jsonpath.moc"
