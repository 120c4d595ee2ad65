// The packets of one type among those a QSignalSpy on a packetReceived signal caught: the
// client's packetReceived(packet), or the server's packetReceived(engineSid, packet).
#pragma once

#include "socketio/socketiopacket.h"

#include <QSignalSpy>

inline QList<SocketIoPacket> packetsOfType(const QSignalSpy &spy, SocketIoPacket::Type type)
{
    QList<SocketIoPacket> packets;
    for (const QList<QVariant> &arguments : spy) {
        const auto packet = arguments.constLast().value<SocketIoPacket>();
        if (packet.type == type)
            packets.append(packet);
    }
    return packets;
}
