// socket.io-msgpack-parser's encoding (Socket.IO protocol v5): each packet is one MessagePack map
// {type, nsp, data?, id?} in one binary Engine.IO message, binary values inline as bin, no
// attachments and no BINARY_* types on the wire. Extra keys are tolerated.
//
// One representation for every view: `data` becomes the packet's JSON payload in the form
// msgpackreader.h documents, each bin a placeholder with its bytes as an attachment. A packet
// that carries bin values is therefore a BINARY_EVENT or BINARY_ACK, as the text parser would
// carry it, and encodes back to the same map (type 2 or 3, bins at their places).
#pragma once

#include "socketio/socketioparser.h"

class MsgpackWriter;

class SocketIoMsgpackParser final : public SocketIoParser
{
public:
    Kind kind() const override { return Kind::Msgpack; }
    bool validate(const SocketIoPacket &packet, SocketIoProtocol protocol,
                  QString *error) const override;
    Encoded encode(const SocketIoPacket &packet, SocketIoProtocol protocol) const override;
    // One pass over the payload: checked as it is written (encodeChecked()).
    bool checkAndEncode(const SocketIoPacket &packet, SocketIoProtocol protocol, Encoded *encoded,
                        QString *error) const override;
    std::unique_ptr<SocketIoMessageDecoder>
    createDecoder(SocketIoProtocol protocol, const SocketIoParserLimits &limits) const override;

    // The bytes of one packet, for the tests, the fuzzer and the benchmark; decodePacket()
    // names what broke with its byte offset.
    static QByteArray encodePacket(const SocketIoPacket &packet);
    // validate() and encodePacket() in one pass: the payload is checked while it is written
    // (the rules on its shape read off the MessagePack value), and scanned as text only when an
    // object needed the tree. What validate() and a send run.
    static bool encodeChecked(const SocketIoPacket &packet, SocketIoProtocol protocol,
                              QByteArray *bytes, QString *error);
    static bool decodePacket(const QByteArray &bytes, const SocketIoParserLimits &limits,
                             SocketIoPacket *packet, QString *error);

private:
    // The map; *dataStart is where `data` begins in the writer's bytes (-1: no data).
    static bool writePacket(const SocketIoPacket &packet, MsgpackWriter *writer,
                            qsizetype *dataStart, QString *error);
};
