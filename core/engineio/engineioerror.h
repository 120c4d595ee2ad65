// An error of the Engine.IO layer, typed so that no decision has to read its message: the
// client's v3 fallback, the server's refusals and the records all go by the fields.
#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>

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
        // Kind::Proxy: what the proxy did.
        ProxyUnreachable,            // no connection to the proxy (refused, unknown, no answer)
        ProxyAuthenticationRequired, // 407: credentials missing or refused
        ProxyRefusedTunnel,          // the proxy would not connect to the server
        ProxyProtocol,               // it did not speak the proxy protocol asked for
        ProxySettingInvalid,         // a proxy variable in the environment is not a proxy URL
    };

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
    Symptom symptom = Symptom::None;
};
Q_DECLARE_METATYPE(EngineIoError)
