// Pairs every ACK with the EVENT that asked for it, both ways: our events with the server's acks,
// and the server's events with our replies. Keeps round-trip times, pending and timed-out acks,
// and aggregate figures.
#pragma once

#include "socketio/packetrecord.h"

#include <QHash>
#include <QString>

#include <vector>

class AckPairing
{
public:
    enum class Status { Pending, Answered, TimedOut };
    enum class Initiator { Client, Server }; // who sent the EVENT

    struct Exchange
    {
        qint64 eventRow = -1;
        qint64 ackRow = -1;
        qint64 sentUs = 0;
        qint64 answeredUs = -1;
        qint64 rttUs = -1;
        qint64 id = -1;
        QString nsp;
        QString eventName;
        Initiator initiator = Initiator::Client;
        Status status = Status::Pending;
    };

    struct Stats
    {
        int answered = 0;
        int pending = 0;
        int timedOut = 0;
        double p50Ms = 0;
        double p95Ms = 0;
        double maxMs = 0;
    };

    // Feeds the record stored at `row`. An Engine.IO OPEN starts a new connection, after which
    // the server's ack ids may repeat; an "ack-timeout" note marks our event as timed out.
    void observe(qint64 row, const PacketRecord &record);
    void clear();

    const std::vector<Exchange> &exchanges() const { return m_exchanges; }
    // The exchange an EVENT or ACK row belongs to, or -1.
    int exchangeForRow(qint64 row) const { return m_byRow.value(row, -1); }
    // The other half of the exchange of `row`, or -1.
    qint64 partnerRow(qint64 row) const;

    // Figures over the exchanges our client started; empty filters match everything.
    Stats stats(const QString &nsp = {}, const QString &eventName = {}) const;
    static double percentile(const std::vector<qint64> &sortedUs, double fraction);

private:
    void markTimedOut(const QString &nsp, qint64 id, const QString &session);

    struct Key
    {
        int connection;
        QString nsp;
        qint64 id;
        Initiator initiator;
        QString session; // a server's log: the client session (ack ids are per client)
        friend bool operator==(const Key &a, const Key &b)
        {
            return a.connection == b.connection && a.id == b.id && a.initiator == b.initiator &&
                   a.nsp == b.nsp && a.session == b.session;
        }
        friend size_t qHash(const Key &key, size_t seed = 0)
        {
            return qHashMulti(seed, key.connection, key.nsp, key.id, int(key.initiator),
                              key.session);
        }
    };

    std::vector<Exchange> m_exchanges;
    QHash<Key, int> m_open; // awaiting their ACK
    QHash<qint64, int> m_byRow;
    int m_connection = 0;
};
