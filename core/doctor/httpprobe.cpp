#include "httpprobe.h"

#include "doctorwait.h"

#include "engineio/websocketframeparser.h"

#include <QEventLoop>
#include <QRandomGenerator>
#include <QSslSocket>
#include <QTimer>

namespace {

constexpr qsizetype EvidenceBodyBytes = 160;

// The body of a chunked answer (RFC 9112, 7.1), once its last chunk arrived; false while the
// body is incomplete. Trailer fields are not read.
bool dechunk(QByteArrayView data, QByteArray *body)
{
    qsizetype pos = 0;
    body->clear();
    while (true) {
        const qsizetype lineEnd = data.indexOf("\r\n", pos);
        if (lineEnd < 0)
            return false;
        QByteArrayView sizeText = data.sliced(pos, lineEnd - pos);
        const qsizetype semicolon = sizeText.indexOf(';');
        if (semicolon >= 0)
            sizeText = sizeText.first(semicolon);
        bool ok = false;
        const qsizetype size = QByteArray(sizeText.trimmed().toByteArray()).toLongLong(&ok, 16);
        if (!ok || size < 0)
            return true; // not chunked as it claims: take what came
        if (size == 0)
            return true;
        if (data.size() < lineEnd + 2 + size + 2)
            return false;
        body->append(data.sliced(lineEnd + 2, size));
        pos = lineEnd + 2 + size + 2;
    }
}

} // namespace

QString HttpProbeResult::requestEvidence() const
{
    return QStringLiteral("> ") + QString::fromLatin1(requestLine) +
           (webSocket ? QStringLiteral(" (Upgrade: websocket)") : QString());
}

QString HttpProbeResult::answerEvidence() const
{
    if (!answered)
        return QStringLiteral("< no answer: %1")
            .arg(timedOut ? QStringLiteral("timed out") : socketError);
    QString line = QStringLiteral("< HTTP/1.1 %1 %2").arg(status).arg(QString::fromLatin1(reason));
    if (status == 101) {
        if (!messages.isEmpty()) {
            QStringList quoted;
            for (const QByteArray &message : messages)
                quoted.append(QString::fromUtf8(message.left(EvidenceBodyBytes)));
            line += QStringLiteral(", then the messages: ") + quoted.join(QStringLiteral(" | "));
        } else {
            line += QStringLiteral(", then no message");
        }
        return line;
    }
    const QByteArray type = header("content-type");
    if (!type.isEmpty())
        line += QStringLiteral(", ") + QString::fromLatin1(type);
    if (!body.isEmpty()) {
        QString text = QString::fromUtf8(body.left(EvidenceBodyBytes)).simplified();
        line += QStringLiteral(": ") + text +
                (body.size() > EvidenceBodyBytes ? QStringLiteral("…") : QString());
    }
    return line;
}

HttpProbeResult HttpProbe::run(const HttpProbeRequest &request)
{
    HttpProbeResult result;
    result.webSocket = request.webSocket;
    const bool tls = request.url.scheme() == QLatin1String("https");
    const int port = request.url.port(tls ? 443 : 80);
    const QByteArray target =
        request.url.path(QUrl::FullyEncoded).toLatin1() +
        (request.url.hasQuery() ? '?' + request.url.query(QUrl::FullyEncoded).toLatin1()
                                : QByteArray());
    result.forwarded =
        request.proxy.type() == QNetworkProxy::HttpProxy && !tls && !request.webSocket;
    // A forwarded request names the whole URL: the proxy connects on the client's behalf.
    result.requestLine = request.method + ' ' +
                         (result.forwarded ? request.url.toEncoded(QUrl::RemoveFragment) : target) +
                         " HTTP/1.1";

    QByteArray head = result.requestLine + "\r\nHost: " + request.url.host().toLatin1();
    if (request.url.port() > 0)
        head += ':' + QByteArray::number(port);
    head += "\r\n";
    if (request.webSocket) {
        QByteArray key(16, Qt::Uninitialized);
        for (char &c : key)
            c = char(QRandomGenerator::global()->bounded(256));
        head += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Key: " +
                key.toBase64() + "\r\n";
    } else {
        head += "Connection: close\r\nAccept: */*\r\n";
    }
    if (result.forwarded && !request.proxy.user().isEmpty())
        head += "Proxy-Authorization: Basic " +
                (request.proxy.user() + QLatin1Char(':') + request.proxy.password())
                    .toUtf8()
                    .toBase64() +
                "\r\n";
    for (const auto &[name, value] : request.headers)
        head += name + ": " + value + "\r\n";
    if (!request.body.isEmpty() || request.method == "POST")
        head += "Content-Type: " + request.contentType +
                "\r\nContent-Length: " + QByteArray::number(request.body.size()) + "\r\n";
    head += "\r\n" + request.body;

    QSslSocket socket;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, [&] {
        result.timedOut = true;
        loop.quit();
    });
    QByteArray received;
    HttpResponseHeadParser parser;
    qsizetype headBytes = -1;
    WebSocketFrameParser frames(1024 * 1024);
    bool done = false;
    auto finish = [&] {
        done = true;
        loop.quit();
    };
    // Reads what arrived; finishes once the answer (or, after a 101, the awaited message) is in.
    auto consume = [&](bool atEnd) {
        if (headBytes < 0) {
            const auto status = parser.parse(received, &headBytes);
            if (status == HttpResponseHeadParser::Status::Error) {
                result.socketError = QStringLiteral("unreadable answer: ") + parser.errorString();
                return finish();
            }
            if (status == HttpResponseHeadParser::Status::NeedMoreData) {
                headBytes = -1;
                if (atEnd) {
                    result.socketError = received.isEmpty()
                                             ? QStringLiteral("the connection closed without an "
                                                              "answer")
                                             : QStringLiteral("the connection closed in the "
                                                              "middle of the answer's head");
                    finish();
                }
                return;
            }
            result.answered = true;
            result.status = parser.head().status;
            result.reason = parser.head().reason;
            result.headers = parser.head().headers;
            if (result.status == 101 && request.webSocket && !request.messageAfter101.isEmpty())
                socket.write(WebSocketFrameWriter::frame(WebSocketOpcode::Text,
                                                         request.messageAfter101,
                                                         QRandomGenerator::global()->generate()));
        }
        const QByteArray rest = received.mid(headBytes);
        if (result.status == 101) {
            received.truncate(headBytes);
            frames.addData(rest);
            for (auto next = frames.next(); next != WebSocketFrameParser::Result::NeedMoreData;
                 next = frames.next()) {
                if (next == WebSocketFrameParser::Result::TextMessage) {
                    const QByteArray message = frames.takePayload();
                    result.messages.append(message);
                    if (!request.awaitedPrefix.isEmpty() &&
                        message.startsWith(request.awaitedPrefix)) {
                        result.awaitedSeen = true;
                        return finish();
                    }
                } else if (next == WebSocketFrameParser::Result::Close ||
                           next == WebSocketFrameParser::Result::Error) {
                    return finish();
                } else {
                    frames.takePayload();
                }
            }
            if (request.awaitedPrefix.isEmpty() || atEnd)
                finish();
            return;
        }
        const QByteArray length = result.header("content-length");
        if (!length.isEmpty()) {
            if (rest.size() >= length.toLongLong() || atEnd ||
                rest.size() >= HttpProbeResult::MaxBodyBytes) {
                result.body = rest.left(qMin(length.toLongLong(), HttpProbeResult::MaxBodyBytes));
                finish();
            }
        } else if (result.header("transfer-encoding").toLower().contains("chunked")) {
            if (dechunk(rest, &result.body) || atEnd ||
                rest.size() >= HttpProbeResult::MaxBodyBytes)
                finish();
        } else if (atEnd || rest.size() >= HttpProbeResult::MaxBodyBytes) {
            result.body = rest.left(HttpProbeResult::MaxBodyBytes);
            finish();
        }
    };
    QObject::connect(&socket, &QSslSocket::readyRead, &loop, [&] {
        if (done)
            return;
        received += socket.readAll();
        consume(false);
    });
    QObject::connect(&socket, &QSslSocket::disconnected, &loop, [&] {
        if (done)
            return;
        received += socket.readAll();
        consume(true);
    });
    QObject::connect(&socket, &QSslSocket::errorOccurred, &loop,
                     [&](QAbstractSocket::SocketError error) {
                         if (done)
                             return;
                         if (error == QAbstractSocket::RemoteHostClosedError) {
                             received += socket.readAll();
                             return consume(true);
                         }
                         result.socketError = socket.errorString();
                         result.socketErrorCode = error;
                         finish();
                     });
    // The TLS check reports certificate problems; the other probes go on past them.
    QObject::connect(&socket, &QSslSocket::sslErrors, &loop, [&](const QList<QSslError> &errors) {
        result.sslErrors = errors;
        socket.ignoreSslErrors();
    });
    auto send = [&] { socket.write(head); };
    if (result.forwarded) {
        QObject::connect(&socket, &QSslSocket::connected, &loop, send);
        socket.setProxy(QNetworkProxy::NoProxy);
        socket.connectToHost(request.proxy.hostName(), request.proxy.port());
    } else if (tls) {
        socket.setProxy(request.proxy);
        socket.setSslConfiguration(request.sslConfiguration);
        QObject::connect(&socket, &QSslSocket::encrypted, &loop, send);
        socket.connectToHostEncrypted(request.url.host(), quint16(port));
    } else {
        QObject::connect(&socket, &QSslSocket::connected, &loop, send);
        socket.setProxy(request.proxy);
        socket.connectToHost(request.url.host(), quint16(port));
    }
    timer.start(request.timeoutMs);
    if (!done && !DoctorWait::exec(loop))
        result.timedOut = true;
    // The head came but not the end of the answer in time: what came is the answer (after a
    // 101, the messages so far; else the body so far).
    if (result.timedOut && result.answered) {
        result.timedOut = false;
        if (result.status != 101 && result.body.isEmpty())
            result.body = received.mid(headBytes).left(HttpProbeResult::MaxBodyBytes);
    }
    done = true; // what abort() emits is not an answer
    socket.abort();
    return result;
}
