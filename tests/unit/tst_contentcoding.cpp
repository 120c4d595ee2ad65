// ContentCoding (core/common): the polling bodies a server compressed, read back; the bound on
// what a body may inflate to; and a coding that is not known, named.
#include "common/contentcoding.h"

#include <QTest>

namespace {
const QByteArray Plain =
    R"(97:0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";
// Python's gzip.compress(Plain, mtime=0) and a raw deflate of it (zlib, wbits -15).
const QByteArray Gzip = QByteArray::fromHex(
    "1f8b0800000000000203b334b732a8562ace4c51b2524a4c4a56d2512a2d482f4a4c492d56b28a8ed5512ac8cc4b"
    "f7cc2b492d2a4bcc51b2323235303080088664e6a6e6979600c50cc062b9891501899539f98940930c0dc0a01600"
    "c75b9ee55d000000");
const QByteArray RawDeflate = QByteArray::fromHex(
    "b334b732a8562ace4c51b2524a4c4a56d2512a2d482f4a4c492d56b28a8ed5512ac8cc4bf7cc2b492d2a4bcc51b2"
    "323235303080088664e6a6e6979600c50cc062b9891501899539f98940930c0dc0a01600");
} // namespace

class tst_ContentCoding : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decodes_data();
    void decodes();
    void refuses_data();
    void refuses();
};

void tst_ContentCoding::decodes_data()
{
    QTest::addColumn<QByteArray>("coding");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("gzip") << QByteArray("gzip") << Gzip;
    QTest::newRow("x-gzip, any case") << QByteArray("X-GZIP") << Gzip;
    // qCompress writes a 4-byte length, then the zlib stream RFC 9110 calls deflate.
    QTest::newRow("deflate, zlib-wrapped") << QByteArray("deflate") << qCompress(Plain).mid(4);
    QTest::newRow("deflate, raw as some servers send it") << QByteArray("deflate") << RawDeflate;
    QTest::newRow("identity") << QByteArray("identity") << Plain;
}

void tst_ContentCoding::decodes()
{
    QFETCH(QByteArray, coding);
    QFETCH(QByteArray, body);
    QByteArray decoded;
    QString error;
    QVERIFY2(ContentCoding::decode(coding, body, 1 << 20, &decoded, &error), qPrintable(error));
    QCOMPARE(decoded, Plain);
}

void tst_ContentCoding::refuses_data()
{
    QTest::addColumn<QByteArray>("coding");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("maxBytes");
    QTest::addColumn<QString>("errorPart");
    QTest::newRow("unknown coding")
        << QByteArray("br") << Plain << qint64(1 << 20) << QStringLiteral("\"br\"");
    QTest::newRow("inflates past the limit")
        << QByteArray("gzip") << Gzip << qint64(50) << QStringLiteral("past 50 bytes");
    QTest::newRow("cut short") << QByteArray("gzip") << Gzip.left(40) << qint64(1 << 20)
                               << QStringLiteral("ends early");
    QTest::newRow("not compressed at all")
        << QByteArray("gzip") << Plain << qint64(1 << 20) << QStringLiteral("corrupt");
}

void tst_ContentCoding::refuses()
{
    QFETCH(QByteArray, coding);
    QFETCH(QByteArray, body);
    QFETCH(qint64, maxBytes);
    QFETCH(QString, errorPart);
    QByteArray decoded;
    QString error;
    QVERIFY(!ContentCoding::decode(coding, body, maxBytes, &decoded, &error));
    QVERIFY2(error.contains(errorPart), qPrintable(error));
}

QTEST_APPLESS_MAIN(tst_ContentCoding)
#include "tst_contentcoding.moc"
