// MockRules: a parsed rules file as a value (parsing is in mockrulesparser.cpp), and the words
// rules are described in.
#include "server/mockrules.h"

#include "server/mockrules_p.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace MockRulesText;

QString MockRulesText::quoted(const QString &text)
{
    return QLatin1Char('"') + text + QLatin1Char('"');
}

QByteArray MockRulesText::compact(const QJsonValue &value)
{
    // QJsonDocument holds objects and arrays only: wrap and strip for scalars.
    const QByteArray text = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return text.mid(1, text.size() - 2);
}

QString MockRulesText::handlerContext(const QString &nsp, const QString &event)
{
    return event == AnyEvent ? QStringLiteral("%1 on any other event").arg(nsp)
                             : QStringLiteral("%1 on %2").arg(nsp, quoted(event));
}

QString MockRulesText::everyContext(const QString &nsp, const MockEvery &every)
{
    return QStringLiteral("%1 every %2 ms%3")
        .arg(nsp)
        .arg(every.intervalMs)
        .arg(every.count > 0 ? QStringLiteral(" (%1 times)").arg(every.count) : QString());
}

MockRules::MockRules(std::shared_ptr<const MockRulesData> data)
    : d(std::move(data))
{
}

QStringList MockRules::namespaces() const
{
    QStringList names;
    for (const MockNamespace &ns : d->namespaces)
        names.append(ns.name);
    return names;
}

QStringList MockRules::describe() const
{
    QStringList lines;
    for (const MockNamespace &ns : d->namespaces) {
        if (ns.refuseAlways)
            lines.append(
                QStringLiteral("%1 refused with %2").arg(ns.name, quoted(ns.refuseMessage)));
        else if (ns.requiresAuth)
            lines.append(
                QStringLiteral("%1 requires auth %2, else refused with %3")
                    .arg(ns.name, QString::fromUtf8(compact(ns.auth)), quoted(ns.refuseMessage)));
        else
            lines.append(QStringLiteral("%1 accepts every client").arg(ns.name));
        for (const MockAction &action : ns.onConnect)
            lines.append(QStringLiteral("%1 on connect: %2").arg(ns.name, action.description));
        for (const MockHandler &handler : ns.handlers) {
            for (const MockAction &action : handler.actions)
                lines.append(QStringLiteral("%1: %2").arg(handlerContext(ns.name, handler.event),
                                                          action.description));
        }
        for (const MockEvery &every : ns.every)
            lines.append(QStringLiteral("%1: %2").arg(everyContext(ns.name, every),
                                                      every.action.description));
    }
    return lines;
}
