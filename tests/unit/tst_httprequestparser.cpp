// HttpRequestParser (core/server): the request head, Content-Length and chunked bodies, the
// limits, and every refusal with its status code. Each request is also fed in small pieces and
// byte by byte, as a slow client would send it.
#include "server/httprequestparser.h"

#include <QTest>

namespace {

struct Outcome
{
    enum Kind { Complete, Incomplete, Error } kind = Incomplete;
    int status = 0;
    QString error;
    HttpLimit limit = HttpLimit::None;
    HttpRequest request;
    QByteArray rest; // what follows the request (a pipelined one)
};

// Drives the parser the way HttpListener does: peek, parse the head, drop it, feed the body.
Outcome parse(const QByteArray &raw, qsizetype chunk, const HttpRequestParser::Limits &limits)
{
    HttpRequestParser parser(limits);
    Outcome outcome;
    QByteArray buffer;
    qsizetype fed = 0;
    bool inBody = false;
    for (int guard = 0; guard < 1000000; ++guard) {
        if (fed < raw.size()) {
            const qsizetype take =
                chunk <= 0 ? raw.size() - fed : std::min(chunk, raw.size() - fed);
            buffer += raw.mid(fed, take);
            fed += take;
        }
        HttpRequestParser::Status status;
        if (!inBody) {
            qsizetype headBytes = 0;
            status = parser.parseHead(buffer, &headBytes);
            if (status == HttpRequestParser::Status::HeadReady) {
                buffer.remove(0, headBytes);
                inBody = true;
                status = parser.startBody();
                if (status == HttpRequestParser::Status::NeedMoreData) {
                    qsizetype consumed = 0;
                    status = parser.feedBody(buffer, &consumed);
                    buffer.remove(0, consumed);
                }
            }
        } else {
            qsizetype consumed = 0;
            status = parser.feedBody(buffer, &consumed);
            buffer.remove(0, consumed);
        }
        if (status == HttpRequestParser::Status::Error) {
            outcome.kind = Outcome::Error;
            outcome.status = parser.errorStatus();
            outcome.error = parser.errorString();
            outcome.limit = parser.errorLimit();
            return outcome;
        }
        if (status == HttpRequestParser::Status::RequestReady) {
            outcome.kind = Outcome::Complete;
            outcome.request = parser.takeRequest();
            outcome.rest = buffer + raw.mid(fed);
            return outcome;
        }
        if (fed >= raw.size())
            return outcome; // Incomplete
    }
    return outcome;
}

HttpRequestParser::Limits smallLimits()
{
    HttpRequestParser::Limits limits;
    limits.maxHeadBytes = 256;
    limits.maxHeaderCount = 4;
    limits.maxBodyBytes = 32;
    limits.maxChunkLineBytes = 16;
    limits.maxTrailerBytes = 64;
    return limits;
}

} // namespace

class tst_HttpRequestParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void valid_data();
    void valid();
    void refused_data();
    void refused();
    void incomplete_data();
    void incomplete();
    void headerHelpers();
    void nextRequestOnTheSameParser();
};

void tst_HttpRequestParser::valid_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<QByteArray>("rest");

    QTest::newRow("handshake GET")
        << QByteArray("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n")
        << QByteArray("GET") << QByteArray("/socket.io/") << QByteArray("EIO=4&transport=polling")
        << QByteArray() << true << QByteArray();
    QTest::newRow("POST with Content-Length")
        << QByteArray("POST /e/?sid=a HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n4hello")
        << QByteArray("POST") << QByteArray("/e/") << QByteArray("sid=a") << QByteArray("4hello")
        << true << QByteArray();
    QTest::newRow("pipelined: the next request stays")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nokGET / HTTP/1.1\r\n")
        << QByteArray("POST") << QByteArray("/") << QByteArray() << QByteArray("ok") << true
        << QByteArray("GET / HTTP/1.1\r\n");
    QTest::newRow("chunked, with an extension and a trailer")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5;name=v\r\n4hell\r\n1\r\no\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT")
        << QByteArray("POST") << QByteArray("/") << QByteArray() << QByteArray("4hello") << true
        << QByteArray("NEXT");
    QTest::newRow("chunked, upper-case hex")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
                      "A\r\n0123456789\r\n0\r\n\r\n")
        << QByteArray("POST") << QByteArray("/") << QByteArray() << QByteArray("0123456789") << true
        << QByteArray();
    QTest::newRow("empty lines before the request line")
        << QByteArray("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << QByteArray() << QByteArray() << true << QByteArray();
    QTest::newRow("bare LF line ends")
        << QByteArray("GET /a?b HTTP/1.1\nHost: x\n\n") << QByteArray("GET") << QByteArray("/a")
        << QByteArray("b") << QByteArray() << true << QByteArray();
    QTest::newRow("absolute-form target")
        << QByteArray("GET http://127.0.0.1:3000/socket.io/?EIO=4 HTTP/1.1\r\nHost: x\r\n\r\n")
        << QByteArray("GET") << QByteArray("/socket.io/") << QByteArray("EIO=4") << QByteArray()
        << true << QByteArray();
    QTest::newRow("absolute-form without a path")
        << QByteArray("GET http://host?x=1 HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << QByteArray("x=1") << QByteArray() << true << QByteArray();
    QTest::newRow("fragment dropped")
        << QByteArray("GET /p?q=1#frag HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray("GET")
        << QByteArray("/p") << QByteArray("q=1") << QByteArray() << true << QByteArray();
    QTest::newRow("HTTP/1.0 needs no Host and closes")
        << QByteArray("GET / HTTP/1.0\r\n\r\n") << QByteArray("GET") << QByteArray("/")
        << QByteArray() << QByteArray() << false << QByteArray();
    QTest::newRow("HTTP/1.0 keep-alive")
        << QByteArray("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << QByteArray() << QByteArray() << true << QByteArray();
    QTest::newRow("HTTP/1.1 Connection: close")
        << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << QByteArray() << QByteArray() << false << QByteArray();
    QTest::newRow("HTTP/1.2 is read as 1.1")
        << QByteArray("GET / HTTP/1.2\r\nHost: x\r\n\r\n") << QByteArray("GET") << QByteArray("/")
        << QByteArray() << QByteArray() << true << QByteArray();
    QTest::newRow("same Content-Length twice")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2, "
                      "2\r\n\r\nok")
        << QByteArray("POST") << QByteArray("/") << QByteArray() << QByteArray("ok") << true
        << QByteArray();
    QTest::newRow("Content-Length: 0 and leading zeros")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0000\r\n\r\n")
        << QByteArray("POST") << QByteArray("/") << QByteArray() << QByteArray() << true
        << QByteArray();
    QTest::newRow("body at the limit (32 bytes)")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 32\r\n\r\n") +
               QByteArray(32, 'x')
        << QByteArray("POST") << QByteArray("/") << QByteArray() << QByteArray(32, 'x') << true
        << QByteArray();
    QTest::newRow("obs-text and tabs in a value")
        << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX-A:\t caf\xc3\xa9\t \r\n\r\n")
        << QByteArray("GET") << QByteArray("/") << QByteArray() << QByteArray() << true
        << QByteArray();
}

void tst_HttpRequestParser::valid()
{
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, body);
    QFETCH(bool, keepAlive);
    QFETCH(QByteArray, rest);

    for (const qsizetype chunk : {qsizetype(0), qsizetype(7), qsizetype(1)}) {
        const Outcome outcome = parse(raw, chunk, smallLimits());
        QVERIFY2(outcome.kind == Outcome::Complete, qPrintable(QStringLiteral("chunk %1: %2 %3")
                                                                   .arg(chunk)
                                                                   .arg(outcome.status)
                                                                   .arg(outcome.error)));
        QCOMPARE(outcome.request.method, method);
        QCOMPARE(outcome.request.path, path);
        QCOMPARE(outcome.request.query, query);
        QCOMPARE(outcome.request.body, body);
        QCOMPARE(outcome.request.keepAlive(), keepAlive);
        QCOMPARE(outcome.rest, rest);
    }
}

void tst_HttpRequestParser::refused_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorContains");
    QTest::addColumn<HttpLimit>("limit"); // the limit named, None for a malformed request

    const QByteArray host = "Host: x\r\n";
    QTest::newRow("TLS handshake on the plain port") << QByteArray("\x16\x03\x01\x02\x00", 5) << 400
                                                     << QStringLiteral("method") << HttpLimit::None;
    QTest::newRow("no Host in HTTP/1.1")
        << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400 << QStringLiteral("Host") << HttpLimit::None;
    QTest::newRow("two Host headers") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
                                      << 400 << QStringLiteral("Host") << HttpLimit::None;
    QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n" + host + "\r\n") << 505
                              << QStringLiteral("version") << HttpLimit::None;
    QTest::newRow("HTTP/1.x") << QByteArray("GET / HTTP/1.x\r\n" + host + "\r\n") << 400
                              << QStringLiteral("version") << HttpLimit::None;
    QTest::newRow("lower-case http") << QByteArray("GET / http/1.1\r\n" + host + "\r\n") << 400
                                     << QStringLiteral("version") << HttpLimit::None;
    QTest::newRow("no target") << QByteArray("GET HTTP/1.1\r\n" + host + "\r\n") << 400
                               << QStringLiteral("request line") << HttpLimit::None;
    QTest::newRow("empty target") << QByteArray("GET  HTTP/1.1\r\n" + host + "\r\n") << 400
                                  << QStringLiteral("target") << HttpLimit::None;
    QTest::newRow("control byte in the target")
        << QByteArray("GET /a\x01 HTTP/1.1\r\n" + host + "\r\n") << 400 << QStringLiteral("target")
        << HttpLimit::None;
    QTest::newRow("authority-form target")
        << QByteArray("CONNECT host:443 HTTP/1.1\r\n" + host + "\r\n") << 400
        << QStringLiteral("target form") << HttpLimit::None;
    QTest::newRow("obsolete line folding")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-A: 1\r\n 2\r\n\r\n") << 400
        << QStringLiteral("folding") << HttpLimit::None;
    QTest::newRow("space before the colon")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-A : 1\r\n\r\n") << 400
        << QStringLiteral("field name") << HttpLimit::None;
    QTest::newRow("no colon") << QByteArray("GET / HTTP/1.1\r\n" + host + "X-A\r\n\r\n") << 400
                              << QStringLiteral("':'") << HttpLimit::None;
    QTest::newRow("NUL in a value")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-A: a" + QByteArray(1, '\0') + "b\r\n\r\n")
        << 400 << QStringLiteral("value") << HttpLimit::None;
    QTest::newRow("bare CR in the head")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-A: a\rb\r\n\r\n") << 400
        << QStringLiteral("CR") << HttpLimit::None;
    QTest::newRow("Content-Length not a number")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: 1x\r\n\r\n") << 400
        << QStringLiteral("Content-Length") << HttpLimit::None;
    QTest::newRow("negative Content-Length")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n") << 400
        << QStringLiteral("Content-Length") << HttpLimit::None;
    QTest::newRow("conflicting Content-Length")
        << QByteArray("POST / HTTP/1.1\r\n" + host +
                      "Content-Length: 1\r\nContent-Length: "
                      "2\r\n\r\nab")
        << 400 << QStringLiteral("conflicting") << HttpLimit::None;
    QTest::newRow("Transfer-Encoding and Content-Length")
        << QByteArray("POST / HTTP/1.1\r\n" + host +
                      "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
        << 400 << QStringLiteral("both") << HttpLimit::None;
    QTest::newRow("gzip transfer coding")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n")
        << 501 << QStringLiteral("gzip") << HttpLimit::None;
    QTest::newRow("Transfer-Encoding in HTTP/1.0")
        << QByteArray("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") << 400
        << QStringLiteral("1.0") << HttpLimit::None;
    QTest::newRow("Content-Length over the limit")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: 33\r\n\r\n") << 413
        << QStringLiteral("limit") << HttpLimit::BodyBytes;
    QTest::newRow("Content-Length of 30 digits")
        << QByteArray("POST / HTTP/1.1\r\n" + host +
                      "Content-Length: 123456789012345678901234567890\r\n\r\n")
        << 413 << QStringLiteral("limit") << HttpLimit::BodyBytes;
    QTest::newRow("chunked body over the limit")
        << QByteArray("POST / HTTP/1.1\r\n" + host +
                      "Transfer-Encoding: chunked\r\n\r\n"
                      "10\r\n0123456789abcdef\r\n11\r\n")
        << 413 << QStringLiteral("limit") << HttpLimit::BodyBytes;
    QTest::newRow("invalid chunk size")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\n")
        << 400 << QStringLiteral("chunk size") << HttpLimit::None;
    QTest::newRow("chunk size line too long")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1;" +
                      QByteArray(40, 'e') + "\r\n")
        << 400 << QStringLiteral("chunk size line") << HttpLimit::ChunkLineBytes;
    QTest::newRow("chunk data without CRLF")
        << QByteArray("POST / HTTP/1.1\r\n" + host +
                      "Transfer-Encoding: chunked\r\n\r\n2\r\nabXY\r\n0\r\n\r\n")
        << 400 << QStringLiteral("CRLF") << HttpLimit::None;
    QTest::newRow("head over the limit")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-A: " + QByteArray(300, 'a') + "\r\n\r\n")
        << 431 << QStringLiteral("head") << HttpLimit::HeadBytes;
    QTest::newRow("head over the limit, never ending")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-A: " + QByteArray(300, 'a')) << 431
        << QStringLiteral("head") << HttpLimit::HeadBytes;
    QTest::newRow("too many header fields")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n") << 431
        << QStringLiteral("header fields") << HttpLimit::HeaderCount;
    QTest::newRow("trailer too long")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: " +
                      QByteArray(100, 't') + "\r\n\r\n")
        << 431 << QStringLiteral("trailer") << HttpLimit::TrailerBytes;
}

void tst_HttpRequestParser::refused()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, status);
    QFETCH(QString, errorContains);
    QFETCH(HttpLimit, limit);

    for (const qsizetype chunk : {qsizetype(0), qsizetype(5), qsizetype(1)}) {
        const Outcome outcome = parse(raw, chunk, smallLimits());
        QVERIFY2(
            outcome.kind == Outcome::Error,
            qPrintable(QStringLiteral("chunk %1: not refused (%2)")
                           .arg(chunk)
                           .arg(outcome.kind == Outcome::Complete ? "complete" : "incomplete")));
        QCOMPARE(outcome.status, status);
        QCOMPARE(outcome.limit, limit);
        QVERIFY2(outcome.error.contains(errorContains, Qt::CaseInsensitive),
                 qPrintable(outcome.error));
    }
}

void tst_HttpRequestParser::incomplete_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::newRow("nothing yet") << QByteArray();
    QTest::newRow("request line only") << QByteArray("GET / HTTP/1.1\r\n");
    QTest::newRow("head without its empty line") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n");
    QTest::newRow("body cut short")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    QTest::newRow("chunked without the last chunk") << QByteArray(
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    QTest::newRow("chunked without the end of the trailer")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
}

void tst_HttpRequestParser::incomplete()
{
    QFETCH(QByteArray, raw);
    for (const qsizetype chunk : {qsizetype(0), qsizetype(1)})
        QCOMPARE(int(parse(raw, chunk, smallLimits()).kind), int(Outcome::Incomplete));
}

void tst_HttpRequestParser::headerHelpers()
{
    const Outcome outcome = parse(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
        "Connection: keep-alive, Upgrade\r\nUPGRADE:  WebSocket \r\nX-List: a\r\nx-list: b\r\n\r\n",
        0, HttpRequestParser::Limits());
    QCOMPARE(int(outcome.kind), int(Outcome::Complete));
    const HttpRequest &request = outcome.request;
    QVERIFY(request.isWebSocketUpgrade());
    QCOMPARE(request.header("upgrade"), QByteArray("WebSocket"));
    QCOMPARE(request.header("x-list"), QByteArray("a, b"));
    QVERIFY(request.hasHeader("x-list"));
    QVERIFY(!request.hasHeader("X-List")); // names are stored in lower case
    QVERIFY(request.headerHasToken("connection", "upgrade"));
    QVERIFY(request.keepAlive());
    QCOMPARE(request.header("missing"), QByteArray());

    const Outcome post = parse("POST / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                               "Connection: upgrade\r\n\r\n",
                               0, HttpRequestParser::Limits());
    QVERIFY(!post.request.isWebSocketUpgrade()); // only a GET upgrades
}

// The listener keeps one parser per connection: after takeRequest() it reads the next one, and
// startBody() can tighten the limit per request.
void tst_HttpRequestParser::nextRequestOnTheSameParser()
{
    HttpRequestParser parser(smallLimits());
    const QByteArray first = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
    qsizetype headBytes = 0;
    QCOMPARE(parser.parseHead(first, &headBytes), HttpRequestParser::Status::HeadReady);
    QCOMPARE(parser.contentLength(), 3);
    QCOMPARE(parser.startBody(2), HttpRequestParser::Status::Error);
    QCOMPARE(parser.errorStatus(), 413);
    parser.reset();

    QCOMPARE(parser.parseHead(first, &headBytes), HttpRequestParser::Status::HeadReady);
    QCOMPARE(parser.startBody(3), HttpRequestParser::Status::NeedMoreData);
    qsizetype consumed = 0;
    QCOMPARE(parser.feedBody(QByteArrayView(first).sliced(headBytes), &consumed),
             HttpRequestParser::Status::RequestReady);
    QCOMPARE(consumed, 3);
    QCOMPARE(parser.takeRequest().body, QByteArray("abc"));

    const QByteArray second = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
    QCOMPARE(parser.parseHead(second, &headBytes), HttpRequestParser::Status::HeadReady);
    QCOMPARE(headBytes, second.size());
    QCOMPARE(parser.startBody(), HttpRequestParser::Status::RequestReady);
    QCOMPARE(parser.takeRequest().path, QByteArray("/b"));
    QVERIFY(!parser.hasError());
}

QTEST_GUILESS_MAIN(tst_HttpRequestParser)
#include "tst_httprequestparser.moc"
