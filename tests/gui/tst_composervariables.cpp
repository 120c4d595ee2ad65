// The composer's {{variables}}: replaced in the event name and the arguments when a message is
// sent, kept as references in the form, history and templates; an undefined one stops the send
// and says where variables come from. The profile's variables file (the same environment files as
// `sioscope-cli test --env`) reaches the composer through the Options dialog and the window.
#include "composer.h"
#include "connectiondialog.h"
#include "infobanner.h"
#include "jsoneditor.h"
#include "mainwindow.h"
#include "profiles.h"

#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

class tst_ComposerVariables : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void substitutedWhenSent()
    {
        Composer composer;
        ScenarioVariables variables;
        variables.setEnvironmentFile({{QStringLiteral("room"), QStringLiteral("lobby")},
                                      {QStringLiteral("user"), QJsonObject{{"id", 1}}}});
        composer.setVariables(variables, QStringLiteral("staging.yaml"));
        composer.setEventName(QStringLiteral("join-{{room}}"));
        composer.setArgumentsText(QStringLiteral("[\"{{user}}\", \"in {{ room }}\", 3]"));
        QString reason;
        QVERIFY2(composer.canSend(&reason), qPrintable(reason));
        const OutgoingMessage message = composer.message();
        QCOMPARE(message.eventName, QStringLiteral("join-lobby"));
        QCOMPARE(QJsonDocument(message.data).toJson(QJsonDocument::Compact),
                 QByteArray("[\"join-lobby\",{\"id\":1},\"in lobby\",3]"));
        // The form keeps the references, so a template is reusable with another file.
        QCOMPARE(composer.draft().eventName, QStringLiteral("join-{{room}}"));
        QVERIFY(composer.draft().argsText.contains(QLatin1String("{{user}}")));

        QSignalSpy sent(&composer, &Composer::sendRequested);
        composer.send();
        QCOMPARE(sent.size(), 1);
        QCOMPARE(sent.first().first().value<OutgoingMessage>().eventName,
                 QStringLiteral("join-lobby"));
    }

    void undefinedVariableStopsTheSend()
    {
        Composer composer;
        composer.setVariables(ScenarioVariables(), QStringLiteral("staging.yaml"));
        composer.setEventName(QStringLiteral("chat"));
        composer.setArgumentsText(QStringLiteral("[\"{{token}}\"]"));
        QString reason;
        QVERIFY(!composer.canSend(&reason));
        QCOMPARE(reason,
                 QStringLiteral("undefined variable \"token\" in staging.yaml or the environment"));
        QSignalSpy sent(&composer, &Composer::sendRequested);
        composer.send();
        QCOMPARE(sent.size(), 0);
        QVERIFY(composer.resultLabel()->text().contains(QLatin1String("undefined variable")));

        composer.setVariables(ScenarioVariables(), QString());
        QVERIFY(!composer.canSend(&reason));
        QVERIFY2(reason.contains(QLatin1String("no variables file is set")), qPrintable(reason));
    }

    void processEnvironmentByDefault()
    {
        qputenv("SIOSCOPE_COMPOSER_TEST", "from-environment");
        Composer composer; // before any profile: the process environment
        composer.setEventName(QStringLiteral("e"));
        composer.setArgumentsText(QStringLiteral("[\"{{SIOSCOPE_COMPOSER_TEST}}\"]"));
        QVERIFY(composer.canSend());
        QCOMPARE(composer.message().data.at(1).toString(), QStringLiteral("from-environment"));
        qunsetenv("SIOSCOPE_COMPOSER_TEST");
    }

    void profileKeepsItsVariablesFile()
    {
        ConnectionProfile profile;
        profile.variablesFile = QStringLiteral("/etc/sioscope/staging.yaml");
        QCOMPARE(ConnectionProfile::fromJson(profile.toJson()).variablesFile,
                 profile.variablesFile);
        ConnectionDialog dialog(profile);
        QCOMPARE(dialog.variablesFileEdit()->text(), profile.variablesFile);
        dialog.variablesFileEdit()->setText(QStringLiteral("  other.yaml "));
        QCOMPARE(dialog.profile().variablesFile, QStringLiteral("other.yaml"));
    }

    void windowTakesTheProfilesFile()
    {
        const QString file = m_dir.filePath(QStringLiteral("staging.yaml"));
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write("room: lobby\n");
        out.close();
        MainWindow window;
        window.setJournalEnabled(false);
        ConnectionProfile profile;
        profile.options.engine.url = QUrl(QStringLiteral("http://127.0.0.1:1"));
        profile.variablesFile = file;
        window.applyProfile(profile);
        Composer *composer = window.composer();
        composer->setEventName(QStringLiteral("join"));
        composer->setArgumentsText(QStringLiteral("[\"{{room}}\"]"));
        QVERIFY(composer->canSend());
        QCOMPARE(composer->message().data.at(1).toString(), QStringLiteral("lobby"));

        // A file that cannot be read is said in the banner, with where.
        const QString broken = m_dir.filePath(QStringLiteral("broken.yaml"));
        QFile bad(broken);
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("room: [\n");
        bad.close();
        profile.variablesFile = broken;
        window.applyProfile(profile);
        QVERIFY(window.infoBanner()->isVisibleTo(&window));
        QVERIFY2(window.infoBanner()->text().contains(broken + QStringLiteral(":2:1")),
                 qPrintable(window.infoBanner()->text()));
        QVERIFY(!composer->canSend());
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(tst_ComposerVariables)
#include "tst_composervariables.moc"
