// Where a Socket.IO parser plugs in: how packets become Engine.IO messages and back. The client,
// the server and the session decoder speak to a parser only through this interface, so that the
// text parser (socket.io-parser, the default) and the msgpack parser are two implementations and
// not two copies of the roles and the views.
#pragma once

#include "engineio/engineiopacket.h"
#include "socketio/socketiopacket.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>

// Bounds on what a received packet may hold, checked before anything is buffered.
struct SocketIoParserLimits
{
    int maxAttachments = 10; // recent socket.io-parser refuses more
    int maxJsonDepth = 1000;
    qint64 maxAttachmentBytes = 100 * 1024 * 1024;
    // All the attachments of one packet together: what the decoder may hold while a packet is
    // incomplete (without it, 10 attachments could pin 10 x maxAttachmentBytes).
    qint64 maxPendingAttachmentBytes = 128 * 1024 * 1024;
};

// Decodes the Engine.IO MESSAGE packets of one direction into Socket.IO packets. Resumable: a
// packet may span several messages (the text parser's BINARY_* header and its attachments).
class SocketIoMessageDecoder
{
public:
    enum class Status { PacketReady, NeedMoreMessages, Error };

    virtual ~SocketIoMessageDecoder() = default;

    // One received MESSAGE: its data, and whether it was a binary message.
    virtual Status decode(const QByteArray &data, bool binary) = 0;
    // After PacketReady: the complete packet.
    virtual SocketIoPacket takePacket() = 0;
    // Whether a packet is partly received, how far it got (header and the parts received so
    // far), and how many parts it announced in all; for recording a packet cut short.
    virtual bool isAssembling() const = 0;
    virtual SocketIoPacket partialPacket() const = 0;
    virtual int announcedParts() const = 0;
    // After Error: which rule was broken, in words that name it.
    virtual QString errorString() const = 0;
    // Drops a half-assembled packet (after an error, or when a new session starts).
    virtual void reset() = 0;
};

class SocketIoParser
{
public:
    // The names users and the log give them: "default" (socket.io-parser) and "msgpack". Auto is
    // a choice, never a parser's kind: start with the text parser and take msgpack when the
    // server shows that it speaks it (SocketIoClient).
    enum class Kind { Default, Msgpack, Auto };

    // What goes on the wire for one packet, and what its record keeps as the raw frame.
    struct Encoded
    {
        QList<EngineIoPacket> messages;
        QByteArray raw; // text parser: "4" + the text message; msgpack: the binary message
    };

    virtual ~SocketIoParser() = default;

    virtual Kind kind() const = 0;
    static QString kindName(Kind kind);
    // "default", "msgpack" or "auto" (as the CLI and the profiles write it); false for anything
    // else.
    static bool kindFromName(const QString &name, Kind *kind);

    // Checks a packet before it is sent, with the rules the decoder applies to received ones.
    virtual bool validate(const SocketIoPacket &packet, SocketIoProtocol protocol,
                          QString *error) const = 0;
    // Encodes a packet that validate() accepted.
    virtual Encoded encode(const SocketIoPacket &packet, SocketIoProtocol protocol) const = 0;
    // validate(), then encode(): what a send does. A parser that checks while it writes
    // overrides it to read the packet once.
    virtual bool checkAndEncode(const SocketIoPacket &packet, SocketIoProtocol protocol,
                                Encoded *encoded, QString *error) const;
    virtual std::unique_ptr<SocketIoMessageDecoder>
    createDecoder(SocketIoProtocol protocol, const SocketIoParserLimits &limits) const = 0;
};

// socket.io-parser's text encoding: "<type>[<n>-][<nsp>,][<id>][<json>]", attachments as
// separate binary messages (SocketIoEncoder and SocketIoDecoder).
class SocketIoTextParser final : public SocketIoParser
{
public:
    Kind kind() const override { return Kind::Default; }
    bool validate(const SocketIoPacket &packet, SocketIoProtocol protocol,
                  QString *error) const override;
    Encoded encode(const SocketIoPacket &packet, SocketIoProtocol protocol) const override;
    std::unique_ptr<SocketIoMessageDecoder>
    createDecoder(SocketIoProtocol protocol, const SocketIoParserLimits &limits) const override;
};
