#include "common/httphead.h"

#include "common/bytetext.h"

#include <algorithm>
#include <limits>

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// A field name in lower case. The names nearly every request or response carries come from
// literals, which allocate nothing: a server keeps each WebSocket's upgrade request for the life
// of the connection (~0.15 KB per connection for five names; heaptrack of `serve`).
QByteArray lowerCaseFieldName(QByteArrayView name)
{
    static const QByteArray common[] = {
        QByteArrayLiteral("host"),
        QByteArrayLiteral("connection"),
        QByteArrayLiteral("upgrade"),
        QByteArrayLiteral("sec-websocket-key"),
        QByteArrayLiteral("sec-websocket-version"),
        QByteArrayLiteral("sec-websocket-extensions"),
        QByteArrayLiteral("sec-websocket-protocol"),
        QByteArrayLiteral("sec-websocket-accept"),
        QByteArrayLiteral("user-agent"),
        QByteArrayLiteral("accept"),
        QByteArrayLiteral("accept-encoding"),
        QByteArrayLiteral("accept-language"),
        QByteArrayLiteral("origin"),
        QByteArrayLiteral("referer"),
        QByteArrayLiteral("cookie"),
        QByteArrayLiteral("set-cookie"),
        QByteArrayLiteral("authorization"),
        QByteArrayLiteral("content-type"),
        QByteArrayLiteral("content-length"),
        QByteArrayLiteral("content-encoding"),
        QByteArrayLiteral("transfer-encoding"),
        QByteArrayLiteral("cache-control"),
        QByteArrayLiteral("pragma"),
        QByteArrayLiteral("date"),
        QByteArrayLiteral("keep-alive"),
        QByteArrayLiteral("x-forwarded-for"),
    };
    for (const QByteArray &known : common) {
        if (known.size() == name.size() && name.compare(known, Qt::CaseInsensitive) == 0)
            return known;
    }
    return name.toByteArray().toLower();
}

} // namespace

// --- Http -------------------------------------------------------------------------------------

bool Http::isTokenChar(char c)
{
    const auto u = uchar(c);
    if ((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool Http::isToken(QByteArrayView text)
{
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), isTokenChar);
}

bool Http::isFieldValueChar(char c)
{
    const auto u = uchar(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
}

QByteArrayView Http::trimmed(QByteArrayView text)
{
    while (!text.isEmpty() && isSpace(text.front()))
        text = text.sliced(1);
    while (!text.isEmpty() && isSpace(text.back()))
        text.chop(1);
    return text;
}

QByteArray Http::header(const HttpHeaders &headers, QByteArrayView name)
{
    QByteArray value;
    bool found = false;
    for (const auto &[fieldName, fieldValue] : headers) {
        if (fieldName != name)
            continue;
        if (found)
            value += ", ";
        value += fieldValue;
        found = true;
    }
    return value;
}

bool Http::hasHeader(const HttpHeaders &headers, QByteArrayView name)
{
    return std::any_of(headers.begin(), headers.end(),
                       [name](const HttpHeader &field) { return field.first == name; });
}

bool Http::headerHasToken(const HttpHeaders &headers, QByteArrayView name, QByteArrayView token)
{
    for (const auto &[fieldName, fieldValue] : headers) {
        if (fieldName != name)
            continue;
        for (const QByteArray &item : fieldValue.split(',')) {
            if (trimmed(item).compare(token, Qt::CaseInsensitive) == 0)
                return true;
        }
    }
    return false;
}

qsizetype Http::findHeadEnd(QByteArrayView data, qsizetype from, qsizetype maxHeadBytes)
{
    const qsizetype searchEnd = std::min(data.size(), maxHeadBytes);
    for (qsizetype i = std::max<qsizetype>(from, 0); i < searchEnd; ++i) {
        if (data[i] != '\n')
            continue;
        qsizetype end = -1;
        if (i + 1 < data.size() && data[i + 1] == '\n')
            end = i + 2;
        else if (i + 2 < data.size() && data[i + 1] == '\r' && data[i + 2] == '\n')
            end = i + 3;
        if (end >= 0)
            return end <= maxHeadBytes ? end : -1;
    }
    return -1;
}

QList<QByteArrayView> Http::splitHeadLines(QByteArrayView head)
{
    QList<QByteArrayView> lines;
    qsizetype pos = 0;
    while (pos < head.size()) {
        qsizetype newline = head.indexOf('\n', pos);
        if (newline < 0)
            newline = head.size();
        QByteArrayView line = head.sliced(pos, newline - pos);
        pos = newline + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        lines.append(line);
    }
    // The head ends with an empty line (findHeadEnd()), which is no part of it.
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

bool Http::parseFieldLine(QByteArrayView line, HttpHeader *field, QString *problem)
{
    if (!line.isEmpty() && isSpace(line.front())) {
        *problem = QStringLiteral("obsolete header line folding is not accepted");
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0) {
        *problem = QStringLiteral("invalid header line (no field name followed by ':')");
        return false;
    }
    const QByteArrayView name = line.first(colon);
    if (!isToken(name)) {
        *problem = QStringLiteral("invalid header field name \"%1\"")
                       .arg(QString::fromLatin1(name.first(std::min<qsizetype>(name.size(), 64))));
        return false;
    }
    const QByteArrayView value = trimmed(line.sliced(colon + 1));
    for (const char c : value) {
        if (!isFieldValueChar(c)) {
            *problem = QStringLiteral("invalid %1 in the value of header \"%2\"")
                           .arg(describeByte(c), QString::fromLatin1(name));
            return false;
        }
    }
    *field = {lowerCaseFieldName(name), value.toByteArray()};
    return true;
}

Http::FieldsResult Http::parseFieldLines(const QList<QByteArrayView> &lines, int maxHeaderCount,
                                         HttpHeaders *headers, qsizetype *badLine, QString *problem,
                                         ObsFold obsFold)
{
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines[i].contains('\r')) {
            *badLine = i;
            return FieldsResult::BareCr;
        }
        if (obsFold == ObsFold::Unfold && i > 0 && !lines[i].isEmpty() &&
            isSpace(lines[i].front())) {
            const QByteArrayView more = trimmed(lines[i]);
            for (const char c : more) {
                if (!isFieldValueChar(c)) {
                    *problem =
                        QStringLiteral("invalid %1 in a folded header value").arg(describeByte(c));
                    *badLine = i;
                    return FieldsResult::BadLine;
                }
            }
            QByteArray &value = headers->last().second;
            if (!more.isEmpty())
                value += (value.isEmpty() ? QByteArray() : QByteArray(" ")) + more.toByteArray();
            continue;
        }
        HttpHeader field;
        if (!parseFieldLine(lines[i], &field, problem)) {
            *badLine = i;
            return FieldsResult::BadLine;
        }
        // Checked before the field is kept: at most maxHeaderCount are ever held.
        if (headers->size() >= maxHeaderCount)
            return FieldsResult::TooMany;
        headers->append(std::move(field));
    }
    return FieldsResult::Ok;
}

void Http::appendFieldLines(QByteArray *out, const HttpHeaders &headers)
{
    qsizetype size = out->size();
    for (const auto &[name, value] : headers)
        size += name.size() + value.size() + 4;
    out->reserve(size);
    for (const auto &[name, value] : headers) {
        out->append(name);
        out->append(": ");
        out->append(value);
        out->append("\r\n");
    }
}

HttpHeaders Http::fieldsOfLines(QByteArrayView lines)
{
    HttpHeaders headers;
    qsizetype badLine = 0;
    QString problem;
    // Lines written from parsed fields parse again; a line that would not is left out.
    parseFieldLines(splitHeadLines(lines), std::numeric_limits<int>::max(), &headers, &badLine,
                    &problem);
    return headers;
}

// --- HttpResponseHeadParser -------------------------------------------------------------------

HttpResponseHeadParser::HttpResponseHeadParser(const HttpHeadLimits &limits)
    : m_limits(limits)
{
}

void HttpResponseHeadParser::reset()
{
    m_head = HttpResponseHead();
    m_statusLine.clear();
    m_searched = 0;
    m_done = false;
    m_error = Error::None;
    m_errorString.clear();
}

HttpResponseHeadParser::Status HttpResponseHeadParser::fail(Error error, const QString &message)
{
    m_error = error;
    m_errorString = message;
    return Status::Error;
}

HttpResponseHeadParser::Status HttpResponseHeadParser::parse(QByteArrayView data,
                                                             qsizetype *headBytes)
{
    if (m_error != Error::None)
        return Status::Error;
    Q_ASSERT_X(!m_done, "HttpResponseHeadParser", "parse() after the head; reset() first");

    const qsizetype end = Http::findHeadEnd(data, m_searched, m_limits.maxHeadBytes);
    if (end < 0) {
        if (data.size() >= m_limits.maxHeadBytes)
            return fail(Error::HeadTooLarge,
                        QStringLiteral("response head exceeds the limit of %1 bytes")
                            .arg(m_limits.maxHeadBytes));
        // An end that starts in the last two bytes may still complete with the next ones.
        m_searched = std::max<qsizetype>(0, data.size() - 2);
        return Status::NeedMoreData;
    }

    const QList<QByteArrayView> lines = Http::splitHeadLines(data.first(end));
    m_statusLine = lines.isEmpty() ? QByteArray() : lines.first().toByteArray();
    if (!parseStatusLine(m_statusLine))
        return Status::Error;
    qsizetype badLine = -1;
    QString problem;
    switch (Http::parseFieldLines(lines.sliced(1), m_limits.maxHeaderCount, &m_head.headers,
                                  &badLine, &problem, Http::ObsFold::Unfold)) {
    case Http::FieldsResult::Ok:
        break;
    case Http::FieldsResult::BareCr:
        return fail(Error::BadHeaderLine,
                    QStringLiteral("header line %1: bare CR").arg(badLine + 1));
    case Http::FieldsResult::BadLine:
        return fail(Error::BadHeaderLine,
                    QStringLiteral("header line %1: %2").arg(badLine + 1).arg(problem));
    case Http::FieldsResult::TooMany:
        return fail(Error::TooManyHeaders,
                    QStringLiteral("more than %1 header fields").arg(m_limits.maxHeaderCount));
    }
    m_done = true;
    *headBytes = end;
    return Status::Ready;
}

bool HttpResponseHeadParser::parseStatusLine(QByteArrayView line)
{
    // RFC 9112, 4: HTTP-version SP 3DIGIT SP [reason-phrase]; the SP before an empty reason is
    // accepted missing, as the RFC advises.
    if (line.size() < 8 || !line.startsWith("HTTP/1.") || !isDigit(line[7])) {
        fail(Error::BadStatusLine, QStringLiteral("status line is not HTTP/1.x"));
        return false;
    }
    if (line.size() < 12 || line[8] != ' ' || !isDigit(line[9]) || !isDigit(line[10]) ||
        !isDigit(line[11]) || (line.size() > 12 && line[12] != ' ')) {
        fail(Error::BadStatusLine,
             QStringLiteral("status line has no three-digit status code after the version"));
        return false;
    }
    const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (status < 100 || status > 599) {
        fail(Error::BadStatusLine,
             QStringLiteral("status code %1 is not between 100 and 599").arg(status));
        return false;
    }
    const QByteArrayView reason = Http::trimmed(line.sliced(std::min<qsizetype>(13, line.size())));
    for (const char c : reason) {
        // A CR here is a bare CR (splitHeadLines() removed the one of the line end).
        if (!Http::isFieldValueChar(c)) {
            fail(Error::BadStatusLine,
                 QStringLiteral("invalid %1 in the reason phrase").arg(describeByte(c)));
            return false;
        }
    }
    m_head.versionMinor = line[7] - '0';
    m_head.status = status;
    m_head.reason = reason.toByteArray();
    return true;
}
