// Binary arguments as scenarios write them: {"$binary": "<base64>"} (or, to send, {"$file":
// "<path>"}) where the Socket.IO packet has a placeholder {"_placeholder": true, "num": i} and the
// bytes travel as attachment i.
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QString>

namespace BinaryArguments {

// Received: each placeholder replaced by {"$binary": base64 of its attachment}.
QJsonValue fromPlaceholders(const QJsonValue &value, const QList<QByteArray> &attachments);
// To send: {"$binary"} and {"$file"} objects become placeholders, their bytes `attachments` in
// order. False with the reason when a $binary is not base64 or a $file cannot be read.
bool toPlaceholders(const QJsonValue &value, QJsonValue *out, QList<QByteArray> *attachments,
                    QString *error);

} // namespace BinaryArguments
