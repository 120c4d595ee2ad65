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
#include <QStringView>

class MsgpackWriter
{
public:
    void writeNil();
    void writeBoolean(bool value);
    void writeInteger(qint64 value);
    void writeUnsigned(quint64 value);
    void writeDouble(double value);
    void writeString(QByteArrayView utf8);
    void writeString(QStringView text); // as UTF-8 (a lone surrogate as U+FFFD)
    void writeBinary(QByteArrayView bytes);
    void writeArrayHeader(quint32 count);
    void writeMapHeader(quint32 count);
    void writeExtension(qint8 type, QByteArrayView data);
    // Bytes that are MessagePack already (a head the caller has composed of constant parts).
    void writeRaw(QByteArrayView bytes) { m_data.append(bytes); }

    // `json` must be one JSON value; a placeholder's num picks its bytes from `binaries`.
    // Returns false with *error (what and where) when the text is not JSON, a placeholder has no
    // binary, or a "_msgpack" form is malformed; what was written so far stays.
    // One pass over the text after JsonScanner has validated it, without building a tree: a
    // container's header is written for up to 15 items and widened in place when it closes with
    // more; only an object with a "_placeholder" or "_msgpack" key (other than the placeholder
    // socket.io writes, {"_placeholder":true,"num":N}) is read again through a tree.
    bool writeJson(QByteArrayView json, const QList<QByteArray> &binaries, QString *error);

    // What the last writeJson() met, for a caller that checks a payload while it writes it
    // instead of scanning it first: the binaries written for placeholders in socket.io's form
    // (bit i: binary i, for i < 64), and whether any object went through the tree (a
    // "_placeholder" object in another form, or a "_msgpack" form).
    struct JsonStats
    {
        quint64 placedBinaries = 0;
        bool specialObjects = false;
    };
    JsonStats lastJsonStats() const { return m_jsonStats; }

    void reserve(qsizetype bytes) { m_data.reserve(bytes); }
    const QByteArray &data() const { return m_data; }
    QByteArray take() { return std::exchange(m_data, {}); }

private:
    struct Transcoder;
    // writeJson through a tree of the whole text: what the one-pass transcoder falls back on for
    // errors (so that what was written and the error are the same as they always were).
    bool writeJsonTree(QByteArrayView json, const QList<QByteArray> &binaries, QString *error);
    void writeLength(uchar fix, uchar fixMax, uchar m8, uchar m16, uchar m32, quint32 length);

    QByteArray m_data;
    JsonStats m_jsonStats;
};
