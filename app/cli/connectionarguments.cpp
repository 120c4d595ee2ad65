#include "connectionarguments.h"

#include "engineio/engineiooptions.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonParseError>

namespace ConnectionArguments {

bool parseUrl(const QString &text, QUrl *url, QString *error)
{
    if (EngineIoOptions::parseServerUrl(text, url, error))
        return true;
    *error = QStringLiteral("<url> must be an http, https, ws or wss URL with a host, e.g. "
                            "http://localhost:3000");
    return false;
}

bool parseHeaders(const QStringList &values, QList<QPair<QByteArray, QByteArray>> *headers,
                  QString *error)
{
    for (const QString &header : values) {
        const qsizetype colon = header.indexOf(QLatin1Char(':'));
        if (colon <= 0) {
            *error =
                QStringLiteral("--header must look like \"Name: value\", got \"%1\"").arg(header);
            return false;
        }
        headers->append(
            {header.left(colon).trimmed().toUtf8(), header.mid(colon + 1).trimmed().toUtf8()});
    }
    return true;
}

bool parseQuery(const QStringList &values, QList<QPair<QString, QString>> *query, QString *error)
{
    for (const QString &item : values) {
        const qsizetype equals = item.indexOf(QLatin1Char('='));
        if (equals <= 0) {
            *error = QStringLiteral("--query must look like key=value, got \"%1\"").arg(item);
            return false;
        }
        query->append({item.left(equals), item.mid(equals + 1)});
    }
    return true;
}

bool parseNamespaces(const QStringList &names, const QStringList &auths,
                     QList<QPair<QString, QJsonObject>> *namespaces, QString *error)
{
    QStringList wanted = names;
    if (wanted.isEmpty())
        wanted.append(QStringLiteral("/"));
    QHash<QString, QJsonObject> payloads;
    for (const QString &auth : auths) {
        const qsizetype equals = auth.indexOf(QLatin1Char('='));
        if (equals <= 0 || !auth.startsWith(QLatin1Char('/'))) {
            *error = QStringLiteral("--auth must look like /nsp={\"token\":\"...\"}, got \"%1\"")
                         .arg(auth);
            return false;
        }
        QJsonParseError parseError;
        const QJsonDocument json =
            QJsonDocument::fromJson(auth.mid(equals + 1).toUtf8(), &parseError);
        if (!json.isObject()) {
            *error = QStringLiteral("--auth for %1 must be a JSON object (%2)")
                         .arg(auth.left(equals), parseError.error == QJsonParseError::NoError
                                                     ? QStringLiteral("not an object")
                                                     : parseError.errorString());
            return false;
        }
        payloads.insert(auth.left(equals), json.object());
    }
    for (const QString &name : std::as_const(wanted)) {
        if (!name.startsWith(QLatin1Char('/'))) {
            *error = QStringLiteral("namespace \"%1\" must start with \"/\"").arg(name);
            return false;
        }
        namespaces->append({name, payloads.value(name)});
    }
    for (auto it = payloads.constBegin(); it != payloads.constEnd(); ++it) {
        if (!wanted.contains(it.key())) {
            *error = QStringLiteral("--auth names %1, which no --namespace connects").arg(it.key());
            return false;
        }
    }
    return true;
}

} // namespace ConnectionArguments

const char *const ConnectionArguments::ProxyUsage =
    "      --proxy <url>              go through this proxy: http://[user:password@]host:port or "
    "socks5://[user:password@]host:port (socks5h: the proxy resolves the name)\n"
    "      --no-proxy                 connect directly, whatever https_proxy, http_proxy, "
    "all_proxy say (without either, they are followed as curl does, with no_proxy)\n";

bool ConnectionArguments::parseProxy(const QCommandLineParser &parser, const Options &options,
                                     ProxySetting *setting, QString *error)
{
    if (parser.isSet(options.proxyOption) && parser.isSet(options.noProxyOption)) {
        *error = QStringLiteral("--proxy and --no-proxy exclude each other");
        return false;
    }
    if (parser.isSet(options.proxyOption)) {
        QString why;
        if (!ProxySetting::parseUrl(parser.value(options.proxyOption), &setting->url, &why)) {
            *error = QStringLiteral("--proxy: %1").arg(why);
            return false;
        }
        setting->mode = ProxySetting::Mode::Url;
    } else if (parser.isSet(options.noProxyOption)) {
        setting->mode = ProxySetting::Mode::None;
    } else {
        setting->mode = ProxySetting::Mode::Environment;
    }
    return true;
}
