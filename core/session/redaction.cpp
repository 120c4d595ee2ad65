#include "session/redaction.h"

#include "socketio/socketiomsgpackparser.h"
#include "socketio/socketiopacket.h"

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

// A CONNECT on its way to the server carries the auth: one we sent, or, in the log of our
// embedded server (records with a session), one a client sent. The server's answer carries none.
bool isConnectTowardsServer(const PacketRecord &record)
{
    const auto towardsServer =
        record.session.isEmpty() ? PacketRecord::Direction::Out : PacketRecord::Direction::In;
    return record.layer == PacketRecord::Layer::SocketIo && record.direction == towardsServer &&
           record.type == SocketIoPacket::Connect;
}

// The v4 CONNECT query ("0/admin?token=abc,"): the text between '?' and ',' of the packet's
// header (the raw text before the payload), or empty.
QByteArray connectQuery(const PacketRecord &record)
{
    const qsizetype headerSize =
        record.raw.endsWith(record.payload) ? record.raw.size() - record.payload.size() : 0;
    const qsizetype question = record.raw.indexOf('?');
    if (question < 0 || question >= headerSize)
        return {};
    const qsizetype comma = record.raw.indexOf(',', question);
    const qsizetype end = comma < 0 || comma > headerSize ? headerSize : comma;
    return record.raw.mid(question + 1, end - question - 1);
}

// Every string in a JSON value (object members and array items, at any depth).
void collectStrings(const QJsonValue &value, QStringList *strings)
{
    if (value.isString()) {
        strings->append(value.toString());
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            collectStrings(it.value(), strings);
    } else if (value.isArray()) {
        for (const QJsonValue item : value.toArray())
            collectStrings(item, strings);
    }
}

// Secret values of a lifecycle note's details: secret-named members, and secret-named query
// parameters of its "url".
void collectDetailSecrets(const QJsonValue &value, const QString &key, QStringList *secrets)
{
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            collectDetailSecrets(it.value(), it.key(), secrets);
    } else if (value.isArray()) {
        for (const QJsonValue item : value.toArray())
            collectDetailSecrets(item, key, secrets);
    } else if (value.isString() && Redaction::isSecretName(key)) {
        secrets->append(value.toString());
    } else if (value.isString() && key == QLatin1String("url")) {
        const QUrlQuery query(QUrl(value.toString()));
        for (const auto &[name, item] : query.queryItems(QUrl::FullyDecoded))
            if (Redaction::isSecretName(name))
                secrets->append(item);
    }
}

// Replaces every occurrence of `needle` in `text`, except one that starts inside a JSON escape
// (after an odd number of backslashes): cutting "\n" in half would break the JSON around it.
void replaceValue(QByteArray &text, const QByteArray &needle)
{
    qsizetype match = text.indexOf(needle);
    if (match < 0)
        return;
    QByteArray replaced;
    qsizetype copied = 0;
    for (; match >= 0; match = text.indexOf(needle, match + 1)) {
        if (match < copied)
            continue; // overlaps the previous replacement
        qsizetype backslashes = 0;
        while (match - backslashes > 0 && text.at(match - backslashes - 1) == '\\')
            ++backslashes;
        if (backslashes % 2)
            continue;
        replaced.append(QByteArrayView(text).sliced(copied, match - copied));
        replaced.append(Redaction::Placeholder.data(), Redaction::Placeholder.size());
        copied = match + needle.size();
    }
    if (copied == 0)
        return;
    replaced.append(QByteArrayView(text).sliced(copied));
    text = replaced;
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
// A msgpack frame cannot be edited in place (every length is written before its value), so a
// redacted one is written again from the redacted packet: it still decodes, to what is shown.
// Keys beyond type, nsp, data and id are not kept. A payload the redaction left unwritable as
// MessagePack leaves no frame.
void rewriteMsgpackFrame(PacketRecord *record)
{
    SocketIoPacket packet(SocketIoPacket::Type(record->type), record->nsp, record->payload,
                          record->id);
    packet.attachments = record->attachments;
    const SocketIoMsgpackParser parser;
    record->raw = parser.validate(packet, SocketIoProtocol::V5, nullptr)
                      ? SocketIoMsgpackParser::encodePacket(packet)
                      : QByteArray();
}

} // namespace

bool Redaction::mayCarrySecrets(const PacketRecord &record)
{
    return isConnectTowardsServer(record) ||
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
    if (const QByteArray query = connectQuery(record); !query.isEmpty()) {
        const qsizetype start = header.indexOf('?') + 1;
        header.replace(start, query.size(), redactAllValues(QString::fromUtf8(query)).toUtf8());
    }
    if (!record.payload.isEmpty()) {
        QJsonObject auth = QJsonDocument::fromJson(record.payload).object();
        for (auto it = auth.begin(); it != auth.end(); ++it)
            if (it.key() != QLatin1String("pid") && it.key() != QLatin1String("offset"))
                it.value() = QString(Placeholder);
        redacted.payload = QJsonDocument(auth).toJson(QJsonDocument::Compact);
    }
    if (record.parser == SocketIoParser::Kind::Msgpack)
        rewriteMsgpackFrame(&redacted);
    else if (rawEndsWithPayload)
        redacted.raw = header + redacted.payload;
    else if (!record.raw.isEmpty())
        redacted.raw =
            QByteArray(Placeholder.data(), Placeholder.size()); // cannot tell what is secret
    return redacted;
}

QStringList Redaction::headerSecrets(const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QStringList secrets;
    for (const auto &[name, value] : headers) {
        const QString lowerName = QString::fromUtf8(name).toLower();
        if (!isSecretName(lowerName))
            continue;
        const QString text = QString::fromUtf8(value).trimmed();
        secrets.append(text);
        if (lowerName.endsWith(QLatin1String("cookie"))) {
            // "a=1; b=2" (Cookie), "a=1; Path=/; HttpOnly" (Set-Cookie: only the first pair)
            const QStringList pairs = text.split(QLatin1Char(';'));
            for (const QString &pair :
                 lowerName == QLatin1String("cookie") ? pairs : pairs.mid(0, 1))
                secrets.append(pair.mid(pair.indexOf(QLatin1Char('=')) + 1).trimmed());
        } else if (const qsizetype space = text.indexOf(QLatin1Char(' ')); space > 0) {
            secrets.append(text.mid(space + 1).trimmed()); // "Bearer <token>", "Basic <base64>"
        }
    }
    return secrets;
}

void Redaction::learn(const PacketRecord &record)
{
    if (!mayCarrySecrets(record))
        return;
    QStringList secrets;
    if (record.layer == PacketRecord::Layer::Connection) {
        collectDetailSecrets(QJsonDocument::fromJson(record.payload).object(), QString(), &secrets);
    } else {
        QJsonObject auth = QJsonDocument::fromJson(record.payload).object();
        auth.remove(QStringLiteral("pid")); // recovery fields, kept by redact() too
        auth.remove(QStringLiteral("offset"));
        collectStrings(auth, &secrets);
        const QUrlQuery query(QString::fromUtf8(connectQuery(record)));
        for (const auto &[name, value] : query.queryItems(QUrl::FullyDecoded))
            secrets.append(value);
    }
    addSecrets(secrets);
}

void Redaction::addSecrets(const QStringList &values)
{
    for (const QString &value : values)
        addSecret(value);
}

void Redaction::addSecret(const QString &value)
{
    const QByteArray utf8 = value.toUtf8();
    if (utf8.size() < MinimumValueLength || m_needles.contains(utf8))
        return;
    // The JSON form: the content of the string Qt would write for it (a server may escape
    // differently, e.g. non-ASCII as \uXXXX; the plain UTF-8 form covers the common case).
    QByteArray json = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    json = json.mid(2, json.size() - 4);
    for (const QByteArray &form : {utf8, json, QUrl::toPercentEncoding(value)})
        if (!m_needles.contains(form))
            m_needles.append(form);
    std::stable_sort(m_needles.begin(), m_needles.end(),
                     [](const QByteArray &a, const QByteArray &b) { return a.size() > b.size(); });
}

PacketRecord Redaction::apply(const PacketRecord &record) const
{
    PacketRecord result = mayCarrySecrets(record) ? redact(record) : record;
    if (m_needles.isEmpty())
        return result;
    QByteArray error = result.error.toUtf8();
    for (const QByteArray &needle : m_needles) {
        replaceValue(result.raw, needle);
        replaceValue(result.payload, needle);
        replaceValue(error, needle);
        for (QByteArray &attachment : result.attachments)
            replaceValue(attachment, needle);
    }
    if (!result.error.isEmpty())
        result.error = QString::fromUtf8(error);
    if (result.parser == SocketIoParser::Kind::Msgpack &&
        (result.raw != record.raw || result.payload != record.payload ||
         result.attachments != record.attachments))
        rewriteMsgpackFrame(&result);
    return result;
}
