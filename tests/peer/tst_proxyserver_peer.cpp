// ProxyServer (core/proxy) in process between the REAL socket.io 4.8 server from npm and a real
// client: what --record-all adds to the log (requests outside the Engine.IO path, as `http`
// notes, and nothing without it), and the injections that cannot be made (a session on
// long-polling, a session that does not exist), each refused with its reason.
#include "proxy/proxyserver.h"
#include "referenceserver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

namespace {
constexpr int Timeout = 20000;

struct RecordedProxy
{
    ProxyServer proxy;
    QList<PacketRecord> records;

    bool start(const QUrl &target, bool recordAll, QString *error)
    {
        ProxyOptions options;
        options.target = target;
        options.recordAll = recordAll;
        proxy.setOptions(options);
        QObject::connect(&proxy, &ProxyServer::packetRecorded, &proxy,
                         [this](const PacketRecord &record) { records.append(record); });
        if (!proxy.listen(QHostAddress::LocalHost, 0)) {
            *error = proxy.error().message;
            return false;
        }
        return true;
    }
    QList<PacketRecord> httpNotes() const
    {
        QList<PacketRecord> notes;
        for (const PacketRecord &record : records)
            if (record.layer == PacketRecord::Layer::Connection &&
                record.type == PacketRecord::HttpExchange)
                notes.append(record);
        return notes;
    }
};
} // namespace

class tst_ProxyServerPeer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void recordsOtherPathsOnlyWithRecordAll_data()
    {
        QTest::addColumn<bool>("recordAll");
        QTest::newRow("--record-all: an http note per request") << true;
        QTest::newRow("default: forwarded, not recorded") << false;
    }

    void recordsOtherPathsOnlyWithRecordAll()
    {
        QFETCH(bool, recordAll);
        ReferenceServer server;
        ReferenceServer::Options options;
        options.notFoundPage = true; // other paths answer 404 with a page, as an express app
        QString error;
        QVERIFY2(server.start(options, &error), qPrintable(error));
        RecordedProxy recorded;
        QVERIFY2(recorded.start(server.url(), recordAll, &error), qPrintable(error));

        QNetworkAccessManager network;
        QNetworkRequest request(
            QUrl(recorded.proxy.listenUrl() + QStringLiteral("/api/items?x=1")));
        QNetworkReply *reply = network.post(request, QByteArray("{\"name\":\"a\"}"));
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(finished.wait(Timeout));
        // Forwarded either way: the app gets the server's own answer.
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 404);
        const QByteArray page = reply->readAll();
        QVERIFY2(page.contains("Cannot POST /api/items"), page.constData());
        reply->deleteLater();

        if (!recordAll) {
            QTest::qWait(200); // a note would have been recorded with the answer
            QVERIFY(recorded.httpNotes().isEmpty());
            return;
        }
        QTRY_COMPARE_WITH_TIMEOUT(recorded.httpNotes().size(), 1, Timeout);
        const PacketRecord note = recorded.httpNotes().first();
        QCOMPARE(note.typeName(), QStringLiteral("http"));
        QVERIFY(note.session.isEmpty()); // of no app session
        const QJsonObject details = QJsonDocument::fromJson(note.payload).object();
        QCOMPARE(details.value(QStringLiteral("method")).toString(), QStringLiteral("POST"));
        QCOMPARE(details.value(QStringLiteral("url")).toString(), QStringLiteral("/api/items?x=1"));
        QCOMPARE(details.value(QStringLiteral("status")).toInt(), 404);
        QCOMPARE(details.value(QStringLiteral("requestBytes")).toInteger(), 12);
        QCOMPARE(details.value(QStringLiteral("responseBytes")).toInteger(), page.size());
        QVERIFY2(details.value(QStringLiteral("contentType"))
                     .toString()
                     .startsWith(QStringLiteral("text/html")),
                 qPrintable(details.value(QStringLiteral("contentType")).toString()));
        QVERIFY(details.value(QStringLiteral("ms")).toInteger() >= 0);
        QVERIFY(note.error.isEmpty());
    }

    void refusesInjectionsItCannotMake()
    {
        ReferenceServer server;
        ReferenceServer::Options options;
        options.pingInterval = 25000;
        options.pingTimeout = 20000;
        QString error;
        QVERIFY2(server.start(options, &error), qPrintable(error));
        RecordedProxy recorded;
        QVERIFY2(recorded.start(server.url(), false, &error), qPrintable(error));
        QSignalSpy opened(&recorded.proxy, &ProxyServer::sessionOpened);

        ProxyServer::InjectResult result = recorded.proxy.injectEvent(
            QStringLiteral("no-such-sid"), QStringLiteral("/"), R"(["x"])", {}, true);
        QVERIFY(!result.ok);
        QVERIFY2(result.error.contains(QStringLiteral("no open session")),
                 qPrintable(result.error));

        // A polling-only app: its session has no WebSocket to carry an event.
        QProcess app;
        app.setWorkingDirectory(ReferenceServer::peersDir());
        app.start(QStringLiteral("node"),
                  {QStringLiteral("-e"),
                   QStringLiteral("const s = require('socket.io-client').io(process.argv[1], "
                                  "{ transports: ['polling'] });"
                                  "s.on('connect', () => console.log('connected'));"
                                  "setTimeout(() => process.exit(3), 15000).unref();"),
                   recorded.proxy.listenUrl()});
        QTRY_VERIFY_WITH_TIMEOUT(app.canReadLine(), Timeout);
        QCOMPARE(app.readLine().trimmed(), QByteArray("connected"));
        QCOMPARE(opened.count(), 1);
        const QString sid = opened.first().first().toString();
        result = recorded.proxy.injectEvent(sid, QStringLiteral("/"), R"(["x",1])", {}, true);
        QVERIFY(!result.ok);
        QVERIFY2(result.error.contains(QStringLiteral("long-polling")), qPrintable(result.error));
        QCOMPARE(result.ackId, -1);
        app.kill();
        app.waitForFinished(Timeout);
    }
};

QTEST_MAIN(tst_ProxyServerPeer)
#include "tst_proxyserver_peer.moc"
