// Writes MessagePack: single values, and JSON text in SioScope's form for MessagePack (see
// msgpackreader.h) turned back into the values it stands for, so that what the reader renders
// writes back to the same bytes: placeholders become bin values, the "_msgpack" forms their
// types, objects maps with their keys in the order written. Integers take the smallest form that
// holds them, as notepack.io (socket.io-msgpack-parser's encoder) writes them.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

class MsgpackWriter
{
public:
    void writeNil();
    void writeBoolean(bool value);
    void writeInteger(qint64 value);
    void writeUnsigned(quint64 value);
    void writeDouble(double value);
    void writeString(QByteArrayView utf8);
    void writeBinary(QByteArrayView bytes);
    void writeArrayHeader(quint32 count);
    void writeMapHeader(quint32 count);
    void writeExtension(qint8 type, QByteArrayView data);

    // `json` must be one JSON value; a placeholder's num picks its bytes from `binaries`.
    // Returns false with *error (what and where) when the text is not JSON, a placeholder has no
    // binary, or a "_msgpack" form is malformed; what was written so far stays.
    // One pass over the text after JsonScanner has validated it, without building a tree: a
    // container's header is written for up to 15 items and widened in place when it closes with
    // more; only an object with a "_placeholder" or "_msgpack" key (other than the placeholder
    // socket.io writes, {"_placeholder":true,"num":N}) is read again through a tree.
    bool writeJson(QByteArrayView json, const QList<QByteArray> &binaries, QString *error);

    const QByteArray &data() const { return m_data; }
    QByteArray take() { return std::exchange(m_data, {}); }

private:
    struct Transcoder;
    // writeJson through a tree of the whole text: what the one-pass transcoder falls back on for
    // errors (so that what was written and the error are the same as they always were).
    bool writeJsonTree(QByteArrayView json, const QList<QByteArray> &binaries, QString *error);
    void writeLength(uchar fix, uchar fixMax, uchar m8, uchar m16, uchar m32, quint32 length);

    QByteArray m_data;
};
