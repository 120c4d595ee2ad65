#include "engineio/engineiocookiejar.h"

#include <QDateTime>
#include <QSet>

#include <algorithm>

namespace {

bool isField(const QByteArray &name, const char *wanted)
{
    return name.compare(wanted, Qt::CaseInsensitive) == 0;
}

} // namespace

EngineIoCookieJar::EngineIoCookieJar(QObject *parent)
    : QNetworkCookieJar(parent)
{
}

QUrl EngineIoCookieJar::cookieUrl(const QUrl &url)
{
    QUrl result = url;
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("ws"))
        result.setScheme(QStringLiteral("http"));
    else if (scheme == QLatin1String("wss"))
        result.setScheme(QStringLiteral("https"));
    return result;
}

EngineIoCookieJar::Headers EngineIoCookieJar::requestHeaders(const QUrl &url,
                                                             const Headers &headers) const
{
    Headers result;
    result.reserve(headers.size() + 1);
    QByteArrayList pairs;
    QSet<QByteArray> userNames;
    qsizetype cookieAt = -1;
    for (const auto &header : headers) {
        if (!isField(header.first, "cookie")) {
            result.append(header);
            continue;
        }
        if (cookieAt < 0)
            cookieAt = result.size();
        for (const QByteArray &pair : header.second.split(';')) {
            const QByteArray trimmed = pair.trimmed();
            if (trimmed.isEmpty())
                continue;
            pairs.append(trimmed);
            userNames.insert(trimmed.left(trimmed.indexOf('=')).trimmed());
        }
    }
    // Longest path first, as RFC 6265, 5.4 asks; QNetworkCookieJar sorts them so.
    for (const QNetworkCookie &cookie : cookiesForUrl(cookieUrl(url))) {
        if (!userNames.contains(cookie.name()))
            pairs.append(cookie.toRawForm(QNetworkCookie::NameAndValueOnly));
    }
    if (pairs.isEmpty())
        return result;
    const QPair<QByteArray, QByteArray> cookie(QByteArrayLiteral("Cookie"), pairs.join("; "));
    if (cookieAt < 0)
        result.append(cookie);
    else
        result.insert(cookieAt, cookie);
    return result;
}

void EngineIoCookieJar::storeFromResponse(const QUrl &url, const Headers &headers)
{
    QList<QNetworkCookie> received;
    for (const auto &[name, value] : headers)
        if (isField(name, "set-cookie"))
            received += QNetworkCookie::parseCookies(value);
    if (received.isEmpty())
        return;
    const QUrl from = cookieUrl(url);
    QList<QNetworkCookie> fresh;
    for (const QNetworkCookie &cookie : std::as_const(received)) {
        // The form the jar stores (setCookiesFromUrl() normalizes its own copy: normalizing
        // twice would turn a host-only cookie's domain into a domain cookie's ".host").
        QNetworkCookie stored = cookie;
        stored.normalize(from);
        const QList<QNetworkCookie> held = allCookies();
        const bool known = std::any_of(held.cbegin(), held.cend(), [&stored](const auto &c) {
            return c.hasSameIdentifier(stored);
        });
        if (setCookiesFromUrl({cookie}, from) && !known)
            fresh.append(stored);
    }
    if (!fresh.isEmpty())
        Q_EMIT cookiesReceived(fresh, url);
}

QList<QNetworkCookie> EngineIoCookieJar::cookies() const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QList<QNetworkCookie> result = allCookies();
    result.removeIf([&now](const QNetworkCookie &cookie) {
        return !cookie.isSessionCookie() && cookie.expirationDate() <= now;
    });
    return result;
}

void EngineIoCookieJar::clear()
{
    setAllCookies({});
}
