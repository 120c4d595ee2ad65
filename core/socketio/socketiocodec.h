// The Socket.IO packet codec, protocol v5 and v4. A plain reusable class with no I/O: the client,
// the server, the importers and the fuzzers all use it.
#pragma once

#include "common/jsonscanner.h"
#include "engineio/engineiopacket.h"
#include "socketio/socketiopacket.h"
#include "socketio/socketioparser.h"

#include <QAnyStringView>
#include <QByteArray>
#include <QString>

// What the payload rules read of a payload: JsonScanner finds it in JSON text, the msgpack
// parser in the MessagePack value (kinds as that value renders to JSON).
struct SocketIoPayloadShape
{
    JsonScanner::Kind kind = JsonScanner::Kind::Invalid;
    int itemCount = 0;                                            // arrays: items; objects: members
    JsonScanner::Kind firstItemKind = JsonScanner::Kind::Invalid; // arrays: the first item's
    QAnyStringView firstString; // when firstItemKind is String: that string
};

class SocketIoEncoder
{
public:
    // The text part of the packet: "<type>[<n>-][<nsp>,][<id>][<json>]". The namespace is left
    // out when it is "/" (and, v4 CONNECT, written as "<nsp>?<query>,"). BINARY_* packets carry
    // the attachment count; their attachments travel as separate binary Engine.IO messages.
    static QByteArray encode(const SocketIoPacket &packet, SocketIoProtocol protocol);
    // The Engine.IO MESSAGE packets that carry it: the encoded text, then one binary message per
    // attachment.
    static QList<EngineIoPacket> messages(const SocketIoPacket &packet, const QByteArray &text);

    // Checks a packet before it is sent, with the same rules the decoder applies to received
    // packets: payload shape per type, placeholders numbered 0..n-1 matching the attachments,
    // a BINARY_* type exactly when there are attachments, namespace starting with "/".
    static bool validate(const SocketIoPacket &packet, SocketIoProtocol protocol, QString *error);
    // validate() in two halves, for a parser that reads the payload's shape itself. Everything
    // but the payload: type, namespace, query, ack id, and the attachments' count and sizes.
    static bool validateEnvelope(const SocketIoPacket &packet, SocketIoProtocol protocol,
                                 QString *error);
    // The rules on the payload of a `type` packet (`present`: it has one) of that shape.
    static bool validatePayloadShape(SocketIoPacket::Type type, SocketIoProtocol protocol,
                                     bool present, const SocketIoPayloadShape &shape,
                                     QString *error);
};

// Decodes received packets. Resumable across Engine.IO messages: a BINARY_* header announces N
// attachments, and the next N binary messages complete it.
class SocketIoDecoder
{
public:
    enum class Status { PacketReady, NeedAttachments, Error };

    using Limits = SocketIoParserLimits;

    explicit SocketIoDecoder(SocketIoProtocol protocol = SocketIoProtocol::V5);

    void setProtocol(SocketIoProtocol protocol);
    SocketIoProtocol protocol() const { return m_protocol; }
    void setLimits(const Limits &limits) { m_limits = limits; }
    Limits limits() const { return m_limits; }

    // A text Engine.IO message. Fails when attachments are still pending.
    Status decodeText(const QByteArray &text);
    // A binary Engine.IO message. Fails when no attachments are pending.
    Status decodeBinary(const QByteArray &data);

    // After PacketReady: the complete packet (attachments included).
    SocketIoPacket takePacket();
    bool isAwaitingAttachments() const { return m_awaiting > 0; }
    int pendingAttachmentCount() const { return m_awaiting; }
    // Bytes of the attachments received so far for the packet being assembled.
    qint64 pendingAttachmentBytes() const { return m_pendingBytes; }
    // While isAwaitingAttachments(): the packet as far as it got (header and the attachments
    // received so far), so that a packet cut short can still be recorded. Empty otherwise.
    SocketIoPacket pendingPacket() const;

    // After Error: which rule was broken, in words a user can act on, e.g.
    // "invalid packet type '9'", "EVENT payload must be a non-empty array",
    // "placeholder num 2 out of range (2 attachments)",
    // "binary message with no pending attachments".
    QString errorString() const { return m_error; }
    // The packet header being assembled when the error happened, if any (text part).
    QByteArray pendingText() const { return m_pendingText; }
    // Drops a half-assembled packet (after an error, or when the connection restarts).
    void reset();

private:
    Status fail(const QString &message);
    // The namespace as a QString, converted once per distinct namespace rather than per packet.
    QString namespaceFor(QByteArrayView bytes);

    SocketIoProtocol m_protocol;
    Limits m_limits;
    SocketIoPacket m_packet;
    QByteArray m_pendingText;
    int m_awaiting = 0;
    qint64 m_pendingBytes = 0;
    bool m_ready = false;
    QString m_error;
    QByteArray m_lastNamespaceBytes;
    QString m_lastNamespace;
};
