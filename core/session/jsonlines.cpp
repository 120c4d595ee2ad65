#include "session/jsonlines_p.h"

#include "socketio/socketiopacket.h"

#include <QMetaEnum>

namespace JsonLinesPrivate {

namespace {

template<typename Enum> NameTable buildTable(PacketRecord::Layer layer, const char *layerName)
{
    NameTable table{{}, QMetaEnum::fromType<Enum>().keyCount(), layerName};
    PacketRecord record;
    record.layer = layer;
    for (int type = 0; type < table.count; ++type) {
        record.type = quint8(type);
        table.names.push_back(record.typeName().toUtf8());
    }
    return table;
}

} // namespace

const NameTable &typeTable(PacketRecord::Layer layer)
{
    static const NameTable sio =
        buildTable<SocketIoPacket::Type>(PacketRecord::Layer::SocketIo, "sio");
    static const NameTable eio =
        buildTable<EngineIoPacket::Type>(PacketRecord::Layer::EngineIo, "eio");
    static const NameTable conn =
        buildTable<PacketRecord::Note>(PacketRecord::Layer::Connection, "conn");
    switch (layer) {
    case PacketRecord::Layer::SocketIo:
        return sio;
    case PacketRecord::Layer::EngineIo:
        return eio;
    case PacketRecord::Layer::Connection:
        break;
    }
    return conn;
}

} // namespace JsonLinesPrivate
