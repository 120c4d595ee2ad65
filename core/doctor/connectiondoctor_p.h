// What the connection doctor's checks share: a skipped finding, and how an HTTP exchange reads as
// evidence and as a fingerprint. The checks live in one file per group (reachabilitychecks.cpp,
// engineiochecks.cpp, balancerchecks.cpp, namespacecheck.cpp, heartbeatcheck.cpp); the order
// they run in and the probe plumbing are in connectiondoctor.cpp.
#pragma once

#include "doctor/doctorreport.h"
#include "doctor/httpprobe.h"
#include "engineio/engineioerror.h"

#include <QString>

namespace DoctorDetail {

using Status = DoctorCheck::Status;

// A check that could not run, and why.
DoctorCheck skipped(const QString &id, const QString &why);
// The request and its answer, as two evidence lines.
void addExchange(DoctorCheck *check, const HttpProbeResult &result);
AnswerFingerprint fingerprintOf(const HttpProbeResult &result);
// An engine.io refusal (a JSON body) with this code.
bool isRefusal(const HttpProbeResult &result, EngineIoErrorCode code);

} // namespace DoctorDetail
