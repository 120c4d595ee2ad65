// The connection arguments that `record` and `doctor` share: the URL, --header, --query, and the
// namespaces with their --auth payloads. Each parser returns false with the usage error's message
// in *error, naming the argument and what it should look like.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace ConnectionArguments {

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

} // namespace ConnectionArguments
