// The body of an HTTP/1.x message as the bytes arrive: where it ends (RFC 9112, 6.3: a length,
// chunked transfer coding, or the connection's close) and what it holds once the chunked framing
// is taken off. For an intermediary that forwards the bytes as they come and reads the body
// beside them (the proxy): the bytes are never changed, only read, and the body kept for reading
// is bounded, while the framing is followed to the end whatever its length.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <limits>

struct HttpBodyLimits
{
    qint64 maxKeptBytes = 16 * 1024 * 1024; // the body kept for reading; the rest is only framed
    // A body over this is an error (BodyTooLarge): a server refuses it (413) rather than read it.
    qint64 maxBodyBytes = std::numeric_limits<qint64>::max();
    qsizetype maxChunkLineBytes = 1024; // a chunk-size line, extensions included
    qsizetype maxTrailerBytes = 8 * 1024;
};

class HttpBodyDecoder
{
public:
    enum class Framing {
        None,      // no body (a HEAD's response, 1xx, 204, 304; a request without either field)
        Length,    // Content-Length
        Chunked,   // Transfer-Encoding ending in chunked
        UntilClose // a response delimited by the connection's close
    };
    enum class Status { NeedMoreData, Done, Error };
    enum class Error {
        None,
        ChunkLineTooLong,
        BadChunkSize,
        BadChunkExtension,
        MissingChunkEnd, // chunk data not followed by CRLF
        TrailerTooLong,
        BadTrailer,
        BodyTooLarge, // over maxBodyBytes: a Content-Length, a chunk size, or the chunks so far
        Truncated     // the connection closed before the framing said the body ended
    };

    explicit HttpBodyDecoder(const HttpBodyLimits &limits = {})
        : m_limits(limits)
    {
    }
    const HttpBodyLimits &limits() const { return m_limits; }
    void setLimits(const HttpBodyLimits &limits) { m_limits = limits; }

    // A new body. `contentLength` is read for Length only; over maxBodyBytes it is an error at
    // once (Error), before a byte of it is read.
    Status start(Framing framing, qint64 contentLength = 0);
    // The bytes that follow what was fed before. *consumed is how many belong to the body: it
    // never goes past its end (the rest is the next message's).
    Status feed(QByteArrayView data, qsizetype *consumed);
    // The connection closed: Done for UntilClose, Error (Truncated) when the body was not over.
    Status finish();

    Framing framing() const { return m_framing; }
    bool isDone() const { return m_state == State::Done; }
    // The body after framing (chunk sizes and trailer taken off), its first maxKeptBytes.
    const QByteArray &body() const { return m_body; }
    QByteArray takeBody() { return std::exchange(m_body, {}); }
    // The whole body's size, kept or not, and whether some of it was not kept.
    qint64 bodyBytes() const { return m_bodyBytes; }
    bool isBodyCut() const { return m_bodyBytes > m_body.size(); }

    Error error() const { return m_error; }
    QString errorString() const { return m_errorString; }

    // The framing RFC 9112, 6.3 gives a response to a request with `requestMethod` whose status
    // and header fields are given; the Content-Length in *contentLength. A malformed
    // Content-Length is taken as the close-delimited body it would then be read as.
    static Framing responseFraming(QByteArrayView requestMethod, int status,
                                   const QByteArray &transferEncoding,
                                   const QByteArray &contentLength, qint64 *length);

private:
    enum class State {
        Idle,
        Length,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailer,
        UntilClose,
        Done,
        Failed
    };

    Status fail(Error error, const QString &message);
    void keep(QByteArrayView bytes);

    HttpBodyLimits m_limits;
    Framing m_framing = Framing::None;
    State m_state = State::Idle;
    qint64 m_left = 0; // of the Content-Length, or of the current chunk
    QByteArray m_line; // a chunk-size or trailer line that spans feeds
    qint64 m_trailerBytes = 0;
    QByteArray m_body;
    qint64 m_bodyBytes = 0;
    Error m_error = Error::None;
    QString m_errorString;
};
