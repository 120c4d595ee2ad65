#include "engineio/engineioerror.h"

QString engineIoErrorMessage(EngineIoErrorCode code)
{
    switch (code) {
    case EngineIoErrorCode::UnknownTransport:
        return QStringLiteral("Transport unknown");
    case EngineIoErrorCode::UnknownSid:
        return QStringLiteral("Session ID unknown");
    case EngineIoErrorCode::BadHandshakeMethod:
        return QStringLiteral("Bad handshake method");
    case EngineIoErrorCode::BadRequest:
    case EngineIoErrorCode::None:
        break;
    case EngineIoErrorCode::Forbidden:
        return QStringLiteral("Forbidden");
    case EngineIoErrorCode::UnsupportedProtocolVersion:
        return QStringLiteral("Unsupported protocol version");
    }
    return QStringLiteral("Bad request");
}

QString EngineIoError::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Transport:
        return QStringLiteral("transport");
    case Kind::Handshake:
        return QStringLiteral("handshake");
    case Kind::Protocol:
        return QStringLiteral("protocol");
    case Kind::Timeout:
        return QStringLiteral("timeout");
    case Kind::Tls:
        return QStringLiteral("tls");
    }
    return QStringLiteral("unknown");
}

bool EngineIoError::isClientCertificateSetupFailure() const
{
    switch (tlsFailure) {
    case TlsFailure::ClientFileUnreadable:
    case TlsFailure::ClientCertificateMissing:
    case TlsFailure::ClientKeyUnreadable:
    case TlsFailure::ClientKeyMismatch:
    case TlsFailure::Pkcs12PasswordWrong:
        return true;
    case TlsFailure::None:
    case TlsFailure::ServerCertificateUntrusted:
    case TlsFailure::ClientCertificateRequired:
    case TlsFailure::ClientCertificateRefused:
        break;
    }
    return false;
}
