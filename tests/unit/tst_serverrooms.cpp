// Rooms of the in-process server (core/server/socketioserver.cpp), with three real clients over
// WebSocket on loopback. A socket's room of its own id is kept implicitly (it is not stored in
// the namespace's room table), so these rows check that it still behaves as socket.io's does: it
// exists from the start, it can be left and joined again, another socket can join it, and a
// broadcast to it reaches exactly its members.
#include "server/socketioserver.h"
#include "socketio/socketioclient.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

namespace {

constexpr int Timeout = 5000;
constexpr int ClientCount = 3;

} // namespace

class tst_ServerRooms : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void broadcastReaches_data();
    void broadcastReaches();
    void roomsOfADisconnectedSocketAreGone();

private:
    // Socket i of the server's root namespace, the one client i is connected through.
    SocketIoServerSocket *serverSocket(int i) const;
    // Applies the actions to the sockets in order; each is "join <i> <room>" or "leave <i> <room>",
    // where a room "#j" is the id of socket j.
    void apply(const QStringList &actions);
    QString roomName(const QString &spelled) const;

    SocketIoServer *m_server = nullptr;
    SocketIoServerNamespace *m_root = nullptr;
    QList<SocketIoClient *> m_clients;
    QList<SocketIoNamespace *> m_namespaces;
    QList<QSignalSpy *> m_news;
    QStringList m_ids; // the server's socket id of each client
};

void tst_ServerRooms::init()
{
    m_server = new SocketIoServer(this);
    QVERIFY2(m_server->listen(), qPrintable(m_server->errorString()));
    m_root = m_server->findNamespace(QStringLiteral("/"));
    QSignalSpy connected(m_root, &SocketIoServerNamespace::socketConnected);
    for (int i = 0; i < ClientCount; ++i) {
        auto *client = new SocketIoClient(this);
        SocketIoOptions options;
        options.engine.url =
            QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server->serverPort()));
        options.engine.transports = EngineIoOptions::Transports::WebSocketOnly;
        options.engine.connectTimeoutMs = Timeout;
        options.engine.reconnect.enabled = false;
        client->setOptions(options);
        SocketIoNamespace *ns = client->joinNamespace(QStringLiteral("/"));
        m_news.append(new QSignalSpy(ns, &SocketIoNamespace::eventReceived));
        client->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(ns->state(), SocketIoNamespace::State::Connected, Timeout);
        QCOMPARE(connected.size(), i + 1);
        m_ids.append(connected.at(i).first().value<SocketIoServerSocket *>()->id());
        m_clients.append(client);
        m_namespaces.append(ns);
    }
}

void tst_ServerRooms::cleanup()
{
    qDeleteAll(m_news);
    m_news.clear();
    qDeleteAll(m_clients);
    m_clients.clear();
    m_namespaces.clear();
    m_ids.clear();
    delete m_server;
    m_server = nullptr;
}

SocketIoServerSocket *tst_ServerRooms::serverSocket(int i) const
{
    return m_root->socket(m_ids.at(i));
}

QString tst_ServerRooms::roomName(const QString &spelled) const
{
    return spelled.startsWith(QLatin1Char('#')) ? m_ids.at(spelled.mid(1).toInt()) : spelled;
}

void tst_ServerRooms::apply(const QStringList &actions)
{
    for (const QString &action : actions) {
        const QStringList words = action.split(QLatin1Char(' '));
        QCOMPARE(words.size(), 3);
        SocketIoServerSocket *socket = serverSocket(words.at(1).toInt());
        QVERIFY(socket);
        if (words.at(0) == QLatin1String("join"))
            socket->join(roomName(words.at(2)));
        else
            socket->leave(roomName(words.at(2)));
    }
}

void tst_ServerRooms::broadcastReaches_data()
{
    QTest::addColumn<QStringList>("actions");
    QTest::addColumn<QString>("room");
    QTest::addColumn<QList<int>>("members");

    const auto row = [](const char *name, std::initializer_list<const char *> actions,
                        const char *room, const QList<int> &members) {
        QStringList steps;
        for (const char *action : actions)
            steps.append(QString::fromLatin1(action));
        QTest::newRow(name) << steps << QString::fromLatin1(room) << members;
    };
    row("own id room from the start", {}, "#1", {1});
    row("a room nobody joined", {}, "lobby", {});
    row("two joined a room", {"join 0 lobby", "join 2 lobby"}, "lobby", {0, 2});
    row("joined twice, left once", {"join 0 lobby", "join 0 lobby", "leave 0 lobby"}, "lobby", {});
    row("left its own id room", {"leave 1 #1"}, "#1", {});
    row("left and joined its own id room again", {"leave 1 #1", "join 1 #1"}, "#1", {1});
    row("another socket joined its id room", {"join 2 #1"}, "#1", {1, 2});
    row("another socket in its id room, the owner left", {"join 2 #1", "leave 1 #1"}, "#1", {2});
    row("the other left the id room again", {"join 2 #1", "leave 2 #1"}, "#1", {1});
}

// What socketsInRoom(), rooms() and a broadcast to the room say agree with the members.
void tst_ServerRooms::broadcastReaches()
{
    QFETCH(QStringList, actions);
    QFETCH(QString, room);
    QFETCH(QList<int>, members);
    apply(actions);
    const QString name = roomName(room);

    QList<int> listed;
    for (SocketIoServerSocket *socket : m_root->socketsInRoom(name))
        listed.append(int(m_ids.indexOf(socket->id())));
    std::sort(listed.begin(), listed.end());
    QCOMPARE(listed, members);
    QCOMPARE(m_root->rooms().contains(name), !members.isEmpty());
    QCOMPARE(m_root->rooms().count(name), members.isEmpty() ? 0 : 1);
    for (int i = 0; i < ClientCount; ++i)
        QCOMPARE(serverSocket(i)->rooms().contains(name), members.contains(i));

    QCOMPARE(m_root->emitToRoom(name, {QStringLiteral("news")}), int(members.size()));
    // The event a client did not get can only be told from one that is late by waiting for a
    // marker sent after it to every client.
    QCOMPARE(m_root->emitToAll({QStringLiteral("marker")}), ClientCount);
    for (QSignalSpy *spy : std::as_const(m_news))
        QTRY_VERIFY_WITH_TIMEOUT(!spy->isEmpty() &&
                                     spy->last().first().value<SocketIoPacket>().eventName() ==
                                         QLatin1String("marker"),
                                 Timeout);
    QList<int> reached;
    for (int i = 0; i < ClientCount; ++i) {
        if (m_news.at(i)->size() == 2)
            reached.append(i);
        else
            QCOMPARE(m_news.at(i)->size(), 1);
    }
    QCOMPARE(reached, members);
}

// A socket that goes leaves every room: its id room is gone unless another socket joined it.
void tst_ServerRooms::roomsOfADisconnectedSocketAreGone()
{
    apply({QStringLiteral("join 0 lobby"), QStringLiteral("join 2 #0")});
    QSignalSpy gone(m_root, &SocketIoServerNamespace::socketDisconnected);
    m_namespaces.at(0)->disconnectFromNamespace();
    QTRY_COMPARE_WITH_TIMEOUT(gone.size(), 1, Timeout);
    QVERIFY(!m_root->socket(m_ids.at(0)));
    QVERIFY(!m_root->rooms().contains(QStringLiteral("lobby")));
    QVERIFY(m_root->rooms().contains(m_ids.at(0)));
    QCOMPARE(m_root->socketsInRoom(m_ids.at(0)), QList<SocketIoServerSocket *>{serverSocket(2)});
    QVERIFY(m_root->rooms().contains(m_ids.at(1)));
}

QTEST_GUILESS_MAIN(tst_ServerRooms)
#include "tst_serverrooms.moc"
