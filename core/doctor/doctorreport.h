// The connection doctor's report: its checks in order, each with a status, a summary in plain
// words, and the evidence (the requests sent and the answers that show it), written as text for
// people or as one JSON object for scripts (docs/cli.md documents every field). No I/O here.
#pragma once

#include "engineio/engineioerror.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

struct DoctorCheck
{
    enum class Status { Pass, Warn, Fail, Skip };

    QString id; // "reachable", "tls", "engineio", ... (docs/cli.md lists them in order)
    Status status = Status::Skip;
    QString summary;      // one finding in plain words
    QStringList evidence; // "> " a request, "< " its answer, other lines are facts seen
    QJsonObject fields;   // the check's own fields, merged into its JSON object

    static QString statusName(Status status); // "pass", "warn", "fail", "skip"
};

struct DoctorReport
{
    QString url;
    QList<DoctorCheck> checks;

    // No check failed (a warning is not a failure).
    bool ok() const;
    QJsonObject toJson() const;
    // The text report: one block per check, then a line that sums it up.
    QString toText() const;
};

// What an HTTP answer that was not the one asked for shows: the server's own engine.io refusal
// (a JSON body {"code", "message"}), an error page of something between the client and the server
// (502, 503, 504, or an HTML body that is not engine.io's), or another HTTP error.
struct AnswerFingerprint
{
    enum class Kind { EngineIoRefusal, MiddleboxPage, OtherHttpError };

    Kind kind = Kind::OtherHttpError;
    EngineIoErrorCode code = EngineIoErrorCode::None; // with EngineIoRefusal
    QString message;                                  // engine.io's message, with EngineIoRefusal

    static AnswerFingerprint classify(int status, const QByteArray &contentType,
                                      const QByteArray &body);
    // In words, e.g. `engine.io error 1 "Session ID unknown"`, `an error page of a proxy or load
    // balancer (HTTP 502, text/html)`.
    QString describe(int status, const QByteArray &contentType) const;
};
