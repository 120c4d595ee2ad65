// JsonScanner: RFC 8259 validation without a document, the facts the codec needs (kind, item
// count, first string, placeholders) and errors with byte offsets.
#include "common/jsonscanner.h"

#include <QTest>

using Kind = JsonScanner::Kind;
Q_DECLARE_METATYPE(JsonScanner::Kind)

class tst_JsonScanner : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void prefix_data();
    void prefix();
    void valid_data();
    void valid();
    void invalid_data();
    void invalid();
    void depthLimitIsExact();
    void hundredThousandLevelsFailCleanly_data();
    void hundredThousandLevelsFailCleanly();
    void longDocument();
    void plainStringBytes_data();
    void plainStringBytes();
    void duplicateKeys_data();
    void duplicateKeys();
    void duplicateKeysAreAllowedByDefault();
    void qJsonDocumentDialect_data();
    void qJsonDocumentDialect();
    void placeholdersUnchecked();
};

void tst_JsonScanner::valid_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<int>("itemCount");
    QTest::addColumn<Kind>("firstItemKind");
    QTest::addColumn<bool>("firstItemIsString");
    QTest::addColumn<QString>("firstString");
    QTest::addColumn<QList<int>>("placeholders");

    const QList<int> none;
    // Scalars and empty containers.
    QTest::newRow("empty object") << QByteArray("{}") << Kind::Object << 0 << Kind::Invalid << false
                                  << QString() << none;
    QTest::newRow("empty array") << QByteArray("[]") << Kind::Array << 0 << Kind::Invalid << false
                                 << QString() << none;
    QTest::newRow("empty array with whitespace inside")
        << QByteArray("[ \n ]") << Kind::Array << 0 << Kind::Invalid << false << QString() << none;
    QTest::newRow("top-level string") << QByteArray("\"Not authorized\"") << Kind::String << 0
                                      << Kind::Invalid << false << QString() << none;
    QTest::newRow("zero") << QByteArray("0") << Kind::Number << 0 << Kind::Invalid << false
                          << QString() << none;
    QTest::newRow("negative zero")
        << QByteArray("-0") << Kind::Number << 0 << Kind::Invalid << false << QString() << none;
    QTest::newRow("fraction and exponent") << QByteArray("-12.5e-3") << Kind::Number << 0
                                           << Kind::Invalid << false << QString() << none;
    QTest::newRow("capital exponent with plus")
        << QByteArray("1E+2") << Kind::Number << 0 << Kind::Invalid << false << QString() << none;
    QTest::newRow("true") << QByteArray("true") << Kind::True << 0 << Kind::Invalid << false
                          << QString() << none;
    QTest::newRow("false") << QByteArray("false") << Kind::False << 0 << Kind::Invalid << false
                           << QString() << none;
    QTest::newRow("null") << QByteArray("null") << Kind::Null << 0 << Kind::Invalid << false
                          << QString() << none;
    QTest::newRow("all four whitespace characters around")
        << QByteArray(" \t\r\n[1] \n") << Kind::Array << 1 << Kind::Number << false << QString()
        << none;

    // Item counts and first items.
    QTest::newRow("event with mixed items")
        << QByteArray(R"(["a",1,{"b":[2,3]},null,[],true])") << Kind::Array << 6 << Kind::String
        << true << QStringLiteral("a") << none;
    QTest::newRow("object member count")
        << QByteArray(R"({"a":1,"b":[1,2],"c":{"d":{}}})") << Kind::Object << 3 << Kind::Invalid
        << false << QString() << none;
    QTest::newRow("first item number") << QByteArray(R"([42,"x"])") << Kind::Array << 2
                                       << Kind::Number << false << QString() << none;
    QTest::newRow("first item object") << QByteArray(R"([{"a":"b"},"x"])") << Kind::Array << 2
                                       << Kind::Object << false << QString() << none;
    QTest::newRow("first item array") << QByteArray(R"([["x"]])") << Kind::Array << 1 << Kind::Array
                                      << false << QString() << none;
    QTest::newRow("first item null")
        << QByteArray("[null]") << Kind::Array << 1 << Kind::Null << false << QString() << none;
    QTest::newRow("first item false")
        << QByteArray("[false]") << Kind::Array << 1 << Kind::False << false << QString() << none;
    QTest::newRow("first item empty string")
        << QByteArray(R"(["",1])") << Kind::Array << 2 << Kind::String << true << QString() << none;

    // Unescaping of the first string.
    QTest::newRow("simple escapes")
        << QByteArray(R"(["q\"b\\s\/b\bf\fn\nr\rt\t"])") << Kind::Array << 1 << Kind::String << true
        << QStringLiteral("q\"b\\s/b\bf\fn\nr\rt\t") << none;
    QTest::newRow("unicode escapes lower and upper hex")
        << QByteArray(R"(["\u00e9t\u00C9\u0041"])") << Kind::Array << 1 << Kind::String << true
        << QStringLiteral(u"\u00e9t\u00c9A") << none;
    QTest::newRow("surrogate pair escape")
        << QByteArray(R"(["smile \ud83d\ude00!"])") << Kind::Array << 1 << Kind::String << true
        << QStringLiteral(u"smile \U0001F600!") << none;
    QTest::newRow("raw UTF-8 two, three and four bytes")
        << QByteArray("[\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"]") << Kind::Array << 1
        << Kind::String << true << QStringLiteral(u"h\u00e9llo \u20ac \U0001F600") << none;
    QTest::newRow("escapes mixed with UTF-8")
        << QByteArray("[\"\xc3\xa9\\n\xc3\xa9\"]") << Kind::Array << 1 << Kind::String << true
        << QStringLiteral(u"\u00e9\n\u00e9") << none;
    QTest::newRow("escaped NUL") << QByteArray(R"(["a\u0000b"])") << Kind::Array << 1
                                 << Kind::String << true << QString::fromUtf16(u"a\0b", 3) << none;
    QTest::newRow("lone high surrogate is kept")
        << QByteArray(R"(["\ud800"])") << Kind::Array << 1 << Kind::String << true
        << QString(QChar(0xd800)) << none;
    QTest::newRow("only the first item is unescaped")
        << QByteArray(R"(["first","sec\u006fnd"])") << Kind::Array << 2 << Kind::String << true
        << QStringLiteral("first") << none;

    // Placeholders.
    QTest::newRow("spec placeholders in order")
        << QByteArray(R"(["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])")
        << Kind::Array << 3 << Kind::String << true << QStringLiteral("baz") << QList<int>{0, 1};
    QTest::newRow("placeholder keys reversed")
        << QByteArray(R"([{"num":3,"_placeholder":true}])") << Kind::Array << 1 << Kind::Object
        << false << QString() << QList<int>{3};
    QTest::newRow("placeholder with whitespace and extra member")
        << QByteArray(R"([ { "_placeholder" : true , "extra" : [1] , "num" : 7 } ])") << Kind::Array
        << 1 << Kind::Object << false << QString() << QList<int>{7};
    QTest::newRow("placeholders deep, document order")
        << QByteArray(R"({"a":[{"b":{"_placeholder":true,"num":2}}],"c":{"_placeholder":true,)"
                      R"("num":0},"d":[[{"num":1,"_placeholder":true}]]})")
        << Kind::Object << 3 << Kind::Invalid << false << QString() << QList<int>{2, 0, 1};
    QTest::newRow("repeated placeholder num")
        << QByteArray(R"([{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}])")
        << Kind::Array << 2 << Kind::Object << false << QString() << QList<int>{0, 0};
    QTest::newRow("placeholder nested in a placeholder: outer first")
        << QByteArray(R"([{"_placeholder":true,"x":{"_placeholder":true,"num":1},"num":0}])")
        << Kind::Array << 1 << Kind::Object << false << QString() << QList<int>{0, 1};
    QTest::newRow("top-level placeholder object")
        << QByteArray(R"({"_placeholder":true,"num":5})") << Kind::Object << 2 << Kind::Invalid
        << false << QString() << QList<int>{5};
    QTest::newRow("escaped placeholder keys count")
        << QByteArray(R"([{"\u005fplaceholder":true,"n\u0075m":4}])") << Kind::Array << 1
        << Kind::Object << false << QString() << QList<int>{4};
    QTest::newRow("_placeholder false is a plain object")
        << QByteArray(R"([{"_placeholder":false,"num":"x"}])") << Kind::Array << 1 << Kind::Object
        << false << QString() << none;
    QTest::newRow("_placeholder \"true\" string is a plain object")
        << QByteArray(R"([{"_placeholder":"true","num":-1}])") << Kind::Array << 1 << Kind::Object
        << false << QString() << none;
    QTest::newRow("_placeholder 1 is a plain object")
        << QByteArray(R"([{"_placeholder":1}])") << Kind::Array << 1 << Kind::Object << false
        << QString() << none;
    QTest::newRow("num alone is a plain object") << QByteArray(R"([{"num":1}])") << Kind::Array << 1
                                                 << Kind::Object << false << QString() << none;
    QTest::newRow("duplicate _placeholder: last one wins")
        << QByteArray(R"([{"_placeholder":true,"_placeholder":false}])") << Kind::Array << 1
        << Kind::Object << false << QString() << none;
    QTest::newRow("duplicate num: last one wins")
        << QByteArray(R"([{"_placeholder":true,"num":"x","num":1}])") << Kind::Array << 1
        << Kind::Object << false << QString() << QList<int>{1};
    QTest::newRow("key that only starts like _placeholder")
        << QByteArray(R"([{"_placeholders":true,"nums":"x"}])") << Kind::Array << 1 << Kind::Object
        << false << QString() << none;
    QTest::newRow("placeholder-looking string is not a placeholder")
        << QByteArray(R"(["{\"_placeholder\":true,\"num\":0}"])") << Kind::Array << 1
        << Kind::String << true << QStringLiteral("{\"_placeholder\":true,\"num\":0}") << none;
    QTest::newRow("largest placeholder num")
        << QByteArray(R"([{"_placeholder":true,"num":2147483647}])") << Kind::Array << 1
        << Kind::Object << false << QString() << QList<int>{2147483647};
}

void tst_JsonScanner::valid()
{
    QFETCH(QByteArray, text);
    QFETCH(Kind, kind);
    QFETCH(int, itemCount);
    QFETCH(Kind, firstItemKind);
    QFETCH(bool, firstItemIsString);
    QFETCH(QString, firstString);
    QFETCH(QList<int>, placeholders);

    const JsonScanner::Result result = JsonScanner::scan(text);
    QCOMPARE(result.error, QString());
    QCOMPARE(result.errorOffset, qsizetype(-1));
    QCOMPARE(result.kind, kind);
    QCOMPARE(result.itemCount, itemCount);
    QCOMPARE(result.firstItemKind, firstItemKind);
    QCOMPARE(result.firstItemIsString, firstItemIsString);
    QCOMPARE(result.firstString, firstString);
    QCOMPARE(result.placeholders, placeholders);
}

void tst_JsonScanner::invalid_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("maxDepth");
    QTest::addColumn<QString>("error");
    QTest::addColumn<int>("offset");

    const int depth = JsonScanner::DefaultMaxDepth;
    const auto row = [&](const char *name, const QByteArray &text, const char *what, int offset,
                         int maxDepth = JsonScanner::DefaultMaxDepth) {
        QTest::newRow(name)
            << text << maxDepth
            << QStringLiteral("%1 at offset %2").arg(QLatin1StringView(what)).arg(offset) << offset;
    };

    row("empty text", "", "unexpected end of input (a JSON value was expected)", 0);
    row("whitespace only", "  \n", "unexpected end of input (a JSON value was expected)", 3);
    row("unterminated string", R"(["abc)", "unterminated string", 5);
    row("unterminated string after backslash", R"(["abc\)", "unterminated string", 6);
    row("unterminated array", "[1,2", "expected ',' or ']' after an array item, found end of input",
        4);
    row("unterminated object", R"({"a":1)",
        "expected ',' or '}' after an object member, found end of input", 6);
    row("object missing value", R"({"a":)", "unexpected end of input (a JSON value was expected)",
        5);
    row("trailing comma in array", "[1,]", "expected a JSON value, found ']'", 3);
    row("trailing comma in object", R"({"a":1,})", "expected a string key, found '}'", 7);
    row("leading comma in array", "[,1]", "expected a JSON value, found ','", 1);
    row("missing comma", "[1 2]", "expected ',' or ']' after an array item, found '2'", 3);
    row("missing colon", R"({"a" 1})", "expected ':' after an object key, found '1'", 5);
    row("unquoted key", "{a:1}", "expected a string key or '}', found 'a'", 1);
    row("number key", "{1:1}", "expected a string key or '}', found '1'", 1);
    row("single-quoted string", "['a']", "expected a JSON value, found '''", 1);
    row("mismatched brackets", "[1}", "expected ',' or ']' after an array item, found '}'", 2);
    row("mismatched braces", R"({"a":1])", "expected ',' or '}' after an object member, found ']'",
        6);
    row("lone closing bracket", "]", "expected a JSON value, found ']'", 0);
    row("leading zero", "[01]", "invalid number (leading zero)", 1);
    row("negative leading zero", "-01", "invalid number (leading zero)", 0);
    row("bare minus", "-", "invalid number (digit expected after '-')", 1);
    row("minus then letter", "-a", "invalid number (digit expected after '-')", 1);
    row("dot without digits", "1.", "invalid number (digit expected after '.')", 2);
    row("leading dot", ".5", "expected a JSON value, found '.'", 0);
    row("exponent without digits", "1e+", "invalid number (digit expected in exponent)", 3);
    row("plus sign", "+1", "expected a JSON value, found '+'", 0);
    row("NaN", "NaN", "expected a JSON value, found 'N'", 0);
    row("Infinity", "[Infinity]", "expected a JSON value, found 'I'", 1);
    row("hex number", "0x10", "unexpected 'x' after the JSON value", 1);
    row("truncated true", "tru", "invalid literal (expected 'true')", 0);
    row("capitalized True", "True", "expected a JSON value, found 'T'", 0);
    row("misspelled null", "[nul]", "invalid literal (expected 'null')", 1);
    row("misspelled false", "fals3", "invalid literal (expected 'false')", 0);
    row("raw newline in string", "[\"a\nb\"]", "unescaped control character 0x0a in string", 3);
    row("raw NUL in string", QByteArray("[\"a\0\"]", 6),
        "unescaped control character 0x00 in string", 3);
    row("invalid escape", R"(["\x"])", "invalid escape: 'x' after '\\'", 2);
    row("escaped single quote", R"(["\'"])", "invalid escape: ''' after '\\'", 2);
    row("short unicode escape", R"(["\u12"])", "invalid \\u escape (4 hex digits expected)", 2);
    row("non-hex unicode escape", R"(["\u12G4"])", "invalid \\u escape (4 hex digits expected)", 2);
    row("invalid UTF-8 byte", "[\"\xff\"]", "invalid UTF-8 in string", 2);
    row("stray continuation byte", "[\"a\x80\"]", "invalid UTF-8 in string", 3);
    row("overlong UTF-8", "[\"\xc0\xaf\"]", "invalid UTF-8 in string", 2);
    row("overlong three-byte UTF-8", "[\"\xe0\x80\xaf\"]", "invalid UTF-8 in string", 2);
    row("UTF-8 encoded surrogate", "[\"\xed\xa0\x80\"]", "invalid UTF-8 in string", 2);
    row("UTF-8 above U+10FFFF", "[\"\xf4\x90\x80\x80\"]", "invalid UTF-8 in string", 2);
    row("truncated UTF-8", "[\"\xe2\x82\"]", "invalid UTF-8 in string", 2);
    row("non-ASCII outside string", "[\xc3\xa9]", "expected a JSON value, found byte 0xc3", 1);
    row("trailing garbage", "[1] x", "unexpected 'x' after the JSON value", 4);
    row("two top-level values", "{} {}", "unexpected '{' after the JSON value", 3);
    row("trailing NUL", QByteArray("[1]\0", 4), "unexpected byte 0x00 after the JSON value", 3);
    row("nesting deeper than 2", "[[[1]]]", "nesting deeper than 2 levels", 2, 2);
    row("object nesting deeper than 2", R"({"a":{"b":{}}})", "nesting deeper than 2 levels", 10, 2);
    row("no containers allowed at depth 0", "[]", "nesting deeper than 0 levels", 0, 0);
    row("placeholder without num", R"({"_placeholder":true})", "placeholder object has no \"num\"",
        20);
    row("placeholder with negative num", R"([{"_placeholder":true,"num":-1}])",
        "placeholder \"num\" must be a non-negative integer", 30);
    row("placeholder with fractional num", R"([{"_placeholder":true,"num":1.5}])",
        "placeholder \"num\" must be a non-negative integer", 31);
    row("placeholder with exponent num", R"([{"_placeholder":true,"num":1e0}])",
        "placeholder \"num\" must be a non-negative integer", 31);
    row("placeholder with string num", R"([{"_placeholder":true,"num":"0"}])",
        "placeholder \"num\" must be a non-negative integer", 31);
    row("placeholder with null num", R"([{"num":null,"_placeholder":true}])",
        "placeholder \"num\" must be a non-negative integer", 32);
    row("placeholder num above int range", R"([{"_placeholder":true,"num":2147483648}])",
        "placeholder \"num\" is too large", 38);
    row("placeholder num with 30 digits",
        R"([{"_placeholder":true,"num":123456789012345678901234567890}])",
        "placeholder \"num\" is too large", 58);
    row("bad placeholder deep inside", R"(["x",[{"a":{"_placeholder":true,"num":{}}}]])",
        "placeholder \"num\" must be a non-negative integer", 40);
    Q_UNUSED(depth);
}

void tst_JsonScanner::invalid()
{
    QFETCH(QByteArray, text);
    QFETCH(int, maxDepth);
    QFETCH(QString, error);
    QFETCH(int, offset);

    const JsonScanner::Result result = JsonScanner::scan(text, maxDepth);
    QCOMPARE(result.kind, Kind::Invalid);
    QCOMPARE(result.error, error);
    QCOMPARE(result.errorOffset, qsizetype(offset));
    // A failed scan reports nothing half-done.
    QCOMPARE(result.itemCount, 0);
    QVERIFY(result.placeholders.isEmpty());
    QCOMPARE(result.firstString, QString());
}

void tst_JsonScanner::depthLimitIsExact()
{
    const int limit = JsonScanner::DefaultMaxDepth;
    const QByteArray atLimit = QByteArray(limit, '[') + QByteArray(limit, ']');
    const JsonScanner::Result ok = JsonScanner::scan(atLimit);
    QCOMPARE(ok.error, QString());
    QCOMPARE(ok.kind, Kind::Array);
    QCOMPARE(ok.itemCount, 1);
    QCOMPARE(ok.firstItemKind, Kind::Array);

    const QByteArray overLimit = QByteArray(limit + 1, '[') + QByteArray(limit + 1, ']');
    const JsonScanner::Result tooDeep = JsonScanner::scan(overLimit);
    QCOMPARE(tooDeep.kind, Kind::Invalid);
    QCOMPARE(tooDeep.error, QStringLiteral("nesting deeper than 1000 levels at offset 1000"));
    QCOMPARE(tooDeep.errorOffset, qsizetype(1000));
}

void tst_JsonScanner::hundredThousandLevelsFailCleanly_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("maxDepth");
    QTest::addColumn<QString>("error");

    constexpr int levels = 100000;
    QTest::newRow("arrays, default limit")
        << QByteArray(levels, '[') << JsonScanner::DefaultMaxDepth
        << QStringLiteral("nesting deeper than 1000 levels at offset 1000");
    QByteArray objects;
    for (int i = 0; i < levels; ++i)
        objects += "{\"a\":";
    QTest::newRow("objects, default limit")
        << objects << JsonScanner::DefaultMaxDepth
        << QStringLiteral("nesting deeper than 1000 levels at offset 5000");
    // Even with no practical limit the scanner keeps its own stack: it simply runs out of input.
    QTest::newRow("arrays, limit above the nesting")
        << QByteArray(levels, '[') << levels + 1
        << QStringLiteral("unexpected end of input (a JSON value was expected) at offset 100000");
    QTest::newRow("balanced arrays, limit above the nesting")
        << QByteArray(levels, '[') + QByteArray(levels, ']') << levels << QString();
}

void tst_JsonScanner::hundredThousandLevelsFailCleanly()
{
    QFETCH(QByteArray, text);
    QFETCH(int, maxDepth);
    QFETCH(QString, error);

    const JsonScanner::Result result = JsonScanner::scan(text, maxDepth);
    QCOMPARE(result.error, error);
    QCOMPARE(result.kind, error.isEmpty() ? Kind::Array : Kind::Invalid);
}

void tst_JsonScanner::longDocument()
{
    // Many items and placeholders: counts must stay exact beyond any small inline buffer.
    QByteArray text = "[\"bulk\"";
    QList<int> expected;
    for (int i = 0; i < 500; ++i) {
        text += QByteArray(",{\"_placeholder\":true,\"num\":") + QByteArray::number(i) + "}";
        text += ",[1,2.5,\"s\",{\"k\":null}]";
        expected.append(i);
    }
    text += "]";
    const JsonScanner::Result result = JsonScanner::scan(text);
    QCOMPARE(result.error, QString());
    QCOMPARE(result.itemCount, 1001);
    QCOMPARE(result.firstString, QStringLiteral("bulk"));
    QCOMPARE(result.placeholders, expected);
}

// Prefix mode (JSON Lines reads embedded payloads with it): the value at the start is validated
// and the scan stops right after it, whatever follows.
void tst_JsonScanner::prefix_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("kind"); // JsonScanner::Kind
    QTest::addColumn<qsizetype>("end");
    QTest::addColumn<QString>("reason");
    const int object = int(JsonScanner::Kind::Object);
    const int invalid = int(JsonScanner::Kind::Invalid);
    QTest::newRow("object, then the rest of a record")
        << QByteArray("{\"a\":[1,2]},\"raw\":\"x\"}") << object << qsizetype(11) << QString();
    QTest::newRow("number stops at the comma")
        << QByteArray("-12.5e3,\"b\"") << int(JsonScanner::Kind::Number) << qsizetype(7)
        << QString();
    QTest::newRow("string with an escaped quote")
        << QByteArray("\"a\\\"b\"}") << int(JsonScanner::Kind::String) << qsizetype(6) << QString();
    QTest::newRow("whitespace before the value, none after")
        << QByteArray("  true }") << int(JsonScanner::Kind::True) << qsizetype(6) << QString();
    QTest::newRow("truncated array: the error is at the end")
        << QByteArray("[1,2") << invalid << qsizetype(4)
        << QStringLiteral("expected ',' or ']' after an array item, found end of input");
    QTest::newRow("nothing there")
        << QByteArray("") << invalid << qsizetype(0)
        << QStringLiteral("unexpected end of input (a JSON value was expected)");
    QTest::newRow("bad literal") << QByteArray("nul,") << invalid << qsizetype(0)
                                 << QStringLiteral("invalid literal (expected 'null')");
}

void tst_JsonScanner::prefix()
{
    QFETCH(QByteArray, text);
    QFETCH(int, kind);
    QFETCH(qsizetype, end);
    QFETCH(QString, reason);
    qsizetype valueEnd = -1;
    const JsonScanner::Result result = JsonScanner::scanPrefix(text, &valueEnd);
    QCOMPARE(int(result.kind), kind);
    QCOMPARE(valueEnd, end);
    QCOMPARE(result.reason, reason);
    if (!reason.isEmpty())
        QCOMPARE(result.error, QStringLiteral("%1 at offset %2").arg(reason).arg(end));
}

// The fast run skipper stops exactly where a byte-by-byte look would, wherever the special byte
// sits in a 16- or 8-byte step.
void tst_JsonScanner::plainStringBytes_data()
{
    QTest::addColumn<char>("special");
    QTest::newRow("quote") << '"';
    QTest::newRow("backslash") << '\\';
    QTest::newRow("newline (control)") << '\n';
    QTest::newRow("NUL") << '\0';
    QTest::newRow("0x1f, the last control") << '\x1f';
    QTest::newRow("0x80, the first non-ASCII") << '\x80';
    QTest::newRow("0xff") << '\xff';
}

void tst_JsonScanner::plainStringBytes()
{
    QFETCH(char, special);
    for (int length = 0; length <= 40; ++length) {
        for (int at = 0; at <= length; ++at) {
            QByteArray text(length, 'a');
            if (length > 0)
                text[length / 2] = length % 2 ? ' ' : '~'; // 0x20 and 0x7f are plain
            if (at < length)
                text[at] = special;
            const qsizetype expected = at < length ? at : length;
            QCOMPARE(JsonScanner::plainStringBytes(text.constData(), text.constData() + length),
                     expected);
        }
    }
}

// Options::rejectDuplicateKeys: the first key that its object already has ends the scan, at the
// opening quote of its second occurrence. Keys compare unescaped, as UTF-16.
void tst_JsonScanner::duplicateKeys_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("qtDialect");
    QTest::addColumn<QString>("key"); // null: no duplicate
    QTest::addColumn<int>("offset");

    QTest::newRow("no key twice in one object")
        << QByteArray(R"({"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]})") << false << QString() << -1;
    QTest::newRow("a key twice") << QByteArray(R"({"a":1,"a":2})") << false << QStringLiteral("a")
                                 << 7;
    QTest::newRow("the empty key twice")
        << QByteArray(R"({"":1, "":2})") << false << QStringLiteral("") << 7;
    QTest::newRow("a key twice after whitespace and a nested object")
        << QByteArray("{\"a\": {\"b\": 1},\n \"a\": 2}") << false << QStringLiteral("a") << 17;
    QTest::newRow("the same key, once escaped")
        << QByteArray(R"({"chat":[],"ch\u0061t":[]})") << false << QStringLiteral("chat") << 11;
    QTest::newRow("a \\u surrogate pair is the character it encodes")
        << QByteArray("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}") << false
        << QString::fromUtf8("\xf0\x9f\x98\x80") << 18;
    QTest::newRow("two different lone surrogates are two keys")
        << QByteArray(R"({"\ud800":1,"\udbff":2})") << false << QString() << -1;
    QTest::newRow("a lone surrogate twice")
        << QByteArray(R"({"\udc00":1,"\udc00":2})") << false << QString(QChar(0xdc00)) << 12;
    QTest::newRow("a nested object may repeat its parent's keys")
        << QByteArray(R"({"a":{"a":{"a":1}},"b":2})") << false << QString() << -1;
    QTest::newRow("sibling objects have keys of their own")
        << QByteArray(R"([{"a":1},{"a":1},{"b":{"a":1}},{"b":{"a":1}}])") << false << QString()
        << -1;
    QTest::newRow("in a nested object, the first one in document order")
        << QByteArray(R"({"a":{"b":1,"b":2},"a":3})") << false << QStringLiteral("b") << 12;
    QTest::newRow("after a sibling object closed")
        << QByteArray(R"([{"k":1},{"x":{"k":1},"x":2}])") << false << QStringLiteral("x") << 22;
    QTest::newRow("Qt's dialect: an unknown escape stands for its character")
        << QByteArray(R"({"chat":[],"\chat":[]})") << true << QStringLiteral("chat") << 11;
    QTest::newRow("Qt's dialect: a raw tab is a character of the key")
        << QByteArray("{\"a\tb\":1,\"a\\tb\":2}") << true << QStringLiteral("a\tb") << 9;
    QTest::newRow("Qt's dialect: offsets count the byte order mark")
        << QByteArray("\xef\xbb\xbf{\"v\":1,\"v\":.5}") << true << QStringLiteral("v") << 10;
}

void tst_JsonScanner::duplicateKeys()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, qtDialect);
    QFETCH(QString, key);
    QFETCH(int, offset);

    JsonScanner::Options options;
    options.rejectDuplicateKeys = true;
    if (qtDialect)
        options.dialect = JsonScanner::Dialect::QJsonDocument;
    const JsonScanner::Result result = JsonScanner::scan(text, options);
    if (key.isNull()) {
        QCOMPARE(result.error, QString());
        QVERIFY(result.duplicateKey.isNull());
        return;
    }
    QCOMPARE(result.kind, Kind::Invalid);
    QCOMPARE(result.duplicateKey, key);
    QVERIFY(!result.duplicateKey.isNull());
    QCOMPARE(result.errorOffset, qsizetype(offset));
    QCOMPARE(result.reason, QStringLiteral("duplicate key \"%1\"").arg(key));
    QCOMPARE(result.error,
             QStringLiteral("duplicate key \"%1\" at offset %2").arg(key).arg(offset));
}

void tst_JsonScanner::duplicateKeysAreAllowedByDefault()
{
    const JsonScanner::Result result = JsonScanner::scan(R"({"a":1,"a":2})");
    QCOMPARE(result.error, QString());
    QCOMPARE(result.kind, Kind::Object);
    QCOMPARE(result.itemCount, 2);
    QVERIFY(result.duplicateKey.isNull());
}

// Dialect::QJsonDocument accepts what QJsonDocument::fromJson accepts beyond RFC 8259, and no
// more of what both refuse.
void tst_JsonScanner::qJsonDocumentDialect_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("qtAccepts");
    QTest::addColumn<QString>("rfcError");

    QTest::newRow("byte order mark")
        << QByteArray("\xef\xbb\xbf{\"a\":1}") << true
        << QStringLiteral("expected a JSON value, found byte 0xef at offset 0");
    QTest::newRow("raw tab in a string")
        << QByteArray("[\"a\tb\"]") << true
        << QStringLiteral("unescaped control character 0x09 in string at offset 3");
    QTest::newRow("raw NUL in a key")
        << QByteArray("{\"a\0\":1}", 8) << true
        << QStringLiteral("unescaped control character 0x00 in string at offset 3");
    QTest::newRow("unknown escape") << QByteArray(R"(["\c"])") << true
                                    << QStringLiteral("invalid escape: 'c' after '\\' at offset 2");
    QTest::newRow("number without integer digits")
        << QByteArray("[.5]") << true
        << QStringLiteral("expected a JSON value, found '.' at offset 1");
    QTest::newRow("negative number without integer digits")
        << QByteArray("[-.5]") << true
        << QStringLiteral("invalid number (digit expected after '-') at offset 2");
    QTest::newRow("number without fraction digits")
        << QByteArray("[1.]") << true
        << QStringLiteral("invalid number (digit expected after '.') at offset 3");
    QTest::newRow("no fraction digits, then an exponent")
        << QByteArray("[1.e3]") << true
        << QStringLiteral("invalid number (digit expected after '.') at offset 3");
    QTest::newRow("a dot alone") << QByteArray("[.]") << false
                                 << QStringLiteral("expected a JSON value, found '.' at offset 1");
    QTest::newRow("exponent without digits")
        << QByteArray("[1e]") << false
        << QStringLiteral("invalid number (digit expected in exponent) at offset 3");
    QTest::newRow("leading zero") << QByteArray("[01]") << false
                                  << QStringLiteral("invalid number (leading zero) at offset 1");
    QTest::newRow("escape before a non-ASCII byte")
        << QByteArray("[\"\\\xc3\xa9\"]") << false
        << QStringLiteral("invalid escape: byte 0xc3 after '\\' at offset 2");
    QTest::newRow("short \\u escape")
        << QByteArray(R"(["\u00"])") << false
        << QStringLiteral("invalid \\u escape (4 hex digits expected) at offset 2");
    QTest::newRow("byte order mark alone")
        << QByteArray("\xef\xbb\xbf") << false
        << QStringLiteral("expected a JSON value, found byte 0xef at offset 0");
}

void tst_JsonScanner::qJsonDocumentDialect()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, qtAccepts);
    QFETCH(QString, rfcError);

    QCOMPARE(JsonScanner::scan(text).error, rfcError);
    JsonScanner::Options options;
    options.dialect = JsonScanner::Dialect::QJsonDocument;
    const JsonScanner::Result result = JsonScanner::scan(text, options);
    QCOMPARE(result.kind != Kind::Invalid, qtAccepts);
}

// Without checkPlaceholders, "_placeholder" is a key like any other.
void tst_JsonScanner::placeholdersUnchecked()
{
    JsonScanner::Options options;
    options.checkPlaceholders = false;
    for (const char *text : {R"([{"_placeholder":true}])", R"([{"_placeholder":true,"num":-1}])",
                             R"([{"_placeholder":true,"num":0}])"}) {
        const JsonScanner::Result result = JsonScanner::scan(text, options);
        QCOMPARE(result.error, QString());
        QVERIFY(result.placeholders.isEmpty());
    }
}

QTEST_APPLESS_MAIN(tst_JsonScanner)
#include "tst_jsonscanner.moc"
