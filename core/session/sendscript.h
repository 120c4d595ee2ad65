// Scripts of packets to send (`sioscope-cli record --send`): JSON Lines in the log format's
// vocabulary, e.g. {"type":"EVENT","nsp":"/","data":["echo","hi"],"ack":true,"delay_ms":100}.
#pragma once

#include "socketio/socketiopacket.h"

#include <QByteArrayView>
#include <QJsonArray>
#include <QList>
#include <QString>

struct ScriptStep
{
    SocketIoPacket::Type type =
        SocketIoPacket::Event; // EVENT (binary when attachments) or DISCONNECT
    QString nsp = QStringLiteral("/");
    QJsonArray data;               // [event, args...], placeholders for binary arguments
    QList<QByteArray> attachments; // decoded from base64
    bool ack = false;
    int delayMs = 0;
    int line = 0; // 1-based, for messages
};

class SendScript
{
public:
    // Parses the whole script. Blank lines and lines starting with '#' are skipped. On the first
    // bad line, returns false with an error naming the line and the field, e.g.
    // "line 3: \"data\" must be a non-empty array whose first item is the event name".
    static bool parse(QByteArrayView text, QList<ScriptStep> *steps, QString *error);
    static bool parseLine(QByteArrayView line, int lineNumber, ScriptStep *step, QString *error);
};
