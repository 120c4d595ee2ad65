// RFC 6455 framing for the client end of a WebSocket: a resumable parser for what the server
// sends, and the writer for what the client sends. No I/O here; WebSocketTransport does it.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

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

// Turns the server's byte stream into whole messages and control frames: a state machine whose
// every step returns the next state or "need more data", so that the bytes may be split
// anywhere. Every rule of RFC 6455 a client
// must enforce is checked, and a data frame's length is checked against the message limit from
// its header, before any of its payload is buffered.
class WebSocketFrameParser
{
public:
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
    explicit WebSocketFrameParser(qint64 maxMessageBytes);

    // Appends received bytes; adopts them without a copy when nothing is buffered.
    void addData(QByteArray bytes);
    // Parses up to the next message, control frame or error.
    Result next();

    QByteArray takePayload() { return std::exchange(m_payload, {}); }
    // After Close: the server's code, or NoStatusReceived (1005) when the frame had none.
    quint16 closeCode() const { return m_closeCode; }
    QString closeReason() const { return m_closeReason; }
    // After Error: which rule was broken, e.g. "reserved opcode 0x3", "message of 5012 bytes
    // exceeds the limit of 2000 bytes".
    QString errorString() const { return m_error; }
    // The code to close the connection with: 1002, 1007 or 1009.
    quint16 errorCloseCode() const { return m_errorCloseCode; }
    // The start (at most 4 KiB) of the message that broke a rule, when there was one.
    QByteArray offendingBytes() const { return m_offending; }
    qint64 maxMessageBytes() const { return m_maxMessageBytes; }

    void reset();

private:
    enum class State { ReadingHeader, ReadingExtendedLength, ReadingPayload, Failed };
    enum class Step { Continue, NeedMoreData };
    Step readHeader();
    Step readExtendedLength();
    Step readPayload();
    Step finishControlFrame(QByteArrayView payload);
    Step finishMessage();
    Step fail(quint16 closeCode, const QString &message);
    bool checkMessageLimit();
    qsizetype available() const { return m_buffer.size() - m_pos; }

    qint64 m_maxMessageBytes;
    State m_state = State::ReadingHeader;
    QByteArray m_buffer; // received bytes; m_pos is the first one not parsed yet
    qsizetype m_pos = 0;

    // The frame being read.
    WebSocketOpcode m_opcode = WebSocketOpcode::Continuation;
    bool m_final = false;
    int m_extendedLengthBytes = 0; // 2 or 8 when the 7-bit length was 126 or 127
    qint64 m_frameLength = 0;
    qint64 m_frameRead = 0;

    // The data message being assembled (fragments, or one frame spread over several reads).
    bool m_messageStarted = false;
    bool m_messageIsText = false;
    QByteArray m_message;

    Result m_result = Result::NeedMoreData;
    QByteArray m_payload;
    quint16 m_closeCode = WebSocketCloseCode::NoStatusReceived;
    QString m_closeReason;
    QString m_error;
    quint16 m_errorCloseCode = 0;
    QByteArray m_offending;
};

class WebSocketFrameWriter
{
public:
    // One final frame, masked with maskingKey as RFC 6455 5.3 requires of every client frame.
    static QByteArray frame(WebSocketOpcode opcode, QByteArrayView payload, quint32 maskingKey);
    // The payload of a CLOSE frame: the code (big-endian), then the reason in UTF-8.
    static QByteArray closePayload(quint16 code, const QString &reason = {});
    // RFC 6455 4.1: the Sec-WebSocket-Accept with which a server proves it read the client's
    // Sec-WebSocket-Key.
    static QByteArray acceptKey(QByteArrayView key);
};
