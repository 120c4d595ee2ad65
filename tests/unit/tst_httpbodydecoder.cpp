// HttpBodyDecoder (core/common): where a body ends under each framing, the body it holds once
// the chunked framing is off, the bound on what is kept, and each malformed chunked body. Every
// body is also fed split at every point, and the bytes after its end must be left alone.
#include "common/httpbody.h"

#include <QTest>

Q_DECLARE_METATYPE(HttpBodyDecoder::Framing)
Q_DECLARE_METATYPE(HttpBodyDecoder::Error)

namespace {
struct Fed
{
    HttpBodyDecoder::Status status = HttpBodyDecoder::Status::NeedMoreData;
    QByteArray body;
    qint64 bodyBytes = 0;
    qsizetype consumed = 0; // of the whole input
    HttpBodyDecoder::Error error = HttpBodyDecoder::Error::None;
};

// Feeds `wire` in two parts split at `split`, then finish() when `close` and not done.
Fed feedSplit(HttpBodyDecoder::Framing framing, qint64 length, const QByteArray &wire,
              qsizetype split, bool close, qint64 maxKept)
{
    HttpBodyLimits limits;
    limits.maxKeptBytes = maxKept;
    HttpBodyDecoder decoder(limits);
    decoder.start(framing, length);
    Fed fed;
    qsizetype pos = 0;
    for (const QByteArrayView part :
         {QByteArrayView(wire).first(split), QByteArrayView(wire).sliced(split)}) {
        qsizetype consumed = 0;
        fed.status = decoder.feed(part, &consumed);
        pos += consumed;
        if (fed.status != HttpBodyDecoder::Status::NeedMoreData)
            break;
        if (consumed != part.size()) {
            qWarning("NeedMoreData with bytes left over");
            fed.status = HttpBodyDecoder::Status::Error;
            break;
        }
    }
    if (close && fed.status == HttpBodyDecoder::Status::NeedMoreData)
        fed.status = decoder.finish();
    fed.consumed = pos;
    fed.body = decoder.body();
    fed.bodyBytes = decoder.bodyBytes();
    fed.error = decoder.error();
    return fed;
}
} // namespace

class tst_HttpBodyDecoder : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void bodies_data();
    void bodies();
    void malformed_data();
    void malformed();
    void keptBytesAreBounded();
    void responseFraming_data();
    void responseFraming();
};

void tst_HttpBodyDecoder::bodies_data()
{
    QTest::addColumn<HttpBodyDecoder::Framing>("framing");
    QTest::addColumn<qint64>("length");
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<bool>("close");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qsizetype>("bodyWireBytes"); // the rest is the next message's

    using F = HttpBodyDecoder::Framing;
    QTest::newRow("content-length, next request after it")
        << F::Length << qint64(5)
        << QByteArray("hello"
                      "GET / HTTP/1.1\r\n")
        << false << QByteArray("hello") << qsizetype(5);
    QTest::newRow("no body: nothing consumed")
        << F::None << qint64(0) << QByteArray("HTTP/1.1 200 OK\r\n") << false << QByteArray()
        << qsizetype(0);
    QTest::newRow("chunked, two chunks and the last")
        << F::Chunked << qint64(0) << QByteArray("5\r\nhello\r\n1\r\n!\r\n0\r\n\r\nNEXT") << false
        << QByteArray("hello!") << qsizetype(21);
    QTest::newRow("chunked, upper-case hex, extension and trailer")
        << F::Chunked << qint64(0)
        << QByteArray("A;name=value\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n") << false
        << QByteArray("0123456789") << qsizetype(45);
    QTest::newRow("chunked, bare LF line ends")
        << F::Chunked << qint64(0) << QByteArray("3\nabc\n0\n\n") << false << QByteArray("abc")
        << qsizetype(9);
    QTest::newRow("until close") << F::UntilClose << qint64(0) << QByteArray("all of it") << true
                                 << QByteArray("all of it") << qsizetype(9);
}

void tst_HttpBodyDecoder::bodies()
{
    QFETCH(HttpBodyDecoder::Framing, framing);
    QFETCH(qint64, length);
    QFETCH(QByteArray, wire);
    QFETCH(bool, close);
    QFETCH(QByteArray, body);
    QFETCH(qsizetype, bodyWireBytes);
    for (qsizetype split = 0; split <= wire.size(); ++split) {
        const Fed fed = feedSplit(framing, length, wire, split, close, 1 << 20);
        QVERIFY2(fed.status == HttpBodyDecoder::Status::Done, qPrintable(QString::number(split)));
        QCOMPARE(fed.body, body);
        QCOMPARE(fed.bodyBytes, qint64(body.size()));
        QVERIFY2(fed.consumed == bodyWireBytes,
                 qPrintable(QStringLiteral("split %1: consumed %2").arg(split).arg(fed.consumed)));
    }
}

void tst_HttpBodyDecoder::malformed_data()
{
    QTest::addColumn<HttpBodyDecoder::Framing>("framing");
    QTest::addColumn<qint64>("length");
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<HttpBodyDecoder::Error>("error");

    using F = HttpBodyDecoder::Framing;
    using E = HttpBodyDecoder::Error;
    QTest::newRow("chunk size not hex")
        << F::Chunked << qint64(0) << QByteArray("zz\r\n") << E::BadChunkSize;
    QTest::newRow("chunk size followed by junk")
        << F::Chunked << qint64(0) << QByteArray("5 x\r\nhello\r\n") << E::BadChunkSize;
    QTest::newRow("chunk size of 16 digits")
        << F::Chunked << qint64(0) << QByteArray("1000000000000000\r\n") << E::BodyTooLarge;
    QTest::newRow("control character in extension")
        << F::Chunked << qint64(0) << QByteArray("5;a=\x01\r\nhello\r\n") << E::BadChunkExtension;
    QTest::newRow("chunk data not followed by CRLF")
        << F::Chunked << qint64(0) << QByteArray("3\r\nabcX\r\n") << E::MissingChunkEnd;
    QTest::newRow("chunk size line over the limit")
        << F::Chunked << qint64(0) << QByteArray("5;" + QByteArray(2000, 'x') + "\r\n")
        << E::ChunkLineTooLong;
    QTest::newRow("trailer over the limit")
        << F::Chunked << qint64(0) << QByteArray("0\r\nX: " + QByteArray(9000, 'y') + "\r\n\r\n")
        << E::TrailerTooLong;
    QTest::newRow("closed before the Content-Length")
        << F::Length << qint64(10) << QByteArray("short") << E::Truncated;
    QTest::newRow("closed inside the chunked body")
        << F::Chunked << qint64(0) << QByteArray("5\r\nhel") << E::Truncated;
}

void tst_HttpBodyDecoder::malformed()
{
    QFETCH(HttpBodyDecoder::Framing, framing);
    QFETCH(qint64, length);
    QFETCH(QByteArray, wire);
    QFETCH(HttpBodyDecoder::Error, error);
    for (qsizetype split = 0; split <= wire.size(); ++split) {
        const Fed fed = feedSplit(framing, length, wire, split, true, 1 << 20);
        QVERIFY2(fed.status == HttpBodyDecoder::Status::Error, qPrintable(QString::number(split)));
        QCOMPARE(fed.error, error);
    }
}

void tst_HttpBodyDecoder::keptBytesAreBounded()
{
    // The framing is followed to the end; only the first maxKeptBytes are kept.
    const QByteArray wire = "a\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\nNEXT";
    const Fed fed = feedSplit(HttpBodyDecoder::Framing::Chunked, 0, wire, 7, false, 12);
    QCOMPARE(fed.status, HttpBodyDecoder::Status::Done);
    QCOMPARE(fed.body, QByteArray("0123456789ab"));
    QCOMPARE(fed.bodyBytes, qint64(20));
    QCOMPARE(fed.consumed, wire.size() - 4);
}

void tst_HttpBodyDecoder::responseFraming_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("transferEncoding");
    QTest::addColumn<QByteArray>("contentLength");
    QTest::addColumn<HttpBodyDecoder::Framing>("framing");
    QTest::addColumn<qint64>("length");

    using F = HttpBodyDecoder::Framing;
    QTest::newRow("HEAD has no body")
        << QByteArray("HEAD") << 200 << QByteArray() << QByteArray("10") << F::None << qint64(0);
    QTest::newRow("204") << QByteArray("GET") << 204 << QByteArray() << QByteArray() << F::None
                         << qint64(0);
    QTest::newRow("304") << QByteArray("GET") << 304 << QByteArray() << QByteArray("5") << F::None
                         << qint64(0);
    QTest::newRow("chunked wins over Content-Length")
        << QByteArray("GET") << 200 << QByteArray("gzip, chunked") << QByteArray("5") << F::Chunked
        << qint64(0);
    QTest::newRow("other final coding: until close")
        << QByteArray("GET") << 200 << QByteArray("chunked, gzip") << QByteArray() << F::UntilClose
        << qint64(0);
    QTest::newRow("Content-Length") << QByteArray("GET") << 200 << QByteArray()
                                    << QByteArray("0042") << F::Length << qint64(42);
    QTest::newRow("repeated equal Content-Length") << QByteArray("POST") << 400 << QByteArray()
                                                   << QByteArray("7, 7") << F::Length << qint64(7);
    QTest::newRow("differing Content-Length: until close")
        << QByteArray("GET") << 200 << QByteArray() << QByteArray("7, 8") << F::UntilClose
        << qint64(0);
    QTest::newRow("neither: until close")
        << QByteArray("GET") << 200 << QByteArray() << QByteArray() << F::UntilClose << qint64(0);
}

void tst_HttpBodyDecoder::responseFraming()
{
    QFETCH(QByteArray, method);
    QFETCH(int, status);
    QFETCH(QByteArray, transferEncoding);
    QFETCH(QByteArray, contentLength);
    QFETCH(HttpBodyDecoder::Framing, framing);
    QFETCH(qint64, length);
    qint64 actualLength = -1;
    QCOMPARE(HttpBodyDecoder::responseFraming(method, status, transferEncoding, contentLength,
                                              &actualLength),
             framing);
    QCOMPARE(actualLength, length);
}

QTEST_APPLESS_MAIN(tst_HttpBodyDecoder)
#include "tst_httpbodydecoder.moc"
