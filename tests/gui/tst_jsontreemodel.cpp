#include "jsontreemodel.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

namespace {
// Finds a row by its path ("$[1].user"), walking the whole tree the way a view would.
QModelIndex find(const QAbstractItemModel &model, const QString &path,
                 const QModelIndex &parent = {})
{
    for (int row = 0; row < model.rowCount(parent); ++row) {
        const QModelIndex index = model.index(row, 0, parent);
        if (index.data(JsonTreeModel::PathRole).toString() == path)
            return index;
        const QModelIndex inner = find(model, path, index);
        if (inner.isValid())
            return inner;
    }
    return {};
}

QStringList rowTexts(const QModelIndex &index)
{
    const QAbstractItemModel *model = index.model();
    return {model->index(index.row(), JsonTreeModel::KeyColumn, index.parent()).data().toString(),
            model->index(index.row(), JsonTreeModel::ValueColumn, index.parent()).data().toString(),
            model->index(index.row(), JsonTreeModel::TypeColumn, index.parent()).data().toString()};
}

const QByteArray EventPayload =
    "[\"chat\",{\"user\":\"ann\",\"tags\":[\"a\",\"b\"],\"n\":1.5,\"big\":9007199254740993,\"ok\":"
    "true,"
    "\"none\":null,\"file\":{\"_placeholder\":true,\"num\":0},\"text\":\"line\\nbreak \\\"q\\\"\","
    "\"a key\":{\"x\":[]},\"more\":{\"_placeholder\":true,\"num\":1}}]";
} // namespace

class tst_JsonTreeModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void modelTester()
    {
        JsonTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(model.setJsonText(EventPayload, {123}));
        // The tester walks the whole tree (making every node) on each reset.
        QVERIFY(model.setJsonText("\"just a string\""));
        QVERIFY(model.setJsonText("[]"));
        QVERIFY(!model.setJsonText("{broken"));
        QCOMPARE(model.rowCount(), 0);
        model.setJson(QJsonDocument::fromJson(EventPayload).array());
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void structure()
    {
        JsonTreeModel model;
        QVERIFY(model.setJsonText(EventPayload, {123, 2048}, QStringLiteral("payload")));
        QCOMPARE(model.rowCount(), 1);
        const QModelIndex root = model.index(0, 0);
        QCOMPARE(rowTexts(root), (QStringList{"payload", "[2 items]", "array"}));
        QCOMPARE(model.rowCount(root), 2);
        QCOMPARE(rowTexts(model.index(0, 0, root)), (QStringList{"[0]", "\"chat\"", "string"}));
        const QModelIndex object = model.index(1, 0, root);
        QCOMPARE(rowTexts(object), (QStringList{"[1]", "{10 keys}", "object"}));
        QCOMPARE(model.rowCount(object), 10);
        QCOMPARE(model.parent(object), root);
        QCOMPARE(model.parent(root), QModelIndex());

        const auto texts = [&](const char *path) {
            const QModelIndex index = find(model, QString::fromUtf8(path));
            return index.isValid() ? rowTexts(index) : QStringList{"<missing>", path};
        };
        QCOMPARE(texts("$[1].user"), (QStringList{"user", "\"ann\"", "string"}));
        QCOMPARE(texts("$[1].tags"), (QStringList{"tags", "[2 items]", "array"}));
        QCOMPARE(texts("$[1].tags[1]"), (QStringList{"[1]", "\"b\"", "string"}));
        QCOMPARE(texts("$[1].n"), (QStringList{"n", "1.5", "number"}));
        QCOMPARE(texts("$[1].big"), (QStringList{"big", "9007199254740993", "number"}));
        QCOMPARE(texts("$[1].ok"), (QStringList{"ok", "true", "bool"}));
        QCOMPARE(texts("$[1].none"), (QStringList{"none", "null", "null"}));
        QCOMPARE(texts("$[1].text"), (QStringList{"text", "\"line\\nbreak \\\"q\\\"\"", "string"}));
        QCOMPARE(texts("$[1][\"a key\"]"), (QStringList{"a key", "{1 key}", "object"}));
        QCOMPARE(texts("$[1][\"a key\"].x"), (QStringList{"x", "[0 items]", "array"}));
        QVERIFY(!model.hasChildren(find(model, "$[1][\"a key\"].x")));
        QVERIFY(model.hasChildren(find(model, "$[1].tags")));
        QCOMPARE(find(model, "$[1].tags").data(JsonTreeModel::JsonValueRole).value<QJsonValue>(),
                 QJsonValue(QJsonArray{"a", "b"}));
    }

    void placeholders_data()
    {
        QTest::addColumn<QList<qint64>>("sizes");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("more");
        QTest::newRow("sizes known") << QList<qint64>{123, 2048} << "⧉ attachment 0 (123 B)"
                                     << "⧉ attachment 1 (2.0 KiB)";
        QTest::newRow("sizes unknown") << QList<qint64>{} << "⧉ attachment 0"
                                       << "⧉ attachment 1";
        QTest::newRow("fewer sizes than placeholders") << QList<qint64>{5} << "⧉ attachment 0 (5 B)"
                                                       << "⧉ attachment 1";
    }
    void placeholders()
    {
        QFETCH(QList<qint64>, sizes);
        QFETCH(QString, file);
        QFETCH(QString, more);
        JsonTreeModel model;
        QVERIFY(model.setJsonText(EventPayload, sizes));
        const QModelIndex fileIndex = find(model, QStringLiteral("$[1].file"));
        QVERIFY(fileIndex.isValid());
        QCOMPARE(rowTexts(fileIndex), (QStringList{"file", file, "binary"}));
        QCOMPARE(model.rowCount(fileIndex), 0); // a leaf, not an object with two keys
        QCOMPARE(fileIndex.data(JsonTreeModel::PlaceholderRole).toInt(), 0);
        QVERIFY(model.flags(fileIndex) & Qt::ItemNeverHasChildren);
        const QModelIndex moreIndex = find(model, QStringLiteral("$[1].more"));
        QCOMPARE(rowTexts(moreIndex).at(1), more);
        QCOMPARE(moreIndex.data(JsonTreeModel::PlaceholderRole).toInt(), 1);
        QCOMPARE(find(model, "$[1].user").data(JsonTreeModel::PlaceholderRole).toInt(), -1);
    }

    void placeholderLookalikes_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<bool>("placeholder");
        QTest::newRow("keys in the other order")
            << QByteArray("{\"num\":2,\"_placeholder\":true}") << true;
        QTest::newRow("_placeholder false")
            << QByteArray("{\"_placeholder\":false,\"num\":0}") << false;
        QTest::newRow("negative num") << QByteArray("{\"_placeholder\":true,\"num\":-1}") << false;
        QTest::newRow("fractional num")
            << QByteArray("{\"_placeholder\":true,\"num\":1.5}") << false;
        QTest::newRow("num as a string")
            << QByteArray("{\"_placeholder\":true,\"num\":\"0\"}") << false;
        QTest::newRow("an extra key")
            << QByteArray("{\"_placeholder\":true,\"num\":0,\"x\":1}") << false;
    }
    void placeholderLookalikes()
    {
        QFETCH(QByteArray, json);
        QFETCH(bool, placeholder);
        JsonTreeModel model;
        QVERIFY(model.setJsonText(json));
        QCOMPARE(model.index(0, JsonTreeModel::TypeColumn).data().toString(),
                 placeholder ? QStringLiteral("binary") : QStringLiteral("object"));
        QCOMPARE(model.rowCount(model.index(0, 0)), placeholder ? 0 : json.count(':'));
    }

    void scalarsAndLongStrings()
    {
        JsonTreeModel model;
        QVERIFY(model.setJsonText("42"));
        QCOMPARE(rowTexts(model.index(0, 0)), (QStringList{"", "42", "number"}));
        QVERIFY(model.setJsonText("-0.000125"));
        QCOMPARE(model.index(0, JsonTreeModel::ValueColumn).data().toString(),
                 QStringLiteral("-0.000125"));
        QVERIFY(model.setJsonText("null"));
        QCOMPARE(model.index(0, JsonTreeModel::TypeColumn).data().toString(),
                 QStringLiteral("null"));
        const QString longText(2000, QLatin1Char('x'));
        QVERIFY(model.setJsonText("\"" + longText.toUtf8() + "\""));
        const QString shown = model.index(0, JsonTreeModel::ValueColumn).data().toString();
        QVERIFY(shown.size() < 520);
        QVERIFY(shown.endsWith(QStringLiteral("…")));
        QCOMPARE(model.index(0, JsonTreeModel::ValueColumn).data(Qt::ToolTipRole).toString(),
                 longText);
    }

    void largeArrayRowsOnDemand()
    {
        // A large array: any row can be reached directly, and its index stays valid.
        QJsonArray items;
        for (int i = 0; i < 100000; ++i)
            items.append(i);
        JsonTreeModel model;
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.setJson(items);
        QCOMPARE(reset.count(), 1);
        const QModelIndex root = model.index(0, 0);
        QCOMPARE(model.rowCount(root), 100000);
        const QModelIndex last = model.index(99999, JsonTreeModel::ValueColumn, root);
        QCOMPARE(last.data().toString(), QStringLiteral("99999"));
        QCOMPARE(last.data(JsonTreeModel::PathRole).toString(), QStringLiteral("$[99999]"));
        QCOMPARE(model.parent(last), root);
        QVERIFY(!model.index(100000, 0, root).isValid());
    }
};

QTEST_MAIN(tst_JsonTreeModel)
#include "tst_jsontreemodel.moc"
