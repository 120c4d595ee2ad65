// One `sioscope-cli doctor <url> <options> --json` run to its end, for the peer tests: the exit
// status, the report as JSON and accessors for its checks, and whether every check is well formed.
#pragma once

#include <QJsonObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QUrl>

// The checks' ids, in the report's order.
extern const QStringList DoctorCheckIds;

struct DoctorRun
{
    int exitCode = -1;  // -1: crashed, killed, or did not finish in time
    QJsonObject report; // with --json; empty otherwise
    QByteArray out;     // stdout: the JSON line, or the text report
    QString describe;   // the command, stdout and stderr, for failure messages

    QJsonObject check(const QString &id) const;
    QString status(const QString &id) const;
    // The ids of the report's checks, in order.
    QStringList ids() const;
    // The fields of check `id` that differ from `expected`, one "id.field: got, expected" line
    // each; empty when every one is as expected.
    QString differences(const QString &id, const QJsonObject &expected) const;
    // differences() from what a working reference server (ReferenceServer's defaults) with no
    // middlebox problem gets: transports all work, 6 handshakes and 18 follow-ups all pinned, no
    // cookie, a proxy check that found nothing, "/" connected, pings every 300 ms, 200 ms to
    // answer.
    QString differencesFromWorkingServer() const;
    // Every check has a known status, a summary and its evidence; a check that ran shows some.
    bool wellFormed() const;
};

// `sioscope-cli doctor <url> [--json] <extra>`, in `environment` (default: this process's
// without any proxy variable, so that a proxy of the machine never stands in between).
// `--watch 0` is added unless `extra` sets the watch.
DoctorRun runDoctor(const QUrl &url, const QStringList &extra = {},
                    const QProcessEnvironment &environment = QProcessEnvironment(),
                    bool json = true);
