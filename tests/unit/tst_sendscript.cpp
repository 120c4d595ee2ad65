#include "session/sendscript.h"

#include <QJsonDocument>
#include <QTest>

class tst_SendScript : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void validLines_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<int>("type");
        QTest::addColumn<QString>("nsp");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<int>("attachments");
        QTest::addColumn<bool>("ack");
        QTest::addColumn<int>("delayMs");
        QTest::newRow("plain event on /")
            << QByteArray(R"({"type":"EVENT","nsp":"/","data":["echo","hi"]})")
            << int(SocketIoPacket::Event) << "/" << QByteArray(R"(["echo","hi"])") << 0 << false
            << 0;
        QTest::newRow("namespace defaults to /")
            << QByteArray(R"({"type":"EVENT","data":["x"]})") << int(SocketIoPacket::Event) << "/"
            << QByteArray(R"(["x"])") << 0 << false << 0;
        QTest::newRow("ack and delay")
            << QByteArray(
                   R"({"type":"EVENT","nsp":"/admin","data":["q",1],"ack":true,"delay_ms":250})")
            << int(SocketIoPacket::Event) << "/admin" << QByteArray(R"(["q",1])") << 0 << true
            << 250;
        QTest::newRow("binary argument")
            << QByteArray(
                   R"({"type":"EVENT","data":["up",{"_placeholder":true,"num":0}],"attachments":["AAEC"]})")
            << int(SocketIoPacket::Event) << "/"
            << QByteArray(R"(["up",{"_placeholder":true,"num":0}])") << 1 << false << 0;
        QTest::newRow("leave a namespace")
            << QByteArray(R"({"type":"DISCONNECT","nsp":"/admin"})")
            << int(SocketIoPacket::Disconnect) << "/admin" << QByteArray("[]") << 0 << false << 0;
    }
    void validLines()
    {
        QFETCH(QByteArray, line);
        QFETCH(int, type);
        QFETCH(QString, nsp);
        QFETCH(QByteArray, data);
        QFETCH(int, attachments);
        QFETCH(bool, ack);
        QFETCH(int, delayMs);
        ScriptStep step;
        QString error;
        QVERIFY2(SendScript::parseLine(line, 1, &step, &error), qPrintable(error));
        QCOMPARE(int(step.type), type);
        QCOMPARE(step.nsp, nsp);
        QCOMPARE(QJsonDocument(step.data).toJson(QJsonDocument::Compact), data);
        QCOMPARE(step.attachments.size(), attachments);
        QCOMPARE(step.ack, ack);
        QCOMPARE(step.delayMs, delayMs);
    }

    void invalidLines_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("error");
        QTest::newRow("not JSON") << QByteArray("{type") << "line 4: not JSON";
        QTest::newRow("not an object") << QByteArray("[1]") << "line 4: must be a JSON object";
        QTest::newRow("unknown type") << QByteArray(R"({"type":"ACK","data":[]})")
                                      << "line 4: \"type\" must be \"EVENT\" or \"DISCONNECT\"";
        QTest::newRow("unknown field") << QByteArray(R"({"type":"EVENT","data":["x"],"id":3})")
                                       << "line 4: unknown field \"id\"";
        QTest::newRow("empty data") << QByteArray(R"({"type":"EVENT","data":[]})")
                                    << "line 4: \"data\" must be a non-empty array";
        QTest::newRow("event name not a string") << QByteArray(R"({"type":"EVENT","data":[1]})")
                                                 << "line 4: \"data\" must be a non-empty array";
        QTest::newRow("bad namespace")
            << QByteArray(R"({"type":"EVENT","nsp":"admin","data":["x"]})")
            << "line 4: \"nsp\" must be a string starting with \"/\"";
        QTest::newRow("negative delay")
            << QByteArray(R"({"type":"EVENT","data":["x"],"delay_ms":-1})")
            << "line 4: \"delay_ms\" must be a whole number";
        QTest::newRow("ack not a bool") << QByteArray(R"({"type":"EVENT","data":["x"],"ack":1})")
                                        << "line 4: \"ack\" must be true or false";
        QTest::newRow("bad base64")
            << QByteArray(
                   R"({"type":"EVENT","data":["x",{"_placeholder":true,"num":0}],"attachments":["@@"]})")
            << "line 4: attachment 0 is not valid base64";
        QTest::newRow("attachment without placeholder")
            << QByteArray(R"({"type":"EVENT","data":["x"],"attachments":["AAEC"]})") << "line 4: ";
        QTest::newRow("placeholder without attachment")
            << QByteArray(R"({"type":"EVENT","data":["x",{"_placeholder":true,"num":0}]})")
            << "line 4: ";
        QTest::newRow("disconnect with data")
            << QByteArray(R"({"type":"DISCONNECT","nsp":"/a","data":["x"]})")
            << "line 4: DISCONNECT takes no \"data\"";
    }
    void invalidLines()
    {
        QFETCH(QByteArray, line);
        QFETCH(QString, error);
        ScriptStep step;
        QString message;
        QVERIFY(!SendScript::parseLine(line, 4, &step, &message));
        QVERIFY2(message.startsWith(error), qPrintable(message));
        QVERIFY2(message.size() > QStringLiteral("line 4: ").size(), qPrintable(message));
    }

    void wholeScriptSkipsBlankAndCommentLines()
    {
        const QByteArray script = "# greet\n"
                                  "{\"type\":\"EVENT\",\"data\":[\"a\"]}\n"
                                  "\n"
                                  "{\"type\":\"EVENT\",\"nsp\":\"/chat\",\"data\":[\"b\"]}";
        QList<ScriptStep> steps;
        QString error;
        QVERIFY2(SendScript::parse(script, &steps, &error), qPrintable(error));
        QCOMPARE(steps.size(), 2);
        QCOMPARE(steps.at(0).line, 2);
        QCOMPARE(steps.at(1).line, 4);
        QCOMPARE(steps.at(1).nsp, QStringLiteral("/chat"));
    }

    void wholeScriptNamesTheBadLine()
    {
        QList<ScriptStep> steps;
        QString error;
        QVERIFY(!SendScript::parse("{\"type\":\"EVENT\",\"data\":[\"a\"]}\n\n{oops}\n", &steps,
                                   &error));
        QVERIFY2(error.startsWith(QLatin1String("line 3: not JSON")), qPrintable(error));
    }
};

QTEST_APPLESS_MAIN(tst_SendScript)
#include "tst_sendscript.moc"
