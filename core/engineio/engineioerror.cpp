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
    case Kind::Proxy:
        return QStringLiteral("proxy");
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

QString EngineIoError::tlsFailureName(TlsFailure failure)
{
    switch (failure) {
    case TlsFailure::None:
        break;
    case TlsFailure::ServerCertificateUntrusted:
        return QStringLiteral("server-certificate-untrusted");
    case TlsFailure::ClientCertificateRequired:
        return QStringLiteral("client-certificate-required");
    case TlsFailure::ClientCertificateRefused:
        return QStringLiteral("client-certificate-refused");
    case TlsFailure::ClientFileUnreadable:
        return QStringLiteral("client-file-unreadable");
    case TlsFailure::ClientCertificateMissing:
        return QStringLiteral("client-certificate-missing");
    case TlsFailure::ClientKeyUnreadable:
        return QStringLiteral("client-key-unreadable");
    case TlsFailure::ClientKeyMismatch:
        return QStringLiteral("client-key-mismatch");
    case TlsFailure::Pkcs12PasswordWrong:
        return QStringLiteral("pkcs12-password-wrong");
    }
    return QString();
}

QString EngineIoError::proxySymptomName(Symptom symptom)
{
    switch (symptom) {
    case Symptom::ProxyUnreachable:
        return QStringLiteral("proxy-unreachable");
    case Symptom::ProxyAuthenticationRequired:
        return QStringLiteral("proxy-authentication-required");
    case Symptom::ProxyRefusedTunnel:
        return QStringLiteral("proxy-refused-tunnel");
    case Symptom::ProxyProtocol:
        return QStringLiteral("proxy-protocol");
    case Symptom::ProxySettingInvalid:
        return QStringLiteral("proxy-setting-invalid");
    case Symptom::None:
    case Symptom::BinaryPollingPayload:
    case Symptom::WebSocketClosedByPeer:
        break;
    }
    return QString();
}

QStringList EngineIoError::certificateProblemNames(CertificateProblems problems)
{
    QStringList names;
    const std::pair<CertificateProblem, const char *> all[] = {
        {CertificateProblem::Expired, "expired"},
        {CertificateProblem::NotYetValid, "not-yet-valid"},
        {CertificateProblem::HostNameMismatch, "host-name-mismatch"},
        {CertificateProblem::UnknownIssuer, "unknown-issuer"},
        {CertificateProblem::Revoked, "revoked"},
        {CertificateProblem::Other, "other"}};
    for (const auto &[problem, name] : all)
        if (problems.testFlag(problem))
            names << QString::fromLatin1(name);
    return names;
}
