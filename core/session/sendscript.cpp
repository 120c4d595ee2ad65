#include "session/sendscript.h"

#include "socketio/socketiocodec.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QSet>

#include <cmath>

bool SendScript::parseLine(QByteArrayView line, int lineNumber, ScriptStep *step, QString *error)
{
    const auto failed = [&](const QString &message) {
        *error = QStringLiteral("line %1: %2").arg(lineNumber).arg(message);
        return false;
    };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(line.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return failed(QStringLiteral("not JSON (%1 at offset %2)")
                          .arg(parseError.errorString())
                          .arg(parseError.offset));
    if (!document.isObject())
        return failed(QStringLiteral("must be a JSON object"));
    const QJsonObject object = document.object();
    static const QSet<QString> known{QStringLiteral("type"),        QStringLiteral("nsp"),
                                     QStringLiteral("data"),        QStringLiteral("ack"),
                                     QStringLiteral("attachments"), QStringLiteral("delay_ms")};
    for (auto it = object.begin(); it != object.end(); ++it)
        if (!known.contains(it.key()))
            return failed(QStringLiteral("unknown field \"%1\"").arg(it.key()));

    ScriptStep parsed;
    parsed.line = lineNumber;
    const QString type = object.value(QLatin1String("type")).toString();
    if (type == QLatin1String("EVENT") || type == QLatin1String("BINARY_EVENT"))
        parsed.type = SocketIoPacket::Event;
    else if (type == QLatin1String("DISCONNECT"))
        parsed.type = SocketIoPacket::Disconnect;
    else
        return failed(QStringLiteral("\"type\" must be \"EVENT\" or \"DISCONNECT\""));

    const QJsonValue nsp = object.value(QLatin1String("nsp"));
    if (!nsp.isUndefined()) {
        if (!nsp.isString() || !nsp.toString().startsWith(QLatin1Char('/')))
            return failed(QStringLiteral("\"nsp\" must be a string starting with \"/\""));
        parsed.nsp = nsp.toString();
    }
    const QJsonValue delay = object.value(QLatin1String("delay_ms"));
    if (!delay.isUndefined()) {
        const double ms = delay.toDouble(-1);
        if (!delay.isDouble() || ms < 0 || ms > 24 * 3600 * 1000.0 || ms != std::floor(ms))
            return failed(QStringLiteral("\"delay_ms\" must be a whole number of milliseconds "
                                         "from 0 to 86400000"));
        parsed.delayMs = int(ms);
    }
    if (parsed.type == SocketIoPacket::Disconnect) {
        for (const char *field : {"data", "ack", "attachments"})
            if (object.contains(QLatin1String(field)))
                return failed(
                    QStringLiteral("DISCONNECT takes no \"%1\"").arg(QLatin1String(field)));
        *step = parsed;
        return true;
    }
    const QJsonValue data = object.value(QLatin1String("data"));
    if (!data.isArray() || data.toArray().isEmpty() || !data.toArray().first().isString())
        return failed(QStringLiteral("\"data\" must be a non-empty array whose first item is "
                                     "the event name"));
    parsed.data = data.toArray();
    const QJsonValue ack = object.value(QLatin1String("ack"));
    if (!ack.isUndefined() && !ack.isBool())
        return failed(QStringLiteral("\"ack\" must be true or false"));
    parsed.ack = ack.toBool();
    const QJsonValue attachments = object.value(QLatin1String("attachments"));
    if (!attachments.isUndefined()) {
        if (!attachments.isArray())
            return failed(QStringLiteral("\"attachments\" must be an array of base64 strings"));
        const QJsonArray list = attachments.toArray();
        for (qsizetype i = 0; i < list.size(); ++i) {
            const auto decoded = QByteArray::fromBase64Encoding(
                list.at(i).toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
            if (!list.at(i).isString() || !decoded)
                return failed(QStringLiteral("attachment %1 is not valid base64").arg(i));
            parsed.attachments.append(*decoded);
        }
    }
    // The same rules as any packet we send: placeholders must match the attachments.
    SocketIoPacket packet(parsed.attachments.isEmpty() ? SocketIoPacket::Event
                                                       : SocketIoPacket::BinaryEvent,
                          parsed.nsp, QJsonDocument(parsed.data).toJson(QJsonDocument::Compact));
    packet.attachments = parsed.attachments;
    QString invalid;
    if (!SocketIoEncoder::validate(packet, SocketIoProtocol::V5, &invalid))
        return failed(invalid);
    *step = parsed;
    return true;
}

bool SendScript::parse(QByteArrayView text, QList<ScriptStep> *steps, QString *error)
{
    steps->clear();
    int lineNumber = 0;
    while (!text.isEmpty()) {
        const qsizetype end = text.indexOf('\n');
        QByteArrayView line = end < 0 ? text : text.first(end);
        text = end < 0 ? QByteArrayView() : text.sliced(end + 1);
        ++lineNumber;
        line = line.trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        ScriptStep step;
        if (!parseLine(line, lineNumber, &step, error))
            return false;
        steps->append(step);
    }
    return true;
}
