#pragma once

#include <QByteArray>
#include <QString>

#include <utility>
#include <vector>

// One node of a YAML document, with the line and column it starts at: what the scenario loader
// reads and names in its messages. Aliases are resolved into copies of what they name, so a
// document is a plain tree.
class YamlNode
{
public:
    // Null: a plain empty, ~ or null scalar. Undefined: what a lookup of a missing key returns.
    enum class Type { Undefined, Null, Scalar, Sequence, Map };

    YamlNode() = default;
    explicit YamlNode(Type type)
        : m_type(type)
    {
    }

    Type type() const { return m_type; }
    explicit operator bool() const { return m_type != Type::Undefined; }
    bool isScalar() const { return m_type == Type::Scalar; }
    bool isSequence() const { return m_type == Type::Sequence; }
    bool isMap() const { return m_type == Type::Map; }

    // The text of a scalar (empty for anything else).
    const QString &scalar() const { return m_scalar; }
    // Quoted, a block scalar, or tagged !!str: a string whatever it looks like. A plain scalar
    // is typed by the YAML core schema (null, boolean, number, string).
    bool isString() const { return m_string; }

    // 1-based; 0 for a node that is not in the document.
    int line() const { return m_line; }
    int column() const { return m_column; }

    // Items of a sequence, or entries of a mapping; 0 for anything else.
    qsizetype size() const;
    const std::vector<YamlNode> &items() const { return m_items; }
    const std::vector<std::pair<YamlNode, YamlNode>> &entries() const { return m_entries; }
    // The value of the first entry whose key is the scalar `key`; an undefined node if none.
    const YamlNode &operator[](const char *key) const;
    // The item at `index` of a sequence; an undefined node if none.
    const YamlNode &operator[](qsizetype index) const;

private:
    friend class YamlDocumentBuilder;

    Type m_type = Type::Undefined;
    bool m_string = false;
    int m_line = 0;
    int m_column = 0;
    QString m_scalar;
    std::vector<YamlNode> m_items;
    std::vector<std::pair<YamlNode, YamlNode>> m_entries;
};

struct YamlError
{
    int line = 0; // 1-based; 0 when the problem has no place
    int column = 0;
    QString message;
};

namespace YamlDocument {
// Deeper nesting is refused before it is built: the loader walks the tree recursively.
constexpr int MaxDepth = 500;
// Nodes of the tree with every alias expanded; past it the file is refused (a document of a few
// lines can otherwise name its anchors into billions of nodes).
constexpr qsizetype MaxNodes = 200000;

// Reads the one document of `text` (UTF-8, or UTF-16 with a byte order mark) into `root`. An
// empty text is a null root. A second document is refused: a scenario or environment file holds
// one.
bool parse(const QByteArray &text, YamlNode *root, YamlError *error);
} // namespace YamlDocument
