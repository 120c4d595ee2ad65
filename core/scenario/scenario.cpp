#include "scenario/scenario.h"

QString ScenarioStep::label() const
{
    const QString where = nsp.isEmpty() || nsp == QLatin1String("/")
                              ? client
                              : QStringLiteral("%1, %2").arg(client, nsp);
    switch (kind) {
    case Kind::Emit:
        return QStringLiteral("emit %1 (%2)%3")
            .arg(event, where, ackExpected ? QStringLiteral(" with ack") : QString());
    case Kind::Expect:
        return QStringLiteral("expect %1 (%2)%3")
            .arg(event, where, replyGiven ? QStringLiteral(", reply") : QString());
    case Kind::ExpectNone:
        return QStringLiteral("not %1 within %2 ms (%3)").arg(event).arg(withinMs).arg(where);
    case Kind::ConnectError:
        return QStringLiteral("expect connect_error (%1)").arg(where);
    case Kind::Disconnect:
        return QStringLiteral("expect disconnect (%1)").arg(where);
    case Kind::Close:
        return QStringLiteral("expect close (%1)").arg(client);
    case Kind::Wait:
        return QStringLiteral("wait %1 ms").arg(withinMs);
    case Kind::Repeat:
        return hasUntil ? QStringLiteral("repeat until %1 (at most %2 times)")
                              .arg(until.first().event)
                              .arg(count)
                        : QStringLiteral("repeat %1 times").arg(count);
    case Kind::AnyOrder:
        return QStringLiteral("any_order of %1 expectations").arg(steps.size());
    case Kind::Join:
        return nsp.isEmpty() ? QStringLiteral("connect %1").arg(client)
                             : QStringLiteral("join %1 (%2)").arg(nsp, client);
    case Kind::Leave:
        return nsp.isEmpty() ? QStringLiteral("disconnect %1").arg(client)
                             : QStringLiteral("leave %1 (%2)").arg(nsp, client);
    }
    return {};
}

const ScenarioClient *Scenario::findClient(const QString &name) const
{
    for (const ScenarioClient &client : clients)
        if (client.name == name)
            return &client;
    return nullptr;
}
