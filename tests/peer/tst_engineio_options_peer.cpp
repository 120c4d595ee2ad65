// The Engine.IO connection options against the real reference servers: TLS (CA file, ignoring
// certificate errors), extra query parameters and headers on every request, maxPayload batching,
// the connect timeout, the reconnect limits, the explicit protocol version, and deliberate close.
#include "engineio/engineioclient.h"
#include "referenceserver.h"
#include "testpki.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>

#include <memory>

using Flavor = ReferenceServer::Flavor;
using Transports = EngineIoOptions::Transports;
using Version = EngineIoOptions::Version;
Q_DECLARE_METATYPE(Flavor)
Q_DECLARE_METATYPE(Transports)
Q_DECLARE_METATYPE(Version)
Q_DECLARE_METATYPE(TransportKind)

namespace {

QString firstError(const QSignalSpy &spy)
{
    return spy.isEmpty() ? QStringLiteral("(no error)")
                         : spy.first().first().value<EngineIoError>().message;
}

QString allWarnings(const QSignalSpy &spy)
{
    QStringList texts;
    for (const auto &arguments : spy)
        texts << arguments.first().toString();
    return texts.join(QStringLiteral(" | "));
}

// A TCP server that accepts connections and never answers: a server that hangs.
class SilentServer : public QTcpServer
{
public:
    SilentServer()
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                socket->setParent(this);
                ++accepted;
            }
        });
    }
    int accepted = 0;
};

// A loopback port on which nothing listens (bound, then released).
int closedPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const int port = probe.serverPort();
    probe.close();
    return port;
}

QByteArray ninetyChars()
{
    return QByteArray(90, 'p');
}

} // namespace

class tst_EngineIoOptionsPeer : public QObject
{
    Q_OBJECT

private:
    TestPki m_pki;
    QString m_caFile, m_keyFile, m_certFile, m_notPemFile;

    static EngineIoOptions optionsFor(const QUrl &url, Transports transports)
    {
        EngineIoOptions options;
        options.url = url;
        options.transports = transports;
        options.connectTimeoutMs = 5000;
        options.reconnect.enabled = false;
        options.reconnect.delayMs = 100;
        options.reconnect.delayMaxMs = 400;
        return options;
    }
    static void startServer(ReferenceServer &server, ReferenceServer::Options options)
    {
        QString error;
        QVERIFY2(server.start(options, &error), qPrintable(error));
    }
    static void addTransportRows(bool withAuto = true)
    {
        QTest::addColumn<Transports>("transports");
        if (withAuto)
            QTest::newRow("auto (polling then upgrade)") << Transports::Auto;
        QTest::newRow("polling only") << Transports::PollingOnly;
        QTest::newRow("websocket only") << Transports::WebSocketOnly;
    }

private Q_SLOTS:
    void initTestCase()
    {
        // The peers are part of the test: without them the tests fail, they do not skip.
        QVERIFY2(QFile::exists(ReferenceServer::peersDir() + QStringLiteral("/node_modules")),
                 qPrintable(QStringLiteral("%1/node_modules is missing: run `npm ci` there")
                                .arg(ReferenceServer::peersDir())));
        QVERIFY2(TestPki::hasOpenssl(), "the openssl command is missing (Debian package "
                                        "openssl; scripts/dev.sh installs it)");

        // A throwaway CA and a server certificate for 127.0.0.1 that it signed.
        QString error;
        QVERIFY2(m_pki.createCa(QStringLiteral("ca"), &error), qPrintable(error));
        QVERIFY2(m_pki.issue(QStringLiteral("server"), QStringLiteral("ca"),
                             TestPki::Purpose::Server, QStringLiteral("IP:127.0.0.1"), 2, &error),
                 qPrintable(error));
        m_caFile = m_pki.caFile(QStringLiteral("ca"));
        m_keyFile = m_pki.issued(QStringLiteral("server")).keyFile;
        m_certFile = m_pki.issued(QStringLiteral("server")).certificateFile;
        m_notPemFile = m_pki.path(QStringLiteral("not-a-certificate.txt"));
        QFile notPem(m_notPemFile);
        QVERIFY(notPem.open(QIODevice::WriteOnly));
        notPem.write("this is not a PEM certificate\n");
    }

    // ---- 1. TLS ---------------------------------------------------------------------------

    void tls_data()
    {
        QTest::addColumn<Transports>("transports");
        QTest::addColumn<QString>("tlsCase");
        const struct
        {
            const char *name;
            Transports transports;
        } transports[] = {{"auto", Transports::Auto},
                          {"polling", Transports::PollingOnly},
                          {"websocket", Transports::WebSocketOnly}};
        for (const auto &t : transports) {
            for (const char *tlsCase :
                 {"default", "caFile", "ignoreSslErrors", "badCaFile", "badCaFile+ignoreSslErrors"})
                QTest::addRow("%s, %s", t.name, tlsCase)
                    << t.transports << QString::fromLatin1(tlsCase);
        }
    }
    void tls()
    {
        QFETCH(Transports, transports);
        QFETCH(QString, tlsCase);
        ReferenceServer server;
        ReferenceServer::Options serverOptions;
        serverOptions.tlsKeyFile = m_keyFile;
        serverOptions.tlsCertFile = m_certFile;
        startServer(server, serverOptions);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(server.url().scheme(), QStringLiteral("https"));

        EngineIoOptions options = optionsFor(server.url(), transports);
        if (tlsCase == QLatin1String("caFile"))
            options.caFile = m_caFile;
        else if (tlsCase == QLatin1String("ignoreSslErrors"))
            options.ignoreSslErrors = true;
        else if (tlsCase == QLatin1String("badCaFile"))
            options.caFile = m_notPemFile;
        else if (tlsCase == QLatin1String("badCaFile+ignoreSslErrors")) {
            options.caFile = m_notPemFile;
            options.ignoreSslErrors = true;
        }
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        QSignalSpy warningSpy(&client, &EngineIoClient::warningRaised);
        QStringList order; // warnings and errors, as they came
        connect(&client, &EngineIoClient::warningRaised, this, [&order] { order << "warning"; });
        connect(&client, &EngineIoClient::errorOccurred, this, [&order] { order << "error"; });
        client.open();

        const bool shouldConnect =
            tlsCase != QLatin1String("default") && tlsCase != QLatin1String("badCaFile");
        if (!shouldConnect) {
            QTRY_COMPARE_WITH_TIMEOUT(errorSpy.count(), 1, 5000);
            const auto error = errorSpy.first().first().value<EngineIoError>();
            QVERIFY2(error.kind == EngineIoError::Kind::Tls, qPrintable(error.message));
            // The message names the certificate problem: the chain does not lead to a trusted CA.
            QVERIFY2(error.message.contains(QLatin1String("certificate"), Qt::CaseInsensitive) &&
                         error.message.contains(QLatin1String("issuer"), Qt::CaseInsensitive),
                     qPrintable(error.message));
            QCOMPARE(openSpy.count(), 0);
            QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
            if (tlsCase == QLatin1String("badCaFile")) {
                QVERIFY2(!warningSpy.isEmpty(), "no warning about the unreadable CA file");
                const QString warning = warningSpy.first().first().toString();
                QVERIFY2(warning.contains(QLatin1String("CA file")) &&
                             warning.contains(m_notPemFile),
                         qPrintable(warning));
                QCOMPARE(order.first(), QStringLiteral("warning")); // then the TLS failure
                QCOMPARE(order.last(), QStringLiteral("error"));
            } else {
                QVERIFY2(warningSpy.isEmpty(), qPrintable(allWarnings(warningSpy)));
            }
            return;
        }

        QTRY_VERIFY2_WITH_TIMEOUT(openSpy.count() == 1, qPrintable(firstError(errorSpy)), 5000);
        const TransportKind finalTransport = transports == Transports::PollingOnly
                                                 ? TransportKind::Polling
                                                 : TransportKind::WebSocket;
        QTRY_COMPARE_WITH_TIMEOUT(client.transport(), finalTransport, 3000); // wss upgrade too
        QTest::qWait(300); // a few requests and heartbeats over TLS
        QVERIFY2(errorSpy.isEmpty(), qPrintable(firstError(errorSpy)));
        QCOMPARE(client.state(), EngineIoClient::State::Open);
        if (tlsCase == QLatin1String("caFile")) {
            QVERIFY2(warningSpy.isEmpty(), qPrintable(allWarnings(warningSpy)));
        } else {
            // Every warning is one of these, and each transport that met the certificate said
            // that its errors were ignored.
            int ignored = 0, badCa = 0;
            for (const auto &arguments : warningSpy) {
                const QString warning = arguments.first().toString();
                if (warning.contains(QLatin1String("certificate errors ignored")))
                    ++ignored;
                else if (warning.contains(QLatin1String("CA file")))
                    ++badCa;
                else
                    QFAIL(qPrintable(QStringLiteral("unexpected warning: ") + warning));
            }
            const int transportsUsed = transports == Transports::Auto ? 2 : 1;
            QVERIFY2(ignored == transportsUsed, qPrintable(allWarnings(warningSpy)));
            QVERIFY2(badCa == (options.caFile.isEmpty() ? 0 : transportsUsed),
                     qPrintable(allWarnings(warningSpy)));
        }
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Disconnected, 3000);
    }

    void tlsToPlainServer_data() { addTransportRows(false); }
    void tlsToPlainServer()
    {
        // https/wss to a server that speaks plain HTTP: a TLS failure, reported as one.
        QFETCH(Transports, transports);
        ReferenceServer server;
        startServer(server, {});
        if (QTest::currentTestFailed())
            return;
        EngineIoClient client;
        client.setOptions(optionsFor(server.url(QStringLiteral("https")), transports));
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(errorSpy.count(), 1, 5000);
        const auto error = errorSpy.first().first().value<EngineIoError>();
        QVERIFY2(error.kind == EngineIoError::Kind::Tls, qPrintable(error.message));
        QVERIFY2(!error.message.contains(QLatin1String("closed by the server")),
                 qPrintable(error.message));
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
    }

    // ---- 2. query parameters and headers on every request --------------------------------

    void queryAndHeadersOnEveryRequest_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<Version>("version");
        QTest::addColumn<Transports>("transports");
        QTest::addRow("v4, auto (polling then upgrade)")
            << Flavor::SocketIo4 << Version::V4 << Transports::Auto;
        QTest::addRow("v4, websocket only")
            << Flavor::SocketIo4 << Version::V4 << Transports::WebSocketOnly;
        QTest::addRow("v4, polling only")
            << Flavor::SocketIo4 << Version::V4 << Transports::PollingOnly;
        QTest::addRow("v3, auto (polling then upgrade)")
            << Flavor::SocketIo2 << Version::V3 << Transports::Auto;
        QTest::addRow("v3, websocket only")
            << Flavor::SocketIo2 << Version::V3 << Transports::WebSocketOnly;
        QTest::addRow("v3, polling only")
            << Flavor::SocketIo2 << Version::V3 << Transports::PollingOnly;
    }
    void queryAndHeadersOnEveryRequest()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Version, version);
        QFETCH(Transports, transports);
        ReferenceServer server;
        ReferenceServer::Options serverOptions;
        serverOptions.flavor = flavor;
        serverOptions.logRequests = true;
        startServer(server, serverOptions);
        if (QTest::currentTestFailed())
            return;
        EngineIoOptions options = optionsFor(server.url(), transports);
        options.version = version;
        options.query = {{QStringLiteral("foo"), QStringLiteral("bar")}};
        options.headers = {{QByteArrayLiteral("X-Test"), QByteArrayLiteral("1")}};
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        QSignalSpy messageSpy(&client, &EngineIoClient::messageReceived);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_VERIFY2_WITH_TIMEOUT(openSpy.count() == 1, qPrintable(firstError(errorSpy)), 5000);
        if (transports == Transports::Auto)
            QTRY_COMPARE_WITH_TIMEOUT(client.transport(), TransportKind::WebSocket, 3000);
        // Traffic both ways, so that polling makes later GETs and POSTs. An event may only follow
        // the namespace's CONNECT answer (socket.io 2 connects "/" by itself).
        if (flavor == Flavor::SocketIo4)
            QVERIFY(client.sendMessages({EngineIoPacket(EngineIoPacket::Message, "0")}));
        QTRY_VERIFY2_WITH_TIMEOUT(!messageSpy.isEmpty(), qPrintable(firstError(errorSpy)), 3000);
        QVERIFY(messageSpy.first().first().toByteArray().startsWith("0"));
        QVERIFY(client.sendMessages({EngineIoPacket(EngineIoPacket::Message, "2[\"echo\",1]")}));
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(messageSpy.cbegin(), messageSpy.cend(),
                                             [](const QList<QVariant> &a) {
                                                 return a.first().toByteArray() == "2[\"echo\",1]";
                                             }),
                                 3000);
        QTest::qWait(700); // heartbeats: PONGs (v4) or PINGs (v3) go out as more requests
        QVERIFY2(errorSpy.isEmpty(), qPrintable(firstError(errorSpy)));
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Disconnected, 3000);
        QTest::qWait(100); // the last log lines

        const auto requests = server.requests();
        int gets = 0, posts = 0, upgrades = 0, withSid = 0;
        for (const auto &request : requests) {
            const QUrlQuery query(request.url);
            const QString what = QStringLiteral("%1 %2%3").arg(
                QString::fromLatin1(request.method), request.url.toString(),
                request.upgrade ? QStringLiteral(" (upgrade)") : QString());
            QVERIFY2(query.queryItemValue(QStringLiteral("foo")) == QLatin1String("bar"),
                     qPrintable(QStringLiteral("no foo=bar on ") + what));
            QVERIFY2(request.headers.value("x-test") == "1",
                     qPrintable(QStringLiteral("no X-Test: 1 on ") + what));
            QCOMPARE(query.queryItemValue(QStringLiteral("EIO")),
                     version == Version::V3 ? QStringLiteral("3") : QStringLiteral("4"));
            if (request.upgrade)
                ++upgrades;
            else if (request.method == "GET")
                ++gets;
            else if (request.method == "POST")
                ++posts;
            if (query.hasQueryItem(QStringLiteral("sid")))
                ++withSid;
        }
        // The log really covers each kind of request this transport choice makes.
        const QString counts = QStringLiteral("%1 GETs, %2 POSTs, %3 upgrades\n%4")
                                   .arg(gets)
                                   .arg(posts)
                                   .arg(upgrades)
                                   .arg(QString::fromUtf8(server.output()));
        switch (transports) {
        case Transports::Auto:
            QVERIFY2(gets >= 2 && upgrades == 1 && withSid >= 2, qPrintable(counts));
            break;
        case Transports::PollingOnly:
            QVERIFY2(gets >= 3 && posts >= 2 && upgrades == 0, qPrintable(counts));
            break;
        case Transports::WebSocketOnly:
            QVERIFY2(gets == 0 && posts == 0 && upgrades == 1, qPrintable(counts));
            break;
        }
    }

    void queryValuesArriveVerbatim_data()
    {
        QTest::addColumn<QString>("value");
        QTest::newRow("plus") << QStringLiteral("a+b");
        QTest::newRow("space") << QStringLiteral("a b");
        QTest::newRow("delimiters") << QStringLiteral("a&b=c;d");
        QTest::newRow("percent") << QStringLiteral("100%");
        QTest::newRow("percent sequence") << QStringLiteral("a%2Bb%20c");
        QTest::newRow("hash and slash") << QStringLiteral("x#y/z?w");
        QTest::newRow("non-ASCII") << QStringLiteral("caf\u00e9 \u2603");
    }
    void queryValuesArriveVerbatim()
    {
        // A query option is a value, not URL syntax: the server must decode exactly it, on every
        // request (polling and the upgrade), and so must the user's URL query.
        QFETCH(QString, value);
        ReferenceServer server;
        ReferenceServer::Options serverOptions;
        serverOptions.logRequests = true;
        startServer(server, serverOptions);
        if (QTest::currentTestFailed())
            return;
        QUrl url = server.url();
        url.setQuery(QStringLiteral("fromUrl=a%2Bb%26c"));
        EngineIoOptions options = optionsFor(url, Transports::Auto);
        options.query = {{QStringLiteral("key ") + value, value}};
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_VERIFY2_WITH_TIMEOUT(openSpy.count() == 1, qPrintable(firstError(errorSpy)), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(client.transport(), TransportKind::WebSocket, 3000);
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Disconnected, 3000);
        QTest::qWait(100);
        const auto requests = server.requests();
        QVERIFY2(requests.size() >= 2, qPrintable(QString::fromUtf8(server.output())));
        for (const auto &request : requests) {
            QCOMPARE(request.query.value(QStringLiteral("key ") + value), value);
            QCOMPARE(request.query.value(QStringLiteral("fromUrl")), QStringLiteral("a+b&c"));
            QVERIFY(request.query.contains(QStringLiteral("EIO")));
        }
    }

    // ---- 3. maxPayload batching ------------------------------------------------------------

    void maxPayloadBatching_data()
    {
        QTest::addColumn<Version>("version");
        QTest::addColumn<bool>("mixedSizes");
        // Mixed sizes (60-109 chars) bring some POST bodies right up to the limit, where a size
        // estimate that is a few bytes short gets a 413.
        QTest::newRow("v4, 90 chars") << Version::V4 << false;
        QTest::newRow("v4, 60-109 chars") << Version::V4 << true;
        // socket.io 4 announces maxPayload to v3 clients too, whose payload framing
        // ("<length>:<packet>") costs more than v4's one separator byte.
        QTest::newRow("v3 (allowEIO3), 90 chars") << Version::V3 << false;
        QTest::newRow("v3 (allowEIO3), 60-109 chars") << Version::V3 << true;
    }
    void maxPayloadBatching()
    {
        QFETCH(Version, version);
        QFETCH(bool, mixedSizes);
        ReferenceServer server;
        ReferenceServer::Options serverOptions;
        serverOptions.maxHttpBufferSize = 2000;
        serverOptions.allowEIO3 = version == Version::V3;
        serverOptions.logRequests = true;
        // The PONG queues behind a dozen small POSTs; under a sanitizer on a loaded machine
        // that took longer than the 200 ms default timeout. Batching is what is tested here.
        serverOptions.pingInterval = 1000;
        serverOptions.pingTimeout = 2000;
        startServer(server, serverOptions);
        if (QTest::currentTestFailed())
            return;
        EngineIoClient client;
        EngineIoOptions options = optionsFor(server.url(), Transports::PollingOnly);
        options.version = version;
        client.setOptions(options);
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        QSignalSpy messageSpy(&client, &EngineIoClient::messageReceived);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_VERIFY2_WITH_TIMEOUT(openSpy.count() == 1, qPrintable(firstError(errorSpy)), 5000);
        QCOMPARE(client.handshake().maxPayload, 2000);
        // Socket.IO CONNECT "/" and its answer (socket.io 4 connects v3 clients by itself).
        if (version == Version::V4)
            QVERIFY(client.sendMessages({EngineIoPacket(EngineIoPacket::Message, "0")}));
        QTRY_VERIFY_WITH_TIMEOUT(!messageSpy.isEmpty(), 3000);
        QVERIFY(messageSpy.first().first().toByteArray().startsWith("0"));

        const int count = 300;
        auto event = [mixedSizes](int i) {
            const QByteArray pad = mixedSizes ? QByteArray(60 + (i * 7) % 50, 'm') : ninetyChars();
            return QByteArray("2[\"echo\",") + QByteArray::number(i) + ",\"" + pad + "\"]";
        };
        QList<EngineIoPacket> events;
        for (int i = 0; i < count; ++i)
            events.append(EngineIoPacket(EngineIoPacket::Message, event(i)));
        QVERIFY(client.sendMessages(events)); // ~31 KB: far more than one POST may carry
        auto echoes = [&] {
            QList<QByteArray> found;
            for (const auto &arguments : messageSpy)
                if (arguments.first().toByteArray().startsWith("2[\"echo\""))
                    found.append(arguments.first().toByteArray());
            return found;
        };
        QTRY_VERIFY2_WITH_TIMEOUT(echoes().size() == count || !errorSpy.isEmpty(),
                                  qPrintable(QString::number(echoes().size())), 15000);
        QVERIFY2(errorSpy.isEmpty(), qPrintable(firstError(errorSpy)));
        const auto received = echoes();
        QCOMPARE(received.size(), count);
        for (int i = 0; i < count; ++i) // all of them, in order
            QCOMPARE(received.at(i), event(i));

        // Every POST stayed within maxPayload, and it took many of them.
        int posts = 0;
        for (const auto &request : server.requests()) {
            if (request.method != "POST")
                continue;
            ++posts;
            const int length = request.headers.value("content-length").toInt();
            QVERIFY2(length > 0 && length <= 2000, qPrintable(QString::number(length)));
        }
        QVERIFY2(posts >= 16, qPrintable(QString::number(posts)));
        client.close();
    }

    void maxPayloadIsEnforcedByTheServer()
    {
        // The limit is real: one message larger than maxHttpBufferSize cannot be split, and the
        // server refuses its POST with 413.
        ReferenceServer server;
        ReferenceServer::Options serverOptions;
        serverOptions.maxHttpBufferSize = 2000;
        startServer(server, serverOptions);
        if (QTest::currentTestFailed())
            return;
        EngineIoClient client;
        client.setOptions(optionsFor(server.url(), Transports::PollingOnly));
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_VERIFY2_WITH_TIMEOUT(openSpy.count() == 1, qPrintable(firstError(errorSpy)), 5000);
        const QByteArray big = "2[\"echo\",\"" + QByteArray(5000 - 12, 'b') + "\"]";
        QCOMPARE(big.size(), 5000);
        QVERIFY(client.sendMessages({EngineIoPacket(EngineIoPacket::Message, big)}));
        QTRY_COMPARE_WITH_TIMEOUT(errorSpy.count(), 1, 5000);
        const auto error = errorSpy.first().first().value<EngineIoError>();
        QVERIFY2(error.message.contains(QLatin1String("413")), qPrintable(error.message));
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
    }

    // ---- 4. connect timeout -----------------------------------------------------------------

    void connectTimeout_data() { addTransportRows(); }
    void connectTimeout()
    {
        QFETCH(Transports, transports);
        SilentServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        QUrl url(QStringLiteral("http://127.0.0.1"));
        url.setPort(silent.serverPort());
        EngineIoOptions options = optionsFor(url, transports);
        options.connectTimeoutMs = 300;
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        QSignalSpy closedSpy(&client, &EngineIoClient::closed);
        QSignalSpy scheduledSpy(&client, &EngineIoClient::reconnectScheduled);
        QElapsedTimer elapsed;
        elapsed.start();
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(errorSpy.count(), 1, 2000);
        const qint64 took = elapsed.elapsed();
        QVERIFY2(took >= 290 && took <= 1000, qPrintable(QString::number(took)));
        QVERIFY(silent.accepted >= 1); // it did reach the server, which never answered
        const auto error = errorSpy.first().first().value<EngineIoError>();
        QCOMPARE(error.kind, EngineIoError::Kind::Timeout);
        QVERIFY2(error.message.contains(QLatin1String("connect timeout")) &&
                     error.message.contains(QLatin1String("300 ms")),
                 qPrintable(error.message));
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
        QCOMPARE(closedSpy.count(), 1);
        QCOMPARE(closedSpy.first().at(2).toBool(), false);
        QTest::qWait(300);
        QCOMPARE(scheduledSpy.count(), 0);
        QCOMPARE(errorSpy.count(), 1);
    }

    // ---- 5. reconnect limits -----------------------------------------------------------------

    void reconnectGivesUpAfterMaxAttempts_data() { addTransportRows(); }
    void reconnectGivesUpAfterMaxAttempts()
    {
        QFETCH(Transports, transports);
        const int port = closedPort();
        QVERIFY(port > 0);
        QUrl url(QStringLiteral("http://127.0.0.1"));
        url.setPort(port);
        EngineIoOptions options = optionsFor(url, transports);
        options.reconnect.enabled = true;
        options.reconnect.maxAttempts = 2;
        options.reconnect.delayMs = 50;
        options.reconnect.delayMaxMs = 100;
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy scheduledSpy(&client, &EngineIoClient::reconnectScheduled);
        QSignalSpy gaveUpSpy(&client, &EngineIoClient::reconnectGaveUp);
        QSignalSpy closedSpy(&client, &EngineIoClient::closed);
        QSignalSpy connectingSpy(&client, &EngineIoClient::connecting);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(gaveUpSpy.count(), 1, 5000);
        QTest::qWait(400); // nothing more is scheduled
        QCOMPARE(gaveUpSpy.count(), 1);
        QCOMPARE(gaveUpSpy.first().first().toInt(), 2);
        QCOMPARE(scheduledSpy.count(), 2);
        QCOMPARE(scheduledSpy.at(0).first().toInt(), 1);
        QCOMPARE(scheduledSpy.at(1).first().toInt(), 2);
        QCOMPARE(connectingSpy.count(), 3); // the first try and two reconnects
        QCOMPARE(closedSpy.count(), 3);
        QCOMPARE(closedSpy.at(0).at(2).toBool(), true);
        QCOMPARE(closedSpy.at(1).at(2).toBool(), true);
        QCOMPARE(closedSpy.at(2).at(2).toBool(), false);
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
        QCOMPARE(client.reconnectAttempt(), 0);
        // Each attempt failed for the reason it did: nothing listens.
        QCOMPARE(errorSpy.count(), 3);
        for (const auto &arguments : errorSpy) {
            const auto error = arguments.first().value<EngineIoError>();
            QCOMPARE(error.kind, EngineIoError::Kind::Transport);
            QVERIFY2(error.message.contains(QLatin1String("Connection refused")),
                     qPrintable(error.message));
        }
    }

    // ---- 6. explicit protocol version ---------------------------------------------------------

    void v3RefusedByV4Server_data()
    {
        QTest::addColumn<Transports>("transports");
        // 101, then a raw HTTP 400 in the stream (Qt: close code 1002, "Rsv field is non-zero").
        QTest::newRow("websocket only") << Transports::WebSocketOnly;
        // 400 {"code":5,"message":"Unsupported protocol version"}
        QTest::newRow("polling only") << Transports::PollingOnly;
    }
    void v3RefusedByV4Server()
    {
        QFETCH(Transports, transports);
        ReferenceServer server;
        startServer(server, {}); // socket.io 4 without allowEIO3
        if (QTest::currentTestFailed())
            return;
        EngineIoOptions options = optionsFor(server.url(), transports);
        options.version = Version::V3;
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(errorSpy.count(), 1, 5000);
        const auto error = errorSpy.first().first().value<EngineIoError>();
        QVERIFY2(error.message.contains(QLatin1String("refused Engine.IO v3")) &&
                     error.message.contains(QLatin1String("allowEIO3")) &&
                     error.message.contains(QLatin1String("v4")),
                 qPrintable(error.message));
        QCOMPARE(openSpy.count(), 0);
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
    }

    void v3WebSocketNotReachedHasNoV3Hint()
    {
        // Nothing listens: the failure is not about the protocol version, and must not say so.
        const int port = closedPort();
        QVERIFY(port > 0);
        QUrl url(QStringLiteral("http://127.0.0.1"));
        url.setPort(port);
        EngineIoOptions options = optionsFor(url, Transports::WebSocketOnly);
        options.version = Version::V3;
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(errorSpy.count(), 1, 5000);
        const auto error = errorSpy.first().first().value<EngineIoError>();
        QVERIFY2(error.message.contains(QLatin1String("refused"), Qt::CaseInsensitive) &&
                     !error.message.contains(QLatin1String("allowEIO3")),
                 qPrintable(error.message));
    }

    void v3AcceptedWithAllowEio3_data() { addTransportRows(); }
    void v3AcceptedWithAllowEio3()
    {
        QFETCH(Transports, transports);
        ReferenceServer server;
        ReferenceServer::Options serverOptions;
        serverOptions.allowEIO3 = true;
        startServer(server, serverOptions);
        if (QTest::currentTestFailed())
            return;
        EngineIoOptions options = optionsFor(server.url(), transports);
        options.version = Version::V3;
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        QSignalSpy messageSpy(&client, &EngineIoClient::messageReceived);
        QSignalSpy pongSpy(&client, &EngineIoClient::pongReceived);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_VERIFY2_WITH_TIMEOUT(openSpy.count() == 1, qPrintable(firstError(errorSpy)), 5000);
        QCOMPARE(client.version(), EngineIoVersion::V3);
        // socket.io 4 connects a v3 client to "/" by itself (Socket.IO v4 "40").
        QTRY_VERIFY_WITH_TIMEOUT(!messageSpy.isEmpty(), 3000);
        QCOMPARE(messageSpy.first().first().toByteArray(), QByteArray("0"));
        QVERIFY(client.sendMessages({EngineIoPacket(EngineIoPacket::Message, "2[\"echo\",3]")}));
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(messageSpy.cbegin(), messageSpy.cend(),
                                             [](const QList<QVariant> &a) {
                                                 return a.first().toByteArray() == "2[\"echo\",3]";
                                             }),
                                 3000);
        if (transports == Transports::Auto)
            QTRY_COMPARE_WITH_TIMEOUT(client.transport(), TransportKind::WebSocket, 3000);
        QTest::qWait(800); // v3 heartbeat: the client pings, the server answers
        QVERIFY2(pongSpy.count() >= 2, qPrintable(QString::number(pongSpy.count())));
        QVERIFY2(errorSpy.isEmpty(), qPrintable(firstError(errorSpy)));
        QCOMPARE(client.state(), EngineIoClient::State::Open);
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Disconnected, 3000);
    }

    // ---- 7. deliberate close -------------------------------------------------------------------

    void closeWhileOpenNeverReconnects_data() { addTransportRows(); }
    void closeWhileOpenNeverReconnects()
    {
        QFETCH(Transports, transports);
        ReferenceServer server;
        startServer(server, {});
        if (QTest::currentTestFailed())
            return;
        EngineIoOptions options = optionsFor(server.url(), transports);
        options.reconnect.enabled = true;
        options.reconnect.delayMs = 50;
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        QSignalSpy closedSpy(&client, &EngineIoClient::closed);
        QSignalSpy connectingSpy(&client, &EngineIoClient::connecting);
        QSignalSpy scheduledSpy(&client, &EngineIoClient::reconnectScheduled);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_VERIFY2_WITH_TIMEOUT(openSpy.count() == 1, qPrintable(firstError(errorSpy)), 5000);
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Disconnected, 3000);
        QTest::qWait(500);
        QCOMPARE(closedSpy.count(), 1);
        QCOMPARE(closedSpy.first().at(1).toBool(), true);
        QCOMPARE(closedSpy.first().at(2).toBool(), false);
        QCOMPARE(connectingSpy.count(), 1);
        QCOMPARE(scheduledSpy.count(), 0);
        QVERIFY2(errorSpy.isEmpty(), qPrintable(firstError(errorSpy)));
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
    }

    void closeWhileConnecting_data() { addTransportRows(); }
    void closeWhileConnecting()
    {
        QFETCH(Transports, transports);
        SilentServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        QUrl url(QStringLiteral("http://127.0.0.1"));
        url.setPort(silent.serverPort());
        EngineIoOptions options = optionsFor(url, transports);
        options.connectTimeoutMs = 300;
        options.reconnect.enabled = true;
        options.reconnect.delayMs = 50;
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy closedSpy(&client, &EngineIoClient::closed);
        QSignalSpy connectingSpy(&client, &EngineIoClient::connecting);
        QSignalSpy scheduledSpy(&client, &EngineIoClient::reconnectScheduled);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_VERIFY_WITH_TIMEOUT(silent.accepted >= 1, 2000);
        QCOMPARE(client.state(), EngineIoClient::State::Connecting);
        client.close();
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
        QCOMPARE(closedSpy.count(), 1);
        QCOMPARE(closedSpy.first().at(1).toBool(), true);
        QCOMPARE(closedSpy.first().at(2).toBool(), false);
        QTest::qWait(700); // past the connect timeout and a reconnect delay
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
        QCOMPARE(closedSpy.count(), 1);
        QCOMPARE(connectingSpy.count(), 1);
        QCOMPARE(scheduledSpy.count(), 0);
        QVERIFY2(errorSpy.isEmpty(), qPrintable(firstError(errorSpy)));
    }

    void closeWhileWaitingToReconnect_data() { addTransportRows(); }
    void closeWhileWaitingToReconnect()
    {
        QFETCH(Transports, transports);
        const int port = closedPort();
        QVERIFY(port > 0);
        QUrl url(QStringLiteral("http://127.0.0.1"));
        url.setPort(port);
        EngineIoOptions options = optionsFor(url, transports);
        options.reconnect.enabled = true;
        options.reconnect.delayMs = 300;
        options.reconnect.randomization = 0;
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy closedSpy(&client, &EngineIoClient::closed);
        QSignalSpy connectingSpy(&client, &EngineIoClient::connecting);
        QSignalSpy scheduledSpy(&client, &EngineIoClient::reconnectScheduled);
        QSignalSpy gaveUpSpy(&client, &EngineIoClient::reconnectGaveUp);
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::WaitingToReconnect, 3000);
        QCOMPARE(scheduledSpy.count(), 1);
        QCOMPARE(closedSpy.count(), 1);
        client.close();
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
        QCOMPARE(closedSpy.count(), 2);
        QCOMPARE(closedSpy.last().at(1).toBool(), true);
        QCOMPARE(closedSpy.last().at(2).toBool(), false);
        QTest::qWait(800); // well past the scheduled reconnect
        QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
        QCOMPARE(connectingSpy.count(), 1);
        QCOMPARE(scheduledSpy.count(), 1);
        QCOMPARE(closedSpy.count(), 2);
        QCOMPARE(gaveUpSpy.count(), 0);
        QCOMPARE(client.reconnectAttempt(), 0);
    }
};

QTEST_MAIN(tst_EngineIoOptionsPeer)
#include "tst_engineio_options_peer.moc"
