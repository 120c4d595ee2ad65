#include "common/contentcoding.h"

#include "common/httphead.h"

#include <QList>

#include <zlib.h>

namespace {

enum class Wrapping { GzipOrZlib, Raw };

// One coding undone. False with *error when the data is not what the coding says, or inflates
// past maxBytes.
bool inflate(const QByteArray &input, Wrapping wrapping, qint64 maxBytes, QByteArray *output,
             QString *error)
{
    z_stream stream{};
    // 15 + 32: a zlib or gzip header, detected; -15: raw deflate.
    if (inflateInit2(&stream, wrapping == Wrapping::Raw ? -15 : 15 + 32) != Z_OK) {
        *error = QStringLiteral("zlib could not start inflating");
        return false;
    }
    output->clear();
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(input.constData()));
    stream.avail_in = uInt(input.size());
    int status = Z_OK;
    char buffer[16 * 1024];
    while (status != Z_STREAM_END) {
        stream.next_out = reinterpret_cast<Bytef *>(buffer);
        stream.avail_out = sizeof buffer;
        status = ::inflate(&stream, Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END) {
            *error = status == Z_BUF_ERROR
                         ? QStringLiteral("the compressed body ends early")
                         : QStringLiteral("the compressed body is corrupt (%1)")
                               .arg(QString::fromLatin1(stream.msg ? stream.msg : "zlib"));
            inflateEnd(&stream);
            return false;
        }
        const qsizetype produced = qsizetype(sizeof buffer - stream.avail_out);
        if (output->size() + produced > maxBytes) {
            *error = QStringLiteral("the body inflates past %1 bytes").arg(maxBytes);
            inflateEnd(&stream);
            return false;
        }
        output->append(buffer, produced);
        if (status == Z_OK && stream.avail_in == 0 && produced == 0) {
            *error = QStringLiteral("the compressed body ends early");
            inflateEnd(&stream);
            return false;
        }
    }
    inflateEnd(&stream);
    return true;
}

} // namespace

bool ContentCoding::decode(const QByteArray &contentEncoding, const QByteArray &body,
                           qint64 maxBytes, QByteArray *decoded, QString *error)
{
    QByteArray data = body;
    const QList<QByteArray> codings = contentEncoding.split(',');
    for (auto it = codings.crbegin(); it != codings.crend(); ++it) {
        const QByteArray coding = Http::trimmed(*it).toByteArray().toLower();
        if (coding.isEmpty() || coding == "identity")
            continue;
        QByteArray out;
        if (coding == "gzip" || coding == "x-gzip") {
            if (!inflate(data, Wrapping::GzipOrZlib, maxBytes, &out, error))
                return false;
        } else if (coding == "deflate") {
            // RFC 9110 says zlib-wrapped; some servers send raw deflate, which browsers accept.
            QString zlibError;
            if (!inflate(data, Wrapping::GzipOrZlib, maxBytes, &out, &zlibError) &&
                !inflate(data, Wrapping::Raw, maxBytes, &out, error))
                return false;
        } else {
            *error = QStringLiteral("content coding \"%1\" is not one SioScope can decode")
                         .arg(QString::fromLatin1(coding));
            return false;
        }
        data = std::move(out);
    }
    *decoded = std::move(data);
    return true;
}
