// core/common/httphead: the response-head parser that the client's WebSocket handshake reads the
// server's answer with, and the header field code it shares with the server's request parser.
// Every response is fed split at every point (one read of the first bytes, then the rest) and byte
// by byte, as a slow or hostile server would send it.
#include "common/httphead.h"

#include <QTest>

namespace {

using Status = HttpResponseHeadParser::Status;
using Error = HttpResponseHeadParser::Error;

struct Outcome
{
    Status status = Status::NeedMoreData;
    Error error = Error::None;
    QString errorString;
    HttpResponseHead head;
    qsizetype headBytes = -1;
};

HttpHeadLimits smallLimits()
{
    return HttpHeadLimits{128, 4};
}

Outcome outcomeOf(const HttpResponseHeadParser &parser, Status status, qsizetype headBytes)
{
    Outcome outcome;
    outcome.status = status;
    outcome.error = parser.error();
    outcome.errorString = parser.errorString();
    if (status == Status::Ready) {
        outcome.head = parser.head();
        outcome.headBytes = headBytes;
    }
    return outcome;
}

// Feeds `raw` as the reads `splits` (ascending ends of the reads, the last one raw.size()) bring
// it, each time with everything received so far, until the parser is done with it.
Outcome feed(const QByteArray &raw, const QList<qsizetype> &splits)
{
    HttpResponseHeadParser parser(smallLimits());
    Status status = Status::NeedMoreData;
    qsizetype headBytes = -1;
    for (const qsizetype end : splits) {
        status = parser.parse(QByteArrayView(raw).first(end), &headBytes);
        if (status != Status::NeedMoreData)
            break;
    }
    return outcomeOf(parser, status, headBytes);
}

QByteArray describe(const Outcome &outcome)
{
    QByteArray text = QByteArray::number(int(outcome.status)) + " " +
                      QByteArray::number(int(outcome.error)) + " " + outcome.errorString.toUtf8() +
                      " | " + QByteArray::number(outcome.head.status) + " " + outcome.head.reason;
    for (const auto &[name, value] : outcome.head.headers)
        text += " | " + name + ": " + value;
    return text;
}

QByteArrayList fieldsOf(const HttpHeaders &headers)
{
    QByteArrayList fields;
    for (const auto &[name, value] : headers)
        fields.append(name + ": " + value);
    return fields;
}

} // namespace

class tst_HttpHead : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ready_data();
    void ready();
    void refused_data();
    void refused();
    void incomplete_data();
    void incomplete();
    void limitCheckedBeforeBuffering();
    void headerHelpers();
    void fieldLines_data();
    void fieldLines();
    void keptFieldLines_data();
    void keptFieldLines();
    void resetForTheNextResponse();
};

void tst_HttpHead::ready_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("versionMinor");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<QByteArrayList>("fields");
    QTest::addColumn<QByteArray>("rest"); // what follows the head

    QTest::newRow("101 with the first WebSocket frame behind it")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: abc=\r\n\r\n\x81\x02hi")
        << 1 << 101 << QByteArray("Switching Protocols")
        << QByteArrayList{"upgrade: websocket", "connection: Upgrade", "sec-websocket-accept: abc="}
        << QByteArray("\x81\x02hi");
    QTest::newRow("refusal with a body")
        << QByteArray("HTTP/1.1 400 Bad Request\r\nContent-Length: "
                      "2\r\n\r\n{}")
        << 1 << 400 << QByteArray("Bad Request") << QByteArrayList{"content-length: 2"}
        << QByteArray("{}");
    QTest::newRow("HTTP/1.0") << QByteArray("HTTP/1.0 200 OK\r\n\r\n") << 0 << 200
                              << QByteArray("OK") << QByteArrayList() << QByteArray();
    QTest::newRow("no reason phrase, no space after the code")
        << QByteArray("HTTP/1.1 204\r\n\r\n") << 1 << 204 << QByteArray() << QByteArrayList()
        << QByteArray();
    QTest::newRow("empty reason phrase after the space")
        << QByteArray("HTTP/1.1 204 \r\n\r\n") << 1 << 204 << QByteArray() << QByteArrayList()
        << QByteArray();
    QTest::newRow("reason phrase with spaces, a tab and obs-text")
        << QByteArray("HTTP/1.1 403 Forbidden\there, caf\xc3\xa9 \r\n\r\n") << 1 << 403
        << QByteArray("Forbidden\there, caf\xc3\xa9") << QByteArrayList() << QByteArray();
    QTest::newRow("bare LF line ends")
        << QByteArray("HTTP/1.1 302 Found\nLocation: /x\n\nbody") << 1 << 302 << QByteArray("Found")
        << QByteArrayList{"location: /x"} << QByteArray("body");
    QTest::newRow("names lower-cased, values trimmed")
        << QByteArray("HTTP/1.1 200 OK\r\nX-Mixed-Case:\t  a b \t\r\nEmpty:\r\n\r\n") << 1 << 200
        << QByteArray("OK") << QByteArrayList{"x-mixed-case: a b", "empty: "} << QByteArray();
    QTest::newRow("common names in any case, and names one letter off them")
        << QByteArray("HTTP/1.1 200 OK\r\nSET-cookie: a=1\r\nSet-Cookies: b\r\nHos: c\r\n"
                      "sec-websocket-KEY: d\r\n\r\n")
        << 1 << 200 << QByteArray("OK")
        << QByteArrayList{"set-cookie: a=1", "set-cookies: b", "hos: c", "sec-websocket-key: d"}
        << QByteArray();
    QTest::newRow("duplicate fields kept in order")
        << QByteArray("HTTP/1.1 200 OK\r\nX-List: a\r\nx-list: b\r\n\r\n") << 1 << 200
        << QByteArray("OK") << QByteArrayList{"x-list: a", "x-list: b"} << QByteArray();
    QTest::newRow("as many fields as the limit (4)")
        << QByteArray("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n") << 1 << 200
        << QByteArray("OK") << QByteArrayList{"a: 1", "b: 2", "c: 3", "d: 4"} << QByteArray();
    // RFC 9112, 5.2: a user agent replaces each obsolete fold with a space.
    QTest::newRow("folded header (space) unfolded")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection:\r\n"
                      " Upgrade\r\n\r\n")
        << 1 << 101 << QByteArray("Switching Protocols")
        << QByteArrayList{"upgrade: websocket", "connection: Upgrade"} << QByteArray();
    QTest::newRow("folded header (tab) unfolded")
        << QByteArray("HTTP/1.1 200 OK\r\nX-A: 1\r\n\t2 \r\n  3\r\n\r\n") << 1 << 200
        << QByteArray("OK") << QByteArrayList{"x-a: 1 2 3"} << QByteArray();
    const QByteArray start = "HTTP/1.1 200 OK\r\nX: ";
    QTest::newRow("head of exactly the limit (128 bytes)")
        << start + QByteArray(128 - start.size() - 4, 'x') + "\r\n\r\nafter" << 1 << 200
        << QByteArray("OK") << QByteArrayList{"x: " + QByteArray(128 - start.size() - 4, 'x')}
        << QByteArray("after");
}

void tst_HttpHead::ready()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, versionMinor);
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    QFETCH(QByteArrayList, fields);
    QFETCH(QByteArray, rest);

    const auto check = [&](const Outcome &outcome, const QString &how) {
        QVERIFY2(outcome.status == Status::Ready, qPrintable(how + ": " + describe(outcome)));
        QCOMPARE(outcome.head.versionMinor, versionMinor);
        QCOMPARE(outcome.head.status, status);
        QCOMPARE(outcome.head.reason, reason);
        QCOMPARE(fieldsOf(outcome.head.headers), fields);
        QCOMPARE(raw.mid(outcome.headBytes), rest);
    };
    for (qsizetype split = 0; split <= raw.size(); ++split) {
        check(feed(raw, {split, raw.size()}), QStringLiteral("split at %1").arg(split));
        if (QTest::currentTestFailed())
            return;
    }
    QList<qsizetype> bytes;
    for (qsizetype end = 1; end <= raw.size(); ++end)
        bytes.append(end);
    check(feed(raw, bytes), QStringLiteral("byte by byte"));
}

void tst_HttpHead::refused_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("error");
    QTest::addColumn<QString>("errorContains");

    const auto badStatus = int(Error::BadStatusLine);
    const auto badHeader = int(Error::BadHeaderLine);
    const QByteArray ok = "HTTP/1.1 101 Switching Protocols\r\n";

    QTest::newRow("not HTTP at all (an SSH banner)")
        << QByteArray("SSH-2.0-OpenSSH_9.6\r\n\r\n") << badStatus
        << QStringLiteral("status line is not HTTP/1.x");
    QTest::newRow("HTTP/2") << QByteArray("HTTP/2 200 OK\r\n\r\n") << badStatus
                            << QStringLiteral("not HTTP/1.x");
    QTest::newRow("HTTP/1.x with a letter")
        << QByteArray("HTTP/1.x 200 OK\r\n\r\n") << badStatus << QStringLiteral("not HTTP/1.x");
    QTest::newRow("lower-case http")
        << QByteArray("http/1.1 200 OK\r\n\r\n") << badStatus << QStringLiteral("not HTTP/1.x");
    QTest::newRow("empty line before the status line")
        << QByteArray("\r\nHTTP/1.1 200 OK\r\n\r\n") << badStatus << QStringLiteral("not HTTP/1.x");
    QTest::newRow("space before the version")
        << QByteArray(" HTTP/1.1 200 OK\r\n\r\n") << badStatus << QStringLiteral("not HTTP/1.x");
    QTest::newRow("no space after the version")
        << QByteArray("HTTP/1.1101 OK\r\n\r\n") << badStatus << QStringLiteral("three-digit");
    QTest::newRow("two-digit status code")
        << QByteArray("HTTP/1.1 20 OK\r\n\r\n") << badStatus << QStringLiteral("three-digit");
    QTest::newRow("four-digit status code")
        << QByteArray("HTTP/1.1 1010 OK\r\n\r\n") << badStatus << QStringLiteral("three-digit");
    QTest::newRow("no status code")
        << QByteArray("HTTP/1.1\r\n\r\n") << badStatus << QStringLiteral("three-digit");
    QTest::newRow("status code 600") << QByteArray("HTTP/1.1 600 Nope\r\n\r\n") << badStatus
                                     << QStringLiteral("status code 600 is not between");
    QTest::newRow("status code 099") << QByteArray("HTTP/1.1 099 Nope\r\n\r\n") << badStatus
                                     << QStringLiteral("status code 99 is not between");
    QTest::newRow("control byte in the reason phrase")
        << QByteArray("HTTP/1.1 200 O\x01K\r\n\r\n") << badStatus
        << QStringLiteral("byte 0x01 in the reason phrase");
    QTest::newRow("bare CR in the status line")
        << QByteArray("HTTP/1.1 200 O\rK\r\n\r\n") << badStatus
        << QStringLiteral("byte 0x0d in the reason phrase");
    QTest::newRow("folded line with no field before it")
        << QByteArray(ok + " Upgrade\r\n\r\n") << badHeader
        << QStringLiteral("header line 1: obsolete header line folding");
    QTest::newRow("control byte in a folded value")
        << QByteArray(ok + "X-A: 1\r\n\t2\x01\r\n\r\n") << badHeader
        << QStringLiteral("header line 2: invalid byte 0x01 in a folded header value");
    QTest::newRow("header line without a colon")
        << QByteArray(ok + "Upgrade: websocket\r\nConnection Upgrade\r\n\r\n") << badHeader
        << QStringLiteral("header line 2: invalid header line (no field name followed by ':')");
    QTest::newRow("empty field name") << QByteArray(ok + ": value\r\n\r\n") << badHeader
                                      << QStringLiteral("header line 1: invalid header line");
    QTest::newRow("space before the colon")
        << QByteArray(ok + "Upgrade : websocket\r\n\r\n") << badHeader
        << QStringLiteral("header line 1: invalid header field name \"Upgrade \"");
    QTest::newRow("NUL in a value")
        << QByteArray(ok + "X-A: a" + QByteArray(1, '\0') + "b\r\n\r\n") << badHeader
        << QStringLiteral("header line 1: invalid byte 0x00 in the value of header \"X-A\"");
    QTest::newRow("bare CR in a header line")
        << QByteArray(ok + "X-A: 1\r\nX-B: a\rb\r\n\r\n") << badHeader
        << QStringLiteral("header line 2: bare CR");
    QTest::newRow("more header fields than the limit (4)")
        << QByteArray(ok + "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n")
        << int(Error::TooManyHeaders) << QStringLiteral("more than 4 header fields");
    QTest::newRow("head over the limit")
        << QByteArray(ok + "X: " + QByteArray(200, 'x') + "\r\n\r\n") << int(Error::HeadTooLarge)
        << QStringLiteral("response head exceeds the limit of 128 bytes");
    QTest::newRow("head over the limit, never ending")
        << QByteArray(ok + "X: " + QByteArray(200, 'x')) << int(Error::HeadTooLarge)
        << QStringLiteral("exceeds the limit");
    const QByteArray start = "HTTP/1.1 200 OK\r\nX: ";
    QTest::newRow("head one byte over the limit")
        << start + QByteArray(128 - start.size() - 3, 'x') + "\r\n\r\n"
        << int(Error::HeadTooLarge) << QStringLiteral("exceeds the limit");
}

void tst_HttpHead::refused()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, error);
    QFETCH(QString, errorContains);

    const auto check = [&](const Outcome &outcome, const QString &how) {
        QVERIFY2(outcome.status == Status::Error, qPrintable(how + ": " + describe(outcome)));
        QCOMPARE(int(outcome.error), error);
        QVERIFY2(outcome.errorString.contains(errorContains),
                 qPrintable(how + ": " + outcome.errorString));
    };
    for (qsizetype split = 0; split <= raw.size(); ++split) {
        check(feed(raw, {split, raw.size()}), QStringLiteral("split at %1").arg(split));
        if (QTest::currentTestFailed())
            return;
    }
    QList<qsizetype> bytes;
    for (qsizetype end = 1; end <= raw.size(); ++end)
        bytes.append(end);
    check(feed(raw, bytes), QStringLiteral("byte by byte"));
}

void tst_HttpHead::incomplete_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::newRow("nothing yet") << QByteArray();
    QTest::newRow("part of the status line") << QByteArray("HTTP/1.1 10");
    QTest::newRow("status line only") << QByteArray("HTTP/1.1 101 Switching Protocols\r\n");
    QTest::newRow("head without its empty line")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n");
    QTest::newRow("empty line cut after its CR")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r");
    // Nothing is judged before the head is complete: this could still become anything.
    QTest::newRow("garbage without an end") << QByteArray("\x16\x03\x01\x02\x00", 5);
    QTest::newRow("one byte short of the limit") << QByteArray(127, 'x');
}

void tst_HttpHead::incomplete()
{
    QFETCH(QByteArray, raw);
    for (qsizetype split = 0; split <= raw.size(); ++split) {
        const Outcome outcome = feed(raw, {split, raw.size()});
        QVERIFY2(outcome.status == Status::NeedMoreData,
                 qPrintable(QStringLiteral("split at %1: ").arg(split) + describe(outcome)));
    }
}

// A server that never ends its head is refused as soon as maxHeadBytes have arrived: the caller
// never has to hold more than that (plus one read) waiting for the end.
void tst_HttpHead::limitCheckedBeforeBuffering()
{
    const QByteArray endless = "HTTP/1.1 101 Switching Protocols\r\nX: " + QByteArray(1000, 'x');
    HttpResponseHeadParser parser(smallLimits());
    qsizetype headBytes = -1;
    for (qsizetype end = 1; end < 128; ++end)
        QCOMPARE(parser.parse(QByteArrayView(endless).first(end), &headBytes),
                 Status::NeedMoreData);
    QCOMPARE(parser.parse(QByteArrayView(endless).first(128), &headBytes), Status::Error);
    QCOMPARE(parser.error(), Error::HeadTooLarge);
    QCOMPARE(headBytes, -1);
    // Once failed, it stays failed.
    QCOMPARE(parser.parse(endless, &headBytes), Status::Error);

    // The count of header fields is checked before one more is kept.
    HttpResponseHeadParser counting(HttpHeadLimits{1024, 2});
    QCOMPARE(counting.parse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &headBytes),
             Status::Error);
    QCOMPARE(counting.error(), Error::TooManyHeaders);
    QCOMPARE(counting.head().headers.size(), 2);
}

void tst_HttpHead::headerHelpers()
{
    HttpResponseHeadParser parser;
    qsizetype headBytes = 0;
    QCOMPARE(parser.parse("HTTP/1.1 101 Switching Protocols\r\nConnection: keep-alive, Upgrade\r\n"
                          "UPGRADE:  WebSocket \r\nX-List: a\r\nx-list: b\r\nX-List:\r\n\r\n",
                          &headBytes),
             Status::Ready);
    const HttpResponseHead &head = parser.head();
    QCOMPARE(head.header("upgrade"), QByteArray("WebSocket"));
    QCOMPARE(head.header("x-list"), QByteArray("a, b, ")); // duplicates joined, in order
    QVERIFY(head.hasHeader("x-list"));
    QVERIFY(!head.hasHeader("X-List")); // names are stored in lower case
    QVERIFY(head.headerHasToken("connection", "upgrade"));
    QVERIFY(head.headerHasToken("connection", "KEEP-ALIVE"));
    QVERIFY(!head.headerHasToken("connection", "close"));
    QVERIFY(!head.headerHasToken("missing", "upgrade"));
    QCOMPARE(head.header("missing"), QByteArray());
    QVERIFY(!head.hasHeader("missing"));

    // The same helpers read any field list (the server's requests use them too).
    const HttpHeaders headers{{"connection", "close"}, {"connection", "Upgrade"}};
    QVERIFY(Http::headerHasToken(headers, "connection", "upgrade"));
    QCOMPARE(Http::header(headers, "connection"), QByteArray("close, Upgrade"));
}

void tst_HttpHead::fieldLines_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("value");

    QTest::newRow("plain") << QByteArray("Host: x") << true << QByteArray("host")
                           << QByteArray("x");
    QTest::newRow("no space after the colon")
        << QByteArray("A:b") << true << QByteArray("a") << QByteArray("b");
    QTest::newRow("colon in the value") << QByteArray("Location: http://h:1/") << true
                                        << QByteArray("location") << QByteArray("http://h:1/");
    QTest::newRow("token characters in the name")
        << QByteArray("X-!#$%&'*+.^_`|~9: v") << true << QByteArray("x-!#$%&'*+.^_`|~9")
        << QByteArray("v");
    QTest::newRow("folded") << QByteArray(" more") << false << QByteArray() << QByteArray();
    QTest::newRow("no colon") << QByteArray("Host") << false << QByteArray() << QByteArray();
    QTest::newRow("empty line") << QByteArray() << false << QByteArray() << QByteArray();
    QTest::newRow("separator in the name")
        << QByteArray("A(b): v") << false << QByteArray() << QByteArray();
    QTest::newRow("DEL in the value")
        << QByteArray("A: \x7f") << false << QByteArray() << QByteArray();
}

void tst_HttpHead::fieldLines()
{
    QFETCH(QByteArray, line);
    QFETCH(bool, valid);
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, value);

    HttpHeader field;
    QString problem;
    QCOMPARE(Http::parseFieldLine(line, &field, &problem), valid);
    if (valid) {
        QCOMPARE(field.first, name);
        QCOMPARE(field.second, value);
        QVERIFY(problem.isEmpty());
    } else {
        QVERIFY(!problem.isEmpty());
    }
}

// A field list kept as its lines (appendFieldLines) gives the same fields back (fieldsOfLines),
// and the lines are what a head carries.
void tst_HttpHead::keptFieldLines_data()
{
    QTest::addColumn<HttpHeaders>("fields");
    QTest::addColumn<QByteArray>("lines");

    QTest::newRow("none") << HttpHeaders() << QByteArray();
    QTest::newRow("one") << HttpHeaders{{"host", "127.0.0.1:3000"}}
                         << QByteArray("host: 127.0.0.1:3000\r\n");
    QTest::newRow("a name twice, in order")
        << HttpHeaders{{"cookie", "a=1"}, {"x-b", "2"}, {"cookie", "c=3"}}
        << QByteArray("cookie: a=1\r\nx-b: 2\r\ncookie: c=3\r\n");
    QTest::newRow("spaces, tabs, colons and obs-text inside a value")
        << HttpHeaders{{"user-agent", "Mozilla/5.0 (X11;\tLinux) caf\xc3\xa9: ok"}}
        << QByteArray("user-agent: Mozilla/5.0 (X11;\tLinux) caf\xc3\xa9: ok\r\n");
    QTest::newRow("an empty value") << HttpHeaders{{"x-empty", ""}, {"x-next", "n"}}
                                    << QByteArray("x-empty: \r\nx-next: n\r\n");
}

void tst_HttpHead::keptFieldLines()
{
    QFETCH(HttpHeaders, fields);
    QFETCH(QByteArray, lines);

    QByteArray kept("prefix ");
    Http::appendFieldLines(&kept, fields);
    QCOMPARE(kept, "prefix " + lines);
    QCOMPARE(Http::fieldsOfLines(lines), fields);
}

void tst_HttpHead::resetForTheNextResponse()
{
    HttpResponseHeadParser parser(smallLimits());
    qsizetype headBytes = 0;
    QCOMPARE(parser.parse("HTTP/1.1 999 x\r\n\r\n", &headBytes), Status::Error);
    QCOMPARE(parser.statusLine(), QByteArray("HTTP/1.1 999 x"));
    parser.reset();
    QCOMPARE(parser.error(), Error::None);
    QVERIFY(parser.errorString().isEmpty());
    QCOMPARE(parser.parse("HTTP/1.1 101 ", &headBytes), Status::NeedMoreData);
    QCOMPARE(parser.parse("HTTP/1.1 101 \r\n\r\n", &headBytes), Status::Ready);
    QCOMPARE(headBytes, 17);
    QCOMPARE(parser.head().status, 101);
}

QTEST_GUILESS_MAIN(tst_HttpHead)
#include "tst_httphead.moc"
