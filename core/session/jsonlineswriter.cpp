#include "common/jsonwriter.h"
#include "session/jsonlines.h"
#include "session/jsonlines_p.h"
#include "session/jsonlinestimestamp_p.h"

#include "common/base64.h"
#include "common/jsonscanner.h"

using namespace JsonLinesPrivate;
using namespace JsonWriter;

bool JsonLines::isEmbeddableJson(QByteArrayView payload)
{
    if (payload.isEmpty() || payload.contains('\n') || payload.contains('\r'))
        return false;
    const char first = payload.front();
    const char last = payload.back();
    if (first == ' ' || first == '\t' || last == ' ' || last == '\t')
        return false;
    return JsonScanner::scan(payload).kind != JsonScanner::Kind::Invalid;
}

void JsonLines::appendRecord(QByteArray &out, const PacketRecord &record,
                             CheckedPayload *lastChecked)
{
    const auto embeddable = [lastChecked](const QByteArray &payload) {
        // The same bytes only when they share one allocation. A raw-data array has none (its
        // capacity is 0), and its bytes may have changed in place.
        if (!lastChecked || payload.capacity() == 0)
            return isEmbeddableJson(payload);
        if (!payload.isSharedWith(lastChecked->payload))
            *lastChecked = {payload, isEmbeddableJson(payload)};
        return lastChecked->embeddable;
    };
    // How the payload and the raw text are written, and their length there.
    enum class Form { Absent, Json, Text, Base64 };
    const auto formOf = [&embeddable](const QByteArray &bytes, bool asJson, qsizetype *length) {
        if (bytes.isEmpty())
            return Form::Absent;
        if (asJson && embeddable(bytes)) {
            *length = bytes.size();
            return Form::Json;
        }
        *length = escapedLength(bytes);
        if (*length >= 0)
            return Form::Text;
        *length = Base64::encodedLength(bytes.size());
        return Form::Base64;
    };
    qsizetype payloadLength = 0;
    qsizetype rawLength = 0;
    const Form payloadForm = formOf(record.payload, true, &payloadLength);
    const bool msgpack = record.parser == SocketIoParser::Kind::Msgpack;
    Form rawForm = formOf(record.raw, false, &rawLength);
    if (msgpack && rawForm == Form::Text) { // binary bytes that happen to be UTF-8
        rawForm = Form::Base64;
        rawLength = Base64::encodedLength(record.raw.size());
    }

    // Everything but the variable parts fits in 360 bytes (the longest names, both numbers at
    // 20 digits); the variable parts are counted exactly or, for UTF-16, by 6 bytes a unit.
    qsizetype bound = 360 + payloadLength + rawLength +
                      6 * (record.nsp.size() + record.error.size() + record.session.size());
    for (const QByteArray &attachment : record.attachments)
        bound += Base64::encodedLength(attachment.size()) + 3;
    const qsizetype start = out.size();
    if (start + bound > out.capacity()) // geometric growth: callers append millions of lines
        out.reserve(qMax(start + bound, 2 * out.capacity()));
    out.resize(start + bound);
    char *p = out.data() + start;

    p = put(p, "{\"ts\":\"");
    p = putTimestamp(p, record.timeUs);
    p = record.direction == PacketRecord::Direction::Out ? put(p, "\",\"dir\":\"out\",\"layer\":\"")
                                                         : put(p, "\",\"dir\":\"in\",\"layer\":\"");
    const NameTable &table = typeTable(record.layer);
    p = putString(p, table.layer);
    if (record.type < table.count) {
        p = put(p, "\",\"type\":\"");
        p = putString(p, table.names[record.type].constData());
        *p++ = '"';
    } else { // no name: the number, which the reader accepts too
        p = put(p, "\",\"type\":");
        p = putUnsigned(p, record.type);
    }
    if (record.layer == PacketRecord::Layer::SocketIo) {
        p = put(p, ",\"nsp\":\"");
        p = putEscapedUtf16(p, record.nsp);
        *p++ = '"';
    }
    if (record.id >= 0) {
        p = put(p, ",\"id\":");
        p = putUnsigned(p, quint64(record.id));
    }
    switch (payloadForm) {
    case Form::Absent:
        break;
    case Form::Json:
        p = put(p, ",\"data\":");
        p = put(p, record.payload.constData(), record.payload.size());
        break;
    case Form::Text:
        p = put(p, ",\"data_text\":\"");
        p = putEscapedUtf8(p, record.payload);
        *p++ = '"';
        break;
    case Form::Base64:
        p = put(p, ",\"data_b64\":\"");
        p = Base64::encode(p, record.payload);
        *p++ = '"';
        break;
    }
    if (!record.attachments.isEmpty()) {
        p = put(p, ",\"attachments\":[");
        for (qsizetype i = 0; i < record.attachments.size(); ++i) {
            if (i)
                *p++ = ',';
            *p++ = '"';
            p = Base64::encode(p, record.attachments[i]);
            *p++ = '"';
        }
        *p++ = ']';
    }
    switch (record.transport) {
    case TransportKind::WebSocket:
        p = put(p, ",\"transport\":\"websocket\"");
        break;
    case TransportKind::Polling:
        p = put(p, ",\"transport\":\"polling\"");
        break;
    case TransportKind::None:
        break;
    }
    if (msgpack)
        p = put(p, ",\"parser\":\"msgpack\"");
    if (record.rttUs >= 0) {
        p = put(p, ",\"rtt_ms\":");
        p = putUnsigned(p, quint64(record.rttUs / 1000));
        *p++ = '.';
        p = putDigits(p, quint64(record.rttUs % 1000), 3);
    }
    switch (rawForm) {
    case Form::Absent:
    case Form::Json:
        break;
    case Form::Text:
        p = put(p, ",\"raw\":\"");
        p = putEscapedUtf8(p, record.raw);
        *p++ = '"';
        break;
    case Form::Base64:
        p = put(p, ",\"raw_b64\":\"");
        p = Base64::encode(p, record.raw);
        *p++ = '"';
        break;
    }
    if (!record.error.isEmpty()) {
        p = put(p, ",\"error\":\"");
        p = putEscapedUtf16(p, record.error);
        *p++ = '"';
    }
    if (!record.session.isEmpty()) {
        p = put(p, ",\"session\":\"");
        p = putEscapedUtf16(p, record.session);
        *p++ = '"';
    }
    p = put(p, "}\n");
    Q_ASSERT(p - out.data() <= start + bound);
    out.truncate(p - out.data());
}

QByteArray JsonLines::toLine(const PacketRecord &record)
{
    QByteArray out;
    appendRecord(out, record);
    return out;
}
