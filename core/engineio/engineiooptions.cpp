#include "engineio/engineiooptions.h"

#include <QtGlobal>

#include <algorithm>
#include <cmath>

int ReconnectPolicy::delayForAttempt(int attempt, double random01) const
{
    // socket.io-client's Backoff: min * 2^(attempt-1), spread by +-randomization, capped at max.
    double delay = double(delayMs) * std::pow(2.0, std::max(0, attempt - 1));
    if (randomization > 0) {
        const double deviation = random01 * randomization * delay;
        delay = (int(std::floor(random01 * 10)) & 1) ? delay + deviation : delay - deviation;
    }
    return int(std::clamp(delay, 0.0, double(std::max(delayMs, delayMaxMs))));
}

QList<QPair<QByteArray, QByteArray>> EngineIoOptions::userHeaders() const
{
    if (origin.isEmpty())
        return headers;
    QList<QPair<QByteArray, QByteArray>> merged;
    for (const auto &header : headers)
        if (header.first.compare("origin", Qt::CaseInsensitive) != 0)
            merged.append(header);
    merged.append({QByteArrayLiteral("Origin"), origin});
    return merged;
}

bool EngineIoOptions::parseServerUrl(const QString &text, QUrl *url, QString *error)
{
    *url = QUrl(text, QUrl::StrictMode);
    const QString scheme = url->scheme().toLower();
    if (url->isValid() && !url->host().isEmpty() &&
        QStringList{QStringLiteral("http"), QStringLiteral("https"), QStringLiteral("ws"),
                    QStringLiteral("wss")}
            .contains(scheme))
        return true;
    *error = QStringLiteral("the URL must be an http, https, ws or wss URL with a host, e.g. "
                            "http://localhost:3000");
    return false;
}
