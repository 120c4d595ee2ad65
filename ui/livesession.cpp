#include "livesession.h"

#include "crashjournal.h"

namespace {
// Completion is a convenience; a flood of distinct names must not grow it without bound.
constexpr int MaxEventNames = 500;
// The name is the array's first string: looking at the start of the payload is enough, and a
// 64 MB payload is never scanned whole for it.
constexpr qsizetype EventNameScanBytes = 512;
} // namespace

LiveSession::LiveSession(QObject *parent)
    : QObject(parent)
    , m_client(new SocketIoClient(this))
{
    connect(m_client, &SocketIoClient::packetRecorded, this, &LiveSession::recordArrived);
    connect(m_client->engine(), &EngineIoClient::upgraded, this,
            [this] { m_upgradedAtUs = PacketRecord::nowUs(); });
    connect(m_client->engine(), &EngineIoClient::openReceived, this, [this] {
        m_openedAtUs = PacketRecord::nowUs();
        m_upgradedAtUs = -1;
    });
}

LiveSession::~LiveSession() = default;

void LiveSession::setJournal(CrashJournal *journal)
{
    if (m_journal == journal)
        return;
    delete m_journal;
    m_journal = journal;
    if (m_journal)
        m_journal->setParent(this);
}

void LiveSession::clear()
{
    m_log.clear();
    m_traffic = {};
}

void LiveSession::recordArrived(const PacketRecord &record)
{
    const qint64 row = m_log.append(record);
    if (m_journal)
        m_journal->append(record);
    if (record.layer != PacketRecord::Layer::Connection) {
        const qint64 bytes = m_log.wireSize(row);
        if (record.direction == PacketRecord::Direction::In) {
            ++m_traffic.packetsIn;
            m_traffic.bytesIn += bytes;
        } else {
            ++m_traffic.packetsOut;
            m_traffic.bytesOut += bytes;
        }
    }
    noteEventName(record);
}

void LiveSession::noteEventName(const PacketRecord &record)
{
    if (record.layer != PacketRecord::Layer::SocketIo || m_eventNames.size() >= MaxEventNames)
        return;
    const auto type = SocketIoPacket::Type(record.type);
    if (type != SocketIoPacket::Event && type != SocketIoPacket::BinaryEvent)
        return;
    QByteArray head = record.payload;
    if (head.size() > EventNameScanBytes) {
        // Cut after the first string and close the array, so that the scanner sees valid JSON.
        qsizetype end = -1;
        if (head.startsWith("[\"")) {
            for (qsizetype i = 2; i < EventNameScanBytes; ++i) {
                if (head.at(i) == '\\') {
                    ++i;
                } else if (head.at(i) == '"') {
                    end = i;
                    break;
                }
            }
        }
        if (end < 0)
            return;
        head = head.left(end + 1) + ']';
    }
    const QString name = SocketIoPacket(type, record.nsp, head).eventName();
    if (name.isEmpty() || m_eventNameSet.contains(name))
        return;
    m_eventNameSet.insert(name);
    m_eventNames.append(name);
    Q_EMIT eventNameSeen(name);
}
