// A TCP connection read and written straight on its file descriptor, for the long-lived
// connections of the embedded server (its WebSockets). A QTcpSocket keeps a read buffer and a
// write buffer of its own per connection once it has used them: about 14 KB per idle connection
// that has read and written (measured, Qt 6.4), against 0.7 KB for a descriptor with a socket
// notifier. This keeps only the bytes actually waiting: what arrived and was not read yet, and
// what the kernel did not take yet. POSIX only, like the rest of the server's socket handling.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>

class QSocketNotifier;
class QTcpSocket;
class TcpStream;

// Told what TcpStream's signals announce, by a plain call made just before each signal: its owner
// (ServerWebSocket) takes thousands of streams, and a connection per signal per stream costs
// ~0.1 KB. A handler may abort the stream from a call, and may deleteLater() it, but not delete
// it.
class TcpStreamHandler
{
public:
    virtual void streamReadyRead(TcpStream *stream) = 0;
    virtual void streamBytesWritten(TcpStream *stream, qint64 bytes) = 0;
    virtual void streamDisconnected(TcpStream *stream) = 0;

protected:
    ~TcpStreamHandler() = default;
};

// Announces bytesWritten() for all the streams written in one turn of the event loop with one
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

class TcpStream : public QObject
{
    Q_OBJECT
public:
    // Takes the connection over from `socket`: its descriptor (duplicated; the QTcpSocket is then
    // aborted, which closes only its own descriptor, and deleted later) and the bytes it had read
    // but not handed out. `socket` must have nothing left to write. Null, with *error, when the
    // descriptor cannot be duplicated. `announcer`, when given, announces its bytesWritten().
    static TcpStream *takeOver(QTcpSocket *socket, QString *error, QObject *parent = nullptr,
                               TcpStreamWriteAnnouncer *announcer = nullptr);
    ~TcpStream() override;

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
    // As QTcpSocket counts them: the bytes written whose bytesWritten() has not been emitted
    // yet. What the kernel took at once is announced on the next turn of the event loop (one
    // signal for all the writes of a turn), so that a writer that waits for bytesWritten() before
    // its next batch (the Engine.IO server's pacing) sees the same cycle as with a QTcpSocket.
    qint64 bytesToWrite() const { return unsentBytes() + m_unannounced; }

    // No more sending (TCP FIN), once what is waiting has gone out; reading goes on until the
    // peer closes.
    void shutdownWrite();
    // Closes at once, dropping what is waiting; disconnected() is emitted before it returns.
    void abort();

Q_SIGNALS:
    void readyRead();
    // Bytes handed to the kernel: on the next turn after a write it took at once, or when bytes
    // that had to wait went out.
    void bytesWritten(qint64 bytes);
    // The peer closed, or the connection failed; emitted once, also after abort().
    void disconnected();

private:
    friend class TcpStreamWriteAnnouncer;
    class Notifier;
    TcpStream(int fd, const QHostAddress &peerAddress, quint16 peerPort, QObject *parent);
    qint64 unsentBytes() const { return m_pending.size() - m_pendingOffset; }
    void readAvailable();
    void writePending();
    void announceWritten();
    // Writes from m_pending; false when the connection failed (then it is closed).
    bool flushPending();
    void closeNow();

    int m_fd;
    QHostAddress m_peerAddress;
    quint16 m_peerPort;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr; // only while bytes wait
    QByteArray m_received;
    QByteArray m_pending;
    qsizetype m_pendingOffset = 0;
    qint64 m_unannounced = 0;      // taken by the kernel at once, bytesWritten() not emitted yet
    bool m_announceListed = false; // with m_announcer (or a posted call), for the next turn
    QPointer<TcpStreamWriteAnnouncer> m_announcer;
    TcpStreamHandler *m_handler = nullptr;
    bool m_shutdownRequested = false;
};
