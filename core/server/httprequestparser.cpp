#include "server/httprequestparser.h"

#include "common/bytetext.h"
#include "common/hexdigit.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace {

constexpr int MaxContentLengthDigits = 18; // fits a qint64; longer is over any limit anyway

using Http::isFieldValueChar;
using Http::isToken;
using Http::isTokenChar;
using Http::trimmed;

} // namespace

// --- HttpRequest ------------------------------------------------------------------------------

bool HttpRequest::keepAlive() const
{
    if (headerHasToken("connection", "close"))
        return false;
    return versionMinor >= 1 || headerHasToken("connection", "keep-alive");
}

bool HttpRequest::isWebSocketUpgrade() const
{
    return method == "GET" && headerHasToken("upgrade", "websocket") &&
           headerHasToken("connection", "upgrade");
}

// --- HttpRequestParser ------------------------------------------------------------------------

HttpRequestParser::HttpRequestParser(const Limits &limits)
    : m_limits(limits)
{
}

void HttpRequestParser::reset()
{
    m_request = HttpRequest();
    m_state = State::Head;
    m_contentLength = -1;
    m_chunked = false;
    m_body.start(HttpBodyDecoder::Framing::None);
    m_errorStatus = 0;
    m_error.clear();
    m_errorLimit = HttpLimit::None;
}

HttpRequest HttpRequestParser::takeRequest()
{
    HttpRequest request = std::move(m_request);
    reset();
    return request;
}

HttpRequestParser::Status HttpRequestParser::fail(int status, const QString &message,
                                                  HttpLimit limit)
{
    m_state = State::Failed;
    m_errorStatus = status;
    m_error = message;
    m_errorLimit = limit;
    return Status::Error;
}

HttpRequestParser::Status HttpRequestParser::parseHead(QByteArrayView data, qsizetype *headBytes)
{
    if (m_state == State::Failed)
        return Status::Error;
    Q_ASSERT_X(m_state == State::Head, "HttpRequestParser", "parseHead() after the head");

    // Empty lines before the request line are tolerated (RFC 9112, 2.2), within the head limit.
    qsizetype start = 0;
    while (start < data.size() && (data[start] == '\r' || data[start] == '\n'))
        ++start;

    // Reject what is plainly not HTTP (a TLS handshake, binary noise) without waiting for a head.
    for (qsizetype i = start; i < data.size() && data[i] != ' '; ++i) {
        if (!isTokenChar(data[i]))
            return fail(400, QStringLiteral("invalid request line: %1 in the method")
                                 .arg(describeByte(data[i])));
    }

    const qsizetype end = Http::findHeadEnd(data, start, m_limits.maxHeadBytes);
    if (end < 0) {
        if (data.size() >= m_limits.maxHeadBytes)
            return fail(431,
                        QStringLiteral("request head exceeds the limit of %1 bytes")
                            .arg(m_limits.maxHeadBytes),
                        HttpLimit::HeadBytes);
        return Status::NeedMoreData;
    }

    // The first line is the request line: a start past the leading empty lines makes it so.
    const QList<QByteArrayView> lines = Http::splitHeadLines(data.sliced(start, end - start));
    if (lines.first().contains('\r'))
        return fail(400, QStringLiteral("bare CR in the request head"));
    if (!parseRequestLine(lines.first()))
        return Status::Error;
    qsizetype badLine = -1;
    QString problem;
    switch (Http::parseFieldLines(lines.sliced(1), m_limits.maxHeaderCount, &m_request.headers,
                                  &badLine, &problem)) {
    case Http::FieldsResult::Ok:
        break;
    case Http::FieldsResult::BareCr:
        return fail(400, QStringLiteral("bare CR in the request head"));
    case Http::FieldsResult::BadLine:
        return fail(400, problem);
    case Http::FieldsResult::TooMany:
        return fail(431, QStringLiteral("more than %1 header fields").arg(m_limits.maxHeaderCount),
                    HttpLimit::HeaderCount);
    }
    if (!finishHead())
        return Status::Error;
    m_state = State::HeadDone;
    *headBytes = end;
    return Status::HeadReady;
}

bool HttpRequestParser::parseRequestLine(QByteArrayView line)
{
    const qsizetype firstSpace = line.indexOf(' ');
    const qsizetype lastSpace = line.lastIndexOf(' ');
    if (firstSpace <= 0 || lastSpace == firstSpace) {
        fail(400, QStringLiteral("invalid request line (expected \"<method> <target> "
                                 "HTTP/1.1\")"));
        return false;
    }
    const QByteArrayView method = line.first(firstSpace);
    const QByteArrayView target = line.sliced(firstSpace + 1, lastSpace - firstSpace - 1);
    const QByteArrayView version = line.sliced(lastSpace + 1);
    if (!isToken(method)) {
        fail(400, QStringLiteral("invalid request method"));
        return false;
    }
    if (target.isEmpty()) {
        fail(400, QStringLiteral("empty request target"));
        return false;
    }
    for (const char c : target) {
        const auto u = uchar(c);
        if (u <= 0x20 || u >= 0x7f) {
            fail(400, QStringLiteral("invalid request target: %1").arg(describeByte(c)));
            return false;
        }
    }
    if (version.size() != 8 || !version.startsWith("HTTP/") || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
        fail(400, QStringLiteral("invalid HTTP version"));
        return false;
    }
    if (version[5] != '1') {
        fail(505, QStringLiteral("HTTP version %1 not supported")
                      .arg(QString::fromLatin1(version.sliced(5))));
        return false;
    }

    QByteArray absolutePath; // holds the path of an absolute-form target
    QByteArrayView pathAndQuery = target;
    if (target.front() != '/') {
        if (target == "*" && method == "OPTIONS") {
            pathAndQuery = "*";
        } else if (target.startsWith("http://") || target.startsWith("https://")) {
            // absolute-form (RFC 9112, 3.2.2): keep what follows the authority
            qsizetype i = target.indexOf("//") + 2;
            while (i < target.size() && target[i] != '/' && target[i] != '?' && target[i] != '#')
                ++i;
            if (i >= target.size() || target[i] != '/')
                absolutePath = "/";
            absolutePath += target.sliced(i);
            pathAndQuery = absolutePath;
        } else {
            fail(400, QStringLiteral("unsupported request target form"));
            return false;
        }
    }
    m_request.method = method.toByteArray();
    m_request.target = target.toByteArray();
    m_request.versionMinor = version[7] == '0' ? 0 : 1;
    const RequestTargetParts parts = splitRequestTarget(pathAndQuery);
    m_request.path = parts.path.toByteArray();
    m_request.query = parts.query.toByteArray();
    return true;
}

RequestTargetParts splitRequestTarget(QByteArrayView target)
{
    const qsizetype hash = target.indexOf('#');
    if (hash >= 0)
        target = target.first(hash);
    const qsizetype question = target.indexOf('?');
    if (question < 0)
        return {target, QByteArrayView()};
    return {target.first(question), target.sliced(question + 1)};
}

bool HttpRequestParser::finishHead()
{
    int hosts = 0;
    QByteArray contentLength;
    bool haveContentLength = false;
    QList<QByteArray> codings;
    for (const auto &[name, value] : std::as_const(m_request.headers)) {
        if (name == "host") {
            ++hosts;
        } else if (name == "content-length") {
            // "5, 5" or repeated fields are fine when every value is the same (RFC 9110, 8.6).
            for (const QByteArray &item : value.split(',')) {
                const QByteArray number = trimmed(item).toByteArray();
                if (number.isEmpty() || !std::all_of(number.begin(), number.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; })) {
                    fail(400, QStringLiteral("invalid Content-Length"));
                    return false;
                }
                if (haveContentLength && number != contentLength) {
                    fail(400, QStringLiteral("conflicting Content-Length values"));
                    return false;
                }
                contentLength = number;
                haveContentLength = true;
            }
        } else if (name == "transfer-encoding") {
            for (const QByteArray &item : value.split(',')) {
                const QByteArray coding = trimmed(item).toByteArray().toLower();
                if (!coding.isEmpty())
                    codings.append(coding);
            }
        }
    }
    if (m_request.versionMinor >= 1 && hosts != 1) {
        fail(400, hosts == 0 ? QStringLiteral("HTTP/1.1 request without a Host header")
                             : QStringLiteral("more than one Host header"));
        return false;
    }
    if (!codings.isEmpty()) {
        if (m_request.versionMinor == 0) {
            fail(400, QStringLiteral("Transfer-Encoding in an HTTP/1.0 request"));
            return false;
        }
        if (haveContentLength) {
            // Both at once is how request smuggling starts: refuse (RFC 9112, 6.1).
            fail(400, QStringLiteral("both Transfer-Encoding and Content-Length"));
            return false;
        }
        if (codings.size() != 1 || codings.first() != "chunked") {
            fail(501, QStringLiteral("Transfer-Encoding \"%1\" not supported (only chunked)")
                          .arg(QString::fromLatin1(codings.join(", "))));
            return false;
        }
        m_chunked = true;
    }
    if (haveContentLength) {
        const QByteArrayView digits = QByteArrayView(contentLength);
        qsizetype firstNonZero = 0;
        while (firstNonZero + 1 < digits.size() && digits[firstNonZero] == '0')
            ++firstNonZero;
        m_contentLength = digits.size() - firstNonZero > MaxContentLengthDigits
                              ? std::numeric_limits<qint64>::max()
                              : digits.sliced(firstNonZero).toLongLong();
    }
    return true;
}

HttpRequestParser::Status HttpRequestParser::startBody(qint64 maxBodyBytes)
{
    if (m_state == State::Failed)
        return Status::Error;
    Q_ASSERT_X(m_state == State::HeadDone, "HttpRequestParser", "startBody() before the head");
    HttpBodyLimits limits;
    limits.maxKeptBytes = maxBodyBytes;
    limits.maxBodyBytes = maxBodyBytes;
    limits.maxChunkLineBytes = m_limits.maxChunkLineBytes;
    limits.maxTrailerBytes = m_limits.maxTrailerBytes;
    m_body.setLimits(limits);
    const HttpBodyDecoder::Status status =
        m_body.start(m_chunked             ? HttpBodyDecoder::Framing::Chunked
                     : m_contentLength > 0 ? HttpBodyDecoder::Framing::Length
                                           : HttpBodyDecoder::Framing::None,
                     m_contentLength);
    return bodyStatus(status);
}

HttpRequestParser::Status HttpRequestParser::feedBody(QByteArrayView data, qsizetype *consumed)
{
    *consumed = 0;
    switch (m_state) {
    case State::Body:
        return bodyStatus(m_body.feed(data, consumed));
    case State::Done:
        return Status::RequestReady;
    case State::Failed:
        return Status::Error;
    case State::Head:
    case State::HeadDone:
        break;
    }
    Q_ASSERT_X(false, "HttpRequestParser", "feedBody() before startBody()");
    return fail(500, QStringLiteral("internal error: body fed before the head"));
}

HttpRequestParser::Status HttpRequestParser::bodyStatus(HttpBodyDecoder::Status status)
{
    switch (status) {
    case HttpBodyDecoder::Status::NeedMoreData:
        m_state = State::Body;
        return Status::NeedMoreData;
    case HttpBodyDecoder::Status::Done:
        m_state = State::Done;
        m_request.body = m_body.takeBody();
        return Status::RequestReady;
    case HttpBodyDecoder::Status::Error:
        break;
    }
    const QString message = m_body.errorString();
    switch (m_body.error()) {
    case HttpBodyDecoder::Error::BodyTooLarge:
        return fail(413, QStringLiteral("request %1").arg(message), HttpLimit::BodyBytes);
    case HttpBodyDecoder::Error::ChunkLineTooLong:
        return fail(400, message, HttpLimit::ChunkLineBytes);
    case HttpBodyDecoder::Error::TrailerTooLong:
        return fail(431, message, HttpLimit::TrailerBytes);
    default:
        return fail(400, message);
    }
}
