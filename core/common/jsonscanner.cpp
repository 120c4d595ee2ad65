#include "common/jsonscanner.h"

#include "common/bytetext.h"
#include "common/jsonescape.h"
#include "common/utf8.h"

#include <QSet>
#include <QVarLengthArray>

#include <climits>
#include <cstring>
#include <type_traits>

namespace {

bool isJsonWhitespace(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// Describes the byte at `pos` for an error message: 'x', byte 0xNN or the end of the input.
QString describeAt(QByteArrayView text, qsizetype pos)
{
    if (pos >= text.size())
        return QStringLiteral("end of input");
    return describeByte(text[pos]);
}

// Unescapes the contents of a string already validated by the scanner (between the quotes).
QString unescape(QByteArrayView body)
{
    QString out;
    out.reserve(body.size());
    qsizetype runStart = 0;
    qsizetype i = 0;
    const auto flushRun = [&] {
        if (i > runStart)
            out += QString::fromUtf8(body.sliced(runStart, i - runStart));
    };
    while (i < body.size()) {
        if (body[i] != '\\') {
            ++i;
            continue;
        }
        flushRun();
        // The scanner validated the text: every escape is complete, and known unless the dialect
        // is QJsonDocument's, where an unknown one stands for its (ASCII) character. UTF-16 code
        // units go in as they are; a lone surrogate stays lone, as JSON.parse keeps it.
        const JsonEscape escape = JsonEscape::read(body, i);
        if (escape.kind == JsonEscape::Kind::Unknown) {
            Q_ASSERT(i + 1 < body.size() && uchar(body[i + 1]) < 0x80);
            out.append(QLatin1Char(body[i + 1]));
            i += 2;
        } else {
            Q_ASSERT(escape.kind == JsonEscape::Kind::CodePoint ||
                     escape.kind == JsonEscape::Kind::LoneSurrogate);
            out.append(QChar::fromUcs4(escape.value));
            i += escape.length;
        }
        runStart = i;
    }
    flushRun();
    return out;
}

// Scanner<false> is the plain RFC 8259 scan with placeholders, the codec's hot path: every test of
// an option folds away in it. Scanner<true> reads the options.
template<bool WithOptions> class Scanner
{
public:
    Scanner(QByteArrayView text, const JsonScanner::Options &options, bool prefix = false)
        : m_text(text)
        , m_data(reinterpret_cast<const uchar *>(text.data()))
        , m_size(text.size())
        , m_maxDepth(options.maxDepth)
        , m_prefix(prefix)
        , m_qtDialect(options.dialect == JsonScanner::Dialect::QJsonDocument)
        , m_rejectDuplicateKeys(options.rejectDuplicateKeys)
        , m_checkPlaceholders(options.checkPlaceholders)
    {
    }

    JsonScanner::Result run();
    // Prefix mode: where the value ended.
    qsizetype valueEnd() const { return m_valueEnd; }

private:
    enum class KeyRole : quint8 { Other, Placeholder, Num };
    enum class NumState : quint8 { Absent, Valid, Invalid, TooLarge };

    struct Frame
    {
        bool isObject = false;
        KeyRole currentKey = KeyRole::Other;
        // Placeholder tracking (objects only). Later duplicates win, as with JSON.parse.
        bool placeholderTrue = false;
        NumState numState = NumState::Absent;
        qint64 num = 0;
        // How many placeholders had been found when this object opened: a placeholder is
        // inserted there so that the list follows document order even if it contains others.
        qsizetype slot = 0;
    };

    // What the value that just ended was, for the enclosing frame.
    struct ValueInfo
    {
        JsonScanner::Kind kind = JsonScanner::Kind::Invalid;
        qsizetype start = 0;
        qsizetype end = 0;
        bool stringHasEscapes = false;
        bool isPlainUnsignedInteger = false; // digits only, fits num
        bool integerTooLarge = false;
        qint64 integerValue = 0;
    };

    bool fail(const QString &what, qsizetype offset)
    {
        m_result = {};
        m_result.error = QStringLiteral("%1 at offset %2").arg(what).arg(offset);
        m_result.errorOffset = offset;
        m_result.reason = what;
        return false;
    }
    bool failUnexpected(const char *expected, qsizetype pos)
    {
        return fail(QStringLiteral("expected %1, found %2")
                        .arg(QLatin1StringView(expected), describeAt(m_text, pos)),
                    pos);
    }

    void skipWhitespace()
    {
        while (m_pos < m_size && isJsonWhitespace(char(m_data[m_pos])))
            ++m_pos;
    }

    bool scanString(ValueInfo &info);
    bool scanNumber(ValueInfo &info);
    bool scanLiteral(const char *word, qsizetype length, JsonScanner::Kind kind, ValueInfo &info);
    bool openContainer(bool isObject);
    bool closeObject();
    void valueEnded(const ValueInfo &info);
    KeyRole classifyKey(const ValueInfo &key) const;
    bool addKey(const ValueInfo &key);

    QByteArrayView m_text;
    const uchar *m_data;
    qsizetype m_size;
    int m_maxDepth;
    bool m_prefix;
    bool m_qtDialect;
    bool m_rejectDuplicateKeys;
    bool m_checkPlaceholders;
    bool qtDialect() const { return WithOptions && m_qtDialect; }
    bool rejectDuplicateKeys() const { return WithOptions && m_rejectDuplicateKeys; }
    bool checkPlaceholders() const { return !WithOptions || m_checkPlaceholders; }
    qsizetype m_valueEnd = 0;
    qsizetype m_pos = 0;
    QVarLengthArray<Frame, 32> m_stack;
    // With rejectDuplicateKeys: the keys read so far of the object open at each depth (one object
    // is open per depth at a time; the set is cleared when the next one opens there).
    struct NoKeys
    {
    };
    std::conditional_t<WithOptions, QList<QSet<QString>>, NoKeys> m_keysByDepth;
    JsonScanner::Result m_result;
};

template<bool WithOptions> bool Scanner<WithOptions>::scanString(ValueInfo &info)
{
    info.kind = JsonScanner::Kind::String;
    info.start = m_pos;
    info.stringHasEscapes = false;
    qsizetype pos = m_pos + 1; // past the opening quote
    for (;;) {
        pos += JsonScanner::plainStringBytes(reinterpret_cast<const char *>(m_data + pos),
                                             reinterpret_cast<const char *>(m_data + m_size));
        if (pos >= m_size)
            return fail(QStringLiteral("unterminated string"), pos);
        const uchar c = m_data[pos];
        if (c == '"') {
            m_pos = pos + 1;
            info.end = m_pos;
            return true;
        }
        if (c == '\\') {
            info.stringHasEscapes = true;
            switch (const JsonEscape escape = JsonEscape::read(m_text, pos); escape.kind) {
            case JsonEscape::Kind::CodePoint:
            case JsonEscape::Kind::LoneSurrogate:
                pos += escape.length;
                break;
            case JsonEscape::Kind::Truncated:
                if (pos + 1 >= m_size)
                    return fail(QStringLiteral("unterminated string"), pos + 1);
                Q_FALLTHROUGH(); // inside \uXXXX
            case JsonEscape::Kind::BadHexDigit:
                return fail(QStringLiteral("invalid \\u escape (4 hex digits expected)"), pos);
            case JsonEscape::Kind::Unknown:
                if (qtDialect() && m_data[pos + 1] < 0x80) {
                    pos += 2;
                    break;
                }
                return fail(QStringLiteral("invalid escape: %1 after '\\'")
                                .arg(describeAt(m_text, pos + 1)),
                            pos);
            }
            continue;
        }
        if (c < 0x20) {
            if (qtDialect()) {
                ++pos;
                continue;
            }
            return fail(QStringLiteral("unescaped control character 0x%1 in string")
                            .arg(c, 2, 16, QChar(u'0')),
                        pos);
        }
        const int length = Utf8::sequenceLength(m_data + pos, m_data + m_size);
        if (length == 0)
            return fail(QStringLiteral("invalid UTF-8 in string"), pos);
        pos += length;
    }
}

template<bool WithOptions> bool Scanner<WithOptions>::scanNumber(ValueInfo &info)
{
    info.kind = JsonScanner::Kind::Number;
    info.start = m_pos;
    qsizetype pos = m_pos;
    const bool negative = m_data[pos] == '-';
    if (negative)
        ++pos;
    // Qt's dialect lets the integer part go when a fraction digit follows (".5", "-.5").
    const bool noIntegerDigits =
        qtDialect() && pos + 1 < m_size && m_data[pos] == '.' && isDigit(char(m_data[pos + 1]));
    if (!noIntegerDigits && (pos >= m_size || !isDigit(char(m_data[pos]))))
        return fail(QStringLiteral("invalid number (digit expected after '-')"), pos);
    qint64 value = 0;
    bool tooLarge = false;
    if (noIntegerDigits) {
        // Straight on to the fraction.
    } else if (m_data[pos] == '0') {
        ++pos;
        if (pos < m_size && isDigit(char(m_data[pos])))
            return fail(QStringLiteral("invalid number (leading zero)"), info.start);
    } else {
        while (pos < m_size && isDigit(char(m_data[pos]))) {
            if (value > (LLONG_MAX - 9) / 10)
                tooLarge = true;
            else
                value = value * 10 + (m_data[pos] - '0');
            ++pos;
        }
    }
    bool integral = true;
    if (pos < m_size && m_data[pos] == '.') {
        integral = false;
        ++pos;
        // Qt's dialect lets the fraction digits go ("1."); an integer digit was read then.
        if ((pos >= m_size || !isDigit(char(m_data[pos]))) && !qtDialect())
            return fail(QStringLiteral("invalid number (digit expected after '.')"), pos);
        while (pos < m_size && isDigit(char(m_data[pos])))
            ++pos;
    }
    if (pos < m_size && (m_data[pos] == 'e' || m_data[pos] == 'E')) {
        integral = false;
        ++pos;
        if (pos < m_size && (m_data[pos] == '+' || m_data[pos] == '-'))
            ++pos;
        if (pos >= m_size || !isDigit(char(m_data[pos])))
            return fail(QStringLiteral("invalid number (digit expected in exponent)"), pos);
        while (pos < m_size && isDigit(char(m_data[pos])))
            ++pos;
    }
    info.isPlainUnsignedInteger = integral && !negative;
    info.integerTooLarge = tooLarge;
    info.integerValue = value;
    m_pos = pos;
    info.end = pos;
    return true;
}

template<bool WithOptions>
bool Scanner<WithOptions>::scanLiteral(const char *word, qsizetype length, JsonScanner::Kind kind,
                                       ValueInfo &info)
{
    if (m_size - m_pos < length || memcmp(m_data + m_pos, word, size_t(length)) != 0)
        return fail(QStringLiteral("invalid literal (expected '%1')").arg(QLatin1StringView(word)),
                    m_pos);
    info.kind = kind;
    info.start = m_pos;
    m_pos += length;
    info.end = m_pos;
    return true;
}

template<bool WithOptions> bool Scanner<WithOptions>::openContainer(bool isObject)
{
    if (m_stack.size() >= m_maxDepth)
        return fail(QStringLiteral("nesting deeper than %1 levels").arg(m_maxDepth), m_pos);
    if constexpr (WithOptions) {
        if (isObject && rejectDuplicateKeys()) {
            const qsizetype depth = m_stack.size();
            if (m_keysByDepth.size() <= depth)
                m_keysByDepth.resize(depth + 1);
            m_keysByDepth[depth].clear();
        }
    }
    Frame frame;
    frame.isObject = isObject;
    frame.slot = m_result.placeholders.size();
    m_stack.append(frame);
    ++m_pos;
    return true;
}

// Ends the object on top of the stack; records it when it is a placeholder.
template<bool WithOptions> bool Scanner<WithOptions>::closeObject()
{
    const Frame &frame = m_stack.last();
    if (frame.placeholderTrue) {
        switch (frame.numState) {
        case NumState::Absent:
            return fail(QStringLiteral("placeholder object has no \"num\""), m_pos);
        case NumState::Invalid:
            return fail(QStringLiteral("placeholder \"num\" must be a non-negative integer"),
                        m_pos);
        case NumState::TooLarge:
            return fail(QStringLiteral("placeholder \"num\" is too large"), m_pos);
        case NumState::Valid:
            m_result.placeholders.insert(frame.slot, int(frame.num));
            break;
        }
    }
    m_stack.removeLast();
    ++m_pos;
    return true;
}

template<bool WithOptions>
typename Scanner<WithOptions>::KeyRole Scanner<WithOptions>::classifyKey(const ValueInfo &key) const
{
    // Compare what JSON.parse would see: escaped keys ("\u005fplaceholder") count too.
    const QByteArrayView body = m_text.sliced(key.start + 1, key.end - key.start - 2);
    if (!key.stringHasEscapes) {
        if (body == "_placeholder")
            return KeyRole::Placeholder;
        if (body == "num")
            return KeyRole::Num;
        return KeyRole::Other;
    }
    const QString name = unescape(body);
    if (name == u"_placeholder")
        return KeyRole::Placeholder;
    if (name == u"num")
        return KeyRole::Num;
    return KeyRole::Other;
}

// Records a key of the object on top of the stack; fails when the object has it already.
template<bool WithOptions> bool Scanner<WithOptions>::addKey(const ValueInfo &key)
{
    const QByteArrayView body = m_text.sliced(key.start + 1, key.end - key.start - 2);
    QString name = key.stringHasEscapes ? unescape(body) : QString::fromUtf8(body);
    QSet<QString> &keys = m_keysByDepth[m_stack.size() - 1];
    if (keys.contains(name)) {
        fail(QStringLiteral("duplicate key \"%1\"").arg(name), key.start);
        m_result.duplicateKey = std::move(name);
        return false;
    }
    keys.insert(std::move(name));
    return true;
}

// A value inside the top container, or the top-level value itself, has ended.
template<bool WithOptions> void Scanner<WithOptions>::valueEnded(const ValueInfo &info)
{
    if (m_stack.isEmpty()) {
        m_result.kind = info.kind;
        return;
    }
    Frame &frame = m_stack.last();
    if (frame.isObject) {
        if (frame.currentKey == KeyRole::Placeholder) {
            frame.placeholderTrue = info.kind == JsonScanner::Kind::True;
        } else if (frame.currentKey == KeyRole::Num) {
            if (info.kind != JsonScanner::Kind::Number || !info.isPlainUnsignedInteger)
                frame.numState = NumState::Invalid;
            else if (info.integerTooLarge || info.integerValue > INT_MAX)
                frame.numState = NumState::TooLarge;
            else
                frame.numState = NumState::Valid;
            frame.num = info.integerValue;
        }
    }
    if (m_stack.size() == 1) {
        if (m_result.itemCount == 0 && !frame.isObject) {
            m_result.firstItemKind = info.kind;
            if (info.kind == JsonScanner::Kind::String) {
                m_result.firstItemIsString = true;
                const QByteArrayView body =
                    m_text.sliced(info.start + 1, info.end - info.start - 2);
                m_result.firstString =
                    info.stringHasEscapes ? unescape(body) : QString::fromUtf8(body);
            }
        }
        ++m_result.itemCount;
    }
}

template<bool WithOptions> JsonScanner::Result Scanner<WithOptions>::run()
{
    // Where the scanner stands: expecting a value, or after a value inside a container.
    enum class Expect { Value, ValueOrArrayEnd, KeyOrObjectEnd, Key, AfterValue };
    Expect expect = Expect::Value;
    ValueInfo info;

    // Qt's dialect: QJsonDocument skips a UTF-8 byte order mark (when something follows it).
    if (qtDialect() && m_size > 3 && m_data[0] == 0xEF && m_data[1] == 0xBB && m_data[2] == 0xBF)
        m_pos = 3;
    skipWhitespace();
    for (;;) {
        if (expect == Expect::AfterValue) {
            if (m_stack.isEmpty() && m_prefix) {
                m_valueEnd = m_pos;
                return std::move(m_result);
            }
            skipWhitespace();
            if (m_stack.isEmpty()) {
                if (m_pos != m_size) {
                    fail(QStringLiteral("unexpected %1 after the JSON value")
                             .arg(describeAt(m_text, m_pos)),
                         m_pos);
                    return std::move(m_result);
                }
                return std::move(m_result);
            }
            const char c = m_pos < m_size ? char(m_data[m_pos]) : '\0';
            if (m_stack.last().isObject) {
                if (c == ',') {
                    ++m_pos;
                    expect = Expect::Key;
                } else if (c == '}') {
                    if (!closeObject())
                        return std::move(m_result);
                    info = {};
                    info.kind = JsonScanner::Kind::Object;
                    valueEnded(info);
                } else {
                    failUnexpected("',' or '}' after an object member", m_pos);
                    return std::move(m_result);
                }
            } else {
                if (c == ',') {
                    ++m_pos;
                    expect = Expect::Value;
                } else if (c == ']') {
                    m_stack.removeLast();
                    ++m_pos;
                    info = {};
                    info.kind = JsonScanner::Kind::Array;
                    valueEnded(info);
                } else {
                    failUnexpected("',' or ']' after an array item", m_pos);
                    return std::move(m_result);
                }
            }
            continue;
        }

        skipWhitespace();
        if (expect == Expect::Key || expect == Expect::KeyOrObjectEnd) {
            if (expect == Expect::KeyOrObjectEnd && m_pos < m_size && m_data[m_pos] == '}') {
                if (!closeObject())
                    return std::move(m_result);
                info = {};
                info.kind = JsonScanner::Kind::Object;
                valueEnded(info);
                expect = Expect::AfterValue;
                continue;
            }
            if (m_pos >= m_size || m_data[m_pos] != '"') {
                failUnexpected(expect == Expect::Key ? "a string key" : "a string key or '}'",
                               m_pos);
                return std::move(m_result);
            }
            ValueInfo key;
            if (!scanString(key))
                return std::move(m_result);
            if (checkPlaceholders())
                m_stack.last().currentKey = classifyKey(key);
            if constexpr (WithOptions) {
                if (rejectDuplicateKeys() && !addKey(key))
                    return std::move(m_result);
            }
            skipWhitespace();
            if (m_pos >= m_size || m_data[m_pos] != ':') {
                failUnexpected("':' after an object key", m_pos);
                return std::move(m_result);
            }
            ++m_pos;
            expect = Expect::Value;
            continue;
        }

        // Expect::Value or Expect::ValueOrArrayEnd
        if (m_pos >= m_size) {
            fail(QStringLiteral("unexpected end of input (a JSON value was expected)"), m_pos);
            return std::move(m_result);
        }
        info = {};
        bool ok = true;
        switch (m_data[m_pos]) {
        case '{':
            if (!openContainer(true))
                return std::move(m_result);
            expect = Expect::KeyOrObjectEnd;
            continue;
        case '[':
            if (!openContainer(false))
                return std::move(m_result);
            expect = Expect::ValueOrArrayEnd;
            continue;
        case ']':
            if (expect != Expect::ValueOrArrayEnd) {
                failUnexpected("a JSON value", m_pos);
                return std::move(m_result);
            }
            m_stack.removeLast();
            ++m_pos;
            info.kind = JsonScanner::Kind::Array;
            break;
        case '"':
            ok = scanString(info);
            break;
        case 't':
            ok = scanLiteral("true", 4, JsonScanner::Kind::True, info);
            break;
        case 'f':
            ok = scanLiteral("false", 5, JsonScanner::Kind::False, info);
            break;
        case 'n':
            ok = scanLiteral("null", 4, JsonScanner::Kind::Null, info);
            break;
        case '.':
            if (!qtDialect()) {
                failUnexpected("a JSON value", m_pos);
                return std::move(m_result);
            }
            ok = scanNumber(info);
            break;
        case '-':
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7':
        case '8':
        case '9':
            ok = scanNumber(info);
            break;
        default:
            failUnexpected("a JSON value", m_pos);
            return std::move(m_result);
        }
        if (!ok)
            return std::move(m_result);
        valueEnded(info);
        expect = Expect::AfterValue;
    }
}

} // namespace

JsonScanner::Result JsonScanner::scan(QByteArrayView text, int maxDepth)
{
    Options options;
    options.maxDepth = maxDepth;
    return Scanner<false>(text, options).run();
}

JsonScanner::Result JsonScanner::scan(QByteArrayView text, const Options &options)
{
    if (options.dialect == Dialect::Rfc8259 && !options.rejectDuplicateKeys &&
        options.checkPlaceholders)
        return Scanner<false>(text, options).run();
    return Scanner<true>(text, options).run();
}

JsonScanner::Result JsonScanner::scanPrefix(QByteArrayView text, qsizetype *end, int maxDepth)
{
    Options options;
    options.maxDepth = maxDepth;
    Scanner<false> scanner(text, options, true);
    Result result = scanner.run();
    *end = result.kind == Kind::Invalid ? result.errorOffset : scanner.valueEnd();
    return result;
}
