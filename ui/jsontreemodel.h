// A collapsible tree of one JSON value: key, value and type columns.
//
// One top-level row holds the value itself (so that a scalar payload shows too); objects and
// arrays have their members as children. Nodes are made when a view first asks for them, so a
// large array costs nothing until it is expanded. Socket.IO binary placeholders
// {"_placeholder":true,"num":N} are leaves shown as "⧉ attachment N (123 B)" when the attachment
// sizes are known.
#pragma once

#include <QAbstractItemModel>
#include <QJsonValue>
#include <QList>

#include <memory>
#include <vector>

class JsonTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { KeyColumn, ValueColumn, TypeColumn, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        JsonValueRole = Qt::UserRole + 1, // QJsonValue of the node
        PathRole,                         // QString: "$[1].user.name", "$[\"a key\"]"
        PlaceholderRole,                  // int: the placeholder's attachment number, or -1
    };
    Q_ENUM(Role)

    explicit JsonTreeModel(QObject *parent = nullptr);
    ~JsonTreeModel() override;

    // Shows `value` (Undefined: nothing). `attachmentSizes[n]` is the size of attachment n.
    void setJson(const QJsonValue &value, const QList<qint64> &attachmentSizes = {},
                 const QString &rootKey = {});
    // Parses JSON text of any top-level kind (Qt 6.4's QJsonDocument only takes objects and
    // arrays). Returns false, and shows nothing, when the text is not valid JSON.
    bool setJsonText(const QByteArray &json, const QList<qint64> &attachmentSizes = {},
                     const QString &rootKey = {});
    void clear();
    QJsonValue json() const;

    static bool isPlaceholder(const QJsonValue &value, int *num = nullptr);
    static QString typeName(const QJsonValue &value);
    // One line: strings quoted and escaped, containers summarised ("{3 keys}", "[2 items]").
    QString valueText(const QJsonValue &value) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    struct Node
    {
        QJsonValue value;
        QString key; // object member name; empty for array items and the root
        int row = 0; // in the parent
        bool isArrayItem = false;
        Node *parent = nullptr;
        std::vector<std::unique_ptr<Node>> children; // made on demand
    };

    static int childCount(const QJsonValue &value);
    Node *nodeFor(const QModelIndex &index) const;
    Node *child(Node *node, int row) const;
    QString path(const Node *node) const;

    std::unique_ptr<Node> m_root; // invisible; its only child is the value's row
    QList<qint64> m_attachmentSizes;
    QString m_rootKey;
};
