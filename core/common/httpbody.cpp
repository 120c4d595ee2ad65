#include "common/httpbody.h"

#include "common/hexdigit.h"
#include "common/httphead.h"

#include <algorithm>
#include <limits>

namespace {
constexpr int MaxChunkSizeDigits = 15;
constexpr int MaxContentLengthDigits = 18;
constexpr qint64 MaxReserveBytes = 16 * 1024 * 1024;
} // namespace

HttpBodyDecoder::Status HttpBodyDecoder::start(Framing framing, qint64 contentLength)
{
    m_framing = framing;
    m_line.clear();
    m_trailerBytes = 0;
    m_body.clear();
    m_bodyBytes = 0;
    m_error = Error::None;
    m_errorString.clear();
    switch (framing) {
    case Framing::None:
        m_state = State::Done;
        break;
    case Framing::Length:
        m_left = std::max<qint64>(0, contentLength);
        if (m_left > m_limits.maxBodyBytes)
            return fail(Error::BodyTooLarge,
                        QStringLiteral("body of %1 bytes exceeds the limit of %2 bytes")
                            .arg(m_left == std::numeric_limits<qint64>::max()
                                     ? QStringLiteral("more than 10^18")
                                     : QString::number(m_left))
                            .arg(m_limits.maxBodyBytes));
        // Reserved only as far as it is kept, and never more than a sane first allocation: the
        // length is the peer's word, not yet its bytes.
        m_body.reserve(qsizetype(std::min({m_left, m_limits.maxKeptBytes, MaxReserveBytes})));
        m_state = m_left == 0 ? State::Done : State::Length;
        break;
    case Framing::Chunked:
        m_state = State::ChunkSize;
        break;
    case Framing::UntilClose:
        m_state = State::UntilClose;
        break;
    }
    return m_state == State::Done ? Status::Done : Status::NeedMoreData;
}

void HttpBodyDecoder::keep(QByteArrayView bytes)
{
    const qint64 room = m_limits.maxKeptBytes - m_body.size();
    if (room > 0)
        m_body += bytes.first(qsizetype(std::min<qint64>(room, bytes.size())));
    m_bodyBytes += bytes.size();
}

HttpBodyDecoder::Status HttpBodyDecoder::fail(Error error, const QString &message)
{
    m_state = State::Failed;
    m_error = error;
    m_errorString = message;
    return Status::Error;
}

HttpBodyDecoder::Status HttpBodyDecoder::feed(QByteArrayView data, qsizetype *consumed)
{
    qsizetype pos = 0;
    *consumed = 0;
    // Reads one line (a chunk size or a trailer field) into m_line; true when it is complete.
    const auto readLine = [&](qsizetype limit, bool *complete) {
        const qsizetype newline = data.indexOf('\n', pos);
        const qsizetype stop = newline < 0 ? data.size() : newline;
        if (m_line.size() + (stop - pos) > limit)
            return false;
        m_line += data.sliced(pos, stop - pos);
        pos = newline < 0 ? data.size() : newline + 1;
        *complete = newline >= 0;
        if (*complete && m_line.endsWith('\r'))
            m_line.chop(1);
        return true;
    };

    while (true) {
        switch (m_state) {
        case State::Idle:
        case State::Done:
            *consumed = pos;
            return Status::Done;
        case State::Failed:
            return Status::Error;
        case State::UntilClose:
            keep(data.sliced(pos));
            *consumed = data.size();
            return Status::NeedMoreData;
        case State::Length:
        case State::ChunkData: {
            const qsizetype take = qsizetype(std::min<qint64>(m_left, data.size() - pos));
            keep(data.sliced(pos, take));
            pos += take;
            m_left -= take;
            if (m_left > 0) {
                *consumed = pos;
                return Status::NeedMoreData;
            }
            m_state = m_state == State::Length ? State::Done : State::ChunkDataEnd;
            continue;
        }
        case State::ChunkSize: {
            if (pos >= data.size()) {
                *consumed = pos;
                return Status::NeedMoreData;
            }
            bool complete = false;
            if (!readLine(m_limits.maxChunkLineBytes, &complete))
                return fail(Error::ChunkLineTooLong,
                            QStringLiteral("chunk size line exceeds %1 bytes")
                                .arg(m_limits.maxChunkLineBytes));
            if (!complete)
                continue;
            const QByteArray line = std::exchange(m_line, {});
            qsizetype i = 0;
            qint64 size = 0;
            while (i < line.size() && hexDigitValue(line[i]) >= 0) {
                if (i >= MaxChunkSizeDigits)
                    return fail(Error::BodyTooLarge, QStringLiteral("chunk size too large"));
                size = size * 16 + hexDigitValue(line[i]);
                ++i;
            }
            if (i == 0)
                return fail(Error::BadChunkSize, QStringLiteral("invalid chunk size"));
            const QByteArrayView rest = Http::trimmed(QByteArrayView(line).sliced(i));
            if (!rest.isEmpty() && rest.front() != ';')
                return fail(Error::BadChunkSize, QStringLiteral("invalid chunk size"));
            if (!std::all_of(rest.begin(), rest.end(), Http::isFieldValueChar))
                return fail(Error::BadChunkExtension, QStringLiteral("invalid chunk extension"));
            if (m_bodyBytes + size > m_limits.maxBodyBytes)
                return fail(Error::BodyTooLarge,
                            QStringLiteral("body exceeds the limit of %1 bytes")
                                .arg(m_limits.maxBodyBytes));
            if (size == 0) {
                m_state = State::Trailer;
            } else {
                m_left = size;
                m_state = State::ChunkData;
            }
            continue;
        }
        case State::ChunkDataEnd: {
            if (pos >= data.size()) {
                *consumed = pos;
                return Status::NeedMoreData;
            }
            bool complete = false;
            if (!readLine(2, &complete) || (complete && !m_line.isEmpty()))
                return fail(Error::MissingChunkEnd,
                            QStringLiteral("chunk data not followed by CRLF"));
            if (complete)
                m_state = State::ChunkSize;
            continue;
        }
        case State::Trailer: {
            if (pos >= data.size()) {
                *consumed = pos;
                return Status::NeedMoreData;
            }
            const qsizetype before = pos;
            bool complete = false;
            const bool fits = readLine(m_limits.maxTrailerBytes, &complete);
            m_trailerBytes += pos - before;
            if (!fits || m_trailerBytes > m_limits.maxTrailerBytes)
                return fail(Error::TrailerTooLong,
                            QStringLiteral("chunked trailer exceeds %1 bytes")
                                .arg(m_limits.maxTrailerBytes));
            if (!complete)
                continue;
            const QByteArray line = std::exchange(m_line, {});
            if (!line.isEmpty()) {
                if (line.contains('\r') ||
                    !std::all_of(line.begin(), line.end(), Http::isFieldValueChar))
                    return fail(Error::BadTrailer, QStringLiteral("invalid chunked trailer"));
                continue; // trailer fields are read and dropped
            }
            m_state = State::Done;
            continue;
        }
        }
    }
}

HttpBodyDecoder::Status HttpBodyDecoder::finish()
{
    switch (m_state) {
    case State::UntilClose:
    case State::Done:
    case State::Idle:
        m_state = State::Done;
        return Status::Done;
    case State::Failed:
        return Status::Error;
    default:
        return fail(Error::Truncated,
                    m_framing == Framing::Length
                        ? QStringLiteral("the connection closed %1 bytes before the end of the "
                                         "body its Content-Length announced")
                              .arg(m_left)
                        : QStringLiteral("the connection closed inside the chunked body, before "
                                         "its last chunk"));
    }
}

HttpBodyDecoder::Framing HttpBodyDecoder::responseFraming(QByteArrayView requestMethod, int status,
                                                          const QByteArray &transferEncoding,
                                                          const QByteArray &contentLength,
                                                          qint64 *length)
{
    *length = 0;
    if (requestMethod == "HEAD" || (status >= 100 && status < 200) || status == 204 ||
        status == 304)
        return Framing::None;
    if (!transferEncoding.isEmpty()) {
        // The final coding decides (RFC 9112, 6.3 item 4): chunked, or the close delimits it.
        const QList<QByteArray> codings = transferEncoding.split(',');
        return Http::trimmed(codings.last()).compare("chunked", Qt::CaseInsensitive) == 0
                   ? Framing::Chunked
                   : Framing::UntilClose;
    }
    if (contentLength.isEmpty())
        return Framing::UntilClose;
    // Repeated fields with one value ("5, 5") are that value; differing ones are malformed.
    QByteArrayView first;
    for (const QByteArray &part : contentLength.split(',')) {
        const QByteArrayView value = Http::trimmed(part);
        if (value.isEmpty() ||
            !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return Framing::UntilClose;
        if (!first.isEmpty() && value != first)
            return Framing::UntilClose;
        first = value;
    }
    qsizetype firstNonZero = 0;
    while (firstNonZero + 1 < first.size() && first[firstNonZero] == '0')
        ++firstNonZero;
    if (first.size() - firstNonZero > MaxContentLengthDigits)
        return Framing::UntilClose;
    *length = first.sliced(firstNonZero).toLongLong();
    return Framing::Length;
}
