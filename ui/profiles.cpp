#include "profiles.h"

#include "session/redaction.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QStandardPaths>

namespace {
constexpr int FormatVersion = 1;

const char *versionName(EngineIoOptions::Version version)
{
    switch (version) {
    case EngineIoOptions::Version::V3:
        return "v3";
    case EngineIoOptions::Version::V4:
        return "v4";
    case EngineIoOptions::Version::Auto:
        break;
    }
    return "auto";
}

EngineIoOptions::Version versionFromName(const QString &name)
{
    if (name == QLatin1String("v3"))
        return EngineIoOptions::Version::V3;
    if (name == QLatin1String("v4"))
        return EngineIoOptions::Version::V4;
    return EngineIoOptions::Version::Auto;
}

const char *transportsName(EngineIoOptions::Transports transports)
{
    switch (transports) {
    case EngineIoOptions::Transports::WebSocketOnly:
        return "websocket";
    case EngineIoOptions::Transports::PollingOnly:
        return "polling";
    case EngineIoOptions::Transports::Auto:
        break;
    }
    return "auto";
}

EngineIoOptions::Transports transportsFromName(const QString &name)
{
    if (name == QLatin1String("websocket"))
        return EngineIoOptions::Transports::WebSocketOnly;
    if (name == QLatin1String("polling"))
        return EngineIoOptions::Transports::PollingOnly;
    return EngineIoOptions::Transports::Auto;
}

QJsonArray pairsToJson(const QList<QPair<QString, QString>> &pairs, bool keepSecrets)
{
    QJsonArray array;
    for (const auto &[name, value] : pairs) {
        const bool secret = !keepSecrets && Redaction::isSecretName(name);
        array.append(QJsonArray{name, secret ? QString() : value});
    }
    return array;
}

QList<QPair<QString, QString>> pairsFromJson(const QJsonValue &value)
{
    QList<QPair<QString, QString>> pairs;
    const QJsonArray array = value.toArray();
    for (const QJsonValue &item : array) {
        const QJsonArray pair = item.toArray();
        if (pair.size() == 2)
            pairs.append({pair.at(0).toString(), pair.at(1).toString()});
    }
    return pairs;
}

bool hasSecrets(const ConnectionProfile &profile)
{
    for (const auto &[name, value] : profile.options.engine.query)
        if (Redaction::isSecretName(name) && !value.isEmpty())
            return true;
    for (const auto &[name, value] : profile.options.engine.headers)
        if (Redaction::isSecretName(QString::fromUtf8(name)) && !value.isEmpty())
            return true;
    for (const NamespaceJoin &join : profile.namespaces)
        if (!join.auth.isEmpty())
            return true;
    return !profile.options.engine.proxy.url.password().isEmpty();
}

const char *proxyModeName(ProxySetting::Mode mode)
{
    switch (mode) {
    case ProxySetting::Mode::None:
        return "none";
    case ProxySetting::Mode::Url:
        return "url";
    case ProxySetting::Mode::Environment:
        break;
    }
    return "environment";
}

ProxySetting::Mode proxyModeFromName(const QString &name)
{
    if (name == QLatin1String("none"))
        return ProxySetting::Mode::None;
    if (name == QLatin1String("url"))
        return ProxySetting::Mode::Url;
    return ProxySetting::Mode::Environment; // also a profile saved before proxies existed
}
} // namespace

QJsonObject ConnectionProfile::authFor(const QString &nsp) const
{
    for (const NamespaceJoin &join : namespaces)
        if (join.name == nsp)
            return join.auth;
    return {};
}

void ConnectionProfile::setAuthFor(const QString &nsp, const QJsonObject &auth)
{
    for (NamespaceJoin &join : namespaces) {
        if (join.name == nsp) {
            join.auth = auth;
            return;
        }
    }
    namespaces.append({nsp, auth});
}

QJsonObject ConnectionProfile::toJson() const
{
    const EngineIoOptions &engine = options.engine;
    QList<QPair<QString, QString>> headers;
    for (const auto &[name, value] : engine.headers)
        headers.append({QString::fromUtf8(name), QString::fromUtf8(value)});
    QJsonArray joins;
    for (const NamespaceJoin &join : namespaces) {
        QJsonObject item{{QStringLiteral("name"), join.name}};
        if (saveSecrets && !join.auth.isEmpty())
            item.insert(QStringLiteral("auth"), join.auth);
        joins.append(item);
    }
    const ReconnectPolicy &reconnect = engine.reconnect;
    return QJsonObject{
        {QStringLiteral("name"), name},
        {QStringLiteral("url"), engine.url.toString()},
        {QStringLiteral("path"), engine.path},
        {QStringLiteral("version"), QLatin1String(versionName(engine.version))},
        {QStringLiteral("transports"), QLatin1String(transportsName(engine.transports))},
        {QStringLiteral("query"), pairsToJson(engine.query, saveSecrets)},
        {QStringLiteral("headers"), pairsToJson(headers, saveSecrets)},
        {QStringLiteral("namespaces"), joins},
        {QStringLiteral("caFile"), engine.caFile},
        {QStringLiteral("ignoreSslErrors"), engine.ignoreSslErrors},
        {QStringLiteral("proxy"),
         QJsonObject{
             {QStringLiteral("mode"), QLatin1String(proxyModeName(engine.proxy.mode))},
             {QStringLiteral("url"),
              (saveSecrets ? engine.proxy.url : engine.proxy.url.adjusted(QUrl::RemovePassword))
                  .toString()}}},
        // The file names only: the PKCS#12 password is never saved, whatever saveSecrets says.
        {QStringLiteral("clientCertificateFile"), engine.clientCertificateFile},
        {QStringLiteral("clientKeyFile"), engine.clientKeyFile},
        {QStringLiteral("origin"), QString::fromUtf8(engine.origin)},
        {QStringLiteral("variablesFile"), variablesFile},
        {QStringLiteral("connectTimeoutMs"), engine.connectTimeoutMs},
        {QStringLiteral("ackTimeoutMs"), options.ackTimeoutMs},
        {QStringLiteral("recoverState"), options.recoverState},
        {QStringLiteral("parser"), SocketIoParser::kindName(options.parser)},
        {QStringLiteral("reconnect"),
         QJsonObject{{QStringLiteral("enabled"), reconnect.enabled},
                     {QStringLiteral("maxAttempts"), reconnect.maxAttempts},
                     {QStringLiteral("delayMs"), reconnect.delayMs},
                     {QStringLiteral("delayMaxMs"), reconnect.delayMaxMs},
                     {QStringLiteral("randomization"), reconnect.randomization}}},
        {QStringLiteral("saveSecrets"), saveSecrets},
        {QStringLiteral("secretsOmitted"), !saveSecrets && hasSecrets(*this)},
    };
}

ConnectionProfile ConnectionProfile::fromJson(const QJsonObject &json)
{
    ConnectionProfile profile;
    const ConnectionProfile defaults;
    const EngineIoOptions engineDefaults;
    profile.name = json.value(QStringLiteral("name")).toString();
    EngineIoOptions &engine = profile.options.engine;
    engine.url = QUrl(json.value(QStringLiteral("url")).toString());
    engine.path = json.value(QStringLiteral("path")).toString(engineDefaults.path);
    engine.version = versionFromName(json.value(QStringLiteral("version")).toString());
    engine.transports = transportsFromName(json.value(QStringLiteral("transports")).toString());
    engine.query = pairsFromJson(json.value(QStringLiteral("query")));
    for (const auto &[name, value] : pairsFromJson(json.value(QStringLiteral("headers"))))
        engine.headers.append({name.toUtf8(), value.toUtf8()});
    engine.caFile = json.value(QStringLiteral("caFile")).toString();
    engine.ignoreSslErrors = json.value(QStringLiteral("ignoreSslErrors")).toBool();
    const QJsonObject proxy = json.value(QStringLiteral("proxy")).toObject();
    engine.proxy.mode = proxyModeFromName(proxy.value(QStringLiteral("mode")).toString());
    // Kept as written even when it is no proxy URL: the options dialog then names what is wrong,
    // and a connection with it fails saying so.
    engine.proxy.url = QUrl(proxy.value(QStringLiteral("url")).toString());
    engine.clientCertificateFile = json.value(QStringLiteral("clientCertificateFile")).toString();
    engine.clientKeyFile = json.value(QStringLiteral("clientKeyFile")).toString();
    engine.origin = json.value(QStringLiteral("origin")).toString().toUtf8();
    profile.variablesFile = json.value(QStringLiteral("variablesFile")).toString();
    engine.connectTimeoutMs =
        json.value(QStringLiteral("connectTimeoutMs")).toInt(engineDefaults.connectTimeoutMs);
    profile.options.ackTimeoutMs =
        json.value(QStringLiteral("ackTimeoutMs")).toInt(defaults.options.ackTimeoutMs);
    profile.options.recoverState =
        json.value(QStringLiteral("recoverState")).toBool(defaults.options.recoverState);
    // A profile saved before the parser choice existed (or with an unknown name) loads as the
    // default text parser, which is what such a profile always connected with.
    if (!SocketIoParser::kindFromName(json.value(QStringLiteral("parser")).toString(),
                                      &profile.options.parser))
        profile.options.parser = SocketIoParser::Kind::Default;
    const QJsonObject reconnect = json.value(QStringLiteral("reconnect")).toObject();
    ReconnectPolicy &policy = engine.reconnect;
    policy.enabled = reconnect.value(QStringLiteral("enabled")).toBool(policy.enabled);
    policy.maxAttempts = reconnect.value(QStringLiteral("maxAttempts")).toInt(policy.maxAttempts);
    policy.delayMs = reconnect.value(QStringLiteral("delayMs")).toInt(policy.delayMs);
    policy.delayMaxMs = reconnect.value(QStringLiteral("delayMaxMs")).toInt(policy.delayMaxMs);
    policy.randomization =
        reconnect.value(QStringLiteral("randomization")).toDouble(policy.randomization);
    const QJsonArray joins = json.value(QStringLiteral("namespaces")).toArray();
    if (!joins.isEmpty()) {
        profile.namespaces.clear();
        for (const QJsonValue &item : joins) {
            const QJsonObject join = item.toObject();
            const QString name = join.value(QStringLiteral("name")).toString();
            if (!name.isEmpty())
                profile.namespaces.append({name, join.value(QStringLiteral("auth")).toObject()});
        }
    }
    profile.saveSecrets = json.value(QStringLiteral("saveSecrets")).toBool();
    profile.secretsOmitted = json.value(QStringLiteral("secretsOmitted")).toBool();
    return profile;
}

ProfileStore::ProfileStore(const QString &fileName)
    : m_fileName(fileName)
{
    if (m_fileName.isEmpty())
        m_fileName = QDir(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation))
                         .filePath(QStringLiteral("profiles.json"));
}

bool ProfileStore::load(QString *error)
{
    m_profiles.clear();
    QFile file(m_fileName);
    if (!file.exists())
        return true;
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        if (error)
            *error = QObject::tr("%1: not a profiles file (%2 at offset %3)")
                         .arg(m_fileName, parseError.errorString())
                         .arg(parseError.offset);
        return false;
    }
    const QJsonArray profiles = document.object().value(QStringLiteral("profiles")).toArray();
    for (const QJsonValue &item : profiles) {
        ConnectionProfile profile = ConnectionProfile::fromJson(item.toObject());
        if (!profile.name.isEmpty() && !contains(profile.name))
            m_profiles.append(profile);
    }
    return true;
}

bool ProfileStore::save(QString *error) const
{
    QDir().mkpath(QFileInfo(m_fileName).absolutePath());
    QJsonArray profiles;
    for (const ConnectionProfile &profile : m_profiles)
        profiles.append(profile.toJson());
    const QJsonObject root{{QStringLiteral("version"), FormatVersion},
                           {QStringLiteral("profiles"), profiles}};
    // QSaveFile: a crash while writing never leaves a half-written profiles file behind.
    QSaveFile file(m_fileName);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    // Profiles may hold secrets: readable by the user only.
    QFile::setPermissions(m_fileName, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return true;
}

QStringList ProfileStore::names() const
{
    QStringList list;
    for (const ConnectionProfile &profile : m_profiles)
        list.append(profile.name);
    return list;
}

bool ProfileStore::contains(const QString &name) const
{
    return names().contains(name);
}

ConnectionProfile ProfileStore::profile(const QString &name) const
{
    for (const ConnectionProfile &profile : m_profiles)
        if (profile.name == name)
            return profile;
    return {};
}

void ProfileStore::put(const ConnectionProfile &profile)
{
    for (ConnectionProfile &existing : m_profiles) {
        if (existing.name == profile.name) {
            existing = profile;
            return;
        }
    }
    m_profiles.append(profile);
}

bool ProfileStore::rename(const QString &from, const QString &to)
{
    if (to.isEmpty() || contains(to))
        return false;
    for (ConnectionProfile &profile : m_profiles) {
        if (profile.name == from) {
            profile.name = to;
            return true;
        }
    }
    return false;
}

bool ProfileStore::remove(const QString &name)
{
    for (qsizetype i = 0; i < m_profiles.size(); ++i) {
        if (m_profiles.at(i).name == name) {
            m_profiles.removeAt(i);
            return true;
        }
    }
    return false;
}
