// A minimal HTTP/1.1 request parser for the embedded server: request line, header fields,
// Content-Length and chunked bodies, every size bounded before anything is buffered. No I/O: the
// listener peeks at the socket, asks the parser how many bytes form the head, and reads (or, for
// a WebSocket upgrade, leaves in place) exactly those. The head's lines and header fields are
// read by the code that core/common/httphead shares with the client's response heads.
#pragma once

#include "common/httpbody.h"
#include "common/httphead.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

struct HttpRequest
{
    QByteArray method;    // as sent (methods are case-sensitive): "GET", "POST", ...
    QByteArray target;    // the request target as sent: "/socket.io/?EIO=4&transport=polling"
    QByteArray path;      // the target up to '?' (an absolute-form target is cut to its path)
    QByteArray query;     // after '?', still percent-encoded; empty when there is none
    int versionMinor = 1; // HTTP/1.<versionMinor>
    HttpHeaders headers;  // in order; names in lower case, values without surrounding spaces
    QByteArray body;

    // Every field named `name` (lower case), joined by ", " as RFC 9110 allows; empty if none.
    QByteArray header(QByteArrayView name) const { return Http::header(headers, name); }
    bool hasHeader(QByteArrayView name) const { return Http::hasHeader(headers, name); }
    // Whether the connection stays open after the response: HTTP/1.1 unless "Connection: close",
    // HTTP/1.0 only with "Connection: keep-alive".
    bool keepAlive() const;
    // A GET with "Upgrade: websocket" and "Connection: upgrade" (tokens, any case).
    bool isWebSocketUpgrade() const;
    // Whether a comma-separated header holds `token` (case-insensitive), e.g. Connection.
    bool headerHasToken(QByteArrayView name, QByteArrayView token) const
    {
        return Http::headerHasToken(headers, name, token);
    }
};

// A request target's path and query (after '?', still percent-encoded; empty when there is
// none), a fragment left out: "/p?q=1#f" gives "/p" and "q=1". The one split of a target, for the
// parser and for whoever keeps only the target.
struct RequestTargetParts
{
    QByteArrayView path;
    QByteArrayView query;
};
RequestTargetParts splitRequestTarget(QByteArrayView target);

// A limit of the listening side, named when it refuses something (a decision reads this, never
// the message). The parser's own: HeadBytes .. TrailerBytes; the listener's: the rest.
enum class HttpLimit {
    None, // not a limit: a malformed request
    HeadBytes,
    HeaderCount,
    BodyBytes,
    ChunkLineBytes,
    TrailerBytes,
    HeadTimeout,        // a request head (or a pause inside a body) took too long
    Connections,        // open connections
    PendingConnections, // connections that have not completed a request yet
};

struct HttpRequestLimits
{
    qsizetype maxHeadBytes = 16 * 1024; // request line, header fields and the empty line
    int maxHeaderCount = 100;
    qint64 maxBodyBytes = 1000000;      // may be changed per request with startBody()
    qsizetype maxChunkLineBytes = 1024; // a chunk-size line, extensions included
    qsizetype maxTrailerBytes = 8 * 1024;
};

class HttpRequestParser
{
public:
    using Limits = HttpRequestLimits;

    enum class Status { NeedMoreData, HeadReady, RequestReady, Error };

    HttpRequestParser() = default;
    explicit HttpRequestParser(const Limits &limits);

    Limits limits() const { return m_limits; }
    void setLimits(const Limits &limits) { m_limits = limits; }

    // Step 1. `data` holds the bytes received so far from the start of the request (empty lines
    // before the request line are tolerated, as RFC 9112 asks). Returns NeedMoreData while the
    // head is incomplete (nothing consumed; call again with more), HeadReady with *headBytes set
    // to the bytes that form the head, or Error. Over maxHeadBytes without the end of the head is
    // 431, like too many header fields.
    Status parseHead(QByteArrayView data, qsizetype *headBytes);

    // Step 2, after HeadReady. The caller may tighten the body limit for this request (e.g. to
    // the route's maxPayload). Returns RequestReady when the request has no body, NeedMoreData
    // when a body follows, or Error (413 when the declared Content-Length is over the limit).
    Status startBody(qint64 maxBodyBytes);
    Status startBody() { return startBody(m_limits.maxBodyBytes); }

    // Step 3, while NeedMoreData after startBody(): the bytes after the head. *consumed is how
    // many were used; it never goes past the end of this request (the rest belongs to the next
    // one). Returns NeedMoreData, RequestReady or Error (413 when the body grows over the limit,
    // 400 for a broken chunked encoding).
    Status feedBody(QByteArrayView data, qsizetype *consumed);

    // The request parsed so far (the head after HeadReady, the body after RequestReady).
    const HttpRequest &request() const { return m_request; }
    // Returns the request and makes the parser ready for the next one on the connection.
    HttpRequest takeRequest();
    void reset();

    bool hasError() const { return m_errorStatus != 0; }
    // After Error: the status code to answer with (400, 413, 431, 501, 505) and why.
    int errorStatus() const { return m_errorStatus; }
    QString errorString() const { return m_error; }
    // After Error: the limit the request ran into, or HttpLimit::None when it was malformed.
    HttpLimit errorLimit() const { return m_errorLimit; }

    // The Content-Length of the current request, or -1 (none, or chunked).
    qint64 contentLength() const { return m_contentLength; }
    bool isChunked() const { return m_chunked; }

private:
    enum class State { Head, HeadDone, Body, Done, Failed };

    Status fail(int status, const QString &message, HttpLimit limit = HttpLimit::None);
    bool parseRequestLine(QByteArrayView line);
    bool finishHead();
    // The body decoder's status as the parser's; its errors with their status codes and limits.
    Status bodyStatus(HttpBodyDecoder::Status status);

    Limits m_limits;
    HttpRequest m_request;
    State m_state = State::Head;
    qint64 m_contentLength = -1;
    bool m_chunked = false;
    HttpBodyDecoder m_body; // Content-Length and chunked framing (core/common/httpbody)
    int m_errorStatus = 0;
    QString m_error;
    HttpLimit m_errorLimit = HttpLimit::None;
};
