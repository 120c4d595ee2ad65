#include "socketio/socketiocodec.h"

#include "common/bytetext.h"
#include "common/jsonscanner.h"
#include "common/utf8.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace {

// Ack ids are JavaScript numbers on the other side: beyond this they stop being exact.
constexpr qint64 MaxAckId = 9007199254740991; // Number.MAX_SAFE_INTEGER

// Event names the JavaScript implementations use for themselves (socket.io-parser refuses them).
constexpr QLatin1StringView ReservedEventNames[] = {
    QLatin1StringView("connect"),     QLatin1StringView("connect_error"),
    QLatin1StringView("disconnect"),  QLatin1StringView("disconnecting"),
    QLatin1StringView("newListener"), QLatin1StringView("removeListener"),
};

const QString &rootNamespace()
{
    static const QString root = QStringLiteral("/");
    return root;
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// The type as the protocol revision names it: type 4 is ERROR in v4.
QString typeLabel(SocketIoPacket::Type type, SocketIoProtocol protocol)
{
    if (type == SocketIoPacket::ConnectError && protocol == SocketIoProtocol::V4)
        return QStringLiteral("ERROR");
    return SocketIoPacket::typeName(type);
}

QString attachmentsPhrase(qsizetype count)
{
    return count == 1 ? QStringLiteral("1 attachment")
                      : QStringLiteral("%1 attachments").arg(count);
}

// The writers below fill a buffer sized in advance: the encoder allocates exactly once.

char *writeDecimal(char *out, qint64 value)
{
    char digits[20];
    int length = 0;
    do {
        digits[length++] = char('0' + value % 10);
        value /= 10;
    } while (value > 0);
    while (length > 0)
        *out++ = digits[--length];
    return out;
}

// At most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units). A lone surrogate
// becomes U+FFFD, as in QString::toUtf8().
char *writeUtf8(char *out, QStringView text)
{
    const char16_t *unit = text.utf16();
    const char16_t *end = unit + text.size();
    while (unit < end) {
        char32_t c = *unit++;
        if (c < 0x80) { // namespaces are nearly always ASCII
            *out++ = char(c);
            continue;
        }
        if (QChar::isHighSurrogate(c) && unit < end && QChar::isLowSurrogate(*unit))
            c = QChar::surrogateToUcs4(char16_t(c), *unit++);
        else if (QChar::isSurrogate(c))
            c = QChar::ReplacementCharacter;
        out = Utf8::put(out, c);
    }
    return out;
}

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

// The payload rules on a payload's shape, shared by the decoder, SocketIoEncoder::validate()
// and the msgpack parser (which reads the shape off the MessagePack value).
bool checkShape(SocketIoPacket::Type type, SocketIoProtocol protocol, bool present,
                const SocketIoPayloadShape &shape, QString *error)
{
    using Kind = JsonScanner::Kind;
    const auto label = [&] { return typeLabel(type, protocol); }; // for error messages only
    switch (type) {
    case SocketIoPacket::Connect:
        if (present && shape.kind != Kind::Object)
            return fail(error, QStringLiteral("CONNECT payload must be an object"));
        break;
    case SocketIoPacket::ConnectError:
        if (present && shape.kind != Kind::Object && shape.kind != Kind::String)
            return fail(error,
                        QStringLiteral("%1 payload must be a string or an object").arg(label()));
        break;
    case SocketIoPacket::Event:
    case SocketIoPacket::BinaryEvent:
        if (!present || shape.kind != Kind::Array || shape.itemCount == 0)
            return fail(error, QStringLiteral("%1 payload must be a non-empty array").arg(label()));
        if (shape.firstItemKind == Kind::String) {
            // The sizes first: equal strings have equal sizes in any encoding when one of
            // them is ASCII, and a comparison across encodings costs far more.
            for (QLatin1StringView reserved : ReservedEventNames) {
                if (shape.firstString.size() == reserved.size() && shape.firstString == reserved)
                    return fail(error, QStringLiteral("event name '%1' is reserved").arg(reserved));
            }
        } else if (shape.firstItemKind != Kind::Number) {
            return fail(
                error, QStringLiteral("%1 name (the first array item) must be a string or a number")
                           .arg(label()));
        }
        break;
    case SocketIoPacket::Ack:
    case SocketIoPacket::BinaryAck:
        if (!present || shape.kind != Kind::Array)
            return fail(error, QStringLiteral("%1 payload must be an array").arg(label()));
        break;
    case SocketIoPacket::Disconnect:
        if (present)
            return fail(error, QStringLiteral("DISCONNECT packet must not have a payload"));
        break;
    }
    return true;
}

// The payload rules on JSON text: the shape from JsonScanner, and placeholders checked against
// `attachmentCount` when `checkPlaceholders` is set.
bool checkPayload(SocketIoPacket::Type type, SocketIoProtocol protocol, QByteArrayView payload,
                  int maxDepth, bool checkPlaceholders, qsizetype attachmentCount,
                  JsonScanner::Result *scanned, QString *error)
{
    const bool present = !payload.isEmpty();
    SocketIoPayloadShape shape;
    if (present && type != SocketIoPacket::Disconnect) {
        *scanned = JsonScanner::scan(payload, maxDepth);
        if (scanned->kind == JsonScanner::Kind::Invalid)
            return fail(error, QStringLiteral("invalid JSON payload: %1").arg(scanned->error));
        shape.kind = scanned->kind;
        shape.itemCount = scanned->itemCount;
        shape.firstItemKind = scanned->firstItemKind;
        shape.firstString = scanned->firstString;
    }
    if (!checkShape(type, protocol, present, shape, error))
        return false;
    if (checkPlaceholders) {
        for (int num : std::as_const(scanned->placeholders)) {
            if (num >= attachmentCount)
                return fail(error, QStringLiteral("placeholder num %1 out of range (%2)")
                                       .arg(num)
                                       .arg(attachmentsPhrase(attachmentCount)));
        }
    }
    return true;
}

bool carriesAckId(SocketIoPacket::Type type)
{
    return type == SocketIoPacket::Event || type == SocketIoPacket::Ack ||
           type == SocketIoPacket::BinaryEvent || type == SocketIoPacket::BinaryAck;
}

bool needsAckId(SocketIoPacket::Type type)
{
    return type == SocketIoPacket::Ack || type == SocketIoPacket::BinaryAck;
}

} // namespace

// --- Encoder --------------------------------------------------------------------------------

QByteArray SocketIoEncoder::encode(const SocketIoPacket &packet, SocketIoProtocol protocol)
{
    const bool writeQuery = protocol == SocketIoProtocol::V4 &&
                            packet.type == SocketIoPacket::Connect && !packet.query.isEmpty();
    const bool writeNamespace = writeQuery || (!packet.nsp.isEmpty() && packet.nsp != u"/");

    // An upper bound of the size; the buffer is cut to the written length at the end.
    qsizetype capacity = 1 + packet.payload.size();
    if (packet.isBinary())
        capacity += 20 + 1; // count and '-'
    if (writeNamespace)
        capacity += 3 * (std::max<qsizetype>(packet.nsp.size(), 1) + packet.query.size()) + 2;
    if (packet.hasId())
        capacity += 20;
    QByteArray out(capacity, Qt::Uninitialized);
    char *const begin = out.data();
    char *cursor = begin;

    *cursor++ = char('0' + packet.type);
    if (packet.isBinary()) {
        cursor = writeDecimal(cursor, packet.attachments.size());
        *cursor++ = '-';
    }
    if (writeNamespace) {
        cursor = writeUtf8(cursor, packet.nsp.isEmpty() ? rootNamespace() : packet.nsp);
        if (writeQuery) {
            *cursor++ = '?';
            cursor = writeUtf8(cursor, packet.query);
        }
        *cursor++ = ',';
    }
    if (packet.hasId())
        cursor = writeDecimal(cursor, packet.id);
    if (!packet.payload.isEmpty()) {
        memcpy(cursor, packet.payload.constData(), size_t(packet.payload.size()));
        cursor += packet.payload.size();
    }
    out.truncate(cursor - begin);
    return out;
}

QList<EngineIoPacket> SocketIoEncoder::messages(const SocketIoPacket &packet,
                                                const QByteArray &text)
{
    QList<EngineIoPacket> messages;
    messages.reserve(1 + packet.attachments.size());
    messages.append(EngineIoPacket(EngineIoPacket::Message, text));
    for (const QByteArray &attachment : packet.attachments)
        messages.append(EngineIoPacket(EngineIoPacket::Message, attachment, true));
    return messages;
}

bool SocketIoEncoder::validateEnvelope(const SocketIoPacket &packet, SocketIoProtocol protocol,
                                       QString *error)
{
    if (packet.type > SocketIoPacket::BinaryAck)
        return fail(error, QStringLiteral("invalid packet type %1").arg(int(packet.type)));
    const auto label = [&] { return typeLabel(packet.type, protocol); };

    if (!packet.nsp.startsWith(u'/'))
        return fail(error, QStringLiteral("namespace '%1' must start with '/'").arg(packet.nsp));
    // A comma ends the namespace on the wire, so one inside could not be decoded back.
    if (packet.nsp.contains(u','))
        return fail(error, QStringLiteral("namespace '%1' must not contain ','").arg(packet.nsp));
    if (protocol == SocketIoProtocol::V4 && packet.nsp.contains(u'?'))
        return fail(error, QStringLiteral("namespace '%1' must not contain '?' in protocol v4 (the "
                                          "query string goes in the query field)")
                               .arg(packet.nsp));
    if (!packet.query.isEmpty()) {
        if (protocol != SocketIoProtocol::V4 || packet.type != SocketIoPacket::Connect)
            return fail(error, QStringLiteral("a query string is only sent with CONNECT in "
                                              "protocol v4"));
        if (packet.query.contains(u','))
            return fail(error, QStringLiteral("query string must not contain ','"));
    }

    if (packet.id < -1)
        return fail(error, QStringLiteral("invalid ack id %1").arg(packet.id));
    if (packet.id > MaxAckId)
        return fail(
            error,
            QStringLiteral("ack id %1 out of range (at most %2)").arg(packet.id).arg(MaxAckId));
    if (packet.hasId() && !carriesAckId(packet.type))
        return fail(error, QStringLiteral("%1 packet cannot carry an ack id").arg(label()));
    if (!packet.hasId() && needsAckId(packet.type))
        return fail(error, QStringLiteral("%1 packet must carry an ack id").arg(label()));

    const qsizetype attachmentCount = packet.attachments.size();
    const SocketIoDecoder::Limits limits;
    if (packet.isBinary() && attachmentCount == 0)
        return fail(error,
                    QStringLiteral("%1 packet must have at least one attachment").arg(label()));
    if (!packet.isBinary() && attachmentCount > 0)
        return fail(error, QStringLiteral("%1 packet cannot have attachments (%2); use %3")
                               .arg(label(), attachmentsPhrase(attachmentCount),
                                    SocketIoPacket::typeName(packet.type == SocketIoPacket::Ack
                                                                 ? SocketIoPacket::BinaryAck
                                                                 : SocketIoPacket::BinaryEvent)));
    if (attachmentCount > limits.maxAttachments)
        return fail(error, QStringLiteral("too many attachments (%1, at most %2)")
                               .arg(attachmentCount)
                               .arg(limits.maxAttachments));
    for (qsizetype i = 0; i < attachmentCount; ++i) {
        if (packet.attachments[i].size() > limits.maxAttachmentBytes)
            return fail(error, QStringLiteral("attachment %1 of %2 bytes exceeds the limit of %3 "
                                              "bytes")
                                   .arg(i)
                                   .arg(packet.attachments[i].size())
                                   .arg(limits.maxAttachmentBytes));
    }
    return true;
}

bool SocketIoEncoder::validate(const SocketIoPacket &packet, SocketIoProtocol protocol,
                               QString *error)
{
    if (!validateEnvelope(packet, protocol, error))
        return false;
    const qsizetype attachmentCount = packet.attachments.size();
    const SocketIoDecoder::Limits limits;
    JsonScanner::Result scanned;
    if (!checkPayload(packet.type, protocol, packet.payload, limits.maxJsonDepth, true,
                      attachmentCount, &scanned, error))
        return false;
    // Each attachment must be referenced, or the peer would receive a buffer it cannot place.
    for (qsizetype i = 0; i < attachmentCount; ++i) {
        if (!scanned.placeholders.contains(int(i)))
            return fail(
                error, QStringLiteral("attachment %1 is not referenced by any placeholder").arg(i));
    }
    return true;
}

bool SocketIoEncoder::validatePayloadShape(SocketIoPacket::Type type, SocketIoProtocol protocol,
                                           bool present, const SocketIoPayloadShape &shape,
                                           QString *error)
{
    return checkShape(type, protocol, present, shape, error);
}

// --- Decoder --------------------------------------------------------------------------------

SocketIoDecoder::SocketIoDecoder(SocketIoProtocol protocol)
    : m_protocol(protocol)
{
}

void SocketIoDecoder::setProtocol(SocketIoProtocol protocol)
{
    m_protocol = protocol;
}

SocketIoDecoder::Status SocketIoDecoder::fail(const QString &message)
{
    m_error = message;
    m_packet = SocketIoPacket();
    m_awaiting = 0;
    m_pendingBytes = 0;
    m_ready = false;
    return Status::Error;
}

QString SocketIoDecoder::namespaceFor(QByteArrayView bytes)
{
    if (bytes == "/")
        return rootNamespace();
    if (bytes != m_lastNamespaceBytes) {
        m_lastNamespaceBytes = bytes.toByteArray();
        m_lastNamespace = QString::fromUtf8(bytes);
    }
    return m_lastNamespace;
}

// Follows socket.io-parser's decodeString(): type, "<n>-" for BINARY_*, "/nsp," and the ack
// id digits, then the JSON payload; plus the spec's rules on payloads and ids.
SocketIoDecoder::Status SocketIoDecoder::decodeText(const QByteArray &text)
{
    if (m_awaiting > 0) {
        // Keep m_pendingText: it is the header of the packet that was cut short.
        return fail(QStringLiteral("text message while %1 %2 pending")
                        .arg(attachmentsPhrase(m_awaiting),
                             m_awaiting == 1 ? QStringLiteral("is") : QStringLiteral("are")));
    }
    m_pendingText.clear();
    m_ready = false;
    m_packet = SocketIoPacket();

    const char *data = text.constData();
    const qsizetype size = text.size();
    if (size == 0)
        return fail(QStringLiteral("empty packet"));
    if (data[0] < '0' || data[0] > '6')
        return fail(QStringLiteral("invalid packet type %1").arg(describeByte(data[0])));
    const auto type = SocketIoPacket::Type(data[0] - '0');
    const auto label = [&] { return typeLabel(type, m_protocol); }; // for error messages only
    qsizetype pos = 1;

    int attachmentCount = 0;
    if (type == SocketIoPacket::BinaryEvent || type == SocketIoPacket::BinaryAck) {
        const qsizetype start = pos;
        qint64 count = 0;
        while (pos < size && isDigit(data[pos])) {
            if (count <= INT_MAX)
                count = count * 10 + (data[pos] - '0');
            ++pos;
        }
        if (pos >= size || data[pos] != '-')
            return fail(QStringLiteral("invalid %1 attachment count: expected digits followed by "
                                       "'-', found %2")
                            .arg(label(), pos >= size ? QStringLiteral("end of packet")
                                                      : describeByte(data[pos])));
        if (pos == start)
            return fail(
                QStringLiteral("invalid %1 attachment count: no digits before '-'").arg(label()));
        if (count < 1) // recent socket.io-parser refuses 0: a BINARY_* packet carries binary
            return fail(QStringLiteral("invalid %1 attachment count 0 (at least 1)").arg(label()));
        if (count > m_limits.maxAttachments)
            return fail(QStringLiteral("too many attachments (%1, at most %2)")
                            .arg(count > INT_MAX ? QString::fromLatin1(data + start, pos - start)
                                                 : QString::number(count))
                            .arg(m_limits.maxAttachments));
        attachmentCount = int(count);
        ++pos; // '-'
    }

    if (pos < size && data[pos] == '/') {
        const qsizetype start = pos;
        const char *comma = static_cast<const char *>(memchr(data + pos, ',', size_t(size - pos)));
        const qsizetype end = comma ? comma - data : size;
        QByteArrayView nsp(data + start, end - start);
        // The reference lets a namespace run to the end of the packet; a packet that needs a
        // payload then has none, most likely because the ',' is missing before it.
        if (!comma && (type == SocketIoPacket::Event || type == SocketIoPacket::BinaryEvent ||
                       type == SocketIoPacket::Ack || type == SocketIoPacket::BinaryAck))
            return fail(QStringLiteral("namespace '%1' is not followed by ','")
                            .arg(QString::fromUtf8(nsp)));
        if (m_protocol == SocketIoProtocol::V4) {
            // v4 CONNECT carries the auth as a query string: "0/admin?token=abc,".
            const qsizetype question = nsp.indexOf('?');
            if (question >= 0) {
                m_packet.query = QString::fromUtf8(nsp.sliced(question + 1));
                nsp = nsp.first(question);
            }
        }
        m_packet.nsp = nsp == "/" || nsp.isEmpty() ? rootNamespace() : namespaceFor(nsp);
        pos = comma ? end + 1 : end;
    }

    if (pos < size && isDigit(data[pos])) {
        const qsizetype start = pos;
        qint64 id = 0;
        bool tooLarge = false;
        while (pos < size && isDigit(data[pos])) {
            if (id > (MaxAckId - 9) / 10 && id * 10 + (data[pos] - '0') > MaxAckId)
                tooLarge = true;
            else if (!tooLarge)
                id = id * 10 + (data[pos] - '0');
            ++pos;
        }
        if (tooLarge)
            return fail(QStringLiteral("ack id %1 out of range (at most %2)")
                            .arg(QString::fromLatin1(data + start, pos - start))
                            .arg(MaxAckId));
        if (!carriesAckId(type))
            return fail(QStringLiteral("%1 packet cannot carry an ack id").arg(label()));
        m_packet.id = id;
    }
    if (!m_packet.hasId() && needsAckId(type))
        return fail(QStringLiteral("%1 packet must carry an ack id").arg(label()));

    const QByteArrayView payload(data + pos, size - pos);
    JsonScanner::Result scanned;
    QString error;
    if (!checkPayload(type, m_protocol, payload, m_limits.maxJsonDepth, attachmentCount > 0,
                      attachmentCount, &scanned, &error))
        return fail(error);

    m_packet.type = type;
    if (!payload.isEmpty())
        m_packet.payload = text.sliced(pos);
    if (attachmentCount > 0) {
        m_packet.attachments.reserve(attachmentCount);
        m_awaiting = attachmentCount;
        m_pendingText = text;
        return Status::NeedAttachments;
    }
    m_ready = true;
    return Status::PacketReady;
}

SocketIoDecoder::Status SocketIoDecoder::decodeBinary(const QByteArray &data)
{
    if (m_awaiting == 0)
        return fail(QStringLiteral("binary message with no pending attachments"));
    if (data.size() > m_limits.maxAttachmentBytes)
        return fail(QStringLiteral("attachment of %1 bytes exceeds the limit of %2 bytes")
                        .arg(data.size())
                        .arg(m_limits.maxAttachmentBytes));
    if (data.size() > m_limits.maxPendingAttachmentBytes - m_pendingBytes)
        return fail(QStringLiteral("attachments of one packet exceed the limit of %1 bytes in "
                                   "total (%2 bytes with attachment %3 of %4)")
                        .arg(m_limits.maxPendingAttachmentBytes)
                        .arg(m_pendingBytes + data.size())
                        .arg(m_packet.attachments.size() + 1)
                        .arg(m_packet.attachments.size() + m_awaiting));
    m_pendingBytes += data.size();
    m_packet.attachments.append(data);
    if (--m_awaiting > 0)
        return Status::NeedAttachments;
    m_pendingBytes = 0;
    m_pendingText.clear();
    m_ready = true;
    return Status::PacketReady;
}

SocketIoPacket SocketIoDecoder::takePacket()
{
    if (!m_ready)
        return {};
    m_ready = false;
    SocketIoPacket packet = std::move(m_packet);
    m_packet = SocketIoPacket();
    return packet;
}

SocketIoPacket SocketIoDecoder::pendingPacket() const
{
    return m_awaiting > 0 ? m_packet : SocketIoPacket();
}

void SocketIoDecoder::reset()
{
    m_packet = SocketIoPacket();
    m_pendingText.clear();
    m_awaiting = 0;
    m_pendingBytes = 0;
    m_ready = false;
    m_error.clear();
}
