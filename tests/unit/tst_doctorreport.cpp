// The connection doctor's report without a server: how an answer is classified (engine.io's own
// refusal, a middlebox's error page, another error), and the report's JSON and text forms.
#include "doctor/doctorreport.h"

#include <QJsonArray>
#include <QTest>

class tst_DoctorReport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void classify_data();
    void classify();
    void jsonHasEveryField();
    void okIsFalseOnlyWithAFailure_data();
    void okIsFalseOnlyWithAFailure();
    void textNamesEachCheckAndItsEvidence();
};

void tst_DoctorReport::classify_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<AnswerFingerprint::Kind>("kind");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("described");
    using Kind = AnswerFingerprint::Kind;
    QTest::newRow("polling refusal: Session ID unknown")
        << 400 << QByteArray("application/json")
        << QByteArray(R"({"code":1,"message":"Session ID unknown"})") << Kind::EngineIoRefusal << 1
        << QStringLiteral("engine.io error 1 \"Session ID unknown\"");
    QTest::newRow("upgrade refusal is text/html with a JSON body: still engine.io's")
        << 400 << QByteArray("text/html") << QByteArray(R"({"code":3,"message":"Bad request"})")
        << Kind::EngineIoRefusal << 3 << QStringLiteral("engine.io error 3 \"Bad request\"");
    QTest::newRow("code without message: engine.io's own words")
        << 403 << QByteArray("application/json") << QByteArray(R"({"code":4})")
        << Kind::EngineIoRefusal << 4 << QStringLiteral("engine.io error 4 \"Forbidden\"");
    QTest::newRow("502 of a proxy")
        << 502 << QByteArray("text/html") << QByteArray("<html><body><h1>502 Bad Gateway</h1>")
        << Kind::MiddleboxPage << -1
        << QStringLiteral("an error page of a proxy or load balancer, "
                          "not of engine.io (HTTP 502, text/html)");
    QTest::newRow("504 without a body")
        << 504 << QByteArray() << QByteArray() << Kind::MiddleboxPage << -1
        << QStringLiteral("an error page of a proxy or load "
                          "balancer, not of engine.io (HTTP 504)");
    QTest::newRow("HTML 403 of a firewall")
        << 403 << QByteArray("text/html; charset=utf-8") << QByteArray("<html>denied</html>")
        << Kind::MiddleboxPage << -1
        << QStringLiteral("an error page of a proxy or load balancer, not of engine.io (HTTP 403, "
                          "text/html; charset=utf-8)");
    QTest::newRow("plain 404") << 404 << QByteArray("text/plain") << QByteArray("Cannot GET /x")
                               << Kind::OtherHttpError << -1
                               << QStringLiteral("HTTP 404, not an engine.io answer");
    QTest::newRow("JSON with a code out of engine.io's range")
        << 400 << QByteArray("application/json") << QByteArray(R"({"code":42})")
        << Kind::OtherHttpError << -1 << QStringLiteral("HTTP 400, not an engine.io answer");
}

void tst_DoctorReport::classify()
{
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(AnswerFingerprint::Kind, kind);
    QFETCH(int, code);
    QFETCH(QString, described);
    const AnswerFingerprint fingerprint = AnswerFingerprint::classify(status, contentType, body);
    QCOMPARE(fingerprint.kind, kind);
    QCOMPARE(int(fingerprint.code), code);
    QCOMPARE(fingerprint.describe(status, contentType), described);
}

void tst_DoctorReport::jsonHasEveryField()
{
    DoctorReport report;
    report.url = QStringLiteral("http://example.test:3000");
    DoctorCheck check;
    check.id = QStringLiteral("heartbeat");
    check.status = DoctorCheck::Status::Pass;
    check.summary = QStringLiteral("pings every 25000 ms");
    check.evidence = {QStringLiteral("from the handshake: {}")};
    check.fields.insert(QStringLiteral("pingInterval"), 25000);
    report.checks.append(check);
    const QJsonObject json = report.toJson();
    QCOMPARE(json.value(QStringLiteral("url")).toString(), report.url);
    QCOMPARE(json.value(QStringLiteral("ok")), QJsonValue(true));
    const QJsonObject first = json.value(QStringLiteral("checks")).toArray().first().toObject();
    QCOMPARE(first.keys(), (QStringList{QStringLiteral("evidence"), QStringLiteral("id"),
                                        QStringLiteral("pingInterval"), QStringLiteral("status"),
                                        QStringLiteral("summary")}));
    QCOMPARE(first.value(QStringLiteral("status")).toString(), QStringLiteral("pass"));
    QCOMPARE(first.value(QStringLiteral("evidence")).toArray(),
             QJsonArray{QStringLiteral("from the handshake: {}")});
    QCOMPARE(first.value(QStringLiteral("pingInterval")).toInt(), 25000);
}

void tst_DoctorReport::okIsFalseOnlyWithAFailure_data()
{
    QTest::addColumn<DoctorCheck::Status>("status");
    QTest::addColumn<bool>("ok");
    QTest::newRow("pass") << DoctorCheck::Status::Pass << true;
    QTest::newRow("warn is not a failure") << DoctorCheck::Status::Warn << true;
    QTest::newRow("skip") << DoctorCheck::Status::Skip << true;
    QTest::newRow("fail") << DoctorCheck::Status::Fail << false;
}

void tst_DoctorReport::okIsFalseOnlyWithAFailure()
{
    QFETCH(DoctorCheck::Status, status);
    QFETCH(bool, ok);
    DoctorReport report;
    DoctorCheck passed;
    passed.status = DoctorCheck::Status::Pass;
    DoctorCheck check;
    check.status = status;
    report.checks = {passed, check};
    QCOMPARE(report.ok(), ok);
    QCOMPARE(report.toJson().value(QStringLiteral("ok")).toBool(), ok);
}

void tst_DoctorReport::textNamesEachCheckAndItsEvidence()
{
    DoctorReport report;
    report.url = QStringLiteral("http://lb.test");
    DoctorCheck sticky;
    sticky.id = QStringLiteral("stickiness");
    sticky.status = DoctorCheck::Status::Fail;
    sticky.summary = QStringLiteral("Sessions are not pinned to one server");
    sticky.evidence = {QStringLiteral("> POST /socket.io/?EIO=4&transport=polling&sid=a HTTP/1.1"),
                       QStringLiteral("< HTTP/1.1 400 Bad Request")};
    DoctorCheck tls;
    tls.id = QStringLiteral("tls");
    tls.summary = QStringLiteral("plain http: no TLS to check");
    DoctorCheck transports;
    transports.id = QStringLiteral("transports");
    transports.status = DoctorCheck::Status::Warn;
    transports.summary = QStringLiteral("Works: polling");
    report.checks = {tls, sticky, transports};
    QCOMPARE(report.toText(),
             QStringLiteral("Connection doctor for http://lb.test\n\n"
                            "[skip] tls: plain http: no TLS to check\n"
                            "[fail] stickiness: Sessions are not pinned to one server\n"
                            "       > POST /socket.io/?EIO=4&transport=polling&sid=a HTTP/1.1\n"
                            "       < HTTP/1.1 400 Bad Request\n"
                            "[warn] transports: Works: polling\n"
                            "\n"
                            "1 check failed, 1 warning.\n"));
}

QTEST_GUILESS_MAIN(tst_DoctorReport)
#include "tst_doctorreport.moc"
