// An error of the Socket.IO client, typed so that no decision has to read its message: the CLI's
// exit code, the GUI and the tests go by the kind.
#pragma once

#include "engineio/engineioerror.h"

#include <QMetaType>
#include <QString>

struct SocketIoError
{
    enum class Kind {
        // The Engine.IO layer failed (the connection, the handshake, a timeout, TLS): `engine`.
        EngineIo,
        // A received packet broke the Socket.IO protocol; the connection was closed.
        InvalidPacket,
        // A BINARY_* packet's attachments did not all arrive in time; the connection was closed.
        AttachmentTimeout,
        // A namespace's CONNECT could not be sent.
        NamespaceConnectFailed,
        // Reconnection stopped after its last attempt.
        ReconnectGaveUp
    };

    SocketIoError() = default;
    SocketIoError(Kind kind, QString message)
        : kind(kind)
        , message(std::move(message))
    {
    }
    explicit SocketIoError(const EngineIoError &engineError)
        : kind(Kind::EngineIo)
        , message(engineError.message)
        , engine(engineError)
    {
    }

    // "engineio", "invalid-packet", "attachment-timeout", "namespace-connect-failed",
    // "reconnect-gave-up".
    static QString kindName(Kind kind);

    Kind kind = Kind::InvalidPacket;
    QString message;      // for people and the record; never read by code
    EngineIoError engine; // when kind is EngineIo
};
Q_DECLARE_METATYPE(SocketIoError)
