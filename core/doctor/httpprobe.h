// One raw HTTP/1.1 exchange for the connection doctor, over its own QTcpSocket or QSslSocket, so
// that the report can quote exactly what was sent and what came back: a polling request
// (`Connection: close`, the answer read to its end), or a WebSocket handshake (RFC 6455) that,
// after a 101, may send one text message and reads the text messages that follow.
//
// run() waits in a local event loop: the doctor is a sequence of probes, each of which depends on
// the one before it (the sid of a handshake, the cookie it set), and a nested loop per probe keeps
// that order readable. It is used only by the doctor, never inside a session.
#pragma once

#include "common/httphead.h"

#include <QByteArray>
#include <QList>
#include <QNetworkProxy>
#include <QPair>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QString>
#include <QUrl>

struct HttpProbeRequest
{
    QUrl url; // http or https; its path and query form the request target
    QByteArray method = "GET";
    QList<QPair<QByteArray, QByteArray>> headers; // the user's and the jar's, sent as they are
    QByteArray body;
    QByteArray contentType = "text/plain;charset=UTF-8"; // with a body
    bool webSocket = false;     // a WebSocket handshake (Upgrade, Sec-WebSocket-Key, ...)
    QByteArray messageAfter101; // sent as one text message once the 101 arrived
    QByteArray awaitedPrefix;   // after a 101: wait until a text message starts with this
    int timeoutMs = 5000;
    // The way to the server, as the client's own requests go: direct; through an HTTP proxy (a
    // CONNECT tunnel for https and the WebSocket, a request forwarded in absolute form for http
    // polling, as QNetworkAccessManager sends it, with Proxy-Authorization from the proxy's
    // user); or through SOCKS5.
    QNetworkProxy proxy{QNetworkProxy::NoProxy};
    // https: the CAs trusted and the client certificate presented (clienttls.h).
    QSslConfiguration sslConfiguration = QSslConfiguration::defaultConfiguration();
};

struct HttpProbeResult
{
    QByteArray requestLine; // "GET /socket.io/?EIO=4&transport=polling HTTP/1.1"
    bool webSocket = false;
    bool answered = false; // a complete response head arrived
    bool timedOut = false;
    QString socketError; // why no answer came, when none did
    QAbstractSocket::SocketError socketErrorCode = QAbstractSocket::UnknownSocketError;
    bool forwarded = false; // sent to an HTTP proxy in absolute form, not through a tunnel
    int status = 0;
    QByteArray reason;
    HttpHeaders headers;        // names in lower case
    QByteArray body;            // the body of a non-101 answer (at most MaxBodyBytes)
    QList<QByteArray> messages; // text messages received after a 101
    bool awaitedSeen = false;   // a message starting with awaitedPrefix came
    QList<QSslError> sslErrors; // seen (and ignored, so that the probe goes on) on https

    static constexpr qsizetype MaxBodyBytes = 64 * 1024;

    QByteArray header(QByteArrayView name) const { return Http::header(headers, name); }
    // "> GET /socket.io/?EIO=4&transport=polling HTTP/1.1" (with "(Upgrade: websocket)").
    QString requestEvidence() const;
    // "< HTTP/1.1 400 Bad Request, application/json: {"code":1,...}" (the body's first bytes), or
    // "< no answer: <why>".
    QString answerEvidence() const;
};

class HttpProbe
{
public:
    static HttpProbeResult run(const HttpProbeRequest &request);
};
