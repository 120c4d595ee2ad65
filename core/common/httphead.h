// HTTP/1.x message heads, for the embedded server's requests (core/server/httprequestparser) and
// the client's WebSocket handshake response (core/engineio/websockettransport): the header field
// list, the parsing and validation of header field lines, the helpers that read fields, and a
// parser for a response head. No I/O: the parsers are given the bytes received so far and bound
// every size before anything needs to be buffered.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

// One header field: its name (lower case once parsed) and its value.
using HttpHeader = QPair<QByteArray, QByteArray>;
// In the order received; a name may occur more than once.
using HttpHeaders = QList<HttpHeader>;

struct HttpHeadLimits
{
    qsizetype maxHeadBytes = 16 * 1024; // start line, header fields and the empty line
    int maxHeaderCount = 100;
};

namespace Http {

// RFC 9110, 5.6.2: tchar and token.
bool isTokenChar(char c);
bool isToken(QByteArrayView text);
// Field values: visible ASCII, space, tab and obs-text; no other control characters.
bool isFieldValueChar(char c);
// Without the optional white space (spaces and tabs) around it.
QByteArrayView trimmed(QByteArrayView text);

// Every field named `name` (lower case), joined by ", " as RFC 9110, 5.3 allows; empty if none.
QByteArray header(const HttpHeaders &headers, QByteArrayView name);
bool hasHeader(const HttpHeaders &headers, QByteArrayView name);
// Whether a comma-separated field (e.g. Connection) holds `token`, in any case, in any of the
// fields named `name`.
bool headerHasToken(const HttpHeaders &headers, QByteArrayView name, QByteArrayView token);

// The end of a head in `data`, which starts at its first line: the index just past the empty line
// that ends it, "\n\r\n" or "\n\n" (bare LF line ends are accepted, RFC 9112, 2.2), or -1 when
// no head ends within the first `maxHeadBytes` bytes. The search starts at `from`: after a search
// of n bytes found nothing, no end starts before n - 2, so a later one may resume there.
qsizetype findHeadEnd(QByteArrayView data, qsizetype from, qsizetype maxHeadBytes);

// The lines of a complete head (from its first line up to `findHeadEnd()`), without the empty
// line that ends it, each without its LF and the CR before it. A CR left inside a line is a bare
// CR, which the caller refuses: some recipients take it for a line end (request smuggling).
QList<QByteArrayView> splitHeadLines(QByteArrayView head);

// One header field line: the name lower-cased, the value trimmed. False, with the problem in
// *problem, for obsolete line folding (a line that starts with white space), a line without a
// name followed by ':', a name that is not a token (white space before the colon included), or a
// control character in the value.
bool parseFieldLine(QByteArrayView line, HttpHeader *field, QString *problem);

enum class FieldsResult { Ok, BareCr, BadLine, TooMany };

// What becomes of obsolete line folding (a field line that starts with white space and continues
// the one before it). RFC 9112, 5.2: a server may refuse it; a user agent MUST replace each fold
// with a space before it interprets the value.
enum class ObsFold { Refuse, Unfold };

// The header field lines of a head (its lines after the start line), each checked in turn (bare
// CR, then parseFieldLine()) and appended to *headers while that holds fewer than
// `maxHeaderCount` fields. On BareCr and BadLine, *badLine is the index of the line in `lines`;
// on BadLine, *problem says what is wrong with it.
FieldsResult parseFieldLines(const QList<QByteArrayView> &lines, int maxHeaderCount,
                             HttpHeaders *headers, qsizetype *badLine, QString *problem,
                             ObsFold obsFold = ObsFold::Refuse);

// Appends `headers` as the field lines of a head, "Name: value\r\n" each, in order, growing *out
// once.
void appendFieldLines(QByteArray *out, const HttpHeaders &headers);
// The fields of lines that appendFieldLines() wrote (names in lower case): a field list kept for
// long is kept as its lines, one block where a list costs an allocation per field.
HttpHeaders fieldsOfLines(QByteArrayView lines);

} // namespace Http

struct HttpResponseHead
{
    int versionMinor = 1; // HTTP/1.<versionMinor>
    int status = 0;       // 100..599
    QByteArray reason;    // the reason phrase, trimmed; may be empty
    HttpHeaders headers;  // in order; names in lower case, values without surrounding spaces

    QByteArray header(QByteArrayView name) const { return Http::header(headers, name); }
    bool hasHeader(QByteArrayView name) const { return Http::hasHeader(headers, name); }
    bool headerHasToken(QByteArrayView name, QByteArrayView token) const
    {
        return Http::headerHasToken(headers, name, token);
    }
};

// Parses the head of an HTTP/1.x response: "HTTP/1.x NNN reason", the header fields and the empty
// line. Fed everything received so far from the start of the response, again after each read;
// the search for the end of the head resumes where it stopped.
class HttpResponseHeadParser
{
public:
    enum class Status { NeedMoreData, Ready, Error };
    enum class Error { None, HeadTooLarge, TooManyHeaders, BadStatusLine, BadHeaderLine };

    explicit HttpResponseHeadParser(const HttpHeadLimits &limits = {});

    HttpHeadLimits limits() const { return m_limits; }

    // Returns NeedMoreData while the head is incomplete (call again with more), Ready with
    // *headBytes set to the bytes that form the head (what follows belongs to the body or, after
    // a 101, to the new protocol), or Error. More than maxHeadBytes without the end of the head is
    // HeadTooLarge, reported as soon as that many bytes are there.
    Status parse(QByteArrayView data, qsizetype *headBytes);

    // The head, after Ready.
    const HttpResponseHead &head() const { return m_head; }
    // The first line of the head as received (without its line end), once the head is complete:
    // what BadStatusLine refused.
    QByteArray statusLine() const { return m_statusLine; }

    Error error() const { return m_error; }
    // After Error: what is wrong and where, e.g. "status line is not HTTP/1.x" or "header line 3:
    // invalid header line (no field name followed by ':')" (header lines count from 1).
    QString errorString() const { return m_errorString; }

    void reset();

private:
    Status fail(Error error, const QString &message);
    bool parseStatusLine(QByteArrayView line);

    HttpHeadLimits m_limits;
    HttpResponseHead m_head;
    QByteArray m_statusLine;
    qsizetype m_searched = 0; // the head does not end before this index of the data
    bool m_done = false;
    Error m_error = Error::None;
    QString m_errorString;
};
