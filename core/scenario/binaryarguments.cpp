#include "scenario/binaryarguments.h"

#include "common/base64.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>

namespace BinaryArguments {

QJsonValue fromPlaceholders(const QJsonValue &value, const QList<QByteArray> &attachments)
{
    if (value.isArray()) {
        QJsonArray out;
        for (const QJsonValue &item : value.toArray())
            out.append(fromPlaceholders(item, attachments));
        return out;
    }
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        if (object.value(QLatin1String("_placeholder")).toBool() && object.size() == 2) {
            const int num = object.value(QLatin1String("num")).toInt(-1);
            if (num >= 0 && num < attachments.size())
                return QJsonObject{{QStringLiteral("$binary"),
                                    QString::fromLatin1(attachments.at(num).toBase64())}};
        }
        QJsonObject out;
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            out.insert(it.key(), fromPlaceholders(it.value(), attachments));
        return out;
    }
    return value;
}

bool toPlaceholders(const QJsonValue &value, QJsonValue *out, QList<QByteArray> *attachments,
                    QString *error)
{
    if (value.isArray()) {
        QJsonArray array;
        for (const QJsonValue &item : value.toArray()) {
            QJsonValue v;
            if (!toPlaceholders(item, &v, attachments, error))
                return false;
            array.append(v);
        }
        *out = array;
        return true;
    }
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        if (object.size() == 1 && (object.contains(QLatin1String("$binary")) ||
                                   object.contains(QLatin1String("$file")))) {
            QByteArray bytes;
            if (object.contains(QLatin1String("$binary"))) {
                if (!Base64::decode(object.value(QLatin1String("$binary")).toString().toLatin1(),
                                    &bytes)) {
                    *error = QStringLiteral("$binary is not base64");
                    return false;
                }
            } else {
                QFile file(object.value(QLatin1String("$file")).toString());
                if (!file.open(QIODevice::ReadOnly)) {
                    *error = QStringLiteral("cannot read the $file %1: %2")
                                 .arg(file.fileName(), file.errorString());
                    return false;
                }
                bytes = file.readAll();
            }
            *out = QJsonObject{{QStringLiteral("_placeholder"), true},
                               {QStringLiteral("num"), int(attachments->size())}};
            attachments->append(bytes);
            return true;
        }
        QJsonObject result;
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            QJsonValue v;
            if (!toPlaceholders(it.value(), &v, attachments, error))
                return false;
            result.insert(it.key(), v);
        }
        *out = result;
        return true;
    }
    *out = value;
    return true;
}

} // namespace BinaryArguments
