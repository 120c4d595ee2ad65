// The connection's cookie jar (core/engineio/engineiocookiejar.h): which cookies a request
// carries (RFC 6265 domain, path, Secure and expiry matching, done by QNetworkCookieJar), how the
// user's own Cookie header is merged with them, which cookies are reported as new, and that a
// Set-Cookie on the WebSocket 101 answer is kept and sent again after a reconnection.
#include "engineio/engineioclient.h"
#include "engineio/engineiocookiejar.h"
#include "fakewebsocketserver.h"
#include "session/redaction.h"
#include "socketio/clientrecorder.h"
#include "socketio/packetrecord.h"
#include "socketio/sessiondecoder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using Headers = EngineIoCookieJar::Headers;

namespace {
constexpr int Timeout = 5000;

Headers setCookieFields(const QByteArrayList &values)
{
    Headers headers{{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/plain")}};
    for (const QByteArray &value : values)
        headers.append({QByteArrayLiteral("Set-Cookie"), value});
    return headers;
}

// The Cookie fields of `headers`.
QByteArrayList cookieFields(const Headers &headers)
{
    QByteArrayList values;
    for (const auto &[name, value] : headers)
        if (name.compare("cookie", Qt::CaseInsensitive) == 0)
            values.append(value);
    return values;
}
} // namespace

class tst_EngineIoCookieJar : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cookiesForARequest_data();
    void cookiesForARequest();
    void userCookieFieldsBecomeOne();
    void onlyNewCookiesAreReported();
    void setCookieOn101IsSentAfterReconnect_data();
    void setCookieOn101IsSentAfterReconnect();
};

void tst_EngineIoCookieJar::cookiesForARequest_data()
{
    QTest::addColumn<QByteArrayList>("setCookies"); // Set-Cookie values, in order
    QTest::addColumn<QUrl>("from");                 // the request they answered
    QTest::addColumn<QUrl>("to");                   // the next request
    QTest::addColumn<QByteArray>("userCookie");     // the user's Cookie header; empty: none
    QTest::addColumn<QByteArray>("expected");       // the Cookie field sent; empty: none

    const QUrl polling(QStringLiteral("http://127.0.0.1:8080/socket.io/?EIO=4&transport=polling"));
    const QUrl upgrade(
        QStringLiteral("ws://127.0.0.1:8080/socket.io/?EIO=4&transport=websocket&sid=x"));
    const QUrl securePolling(QStringLiteral("https://example.com/socket.io/?EIO=4"));
    const QUrl secureUpgrade(QStringLiteral("wss://example.com/socket.io/?EIO=4&sid=x"));
    const QByteArray none;

    QTest::newRow("host-only cookie from polling goes on the upgrade")
        << QByteArrayList{"SERVERID=s1"} << polling << upgrade << none << QByteArray("SERVERID=s1");
    QTest::newRow("a host-only cookie is sent to every port of its host")
        << QByteArrayList{"SERVERID=s1"} << polling
        << QUrl(QStringLiteral("ws://127.0.0.1:9090/socket.io/")) << none
        << QByteArray("SERVERID=s1");
    QTest::newRow("host-only cookie stays off another host")
        << QByteArrayList{"id=1"} << QUrl(QStringLiteral("http://a.example.com/socket.io/"))
        << QUrl(QStringLiteral("ws://b.example.com/socket.io/")) << none << none;
    QTest::newRow("host-only cookie stays off a sub-domain")
        << QByteArrayList{"id=1"} << QUrl(QStringLiteral("http://example.com/socket.io/"))
        << QUrl(QStringLiteral("ws://www.example.com/socket.io/")) << none << none;
    QTest::newRow("domain cookie reaches a sibling sub-domain")
        << QByteArrayList{"id=1; Domain=example.com"}
        << QUrl(QStringLiteral("http://www.example.com/socket.io/"))
        << QUrl(QStringLiteral("ws://api.example.com/socket.io/")) << none << QByteArray("id=1");
    QTest::newRow("domain of another site is refused")
        << QByteArrayList{"id=1; Domain=other.org"}
        << QUrl(QStringLiteral("http://example.com/socket.io/"))
        << QUrl(QStringLiteral("http://other.org/socket.io/")) << none << none;
    QTest::newRow("path that holds the engine.io path")
        << QByteArrayList{"a=1; Path=/socket.io"} << polling << upgrade << none
        << QByteArray("a=1");
    QTest::newRow("another path is not sent")
        << QByteArrayList{"a=1; Path=/admin"} << polling << upgrade << none << none;
    QTest::newRow("default path is the request's directory")
        << QByteArrayList{"a=1"} << polling << QUrl(QStringLiteral("ws://127.0.0.1:8080/other/"))
        << none << none;
    QTest::newRow("Secure cookie goes over wss") << QByteArrayList{"s=1; Secure"} << securePolling
                                                 << secureUpgrade << none << QByteArray("s=1");
    QTest::newRow("Secure cookie is not sent over ws")
        << QByteArrayList{"s=1; Secure"} << securePolling
        << QUrl(QStringLiteral("ws://example.com/socket.io/")) << none << none;
    QTest::newRow("Secure cookie is not sent over http")
        << QByteArrayList{"s=1; Secure"} << securePolling
        << QUrl(QStringLiteral("http://example.com/socket.io/")) << none << none;
    QTest::newRow("expired cookie is not kept")
        << QByteArrayList{"old=1; Expires=Thu, 01 Jan 2015 00:00:00 GMT"} << polling << upgrade
        << none << none;
    QTest::newRow("cookie with a future Max-Age is sent")
        << QByteArrayList{"a=1; Max-Age=3600"} << polling << upgrade << none << QByteArray("a=1");
    QTest::newRow("Max-Age=0 deletes the cookie")
        << QByteArrayList{"a=1", "a=gone; Max-Age=0"} << polling << upgrade << none << none;
    QTest::newRow("a later value replaces the earlier")
        << QByteArrayList{"a=1", "a=2"} << polling << upgrade << none << QByteArray("a=2");
    QTest::newRow("longest path first") << QByteArrayList{"a=1; Path=/", "b=2; Path=/socket.io/"}
                                        << polling << upgrade << none << QByteArray("b=2; a=1");
    QTest::newRow("two cookies in one value, as QNetworkReply joins Set-Cookie fields")
        << QByteArrayList{"a=1; Path=/\nb=2; Path=/socket.io/"} << polling << upgrade << none
        << QByteArray("b=2; a=1");
    QTest::newRow("the user's cookie first, then the jar's")
        << QByteArrayList{"SERVERID=s1"} << polling << upgrade << QByteArray("user=1")
        << QByteArray("user=1; SERVERID=s1");
    QTest::newRow("the user's cookie wins over the jar's of the same name")
        << QByteArrayList{"SERVERID=s1"} << polling << upgrade << QByteArray("SERVERID=mine; u=2")
        << QByteArray("SERVERID=mine; u=2");
    QTest::newRow("the user's cookie alone")
        << QByteArrayList{} << polling << upgrade << QByteArray("user=1") << QByteArray("user=1");
    QTest::newRow("no cookie at all: no field")
        << QByteArrayList{} << polling << upgrade << none << none;
}

// Cookies set by a response (`from`) and the Cookie field of the next request (`to`): exactly one
// field when there is a cookie, none otherwise; the user's other headers kept in order.
void tst_EngineIoCookieJar::cookiesForARequest()
{
    QFETCH(QByteArrayList, setCookies);
    QFETCH(QUrl, from);
    QFETCH(QUrl, to);
    QFETCH(QByteArray, userCookie);
    QFETCH(QByteArray, expected);

    EngineIoCookieJar jar;
    jar.storeFromResponse(from, setCookieFields(setCookies));
    Headers user{{QByteArrayLiteral("X-Before"), QByteArrayLiteral("1")}};
    if (!userCookie.isEmpty())
        user.append({QByteArrayLiteral("Cookie"), userCookie});
    user.append({QByteArrayLiteral("X-After"), QByteArrayLiteral("2")});

    const Headers sent = jar.requestHeaders(to, user);
    const QByteArrayList cookies = cookieFields(sent);
    QCOMPARE(cookies, expected.isEmpty() ? QByteArrayList() : QByteArrayList{expected});
    QByteArrayList names;
    for (const auto &header : sent)
        names.append(header.first);
    // The Cookie field where the user's was, else last.
    QByteArrayList expectedNames{"X-Before", "X-After"};
    if (!expected.isEmpty())
        expectedNames.insert(userCookie.isEmpty() ? 2 : 1, "Cookie");
    QCOMPARE(names, expectedNames);
}

// Several Cookie fields of the user (any case) become one, where the first one was.
void tst_EngineIoCookieJar::userCookieFieldsBecomeOne()
{
    EngineIoCookieJar jar;
    const Headers user{{"cookie", "a=1"}, {"X-Other", "y"}, {"COOKIE", "b=2; "}};
    const Headers expected{{"Cookie", "a=1; b=2"}, {"X-Other", "y"}};
    QCOMPARE(jar.requestHeaders(QUrl(QStringLiteral("http://h/socket.io/")), user), expected);
}

// cookiesReceived() names the cookies the jar did not hold (by name, domain and path), with the
// attributes as stored; a new value of a known cookie (a load balancer that sets it again on
// every answer) is kept but not reported again.
void tst_EngineIoCookieJar::onlyNewCookiesAreReported()
{
    EngineIoCookieJar jar;
    QSignalSpy received(&jar, &EngineIoCookieJar::cookiesReceived);
    const QUrl url(QStringLiteral("http://127.0.0.1:8080/socket.io/?EIO=4&transport=polling"));
    jar.storeFromResponse(url, setCookieFields({"SERVERID=s1; HttpOnly; SameSite=Lax"}));
    QCOMPARE(received.size(), 1);
    const auto first = received.takeFirst().first().value<QList<QNetworkCookie>>();
    QCOMPARE(first.size(), 1);
    QCOMPARE(first.first().name(), QByteArrayLiteral("SERVERID"));
    QCOMPARE(first.first().domain(), QStringLiteral("127.0.0.1"));
    QCOMPARE(first.first().path(), QStringLiteral("/socket.io/"));
    QVERIFY(first.first().isHttpOnly());
    QCOMPARE(first.first().sameSitePolicy(), QNetworkCookie::SameSite::Lax);

    jar.storeFromResponse(url, setCookieFields({"SERVERID=s2; HttpOnly"}));
    QCOMPARE(received.size(), 0);
    QCOMPARE(cookieFields(jar.requestHeaders(url, {})), QByteArrayList{"SERVERID=s2"});

    jar.storeFromResponse(url, setCookieFields({"SERVERID=s2", "AWSALB=x; Path=/"}));
    QCOMPARE(received.size(), 1);
    const auto second = received.takeFirst().first().value<QList<QNetworkCookie>>();
    QCOMPARE(second.size(), 1);
    QCOMPARE(second.first().name(), QByteArrayLiteral("AWSALB"));
    QCOMPARE(jar.cookies().size(), 2);
    jar.clear();
    QVERIFY(jar.cookies().isEmpty());
}

void tst_EngineIoCookieJar::setCookieOn101IsSentAfterReconnect_data()
{
    QTest::addColumn<QByteArray>("userCookie"); // empty: none
    QTest::addColumn<QByteArray>("expected");   // the Cookie field of the second upgrade request
    QTest::newRow("the cookie alone") << QByteArray() << QByteArray("SERVERID=ws1");
    QTest::newRow("merged with the user's cookie")
        << QByteArray("user=1") << QByteArray("user=1; SERVERID=ws1");
}

// WebSocket only: the cookie comes on the 101 answer, is recorded as a note (its value redacted
// by Redaction), and goes on the upgrade request of the reconnection, one Cookie field in all.
void tst_EngineIoCookieJar::setCookieOn101IsSentAfterReconnect()
{
    QFETCH(QByteArray, userCookie);
    QFETCH(QByteArray, expected);

    auto first = std::make_unique<FakeWebSocketServer>();
    QVERIFY(first->listen());
    const quint16 port = first->url().port();
    first->setUpgradeHeaders("Set-Cookie: SERVERID=ws1; Path=/; HttpOnly\r\n");
    first->answerUpgradeWith({});
    EngineIoOptions options = first->clientOptions();
    options.reconnect.delayMs = 300;
    options.reconnect.randomization = 0;
    if (!userCookie.isEmpty())
        options.headers.append({QByteArrayLiteral("Cookie"), userCookie});

    EngineIoClient client;
    client.setOptions(options);
    SessionDecoder session;
    EngineIoClientRecorder recorder(&client, &session);
    QList<PacketRecord> notes;
    connect(&session, &SessionDecoder::packetRecorded, this, [&notes](const PacketRecord &record) {
        if (record.layer == PacketRecord::Layer::Connection && record.type == PacketRecord::Cookies)
            notes.append(record);
    });
    QSignalSpy received(&client, &EngineIoClient::cookiesReceived);
    client.open();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Open, Timeout);
    QCOMPARE(received.size(), 1);
    QCOMPARE(client.cookies().size(), 1);
    QCOMPARE(client.cookies().first().toRawForm(QNetworkCookie::NameAndValueOnly),
             QByteArrayLiteral("SERVERID=ws1"));
    QCOMPARE(first->request().contains("\r\nCookie: "), !userCookie.isEmpty());

    QCOMPARE(notes.size(), 1);
    const QJsonObject cookie = QJsonDocument::fromJson(notes.first().payload)
                                   .object()
                                   .value(QStringLiteral("cookies"))
                                   .toArray()
                                   .first()
                                   .toObject();
    QCOMPARE(cookie.value(QStringLiteral("name")).toString(), QStringLiteral("SERVERID"));
    QCOMPARE(cookie.value(QStringLiteral("path")).toString(), QStringLiteral("/"));
    QCOMPARE(cookie.value(QStringLiteral("domain")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(cookie.value(QStringLiteral("expires")).toString(), QStringLiteral("session"));
    QCOMPARE(cookie.value(QStringLiteral("httpOnly")).toBool(), true);
    QCOMPARE(cookie.value(QStringLiteral("secure")).toBool(), false);
    const QByteArray redacted = Redaction::redact(notes.first()).payload;
    QVERIFY2(!redacted.contains("ws1") && redacted.contains("SERVERID"), redacted.constData());

    // The server goes away; another answers on the same port, as the load balancer would.
    first.reset();
    FakeWebSocketServer second;
    QVERIFY(second.listen(port));
    second.answerUpgradeWith({});
    QTRY_VERIFY_WITH_TIMEOUT(second.upgradeRequested(), Timeout);
    const QByteArray request = second.request();
    QCOMPARE(request.count("Cookie:"), 1);
    QVERIFY2(request.contains("\r\nCookie: " + expected + "\r\n"), request.constData());
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Open, Timeout);
    QCOMPARE(received.size(), 1); // nothing new
    client.close();
}

QTEST_GUILESS_MAIN(tst_EngineIoCookieJar)
#include "tst_engineiocookiejar.moc"
