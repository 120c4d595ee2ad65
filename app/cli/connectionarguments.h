// The connection arguments that `record` and `doctor` share: the URL, --header, --query, --path,
// the namespaces with their --auth payloads, and --proxy / --no-proxy (TlsOptions has the TLS
// ones). Each parser returns false with the usage error's message
// in *error, naming the argument and what it should look like.
#pragma once

#include "engineio/proxysetting.h"

#include <QByteArray>
#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace ConnectionArguments {

// The options themselves, defined once for both commands.
struct Options
{
    const QCommandLineOption namespaceOption{
        QStringList{QStringLiteral("n"), QStringLiteral("namespace")}, {}, QStringLiteral("nsp")};
    const QCommandLineOption authOption{QStringLiteral("auth"), {}, QStringLiteral("auth")};
    const QCommandLineOption headerOption{
        QStringList{QStringLiteral("H"), QStringLiteral("header")}, {}, QStringLiteral("header")};
    const QCommandLineOption queryOption{QStringLiteral("query"), {}, QStringLiteral("query")};
    const QCommandLineOption pathOption{QStringLiteral("path"), {}, QStringLiteral("path")};
    const QCommandLineOption proxyOption{QStringLiteral("proxy"), {}, QStringLiteral("url")};
    const QCommandLineOption noProxyOption{QStringLiteral("no-proxy")};

    void addTo(QCommandLineParser *parser) const
    {
        parser->addOptions({namespaceOption, authOption, headerOption, queryOption, pathOption,
                            proxyOption, noProxyOption});
    }
};

// An http, https, ws or wss URL with a host.
bool parseUrl(const QString &text, QUrl *url, QString *error);
// "Name: value" each, appended in order.
bool parseHeaders(const QStringList &values, QList<QPair<QByteArray, QByteArray>> *headers,
                  QString *error);
// key=value each, appended in order.
bool parseQuery(const QStringList &values, QList<QPair<QString, QString>> *query, QString *error);
// The --namespace values (none: "/") with the payload of each from the --auth values
// (/nsp={json object}); an --auth for a namespace not named is an error.
bool parseNamespaces(const QStringList &names, const QStringList &auths,
                     QList<QPair<QString, QJsonObject>> *namespaces, QString *error);

// The usage lines of --proxy and --no-proxy, in the format of the commands' usage texts.
extern const char *const ProxyUsage;
// --proxy <url> or --no-proxy (they exclude each other) into *setting; neither: the environment,
// as curl reads it.
bool parseProxy(const QCommandLineParser &parser, const Options &options, ProxySetting *setting,
                QString *error);
} // namespace ConnectionArguments
