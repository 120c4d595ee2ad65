#include "crashjournal.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QStandardPaths>

namespace {
QString lockFileName(const QString &journal)
{
    return journal + QStringLiteral(".lock");
}
} // namespace

CrashJournal::CrashJournal(const QString &directory, QObject *parent)
    : QObject(parent)
{
    const QString dirPath = directory.isEmpty() ? journalDirectory() : directory;
    if (!QDir().mkpath(dirPath)) {
        m_error = tr("cannot create %1").arg(dirPath);
        return;
    }
    const QString stamp =
        QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-hhmmss"));
    const QString base = QDir(dirPath).filePath(
        QStringLiteral("session-%1-%2").arg(stamp).arg(QCoreApplication::applicationPid()));
    // Several windows of one process may start a session in the same second: each takes the
    // first name whose lock nobody holds (-2, -3, ... after the first).
    constexpr int MaxWindowsPerSecond = 100;
    for (int index = 1; index <= MaxWindowsPerSecond; ++index) {
        m_file.setFileName(base + (index == 1 ? QString() : QStringLiteral("-%1").arg(index)) +
                           QStringLiteral(".jsonl"));
        m_lock = std::make_unique<QLockFile>(lockFileName(m_file.fileName()));
        m_lock->setStaleLockTime(0); // held for the whole session: only a dead owner makes it stale
        if (m_lock->tryLock(0))
            break;
        if (m_lock->error() != QLockFile::LockFailedError || index == MaxWindowsPerSecond) {
            m_error = tr("cannot lock %1 (%2)")
                          .arg(lockFileName(m_file.fileName()))
                          .arg(int(m_lock->error()));
            m_lock.reset();
            return;
        }
    }
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append)) {
        m_error = m_file.errorString();
        return;
    }
    m_writer.setFlushInterval(FlushIntervalMs);
    m_writer.setDevice(&m_file);
    connect(&m_writer, &LogStreamWriter::writeFailed, this,
            [this](const QString &error) { m_error = error; });
}

CrashJournal::~CrashJournal()
{
    flush();
}

void CrashJournal::append(const PacketRecord &record)
{
    m_writer.append(record);
}

void CrashJournal::flush()
{
    m_writer.flush();
}

void CrashJournal::discard()
{
    m_writer.discard();
    m_writer.setDevice(nullptr);
    if (m_file.isOpen()) {
        m_file.close();
        m_file.remove();
    }
    if (m_lock)
        m_lock->unlock(); // removes the lock file
    m_lock.reset();
}

QString CrashJournal::journalDirectory()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("journal"));
}

QStringList CrashJournal::leftoverJournals(const QString &directory)
{
    const QDir dir(directory.isEmpty() ? journalDirectory() : directory);
    QStringList leftovers;
    const QStringList names = dir.entryList({QStringLiteral("*.jsonl")}, QDir::Files, QDir::Time);
    for (const QString &name : names) {
        const QString path = dir.filePath(name);
        QLockFile lock(lockFileName(path));
        lock.setStaleLockTime(0);
        if (!lock.tryLock(0))
            continue; // a running SioScope writes it
        lock.unlock();
        leftovers.append(path);
    }
    return leftovers;
}

bool CrashJournal::removeJournal(const QString &fileName)
{
    QFile::remove(lockFileName(fileName));
    return QFile::remove(fileName);
}
