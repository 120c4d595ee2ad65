#include "session/logexport.h"

#include "engineio/engineiocodec.h"
#include "session/jsonlines.h"
#include "session/redaction.h"
#include "session/sessionlog.h"
#include "socketio/socketiocodec.h"

#include <QFileDevice>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace {
constexpr qint64 ProgressEvery = 4096;
constexpr qint64 WriteChunkBytes = 1 << 20;

class RowWalker
{
public:
    RowWalker(const SessionLog &log, const std::vector<qint64> *rows)
        : m_log(log)
        , m_rows(rows)
    {
    }
    qint64 count() const { return m_rows ? qint64(m_rows->size()) : m_log.size(); }
    qint64 row(qint64 i) const { return m_rows ? (*m_rows)[size_t(i)] : i; }

private:
    const SessionLog &m_log;
    const std::vector<qint64> *m_rows;
};

bool flushTo(QIODevice *out, QByteArray &buffer, QString *error)
{
    if (buffer.isEmpty())
        return true;
    if (out->write(buffer) != buffer.size()) {
        *error = QStringLiteral("could not write: %1").arg(out->errorString());
        return false;
    }
    buffer.clear();
    return true;
}

// The last bytes: a file keeps up to 16 KiB in its own buffer, and a full disk only shows when
// that is flushed.
bool finishOutput(QIODevice *out, QByteArray &buffer, QString *error)
{
    if (!flushTo(out, buffer, error))
        return false;
    if (auto *file = qobject_cast<QFileDevice *>(out); file && !file->flush()) {
        *error = QStringLiteral("could not write: %1").arg(file->errorString());
        return false;
    }
    return true;
}

// What the export writes of a row: the record, or without its secrets (`redaction` null when the
// user opted in).
PacketRecord exported(const SessionLog &log, qint64 row, const Redaction *redaction)
{
    const PacketRecord record = log.record(row);
    return redaction ? redaction->apply(record) : record;
}

// The secret values of the whole log: the CONNECT that sent a token may lie outside the rows
// being exported, and only lifecycle notes and CONNECTs carry any.
Redaction redactionFor(const SessionLog &log, const ExportOptions &options)
{
    Redaction redaction;
    redaction.addSecrets(options.knownSecrets);
    for (qint64 row = 0; row < log.size(); ++row) {
        const PacketRecord::Layer layer = log.layer(row);
        if (layer == PacketRecord::Layer::Connection ||
            (layer == PacketRecord::Layer::SocketIo && log.type(row) == SocketIoPacket::Connect))
            redaction.learn(log.record(row));
    }
    return redaction;
}

double epochSeconds(qint64 timeUs)
{
    return double(timeUs) / 1e6;
}

// HAR: WebSocket frames go into one entry per WebSocket connection (Chrome's _webSocketMessages);
// polling packets become one entry each. Every message also carries the full record, as its
// JSON Lines text, under "_sioscope", so that SioScope reads its own HAR files back losslessly.
QJsonObject harEntry(qint64 startUs, const QString &url, bool webSocket)
{
    QJsonObject request{{QStringLiteral("method"), QStringLiteral("GET")},
                        {QStringLiteral("url"), url},
                        {QStringLiteral("httpVersion"), QStringLiteral("HTTP/1.1")},
                        {QStringLiteral("cookies"), QJsonArray()},
                        {QStringLiteral("headers"), QJsonArray()},
                        {QStringLiteral("queryString"), QJsonArray()},
                        {QStringLiteral("headersSize"), -1},
                        {QStringLiteral("bodySize"), 0}};
    QJsonObject response{{QStringLiteral("status"), webSocket ? 101 : 200},
                         {QStringLiteral("statusText"),
                          webSocket ? QStringLiteral("Switching Protocols") : QStringLiteral("OK")},
                         {QStringLiteral("httpVersion"), QStringLiteral("HTTP/1.1")},
                         {QStringLiteral("cookies"), QJsonArray()},
                         {QStringLiteral("headers"), QJsonArray()},
                         {QStringLiteral("content"),
                          QJsonObject{{QStringLiteral("size"), 0},
                                      {QStringLiteral("mimeType"), QStringLiteral("x-unknown")}}},
                         {QStringLiteral("redirectURL"), QString()},
                         {QStringLiteral("headersSize"), -1},
                         {QStringLiteral("bodySize"), -1}};
    return QJsonObject{{QStringLiteral("startedDateTime"),
                        QString::fromLatin1(JsonLines::formatTimestamp(startUs))},
                       {QStringLiteral("time"), 0},
                       {QStringLiteral("request"), request},
                       {QStringLiteral("response"), response},
                       {QStringLiteral("cache"), QJsonObject()},
                       {QStringLiteral("timings"), QJsonObject{{QStringLiteral("send"), 0},
                                                               {QStringLiteral("wait"), 0},
                                                               {QStringLiteral("receive"), 0}}},
                       {QStringLiteral("_resourceType"),
                        webSocket ? QStringLiteral("websocket") : QStringLiteral("xhr")}};
}

// The record as its JSON Lines text: a JSON object would reorder the payload's keys.
QString recordLine(const PacketRecord &record)
{
    return QString::fromUtf8(JsonLines::toLine(record).trimmed());
}

// The frame as it crossed the wire (text), or the attachment bytes (binary).
struct WireFrame
{
    bool binary;
    QString data;
};

WireFrame wireFrame(const PacketRecord &record)
{
    if (record.parser == SocketIoParser::Kind::Msgpack && !record.raw.isEmpty())
        return {true, QString::fromLatin1(record.raw.toBase64())};
    if (!record.raw.isEmpty())
        return {false, QString::fromUtf8(record.raw)};
    if (!record.attachments.isEmpty())
        return {true, QString::fromLatin1(record.attachments.first().toBase64())};
    return {false, QString()};
}

bool writeHar(const SessionLog &log, const RowWalker &rows, const Redaction *redaction,
              QIODevice *out, const ExportOptions &options, QString *error)
{
    QJsonArray entries;
    QJsonArray webSocketMessages;
    qint64 webSocketStart = -1;
    QString url = QStringLiteral("ws://unknown/socket.io/");
    for (qint64 i = 0; i < rows.count(); ++i) {
        if (options.progress && i % ProgressEvery == 0 && !options.progress(i, rows.count())) {
            *error = QStringLiteral("export cancelled");
            return false;
        }
        const PacketRecord record = exported(log, rows.row(i), redaction);
        if (record.layer == PacketRecord::Layer::Connection) {
            const QJsonObject details = QJsonDocument::fromJson(record.payload).object();
            if (details.contains(QLatin1String("url")))
                url = details.value(QLatin1String("url")).toString();
        }
        const WireFrame frame = wireFrame(record);
        QJsonObject message{
            {QStringLiteral("type"), record.direction == PacketRecord::Direction::Out
                                         ? QStringLiteral("send")
                                         : QStringLiteral("receive")},
            {QStringLiteral("time"), epochSeconds(record.timeUs)},
            {QStringLiteral("opcode"), frame.binary ? 2 : 1},
            {QStringLiteral("data"), frame.data},
            {QStringLiteral("_sioscope"), recordLine(record)}};
        if (record.transport == TransportKind::Polling) {
            QJsonObject entry = harEntry(record.timeUs, url, false);
            QJsonObject request = entry.value(QLatin1String("request")).toObject();
            QJsonObject response = entry.value(QLatin1String("response")).toObject();
            const bool outgoing = record.direction == PacketRecord::Direction::Out;
            request.insert(QStringLiteral("method"),
                           outgoing ? QStringLiteral("POST") : QStringLiteral("GET"));
            if (outgoing)
                request.insert(QStringLiteral("postData"),
                               QJsonObject{{QStringLiteral("mimeType"),
                                            QStringLiteral("text/plain;charset=UTF-8")},
                                           {QStringLiteral("text"), frame.data}});
            else
                response.insert(QStringLiteral("content"),
                                QJsonObject{{QStringLiteral("size"), frame.data.size()},
                                            {QStringLiteral("mimeType"),
                                             QStringLiteral("text/plain; charset=UTF-8")},
                                            {QStringLiteral("text"), frame.data}});
            entry.insert(QStringLiteral("request"), request);
            entry.insert(QStringLiteral("response"), response);
            entry.insert(QStringLiteral("_sioscope"), recordLine(record));
            entries.append(entry);
        } else {
            if (webSocketStart < 0)
                webSocketStart = record.timeUs;
            webSocketMessages.append(message);
            // Each attachment crossed the WebSocket as a binary frame of its own. These frames
            // are marked, because the record above already carries them for SioScope's import.
            // A msgpack packet's bins travelled inside its one binary frame.
            if (!record.raw.isEmpty() && record.parser != SocketIoParser::Kind::Msgpack) {
                for (qsizetype a = 0; a < record.attachments.size(); ++a)
                    webSocketMessages.append(
                        QJsonObject{{QStringLiteral("type"), message.value(QLatin1String("type"))},
                                    {QStringLiteral("time"), epochSeconds(record.timeUs)},
                                    {QStringLiteral("opcode"), 2},
                                    {QStringLiteral("data"),
                                     QString::fromLatin1(record.attachments.at(a).toBase64())},
                                    {QStringLiteral("_sioscope_attachment"), int(a)}});
            }
        }
    }
    if (webSocketStart >= 0) {
        QString wsUrl = url;
        if (wsUrl.startsWith(QLatin1String("http")))
            wsUrl.replace(0, 4, QStringLiteral("ws"));
        QJsonObject entry = harEntry(webSocketStart, wsUrl, true);
        entry.insert(QStringLiteral("_webSocketMessages"), webSocketMessages);
        entries.prepend(entry);
    }
    const QJsonObject har{
        {QStringLiteral("log"),
         QJsonObject{{QStringLiteral("version"), QStringLiteral("1.2")},
                     {QStringLiteral("creator"),
                      QJsonObject{{QStringLiteral("name"), QStringLiteral("SioScope")},
                                  {QStringLiteral("version"), QStringLiteral("0.1.0")}}},
                     {QStringLiteral("pages"), QJsonArray()},
                     {QStringLiteral("entries"), entries}}}};
    QByteArray document = QJsonDocument(har).toJson(QJsonDocument::Indented);
    return finishOutput(out, document, error);
}
} // namespace

QByteArray LogExporter::textLine(const PacketRecord &record)
{
    QByteArray line = JsonLines::formatTimestamp(record.timeUs);
    line += record.direction == PacketRecord::Direction::Out ? " → " : " ← ";
    line += record.layerName().toLatin1().leftJustified(4, ' ');
    line += ' ';
    line += record.typeName().toUtf8().leftJustified(13, ' ');
    if (record.layer == PacketRecord::Layer::SocketIo) {
        line += ' ';
        line += record.nsp.toUtf8();
    }
    if (record.id >= 0)
        line += " #" + QByteArray::number(record.id);
    if (record.transport != TransportKind::None)
        line += " [" + transportName(record.transport).toLatin1() + ']';
    if (!record.session.isEmpty()) // a server's log: which client
        line += " {" + record.session.toUtf8() + '}';
    if (record.parser == SocketIoParser::Kind::Msgpack)
        line += " msgpack";
    // The wire text; a msgpack frame is binary, so its decoded packet is shown instead.
    const QByteArray shown = record.raw.isEmpty() || record.parser == SocketIoParser::Kind::Msgpack
                                 ? record.payload
                                 : record.raw;
    if (!shown.isEmpty()) {
        line += "  ";
        // One line per packet: control characters would break it.
        for (char c : shown)
            line += (uchar(c) < 0x20 || c == 0x7f) ? '.' : c;
    }
    for (const QByteArray &attachment : record.attachments)
        line += "  +" + QByteArray::number(attachment.size()) + " B";
    if (record.rttUs >= 0)
        line += "  rtt " + QByteArray::number(double(record.rttUs) / 1000.0, 'f', 3) + " ms";
    if (!record.error.isEmpty())
        line += "  ERROR: " + record.error.toUtf8();
    line += '\n';
    return line;
}

bool LogExporter::parseFormat(const QString &name, LogFormat *format)
{
    if (name == QLatin1String("jsonl"))
        *format = LogFormat::JsonLines;
    else if (name == QLatin1String("har"))
        *format = LogFormat::Har;
    else if (name == QLatin1String("text"))
        *format = LogFormat::Text;
    else
        return false;
    return true;
}

QString LogExporter::formatName(LogFormat format)
{
    switch (format) {
    case LogFormat::JsonLines:
        return QStringLiteral("jsonl");
    case LogFormat::Har:
        return QStringLiteral("har");
    case LogFormat::Text:
        break;
    }
    return QStringLiteral("text");
}

bool LogExporter::write(const SessionLog &log, const std::vector<qint64> *rows, QIODevice *out,
                        const ExportOptions &options, QString *error)
{
    const RowWalker walker(log, rows);
    if (!out->isOpen() || !out->isWritable()) {
        *error = QStringLiteral("could not write: the output is not open for writing (%1)")
                     .arg(out->errorString());
        return false;
    }
    const Redaction redactionOfLog =
        options.includeSecrets ? Redaction() : redactionFor(log, options);
    const Redaction *redaction = options.includeSecrets ? nullptr : &redactionOfLog;
    if (options.format == LogFormat::Har)
        return writeHar(log, walker, redaction, out, options, error);
    QByteArray buffer;
    buffer.reserve(WriteChunkBytes + 4096);
    for (qint64 i = 0; i < walker.count(); ++i) {
        if (options.progress && i % ProgressEvery == 0 && !options.progress(i, walker.count())) {
            *error = QStringLiteral("export cancelled");
            return false;
        }
        const PacketRecord record = exported(log, walker.row(i), redaction);
        if (options.format == LogFormat::JsonLines)
            JsonLines::appendRecord(buffer, record);
        else
            buffer += textLine(record);
        if (buffer.size() >= WriteChunkBytes && !flushTo(out, buffer, error))
            return false;
    }
    if (options.progress)
        options.progress(walker.count(), walker.count());
    return finishOutput(out, buffer, error);
}

bool LogImporter::read(QIODevice *in, SessionLog *log, QString *error)
{
    if (isHar(in))
        return readHar(in->readAll(), log, error);
    JsonLinesReader reader(in);
    PacketRecord record;
    while (reader.next(&record))
        log->append(record);
    if (reader.hasError()) {
        *error = reader.errorString();
        return false;
    }
    return true;
}

bool LogImporter::isHar(QIODevice *in)
{
    const QByteArray head = in->peek(256).trimmed();
    return head.startsWith('{') && head.mid(1).trimmed().startsWith("\"log\"");
}

bool LogImporter::readHar(const QByteArray &har, SessionLog *log, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(har, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("HAR: not JSON (%1 at offset %2)")
                     .arg(parseError.errorString())
                     .arg(parseError.offset);
        return false;
    }
    const QJsonArray entries = document.object()
                                   .value(QLatin1String("log"))
                                   .toObject()
                                   .value(QLatin1String("entries"))
                                   .toArray();
    if (!document.object().value(QLatin1String("log")).isObject()) {
        *error = QStringLiteral("HAR: no \"log\" object");
        return false;
    }
    // SioScope's own HAR carries each record whole; a browser's HAR has only the frames, which
    // are decoded here as Engine.IO v4 / Socket.IO v5 text frames.
    std::vector<PacketRecord> records;
    // A browser's BINARY_* packet is a text frame followed by its attachments' binary frames.
    SocketIoDecoder decoder;
    PacketRecord awaitingAttachments;
    const auto finishSocketIo = [&](PacketRecord record, const SocketIoPacket &sio) {
        record.type = sio.type;
        record.nsp = sio.nsp;
        record.id = sio.id;
        record.payload = sio.payload;
        record.attachments = sio.attachments;
        records.push_back(record);
    };
    const auto takeRecord = [&](const QJsonObject &item, const QString &where,
                                TransportKind transport) -> bool {
        PacketRecord record;
        QString recordError;
        if (item.contains(QLatin1String("_sioscope_attachment")))
            return true; // SioScope's own frame, already part of the record before it
        if (item.contains(QLatin1String("_sioscope"))) {
            const QByteArray line = item.value(QLatin1String("_sioscope")).toString().toUtf8();
            if (!JsonLines::parseRecord(line, &record, &recordError)) {
                *error = QStringLiteral("HAR %1: %2").arg(where, recordError);
                return false;
            }
            records.push_back(record);
            return true;
        }
        const double time = item.value(QLatin1String("time")).toDouble(-1);
        const QString type = item.value(QLatin1String("type")).toString();
        if (time < 0 || (type != QLatin1String("send") && type != QLatin1String("receive"))) {
            *error = QStringLiteral("HAR %1: a WebSocket message needs \"type\" send/receive and "
                                    "a \"time\"")
                         .arg(where);
            return false;
        }
        // Seconds since the epoch; beyond this the microseconds do not fit a qint64 (and the
        // conversion would be undefined behaviour).
        constexpr double MaxHarSeconds = 9.2e12;
        if (!(time <= MaxHarSeconds)) {
            *error = QStringLiteral("HAR %1: \"time\" %2 is out of range (seconds since 1970, at "
                                    "most %3)")
                         .arg(where)
                         .arg(time)
                         .arg(MaxHarSeconds);
            return false;
        }
        record.timeUs = qint64(time * 1e6);
        record.direction = type == QLatin1String("send") ? PacketRecord::Direction::Out
                                                         : PacketRecord::Direction::In;
        record.transport = transport;
        const QByteArray data = item.value(QLatin1String("data")).toString().toUtf8();
        if (item.value(QLatin1String("opcode")).toInt(1) == 2) {
            const QByteArray bytes = QByteArray::fromBase64(data);
            if (decoder.isAwaitingAttachments()) {
                const auto status = decoder.decodeBinary(bytes);
                if (status == SocketIoDecoder::Status::PacketReady)
                    finishSocketIo(awaitingAttachments, decoder.takePacket());
                else if (status == SocketIoDecoder::Status::Error) {
                    awaitingAttachments.error = decoder.errorString();
                    records.push_back(awaitingAttachments);
                }
                return true;
            }
            // A binary frame no packet announced: keep it visible.
            record.layer = PacketRecord::Layer::EngineIo;
            record.type = EngineIoPacket::Message;
            record.attachments = {bytes};
            records.push_back(record);
            return true;
        }
        record.raw = data;
        EngineIoPacket packet;
        if (!EngineIoCodec::decodeText(data, EngineIoVersion::V4, &packet, &recordError)) {
            record.layer = PacketRecord::Layer::EngineIo;
            record.error = recordError;
            records.push_back(record);
            return true;
        }
        if (packet.type != EngineIoPacket::Message) {
            record.layer = PacketRecord::Layer::EngineIo;
            record.type = packet.type;
            if (packet.type == EngineIoPacket::Open)
                record.payload = packet.data;
            else if (!packet.data.isEmpty())
                record.payload = PacketRecord::jsonString(packet.data);
            records.push_back(record);
            return true;
        }
        record.layer = PacketRecord::Layer::SocketIo;
        if (decoder.isAwaitingAttachments()) { // the previous packet's attachments never came
            awaitingAttachments.error = QStringLiteral("text frame while %1 attachment(s) were "
                                                       "still expected")
                                            .arg(decoder.pendingAttachmentCount());
            records.push_back(awaitingAttachments);
            decoder.reset();
        }
        switch (decoder.decodeText(packet.data)) {
        case SocketIoDecoder::Status::PacketReady:
            finishSocketIo(record, decoder.takePacket());
            return true;
        case SocketIoDecoder::Status::NeedAttachments:
            awaitingAttachments = record;
            return true;
        case SocketIoDecoder::Status::Error:
            record.type = quint8(packet.data.isEmpty() ? 0 : packet.data.at(0) - '0');
            record.error = decoder.errorString();
            break;
        }
        records.push_back(record);
        return true;
    };
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const QJsonObject entry = entries.at(i).toObject();
        const QString where = QStringLiteral("entry %1").arg(i);
        const QJsonValue messages = entry.value(QLatin1String("_webSocketMessages"));
        if (messages.isArray()) {
            const QJsonArray list = messages.toArray();
            for (qsizetype m = 0; m < list.size(); ++m)
                if (!takeRecord(list.at(m).toObject(),
                                QStringLiteral("%1, WebSocket message %2").arg(where).arg(m),
                                TransportKind::WebSocket)) {
                    for (const PacketRecord &record : records)
                        log->append(record);
                    return false;
                }
        } else if (entry.contains(QLatin1String("_sioscope"))) {
            if (!takeRecord(entry, where, TransportKind::Polling)) {
                for (const PacketRecord &record : records)
                    log->append(record);
                return false;
            }
        }
    }
    // Entries are grouped by transport; the session is in time order.
    std::stable_sort(
        records.begin(), records.end(),
        [](const PacketRecord &a, const PacketRecord &b) { return a.timeUs < b.timeUs; });
    for (const PacketRecord &record : records)
        log->append(record);
    return true;
}
