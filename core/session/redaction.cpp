#include "redaction.h"

#include "../socketio/socketiopacket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>
#include <QUrlQuery>

bool Redaction::isSecretName(QStringView name)
{
    const QString lower = name.toString().toLower();
    static const QLatin1StringView exact[] = {
        QLatin1StringView("authorization"), QLatin1StringView("proxy-authorization"),
        QLatin1StringView("cookie"), QLatin1StringView("set-cookie")};
    for (const auto &candidate : exact)
        if (lower == candidate)
            return true;
    static const QLatin1StringView parts[] = {
        QLatin1StringView("token"),  QLatin1StringView("secret"),  QLatin1StringView("password"),
        QLatin1StringView("apikey"), QLatin1StringView("api_key"), QLatin1StringView("api-key")};
    for (const auto &part : parts)
        if (lower.contains(part))
            return true;
    return false;
}

QString Redaction::redactQuery(const QString &query)
{
    QStringList items = query.split(QLatin1Char('&'));
    for (QString &item : items) {
        const qsizetype equals = item.indexOf(QLatin1Char('='));
        const QString name =
            QUrl::fromPercentEncoding(item.left(equals < 0 ? item.size() : equals).toUtf8());
        if (equals >= 0 && isSecretName(name))
            item = item.left(equals + 1) + Placeholder;
    }
    return items.join(QLatin1Char('&'));
}

namespace {
// A v4 CONNECT query is the auth object flattened: every value is a secret, as in v5.
QString redactAllValues(const QString &query)
{
    QStringList items = query.split(QLatin1Char('&'));
    for (QString &item : items) {
        const qsizetype equals = item.indexOf(QLatin1Char('='));
        if (equals >= 0)
            item = item.left(equals + 1) + Redaction::Placeholder;
    }
    return items.join(QLatin1Char('&'));
}

bool isOutgoingConnect(const PacketRecord &record)
{
    return record.layer == PacketRecord::Layer::SocketIo &&
           record.direction == PacketRecord::Direction::Out &&
           record.type == SocketIoPacket::Connect;
}

// Lifecycle details: {"url": ..., "headers": {...}} and the like.
QJsonValue redactDetails(const QJsonValue &value, const QString &key = {})
{
    if (value.isObject()) {
        QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            it.value() = redactDetails(it.value(), it.key());
        return object;
    }
    if (value.isArray()) {
        QJsonArray array = value.toArray();
        for (auto it = array.begin(); it != array.end(); ++it)
            *it = redactDetails(*it, key);
        return array;
    }
    if (!value.isString())
        return value;
    if (!key.isEmpty() && Redaction::isSecretName(key))
        return QString(Redaction::Placeholder);
    const QString text = value.toString();
    if (key == QLatin1String("url")) {
        QUrl url(text);
        if (url.hasQuery())
            url.setQuery(Redaction::redactQuery(url.query()));
        return url.toString();
    }
    return text;
}
} // namespace

bool Redaction::mayCarrySecrets(const PacketRecord &record)
{
    return isOutgoingConnect(record) ||
           (record.layer == PacketRecord::Layer::Connection && !record.payload.isEmpty());
}

PacketRecord Redaction::redact(const PacketRecord &record)
{
    if (!mayCarrySecrets(record))
        return record;
    PacketRecord redacted = record;
    if (record.layer == PacketRecord::Layer::Connection) {
        const QJsonDocument details = QJsonDocument::fromJson(record.payload);
        if (details.isObject())
            redacted.payload = QJsonDocument(redactDetails(details.object()).toObject())
                                   .toJson(QJsonDocument::Compact);
        return redacted;
    }
    // CONNECT: the auth object (v5) or the query string after the namespace (v4).
    const bool rawEndsWithPayload = record.raw.endsWith(record.payload);
    QByteArray header = rawEndsWithPayload
                            ? record.raw.left(record.raw.size() - record.payload.size())
                            : QByteArray();
    const qsizetype question = header.indexOf('?');
    if (question >= 0) {
        const qsizetype comma = header.indexOf(',', question);
        const QByteArray query = header.mid(question + 1, comma < 0 ? -1 : comma - question - 1);
        header = header.left(question + 1) + redactAllValues(QString::fromUtf8(query)).toUtf8() +
                 (comma < 0 ? QByteArray() : header.mid(comma));
    }
    if (!record.payload.isEmpty()) {
        QJsonObject auth = QJsonDocument::fromJson(record.payload).object();
        for (auto it = auth.begin(); it != auth.end(); ++it)
            if (it.key() != QLatin1String("pid") && it.key() != QLatin1String("offset"))
                it.value() = QString(Placeholder);
        redacted.payload = QJsonDocument(auth).toJson(QJsonDocument::Compact);
    }
    if (rawEndsWithPayload)
        redacted.raw = header + redacted.payload;
    else if (!record.raw.isEmpty())
        redacted.raw =
            QByteArray(Placeholder.data(), Placeholder.size()); // cannot tell what is secret
    return redacted;
}
