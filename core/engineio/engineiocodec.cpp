#include "engineio/engineiocodec.h"

#include "common/base64.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace {

constexpr char kRecordSeparator = '\x1e'; // joins v4 polling packets
constexpr char kV3BinaryFrameType = 4;    // first byte of a v3 binary WebSocket frame
constexpr int kMaxV3LengthDigits = 15;    // 10^15 is beyond any limit a qint64 could check

// A byte as the user should see it: printable ASCII quoted, anything else in hex.
QString describeByte(char c)
{
    const auto byte = uchar(c);
    if (byte > 0x20 && byte < 0x7f)
        return QStringLiteral("'%1'").arg(QLatin1Char(c));
    return QStringLiteral("0x%1").arg(byte, 2, 16, QLatin1Char('0'));
}

// UTF-16 code units of UTF-8 text, as JavaScript's String.length counts them: one per
// character, two for a character outside the BMP (a 4-byte sequence).
qsizetype utf16Length(QByteArrayView utf8)
{
    qsizetype units = 0;
    for (const char c : utf8) {
        const auto byte = uchar(c);
        units += (byte & 0xc0) != 0x80; // each lead byte starts a character
        units += byte >= 0xf0;          // ... and a 4-byte one needs a surrogate pair
    }
    return units;
}

QByteArrayView binaryPrefix(EngineIoVersion version)
{
    return version == EngineIoVersion::V4 ? QByteArrayView("b") : QByteArrayView("b4");
}

void appendText(QByteArray &out, const EngineIoPacket &packet, EngineIoVersion version)
{
    // Binary packets are always messages: v4 has no other form, and v3 servers send no other.
    Q_ASSERT_X(!packet.binary || packet.type == EngineIoPacket::Message, "EngineIoCodec",
               "binary packets must be messages");
    if (packet.binary) {
        out += binaryPrefix(version);
        out += packet.data.toBase64();
    } else {
        out += char('0' + packet.type);
        out += packet.data;
    }
}

qsizetype textSize(const EngineIoPacket &packet, EngineIoVersion version)
{
    return packet.binary ? binaryPrefix(version).size() + Base64::encodedLength(packet.data.size())
                         : 1 + packet.data.size();
}

// The start of a segment split in two views, for the record: at most MaxOffendingBytes, so that
// a huge segment is never copied whole.
QByteArray offendingStart(QByteArrayView first, QByteArrayView second = {})
{
    QByteArray start =
        first.first(std::min(first.size(), EngineIoCodec::MaxOffendingBytes)).toByteArray();
    start += second.first(std::min(second.size(), EngineIoCodec::MaxOffendingBytes - start.size()));
    return start;
}

// How many bytes of `available` may be read when `budget` more bytes are allowed: one past the
// budget at most, which is enough to prove a segment too large.
qsizetype readableBytes(qsizetype available, qsizetype budget)
{
    return budget < available ? budget + 1 : available;
}

bool setError(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

} // namespace

QByteArray EngineIoCodec::encodeText(const EngineIoPacket &packet, EngineIoVersion version)
{
    QByteArray text;
    text.reserve(textSize(packet, version));
    appendText(text, packet, version);
    return text;
}

QByteArray EngineIoCodec::encodeBinaryFrame(const QByteArray &data, EngineIoVersion version)
{
    if (version == EngineIoVersion::V4)
        return data; // shared, not copied
    QByteArray frame;
    frame.reserve(1 + data.size());
    frame += kV3BinaryFrameType;
    frame += data;
    return frame;
}

QByteArray EngineIoCodec::encodePayload(const QList<EngineIoPacket> &packets,
                                        EngineIoVersion version)
{
    QByteArray payload;
    if (version == EngineIoVersion::V4) {
        qsizetype size = packets.isEmpty() ? 0 : packets.size() - 1;
        for (const EngineIoPacket &packet : packets)
            size += textSize(packet, version);
        payload.reserve(size);
        for (const EngineIoPacket &packet : packets) {
            if (!payload.isEmpty())
                payload += kRecordSeparator;
            appendText(payload, packet, version);
        }
        return payload;
    }

    // engine.io-parser 2.x encodes an empty list as an empty packet.
    if (packets.isEmpty())
        return QByteArrayLiteral("0:");
    qsizetype size = 0;
    for (const EngineIoPacket &packet : packets)
        size += 12 + textSize(packet, version); // digits and ':' fit in 12 bytes
    payload.reserve(size);
    for (const EngineIoPacket &packet : packets) {
        // The binary form is ASCII, so its byte size is its UTF-16 length.
        const qsizetype units =
            packet.binary ? textSize(packet, version) : 1 + utf16Length(packet.data);
        payload += QByteArray::number(units);
        payload += ':';
        appendText(payload, packet, version);
    }
    return payload;
}

bool EngineIoCodec::decodeText(QByteArrayView text, EngineIoVersion version, EngineIoPacket *packet,
                               QString *error)
{
    if (text.isEmpty())
        return setError(error, QStringLiteral("empty packet"));

    const char first = text.front();
    if (first == 'b') {
        QByteArrayView base64 = text.sliced(1);
        if (version == EngineIoVersion::V3) {
            if (base64.isEmpty() || base64.front() != '4') {
                return setError(error,
                                QStringLiteral("v3 binary packet must start with \"b4\" (only "
                                               "messages carry binary data)"));
            }
            base64 = base64.sliced(1);
        }
        QByteArray data;
        if (!Base64::decode(base64, &data))
            return setError(error, QStringLiteral("invalid base64 in binary packet"));
        *packet = EngineIoPacket(EngineIoPacket::Message, std::move(data), true);
        return true;
    }

    if (first < '0' || first > '6') {
        return setError(
            error, QStringLiteral("unknown Engine.IO packet type %1").arg(describeByte(first)));
    }
    *packet = EngineIoPacket(EngineIoPacket::Type(first - '0'), text.sliced(1).toByteArray());
    return true;
}

bool EngineIoCodec::decodeText(QByteArray &&text, EngineIoVersion version, EngineIoPacket *packet,
                               QString *error)
{
    if (text.isEmpty() || text.front() < '0' || text.front() > '6')
        return decodeText(QByteArrayView(text), version, packet, error);
    const auto type = EngineIoPacket::Type(text.front() - '0');
    text.remove(0, 1); // unshared: Qt 6 only moves the start pointer
    *packet = EngineIoPacket(type, std::move(text));
    return true;
}

bool EngineIoCodec::decodeBinaryFrame(const QByteArray &frame, EngineIoVersion version,
                                      EngineIoPacket *packet, QString *error)
{
    if (version == EngineIoVersion::V4) {
        *packet = EngineIoPacket(EngineIoPacket::Message, frame, true);
        return true;
    }
    if (frame.isEmpty()) {
        return setError(error, QStringLiteral("empty v3 binary frame (it must start with the "
                                              "packet type byte 0x04)"));
    }
    if (frame.front() != kV3BinaryFrameType) {
        return setError(error, QStringLiteral("v3 binary frame starts with packet type byte "
                                              "0x%1; only messages (0x04) carry binary data")
                                   .arg(uchar(frame.front()), 2, 16, QLatin1Char('0')));
    }
    *packet = EngineIoPacket(EngineIoPacket::Message, frame.mid(1), true);
    return true;
}

QByteArray EngineIoCodec::encodeV3BinaryPayload(const QList<EngineIoPacket> &packets)
{
    QByteArray payload;
    for (const EngineIoPacket &packet : packets) {
        QByteArray bytes;
        if (packet.binary) {
            bytes = encodeBinaryFrame(packet.data, EngineIoVersion::V3);
            payload += char(1);
        } else {
            bytes = encodeText(packet, EngineIoVersion::V3);
            payload += char(0);
        }
        for (const char digit : QByteArray::number(bytes.size()))
            payload += char(digit - '0');
        payload += char(0xff);
        payload += bytes;
    }
    return payload;
}

bool EngineIoCodec::decodeV3BinaryPayload(QByteArrayView payload, qint64 maxPacketBytes,
                                          QList<EngineIoPacket> *packets, QString *error)
{
    if (payload.isEmpty())
        return setError(error, QStringLiteral("empty polling payload"));
    QList<EngineIoPacket> result;
    qsizetype pos = 0;
    while (pos < payload.size()) {
        const auto marker = uchar(payload[pos++]);
        if (marker > 1) {
            return setError(error, QStringLiteral("v3 binary payload: packet marker must be 0 "
                                                  "(text) or 1 (binary), found 0x%1")
                                       .arg(marker, 2, 16, QLatin1Char('0')));
        }
        qint64 length = 0;
        int digits = 0;
        while (true) {
            if (pos >= payload.size())
                return setError(error, QStringLiteral("v3 binary payload: body ended inside a "
                                                      "length prefix"));
            const auto byte = uchar(payload[pos++]);
            if (byte == 0xff)
                break;
            if (byte > 9 || ++digits > kMaxV3LengthDigits) {
                return setError(error, QStringLiteral("v3 binary payload: invalid length "
                                                      "prefix (byte 0x%1)")
                                           .arg(byte, 2, 16, QLatin1Char('0')));
            }
            length = length * 10 + byte;
        }
        if (digits == 0)
            return setError(error, QStringLiteral("v3 binary payload: empty length prefix"));
        if (length > maxPacketBytes) {
            return setError(
                error,
                QStringLiteral("polling packet exceeds the limit of %1 bytes").arg(maxPacketBytes));
        }
        if (length > payload.size() - pos) {
            return setError(error, QStringLiteral("v3 binary payload: packet cut short "
                                                  "(declared %1 bytes, %2 left)")
                                       .arg(length)
                                       .arg(payload.size() - pos));
        }
        const QByteArrayView bytes = payload.sliced(pos, qsizetype(length));
        pos += qsizetype(length);
        EngineIoPacket packet;
        const bool ok = marker == 0 ? decodeText(bytes, EngineIoVersion::V3, &packet, error)
                                    : decodeBinaryFrame(bytes.toByteArray(), EngineIoVersion::V3,
                                                        &packet, error);
        if (!ok)
            return false;
        result.append(std::move(packet));
    }
    *packets = std::move(result);
    return true;
}

// ---------------------------------------------------------------------------------------------

PollingPayloadDecoder::PollingPayloadDecoder(EngineIoVersion version, qint64 maxPacketBytes)
    : m_version(version)
    , m_maxPacketBytes(maxPacketBytes)
{
}

bool PollingPayloadDecoder::feed(QByteArrayView chunk)
{
    if (m_state == State::Failed)
        return false;
    m_bodyBytes += chunk.size();
    m_input = chunk;
    m_inputPos = 0;
    while (step() == Step::Continue) {
    }
    m_input = QByteArrayView();
    m_inputPos = 0;
    return m_state != State::Failed;
}

bool PollingPayloadDecoder::finish()
{
    if (m_state == State::Failed)
        return false;
    if (m_bodyBytes == 0)
        return fail(QStringLiteral("empty polling payload"), {});

    switch (m_state) {
    case State::Start:
    case State::ReadingV4Segment:
        // v4: no separator after the last packet.
        if (!acceptSegment(m_pending))
            return false;
        break;
    case State::ReadingV3Length:
        if (!m_pending.isEmpty()) {
            return fail(QStringLiteral("v3 payload: body ended inside a length prefix (no ':' "
                                       "after \"%1\")")
                            .arg(QString::fromLatin1(m_pending)),
                        m_pending);
        }
        break;
    case State::ReadingV3Packet: {
        const qint64 unitsComplete = m_v3UnitsRead - (m_v3CharBytesLeft > 0 ? m_v3CharUnits : 0);
        return fail(QStringLiteral("v3 payload: packet cut short (declared %1 UTF-16 units, body "
                                   "ended after %2)")
                        .arg(m_v3DeclaredUnits)
                        .arg(unitsComplete),
                    m_pending);
    }
    case State::Failed:
        return false;
    }
    clearBodyState(); // ready for the next body; the packets stay until taken
    return true;
}

void PollingPayloadDecoder::reset()
{
    clearBodyState();
    m_packets.clear();
    m_error.clear();
    m_offending.clear();
}

QList<EngineIoPacket> PollingPayloadDecoder::takePackets()
{
    return std::exchange(m_packets, {});
}

void PollingPayloadDecoder::clearBodyState()
{
    m_state = State::Start;
    m_pending.clear();
    m_bodyBytes = 0;
    m_v3DeclaredUnits = 0;
    m_v3UnitsRead = 0;
    m_v3CharBytesLeft = 0;
    m_v3CharUnits = 0;
}

PollingPayloadDecoder::Step PollingPayloadDecoder::step()
{
    switch (m_state) {
    case State::Start:
        m_state =
            m_version == EngineIoVersion::V4 ? State::ReadingV4Segment : State::ReadingV3Length;
        return Step::Continue;
    case State::ReadingV4Segment:
        return readV4Segment();
    case State::ReadingV3Length:
        return readV3Length();
    case State::ReadingV3Packet:
        return readV3Packet();
    case State::Failed:
        break;
    }
    return Step::NeedMoreData;
}

PollingPayloadDecoder::Step PollingPayloadDecoder::readV4Segment()
{
    const QByteArrayView rest = m_input.sliced(m_inputPos);
    if (rest.isEmpty())
        return Step::NeedMoreData;
    // Never look further than the limit allows: a separator beyond it changes nothing.
    const qsizetype budget = qsizetype(m_maxPacketBytes) - m_pending.size();
    const QByteArrayView searched = rest.first(readableBytes(rest.size(), budget));
    const qsizetype separator = searched.indexOf(kRecordSeparator);
    const QByteArrayView piece = separator < 0 ? searched : searched.first(separator);
    if (piece.size() > budget) {
        failOverLimit(m_pending, piece);
        return Step::NeedMoreData;
    }
    if (separator < 0) {
        m_pending += piece;
        m_inputPos = m_input.size();
        return Step::NeedMoreData;
    }
    m_inputPos += separator + 1;
    if (m_pending.isEmpty()) {
        if (!acceptSegment(piece)) // the common case: decoded in place, no copy
            return Step::NeedMoreData;
    } else {
        m_pending += piece;
        if (!acceptSegment(m_pending))
            return Step::NeedMoreData;
        m_pending.clear();
    }
    return Step::Continue;
}

PollingPayloadDecoder::Step PollingPayloadDecoder::readV3Length()
{
    // The prefix is a handful of digits: byte by byte is fine, and it is kept in m_pending only
    // so that an error can show it.
    while (m_inputPos < m_input.size()) {
        const char c = m_input[m_inputPos];
        if (c == ':') {
            ++m_inputPos;
            if (m_pending.isEmpty()) {
                fail(QStringLiteral("v3 payload: length prefix is not a number (empty before "
                                    "':')"),
                     m_input.sliced(m_inputPos - 1));
                return Step::NeedMoreData;
            }
            const qint64 units = m_pending.toLongLong();
            // A character is at least one byte, so more units than the limit means more bytes.
            if (units > m_maxPacketBytes) {
                fail(QStringLiteral("polling packet exceeds the limit of %1 bytes (its v3 length "
                                    "prefix declares %2 UTF-16 units)")
                         .arg(m_maxPacketBytes)
                         .arg(units),
                     offendingStart(m_pending + ':', m_input.sliced(m_inputPos)));
                return Step::NeedMoreData;
            }
            m_pending.clear();
            if (units == 0)
                return Step::Continue; // "0:" is skipped, as engine.io-parser 2.x does
            m_v3DeclaredUnits = units;
            m_v3UnitsRead = 0;
            m_v3CharBytesLeft = 0;
            m_v3CharUnits = 0;
            m_state = State::ReadingV3Packet;
            return Step::Continue;
        }
        if (c < '0' || c > '9') {
            fail(QStringLiteral("v3 payload: length prefix is not a number (found %1 where a "
                                "digit or ':' was expected)")
                     .arg(describeByte(c)),
                 offendingStart(m_pending, m_input.sliced(m_inputPos)));
            return Step::NeedMoreData;
        }
        if (m_pending.size() >= kMaxV3LengthDigits) {
            fail(QStringLiteral("v3 payload: length prefix is not a number (more than %1 digits)")
                     .arg(kMaxV3LengthDigits),
                 offendingStart(m_pending, m_input.sliced(m_inputPos)));
            return Step::NeedMoreData;
        }
        m_pending += c;
        ++m_inputPos;
    }
    return Step::NeedMoreData;
}

PollingPayloadDecoder::Step PollingPayloadDecoder::readV3Packet()
{
    const qsizetype start = m_inputPos;
    // Read at most one byte past the limit: that byte proves the packet is too large.
    const qsizetype budget = qsizetype(m_maxPacketBytes) - m_pending.size();
    const qsizetype end = start + readableBytes(m_input.size() - start, budget);
    const auto *bytes = reinterpret_cast<const uchar *>(m_input.data());
    qsizetype pos = start;

    // Count UTF-16 code units while walking the UTF-8 bytes; a character may span chunks.
    while (pos < end && (m_v3UnitsRead < m_v3DeclaredUnits || m_v3CharBytesLeft > 0)) {
        if (m_v3CharBytesLeft > 0) {
            if ((bytes[pos] & 0xc0) != 0x80)
                break; // reported below
            --m_v3CharBytesLeft;
            ++pos;
            continue;
        }
        // ASCII, the common case, in a tight loop.
        const qsizetype asciiEnd =
            pos + std::min<qint64>(end - pos, m_v3DeclaredUnits - m_v3UnitsRead);
        const qsizetype asciiStart = pos;
        while (pos < asciiEnd && bytes[pos] < 0x80)
            ++pos;
        m_v3UnitsRead += pos - asciiStart;
        if (pos == end || m_v3UnitsRead == m_v3DeclaredUnits)
            continue;

        const uchar lead = bytes[pos];
        int length = 0;
        if ((lead & 0xe0) == 0xc0)
            length = 2;
        else if ((lead & 0xf0) == 0xe0)
            length = 3;
        else if ((lead & 0xf8) == 0xf0)
            length = 4;
        else
            break; // a stray continuation byte or an invalid lead byte: reported below
        m_v3CharUnits = length == 4 ? 2 : 1;
        if (m_v3UnitsRead + m_v3CharUnits > m_v3DeclaredUnits) {
            fail(QStringLiteral("v3 payload: length prefix of %1 UTF-16 units ends inside a "
                                "character (half of a surrogate pair)")
                     .arg(m_v3DeclaredUnits),
                 offendingStart(m_pending, m_input.sliced(start, pos + 1 - start)));
            return Step::NeedMoreData;
        }
        m_v3UnitsRead += m_v3CharUnits;
        m_v3CharBytesLeft = length - 1;
        ++pos;
    }

    const QByteArrayView piece = m_input.sliced(start, pos - start);
    const bool complete = m_v3UnitsRead == m_v3DeclaredUnits && m_v3CharBytesLeft == 0;
    if (!complete && pos < end) {
        fail(QStringLiteral("v3 payload: invalid UTF-8 (byte 0x%1) in a packet")
                 .arg(bytes[pos], 2, 16, QLatin1Char('0')),
             offendingStart(m_pending, m_input.sliced(start, pos + 1 - start)));
        return Step::NeedMoreData;
    }
    if (piece.size() > budget) {
        failOverLimit(m_pending, piece);
        return Step::NeedMoreData;
    }
    m_inputPos = pos;
    if (!complete) {
        m_pending += piece;
        return Step::NeedMoreData;
    }
    if (m_pending.isEmpty()) {
        if (!acceptSegment(piece))
            return Step::NeedMoreData;
    } else {
        m_pending += piece;
        if (!acceptSegment(m_pending))
            return Step::NeedMoreData;
        m_pending.clear();
    }
    m_state = State::ReadingV3Length;
    return Step::Continue;
}

bool PollingPayloadDecoder::acceptSegment(QByteArrayView segment)
{
    if (segment.isEmpty()) {
        // Only v4 gets here: v3 skips "0:" before reading a packet.
        return fail(QStringLiteral("empty packet in polling payload (a separator at the start or "
                                   "end of the body, or two in a row)"),
                    segment);
    }
    EngineIoPacket packet;
    QString error;
    if (!EngineIoCodec::decodeText(segment, m_version, &packet, &error))
        return fail(error, segment);
    m_packets.append(std::move(packet));
    return true;
}

bool PollingPayloadDecoder::failOverLimit(QByteArrayView pending, QByteArrayView piece)
{
    return fail(
        QStringLiteral("polling packet exceeds the limit of %1 bytes").arg(m_maxPacketBytes),
        offendingStart(pending, piece));
}

bool PollingPayloadDecoder::fail(const QString &message, QByteArrayView segment)
{
    m_error = message;
    m_offending =
        segment.first(std::min(segment.size(), EngineIoCodec::MaxOffendingBytes)).toByteArray();
    m_state = State::Failed;
    m_pending.clear();
    return false;
}
