// PayloadMatch's Schema mode against the official JSON Schema Test Suite, draft 7 (the Debian
// package json-schema-test-suite): one row per test case of the files of the supported keywords.
// A case whose schema uses an unsupported keyword must be refused by validate() and is skipped,
// naming the keyword; every other case must give the suite's verdict.
#include "scenario/payloadmatch.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace {

const char SuiteDir[] = "/usr/share/json-schema-test-suite/tests/draft7";

// The files of the keywords payloadmatch.h supports, with default.json (an annotation, which is
// ignored); then those of keywords it refuses ($ref, definitions), whose cases must all be refused.
const char *const Files[] = {
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "dependencies",
    "items",
    "additionalItems",
    "contains",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if-then-else",
    "boolean_schema",
    "default",
    "ref",
    "refRemote",
    "definitions",
};

} // namespace

class tst_JsonSchemaSuite : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        // A missing suite is a failure: without it this test would check nothing.
        QVERIFY2(QDir(QString::fromLatin1(SuiteDir)).exists(),
                 qPrintable(QStringLiteral("%1 is missing: apt-get install json-schema-test-suite")
                                .arg(QString::fromLatin1(SuiteDir))));
    }

    void suiteCase_data()
    {
        QTest::addColumn<QJsonValue>("schema");
        QTest::addColumn<QJsonValue>("data");
        QTest::addColumn<bool>("valid");
        int rows = 0;
        for (const char *keyword : Files) {
            const QString path =
                QStringLiteral("%1/%2.json")
                    .arg(QString::fromLatin1(SuiteDir), QString::fromLatin1(keyword));
            QFile file(path);
            QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(path));
            QJsonParseError error;
            const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
            QVERIFY2(document.isArray(),
                     qPrintable(path + QStringLiteral(": ") + error.errorString()));
            for (const QJsonValue &group : document.array()) {
                const QJsonObject g = group.toObject();
                for (const QJsonValue &test : g.value(u"tests").toArray()) {
                    const QJsonObject t = test.toObject();
                    const QString name =
                        QStringLiteral("%1: %2: %3")
                            .arg(QString::fromLatin1(keyword), g.value(u"description").toString(),
                                 t.value(u"description").toString());
                    QTest::newRow(qPrintable(name))
                        << g.value(u"schema") << t.value(u"data") << t.value(u"valid").toBool();
                    ++rows;
                }
            }
        }
        QVERIFY(rows > 0);
    }

    void suiteCase()
    {
        QFETCH(QJsonValue, schema);
        QFETCH(QJsonValue, data);
        QFETCH(bool, valid);
        QString error;
        if (!PayloadMatch::validate(schema, MatchMode::Schema, JsonPath(QStringLiteral("schema")),
                                    &error)) {
            // Only an unsupported keyword may make a suite schema unusable.
            QVERIFY2(error.contains(u"unsupported schema keyword"), qPrintable(error));
            ++m_skipped;
            QSKIP(qPrintable(error));
        }
        ++m_run;
        const MatchResult result =
            PayloadMatch::match(schema, data, MatchMode::Schema, JsonPath(QStringLiteral("args")));
        QVERIFY2(result.matched == valid,
                 qPrintable(valid ? result.toString()
                                  : QStringLiteral("matched, the suite says invalid")));
        // A mismatch always says where and why.
        if (!result.matched)
            QVERIFY(!result.toString().isEmpty());
    }

    void cleanupTestCase()
    {
        qInfo("JSON Schema Test Suite draft 7: %d cases run, %d skipped (unsupported keywords)",
              m_run, m_skipped);
        QVERIFY(m_run > 0);
    }

private:
    int m_run = 0;
    int m_skipped = 0;
};

QTEST_GUILESS_MAIN(tst_JsonSchemaSuite)
#include "tst_jsonschemasuite.moc"
