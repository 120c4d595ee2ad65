// TLS as real deployments ask for it, against socket.io 4.8 https servers (tests/peers/server.js)
// that require a client certificate (requestCert, rejectUnauthorized), with a CA, server and
// client certificates made by openssl for the test (TestPki). Each case runs over polling and
// over WebSocket, through the client API and through `sioscope-cli record` (exit status and
// stderr): a PEM pair and a PKCS#12 bundle connect; no certificate, a key of another
// certificate, a wrong PKCS#12 password, and a server certificate that is not trusted (unknown
// CA, expired, another host) fail with the typed error that names the side that failed. Also
// --origin on every request.
//
// A client certificate of another CA is not among the cases: node checks it after the
// handshake and closes the connection without a TLS alert, so the client sees only a closed
// connection (observed with node 20 and Qt 6.4), which it reports as such. OpenSSL's own
// s_server sends the alerts (certificate required, handshake failure, unknown CA): tlsAlerts
// reads them through both transports, over TLS 1.2 and 1.3.
#include "clirun.h"
#include "engineio/engineioclient.h"
#include "referenceserver.h"
#include "testpki.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

using Transports = EngineIoOptions::Transports;
using TlsFailure = EngineIoError::TlsFailure;
using Problem = EngineIoError::CertificateProblem;
Q_DECLARE_METATYPE(Transports)
Q_DECLARE_METATYPE(TlsFailure)
Q_DECLARE_METATYPE(EngineIoError::CertificateProblem)

namespace {

constexpr int CliTimeoutMs = 20000;
const QString PasswordVariable = QStringLiteral("SIOSCOPE_TEST_P12_PASSWORD");
const QByteArray P12Password = QByteArrayLiteral("p12 secret");

// Which server a case connects to; every one requires a client certificate of the test CA.
enum class Server { Good, Expired, WrongHost };

// What a case presents.
struct Credentials
{
    QString caFile;
    QString certificateFile;
    QString keyFile;
    QByteArray password;
};

// One run of the real sioscope-cli, with its own environment; waits with the event loop running.

// `openssl s_server` asking for a client certificate of `caFile` and refusing the handshake
// without one (-Verify 1 -verify_return_error): no socket.io behind it, only its TLS alerts.
class OpensslServer
{
public:
    ~OpensslServer()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    bool start(const QStringList &tlsArguments, QString *error)
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(QStringLiteral("openssl"),
                        QStringList{QStringLiteral("s_server"), QStringLiteral("-accept"),
                                    QStringLiteral("127.0.0.1:0"), QStringLiteral("-www")} +
                            tlsArguments);
        static const QRegularExpression accept(QStringLiteral("ACCEPT 127\\.0\\.0\\.1:(\\d+)"));
        QByteArray output;
        const bool listening = QTest::qWaitFor(
            [&] {
                m_process.waitForReadyRead(10);
                output += m_process.readAll();
                const QRegularExpressionMatch match = accept.match(QString::fromLatin1(output));
                if (match.hasMatch())
                    m_port = match.captured(1).toInt();
                return m_port != 0 || m_process.state() == QProcess::NotRunning;
            },
            10000);
        if (!listening || m_port == 0) {
            *error = QStringLiteral("openssl s_server did not start: %1")
                         .arg(QString::fromLocal8Bit(output));
            return false;
        }
        return true;
    }
    QUrl url() const { return QUrl(QStringLiteral("https://127.0.0.1:%1").arg(m_port)); }

private:
    QProcess m_process;
    int m_port = 0;
};

} // namespace

class tst_TlsPeer : public QObject
{
    Q_OBJECT

private:
    TestPki m_pki;
    ReferenceServer m_good, m_expired, m_wrongHost;

    ReferenceServer &server(Server which)
    {
        switch (which) {
        case Server::Expired:
            return m_expired;
        case Server::WrongHost:
            return m_wrongHost;
        case Server::Good:
            break;
        }
        return m_good;
    }

    void startServer(ReferenceServer &server, const QString &name)
    {
        ReferenceServer::Options options;
        options.tlsCertFile = m_pki.issued(name).certificateFile;
        options.tlsKeyFile = m_pki.issued(name).keyFile;
        options.tlsClientCaFile = m_pki.caFile(QStringLiteral("ca"));
        options.logRequests = true;
        QString error;
        QVERIFY2(server.start(options, &error), qPrintable(error));
    }

    // The rows shared by the client API and the CLI: every case over polling and WebSocket.
    // An empty `expectedText` with TlsFailure::None: the connection opens.
    void addCaseRows()
    {
        QTest::addColumn<Transports>("transports");
        QTest::addColumn<Server>("server");
        QTest::addColumn<QString>("certificate"); // "pem", "p12", or a failure case's files
        QTest::addColumn<bool>("trustCa");
        QTest::addColumn<TlsFailure>("failure");
        QTest::addColumn<EngineIoError::CertificateProblem>("problem");
        QTest::addColumn<QString>("expectedText");
        const struct
        {
            const char *name;
            Server server;
            const char *certificate;
            bool trustCa;
            TlsFailure failure;
            Problem problem;
            const char *text;
        } cases[] = {
            {"PEM pair", Server::Good, "pem", true, TlsFailure::None, Problem::None, ""},
            {"PKCS#12 with its password", Server::Good, "p12", true, TlsFailure::None,
             Problem::None, ""},
            {"no client certificate", Server::Good, "none", true,
             TlsFailure::ClientCertificateRequired, Problem::None, "requires a client certificate"},
            {"key of another certificate", Server::Good, "wrong key", true,
             TlsFailure::ClientKeyMismatch, Problem::None, "does not match the certificate"},
            {"wrong PKCS#12 password", Server::Good, "p12 wrong password", true,
             TlsFailure::Pkcs12PasswordWrong, Problem::None, "the password is wrong"},
            {"server CA not trusted", Server::Good, "pem", false,
             TlsFailure::ServerCertificateUntrusted, Problem::UnknownIssuer, "unknown issuer"},
            {"server certificate expired", Server::Expired, "pem", true,
             TlsFailure::ServerCertificateUntrusted, Problem::Expired, "it expired on"},
            {"server certificate for another host", Server::WrongHost, "pem", true,
             TlsFailure::ServerCertificateUntrusted, Problem::HostNameMismatch,
             "not for 127.0.0.1"},
        };
        for (const auto &transport : {std::pair{"polling", Transports::PollingOnly},
                                      std::pair{"websocket", Transports::WebSocketOnly}}) {
            for (const auto &c : cases)
                QTest::addRow("%s, %s", transport.first, c.name)
                    << transport.second << c.server << QString::fromLatin1(c.certificate)
                    << c.trustCa << c.failure << c.problem << QString::fromLatin1(c.text);
        }
    }

    Credentials credentials(const QString &certificate, bool trustCa) const
    {
        Credentials c;
        if (trustCa)
            c.caFile = m_pki.caFile(QStringLiteral("ca"));
        const TestPki::Issued client = m_pki.issued(QStringLiteral("client"));
        if (certificate == QLatin1String("pem")) {
            c.certificateFile = client.certificateFile;
            c.keyFile = client.keyFile;
        } else if (certificate == QLatin1String("p12")) {
            c.certificateFile = m_pki.pkcs12File(QStringLiteral("client"));
            c.password = P12Password;
        } else if (certificate == QLatin1String("p12 wrong password")) {
            c.certificateFile = m_pki.pkcs12File(QStringLiteral("client"));
            c.password = "not the password";
        } else if (certificate == QLatin1String("wrong key")) {
            c.certificateFile = client.certificateFile;
            c.keyFile = m_pki.path(QStringLiteral("spare.key"));
        }
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        // The peers and openssl are part of the test: without them it fails, it does not skip.
        QVERIFY2(QFile::exists(ReferenceServer::peersDir() + QStringLiteral("/node_modules")),
                 qPrintable(QStringLiteral("%1/node_modules is missing: run `npm ci` there")
                                .arg(ReferenceServer::peersDir())));
        QVERIFY2(TestPki::hasOpenssl(), "the openssl command is missing (Debian package "
                                        "openssl; scripts/dev.sh installs it)");
        QVERIFY2(QFile::exists(QStringLiteral(SIOSCOPE_CLI_PATH)),
                 "sioscope-cli is not built at " SIOSCOPE_CLI_PATH);
        using Purpose = TestPki::Purpose;
        QString error;
        const QString ip = QStringLiteral("IP:127.0.0.1");
        QVERIFY2(m_pki.createCa(QStringLiteral("ca"), &error), qPrintable(error));
        QVERIFY2(m_pki.issue("server", "ca", Purpose::Server, ip, 2, &error), qPrintable(error));
        QVERIFY2(m_pki.issue("expired", "ca", Purpose::Server, ip, -1, &error), qPrintable(error));
        QVERIFY2(m_pki.issue("wronghost", "ca", Purpose::Server,
                             QStringLiteral("DNS:wrong-host.invalid"), 2, &error),
                 qPrintable(error));
        QVERIFY2(m_pki.issue("client", "ca", Purpose::Client, {}, 2, &error), qPrintable(error));
        QVERIFY2(m_pki.createCa(QStringLiteral("otherca"), &error), qPrintable(error));
        QVERIFY2(m_pki.issue("stranger", "otherca", Purpose::Client, {}, 2, &error),
                 qPrintable(error));
        QVERIFY2(m_pki.createKey(QStringLiteral("spare"), &error), qPrintable(error));
        QVERIFY2(m_pki.exportPkcs12("client", QString::fromUtf8(P12Password), &error),
                 qPrintable(error));
        startServer(m_good, QStringLiteral("server"));
        startServer(m_expired, QStringLiteral("expired"));
        startServer(m_wrongHost, QStringLiteral("wronghost"));
    }

    void clientApi_data() { addCaseRows(); }
    void clientApi()
    {
        QFETCH(Transports, transports);
        QFETCH(Server, server);
        QFETCH(QString, certificate);
        QFETCH(bool, trustCa);
        QFETCH(TlsFailure, failure);
        QFETCH(EngineIoError::CertificateProblem, problem);
        QFETCH(QString, expectedText);

        const Credentials c = credentials(certificate, trustCa);
        EngineIoOptions options;
        options.url = this->server(server).url();
        options.transports = transports;
        options.connectTimeoutMs = 8000;
        options.caFile = c.caFile;
        options.clientCertificateFile = c.certificateFile;
        options.clientKeyFile = c.keyFile;
        options.clientCertificatePassword = c.password;
        // On: a failure that a retry cannot mend (the local files) must not be retried.
        options.reconnect.enabled = true;
        options.reconnect.delayMs = 50;
        options.reconnect.delayMaxMs = 50;
        options.reconnect.maxAttempts = 1;
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy openSpy(&client, &EngineIoClient::openReceived);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        QSignalSpy reconnectSpy(&client, &EngineIoClient::reconnectScheduled);
        const qsizetype requestsBefore = this->server(server).requests().size();
        client.open();

        if (failure == TlsFailure::None) {
            QTRY_VERIFY2_WITH_TIMEOUT(
                openSpy.count() == 1,
                qPrintable(errorSpy.isEmpty()
                               ? QStringLiteral("no OPEN and no error")
                               : errorSpy.first().first().value<EngineIoError>().message),
                8000);
            QCOMPARE(errorSpy.count(), 0);
            client.close();
            QTRY_COMPARE_WITH_TIMEOUT(client.state(), EngineIoClient::State::Disconnected, 3000);
            return;
        }
        QTRY_VERIFY_WITH_TIMEOUT(!errorSpy.isEmpty(), 8000);
        const auto error = errorSpy.first().first().value<EngineIoError>();
        QVERIFY2(error.kind == EngineIoError::Kind::Tls, qPrintable(error.message));
        QVERIFY2(error.tlsFailure == failure, qPrintable(error.message));
        if (problem != Problem::None)
            QVERIFY2(error.certificateProblems.testFlag(problem), qPrintable(error.message));
        QVERIFY2(error.message.contains(expectedText), qPrintable(error.message));
        QCOMPARE(openSpy.count(), 0);
        if (error.isClientCertificateSetupFailure()) {
            // Found before connecting: not retried, and nothing reached the server.
            QVERIFY2(error.message.contains(c.keyFile.isEmpty() ? c.certificateFile : c.keyFile),
                     qPrintable(error.message)); // the message names the file
            QTest::qWait(200);
            QCOMPARE(reconnectSpy.count(), 0);
            QCOMPARE(client.state(), EngineIoClient::State::Disconnected);
            QCOMPARE(this->server(server).requests().size(), requestsBefore);
        }
        client.close();
    }

    void tlsAlerts_data()
    {
        QTest::addColumn<Transports>("transports");
        QTest::addColumn<QString>("protocol");
        QTest::addColumn<bool>("presentStranger");
        QTest::addColumn<TlsFailure>("failure");
        for (const auto &transport : {std::pair{"polling", Transports::PollingOnly},
                                      std::pair{"websocket", Transports::WebSocketOnly}}) {
            for (const char *protocol : {"-tls1_2", "-tls1_3"}) {
                QTest::addRow("%s, %s, no certificate", transport.first, protocol + 1)
                    << transport.second << QString::fromLatin1(protocol) << false
                    << TlsFailure::ClientCertificateRequired;
                QTest::addRow("%s, %s, certificate of another CA", transport.first, protocol + 1)
                    << transport.second << QString::fromLatin1(protocol) << true
                    << TlsFailure::ClientCertificateRefused;
            }
        }
    }
    void tlsAlerts()
    {
        QFETCH(Transports, transports);
        QFETCH(QString, protocol);
        QFETCH(bool, presentStranger);
        QFETCH(TlsFailure, failure);
        const TestPki::Issued server = m_pki.issued(QStringLiteral("server"));
        OpensslServer openssl;
        QString error;
        QVERIFY2(
            openssl.start({QStringLiteral("-cert"), server.certificateFile, QStringLiteral("-key"),
                           server.keyFile, QStringLiteral("-CAfile"),
                           m_pki.caFile(QStringLiteral("ca")), QStringLiteral("-Verify"),
                           QStringLiteral("1"), QStringLiteral("-verify_return_error"), protocol},
                          &error),
            qPrintable(error));
        EngineIoOptions options;
        options.url = openssl.url();
        options.transports = transports;
        options.connectTimeoutMs = 8000;
        options.reconnect.enabled = false;
        options.caFile = m_pki.caFile(QStringLiteral("ca"));
        if (presentStranger) {
            options.clientCertificateFile =
                m_pki.issued(QStringLiteral("stranger")).certificateFile;
            options.clientKeyFile = m_pki.issued(QStringLiteral("stranger")).keyFile;
        }
        EngineIoClient client;
        client.setOptions(options);
        QSignalSpy errorSpy(&client, &EngineIoClient::errorOccurred);
        client.open();
        QTRY_VERIFY_WITH_TIMEOUT(!errorSpy.isEmpty(), 8000);
        const auto engineError = errorSpy.first().first().value<EngineIoError>();
        QVERIFY2(engineError.kind == EngineIoError::Kind::Tls, qPrintable(engineError.message));
        QVERIFY2(engineError.tlsFailure == failure, qPrintable(engineError.message));
        QVERIFY2(engineError.message.contains(presentStranger ? QStringLiteral("stranger.pem")
                                                              : QStringLiteral("requires")),
                 qPrintable(engineError.message));
    }

    void cli_data() { addCaseRows(); }
    void cli()
    {
        QFETCH(Transports, transports);
        QFETCH(Server, server);
        QFETCH(QString, certificate);
        QFETCH(bool, trustCa);
        QFETCH(TlsFailure, failure);
        QFETCH(QString, expectedText);

        const Credentials c = credentials(certificate, trustCa);
        QStringList arguments{QStringLiteral("record"),
                              this->server(server).url().toString(),
                              QStringLiteral("--transport"),
                              transports == Transports::PollingOnly ? QStringLiteral("polling")
                                                                    : QStringLiteral("websocket"),
                              QStringLiteral("--duration"),
                              QStringLiteral("0.8")};
        if (!c.caFile.isEmpty())
            arguments << QStringLiteral("--ca") << c.caFile;
        if (!c.certificateFile.isEmpty())
            arguments << QStringLiteral("--cert") << c.certificateFile;
        if (!c.keyFile.isEmpty())
            arguments << QStringLiteral("--key") << c.keyFile;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        if (!c.password.isEmpty()) {
            arguments << QStringLiteral("--cert-password-env") << PasswordVariable;
            environment.insert(PasswordVariable, QString::fromUtf8(c.password));
        }
        const CliRun run(arguments, environment, CliTimeoutMs);
        const QByteArray describe = "sioscope-cli " + arguments.join(QLatin1Char(' ')).toUtf8() +
                                    "\nexit " + QByteArray::number(run.exitCode) + ", stderr:\n" +
                                    run.err;
        QVERIFY2(!run.err.contains(P12Password), describe.constData()); // never echoed
        QVERIFY2(!run.out.contains(P12Password), describe.constData());
        if (failure == TlsFailure::None) {
            QVERIFY2(run.exitCode == 0, describe.constData());
            QVERIFY2(run.out.contains("\"type\":\"OPEN\""), describe.constData());
            return;
        }
        QVERIFY2(run.exitCode == 1, describe.constData());
        QVERIFY2(run.err.contains(expectedText.toUtf8()), describe.constData());
        // The log names the failure for programs too: the error note's "tls" detail.
        QVERIFY2(
            run.out.contains("\"tls\":\"" + EngineIoError::tlsFailureName(failure).toUtf8() + '"'),
            run.out.right(2000).constData());
    }

    void cliInsecure()
    {
        // --insecure: the untrusted server certificate is accepted, and the session's log
        // carries the warning.
        const Credentials c = credentials(QStringLiteral("pem"), false);
        const CliRun run({QStringLiteral("record"), m_good.url().toString(),
                          QStringLiteral("--transport"), QStringLiteral("websocket"),
                          QStringLiteral("--insecure"), QStringLiteral("--cert"), c.certificateFile,
                          QStringLiteral("--key"), c.keyFile, QStringLiteral("--duration"),
                          QStringLiteral("0.8")},
                         QProcessEnvironment::systemEnvironment());
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.err.contains("--insecure"), run.err.constData());
        QVERIFY2(run.out.contains("certificate errors ignored"), run.out.right(2000).constData());
    }

    void cliUsageErrors_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("expectedText");
        QTest::newRow("--key without --cert")
            << QStringList{QStringLiteral("--key"), QStringLiteral("k.pem")}
            << QStringLiteral("--key needs --cert");
        QTest::newRow("password variable not set")
            << QStringList{QStringLiteral("--cert"), QStringLiteral("c.p12"),
                           QStringLiteral("--cert-password-env"),
                           QStringLiteral("SIOSCOPE_TEST_UNSET_VARIABLE")}
            << QStringLiteral("SIOSCOPE_TEST_UNSET_VARIABLE, which is not set");
        QTest::newRow("origin with a path")
            << QStringList{QStringLiteral("--origin"), QStringLiteral("https://a.example/x")}
            << QStringLiteral("--origin must look like");
    }
    void cliUsageErrors()
    {
        QFETCH(QStringList, options);
        QFETCH(QString, expectedText);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.remove(QStringLiteral("SIOSCOPE_TEST_UNSET_VARIABLE"));
        const CliRun run(QStringList{QStringLiteral("record"), m_good.url().toString()} + options,
                         environment);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(expectedText.toUtf8()), run.err.constData());
    }

    void origin_data()
    {
        QTest::addColumn<QString>("transport");
        QTest::newRow("polling") << QStringLiteral("polling");
        QTest::newRow("websocket") << QStringLiteral("websocket");
        QTest::newRow("polling upgraded to websocket") << QStringLiteral("auto");
    }
    void origin()
    {
        // --origin goes on every request, polling and the WebSocket upgrade alike, and wins
        // over an Origin given with -H.
        QFETCH(QString, transport);
        const Credentials c = credentials(QStringLiteral("pem"), true);
        const qsizetype before = m_good.requests().size();
        const CliRun run({QStringLiteral("record"), m_good.url().toString(),
                          QStringLiteral("--transport"), transport, QStringLiteral("--ca"),
                          c.caFile, QStringLiteral("--cert"), c.certificateFile,
                          QStringLiteral("--key"), c.keyFile, QStringLiteral("-H"),
                          QStringLiteral("Origin: https://loses.example"),
                          QStringLiteral("--origin"), QStringLiteral("https://app.example:8443"),
                          QStringLiteral("--query"), QStringLiteral("row=") + transport,
                          QStringLiteral("--duration"), QStringLiteral("0.8")},
                         QProcessEnvironment::systemEnvironment());
        QVERIFY2(run.exitCode == 0, run.err.constData());
        // Only this row's: the server may log the previous row's last long poll once its
        // connection has gone, which is after that row has ended.
        const QList<ReferenceServer::Request> requests = m_good.requests().mid(before);
        bool sawPolling = false, sawUpgrade = false;
        for (const ReferenceServer::Request &request : requests) {
            if (request.query.value(QStringLiteral("row")) != transport)
                continue;
            QCOMPARE(request.headers.value("origin"), QByteArray("https://app.example:8443"));
            (request.upgrade ? sawUpgrade : sawPolling) = true;
        }
        QCOMPARE(sawPolling, transport != QLatin1String("websocket"));
        QCOMPARE(sawUpgrade, transport != QLatin1String("polling"));
    }
};

QTEST_GUILESS_MAIN(tst_TlsPeer)
#include "tst_tls_peer.moc"
