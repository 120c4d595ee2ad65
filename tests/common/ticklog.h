// JSON Lines logs made of numbered `tick` events, for the tests of opening and reading logs: line
// i is an incoming EVENT ["tick", i] on `nsp`, so a test can tell which records were read.
#pragma once

#include <QByteArray>

inline QByteArray tickRecordLine(int i, const QByteArray &nsp = "/")
{
    return QByteArrayLiteral("{\"ts\":\"2026-12-07T10:00:00.000001Z\",\"dir\":\"in\",\"layer\":"
                             "\"sio\",\"type\":\"EVENT\",\"nsp\":\"") +
           nsp + QByteArrayLiteral("\",\"data\":[\"tick\",") + QByteArray::number(i) +
           QByteArrayLiteral("]}\n");
}

// Lines 0 .. count-1.
inline QByteArray tickRecordLines(int count, const QByteArray &nsp = "/")
{
    QByteArray out;
    out.reserve(qsizetype(count) * 120);
    for (int i = 0; i < count; ++i)
        out += tickRecordLine(i, nsp);
    return out;
}
