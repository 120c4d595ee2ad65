#include "session/jsonlines.h"
#include "socketio/socketiopacket.h"

#include <QBuffer>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <cstring>

#include <limits>

// PacketRecord is a Q_GADGET: a QMetaType of it would pull the whole core's moc output into this
// test. The data tables carry it in a plain wrapper instead.
struct Rec
{
    PacketRecord record;
};
Q_DECLARE_METATYPE(Rec)

namespace {

using Layer = PacketRecord::Layer;
using Direction = PacketRecord::Direction;

constexpr qint64 Example = 1795533601123456; // 2026-11-24T15:20:01.123456Z
constexpr qint64 UsPerDay = 86400000000;
constexpr qint64 Int64Max = std::numeric_limits<qint64>::max();
constexpr qint64 Int64Min = std::numeric_limits<qint64>::min();

// A record builder for the tables.
struct R
{
    PacketRecord r;
    R(Layer layer, int type, Direction direction = Direction::In)
    {
        r.timeUs = Example;
        r.layer = layer;
        r.type = quint8(type);
        r.direction = direction;
        if (layer == Layer::SocketIo)
            r.nsp = QStringLiteral("/");
    }
    R &time(qint64 us)
    {
        r.timeUs = us;
        return *this;
    }
    R &nsp(const QString &nsp)
    {
        r.nsp = nsp;
        return *this;
    }
    R &id(qint64 id)
    {
        r.id = id;
        return *this;
    }
    R &payload(const QByteArray &payload)
    {
        r.payload = payload;
        return *this;
    }
    R &attachments(const QList<QByteArray> &list)
    {
        r.attachments = list;
        return *this;
    }
    R &raw(const QByteArray &raw)
    {
        r.raw = raw;
        return *this;
    }
    R &error(const QString &error)
    {
        r.error = error;
        return *this;
    }
    R &rtt(qint64 us)
    {
        r.rttUs = us;
        return *this;
    }
    R &transport(TransportKind kind)
    {
        r.transport = kind;
        return *this;
    }
    R &session(const QString &session)
    {
        r.session = session;
        return *this;
    }
    R &msgpack()
    {
        r.parser = SocketIoParser::Kind::Msgpack;
        return *this;
    }
    operator Rec() const { return Rec{r}; }
};

QByteArray printable(const QByteArray &bytes)
{
    QByteArray out;
    for (char c : bytes) {
        const uchar u = uchar(c);
        if (u >= 0x20 && u < 0x7F)
            out.append(c);
        else
            out.append("\\x").append(QByteArray::number(u, 16).rightJustified(2, '0'));
    }
    return out;
}

QString codeUnits(const QString &text)
{
    QStringList units;
    for (QChar c : text)
        units << QString::number(c.unicode(), 16);
    return units.join(QLatin1Char(' '));
}

// Empty when equal; else the first field that differs, with both values.
QString difference(const PacketRecord &a, const PacketRecord &b)
{
    auto bytes = [](const char *name, const QByteArray &x, const QByteArray &y) {
        return x == y ? QString()
                      : QStringLiteral("%1: %2 vs %3")
                            .arg(QLatin1String(name), QString::fromLatin1(printable(x)),
                                 QString::fromLatin1(printable(y)));
    };
    auto number = [](const char *name, qint64 x, qint64 y) {
        return x == y ? QString()
                      : QStringLiteral("%1: %2 vs %3").arg(QLatin1String(name)).arg(x).arg(y);
    };
    auto text = [](const char *name, const QString &x, const QString &y) {
        return x == y ? QString()
                      : QStringLiteral("%1: [%2] vs [%3]")
                            .arg(QLatin1String(name), codeUnits(x), codeUnits(y));
    };
    QStringList diffs = {
        number("timeUs", a.timeUs, b.timeUs),
        number("direction", int(a.direction), int(b.direction)),
        number("layer", int(a.layer), int(b.layer)),
        number("type", a.type, b.type),
        number("transport", int(a.transport), int(b.transport)),
        text("nsp", a.nsp, b.nsp),
        number("id", a.id, b.id),
        bytes("payload", a.payload, b.payload),
        number("attachment count", a.attachments.size(), b.attachments.size()),
        text("error", a.error, b.error),
        number("rttUs", a.rttUs, b.rttUs),
        bytes("raw", a.raw, b.raw),
        text("session", a.session, b.session),
        number("parser", int(a.parser), int(b.parser)),
    };
    for (qsizetype i = 0; i < qMin(a.attachments.size(), b.attachments.size()); ++i)
        diffs << bytes("attachment", a.attachments[i], b.attachments[i]);
    diffs.removeAll(QString());
    return diffs.join(QStringLiteral("; "));
}

QByteArray nested(int depth)
{
    return QByteArray(depth, '[') + QByteArray(depth, ']');
}

QByteArray allBytes()
{
    QByteArray bytes;
    for (int i = 0; i < 256; ++i)
        bytes.append(char(i));
    return bytes;
}

// The reference for the timestamp tests: QDateTime, at millisecond precision, plus the
// microsecond digits.
QByteArray referenceTimestamp(qint64 us)
{
    const qint64 ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
    const QByteArray iso = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)
                               .toString(Qt::ISODateWithMs)
                               .toLatin1(); // 2026-11-24T15:20:01.123Z
    return iso.left(23) + QByteArray::number(us - ms * 1000).rightJustified(3, '0') + 'Z';
}

const char *const SioNames[] = {"CONNECT",       "DISCONNECT",   "EVENT",     "ACK",
                                "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"};
const char *const EioNames[] = {"OPEN", "CLOSE", "PING", "PONG", "MESSAGE", "UPGRADE", "NOOP"};
const char *const ConnNames[] = {
    "connecting", "transport-opened", "upgrading", "upgraded",    "closed",         "error",
    "warning",    "reconnecting",     "recovered", "ack-timeout", "parser-changed", "cookies"};

// A realistic record of each layer and type.
PacketRecord typical(Layer layer, int type, Direction direction)
{
    R r(layer, type, direction);
    switch (layer) {
    case Layer::SocketIo:
        r.nsp(QStringLiteral("/chat")).transport(TransportKind::WebSocket);
        if (type == SocketIoPacket::Event || type == SocketIoPacket::Ack)
            r.id(7)
                .payload(R"(["message",{"text":"hi","n":1.5e3}])")
                .raw(R"(42/chat,7["message",{"text":"hi","n":1.5e3}])");
        else if (type == SocketIoPacket::BinaryEvent || type == SocketIoPacket::BinaryAck)
            r.id(8)
                .payload(R"(["file",{"_placeholder":true,"num":0}])")
                .attachments({QByteArray("\x00\x01\xff", 3)});
        else if (type == SocketIoPacket::ConnectError)
            r.payload(R"({"message":"not authorized"})")
                .raw(R"(44/chat,{"message":"not authorized"})");
        else if (type == SocketIoPacket::Connect)
            r.payload(R"({"sid":"abc"})").raw(R"(40/chat,{"sid":"abc"})");
        else
            r.raw("41/chat,");
        if (type == SocketIoPacket::Ack)
            r.rtt(12345);
        break;
    case Layer::EngineIo:
        r.transport(TransportKind::Polling).raw(QByteArray::number(type));
        if (type == 0)
            r.payload(
                R"({"sid":"x1","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
        else if (type == 2 || type == 3)
            r.payload(R"("probe")").raw(QByteArray::number(type) + "probe");
        break;
    case Layer::Connection:
        r.payload(R"({"url":"http://127.0.0.1:3000/socket.io/","attempt":2})");
        if (type == PacketRecord::Error || type == PacketRecord::Warning)
            r.error(QStringLiteral("connection refused"));
        break;
    }
    return r.r;
}

} // namespace

// The slots are defined below the class: moc (6.4) reads raw string literals as ordinary
// ones, and some of the JSON in the tables would derail it inside a class body.
class tst_JsonLines : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // ---- timestamps
    void formatTimestamp_data();
    void formatTimestamp();
    void timestampsMatchQDateTime();
    void everyDayMatchesQDate();
    void extremesRoundTrip();
    void parseTimestamp_data();
    void parseTimestamp();
    // ---- writing: exact lines
    void goldenLines_data();
    void goldenLines();
    void appendsToTheBuffer();
    void lastCheckedPayload();
    void base64OfEveryLength();
    // ---- round trips
    void roundTrip_data();
    void roundTrip();
    void nspIsWrittenForSocketIoOnly();
    void namesMatchTheCore();
    // ---- what is embedded verbatim as "data"
    void embeddable_data();
    void embeddable();
    // ---- reading foreign but valid lines
    void lenientReading_data();
    void lenientReading();
    // ---- parse errors
    void parseErrors_data();
    void parseErrors();
    // ---- the streaming reader
    void reader_data();
    void reader();
    void readerOnAClosedDevice();
    void readerKeepsALongFile();
};

// ---- timestamps

void tst_JsonLines::formatTimestamp_data()
{
    QTest::addColumn<qint64>("timeUs");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("the epoch") << qint64(0) << QByteArray("1970-01-01T00:00:00.000000Z");
    QTest::newRow("one microsecond before the epoch")
        << qint64(-1) << QByteArray("1969-12-31T23:59:59.999999Z");
    QTest::newRow("the doc's example") << Example << QByteArray("2026-11-24T15:20:01.123456Z");
    QTest::newRow("leap day 2000 (divisible by 400)")
        << qint64(951782400000000 + 3723000001) << QByteArray("2000-02-29T01:02:03.000001Z");
    QTest::newRow("1900 is not a leap year")
        << qint64(-2203891200000000) << QByteArray("1900-03-01T00:00:00.000000Z");
    QTest::newRow("leap day 2024")
        << qint64(1709164800000000) << QByteArray("2024-02-29T00:00:00.000000Z");
    QTest::newRow("last microsecond of 1999")
        << qint64(946684799999999) << QByteArray("1999-12-31T23:59:59.999999Z");
    QTest::newRow("year 0, four digits")
        << qint64(-62167219200000000) << QByteArray("0000-01-01T00:00:00.000000Z");
    QTest::newRow("year -1, expanded")
        << qint64(-62167219200000000 - 1) << QByteArray("-000001-12-31T23:59:59.999999Z");
    QTest::newRow("year 9999, last microsecond")
        << qint64(253402300799999999) << QByteArray("9999-12-31T23:59:59.999999Z");
    QTest::newRow("year 10000, expanded")
        << qint64(253402300800000000) << QByteArray("+010000-01-01T00:00:00.000000Z");
    QTest::newRow("largest qint64") << Int64Max << QByteArray("+294247-01-10T04:00:54.775807Z");
    QTest::newRow("smallest qint64") << Int64Min << QByteArray("-290308-12-21T19:59:05.224192Z");
}

void tst_JsonLines::formatTimestamp()
{
    QFETCH(qint64, timeUs);
    QFETCH(QByteArray, expected);
    QCOMPARE(JsonLines::formatTimestamp(timeUs), expected);
    qint64 parsed = 12345;
    QVERIFY(JsonLines::parseTimestamp(expected, &parsed));
    QCOMPARE(parsed, timeUs);
}

void tst_JsonLines::timestampsMatchQDateTime()
{
    // Random instants in years 0001..9999 (QDateTime's ISO range), both signs of the epoch.
    QRandomGenerator random(20261124);
    const qint64 lowest = -62135596800000000;  // 0001-01-01
    const qint64 highest = 253402300799999999; // 9999-12-31T23:59:59.999999
    for (int i = 0; i < 200000; ++i) {
        const qint64 us = lowest + qint64(random.bounded(quint64(highest - lowest)));
        const QByteArray formatted = JsonLines::formatTimestamp(us);
        if (formatted != referenceTimestamp(us))
            QFAIL(qPrintable(QStringLiteral("%1: %2, QDateTime says %3")
                                 .arg(us)
                                 .arg(formatted, referenceTimestamp(us))));
        qint64 parsed = 0;
        if (!JsonLines::parseTimestamp(formatted, &parsed) || parsed != us)
            QFAIL(
                qPrintable(QStringLiteral("%1 does not parse back to %2").arg(formatted).arg(us)));
    }
}

void tst_JsonLines::everyDayMatchesQDate()
{
    // Every day from 1583 (the first full Gregorian year) to 2500, at both ends of the day.
    const QDate first(1583, 1, 1);
    const QDate last(2500, 12, 31);
    const qint64 firstDay = QDate(1970, 1, 1).daysTo(first);
    int leapDays = 0;
    for (QDate date = first; date <= last; date = date.addDays(1)) {
        const qint64 day = firstDay + first.daysTo(date);
        const QByteArray expected = date.toString(Qt::ISODate).toLatin1();
        for (qint64 us : {day * UsPerDay, day * UsPerDay + UsPerDay - 1}) {
            const QByteArray formatted = JsonLines::formatTimestamp(us);
            if (!formatted.startsWith(expected + 'T'))
                QFAIL(qPrintable(
                    QStringLiteral("day %1: %2, QDate says %3").arg(day).arg(formatted, expected)));
            qint64 parsed = 0;
            if (!JsonLines::parseTimestamp(formatted, &parsed) || parsed != us)
                QFAIL(qPrintable(QStringLiteral("%1 does not parse back").arg(formatted)));
        }
        leapDays += date.month() == 2 && date.day() == 29;
    }
    QCOMPARE(leapDays, 223); // 230 multiples of 4, minus 1700, 1800, 1900, 2100, 2200, 2300, 2500
}

void tst_JsonLines::extremesRoundTrip()
{
    for (qint64 us : {Int64Min, Int64Min + 1, Int64Min + UsPerDay, qint64(-UsPerDay), qint64(-1),
                      qint64(0), qint64(1), Int64Max - UsPerDay, Int64Max - 1, Int64Max}) {
        qint64 parsed = 0;
        QVERIFY2(JsonLines::parseTimestamp(JsonLines::formatTimestamp(us), &parsed),
                 JsonLines::formatTimestamp(us).constData());
        QCOMPARE(parsed, us);
    }
}

void tst_JsonLines::parseTimestamp_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("expected");
    QTest::newRow("canonical") << QByteArray("2026-11-24T15:20:01.123456Z") << true << Example;
    QTest::newRow("no fraction") << QByteArray("2026-11-24T15:20:01Z") << true << Example - 123456;
    QTest::newRow("one fraction digit")
        << QByteArray("2026-11-24T15:20:01.1Z") << true << Example - 23456;
    QTest::newRow("three fraction digits")
        << QByteArray("2026-11-24T15:20:01.123Z") << true << Example - 456;
    QTest::newRow("expanded year form of 2026")
        << QByteArray("+002026-11-24T15:20:01.123456Z") << true << Example;
    QTest::newRow("seven fraction digits")
        << QByteArray("2026-11-24T15:20:01.1234567Z") << false << qint64(0);
    QTest::newRow("dot without digits")
        << QByteArray("2026-11-24T15:20:01.Z") << false << qint64(0);
    QTest::newRow("no Z") << QByteArray("2026-11-24T15:20:01.123456") << false << qint64(0);
    QTest::newRow("offset instead of Z")
        << QByteArray("2026-11-24T15:20:01.123456+00:00") << false << qint64(0);
    QTest::newRow("space instead of T")
        << QByteArray("2026-11-24 15:20:01.123456Z") << false << qint64(0);
    QTest::newRow("lowercase z") << QByteArray("2026-11-24T15:20:01.123456z") << false << qint64(0);
    QTest::newRow("trailing space")
        << QByteArray("2026-11-24T15:20:01.123456Z ") << false << qint64(0);
    QTest::newRow("29 February of a common year")
        << QByteArray("2026-02-29T00:00:00Z") << false << qint64(0);
    QTest::newRow("29 February 1900") << QByteArray("1900-02-29T00:00:00Z") << false << qint64(0);
    QTest::newRow("29 February 2000")
        << QByteArray("2000-02-29T00:00:00Z") << true << qint64(951782400000000);
    QTest::newRow("31 April") << QByteArray("2026-04-31T00:00:00Z") << false << qint64(0);
    QTest::newRow("month 13") << QByteArray("2026-13-01T00:00:00Z") << false << qint64(0);
    QTest::newRow("month 0") << QByteArray("2026-00-01T00:00:00Z") << false << qint64(0);
    QTest::newRow("day 0") << QByteArray("2026-01-00T00:00:00Z") << false << qint64(0);
    QTest::newRow("hour 24") << QByteArray("2026-01-01T24:00:00Z") << false << qint64(0);
    QTest::newRow("leap second") << QByteArray("2016-12-31T23:59:60Z") << false << qint64(0);
    QTest::newRow("five-digit year without sign")
        << QByteArray("12026-01-01T00:00:00Z") << false << qint64(0);
    QTest::newRow("negative zero year")
        << QByteArray("-000000-01-01T00:00:00Z") << false << qint64(0);
    QTest::newRow("beyond qint64")
        << QByteArray("+294247-01-10T04:00:54.775808Z") << false << qint64(0);
    QTest::newRow("before qint64")
        << QByteArray("-290308-12-21T19:59:05.224191Z") << false << qint64(0);
    QTest::newRow("empty") << QByteArray() << false << qint64(0);
}

void tst_JsonLines::parseTimestamp()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QFETCH(qint64, expected);
    qint64 parsed = -42;
    QCOMPARE(JsonLines::parseTimestamp(text, &parsed), valid);
    if (valid)
        QCOMPARE(parsed, expected);
}

// ---- writing: exact lines

void tst_JsonLines::goldenLines_data()
{
    QTest::addColumn<Rec>("record");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("outgoing EVENT with ack id over websocket")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Event, Direction::Out)
                   .id(12)
                   .payload(R"(["chat",{"text":"hi"}])")
                   .transport(TransportKind::WebSocket)
                   .raw(R"(4212["chat",{"text":"hi"}])"))
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"out","layer":"sio","type":"EVENT","nsp":"/","id":12,"data":["chat",{"text":"hi"}],"transport":"websocket","raw":"4212[\"chat\",{\"text\":\"hi\"}]"})"
               "\n");
    QTest::newRow("incoming ACK with round-trip time over polling")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Ack)
                   .nsp(QStringLiteral("/admin"))
                   .id(12)
                   .payload(R"(["ok"])")
                   .transport(TransportKind::Polling)
                   .rtt(1234)
                   .raw(R"(43/admin,12["ok"])"))
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"sio","type":"ACK","nsp":"/admin","id":12,"data":["ok"],"transport":"polling","rtt_ms":1.234,"raw":"43/admin,12[\"ok\"]"})"
               "\n");
    QTest::newRow("rtt below a millisecond and whole milliseconds")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Ack).id(0).rtt(5))
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"sio","type":"ACK","nsp":"/","id":0,"rtt_ms":0.005})"
               "\n");
    QTest::newRow("BINARY_EVENT with an attachment, no raw")
        << Rec(R(Layer::SocketIo, SocketIoPacket::BinaryEvent)
                   .payload(R"(["up",{"_placeholder":true,"num":0}])")
                   .attachments({QByteArray("\x00\x01\x02\xff\xfe", 5)}))
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"sio","type":"BINARY_EVENT","nsp":"/","data":["up",{"_placeholder":true,"num":0}],"attachments":["AAEC//4="]})"
               "\n");
    QTest::newRow("Engine.IO PING: no nsp, no data")
        << Rec(R(Layer::EngineIo, EngineIoPacket::Ping)
                   .transport(TransportKind::WebSocket)
                   .raw("2"))
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"eio","type":"PING","transport":"websocket","raw":"2"})"
               "\n");
    QTest::newRow("lifecycle error note at the epoch")
        << Rec(R(Layer::Connection, PacketRecord::Error)
                   .time(0)
                   .payload(R"({"attempt":2})")
                   .error(QStringLiteral("connection refused")))
        << QByteArray(
               R"({"ts":"1970-01-01T00:00:00.000000Z","dir":"in","layer":"conn","type":"error","data":{"attempt":2},"error":"connection refused"})"
               "\n");
    QTest::newRow("payload that is not JSON goes to data_text")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Event).payload("not json"))
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"sio","type":"EVENT","nsp":"/","data_text":"not json"})"
               "\n");
    QTest::newRow("payload that is not UTF-8 goes to data_b64")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Event).payload("[\"\xff\"]"))
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"sio","type":"EVENT","nsp":"/","data_b64":"WyL/Il0="})"
               "\n");
    QTest::newRow("raw that is not UTF-8 goes to raw_b64")
        << Rec(R(Layer::EngineIo, EngineIoPacket::Message).raw("4\xff"))
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"eio","type":"MESSAGE","raw_b64":"NP8="})"
               "\n");
    QTest::newRow("escapes in nsp and error")
        << Rec(R(Layer::SocketIo, SocketIoPacket::ConnectError)
                   .nsp(QStringLiteral("/é\"\\"))
                   .error(QString::fromUtf8("tab\there\nnul\x01 \xf0\x9f\x98\x80")))
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"sio","type":"CONNECT_ERROR","nsp":"/é\"\\","error":"tab\there\nnul\u0001 😀"})"
               "\n");
    QTest::newRow("lone surrogate in error as an escape")
        << Rec(R(Layer::Connection, PacketRecord::Warning)
                   .error(QString(QChar(0xD83D)) + QLatin1Char('x')))
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"conn","type":"warning","error":"\ud83dx"})"
               "\n");
    QTest::newRow("a server's record names its client session last")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Connect)
                   .payload(R"({"token":"abc"})")
                   .transport(TransportKind::WebSocket)
                   .raw(R"(40{"token":"abc"})")
                   .session(QStringLiteral("Xz_1-aBcDeFgHiJkLmNo")))
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"sio","type":"CONNECT","nsp":"/","data":{"token":"abc"},"transport":"websocket","raw":"40{\"token\":\"abc\"}","session":"Xz_1-aBcDeFgHiJkLmNo"})"
               "\n");
    // {"type":2,"nsp":"/","data":["up",<bin 01 ff>],"id":7}, as socket.io-msgpack-parser writes it
    QTest::newRow("msgpack EVENT: the frame as raw_b64, the parser named")
        << Rec(R(Layer::SocketIo, SocketIoPacket::BinaryEvent, Direction::Out)
                   .id(7)
                   .payload(R"(["up",{"_placeholder":true,"num":0}])")
                   .attachments({QByteArray("\x01\xff", 2)})
                   .transport(TransportKind::WebSocket)
                   .raw(QByteArray::fromHex(
                       "84a474797065 02 a36e7370 a12f a464617461 92a27570c40201ff a26964 07"))
                   .msgpack())
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"out","layer":"sio","type":"BINARY_EVENT","nsp":"/","id":7,"data":["up",{"_placeholder":true,"num":0}],"attachments":["Af8="],"transport":"websocket","parser":"msgpack","raw_b64":"hKR0eXBlAqNuc3ChL6RkYXRhkqJ1cMQCAf+iaWQH"})"
               "\n");
    QTest::newRow("msgpack frame that happens to be UTF-8 still goes to raw_b64")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Connect).raw("Ab").msgpack())
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"sio","type":"CONNECT","nsp":"/","parser":"msgpack","raw_b64":"QWI="})"
               "\n");
    QTest::newRow("a type with no name is written as its number")
        << Rec(R(Layer::EngineIo, 42))
        << QByteArray(R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"eio","type":42})"
                      "\n");
}

void tst_JsonLines::goldenLines()
{
    QFETCH(Rec, record);
    QFETCH(QByteArray, expected);
    QCOMPARE(JsonLines::toLine(record.record), expected);
}

void tst_JsonLines::appendsToTheBuffer()
{
    QByteArray buffer("existing\n");
    const PacketRecord record = typical(Layer::SocketIo, SocketIoPacket::Event, Direction::Out);
    JsonLines::appendRecord(buffer, record);
    JsonLines::appendRecord(buffer, record);
    const QByteArray line = JsonLines::toLine(record);
    QCOMPARE(buffer, QByteArray("existing\n") + line + line);
}

// A writer that keeps the payload it checked last (as a log stream does, for a broadcast's
// records) writes exactly what one that checks every payload writes: for one payload shared by
// several records, for the payloads after it, and for a raw-data payload whose bytes changed in
// place between two records.
void tst_JsonLines::lastCheckedPayload()
{
    JsonLines::CheckedPayload last;
    QByteArray kept;
    QByteArray checkedEveryTime;
    const auto append = [&](const QByteArray &payload) {
        const PacketRecord record =
            R(Layer::SocketIo, SocketIoPacket::Event, Direction::Out).payload(payload).r;
        JsonLines::appendRecord(kept, record, &last);
        JsonLines::appendRecord(checkedEveryTime, record);
    };

    const QByteArray broadcast(R"(["news",{"round":1}])");
    append(broadcast);
    QVERIFY(last.payload.isSharedWith(broadcast));
    QVERIFY(last.embeddable);
    append(broadcast);
    const QByteArray notJson("news, round 1");
    append(notJson);
    append(notJson);
    QVERIFY(!last.embeddable);
    append(broadcast);

    char bytes[] = R"(["a"])";
    const QByteArray inPlace = QByteArray::fromRawData(bytes, qsizetype(std::strlen(bytes)));
    append(inPlace);
    bytes[0] = '{'; // {"a"]: no longer JSON, at the same address and length
    append(inPlace);

    QCOMPARE(kept, checkedEveryTime);
    QVERIFY(checkedEveryTime.contains(R"("data_text":"{\"a\"]")"));
}

// Attachments are written six bytes at a time, then three, then padded: every length up to a
// few rounds of each, against Qt's encoder.
void tst_JsonLines::base64OfEveryLength()
{
    QByteArray bytes;
    for (int length = 0; length <= 70; ++length) {
        const PacketRecord record = R(Layer::SocketIo, SocketIoPacket::BinaryEvent, Direction::In)
                                        .payload("[\"b\",{\"_placeholder\":true,\"num\":0}]")
                                        .attachments({bytes})
                                        .r;
        const QByteArray line = JsonLines::toLine(record);
        QVERIFY2(line.contains("\"attachments\":[\"" + bytes.toBase64() + "\"]"), line.constData());
        bytes += char(length * 37 + 200);
    }
}

// ---- round trips

void tst_JsonLines::roundTrip_data()
{
    QTest::addColumn<Rec>("record");

    // Every layer and type, both directions.
    const struct
    {
        Layer layer;
        const char *const *names;
        int count;
        const char *name;
    } layers[] = {
        {Layer::SocketIo, SioNames, 7, "sio"},
        {Layer::EngineIo, EioNames, 7, "eio"},
        {Layer::Connection, ConnNames, int(std::size(ConnNames)), "conn"},
    };
    for (const auto &layer : layers) {
        for (int type = 0; type < layer.count; ++type) {
            for (Direction direction : {Direction::In, Direction::Out}) {
                QTest::addRow("%s %s %s", layer.name, layer.names[type],
                              direction == Direction::In ? "in" : "out")
                    << Rec{typical(layer.layer, type, direction)};
            }
        }
    }

    const auto event = [] { return R(Layer::SocketIo, SocketIoPacket::Event); };
    const auto binary = [] { return R(Layer::SocketIo, SocketIoPacket::BinaryEvent); };
    QTest::newRow("bare record: nothing optional") << Rec(event());
    QTest::newRow("sio with an empty nsp") << Rec(event().nsp(QString()));
    QTest::newRow("ack id 0") << Rec(event().id(0));
    QTest::newRow("largest ack id") << Rec(event().id(Int64Max));
    QTest::newRow("ack id beyond 2^53") << Rec(event().id((qint64(1) << 53) + 1));
    QTest::newRow("rtt 0") << Rec(R(Layer::SocketIo, SocketIoPacket::Ack).rtt(0));
    QTest::newRow("rtt 1 us") << Rec(R(Layer::SocketIo, SocketIoPacket::Ack).rtt(1));
    QTest::newRow("rtt exactly 1 s") << Rec(R(Layer::SocketIo, SocketIoPacket::Ack).rtt(1000000));
    QTest::newRow("largest rtt") << Rec(R(Layer::SocketIo, SocketIoPacket::Ack).rtt(Int64Max));
    QTest::newRow("time before the epoch") << Rec(event().time(-123456789));
    QTest::newRow("smallest time") << Rec(event().time(Int64Min));
    QTest::newRow("largest time") << Rec(event().time(Int64Max));
    QTest::newRow("two attachments, all byte values and an empty one")
        << Rec(binary()
                   .payload(R"(["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])")
                   .attachments({allBytes(), QByteArray()}));
    QTest::newRow("attachment of one byte (padding ==)")
        << Rec(binary().attachments({QByteArray("a")}));
    QTest::newRow("attachment of two bytes (padding =)")
        << Rec(binary().attachments({QByteArray("ab")}));
    QTest::newRow("large attachment") << Rec(binary().attachments({QByteArray(100000, '\x9c')}));
    QTest::newRow("unicode nsp") << Rec(
        event().nsp(QString::fromUtf8("/ünï/日本/\xf0\x9f\x98\x80")));
    QTest::newRow("control characters in nsp")
        << Rec(event().nsp(QString::fromUtf8("/a\x01"
                                             "b\tc\"d\\e\nf\rg\x1f\x7fh")));
    QTest::newRow("worst-case escaping: 5000 control characters in nsp, error and raw")
        << Rec(event()
                   .nsp(QString(5000, QChar(1)))
                   .error(QString(5000, QChar(0xDC00)))
                   .raw(QByteArray(5000, '\x1f')));
    QTest::newRow("NUL in nsp") << Rec(event().nsp(QString(QChar(0)) + QStringLiteral("/x")));
    QTest::newRow("lone high surrogate in error") << Rec(event().error(QString(QChar(0xD800))));
    QTest::newRow("lone low surrogate in nsp")
        << Rec(event().nsp(QStringLiteral("/") + QChar(0xDC00)));
    QTest::newRow("surrogates in the wrong order")
        << Rec(event().error(QString(QChar(0xDC00)) + QChar(0xD800)));
    QTest::newRow("high surrogate then an escaped character")
        << Rec(event().error(QString(QChar(0xD800)) + QLatin1Char('\n')));
    QTest::newRow("unicode and control characters in error")
        << Rec(event().error(QString::fromUtf8("bad \"frame\":\n\t\xe2\x80\xa8 \xc3\xa9 \\u0041")));
    QTest::newRow("raw with quotes, backslashes and controls")
        << Rec(event().raw(QByteArray("42[\"a\\\"b\",\"\x01\x02\b\f\n\r\t\"]")));
    QTest::newRow("raw with NUL bytes") << Rec(event().raw(QByteArray("4\0"
                                                                      "2\0",
                                                                      4)));
    QTest::newRow("raw unicode") << Rec(event().raw("42[\"日本\xf0\x9f\x98\x80\"]"));
    QTest::newRow("raw invalid UTF-8: 0xff") << Rec(event().raw("42[\"\xff\xfe\"]"));
    QTest::newRow("raw invalid UTF-8: truncated sequence at the end")
        << Rec(event().raw("42[\"\xe6\x97"));
    QTest::newRow("raw invalid UTF-8: encoded surrogate") << Rec(event().raw("\xed\xa0\x80"));
    QTest::newRow("raw invalid UTF-8: overlong slash") << Rec(event().raw("\xc0\xaf"));
    QTest::newRow("raw invalid UTF-8: above U+10FFFF") << Rec(event().raw("\xf4\x90\x80\x80"));
    QTest::newRow("raw invalid UTF-8: lone continuation byte") << Rec(event().raw("a\x80z"));
    QTest::newRow("raw of every byte value") << Rec(event().raw(allBytes()));
    QTest::newRow("payload with spaces inside") << Rec(event().payload("[ 1 , { \"a\" : 2 } ]"));
    QTest::newRow("payload with a line break between tokens") << Rec(event().payload("[1,\n2]"));
    QTest::newRow("payload with CR between tokens") << Rec(event().payload("[1,\r2]"));
    QTest::newRow("payload with leading space") << Rec(event().payload(" [1]"));
    QTest::newRow("payload with trailing tab") << Rec(event().payload("[1]\t"));
    QTest::newRow("payload not JSON") << Rec(event().payload("hello \"world\"\n"));
    QTest::newRow("payload JSON with trailing garbage") << Rec(event().payload("[1] [2]"));
    QTest::newRow("payload not JSON, not UTF-8") << Rec(event().payload("\x80\x81"));
    QTest::newRow("payload JSON string with invalid UTF-8") << Rec(event().payload("\"\xff\""));
    QTest::newRow("payload with escaped lone surrogate") << Rec(event().payload(R"(["\ud800"])"));
    QTest::newRow("payload with U+2028") << Rec(event().payload("[\"\xe2\x80\xa8\"]"));
    QTest::newRow("payload scalar number") << Rec(event().payload("-0.5e+10"));
    QTest::newRow("payload scalar string") << Rec(event().payload("\"probe\""));
    QTest::newRow("payload nested 1000 deep") << Rec(event().payload(nested(1000)));
    QTest::newRow("payload nested 1001 deep") << Rec(event().payload(nested(1001)));
    QTest::newRow("big payload") << Rec(event().payload("[\"" + QByteArray(1 << 20, 'x') + "\"]"));
    QTest::newRow("sio type with no name") << Rec(R(Layer::SocketIo, 200));
    QTest::newRow("session on every layer")
        << Rec(R(Layer::EngineIo, EngineIoPacket::Ping).session(QStringLiteral("sid1")));
    QTest::newRow("session with escapes")
        << Rec(event().session(QString::fromUtf8("s\"i\\d\n\xc3\xa9") + QChar(0xD800)));
    QTest::newRow("note with no name") << Rec(R(Layer::Connection, 255));
    QTest::newRow("msgpack packet with no bins")
        << Rec(event().payload(R"(["hi",1])").raw(QByteArray::fromHex("83a474797065")).msgpack());
    QTest::newRow("msgpack packet with a bin")
        << Rec(binary()
                   .payload(R"(["x",{"_placeholder":true,"num":0}])")
                   .attachments({allBytes()})
                   .raw(allBytes())
                   .msgpack());
    QTest::newRow("msgpack record whose frame a redaction dropped") << Rec(event().msgpack());
}

void tst_JsonLines::roundTrip()
{
    QFETCH(Rec, record);
    const QByteArray line = JsonLines::toLine(record.record);
    QVERIFY(line.endsWith('\n'));
    QCOMPARE(line.count('\n'), 1);
    QVERIFY2(!line.contains('\r'), line.constData());

    // An independent parser agrees that the line is one JSON object with the required fields.
    QJsonParseError jsonError;
    const QJsonDocument document = QJsonDocument::fromJson(line, &jsonError);
    QVERIFY2(
        jsonError.error == QJsonParseError::NoError,
        qPrintable(jsonError.errorString() + QLatin1Char(' ') + QString::number(jsonError.offset)));
    QVERIFY(document.isObject());
    const QJsonObject object = document.object();
    QCOMPARE(object.value(QLatin1String("ts")).toString().toLatin1(),
             JsonLines::formatTimestamp(record.record.timeUs));
    QVERIFY(object.contains(QLatin1String("dir")));
    QVERIFY(object.contains(QLatin1String("layer")));
    QVERIFY(object.contains(QLatin1String("type")));
    QCOMPARE(object.contains(QLatin1String("id")), record.record.id >= 0);
    if (record.record.id >= 0)
        QCOMPARE(object.value(QLatin1String("id")).toInteger(), record.record.id);
    QCOMPARE(object.contains(QLatin1String("attachments")), !record.record.attachments.isEmpty());
    const int payloadFields = object.contains(QLatin1String("data")) +
                              object.contains(QLatin1String("data_text")) +
                              object.contains(QLatin1String("data_b64"));
    QCOMPARE(payloadFields, record.record.payload.isEmpty() ? 0 : 1);
    QCOMPARE(object.contains(QLatin1String("raw")) + object.contains(QLatin1String("raw_b64")),
             record.record.raw.isEmpty() ? 0 : 1);

    PacketRecord parsed;
    parsed.id = 99; // must be overwritten
    QString error;
    QVERIFY2(JsonLines::parseRecord(line, &parsed, &error), qPrintable(error));
    const QString diff = difference(record.record, parsed);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
    // And writing it again gives the same line.
    QCOMPARE(JsonLines::toLine(parsed), line);
}

void tst_JsonLines::nspIsWrittenForSocketIoOnly()
{
    // The contract: "nsp" belongs to Socket.IO records. A stray nsp elsewhere is not written.
    PacketRecord record = R(Layer::EngineIo, EngineIoPacket::Message).nsp(QStringLiteral("/x")).r;
    QVERIFY(!JsonLines::toLine(record).contains("nsp"));
}

void tst_JsonLines::namesMatchTheCore()
{
    // The format keeps its own name tables; they must say what the core's name functions say.
    const struct
    {
        Layer layer;
        int count;
    } layers[] = {{Layer::SocketIo, 7}, {Layer::EngineIo, 7}, {Layer::Connection, 10}};
    for (const auto &layer : layers) {
        for (int type = 0; type < layer.count; ++type) {
            for (Direction direction : {Direction::In, Direction::Out}) {
                for (TransportKind transport :
                     {TransportKind::None, TransportKind::Polling, TransportKind::WebSocket}) {
                    PacketRecord record = R(layer.layer, type, direction).transport(transport).r;
                    const QJsonObject object =
                        QJsonDocument::fromJson(JsonLines::toLine(record)).object();
                    QCOMPARE(object.value(QLatin1String("dir")).toString(), record.directionName());
                    QCOMPARE(object.value(QLatin1String("layer")).toString(), record.layerName());
                    QCOMPARE(object.value(QLatin1String("type")).toString(), record.typeName());
                    QCOMPARE(object.value(QLatin1String("transport")).toString(),
                             transportName(transport));
                }
            }
        }
    }
}

// ---- what is embedded verbatim as "data"

void tst_JsonLines::embeddable_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<bool>("embeddable");
    const QList<QPair<const char *, QByteArray>> valid = {
        {"array", "[\"a\",1,true,false,null]"},
        {"object", "{\"a\":{\"b\":[]}}"},
        {"empty object with inner space", "{ }"},
        {"string", "\"x\""},
        {"zero", "0"},
        {"negative fraction with exponent", "-0.5E-3"},
        {"escapes", R"(["\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"])"},
        {"two-, three-, four-byte UTF-8", "\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\""},
        {"nesting 1000", nested(1000)},
    };
    for (const auto &row : valid)
        QTest::newRow(row.first) << row.second << true;
    const QList<QPair<const char *, QByteArray>> invalid = {
        {"empty", ""},
        {"leading zero", "01"},
        {"dot without digits", "1."},
        {"lone minus", "-"},
        {"exponent without digits", "1e"},
        {"plus sign", "+1"},
        {"trailing comma in array", "[1,]"},
        {"trailing comma in object", "{\"a\":1,}"},
        {"member without value", "{\"a\"}"},
        {"unquoted key", "{a:1}"},
        {"single quotes", "['a']"},
        {"truncated literal", "tru"},
        {"wrong literal", "nul1"},
        {"invalid escape", R"("\x")"},
        {"short unicode escape", R"("\u12")"},
        {"raw tab in string", "\"a\tb\""},
        {"unterminated string", "\"abc"},
        {"unclosed array", "[1"},
        {"two values", "[] []"},
        {"NaN", "NaN"},
        {"UTF-8 encoded surrogate", "\"\xed\xa0\x80\""},
        {"invalid byte outside strings", "[1]\xff"},
        {"line break", "[1,\n2]"},
        {"leading space", " 1"},
        {"trailing space", "1 "},
        {"nesting 1001", nested(1001)},
    };
    for (const auto &row : invalid)
        QTest::newRow(row.first) << row.second << false;
}

void tst_JsonLines::embeddable()
{
    QFETCH(QByteArray, payload);
    QFETCH(bool, embeddable);
    QCOMPARE(JsonLines::isEmbeddableJson(payload), embeddable);
    const QByteArray line =
        JsonLines::toLine(R(Layer::SocketIo, SocketIoPacket::Event).payload(payload).r);
    if (!payload.isEmpty())
        QCOMPARE(line.contains(",\"data\":" + payload + '}'), embeddable);
}

// ---- reading foreign but valid lines

void tst_JsonLines::lenientReading_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<Rec>("expected");
    const QByteArray ts = "\"2026-11-24T15:20:01.123456Z\"";
    QTest::newRow("fields in another order")
        << QByteArray(R"({"type":"EVENT","nsp":"/a","layer":"sio","dir":"out","ts":)" + ts + "}")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Event, Direction::Out).nsp(QStringLiteral("/a")));
    QTest::newRow("sio without nsp means /")
        << QByteArray(R"({"ts":)" + ts + R"(,"dir":"in","layer":"sio","type":"EVENT"})")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Event));
    QTest::newRow("unknown fields are skipped")
        << QByteArray(R"({"ts":)" + ts +
                      R"(,"future":{"a":[1,"}"]},"dir":"in","layer":"eio","type":"NOOP","v":2})")
        << Rec(R(Layer::EngineIo, EngineIoPacket::Noop));
    QTest::newRow("whitespace between tokens, CRLF ending")
        << QByteArray(" { \"ts\" : " + ts +
                      " , \"dir\" : \"in\" ,\t\"layer\":\"conn\", \"type\" : \"closed\" } \r\n")
        << Rec(R(Layer::Connection, PacketRecord::Closed));
    QTest::newRow("escaped characters where the writer writes them plain")
        << QByteArray(
               R"({"ts":)" + ts +
               R"(,"dir":"\u0069n","layer":"sio","type":"EVENT","nsp":"\/\u00e9\ud83d\ude00","raw":"\u0034\u00e9"})")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Event)
                   .nsp(QString::fromUtf8("/é\xf0\x9f\x98\x80"))
                   .raw("4\xc3\xa9"));
    QTest::newRow("type as a number")
        << QByteArray(R"({"ts":)" + ts + R"(,"dir":"in","layer":"sio","type":5,"attachments":[]})")
        << Rec(R(Layer::SocketIo, SocketIoPacket::BinaryEvent));
    QTest::newRow("rtt_ms in other number forms")
        << QByteArray(R"({"ts":)" + ts +
                      R"(,"dir":"in","layer":"sio","type":"ACK","rtt_ms":1.5e1})")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Ack).rtt(15000));
    QTest::newRow("rtt_ms with sub-microsecond digits is rounded")
        << QByteArray(R"({"ts":)" + ts +
                      R"(,"dir":"in","layer":"sio","type":"ACK","rtt_ms":2.0006})")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Ack).rtt(2001));
    QTest::newRow("rtt_ms with trailing zeros")
        << QByteArray(R"({"ts":)" + ts +
                      R"(,"dir":"in","layer":"sio","type":"ACK","rtt_ms":3.100000})")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Ack).rtt(3100));
    QTest::newRow("data kept byte for byte")
        << QByteArray(
               R"({"ts":)" + ts +
               R"(,"dir":"in","layer":"sio","type":"EVENT","data":[1.0, "\u00e9" ,{"b":1,"a":2}] })")
        << Rec(R(Layer::SocketIo, SocketIoPacket::Event)
                   .payload(R"([1.0, "\u00e9" ,{"b":1,"a":2}])"));
}

void tst_JsonLines::lenientReading()
{
    QFETCH(QByteArray, line);
    QFETCH(Rec, expected);
    PacketRecord parsed;
    QString error;
    QVERIFY2(JsonLines::parseRecord(line, &parsed, &error), qPrintable(error));
    const QString diff = difference(expected.record, parsed);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
}

// ---- parse errors

void tst_JsonLines::parseErrors_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("expected");
    // The rest of a valid record, after the field under test.
    const QByteArray rest =
        R"("ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"sio","type":"EVENT")";
    QTest::newRow("empty line") << QByteArray("") << "empty line";
    QTest::newRow("not JSON") << QByteArray("hello")
                              << "not a JSON object: expected '{' at column 1";
    QTest::newRow("JSON array instead of object")
        << QByteArray("  [1]") << "not a JSON object: expected '{' at column 3";
    QTest::newRow("empty object") << QByteArray("{}") << "missing field \"ts\"";
    QTest::newRow("missing ts") << QByteArray(R"({"dir":"in","layer":"sio","type":"EVENT"})")
                                << "missing field \"ts\"";
    QTest::newRow("missing dir")
        << QByteArray(R"({"ts":"2026-11-24T15:20:01Z","layer":"sio","type":"EVENT"})")
        << "missing field \"dir\"";
    QTest::newRow("missing layer")
        << QByteArray(R"({"ts":"2026-11-24T15:20:01Z","dir":"in","type":"EVENT"})")
        << "missing field \"layer\"";
    QTest::newRow("missing type")
        << QByteArray(R"({"ts":"2026-11-24T15:20:01Z","dir":"in","layer":"sio"})")
        << "missing field \"type\"";
    QTest::newRow("unknown sio type (an eio name)")
        << QByteArray(R"({"ts":"2026-11-24T15:20:01Z","dir":"in","layer":"sio","type":"PING"})")
        << "field \"type\": unknown sio type \"PING\"";
    QTest::newRow("unknown eio type")
        << QByteArray(R"({"ts":"2026-11-24T15:20:01Z","dir":"in","layer":"eio","type":"EVENT"})")
        << "field \"type\": unknown eio type \"EVENT\"";
    QTest::newRow("conn types are case-sensitive")
        << QByteArray(R"({"ts":"2026-11-24T15:20:01Z","dir":"in","layer":"conn","type":"Closed"})")
        << "field \"type\": unknown conn type \"Closed\"";
    QTest::newRow("type number above 255")
        << QByteArray(R"({"type":256})") << "field \"type\": type number above 255 at column 9";
    QTest::newRow("unknown layer")
        << QByteArray(R"({"ts":"2026-11-24T15:20:01Z","dir":"in","layer":"http","type":"EVENT"})")
        << "field \"layer\": unknown layer \"http\"";
    QTest::newRow("bad dir")
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01Z","dir":"inbound","layer":"sio","type":"EVENT"})")
        << "field \"dir\": expected \"in\" or \"out\", not \"inbound\"";
    QTest::newRow("ts not a string")
        << QByteArray(R"({"ts":123})") << "field \"ts\": expected a string at column 7";
    QTest::newRow("ts on a day that does not exist")
        << QByteArray(R"({"ts":"2026-02-29T00:00:00Z","dir":"in","layer":"sio","type":"EVENT"})")
        << "field \"ts\": invalid timestamp \"2026-02-29T00:00:00Z\"";
    QTest::newRow("bad base64 in the second attachment")
        << QByteArray(R"({"attachments":["AAEC","!!!!"],)" + rest + "}")
        << "field \"attachments\": item 1 is not valid base64";
    QTest::newRow("attachments not an array")
        << QByteArray(R"({"attachments":"AAEC",)" + rest + "}")
        << "field \"attachments\": expected an array at column 16";
    QTest::newRow("attachment not a string")
        << QByteArray(R"({"attachments":[1],)" + rest + "}")
        << "field \"attachments\": expected a string at column 17";
    QTest::newRow("bad base64 in raw_b64")
        << QByteArray(R"({"raw_b64":"@@",)" + rest + "}") << "field \"raw_b64\": not valid base64";
    QTest::newRow("negative id") << QByteArray(R"({"id":-1,)" + rest + "}")
                                 << "field \"id\": expected a non-negative integer at column 7";
    QTest::newRow("fractional id") << QByteArray(R"({"id":1.5,)" + rest + "}")
                                   << "field \"id\": expected a non-negative integer at column 7";
    QTest::newRow("id as a string")
        << QByteArray(R"({"id":"1",)" + rest + "}") << "field \"id\": invalid number at column 7";
    QTest::newRow("id beyond qint64") << QByteArray(R"({"id":9223372036854775808,)" + rest + "}")
                                      << "field \"id\": integer out of range at column 7";
    QTest::newRow("unknown transport")
        << QByteArray(R"({"transport":"carrier-pigeon",)" + rest + "}")
        << "field \"transport\": unknown transport \"carrier-pigeon\"";
    QTest::newRow("negative rtt")
        << QByteArray(R"({"rtt_ms":-1.5,)" + rest + "}")
        << "field \"rtt_ms\": expected a non-negative number at column 11";
    QTest::newRow("invalid JSON in data")
        << QByteArray(R"({"data":[1,],)" + rest + "}")
        << "field \"data\": expected a JSON value, found ']' at column 12";
    QTest::newRow("data and data_text together")
        << QByteArray(R"({"data":1,"data_text":"1",)" + rest + "}")
        << "fields \"data\" and \"data_text\" exclude each other";
    QTest::newRow("raw and raw_b64 together")
        << QByteArray(R"({"raw":"2","raw_b64":"Mg==",)" + rest + "}")
        << "fields \"raw\" and \"raw_b64\" exclude each other";
    QTest::newRow("duplicate field")
        << QByteArray(R"({"dir":"in","dir":"out"})") << "duplicate field \"dir\"";
    QTest::newRow("raw control character in a string")
        << QByteArray("{\"error\":\"a\tb\"}")
        << "field \"error\": unescaped control character in string at column 12";
    QTest::newRow("invalid UTF-8 in a string")
        << QByteArray("{\"error\":\"a\xff\"}")
        << "field \"error\": invalid UTF-8 in string at column 12";
    QTest::newRow("lone surrogate escape in raw")
        << QByteArray(R"({"raw":"x\udc00"})")
        << "field \"raw\": unpaired surrogate escape in a byte string at column 10";
    QTest::newRow("invalid escape")
        << QByteArray(R"({"nsp":"\q"})") << "field \"nsp\": invalid escape at column 10";
    QTest::newRow("missing colon") << QByteArray(R"({"ts" "x"})") << "expected ':' at column 7";
    QTest::newRow("missing comma")
        << QByteArray(R"({"dir":"in" "layer":"sio"})") << "expected ',' or '}' at column 13";
    QTest::newRow("field name not a string")
        << QByteArray(R"({dir:"in"})") << "expected a field name at column 2";
    QTest::newRow("text after the object")
        << QByteArray("{" + rest + "} x") << "unexpected text after the object at column 78";
    QTest::newRow("truncated in a field name")
        << QByteArray(R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","la)")
        << "unexpected end of line at column 51 (truncated?)";
    QTest::newRow("truncated in a value")
        << QByteArray(R"({"ts":"2026-11-24T15:20:01.123456Z","dir":"in","layer":"sio","type":"EV)")
        << "field \"type\": unexpected end of line at column 72 (truncated?)";
    QTest::newRow("truncated after a value")
        << QByteArray("{" + rest) << "unexpected end of line at column 76 (truncated?)";
    QTest::newRow("truncated in data")
        << QByteArray(R"({"data":{"a":[1,2)")
        << "field \"data\": unexpected end of line at column 18 (truncated?)";
    QTest::newRow("unknown parser")
        << QByteArray("{" + rest + R"(,"parser":"protobuf"})")
        << "field \"parser\": unknown parser \"protobuf\" (expected \"default\" or \"msgpack\")";
    QTest::newRow("auto is a choice, not a parser")
        << QByteArray("{" + rest + R"(,"parser":"auto"})")
        << "field \"parser\": unknown parser \"auto\" (expected \"default\" or \"msgpack\")";
    QTest::newRow("parser that is not a string")
        << QByteArray("{" + rest + R"(,"parser":1})")
        << "field \"parser\": expected a string at column 86";
    QTest::newRow("msgpack parser on an Engine.IO record")
        << QByteArray(
               R"({"ts":"2026-11-24T15:20:01Z","dir":"in","layer":"eio","type":"PING","parser":"msgpack"})")
        << "field \"parser\": only a Socket.IO record (layer \"sio\") has a parser, not \"eio\"";
    // Found by fuzz_jsonlines: quoting the empty name for the message passed a null pointer to
    // memcpy (undefined behaviour; UBSan stops there).
    QTest::newRow("bad value of an empty field name")
        << QByteArray(R"({"":tru})") << "field \"\": invalid literal (expected 'true') at column 5";
}

void tst_JsonLines::parseErrors()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, expected);
    PacketRecord record;
    QString error;
    QVERIFY(!JsonLines::parseRecord(line, &record, &error));
    QCOMPARE(error, expected);
}

// ---- the streaming reader

void tst_JsonLines::reader_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("records");    // delivered before the end or the error
    QTest::addColumn<QString>("error");  // empty: reads to the end
    QTest::addColumn<int>("lineNumber"); // after the last next()

    const QByteArray a =
        JsonLines::toLine(typical(Layer::EngineIo, EngineIoPacket::Open, Direction::In));
    const QByteArray b =
        JsonLines::toLine(typical(Layer::SocketIo, SocketIoPacket::Event, Direction::Out));
    const QByteArray c =
        JsonLines::toLine(typical(Layer::Connection, PacketRecord::Closed, Direction::In));
    QTest::newRow("empty input") << QByteArray() << 0 << QString() << 0;
    QTest::newRow("three lines") << a + b + c << 3 << QString() << 3;
    QTest::newRow("last line without newline") << a + b + c.chopped(1) << 3 << QString() << 3;
    QTest::newRow("CRLF endings") << a.chopped(1) + "\r\n" + b.chopped(1) + "\r\n"
                                  << 2 << QString() << 2;
    QTest::newRow("blank lines are skipped") << "\n" + a + "\n\r\n" + b << 2 << QString() << 5;
    QTest::newRow("UTF-8 BOM") << "\xEF\xBB\xBF" + a + b << 2 << QString() << 2;
    QTest::newRow("bad second line")
        << a +
               "{\"ts\":\"2026-11-24T15:20:01Z\",\"dir\":\"in\",\"layer\":\"sio\",\"type\":"
               "\"NOPE\"}\n" +
               c
        << 1 << "line 2: field \"type\": unknown sio type \"NOPE\"" << 2;
    QTest::newRow("garbage third line after a blank line")
        << a + "\n" + "<html>\n" + b << 1 << "line 3: not a JSON object: expected '{' at column 1"
        << 3;
    QTest::newRow("truncated last line")
        << a + b + c.left(40) << 2
        << "line 3: unexpected end of line at column 41 (truncated?); "
           "the last line has no end of line: is the file truncated?"
        << 3;
    QTest::newRow("a BOM after the first line is an error")
        << a + "\xEF\xBB\xBF" + b << 1 << "line 2: not a JSON object: expected '{' at column 1"
        << 2;
}

void tst_JsonLines::reader()
{
    QFETCH(QByteArray, input);
    QFETCH(int, records);
    QFETCH(QString, error);
    QFETCH(int, lineNumber);

    // Every row's good lines are a prefix of these three records, in this order.
    const QList<PacketRecord> expected = {
        typical(Layer::EngineIo, EngineIoPacket::Open, Direction::In),
        typical(Layer::SocketIo, SocketIoPacket::Event, Direction::Out),
        typical(Layer::Connection, PacketRecord::Closed, Direction::In),
    };

    QBuffer buffer(&input);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    JsonLinesReader reader(&buffer);
    PacketRecord record;
    int delivered = 0;
    while (reader.next(&record)) {
        QVERIFY(delivered < expected.size());
        const QString diff = difference(expected[delivered], record);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        ++delivered;
    }
    QCOMPARE(delivered, records);
    QCOMPARE(reader.hasError(), !error.isEmpty());
    QCOMPARE(reader.errorString(), error);
    QCOMPARE(reader.lineNumber(), qint64(lineNumber));
    QVERIFY(!reader.next(&record)); // stays stopped
    QCOMPARE(reader.errorString(), error);
}

void tst_JsonLines::readerOnAClosedDevice()
{
    QBuffer buffer;
    JsonLinesReader reader(&buffer);
    PacketRecord record;
    QVERIFY(!reader.next(&record));
    QVERIFY(reader.hasError());
}

void tst_JsonLines::readerKeepsALongFile()
{
    QByteArray input;
    QList<PacketRecord> written;
    for (int i = 0; i < 2000; ++i) {
        PacketRecord record =
            typical(Layer::SocketIo, i % 7, i % 2 ? Direction::Out : Direction::In);
        record.timeUs += i;
        record.id = i % 7 == SocketIoPacket::Event ? i : -1;
        written.append(record);
        JsonLines::appendRecord(input, record);
    }
    QBuffer buffer(&input);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    JsonLinesReader reader(&buffer);
    PacketRecord record;
    int i = 0;
    while (reader.next(&record)) {
        const QString diff = difference(written.value(i), record);
        QVERIFY2(diff.isEmpty(), qPrintable(QStringLiteral("record %1: %2").arg(i).arg(diff)));
        ++i;
    }
    QVERIFY2(!reader.hasError(), qPrintable(reader.errorString()));
    QCOMPARE(i, written.size());
}

QTEST_APPLESS_MAIN(tst_JsonLines)
#include "tst_jsonlines.moc"
