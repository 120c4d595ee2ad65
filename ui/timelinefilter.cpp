#include "timelinefilter.h"

#include "common/jsonescape.h"
#include "common/utf8.h"
#include "engineio/engineiopacket.h"
#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"

#include <array>
#include <cstring>

namespace {
constexpr std::array<uchar, 256> makeFoldTable()
{
    std::array<uchar, 256> table{};
    for (int i = 0; i < 256; ++i)
        table[size_t(i)] = uchar(i >= 'A' && i <= 'Z' ? i + ('a' - 'A') : i);
    return table;
}
constexpr std::array<uchar, 256> Fold = makeFoldTable();

int typeBit(PacketRecord::Layer layer, quint8 type)
{
    return type < 16 ? int(layer) * 16 + type : -1;
}

} // namespace

void TimelineFilter::setText(const QString &text)
{
    m_text = text;
    m_needle = text.toUtf8();
    m_needleAscii = true;
    for (char &c : m_needle) {
        c = char(Fold[uchar(c)]);
        if (uchar(c) >= 0x80)
            m_needleAscii = false;
    }
}

void TimelineFilter::setTypes(const std::vector<TypeKey> &types)
{
    m_typeMask = 0;
    m_restrictTypes = !types.empty();
    for (const TypeKey &key : types) {
        const int bit = typeBit(key.layer, key.type);
        if (bit >= 0)
            m_typeMask |= quint64(1) << bit;
    }
}

void TimelineFilter::clearTypes()
{
    m_typeMask = 0;
    m_restrictTypes = false;
}

bool TimelineFilter::acceptsType(PacketRecord::Layer layer, quint8 type) const
{
    if (!m_restrictTypes)
        return true;
    const int bit = typeBit(layer, type);
    return bit >= 0 && (m_typeMask >> bit) & 1;
}

bool TimelineFilter::isControl(const SessionLog &log, qint64 row)
{
    switch (log.layer(row)) {
    case PacketRecord::Layer::SocketIo:
        return false;
    case PacketRecord::Layer::EngineIo:
        switch (log.type(row)) {
        case EngineIoPacket::Ping:
        case EngineIoPacket::Pong:
        case EngineIoPacket::Upgrade:
        case EngineIoPacket::Noop:
            break;
        default:
            return false;
        }
        break;
    case PacketRecord::Layer::Connection:
        break;
    }
    return !log.hasError(row);
}

bool TimelineFilter::matches(const SessionLog &log, qint64 row) const
{
    if (m_direction != DirectionFilter::Any &&
        (log.direction(row) == PacketRecord::Direction::Out) !=
            (m_direction == DirectionFilter::Out))
        return false;
    const PacketRecord::Layer layer = log.layer(row);
    if (!acceptsType(layer, log.type(row)))
        return false;
    if (!m_nsp.isEmpty() && (layer != PacketRecord::Layer::SocketIo || log.nsp(row) != m_nsp))
        return false;
    if (!m_session.isEmpty() && log.session(row) != m_session)
        return false;
    if (!m_showControl && isControl(log, row))
        return false;
    return m_needle.isEmpty() || textMatches(log, row);
}

void TimelineFilter::appendMatches(const SessionLog &log, qint64 from, qint64 to,
                                   std::vector<quint32> &rows) const
{
    for (qint64 row = from; row < to; ++row)
        if (matches(log, row))
            rows.push_back(quint32(row));
}

bool TimelineFilter::textMatchesBytes(QByteArrayView bytes) const
{
    if (containsFolded(bytes, m_needle))
        return true;
    // A needle beyond ASCII needs Unicode case folding: the slow path, for such needles only.
    return !m_needleAscii && QString::fromUtf8(bytes).contains(m_text, Qt::CaseInsensitive);
}

bool TimelineFilter::textMatches(const SessionLog &log, qint64 row) const
{
    const QByteArrayView payload = log.payload(row);
    if (textMatchesBytes(payload))
        return true;
    // The payload is JSON text: "caf\u00e9" or "say \"hi\"" match "café" and "say "hi"".
    if (!payload.isEmpty() && std::memchr(payload.data(), '\\', size_t(payload.size())) &&
        textMatchesBytes(unescapeJson(payload)))
        return true;
    if (log.layer(row) == PacketRecord::Layer::SocketIo &&
        (log.type(row) == SocketIoPacket::Ack || log.type(row) == SocketIoPacket::BinaryAck)) {
        const int exchange = log.acks().exchangeForRow(row);
        if (exchange >= 0 && log.acks().exchanges()[size_t(exchange)].eventName.contains(
                                 m_text, Qt::CaseInsensitive))
            return true;
    }
    return log.hasError(row) && log.record(row).error.contains(m_text, Qt::CaseInsensitive);
}

bool TimelineFilter::containsFolded(QByteArrayView haystack, QByteArrayView lowerNeedle)
{
    const qsizetype n = lowerNeedle.size();
    if (n == 0)
        return true;
    if (haystack.size() < n)
        return false;
    const uchar *h = reinterpret_cast<const uchar *>(haystack.data());
    const uchar *needle = reinterpret_cast<const uchar *>(lowerNeedle.data());
    const uchar first = needle[0];
    const uchar *const last = h + (haystack.size() - n); // last possible start
    for (const uchar *p = h; p <= last; ++p) {
        if (Fold[*p] != first)
            continue;
        qsizetype i = 1;
        while (i < n && Fold[p[i]] == needle[i])
            ++i;
        if (i == n)
            return true;
    }
    return false;
}

QByteArray TimelineFilter::unescapeJson(QByteArrayView json)
{
    // Lenient: a search text, not a validation. A lone surrogate becomes U+FFFD, an escape that
    // JSON does not have stands for its character, and a broken \u stays as it is.
    QByteArray out;
    out.reserve(json.size());
    const qsizetype size = json.size();
    for (qsizetype i = 0; i < size;) {
        if (json[i] != '\\') {
            out.append(json[i++]);
            continue;
        }
        const JsonEscape escape = JsonEscape::read(json, i);
        switch (escape.kind) {
        case JsonEscape::Kind::CodePoint:
            Utf8::append(out, escape.value);
            i += escape.length;
            break;
        case JsonEscape::Kind::LoneSurrogate:
            Utf8::append(out, U'\uFFFD');
            i += escape.length;
            break;
        case JsonEscape::Kind::Truncated:
        case JsonEscape::Kind::BadHexDigit:
            if (i + 1 == size) {
                out.append('\\');
                ++i;
                break;
            }
            Q_FALLTHROUGH();
        case JsonEscape::Kind::Unknown:
            if (json[i + 1] == 'u')
                out.append('\\');
            out.append(json[i + 1]);
            i += 2;
            break;
        }
    }
    return out;
}

bool operator==(const TimelineFilter &a, const TimelineFilter &b)
{
    return a.m_text == b.m_text && a.m_nsp == b.m_nsp && a.m_session == b.m_session &&
           a.m_typeMask == b.m_typeMask && a.m_restrictTypes == b.m_restrictTypes &&
           a.m_direction == b.m_direction && a.m_showControl == b.m_showControl;
}
