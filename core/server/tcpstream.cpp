#include "tcpstream.h"

#include <QEvent>
#include <QSocketNotifier>
#include <QTcpSocket>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {
// One read() per wake-up at most this large: a flood from one client does not starve the others.
constexpr qsizetype ReadChunkBytes = 64 * 1024;
} // namespace

TcpStreamWriteAnnouncer::~TcpStreamWriteAnnouncer()
{
    // The streams still listed announce themselves, as a stream without an announcer does.
    for (TcpStream *stream : std::as_const(m_announcing) + std::as_const(m_due))
        stream->post([stream] { stream->announceWritten(); });
}

void TcpStreamWriteAnnouncer::add(TcpStream *stream)
{
    if (m_due.isEmpty())
        QMetaObject::invokeMethod(this, &TcpStreamWriteAnnouncer::announce, Qt::QueuedConnection);
    m_due.append(stream);
}

void TcpStreamWriteAnnouncer::remove(TcpStream *stream)
{
    m_due.removeOne(stream);
    m_announcing.removeOne(stream);
}

void TcpStreamWriteAnnouncer::announce()
{
    // A handler may write (listing streams for the next turn) or delete streams (which unlist
    // themselves from m_announcing) while this runs, or even spin the event loop (then the inner
    // call announces what is left here too).
    m_announcing += std::exchange(m_due, {});
    while (!m_announcing.isEmpty())
        m_announcing.takeFirst()->announceWritten();
}

TcpStream::Notifier::Notifier(int fd, Type type, TcpStream *stream, QObject *parent)
    : QSocketNotifier(qintptr(fd), type, parent)
    , m_stream(stream)
{
}

bool TcpStream::Notifier::event(QEvent *event)
{
    if (event->type() != QEvent::SockAct && event->type() != QEvent::SockClose)
        return QSocketNotifier::event(event);
    if (type() == Read)
        m_stream->readAvailable();
    else
        m_stream->writePending();
    return true;
}

std::unique_ptr<TcpStream> TcpStream::takeOver(QTcpSocket *socket, QString *error,
                                               TcpStreamWriteAnnouncer *announcer)
{
    const int fd = ::fcntl(int(socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        *error = QStringLiteral("cannot take the connection over: %1")
                     .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return nullptr;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    std::unique_ptr<TcpStream> stream(new TcpStream(fd, socket->peerAddress(), socket->peerPort()));
    stream->m_announcer = announcer;
    stream->m_received = socket->readAll();
    socket->disconnect();
    socket->abort(); // closes the QTcpSocket's own descriptor; the connection stays open on ours
    socket->deleteLater();
    return stream;
}

TcpStream::TcpStream(int fd, const QHostAddress &peerAddress, quint16 peerPort)
    : m_fd(fd)
    , m_peerAddress(peerAddress)
    , m_peerPort(peerPort)
    , m_readNotifier(fd, QSocketNotifier::Read, this)
{
}

TcpStream::~TcpStream()
{
    if (m_announceListed && m_announcer)
        m_announcer->remove(this);
    // Not from a notifier's own event (a handler never deletes the stream from a call).
    m_readNotifier.setEnabled(false);
    delete m_writeNotifier;
    if (m_fd >= 0)
        ::close(m_fd);
}

QByteArray TcpStream::readAll()
{
    return std::exchange(m_received, {});
}

void TcpStream::readAvailable()
{
    if (m_fd < 0)
        return;
    // Read on the stack, kept at its size: a buffer grown for the largest read would keep its
    // capacity (and its touched pages) for as long as the connection lives.
    char chunk[ReadChunkBytes];
    ssize_t got;
    do {
        got = ::read(m_fd, chunk, sizeof chunk);
    } while (got < 0 && errno == EINTR);
    if (got > 0) {
        m_received.append(chunk, qsizetype(got));
        if (m_handler)
            m_handler->streamReadyRead(this);
        return;
    }
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    closeNow(); // the peer closed (0), or the connection failed
}

void TcpStream::write(QByteArrayView data)
{
    if (m_fd < 0 || data.isEmpty())
        return;
    if (unsentBytes() > 0) {
        m_pending.append(data);
        return;
    }
    ssize_t sent;
    do {
        sent = ::send(m_fd, data.data(), size_t(data.size()), MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        // Reported as disconnected on the next turn: the caller is still writing.
        post([this] { closeNow(); });
        ::shutdown(m_fd, SHUT_RDWR);
        return;
    }
    const qsizetype taken = std::max<qsizetype>(sent, 0);
    if (taken > 0) {
        m_unannounced += taken;
        if (!m_announceListed) {
            m_announceListed = true;
            if (m_announcer)
                m_announcer->add(this);
            else
                post([this] { announceWritten(); });
        }
    }
    if (taken == data.size())
        return;
    m_pending = data.sliced(taken).toByteArray();
    m_pendingOffset = 0;
    if (!m_writeNotifier) {
        m_writeNotifier = new Notifier(m_fd, QSocketNotifier::Write, this, &m_readNotifier);
    }
    m_writeNotifier->setEnabled(true);
}

void TcpStream::announceWritten()
{
    m_announceListed = false;
    if (m_fd < 0 || m_unannounced == 0)
        return;
    tellWritten(std::exchange(m_unannounced, 0));
}

void TcpStream::tellWritten(qint64 bytes)
{
    if (m_handler)
        m_handler->streamBytesWritten(this, bytes);
}

bool TcpStream::flushPending()
{
    while (unsentBytes() > 0) {
        const ssize_t sent = ::send(m_fd, m_pending.constData() + m_pendingOffset,
                                    size_t(unsentBytes()), MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return true;
            closeNow();
            return false;
        }
        m_pendingOffset += sent;
    }
    return true;
}

void TcpStream::writePending()
{
    const qint64 before = unsentBytes();
    if (!flushPending())
        return;
    const qint64 written = before - unsentBytes();
    if (unsentBytes() == 0) {
        m_pending = QByteArray();
        m_pendingOffset = 0;
        // The notifier goes with the backlog: an idle connection keeps only the read one. (It
        // is the sender of this call, so it is deleted later; disabled, it calls no more.)
        m_writeNotifier->setEnabled(false);
        m_writeNotifier->deleteLater();
        m_writeNotifier = nullptr;
        if (m_shutdownRequested)
            ::shutdown(m_fd, SHUT_WR);
    }
    if (written > 0)
        tellWritten(written);
}

void TcpStream::shutdownWrite()
{
    if (m_fd < 0)
        return;
    if (unsentBytes() > 0)
        m_shutdownRequested = true;
    else
        ::shutdown(m_fd, SHUT_WR);
}

void TcpStream::abort()
{
    closeNow();
}

void TcpStream::closeNow()
{
    if (m_fd < 0)
        return;
    // Either notifier may be the sender of this call. The read one stays, disabled, for as long
    // as the stream; the write one is deleted later.
    m_readNotifier.setEnabled(false);
    if (m_writeNotifier) {
        m_writeNotifier->setEnabled(false);
        m_writeNotifier->deleteLater();
        m_writeNotifier = nullptr;
    }
    ::close(m_fd);
    m_fd = -1;
    m_pending = QByteArray();
    m_pendingOffset = 0;
    m_unannounced = 0;
    if (m_handler)
        m_handler->streamDisconnected(this);
}
