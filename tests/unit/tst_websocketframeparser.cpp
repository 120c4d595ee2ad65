// RFC 6455 framing at both ends: what WebSocketFrameParser makes of the other end's bytes, fed
// in one piece, byte by byte and split at every point, and what WebSocketFrameWriter sends. Every
// row is parsed in both roles: as written (unmasked) by the client end, and with each frame
// masked by the server end, which must find the same messages and break on the same rules.
#include "engineio/websocketframeparser.h"

#include <QtEndian>
#include <QtTest>

namespace {

enum class LengthForm { Shortest, Bits16, Bits64 };

// A server frame. `firstByte` carries FIN, RSV and the opcode as given.
QByteArray rawFrame(quint8 firstByte, const QByteArray &payload,
                    LengthForm form = LengthForm::Shortest, bool masked = false)
{
    QByteArray frame(1, char(firstByte));
    const quint8 mask = masked ? 0x80 : 0;
    const qsizetype size = payload.size();
    if (form == LengthForm::Shortest)
        form = size < 126 ? form : size <= 0xFFFF ? LengthForm::Bits16 : LengthForm::Bits64;
    if (form == LengthForm::Shortest) {
        frame += char(mask | size);
    } else if (form == LengthForm::Bits16) {
        frame += char(mask | 126);
        char length[2];
        qToBigEndian(quint16(size), length);
        frame.append(length, 2);
    } else {
        frame += char(mask | 127);
        char length[8];
        qToBigEndian(quint64(size), length);
        frame.append(length, 8);
    }
    if (masked) {
        const QByteArray key = QByteArray::fromHex("01020304");
        frame += key;
        for (qsizetype i = 0; i < size; ++i)
            frame += char(payload.at(i) ^ key.at(i % 4));
    } else {
        frame += payload;
    }
    return frame;
}

QByteArray frame(WebSocketOpcode opcode, const QByteArray &payload, bool final = true,
                 LengthForm form = LengthForm::Shortest)
{
    return rawFrame(quint8((final ? 0x80 : 0) | quint8(opcode)), payload, form);
}

QByteArray text(const QByteArray &payload, bool final = true)
{
    return frame(WebSocketOpcode::Text, payload, final);
}
QByteArray binary(const QByteArray &payload, bool final = true)
{
    return frame(WebSocketOpcode::Binary, payload, final);
}
QByteArray continuation(const QByteArray &payload, bool final = true)
{
    return frame(WebSocketOpcode::Continuation, payload, final);
}
QByteArray control(WebSocketOpcode opcode, const QByteArray &payload = {})
{
    return frame(opcode, payload);
}
QByteArray closeFrame(quint16 code, const QByteArray &reason = {})
{
    QByteArray payload(2, Qt::Uninitialized);
    qToBigEndian(code, payload.data());
    return control(WebSocketOpcode::Close, payload + reason);
}
QByteArray lengthOnly(quint8 firstByte, quint8 length7, const QByteArray &extended)
{
    return QByteArray(1, char(firstByte)) + char(length7) + extended;
}

using Role = WebSocketFrameParser::Role;

// The same stream as a client sends it: every frame masked (a masking key after the length, the
// payload XORed with it), as far as its bytes go. Headers that break a rule stay as they are.
QByteArray maskFrames(const QByteArray &stream)
{
    const QByteArray key = QByteArray::fromHex("a5c3e10f");
    QByteArray out;
    qsizetype pos = 0;
    while (pos + 2 <= stream.size()) {
        const auto b1 = uchar(stream.at(pos + 1));
        const int length7 = b1 & 0x7F;
        const int extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
        if (pos + 2 + extended > stream.size())
            break;
        quint64 length = length7;
        if (extended == 2)
            length = qFromBigEndian<quint16>(stream.constData() + pos + 2);
        else if (extended == 8)
            length = qFromBigEndian<quint64>(stream.constData() + pos + 2);
        out += stream.at(pos);
        out += char(b1 | 0x80);
        out += stream.mid(pos + 2, extended);
        out += key;
        pos += 2 + extended;
        const qsizetype payload = qsizetype(qMin<quint64>(length, quint64(stream.size() - pos)));
        for (qsizetype i = 0; i < payload; ++i)
            out += char(stream.at(pos + i) ^ key.at(i % 4));
        pos += payload;
    }
    return out + stream.mid(pos);
}

// Text payloads are compared as text, binary ones in hex (shortened when long).
QString describe(const QByteArray &bytes, bool asText)
{
    if (asText)
        return bytes.size() > 64 ? QStringLiteral("%1 bytes").arg(bytes.size())
                                 : QString::fromUtf8(bytes);
    return bytes.size() > 32 ? QStringLiteral("%1 bytes, sum %2")
                                   .arg(bytes.size())
                                   .arg(std::accumulate(bytes.begin(), bytes.end(), 0))
                             : QString::fromLatin1(bytes.toHex());
}

// Everything the parser returns until it needs more data, one line per result.
void drain(WebSocketFrameParser &parser, QStringList *events)
{
    for (int guard = 0; guard < 100000; ++guard) {
        using R = WebSocketFrameParser::Result;
        switch (parser.next()) {
        case R::NeedMoreData:
            return;
        case R::TextMessage:
            events->append(QStringLiteral("text ") + describe(parser.takePayload(), true));
            break;
        case R::BinaryMessage:
            events->append(QStringLiteral("binary ") + describe(parser.takePayload(), false));
            break;
        case R::Ping:
            events->append(QStringLiteral("ping ") + describe(parser.takePayload(), true));
            break;
        case R::Pong:
            events->append(QStringLiteral("pong ") + describe(parser.takePayload(), true));
            break;
        case R::Close:
            events->append(
                QStringLiteral("close %1 %2").arg(parser.closeCode()).arg(parser.closeReason()));
            break;
        case R::Error:
            events->append(QStringLiteral("error %1: %2")
                               .arg(parser.errorCloseCode())
                               .arg(parser.errorString()));
            return;
        }
    }
    QFAIL("the parser never asked for more data");
}

QStringList parseInChunks(const QByteArray &input, qint64 limit, qsizetype chunkSize, Role role)
{
    WebSocketFrameParser parser(limit, role);
    QStringList events;
    for (qsizetype pos = 0; pos < input.size(); pos += chunkSize) {
        parser.addData(input.mid(pos, chunkSize));
        drain(parser, &events);
        if (!events.isEmpty() && events.last().startsWith(QLatin1String("error")))
            break;
    }
    return events;
}

QStringList parseSplitAt(const QByteArray &input, qint64 limit, qsizetype split, Role role)
{
    WebSocketFrameParser parser(limit, role);
    QStringList events;
    parser.addData(input.left(split));
    drain(parser, &events);
    if (events.isEmpty() || !events.last().startsWith(QLatin1String("error"))) {
        parser.addData(input.mid(split));
        drain(parser, &events);
    }
    return events;
}

constexpr qint64 DefaultLimit = 64 * 1024 * 1024;

} // namespace

class tst_WebSocketFrameParser : public QObject
{
    Q_OBJECT

private:
    void addColumns()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<QStringList>("expected");
    }
    // Every input is parsed the same way however its bytes are split.
    static void checkAllSplits(const QByteArray &input, qint64 limit, const QStringList &expected,
                               Role role)
    {
        const char *end = role == Role::ClientEnd ? "client end" : "server end";
        QVERIFY2(parseInChunks(input, limit, qMax<qsizetype>(1, input.size()), role) == expected,
                 end);
        QVERIFY2(parseInChunks(input, limit, 1, role) == expected, end);
        QVERIFY2(parseInChunks(input, limit, 7, role) == expected, end);
        if (input.size() > 4096)
            return; // every split point of the long rows would take minutes
        for (qsizetype split = 0; split <= input.size(); ++split) {
            const QStringList events = parseSplitAt(input, limit, split, role);
            QVERIFY2(events == expected, qPrintable(QStringLiteral("%1, split at %2: %3")
                                                        .arg(QLatin1String(end))
                                                        .arg(split)
                                                        .arg(events.join(QStringLiteral(" | ")))));
        }
    }
    // The client end reads the row as written, the server end with every frame masked.
    void checkBothRoles()
    {
        QFETCH(QByteArray, input);
        QFETCH(qint64, limit);
        QFETCH(QStringList, expected);
        checkAllSplits(input, limit, expected, Role::ClientEnd);
        if (QTest::currentTestFailed())
            return;
        checkAllSplits(maskFrames(input), limit, expected, Role::ServerEnd);
    }

private slots:
    void messages_data()
    {
        addColumns();
        const QByteArray b125(125, 'a');
        const QByteArray b126(126, 'b');
        QByteArray b65535(65535, Qt::Uninitialized);
        for (qsizetype i = 0; i < b65535.size(); ++i)
            b65535[i] = char(i * 7);
        const QByteArray b65536 = b65535 + 'z';
        const QByteArray euro = QByteArrayLiteral("\xe2\x82\xac");
        const QByteArray grinning = QByteArrayLiteral("\xf0\x9f\x98\x80");
        const auto one = [](const QString &event) { return QStringList{event}; };

        QTest::newRow("text, 7-bit length")
            << text("42[\"a\",1]") << DefaultLimit << one(QStringLiteral("text 42[\"a\",1]"));
        QTest::newRow("text, empty") << text({}) << DefaultLimit << one(QStringLiteral("text "));
        QTest::newRow("text, 125 bytes: the largest 7-bit length")
            << text(b125) << DefaultLimit << one(QStringLiteral("text 125 bytes"));
        QTest::newRow("text, 126 bytes: the smallest 16-bit length")
            << text(b126) << DefaultLimit << one(QStringLiteral("text 126 bytes"));
        QTest::newRow("binary, 65535 bytes: the largest 16-bit length")
            << binary(b65535) << DefaultLimit
            << one(QStringLiteral("binary ") + describe(b65535, false));
        QTest::newRow("binary, 65536 bytes: the smallest 64-bit length")
            << binary(b65536) << DefaultLimit
            << one(QStringLiteral("binary ") + describe(b65536, false));
        QTest::newRow("binary with every byte value")
            << binary(QByteArray::fromHex("00ff80c0fe01")) << DefaultLimit
            << one(QStringLiteral("binary 00ff80c0fe01"));
        QTest::newRow("text, multi-byte UTF-8")
            << text("a" + euro + grinning) << DefaultLimit
            << one(QStringLiteral("text a") + QString::fromUtf8(euro + grinning));
        QTest::newRow("two messages in one read")
            << text("40") + binary("\x01\x02") << DefaultLimit
            << QStringList{QStringLiteral("text 40"), QStringLiteral("binary 0102")};
        QTest::newRow("text in three fragments")
            << text("4", false) + continuation("2[", false) + continuation("1]") << DefaultLimit
            << one(QStringLiteral("text 42[1]"));
        QTest::newRow("UTF-8 character split across fragments")
            << text("x" + euro.left(1), false) + continuation(euro.mid(1)) << DefaultLimit
            << one(QStringLiteral("text x") + QString::fromUtf8(euro));
        QTest::newRow("empty fragments")
            << text({}, false) + continuation({}, false) + continuation("ab") << DefaultLimit
            << one(QStringLiteral("text ab"));
        QTest::newRow("binary in two fragments, a ping and a pong between")
            << binary("\x01", false) + control(WebSocketOpcode::Ping, "p") +
                   control(WebSocketOpcode::Pong, "q") + continuation("\x02")
            << DefaultLimit
            << QStringList{QStringLiteral("ping p"), QStringLiteral("pong q"),
                           QStringLiteral("binary 0102")};
        QTest::newRow("ping with 125 bytes") << control(WebSocketOpcode::Ping, b125) << DefaultLimit
                                             << one(QStringLiteral("ping 125 bytes"));
        QTest::newRow("ping, empty")
            << control(WebSocketOpcode::Ping) << DefaultLimit << one(QStringLiteral("ping "));
        QTest::newRow("close with code and reason")
            << closeFrame(4000, "bye " + euro) << DefaultLimit
            << one(QStringLiteral("close 4000 bye ") + QString::fromUtf8(euro));
        QTest::newRow("close with code only")
            << closeFrame(1000) << DefaultLimit << one(QStringLiteral("close 1000 "));
        QTest::newRow("close without code: 1005") << control(WebSocketOpcode::Close) << DefaultLimit
                                                  << one(QStringLiteral("close 1005 "));
        QTest::newRow("close code 1014, registered")
            << closeFrame(1014) << DefaultLimit << one(QStringLiteral("close 1014 "));
        QTest::newRow("message exactly at the limit")
            << text("12345") << qint64(5) << one(QStringLiteral("text 12345"));
        QTest::newRow("fragments exactly at the limit")
            << text("123", false) + continuation("45") << qint64(5)
            << one(QStringLiteral("text 12345"));
        QTest::newRow("messages after a message at the limit")
            << text("12345") + text("6") << qint64(5)
            << QStringList{QStringLiteral("text 12345"), QStringLiteral("text 6")};
    }
    void messages() { checkBothRoles(); }

    void errors_data()
    {
        addColumns();
        const auto error = [](int code, const QString &message) {
            return QStringLiteral("error %1: %2").arg(code).arg(message);
        };
        const QByteArray ok = text("40");
        const QString okEvent = QStringLiteral("text 40");

        QTest::newRow("RSV1 set")
            << ok + rawFrame(0xC1, "x") << DefaultLimit
            << QStringList{okEvent, error(1002, QStringLiteral("reserved bit RSV1 set in a frame "
                                                               "header, but no extension was "
                                                               "negotiated"))};
        QTest::newRow("RSV2 and RSV3 set")
            << rawFrame(0xB2, "x") << DefaultLimit
            << QStringList{error(1002, QStringLiteral("reserved bit RSV2, RSV3 set in a frame "
                                                      "header, but no extension was negotiated"))};
        QTest::newRow("an HTTP answer in the frame stream")
            << QByteArray("HTTP/1.1 400 Bad Request\r\n\r\n") << DefaultLimit
            << QStringList{error(1002, QStringLiteral("reserved bit RSV1 set in a frame header, "
                                                      "but no extension was negotiated"))};
        QTest::newRow("reserved data opcode 0x3")
            << rawFrame(0x83, "x") << DefaultLimit
            << QStringList{error(1002, QStringLiteral("reserved opcode 0x3"))};
        QTest::newRow("reserved control opcode 0xb")
            << rawFrame(0x8B, {}) << DefaultLimit
            << QStringList{error(1002, QStringLiteral("reserved opcode 0xb"))};
        QTest::newRow("fragmented ping")
            << frame(WebSocketOpcode::Ping, "p", false) << DefaultLimit
            << QStringList{error(1002, QStringLiteral("fragmented control frame (PING without "
                                                      "FIN)"))};
        QTest::newRow("close with 126 bytes")
            << frame(WebSocketOpcode::Close, QByteArray(126, 'c')) << DefaultLimit
            << QStringList{error(1002, QStringLiteral("CLOSE frame with a payload over 125 bytes "
                                                      "(control frames carry at most 125)"))};
        QTest::newRow("continuation without a start")
            << ok + continuation("x") << DefaultLimit
            << QStringList{okEvent, error(1002, QStringLiteral("continuation frame without a "
                                                               "message to continue"))};
        QTest::newRow("text frame inside a fragmented message")
            << text("a", false) + text("b") << DefaultLimit
            << QStringList{error(1002, QStringLiteral("TEXT frame while a fragmented message is "
                                                      "unfinished (its frames must continue with "
                                                      "opcode 0)"))};
        QTest::newRow("16-bit length below 126")
            << rawFrame(0x82, "abc", LengthForm::Bits16) << DefaultLimit
            << QStringList{error(1002, QStringLiteral("payload length 3 in the 16-bit form "
                                                      "(lengths below 126 take the 7-bit form)"))};
        QTest::newRow("64-bit length below 65536")
            << rawFrame(0x82, "abc", LengthForm::Bits64) << DefaultLimit
            << QStringList{error(1002, QStringLiteral("payload length 3 in the 64-bit form "
                                                      "(lengths below 65536 take the 7- or 16-bit "
                                                      "form)"))};
        QTest::newRow("64-bit length with the top bit set")
            << lengthOnly(0x82, 127, QByteArray::fromHex("8000000000000001")) << DefaultLimit
            << QStringList{error(1002, QStringLiteral("64-bit payload length with the most "
                                                      "significant bit set"))};
        QTest::newRow("close with a 1-byte payload")
            << control(WebSocketOpcode::Close, "x") << DefaultLimit
            << QStringList{error(1002, QStringLiteral("CLOSE frame with a 1-byte payload (a close "
                                                      "code takes 2)"))};
        for (const int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
            QTest::addRow("close code %d", code)
                << closeFrame(quint16(code)) << DefaultLimit
                << QStringList{error(1002, QStringLiteral("invalid close code %1").arg(code))};
        }
        QTest::newRow("close reason not UTF-8")
            << closeFrame(1000, "\xff") << DefaultLimit
            << QStringList{error(1007, QStringLiteral("invalid UTF-8 in the close reason"))};
        QTest::newRow("text not UTF-8: stray continuation byte")
            << ok + text("ab\x80") << DefaultLimit
            << QStringList{okEvent, error(1007, QStringLiteral("invalid UTF-8 in a text message "
                                                               "at byte 2"))};
        QTest::newRow("text not UTF-8: overlong '/'")
            << text("\xc0\xaf") << DefaultLimit
            << QStringList{error(1007, QStringLiteral("invalid UTF-8 in a text message at byte "
                                                      "0"))};
        QTest::newRow("text not UTF-8: surrogate U+D800")
            << text("0123456789\xed\xa0\x80") << DefaultLimit
            << QStringList{error(1007, QStringLiteral("invalid UTF-8 in a text message at byte "
                                                      "10"))};
        QTest::newRow("text not UTF-8: above U+10FFFF")
            << text("\xf4\x90\x80\x80") << DefaultLimit
            << QStringList{error(1007, QStringLiteral("invalid UTF-8 in a text message at byte "
                                                      "0"))};
        QTest::newRow("text not UTF-8: cut at the end of the last fragment")
            << text("a", false) + continuation("\xe2\x82") << DefaultLimit
            << QStringList{error(1007, QStringLiteral("invalid UTF-8 in a text message at byte "
                                                      "1"))};
        QTest::newRow("binary is not checked for UTF-8")
            << binary("\xff\xfe") << DefaultLimit << QStringList{QStringLiteral("binary fffe")};
        QTest::newRow("one frame over the limit: refused from its header")
            << ok + lengthOnly(0x81, 6, {}) << qint64(5)
            << QStringList{okEvent, error(1009, QStringLiteral("message of 6 bytes exceeds the "
                                                               "limit of 5 bytes"))};
        QTest::newRow("fragments over the limit together")
            << text("123", false) + continuation("456") << qint64(5)
            << QStringList{error(1009, QStringLiteral("message exceeds the limit of 5 bytes with "
                                                      "a frame of 3 bytes after 3 bytes of it"))};
        QTest::newRow("100 MB frame against 64 MiB: refused from its header")
            << lengthOnly(0x81, 127, QByteArray::fromHex("0000000005f5e100")) << DefaultLimit
            << QStringList{error(1009, QStringLiteral("message of 100000000 bytes exceeds the "
                                                      "limit of 67108864 bytes"))};
    }
    void errors() { checkBothRoles(); }

    // RFC 6455 5.1: a server never masks, a client always does; each end closes with 1002
    // otherwise, and keeps the offending frame for the record.
    void masking_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("role");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<QByteArray>("offending");
        const auto error = [](const QString &message) {
            return QStringLiteral("error 1002: %1").arg(message);
        };
        const QByteArray ok = text("40");
        const QString okEvent = QStringLiteral("text 40");
        const QByteArray maskedText = rawFrame(0x81, "hi", LengthForm::Shortest, true);
        const QByteArray maskedPing = rawFrame(0x89, {}, LengthForm::Shortest, true);
        QTest::newRow("client end: masked text frame")
            << ok + maskedText << int(Role::ClientEnd)
            << QStringList{okEvent, error(QStringLiteral("masked TEXT frame from the server (RFC "
                                                         "6455 5.1: a server must not mask)"))}
            << maskedText;
        QTest::newRow("client end: masked ping")
            << maskedPing << int(Role::ClientEnd)
            << QStringList{error(QStringLiteral("masked PING frame from the server (RFC 6455 "
                                                "5.1: a server must not mask)"))}
            << maskedPing;
        QTest::newRow("server end: unmasked text frame after a masked one")
            << maskFrames(ok) + text("hi") << int(Role::ServerEnd)
            << QStringList{okEvent, error(QStringLiteral("RFC 6455 5.1: client frame not masked "
                                                         "(an unmasked TEXT frame; a client must "
                                                         "mask every frame)"))}
            << text("hi");
        QTest::newRow("server end: unmasked ping")
            << control(WebSocketOpcode::Ping) << int(Role::ServerEnd)
            << QStringList{error(QStringLiteral("RFC 6455 5.1: client frame not masked (an "
                                                "unmasked PING frame; a client must mask every "
                                                "frame)"))}
            << control(WebSocketOpcode::Ping);
        QTest::newRow("server end: unmasked close")
            << closeFrame(1000) << int(Role::ServerEnd)
            << QStringList{error(QStringLiteral("RFC 6455 5.1: client frame not masked (an "
                                                "unmasked CLOSE frame; a client must mask every "
                                                "frame)"))}
            << closeFrame(1000);
        QTest::newRow("server end: unmasked continuation of a masked start")
            << maskFrames(text("a", false)) + continuation("b") << int(Role::ServerEnd)
            << QStringList{error(QStringLiteral("RFC 6455 5.1: client frame not masked (an "
                                                "unmasked continuation frame; a client must mask "
                                                "every frame)"))}
            << continuation("b");
    }
    void masking()
    {
        QFETCH(QByteArray, input);
        QFETCH(int, role);
        QFETCH(QStringList, expected);
        QFETCH(QByteArray, offending);
        checkAllSplits(input, DefaultLimit, expected, Role(role));
        WebSocketFrameParser parser(DefaultLimit, Role(role));
        parser.addData(input);
        QStringList events;
        drain(parser, &events);
        QCOMPARE(parser.violation(), Role(role) == Role::ClientEnd
                                         ? WebSocketFrameParser::Violation::MaskedServerFrame
                                         : WebSocketFrameParser::Violation::UnmaskedClientFrame);
        QCOMPARE(parser.errorCloseCode(), quint16(1002));
        QCOMPARE(parser.offendingBytes(), offending);
    }

    // A masked payload is unmasked with the key's bytes in turn, counted from the start of each
    // frame (not of the message), whatever the read boundaries.
    void serverEndUnmasksAcrossFragments()
    {
        const QByteArray message = QByteArray("0123456789abcdefghij").repeated(400);
        QByteArray stream;
        for (qsizetype pos = 0; pos < message.size(); pos += 333) {
            const bool first = pos == 0;
            const bool last = pos + 333 >= message.size();
            stream += rawFrame(quint8((last ? 0x80 : 0) | (first ? 0x1 : 0x0)),
                               message.mid(pos, 333), LengthForm::Shortest, true);
        }
        for (const qsizetype chunk : {qsizetype(1), qsizetype(5), qsizetype(4096)}) {
            QCOMPARE(parseInChunks(stream, DefaultLimit, chunk, Role::ServerEnd),
                     QStringList{QStringLiteral("text %1 bytes").arg(message.size())});
            WebSocketFrameParser parser(DefaultLimit, Role::ServerEnd);
            for (qsizetype pos = 0; pos < stream.size(); pos += chunk)
                parser.addData(stream.mid(pos, chunk));
            QCOMPARE(parser.next(), WebSocketFrameParser::Result::TextMessage);
            QCOMPARE(parser.takePayload(), message);
        }
    }

    // After an error nothing more comes out, whatever is added; reset() starts afresh.
    void failedParserStaysFailed()
    {
        WebSocketFrameParser parser(DefaultLimit);
        parser.addData(rawFrame(0x83, "x") + text("40"));
        QCOMPARE(parser.next(), WebSocketFrameParser::Result::Error);
        parser.addData(text("41"));
        QCOMPARE(parser.next(), WebSocketFrameParser::Result::Error);
        parser.reset();
        parser.addData(text("42"));
        QCOMPARE(parser.next(), WebSocketFrameParser::Result::TextMessage);
        QCOMPARE(parser.takePayload(), QByteArray("42"));
        QCOMPARE(parser.next(), WebSocketFrameParser::Result::NeedMoreData);
    }

    // The start of a text message that is not UTF-8 is kept for the record.
    void offendingBytesOfInvalidText()
    {
        WebSocketFrameParser parser(DefaultLimit);
        parser.addData(text("42[\"\xff\"]"));
        QCOMPARE(parser.next(), WebSocketFrameParser::Result::Error);
        QCOMPARE(parser.offendingBytes(), QByteArray("42[\"\xff\"]"));
    }

    void writer_data()
    {
        QTest::addColumn<int>("opcode");
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<int>("headerBytes");
        QTest::newRow("text, empty") << int(WebSocketOpcode::Text) << QByteArray() << 6;
        QTest::newRow("text, 125 bytes") << int(WebSocketOpcode::Text) << QByteArray(125, 'a') << 6;
        QTest::newRow("binary, 126 bytes")
            << int(WebSocketOpcode::Binary) << QByteArray(126, '\0') << 8;
        QTest::newRow("binary, 65535 bytes")
            << int(WebSocketOpcode::Binary) << QByteArray(65535, '\x7f') << 8;
        QTest::newRow("binary, 65536 bytes")
            << int(WebSocketOpcode::Binary) << QByteArray(65536, '\x01') << 14;
        QTest::newRow("close 1000")
            << int(WebSocketOpcode::Close) << WebSocketFrameWriter::closePayload(1000) << 6;
        QTest::newRow("pong") << int(WebSocketOpcode::Pong) << QByteArray("p") << 6;
    }
    // Server frames: the same, unmasked (RFC 6455 5.1); the server end's parser refuses them,
    // the client end's reads them back.
    void unmaskedWriter_data() { writer_data(); }
    void unmaskedWriter()
    {
        QFETCH(int, opcode);
        QFETCH(QByteArray, payload);
        QFETCH(int, headerBytes);
        const QByteArray written =
            WebSocketFrameWriter::unmaskedFrame(WebSocketOpcode(opcode), payload);
        QCOMPARE(written, WebSocketFrameWriter::frame(WebSocketOpcode(opcode), payload, 0)
                              .remove(headerBytes - 4, 4)
                              .replace(1, 1, QByteArray(1, char(written.at(1) & 0x7F))));
        QCOMPARE(quint8(written.at(1)) & 0x80, 0);
        WebSocketFrameParser client(DefaultLimit, Role::ClientEnd);
        client.addData(written);
        QVERIFY(client.next() != WebSocketFrameParser::Result::Error);
        if (opcode == int(WebSocketOpcode::Close))
            QCOMPARE(client.closeCode(), quint16(1000));
        else
            QCOMPARE(client.takePayload(), payload);
        WebSocketFrameParser server(DefaultLimit, Role::ServerEnd);
        server.addData(written);
        QCOMPARE(server.next(), WebSocketFrameParser::Result::Error);
        QCOMPARE(server.violation(), WebSocketFrameParser::Violation::UnmaskedClientFrame);
    }
    // Client frames: FIN set, no RSV bits, masked (RFC 6455 5.3), in the shortest length form.
    void writer()
    {
        QFETCH(int, opcode);
        QFETCH(QByteArray, payload);
        QFETCH(int, headerBytes);
        const quint32 key = 0xA1B2C3D4;
        const QByteArray written =
            WebSocketFrameWriter::frame(WebSocketOpcode(opcode), payload, key);
        QCOMPARE(written.size(), headerBytes + payload.size());
        QCOMPARE(quint8(written.at(0)), quint8(0x80 | opcode));
        QVERIFY(quint8(written.at(1)) & 0x80);
        QCOMPARE(written.mid(headerBytes - 4, 4), QByteArray::fromHex("a1b2c3d4"));
        QByteArray unmasked = written.mid(headerBytes);
        for (qsizetype i = 0; i < unmasked.size(); ++i)
            unmasked[i] = char(unmasked.at(i) ^ written.at(headerBytes - 4 + i % 4));
        QCOMPARE(unmasked, payload);

        // The server end reads the masked frame back.
        WebSocketFrameParser serverEnd(DefaultLimit, Role::ServerEnd);
        serverEnd.addData(written);
        QVERIFY(serverEnd.next() != WebSocketFrameParser::Result::Error);
        if (opcode == int(WebSocketOpcode::Close))
            QCOMPARE(serverEnd.closeCode(), quint16(1000));
        else
            QCOMPARE(serverEnd.takePayload(), payload);

        // The same frame unmasked, as a server would send it, parses back to the payload.
        QByteArray asServer = written.left(headerBytes - 4) + unmasked;
        asServer[1] = char(asServer.at(1) & 0x7F);
        WebSocketFrameParser parser(DefaultLimit);
        parser.addData(asServer);
        QVERIFY(parser.next() != WebSocketFrameParser::Result::Error);
        if (opcode == int(WebSocketOpcode::Close))
            QCOMPARE(parser.closeCode(), quint16(1000));
        else
            QCOMPARE(parser.takePayload(), payload);
    }

    void closePayload()
    {
        QCOMPARE(WebSocketFrameWriter::closePayload(1002, QStringLiteral("bad")),
                 QByteArray("\x03\xea"
                            "bad",
                            5));
        QCOMPARE(WebSocketFrameWriter::closePayload(1000).size(), 2);
    }

    void acceptKey()
    {
        // RFC 6455, section 1.3: the example handshake.
        QCOMPARE(WebSocketFrameWriter::acceptKey("dGhlIHNhbXBsZSBub25jZQ=="),
                 QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }
};

QTEST_APPLESS_MAIN(tst_WebSocketFrameParser)
#include "tst_websocketframeparser.moc"
