#include "scenario/yamldocument.h"

#include <QHash>

#include <yaml.h>

#include <cstring>

// Built from libyaml's events rather than read with yaml-cpp: `sioscope-cli test` loads every
// scenario file before it runs any, and yaml-cpp took 60-90 µs for a 15-line file where libyaml
// takes 6-10 µs (both from Debian; measured on the chat-flow files of `bench/run --only scenario`,
// docs/performance.md "## Scenarios").

namespace {
const YamlNode &undefinedNode()
{
    static const YamlNode undefined;
    return undefined;
}

bool isNullScalar(const char *value, size_t length)
{
    const QLatin1StringView text(value, qsizetype(length));
    return text.isEmpty() || text == QLatin1String("~") || text == QLatin1String("null") ||
           text == QLatin1String("Null") || text == QLatin1String("NULL");
}

// libyaml's marks count from 0.
void place(const yaml_mark_t &mark, int *line, int *column)
{
    *line = int(mark.line) + 1;
    *column = int(mark.column) + 1;
}
} // namespace

qsizetype YamlNode::size() const
{
    switch (m_type) {
    case Type::Sequence:
        return qsizetype(m_items.size());
    case Type::Map:
        return qsizetype(m_entries.size());
    default:
        return 0;
    }
}

const YamlNode &YamlNode::operator[](const char *key) const
{
    const QLatin1StringView name(key);
    for (const auto &[entryKey, value] : m_entries)
        if (entryKey.m_type == Type::Scalar && entryKey.m_scalar == name)
            return value;
    return undefinedNode();
}

const YamlNode &YamlNode::operator[](qsizetype index) const
{
    if (index < 0 || index >= qsizetype(m_items.size()))
        return undefinedNode();
    return m_items[size_t(index)];
}

// Turns the event stream of one parser into a tree. The nodes being read (a sequence or a
// mapping not yet ended) are on a stack; each finished node goes into the one below it.
class YamlDocumentBuilder
{
public:
    explicit YamlDocumentBuilder(const QByteArray &text)
        : m_text(text)
    {
        yaml_parser_initialize(&m_parser);
        yaml_parser_set_input_string(
            &m_parser, reinterpret_cast<const unsigned char *>(text.data()), size_t(text.size()));
    }
    ~YamlDocumentBuilder() { yaml_parser_delete(&m_parser); }
    YamlDocumentBuilder(const YamlDocumentBuilder &) = delete;
    YamlDocumentBuilder &operator=(const YamlDocumentBuilder &) = delete;

    bool build(YamlNode *root, YamlError *error)
    {
        m_error = error;
        *root = YamlNode(YamlNode::Type::Null);
        root->m_line = root->m_column = 1;
        for (;;) {
            yaml_event_t event;
            if (!yaml_parser_parse(&m_parser, &event))
                return parserFailed();
            const bool ok = handle(event, root);
            const bool end = event.type == YAML_STREAM_END_EVENT;
            yaml_event_delete(&event);
            if (!ok)
                return false;
            if (end)
                return true;
        }
    }

private:
    struct Open
    {
        YamlNode node;
        YamlNode key; // of the entry being read, when hasKey
        bool hasKey = false;
        QByteArray anchor;
        qsizetype nodesBefore = 0;
    };
    struct Anchored
    {
        YamlNode node;
        qsizetype nodes = 0; // in the tree, with its aliases expanded
    };

    bool handle(const yaml_event_t &event, YamlNode *root)
    {
        switch (event.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (m_documents++ > 0)
                return fail(event.start_mark,
                            QStringLiteral("a second YAML document starts here; the file holds "
                                           "one"));
            return true;
        case YAML_SCALAR_EVENT:
            return scalar(event, root);
        case YAML_SEQUENCE_START_EVENT:
            return open(YamlNode::Type::Sequence, event.start_mark,
                        event.data.sequence_start.anchor);
        case YAML_MAPPING_START_EVENT:
            return open(YamlNode::Type::Map, event.start_mark, event.data.mapping_start.anchor);
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            return close(root);
        case YAML_ALIAS_EVENT:
            return alias(event, root);
        case YAML_NO_EVENT:
        case YAML_STREAM_START_EVENT:
        case YAML_STREAM_END_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            return true;
        }
        return true;
    }

    bool scalar(const yaml_event_t &event, YamlNode *root)
    {
        const auto &data = event.data.scalar;
        const char *value = reinterpret_cast<const char *>(data.value);
        const char *tag = reinterpret_cast<const char *>(data.tag);
        const bool plain = data.style == YAML_PLAIN_SCALAR_STYLE;
        const bool stringTag =
            tag && (std::strcmp(tag, YAML_STR_TAG) == 0 || std::strcmp(tag, "!") == 0);
        YamlNode node(plain && !tag && isNullScalar(value, data.length) ? YamlNode::Type::Null
                                                                        : YamlNode::Type::Scalar);
        node.m_string = !plain || stringTag;
        node.m_scalar = QString::fromUtf8(value, qsizetype(data.length));
        place(event.start_mark, &node.m_line, &node.m_column);
        if (!count(1, event.start_mark))
            return false;
        if (data.anchor)
            m_anchors.insert(QByteArray(reinterpret_cast<const char *>(data.anchor)), {node, 1});
        add(std::move(node), root);
        return true;
    }

    bool open(YamlNode::Type type, const yaml_mark_t &mark, const yaml_char_t *anchor)
    {
        if (m_open.size() >= size_t(YamlDocument::MaxDepth))
            return fail(mark, QStringLiteral("nested too deeply: more than %1 levels")
                                  .arg(YamlDocument::MaxDepth));
        Open open;
        open.node = YamlNode(type);
        place(mark, &open.node.m_line, &open.node.m_column);
        if (anchor)
            open.anchor = QByteArray(reinterpret_cast<const char *>(anchor));
        open.nodesBefore = m_nodes;
        if (!count(1, mark))
            return false;
        m_open.push_back(std::move(open));
        return true;
    }

    bool close(YamlNode *root)
    {
        Open done = std::move(m_open.back());
        m_open.pop_back();
        if (!done.anchor.isEmpty())
            m_anchors.insert(done.anchor, {done.node, m_nodes - done.nodesBefore});
        add(std::move(done.node), root);
        return true;
    }

    bool alias(const yaml_event_t &event, YamlNode *root)
    {
        const QByteArray name(reinterpret_cast<const char *>(event.data.alias.anchor));
        const auto it = m_anchors.constFind(name);
        if (it == m_anchors.cend())
            return fail(event.start_mark,
                        QStringLiteral("the alias *%1 names no anchor (&%1) before it")
                            .arg(QString::fromUtf8(name)));
        if (!count(it->nodes, event.start_mark))
            return false;
        add(YamlNode(it->node), root);
        return true;
    }

    bool count(qsizetype nodes, const yaml_mark_t &mark)
    {
        m_nodes += nodes;
        if (m_nodes <= YamlDocument::MaxNodes)
            return true;
        return fail(mark, QStringLiteral("more than %1 nodes with the aliases expanded")
                              .arg(YamlDocument::MaxNodes));
    }

    void add(YamlNode &&node, YamlNode *root)
    {
        if (m_open.empty()) {
            *root = std::move(node);
            return;
        }
        Open &parent = m_open.back();
        if (parent.node.m_type == YamlNode::Type::Sequence) {
            parent.node.m_items.push_back(std::move(node));
        } else if (!parent.hasKey) {
            parent.key = std::move(node);
            parent.hasKey = true;
        } else {
            parent.node.m_entries.emplace_back(std::move(parent.key), std::move(node));
            parent.key = YamlNode();
            parent.hasKey = false;
        }
    }

    bool fail(const yaml_mark_t &mark, const QString &message)
    {
        place(mark, &m_error->line, &m_error->column);
        m_error->message = message;
        return false;
    }

    bool parserFailed()
    {
        switch (m_parser.error) {
        case YAML_MEMORY_ERROR:
            m_error->message = QStringLiteral("not valid YAML: out of memory");
            return false;
        case YAML_READER_ERROR: {
            // A byte offset, not a mark: the text is not valid UTF-8 or UTF-16 there.
            const qsizetype offset = qMin(qsizetype(m_parser.problem_offset), m_text.size());
            const QByteArrayView before(m_text.constData(), offset);
            m_error->line = int(before.count('\n')) + 1;
            m_error->column = int(offset - (before.lastIndexOf('\n') + 1)) + 1;
            m_error->message = QStringLiteral("not valid YAML: %1 (byte %2)")
                                   .arg(QString::fromUtf8(m_parser.problem))
                                   .arg(m_parser.problem_offset);
            return false;
        }
        default:
            break;
        }
        QString message =
            QStringLiteral("not valid YAML: %1").arg(QString::fromUtf8(m_parser.problem));
        const yaml_mark_t &problem = m_parser.problem_mark, &context = m_parser.context_mark;
        if (m_parser.context && (context.line != problem.line || context.column != problem.column))
            message += QStringLiteral(" (%1 that starts at %2:%3)")
                           .arg(QString::fromUtf8(m_parser.context))
                           .arg(m_parser.context_mark.line + 1)
                           .arg(m_parser.context_mark.column + 1);
        return fail(m_parser.problem_mark, message);
    }

    const QByteArray &m_text;
    yaml_parser_t m_parser;
    YamlError *m_error = nullptr;
    std::vector<Open> m_open;
    QHash<QByteArray, Anchored> m_anchors;
    qsizetype m_nodes = 0;
    int m_documents = 0;
};

bool YamlDocument::parse(const QByteArray &text, YamlNode *root, YamlError *error)
{
    YamlDocumentBuilder builder(text);
    return builder.build(root, error);
}
