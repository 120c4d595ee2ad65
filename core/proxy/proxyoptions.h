// What `sioscope-cli proxy` and the GUI's proxy window set up: where the app's traffic goes, what
// is decoded and recorded, and how the connections toward the target are made.
#pragma once

#include "engineio/engineiooptions.h"
#include "socketio/socketioparser.h"

#include <QString>
#include <QUrl>

struct ProxyOptions
{
    // http or https (ws and wss are read as http and https): where every request goes. Its path
    // is not used; `path` names the Engine.IO path.
    QUrl target;
    // The Engine.IO path: requests under it are decoded and recorded, the rest only forwarded.
    QString path = QStringLiteral("/socket.io/");
    // Host is rewritten to the target's unless this is set.
    bool keepHost = false;
    // Requests outside `path` are recorded too (as an HTTP exchange note), not only forwarded.
    bool recordAll = false;
    // A protocol violation by either side closes both connections instead of being forwarded.
    bool strict = false;
    // Auto: each session's first Socket.IO message tells (a binary one is msgpack).
    SocketIoParser::Kind parser = SocketIoParser::Kind::Auto;
    // Toward the target: TLS (CA file, --insecure, client certificate), the proxy to go through,
    // and the connect timeout. Its url, path and query are not used.
    EngineIoOptions targetConnection;
    // The largest polling body or WebSocket message read for decoding; a larger one is forwarded
    // whole and recorded as not decoded.
    qint64 maxDecodedBytes = 64 * 1024 * 1024;
    // Open app connections; more are refused (closed at once, and recorded).
    int maxConnections = 10000;

    // ws -> http, wss -> https; the target's scheme, host and port as the Host field writes them.
    static QUrl normalizedTarget(const QUrl &url);
    bool targetIsTls() const { return target.scheme() == QLatin1String("https"); }
    quint16 targetPort() const { return quint16(target.port(targetIsTls() ? 443 : 80)); }
    QByteArray targetAuthority() const;
};
