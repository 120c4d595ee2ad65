// An error of the Engine.IO layer, typed so that no decision has to read its message: the
// client's v3 fallback, the server's refusals and the records all go by the fields.
#pragma once

#include <QByteArray>
#include <QFlags>
#include <QMetaType>
#include <QString>
#include <QStringList>

// engine.io's error codes (Server.errors): the "code" of a refusal's JSON body
// {"code": 1, "message": "Session ID unknown"}. The server sends them, the client reads them.
enum class EngineIoErrorCode {
    None = -1, // the answer had no engine.io error body
    UnknownTransport = 0,
    UnknownSid = 1,
    BadHandshakeMethod = 2,
    BadRequest = 3,
    Forbidden = 4,
    UnsupportedProtocolVersion = 5
};

// engine.io's message for a code (Server.errorMessages), e.g. "Session ID unknown".
QString engineIoErrorMessage(EngineIoErrorCode code);

struct EngineIoError
{
    enum class Kind { Transport, Handshake, Protocol, Timeout, Tls, Proxy };
    // What a transport recognised in an answer it could not take, where a decision depends on
    // it rather than on the kind alone.
    enum class Symptom {
        None,
        // A polling body sent as application/octet-stream: engine.io 3's binary payload, which
        // a v4 client never asks for.
        BinaryPollingPayload,
        // The WebSocket ended with a CLOSE frame from the other side (the server, or a proxy
        // that speaks WebSocket), not by the connection going away.
        WebSocketClosedByPeer,
        // Kind::Proxy: what the proxy did.
        ProxyUnreachable,            // no connection to the proxy (refused, unknown, no answer)
        ProxyAuthenticationRequired, // 407: credentials missing or refused
        ProxyRefusedTunnel,          // the proxy would not connect to the server
        ProxyProtocol,               // it did not speak the proxy protocol asked for
        ProxySettingInvalid,         // a proxy variable in the environment is not a proxy URL
    };

    // Which side of a TLS connection failed, for an error of kind Tls. The local ones are found
    // before any connection is tried: retrying cannot mend them, so the client does not.
    enum class TlsFailure {
        None,
        // The server's certificate is not trusted: certificateProblems says why.
        ServerCertificateUntrusted,
        // The server ended the handshake (alert "certificate required" or "handshake failure")
        // and no client certificate had been presented.
        ClientCertificateRequired,
        // The server refused the client certificate that was presented (an alert such as
        // "unknown CA", "bad certificate" or "certificate expired").
        ClientCertificateRefused,
        // The client certificate or key file cannot be read (missing, permissions).
        ClientFileUnreadable,
        // The file holds no certificate (neither PEM nor a PKCS#12 bundle with one).
        ClientCertificateMissing,
        // The key file holds no key Qt can use: not a key, or encrypted (PEM keys are read
        // without a passphrase).
        ClientKeyUnreadable,
        // The key's public half is not the certificate's public key.
        ClientKeyMismatch,
        // QSslCertificate::importPkcs12 failed: the password is wrong (or the bundle is damaged).
        Pkcs12PasswordWrong,
    };
    // Why the server's certificate is not trusted, from QSslError::SslError values; several
    // may hold at once.
    enum class CertificateProblem {
        None = 0,
        Expired = 0x1,          // CertificateExpired
        NotYetValid = 0x2,      // CertificateNotYetValid
        HostNameMismatch = 0x4, // HostNameMismatch
        // The chain leads to no trusted CA: self-signed, an unknown issuer, CertificateUntrusted.
        UnknownIssuer = 0x8,
        Revoked = 0x10,
        Other = 0x20, // any other QSslError (signature, purpose, ...)
    };
    Q_DECLARE_FLAGS(CertificateProblems, CertificateProblem)

    EngineIoError() = default;
    EngineIoError(Kind kind, QString message, QByteArray frame = {})
        : kind(kind)
        , message(std::move(message))
        , frame(std::move(frame))
    {
    }

    // "transport", "handshake", "protocol", "timeout", "tls", "proxy": the log's name.
    static QString kindName(Kind kind);

    Kind kind = Kind::Transport;
    QString message;    // for people and the record; never read by code
    QByteArray frame;   // the offending frame or body, for the record
    int httpStatus = 0; // the status of an HTTP answer other than the one asked for; else 0
    EngineIoErrorCode serverCode = EngineIoErrorCode::None; // from that answer's JSON body
    // The refused request was a WebSocket upgrade request (it carried Upgrade: websocket).
    bool upgradeRequest = false;
    Symptom symptom = Symptom::None;
    TlsFailure tlsFailure = TlsFailure::None;
    CertificateProblems certificateProblems;

    // The local client certificate failures (found before connecting).
    bool isClientCertificateSetupFailure() const;
    // The log's names: "server-certificate-untrusted", "client-certificate-required", ...;
    // and "expired", "not-yet-valid", "host-name-mismatch", "unknown-issuer", "revoked", "other".
    static QString tlsFailureName(TlsFailure failure);
    // Kind::Proxy's symptoms as the log names them ("proxy-unreachable", ...); empty otherwise.
    static QString proxySymptomName(Symptom symptom);
    static QStringList certificateProblemNames(CertificateProblems problems);
};
Q_DECLARE_OPERATORS_FOR_FLAGS(EngineIoError::CertificateProblems)
Q_DECLARE_METATYPE(EngineIoError)
