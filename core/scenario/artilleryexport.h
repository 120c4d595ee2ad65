// `sioscope-cli scenario export-artillery`: a scenario as an Artillery script for its built-in
// socketio engine, so that the same flow runs distributed on Artillery's own runners. What the
// engine can express is translated; everything else is written as a comment where the step was,
// and listed in `notes`, never dropped silently.
//
// The engine (artillery 2, lib/core/engine_socketio.js) connects each namespace at its first
// emit with socket.io-client 4, emits `[event, ...args]`, checks an ack's arguments (`args`:
// all of them, deeply equal; `match`: JSONPath values) and captures from them, listens for one
// event right after an emit (`response`), thinks, and loops. It has no binary arguments, no
// expectation of an event not tied to the emit just before, no per-namespace auth and no
// socket.io 2 (Engine.IO v3) client.
#pragma once

#include "scenario/scenario.h"
#include "scenario/scenariovariables.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

struct ArtilleryExportOptions
{
    QString client;           // which client of the scenario; empty: the only one
    int arrivals = 10;        // virtual users in the phase (arrivalCount)
    double phaseSeconds = 10; // the phase's duration: arrivals are spread over it
};

namespace ArtilleryExport {

// False with an error for people (a client that is not there, several clients without a choice,
// a URL that is not one once substituted).
bool write(const Scenario &scenario, const ScenarioVariables &variables,
           const ArtilleryExportOptions &options, QByteArray *yaml, QStringList *notes,
           QString *error);

} // namespace ArtilleryExport
