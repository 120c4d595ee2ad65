#include "engineio/proxysetting.h"

#include <QHostAddress>

namespace {

QNetworkProxy networkProxy(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    const bool socks = scheme.startsWith(QLatin1String("socks"));
    QNetworkProxy proxy(socks ? QNetworkProxy::Socks5Proxy : QNetworkProxy::HttpProxy, url.host(),
                        quint16(url.port(socks ? 1080 : 3128)), url.userName(QUrl::FullyDecoded),
                        url.password(QUrl::FullyDecoded));
    if (scheme == QLatin1String("socks5")) {
        // socks5:// resolves the target's name here and gives the proxy an address (curl's
        // meaning); socks5h:// lets the proxy resolve it.
        proxy.setCapabilities(proxy.capabilities() & ~QNetworkProxy::HostNameLookupCapability);
    }
    return proxy;
}

} // namespace

bool ProxySetting::parseUrl(const QString &text, QUrl *url, QString *error)
{
    QString written = text.trimmed();
    if (written.isEmpty()) {
        *error = QStringLiteral("the proxy URL is empty");
        return false;
    }
    if (!written.contains(QLatin1String("://")))
        written.prepend(QLatin1String("http://")); // as curl reads "host:port"
    const QUrl parsed(written, QUrl::StrictMode);
    if (!parsed.isValid()) {
        *error = QStringLiteral("the proxy URL \"%1\" is not a URL: %2")
                     .arg(redacted(QUrl(written)), parsed.errorString());
        return false;
    }
    const QString scheme = parsed.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("socks5") &&
        scheme != QLatin1String("socks5h")) {
        *error = QStringLiteral("the proxy URL \"%1\" has the scheme \"%2\"; use http://, "
                                "socks5:// or socks5h:// (an https:// proxy is not supported)")
                     .arg(redacted(parsed), parsed.scheme());
        return false;
    }
    if (parsed.host().isEmpty()) {
        *error = QStringLiteral("the proxy URL \"%1\" has no host").arg(redacted(parsed));
        return false;
    }
    if (!parsed.path().isEmpty() && parsed.path() != QLatin1String("/")) {
        *error = QStringLiteral("the proxy URL \"%1\" has a path; a proxy is a host and a port")
                     .arg(redacted(parsed));
        return false;
    }
    *url = parsed;
    url->setPath(QString());
    return true;
}

QString ProxySetting::redacted(const QUrl &url)
{
    QUrl shown = url;
    if (!shown.password().isEmpty())
        shown.setPassword(QStringLiteral("***"));
    return shown.toString();
}

QString ResolvedProxy::description() const
{
    if (isDirect())
        return QString();
    return QStringLiteral("%1 (from %2)").arg(ProxySetting::redacted(url), source);
}

bool noProxyMatches(const QString &noProxy, const QString &host)
{
    const QString target = host.toLower();
    const QHostAddress address(target);
    const auto entries = noProxy.split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (QString entry : entries) {
        entry = entry.trimmed().toLower();
        if (entry.isEmpty())
            continue;
        if (entry == QLatin1String("*"))
            return true;
        if (entry.startsWith(QLatin1Char('[')) && entry.endsWith(QLatin1Char(']')))
            entry = entry.mid(1, entry.size() - 2);
        if (!address.isNull()) {
            if (entry.contains(QLatin1Char('/'))) {
                const auto subnet = QHostAddress::parseSubnet(entry);
                if (!subnet.first.isNull() && address.isInSubnet(subnet))
                    return true;
                continue;
            }
            const QHostAddress listed(entry);
            if (!listed.isNull() && listed.isEqual(address))
                return true;
            continue;
        }
        if (entry.startsWith(QLatin1Char('.')))
            entry.remove(0, 1);
        if (target == entry || target.endsWith(QLatin1Char('.') + entry))
            return true;
    }
    return false;
}

QProcessEnvironment proxyEnvironment()
{
    QProcessEnvironment environment;
    for (const char *name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                             "ALL_PROXY", "no_proxy", "NO_PROXY"})
        if (qEnvironmentVariableIsSet(name))
            environment.insert(QString::fromLatin1(name), qEnvironmentVariable(name));
    return environment;
}

ResolvedProxy resolveProxy(const ProxySetting &setting, const QUrl &target,
                           const QProcessEnvironment &environment)
{
    ResolvedProxy resolved;
    switch (setting.mode) {
    case ProxySetting::Mode::None:
        return resolved;
    case ProxySetting::Mode::Url: {
        resolved.source = QStringLiteral("the connection options");
        QString error;
        if (!ProxySetting::parseUrl(setting.url.toString(), &resolved.url, &error)) {
            resolved.error = error;
            resolved.url = QUrl();
            return resolved;
        }
        resolved.proxy = networkProxy(resolved.url);
        return resolved;
    }
    case ProxySetting::Mode::Environment:
        if (environment.isEmpty()) // no proxy variable: direct, without a lookup per name
            return resolved;
        break;
    }
    const QString scheme = target.scheme().toLower();
    const bool secure = scheme == QLatin1String("https") || scheme == QLatin1String("wss");
    const QString variable = secure ? QStringLiteral("https_proxy") : QStringLiteral("http_proxy");
    QString value;
    for (const QString &name :
         {variable, variable.toUpper(), QStringLiteral("all_proxy"), QStringLiteral("ALL_PROXY")}) {
        value = environment.value(name);
        if (!value.trimmed().isEmpty()) {
            resolved.source = name;
            break;
        }
    }
    if (resolved.source.isEmpty())
        return resolved;
    for (const QString &name : {QStringLiteral("no_proxy"), QStringLiteral("NO_PROXY")}) {
        const QString noProxy = environment.value(name);
        if (noProxyMatches(noProxy, target.host())) {
            resolved.bypass = QStringLiteral("%1 matches %2").arg(name, target.host());
            resolved.source.clear();
            return resolved;
        }
        if (!noProxy.isEmpty())
            break; // curl reads the lower-case one when it is set
    }
    QString error;
    if (!ProxySetting::parseUrl(value, &resolved.url, &error)) {
        resolved.error =
            QStringLiteral("the environment variable %1: %2").arg(resolved.source, error);
        resolved.url = QUrl();
        return resolved;
    }
    resolved.proxy = networkProxy(resolved.url);
    return resolved;
}

std::optional<EngineIoError> proxySocketFailure(const ResolvedProxy &through, const QUrl &target,
                                                QAbstractSocket::SocketError error,
                                                const QString &qtMessage, bool tunnelling)
{
    if (through.isDirect())
        return std::nullopt;
    const QString name = through.description();
    const QString server = QStringLiteral("%1:%2")
                               .arg(target.host())
                               .arg(target.port(target.scheme() == QLatin1String("wss") ||
                                                        target.scheme() == QLatin1String("https")
                                                    ? 443
                                                    : 80));
    EngineIoError failure(EngineIoError::Kind::Proxy, QString());
    switch (error) {
    case QAbstractSocket::ProxyConnectionRefusedError:
    case QAbstractSocket::ProxyNotFoundError:
    case QAbstractSocket::ProxyConnectionTimeoutError:
        failure.symptom = EngineIoError::Symptom::ProxyUnreachable;
        failure.message = QStringLiteral("the proxy %1 is unreachable: %2").arg(name, qtMessage);
        return failure;
    case QAbstractSocket::ProxyAuthenticationRequiredError:
        failure.symptom = EngineIoError::Symptom::ProxyAuthenticationRequired;
        failure.message =
            through.url.userName().isEmpty()
                ? QStringLiteral("the proxy %1 requires credentials (407 Proxy Authentication "
                                 "Required): give them in its URL, "
                                 "http://user:password@host:port")
                      .arg(name)
                : QStringLiteral("the proxy %1 refused the credentials (407 Proxy "
                                 "Authentication Required): check the user and the password")
                      .arg(name);
        return failure;
    case QAbstractSocket::ProxyProtocolError: {
        const bool http = through.proxy.type() == QNetworkProxy::HttpProxy;
        failure.symptom = EngineIoError::Symptom::ProxyProtocol;
        failure.message =
            QStringLiteral("the proxy %1 did not answer as a %2 proxy: %3")
                .arg(name, http ? QStringLiteral("HTTP") : QStringLiteral("SOCKS5"), qtMessage);
        // Qt reads an answer to CONNECT other than 200 or 407 as this error.
        if (http && !through.url.userName().isEmpty())
            failure.message += QStringLiteral(" (some proxies, tinyproxy for one, refuse wrong "
                                              "credentials with 401 instead of 407: check the "
                                              "user and the password)");
        return failure;
    }
    case QAbstractSocket::ProxyConnectionClosedError:
    case QAbstractSocket::SocketAccessError:
    case QAbstractSocket::ConnectionRefusedError:
    case QAbstractSocket::HostNotFoundError:
    case QAbstractSocket::SocketTimeoutError:
        // Before the tunnel is up these are the proxy's answer about the server (Qt maps a
        // CONNECT refused with 403 to an access error, a SOCKS "connection refused" reply to a
        // refused connection).
        if (!tunnelling)
            return std::nullopt;
        failure.symptom = EngineIoError::Symptom::ProxyRefusedTunnel;
        failure.message = QStringLiteral("the proxy %1 did not connect to the server %2: %3")
                              .arg(name, server, qtMessage);
        return failure;
    default:
        return std::nullopt;
    }
}
