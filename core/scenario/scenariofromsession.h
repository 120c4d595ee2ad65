// A scenario written from a recorded client session (`sioscope-cli scenario from`, File ▸ Save
// as Test…): our emits become emits, what the server sent becomes expectations, and acks become
// ack expectations (ours) or replies (the server's requests). Values that change from run to run
// (session ids, UUIDs, ObjectIds, timestamps) are matched by their kind rather than their value,
// and a value the server sent that we sent back later is captured into a variable. Each such
// choice is written as a comment above its step.
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QString>

class SessionLog;

struct ScenarioFromSessionOptions
{
    QString name;   // the scenario's name; empty: "recorded session"
    QString source; // the log's file name, for the header comment
    // Only these rows (the GUI's selection), with the connection they belong to: its URL and
    // options, and the namespaces joined before them. Empty: the whole session.
    QList<qint64> rows;
};

class ScenarioFromSession
{
public:
    // The scenario as YAML. False with the reason when the log cannot make one (a server's log,
    // no Socket.IO packet).
    static bool write(const SessionLog &log, const ScenarioFromSessionOptions &options,
                      QByteArray *yaml, QString *error);

    // Why a value is taken as changing from run to run ("a session id", "a UUID", "a
    // timestamp"), or empty when it is not.
    static QString volatileKind(const QJsonValue &value);
};
