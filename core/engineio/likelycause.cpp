#include "engineio/likelycause.h"

namespace {
// engine.io answers its refusals with a JSON body; a page of HTML comes from something else.
bool looksLikeHtml(const QByteArray &body)
{
    const QByteArray start = body.trimmed().left(64).toLower();
    return start.startsWith("<!doctype html") || start.startsWith("<html") ||
           start.startsWith("<?xml") || start.startsWith("<head") || start.startsWith("<body");
}
} // namespace

QString likelyCause(const EngineIoError &error)
{
    switch (error.serverCode) {
    case EngineIoErrorCode::UnknownTransport:
        return QStringLiteral("the server does not allow this transport (its `transports` "
                              "option): choose the other one with --transport");
    case EngineIoErrorCode::UnknownSid:
        return error.upgradeRequest
                   ? QStringLiteral("the WebSocket upgrade reached a server that does not hold "
                                    "the session: a load balancer without sticky sessions "
                                    "(docs/deployments.md), or --transport websocket, which "
                                    "needs none")
                   : QStringLiteral("the request reached a server that does not hold the "
                                    "session: a load balancer without sticky sessions "
                                    "(docs/deployments.md), or the session expired on the "
                                    "server");
    case EngineIoErrorCode::BadHandshakeMethod:
        return QStringLiteral("the handshake reached engine.io as something other than a GET: "
                              "a proxy or gateway rewrote the request");
    case EngineIoErrorCode::BadRequest:
        return error.upgradeRequest
                   ? QStringLiteral("a proxy or load balancer between here and the server "
                                    "dropped the WebSocket headers (Upgrade, Connection); "
                                    "nginx needs proxy_http_version 1.1 and proxy_set_header "
                                    "Upgrade/Connection (docs/deployments.md)")
                   : QStringLiteral("the server found the request malformed: a proxy that "
                                    "rewrites requests, or a path or query it does not expect");
    case EngineIoErrorCode::Forbidden:
        return QStringLiteral("the server's allowRequest refused the handshake: it may check "
                              "the Origin (--origin), a cookie, a header or the query it "
                              "expects");
    case EngineIoErrorCode::UnsupportedProtocolVersion:
        return QStringLiteral("the server speaks another Engine.IO version: socket.io 2 needs "
                              "--eio 3, and socket.io 3/4 accepts v3 only with allowEIO3");
    case EngineIoErrorCode::None:
        break;
    }
    const int status = error.httpStatus;
    if (status == 502 || status == 503 || status == 504)
        return QStringLiteral("a proxy or load balancer answered %1 itself: the server behind it "
                              "is down, still starting, or too slow")
            .arg(status);
    if (status == 404)
        return QStringLiteral("nothing answers at this path: the server's `path` option differs "
                              "(--path), or the URL points at another application");
    if (status == 401 || status == 403)
        return QStringLiteral("something in front of engine.io (an auth gateway, a proxy, a "
                              "web server) refused the request: it may want a token, a cookie "
                              "or an Origin");
    if (status != 0 && looksLikeHtml(error.frame))
        return QStringLiteral("an HTML page answered where engine.io answers JSON: a web server, "
                              "a proxy or a load balancer, not the Socket.IO server, handled "
                              "the request");
    return QString();
}
