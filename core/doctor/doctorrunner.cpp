#include "doctorrunner.h"

#include <QThread>

DoctorRunner::DoctorRunner(QObject *parent)
    : QObject(parent)
{
}

DoctorRunner::~DoctorRunner()
{
    if (!m_thread)
        return;
    // The doctor's waits end on the interruption; what is left is bounded by one event loop
    // turn per remaining probe.
    m_thread->disconnect(this);
    m_thread->requestInterruption();
    m_thread->wait();
    delete m_thread;
}

bool DoctorRunner::start(const DoctorOptions &options)
{
    if (m_thread)
        return false;
    m_cancelRequested = false;
    auto report = std::make_shared<DoctorReport>();
    m_report = report;
    // The thread's own event loop is not used: ConnectionDoctor nests its loops per probe.
    m_thread = QThread::create([options, report] {
        ConnectionDoctor doctor(options);
        *report = doctor.run();
    });
    m_thread->setObjectName(QStringLiteral("sioscope-doctor"));
    connect(m_thread, &QThread::finished, this, &DoctorRunner::threadEnded);
    m_thread->start();
    return true;
}

void DoctorRunner::cancel()
{
    if (!m_thread)
        return;
    m_cancelRequested = true;
    m_thread->requestInterruption();
}

void DoctorRunner::threadEnded()
{
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    const std::shared_ptr<DoctorReport> report = std::move(m_report);
    if (m_cancelRequested)
        Q_EMIT cancelled();
    else
        Q_EMIT finished(*report);
}
