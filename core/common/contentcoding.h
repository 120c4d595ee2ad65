// Content codings of HTTP bodies (RFC 9110, 8.4.1): what a server compressed, undone for reading.
// A Socket.IO server gzips polling responses over its threshold when the client accepts it, as
// every browser does; the proxy forwards them as they are and reads them decoded. zlib from
// Debian does the inflating.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace ContentCoding {

// Undoes the Content-Encoding field's codings (applied in the order listed, so undone in reverse):
// gzip, x-gzip, deflate (zlib-wrapped, or raw as some servers send it) and identity. The result
// is bounded by `maxBytes`: more is an error, as is a coding not listed here, naming it.
bool decode(const QByteArray &contentEncoding, const QByteArray &body, qint64 maxBytes,
            QByteArray *decoded, QString *error);

} // namespace ContentCoding
