// The crash journal: while a live session runs, every record is appended to a JSON Lines file in
// AppDataLocation/journal/ so that a crash loses at most the last second. A clean close deletes
// it; a journal left behind is offered for reopening on the next start.
//
// Each journal is held with a QLockFile, so a second SioScope running at the same time never
// mistakes a live journal for a leftover one (a crashed process leaves a stale lock that
// QLockFile recognises).
#pragma once

#include "session/logstreamwriter.h"
#include "socketio/packetrecord.h"

#include <QByteArray>
#include <QFile>
#include <QLockFile>
#include <QObject>

#include <memory>

class CrashJournal : public QObject
{
    Q_OBJECT
public:
    // Creates a new journal file in `directory` (journalDirectory() when empty).
    explicit CrashJournal(const QString &directory = {}, QObject *parent = nullptr);
    ~CrashJournal() override; // flushes; the file stays (only discard() removes it)

    bool isOpen() const { return m_file.isOpen(); }
    QString fileName() const { return m_file.fileName(); }
    QString errorString() const { return m_error; }

    // Secrets are redacted unless the user opted in to keeping them.
    void setIncludeSecrets(bool include) { m_writer.setIncludeSecrets(include); }
    bool includeSecrets() const { return m_writer.includeSecrets(); }
    // Secret values that no record shows (header values), redacted wherever they appear.
    void addKnownSecrets(const QStringList &values) { m_writer.addKnownSecrets(values); }

    void append(const PacketRecord &record);
    void flush();
    // The session ended cleanly: the journal is not needed any more.
    void discard();

    static QString journalDirectory();
    // Journals in `directory` that no running SioScope holds: what a crash left behind.
    static QStringList leftoverJournals(const QString &directory = {});
    // Removes a leftover journal (and its lock file) once the user has dealt with it.
    static bool removeJournal(const QString &fileName);

    static constexpr int FlushIntervalMs = 500;

private:
    QFile m_file;
    std::unique_ptr<QLockFile> m_lock;
    LogStreamWriter m_writer;
    QString m_error;
};
