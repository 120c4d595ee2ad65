// The embedded server's HTTP/1.1 request parser (HttpRequestParser), driven as HttpListener drives
// it: the head peeked from the bytes received so far (at most maxHeadBytes), then the body fed in
// whatever pieces arrive, request after request on one connection (pipelining).
//
// Input: byte 0 picks the limits (bit 0: tight ones, 256-byte head, 4 fields, 64-byte body,
// 16-byte chunk lines and trailers, else the defaults); byte 1 the size of the pieces the bytes
// arrive in (1 + value); the rest is what a client sends.
//
// Properties: no crash or sanitizer report; the outcome (the requests, then the error with its
// status and limit, or how far the last request got) does not depend on how the bytes are cut;
// a head is never longer than the bytes shown nor than maxHeadBytes, a body never over
// maxBodyBytes, never more than maxHeaderCount fields; a body step consumes only what it was
// given and all of it while it asks for more; an error's status is one the listener answers with,
// and a named limit goes with 400 (chunk line), 413 or 431 only.
#include "fuzzcommon.h"
#include "server/httprequestparser.h"

#include <QList>

namespace {

struct Outcome
{
    QList<HttpRequest> requests;
    int errorStatus = 0;
    HttpLimit errorLimit = HttpLimit::None;
    QString error;
    bool inBody = false;    // the last request stopped inside its body
    qsizetype leftover = 0; // bytes received but not used
};

bool sameRequest(const HttpRequest &a, const HttpRequest &b)
{
    return a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query &&
           a.versionMinor == b.versionMinor && a.headers == b.headers && a.body == b.body;
}

void check(const HttpRequestParser::Limits &limits, const HttpRequest &request)
{
    FUZZ_CHECK(request.body.size() <= limits.maxBodyBytes, QString::number(request.body.size()));
    FUZZ_CHECK(request.headers.size() <= limits.maxHeaderCount, QString());
    FUZZ_CHECK(!request.method.isEmpty() && !request.target.isEmpty(), QString());
    FUZZ_CHECK(request.path.startsWith('/') || request.path == "*",
               QString::fromLatin1(request.path));
    for (const auto &[name, value] : request.headers)
        FUZZ_CHECK(name == name.toLower(), QString::fromLatin1(name));
}

Outcome run(const HttpRequestParser::Limits &limits, QByteArrayView input, qsizetype piece)
{
    HttpRequestParser parser(limits);
    Outcome outcome;
    QByteArray buffer;
    bool inBody = false;
    const auto failed = [&] {
        FUZZ_CHECK(parser.hasError(), QString());
        outcome.errorStatus = parser.errorStatus();
        outcome.errorLimit = parser.errorLimit();
        outcome.error = parser.errorString();
    };
    // Uses what `buffer` holds; false once the parser has failed.
    const auto process = [&] {
        while (!buffer.isEmpty()) {
            if (!inBody) {
                const QByteArrayView head =
                    QByteArrayView(buffer).first(std::min(buffer.size(), limits.maxHeadBytes));
                qsizetype headBytes = -1;
                const auto status = parser.parseHead(head, &headBytes);
                if (status == HttpRequestParser::Status::NeedMoreData)
                    return true;
                if (status == HttpRequestParser::Status::Error) {
                    failed();
                    return false;
                }
                FUZZ_CHECK(status == HttpRequestParser::Status::HeadReady, QString());
                FUZZ_CHECK(headBytes > 0 && headBytes <= head.size(), QString::number(headBytes));
                buffer.remove(0, headBytes);
                const auto body = parser.startBody();
                if (body == HttpRequestParser::Status::Error) {
                    failed();
                    return false;
                }
                if (body == HttpRequestParser::Status::RequestReady) {
                    outcome.requests.append(parser.takeRequest());
                    continue;
                }
                inBody = true;
                continue;
            }
            qsizetype consumed = -1;
            const auto status = parser.feedBody(buffer, &consumed);
            if (status == HttpRequestParser::Status::Error) {
                failed();
                return false;
            }
            FUZZ_CHECK(consumed >= 0 && consumed <= buffer.size(), QString::number(consumed));
            buffer.remove(0, consumed);
            if (status == HttpRequestParser::Status::NeedMoreData) {
                FUZZ_CHECK(buffer.isEmpty(), QString::number(buffer.size()));
                return true;
            }
            FUZZ_CHECK(status == HttpRequestParser::Status::RequestReady, QString());
            outcome.requests.append(parser.takeRequest());
            inBody = false;
        }
        return true;
    };
    for (qsizetype pos = 0; pos < input.size(); pos += piece) {
        buffer += input.sliced(pos, std::min(piece, input.size() - pos));
        if (!process())
            break;
    }
    outcome.inBody = inBody && !parser.hasError();
    outcome.leftover = parser.hasError() ? 0 : buffer.size();
    for (const HttpRequest &request : std::as_const(outcome.requests))
        check(limits, request);
    return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArrayView input = fuzzInput(data, size);
    if (input.size() < 2)
        return 0;
    HttpRequestParser::Limits limits;
    if (input[0] & 1) {
        limits.maxHeadBytes = 256;
        limits.maxHeaderCount = 4;
        limits.maxBodyBytes = 64;
        limits.maxChunkLineBytes = 16;
        limits.maxTrailerBytes = 32;
    }
    const qsizetype piece = 1 + uchar(input[1]);
    const QByteArrayView stream = input.sliced(2);

    const Outcome whole = run(limits, stream, std::max<qsizetype>(stream.size(), 1));
    const Outcome pieces = run(limits, stream, piece);
    const QString both = whole.error + QStringLiteral(" / ") + pieces.error;
    FUZZ_CHECK(whole.errorStatus == pieces.errorStatus, both);
    FUZZ_CHECK(whole.errorLimit == pieces.errorLimit, both);
    FUZZ_CHECK(whole.error == pieces.error, both);
    FUZZ_CHECK(whole.inBody == pieces.inBody && whole.leftover == pieces.leftover, both);
    FUZZ_CHECK(whole.requests.size() == pieces.requests.size(), both);
    for (qsizetype i = 0; i < whole.requests.size(); ++i)
        FUZZ_CHECK(sameRequest(whole.requests.at(i), pieces.requests.at(i)), QString::number(i));

    if (whole.errorStatus != 0) {
        static const QList<int> answered = {400, 413, 431, 501, 505};
        FUZZ_CHECK(answered.contains(whole.errorStatus), QString::number(whole.errorStatus));
        FUZZ_CHECK(!whole.error.isEmpty(), QString());
        switch (whole.errorLimit) {
        case HttpLimit::None:
            break;
        case HttpLimit::ChunkLineBytes:
            FUZZ_CHECK(whole.errorStatus == 400, both);
            break;
        case HttpLimit::BodyBytes:
            FUZZ_CHECK(whole.errorStatus == 413, both);
            break;
        case HttpLimit::HeadBytes:
        case HttpLimit::HeaderCount:
        case HttpLimit::TrailerBytes:
            FUZZ_CHECK(whole.errorStatus == 431, both);
            break;
        default:
            FUZZ_CHECK(false, QStringLiteral("a listener's limit from the parser"));
        }
    }
    return 0;
}
