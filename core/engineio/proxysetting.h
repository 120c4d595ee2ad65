// The proxy a connection goes through: what the user chose (a URL as curl writes it, none, or
// the environment as curl reads it), and what that means for one target URL.
//
// Qt does the proxy protocols (QNetworkProxy): HTTP CONNECT for the WebSocket and for https
// polling, a plain forwarded request for http polling, SOCKS5 for both; Basic authentication from
// the URL's user info. What is here is the choice, curl's environment rules, and the words.
#pragma once

#include "engineio/engineioerror.h"

#include <QAbstractSocket>
#include <QNetworkProxy>
#include <QProcessEnvironment>
#include <QString>
#include <QUrl>

#include <optional>

struct ProxySetting
{
    enum class Mode {
        Environment, // https_proxy / http_proxy / all_proxy and no_proxy, as curl reads them
        None,        // direct, whatever the environment says (--no-proxy)
        Url,         // `url` (--proxy)
    };
    Mode mode = Mode::Environment;
    QUrl url; // http://[user:password@]host:port, socks5://... or socks5h://...

    // A proxy URL as curl takes it: "http://", "socks5://" or "socks5h://" (a URL without a
    // scheme is http, as in curl), a host, and a port (default 1080 for SOCKS, 3128 for http).
    // False with *error naming what is wrong.
    static bool parseUrl(const QString &text, QUrl *url, QString *error);
    // The URL with its password (if any) replaced by "***", for notes and messages.
    static QString redacted(const QUrl &url);

    bool operator==(const ProxySetting &other) const
    {
        return mode == other.mode && url == other.url;
    }
};

// What a setting means for one target.
struct ResolvedProxy
{
    QNetworkProxy proxy{QNetworkProxy::NoProxy}; // what the sockets are given
    QUrl url;                                    // the proxy's URL; empty: direct
    QString source; // where it came from: "--proxy", "https_proxy", "ALL_PROXY", ...
    // Why the connection is direct although a proxy was set: "no_proxy matches 127.0.0.1".
    QString bypass;
    QString error; // an unusable proxy variable, named; the connection then fails

    bool isDirect() const { return url.isEmpty(); }
    // "http://user:***@127.0.0.1:3128 (from https_proxy)", or empty when direct.
    QString description() const;
};

// curl's rules: the target's scheme picks the variable (ws and http: http_proxy; wss and https:
// https_proxy), then all_proxy; the lower-case name first, then the upper-case one. no_proxy is a
// comma-separated list of host names (a name matches itself and its subdomains, a leading dot
// allowed), IP addresses and CIDR ranges; "*" matches every host.
ResolvedProxy resolveProxy(const ProxySetting &setting, const QUrl &target,
                           const QProcessEnvironment &environment);
// The variables of this process that resolveProxy() reads, and only those: a client resolves its
// proxy on every connection, and a copy of the whole environment cost more than the rest of it.
QProcessEnvironment proxyEnvironment();
// Whether a no_proxy value sends `host` direct.
bool noProxyMatches(const QString &noProxy, const QString &host);

// A socket error met through `through` on the way to `target`, as the proxy's failure (kind
// Proxy, with its symptom) in words that name the proxy and the server; nothing when the
// connection was direct or the error is not the proxy's. `tunnelling`: the error came before the
// tunnel (or the SOCKS connection) was up, where Qt reports the proxy's refusals as socket errors.
std::optional<EngineIoError> proxySocketFailure(const ResolvedProxy &through, const QUrl &target,
                                                QAbstractSocket::SocketError error,
                                                const QString &qtMessage, bool tunnelling);
