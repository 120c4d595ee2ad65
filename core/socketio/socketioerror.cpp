#include "socketio/socketioerror.h"

QString SocketIoError::kindName(Kind kind)
{
    switch (kind) {
    case Kind::EngineIo:
        return QStringLiteral("engineio");
    case Kind::InvalidPacket:
        return QStringLiteral("invalid-packet");
    case Kind::AttachmentTimeout:
        return QStringLiteral("attachment-timeout");
    case Kind::NamespaceConnectFailed:
        return QStringLiteral("namespace-connect-failed");
    case Kind::ReconnectGaveUp:
        return QStringLiteral("reconnect-gave-up");
    }
    return {};
}
