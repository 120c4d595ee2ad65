// Runs the connection doctor away from the caller's thread, for a front end that must keep
// drawing while the probes wait (the GUI's Session ▸ Diagnose…). ConnectionDoctor waits in local
// event loops (httpprobe.h); here it gets a thread of its own, with every object it makes living
// there, and its report comes back as a signal in the runner's thread.
#pragma once

#include "doctor/connectiondoctor.h"

#include <QObject>

#include <memory>

class QThread;

class DoctorRunner : public QObject
{
    Q_OBJECT
public:
    explicit DoctorRunner(QObject *parent = nullptr);
    // Cancels a diagnosis under way and waits for its thread to end.
    ~DoctorRunner() override;

    // Starts a diagnosis; false when one is already under way.
    bool start(const DoctorOptions &options);
    bool isRunning() const { return m_thread != nullptr; }
    // Asks the diagnosis under way to stop: every wait of the doctor ends at once, the checks
    // left are cut short, and finished() is not emitted; cancelled() is.
    void cancel();

Q_SIGNALS:
    void finished(const DoctorReport &report);
    void cancelled();

private:
    void threadEnded();

    QThread *m_thread = nullptr;
    std::shared_ptr<DoctorReport> m_report; // written by the thread, read after it ended
    bool m_cancelRequested = false;
};
