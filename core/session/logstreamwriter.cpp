#include "session/logstreamwriter.h"

#include "session/jsonlines.h"
#include "session/redaction.h"

#include <QFileDevice>

namespace {
// A flood must not grow the buffer without bound between two ticks.
constexpr qsizetype FlushThresholdBytes = 1 << 20;
} // namespace

LogStreamWriter::LogStreamWriter(QObject *parent)
    : QObject(parent)
{
    m_flushTimer.setInterval(DefaultFlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &LogStreamWriter::flush);
}

LogStreamWriter::~LogStreamWriter()
{
    flush();
}

void LogStreamWriter::setDevice(QIODevice *device)
{
    flush();
    m_device = device;
    m_error.clear();
    if (m_device)
        m_flushTimer.start();
    else
        m_flushTimer.stop();
}

void LogStreamWriter::setFormat(LogFormat format)
{
    Q_ASSERT(format != LogFormat::Har);
    m_format = format;
}

void LogStreamWriter::append(const PacketRecord &record)
{
    if (!m_device || !m_error.isEmpty())
        return;
    // Redaction copies the record, so it runs only where a secret can be. (A conditional
    // expression here would copy the record every time.)
    if (!m_includeSecrets)
        m_redaction.learn(record);
    if (!m_includeSecrets && (m_redaction.knowsSecrets() || Redaction::mayCarrySecrets(record)))
        appendLine(m_redaction.apply(record));
    else
        appendLine(record);
    if (m_buffer.size() >= FlushThresholdBytes)
        flush();
}

void LogStreamWriter::appendLine(const PacketRecord &record)
{
    if (m_format == LogFormat::JsonLines)
        JsonLines::appendRecord(m_buffer, record, &m_lastPayload);
    else
        m_buffer += LogExporter::textLine(record);
}

bool LogStreamWriter::flush()
{
    if (!m_error.isEmpty())
        return false;
    if (!m_device || m_buffer.isEmpty())
        return true;
    const qint64 written = m_device->write(m_buffer);
    const bool complete = written == m_buffer.size();
    m_buffer.truncate(0); // keeps the allocation: a flood refills it every megabyte
    auto *file = qobject_cast<QFileDevice *>(m_device);
    if (!complete || (file && !file->flush()))
        m_error = m_device->errorString();
    if (m_error.isEmpty())
        return true;
    m_flushTimer.stop();
    Q_EMIT writeFailed(m_error);
    return false;
}
