// Two recorded client sessions compared at the Socket.IO layer (`sioscope-cli diff a.jsonl
// b.jsonl`): the log of a replayed run against the original. Packets are matched per direction,
// namespace and event: the i-th event X one side sent in A against the i-th X that side sent in
// B, an ack through the event that asked for it, a namespace's i-th answer to CONNECT
// (accepted, or refused with a message), the server's i-th DISCONNECT. The order between
// different events is not compared (it depends on timing), nor is anything of Engine.IO (sids,
// pings, transports, upgrades). Values that change from run to run (ScenarioFromSession's
// volatileKind) are equal when both sides hold one of the same kind, unless `strict`.
#pragma once

#include "scenario/jsonpath.h"
#include "socketio/packetrecord.h"

#include <QJsonObject>
#include <QList>
#include <QString>

class SessionLog;

struct SessionDiffOptions
{
    // Compare volatile values by value too.
    bool strict = false;
    // Values left out of the comparison: rooted at `args` (every event's arguments, the name
    // not included) or `ack` (every ack's payload), e.g. `args[0].time`, `ack[1]`.
    QList<JsonPath> ignorePaths;
};

struct SessionDifference
{
    enum class Kind {
        MissingInB,        // A has the occurrence, B does not
        ExtraInB,          // B has it, A does not
        ArgumentsDiffer,   // an event's arguments (path, a, b: the first difference)
        AckRequestDiffers, // the event asks for an ack on one side only
        AckDiffers,        // both answered, differently (path, a, b)
        AckMissingInB,     // A's event was answered, B's was not
        AckExtraInB,       // B's event was answered, A's was not
        ConnectDiffers     // a namespace accepted on one side and refused on the other, or
                           // refused with another message (a, b: "accepted" or the message)
    };
    Kind kind = Kind::MissingInB;
    QString nsp;
    // Who sent the packet: Out, we (the client); In, the server.
    PacketRecord::Direction direction = PacketRecord::Direction::In;
    QString packet;     // "EVENT", "CONNECT", "DISCONNECT"
    QString event;      // the event's name (EVENT only)
    int occurrence = 0; // 1-based, among the same packet (and event) of that side and namespace
    QString path;       // where the first difference is: "args[1].a", "ack"
    QString a;          // what A has there (shortened JSON or words)
    QString b;          // what B has there
    // The values at `path` (shortened JSON, "nothing"), when a and b do not show them: "2
    // items" and "3" say how two arrays differ, not what they hold. Empty otherwise.
    QString valueA;
    QString valueB;
    qint64 rowA = -1; // the packets' rows in each log, -1 where absent
    qint64 rowB = -1;

    // `/chat: server sent "news" #2: arguments differ: args[0].n: expected 1, got 2` (A is
    // what was expected, B what came), then ` (A: [1], B: [1,2])` when valueA is set.
    QString toString() const;
    QJsonObject toJson() const;
    static QString kindName(Kind kind); // "missing", "extra", "arguments", ...
};

struct SessionDiffResult
{
    QList<SessionDifference> differences;
    int matched = 0; // Socket.IO packets found equal on both sides (an event and its ack: two)
};

class SessionDiff
{
public:
    // False with the reason when a log cannot be compared (a server's log, with many clients).
    static bool compare(const SessionLog &a, const SessionLog &b, const SessionDiffOptions &options,
                        SessionDiffResult *result, QString *error);
};
