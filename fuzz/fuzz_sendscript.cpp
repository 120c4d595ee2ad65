// The send-script reader (sioscope-cli record --send): JSON Lines of packets to send.
//
// Properties: no crash or sanitizer report; an accepted step is a packet the encoder accepts
// (the script reader promises the same rules as any packet SioScope sends).
#include "fuzzcommon.h"
#include "session/sendscript.h"
#include "socketio/socketiocodec.h"

#include <QJsonDocument>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QList<ScriptStep> steps;
    QString error;
    if (!SendScript::parse(fuzzInput(data, size), &steps, &error)) {
        FUZZ_CHECK(error.startsWith(QStringLiteral("line ")), error);
        return 0;
    }
    for (const ScriptStep &step : std::as_const(steps)) {
        FUZZ_CHECK(step.line >= 1 && step.delayMs >= 0, QString());
        FUZZ_CHECK(step.nsp.startsWith(u'/'), step.nsp);
        if (step.type == SocketIoPacket::Disconnect)
            continue;
        SocketIoPacket packet(step.attachments.isEmpty() ? SocketIoPacket::Event
                                                         : SocketIoPacket::BinaryEvent,
                              step.nsp, QJsonDocument(step.data).toJson(QJsonDocument::Compact));
        packet.attachments = step.attachments;
        if (step.ack)
            packet.id = 0;
        QString invalid;
        FUZZ_CHECK(SocketIoEncoder::validate(packet, SocketIoProtocol::V5, &invalid), invalid);
        FUZZ_CHECK(!SocketIoEncoder::encode(packet, SocketIoProtocol::V5).isEmpty(), QString());
    }
    return 0;
}
