// Keeps secrets out of everything SioScope writes (exports, journals, the CLI's log) unless the
// user opts in: auth payloads of CONNECT packets, and header values and URL query parameters
// whose names mark them as secret.
#pragma once

#include "../socketio/packetrecord.h"

#include <QStringView>

class Redaction
{
public:
    static constexpr QLatin1StringView Placeholder{"[redacted]"};

    // Authorization, Proxy-Authorization, Cookie, Set-Cookie, and any name containing "token",
    // "secret", "password" or "apikey"/"api_key"/"api-key" (case-insensitive).
    static bool isSecretName(QStringView name);
    // True when `record` may carry a secret that redact() would replace.
    static bool mayCarrySecrets(const PacketRecord &record);
    // A copy with secrets replaced by "[redacted]". A CONNECT's auth (the v5 payload, or the v4
    // query string) keeps its keys but loses every value except the recovery fields pid and
    // offset, so that the log still shows what was sent.
    static PacketRecord redact(const PacketRecord &record);
    // "a=1&token=x" -> "a=1&token=[redacted]"
    static QString redactQuery(const QString &query);
};
