// The behaviour the official compliance suites expect of a server, which `sioscope-cli serve`
// installs by default (socket.io-protocol and engine.io-protocol, test-suite/ READMEs):
//  - on each given namespace ("/" and "/custom"): on connect, emit "auth" with the client's
//    CONNECT payload ({} when none); on "message", emit "message-back" with the same arguments;
//    on "message-with-ack", ack with the same arguments. Other namespaces: "Invalid namespace".
//  - a plain Engine.IO server that echoes every message.
// Arguments travel byte for byte (the JSON text is spliced, never re-serialized), binaries too.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QStringList>

class EngineIoServer;
class SocketIoServer;

namespace SocketIoDefaultHandlers {

void install(SocketIoServer *server,
             const QStringList &namespaces = {QStringLiteral("/"), QStringLiteral("/custom")});
void installEngineEcho(EngineIoServer *server);

// JSON array text with its first item replaced by `firstItem` (JSON text), or dropped. The input
// must be a valid JSON array (as the decoder guarantees for EVENT payloads); an empty QByteArray
// comes back when it is not an array.
QByteArray replaceFirstItem(QByteArrayView array, QByteArrayView firstItem);
QByteArray dropFirstItem(QByteArrayView array);

} // namespace SocketIoDefaultHandlers
