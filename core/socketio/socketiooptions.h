#pragma once

#include "../engineio/engineiooptions.h"
#include "socketiocodec.h"

struct SocketIoOptions
{
    EngineIoOptions engine;
    int ackTimeoutMs = 10000; // 0: acks never time out
    // Connection state recovery (v5): after an unplanned drop, reconnect with pid and offset.
    bool recoverState = true;
    SocketIoDecoder::Limits limits;
};
