// sioscope-cli (the real binary, SIOSCOPE_CLI_PATH) run with QProcess against the real reference
// servers from npm (tests/peers/server.js): socket.io 4 (Engine.IO v4, Socket.IO v5) and socket.io
// 2 (Engine.IO v3, Socket.IO v4). Every flag of `record` and `convert`, every exit status, and the
// logs it writes (JSON Lines read back with the format's own parser, HAR checked for the HAR 1.2
// structure, text). A missing server (node_modules absent) fails; it never skips.
//
// The servers are shared by the rows (started once in initTestCase) and most runs last well under
// a second (--duration 0.6, or a script that leaves its namespaces, which ends the run).
#include "referenceserver.h"
#include "session/jsonlines.h"
#include "session/logexport.h"
#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using Flavor = ReferenceServer::Flavor;
Q_DECLARE_METATYPE(ReferenceServer::Flavor)

namespace {

constexpr int Timeout = 15000; // for one run; a run that hangs fails instead of blocking the suite
const QString Run = QStringLiteral("0.6"); // --duration of most runs: loopback answers in ms

// One run of the real sioscope-cli. Waiting keeps the test's event loop running (QTest::qWaitFor),
// so that reading its output as it comes works and a hung run times out.
class Cli
{
public:
    explicit Cli(const QStringList &arguments)
        : m_arguments(arguments)
    {
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput,
                         [this] { out += m_process.readAllStandardOutput(); });
        QObject::connect(&m_process, &QProcess::readyReadStandardError,
                         [this] { err += m_process.readAllStandardError(); });
        m_clock.start();
        m_process.start(QStringLiteral(SIOSCOPE_CLI_PATH), arguments);
    }
    ~Cli()
    {
        if (m_process.state() != QProcess::NotRunning) { // a failed test: do not leave it behind
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    bool waitForFinished(int ms = Timeout)
    {
        const bool done =
            QTest::qWaitFor([this] { return m_process.state() == QProcess::NotRunning; }, ms);
        if (done)
            elapsedMs = m_clock.elapsed();
        out += m_process.readAllStandardOutput();
        err += m_process.readAllStandardError();
        return done;
    }
    void sendSignal(int signal) { ::kill(pid_t(m_process.processId()), signal); }
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    // -1 when it crashed or was killed by a signal.
    int exitCode() const
    {
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    QString describe() const
    {
        return QStringLiteral("sioscope-cli %1\nexit %2, stderr:\n%3\nstdout (end):\n%4")
            .arg(m_arguments.join(QLatin1Char(' ')))
            .arg(exitCode())
            .arg(QString::fromUtf8(err), QString::fromUtf8(out.right(3000)));
    }

    QByteArray out;
    QByteArray err;
    qint64 elapsedMs = -1;

private:
    QStringList m_arguments;
    QProcess m_process;
    QElapsedTimer m_clock;
};

// --- reading what the CLI wrote ------------------------------------------------------------------

// Every line of a JSON Lines log through the format's own reader, JsonLines::parseRecord. The log
// must end with a complete line.
bool parseJsonl(const QByteArray &text, QList<PacketRecord> *records, QString *error)
{
    if (text.isEmpty()) {
        *error = QStringLiteral("the log is empty");
        return false;
    }
    if (!text.endsWith('\n')) {
        *error = QStringLiteral("the last line has no end of line: %1")
                     .arg(QString::fromUtf8(text.right(200)));
        return false;
    }
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
        PacketRecord record;
        QString lineError;
        if (!JsonLines::parseRecord(lines.at(i), &record, &lineError)) {
            *error = QStringLiteral("line %1: %2: %3")
                         .arg(i + 1)
                         .arg(lineError, QString::fromUtf8(lines.at(i).left(300)));
            return false;
        }
        records->append(record);
    }
    return true;
}

// A HAR or JSON Lines log through SioScope's importer.
bool importLog(const QByteArray &text, QList<PacketRecord> *records, QString *error)
{
    QBuffer buffer;
    buffer.setData(text);
    buffer.open(QIODevice::ReadOnly);
    SessionLog log;
    if (!LogImporter::read(&buffer, &log, error))
        return false;
    for (qint64 i = 0; i < log.size(); ++i)
        records->append(log.record(i));
    return true;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(data) == data.size();
}

// "out sio CONNECT /admin", "in eio OPEN", "in conn closed"
QString key(const PacketRecord &record)
{
    QString key = record.directionName() + QLatin1Char(' ') + record.layerName() +
                  QLatin1Char(' ') + record.typeName();
    if (record.layer == PacketRecord::Layer::SocketIo)
        key += QLatin1Char(' ') + record.nsp;
    return key;
}

// The payload as a JSON value (it may be an array, an object, a string...).
QJsonValue payload(const PacketRecord &record)
{
    return QJsonDocument::fromJson("[" + record.payload + "]").array().at(0);
}

QJsonArray args(const PacketRecord &record)
{
    return payload(record).toArray();
}

// The index of the first record with `key` (and, for events, whose first argument is
// `eventName`) from `from` on; -1 when there is none.
int find(const QList<PacketRecord> &records, const QString &wanted, const QString &eventName = {},
         int from = 0)
{
    for (int i = from; i < records.size(); ++i) {
        if (key(records.at(i)) != wanted)
            continue;
        if (eventName.isEmpty() || args(records.at(i)).at(0).toString() == eventName)
            return i;
    }
    return -1;
}

// The index of the first event record with `key` whose arguments are [name, value, ...].
int findEvent(const QList<PacketRecord> &records, const QString &wanted, const QString &name,
              const QJsonValue &value)
{
    for (int i = 0; i < records.size(); ++i) {
        const QJsonArray list = args(records.at(i));
        if (key(records.at(i)) == wanted && list.at(0).toString() == name && list.at(1) == value)
            return i;
    }
    return -1;
}

QString dump(const QList<PacketRecord> &records)
{
    QString out;
    for (const PacketRecord &record : records) {
        out += key(record) + QLatin1Char(' ') + QString::fromUtf8(record.raw.left(120)) +
               QLatin1Char(' ') + QString::fromUtf8(record.payload.left(160));
        if (!record.error.isEmpty())
            out += QStringLiteral(" ERROR ") + record.error;
        out += QLatin1Char('\n');
    }
    return out;
}

// One line, ending in '\n', starting with "sioscope-cli".
bool isOneLineReason(const QByteArray &err)
{
    return err.startsWith("sioscope-cli") && err.endsWith('\n') && err.count('\n') == 1;
}

int freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort(); // closed when `probe` goes: nothing listens there now
}

} // namespace

// Waits for the run to end and checks its exit status.
#define FINISH(cli, expectedExit)                                                                  \
    do {                                                                                           \
        QVERIFY2((cli).waitForFinished(), qPrintable("still running: " + (cli).describe()));       \
        QVERIFY2((cli).exitCode() == (expectedExit), qPrintable((cli).describe()));                \
    } while (false)

#define PARSE_JSONL(records, text)                                                                 \
    QList<PacketRecord> records;                                                                   \
    do {                                                                                           \
        QString parseError_;                                                                       \
        QVERIFY2(parseJsonl((text), &records, &parseError_), qPrintable(parseError_));             \
    } while (false)

class tst_CliPeer : public QObject
{
    Q_OBJECT

private:
    ReferenceServer m_sio4;
    ReferenceServer m_sio2;
    ReferenceServer m_sio4CustomPath; // path "/custom/"
    QTemporaryDir m_dir;
    QByteArray m_sampleLog; // a recorded JSON Lines log, for the convert tests

    ReferenceServer &server(Flavor flavor) { return flavor == Flavor::SocketIo4 ? m_sio4 : m_sio2; }
    QString url(Flavor flavor) { return server(flavor).url().toString(); }
    // socket.io 2 speaks Engine.IO v3 only, and --eio defaults to 4.
    static QStringList eio(Flavor flavor)
    {
        return {QStringLiteral("--eio"),
                flavor == Flavor::SocketIo4 ? QStringLiteral("4") : QStringLiteral("3")};
    }
    QString path(const QString &name) const { return m_dir.filePath(name); }
    QString writeScript(const QString &name, const QByteArray &text)
    {
        const QString file = path(name);
        return writeFile(file, text) ? file : QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(QStringLiteral(SIOSCOPE_CLI_PATH)),
                 "sioscope-cli is not built at " SIOSCOPE_CLI_PATH);
        QVERIFY(m_dir.isValid());
        ReferenceServer::Options sio4;
        sio4.logRequests = true; // for headersAndQuery()
        START_SERVER(m_sio4, sio4);
        ReferenceServer::Options sio2;
        sio2.flavor = Flavor::SocketIo2;
        sio2.logRequests = true;
        START_SERVER(m_sio2, sio2);
        ReferenceServer::Options custom;
        custom.path = QStringLiteral("/custom/");
        START_SERVER(m_sio4CustomPath, custom);
    }

    // The desktop app answers --help and --version on a machine without a display (over ssh, in
    // CI): a QApplication cannot be made there, so these must not need one.
    void guiHelpAndVersionWithoutADisplay_data()
    {
        QTest::addColumn<QString>("argument");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("--help") << QStringLiteral("--help") << QByteArray("--mock-server");
        QTest::newRow("-h") << QStringLiteral("-h") << QByteArray("Usage:");
        QTest::newRow("--version") << QStringLiteral("--version") << QByteArray("SioScope");
    }
    void guiHelpAndVersionWithoutADisplay()
    {
        QFETCH(QString, argument);
        QFETCH(QByteArray, expected);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
            environment.remove(QString::fromLatin1(name));
        QProcess gui;
        gui.setProcessEnvironment(environment);
        gui.start(QStringLiteral(SIOSCOPE_GUI_PATH), {argument});
        QVERIFY(gui.waitForFinished(20000));
        const QByteArray out = gui.readAllStandardOutput();
        const QByteArray err = gui.readAllStandardError();
        QCOMPARE(gui.exitStatus(), QProcess::NormalExit);
        QVERIFY2(gui.exitCode() == 0, (out + err).constData());
        QVERIFY2(out.contains(expected), (out + err).constData());
    }

    // -n repeated, --auth: v5 sends it as the CONNECT payload, v4 as the namespace's query
    // string. Accepted: the server's welcome shows it. Refused: CONNECT_ERROR is recorded and
    // the run still ends with 0.
    void namespacesAndAuth_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<QString>("token");
        QTest::addColumn<QByteArray>("connectRaw");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("sio4-v5-auth-payload-accepted")
            << Flavor::SocketIo4 << "secret" << QByteArray(R"(40/admin,{"token":"secret"})")
            << true;
        QTest::newRow("sio4-v5-auth-payload-refused-connect-error")
            << Flavor::SocketIo4 << "wrong" << QByteArray(R"(40/admin,{"token":"wrong"})") << false;
        QTest::newRow("sio2-v4-auth-as-query-accepted")
            << Flavor::SocketIo2 << "secret" << QByteArray("40/admin?token=secret,") << true;
        QTest::newRow("sio2-v4-auth-as-query-refused-connect-error")
            << Flavor::SocketIo2 << "wrong" << QByteArray("40/admin?token=wrong,") << false;
    }
    void namespacesAndAuth()
    {
        QFETCH(Flavor, flavor);
        QFETCH(QString, token);
        QFETCH(QByteArray, connectRaw);
        QFETCH(bool, accepted);
        Cli cli(QStringList{"record", url(flavor), "-n", "/", "-n", "/chat", "--namespace",
                            "/admin", "--auth",
                            QStringLiteral("/admin={\"token\":\"%1\"}").arg(token),
                            "--include-secrets", "--duration", Run} +
                eio(flavor));
        FINISH(cli, 0);
        QVERIFY2(cli.err.isEmpty(), cli.err.constData());
        PARSE_JSONL(records, cli.out);
        const QString log = dump(records);

        for (const QString nsp : {"/", "/chat"}) {
            QVERIFY2(find(records, "in sio CONNECT " + nsp) >= 0, qPrintable(nsp + "\n" + log));
            QVERIFY2(find(records, "in sio EVENT " + nsp, "welcome") >= 0, qPrintable(log));
        }
        const int connect = find(records, "out sio CONNECT /admin");
        QVERIFY2(connect >= 0, qPrintable(log));
        QCOMPARE(records.at(connect).raw, connectRaw);

        const int answer = find(records, "in sio CONNECT /admin");
        const int refusal = find(records, "in sio CONNECT_ERROR /admin");
        if (accepted) {
            QVERIFY2(answer > connect && refusal < 0, qPrintable(log));
            const int welcome = find(records, "in sio EVENT /admin", "welcome");
            QVERIFY2(welcome > answer, qPrintable(log));
            const QJsonObject info = args(records.at(welcome)).at(1).toObject();
            if (flavor == Flavor::SocketIo4)
                QCOMPARE(info.value("auth").toObject().value("token").toString(), token);
            else
                QCOMPARE(info.value("queryToken").toString(), token);
        } else {
            QVERIFY2(refusal > connect && answer < 0, qPrintable(log));
            const QJsonValue reason = payload(records.at(refusal));
            QCOMPARE(flavor == Flavor::SocketIo4 ? reason.toObject().value("message").toString()
                                                 : reason.toString(),
                     QStringLiteral("Not authorized"));
            QCOMPARE(find(records, "in sio EVENT /admin", "welcome"), -1);
        }
    }

    // With nothing left to record (every namespace refused), the run ends by itself, with 0.
    void refusedOnlyNamespaceEndsTheRun()
    {
        Cli cli({"record", url(Flavor::SocketIo4), "-n", "/admin", "--auth",
                 R"(/admin={"token":"wrong"})"});
        FINISH(cli, 0);
        QVERIFY2(cli.elapsedMs < 5000, qPrintable(cli.describe()));
        PARSE_JSONL(records, cli.out);
        QVERIFY2(find(records, "in sio CONNECT_ERROR /admin") >= 0, qPrintable(dump(records)));
        QCOMPARE(key(records.last()), QStringLiteral("in conn closed"));
    }

    // -H/--header and --query reach the server on every HTTP request (polling) and on the
    // WebSocket handshake (the server's request log); its welcome reports the query's token
    // (--include-secrets: the echoed token would be redacted otherwise).
    void headersAndQuery_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<QString>("transport");
        QTest::newRow("sio4-polling") << Flavor::SocketIo4 << "polling";
        QTest::newRow("sio4-websocket") << Flavor::SocketIo4 << "websocket";
        QTest::newRow("sio2-polling") << Flavor::SocketIo2 << "polling";
        QTest::newRow("sio2-websocket") << Flavor::SocketIo2 << "websocket";
    }
    void headersAndQuery()
    {
        QFETCH(Flavor, flavor);
        QFETCH(QString, transport);
        const qsizetype before = server(flavor).requests().size(); // the servers are shared
        Cli cli(QStringList{"record", url(flavor), "--transport", transport, "-H",
                            "X-Sioscope-Probe: probe value", "--header", "X-Second:two", "--query",
                            "token=query-token", "--query", "lang=fr", "--include-secrets",
                            "--duration", Run} +
                eio(flavor));
        FINISH(cli, 0);
        PARSE_JSONL(records, cli.out);
        const int welcome = find(records, "in sio EVENT /", "welcome");
        QVERIFY2(welcome >= 0, qPrintable(dump(records)));
        QCOMPARE(args(records.at(welcome)).at(1).toObject().value("queryToken").toString(),
                 QStringLiteral("query-token"));

        // What reached the server (server.js logRequests), request by request.
        const QList<ReferenceServer::Request> requests = server(flavor).requests().mid(before);
        QVERIFY2(!requests.isEmpty(), server(flavor).output().right(2000).constData());
        if (transport == QLatin1String("websocket")) {
            QCOMPARE(requests.size(), 1); // the upgrade request, nothing else over HTTP
            QVERIFY(requests.first().upgrade);
        }
        for (const ReferenceServer::Request &request : requests) {
            const QByteArray where = request.method + ' ' + request.url.toEncoded();
            QCOMPARE(request.query.value("transport"), transport);
            QVERIFY2(request.query.value("token") == QLatin1String("query-token") &&
                         request.query.value("lang") == QLatin1String("fr"),
                     where.constData());
            QVERIFY2(request.headers.value("x-sioscope-probe") == "probe value" &&
                         request.headers.value("x-second") == "two",
                     where.constData());
        }
    }

    // --path: a server on a custom path is reached with it, and not without it.
    void path_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("custom-path-reaches-the-server") << QStringList{"--path", "/custom/"} << 0;
        QTest::newRow("custom-path-websocket")
            << QStringList{"--path", "/custom/", "--transport", "websocket"} << 0;
        QTest::newRow("default-path-misses-it-exit-1") << QStringList{} << 1;
    }
    void path()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        Cli cli(QStringList{"record", m_sio4CustomPath.url().toString(), "--duration", Run} +
                arguments);
        FINISH(cli, exitCode);
        PARSE_JSONL(records, cli.out);
        const int connecting = find(records, "in conn connecting");
        QVERIFY2(connecting >= 0, qPrintable(dump(records)));
        const QString wsOrHttpUrl =
            payload(records.at(connecting)).toObject().value("url").toString();
        if (exitCode == 0) {
            QVERIFY2(wsOrHttpUrl.contains("/custom/?"), qPrintable(wsOrHttpUrl));
            QVERIFY2(find(records, "in sio EVENT /", "welcome") >= 0, qPrintable(dump(records)));
            QVERIFY2(cli.err.isEmpty(), cli.err.constData());
        } else {
            QVERIFY2(wsOrHttpUrl.contains("/socket.io/?"), qPrintable(wsOrHttpUrl));
            QCOMPARE(find(records, "in eio OPEN"), -1);
            QVERIFY2(isOneLineReason(cli.err), cli.err.constData());
            QVERIFY2(cli.err.contains("stopped before the connection opened"), cli.err.constData());
        }
    }

    // --transport auto|websocket|polling and --eio 4|3 (socket.io 2 needs 3).
    void transports_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<QString>("transport");
        for (const auto &[flavor, name] : {std::pair{Flavor::SocketIo4, "sio4-eio4"},
                                           std::pair{Flavor::SocketIo2, "sio2-eio3"}}) {
            for (const char *transport : {"auto", "websocket", "polling"})
                QTest::newRow(QByteArray(name) + "-" + transport) << flavor << transport;
        }
    }
    void transports()
    {
        QFETCH(Flavor, flavor);
        QFETCH(QString, transport);
        Cli cli(QStringList{"record", url(flavor), "--transport", transport, "--duration", Run} +
                eio(flavor));
        FINISH(cli, 0);
        PARSE_JSONL(records, cli.out);
        const QString log = dump(records);
        const bool v4 = flavor == Flavor::SocketIo4;

        const QJsonObject connecting = payload(records.first()).toObject();
        QCOMPARE(key(records.first()), QStringLiteral("in conn connecting"));
        QCOMPARE(connecting.value("eio").toInt(), v4 ? 4 : 3);
        QCOMPARE(connecting.value("transport").toString(),
                 transport == QLatin1String("auto") ? QStringLiteral("polling") : transport);
        QVERIFY2(connecting.value("url").toString().contains(v4 ? "EIO=4" : "EIO=3"),
                 qPrintable(log));
        const int open = find(records, "in eio OPEN");
        QVERIFY2(open >= 0, qPrintable(log));
        QCOMPARE(payload(records.at(open)).toObject().contains("maxPayload"), v4);
        QVERIFY2(find(records, "in sio EVENT /", "welcome") > open, qPrintable(log));

        const int upgraded = find(records, "in conn upgraded");
        QSet<TransportKind> seen;
        for (const PacketRecord &record : std::as_const(records))
            if (record.layer != PacketRecord::Layer::Connection)
                seen.insert(record.transport);
        if (transport == QLatin1String("auto")) {
            QVERIFY2(upgraded > open, qPrintable(log));
            QVERIFY2(seen.contains(TransportKind::Polling) &&
                         seen.contains(TransportKind::WebSocket),
                     qPrintable(log));
            const int close = find(records, "out eio CLOSE");
            QVERIFY2(close > upgraded, qPrintable(log));
            QCOMPARE(records.at(close).transport, TransportKind::WebSocket);
        } else {
            QCOMPARE(upgraded, -1);
            QCOMPARE(seen, QSet<TransportKind>{transport == QLatin1String("websocket")
                                                   ? TransportKind::WebSocket
                                                   : TransportKind::Polling});
        }
    }

    // --send with every kind of line: plain, "ack": true, attachments (BINARY_EVENT), delay_ms,
    // DISCONNECT; a namespace named only by the script is joined; lines for a namespace go in
    // order once it is connected. Leaving every namespace ends the run.
    void sendScript_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::newRow("sio4-v5") << Flavor::SocketIo4;
        QTest::newRow("sio2-v4") << Flavor::SocketIo2;
    }
    void sendScript()
    {
        QFETCH(Flavor, flavor);
        const QString script = writeScript(
            QStringLiteral("send-%1.jsonl").arg(QTest::currentDataTag()),
            "# a comment, then a blank line\n"
            "\n"
            R"({"type":"EVENT","nsp":"/","data":["echo","plain"]})"
            "\n"
            R"({"type":"EVENT","nsp":"/","data":["echo-ack","with-ack"],"ack":true})"
            "\n"
            R"({"type":"EVENT","nsp":"/","data":["echo","bin",{"_placeholder":true,"num":0}],"attachments":["AAEC//4="]})"
            "\n"
            R"({"type":"EVENT","nsp":"/chat","data":["echo","chat-first"]})"
            "\n"
            R"({"type":"EVENT","nsp":"/chat","data":["echo","chat-delayed"],"delay_ms":300})"
            "\n"
            R"({"type":"DISCONNECT","nsp":"/chat"})"
            "\n"
            R"({"type":"EVENT","data":["echo","last"],"delay_ms":100})"
            "\n"
            R"({"type":"DISCONNECT","nsp":"/","delay_ms":300})"
            "\n");
        QVERIFY(!script.isEmpty());
        Cli cli(QStringList{"record", url(flavor), "--send", script, "--duration", "8"} +
                eio(flavor));
        FINISH(cli, 0);
        QVERIFY2(cli.elapsedMs < 6000,
                 qPrintable("leaving every namespace should end the run\n" + cli.describe()));
        PARSE_JSONL(records, cli.out);
        const QString log = dump(records);

        // "/": in script order, each one once the namespace is connected.
        const int connected = find(records, "in sio CONNECT /");
        const int plain = findEvent(records, "out sio EVENT /", "echo", "plain");
        const int withAck = find(records, "out sio EVENT /", "echo-ack");
        const int binary = find(records, "out sio BINARY_EVENT /", "echo");
        const int last = findEvent(records, "out sio EVENT /", "echo", "last");
        const int leave = find(records, "out sio DISCONNECT /");
        QVERIFY2(connected >= 0 && connected < plain && plain < withAck && withAck < binary &&
                     binary < last && last < leave,
                 qPrintable(log));
        QVERIFY2(findEvent(records, "in sio EVENT /", "echo", "plain") > plain, qPrintable(log));

        // "ack": true asks for an ack; the server's ACK answers that id, with a round-trip time.
        const qint64 id = records.at(withAck).id;
        QVERIFY2(id >= 0, qPrintable(log));
        int ack = -1;
        for (int i = withAck + 1; i < records.size() && ack < 0; ++i)
            if (key(records.at(i)) == QLatin1String("in sio ACK /") && records.at(i).id == id)
                ack = i;
        QVERIFY2(ack > withAck, qPrintable(log));
        QCOMPARE(payload(records.at(ack)), QJsonValue(QJsonArray{"with-ack"}));
        QVERIFY(records.at(ack).rttUs >= 0);

        // attachments: a BINARY_EVENT with the bytes, echoed back as binary.
        const QList<QByteArray> bytes{QByteArray::fromBase64("AAEC//4=")};
        QCOMPARE(records.at(binary).attachments, bytes);
        QVERIFY2(records.at(binary).raw.startsWith("451-"), records.at(binary).raw.constData());
        const int binaryEcho = find(records, "in sio BINARY_EVENT /", "echo", binary);
        QVERIFY2(binaryEcho > binary, qPrintable(log));
        QCOMPARE(records.at(binaryEcho).attachments, bytes);

        // /chat: joined for the script, its lines in order, delay_ms honoured, then left.
        const int chatConnected = find(records, "in sio CONNECT /chat");
        const int chatFirst = findEvent(records, "out sio EVENT /chat", "echo", "chat-first");
        const int chatDelayed = findEvent(records, "out sio EVENT /chat", "echo", "chat-delayed");
        const int chatLeave = find(records, "out sio DISCONNECT /chat");
        QVERIFY2(chatConnected >= 0 && find(records, "out sio CONNECT /chat") < chatConnected &&
                     chatConnected < chatFirst && chatFirst < chatDelayed &&
                     chatDelayed < chatLeave,
                 qPrintable(log));
        QVERIFY2(records.at(chatDelayed).timeUs - records.at(chatFirst).timeUs >= 299000,
                 qPrintable(log));
        QVERIFY2(records.at(last).timeUs - records.at(binary).timeUs >= 99000, qPrintable(log));
        QVERIFY2(records.at(leave).timeUs - records.at(last).timeUs >= 299000, qPrintable(log));
        QCOMPARE(find(records, "out sio EVENT /chat", {}, chatLeave + 1), -1);
        QCOMPARE(key(records.last()), QStringLiteral("in conn closed"));
    }

    // --auto-ack: the server's "ask" (request-ack) carries an ack id; we answer it with the
    // payload, and the server reports our answer in "answered".
    void autoAck_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<bool>("autoAck");
        QTest::newRow("sio4-auto-ack") << Flavor::SocketIo4 << true;
        QTest::newRow("sio2-auto-ack") << Flavor::SocketIo2 << true;
        QTest::newRow("sio4-without-auto-ack-no-answer") << Flavor::SocketIo4 << false;
    }
    void autoAck()
    {
        QFETCH(Flavor, flavor);
        QFETCH(bool, autoAck);
        const QString script = writeScript(QStringLiteral("ask.jsonl"),
                                           R"({"type":"EVENT","data":["request-ack",{"q":1}]})"
                                           "\n"
                                           R"({"type":"DISCONNECT","delay_ms":400})"
                                           "\n");
        QStringList arguments{"record", url(flavor), "--send", script};
        if (autoAck)
            arguments << "--auto-ack"
                      << R"(["yes",{"n":2}])";
        Cli cli(arguments + eio(flavor));
        FINISH(cli, 0);
        PARSE_JSONL(records, cli.out);
        const QString log = dump(records);
        const int ask = find(records, "in sio EVENT /", "ask");
        QVERIFY2(ask >= 0 && records.at(ask).id >= 0, qPrintable(log));
        const int answer = find(records, "out sio ACK /");
        const int answered = find(records, "in sio EVENT /", "answered");
        if (!autoAck) {
            QVERIFY2(answer < 0 && answered < 0, qPrintable(log));
            return;
        }
        QVERIFY2(answer > ask && answered > answer, qPrintable(log));
        QCOMPARE(records.at(answer).id, records.at(ask).id);
        QCOMPARE(records.at(answer).payload, QByteArray(R"(["yes",{"n":2}])"));
        QCOMPARE(args(records.at(answered)).at(1),
                 QJsonValue(QJsonArray{"yes", QJsonObject{{"n", 2}}}));
    }

    // --duration with a fraction: the run lasts that long, then leaves and closes.
    void duration_data()
    {
        QTest::addColumn<QString>("seconds");
        QTest::newRow("0.45-seconds") << "0.45";
        QTest::newRow(".9-seconds") << ".9";
    }
    void duration()
    {
        QFETCH(QString, seconds);
        const qint64 us = qint64(seconds.toDouble() * 1e6);
        Cli cli({"record", url(Flavor::SocketIo4), "--duration", seconds});
        FINISH(cli, 0);
        QVERIFY2(cli.elapsedMs * 1000 >= us && cli.elapsedMs * 1000 < us + 3000000,
                 qPrintable(QString::number(cli.elapsedMs)));
        PARSE_JSONL(records, cli.out);
        const int close = find(records, "out eio CLOSE");
        QVERIFY2(close >= 0, qPrintable(dump(records)));
        const qint64 recorded = records.at(close).timeUs - records.first().timeUs;
        QVERIFY2(recorded > us - 100000 && recorded < us + 300000,
                 qPrintable(QStringLiteral("CLOSE %1 us after the first record").arg(recorded)));
    }

    // -o/--out writes the log to a file (replacing what was there) and nothing to stdout;
    // without it the log goes to stdout.
    void output_data()
    {
        QTest::addColumn<QString>("option");
        QTest::newRow("stdout") << "";
        QTest::newRow("short-o-file") << "-o";
        QTest::newRow("long-out-file") << "--out";
    }
    void output()
    {
        QFETCH(QString, option);
        const QString file = path(QStringLiteral("out-%1.jsonl").arg(QTest::currentDataTag()));
        QVERIFY(writeFile(file, "stale content that must go\n"));
        QStringList arguments{"record", url(Flavor::SocketIo4), "--duration", Run};
        if (!option.isEmpty())
            arguments << option << file;
        Cli cli(arguments);
        FINISH(cli, 0);
        const QByteArray log = option.isEmpty() ? cli.out : readFile(file);
        if (!option.isEmpty())
            QVERIFY2(cli.out.isEmpty(), cli.out.left(500).constData());
        else
            QCOMPARE(readFile(file), QByteArray("stale content that must go\n"));
        PARSE_JSONL(records, log);
        QVERIFY2(find(records, "in sio EVENT /", "welcome") >= 0, qPrintable(dump(records)));
    }

    // A log that cannot be written is a failure (1) with one line on stderr.
    void unwritableOutput()
    {
        Cli cli({"record", url(Flavor::SocketIo4), "--duration", Run, "-o",
                 path("no-such-dir/log.jsonl")});
        FINISH(cli, 1);
        QVERIFY2(isOneLineReason(cli.err) && cli.err.contains("cannot write"), cli.err.constData());
    }

    // --format jsonl|har|text: JSON Lines read back line by line, HAR 1.2 structure with the
    // WebSocket frames in _webSocketMessages, text one line per record.
    void formats_data()
    {
        QTest::addColumn<QString>("format");
        QTest::newRow("jsonl") << "jsonl";
        QTest::newRow("har") << "har";
        QTest::newRow("text") << "text";
    }
    void formats()
    {
        QFETCH(QString, format);
        const QString script = writeScript(
            QStringLiteral("formats.jsonl"),
            R"({"type":"EVENT","data":["echo","har"]})"
            "\n"
            R"({"type":"EVENT","data":["echo",{"_placeholder":true,"num":0}],"attachments":["AAEC//4="]})"
            "\n"
            R"({"type":"DISCONNECT","delay_ms":300})"
            "\n");
        Cli cli({"record", url(Flavor::SocketIo4), "--transport", "websocket", "--send", script,
                 "--format", format});
        FINISH(cli, 0);
        if (format == QLatin1String("jsonl")) {
            PARSE_JSONL(records, cli.out);
            QVERIFY2(findEvent(records, "in sio EVENT /", "echo", "har") >= 0,
                     qPrintable(dump(records)));
        } else if (format == QLatin1String("text")) {
            static const QRegularExpression line(QStringLiteral(
                "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z (←|→) (sio |eio |conn) \\S"));
            QVERIFY(cli.out.endsWith('\n'));
            const QStringList lines =
                QString::fromUtf8(cli.out.chopped(1)).split(QLatin1Char('\n'));
            QVERIFY2(lines.size() >= 8, cli.out.constData());
            for (const QString &text : lines)
                QVERIFY2(line.match(text).hasMatch(), qPrintable(text));
            QVERIFY2(lines.filter(QRegularExpression(
                                      QStringLiteral("→ sio  EVENT .*42\\[\"echo\",\"har\"\\]")))
                             .size() == 1,
                     cli.out.constData());
            QCOMPARE(lines.last().contains("conn closed"), true);
        } else {
            checkHar(cli.out, true);
        }
    }

    // SIGINT and SIGTERM mid-session: exit 0, and a complete log whose last records are our
    // DISCONNECTs, the Engine.IO CLOSE and the closed note, whatever the format and destination.
    void stopSignal_data()
    {
        QTest::addColumn<int>("signal");
        QTest::addColumn<QString>("format");
        QTest::addColumn<bool>("toFile");
        QTest::newRow("SIGINT-jsonl-stdout") << SIGINT << "jsonl" << false;
        QTest::newRow("SIGTERM-jsonl-file") << SIGTERM << "jsonl" << true;
        QTest::newRow("SIGINT-har-file") << SIGINT << "har" << true;
        QTest::newRow("SIGTERM-text-stdout") << SIGTERM << "text" << false;
    }
    void stopSignal()
    {
        QFETCH(int, signal);
        QFETCH(QString, format);
        QFETCH(bool, toFile);
        const QString file = path(QStringLiteral("signal-%1").arg(QTest::currentDataTag()));
        QStringList arguments{
            "record", url(Flavor::SocketIo4), "-n", "/", "-n", "/chat", "--format", format};
        if (toFile)
            arguments << "-o" << file;
        const int connectsBefore = int(m_sio4.output().count("connect /chat "));
        Cli cli(arguments);
        // The server has seen /chat connect: the session is up on both namespaces.
        QVERIFY2(
            QTest::qWaitFor(
                [&] { return m_sio4.output().count("connect /chat ") > connectsBefore; }, Timeout),
            qPrintable(cli.describe()));
        QTest::qWait(300);
        QVERIFY2(cli.isRunning(), qPrintable(cli.describe()));
        cli.sendSignal(signal);
        QElapsedTimer stopping;
        stopping.start();
        FINISH(cli, 0);
        QVERIFY2(stopping.elapsed() < 2500, "stopping took the grace period: no clean close");
        QVERIFY2(cli.err.isEmpty(), cli.err.constData());
        const QByteArray log = toFile ? readFile(file) : cli.out;
        if (toFile)
            QVERIFY(cli.out.isEmpty());

        QStringList tail; // the keys of the last four records
        if (format == QLatin1String("text")) {
            QVERIFY(log.endsWith('\n'));
            const QStringList lines = QString::fromUtf8(log.chopped(1)).split(QLatin1Char('\n'));
            QVERIFY2(lines.size() > 4, log.constData());
            static const QRegularExpression fields(
                QStringLiteral("^\\S+ (←|→) (\\S+)\\s+(\\S+)\\s*(/\\S*)?"));
            for (const QString &line : lines.mid(lines.size() - 4)) {
                const auto match = fields.match(line);
                QVERIFY2(match.hasMatch(), qPrintable(line));
                tail << (match.captured(1) == QStringLiteral("→") ? "out " : "in ") +
                            match.captured(2) + ' ' + match.captured(3) +
                            (match.captured(4).isEmpty() ? QString() : ' ' + match.captured(4));
            }
            QVERIFY2(lines.filter("welcome").size() == 2, log.constData());
        } else {
            QList<PacketRecord> records;
            QString error;
            QVERIFY2(format == QLatin1String("jsonl") ? parseJsonl(log, &records, &error)
                                                      : importLog(log, &records, &error),
                     qPrintable(error));
            if (format == QLatin1String("har")) {
                checkHar(log, false);
                if (QTest::currentTestFailed())
                    return;
            }
            QVERIFY2(records.size() > 4, qPrintable(dump(records)));
            for (const PacketRecord &record : records.mid(records.size() - 4))
                tail << key(record);
            QCOMPARE(payload(records.last()).toObject().value("deliberate").toBool(), true);
            QVERIFY2(find(records, "in sio EVENT /chat", "welcome") >= 0,
                     qPrintable(dump(records)));
        }
        const QStringList leaves = tail.mid(0, 2);
        QVERIFY2(leaves.contains("out sio DISCONNECT /") &&
                     leaves.contains("out sio DISCONNECT /chat"),
                 qPrintable(tail.join('\n')));
        QCOMPARE(tail.mid(2), (QStringList{"out eio CLOSE", "in conn closed"}));
    }

    // The server dies mid-session: the connection ends, the run ends by itself with 0 (the normal
    // end of a recording without --duration), the log is complete, stderr says why in one line.
    void serverKilledMidSession()
    {
        ReferenceServer doomed;
        START_SERVER(doomed, ReferenceServer::Options());
        const QString file = path("killed.jsonl");
        Cli cli({"record", doomed.url().toString(), "-o", file});
        QVERIFY2(QTest::qWaitFor([&] { return doomed.output().contains("connect / "); }, Timeout),
                 qPrintable(cli.describe()));
        QTest::qWait(300);
        doomed.kill();
        FINISH(cli, 0);
        QVERIFY2(isOneLineReason(cli.err) && cli.err.contains("connection ended"),
                 cli.err.constData());
        PARSE_JSONL(records, readFile(file));
        QVERIFY2(find(records, "in sio EVENT /", "welcome") >= 0, qPrintable(dump(records)));
        QCOMPARE(key(records.last()), QStringLiteral("in conn closed"));
        QCOMPARE(payload(records.last()).toObject().value("deliberate").toBool(), false);
        QCOMPARE(find(records, "out eio CLOSE"), -1);
    }

    // An unplanned drop (the server closes the transport) ends the run, unless --reconnect: then
    // a new session opens and the namespaces join again, until --duration.
    void reconnect_data()
    {
        QTest::addColumn<bool>("reconnect");
        QTest::newRow("drop-ends-the-run") << false;
        QTest::newRow("reconnect-after-the-drop") << true;
    }
    void reconnect()
    {
        QFETCH(bool, reconnect);
        const QString script = writeScript(QStringLiteral("drop.jsonl"),
                                           R"({"type":"EVENT","data":["server-close-transport"]})"
                                           "\n");
        // Reconnection waits 0.5 to 1.5 s (socket.io-client's first delay, with jitter).
        QStringList arguments{"record", url(Flavor::SocketIo4), "--send",
                              script,   "--duration",           "3"};
        if (reconnect)
            arguments << "--reconnect";
        Cli cli(arguments);
        FINISH(cli, 0);
        PARSE_JSONL(records, cli.out);
        const QString log = dump(records);
        int opens = 0;
        int welcomes = 0;
        for (const PacketRecord &record : std::as_const(records)) {
            opens += key(record) == QLatin1String("in eio OPEN") ? 1 : 0;
            welcomes += args(record).at(0) == QLatin1String("welcome") ? 1 : 0;
        }
        const QJsonObject closed = payload(records.last()).toObject();
        QCOMPARE(key(records.last()), QStringLiteral("in conn closed"));
        if (reconnect) {
            QVERIFY2(cli.elapsedMs >= 3000, qPrintable(cli.describe()));
            QVERIFY2(find(records, "in conn reconnecting") >= 0, qPrintable(log));
            QVERIFY2(opens == 2 && welcomes == 2, qPrintable(log));
            QCOMPARE(closed.value("deliberate").toBool(), true);
        } else {
            QVERIFY2(cli.elapsedMs < 2500, qPrintable(cli.describe()));
            QVERIFY2(opens == 1 && welcomes == 1, qPrintable(log));
            QCOMPARE(find(records, "in conn reconnecting"), -1);
            QCOMPARE(closed.value("deliberate").toBool(), false);
            QVERIFY2(isOneLineReason(cli.err) && cli.err.contains("connection ended"),
                     cli.err.constData());
        }
    }

    // Nothing listens: exit 1, one line on stderr, and the log still says what happened.
    void connectionRefused_data()
    {
        QTest::addColumn<QString>("transport");
        QTest::newRow("auto") << "auto";
        QTest::newRow("websocket") << "websocket";
        QTest::newRow("polling") << "polling";
    }
    void connectionRefused()
    {
        QFETCH(QString, transport);
        const int port = freeLoopbackPort();
        QVERIFY(port > 0);
        Cli cli(
            {"record", QStringLiteral("http://127.0.0.1:%1").arg(port), "--transport", transport});
        FINISH(cli, 1);
        QVERIFY2(cli.elapsedMs < 5000, qPrintable(cli.describe()));
        QVERIFY2(isOneLineReason(cli.err), cli.err.constData());
        QVERIFY2(cli.err.toLower().contains("refused"), cli.err.constData());
        PARSE_JSONL(records, cli.out);
        const int error = find(records, "in conn error");
        QVERIFY2(error >= 0 && !records.at(error).error.isEmpty(), qPrintable(dump(records)));
        QCOMPARE(key(records.last()), QStringLiteral("in conn closed"));
    }

    // A real protocol violation: --eio 4 forced against socket.io 2, which answers in the v3
    // framing (polling: "93:0{...}") or with a v5-invalid CONNECT answer without sid (WebSocket).
    void protocolViolation_data()
    {
        QTest::addColumn<QString>("transport");
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("eio4-vs-sio2-polling-v3-framing")
            << "polling" << QByteArray("unknown Engine.IO packet type '9'");
        QTest::newRow("eio4-vs-sio2-auto-v3-framing")
            << "auto" << QByteArray("unknown Engine.IO packet type '9'");
        QTest::newRow("eio4-vs-sio2-websocket-connect-without-sid")
            << "websocket" << QByteArray("has no sid");
    }
    void protocolViolation()
    {
        QFETCH(QString, transport);
        QFETCH(QByteArray, reason);
        Cli cli({"record", url(Flavor::SocketIo2), "--eio", "4", "--transport", transport,
                 "--duration", "5"});
        FINISH(cli, 1);
        QVERIFY2(cli.elapsedMs < 4000, qPrintable(cli.describe()));
        QVERIFY2(isOneLineReason(cli.err) && cli.err.contains(reason), cli.err.constData());
        PARSE_JSONL(records, cli.out);
        QCOMPARE(key(records.last()), QStringLiteral("in conn closed"));
        if (transport != QLatin1String("websocket")) {
            const int error = find(records, "in conn error");
            QVERIFY2(error >= 0 && records.at(error).raw.startsWith("93:0{"),
                     qPrintable(dump(records)));
        }
    }

    // Usage errors: exit 2, the message and the usage on stderr, nothing recorded.
    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const QString badScript = path("bad-script.jsonl");
        QVERIFY(writeFile(badScript, R"({"type":"EVENT","data":["echo","ok"]})"
                                     "\n"
                                     "# fine\n"
                                     R"({"type":"EVENT","data":"not an array"})"
                                     "\n"));
        const QString url = m_sio4.url().toString(); // a live server: a run that starts shows
        QTest::newRow("no-command") << QStringList{} << "usage: sioscope-cli <command>";
        QTest::newRow("unknown-command") << QStringList{"play"} << "unknown command \"play\"";
        QTest::newRow("missing-url") << QStringList{"record"} << "missing <url>";
        QTest::newRow("two-urls") << QStringList{"record", url, url} << "expected one <url>";
        QTest::newRow("url-not-http-or-ws")
            << QStringList{"record", "ftp://127.0.0.1/"} << "must be an http, https, ws or wss URL";
        QTest::newRow("unknown-option")
            << QStringList{"record", url, "--bogus"} << "Unknown option 'bogus'";
        QTest::newRow("option-without-value")
            << QStringList{"record", url, "--transport"} << "Missing value after '--transport'";
        QTest::newRow("bad-transport")
            << QStringList{"record", url, "--transport", "carrier-pigeon"}
            << "--transport must be auto, websocket or polling";
        QTest::newRow("bad-eio") << QStringList{"record", url, "--eio", "5"}
                                 << "--eio must be 3 or 4";
        QTest::newRow("bad-auth-json") << QStringList{"record", url, "--auth", "/={\"token\":"}
                                       << "--auth for / must be a JSON object";
        QTest::newRow("auth-not-an-object") << QStringList{"record", url, "--auth", "/=[1]"}
                                            << "--auth for / must be a JSON object (not an object)";
        QTest::newRow("auth-without-namespace")
            << QStringList{"record", url, "--auth", "token=x"} << "--auth must look like /nsp=";
        QTest::newRow("auth-for-namespace-not-joined")
            << QStringList{"record", url, "--auth", "/chat={}"} << "which no --namespace connects";
        QTest::newRow("namespace-without-slash") << QStringList{"record", url, "-n", "chat"}
                                                 << "namespace \"chat\" must start with \"/\"";
        QTest::newRow("bad-header") << QStringList{"record", url, "-H", "no colon"}
                                    << "--header must look like \"Name: value\"";
        QTest::newRow("bad-query") << QStringList{"record", url, "--query", "novalue"}
                                   << "--query must look like key=value";
        QTest::newRow("bad-script-line-named")
            << QStringList{"record", url, "--send", badScript}
            << badScript + ": line 3: \"data\" must be a non-empty array";
        QTest::newRow("missing-script")
            << QStringList{"record", url, "--send", path("nope.jsonl")} << "cannot read the script";
        QTest::newRow("bad-auto-ack") << QStringList{"record", url, "--auto-ack", "{\"ok\":1}"}
                                      << "--auto-ack must be a JSON array";
        QTest::newRow("bad-ack-timeout") << QStringList{"record", url, "--ack-timeout", "soon"}
                                         << "--ack-timeout must be a number";
        QTest::newRow("zero-duration") << QStringList{"record", url, "--duration", "0"}
                                       << "--duration must be a positive number";
        QTest::newRow("bad-duration") << QStringList{"record", url, "--duration", "1s"}
                                      << "--duration must be a positive number";
        QTest::newRow("bad-format") << QStringList{"record", url, "--format", "xml"}
                                    << "--format must be jsonl, har or text";
        QTest::newRow("convert-without-format")
            << QStringList{"convert", badScript, path("x.har")} << "expected <in> <out> --format";
        QTest::newRow("convert-bad-format")
            << QStringList{"convert", badScript, path("x.har"), "--format", "pcap"}
            << "expected <in> <out> --format";
        QTest::newRow("convert-one-file") << QStringList{"convert", badScript, "--format", "har"}
                                          << "expected <in> <out> --format";
    }
    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        Cli cli(arguments);
        FINISH(cli, 2);
        QVERIFY2(cli.out.isEmpty(), qPrintable(cli.describe()));
        QVERIFY2(QString::fromUtf8(cli.err).contains(message), qPrintable(cli.describe()));
        QVERIFY2(cli.err.contains("usage: sioscope-cli"), qPrintable(cli.describe()));
        QVERIFY(!QFile::exists(path("x.har")));
    }

    void help_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("usage");
        QTest::newRow("record---help")
            << QStringList{"record", "--help"} << "usage: sioscope-cli record <url> [options]";
        QTest::newRow("record--h")
            << QStringList{"record", "-h"} << "usage: sioscope-cli record <url> [options]";
        QTest::newRow("--help") << QStringList{"--help"} << "usage: sioscope-cli <command>";
    }
    void help()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, usage);
        Cli cli(arguments);
        FINISH(cli, 0);
        QVERIFY2(cli.out.startsWith(usage.toUtf8()), qPrintable(cli.describe()));
        QVERIFY(cli.err.isEmpty());
        if (arguments.first() == QLatin1String("record")) {
            for (const char *flag :
                 {"--namespace", "--auth", "--header", "--query", "--path", "--transport", "--eio",
                  "--send", "--auto-ack", "--duration", "--out", "--format", "--ack-timeout",
                  "--reconnect", "--include-secrets"})
                QVERIFY2(cli.out.contains(flag), flag);
        }
    }

    // Secrets (auth payloads, secret-named query parameters) are redacted by default in every
    // format, and written with --include-secrets. socket.io 2 echoes neither the "password" auth
    // member nor the "api_key" parameter, so the whole output can be searched.
    void redaction_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<QString>("format");
        QTest::addColumn<bool>("includeSecrets");
        QTest::addColumn<QByteArrayList>("present");
        QTest::addColumn<QByteArrayList>("absent");
        const QByteArrayList secrets{"s3cr3t-auth", "s3cr3t-query", "s3cr3t-header"};
        for (const char *format : {"jsonl", "har", "text"}) {
            QTest::newRow(QByteArray("sio2-v4-") + format + "-redacted")
                << Flavor::SocketIo2 << format << false
                << QByteArrayList{"password=[redacted]", "api_key=[redacted]", "plain=visible"}
                << secrets;
        }
        for (const char *format : {"jsonl", "har"}) {
            QTest::newRow(QByteArray("sio2-v4-") + format + "-include-secrets")
                << Flavor::SocketIo2 << format << true
                << QByteArrayList{"password=s3cr3t-auth", "api_key=s3cr3t-query", "plain=visible"}
                << QByteArrayList{"[redacted]"};
        }
        // (No raw strings with backslashes here: moc's tokenizer loses track of them.)
        QTest::newRow("sio4-v5-jsonl-redacted")
            << Flavor::SocketIo4 << "jsonl" << false
            << QByteArrayList{"\"raw\":\"40/chat,{\\\"password\\\":\\\"[redacted]\\\"}"}
            << QByteArrayList{"\"raw\":\"40/chat,{\\\"password\\\":\\\"s3cr3t-auth\\\"}",
                              "s3cr3t-query"};
        QTest::newRow("sio4-v5-jsonl-include-secrets")
            << Flavor::SocketIo4 << "jsonl" << true
            << QByteArrayList{"\"raw\":\"40/chat,{\\\"password\\\":\\\"s3cr3t-auth\\\"}",
                              "s3cr3t-query"}
            << QByteArrayList{"[redacted]"};
    }
    void redaction()
    {
        QFETCH(Flavor, flavor);
        QFETCH(QString, format);
        QFETCH(bool, includeSecrets);
        QFETCH(QByteArrayList, present);
        QFETCH(QByteArrayList, absent);
        QStringList arguments{"record",     url(flavor),
                              "-n",         "/chat",
                              "--auth",     R"(/chat={"password":"s3cr3t-auth"})",
                              "--query",    "api_key=s3cr3t-query",
                              "--query",    "plain=visible",
                              "-H",         "Authorization: Bearer s3cr3t-header",
                              "--format",   format,
                              "--duration", Run};
        if (includeSecrets)
            arguments << "--include-secrets";
        Cli cli(arguments + eio(flavor));
        FINISH(cli, 0);
        QVERIFY2(cli.out.contains("welcome"), qPrintable(cli.describe())); // it did connect
        // HAR escapes nothing of these, JSON Lines and text neither.
        for (const QByteArray &text : present)
            QVERIFY2(cli.out.contains(text), qPrintable(text + " is missing:\n" + cli.describe()));
        for (const QByteArray &text : absent)
            QVERIFY2(!cli.out.contains(text),
                     qPrintable(text + " was written:\n" + cli.describe()));
    }

    // Every member of the auth object is a secret, whatever its name: v5 redacts them all in
    // the CONNECT payload, and v4, which sends them as the namespace's query string, must too.
    void authMembersAllRedacted_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<QByteArray>("connectRaw");
        QTest::newRow("sio4-v5-payload")
            << Flavor::SocketIo4
            << QByteArray(R"(40/chat,{"password":"[redacted]","session":"[redacted]"})");
        QTest::newRow("sio2-v4-query")
            << Flavor::SocketIo2 << QByteArray("40/chat?password=[redacted]&session=[redacted],");
    }
    void authMembersAllRedacted()
    {
        QFETCH(Flavor, flavor);
        QFETCH(QByteArray, connectRaw);
        Cli cli(QStringList{"record", url(flavor), "-n", "/chat", "--auth",
                            R"(/chat={"password":"pw","session":"sess-42"})", "--duration", Run} +
                eio(flavor));
        FINISH(cli, 0);
        PARSE_JSONL(records, cli.out);
        const int connect = find(records, "out sio CONNECT /chat");
        QVERIFY2(connect >= 0, qPrintable(dump(records)));
        QCOMPARE(records.at(connect).raw, connectRaw);
    }

    // convert jsonl -> har -> jsonl keeps every record exactly; jsonl -> jsonl is byte for byte;
    // text has one line per record.
    void convertRoundTrip()
    {
        QVERIFY(recordSample());
        const QString jsonl = path("sample.jsonl");
        const QString har = path("sample.har");
        const QString back = path("sample-back.jsonl");
        const QString again = path("sample-again.jsonl");
        const QString text = path("sample.txt");
        {
            Cli cli({"convert", jsonl, har, "--format", "har"});
            FINISH(cli, 0);
            QVERIFY(cli.out.isEmpty() && cli.err.isEmpty());
        }
        checkHar(readFile(har), false); // the binary event may have gone over polling
        if (QTest::currentTestFailed())
            return;
        {
            Cli cli({"convert", har, back, "--format", "jsonl"});
            FINISH(cli, 0);
        }
        {
            Cli cli({"convert", jsonl, again, "--format", "jsonl"});
            FINISH(cli, 0);
        }
        {
            Cli cli({"convert", jsonl, text, "--format", "text"});
            FINISH(cli, 0);
        }
        QCOMPARE(readFile(again), m_sampleLog);
        PARSE_JSONL(original, m_sampleLog);
        PARSE_JSONL(roundTrip, readFile(back));
        QCOMPARE(readFile(text).count('\n'), qsizetype(original.size()));
        QCOMPARE(roundTrip.size(), original.size());
        for (int i = 0; i < original.size(); ++i) {
            const PacketRecord &a = original.at(i);
            const PacketRecord &b = roundTrip.at(i);
            const QByteArray where =
                QByteArray::number(i) + ": " + JsonLines::toLine(a) + "\n" + JsonLines::toLine(b);
            // The payload byte for byte (docs/log-format.md): key order, number spelling.
            QVERIFY2(a.timeUs == b.timeUs && a.direction == b.direction && a.layer == b.layer &&
                         a.type == b.type && a.transport == b.transport && a.nsp == b.nsp &&
                         a.id == b.id && a.payload == b.payload && a.attachments == b.attachments &&
                         a.raw == b.raw && a.error == b.error && a.rttUs == b.rttUs,
                     where.constData());
        }
        // And so the HAR itself is a lossless carrier: converting it again gives the same HAR.
        {
            Cli cli({"convert", back, path("sample-again.har"), "--format", "har"});
            FINISH(cli, 0);
        }
        QCOMPARE(readFile(path("sample-again.har")), readFile(har));
    }

    // A truncated (or broken) input: exit 1, the error names the line, the records before it
    // are converted.
    void convertTruncated_data()
    {
        QTest::addColumn<QString>("format");
        QTest::newRow("truncated-jsonl-to-jsonl") << "jsonl";
        QTest::newRow("truncated-jsonl-to-har") << "har";
    }
    void convertTruncated()
    {
        QFETCH(QString, format);
        QVERIFY(recordSample());
        const QList<QByteArray> lines = m_sampleLog.split('\n');
        QVERIFY(lines.size() > 8);
        QByteArray truncated;
        for (int i = 0; i < 6; ++i)
            truncated += lines.at(i) + '\n';
        truncated += lines.at(6).left(lines.at(6).size() / 2); // cut mid-line 7
        const QString in = path("truncated.jsonl");
        const QString out = path("truncated-out." + format);
        QVERIFY(writeFile(in, truncated));
        Cli cli({"convert", in, out, "--format", format});
        FINISH(cli, 1);
        QVERIFY2(isOneLineReason(cli.err) && cli.err.contains("line 7") &&
                     cli.err.contains("truncated"),
                 cli.err.constData());
        QList<PacketRecord> converted;
        QString error;
        QVERIFY2(importLog(readFile(out), &converted, &error), qPrintable(error));
        PARSE_JSONL(expected, truncated.left(truncated.lastIndexOf('\n') + 1));
        QCOMPARE(converted.size(), 6);
        if (format == QLatin1String("jsonl"))
            QCOMPARE(readFile(out), truncated.left(truncated.lastIndexOf('\n') + 1));
        for (int i = 0; i < 6; ++i) {
            QCOMPARE(converted.at(i).timeUs, expected.at(i).timeUs);
            QCOMPARE(key(converted.at(i)), key(expected.at(i)));
            QCOMPARE(converted.at(i).raw, expected.at(i).raw);
        }
    }

    void convertFailures_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing-input") << QByteArray() << "cannot read";
        QTest::newRow("not-a-log") << QByteArray("hello\n") << "line 1";
    }
    void convertFailures()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, message);
        const QString in = path("convert-in-" + QString::fromLatin1(QTest::currentDataTag()));
        if (!input.isEmpty())
            QVERIFY(writeFile(in, input));
        Cli cli({"convert", in, path("convert-out.jsonl"), "--format", "jsonl"});
        FINISH(cli, 1);
        QVERIFY2(isOneLineReason(cli.err) && QString::fromUtf8(cli.err).contains(message),
                 cli.err.constData());
    }

private:
    // A recorded JSON Lines session with polling and WebSocket records, events, an ack with its
    // round-trip time and a binary event: the input of the convert tests (recorded once).
    bool recordSample()
    {
        if (!m_sampleLog.isEmpty())
            return true;
        const QString script = writeScript(
            QStringLiteral("sample-script.jsonl"),
            R"({"type":"EVENT","data":["echo",{"b":1,"a":[1.5,"x"]}]})"
            "\n"
            R"({"type":"EVENT","data":["echo-ack","x"],"ack":true,"delay_ms":100})"
            "\n"
            R"({"type":"EVENT","data":["echo",{"_placeholder":true,"num":0}],"attachments":["AAEC//4="]})"
            "\n"
            R"({"type":"DISCONNECT","delay_ms":300})"
            "\n");
        Cli cli({"record", url(Flavor::SocketIo4), "--send", script, "-o", path("sample.jsonl")});
        if (!cli.waitForFinished() || cli.exitCode() != 0) {
            qWarning() << cli.describe();
            return false;
        }
        m_sampleLog = readFile(path("sample.jsonl"));
        return m_sampleLog.contains("\"type\":\"ACK\"") && m_sampleLog.contains("polling") &&
               m_sampleLog.contains("websocket");
    }

    // HAR 1.2: log.version, creator, entries with request, response, cache, timings; the
    // WebSocket connection as one entry with Chrome's _webSocketMessages (type, time, opcode,
    // data). `scripted`: the formats() script ran over WebSocket (an echo and a binary event).
    static void checkHar(const QByteArray &text, bool scripted)
    {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(text, &parseError);
        QVERIFY2(parseError.error == QJsonParseError::NoError,
                 qPrintable(parseError.errorString()));
        const QJsonObject log = document.object().value("log").toObject();
        QCOMPARE(log.value("version").toString(), QStringLiteral("1.2"));
        const QJsonObject creator = log.value("creator").toObject();
        QVERIFY(!creator.value("name").toString().isEmpty());
        QVERIFY(creator.value("version").isString());
        const QJsonArray entries = log.value("entries").toArray();
        QVERIFY(!entries.isEmpty());
        static const QRegularExpression isoTime(QStringLiteral(
            "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d)$"));
        int webSockets = 0;
        bool binaryFrame = false;
        for (const QJsonValue &value : entries) {
            const QJsonObject entry = value.toObject();
            const QByteArray where = QJsonDocument(entry).toJson(QJsonDocument::Compact).left(600);
            QVERIFY2(isoTime.match(entry.value("startedDateTime").toString()).hasMatch(), where);
            QVERIFY2(entry.value("time").isDouble(), where);
            const QJsonObject request = entry.value("request").toObject();
            QVERIFY2(
                request.value("method").isString() && request.value("url").isString() &&
                    request.value("httpVersion").isString() && request.value("cookies").isArray() &&
                    request.value("headers").isArray() && request.value("queryString").isArray() &&
                    request.value("headersSize").isDouble() && request.value("bodySize").isDouble(),
                where);
            const QJsonObject response = entry.value("response").toObject();
            const QJsonObject content = response.value("content").toObject();
            QVERIFY2(
                response.value("status").isDouble() && response.value("statusText").isString() &&
                    response.value("httpVersion").isString() &&
                    response.value("cookies").isArray() && response.value("headers").isArray() &&
                    content.value("size").isDouble() && content.value("mimeType").isString() &&
                    response.value("redirectURL").isString() &&
                    response.value("headersSize").isDouble() &&
                    response.value("bodySize").isDouble(),
                where);
            QVERIFY2(entry.value("cache").isObject(), where);
            const QJsonObject timings = entry.value("timings").toObject();
            for (const char *phase : {"send", "wait", "receive"})
                QVERIFY2(timings.value(phase).isDouble() && timings.value(phase).toDouble() >= -1,
                         where);
            if (!entry.contains("_webSocketMessages"))
                continue;
            ++webSockets;
            QCOMPARE(response.value("status").toInt(), 101);
            QVERIFY2(request.value("url").toString().startsWith("ws"), where);
            const QJsonArray messages = entry.value("_webSocketMessages").toArray();
            QVERIFY2(!messages.isEmpty(), where);
            bool sentEcho = false;
            for (const QJsonValue &item : messages) {
                const QJsonObject message = item.toObject();
                const QByteArray what = QJsonDocument(message).toJson(QJsonDocument::Compact);
                const QString type = message.value("type").toString();
                QVERIFY2(type == QLatin1String("send") || type == QLatin1String("receive"), what);
                QVERIFY2(message.value("time").toDouble() > 1e9, what); // seconds since the epoch
                const int opcode = message.value("opcode").toInt();
                QVERIFY2(opcode == 1 || opcode == 2, what);
                QVERIFY2(message.value("data").isString(), what);
                sentEcho = sentEcho || (type == QLatin1String("send") &&
                                        message.value("data").toString().contains("[\"echo\""));
                binaryFrame = binaryFrame || (opcode == 2 && message.value("data").toString() ==
                                                                 QLatin1String("AAEC//4="));
            }
            QVERIFY2(sentEcho || !scripted, where);
        }
        QCOMPARE(webSockets, 1);
        if (!scripted)
            return;
        // The attachment of a BINARY_EVENT crossed the WebSocket as a binary frame of its own.
        QVERIFY(binaryFrame);
    }
};

QTEST_GUILESS_MAIN(tst_CliPeer)
#include "tst_cli_peer.moc"
