// What a recorded client session becomes when it is played again (`record --send
// <session.jsonl|.har>`, Session ▸ Replay…): the packets we sent, with the time each waited
// after the one before it on its namespace, the namespaces we joined with their auth, and the
// replies we gave to the server's ack requests, to give again.
#pragma once

#include "session/sendscript.h"

#include <QByteArrayView>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

class SessionLog;

// Our reply to one ack request of the server, as recorded.
struct RecordedReply
{
    QJsonArray data; // with placeholders for binary arguments
    QList<QByteArray> attachments;
};

// The replies of a recorded session, by namespace, event and occurrence: the second time the
// server asks for an ack with "ask" on "/" gets what we answered the second time. An ack
// request we did not answer is kept as "no reply", so that the ones after it keep their place.
class RecordedReplies
{
public:
    void append(const QString &nsp, const QString &event, std::optional<RecordedReply> reply);
    bool isEmpty() const { return m_replies.isEmpty(); }
    int count() const;
    // The reply to the `occurrence`-th (0-based) request of that event on that namespace: past
    // the recorded ones, the last recorded reply; nullopt when there is none to give.
    std::optional<RecordedReply> replyTo(const QString &nsp, const QString &event,
                                         int occurrence) const;

private:
    QHash<QString, QList<std::optional<RecordedReply>>> m_replies; // nsp + '\n' + event
};

struct ReplayPlan
{
    QList<ScriptStep> steps; // our EVENTs and mid-session DISCONNECTs, delays in milliseconds
    QList<QPair<QString, QJsonObject>> namespaces; // joined, with the auth we sent
    RecordedReplies replies;
    qint64 lengthMs = 0;  // from the first record to the last
    QStringList warnings; // what the replay cannot give as recorded, for people
};

namespace SessionReplay {

// A recorded session rather than a send script: a HAR file, or JSON Lines whose first record
// has the log's "layer" field (a send script line has none).
bool isSessionLog(QByteArrayView text);

// The plan for `log`, a client's session log. False, with an error for people, for a server's
// log (many clients in one) or a log with nothing we sent.
bool plan(const SessionLog &log, ReplayPlan *plan, QString *error);

} // namespace SessionReplay
