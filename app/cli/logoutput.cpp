#include "logoutput.h"

#include <cstdio>

LogOutput::LogOutput(QObject *parent)
    : QObject(parent)
{
    connect(&m_writer, &LogStreamWriter::writeFailed, this, [this](const QString &error) {
        Q_EMIT writeFailed(QStringLiteral("cannot write the log: %1").arg(error));
    });
}

bool LogOutput::open(const QString &path, const ExportOptions &options, QString *error)
{
    m_options = options;
    if (path.isEmpty()) {
        m_file.open(stdout, QIODevice::WriteOnly);
    } else {
        m_file.setFileName(path);
        if (!m_file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            *error = QStringLiteral("cannot write %1: %2").arg(path, m_file.errorString());
            return false;
        }
    }
    if (m_options.format != LogFormat::Har) {
        m_writer.setFormat(m_options.format);
        m_writer.setIncludeSecrets(m_options.includeSecrets);
        m_writer.addKnownSecrets(m_options.knownSecrets);
        m_writer.setDevice(&m_file);
    }
    return true;
}

void LogOutput::append(const PacketRecord &record)
{
    if (m_options.format == LogFormat::Har)
        m_log.append(record);
    else
        m_writer.append(record);
}

bool LogOutput::close(QString *error)
{
    bool written = true;
    if (m_options.format == LogFormat::Har && m_file.isOpen()) {
        QString exportError;
        written = LogExporter::write(m_log, nullptr, &m_file, m_options, &exportError);
        if (!written)
            *error = QStringLiteral("cannot write the log: %1").arg(exportError);
    }
    m_writer.flush();
    m_writer.setDevice(nullptr);
    m_file.close();
    return written;
}
