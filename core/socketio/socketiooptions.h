#pragma once

#include "engineio/engineiooptions.h"
#include "socketio/socketiocodec.h"

struct SocketIoOptions
{
    EngineIoOptions engine;
    int ackTimeoutMs = 10000; // 0: acks never time out
    // Connection state recovery (v5): after an unplanned drop, reconnect with pid and offset.
    bool recoverState = true;
    // How packets are written: socket.io-parser's text, socket.io-msgpack-parser (protocol v5
    // only), or Auto (the default): the text parser until the server shows it speaks msgpack (it
    // ends the session right after our first CONNECT without a Socket.IO packet, or sends a
    // binary message that decodes as a msgpack packet); then one reconnection with msgpack,
    // recorded as a parser-changed note. Taken when connectToServer() is called.
    SocketIoParser::Kind parser = SocketIoParser::Kind::Auto;
    SocketIoParserLimits limits;
    // A BINARY_* packet's attachments must all arrive within this time after its header, or the
    // packet is recorded as incomplete and the connection closed (a stream that lost its place
    // cannot be decoded any further). 0: no limit.
    int attachmentTimeoutMs = 30000;
};
