// A TCP connection read and written straight on its file descriptor, for the long-lived
// connections of the embedded server (its WebSockets). A QTcpSocket keeps a read buffer and a
// write buffer of its own per connection once it has used them: about 14 KB per idle connection
// that has read and written (measured, Qt 6.4), against 0.7 KB for a descriptor with a socket
// notifier. This keeps only the bytes actually waiting: what arrived and was not read yet, and
// what the kernel did not take yet. POSIX only, like the rest of the server's socket handling.
//
// Not a QObject, and it has no signals: its owner (ServerWebSocket) takes thousands of streams,
// and a QObject with a connection per signal cost ~0.4 KB per stream (heaptrack of `serve`). It
// tells its handler instead.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSocketNotifier>

#include <memory>

class QTcpSocket;
class TcpStream;

// Told what happens on a TcpStream, by a plain call. A handler may abort the stream from a call,
// but not delete it (its owner deletes it later).
class TcpStreamHandler
{
public:
    // Bytes arrived; readAll() has them.
    virtual void streamReadyRead(TcpStream *stream) = 0;
    // Bytes handed to the kernel: on the next turn after a write it took at once, or when bytes
    // that had to wait went out.
    virtual void streamBytesWritten(TcpStream *stream, qint64 bytes) = 0;
    // The peer closed, or the connection failed; told once, also after abort().
    virtual void streamDisconnected(TcpStream *stream) = 0;

protected:
    ~TcpStreamHandler() = default;
};

// Announces the bytes written by all the streams written in one turn of the event loop with one
// posted call: a broadcast writes to thousands of streams in one turn, and a posted call each (an
// event allocated, queued under the post lock, dispatched) cost more than the announcement. The
// streams are announced in the order they were first written to in the turn. Owned by whoever
// takes the streams over (HttpListener); a stream outliving it posts its own call.
class TcpStreamWriteAnnouncer : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~TcpStreamWriteAnnouncer() override;

private:
    friend class TcpStream;
    // A stream is listed at most once (its m_announceListed), and unlists itself when it is
    // deleted first.
    void add(TcpStream *stream);
    void remove(TcpStream *stream);
    void announce();

    QList<TcpStream *> m_due;        // written this turn
    QList<TcpStream *> m_announcing; // being announced now
};

class TcpStream
{
public:
    // Takes the connection over from `socket`: its descriptor (duplicated; the QTcpSocket is then
    // aborted, which closes only its own descriptor, and deleted later) and the bytes it had read
    // but not handed out. `socket` must have nothing left to write. Null, with *error, when the
    // descriptor cannot be duplicated. `announcer`, when given, announces its bytes written;
    // without one, the stream posts a call of its own for each turn it writes in.
    static std::unique_ptr<TcpStream> takeOver(QTcpSocket *socket, QString *error,
                                               TcpStreamWriteAnnouncer *announcer = nullptr);
    ~TcpStream();
    Q_DISABLE_COPY_MOVE(TcpStream)

    // Not owned; null for none. See TcpStreamHandler.
    void setHandler(TcpStreamHandler *handler) { m_handler = handler; }

    bool isOpen() const { return m_fd >= 0; }
    QHostAddress peerAddress() const { return m_peerAddress; }
    quint16 peerPort() const { return m_peerPort; }

    qint64 bytesAvailable() const { return m_received.size(); }
    QByteArray readAll();

    // Hands `data` to the kernel at once, and keeps what it does not take yet; that goes out when
    // the socket can take it. Ignored once closed.
    void write(QByteArrayView data);
    // As QTcpSocket counts them: the bytes written that the handler has not been told of yet.
    // What the kernel took at once is announced on the next turn of the event loop (one call for
    // all the writes of a turn), so that a writer that waits for them before its next batch (the
    // Engine.IO server's pacing) sees the same cycle as with a QTcpSocket's bytesWritten().
    qint64 bytesToWrite() const { return unsentBytes() + m_unannounced; }

    // No more sending (TCP FIN), once what is waiting has gone out; reading goes on until the
    // peer closes.
    void shutdownWrite();
    // Closes at once, dropping what is waiting; the handler is told before it returns.
    void abort();

private:
    friend class TcpStreamWriteAnnouncer;
    // A socket notifier that calls its stream itself when its event comes, rather than through a
    // connection to activated(): that spares the connection, the notifier's connection lists,
    // and the guard QSocketNotifier takes for its two activated() signals (~0.2 KB per stream).
    class Notifier final : public QSocketNotifier
    {
    public:
        Notifier(int fd, Type type, TcpStream *stream, QObject *parent = nullptr);

    protected:
        bool event(QEvent *event) override;

    private:
        TcpStream *m_stream;
    };

    TcpStream(int fd, const QHostAddress &peerAddress, quint16 peerPort);
    qint64 unsentBytes() const { return m_pending.size() - m_pendingOffset; }
    void readAvailable();
    void writePending();
    void announceWritten();
    void tellWritten(qint64 bytes);
    // Runs `call` on the next turn of the event loop, unless the stream is gone by then.
    template<typename Call> void post(Call call)
    {
        QMetaObject::invokeMethod(&m_readNotifier, std::move(call), Qt::QueuedConnection);
    }
    // Writes from m_pending; false when the connection failed (then it is closed).
    bool flushPending();
    void closeNow();

    int m_fd;
    QHostAddress m_peerAddress;
    quint16 m_peerPort;
    // Lives exactly as long as the stream (disabled once closed), so that it is the context of
    // the stream's posted calls: they go with it.
    Notifier m_readNotifier;
    // Only while bytes wait. A child of the read one: when deleted later, it still goes no later
    // than the stream.
    Notifier *m_writeNotifier = nullptr;
    QByteArray m_received;
    QByteArray m_pending;
    qsizetype m_pendingOffset = 0;
    qint64 m_unannounced = 0;      // taken by the kernel at once, bytesWritten() not emitted yet
    bool m_announceListed = false; // with m_announcer (or a posted call), for the next turn
    QPointer<TcpStreamWriteAnnouncer> m_announcer;
    TcpStreamHandler *m_handler = nullptr;
    bool m_shutdownRequested = false;
};
