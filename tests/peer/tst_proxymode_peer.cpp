// `sioscope-cli proxy` (app/cli/proxycommand.cpp on core/proxy) between REAL peers from npm:
// socket.io-client 4.8 / 2.5 (tests/peers/proxy-client.js) and socket.io 4.8 / 2.5
// (tests/peers/server.js), with a WireTap (tests/common/wiretap.h) on each side of the proxy:
//
//     client -> tap A -> sioscope-cli proxy -> tap B -> server
//
// Transparency: what the client sent and what the server answered cross the proxy byte for byte
// (bodies, status lines, end-to-end header fields, the WebSocket bytes after a 101), the request
// heads differing only where the proxy says it changes them (Host, Via, hop-by-hop fields,
// Sec-WebSocket-Extensions); the client's results are those of a direct run, and the server
// answered the same. The proxy's log holds the session decoded (CONNECT, events both ways, acks
// paired, the upgrade). Also: 100 concurrent clients, the server killed mid-session, hostile
// bytes from either side (forwarded and recorded, or with --strict the connections closed), and
// the msgpack parser found by --parser auto. docs/testing.md, "Proxy mode".
#include "clientdriver.h"
#include "cliserve.h"
#include "engineio/engineiocodec.h"
#include "engineio/websocketframeparser.h"
#include "referenceserver.h"
#include "wiretap.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

namespace {

constexpr int Timeout = 20000;
constexpr int PeerTimeoutMs = 30000;

// --- the client ---------------------------------------------------------------------------------

// One run of tests/peers/proxy-client.js: its step lines by name, its done line.
struct ClientRun
{
    QMap<QString, QJsonObject> steps;
    QJsonObject done;
    QString output;

    bool finished() const { return done.value(QStringLiteral("done")).toBool(); }
    QStringList failures() const
    {
        QStringList failed;
        for (const QJsonObject &step : steps)
            if (!step.value(QStringLiteral("ok")).toBool())
                failed.append(
                    QString::fromUtf8(QJsonDocument(step).toJson(QJsonDocument::Compact)));
        return failed;
    }
};

ClientRun parseClientOutput(const QByteArray &output, const QByteArray &errors)
{
    ClientRun run;
    run.output = QString::fromUtf8(output + errors);
    for (const QByteArray &line : output.split('\n')) {
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        if (object.contains(QStringLiteral("done")))
            run.done = object;
        else if (object.contains(QStringLiteral("step")))
            run.steps.insert(object.value(QStringLiteral("step")).toString(), object);
    }
    return run;
}

ClientRun runClient(const QJsonObject &config)
{
    QByteArray errors;
    const QByteArray output =
        runPeerScript(QStringLiteral("proxy-client.js"), config, PeerTimeoutMs, &errors);
    return parseClientOutput(output, errors);
}

// Socket.IO's ids (base64id: 20 characters of [A-Za-z0-9_-]) differ from run to run: the
// Engine.IO sid, and each socket's id (welcome's "sid", v5's CONNECT answer).
QString withoutIds(QString text)
{
    static const QRegularExpression id(
        QStringLiteral("(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{20}(?![A-Za-z0-9_-])"));
    return text.replace(id, QStringLiteral("<id>"));
}

QString compact(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// --- the proxy ----------------------------------------------------------------------------------

struct ProxyLog
{
    QList<QJsonObject> records;
    QByteArray text;

    // Socket.IO records: dir "out" (the app's) or "in", a type, and the event name (data[0]) or
    // for an ACK, nothing.
    QList<QJsonObject> sio(const QString &dir, const QStringList &types, const QString &nsp = {},
                           const QString &event = {}) const
    {
        QList<QJsonObject> found;
        for (const QJsonObject &r : records) {
            if (r.value(QStringLiteral("layer")).toString() != QLatin1String("sio") ||
                r.value(QStringLiteral("dir")).toString() != dir ||
                !types.contains(r.value(QStringLiteral("type")).toString()))
                continue;
            if (!nsp.isEmpty() &&
                r.value(QStringLiteral("nsp")).toString(QStringLiteral("/")) != nsp)
                continue;
            if (!event.isEmpty() &&
                r.value(QStringLiteral("data")).toArray().at(0).toString() != event)
                continue;
            found.append(r);
        }
        return found;
    }
    QList<QJsonObject> layer(const QString &layer, const QString &type) const
    {
        QList<QJsonObject> found;
        for (const QJsonObject &r : records)
            if (r.value(QStringLiteral("layer")).toString() == layer &&
                r.value(QStringLiteral("type")).toString() == type)
                found.append(r);
        return found;
    }
    QSet<QString> sessions(const QString &layerName) const
    {
        QSet<QString> sids;
        for (const QJsonObject &r : records)
            if (r.value(QStringLiteral("layer")).toString() == layerName)
                sids.insert(r.value(QStringLiteral("session")).toString());
        return sids;
    }
    // Errors: conn "error" notes and records of any layer with an `error`.
    QList<QJsonObject> errors() const
    {
        QList<QJsonObject> found;
        for (const QJsonObject &r : records)
            if (r.contains(QStringLiteral("error")))
                found.append(r);
        return found;
    }
    QString describe() const { return QString::fromUtf8(text.left(60000)); }
};

// `sioscope-cli proxy --listen 127.0.0.1:0 --target <target> -q -o <log>`.
struct LoggedProxy
{
    CliServe cli;
    QString logPath;

    bool start(const QTemporaryDir &dir, const QUrl &target, const QStringList &extra,
               QString *error)
    {
        static int runs = 0;
        logPath = dir.filePath(QStringLiteral("proxy-%1.jsonl").arg(++runs));
        return cli.start(QStringLiteral("proxy"),
                         QStringList{QStringLiteral("--target"), target.toString(),
                                     QStringLiteral("-q"), QStringLiteral("-o"), logPath} +
                             extra,
                         error);
    }
    // SIGTERM (the log is written), then the log.
    bool stop(ProxyLog *log, QString *error)
    {
        if (!cli.stop(error))
            return false;
        QFile file(logPath);
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("%1: %2").arg(logPath, file.errorString());
            return false;
        }
        log->text = file.readAll();
        for (const QByteArray &line : log->text.split('\n')) {
            if (line.trimmed().isEmpty())
                continue;
            QJsonParseError parseError{};
            const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
            if (!document.isObject()) {
                *error = QStringLiteral("a log line that is no JSON object (%1): %2")
                             .arg(parseError.errorString(), QString::fromUtf8(line.left(300)));
                return false;
            }
            log->records.append(document.object());
        }
        return true;
    }
};

#define START_PROXY(proxy, dir, target, extra)                                                     \
    do {                                                                                           \
        QString proxyError_;                                                                       \
        QVERIFY2((proxy).start((dir), (target), (extra), &proxyError_), qPrintable(proxyError_));  \
    } while (false)

#define STOP_PROXY(proxy, log)                                                                     \
    do {                                                                                           \
        QString proxyError_;                                                                       \
        QVERIFY2((proxy).stop(&(log), &proxyError_), qPrintable(proxyError_));                     \
    } while (false)

// --- what crossed the taps ----------------------------------------------------------------------

// The fields of a head that must cross the proxy unchanged, in order: a request's without Host,
// Via, the hop-by-hop fields the proxy drops (RFC 9110 7.6.1 and the ones Connection names;
// Upgrade stays on an upgrade) and Sec-WebSocket-Extensions; a response's without Date, Via and
// the hop-by-hop fields.
QList<QPair<QByteArray, QByteArray>> endToEnd(const HttpMessage &message, bool request)
{
    QSet<QByteArray> skip{"via", "keep-alive", "proxy-connection", "proxy-authorization", "te"};
    if (request) {
        skip += {"host", "sec-websocket-extensions"};
    } else {
        // Responses go on byte for byte; Date and the hop-by-hop fields may differ all the same.
        skip += {"date", "connection", "transfer-encoding", "upgrade", "trailer"};
    }
    const bool upgrade = !message.field("upgrade").isEmpty();
    for (const QByteArray &named : message.field("connection").split(',')) {
        const QByteArray name = named.trimmed().toLower();
        if (!name.isEmpty() && name != "connection" && !(request && upgrade && name == "upgrade"))
            skip.insert(name);
    }
    QList<QPair<QByteArray, QByteArray>> kept;
    for (const auto &field : message.fields)
        if (!skip.contains(field.first.toLower()))
            kept.append(field);
    return kept;
}

QString fieldsText(const QList<QPair<QByteArray, QByteArray>> &fields)
{
    QString text;
    for (const auto &[name, value] : fields)
        text += QString::fromLatin1(name + ": " + value + "\n");
    return text;
}

QString printable(const QByteArray &bytes, qsizetype limit = 400)
{
    QString out;
    for (const char c : bytes.left(limit)) {
        const uchar u = uchar(c);
        out += u >= 0x20 && u < 0x7f ? QString(QLatin1Char(c))
                                     : QStringLiteral("\\x%1").arg(u, 2, 16, QLatin1Char('0'));
    }
    return bytes.size() > limit ? out + QStringLiteral("...") : out;
}

// The Engine.IO packets the server sent on a tap (polling GET answers and WebSocket messages),
// as "<type digit><data>" (binary: "bin:<hex>"), without heartbeats and NOOPs and with the ids
// replaced, sorted: the shape of the server's answers, whatever the batching.
QStringList serverPackets(const WireTap &tap, EngineIoVersion version, QString *error)
{
    QStringList packets;
    const auto add = [&packets](const EngineIoPacket &packet) {
        if (packet.type == EngineIoPacket::Ping || packet.type == EngineIoPacket::Pong ||
            packet.type == EngineIoPacket::Noop)
            return;
        packets.append(withoutIds(
            packet.binary ? QStringLiteral("bin:") + QString::fromLatin1(packet.data.toHex())
                          : QString::number(int(packet.type)) + QString::fromUtf8(packet.data)));
    };
    for (const WireTap::Connection &connection : tap.connections()) {
        const HttpConversation http = parseHttp(connection);
        for (qsizetype i = 0; i < http.responses.size() && i < http.requests.size(); ++i) {
            const HttpMessage &response = http.responses.at(i);
            if (!http.requests.at(i).startLine.startsWith("GET ") || response.status() != 200 ||
                !response.complete)
                continue;
            QList<EngineIoPacket> decoded;
            QString why;
            if (response.field("content-type").startsWith("application/octet-stream")) {
                if (!EngineIoCodec::decodeV3BinaryPayload(response.decodedBody, 1 << 26, &decoded,
                                                          &why))
                    *error = why;
            } else {
                PollingPayloadDecoder decoder(version, 1 << 26);
                if (!decoder.feed(response.decodedBody) || !decoder.finish())
                    *error = decoder.errorString();
                decoded = decoder.takePackets();
            }
            for (const EngineIoPacket &packet : std::as_const(decoded))
                add(packet);
        }
        if (!http.upgraded)
            continue;
        WebSocketFrameParser frames(1 << 26, WebSocketFrameParser::Role::ClientEnd);
        frames.addData(http.serverTunnel);
        for (bool more = true; more;) {
            EngineIoPacket packet;
            QString why;
            switch (frames.next()) {
            case WebSocketFrameParser::Result::TextMessage:
                if (EngineIoCodec::decodeText(frames.takePayload(), version, &packet, &why))
                    add(packet);
                else
                    *error = why;
                break;
            case WebSocketFrameParser::Result::BinaryMessage:
                if (EngineIoCodec::decodeBinaryFrame(frames.takePayload(), version, &packet, &why))
                    add(packet);
                else
                    *error = why;
                break;
            case WebSocketFrameParser::Result::Error:
                *error = frames.errorString();
                more = false;
                break;
            case WebSocketFrameParser::Result::NeedMoreData:
                more = false;
                break;
            default:
                frames.takePayload();
                break;
            }
        }
    }
    packets.sort();
    return packets;
}

// Every ACK with a round trip answers an EVENT of the other direction with its nsp and id.
QString unpairedAcks(const ProxyLog &log)
{
    QString problems;
    for (qsizetype i = 0; i < log.records.size(); ++i) {
        const QJsonObject &ack = log.records.at(i);
        const QString type = ack.value(QStringLiteral("type")).toString();
        if (ack.value(QStringLiteral("layer")).toString() != QLatin1String("sio") ||
            (type != QLatin1String("ACK") && type != QLatin1String("BINARY_ACK")))
            continue;
        bool paired = false;
        for (qsizetype j = 0; j < i && !paired; ++j) {
            const QJsonObject &event = log.records.at(j);
            const QString eventType = event.value(QStringLiteral("type")).toString();
            paired = (eventType == QLatin1String("EVENT") ||
                      eventType == QLatin1String("BINARY_EVENT")) &&
                     event.value(QStringLiteral("dir")) != ack.value(QStringLiteral("dir")) &&
                     event.value(QStringLiteral("nsp")) == ack.value(QStringLiteral("nsp")) &&
                     event.value(QStringLiteral("id")) == ack.value(QStringLiteral("id")) &&
                     event.value(QStringLiteral("session")) == ack.value(QStringLiteral("session"));
        }
        if (!paired || !ack.contains(QStringLiteral("rtt_ms")))
            problems += QStringLiteral("unpaired: %1\n").arg(compact(ack));
    }
    return problems;
}

// proxy-client.js's "hold" scenario: connected, an event and an ack exchanged ("ready"), then
// waiting for the connection's end, which the test causes.
class HoldingClient
{
public:
    ~HoldingClient()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    void start(const QUrl &url, const QStringList &transports)
    {
        const QJsonObject config{
            {QStringLiteral("url"), url.toString()},
            {QStringLiteral("scenario"), QStringLiteral("hold")},
            {QStringLiteral("transports"), QJsonArray::fromStringList(transports)}};
        m_process.setWorkingDirectory(ReferenceServer::peersDir());
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput, &m_process,
                         [this] { m_output += m_process.readAllStandardOutput(); });
        QObject::connect(&m_process, &QProcess::readyReadStandardError, &m_process,
                         [this] { m_errors += m_process.readAllStandardError(); });
        m_process.start(QStringLiteral("node"),
                        {QStringLiteral("proxy-client.js"),
                         QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Compact))});
    }
    bool isReady() const { return m_output.contains("\"step\":\"ready\""); }
    bool hasEnded() const { return m_process.state() == QProcess::NotRunning; }
    QString output() const { return QString::fromUtf8(m_output + m_errors); }
    ClientRun run()
    {
        m_output += m_process.readAllStandardOutput();
        m_errors += m_process.readAllStandardError();
        return parseClientOutput(m_output, m_errors);
    }

private:
    QProcess m_process;
    QByteArray m_output;
    QByteArray m_errors;
};

// --- hostile peers ------------------------------------------------------------------------------

// A scripted server (hostile.js): started like ReferenceServer, with its JSON config.
class HostileServer
{
public:
    ~HostileServer() { kill(); }
    bool start(const QByteArray &config, QString *error)
    {
        m_process.setWorkingDirectory(ReferenceServer::peersDir());
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start(QStringLiteral("node"),
                        {QStringLiteral("hostile.js"), QString::fromUtf8(config)});
        QByteArray out;
        for (QDeadlineTimer deadline(15000); !deadline.hasExpired();) {
            m_process.waitForReadyRead(100);
            out += m_process.readAllStandardOutput();
            const QRegularExpressionMatch match =
                QRegularExpression(QStringLiteral("^listening (\\d+)\\r?\\n"))
                    .match(QString::fromUtf8(out));
            if (match.hasMatch()) {
                m_port = quint16(match.captured(1).toUInt());
                return true;
            }
            if (m_process.state() == QProcess::NotRunning)
                break;
        }
        *error = QStringLiteral("hostile.js did not start: %1")
                     .arg(QString::fromUtf8(out + m_process.readAllStandardError()));
        return false;
    }
    void kill()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    quint16 port() const { return m_port; }
    QByteArray output() { return m_process.readAllStandardError(); }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

// hostile-client.js's lines.
struct HostileRun
{
    QList<QJsonObject> lines;
    QString output;

    QJsonObject lastRead() const
    {
        QJsonObject last;
        for (const QJsonObject &line : lines)
            if (line.value(QStringLiteral("step")).toString() == QLatin1String("read"))
                last = line;
        return last;
    }
};

HostileRun runHostileClient(quint16 port, const QByteArray &steps)
{
    QJsonParseError parseError{};
    const QJsonArray array = QJsonDocument::fromJson('[' + steps + ']', &parseError).array();
    if (parseError.error != QJsonParseError::NoError)
        qWarning("bad steps in the test row: %s", qPrintable(parseError.errorString()));
    QByteArray errors;
    const QByteArray output =
        runPeerScript(QStringLiteral("hostile-client.js"),
                      QJsonObject{{QStringLiteral("port"), port}, {QStringLiteral("steps"), array}},
                      PeerTimeoutMs, &errors);
    HostileRun run;
    run.output = QString::fromUtf8(output + errors);
    for (const QByteArray &line : output.split('\n')) {
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        if (!object.isEmpty())
            run.lines.append(object);
    }
    return run;
}

// moc reads raw strings as plain ones: the rows of hostile bytes are kept from it.
#ifndef Q_MOC_RUN
const QByteArray WebSocketUpgrade =
    R"({"open":"c"},{"send":"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"})";
const QByteArray PollingHandshake =
    R"({"open":"c"},{"send":"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\n\r\n"},{"read":true,"until":"response"},{"capture":"sid"},)"
    R"({"send":"POST /socket.io/?EIO=4&transport=polling&sid={{sid}} HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 2\r\n\r\n40"},{"read":true,"until":"response"})";
// hostile.js's WebSocket: an OPEN and a CONNECT answer, the violation, then (when the proxy
// still forwards) one more event and a close 1000.
QByteArray hostileWebSocket(const QByteArray &violation)
{
    return R"({"ws":[[{"text":"0{\"sid\":\"hostile0000000000sid0\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"},{"text":"40{\"sid\":\"hostile00000000socket\"}"},{"wait":150},)" +
           violation + R"(,{"wait":300},{"text":"42[\"after\"]"},{"close":1000}]]})";
}

// One kind of hostile bytes: who sends them, and what the proxy must see in them.
struct HostileCase
{
    const char *name;
    QByteArray target; // hostile.js's config; empty: server.js 4.8
    QByteArray steps;  // hostile-client.js's steps
    QByteArray needle; // bytes that must cross the proxy (without --strict)
    QString by;        // "app" or "target"
    QString layer;     // the log's layer of the violation
    QString error;     // in the log's error message
};

QList<HostileCase> hostileCases()
{
    const QByteArray readToClose = R"({"read":true,"until":"wsClose","timeoutMs":3000})";
    return {
        {"target WebSocket: a text frame that is not UTF-8",
         hostileWebSocket(R"({"textB64":"NDJbIv/+Il0="})"), WebSocketUpgrade + ',' + readToClose,
         QByteArray("42[\"\xff\xfe\"]"), QStringLiteral("target"), QStringLiteral("ws"),
         QStringLiteral("UTF-8")},
        {"target WebSocket: a Socket.IO packet cut short",
         hostileWebSocket(R"({"text":"42[\"unterminated"})"), WebSocketUpgrade + ',' + readToClose,
         QByteArray("42[\"unterminated"), QStringLiteral("target"), QStringLiteral("sio"),
         QString()},
        {"target polling: a handshake answer that opens no session",
         R"({"http":{"get":[{"status":200,"body":"0{\"nosid\":true}"}]}})",
         R"({"open":"c"},{"send":"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\n\r\n"},{"read":true,"until":"response","timeoutMs":3000})",
         QByteArray("0{\"nosid\":true}"), QStringLiteral("target"), QStringLiteral("eio"),
         QStringLiteral("opens no session")},
        {"app WebSocket: an unmasked frame", QByteArray(),
         WebSocketUpgrade +
             R"(,{"wait":200},{"ws":{"text":"40"}},{"wait":200},{"ws":{"text":"42[\"unmasked\"]","mask":false}},)" +
             readToClose,
         QByteArray("\x81\x0e"
                    "42[\"unmasked\"]"),
         QStringLiteral("app"), QStringLiteral("ws"), QStringLiteral("mask")},
        {"app polling: a Socket.IO packet cut short", QByteArray(),
         PollingHandshake +
             R"(,{"send":"POST /socket.io/?EIO=4&transport=polling&sid={{sid}} HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 14\r\n\r\n42[\"unterminat"},{"read":true,"until":"response","timeoutMs":3000})",
         QByteArray("\r\n\r\n42[\"unterminat"), QStringLiteral("app"), QStringLiteral("sio"),
         QString()},
        {"app polling: a chunked body that is not chunked", QByteArray(),
         PollingHandshake +
             R"(,{"send":"POST /socket.io/?EIO=4&transport=polling&sid={{sid}} HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain;charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n42[\"x\"]\r\n0\r\n\r\n"},{"read":true,"until":"response","timeoutMs":3000})",
         QByteArray("zz\r\n42[\"x\"]"), QStringLiteral("app"), QStringLiteral("http"),
         QStringLiteral("malformed")},
    };
}
#endif // Q_MOC_RUN

} // namespace

class tst_ProxyModePeer : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    static ReferenceServer::Options serverOptions(const QString &flavor)
    {
        ReferenceServer::Options options;
        options.flavor = flavor == QLatin1String("2") ? ReferenceServer::Flavor::SocketIo2
                                                      : ReferenceServer::Flavor::SocketIo4;
        return options;
    }

    // The client's scenario against `url`; every step must succeed.
    static QJsonObject clientConfig(const QUrl &url, const QString &flavor,
                                    const QStringList &transports)
    {
        return {{QStringLiteral("url"), url.toString()},
                {QStringLiteral("flavor"), flavor},
                {QStringLiteral("transports"), QJsonArray::fromStringList(transports)}};
    }

    // The taps of a proxied run against each other, connection by connection.
    static void compareTaps(const WireTap &tapA, const WireTap &tapB)
    {
        QCOMPARE(tapB.connectionCount(), tapA.connectionCount());
        const QByteArray targetHost = "127.0.0.1:" + QByteArray::number(tapB.port());
        for (const WireTap::Connection &a : tapA.connections()) {
            const QByteArray line = a.firstLine();
            const WireTap::Connection *b = tapB.findByFirstLine(line);
            QVERIFY2(b, qPrintable(QStringLiteral("no single connection behind the proxy starts "
                                                  "with \"%1\"")
                                       .arg(QString::fromLatin1(line))));
            QVERIFY2(tapA.findByFirstLine(line),
                     qPrintable(QStringLiteral("two app connections start with \"%1\"")
                                    .arg(QString::fromLatin1(line))));
            const HttpConversation app = parseHttp(a);
            const HttpConversation target = parseHttp(*b);
            const QString where =
                QStringLiteral("connection \"%1\"").arg(QString::fromLatin1(line));
            QVERIFY2(app.error.isEmpty(),
                     qPrintable(where + QStringLiteral(": ") + app.error + QStringLiteral("\n") +
                                printable(a.clientToServer, 4000) + QStringLiteral("\n") +
                                printable(a.serverToClient, 4000)));
            QVERIFY2(target.error.isEmpty(),
                     qPrintable(where + QStringLiteral(": ") + target.error));
            QVERIFY(!app.requests.isEmpty());

            // Requests: the same line, the same end-to-end fields, the same body bytes.
            QCOMPARE(target.requests.size(), app.requests.size());
            for (qsizetype i = 0; i < app.requests.size(); ++i) {
                const HttpMessage &from = app.requests.at(i);
                const HttpMessage &to = target.requests.at(i);
                const QString what = QStringLiteral("%1, request %2 (%3)")
                                         .arg(where)
                                         .arg(i)
                                         .arg(QString::fromLatin1(from.startLine));
                QVERIFY2(to.startLine == from.startLine, qPrintable(what));
                QVERIFY2(endToEnd(to, true) == endToEnd(from, true),
                         qPrintable(what + QStringLiteral(":\napp sent\n%1\ntarget got\n%2")
                                               .arg(fieldsText(endToEnd(from, true)),
                                                    fieldsText(endToEnd(to, true)))));
                QVERIFY2(to.body == from.body,
                         qPrintable(what + QStringLiteral(": body \"%1\" became \"%2\"")
                                               .arg(printable(from.body), printable(to.body))));
                QVERIFY2(to.complete == from.complete, qPrintable(what));
                QVERIFY2(to.field("host") == targetHost,
                         qPrintable(what + QStringLiteral(": Host ") +
                                    QString::fromLatin1(to.field("host"))));
                QVERIFY2(to.field("via") == "1.1 sioscope",
                         qPrintable(what + QStringLiteral(": Via ") +
                                    QString::fromLatin1(to.field("via"))));
                QVERIFY2(to.field("sec-websocket-extensions").isNull(),
                         qPrintable(what + QStringLiteral(": Sec-WebSocket-Extensions went on")));
            }

            // Responses: the same status lines, end-to-end fields and body bytes.
            QCOMPARE(app.responses.size(), target.responses.size());
            for (qsizetype i = 0; i < target.responses.size(); ++i) {
                const HttpMessage &from = target.responses.at(i);
                const HttpMessage &to = app.responses.at(i);
                const QString what = QStringLiteral("%1, response %2 (%3)")
                                         .arg(where)
                                         .arg(i)
                                         .arg(QString::fromLatin1(from.startLine));
                QVERIFY2(to.startLine == from.startLine,
                         qPrintable(what + QStringLiteral(" became ") +
                                    QString::fromLatin1(to.startLine)));
                QVERIFY2(endToEnd(to, false) == endToEnd(from, false),
                         qPrintable(what + QStringLiteral(":\nserver sent\n%1\napp got\n%2")
                                               .arg(fieldsText(endToEnd(from, false)),
                                                    fieldsText(endToEnd(to, false)))));
                QVERIFY2(to.body == from.body,
                         qPrintable(what + QStringLiteral(": body \"%1\" became \"%2\"")
                                               .arg(printable(from.body), printable(to.body))));
            }

            // After a 101: the WebSocket bytes, both ways, byte for byte.
            QCOMPARE(app.upgraded, target.upgraded);
            if (app.upgraded) {
                QVERIFY2(target.clientTunnel == app.clientTunnel,
                         qPrintable(QStringLiteral("%1: the app's %2 WebSocket bytes became %3: "
                                                   "%4\n---\n%5")
                                        .arg(where)
                                        .arg(app.clientTunnel.size())
                                        .arg(target.clientTunnel.size())
                                        .arg(printable(app.clientTunnel),
                                             printable(target.clientTunnel))));
                QVERIFY2(app.serverTunnel == target.serverTunnel,
                         qPrintable(QStringLiteral("%1: the server's %2 WebSocket bytes became "
                                                   "%3: %4\n---\n%5")
                                        .arg(where)
                                        .arg(target.serverTunnel.size())
                                        .arg(app.serverTunnel.size())
                                        .arg(printable(target.serverTunnel),
                                             printable(app.serverTunnel))));
                QVERIFY(!app.clientTunnel.isEmpty());
                QVERIFY(!app.serverTunnel.isEmpty());
            }
        }
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // {socket.io 4.8, 2.5} x {polling, websocket, polling upgraded}: the scenario direct and
    // through the proxy, with the taps on each side of it.
    void transparent_data()
    {
        QTest::addColumn<QString>("flavor");
        QTest::addColumn<QStringList>("transports");
        const QStringList polling{QStringLiteral("polling")};
        const QStringList websocket{QStringLiteral("websocket")};
        const QStringList upgrade{QStringLiteral("polling"), QStringLiteral("websocket")};
        for (const QString &flavor : {QStringLiteral("4"), QStringLiteral("2")}) {
            const QString name =
                flavor == QLatin1String("4") ? QStringLiteral("4.8") : QStringLiteral("2.5");
            QTest::addRow("socket.io %s client and server, polling", qPrintable(name))
                << flavor << polling;
            QTest::addRow("socket.io %s client and server, websocket", qPrintable(name))
                << flavor << websocket;
            QTest::addRow("socket.io %s client and server, polling upgraded to websocket",
                          qPrintable(name))
                << flavor << upgrade;
        }
    }

    void transparent()
    {
        QFETCH(QString, flavor);
        QFETCH(QStringList, transports);
        const EngineIoVersion version =
            flavor == QLatin1String("2") ? EngineIoVersion::V3 : EngineIoVersion::V4;
        // Each run has a server of its own: socket.io counts ack ids per namespace, not per
        // client, so a second client of the same server would be asked with other ids.
        ReferenceServer directServer;
        START_SERVER(directServer, serverOptions(flavor));
        ReferenceServer server;
        START_SERVER(server, serverOptions(flavor));

        // Direct, with a tap to see what the server answered.
        WireTap direct;
        QVERIFY(direct.listen(quint16(directServer.port())));
        const ClientRun alone = runClient(clientConfig(direct.url(), flavor, transports));
        QVERIFY2(alone.finished() && alone.failures().isEmpty(),
                 qPrintable(alone.failures().join(QLatin1Char('\n')) + QLatin1Char('\n') +
                            alone.output));
        QTRY_VERIFY_WITH_TIMEOUT(direct.allClosed(), Timeout);

        // Through the proxy: client -> tap A -> proxy -> tap B -> server.
        WireTap tapB;
        QVERIFY(tapB.listen(quint16(server.port())));
        LoggedProxy proxy;
        START_PROXY(proxy, m_dir, tapB.url(), QStringList());
        WireTap tapA;
        QVERIFY(tapA.listen(proxy.cli.port()));
        const ClientRun proxied = runClient(clientConfig(tapA.url(), flavor, transports));
        QVERIFY2(proxied.finished() && proxied.failures().isEmpty(),
                 qPrintable(proxied.failures().join(QLatin1Char('\n')) + QLatin1Char('\n') +
                            proxied.output + QString::fromUtf8(proxy.cli.readStderr())));
        QTRY_VERIFY_WITH_TIMEOUT(tapA.allClosed() && tapB.allClosed(), Timeout);
        ProxyLog log;
        STOP_PROXY(proxy, log);

        // 1. The client saw what it sees without the proxy.
        QCOMPARE(proxied.steps.keys(), alone.steps.keys());
        for (auto it = alone.steps.cbegin(); it != alone.steps.cend(); ++it)
            QCOMPARE(withoutIds(compact(proxied.steps.value(it.key()))), withoutIds(compact(*it)));
        QCOMPARE(proxied.done, alone.done);

        // 2. Byte for byte across the proxy.
        QVERIFY(tapA.connectionCount() > 0);
        compareTaps(tapA, tapB);
        if (QTest::currentTestFailed())
            return;

        // The WebSocket, when there was one: the client offered compression, which the target
        // never heard of (checked above), and its bytes were compared.
        int upgraded = 0;
        for (const WireTap::Connection &connection : tapA.connections()) {
            const HttpConversation http = parseHttp(connection);
            if (!http.upgraded)
                continue;
            ++upgraded;
            QVERIFY(!http.requests.last().field("sec-websocket-extensions").isEmpty());
        }
        QCOMPARE(upgraded, transports.contains(QStringLiteral("websocket")) ? 1 : 0);

        // 3. The server answered the same as without the proxy (the ids aside).
        QString error;
        const QStringList directPackets = serverPackets(direct, version, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QStringList proxiedPackets = serverPackets(tapB, version, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(directPackets.size() > 10);
        QCOMPARE(proxiedPackets, directPackets);

        // 4. The log: one session, decoded both ways, acks paired, the upgrade.
        const QString context = log.describe();
        QVERIFY2(log.errors().isEmpty(), qPrintable(compact(log.errors().value(0)) + context));
        QCOMPARE(log.sessions(QStringLiteral("sio")).size(), 1);
        QVERIFY2(!log.sessions(QStringLiteral("sio")).contains(QString()), qPrintable(context));
        const QStringList events{QStringLiteral("EVENT"), QStringLiteral("BINARY_EVENT")};
        const QStringList acks{QStringLiteral("ACK"), QStringLiteral("BINARY_ACK")};
        const QString out = QStringLiteral("out");
        const QString in = QStringLiteral("in");
        for (const QString &nsp : {QStringLiteral("/"), QStringLiteral("/chat")}) {
            const QString where = nsp + QLatin1Char('\n') + context;
            // Socket.IO v4 (socket.io 2.5) joins "/" without a CONNECT from the client.
            const bool implicit = version == EngineIoVersion::V3 && nsp == QLatin1String("/");
            QCOMPARE(log.sio(out, {QStringLiteral("CONNECT")}, nsp).size(), implicit ? 0 : 1);
            QCOMPARE(log.sio(in, {QStringLiteral("CONNECT")}, nsp).size(), 1);
            QVERIFY2(log.sio(in, events, nsp, QStringLiteral("welcome")).size() == 1,
                     qPrintable(where));
            QVERIFY2(log.sio(out, {QStringLiteral("EVENT")}, nsp, QStringLiteral("echo")).size() ==
                         1,
                     qPrintable(where));
            QVERIFY2(log.sio(out, {QStringLiteral("BINARY_EVENT")}, nsp, QStringLiteral("echo"))
                             .size() == 1,
                     qPrintable(where));
            QVERIFY2(log.sio(in, {QStringLiteral("EVENT")}, nsp, QStringLiteral("echo")).size() ==
                         1,
                     qPrintable(where));
            QVERIFY2(
                log.sio(in, {QStringLiteral("BINARY_EVENT")}, nsp, QStringLiteral("echo")).size() ==
                    1,
                qPrintable(where));
            QVERIFY2(log.sio(in, {QStringLiteral("BINARY_EVENT")}, nsp, QStringLiteral("binary"))
                             .size() == 1,
                     qPrintable(where));
            // The server's acks to our echo-ack, ours to its asks: one of each kind each way.
            QVERIFY2(log.sio(out, events, nsp, QStringLiteral("echo-ack")).size() == 2,
                     qPrintable(where));
            QVERIFY2(log.sio(in, events, nsp, QStringLiteral("ask")).size() == 2,
                     qPrintable(where));
            QVERIFY2(log.sio(in, {QStringLiteral("ACK")}, nsp).size() == 1, qPrintable(where));
            QVERIFY2(log.sio(in, {QStringLiteral("BINARY_ACK")}, nsp).size() == 1,
                     qPrintable(where));
            QVERIFY2(log.sio(out, {QStringLiteral("ACK")}, nsp).size() == 1, qPrintable(where));
            QVERIFY2(log.sio(out, {QStringLiteral("BINARY_ACK")}, nsp).size() == 1,
                     qPrintable(where));
        }
        QVERIFY2(log.sio(out, {QStringLiteral("DISCONNECT")}, QStringLiteral("/chat")).size() == 1,
                 qPrintable(context));
        const QString unpaired = unpairedAcks(log);
        QVERIFY2(unpaired.isEmpty(), qPrintable(unpaired + context));
        // The BINARY_EVENT's attachments are the bytes the client sent.
        const QJsonObject binaryEcho = log.sio(out, {QStringLiteral("BINARY_EVENT")},
                                               QStringLiteral("/"), QStringLiteral("echo"))
                                           .value(0);
        QCOMPARE(binaryEcho.value(QStringLiteral("attachments")).toArray().at(0).toString(),
                 QStringLiteral("AQID")); // 01 02 03

        const QList<QJsonObject> opened =
            log.layer(QStringLiteral("conn"), QStringLiteral("transport-opened"));
        QCOMPARE(opened.size(), 1);
        QCOMPARE(opened.first()
                     .value(QStringLiteral("data"))
                     .toObject()
                     .value(QStringLiteral("transport"))
                     .toString(),
                 transports.first());
        const bool upgrade = transports.size() > 1;
        QCOMPARE(log.layer(QStringLiteral("conn"), QStringLiteral("upgrading")).size(),
                 upgrade ? 1 : 0);
        QCOMPARE(log.layer(QStringLiteral("conn"), QStringLiteral("upgraded")).size(),
                 upgrade ? 1 : 0);
        QCOMPARE(log.layer(QStringLiteral("eio"), QStringLiteral("UPGRADE")).size(),
                 upgrade ? 1 : 0);
    }

    // 100 socket.io-client 4.8 clients at once through the proxy, each connecting and acked.
    void hundredConcurrentClients()
    {
        // Nothing here waits for a heartbeat; the default 300 + 200 ms would end sessions whose
        // PONG is late on a loaded machine (100 clients in one node process), proxy or not.
        ReferenceServer::Options options = serverOptions(QStringLiteral("4"));
        options.pingInterval = 2000;
        options.pingTimeout = 5000;
        ReferenceServer server;
        START_SERVER(server, options);
        LoggedProxy proxy;
        START_PROXY(proxy, m_dir, server.url(), QStringList());
        const ClientRun run = runClient({{QStringLiteral("url"), proxy.cli.url().toString()},
                                         {QStringLiteral("scenario"), QStringLiteral("many")},
                                         {QStringLiteral("count"), 100}});
        const QJsonObject many = run.steps.value(QStringLiteral("many"));
        QVERIFY2(many.value(QStringLiteral("ok")).toBool(), qPrintable(run.output));
        const QJsonObject value = many.value(QStringLiteral("value")).toObject();
        QCOMPARE(value.value(QStringLiteral("acked")).toInt(), 100);
        QSet<QString> clientSids;
        for (const QJsonValue &sid : value.value(QStringLiteral("sids")).toArray())
            clientSids.insert(sid.toString());
        QCOMPARE(clientSids.size(), 100);
        QVERIFY(run.finished());
        ProxyLog log;
        STOP_PROXY(proxy, log);

        QCOMPARE(log.sessions(QStringLiteral("sio")), clientSids);
        QCOMPARE(log.layer(QStringLiteral("conn"), QStringLiteral("transport-opened")).size(), 100);
        QSet<QString> acked;
        for (const QJsonObject &ack : log.sio(QStringLiteral("in"), {QStringLiteral("ACK")}))
            acked.insert(ack.value(QStringLiteral("session")).toString());
        QCOMPARE(acked, clientSids);
        const QString unpaired = unpairedAcks(log);
        QVERIFY2(unpaired.isEmpty(), qPrintable(unpaired));
        QVERIFY2(log.errors().isEmpty(), qPrintable(compact(log.errors().value(0))));
    }

    // The server killed mid-session: the client sees the close it sees without the proxy, and
    // the log keeps everything from before.
    void serverKilled_data()
    {
        QTest::addColumn<QStringList>("transports");
        QTest::addColumn<QString>("reason"); // the client's disconnect reason, both runs
        QTest::newRow("websocket")
            << QStringList{QStringLiteral("websocket")} << QStringLiteral("transport close");
        QTest::newRow("polling") << QStringList{QStringLiteral("polling")}
                                 << QStringLiteral("transport error");
    }

    void serverKilled()
    {
        QFETCH(QStringList, transports);
        QFETCH(QString, reason);
        QString reasons[2];
        ProxyLog log;
        ClientRun runs[2];
        for (const bool proxied : {false, true}) {
            ReferenceServer server;
            START_SERVER(server, serverOptions(QStringLiteral("4")));
            LoggedProxy proxy;
            QUrl url = server.url();
            if (proxied) {
                START_PROXY(proxy, m_dir, server.url(), QStringList());
                url = proxy.cli.url();
            }
            HoldingClient client;
            client.start(url, transports);
            QTRY_VERIFY2_WITH_TIMEOUT(client.isReady(), qPrintable(client.output()), Timeout);
            server.kill();
            QTRY_VERIFY_WITH_TIMEOUT(client.hasEnded(), Timeout);
            ClientRun &run = runs[proxied];
            run = client.run();
            QVERIFY2(run.failures().isEmpty(), qPrintable(run.output));
            reasons[proxied] = run.steps.value(QStringLiteral("disconnect"))
                                   .value(QStringLiteral("value"))
                                   .toString();
            if (proxied)
                STOP_PROXY(proxy, log);
        }
        QCOMPARE(reasons[1], reasons[0]);
        QCOMPARE(reasons[0], reason);

        // Everything the client saw before the kill is in the log.
        const QString context = log.describe();
        const QString in = QStringLiteral("in");
        const QString out = QStringLiteral("out");
        const QJsonArray received = runs[1]
                                        .steps.value(QStringLiteral("ready"))
                                        .value(QStringLiteral("value"))
                                        .toObject()
                                        .value(QStringLiteral("received"))
                                        .toArray();
        QCOMPARE(received.size(), 2); // welcome, echo
        for (const QJsonValue &event : received)
            QVERIFY2(log.sio(in, {QStringLiteral("EVENT")}, QStringLiteral("/"), event.toString())
                             .size() == 1,
                     qPrintable(event.toString() + QLatin1Char('\n') + context));
        QCOMPARE(log.sio(out, {QStringLiteral("CONNECT")}).size(), 1);
        QCOMPARE(log.sio(in, {QStringLiteral("CONNECT")}).size(), 1);
        QCOMPARE(
            log.sio(out, {QStringLiteral("EVENT")}, QStringLiteral("/"), QStringLiteral("echo"))
                .size(),
            1);
        const QList<QJsonObject> ack = log.sio(in, {QStringLiteral("ACK")});
        QCOMPARE(ack.size(), 1);
        QCOMPARE(ack.first().value(QStringLiteral("data")).toArray(),
                 QJsonArray{QStringLiteral("acked before the kill")});
        const QString unpaired = unpairedAcks(log);
        QVERIFY2(unpaired.isEmpty(), qPrintable(unpaired + context));
        // And the session ended.
        QCOMPARE(log.layer(QStringLiteral("conn"), QStringLiteral("closed")).size(), 1);
    }

    // The proxy stopped (SIGTERM) under a WebSocket session: the app sees its connection end,
    // and the log closes the session once, as the proxy's doing.
    void proxyStoppedMidSession()
    {
        ReferenceServer server;
        START_SERVER(server, serverOptions(QStringLiteral("4")));
        LoggedProxy proxy;
        START_PROXY(proxy, m_dir, server.url(), QStringList());
        HoldingClient client;
        client.start(proxy.cli.url(), {QStringLiteral("websocket")});
        QTRY_VERIFY2_WITH_TIMEOUT(client.isReady(), qPrintable(client.output()), Timeout);
        ProxyLog log;
        STOP_PROXY(proxy, log);
        QTRY_VERIFY_WITH_TIMEOUT(client.hasEnded(), Timeout);
        const ClientRun run = client.run();
        QVERIFY2(run.failures().isEmpty(), qPrintable(run.output));
        QCOMPARE(run.steps.value(QStringLiteral("disconnect")).value(QStringLiteral("value")),
                 QJsonValue(QStringLiteral("transport close")));

        const QString context = log.describe();
        QCOMPARE(log.sio(QStringLiteral("in"), {QStringLiteral("ACK")}).size(), 1);
        const QList<QJsonObject> closed =
            log.layer(QStringLiteral("conn"), QStringLiteral("closed"));
        QVERIFY2(closed.size() == 1, qPrintable(context));
        const QJsonObject details = closed.first().value(QStringLiteral("data")).toObject();
        QVERIFY2(details.value(QStringLiteral("closedBy")).toString() == QLatin1String("proxy"),
                 qPrintable(context));
        // Neither the app nor the target closed it.
        const QString why = details.value(QStringLiteral("reason")).toString();
        QVERIFY2(!why.contains(QLatin1String("the target closed")) &&
                     !why.contains(QLatin1String("the app closed")),
                 qPrintable(compact(closed.first())));
    }

    // Hostile bytes from either side: forwarded and recorded, or with --strict both connections
    // closed by the proxy. Target rows: hostile.js behind the proxy, the app hostile-client.js
    // reading what arrives; app rows: hostile-client.js in front, socket.io 4.8 behind.
    void hostile_data()
    {
        QTest::addColumn<QByteArray>("target"); // hostile.js's config; empty: server.js 4.8
        QTest::addColumn<QByteArray>("steps");  // hostile-client.js's steps
        QTest::addColumn<QByteArray>("needle"); // bytes that must cross the proxy (unstrict)
        QTest::addColumn<QString>("by");        // "app" or "target"
        QTest::addColumn<QString>("layer");     // the log's layer of the violation
        QTest::addColumn<QString>("error");     // in the log's error message
        QTest::addColumn<bool>("strict");

        // --strict: the last read waits for the end of the connection.
        const QByteArray readToEnd = R"(,{"read":true,"until":"close","timeoutMs":3000})";
        for (const HostileCase &c : hostileCases()) {
            QTest::addRow("%s, forwarded", c.name)
                << c.target << c.steps << c.needle << c.by << c.layer << c.error << false;
            QTest::addRow("%s, --strict closes", c.name)
                << c.target << c.steps + readToEnd << c.needle << c.by << c.layer << c.error
                << true;
        }
    }

    void hostile()
    {
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, steps);
        QFETCH(QByteArray, needle);
        QFETCH(QString, by);
        QFETCH(QString, layer);
        QFETCH(QString, error);
        QFETCH(bool, strict);

        ReferenceServer server;
        HostileServer hostileServer;
        quint16 port = 0;
        if (target.isEmpty()) {
            START_SERVER(server, serverOptions(QStringLiteral("4")));
            port = quint16(server.port());
        } else {
            START_SERVER(hostileServer, target);
            port = hostileServer.port();
        }
        WireTap tapB;
        QVERIFY(tapB.listen(port));
        LoggedProxy proxy;
        START_PROXY(proxy, m_dir, tapB.url(),
                    strict ? QStringList{QStringLiteral("--strict")} : QStringList());
        WireTap tapA;
        QVERIFY(tapA.listen(proxy.cli.port()));
        const HostileRun run = runHostileClient(tapA.port(), steps);
        QTRY_VERIFY_WITH_TIMEOUT(tapA.allClosed() && tapB.allClosed(), Timeout);
        ProxyLog log;
        STOP_PROXY(proxy, log);
        const QString context =
            QStringLiteral("client:\n%1\nlog:\n%2\nserver:\n%3")
                .arg(
                    run.output, log.describe(),
                    QString::fromUtf8(target.isEmpty() ? server.output() : hostileServer.output()));

        QCOMPARE(tapA.connectionCount(), 1);
        QCOMPARE(tapB.connectionCount(), 1);
        const WireTap::Connection app = tapA.connections().first();
        const WireTap::Connection behind = tapB.connections().first();
        const bool fromApp = by == QLatin1String("app");
        // The violation is recorded, naming the side and the layer.
        QList<QJsonObject> violations;
        for (const QJsonObject &r : log.errors()) {
            const QJsonObject data = r.value(QStringLiteral("data")).toObject();
            const QString recordLayer = data.contains(QStringLiteral("layer"))
                                            ? data.value(QStringLiteral("layer")).toString()
                                            : r.value(QStringLiteral("layer")).toString();
            if (recordLayer == layer &&
                r.value(QStringLiteral("dir")).toString() ==
                    (fromApp ? QLatin1String("out") : QLatin1String("in")) &&
                r.value(QStringLiteral("error")).toString().contains(error))
                violations.append(r);
        }
        QVERIFY2(!violations.isEmpty(), qPrintable(context));
        for (const QJsonObject &violation : std::as_const(violations)) {
            const QJsonObject data = violation.value(QStringLiteral("data")).toObject();
            QVERIFY2(!data.contains(QStringLiteral("by")) ||
                         data.value(QStringLiteral("by")).toString() == by,
                     qPrintable(compact(violation)));
        }

        if (!strict) {
            // Forwarded: the other side received the bytes, and the proxy closed nothing.
            const QByteArray &received = fromApp ? behind.clientToServer : app.serverToClient;
            QVERIFY2(received.contains(needle), qPrintable(printable(received, 2000)));
            QVERIFY2(log.layer(QStringLiteral("conn"), QStringLiteral("closed")).size() <= 1,
                     qPrintable(context));
            for (const QJsonObject &closed :
                 log.layer(QStringLiteral("conn"), QStringLiteral("closed")))
                QVERIFY2(!compact(closed).contains(QStringLiteral("--strict")),
                         qPrintable(context));
            if (fromApp) {
                // The server answered the broken bytes itself, through the proxy.
                const QJsonObject read = run.lastRead();
                QVERIFY2(read.value(QStringLiteral("status")).toInt() != 0, qPrintable(context));
            } else {
                // hostile.js's next event and close came after it.
                QVERIFY2(!layer.startsWith(QLatin1String("eio")) ||
                             run.lastRead().value(QStringLiteral("status")).toInt() == 200,
                         qPrintable(context));
                if (layer != QLatin1String("eio")) {
                    QVERIFY2(app.serverToClient.contains("42[\"after\"]"), qPrintable(context));
                    const QJsonArray frames =
                        run.lastRead().value(QStringLiteral("frames")).toArray();
                    QVERIFY2(frames.at(frames.size() - 1)
                                     .toObject()
                                     .value(QStringLiteral("code"))
                                     .toInt() == 1000,
                             qPrintable(context));
                }
            }
        } else {
            // --strict: the proxy closed both connections, first.
            QCOMPARE(int(app.closedFirst), int(WireTap::Side::Server));
            QCOMPARE(int(behind.closedFirst), int(WireTap::Side::Client));
            const QJsonObject read = run.lastRead();
            QVERIFY2(read.value(QStringLiteral("closed")).toBool(), qPrintable(context));
            QVERIFY2(log.text.contains("--strict: the " + by.toUtf8() + " broke a rule"),
                     qPrintable(context));
            if (!fromApp && layer != QLatin1String("eio"))
                QVERIFY2(!app.serverToClient.contains("42[\"after\"]"), qPrintable(context));
            // The proxy ended the session once (not again when its WebSocket closed, or when the
            // proxy stopped), and says so: neither peer closed it.
            const QString sid = violations.first().value(QStringLiteral("session")).toString();
            if (!sid.isEmpty()) {
                QList<QJsonObject> closedNotes;
                for (const QJsonObject &closed :
                     log.layer(QStringLiteral("conn"), QStringLiteral("closed")))
                    if (closed.value(QStringLiteral("session")).toString() == sid)
                        closedNotes.append(closed);
                QString notes;
                for (const QJsonObject &closed : std::as_const(closedNotes))
                    notes += compact(closed) + QLatin1Char('\n');
                QVERIFY2(closedNotes.size() == 1, qPrintable(notes));
                const QString closedBy = closedNotes.first()
                                             .value(QStringLiteral("data"))
                                             .toObject()
                                             .value(QStringLiteral("closedBy"))
                                             .toString();
                QVERIFY2(closedBy != QLatin1String("app") && closedBy != QLatin1String("target"),
                         qPrintable(notes));
            }
            // No close frame of the other side's reached the app.
            for (const QJsonValue &frame : read.value(QStringLiteral("frames")).toArray())
                QVERIFY2(frame.toObject().value(QStringLiteral("opcode")).toInt() != 8,
                         qPrintable(context));
        }
    }

    // socket.io 4.8 and socket.io-client 4.8 with socket.io-msgpack-parser, the proxy's parser
    // found by --parser auto: the events readable, the acks paired.
    void msgpackFoundByAuto()
    {
        ReferenceServer::Options options = serverOptions(QStringLiteral("4"));
        options.parser = QStringLiteral("msgpack");
        ReferenceServer server;
        START_SERVER(server, options);
        WireTap tapB;
        QVERIFY(tapB.listen(quint16(server.port())));
        LoggedProxy proxy;
        START_PROXY(proxy, m_dir, tapB.url(),
                    QStringList({QStringLiteral("--parser"), QStringLiteral("auto")}));
        WireTap tapA;
        QVERIFY(tapA.listen(proxy.cli.port()));
        QJsonObject config = clientConfig(tapA.url(), QStringLiteral("4"),
                                          {QStringLiteral("polling"), QStringLiteral("websocket")});
        config.insert(QStringLiteral("parser"), QStringLiteral("msgpack"));
        const ClientRun run = runClient(config);
        QVERIFY2(
            run.finished() && run.failures().isEmpty(),
            qPrintable(run.failures().join(QLatin1Char('\n')) + QLatin1Char('\n') + run.output));
        QTRY_VERIFY_WITH_TIMEOUT(tapA.allClosed() && tapB.allClosed(), Timeout);
        ProxyLog log;
        STOP_PROXY(proxy, log);
        compareTaps(tapA, tapB);
        if (QTest::currentTestFailed())
            return;

        const QString context = log.describe();
        QVERIFY2(log.errors().isEmpty(), qPrintable(compact(log.errors().value(0)) + context));
        const QList<QJsonObject> changed =
            log.layer(QStringLiteral("conn"), QStringLiteral("parser-changed"));
        QVERIFY2(changed.size() == 1, qPrintable(context));
        int sio = 0;
        for (const QJsonObject &r : log.records) {
            if (r.value(QStringLiteral("layer")).toString() != QLatin1String("sio"))
                continue;
            ++sio;
            QVERIFY2(r.value(QStringLiteral("parser")).toString() == QLatin1String("msgpack"),
                     qPrintable(compact(r)));
            QVERIFY2(r.contains(QStringLiteral("raw_b64")), qPrintable(compact(r)));
        }
        QVERIFY(sio > 20);
        const QStringList events{QStringLiteral("EVENT"), QStringLiteral("BINARY_EVENT")};
        const QString out = QStringLiteral("out");
        const QString in = QStringLiteral("in");
        for (const QString &nsp : {QStringLiteral("/"), QStringLiteral("/chat")}) {
            const QString where = nsp + QLatin1Char('\n') + context;
            QVERIFY2(log.sio(out, {QStringLiteral("CONNECT")}, nsp).size() == 1, qPrintable(where));
            QVERIFY2(log.sio(in, events, nsp, QStringLiteral("welcome")).size() == 1,
                     qPrintable(where));
            QVERIFY2(log.sio(out, events, nsp, QStringLiteral("echo")).size() == 2,
                     qPrintable(where));
            QVERIFY2(log.sio(in, events, nsp, QStringLiteral("echo")).size() == 2,
                     qPrintable(where));
            QVERIFY2(log.sio(in, events, nsp, QStringLiteral("binary")).size() == 1,
                     qPrintable(where));
            QVERIFY2(log.sio(out, events, nsp, QStringLiteral("echo-ack")).size() == 2,
                     qPrintable(where));
            QVERIFY2(log.sio(in, events, nsp, QStringLiteral("ask")).size() == 2,
                     qPrintable(where));
            const QStringList acks{QStringLiteral("ACK"), QStringLiteral("BINARY_ACK")};
            QVERIFY2(log.sio(in, acks, nsp).size() == 2, qPrintable(where));
            QVERIFY2(log.sio(out, acks, nsp).size() == 2, qPrintable(where));
        }
        // The plain echo's arguments, decoded from MessagePack.
        const QJsonObject echo =
            log.sio(out, events, QStringLiteral("/"), QStringLiteral("echo")).value(0);
        QCOMPARE(echo.value(QStringLiteral("data")).toArray(),
                 QJsonDocument::fromJson(R"(["echo",1,"two",{"three":[true],"nsp":"/"}])").array());
        const QString unpaired = unpairedAcks(log);
        QVERIFY2(unpaired.isEmpty(), qPrintable(unpaired + context));
        QCOMPARE(log.layer(QStringLiteral("conn"), QStringLiteral("upgraded")).size(), 1);
    }
};

QTEST_GUILESS_MAIN(tst_ProxyModePeer)
#include "tst_proxymode_peer.moc"
