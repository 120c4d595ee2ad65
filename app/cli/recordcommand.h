// `sioscope-cli record`: connects, optionally plays a script, records every packet, and writes
// the log when it stops (duration, end of the connection, SIGINT or SIGTERM).
#pragma once

#include "logoutput.h"
#include "session/logexport.h"
#include "session/sendscript.h"
#include "socketio/socketioclient.h"

#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QTimer>

class RecordCommand : public QObject
{
    Q_OBJECT
public:
    enum ExitCode { Success = 0, Failure = 1, UsageError = 2 };

    explicit RecordCommand(QObject *parent = nullptr);

    // Parses the arguments (after "record"); on a usage error prints it with the usage and
    // returns false, with the exit code set to UsageError. For --help, prints the usage on
    // stdout and returns false with the exit code Success.
    bool parse(const QStringList &arguments);
    void start();
    // Leaves the namespaces, closes cleanly, writes the log, then emits finished().
    void stop();
    int exitCode() const { return m_exitCode; }

Q_SIGNALS:
    void finished(int exitCode);

private:
    void fail(const QString &reason);
    void appendRecord(const PacketRecord &record);
    void finish();
    void watchNamespace(SocketIoNamespace *ns);
    void playNext(const QString &nsp);
    void checkAllDone();
    void checkStopOnEvent(const SocketIoPacket &packet);

    SocketIoOptions m_options;
    QList<QPair<QString, QJsonObject>> m_namespaces;
    QList<ScriptStep> m_script;
    QHash<QString, QList<ScriptStep>> m_pending; // per namespace, in order
    QHash<QString, bool> m_playing;
    bool m_autoAck = false;
    QJsonArray m_autoAckPayload;
    double m_durationSeconds = -1;
    QString m_stopOnEvent;          // --stop-on-event
    QByteArray m_stopOnEventPrefix; // ["<name>" as it starts the payload
    QString m_outPath;
    ExportOptions m_export;

    SocketIoClient *m_client = nullptr;
    LogOutput m_output;
    QTimer m_durationTimer;
    QTimer m_stopTimer;
    bool m_stopping = false;
    bool m_finished = false;
    bool m_everOpened = false;
    int m_exitCode = Success;
    QString m_failure;
};
