#include "doctorwait.h"

#include <QEventLoop>
#include <QThread>
#include <QTimer>

namespace {
// How soon a cancel is seen: short next to any probe, long next to a timer tick's cost.
constexpr int InterruptionPollMs = 50;
} // namespace

bool DoctorWait::interrupted()
{
    return QThread::currentThread()->isInterruptionRequested();
}

bool DoctorWait::exec(QEventLoop &loop)
{
    if (interrupted())
        return false;
    QTimer poll;
    poll.setInterval(InterruptionPollMs);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&loop] {
        if (interrupted())
            loop.quit();
    });
    poll.start();
    loop.exec();
    return !interrupted();
}
