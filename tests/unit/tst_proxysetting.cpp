// The proxy setting: proxy URLs as curl writes them, and the environment as curl reads it
// (which variable for which target, upper and lower case, no_proxy with names, addresses and
// CIDR ranges), with the password kept out of every description.
#include "engineio/proxysetting.h"

#include <QTest>

class tst_ProxySetting : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parsesUrls_data();
    void parsesUrls();
    void noProxy_data();
    void noProxy();
    void resolves_data();
    void resolves();
    void redactsThePassword();
};

void tst_ProxySetting::parsesUrls_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("type"); // QNetworkProxy::ProxyType; -1: refused
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("error");
    QTest::newRow("http") << "http://127.0.0.1:8888" << int(QNetworkProxy::HttpProxy) << 8888
                          << QString();
    QTest::newRow("http-default-port")
        << "http://proxy.example" << int(QNetworkProxy::HttpProxy) << 3128 << QString();
    QTest::newRow("no-scheme-is-http")
        << "127.0.0.1:3128" << int(QNetworkProxy::HttpProxy) << 3128 << QString();
    QTest::newRow("credentials") << "http://alice:p%40ss@127.0.0.1:1"
                                 << int(QNetworkProxy::HttpProxy) << 1 << QString();
    QTest::newRow("socks5") << "socks5://127.0.0.1:1080" << int(QNetworkProxy::Socks5Proxy) << 1080
                            << QString();
    QTest::newRow("socks5h-default-port")
        << "socks5h://127.0.0.1" << int(QNetworkProxy::Socks5Proxy) << 1080 << QString();
    QTest::newRow("trailing-slash")
        << "http://127.0.0.1:1/" << int(QNetworkProxy::HttpProxy) << 1 << QString();
    QTest::newRow("empty") << "  " << -1 << 0 << "the proxy URL is empty";
    QTest::newRow("https-proxy")
        << "https://127.0.0.1:1" << -1 << 0
        << "has the scheme \"https\"; use http://, socks5:// or socks5h://";
    QTest::newRow("socks4") << "socks4://127.0.0.1:1" << -1 << 0 << "has the scheme \"socks4\"";
    QTest::newRow("a-path") << "http://127.0.0.1:1/proxy" << -1 << 0 << "has a path";
    QTest::newRow("no-host") << "http://:8080" << -1 << 0 << "";
    QTest::newRow("bad-port") << "http://127.0.0.1:99999" << -1 << 0 << "is not a URL";
}

void tst_ProxySetting::parsesUrls()
{
    QFETCH(QString, text);
    QFETCH(int, type);
    QFETCH(int, port);
    QFETCH(QString, error);
    QUrl url;
    QString actual;
    const bool ok = ProxySetting::parseUrl(text, &url, &actual);
    QCOMPARE(ok, type >= 0);
    if (!ok) {
        QVERIFY2(actual.contains(error), qPrintable(actual));
        QVERIFY(!actual.isEmpty());
        return;
    }
    ProxySetting setting;
    setting.mode = ProxySetting::Mode::Url;
    setting.url = url;
    const ResolvedProxy resolved =
        resolveProxy(setting, QUrl(QStringLiteral("ws://127.0.0.1:3000")), {});
    QVERIFY2(resolved.error.isEmpty(), qPrintable(resolved.error));
    QCOMPARE(int(resolved.proxy.type()), type);
    QCOMPARE(int(resolved.proxy.port()), port);
    if (text.contains(QLatin1String("alice"))) {
        QCOMPARE(resolved.proxy.user(), QStringLiteral("alice"));
        QCOMPARE(resolved.proxy.password(), QStringLiteral("p@ss")); // percent-decoded
    }
    // socks5:// resolves names here, socks5h:// at the proxy (curl's meaning).
    if (text.startsWith(QLatin1String("socks5://")))
        QVERIFY(!(resolved.proxy.capabilities() & QNetworkProxy::HostNameLookupCapability));
    if (text.startsWith(QLatin1String("socks5h://")))
        QVERIFY(resolved.proxy.capabilities() & QNetworkProxy::HostNameLookupCapability);
}

void tst_ProxySetting::noProxy_data()
{
    QTest::addColumn<QString>("noProxy");
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("direct");
    QTest::newRow("star") << "*"
                          << "anything.example" << true;
    QTest::newRow("exact-name") << "example.com"
                                << "example.com" << true;
    QTest::newRow("subdomain") << "example.com"
                               << "api.example.com" << true;
    QTest::newRow("leading-dot") << ".example.com"
                                 << "api.example.com" << true;
    QTest::newRow("leading-dot-bare") << ".example.com"
                                      << "example.com" << true;
    QTest::newRow("suffix-is-not-a-domain") << "example.com"
                                            << "badexample.com" << false;
    QTest::newRow("case") << "EXAMPLE.com"
                          << "Api.Example.COM" << true;
    QTest::newRow("list-with-spaces") << "foo.test, 127.0.0.1 ,bar"
                                      << "127.0.0.1" << true;
    QTest::newRow("address") << "10.1.2.3"
                             << "10.1.2.3" << true;
    QTest::newRow("other-address") << "10.1.2.3"
                                   << "10.1.2.4" << false;
    QTest::newRow("cidr") << "10.0.0.0/8"
                          << "10.200.1.1" << true;
    QTest::newRow("cidr-outside") << "10.0.0.0/8"
                                  << "11.0.0.1" << false;
    QTest::newRow("ipv6") << "[::1]"
                          << "::1" << true;
    QTest::newRow("cidr-is-not-for-names") << "10.0.0.0/8"
                                           << "ten.example" << false;
    QTest::newRow("empty") << ""
                           << "example.com" << false;
}

void tst_ProxySetting::noProxy()
{
    QFETCH(QString, noProxy);
    QFETCH(QString, host);
    QFETCH(bool, direct);
    QCOMPARE(noProxyMatches(noProxy, host), direct);
}

void tst_ProxySetting::resolves_data()
{
    QTest::addColumn<QStringList>("environment"); // name=value
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("proxy"); // the URL resolved; empty: direct
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("bypass");
    const QString a = QStringLiteral("http://127.0.0.1:1001");
    const QString b = QStringLiteral("http://127.0.0.1:1002");
    QTest::newRow("nothing-set") << QStringList() << "ws://h.test"
                                 << ""
                                 << ""
                                 << "";
    QTest::newRow("http_proxy-for-ws")
        << QStringList{"http_proxy=" + a} << "ws://h.test" << a << "http_proxy"
        << "";
    QTest::newRow("http_proxy-not-for-wss") << QStringList{"http_proxy=" + a} << "wss://h.test"
                                            << ""
                                            << ""
                                            << "";
    QTest::newRow("https_proxy-for-wss")
        << QStringList{"https_proxy=" + a} << "wss://h.test" << a << "https_proxy"
        << "";
    QTest::newRow("HTTPS_PROXY-for-https")
        << QStringList{"HTTPS_PROXY=" + a} << "https://h.test" << a << "HTTPS_PROXY"
        << "";
    QTest::newRow("lower-case-first")
        << QStringList{"http_proxy=" + a, "HTTP_PROXY=" + b} << "ws://h.test" << a << "http_proxy"
        << "";
    QTest::newRow("scheme-variable-before-all_proxy")
        << QStringList{"all_proxy=" + b, "http_proxy=" + a} << "ws://h.test" << a << "http_proxy"
        << "";
    QTest::newRow("all_proxy-last")
        << QStringList{"ALL_PROXY=socks5h://127.0.0.1:9"} << "wss://h.test"
        << "socks5h://127.0.0.1:9"
        << "ALL_PROXY"
        << "";
    QTest::newRow("no_proxy") << QStringList{"http_proxy=" + a, "no_proxy=h.test"} << "ws://h.test"
                              << ""
                              << ""
                              << "no_proxy matches h.test";
    QTest::newRow("NO_PROXY") << QStringList{"http_proxy=" + a, "NO_PROXY=h.test"} << "ws://h.test"
                              << ""
                              << ""
                              << "NO_PROXY matches h.test";
    QTest::newRow("no_proxy-before-NO_PROXY")
        << QStringList{"http_proxy=" + a, "no_proxy=other.test", "NO_PROXY=h.test"} << "ws://h.test"
        << a << "http_proxy"
        << "";
    QTest::newRow("empty-variable-is-unset")
        << QStringList{"http_proxy=", "all_proxy=" + b} << "ws://h.test" << b << "all_proxy"
        << "";
}

void tst_ProxySetting::resolves()
{
    QFETCH(QStringList, environment);
    QFETCH(QString, target);
    QFETCH(QString, proxy);
    QFETCH(QString, source);
    QFETCH(QString, bypass);
    QProcessEnvironment env;
    for (const QString &variable : environment)
        env.insert(variable.section(u'=', 0, 0), variable.section(u'=', 1));
    const ResolvedProxy resolved = resolveProxy(ProxySetting(), QUrl(target), env);
    QVERIFY2(resolved.error.isEmpty(), qPrintable(resolved.error));
    QCOMPARE(resolved.url.toString(), proxy);
    QCOMPARE(resolved.source, source);
    QCOMPARE(resolved.bypass, bypass);
    QCOMPARE(resolved.isDirect(), proxy.isEmpty());
    QCOMPARE(resolved.proxy.type(), proxy.isEmpty() ? QNetworkProxy::NoProxy
                                    : proxy.startsWith(QLatin1String("socks"))
                                        ? QNetworkProxy::Socks5Proxy
                                        : QNetworkProxy::HttpProxy);

    // --no-proxy: direct, whatever the environment says.
    ProxySetting none;
    none.mode = ProxySetting::Mode::None;
    QVERIFY(resolveProxy(none, QUrl(target), env).isDirect());

    // The same variables set in this process, as a connection reads them (proxyEnvironment()
    // copies only the names resolveProxy() reads): the same answer. Any proxy variable the test
    // was started with is put aside meanwhile.
    QList<QPair<QByteArray, QByteArray>> putAside;
    const QStringList names = QProcessEnvironment::systemEnvironment().keys();
    for (const QString &name : names)
        if (name.endsWith(QLatin1String("_proxy"), Qt::CaseInsensitive)) {
            putAside.append({name.toLocal8Bit(), qgetenv(name.toLocal8Bit().constData())});
            qunsetenv(name.toLocal8Bit().constData());
        }
    for (const QString &variable : environment)
        qputenv(variable.section(u'=', 0, 0).toLocal8Bit().constData(),
                variable.section(u'=', 1).toLocal8Bit());
    const ResolvedProxy fromProcess =
        resolveProxy(ProxySetting(), QUrl(target), proxyEnvironment());
    for (const QString &variable : environment)
        qunsetenv(variable.section(u'=', 0, 0).toLocal8Bit().constData());
    for (const auto &[name, value] : std::as_const(putAside))
        qputenv(name.constData(), value);
    QCOMPARE(fromProcess.url, resolved.url);
    QCOMPARE(fromProcess.source, resolved.source);
    QCOMPARE(fromProcess.bypass, resolved.bypass);
}

void tst_ProxySetting::redactsThePassword()
{
    QUrl url;
    QString error;
    QVERIFY(ProxySetting::parseUrl(QStringLiteral("http://alice:t0p-s3cret@127.0.0.1:3128"), &url,
                                   &error));
    QCOMPARE(ProxySetting::redacted(url), QStringLiteral("http://alice:***@127.0.0.1:3128"));
    QProcessEnvironment env;
    env.insert(QStringLiteral("http_proxy"), QStringLiteral("http://bob:pw-in-env@127.0.0.1:1"));
    const ResolvedProxy resolved =
        resolveProxy(ProxySetting(), QUrl(QStringLiteral("ws://h.test")), env);
    QCOMPARE(resolved.description(),
             QStringLiteral("http://bob:***@127.0.0.1:1 (from http_proxy)"));
    // A variable that is no proxy URL is named, without its password.
    env.insert(QStringLiteral("http_proxy"), QStringLiteral("ftp://carol:pw-bad@127.0.0.1:1"));
    const ResolvedProxy bad =
        resolveProxy(ProxySetting(), QUrl(QStringLiteral("ws://h.test")), env);
    QVERIFY2(bad.error.startsWith(QLatin1String("the environment variable http_proxy: ")),
             qPrintable(bad.error));
    QVERIFY2(!bad.error.contains(QLatin1String("pw-bad")), qPrintable(bad.error));
}

QTEST_GUILESS_MAIN(tst_ProxySetting)
#include "tst_proxysetting.moc"
