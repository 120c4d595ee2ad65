// `sioscope-cli record`: connects, optionally plays a script, records every packet, and writes
// the log when it stops (duration, end of the connection, SIGINT or SIGTERM).
#pragma once

#include "clicommand.h"
#include "logoutput.h"
#include "session/logexport.h"
#include "session/sendscript.h"
#include "session/sessionreplay.h"
#include "socketio/socketioclient.h"

#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QTimer>

class ScriptPlayer;

class RecordCommand : public CliCommand
{
    Q_OBJECT
public:
    explicit RecordCommand(QObject *parent = nullptr);

    bool parse(const QStringList &arguments) override; // after "record"
    void start() override;
    // Leaves the namespaces, closes cleanly, writes the log, then emits finished().
    void stop() override;

private:
    void fail(const QString &reason);
    void appendRecord(const PacketRecord &record);
    void finish();
    void watchNamespace(SocketIoNamespace *ns);
    void checkAllDone();
    void checkStopOnEvent(const SocketIoPacket &packet);

    SocketIoOptions m_options;
    QList<QPair<QString, QJsonObject>> m_namespaces;
    QList<ScriptStep> m_script;
    RecordedReplies m_replies; // a replayed session's replies to the server's ack requests
    qint64 m_replayLengthMs = -1;
    double m_speed = 1;
    bool m_autoAck = false;
    QJsonArray m_autoAckPayload;
    double m_durationSeconds = -1;
    QString m_stopOnEvent;          // --stop-on-event
    QByteArray m_stopOnEventPrefix; // ["<name>" as it starts the payload
    QString m_outPath;
    ExportOptions m_export;

    SocketIoClient *m_client = nullptr;
    ScriptPlayer *m_player = nullptr;
    QTimer m_durationTimer;
    QTimer m_stopTimer;
    bool m_stopping = false;
    bool m_finished = false;
    bool m_everOpened = false;
    // Why the session most likely ended when that was not a failure (a load balancer sending a
    // poll to the server without the session, say).
    QString m_endCause;
};
