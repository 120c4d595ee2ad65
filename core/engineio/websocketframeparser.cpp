#include "engineio/websocketframeparser.h"

#include "common/utf8.h"
#include "engineio/engineiocodec.h"

#include <QCryptographicHash>
#include <QStringList>
#include <QtEndian>

#include <cstring>

namespace {

constexpr qint64 MaxControlPayload = 125;

bool isControl(WebSocketOpcode opcode)
{
    return quint8(opcode) & 0x8;
}

QString opcodeName(WebSocketOpcode opcode)
{
    switch (opcode) {
    case WebSocketOpcode::Continuation:
        return QStringLiteral("continuation");
    case WebSocketOpcode::Text:
        return QStringLiteral("TEXT");
    case WebSocketOpcode::Binary:
        return QStringLiteral("BINARY");
    case WebSocketOpcode::Close:
        return QStringLiteral("CLOSE");
    case WebSocketOpcode::Ping:
        return QStringLiteral("PING");
    case WebSocketOpcode::Pong:
        return QStringLiteral("PONG");
    }
    return QStringLiteral("0x%1").arg(quint8(opcode), 0, 16);
}

// Codes a peer may send (RFC 6455 7.4.1 and the IANA registry): 1004-1006 and 1015 are
// reserved, 1016-2999 unassigned, 3000-4999 for libraries and applications.
bool isValidCloseCode(quint16 code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

} // namespace

WebSocketFrameParser::WebSocketFrameParser(qint64 maxMessageBytes, Role role)
    : m_maxMessageBytes(maxMessageBytes)
    , m_role(role)
{
}

void WebSocketFrameParser::reset()
{
    *this = WebSocketFrameParser(m_maxMessageBytes, m_role);
}

void WebSocketFrameParser::addData(QByteArray bytes)
{
    if (m_state == State::Failed)
        return;
    m_received += bytes.size();
    if (available() == 0) {
        m_buffer = std::move(bytes);
        m_pos = 0;
        return;
    }
    // Dropping the parsed front only moves the start pointer (Qt 6 erases at the front in place).
    m_buffer.remove(0, m_pos);
    m_pos = 0;
    m_buffer.append(bytes);
}

WebSocketFrameParser::Result WebSocketFrameParser::next()
{
    m_result = Result::NeedMoreData;
    while (m_state != State::Failed) {
        Step step = Step::NeedMoreData;
        switch (m_state) {
        case State::ReadingHeader:
            step = readHeader();
            break;
        case State::ReadingExtendedLength:
            step = readExtendedLength();
            break;
        case State::ReadingMaskingKey:
            step = readMaskingKey();
            break;
        case State::ReadingPayload:
            step = readPayload();
            break;
        case State::Failed:
            break;
        }
        if (step == Step::NeedMoreData || m_result != Result::NeedMoreData)
            break;
    }
    if (m_state == State::Failed)
        return Result::Error;
    if (available() == 0 && !m_buffer.isEmpty()) {
        m_buffer.clear(); // all parsed: the next addData() adopts its bytes
        m_pos = 0;
    }
    return m_result;
}

WebSocketFrameParser::Step WebSocketFrameParser::readHeader()
{
    if (available() < 2)
        return Step::NeedMoreData;
    const auto b0 = uchar(m_buffer.at(m_pos));
    const auto b1 = uchar(m_buffer.at(m_pos + 1));
    // A broken header is recorded with its frame, as far as it has arrived.
    const auto failHeader = [this, frameStart = m_pos](Violation violation,
                                                       const QString &message) {
        return fail(violation, WebSocketCloseCode::ProtocolError, message,
                    m_buffer.mid(frameStart, EngineIoCodec::MaxOffendingBytes));
    };
    m_pos += 2;
    m_final = b0 & 0x80;
    m_opcode = WebSocketOpcode(b0 & 0x0F);
    if (b0 & 0x70) {
        QStringList bits;
        for (int bit = 1; bit <= 3; ++bit)
            if (b0 & (0x80 >> bit))
                bits << QStringLiteral("RSV%1").arg(bit);
        return failHeader(
            Violation::ReservedBits,
            QStringLiteral("reserved bit %1 set in a frame header, but no extension was "
                           "negotiated")
                .arg(bits.join(QStringLiteral(", "))));
    }
    switch (m_opcode) {
    case WebSocketOpcode::Continuation:
    case WebSocketOpcode::Text:
    case WebSocketOpcode::Binary:
    case WebSocketOpcode::Close:
    case WebSocketOpcode::Ping:
    case WebSocketOpcode::Pong:
        break;
    default:
        return failHeader(Violation::ReservedOpcode,
                          QStringLiteral("reserved opcode 0x%1").arg(b0 & 0x0F, 0, 16));
    }
    const bool masked = b1 & 0x80;
    if (masked && m_role == Role::ClientEnd) {
        return failHeader(Violation::MaskedServerFrame,
                          QStringLiteral("masked %1 frame from the server (RFC 6455 5.1: a server "
                                         "must not mask)")
                              .arg(opcodeName(m_opcode)));
    }
    if (!masked && m_role == Role::ServerEnd) {
        return failHeader(Violation::UnmaskedClientFrame,
                          QStringLiteral("RFC 6455 5.1: client frame not masked (an unmasked %1 "
                                         "frame; a client must mask every frame)")
                              .arg(opcodeName(m_opcode)));
    }
    const int length7 = b1 & 0x7F;
    if (isControl(m_opcode)) {
        if (!m_final) {
            return failHeader(Violation::FragmentedControl,
                              QStringLiteral("fragmented control frame (%1 without FIN)")
                                  .arg(opcodeName(m_opcode)));
        }
        if (length7 > MaxControlPayload) {
            return failHeader(
                Violation::ControlTooLong,
                QStringLiteral("%1 frame with a payload over 125 bytes (control frames "
                               "carry at most 125)")
                    .arg(opcodeName(m_opcode)));
        }
    } else if (m_opcode == WebSocketOpcode::Continuation) {
        if (!m_messageStarted) {
            return failHeader(Violation::UnexpectedContinuation,
                              QStringLiteral("continuation frame without a message to continue"));
        }
    } else if (m_messageStarted) {
        return failHeader(Violation::InterleavedMessage,
                          QStringLiteral("%1 frame while a fragmented message is unfinished (its "
                                         "frames must continue with opcode 0)")
                              .arg(opcodeName(m_opcode)));
    }
    m_frameRead = 0;
    if (length7 >= 126) {
        m_extendedLengthBytes = length7 == 126 ? 2 : 8;
        m_state = State::ReadingExtendedLength;
        return Step::Continue;
    }
    m_frameLength = length7;
    return lengthKnown();
}

WebSocketFrameParser::Step WebSocketFrameParser::readExtendedLength()
{
    if (available() < m_extendedLengthBytes)
        return Step::NeedMoreData;
    const char *bytes = m_buffer.constData() + m_pos;
    m_pos += m_extendedLengthBytes;
    if (m_extendedLengthBytes == 2) {
        m_frameLength = qFromBigEndian<quint16>(bytes);
        if (m_frameLength < 126) {
            return fail(Violation::NonMinimalLength, WebSocketCloseCode::ProtocolError,
                        QStringLiteral("payload length %1 in the 16-bit form (lengths below 126 "
                                       "take the 7-bit form)")
                            .arg(m_frameLength));
        }
    } else {
        const auto length = qFromBigEndian<quint64>(bytes);
        if (length >> 63) {
            return fail(Violation::LengthTopBitSet, WebSocketCloseCode::ProtocolError,
                        QStringLiteral("64-bit payload length with the most significant bit set"));
        }
        m_frameLength = qint64(length);
        if (m_frameLength <= 0xFFFF) {
            return fail(Violation::NonMinimalLength, WebSocketCloseCode::ProtocolError,
                        QStringLiteral("payload length %1 in the 64-bit form (lengths below "
                                       "65536 take the 7- or 16-bit form)")
                            .arg(m_frameLength));
        }
    }
    return lengthKnown();
}

// The length is known: the limit is checked before the masking key (if any) and the payload.
WebSocketFrameParser::Step WebSocketFrameParser::lengthKnown()
{
    if (!checkMessageLimit())
        return Step::Continue;
    m_state = m_role == Role::ServerEnd ? State::ReadingMaskingKey : State::ReadingPayload;
    return Step::Continue;
}

WebSocketFrameParser::Step WebSocketFrameParser::readMaskingKey()
{
    if (available() < 4)
        return Step::NeedMoreData;
    std::memcpy(m_mask, m_buffer.constData() + m_pos, 4);
    m_pos += 4;
    m_state = State::ReadingPayload;
    return Step::Continue;
}

// XORs `size` payload bytes that start `offset` bytes into the frame's payload with the mask.
void WebSocketFrameParser::unmask(char *data, qsizetype size, qint64 offset) const
{
    if (m_role != Role::ServerEnd)
        return;
    for (qsizetype i = 0; i < size; ++i)
        data[i] = char(uchar(data[i]) ^ m_mask[(offset + i) & 3]);
}

bool WebSocketFrameParser::checkMessageLimit()
{
    if (isControl(m_opcode) || m_frameLength <= m_maxMessageBytes - m_message.size())
        return true;
    if (m_message.isEmpty()) {
        fail(Violation::MessageTooBig, WebSocketCloseCode::MessageTooBig,
             QStringLiteral("message of %1 bytes exceeds the limit of %2 bytes")
                 .arg(m_frameLength)
                 .arg(m_maxMessageBytes));
    } else {
        fail(Violation::MessageTooBig, WebSocketCloseCode::MessageTooBig,
             QStringLiteral("message exceeds the limit of %1 bytes with a frame of %2 bytes "
                            "after %3 bytes of it")
                 .arg(m_maxMessageBytes)
                 .arg(m_frameLength)
                 .arg(m_message.size()));
    }
    return false;
}

WebSocketFrameParser::Step WebSocketFrameParser::readPayload()
{
    if (isControl(m_opcode)) {
        // At most 125 bytes: read whole, never mixed into a fragmented message around it.
        if (available() < m_frameLength)
            return Step::NeedMoreData;
        QByteArray payload(m_buffer.constData() + m_pos, m_frameLength);
        unmask(payload.data(), payload.size(), 0);
        m_pos += m_frameLength;
        m_state = State::ReadingHeader;
        return finishControlFrame(payload);
    }
    if (!m_messageStarted) {
        m_messageStarted = true;
        m_messageIsText = m_opcode == WebSocketOpcode::Text;
    }
    const qint64 wanted = m_frameLength - m_frameRead;
    if (m_final && m_frameRead == 0 && m_message.isEmpty() && available() >= wanted) {
        // The common case, a whole unfragmented message in the buffer: one copy.
        m_message = QByteArray(m_buffer.constData() + m_pos, wanted);
        unmask(m_message.data(), wanted, 0);
        m_pos += wanted;
        m_state = State::ReadingHeader;
        return finishMessage();
    }
    const qint64 piece = qMin<qint64>(wanted, available());
    m_message.append(m_buffer.constData() + m_pos, piece);
    unmask(m_message.data() + m_message.size() - piece, piece, m_frameRead);
    m_pos += piece;
    m_frameRead += piece;
    if (m_frameRead < m_frameLength)
        return Step::NeedMoreData;
    m_state = State::ReadingHeader;
    return m_final ? finishMessage() : Step::Continue;
}

WebSocketFrameParser::Step WebSocketFrameParser::finishMessage()
{
    const bool text = m_messageIsText;
    m_messageStarted = false;
    m_payload = std::exchange(m_message, {});
    if (text) {
        const qsizetype invalid = Utf8::firstInvalidOffset(m_payload);
        if (invalid >= 0) {
            const QByteArray offending = m_payload.left(EngineIoCodec::MaxOffendingBytes);
            m_payload.clear();
            return fail(Violation::InvalidUtf8Text, WebSocketCloseCode::InvalidPayload,
                        QStringLiteral("invalid UTF-8 in a text message at byte %1").arg(invalid),
                        offending);
        }
    }
    m_result = text ? Result::TextMessage : Result::BinaryMessage;
    return Step::Continue;
}

WebSocketFrameParser::Step WebSocketFrameParser::finishControlFrame(QByteArrayView payload)
{
    switch (m_opcode) {
    case WebSocketOpcode::Ping:
        m_payload = payload.toByteArray();
        m_result = Result::Ping;
        return Step::Continue;
    case WebSocketOpcode::Pong:
        m_payload = payload.toByteArray();
        m_result = Result::Pong;
        return Step::Continue;
    default:
        break;
    }
    m_closeCode = WebSocketCloseCode::NoStatusReceived;
    m_closeReason.clear();
    if (payload.size() == 1) {
        return fail(Violation::CloseOneBytePayload, WebSocketCloseCode::ProtocolError,
                    QStringLiteral("CLOSE frame with a 1-byte payload (a close code takes 2)"),
                    payload.toByteArray());
    }
    if (payload.size() >= 2) {
        const auto code = qFromBigEndian<quint16>(payload.data());
        if (!isValidCloseCode(code)) {
            return fail(Violation::InvalidCloseCode, WebSocketCloseCode::ProtocolError,
                        QStringLiteral("invalid close code %1").arg(code), payload.toByteArray());
        }
        const QByteArrayView reason = payload.sliced(2);
        if (Utf8::firstInvalidOffset(reason) >= 0) {
            return fail(Violation::InvalidUtf8CloseReason, WebSocketCloseCode::InvalidPayload,
                        QStringLiteral("invalid UTF-8 in the close reason"), payload.toByteArray());
        }
        m_closeCode = code;
        m_closeReason = QString::fromUtf8(reason);
    }
    m_result = Result::Close;
    return Step::Continue;
}

WebSocketFrameParser::Step WebSocketFrameParser::fail(Violation violation, quint16 closeCode,
                                                      const QString &message,
                                                      const QByteArray &offending)
{
    m_state = State::Failed;
    m_failure.reset(new Failure{violation, closeCode, message, offending});
    m_buffer.clear();
    m_pos = 0;
    m_message.clear();
    return Step::NeedMoreData;
}

namespace {

// A frame of `size` payload bytes with room for them after its header: FIN, no RSV bits, the
// shortest length form, and the mask bit when a masking key follows. `payloadAt` is where the
// payload goes.
QByteArray frameWithRoom(WebSocketOpcode opcode, qsizetype size, bool masked, uchar **payloadAt)
{
    const int lengthBytes = size < 126 ? 0 : size <= 0xFFFF ? 2 : 8;
    QByteArray frame(2 + lengthBytes + (masked ? 4 : 0) + size, Qt::Uninitialized);
    auto *out = reinterpret_cast<uchar *>(frame.data());
    const uchar maskBit = masked ? 0x80 : 0;
    *out++ = 0x80 | quint8(opcode);
    if (lengthBytes == 0) {
        *out++ = maskBit | uchar(size);
    } else if (lengthBytes == 2) {
        *out++ = maskBit | 126;
        qToBigEndian(quint16(size), out);
        out += 2;
    } else {
        *out++ = maskBit | 127;
        qToBigEndian(quint64(size), out);
        out += 8;
    }
    *payloadAt = out + (masked ? 4 : 0);
    return frame;
}

} // namespace

QByteArray WebSocketFrameWriter::frame(WebSocketOpcode opcode, QByteArrayView payload,
                                       quint32 maskingKey)
{
    const qsizetype size = payload.size();
    uchar *out = nullptr;
    QByteArray frame = frameWithRoom(opcode, size, true, &out);
    uchar mask[4];
    qToBigEndian(maskingKey, mask);
    std::memcpy(out - 4, mask, 4);
    const auto *in = reinterpret_cast<const uchar *>(payload.data());
    for (qsizetype i = 0; i < size; ++i)
        out[i] = in[i] ^ mask[i & 3];
    return frame;
}

QByteArray WebSocketFrameWriter::unmaskedFrame(WebSocketOpcode opcode, QByteArrayView payload)
{
    uchar *out = nullptr;
    QByteArray frame = frameWithRoom(opcode, payload.size(), false, &out);
    if (!payload.isEmpty())
        std::memcpy(out, payload.data(), payload.size());
    return frame;
}

QByteArray WebSocketFrameWriter::acceptKey(QByteArrayView key)
{
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    sha1.addData(key);
    sha1.addData(QByteArrayView("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
    return sha1.result().toBase64();
}

QByteArray WebSocketFrameWriter::closePayload(quint16 code, const QString &reason)
{
    QByteArray payload(2, Qt::Uninitialized);
    qToBigEndian(code, payload.data());
    payload += reason.toUtf8().left(MaxControlPayload - 2);
    return payload;
}
