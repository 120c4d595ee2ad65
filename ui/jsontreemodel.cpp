#include "jsontreemodel.h"
#include "glyphs.h"
#include "timelinemodel.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace {
constexpr int MaxValueChars = 500;

QString quoted(const QString &text, int maxChars)
{
    QString out;
    out.reserve(std::min<qsizetype>(text.size(), maxChars) + 8);
    out += QLatin1Char('"');
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (out.size() > maxChars) {
            out += QStringLiteral("…");
            return out;
        }
        const QChar c = text.at(i);
        switch (c.unicode()) {
        case '"':
            out += QStringLiteral("\\\"");
            break;
        case '\\':
            out += QStringLiteral("\\\\");
            break;
        case '\n':
            out += QStringLiteral("\\n");
            break;
        case '\r':
            out += QStringLiteral("\\r");
            break;
        case '\t':
            out += QStringLiteral("\\t");
            break;
        default:
            if (c.unicode() < 0x20)
                out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
            else
                out += c;
        }
    }
    out += QLatin1Char('"');
    return out;
}

QString numberText(const QJsonValue &value)
{
    // Integers parsed from JSON keep all their digits (qint64); the rest are doubles.
    const QVariant variant = value.toVariant();
    if (variant.typeId() == QMetaType::LongLong)
        return QString::number(variant.toLongLong());
    return QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest);
}
} // namespace

JsonTreeModel::JsonTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_root(std::make_unique<Node>())
{
    m_root->value = QJsonValue(QJsonValue::Undefined);
}

JsonTreeModel::~JsonTreeModel() = default;

void JsonTreeModel::setJson(const QJsonValue &value, const QList<qint64> &attachmentSizes,
                            const QString &rootKey)
{
    beginResetModel();
    m_root = std::make_unique<Node>();
    m_root->value = QJsonValue(QJsonValue::Undefined);
    m_attachmentSizes = attachmentSizes;
    m_rootKey = rootKey;
    if (!value.isUndefined()) {
        auto node = std::make_unique<Node>();
        node->value = value;
        node->key = rootKey;
        node->parent = m_root.get();
        m_root->children.push_back(std::move(node));
    }
    endResetModel();
}

bool JsonTreeModel::setJsonText(const QByteArray &json, const QList<qint64> &attachmentSizes,
                                const QString &rootKey)
{
    QByteArray wrapped;
    wrapped.reserve(json.size() + 2);
    wrapped.append('[').append(json).append(']');
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(wrapped, &error);
    if (error.error != QJsonParseError::NoError || document.array().size() != 1) {
        clear();
        return false;
    }
    setJson(document.array().first(), attachmentSizes, rootKey);
    return true;
}

void JsonTreeModel::clear()
{
    setJson(QJsonValue(QJsonValue::Undefined));
}

QJsonValue JsonTreeModel::json() const
{
    return m_root->children.empty() ? QJsonValue(QJsonValue::Undefined)
                                    : m_root->children.front()->value;
}

bool JsonTreeModel::isPlaceholder(const QJsonValue &value, int *num)
{
    if (!value.isObject())
        return false;
    const QJsonObject object = value.toObject();
    if (object.size() != 2 || object.value(QLatin1String("_placeholder")) != QJsonValue(true))
        return false;
    const QJsonValue n = object.value(QLatin1String("num"));
    if (!n.isDouble() || n.toDouble() < 0 || n.toDouble() != double(n.toInteger()) ||
        n.toDouble() > INT_MAX)
        return false;
    if (num)
        *num = int(n.toInteger());
    return true;
}

QString JsonTreeModel::typeName(const QJsonValue &value)
{
    if (isPlaceholder(value))
        return QStringLiteral("binary");
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("bool");
    case QJsonValue::Double:
        return QStringLiteral("number");
    case QJsonValue::String:
        return QStringLiteral("string");
    case QJsonValue::Array:
        return QStringLiteral("array");
    case QJsonValue::Object:
        return QStringLiteral("object");
    case QJsonValue::Undefined:
        break;
    }
    return QString();
}

QString JsonTreeModel::valueText(const QJsonValue &value) const
{
    int num = -1;
    if (isPlaceholder(value, &num)) {
        if (num < m_attachmentSizes.size())
            return QStringLiteral("%1 attachment %2 (%3)")
                .arg(Glyphs::Attachment)
                .arg(num)
                .arg(TimelineModel::formatBytes(m_attachmentSizes.at(num)));
        return QStringLiteral("%1 attachment %2").arg(Glyphs::Attachment).arg(num);
    }
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return numberText(value);
    case QJsonValue::String:
        return quoted(value.toString(), MaxValueChars);
    case QJsonValue::Array: {
        const qsizetype n = value.toArray().size();
        return n == 1 ? tr("[1 item]") : tr("[%1 items]").arg(n);
    }
    case QJsonValue::Object: {
        const qsizetype n = value.toObject().size();
        return n == 1 ? tr("{1 key}") : tr("{%1 keys}").arg(n);
    }
    case QJsonValue::Undefined:
        break;
    }
    return QString();
}

int JsonTreeModel::childCount(const QJsonValue &value)
{
    if (value.isArray())
        return int(value.toArray().size());
    if (value.isObject() && !isPlaceholder(value))
        return int(value.toObject().size());
    return 0;
}

JsonTreeModel::Node *JsonTreeModel::nodeFor(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

JsonTreeModel::Node *JsonTreeModel::child(Node *node, int row) const
{
    if (node == m_root.get())
        return row == 0 && !node->children.empty() ? node->children.front().get() : nullptr;
    const int count = childCount(node->value);
    if (row < 0 || row >= count)
        return nullptr;
    if (node->children.empty())
        node->children.resize(size_t(count));
    std::unique_ptr<Node> &slot = node->children[size_t(row)];
    if (!slot) {
        slot = std::make_unique<Node>();
        slot->parent = node;
        slot->row = row;
        if (node->value.isArray()) {
            slot->value = node->value.toArray().at(row);
            slot->isArrayItem = true;
        } else {
            const QJsonObject object = node->value.toObject();
            const auto it = object.constBegin() + row;
            slot->key = it.key();
            slot->value = it.value();
        }
    }
    return slot.get();
}

QModelIndex JsonTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || (parent.isValid() && parent.column() != 0))
        return {};
    Node *node = child(nodeFor(parent), row);
    return node ? createIndex(row, column, node) : QModelIndex();
}

QModelIndex JsonTreeModel::parent(const QModelIndex &index) const
{
    if (!index.isValid())
        return {};
    const Node *node = nodeFor(index);
    Node *parentNode = node->parent;
    if (!parentNode || parentNode == m_root.get())
        return {};
    return createIndex(parentNode->row, 0, parentNode);
}

int JsonTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    const Node *node = nodeFor(parent);
    if (node == m_root.get())
        return int(node->children.size());
    return childCount(node->value);
}

int JsonTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

bool JsonTreeModel::hasChildren(const QModelIndex &parent) const
{
    return rowCount(parent) > 0;
}

Qt::ItemFlags JsonTreeModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags flags = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (childCount(nodeFor(index)->value) == 0)
        flags |= Qt::ItemNeverHasChildren;
    return flags;
}

QVariant JsonTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case KeyColumn:
        return tr("Key");
    case ValueColumn:
        return tr("Value");
    case TypeColumn:
        return tr("Type");
    default:
        return {};
    }
}

QString JsonTreeModel::path(const Node *node) const
{
    static const QRegularExpression identifier(QStringLiteral("^[A-Za-z_$][A-Za-z0-9_$]*$"));
    QStringList parts;
    for (; node && node != m_root.get() && node->parent != m_root.get(); node = node->parent) {
        if (node->isArrayItem)
            parts.prepend(QStringLiteral("[%1]").arg(node->row));
        else if (identifier.match(node->key).hasMatch())
            parts.prepend(QLatin1Char('.') + node->key);
        else
            parts.prepend(QStringLiteral("[%1]").arg(quoted(node->key, INT_MAX)));
    }
    return QLatin1Char('$') + parts.join(QString());
}

QVariant JsonTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    const Node *node = nodeFor(index);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case KeyColumn:
            if (node->parent == m_root.get())
                return m_rootKey;
            return node->isArrayItem ? QStringLiteral("[%1]").arg(node->row) : node->key;
        case ValueColumn:
            return valueText(node->value);
        case TypeColumn:
            return typeName(node->value);
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == ValueColumn && node->value.isString() &&
            node->value.toString().size() > MaxValueChars)
            return node->value.toString().left(10000);
        return {};
    case JsonValueRole:
        return QVariant::fromValue(node->value);
    case PathRole:
        return path(node);
    case PlaceholderRole: {
        int num = -1;
        return isPlaceholder(node->value, &num) ? num : -1;
    }
    default:
        return {};
    }
}
