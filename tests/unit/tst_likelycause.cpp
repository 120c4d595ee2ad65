// The "likely cause" line of a connection failure: from the error's fields only (the engine.io
// code, the HTTP status, whether the request was a WebSocket upgrade, an HTML body), never from
// its message.
#include "engineio/likelycause.h"

#include <QTest>

class tst_LikelyCause : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fingerprints_data();
    void fingerprints();
};

void tst_LikelyCause::fingerprints_data()
{
    QTest::addColumn<int>("serverCode"); // -1: none
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<bool>("upgradeRequest");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("expected"); // a part of the line; empty: no line
    QTest::newRow("code-0") << 0 << 400 << false << QByteArray() << "does not allow this transport";
    QTest::newRow("code-1-poll") << 1 << 400 << false << QByteArray()
                                 << "a load balancer without sticky sessions";
    QTest::newRow("code-1-upgrade") << 1 << 400 << true << QByteArray()
                                    << "the WebSocket upgrade reached a server that does not hold";
    QTest::newRow("code-2") << 2 << 400 << false << QByteArray() << "other than a GET";
    QTest::newRow("code-3-upgrade") << 3 << 400 << true << QByteArray()
                                    << "dropped the WebSocket headers (Upgrade, Connection)";
    QTest::newRow("code-3-poll") << 3 << 400 << false << QByteArray()
                                 << "found the request malformed";
    QTest::newRow("code-4") << 4 << 403 << false << QByteArray() << "allowRequest refused";
    QTest::newRow("code-5") << 5 << 400 << false << QByteArray() << "--eio 3";
    QTest::newRow("502") << -1 << 502 << false << QByteArray() << "answered 502 itself";
    QTest::newRow("504") << -1 << 504 << false << QByteArray("<html>timeout</html>")
                         << "answered 504 itself";
    QTest::newRow("404") << -1 << 404 << false << QByteArray() << "the server's `path` option";
    QTest::newRow("401") << -1 << 401 << false << QByteArray() << "an auth gateway";
    QTest::newRow("html-200") << -1 << 200 << false
                              << QByteArray("  <!DOCTYPE html><html><body>Welcome</body></html>")
                              << "an HTML page answered where engine.io answers JSON";
    QTest::newRow("json-400-without-code")
        << -1 << 400 << false << QByteArray("{\"x\":1}") << QString();
    QTest::newRow("no-http-answer") << -1 << 0 << false << QByteArray() << QString();
}

void tst_LikelyCause::fingerprints()
{
    QFETCH(int, serverCode);
    QFETCH(int, httpStatus);
    QFETCH(bool, upgradeRequest);
    QFETCH(QByteArray, body);
    QFETCH(QString, expected);
    // The message says "Session ID unknown" in every row: it must not decide anything.
    EngineIoError error(EngineIoError::Kind::Handshake,
                        QStringLiteral("HTTP 400: engine.io error 1 \"Session ID unknown\""), body);
    error.serverCode = EngineIoErrorCode(serverCode);
    error.httpStatus = httpStatus;
    error.upgradeRequest = upgradeRequest;
    const QString cause = likelyCause(error);
    if (expected.isEmpty()) {
        QVERIFY2(cause.isEmpty(), qPrintable(cause));
        return;
    }
    QVERIFY2(cause.contains(expected), qPrintable(cause));
}

QTEST_GUILESS_MAIN(tst_LikelyCause)
#include "tst_likelycause.moc"
