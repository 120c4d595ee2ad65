// Proxies, as users meet them: tinyproxy (an HTTP proxy, with and without Basic authentication)
// and microsocks (SOCKS5, with and without a user), both from Debian, in front of a socket.io 4.8
// server; everything on 127.0.0.1. Polling, WebSocket and the upgrade all go through the proxy,
// and the proxy's own log shows it; the `connecting` note names the proxy, its password
// redacted. A 407, refused SOCKS credentials, an unreachable proxy and a bad proxy variable are
// each named. Without --proxy the environment is followed as curl does (http_proxy, no_proxy),
// and --no-proxy ignores it.
#include "clirun.h"
#include "proxyservers.h"
#include "referenceserver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace {
const QString User = QStringLiteral("alice");
const QString Password = QStringLiteral("pr0xy-s3cret");
const QString WrongPassword = QStringLiteral("wr0ng-pa55");

// The details of the log's `connecting` notes.
QList<QJsonObject> connectingNotes(const QByteArray &log)
{
    QList<QJsonObject> notes;
    for (const QByteArray &line : log.split('\n')) {
        const QJsonObject record = QJsonDocument::fromJson(line).object();
        if (record.value(QStringLiteral("type")).toString() == QLatin1String("connecting"))
            notes.append(record.value(QStringLiteral("data")).toObject());
    }
    return notes;
}

bool logHas(const QByteArray &log, const char *type)
{
    return log.contains(QByteArray("\"type\":\"") + type + '"');
}
} // namespace

class tst_ProxyPeer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void throughTheProxy_data();
    void throughTheProxy();
    void failuresAreNamed_data();
    void failuresAreNamed();
    void environmentAsCurlReadsIt_data();
    void environmentAsCurlReadsIt();

private:
    QStringList record(const QString &transport, const QStringList &extra) const
    {
        return QStringList{QStringLiteral("record"),      m_server.url().toString(),
                           QStringLiteral("--transport"), transport,
                           QStringLiteral("--duration"),  QStringLiteral("1")} +
               extra;
    }
    QByteArray serverAddress() const { return "127.0.0.1:" + QByteArray::number(m_server.port()); }

    ReferenceServer m_server;
    TinyProxy m_http;
    TinyProxy m_httpWithAuth;
    MicroSocks m_socks;
    MicroSocks m_socksWithAuth;
};

void tst_ProxyPeer::initTestCase()
{
    QString error;
    ReferenceServer::Options options;
    QVERIFY2(m_server.start(options, &error), qPrintable(error));
    QVERIFY2(m_http.start(&error), qPrintable(error));
    QVERIFY2(m_httpWithAuth.start(&error, User, Password), qPrintable(error));
    QVERIFY2(m_socks.start(&error), qPrintable(error));
    QVERIFY2(m_socksWithAuth.start(&error, User, Password), qPrintable(error));
}

void tst_ProxyPeer::throughTheProxy_data()
{
    QTest::addColumn<QString>("proxy"); // which one
    QTest::addColumn<QString>("transport");
    for (const char *proxy : {"http", "http-basic-auth", "socks5", "socks5-user"}) {
        for (const char *transport : {"polling", "websocket", "auto"})
            QTest::addRow("%s %s", proxy, transport)
                << QString::fromLatin1(proxy) << QString::fromLatin1(transport);
    }
}

void tst_ProxyPeer::throughTheProxy()
{
    QFETCH(QString, proxy);
    QFETCH(QString, transport);
    const bool socks = proxy.startsWith(QLatin1String("socks"));
    const bool auth =
        proxy.contains(QLatin1String("auth")) || proxy.endsWith(QLatin1String("user"));
    const QUrl url = socks ? (auth ? m_socksWithAuth.url(User, Password) : m_socks.url())
                           : (auth ? m_httpWithAuth.url(User, Password) : m_http.url());
    const QByteArray logBefore =
        socks ? (auth ? m_socksWithAuth : m_socks).log() : (auth ? m_httpWithAuth : m_http).log();

    const QStringList arguments = record(transport, {QStringLiteral("--proxy"), url.toString()});
    const CliRun run(arguments, environmentWithoutProxies());
    QVERIFY2(run.exitCode == 0, run.describe(arguments).constData());
    QVERIFY2(logHas(run.out, "transport-opened"), run.out.constData());
    if (transport == QLatin1String("auto"))
        QVERIFY2(logHas(run.out, "upgraded"), run.out.constData());
    QVERIFY2(!run.out.contains(Password.toUtf8()) && !run.err.contains(Password.toUtf8()),
             "the proxy password was written out");

    // The note names the proxy, the password redacted.
    const QList<QJsonObject> notes = connectingNotes(run.out);
    QVERIFY(!notes.isEmpty());
    QUrl shown = url;
    if (auth)
        shown.setPassword(QStringLiteral("***"));
    QCOMPARE(notes.first().value(QStringLiteral("proxy")).toString(),
             QStringLiteral("%1 (from the connection options)").arg(shown.toString()));

    // The proxy's own log: it carried the connections to the server.
    const QByteArray log =
        (socks ? (auth ? m_socksWithAuth : m_socks).log() : (auth ? m_httpWithAuth : m_http).log())
            .mid(logBefore.size());
    if (socks) {
        QVERIFY2(log.contains("connected to " + serverAddress()), log.constData());
    } else {
        // tinyproxy logs a forwarded request with its absolute URL, a tunnel as CONNECT.
        if (transport != QLatin1String("websocket"))
            QVERIFY2(log.contains("GET http://" + serverAddress() + "/socket.io/"),
                     log.constData());
        if (transport != QLatin1String("polling"))
            QVERIFY2(log.contains("CONNECT " + serverAddress()), log.constData());
    }
}

void tst_ProxyPeer::failuresAreNamed_data()
{
    QTest::addColumn<QString>("transport");
    QTest::addColumn<QString>("proxy");
    QTest::addColumn<QString>("expected"); // in stderr, with exit status 1
    const QString noCredentials = m_httpWithAuth.url().toString();
    const QString wrongPassword = m_httpWithAuth.url(User, WrongPassword).toString();
    const QString socksWrong = m_socksWithAuth.url(User, WrongPassword).toString();
    const QString nobody = QStringLiteral("http://127.0.0.1:%1").arg(LoopbackDaemon::freePort());
    for (const char *transport : {"polling", "websocket"}) {
        const QString t = QString::fromLatin1(transport);
        QTest::addRow("%s 407 without credentials", transport)
            << t << noCredentials
            << QStringLiteral("requires credentials (407 Proxy Authentication Required)");
        // tinyproxy refuses wrong credentials with 401, not 407: over CONNECT (the WebSocket)
        // Qt then reports a protocol error, and a forwarded poll gets the 401 as its answer.
        QTest::addRow("%s wrong password, tinyproxy's 401", transport)
            << t << wrongPassword
            << QStringLiteral("refuse wrong credentials with 401 instead of 407");
        QTest::addRow("%s SOCKS5 with a wrong password", transport)
            << t << socksWrong << QStringLiteral("refused the credentials");
        QTest::addRow("%s proxy unreachable", transport)
            << t << nobody
            << QStringLiteral("the proxy %1 (from the connection options) is "
                              "unreachable")
                   .arg(nobody);
    }
}

void tst_ProxyPeer::failuresAreNamed()
{
    QFETCH(QString, transport);
    QFETCH(QString, proxy);
    QFETCH(QString, expected);
    const QStringList arguments = record(transport, {QStringLiteral("--proxy"), proxy});
    const CliRun run(arguments, environmentWithoutProxies());
    QVERIFY2(run.exitCode == 1, run.describe(arguments).constData());
    QVERIFY2(run.err.contains(expected.toUtf8()), run.describe(arguments).constData());
    QVERIFY2(!run.err.contains(WrongPassword.toUtf8()) && !run.out.contains(WrongPassword.toUtf8()),
             "the proxy password was written out");
    // A forwarded poll's 401 may be the server's as well as the proxy's: a refusal, with the hint.
    const bool forwarded401 = transport == QLatin1String("polling") &&
                              QByteArray(QTest::currentDataTag()).contains("401");
    QVERIFY2(run.out.contains(forwarded401
                                  ? "\"kind\":\"handshake\""
                                  : "\"kind\":\"proxy\",\"layer\":\"eio\",\"proxy\":\"proxy-"),
             run.out.constData());
}

void tst_ProxyPeer::environmentAsCurlReadsIt_data()
{
    QTest::addColumn<QStringList>("variables"); // name=value
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<bool>("throughTheProxy");
    QTest::addColumn<QString>("error"); // empty: the run succeeds
    const QString proxy = m_http.url().toString();
    QTest::newRow("http_proxy") << QStringList{QStringLiteral("http_proxy=") + proxy}
                                << QStringList() << true << QString();
    QTest::newRow("HTTP_PROXY") << QStringList{QStringLiteral("HTTP_PROXY=") + proxy}
                                << QStringList() << true << QString();
    QTest::newRow("all_proxy") << QStringList{QStringLiteral("all_proxy=") + proxy} << QStringList()
                               << true << QString();
    QTest::newRow("https_proxy is not for http")
        << QStringList{QStringLiteral("https_proxy=") + proxy} << QStringList() << false
        << QString();
    QTest::newRow("no_proxy names the host")
        << QStringList{QStringLiteral("http_proxy=") + proxy, QStringLiteral("no_proxy=127.0.0.1")}
        << QStringList() << false << QString();
    QTest::newRow("no_proxy with a CIDR range")
        << QStringList{QStringLiteral("http_proxy=") + proxy,
                       QStringLiteral("NO_PROXY=10.0.0.0/8,127.0.0.0/8")}
        << QStringList() << false << QString();
    QTest::newRow("--no-proxy") << QStringList{QStringLiteral("http_proxy=") + proxy}
                                << QStringList{QStringLiteral("--no-proxy")} << false << QString();
    QTest::newRow("a variable that is no proxy URL")
        << QStringList{QStringLiteral("http_proxy=ftp://127.0.0.1:21")} << QStringList() << false
        << QStringLiteral("the environment variable http_proxy: the proxy URL "
                          "\"ftp://127.0.0.1:21\" has the scheme \"ftp\"");
}

void tst_ProxyPeer::environmentAsCurlReadsIt()
{
    QFETCH(QStringList, variables);
    QFETCH(QStringList, options);
    QFETCH(bool, throughTheProxy);
    QFETCH(QString, error);
    QProcessEnvironment environment = environmentWithoutProxies();
    for (const QString &variable : variables)
        environment.insert(variable.section(QLatin1Char('='), 0, 0),
                           variable.section(QLatin1Char('='), 1));
    // A query of its own, so that the proxy's log shows this run's requests only.
    const QString marker = QStringLiteral("row%1").arg(QTest::currentDataTag()).remove(u' ');
    const QByteArray before = m_http.log();
    const QStringList arguments =
        record(QStringLiteral("auto"),
               options + QStringList{QStringLiteral("--query"), QStringLiteral("m=") + marker});
    const CliRun run(arguments, environment);
    if (!error.isEmpty()) {
        QVERIFY2(run.exitCode == 1, run.describe(arguments).constData());
        QVERIFY2(run.err.contains(error.toUtf8()), run.describe(arguments).constData());
        return;
    }
    QVERIFY2(run.exitCode == 0, run.describe(arguments).constData());
    QVERIFY2(logHas(run.out, "upgraded"), run.out.constData());
    const QByteArray log = m_http.log().mid(before.size());
    QCOMPARE(log.contains(marker.toUtf8()), throughTheProxy);
    const QList<QJsonObject> notes = connectingNotes(run.out);
    QVERIFY(!notes.isEmpty());
    const QString named = notes.first().value(QStringLiteral("proxy")).toString();
    if (throughTheProxy)
        QVERIFY2(named.startsWith(m_http.url().toString()), qPrintable(named));
    else if (variables.join(u',').contains(QLatin1String("no_proxy"), Qt::CaseInsensitive))
        QVERIFY2(named.startsWith(QLatin1String("none (")), qPrintable(named));
    else
        QVERIFY2(named.isEmpty(), qPrintable(named));
}

QTEST_GUILESS_MAIN(tst_ProxyPeer)
#include "tst_proxy_peer.moc"
