// Finding records in a SessionLog, for the tests that drive a window against a real server.
#pragma once

#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <QString>

// The row of the first Socket.IO record matching, from `from` on; -1 when there is none.
inline qint64 findRecord(const SessionLog &log, PacketRecord::Direction direction, int type,
                         const QString &nsp, const QString &eventName = {}, qint64 from = 0)
{
    for (qint64 row = from; row < log.size(); ++row) {
        if (log.layer(row) != PacketRecord::Layer::SocketIo || log.direction(row) != direction ||
            log.type(row) != type || log.nsp(row) != nsp)
            continue;
        if (!eventName.isEmpty()) {
            const PacketRecord record = log.record(row);
            if (SocketIoPacket(SocketIoPacket::Type(record.type), record.nsp, record.payload)
                    .eventName() != eventName)
                continue;
        }
        return row;
    }
    return -1;
}
