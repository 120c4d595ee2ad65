// One line in plain words on what most likely made a connection fail, from the error's fields
// (never its message): the engine.io error codes, the HTTP status, an HTML page where engine.io
// answers JSON, a WebSocket upgrade refused as a bad request. The connection doctor looks for
// the same fingerprints with probes of its own; this is what `record` and the GUI can say from
// the one failure they saw.
#pragma once

#include "engineio/engineioerror.h"

#include <QString>

// Empty when the error's own message says all that is known (TLS, proxies, timeouts name
// their cause already).
QString likelyCause(const EngineIoError &error);
