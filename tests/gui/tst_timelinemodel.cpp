#include "timelinefilter.h"
#include "timelinemodel.h"

#include "engineio/engineiopacket.h"
#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using D = PacketRecord::Direction;
using L = PacketRecord::Layer;

namespace {
PacketRecord sio(qint64 timeUs, D direction, SocketIoPacket::Type type, const QString &nsp,
                 qint64 id, const QByteArray &raw, const QByteArray &payload = {})
{
    PacketRecord record;
    record.timeUs = timeUs;
    record.direction = direction;
    record.layer = L::SocketIo;
    record.type = type;
    record.transport = TransportKind::WebSocket;
    record.nsp = nsp;
    record.id = id;
    record.raw = raw;
    record.payload = payload;
    return record;
}

PacketRecord eio(qint64 timeUs, D direction, EngineIoPacket::Type type, const QByteArray &raw,
                 const QByteArray &payload = {})
{
    PacketRecord record;
    record.timeUs = timeUs;
    record.direction = direction;
    record.layer = L::EngineIo;
    record.type = type;
    record.transport = TransportKind::Polling;
    record.raw = raw;
    record.payload = payload;
    return record;
}

PacketRecord note(qint64 timeUs, PacketRecord::Note type, const QByteArray &details = {},
                  const QString &error = {})
{
    PacketRecord record;
    record.timeUs = timeUs;
    record.layer = L::Connection;
    record.type = type;
    record.payload = details;
    record.error = error;
    return record;
}

PacketRecord chatEvent(qint64 i)
{
    const QByteArray payload = "[\"chat\",{\"n\":" + QByteArray::number(i) + "}]";
    return sio(1000 * i, D::In, SocketIoPacket::Event, "/", -1, "42" + payload, payload);
}

// The fixture of the filter table; the comments give the log rows the table refers to.
void fillFixture(SessionLog &log)
{
    log.append(note(1, PacketRecord::Connecting, "{\"url\":\"http://x\"}"));                  // 0
    log.append(eio(2, D::In, EngineIoPacket::Open, "0{\"sid\":\"s1\"}", "{\"sid\":\"s1\"}")); // 1
    log.append(sio(3, D::Out, SocketIoPacket::Connect, "/", -1, "40"));                       // 2
    log.append(sio(4, D::In, SocketIoPacket::Connect, "/", -1, "40{\"sid\":\"abc\"}",
                   "{\"sid\":\"abc\"}")); // 3
    log.append(sio(5, D::Out, SocketIoPacket::Event, "/", 1,
                   "421[\"Chat\",{\"text\":\"Hello World\"}]",
                   "[\"Chat\",{\"text\":\"Hello World\"}]")); // 4
    log.append(sio(6, D::In, SocketIoPacket::Event, "/chat", -1,
                   "42/chat,[\"message\",\"caf\\u00e9 \\\"quoted\\\"\"]",
                   "[\"message\",\"caf\\u00e9 \\\"quoted\\\"\"]"));                    // 5
    log.append(eio(7, D::In, EngineIoPacket::Ping, "2"));                              // 6
    log.append(eio(8, D::Out, EngineIoPacket::Pong, "3"));                             // 7
    log.append(sio(9, D::In, SocketIoPacket::Ack, "/", 1, "431[\"ok\"]", "[\"ok\"]")); // 8
    PacketRecord binary = sio(10, D::In, SocketIoPacket::BinaryEvent, "/chat", -1,
                              "451-/chat,[\"upload\",{\"_placeholder\":true,\"num\":0}]",
                              "[\"upload\",{\"_placeholder\":true,\"num\":0}]");
    binary.attachments = {QByteArray(100, 'b')};
    log.append(binary); // 9
    PacketRecord invalid = sio(11, D::In, SocketIoPacket::Event, "/", -1, "42{\"x\":1}");
    invalid.error = QStringLiteral("EVENT payload must be a non-empty array");
    log.append(invalid);                                                                  // 10
    log.append(note(12, PacketRecord::Error, {}, "transport error: connection refused")); // 11
    log.append(sio(13, D::In, SocketIoPacket::Disconnect, "/chat", -1, "41/chat,"));      // 12
    log.append(eio(14, D::Out, EngineIoPacket::Upgrade, "5"));                            // 13
    log.append(eio(15, D::Out, EngineIoPacket::Noop, "6"));                               // 14
}

QList<qint64> shownLogRows(const TimelineModel &model)
{
    QList<qint64> rows;
    for (int row = 0; row < model.rowCount(); ++row)
        rows.append(model.index(row, 0).data(TimelineModel::LogRowRole).toLongLong());
    return rows;
}

QString cell(const TimelineModel &model, qint64 logRow, int column)
{
    const int row = model.modelRow(logRow);
    if (row < 0)
        return QStringLiteral("<not shown>");
    return model.index(row, column).data().toString();
}

int typeCode(L layer, int type)
{
    return int(layer) * 16 + type;
}
} // namespace

class tst_TimelineModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void modelTesterWhileAppendingFilteringClearing()
    {
        SessionLog log;
        TimelineModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setLog(&log);
        fillFixture(log);
        model.flush();
        QCOMPARE(model.rowCount(), 10);
        for (int i = 0; i < 500; ++i)
            log.append(chatEvent(i));
        model.flush();
        QCOMPARE(model.rowCount(), 510);
        TimelineFilter filter;
        filter.setText(QStringLiteral("chat"));
        model.setFilter(filter);
        QCOMPARE(model.rowCount(), 502);
        model.setShowControlPackets(true);
        model.setTimeFormat(TimelineModel::TimeFormat::Relative);
        model.pause();
        for (int i = 0; i < 10; ++i)
            log.append(chatEvent(i));
        model.flush();
        QCOMPARE(model.rowCount(), 502);
        model.setFilter(TimelineFilter());
        model.resume();
        QCOMPARE(model.rowCount(), 510 + 10);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(log.size(), 0);
        fillFixture(log);
        model.flush();
        QCOMPARE(model.rowCount(), 10);
        // Cleared behind the model's back: the next tick notices the shrink.
        log.clear();
        log.append(chatEvent(1));
        model.flush();
        QCOMPARE(model.rowCount(), 1);
        model.setLog(nullptr);
        QCOMPARE(model.rowCount(), 0);
    }

    void insertsNewRowsInOneBatchPerTick()
    {
        SessionLog log;
        TimelineModel model;
        model.setBatchInterval(50);
        model.setLog(&log);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy appended(&model, &TimelineModel::rowsAppended);
        for (int i = 0; i < 1000; ++i)
            log.append(chatEvent(i));
        QCOMPARE(inserted.count(), 0); // nothing happens per packet
        QTRY_COMPARE_WITH_TIMEOUT(inserted.count(), 1, 2000);
        QCOMPARE(inserted.at(0).at(1).toInt(), 0);
        QCOMPARE(inserted.at(0).at(2).toInt(), 999);
        QCOMPARE(model.rowCount(), 1000);
        for (int i = 0; i < 300; ++i)
            log.append(chatEvent(i));
        QTRY_COMPARE_WITH_TIMEOUT(inserted.count(), 2, 2000);
        QCOMPARE(inserted.at(1).at(1).toInt(), 1000);
        QCOMPARE(inserted.at(1).at(2).toInt(), 1299);
        QTest::qWait(200); // idle ticks insert nothing
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(appended.count(), 2);
    }

    void hidesControlPacketsByDefault()
    {
        SessionLog log;
        fillFixture(log);
        TimelineModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setLog(&log);
        QVERIFY(!model.showControlPackets());
        // PING, PONG, UPGRADE, NOOP and the "connecting" note are hidden; OPEN and the error
        // note (it carries an error) are not.
        QCOMPARE(shownLogRows(model), (QList<qint64>{1, 2, 3, 4, 5, 8, 9, 10, 11, 12}));
        model.setShowControlPackets(true);
        QCOMPARE(model.rowCount(), 15);
        QCOMPARE(cell(model, 6, TimelineModel::TypeColumn), QStringLiteral("PING"));
        model.setShowControlPackets(false);
        QCOMPARE(model.rowCount(), 10);
        // Control packets that arrive later are hidden as well.
        log.append(eio(20, D::In, EngineIoPacket::Ping, "2"));
        log.append(chatEvent(1));
        model.flush();
        QCOMPARE(model.rowCount(), 11);
    }

    void ackStatus_data()
    {
        QTest::addColumn<QList<PacketRecord>>("records");
        QTest::addColumn<qint64>("nowUs"); // -1: no clock
        QTest::addColumn<qint64>("row");
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("status");
        QTest::addColumn<qint64>("partner");

        const PacketRecord ours = sio(1000000, D::Out, SocketIoPacket::Event, "/", 5,
                                      "425[\"ping-me\"]", "[\"ping-me\"]");
        auto ack = [](qint64 t, qint64 rttUs = -1) {
            PacketRecord record = sio(t, D::In, SocketIoPacket::Ack, "/", 5, "435[]", "[]");
            record.rttUs = rttUs;
            return record;
        };
        // The client records an "ack-timeout" note when an ack times out.
        const PacketRecord timeout = PacketRecord::ackTimeoutNote("/", 5, "ping-me");
        using M = TimelineModel;
        QTest::newRow("our event answered in 2 ms")
            << QList<PacketRecord>{ours, ack(1002000)} << qint64(-1) << qint64(0) << "5 ⟲ 2 ms"
            << int(M::AckAnswered) << qint64(1);
        QTest::newRow("the ack row shows the same round trip")
            << QList<PacketRecord>{ours, ack(1002000)} << qint64(-1) << qint64(1) << "5 ⟲ 2 ms"
            << int(M::AckAnswered) << qint64(0);
        QTest::newRow("client-measured sub-millisecond rtt wins over the stamps")
            << QList<PacketRecord>{ours, ack(1002000, 350)} << qint64(-1) << qint64(0)
            << "5 ⟲ 0.35 ms" << int(M::AckAnswered) << qint64(1);
        QTest::newRow("pending for 1.2 s")
            << QList<PacketRecord>{ours} << qint64(2200000) << qint64(0) << "5 ◷ 1.2 s"
            << int(M::AckPending) << qint64(-1);
        QTest::newRow("pending without a clock shows no age")
            << QList<PacketRecord>{ours} << qint64(-1) << qint64(0) << "5 ◷" << int(M::AckPending)
            << qint64(-1);
        QTest::newRow("timed out") << QList<PacketRecord>{ours, timeout} << qint64(9000000)
                                   << qint64(0) << "5 ⚠" << int(M::AckTimedOut) << qint64(-1);
        QTest::newRow("late ack after the timeout")
            << QList<PacketRecord>{ours, timeout, ack(8500000)} << qint64(-1) << qint64(0)
            << "5 ⟲ 7.5 s" << int(M::AckAnswered) << qint64(2);
        QTest::newRow("server's event we have not answered")
            << QList<PacketRecord>{sio(1000000, D::In, SocketIoPacket::Event, "/", 3,
                                       "423[\"ask\"]", "[\"ask\"]")}
            << qint64(1500000) << qint64(0) << "3 ◷ 500 ms" << int(M::AckPending) << qint64(-1);
        QTest::newRow("ack for no known event: the id only")
            << QList<PacketRecord>{sio(1, D::In, SocketIoPacket::Ack, "/", 99, "4399[]", "[]")}
            << qint64(-1) << qint64(0) << "99" << int(M::NoAck) << qint64(-1);
        QTest::newRow("event without ack id: empty")
            << QList<PacketRecord>{chatEvent(1)} << qint64(-1) << qint64(0) << "" << int(M::NoAck)
            << qint64(-1);
    }
    void ackStatus()
    {
        QFETCH(QList<PacketRecord>, records);
        QFETCH(qint64, nowUs);
        QFETCH(qint64, row);
        QFETCH(QString, text);
        QFETCH(int, status);
        QFETCH(qint64, partner);
        SessionLog log;
        TimelineModel model;
        if (nowUs < 0)
            model.setClock({});
        else
            model.setClock([nowUs] { return nowUs; });
        model.setLog(&log);
        for (const PacketRecord &record : std::as_const(records))
            log.append(record);
        model.flush();
        QCOMPARE(cell(model, row, TimelineModel::AckColumn), text);
        const QModelIndex index = model.index(model.modelRow(row), TimelineModel::AckColumn);
        QCOMPARE(index.data(TimelineModel::AckStatusRole).toInt(), status);
        QCOMPARE(index.data(TimelineModel::PartnerRowRole).toLongLong(), partner);
    }

    void pendingAckRowsUpdateWhenAnswered()
    {
        SessionLog log;
        TimelineModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        qint64 now = 1000000;
        model.setClock([&now] { return now; });
        model.setLog(&log);
        log.append(chatEvent(1));
        log.append(sio(1000000, D::Out, SocketIoPacket::Event, "/", 0, "420[\"a\"]", "[\"a\"]"));
        log.append(chatEvent(2));
        model.flush();
        QCOMPARE(cell(model, 1, TimelineModel::AckColumn), QStringLiteral("0 ◷ 0.00 ms"));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        now = 1300000;
        model.flush();
        QCOMPARE(changed.count(), 1); // the age moves on
        QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 1);
        QCOMPARE(changed.at(0).at(1).toModelIndex().row(), 1);
        QCOMPARE(cell(model, 1, TimelineModel::AckColumn), QStringLiteral("0 ◷ 300 ms"));
        log.append(sio(1040000, D::In, SocketIoPacket::Ack, "/", 0, "430[]", "[]"));
        model.flush();
        QCOMPARE(changed.count(), 2);
        QCOMPARE(changed.at(1).at(0).toModelIndex().row(), 1);
        QCOMPARE(cell(model, 1, TimelineModel::AckColumn), QStringLiteral("0 ⟲ 40 ms"));
        QCOMPARE(cell(model, 3, TimelineModel::EventColumn), QStringLiteral("↩ a"));
        // Answered: no more updates.
        model.flush();
        QCOMPARE(changed.count(), 2);
        QCOMPARE(model.index(model.modelRow(3), 0).data(TimelineModel::PartnerRowRole).toLongLong(),
                 1);
        QCOMPARE(model.modelRow(log.acks().partnerRow(3)), 1);
    }

    void filter_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QList<int>>("types"); // layer * 16 + type
        QTest::addColumn<int>("direction");    // TimelineFilter::DirectionFilter
        QTest::addColumn<QString>("nsp");
        QTest::addColumn<bool>("showControl");
        QTest::addColumn<QList<qint64>>("expected");

        const int any = int(TimelineFilter::DirectionFilter::Any);
        const int in = int(TimelineFilter::DirectionFilter::In);
        const int out = int(TimelineFilter::DirectionFilter::Out);
        const int event = typeCode(L::SocketIo, SocketIoPacket::Event);
        const int binaryEvent = typeCode(L::SocketIo, SocketIoPacket::BinaryEvent);
        const int ping = typeCode(L::EngineIo, EngineIoPacket::Ping);
        QTest::newRow("no criteria: control packets hidden")
            << "" << QList<int>() << any << "" << false
            << QList<qint64>{1, 2, 3, 4, 5, 8, 9, 10, 11, 12};
        QTest::newRow("no criteria, control shown: everything")
            << "" << QList<int>() << any << "" << true
            << QList<qint64>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
        QTest::newRow("text matches an event name in another case, and the ack answering it")
            << "chat" << QList<int>() << any << "" << false << QList<qint64>{4, 8};
        QTest::newRow("text matches inside the payload")
            << "hello WORLD" << QList<int>() << any << "" << false << QList<qint64>{4};
        QTest::newRow("text matches a handshake")
            << "ABC" << QList<int>() << any << "" << false << QList<qint64>{3};
        QTest::newRow("text matches a \\u escape decoded")
            << "café" << QList<int>() << any << "" << false << QList<qint64>{5};
        QTest::newRow("non-ASCII text folds case")
            << "CAFÉ" << QList<int>() << any << "" << false << QList<qint64>{5};
        QTest::newRow("text matches an escaped quote decoded")
            << "\"quoted\"" << QList<int>() << any << "" << false << QList<qint64>{5};
        QTest::newRow("text matches the error of an invalid frame")
            << "NON-EMPTY array" << QList<int>() << any << "" << false << QList<qint64>{10};
        QTest::newRow("text matches a note's error")
            << "refused" << QList<int>() << any << "" << false << QList<qint64>{11};
        QTest::newRow("text matches nothing")
            << "zebra" << QList<int>() << any << "" << false << QList<qint64>{};
        QTest::newRow("text does not match the namespace, which is not payload")
            << "/chat" << QList<int>() << any << "" << false << QList<qint64>{};
        QTest::newRow("text in a hidden control packet stays hidden")
            << "url" << QList<int>() << any << "" << false << QList<qint64>{};
        QTest::newRow("text in a control packet when shown")
            << "url" << QList<int>() << any << "" << true << QList<qint64>{0};
        QTest::newRow("type EVENT")
            << "" << QList<int>{event} << any << "" << false << QList<qint64>{4, 5, 10};
        QTest::newRow("types EVENT and BINARY_EVENT") << "" << QList<int>{event, binaryEvent} << any
                                                      << "" << false << QList<qint64>{4, 5, 9, 10};
        QTest::newRow("type PING with control packets shown")
            << "" << QList<int>{ping} << any << "" << true << QList<qint64>{6};
        QTest::newRow("type PING with control packets hidden")
            << "" << QList<int>{ping} << any << "" << false << QList<qint64>{};
        QTest::newRow("direction out")
            << "" << QList<int>() << out << "" << false << QList<qint64>{2, 4};
        QTest::newRow("direction in")
            << "" << QList<int>() << in << "" << false << QList<qint64>{1, 3, 5, 8, 9, 10, 11, 12};
        QTest::newRow("namespace /chat")
            << "" << QList<int>() << any << "/chat" << false << QList<qint64>{5, 9, 12};
        QTest::newRow("namespace / leaves out the other layers")
            << "" << QList<int>() << any << "/" << true << QList<qint64>{2, 3, 4, 8, 10};
        QTest::newRow("namespace nobody used")
            << "" << QList<int>() << any << "/none" << false << QList<qint64>{};
        QTest::newRow("all criteria at once") << "UPLOAD" << QList<int>{event, binaryEvent} << in
                                              << "/chat" << false << QList<qint64>{9};
    }
    // The embedded server's log: one client session at a time (the mock server window's client
    // list), combined with the other criteria; empty shows every session.
    void sessionFilter_data()
    {
        QTest::addColumn<QString>("session");
        QTest::addColumn<QString>("nsp");
        QTest::addColumn<QList<qint64>>("expected");
        QTest::newRow("every session") << ""
                                       << "" << QList<qint64>{0, 1, 2, 3, 4};
        QTest::newRow("session a") << "a"
                                   << "" << QList<qint64>{0, 2, 4};
        QTest::newRow("session b") << "b"
                                   << "" << QList<qint64>{1, 3};
        QTest::newRow("session a, namespace /chat") << "a"
                                                    << "/chat" << QList<qint64>{4};
        QTest::newRow("a session nobody has") << "zz"
                                              << "" << QList<qint64>{};
    }
    void sessionFilter()
    {
        QFETCH(QString, session);
        QFETCH(QString, nsp);
        QFETCH(QList<qint64>, expected);
        SessionLog log;
        const auto append = [&log](const QString &session, const QString &nsp, qint64 timeUs) {
            PacketRecord record =
                sio(timeUs, D::In, SocketIoPacket::Event, nsp, -1, "42[\"e\"]", "[\"e\"]");
            record.session = session;
            log.append(record);
        };
        append(QStringLiteral("a"), QStringLiteral("/"), 1000);
        append(QStringLiteral("b"), QStringLiteral("/"), 2000);
        append(QStringLiteral("a"), QStringLiteral("/"), 3000);
        append(QStringLiteral("b"), QStringLiteral("/chat"), 4000);
        append(QStringLiteral("a"), QStringLiteral("/chat"), 5000);
        TimelineFilter filter;
        filter.setSession(session);
        filter.setNamespace(nsp);
        TimelineModel model;
        model.setLog(&log);
        model.setFilter(filter);
        QCOMPARE(shownLogRows(model), expected);
    }

    void filter()
    {
        QFETCH(QString, text);
        QFETCH(QList<int>, types);
        QFETCH(int, direction);
        QFETCH(QString, nsp);
        QFETCH(bool, showControl);
        QFETCH(QList<qint64>, expected);

        TimelineFilter filter;
        filter.setText(text);
        std::vector<TimelineFilter::TypeKey> keys;
        for (int code : types)
            keys.push_back({L(code / 16), quint8(code % 16)});
        filter.setTypes(keys);
        filter.setDirection(TimelineFilter::DirectionFilter(direction));
        filter.setNamespace(nsp);
        filter.setShowControlPackets(showControl);

        // Applied to a full log at once...
        SessionLog log;
        fillFixture(log);
        TimelineModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setLog(&log);
        model.setFilter(filter);
        QCOMPARE(shownLogRows(model), expected);
        for (int row = 0; row < model.rowCount(); ++row)
            QCOMPARE(model.modelRow(model.logRow(row)), row);

        // ...and to records that arrive afterwards, the same.
        SessionLog growing;
        TimelineModel live;
        QAbstractItemModelTester liveTester(&live,
                                            QAbstractItemModelTester::FailureReportingMode::Fatal);
        live.setFilter(filter);
        live.setLog(&growing);
        fillFixture(growing);
        live.flush();
        QCOMPARE(shownLogRows(live), expected);
    }

    void pauseCountsNewRowsAndResumeInsertsThem()
    {
        SessionLog log;
        TimelineModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setLog(&log);
        for (int i = 0; i < 10; ++i)
            log.append(chatEvent(i));
        model.flush();
        QSignalSpy pending(&model, &TimelineModel::pendingRowsChanged);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.pause();
        for (int i = 0; i < 5; ++i)
            log.append(chatEvent(i));
        log.append(eio(1, D::In, EngineIoPacket::Ping, "2")); // hidden: not counted
        model.flush();
        for (int i = 0; i < 3; ++i)
            log.append(chatEvent(i));
        model.flush();
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(pending.count(), 2);
        QCOMPARE(pending.at(0).at(0).toInt(), 5);
        QCOMPARE(pending.at(1).at(0).toInt(), 8);
        QCOMPARE(model.pendingRows(), 8);
        // A filter change while paused keeps the new rows pending.
        model.setShowControlPackets(true);
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(model.pendingRows(), 9);
        model.resume();
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.at(0).at(1).toInt(), 10);
        QCOMPARE(inserted.at(0).at(2).toInt(), 18);
        QCOMPARE(pending.last().at(0).toInt(), 0);
        QCOMPARE(model.rowCount(), 19);
    }

    void clearResetsTheModel()
    {
        SessionLog log;
        TimelineModel model;
        model.setLog(&log);
        fillFixture(log);
        model.flush();
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.clear();
        QCOMPARE(reset.count(), 1);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(log.size(), 0);
        log.append(chatEvent(3));
        model.flush();
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(cell(model, 0, TimelineModel::EventColumn), QStringLiteral("chat"));
    }

    void cellTexts()
    {
        SessionLog log;
        fillFixture(log);
        const QDateTime when(QDate(2024, 3, 5), QTime(13, 7, 9, 42), Qt::LocalTime);
        const qint64 base = when.toMSecsSinceEpoch() * 1000;
        log.append(sio(base, D::Out, SocketIoPacket::Event, "/", -1, "42[\"t\"]", "[\"t\"]")); // 15
        log.append(sio(base + 1234567, D::In, SocketIoPacket::Event, "/", -1,
                       "42[\"multi\\nline\",\"a\\tb\\nc\"]",
                       "[\"multi\\nline\",\"a\\tb\\nc\"]")); // 16
        const QByteArray big = "[\"big\",\"" + QByteArray(5000, 'x') + "\"]";
        log.append(sio(base + 2000, D::In, SocketIoPacket::Event, "/", -1, "42" + big, big)); // 17
        log.append(sio(base, D::In, SocketIoPacket::Event, "/", -1, "42[7,1]", "[7,1]"));     // 18
        TimelineModel model;
        model.setLog(&log);
        model.setShowControlPackets(true);
        using M = TimelineModel;
        QCOMPARE(cell(model, 15, M::TimeColumn), QStringLiteral("13:07:09.042"));
        QCOMPARE(cell(model, 15, M::DirectionColumn), QStringLiteral("→"));
        QCOMPARE(cell(model, 16, M::DirectionColumn), QStringLiteral("←"));
        QCOMPARE(cell(model, 0, M::DirectionColumn), QStringLiteral("·"));
        QCOMPARE(cell(model, 6, M::TypeColumn), QStringLiteral("PING"));
        QCOMPARE(cell(model, 0, M::TypeColumn), QStringLiteral("connecting"));
        QCOMPARE(cell(model, 9, M::TypeColumn), QStringLiteral("BINARY_EVENT"));
        QCOMPARE(cell(model, 5, M::NamespaceColumn), QStringLiteral("/chat"));
        QCOMPARE(cell(model, 6, M::NamespaceColumn), QString()); // Engine.IO: no namespace
        QCOMPARE(cell(model, 4, M::EventColumn), QStringLiteral("Chat"));
        QCOMPARE(cell(model, 9, M::EventColumn), QStringLiteral("upload"));
        QCOMPARE(cell(model, 16, M::EventColumn), QStringLiteral("multi\nline"));
        QCOMPARE(cell(model, 18, M::EventColumn), QStringLiteral("7"));
        QCOMPARE(cell(model, 8, M::EventColumn), QStringLiteral("↩ Chat"));
        QCOMPARE(cell(model, 4, M::SizeColumn), QStringLiteral("34 B"));
        QCOMPARE(cell(model, 9, M::SizeColumn), QStringLiteral("150 B")); // raw + attachment
        QCOMPARE(cell(model, 17, M::SizeColumn), QStringLiteral("4.9 KiB"));
        // Preview: one line, control characters of the payload as spaces, truncated with "…".
        const QString preview = cell(model, 16, M::PreviewColumn);
        QVERIFY2(!preview.contains(QLatin1Char('\n')), qPrintable(preview));
        QCOMPARE(preview, QStringLiteral("[\"multi\\nline\",\"a\\tb\\nc\"]"));
        const QString bigPreview = cell(model, 17, M::PreviewColumn);
        QCOMPARE(bigPreview.size(), 161);
        QVERIFY(bigPreview.endsWith(QStringLiteral("…")));
        QCOMPARE(cell(model, 9, M::PreviewColumn),
                 QStringLiteral("[\"upload\",{\"_placeholder\":true,\"num\":0}]  ▣×1"));
        QVERIFY(cell(model, 10, M::PreviewColumn).startsWith(QStringLiteral("⚠ 42{")));
        QVERIFY(model.index(model.modelRow(10), M::PreviewColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("non-empty array")));

        model.setTimeFormat(M::TimeFormat::Relative);
        QCOMPARE(cell(model, 0, M::TimeColumn), QStringLiteral("+0.000"));
        QCOMPARE(cell(model, 14, M::TimeColumn), QStringLiteral("+0.000")); // 14 us later
        SessionLog relative;
        relative.append(chatEvent(5000));  // 5 s
        relative.append(chatEvent(6234));  // 6.234 s
        relative.append(chatEvent(4000));  // earlier than the first record
        relative.append(chatEvent(65432)); // 65.432 s
        model.setLog(&relative);
        QCOMPARE(cell(model, 1, M::TimeColumn), QStringLiteral("+1.234"));
        QCOMPARE(cell(model, 2, M::TimeColumn), QStringLiteral("-1.000"));
        QCOMPARE(cell(model, 3, M::TimeColumn), QStringLiteral("+60.432"));
    }

    void frameLargerThanAnArenaChunk()
    {
        SessionLog log;
        const QByteArray payload = "[\"big\",\"" + QByteArray(2 << 20, 'x') + "\"]";
        log.append(sio(1, D::In, SocketIoPacket::Event, "/", -1, "42" + payload, payload));
        TimelineModel model;
        model.setLog(&log);
        QCOMPARE(cell(model, 0, TimelineModel::EventColumn), QStringLiteral("big"));
        QCOMPARE(cell(model, 0, TimelineModel::SizeColumn), QStringLiteral("2.0 MiB"));
        QVERIFY(cell(model, 0, TimelineModel::PreviewColumn)
                    .startsWith(QStringLiteral("[\"big\",\"xxx")));
        TimelineFilter filter;
        filter.setText(QStringLiteral("BIG"));
        model.setFilter(filter);
        QCOMPARE(model.rowCount(), 1);
    }

    void coloursByType()
    {
        SessionLog log;
        fillFixture(log);
        TimelineModel model;
        model.setLog(&log);
        model.setShowControlPackets(true);
        auto brush = [&](qint64 row, int role) {
            return model.index(model.modelRow(row), 0).data(role).value<QColor>();
        };
        const QColor event = brush(4, Qt::BackgroundRole);
        const QColor ack = brush(8, Qt::BackgroundRole);
        const QColor error = brush(10, Qt::BackgroundRole);
        QVERIFY(event.isValid());
        QVERIFY(ack.isValid());
        QVERIFY(event != ack);
        QVERIFY(error != event);
        // Tints, not opaque colours: they work over a light and a dark base alike.
        QVERIFY(event.alpha() < 128);
        QCOMPARE(brush(5, Qt::BackgroundRole), event);
        QVERIFY(!model.index(model.modelRow(6), 0).data(Qt::BackgroundRole).isValid());
        QVERIFY(brush(6, Qt::ForegroundRole).isValid()); // Engine.IO text is dimmed
        QVERIFY(!model.index(model.modelRow(4), 0).data(Qt::ForegroundRole).isValid());
    }

    void textSearchPrimitives_data()
    {
        QTest::addColumn<QByteArray>("haystack");
        QTest::addColumn<QString>("needle");
        QTest::addColumn<bool>("found");
        QTest::newRow("empty needle") << QByteArray("abc") << "" << true;
        QTest::newRow("exact") << QByteArray("hello") << "hello" << true;
        QTest::newRow("upper haystack") << QByteArray("HELLO") << "hello" << true;
        QTest::newRow("mixed needle") << QByteArray("say hello") << "HeLLo" << true;
        QTest::newRow("at the very end") << QByteArray("xxabc") << "ABC" << true;
        QTest::newRow("longer than haystack") << QByteArray("ab") << "abc" << false;
        QTest::newRow("partial at the end") << QByteArray("xxab") << "abc" << false;
        QTest::newRow("restart after a partial match") << QByteArray("aab") << "ab" << true;
        QTest::newRow("non-letters do not fold") << QByteArray("[") << "{" << false;
        QTest::newRow("UTF-8 exact bytes") << QByteArray("caf\xc3\xa9") << "café" << true;
    }
    void textSearchPrimitives()
    {
        QFETCH(QByteArray, haystack);
        QFETCH(QString, needle);
        QFETCH(bool, found);
        QCOMPARE(TimelineFilter::containsFolded(haystack, needle.toLower().toUtf8()), found);
    }

    void unescapesJson()
    {
        QCOMPARE(TimelineFilter::unescapeJson("[\"a\\\"b\\\\c\\/d\\n\"]"),
                 QByteArray("[\"a\"b\\c/d\n\"]"));
        QCOMPARE(TimelineFilter::unescapeJson("\"\\u00e9\\ud83d\\ude00\""),
                 QByteArray("\"\xc3\xa9\xf0\x9f\x98\x80\""));
        QCOMPARE(TimelineFilter::unescapeJson("\"\\uZZ\""), QByteArray("\"\\uZZ\""));
        QCOMPARE(TimelineFilter::unescapeJson("\"\\ud83d\""), QByteArray("\"\xef\xbf\xbd\""));
    }

    void formats_data()
    {
        QTest::addColumn<qint64>("value");
        QTest::addColumn<QString>("duration");
        QTest::addColumn<QString>("bytes");
        QTest::newRow("zero") << qint64(0) << "0.00 ms"
                              << "0 B";
        QTest::newRow("350") << qint64(350) << "0.35 ms"
                             << "350 B";
        QTest::newRow("2000") << qint64(2000) << "2 ms"
                              << "2.0 KiB";
        QTest::newRow("1.2 million") << qint64(1200000) << "1.2 s"
                                     << "1.1 MiB";
        QTest::newRow("250 million") << qint64(250000000) << "250 s"
                                     << "238.4 MiB";
    }
    void formats()
    {
        QFETCH(qint64, value);
        QFETCH(QString, duration);
        QFETCH(QString, bytes);
        QCOMPARE(TimelineModel::formatDuration(value), duration);
        QCOMPARE(TimelineModel::formatBytes(value), bytes);
    }

    // Not a pass/fail test: the figures for the filter design. Rows from
    // SIOSCOPE_BENCH_ROWS (default 20000; the report uses 1000000).
    void benchmarkTextFilter_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("needle");
        QTest::newRow("TimelineFilter, no text (control packets hidden)") << 0 << "";
        QTest::newRow("TimelineFilter into the model's row vector") << 0 << "Needle";
        QTest::newRow("TimelineFilter, non-ASCII needle (Unicode folding path)") << 0 << "NÉEDLE";
        QTest::newRow("QSortFilterProxyModel, filterAcceptsRow = TimelineFilter") << 1 << "Needle";
        QTest::newRow("QSortFilterProxyModel over the display strings") << 2 << "Needle";
    }
    void benchmarkTextFilter()
    {
        QFETCH(int, kind);
        QFETCH(QString, needle);
        const qint64 count = qEnvironmentVariableIntValue("SIOSCOPE_BENCH_ROWS") > 0
                                 ? qEnvironmentVariableIntValue("SIOSCOPE_BENCH_ROWS")
                                 : 20000;
        SessionLog log;
        fillBenchmarkLog(log, count);
        TimelineModel model;
        model.setLog(&log);
        QCOMPARE(model.rowCount(), int(count));
        TimelineFilter filter;
        filter.setText(needle);
        if (needle.isEmpty())
            model.setShowControlPackets(true); // so that setFilter() below changes something
        const int expected = int(needle.isEmpty()                   ? count
                                 : needle.at(1) == QLatin1Char('e') ? count / 1000
                                                                    : count / 2000);
        if (kind == 0) {
            QBENCHMARK_ONCE
            {
                model.setFilter(filter);
            }
            QCOMPARE(model.rowCount(), expected);
            return;
        }
        // The alternative: a proxy. Either with the same matcher over the log (what the proxy
        // itself costs), or the stock string filter over every column's display text.
        class Proxy : public QSortFilterProxyModel
        {
        public:
            const SessionLog *log = nullptr;
            const TimelineModel *timeline = nullptr;
            TimelineFilter matcher;
            bool useMatcher = false;
            void refilter() { invalidateFilter(); }

        protected:
            bool filterAcceptsRow(int row, const QModelIndex &parent) const override
            {
                if (!useMatcher)
                    return QSortFilterProxyModel::filterAcceptsRow(row, parent);
                return matcher.matches(*log, timeline->logRow(row));
            }
        } proxyModel;
        proxyModel.log = &log;
        proxyModel.timeline = &model;
        proxyModel.setSourceModel(&model);
        int shown = 0;
        QBENCHMARK_ONCE
        {
            if (kind == 1) {
                proxyModel.matcher = filter;
                proxyModel.useMatcher = true;
                proxyModel.refilter();
            } else {
                proxyModel.setFilterKeyColumn(-1);
                proxyModel.setFilterCaseSensitivity(Qt::CaseInsensitive);
                proxyModel.setFilterFixedString(needle);
            }
            shown = proxyModel.rowCount(); // the proxy maps lazily: make it filter
        }
        QCOMPARE(shown, expected);
    }

    void benchmarkVisibleCells()
    {
        // What a view asks for one screenful (50 rows, every column, display + background).
        SessionLog log;
        fillBenchmarkLog(log, 100000);
        TimelineModel model;
        model.setLog(&log);
        int sum = 0;
        QBENCHMARK
        {
            for (int row = 50000; row < 50050; ++row)
                for (int column = 0; column < TimelineModel::ColumnCount; ++column) {
                    sum += model.index(row, column).data().toString().size();
                    sum += model.index(row, column).data(Qt::BackgroundRole).isValid();
                }
        }
        QVERIFY(sum > 0);
    }

private:
    static void fillBenchmarkLog(SessionLog &log, qint64 count)
    {
        // Realistic chat traffic (~130-byte payloads); one row in a thousand holds the needle.
        static const char *words[] = {"lorem", "ipsum", "dolor", "sit", "amet", "consectetur"};
        for (qint64 i = 0; i < count; ++i) {
            QByteArray payload =
                "[\"message\",{\"user\":\"user" + QByteArray::number(i % 977) + "\",\"text\":\"";
            for (int w = 0; w < 8; ++w)
                payload += words[(i + w) % 6] + QByteArray(" ");
            if (i % 1000 == 999)
                payload += i % 2000 == 1999 ? "the NEEDLE, the n\xc3\xa9"
                                              "edle "
                                            : "the NEEDLE ";
            payload += "\",\"ts\":" + QByteArray::number(1700000000000 + i) + "}]";
            log.append(sio(i * 1000, i % 3 ? D::In : D::Out, SocketIoPacket::Event, "/chat", -1,
                           "42/chat," + payload, payload));
        }
    }
};

QTEST_MAIN(tst_TimelineModel)
#include "tst_timelinemodel.moc"
