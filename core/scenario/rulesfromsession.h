// Mock rules written from a recorded client session (`sioscope-cli rules from`): a rules file
// for `serve --rules` (docs/server.md, "Mock rules") that stands in for the server of the
// recording. What the server sent on a namespace after our event X, and before our next event
// there, becomes X's actions (emits, its ack, a DISCONNECT), each with its delay; what it sent
// after the namespace's CONNECT and before our first event there runs on connect; an event the
// server sent at a steady interval regardless of ours becomes a periodic emit. What the rules
// cannot say (the server's ack requests, later sendings of an event answered differently) is
// written down as comments. This layer does not see the server's parser: the text is written in
// the format and loaded by MockRules in the tests.
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QString>

class SessionLog;

struct RulesFromSessionOptions
{
    QString source; // the log's file name, for the header comment
    // The folder, relative to the rules file, where binary arguments are written and from which
    // the rules refer to them ({"$binary": "<folder>/1.bin"}). Empty: a session with binary
    // arguments cannot be written (rules on stdout have no folder).
    QString binaryFolder;
};

// A binary argument to write next to the rules file: `path` is relative to the rules file's
// folder, as the rules refer to it.
struct RulesAttachment
{
    QString path;
    QByteArray bytes;
};

class RulesFromSession
{
public:
    // The rules as JSON text, and the binary files they refer to. False with the reason when the
    // log cannot make rules (a server's log, no Socket.IO packet, binaries without a folder).
    static bool write(const SessionLog &log, const RulesFromSessionOptions &options,
                      QByteArray *json, QList<RulesAttachment> *attachments, QString *error);

    // The value with each value that changes from run to run (ScenarioFromSession::volatileKind)
    // replaced by "<its kind>": two answers that differ only there are the same answer.
    static QJsonValue maskVolatile(const QJsonValue &value);

    // Two server events of one name are taken as periodic when there are at least this many, and
    // every interval is within this share of their median.
    static constexpr int MinPeriodicCount = 3;
    static constexpr double PeriodicTolerance = 0.25;
};
