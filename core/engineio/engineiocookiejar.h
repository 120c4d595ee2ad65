// The cookies of one connection (RFC 6265), shared by every request it makes: the polling GETs
// and POSTs, the WebSocket upgrade requests, and those of its reconnections. A load balancer that
// pins a session to one server with a cookie (HAProxy's `cookie SERVERID insert`, AWS ALB's
// AWSALB, Traefik's sticky cookie) sets it on the handshake response; without it the upgrade
// request lands on another server, which answers "Session ID unknown".
//
// QNetworkCookieJar does the RFC 6265 matching (domain, path, Secure, expiry, Max-Age=0 as a
// deletion); this class adds what a connection needs around it: the user's own Cookie header
// merged with the jar's into one field, ws/wss URLs, and which cookies are new.
//
// It is never given to a QNetworkAccessManager (setCookieJar() would take it over and delete it
// with the manager, and a manager belongs to one polling transport): the polling transport asks
// it for each request's Cookie field and hands it each reply's Set-Cookie fields, as the
// WebSocket transport does for its upgrade request and response.
#pragma once

#include <QByteArray>
#include <QList>
#include <QNetworkCookie>
#include <QNetworkCookieJar>
#include <QPair>
#include <QUrl>

class EngineIoCookieJar : public QNetworkCookieJar
{
    Q_OBJECT
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    explicit EngineIoCookieJar(QObject *parent = nullptr);

    // The request header fields for `url` (http, https, ws or wss): `headers` (the user's) in
    // their order, except that their Cookie fields are replaced by one Cookie field, at the
    // place of the first, that holds the user's cookies and then the jar's cookies for `url`
    // (domain, path, Secure and expiry matched) whose names the user's do not set: a cookie the
    // user gives wins over one the server set. No Cookie field when there is no cookie at all.
    Headers requestHeaders(const QUrl &url, const Headers &headers) const;

    // Stores the cookies of the Set-Cookie fields among `headers` (the response's fields, names
    // in any case; a value may hold several cookies on separate lines, as QNetworkReply joins
    // them), as received from `url`. Cookies the jar refuses (another domain, a public suffix)
    // are dropped, an expired one deletes the one it names. Emits cookiesReceived() with the
    // cookies stored under a name, domain and path that the jar did not hold before.
    void storeFromResponse(const QUrl &url, const Headers &headers);

    // Every cookie held, expired ones left out.
    QList<QNetworkCookie> cookies() const;
    // Forgets every cookie (a new connection starts empty).
    void clear();

Q_SIGNALS:
    // New cookies, as stored (domain and path filled in from `url` when the server gave none).
    void cookiesReceived(const QList<QNetworkCookie> &cookies, const QUrl &url);

private:
    // http/https for ws/wss: QNetworkCookieJar decides Secure by the https scheme.
    static QUrl cookieUrl(const QUrl &url);
};
