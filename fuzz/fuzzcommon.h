// Shared by the libFuzzer targets: an invariant check that aborts (libFuzzer then saves the
// input as a crash), and comparisons for the round-trip properties.
#pragma once

#include "socketio/packetrecord.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition, what)                                                            \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            std::fprintf(stderr, "invariant broken: %s (%s:%d): %s\n", #condition, __FILE__,   \
                         __LINE__, QString(what).toLocal8Bit().constData());                   \
            std::abort();                                                                      \
        }                                                                                      \
    } while (false)

inline QByteArrayView fuzzInput(const uint8_t *data, size_t size)
{
    return QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size));
}

// Splits `input` at '\n' into lines (the last one may lack it).
template <typename Fn>
void forEachLine(QByteArrayView input, Fn &&fn)
{
    while (!input.isEmpty()) {
        const qsizetype end = input.indexOf('\n');
        fn(end < 0 ? input : input.first(end));
        input = end < 0 ? QByteArrayView() : input.sliced(end + 1);
    }
}

// Field by field; empty when the records are the same.
inline QString recordDifference(const PacketRecord &a, const PacketRecord &b)
{
    if (a.timeUs != b.timeUs)
        return QStringLiteral("timeUs %1 != %2").arg(a.timeUs).arg(b.timeUs);
    if (a.direction != b.direction)
        return QStringLiteral("direction");
    if (a.layer != b.layer)
        return QStringLiteral("layer");
    if (a.type != b.type)
        return QStringLiteral("type %1 != %2").arg(a.type).arg(b.type);
    if (a.transport != b.transport)
        return QStringLiteral("transport");
    if (a.nsp != b.nsp)
        return QStringLiteral("nsp '%1' != '%2'").arg(a.nsp, b.nsp);
    if (a.id != b.id)
        return QStringLiteral("id %1 != %2").arg(a.id).arg(b.id);
    if (a.payload != b.payload)
        return QStringLiteral("payload '%1' != '%2'")
            .arg(QString::fromLatin1(a.payload.toHex()), QString::fromLatin1(b.payload.toHex()));
    if (a.attachments != b.attachments)
        return QStringLiteral("attachments");
    if (a.raw != b.raw)
        return QStringLiteral("raw '%1' != '%2'")
            .arg(QString::fromLatin1(a.raw.toHex()), QString::fromLatin1(b.raw.toHex()));
    if (a.error != b.error)
        return QStringLiteral("error '%1' != '%2'").arg(a.error, b.error);
    if (a.rttUs != b.rttUs)
        return QStringLiteral("rttUs %1 != %2").arg(a.rttUs).arg(b.rttUs);
    return QString();
}
