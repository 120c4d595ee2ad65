// The glue between a live connection and what the window shows: owns the SocketIoClient and the
// SessionLog, appends every record to the log (and to the crash journal), forwards ack timeouts
// to the log, and keeps the running figures of the status bar. No protocol logic lives here.
#pragma once

#include "session/sessionlog.h"
#include "socketio/socketioclient.h"

#include <QObject>
#include <QSet>
#include <QStringList>

class CrashJournal;

class LiveSession : public QObject
{
    Q_OBJECT
public:
    struct Traffic
    {
        qint64 packetsIn = 0;
        qint64 packetsOut = 0;
        qint64 bytesIn = 0;
        qint64 bytesOut = 0;
    };

    explicit LiveSession(QObject *parent = nullptr);
    ~LiveSession() override;

    SocketIoClient *client() const { return m_client; }
    SessionLog *log() { return &m_log; }
    const SessionLog *log() const { return &m_log; }

    // Takes ownership of the journal (may be null: no journal).
    void setJournal(CrashJournal *journal);
    CrashJournal *journal() const { return m_journal; }

    // Wire traffic of both layers (lifecycle notes excluded), since the last clear().
    const Traffic &traffic() const { return m_traffic; }
    // Event names seen in either direction, in order of first appearance (for completion).
    QStringList eventNames() const { return m_eventNames; }
    // When the transport last upgraded to WebSocket (us since the epoch), or -1.
    qint64 upgradedAtUs() const { return m_upgradedAtUs; }
    // When the current Engine.IO session opened, or -1.
    qint64 openedAtUs() const { return m_openedAtUs; }

    // Forgets the records and the figures (the connection stays as it is).
    void clear();

    // Connects a namespace's ack timeouts to the log; done for every namespace the client has.

Q_SIGNALS:
    void eventNameSeen(const QString &name);

private:
    void recordArrived(const PacketRecord &record);
    void noteEventName(const PacketRecord &record);

    SocketIoClient *m_client;
    SessionLog m_log;
    CrashJournal *m_journal = nullptr;
    Traffic m_traffic;
    QStringList m_eventNames;
    QSet<QString> m_eventNameSet;
    qint64 m_upgradedAtUs = -1;
    qint64 m_openedAtUs = -1;
};
