// The type names of the log format ("EVENT", "MESSAGE", "connect-error"): the core's own
// (PacketRecord::typeName and friends), looked up once per layer. The writer and the reader of
// JSON Lines share them.
#pragma once

#include "socketio/packetrecord.h"

#include <QByteArray>

#include <vector>

namespace JsonLinesPrivate {

struct NameTable
{
    std::vector<QByteArray> names; // by type number
    int count;
    const char *layer;
};

// The names of the layer's types and the layer's own name ("sio", "eio", "conn").
const NameTable &typeTable(PacketRecord::Layer layer);

} // namespace JsonLinesPrivate
