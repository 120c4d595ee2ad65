#include "proxy/proxyoptions.h"

QUrl ProxyOptions::normalizedTarget(const QUrl &url)
{
    QUrl result = url;
    if (url.scheme() == QLatin1String("ws"))
        result.setScheme(QStringLiteral("http"));
    else if (url.scheme() == QLatin1String("wss"))
        result.setScheme(QStringLiteral("https"));
    return result;
}

QByteArray ProxyOptions::targetAuthority() const
{
    QString host = target.host(QUrl::FullyEncoded);
    if (host.contains(QLatin1Char(':')))
        host = QStringLiteral("[%1]").arg(host); // an IPv6 address
    const int defaultPort = targetIsTls() ? 443 : 80;
    if (target.port(defaultPort) != defaultPort)
        host += QStringLiteral(":%1").arg(target.port());
    return host.toLatin1();
}
