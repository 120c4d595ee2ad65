// What a reverse proxy changes in a request head it forwards, and nothing more (RFC 9110, 7.6):
// the hop-by-hop fields go (those the Connection field names, Keep-Alive, Proxy-Connection,
// Proxy-Authorization, TE), Host names the target unless it is kept, and Via says a proxy was on
// the way. Every other line goes as it came, byte for byte, in its order.
//
// Two choices of an inspecting proxy, each for a reason:
// - The Connection field itself is kept. Each app connection is paired with one target connection
//   of its own, so keep-alive, close and upgrade mean the same on both.
// - Sec-WebSocket-Extensions is dropped: a negotiated permessage-deflate would compress the frames
//   the proxy must read. Socket.IO servers do not negotiate it by default (perMessageDeflate is
//   off since socket.io 3), so the frames are the same as without the proxy.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

struct RequestForwarding
{
    QByteArray targetAuthority; // "host[:port]" for Host
    bool keepHost = false;
    bool upgrade = false; // a WebSocket upgrade: Upgrade stays although Connection names it
};

namespace ProxyHttp {

// The head to send to the target, from the head as the app sent it (from its request line to the
// empty line that ends it, as HttpRequestParser::parseHead() measured it). Lines end in CRLF.
QByteArray forwardedRequestHead(QByteArrayView head, const RequestForwarding &forwarding);

// The Via field value the proxy adds: "1.1 sioscope".
QByteArray viaValue();

} // namespace ProxyHttp
