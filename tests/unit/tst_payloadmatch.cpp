// PayloadMatch: every mode matching and not matching, with the exact message a CI log shows for
// the first difference; validate() refusing what cannot be used; shortJson() cutting long values.
// JSON in the rows is written with ' for " (json() swaps them back) to keep it readable.
#include "scenario/payloadmatch.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

Q_DECLARE_METATYPE(MatchMode)

namespace {

QJsonValue json(const char *text)
{
    QByteArray bytes(text);
    bytes.replace('\'', '"');
    QJsonParseError error;
    // QJsonDocument reads arrays and objects only: wrap the value and take it out.
    const QJsonDocument document = QJsonDocument::fromJson("[" + bytes + "]", &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("bad JSON in a test row: %s: %s", text, qPrintable(error.errorString()));
    return document.array().at(0);
}

const JsonPath Args(QStringLiteral("args"));

} // namespace

class tst_PayloadMatch : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void match_data()
    {
        QTest::addColumn<MatchMode>("mode");
        QTest::addColumn<QJsonValue>("expected");
        QTest::addColumn<QJsonValue>("actual");
        QTest::addColumn<QString>("message"); // empty: they match

        const MatchMode E = MatchMode::Exact, S = MatchMode::Subset, R = MatchMode::Regex,
                        X = MatchMode::Schema;
        const QString ok;

        // Exact
        QTest::newRow("exact: same array")
            << E << json("['a',1,true,null]") << json("['a',1,true,null]") << ok;
        QTest::newRow("exact: member order does not matter")
            << E << json("[{'a':1,'b':[1,2]}]") << json("[{'b':[1,2],'a':1}]") << ok;
        QTest::newRow("exact: 1 and 1.0 are equal") << E << json("[1]") << json("[1.0]") << ok;
        QTest::newRow("exact: 100 and 1e2 are equal") << E << json("[100]") << json("[1e2]") << ok;
        QTest::newRow("exact: different string")
            << E << json("[{'name':'bob'}]") << json("[{'name':'alice'}]")
            << "args[0].name: expected \"bob\", got \"alice\"";
        QTest::newRow("exact: different number")
            << E << json("[1]") << json("[1.5]") << "args[0]: expected 1, got 1.5";
        QTest::newRow("exact: integers past 2^53 that share a double")
            << E << json("[9007199254740993]") << json("[9007199254740992]")
            << "args[0]: expected 9007199254740993, got 9007199254740992";
        QTest::newRow("exact: true is not 1")
            << E << json("[true]") << json("[1]") << "args[0]: expected true, got 1";
        QTest::newRow("exact: the string \"1\" is not 1")
            << E << json("['1']") << json("[1]") << "args[0]: expected \"1\", got 1";
        QTest::newRow("exact: an array expected, an object got")
            << E << json("['x',[1]]") << json("['x',{'a':1}]")
            << "args[1]: expected an array, got {\"a\":1}";
        QTest::newRow("exact: an object expected, an array got")
            << E << json("{}") << json("[]") << "args: expected an object, got []";
        QTest::newRow("exact: a member missing")
            << E << json("[{'id':1,'name':'bob'}]") << json("[{'name':'bob'}]")
            << "args[0]: expected member \"id\", got nothing";
        QTest::newRow("exact: a member more")
            << E << json("[{'id':1}]") << json("[{'id':1,'extra':[true]}]")
            << "args[0].extra: expected nothing, got [true]";
        QTest::newRow("exact: a longer array")
            << E << json("[1,2]") << json("[1,2,3]") << "args: expected 2 items, got 3";
        QTest::newRow("exact: a shorter array")
            << E << json("[1]") << json("[]") << "args: expected 1 item, got 0";
        QTest::newRow("exact: null is not missing")
            << E << json("[{'x':null}]") << json("[{}]")
            << "args[0]: expected member \"x\", got nothing";
        QTest::newRow("exact: null is not 0")
            << E << json("[{'x':null}]") << json("[{'x':0}]") << "args[0].x: expected null, got 0";
        QTest::newRow("exact: missing root")
            << E << json("null") << QJsonValue(QJsonValue::Undefined)
            << "args: expected null, got nothing";
        QTest::newRow("exact: nested path with odd keys")
            << E << json("[{'odd key':{'a.b':[1,{'\u00fc':2}]}}]")
            << json("[{'odd key':{'a.b':[1,{'\u00fc':3}]}}]")
            << QString::fromUtf8("args[0][\"odd key\"][\"a.b\"][1][\"\u00fc\"]: expected 2, got 3");
        QTest::newRow("exact: key with a quote")
            << E << json("[{'say \\'hi\\'':1}]") << json("[{'say \\'hi\\'':2}]")
            << "args[0][\"say \\\"hi\\\"\"]: expected 1, got 2";
        QTest::newRow("exact: a regular expression is just a string")
            << E << json("['^u\\\\d+$']") << json("['u1']")
            << "args[0]: expected \"^u\\\\d+$\", got \"u1\"";

        // Subset
        QTest::newRow("subset: more members")
            << S << json("[{'id':1}]") << json("[{'id':1,'name':'bob','x':null}]") << ok;
        QTest::newRow("subset: a longer array")
            << S << json("[1,{'a':1}]") << json("[1,{'a':1,'b':2},3,4]") << ok;
        QTest::newRow("subset: an empty object matches any object")
            << S << json("{}") << json("{'a':1}") << ok;
        QTest::newRow("subset: an empty array matches any array")
            << S << json("[]") << json("[1,2]") << ok;
        QTest::newRow("subset: 1 and 1.0 are equal")
            << S << json("[{'n':1.0}]") << json("[{'n':1,'m':2}]") << ok;
        QTest::newRow("subset: a shorter array")
            << S << json("['a','b']") << json("['a']") << "args: expected at least 2 items, got 1";
        QTest::newRow("subset: a shorter nested array")
            << S << json("[{'tags':['a','b','c']}]") << json("[{'tags':['a'],'more':1}]")
            << "args[0].tags: expected at least 3 items, got 1";
        QTest::newRow("subset: a difference deep down")
            << S << json("[{'user':{'name':'bob'}}]")
            << json("[{'user':{'name':'alice','id':7}},2]")
            << "args[0].user.name: expected \"bob\", got \"alice\"";
        QTest::newRow("subset: a member missing")
            << S << json("[{'id':1}]") << json("[{'name':'bob'}]")
            << "args[0]: expected member \"id\", got nothing";
        QTest::newRow("subset: items compare by position")
            << S << json("[2]") << json("[1,2]") << "args[0]: expected 2, got 1";
        QTest::newRow("subset: an object is not an array")
            << S << json("{}") << json("[1]") << "args: expected an object, got [1]";
        QTest::newRow("subset: strings are not patterns")
            << S << json("['a.c']") << json("['abc']") << "args[0]: expected \"a.c\", got \"abc\"";

        // Regex
        QTest::newRow("regex: a full match")
            << R << json("[{'id':'^u\\\\d+$'}]") << json("[{'id':'u42','x':1}]") << ok;
        QTest::newRow("regex: anchored without ^ and $")
            << R << json("['u\\\\d+']") << json("['u42']") << ok;
        QTest::newRow("regex: a partial match is not enough")
            << R << json("['u\\\\d+']") << json("['xu42y']")
            << "args[0]: expected a string matching u\\d+, got \"xu42y\"";
        QTest::newRow("regex: an alternation must match whole")
            << R << json("['cat|dog']") << json("['cats']")
            << "args[0]: expected a string matching cat|dog, got \"cats\"";
        QTest::newRow("regex: an alternation") << R << json("['cat|dog']") << json("['dog']") << ok;
        QTest::newRow("regex: a number never matches a pattern")
            << R << json("[{'id':'^u\\\\d+$'}]") << json("[{'id':42}]")
            << "args[0].id: expected a string matching ^u\\d+$, got 42";
        QTest::newRow("regex: null never matches a pattern")
            << R << json("[{'id':'.*'}]") << json("[{'id':null}]")
            << "args[0].id: expected a string matching .*, got null";
        QTest::newRow("regex: a missing member") << R << json("[{'id':'.*'}]") << json("[{}]")
                                                 << "args[0]: expected member \"id\", got nothing";
        QTest::newRow("regex: non-strings compare exactly")
            << R << json("[{'n':1,'b':true,'z':null}]") << json("[{'n':1.0,'b':true,'z':null}]")
            << ok;
        QTest::newRow("regex: a number that differs")
            << R << json("[{'n':1}]") << json("[{'n':2}]") << "args[0].n: expected 1, got 2";
        QTest::newRow("regex: as subset, longer arrays and more members")
            << R << json("[{'id':'u.'}]") << json("[{'id':'u1','more':1},5]") << ok;
        QTest::newRow("regex: as subset, a shorter array")
            << R << json("['a','b']") << json("['a']") << "args: expected at least 2 items, got 1";

        // Schema
        QTest::newRow("schema: matches")
            << X
            << json("{'type':'array','items':[{'type':'object','required':['id'],"
                    "'properties':{'id':{'type':'string','pattern':'^u\\\\d+$'},"
                    "'age':{'type':'integer','minimum':18}}}],'minItems':1}")
            << json("[{'id':'u7','age':30.0,'x':[]}]") << ok;
        QTest::newRow("schema: minimum")
            << X << json("{'items':[{'properties':{'age':{'minimum':18}}}]}")
            << json("[{'age':12}]") << "args[0].age: expected minimum 18 (schema), got 12";
        QTest::newRow("schema: type")
            << X << json("{'items':{'type':'string'}}") << json("['a',42]")
            << "args[1]: expected type \"string\" (schema), got 42";
        QTest::newRow("schema: type among several")
            << X << json("{'type':['string','null']}") << json("1.5")
            << "args: expected type [\"string\",\"null\"] (schema), got 1.5";
        QTest::newRow("schema: integer") << X << json("{'type':'integer'}") << json("1.5")
                                         << "args: expected type \"integer\" (schema), got 1.5";
        QTest::newRow("schema: required")
            << X << json("{'items':{'required':['id']}}") << json("[{'name':'bob'}]")
            << "args[0]: expected member \"id\" (schema required), got nothing";
        QTest::newRow("schema: minItems") << X << json("{'minItems':2}") << json("[1]")
                                          << "args: expected minItems 2 (schema), got [1]";
        QTest::newRow("schema: maxLength in code points")
            << X << json("{'items':{'maxLength':2}}") << json("['\u00e9\u00e9','\U0001F600!!']")
            << QString::fromUtf8("args[1]: expected maxLength 2 (schema), got \"\U0001F600!!\"");
        QTest::newRow("schema: a surrogate pair is one code point")
            << X << json("{'items':{'maxLength':1}}") << json("['\U0001F600']") << ok;
        QTest::newRow("schema: pattern is not anchored")
            << X << json("{'items':{'pattern':'u\\\\d'}}") << json("['xu1y']") << ok;
        QTest::newRow("schema: pattern")
            << X << json("{'items':{'properties':{'id':{'pattern':'^u\\\\d+$'}}}}")
            << json("[{'id':'x'}]") << "args[0].id: expected pattern ^u\\d+$ (schema), got \"x\"";
        QTest::newRow("schema: additionalProperties false")
            << X << json("{'items':{'properties':{'id':{}},'additionalProperties':false}}")
            << json("[{'id':1,'extra':2}]")
            << "args[0].extra: expected additionalProperties false (schema), got 2";
        QTest::newRow("schema: additionalItems false")
            << X << json("{'items':[{}],'additionalItems':false}") << json("[1,2]")
            << "args[1]: expected additionalItems false (schema), got 2";
        QTest::newRow("schema: a false schema")
            << X << json("{'properties':{'x':false}}") << json("{'x':1}")
            << "args.x: expected no value (schema false), got 1";
        QTest::newRow("schema: enum") << X << json("{'enum':['a',1]}") << json("'b'")
                                      << "args: expected enum [\"a\",1] (schema), got \"b\"";
        QTest::newRow("schema: enum compares numbers by value")
            << X << json("{'enum':['a',1]}") << json("1.0") << ok;
        QTest::newRow("schema: const")
            << X << json("{'const':{'a':[1]}}") << json("{'a':[2]}")
            << "args: expected const {\"a\":[1]} (schema), got {\"a\":[2]}";
        QTest::newRow("schema: uniqueItems")
            << X << json("{'uniqueItems':true}") << json("[1,{'a':1},1.0]")
            << "args: expected uniqueItems true (schema), got [1,{\"a\":1},1]";
        QTest::newRow("schema: contains")
            << X << json("{'contains':{'type':'string'}}") << json("[1,2]")
            << "args: expected contains {\"type\":\"string\"} (schema), got [1,2]";
        QTest::newRow("schema: exclusiveMaximum")
            << X << json("{'exclusiveMaximum':3}") << json("3")
            << "args: expected exclusiveMaximum 3 (schema), got 3";
        QTest::newRow("schema: multipleOf a decimal")
            << X << json("{'multipleOf':0.01}") << json("19.99") << ok;
        QTest::newRow("schema: multipleOf") << X << json("{'multipleOf':2}") << json("7")
                                            << "args: expected multipleOf 2 (schema), got 7";
        QTest::newRow("schema: anyOf")
            << X << json("{'anyOf':[{'type':'string'},{'minimum':2}]}") << json("1")
            << "args: expected anyOf [{\"type\":\"string\"},{\"minimum\":2}] (schema), got 1";
        QTest::newRow("schema: oneOf with two matching")
            << X << json("{'oneOf':[{'type':'integer'},{'minimum':2}]}") << json("3")
            << "args: expected oneOf [{\"type\":\"integer\"},{\"minimum\":2}] (schema, 2 match), "
               "got 3";
        QTest::newRow("schema: not") << X << json("{'not':{'type':'null'}}") << json("null")
                                     << "args: expected not {\"type\":\"null\"} (schema), got null";
        QTest::newRow("schema: allOf names the failing part")
            << X << json("{'allOf':[{'type':'object'},{'required':['a']}]}") << json("{}")
            << "args: expected member \"a\" (schema required), got nothing";
        QTest::newRow("schema: if/then")
            << X
            << json("{'if':{'properties':{'kind':{'const':'user'}}},"
                    "'then':{'required':['id']},'else':{'required':['name']}}")
            << json("{'kind':'user'}")
            << "args: expected member \"id\" (schema required), got nothing";
        QTest::newRow("schema: if/else")
            << X
            << json("{'if':{'properties':{'kind':{'const':'user'}}},"
                    "'then':{'required':['id']},'else':{'required':['name']}}")
            << json("{'kind':'bot'}")
            << "args: expected member \"name\" (schema required), got nothing";
        QTest::newRow("schema: propertyNames")
            << X << json("{'propertyNames':{'maxLength':3}}") << json("{'abc':1,'abcd':2}")
            << "args: expected propertyNames: maxLength 3 (schema), got \"abcd\"";
        QTest::newRow("schema: dependencies by names")
            << X << json("{'dependencies':{'card':['billing']}}") << json("{'card':1}")
            << "args: expected member \"billing\" (schema dependencies of \"card\"), got nothing";
        QTest::newRow("schema: patternProperties")
            << X << json("{'patternProperties':{'^n_':{'type':'number'}}}")
            << json("{'n_a':1,'n_b':'x','s':'y'}")
            << "args.n_b: expected type \"number\" (schema), got \"x\"";
        QTest::newRow("schema: a true schema") << X << json("true") << json("[1]") << ok;
        QTest::newRow("schema: a false schema at the root")
            << X << json("false") << json("[]") << "args: expected no value (schema false), got []";
        QTest::newRow("schema: annotations are ignored")
            << X
            << json("{'title':'t','description':'d','$comment':'c','default':1,"
                    "'examples':[2],'$schema':'http://json-schema.org/draft-07/schema#'}")
            << json("[]") << ok;
    }

    void match()
    {
        QFETCH(MatchMode, mode);
        QFETCH(QJsonValue, expected);
        QFETCH(QJsonValue, actual);
        QFETCH(QString, message);
        QString error;
        QVERIFY2(PayloadMatch::validate(expected, mode, Args, &error), qPrintable(error));
        const MatchResult result = PayloadMatch::match(expected, actual, mode, Args);
        QCOMPARE(result.toString(), message);
        QCOMPARE(result.matched, message.isEmpty());
    }

    void resultParts()
    {
        const MatchResult result =
            PayloadMatch::match(json("[{'user':{'name':'bob'}}]"),
                                json("[{'user':{'name':'alice'}}]"), MatchMode::Subset, Args);
        QVERIFY(!result.matched);
        QVERIFY(result.where == Args.item(0).member("user").member("name"));
        QCOMPARE(result.expected, QStringLiteral("\"bob\""));
        QCOMPARE(result.actual, QStringLiteral("\"alice\""));
        QCOMPARE(MatchResult().toString(), QString());
    }

    void longActualIsShortened()
    {
        const QString longText(300, u'x');
        const MatchResult result =
            PayloadMatch::match(json("['short']"), QJsonArray{longText}, MatchMode::Exact, Args);
        QCOMPARE(result.actual.size(), 200);
        QCOMPARE(result.actual, u'"' + QString(198, u'x') + QChar(0x2026));
    }

    void validate_data()
    {
        QTest::addColumn<MatchMode>("mode");
        QTest::addColumn<QJsonValue>("expected");
        QTest::addColumn<QString>("error"); // empty: usable

        const MatchMode E = MatchMode::Exact, S = MatchMode::Subset, R = MatchMode::Regex,
                        X = MatchMode::Schema;
        const QString ok;
        QTest::newRow("exact: any value") << E << json("['(',{'$ref':1}]") << ok;
        QTest::newRow("subset: any value") << S << json("['(',{'minItems':'x'}]") << ok;
        QTest::newRow("regex: good patterns") << R << json("[{'id':'^u\\\\d+$'},'a|b',1]") << ok;
        QTest::newRow("regex: a bad pattern")
            << R << json("[{'id':'('}]")
            << "args[0].id: \"(\" is not a regular expression: missing closing parenthesis";
        QTest::newRow("regex: a bad pattern deep in an array")
            << R << json("[1,['ok','a{2,1}']]")
            << "args[1][1]: \"a{2,1}\" is not a regular expression: numbers out of order in {} "
               "quantifier";
        QTest::newRow("regex: keys are not patterns") << R << json("[{'(':'x'}]") << ok;
        QTest::newRow("schema: the example of the header")
            << X << json("{'items':{'pattern':'('}}")
            << "args.items.pattern: \"(\" is not a regular expression: missing closing "
               "parenthesis";
        QTest::newRow("schema: an unknown keyword")
            << X << json("{'type':'string','format':'email'}")
            << "args.format: unsupported schema keyword \"format\"";
        QTest::newRow("schema: $ref deep down")
            << X << json("{'items':[{},{'properties':{'a':{'$ref':'#'}}}]}")
            << "args.items[1].properties.a[\"$ref\"]: unsupported schema keyword \"$ref\"";
        QTest::newRow("schema: definitions")
            << X << json("{'definitions':{}}")
            << "args.definitions: unsupported schema keyword \"definitions\"";
        QTest::newRow("schema: a member named like a keyword is fine")
            << X << json("{'properties':{'$ref':{},'format':{}}}") << ok;
        QTest::newRow("schema: minItems a string")
            << X << json("{'minItems':'x'}")
            << "args.minItems: expected a non-negative integer, got \"x\"";
        QTest::newRow("schema: minLength negative")
            << X << json("{'minLength':-1}")
            << "args.minLength: expected a non-negative integer, got -1";
        QTest::newRow("schema: maxItems a fraction")
            << X << json("{'maxItems':1.5}")
            << "args.maxItems: expected a non-negative integer, got 1.5";
        QTest::newRow("schema: maxItems 2.0 is an integer") << X << json("{'maxItems':2.0}") << ok;
        QTest::newRow("schema: minimum a string")
            << X << json("{'minimum':'1'}") << "args.minimum: expected a number, got \"1\"";
        QTest::newRow("schema: multipleOf 0")
            << X << json("{'multipleOf':0}")
            << "args.multipleOf: expected a number greater than 0, got 0";
        QTest::newRow("schema: uniqueItems a string")
            << X << json("{'uniqueItems':'yes'}")
            << "args.uniqueItems: expected true or false, got \"yes\"";
        QTest::newRow("schema: an unknown type name")
            << X << json("{'type':'str'}")
            << "args.type: expected a type name (null, boolean, object, array, number, string, "
               "integer) or an array of them, got \"str\"";
        QTest::newRow("schema: an unknown type name in a list")
            << X << json("{'type':['string','int']}")
            << "args.type[1]: expected a type name, got \"int\"";
        QTest::newRow("schema: required with a number")
            << X << json("{'required':['a',1]}")
            << "args.required[1]: expected a member name, got 1";
        QTest::newRow("schema: enum not an array")
            << X << json("{'enum':'a'}") << "args.enum: expected an array, got \"a\"";
        QTest::newRow("schema: allOf empty")
            << X << json("{'allOf':[]}")
            << "args.allOf: expected a non-empty array of schemas, got []";
        QTest::newRow("schema: a schema that is a number")
            << X << json("{'not':5}")
            << "args.not: expected a schema (an object, true or false), got 5";
        QTest::newRow("schema: properties not an object")
            << X << json("{'properties':[]}")
            << "args.properties: expected an object of schemas, got []";
        QTest::newRow("schema: a bad patternProperties key")
            << X << json("{'patternProperties':{'a(':{}}}")
            << "args.patternProperties[\"a(\"]: \"a(\" is not a regular expression: missing "
               "closing parenthesis";
        QTest::newRow("schema: dependencies with a bad schema")
            << X << json("{'dependencies':{'a':{'minItems':'x'}}}")
            << "args.dependencies.a.minItems: expected a non-negative integer, got \"x\"";
        QTest::newRow("schema: dependencies with a bad name")
            << X << json("{'dependencies':{'a':[true]}}")
            << "args.dependencies.a[0]: expected a member name, got true";
        QTest::newRow("schema: boolean schemas")
            << X << json("{'items':[true,false],'not':false}") << ok;
    }

    void validate()
    {
        QFETCH(MatchMode, mode);
        QFETCH(QJsonValue, expected);
        QFETCH(QString, error);
        QString got;
        QCOMPARE(PayloadMatch::validate(expected, mode, Args, &got), error.isEmpty());
        QCOMPARE(got, error);
    }

    void modeNames()
    {
        for (MatchMode mode :
             {MatchMode::Exact, MatchMode::Subset, MatchMode::Regex, MatchMode::Schema}) {
            MatchMode read = mode == MatchMode::Exact ? MatchMode::Schema : MatchMode::Exact;
            QVERIFY(PayloadMatch::modeFromName(PayloadMatch::modeName(mode), &read));
            QCOMPARE(read, mode);
        }
        QCOMPARE(PayloadMatch::modeName(MatchMode::Subset), QStringLiteral("subset"));
        MatchMode untouched = MatchMode::Regex;
        QVERIFY(!PayloadMatch::modeFromName("fuzzy", &untouched));
        QVERIFY(!PayloadMatch::modeFromName("Exact", &untouched));
        QCOMPARE(untouched, MatchMode::Regex);
    }

    void shortJson_data()
    {
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<int>("limit");
        QTest::addColumn<QString>("text");
        QTest::newRow("compact object")
            << json("{'a':[1,2],'b':null}") << 200 << "{\"a\":[1,2],\"b\":null}";
        QTest::newRow("string") << json("'bob'") << 200 << "\"bob\"";
        QTest::newRow("number") << json("1.5") << 200 << "1.5";
        QTest::newRow("integral double") << json("1.0") << 200 << "1";
        QTest::newRow("missing") << QJsonValue(QJsonValue::Undefined) << 200 << "nothing";
        QTest::newRow("exactly at the limit") << json("'abcdefgh'") << 10 << "\"abcdefgh\"";
        QTest::newRow("one past the limit") << json("'abcdefghi'") << 10 << "\"abcdefgh\u2026";
        QTest::newRow("a long array")
            << json("[1,2,3,4,5,6,7,8,9]") << 8 << QString::fromUtf8("[1,2,3,\u2026");
        QTest::newRow("a surrogate pair is not cut")
            << json("'ab\U0001F600cd'") << 5 << QString::fromUtf8("\"ab\u2026");
    }

    void shortJson()
    {
        QFETCH(QJsonValue, value);
        QFETCH(int, limit);
        QFETCH(QString, text);
        QCOMPARE(PayloadMatch::shortJson(value, limit), text);
    }
};

QTEST_GUILESS_MAIN(tst_PayloadMatch)
#include "tst_payloadmatch.moc"
