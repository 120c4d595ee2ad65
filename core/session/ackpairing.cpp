#include "session/ackpairing.h"

#include "socketio/socketiopacket.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

void AckPairing::observe(qint64 row, const PacketRecord &record)
{
    if (record.layer == PacketRecord::Layer::Connection) {
        if (record.type == PacketRecord::AckTimedOut) {
            const QJsonObject details = QJsonDocument::fromJson(record.payload).object();
            markTimedOut(details.value(QLatin1String("nsp")).toString(),
                         qint64(details.value(QLatin1String("id")).toDouble(-1)), record.session);
        }
        return;
    }
    if (record.layer == PacketRecord::Layer::EngineIo) {
        if (record.type == EngineIoPacket::Open && record.direction == PacketRecord::Direction::In)
            ++m_connection;
        return;
    }
    if (record.layer != PacketRecord::Layer::SocketIo || record.id < 0 || !record.error.isEmpty())
        return;
    const auto type = SocketIoPacket::Type(record.type);
    const bool outgoing = record.direction == PacketRecord::Direction::Out;
    if (type == SocketIoPacket::Event || type == SocketIoPacket::BinaryEvent) {
        Exchange exchange;
        exchange.eventRow = row;
        exchange.sentUs = record.timeUs;
        exchange.id = record.id;
        exchange.nsp = record.nsp;
        exchange.eventName = SocketIoPacket(type, record.nsp, record.payload).eventName();
        exchange.initiator = outgoing ? Initiator::Client : Initiator::Server;
        const int index = int(m_exchanges.size());
        m_exchanges.push_back(std::move(exchange));
        m_open.insert(
            {m_connection, record.nsp, record.id, m_exchanges.back().initiator, record.session},
            index);
        m_byRow.insert(row, index);
        return;
    }
    if (type != SocketIoPacket::Ack && type != SocketIoPacket::BinaryAck)
        return;
    // An ACK we receive answers our event; one we send answers the server's.
    const Key key{m_connection, record.nsp, record.id,
                  outgoing ? Initiator::Server : Initiator::Client, record.session};
    const auto found = m_open.constFind(key);
    if (found == m_open.constEnd())
        return; // an ACK for no known event: the record itself says so
    Exchange &exchange = m_exchanges[size_t(*found)];
    m_open.erase(found);
    exchange.ackRow = row;
    exchange.answeredUs = record.timeUs;
    // The client's monotonic measurement is better than the difference of wall-clock stamps.
    exchange.rttUs = record.rttUs >= 0 ? record.rttUs : record.timeUs - exchange.sentUs;
    exchange.status = Status::Answered;
    m_byRow.insert(row, int(&exchange - m_exchanges.data()));
}

void AckPairing::markTimedOut(const QString &nsp, qint64 id, const QString &session)
{
    const auto found = m_open.constFind({m_connection, nsp, id, Initiator::Client, session});
    if (found == m_open.constEnd())
        return;
    m_exchanges[size_t(*found)].status = Status::TimedOut;
    // Kept open: a late ACK still pairs, and then shows its (long) round trip.
}

void AckPairing::clear()
{
    m_exchanges.clear();
    m_open.clear();
    m_byRow.clear();
    m_connection = 0;
}

qint64 AckPairing::partnerRow(qint64 row) const
{
    const int index = exchangeForRow(row);
    if (index < 0)
        return -1;
    const Exchange &exchange = m_exchanges[size_t(index)];
    return exchange.eventRow == row ? exchange.ackRow : exchange.eventRow;
}

double AckPairing::percentile(const std::vector<qint64> &sortedUs, double fraction)
{
    if (sortedUs.empty())
        return 0;
    // Nearest rank, as most latency tools report it.
    const size_t rank = size_t(std::max(1.0, std::ceil(fraction * double(sortedUs.size()))));
    return double(sortedUs[std::min(rank, sortedUs.size()) - 1]) / 1000.0;
}

AckPairing::Stats AckPairing::stats(const QString &nsp, const QString &eventName) const
{
    Stats stats;
    std::vector<qint64> rtts;
    for (const Exchange &exchange : m_exchanges) {
        if (exchange.initiator != Initiator::Client || (!nsp.isEmpty() && exchange.nsp != nsp) ||
            (!eventName.isEmpty() && exchange.eventName != eventName))
            continue;
        switch (exchange.status) {
        case Status::Pending:
            ++stats.pending;
            break;
        case Status::TimedOut:
            ++stats.timedOut;
            break;
        case Status::Answered:
            ++stats.answered;
            rtts.push_back(exchange.rttUs);
            break;
        }
    }
    std::sort(rtts.begin(), rtts.end());
    stats.p50Ms = percentile(rtts, 0.50);
    stats.p95Ms = percentile(rtts, 0.95);
    stats.maxMs = rtts.empty() ? 0 : double(rtts.back()) / 1000.0;
    return stats;
}
