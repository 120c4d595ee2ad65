// The server end of a WebSocket: WebSocketFrameParser in its ServerEnd role reading what a
// client sends (every frame must be masked, RFC 6455 5.1), fed in chunks as the socket delivers
// them.
//
// Input: byte 0 picks the message limit (bit 0: 16 bytes, else 1 MB); byte 1 the chunk size
// (1 + value); the rest is the byte stream from the client.
//
// Properties: no crash or sanitizer report; the outcome (messages, control frames, the error
// with its rule, close code and offending bytes, of which a broken header keeps what had arrived)
// does not depend on how the stream is cut into chunks; no message exceeds the limit; text messages
// and close reasons are UTF-8; control payloads are at most 125 bytes; an error closes with 1002,
// 1007 or 1009, names a rule and keeps at most 4 KiB; what was read, masked again as a client
// writes it, reads back the same.
#include "common/utf8.h"
#include "engineio/websocketframeparser.h"
#include "fuzzcommon.h"

#include <QList>

namespace {

using Result = WebSocketFrameParser::Result;

struct Event
{
    Result result = Result::NeedMoreData;
    QByteArray payload;
    quint16 code = 0;
    QString text; // the close reason, or the error
    WebSocketFrameParser::Violation violation = WebSocketFrameParser::Violation::None;

    // A broken frame header keeps its frame as far as it had arrived: of two cuts, one's
    // offending bytes start the other's.
    bool operator==(const Event &other) const
    {
        const bool samePayload = result == Result::Error ? payload.startsWith(other.payload) ||
                                                               other.payload.startsWith(payload)
                                                         : payload == other.payload;
        return result == other.result && samePayload && code == other.code && text == other.text &&
               violation == other.violation;
    }
};

QList<Event> parse(QByteArrayView stream, qint64 limit, qsizetype chunk)
{
    WebSocketFrameParser parser(limit, WebSocketFrameParser::Role::ServerEnd);
    QList<Event> events;
    for (qsizetype pos = 0; pos < stream.size(); pos += chunk) {
        parser.addData(stream.sliced(pos, std::min(chunk, stream.size() - pos)).toByteArray());
        for (;;) {
            const Result result = parser.next();
            if (result == Result::NeedMoreData)
                break;
            Event event;
            event.result = result;
            if (result == Result::Close) {
                event.code = parser.closeCode();
                event.text = parser.closeReason();
            } else if (result == Result::Error) {
                event.code = parser.errorCloseCode();
                event.text = parser.errorString();
                event.violation = parser.violation();
                event.payload = parser.offendingBytes();
                events.append(event);
                FUZZ_CHECK(parser.next() == Result::Error, QString()); // stays failed
                return events;
            } else {
                event.payload = parser.takePayload();
            }
            events.append(event);
        }
    }
    return events;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArrayView input = fuzzInput(data, size);
    if (input.size() < 2)
        return 0;
    const qint64 limit = (uchar(input[0]) & 1) ? 16 : 1000000;
    const qsizetype chunk = 1 + uchar(input[1]);
    const QByteArrayView stream = input.sliced(2);

    const QList<Event> whole = parse(stream, limit, std::max<qsizetype>(stream.size(), 1));
    const QList<Event> chunked = parse(stream, limit, chunk);
    FUZZ_CHECK(whole == chunked, QStringLiteral("%1 events whole, %2 in chunks of %3")
                                     .arg(whole.size())
                                     .arg(chunked.size())
                                     .arg(chunk));

    QByteArray rewritten; // what was read, as a client would write it again
    quint32 key = 0x9E3779B9;
    for (const Event &event : whole) {
        switch (event.result) {
        case Result::TextMessage:
            FUZZ_CHECK(Utf8::firstInvalidOffset(event.payload) < 0, QString());
            [[fallthrough]];
        case Result::BinaryMessage:
            FUZZ_CHECK(event.payload.size() <= limit, QString::number(event.payload.size()));
            rewritten += WebSocketFrameWriter::frame(event.result == Result::TextMessage
                                                         ? WebSocketOpcode::Text
                                                         : WebSocketOpcode::Binary,
                                                     event.payload, key);
            break;
        case Result::Ping:
        case Result::Pong:
            FUZZ_CHECK(event.payload.size() <= 125, QString::number(event.payload.size()));
            rewritten += WebSocketFrameWriter::frame(
                event.result == Result::Ping ? WebSocketOpcode::Ping : WebSocketOpcode::Pong,
                event.payload, key);
            break;
        case Result::Close:
            FUZZ_CHECK(event.code == WebSocketCloseCode::NoStatusReceived ||
                           (event.code >= 1000 && event.code < 5000),
                       QString::number(event.code));
            rewritten += WebSocketFrameWriter::frame(
                WebSocketOpcode::Close,
                event.code == WebSocketCloseCode::NoStatusReceived
                    ? QByteArray()
                    : WebSocketFrameWriter::closePayload(event.code, event.text),
                key);
            break;
        case Result::Error:
            FUZZ_CHECK(event.code == WebSocketCloseCode::ProtocolError ||
                           event.code == WebSocketCloseCode::InvalidPayload ||
                           event.code == WebSocketCloseCode::MessageTooBig,
                       QString::number(event.code));
            FUZZ_CHECK(!event.text.isEmpty(), QString());
            FUZZ_CHECK(event.violation != WebSocketFrameParser::Violation::None, event.text);
            FUZZ_CHECK(event.violation != WebSocketFrameParser::Violation::MaskedServerFrame,
                       event.text);
            FUZZ_CHECK(event.payload.size() <= 4096, QString::number(event.payload.size()));
            break;
        case Result::NeedMoreData:
            FUZZ_CHECK(false, QStringLiteral("NeedMoreData recorded"));
        }
        key = key * 1103515245u + 12345u;
    }

    // The accepted part, written again, reads back to the same events (the error aside).
    QList<Event> accepted = whole;
    if (!accepted.isEmpty() && accepted.last().result == Result::Error)
        accepted.removeLast();
    const QList<Event> again = parse(rewritten, limit, std::max<qsizetype>(rewritten.size(), 1));
    // A close reason longer than 123 bytes cannot occur (the frame carries at most 125).
    FUZZ_CHECK(
        again == accepted,
        QStringLiteral("%1 events again, %2 accepted").arg(again.size()).arg(accepted.size()));
    return 0;
}
