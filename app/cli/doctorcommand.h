// `sioscope-cli doctor <url>`: runs the connection doctor (core/doctor) and prints its report, as
// text or as one JSON object. Unlike record and serve it is not a long-running CliCommand: the
// checks run one after the other and the command ends with them.
#pragma once

#include <QStringList>

class DoctorCommand
{
public:
    enum ExitCode { Ok = 0, Failure = 1, UsageError = 2 };
    // The arguments after "doctor"; returns the exit status: 0 when no check failed, 1 when one
    // did, 2 for a usage error.
    static int run(const QStringList &arguments);
};
