// The heartbeat check: the server's pingInterval, pingTimeout and maxPayload.
#include "connectiondoctor.h"
#include "connectiondoctor_p.h"

using namespace DoctorDetail;

DoctorCheck ConnectionDoctor::checkHeartbeat()
{
    const QString id = QStringLiteral("heartbeat");
    if (!m_engineOk)
        return skipped(id, QStringLiteral("no Engine.IO handshake succeeded"));
    DoctorCheck check;
    check.id = id;
    check.status = Status::Pass;
    check.fields.insert(QStringLiteral("pingInterval"), m_handshake.pingInterval);
    check.fields.insert(QStringLiteral("pingTimeout"), m_handshake.pingTimeout);
    check.fields.insert(QStringLiteral("maxPayload"),
                        m_handshake.maxPayload > 0 ? QJsonValue(double(m_handshake.maxPayload))
                                                   : QJsonValue());
    check.evidence.append(
        QStringLiteral("from the handshake: %1").arg(QString::fromUtf8(m_handshake.toJson())));
    check.summary =
        QStringLiteral("The server pings every %1 ms and waits %2 ms for the answer: anything "
                       "between client and server must keep an idle connection open longer "
                       "than %3 ms; %4")
            .arg(m_handshake.pingInterval)
            .arg(m_handshake.pingTimeout)
            .arg(m_handshake.pingInterval + m_handshake.pingTimeout)
            .arg(m_handshake.maxPayload > 0
                     ? QStringLiteral("maxPayload %1 bytes").arg(m_handshake.maxPayload)
                     : QStringLiteral("no maxPayload announced (Engine.IO v3 or engine.io < 6)"));
    return check;
}
