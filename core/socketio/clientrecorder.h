// Turns what an Engine.IO client sees into the record stream, through the client's
// SessionDecoder: its packets both ways, and its lifecycle notes (connecting, transport opened,
// upgrades, cookies set by the server, errors, warnings, reconnection, closed). The client side's
// counterpart of the server's EngineIoServerRecorder; SocketIoClient itself records only what it
// decides (the packets it sends, the verdicts on those it receives, a recovery).
#pragma once

#include "engineio/engineioclient.h"
#include "socketio/sessiondecoder.h"

#include <QObject>

class EngineIoClientRecorder : public QObject
{
    Q_OBJECT
public:
    // Connect it before anything else reacts to `engine`, so that a note comes before the
    // records of what follows from it.
    EngineIoClientRecorder(EngineIoClient *engine, SessionDecoder *session,
                           QObject *parent = nullptr);

private:
    void note(PacketRecord::Note note, const QJsonObject &details, const QString &error = {});

    EngineIoClient *m_engine;
    SessionDecoder *m_session;
};
