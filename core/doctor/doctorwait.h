// Every wait of the connection doctor goes through here: a local event loop that ends when the
// probe quits it, at its time limit, or as soon as the thread running the doctor is asked to stop
// (QThread::requestInterruption(), which DoctorRunner::cancel() uses). A wait cut short that way
// looks like a timeout to the probe; the doctor then skips the checks that are left.
#pragma once

class QEventLoop;

namespace DoctorWait {
// Runs `loop` until it quits or the interruption is asked for (checked every few milliseconds).
// The caller bounds the wait with its own timer. False when interrupted.
bool exec(QEventLoop &loop);
// Whether the thread running the doctor was asked to stop.
bool interrupted();
} // namespace DoctorWait
