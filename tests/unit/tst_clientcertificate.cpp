// ClientCertificate::load: every way the files of a client certificate can be wrong is its own
// TlsFailure, and the message names the file; PEM pairs, a certificate with its key in one file
// and PKCS#12 bundles load. The certificates are made by openssl (TestPki); no network.
#include "engineio/clientcertificate.h"
#include "testpki.h"

#include <QFile>
#include <QTest>

using TlsFailure = EngineIoError::TlsFailure;
Q_DECLARE_METATYPE(TlsFailure)

class tst_ClientCertificate : public QObject
{
    Q_OBJECT

private:
    TestPki m_pki;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestPki::hasOpenssl(), "the openssl command is missing (Debian package "
                                        "openssl; scripts/dev.sh installs it)");
        QString error;
        QVERIFY2(m_pki.createCa(QStringLiteral("ca"), &error), qPrintable(error));
        QVERIFY2(m_pki.issue(QStringLiteral("client"), QStringLiteral("ca"),
                             TestPki::Purpose::Client, {}, 2, &error),
                 qPrintable(error));
        QVERIFY2(m_pki.createKey(QStringLiteral("spare"), &error), qPrintable(error));
        QVERIFY2(m_pki.encryptKey(QStringLiteral("client"), QStringLiteral("pw"), &error),
                 qPrintable(error));
        QVERIFY2(m_pki.exportPkcs12(QStringLiteral("client"), QStringLiteral("right"), &error),
                 qPrintable(error));
        // The certificate and its key in one file, as some tools write them.
        QFile both(m_pki.path(QStringLiteral("both.pem")));
        QVERIFY(both.open(QIODevice::WriteOnly));
        for (const QString &part : {m_pki.issued(QStringLiteral("client")).certificateFile,
                                    m_pki.issued(QStringLiteral("client")).keyFile}) {
            QFile in(part);
            QVERIFY(in.open(QIODevice::ReadOnly));
            both.write(in.readAll());
        }
        both.close();
        QFile text(m_pki.path(QStringLiteral("notes.txt")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("not a certificate\n");
    }

    void load_data()
    {
        QTest::addColumn<QString>("certificate"); // a file in the PKI directory, or a path
        QTest::addColumn<QString>("key");
        QTest::addColumn<QByteArray>("password");
        QTest::addColumn<TlsFailure>("failure");
        QTest::addColumn<QString>("expectedText");
        QTest::addColumn<QString>("namedFile"); // the file the message must name
        QTest::newRow("PEM pair") << "client.pem"
                                  << "client.key" << QByteArray() << TlsFailure::None << QString()
                                  << QString();
        QTest::newRow("certificate and key in one file")
            << "both.pem" << QString() << QByteArray() << TlsFailure::None << QString()
            << QString();
        QTest::newRow("PKCS#12 with its password")
            << "client.p12" << QString() << QByteArray("right") << TlsFailure::None << QString()
            << QString();
        QTest::newRow("certificate file missing")
            << "/nonexistent/sioscope/client.pem"
            << "client.key" << QByteArray() << TlsFailure::ClientFileUnreadable
            << "cannot read the client certificate file"
            << "/nonexistent/sioscope/client.pem";
        QTest::newRow("key file missing")
            << "client.pem"
            << "/nonexistent/sioscope/client.key" << QByteArray()
            << TlsFailure::ClientFileUnreadable << "cannot read the client key file"
            << "/nonexistent/sioscope/client.key";
        QTest::newRow("no certificate in the file")
            << "notes.txt"
            << "client.key" << QByteArray() << TlsFailure::ClientCertificateMissing
            << "no PEM certificate"
            << "notes.txt";
        QTest::newRow("certificate without its key")
            << "client.pem" << QString() << QByteArray() << TlsFailure::ClientKeyUnreadable
            << "no private key"
            << "client.pem";
        QTest::newRow("encrypted key") << "client.pem"
                                       << "client-encrypted.key" << QByteArray()
                                       << TlsFailure::ClientKeyUnreadable << "is encrypted"
                                       << "client-encrypted.key";
        QTest::newRow("key is not a key") << "client.pem"
                                          << "notes.txt" << QByteArray()
                                          << TlsFailure::ClientKeyUnreadable << "no PEM private key"
                                          << "notes.txt";
        QTest::newRow("key of another certificate")
            << "client.pem"
            << "spare.key" << QByteArray() << TlsFailure::ClientKeyMismatch << "does not match"
            << "spare.key";
        QTest::newRow("PKCS#12 with a wrong password")
            << "client.p12" << QString() << QByteArray("Wr0ngPass")
            << TlsFailure::Pkcs12PasswordWrong << "the password is wrong"
            << "client.p12";
        QTest::newRow("PKCS#12 without a password")
            << "client.p12" << QString() << QByteArray() << TlsFailure::Pkcs12PasswordWrong
            << "no password was given"
            << "client.p12";
    }
    void load()
    {
        QFETCH(QString, certificate);
        QFETCH(QString, key);
        QFETCH(QByteArray, password);
        QFETCH(TlsFailure, failure);
        QFETCH(QString, expectedText);
        QFETCH(QString, namedFile);
        const auto resolve = [this](const QString &name) {
            return name.isEmpty() || name.startsWith(QLatin1Char('/')) ? name : m_pki.path(name);
        };
        ClientCertificate loaded;
        const std::optional<EngineIoError> error =
            ClientCertificate::load(resolve(certificate), resolve(key), password, &loaded);
        if (failure == TlsFailure::None) {
            QVERIFY2(!error, error ? qPrintable(error->message) : "");
            QVERIFY(!loaded.certificate.isNull());
            QVERIFY(!loaded.privateKey.isNull());
            QVERIFY(ClientCertificate::keyMatches(loaded.certificate, loaded.privateKey));
            return;
        }
        QVERIFY(error.has_value());
        QCOMPARE(error->kind, EngineIoError::Kind::Tls);
        QVERIFY2(error->tlsFailure == failure, qPrintable(error->message));
        QVERIFY(error->isClientCertificateSetupFailure());
        QVERIFY2(error->message.contains(expectedText), qPrintable(error->message));
        QVERIFY2(error->message.contains(namedFile), qPrintable(error->message));
        QVERIFY2(!error->message.contains(QString::fromUtf8(password)) || password.isEmpty(),
                 qPrintable(error->message)); // the password never shows
    }
};

QTEST_GUILESS_MAIN(tst_ClientCertificate)
#include "tst_clientcertificate.moc"
