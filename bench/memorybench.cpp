// sioscope-bench-memory: resident memory added per record stored in a SessionLog.
//
//   sioscope-bench-memory [--count N] [--size S]
//
// Appends N records shaped exactly like the ones SocketIoClient produces for the reference
// server's small "flood" events (42["flood",<i>,"<S x 'x'>"], payload = the JSON tail of the raw
// text, namespace "/"), then reports the growth of the resident set (/proc/self/statm) and the
// store's own count (SessionLog::memoryBytes()), both per record.
#include "session/sessionlog.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>
#include <malloc.h>
#include <unistd.h>

namespace {
qint64 residentBytes()
{
    FILE *file = std::fopen("/proc/self/statm", "r");
    long pages = 0;
    long resident = 0;
    if (file) {
        if (std::fscanf(file, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        std::fclose(file);
    }
    return qint64(resident) * sysconf(_SC_PAGESIZE);
}

int intArg(const QStringList &args, const QString &name, int fallback)
{
    const qsizetype i = args.indexOf(name);
    return i > 0 && i + 1 < args.size() ? args.at(i + 1).toInt() : fallback;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int count = std::clamp(intArg(args, QStringLiteral("--count"), 1000000), 1, 20000000);
    const int size = std::clamp(intArg(args, QStringLiteral("--size"), 32), 0, 1 << 20);
    const QByteArray filler(size, 'x');

    SessionLog log;
    malloc_trim(0);
    const qint64 before = residentBytes();
    qint64 wireBytes = 0;
    for (int i = 0; i < count; ++i) {
        PacketRecord r;
        r.direction = PacketRecord::Direction::In;
        r.layer = PacketRecord::Layer::SocketIo;
        r.type = 2; // EVENT
        r.transport = TransportKind::WebSocket;
        r.nsp = QStringLiteral("/");
        r.timeUs = PacketRecord::nowUs();
        r.payload = "[\"flood\"," + QByteArray::number(i) + ",\"" + filler + "\"]";
        r.raw = "42" + r.payload;
        wireBytes += r.raw.size();
        log.append(r);
    }
    malloc_trim(0);
    const qint64 after = residentBytes();
    const QJsonObject out{
        {"impl", "sioscope"},
        {"count", count},
        {"avgRawBytes", double(wireBytes) / count},
        {"rssBeforeBytes", before},
        {"rssAfterBytes", after},
        {"rssPerRecord", double(after - before) / count},
        {"storePerRecord", double(log.memoryBytes()) / count},
    };
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    return log.size() == count ? 0 : 1;
}
