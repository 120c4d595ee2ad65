// Keeps secrets out of everything SioScope writes (exports, journals, the CLI's log) unless the
// user opts in. Two layers:
//  - by name, where SioScope sends them: auth payloads of CONNECT packets, and header values and
//    URL query parameters whose names mark them as secret (the static functions);
//  - by value, wherever they come back: a server that echoes a token in its own events, or an
//    error text that quotes it. A Redaction object learns the secret values from the records
//    that carry them (and from headers its owner knows, which are never recorded) and replaces
//    every later occurrence (apply()).
#pragma once

#include "socketio/packetrecord.h"

#include <QByteArrayList>
#include <QPair>
#include <QStringList>
#include <QStringView>

class Redaction
{
public:
    static constexpr QLatin1StringView Placeholder{"[redacted]"};
    // Shorter values ("1", "yes", "abc") would blank out unrelated text; they are still redacted
    // by name where they are sent.
    static constexpr qsizetype MinimumValueLength = 4;

    // Authorization, Proxy-Authorization, Cookie, Set-Cookie, and any name containing "token",
    // "secret", "password" or "apikey"/"api_key"/"api-key" (case-insensitive).
    static bool isSecretName(QStringView name);
    // True when `record` may carry a secret that redact() would replace: a CONNECT on its way to
    // the server (sent by us, or received by our embedded server) or a lifecycle note.
    static bool mayCarrySecrets(const PacketRecord &record);
    // A copy with secrets replaced by "[redacted]". A CONNECT's auth (the v5 payload, or the v4
    // query string) keeps its keys but loses every value except the recovery fields pid and
    // offset, so that the log still shows what was sent.
    static PacketRecord redact(const PacketRecord &record);
    // "a=1&token=x" -> "a=1&token=[redacted]"
    static QString redactQuery(const QString &query);
    // The secret values of headers: the whole value of a secret-named header, its credentials
    // after the scheme ("Bearer <token>"), and each cookie's value.
    static QStringList headerSecrets(const QList<QPair<QByteArray, QByteArray>> &headers);

    // Remembers the secret values `record` carries (string values of a CONNECT auth, secret
    // query parameters of a URL in a lifecycle note). Call it for every record, in order, before
    // apply().
    void learn(const PacketRecord &record);
    void addSecret(const QString &value);
    void addSecrets(const QStringList &values);
    bool knowsSecrets() const { return !m_needles.isEmpty(); }
    // redact(), then every known value replaced wherever it appears: raw text, payload,
    // attachments and error text.
    PacketRecord apply(const PacketRecord &record) const;

private:
    // The forms a value takes in records: as is (UTF-8), JSON-escaped, percent-encoded. Longest
    // first, so that "Bearer x" goes before "x".
    QByteArrayList m_needles;
};
