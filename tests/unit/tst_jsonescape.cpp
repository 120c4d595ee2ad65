// JsonEscape::read, the one reader of JSON string escapes behind the JSON scanner, the JSON Lines
// reader and the timeline filter: every kind of result, with how many bytes it took.
#include "common/jsonescape.h"

#include <QTest>

Q_DECLARE_METATYPE(JsonEscape::Kind)

class tst_JsonEscape : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void read_data()
    {
        QTest::addColumn<QByteArray>("text"); // the escape starts at the first backslash
        QTest::addColumn<JsonEscape::Kind>("kind");
        QTest::addColumn<uint>("value");
        QTest::addColumn<int>("length");
        using K = JsonEscape::Kind;
        QTest::newRow("quote") << QByteArray("\\\"x") << K::CodePoint << uint('"') << 2;
        QTest::newRow("backslash") << QByteArray(R"(\\)") << K::CodePoint << uint('\\') << 2;
        QTest::newRow("solidus") << QByteArray(R"(\/)") << K::CodePoint << uint('/') << 2;
        QTest::newRow("backspace") << QByteArray(R"(\b)") << K::CodePoint << uint('\b') << 2;
        QTest::newRow("form feed") << QByteArray(R"(\f)") << K::CodePoint << uint('\f') << 2;
        QTest::newRow("newline") << QByteArray(R"(\n)") << K::CodePoint << uint('\n') << 2;
        QTest::newRow("return") << QByteArray(R"(\r)") << K::CodePoint << uint('\r') << 2;
        QTest::newRow("tab") << QByteArray(R"(\t)") << K::CodePoint << uint('\t') << 2;
        QTest::newRow("\\u lower-case hex")
            << QByteArray(R"(\u00e9!)") << K::CodePoint << 0xe9u << 6;
        QTest::newRow("\\u upper-case hex")
            << QByteArray(R"(\u20AC)") << K::CodePoint << 0x20acu << 6;
        QTest::newRow("\\u0000") << QByteArray(R"(\u0000)") << K::CodePoint << 0u << 6;
        QTest::newRow("surrogate pair")
            << QByteArray(R"(\ud83d\ude00)") << K::CodePoint << 0x1f600u << 12;
        QTest::newRow("high surrogate alone at the end")
            << QByteArray(R"(\ud83d)") << K::LoneSurrogate << 0xd83du << 6;
        QTest::newRow("high surrogate, then a character")
            << QByteArray(R"(\ud83dx)") << K::LoneSurrogate << 0xd83du << 6;
        QTest::newRow("high surrogate, then another escape")
            << QByteArray(R"(\ud83d\n)") << K::LoneSurrogate << 0xd83du << 6;
        QTest::newRow("high surrogate, then \\u that is not low")
            << QByteArray(R"(\ud83d\u0041)") << K::LoneSurrogate << 0xd83du << 6;
        QTest::newRow("high surrogate, then a broken \\u")
            << QByteArray(R"(\ud83d\uZZZZ)") << K::LoneSurrogate << 0xd83du << 6;
        QTest::newRow("two high surrogates")
            << QByteArray(R"(\ud83d\ud83d)") << K::LoneSurrogate << 0xd83du << 6;
        QTest::newRow("low surrogate alone")
            << QByteArray(R"(\ude00\ud83d)") << K::LoneSurrogate << 0xde00u << 6;
        QTest::newRow("backslash at the end") << QByteArray(R"(\)") << K::Truncated << 0u << 1;
        QTest::newRow("\\u at the end") << QByteArray(R"(\u)") << K::Truncated << 0u << 2;
        QTest::newRow("\\u with 3 digits at the end")
            << QByteArray(R"(\u123)") << K::Truncated << 0u << 5;
        QTest::newRow("\\u with a bad first digit")
            << QByteArray(R"(\uZ123)") << K::BadHexDigit << 0u << 2;
        QTest::newRow("\\u with a bad last digit")
            << QByteArray(R"(\u123g)") << K::BadHexDigit << 0u << 5;
        QTest::newRow("\\u with a bad digit before the end")
            << QByteArray(R"(\u1G)") << K::BadHexDigit << 0u << 3;
        QTest::newRow("\\U is not \\u") << QByteArray(R"(\U0041)") << K::Unknown << 0u << 1;
        QTest::newRow("\\x") << QByteArray(R"(\x41)") << K::Unknown << 0u << 1;
        QTest::newRow("\\ then a quote-less byte")
            << QByteArray("\\\xc3\xa9") << K::Unknown << 0u << 1;
    }
    void read()
    {
        QFETCH(QByteArray, text);
        QFETCH(JsonEscape::Kind, kind);
        QFETCH(uint, value);
        QFETCH(int, length);
        // Read where it starts inside a longer text, and at the start of its own.
        for (const QByteArray &prefix : {QByteArray(), QByteArray("abc")}) {
            const QByteArray whole = prefix + text;
            const JsonEscape escape = JsonEscape::read(whole, prefix.size());
            QCOMPARE(escape.kind, kind);
            QCOMPARE(uint(escape.value), value);
            QCOMPARE(escape.length, qsizetype(length));
        }
    }
};

QTEST_GUILESS_MAIN(tst_JsonEscape)
#include "tst_jsonescape.moc"
