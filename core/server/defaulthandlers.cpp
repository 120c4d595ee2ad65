#include "server/defaulthandlers.h"

#include "server/engineioserver.h"
#include "server/socketioserver.h"

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The offset just past the first item of a JSON array, and of the '[', or -1 when `array` is not
// an array with a first item. The first item of an EVENT is a string or a number.
qsizetype endOfFirstItem(QByteArrayView array, qsizetype *itemStart)
{
    qsizetype pos = 0;
    while (pos < array.size() && isSpace(array[pos]))
        ++pos;
    if (pos >= array.size() || array[pos] != '[')
        return -1;
    ++pos;
    while (pos < array.size() && isSpace(array[pos]))
        ++pos;
    *itemStart = pos;
    if (pos >= array.size() || array[pos] == ']')
        return -1;
    if (array[pos] == '"') {
        ++pos;
        while (pos < array.size() && array[pos] != '"')
            pos += array[pos] == '\\' ? 2 : 1;
        return pos < array.size() ? pos + 1 : -1;
    }
    // A number (or a literal): up to the next separator.
    while (pos < array.size() && array[pos] != ',' && array[pos] != ']' && !isSpace(array[pos]))
        ++pos;
    return pos;
}

} // namespace

namespace SocketIoDefaultHandlers {

QByteArray replaceFirstItem(QByteArrayView array, QByteArrayView firstItem)
{
    qsizetype start = 0;
    const qsizetype end = endOfFirstItem(array, &start);
    if (end < 0)
        return {};
    QByteArray result;
    result.reserve(array.size() + firstItem.size());
    result += array.first(start);
    result += firstItem;
    result += array.sliced(end);
    return result;
}

QByteArray dropFirstItem(QByteArrayView array)
{
    qsizetype start = 0;
    qsizetype pos = endOfFirstItem(array, &start);
    if (pos < 0)
        return {};
    while (pos < array.size() && isSpace(array[pos]))
        ++pos;
    if (pos < array.size() && array[pos] == ',')
        return QByteArray("[") + array.sliced(pos + 1).toByteArray();
    return QByteArrayLiteral("[]");
}

void install(SocketIoServer *server, const QStringList &namespaces)
{
    for (const QString &name : namespaces) {
        SocketIoServerNamespace *ns = server->addNamespace(name);
        QObject::connect(
            ns, &SocketIoServerNamespace::socketConnected, ns, [](SocketIoServerSocket *socket) {
                socket->emitEventJson(QByteArray("[\"auth\",") + socket->authJson() + ']');
            });
        QObject::connect(
            ns, &SocketIoServerNamespace::eventReceived, ns,
            [](SocketIoServerSocket *socket, const SocketIoPacket &packet) {
                const QString name = packet.eventName();
                if (name == QLatin1String("message")) {
                    socket->emitEventJson(replaceFirstItem(packet.payload, "\"message-back\""),
                                          packet.attachments);
                } else if (name == QLatin1String("message-with-ack") && packet.hasId()) {
                    socket->sendAckJson(packet.id, dropFirstItem(packet.payload),
                                        packet.attachments);
                }
            });
    }
}

void installEngineEcho(EngineIoServer *server)
{
    QObject::connect(server, &EngineIoServer::connection, server, [](EngineIoServerSocket *socket) {
        QObject::connect(socket, &EngineIoServerSocket::messageReceived, socket,
                         [socket](const QByteArray &data, bool binary) {
                             socket->sendMessages(
                                 {EngineIoPacket(EngineIoPacket::Message, data, binary)});
                         });
    });
}

} // namespace SocketIoDefaultHandlers
