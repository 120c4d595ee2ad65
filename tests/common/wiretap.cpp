#include "wiretap.h"

#include <QTcpSocket>

#include <algorithm>

struct WireTap::Link
{
    Connection record;
    QTcpSocket *client = nullptr;
    QTcpSocket *server = nullptr;
    QByteArray pendingToServer; // until the server side is connected
    bool closeServerWhenConnected = false;
};

QByteArray WireTap::Connection::firstLine() const
{
    const qsizetype end = clientToServer.indexOf("\r\n");
    return end < 0 ? clientToServer : clientToServer.left(end);
}

WireTap::WireTap(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *client = m_server.nextPendingConnection()) {
            client->setParent(this);
            auto *server = new QTcpSocket(this);
            m_links.push_back(std::make_unique<Link>());
            Link *link = m_links.back().get();
            link->client = client;
            link->server = server;
            connect(server, &QTcpSocket::connected, this, [this, link] {
                link->record.connected = true;
                link->server->setSocketOption(QAbstractSocket::LowDelayOption, 1);
                if (!link->pendingToServer.isEmpty())
                    link->server->write(std::exchange(link->pendingToServer, {}));
                if (link->closeServerWhenConnected)
                    link->server->disconnectFromHost();
                relay(link, false);
            });
            connect(client, &QTcpSocket::readyRead, this, [this, link] { relay(link, true); });
            connect(server, &QTcpSocket::readyRead, this, [this, link] { relay(link, false); });
            connect(client, &QTcpSocket::disconnected, this, [this, link] { closed(link, true); });
            connect(server, &QTcpSocket::disconnected, this, [this, link] { closed(link, false); });
            connect(server, &QTcpSocket::errorOccurred, this, [this, link] {
                // Refused or reset before it connected: nothing else will end it.
                if (!link->record.connected &&
                    link->server->state() == QAbstractSocket::UnconnectedState)
                    closed(link, false);
            });
            client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            server->connectToHost(QHostAddress::LocalHost, m_targetPort);
            relay(link, true);
        }
    });
}

WireTap::~WireTap()
{
    for (const auto &link : m_links) {
        link->client->abort();
        link->server->abort();
    }
}

bool WireTap::listen(quint16 targetPort)
{
    m_targetPort = targetPort;
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QUrl WireTap::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
}

QList<WireTap::Connection> WireTap::connections() const
{
    QList<Connection> out;
    for (const auto &link : m_links)
        out.append(link->record);
    return out;
}

bool WireTap::allClosed() const
{
    return std::all_of(m_links.begin(), m_links.end(),
                       [](const auto &link) { return link->record.isClosed(); });
}

const WireTap::Connection *WireTap::findByFirstLine(const QByteArray &line) const
{
    const Connection *found = nullptr;
    for (const auto &link : m_links) {
        if (link->record.firstLine() != line)
            continue;
        if (found)
            return nullptr;
        found = &link->record;
    }
    return found;
}

void WireTap::relay(Link *link, bool fromClient)
{
    QTcpSocket *from = fromClient ? link->client : link->server;
    const QByteArray bytes = from->readAll();
    if (bytes.isEmpty())
        return;
    if (fromClient) {
        link->record.clientToServer += bytes;
        if (link->server->state() == QAbstractSocket::ConnectedState)
            link->server->write(bytes);
        else if (link->record.serverOpen)
            link->pendingToServer += bytes;
    } else {
        link->record.serverToClient += bytes;
        if (link->client->state() == QAbstractSocket::ConnectedState)
            link->client->write(bytes);
    }
}

void WireTap::closed(Link *link, bool client)
{
    relay(link, client); // what came with the end
    bool &open = client ? link->record.clientOpen : link->record.serverOpen;
    if (!open)
        return;
    open = false;
    if (link->record.closedFirst == Side::None)
        link->record.closedFirst = client ? Side::Client : Side::Server;
    // The other side ends once what it was sent went out.
    if (client) {
        if (link->server->state() == QAbstractSocket::ConnectedState)
            link->server->disconnectFromHost();
        else if (link->server->state() != QAbstractSocket::UnconnectedState)
            link->closeServerWhenConnected = true;
        else
            link->record.serverOpen = false;
    } else {
        if (link->client->state() != QAbstractSocket::UnconnectedState)
            link->client->disconnectFromHost();
        else
            link->record.clientOpen = false;
    }
}

// --- HTTP -------------------------------------------------------------------------------------

int HttpMessage::status() const
{
    if (!startLine.startsWith("HTTP/"))
        return 0;
    const QList<QByteArray> parts = startLine.split(' ');
    return parts.size() >= 2 ? parts.at(1).toInt() : 0;
}

QByteArray HttpMessage::field(QByteArrayView name) const
{
    for (const auto &[fieldName, value] : fields)
        if (fieldName.compare(name, Qt::CaseInsensitive) == 0)
            return value.isNull() ? QByteArray("") : value;
    return {};
}

bool HttpMessage::hasToken(QByteArrayView name, QByteArrayView token) const
{
    for (const auto &[fieldName, value] : fields) {
        if (fieldName.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        for (const QByteArray &item : value.split(','))
            if (item.trimmed().compare(token, Qt::CaseInsensitive) == 0)
                return true;
    }
    return false;
}

namespace {

enum class Framing { None, Length, Chunked, UntilClose };

// The head of the message at `at`; *at moves past it. False when it is not whole or not HTTP
// (then *error says so).
bool readHead(const QByteArray &bytes, qsizetype *at, HttpMessage *message, QString *error)
{
    const qsizetype end = bytes.indexOf("\r\n\r\n", *at);
    if (end < 0) {
        if (*at < bytes.size())
            *error = QStringLiteral("a head cut short at byte %1").arg(*at);
        return false;
    }
    message->head = bytes.mid(*at, end + 4 - *at);
    const QList<QByteArray> lines = message->head.left(message->head.size() - 4).split('\n');
    message->startLine = lines.first().chopped(lines.first().endsWith('\r') ? 1 : 0);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).endsWith('\r') ? lines.at(i).chopped(1) : lines.at(i);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            *error = QStringLiteral("not a header field: \"%1\"").arg(QString::fromLatin1(line));
            return false;
        }
        message->fields.append({line.left(colon), line.mid(colon + 1).trimmed()});
    }
    *at = end + 4;
    return true;
}

// The body from `at`; *at moves past what it took.
void readBody(const QByteArray &bytes, qsizetype *at, Framing framing, qint64 length,
              HttpMessage *message)
{
    switch (framing) {
    case Framing::None:
        message->complete = true;
        return;
    case Framing::UntilClose:
        message->body = bytes.mid(*at);
        message->decodedBody = message->body;
        *at = bytes.size();
        message->complete = true; // as far as the recording goes
        return;
    case Framing::Length: {
        const qint64 available = qMin<qint64>(length, bytes.size() - *at);
        message->body = bytes.mid(*at, available);
        message->decodedBody = message->body;
        *at += available;
        message->complete = available == length;
        return;
    }
    case Framing::Chunked: {
        const qsizetype start = *at;
        qsizetype pos = *at;
        while (true) {
            const qsizetype lineEnd = bytes.indexOf("\r\n", pos);
            if (lineEnd < 0)
                break;
            QByteArray sizeText = bytes.mid(pos, lineEnd - pos);
            if (const qsizetype semicolon = sizeText.indexOf(';'); semicolon >= 0)
                sizeText.truncate(semicolon);
            bool ok = false;
            const qint64 size = sizeText.trimmed().toLongLong(&ok, 16);
            if (!ok || size < 0)
                break;
            if (size == 0) {
                // Trailer fields, if any, then the empty line.
                qsizetype trailer = lineEnd + 2;
                while (true) {
                    const qsizetype end = bytes.indexOf("\r\n", trailer);
                    if (end < 0)
                        break;
                    if (end == trailer) {
                        message->complete = true;
                        pos = end + 2;
                        break;
                    }
                    trailer = end + 2;
                }
                break;
            }
            if (lineEnd + 2 + size + 2 > bytes.size())
                break;
            message->decodedBody += bytes.mid(lineEnd + 2, size);
            pos = lineEnd + 2 + size + 2;
        }
        const qsizetype end = message->complete ? pos : bytes.size();
        message->body = bytes.mid(start, end - start);
        *at = end;
        return;
    }
    }
}

Framing framingOf(const HttpMessage &message, bool response, qint64 *length)
{
    if (message.hasToken("transfer-encoding", "chunked"))
        return Framing::Chunked;
    const QByteArray contentLength = message.field("content-length");
    if (!contentLength.isNull()) {
        *length = contentLength.toLongLong();
        return *length > 0 ? Framing::Length : Framing::None;
    }
    if (!response)
        return Framing::None;
    const int status = message.status();
    if ((status >= 100 && status < 200) || status == 204 || status == 304)
        return Framing::None;
    return Framing::UntilClose;
}

} // namespace

HttpConversation parseHttp(const WireTap::Connection &connection)
{
    HttpConversation conversation;
    // The responses first: whether a 101 made the rest a tunnel.
    const QByteArray &in = connection.serverToClient;
    qsizetype at = 0;
    while (at < in.size()) {
        HttpMessage response;
        if (!readHead(in, &at, &response, &conversation.error))
            break;
        if (response.status() == 101) {
            response.complete = true;
            conversation.responses.append(response);
            conversation.upgraded = true;
            conversation.serverTunnel = in.mid(at);
            break;
        }
        qint64 length = 0;
        const Framing framing = framingOf(response, true, &length);
        readBody(in, &at, framing, length, &response);
        conversation.responses.append(response);
        if (!response.complete)
            break;
    }

    const QByteArray &out = connection.clientToServer;
    at = 0;
    while (at < out.size()) {
        HttpMessage request;
        if (!readHead(out, &at, &request, &conversation.error))
            break;
        const bool upgrade = request.field("upgrade").size() > 0;
        qint64 length = 0;
        const Framing framing = framingOf(request, false, &length);
        readBody(out, &at, framing, length, &request);
        conversation.requests.append(request);
        if (upgrade && conversation.upgraded) {
            conversation.clientTunnel = out.mid(at);
            break;
        }
        if (!request.complete)
            break;
    }
    return conversation;
}
