// RFC 6455 framing for both ends of a WebSocket: a resumable parser for what the other end sends,
// and the writer for what this end sends. No I/O here; WebSocketTransport (the client end) and
// ServerWebSocket (the server end) do it.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <memory>
#include <utility>

enum class WebSocketOpcode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA
};

// Close codes of RFC 6455 7.4.1 that SioScope sends or reports itself.
namespace WebSocketCloseCode {
constexpr quint16 Normal = 1000;
constexpr quint16 ProtocolError = 1002;
constexpr quint16 NoStatusReceived = 1005; // never on the wire: a CLOSE frame without a code
constexpr quint16 InvalidPayload = 1007;   // e.g. a text message that is not UTF-8
constexpr quint16 MessageTooBig = 1009;
} // namespace WebSocketCloseCode

// Turns the other end's byte stream into whole messages and control frames: a state machine
// whose every step returns the next state or "need more data", so that the bytes may be split
// anywhere. Every rule of RFC 6455 an endpoint must enforce is checked, and a data frame's length
// is checked against the message limit from its header, before any of its payload is buffered.
// The role says which end reads: the client end reads the server's frames, which must not be
// masked; the server end reads the client's, which must all be masked (RFC 6455 5.1), and
// unmasks their payload as it is read.
class WebSocketFrameParser
{
public:
    enum class Role { ClientEnd, ServerEnd };

    // Which rule of RFC 6455 a frame broke, for decisions and typed errors (errorString() is
    // for people).
    enum class Violation {
        None,
        ReservedBits,           // 5.2: RSV1-3 set without a negotiated extension
        ReservedOpcode,         // 5.2: opcodes 0x3-0x7, 0xB-0xF
        MaskedServerFrame,      // 5.1: the client end got a masked frame
        UnmaskedClientFrame,    // 5.1: the server end got an unmasked frame
        FragmentedControl,      // 5.5: a control frame without FIN
        ControlTooLong,         // 5.5: a control frame over 125 bytes
        UnexpectedContinuation, // 5.4: a continuation with no message to continue
        InterleavedMessage,     // 5.4: a new data frame inside a fragmented message
        NonMinimalLength,       // 5.2: a length not in its shortest form
        LengthTopBitSet,        // 5.2: a 64-bit length with the most significant bit set
        MessageTooBig,          // 7.4.1 (1009): over maxMessageBytes
        InvalidUtf8Text,        // 8.1 (1007): a text message that is not UTF-8
        CloseOneBytePayload,    // 5.5.1: a CLOSE payload of 1 byte
        InvalidCloseCode,       // 7.4: a close code no endpoint may send
        InvalidUtf8CloseReason, // 5.5.1 (1007): a close reason that is not UTF-8
    };
    enum class Result {
        NeedMoreData,  // every complete frame added so far has been returned
        TextMessage,   // takePayload(): the whole message, well-formed UTF-8
        BinaryMessage, // takePayload(): the whole message
        Ping,          // takePayload(): the application data the PONG must echo
        Pong,          // takePayload(): its application data
        Close,         // closeCode(), closeReason()
        Error          // errorString(), errorCloseCode(); the parser stays failed until reset()
    };

    // maxMessageBytes bounds a message's payload, all fragments together.
    explicit WebSocketFrameParser(qint64 maxMessageBytes, Role role = Role::ClientEnd);

    // Appends received bytes; adopts them without a copy when nothing is buffered.
    void addData(QByteArray bytes);
    // Parses up to the next message, control frame or error.
    Result next();

    QByteArray takePayload() { return std::exchange(m_payload, {}); }
    // After Close: the other end's code, or NoStatusReceived (1005) when the frame had none.
    quint16 closeCode() const { return m_closeCode; }
    QString closeReason() const { return m_closeReason; }
    // After Error: which rule was broken, e.g. "reserved opcode 0x3", "message of 5012 bytes
    // exceeds the limit of 2000 bytes".
    QString errorString() const { return m_failure ? m_failure->message : QString(); }
    Violation violation() const { return m_failure ? m_failure->violation : Violation::None; }
    // The code to close the connection with: 1002, 1007 or 1009.
    quint16 errorCloseCode() const { return m_failure ? m_failure->closeCode : 0; }
    // The start (at most 4 KiB) of the message that broke a rule, when there was one; for a rule
    // of the frame header, the frame from its header on, as far as it had arrived.
    QByteArray offendingBytes() const { return m_failure ? m_failure->offending : QByteArray(); }
    qint64 maxMessageBytes() const { return m_maxMessageBytes; }
    // Offsets in the stream added so far, for an intermediary that forwards frames whole: after
    // a message or control frame, parsedBytes() is the offset just past its last byte.
    qint64 parsedBytes() const { return m_received - available(); }
    // No frame and no fragmented message in progress: a whole message may be inserted here.
    bool isBetweenMessages() const
    {
        return m_state == State::ReadingHeader && available() == 0 && !m_messageStarted;
    }
    // Checked against from the next frame header on.
    void setMaxMessageBytes(qint64 bytes) { m_maxMessageBytes = bytes; }
    Role role() const { return m_role; }

    void reset();

private:
    enum class State {
        ReadingHeader,
        ReadingExtendedLength,
        ReadingMaskingKey,
        ReadingPayload,
        Failed
    };
    enum class Step { Continue, NeedMoreData };
    Step readHeader();
    Step readExtendedLength();
    Step readMaskingKey();
    Step lengthKnown();
    Step readPayload();
    void unmask(char *data, qsizetype size, qint64 offset) const;
    Step finishControlFrame(QByteArrayView payload);
    Step finishMessage();
    // `offending`: the bytes that broke the rule, when they are known (offendingBytes()).
    Step fail(Violation violation, quint16 closeCode, const QString &message,
              const QByteArray &offending = {});
    bool checkMessageLimit();
    qsizetype available() const { return m_buffer.size() - m_pos; }

    qint64 m_maxMessageBytes;
    Role m_role;
    State m_state = State::ReadingHeader;
    QByteArray m_buffer; // received bytes; m_pos is the first one not parsed yet
    qsizetype m_pos = 0;
    qint64 m_received = 0; // every byte added since reset()

    // The frame being read.
    WebSocketOpcode m_opcode = WebSocketOpcode::Continuation;
    bool m_final = false;
    int m_extendedLengthBytes = 0; // 2 or 8 when the 7-bit length was 126 or 127
    qint64 m_frameLength = 0;
    qint64 m_frameRead = 0;
    uchar m_mask[4] = {}; // ServerEnd: the frame's masking key

    // The data message being assembled (fragments, or one frame spread over several reads).
    bool m_messageStarted = false;
    bool m_messageIsText = false;
    QByteArray m_message;

    Result m_result = Result::NeedMoreData;
    QByteArray m_payload;
    quint16 m_closeCode = WebSocketCloseCode::NoStatusReceived;
    QString m_closeReason;
    // Made when a rule is broken: a parser that never sees one (nearly all; a server holds one per
    // client) spares its ~0.06 KB.
    struct Failure
    {
        Violation violation;
        quint16 closeCode;
        QString message;
        QByteArray offending;
    };
    std::unique_ptr<Failure> m_failure;
};

class WebSocketFrameWriter
{
public:
    // One final frame, masked with maskingKey as RFC 6455 5.3 requires of every client frame.
    static QByteArray frame(WebSocketOpcode opcode, QByteArrayView payload, quint32 maskingKey);
    // One final frame, unmasked as RFC 6455 5.1 requires of every server frame.
    static QByteArray unmaskedFrame(WebSocketOpcode opcode, QByteArrayView payload);
    // The payload of a CLOSE frame: the code (big-endian), then the reason in UTF-8.
    static QByteArray closePayload(quint16 code, const QString &reason = {});
    // RFC 6455 4.1: the Sec-WebSocket-Accept with which a server proves it read the client's
    // Sec-WebSocket-Key.
    static QByteArray acceptKey(QByteArrayView key);
};
