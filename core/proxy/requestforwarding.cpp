#include "proxy/requestforwarding.h"

#include "common/httphead.h"

#include <QList>

namespace {
bool isAlwaysHopByHop(QByteArrayView name)
{
    return name == "keep-alive" || name == "proxy-connection" || name == "proxy-authorization" ||
           name == "te" || name == "sec-websocket-extensions";
}
} // namespace

QByteArray ProxyHttp::viaValue()
{
    return QByteArrayLiteral("1.1 sioscope");
}

QByteArray ProxyHttp::forwardedRequestHead(QByteArrayView head, const RequestForwarding &forwarding)
{
    const QList<QByteArrayView> lines = Http::splitHeadLines(head);
    QByteArray out;
    out.reserve(head.size() + 64);
    if (lines.isEmpty())
        return out;

    // The fields the Connection fields name, lower-cased.
    QList<QByteArray> connectionNamed;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon <= 0 || lines[i].first(colon).toByteArray().toLower() != "connection")
            continue;
        for (const QByteArray &token : lines[i].sliced(colon + 1).toByteArray().split(',')) {
            const QByteArray name = Http::trimmed(token).toByteArray().toLower();
            if (!name.isEmpty())
                connectionNamed.append(name);
        }
    }

    out += lines.first();
    out += "\r\n";
    bool hostWritten = false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArrayView line = lines[i];
        const qsizetype colon = line.indexOf(':');
        const QByteArray name =
            colon > 0 ? line.first(colon).toByteArray().toLower() : QByteArray();
        if (isAlwaysHopByHop(name))
            continue;
        if (name != "connection" && connectionNamed.contains(name) &&
            !(forwarding.upgrade && name == "upgrade"))
            continue;
        if (name == "host" && !forwarding.keepHost) {
            if (hostWritten)
                continue;
            hostWritten = true;
            out += "Host: " + forwarding.targetAuthority + "\r\n";
            continue;
        }
        out += line;
        out += "\r\n";
    }
    if (!hostWritten && !forwarding.keepHost)
        out += "Host: " + forwarding.targetAuthority + "\r\n";
    out += "Via: " + viaValue() + "\r\n\r\n";
    return out;
}
