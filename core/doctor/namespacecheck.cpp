// The namespaces check: a real Socket.IO connection that joins each namespace asked for.
#include "connectiondoctor.h"
#include "connectiondoctor_p.h"

#include "socketio/socketioclient.h"
#include "socketio/socketionamespace.h"

#include "doctor/doctorwait.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

using namespace DoctorDetail;

DoctorCheck ConnectionDoctor::checkNamespaces()
{
    const QString id = QStringLiteral("namespaces");
    if (!m_engineOk || (!m_pollingWorks && !m_webSocketWorks))
        return skipped(id, QStringLiteral("no transport works"));
    DoctorCheck check;
    check.id = id;
    // Polling when it works: the fewest things between client and server have to go right.
    const SocketIoOptions options =
        sessionOptions(m_pollingWorks ? EngineIoOptions::Transports::PollingOnly
                                      : EngineIoOptions::Transports::WebSocketOnly);
    if (m_tlsErrors) {
        check.evidence.append(QStringLiteral("the certificate errors of the tls check are "
                                             "ignored for this check"));
    }
    SocketIoClient client;
    client.setOptions(options);
    QEventLoop loop;
    QTimer::singleShot(m_options.engine.connectTimeoutMs, &loop, &QEventLoop::quit);
    struct Outcome
    {
        QString name;
        QString status = QStringLiteral("timeout"); // connected, refused, timeout, closed
        QString message;
        QJsonValue data;
    };
    QList<Outcome> outcomes;
    int pending = int(m_options.namespaces.size());
    auto settle = [&](int index, const QString &status, const QString &message,
                      const QJsonValue &data) {
        if (outcomes[index].status != QLatin1String("timeout"))
            return;
        outcomes[index].status = status;
        outcomes[index].message = message;
        outcomes[index].data = data;
        if (--pending == 0)
            loop.quit();
    };
    for (const auto &[name, auth] : std::as_const(m_options.namespaces)) {
        const int index = int(outcomes.size());
        Outcome outcome;
        outcome.name = name;
        outcomes.append(outcome);
        SocketIoNamespace *ns = client.joinNamespace(name, auth);
        QObject::connect(ns, &SocketIoNamespace::connected, &loop,
                         [&settle, index] { settle(index, QStringLiteral("connected"), {}, {}); });
        QObject::connect(ns, &SocketIoNamespace::refused, &loop,
                         [&settle, index](const QString &message, const QJsonValue &data) {
                             settle(index, QStringLiteral("refused"), message, data);
                         });
    }
    QString closeReason;
    QObject::connect(client.engine(), &EngineIoClient::closed, &loop, [&](const QString &reason) {
        closeReason = reason;
        loop.quit();
    });
    client.connectToServer();
    if (pending > 0)
        DoctorWait::exec(loop);
    client.disconnectFromServer();

    QJsonArray array;
    QStringList refused;
    QStringList unanswered;
    for (qsizetype i = 0; i < outcomes.size(); ++i)
        if (m_connectedNamespace < 0 && outcomes.at(i).status == QLatin1String("connected"))
            m_connectedNamespace = int(i);
    for (const Outcome &outcome : std::as_const(outcomes)) {
        QJsonObject object{{QStringLiteral("name"), outcome.name},
                           {QStringLiteral("status"), outcome.status}};
        check.evidence.append(QStringLiteral("> CONNECT %1").arg(outcome.name));
        if (outcome.status == QLatin1String("connected")) {
            check.evidence.append(QStringLiteral("< CONNECT: connected"));
        } else if (outcome.status == QLatin1String("refused")) {
            object.insert(QStringLiteral("message"), outcome.message);
            if (!outcome.data.isUndefined() && !outcome.data.isNull())
                object.insert(QStringLiteral("data"), outcome.data);
            const QString data =
                outcome.data.isObject()
                    ? QString::fromUtf8(
                          QJsonDocument(outcome.data.toObject()).toJson(QJsonDocument::Compact))
                    : QString();
            check.evidence.append(
                QStringLiteral("< CONNECT_ERROR \"%1\"%2")
                    .arg(outcome.message, data.isEmpty() ? QString() : QLatin1Char(' ') + data));
            refused.append(QStringLiteral("%1 (\"%2\")").arg(outcome.name, outcome.message));
        } else {
            const QString why = closeReason.isEmpty()
                                    ? QStringLiteral("no answer within %1 ms")
                                          .arg(m_options.engine.connectTimeoutMs)
                                    : QStringLiteral("the connection closed: %1").arg(closeReason);
            object.insert(QStringLiteral("message"), why);
            check.evidence.append(QStringLiteral("< %1").arg(why));
            unanswered.append(QStringLiteral("%1 (%2)").arg(outcome.name, why));
        }
        array.append(object);
    }
    check.fields.insert(QStringLiteral("namespaces"), array);
    if (refused.isEmpty() && unanswered.isEmpty()) {
        check.status = Status::Pass;
        QStringList names;
        for (const Outcome &outcome : std::as_const(outcomes))
            names.append(outcome.name);
        check.summary = QStringLiteral("Connected to %1").arg(names.join(QStringLiteral(", ")));
        return check;
    }
    check.status = Status::Fail;
    QStringList parts;
    if (!refused.isEmpty())
        parts.append(QStringLiteral("The server refused %1; the message says why (often: "
                                    "authentication needed, give it with --auth)")
                         .arg(refused.join(QStringLiteral(", "))));
    if (!unanswered.isEmpty())
        parts.append(QStringLiteral("No answer for %1").arg(unanswered.join(QStringLiteral(", "))));
    check.summary = parts.join(QStringLiteral(". "));
    return check;
}
