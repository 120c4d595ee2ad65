#include "logimportjob.h"

#include "jsonlines.h"
#include "logexport.h"
#include "sessionlog.h"

#include <QElapsedTimer>

LogImportJob::LogImportJob(SessionLog *log, QObject *parent)
    : QObject(parent)
    , m_log(log)
{
    m_nextSlice.setSingleShot(true);
    m_nextSlice.setInterval(0);
    connect(&m_nextSlice, &QTimer::timeout, this, &LogImportJob::readSlice);
}

LogImportJob::~LogImportJob() = default;

bool LogImportJob::start(const QString &fileName, QString *error)
{
    m_file.setFileName(fileName);
    if (!m_file.open(QIODevice::ReadOnly)) {
        *error = tr("Cannot open %1: %2").arg(fileName, m_file.errorString());
        return false;
    }
    m_totalBytes = m_file.size();
    m_reader = std::make_unique<JsonLinesReader>(&m_file);
    m_running = true;
    m_nextSlice.start();
    return true;
}

qint64 LogImportJob::bytesRead() const
{
    return m_file.isOpen() ? m_file.pos() : m_bytesAtEnd;
}

void LogImportJob::cancel()
{
    if (m_running)
        finish(Outcome::Cancelled);
}

void LogImportJob::readSlice()
{
    if (!m_running)
        return;
    const int sliceMs = m_firstSlice ? FirstSliceMs : SliceMs;
    if (m_firstSlice) {
        m_firstSlice = false;
        if (LogImporter::isHar(&m_file)) {
            const qint64 before = m_log->size();
            const bool ok = LogImporter::readHar(m_file.readAll(), m_log, &m_error);
            m_recordsRead = m_log->size() - before;
            Q_EMIT progressed(m_totalBytes, m_totalBytes);
            finish(ok ? Outcome::Completed : Outcome::Failed);
            return;
        }
    }
    QElapsedTimer clock;
    clock.start();
    PacketRecord record;
    bool more = true;
    // The clock is read every 64 records: reading it costs more than a short record.
    while (more) {
        for (int i = 0; i < 64; ++i) {
            if (!m_reader->next(&record)) {
                more = false;
                break;
            }
            m_log->append(record);
            ++m_recordsRead;
        }
        if (more && clock.elapsed() >= sliceMs)
            break;
    }
    Q_EMIT progressed(bytesRead(), m_totalBytes);
    if (more) {
        m_nextSlice.start();
        return;
    }
    if (m_reader->hasError()) {
        m_error = m_reader->errorString();
        finish(Outcome::Failed);
    } else {
        finish(Outcome::Completed);
    }
}

void LogImportJob::finish(Outcome outcome)
{
    m_running = false;
    m_nextSlice.stop();
    m_bytesAtEnd = bytesRead();
    m_reader.reset();
    m_file.close();
    Q_EMIT finished(outcome);
}
