// sioscope-bench-ack: emit-with-ack round trips through SocketIoClient against the reference
// server's "echo-ack" event (tests/peers/server.js), over WebSocket only.
//
//   sioscope-bench-ack <url> [--count N] [--warmup N] [--timeout-s S]
//
// 1. sequential: N round trips, each emitted when the previous ack arrived; per-trip latency
//    from just before emitEvent() to the ackReceived signal (QElapsedTimer, monotonic).
// 2. pipelined: N events emitted back to back, then wait for every ack; total time from the
//    first emit to the last ack.
// Prints one JSON object like node/ack.js. The process CPU time is the wrapper's business
// (sioscope-bench-rusage); this program only adds its own CPU time per phase.
#include "socketio/socketioclient.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

namespace {
qint64 cpuUs()
{
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

double percentile(std::vector<qint64> values, double p) // nanoseconds in, microseconds out
{
    if (values.empty())
        return -1;
    std::sort(values.begin(), values.end());
    const size_t index = std::min(values.size() - 1, size_t(p * double(values.size() - 1) + 0.5));
    return double(values[index]) / 1000.0;
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
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: sioscope-bench-ack <url> [--count N] [--warmup N]\n");
        return 2;
    }
    const int count = std::clamp(intArg(args, QStringLiteral("--count"), 10000), 1, 1000000);
    const int warmup = std::clamp(intArg(args, QStringLiteral("--warmup"), 500), 0, 1000000);
    const int timeoutS = std::clamp(intArg(args, QStringLiteral("--timeout-s"), 120), 1, 3600);

    SocketIoOptions options;
    options.engine.url = QUrl(args.at(1));
    options.engine.transports = EngineIoOptions::Transports::WebSocketOnly;
    options.engine.version = EngineIoOptions::Version::V4;
    options.engine.reconnect.enabled = false;
    options.ackTimeoutMs = 0;
    options.recoverState = false;

    SocketIoClient client;
    client.setOptions(options);
    SocketIoNamespace *ns = client.joinNamespace(QStringLiteral("/"));

    enum class Phase {
        Connecting,
        Warmup,
        Sequential,
        ServerCpuBefore,
        Pipelined,
        ServerCpuAfter,
        Done
    } phase = Phase::Connecting;
    int sent = 0;
    int received = 0;
    std::vector<qint64> latenciesNs;
    latenciesNs.reserve(size_t(count));
    QElapsedTimer trip;
    QElapsedTimer total;
    qint64 sequentialCpuUs = 0;
    qint64 pipelinedCpuUs = 0;
    qint64 phaseCpuStart = 0;
    qint64 sequentialWallNs = 0;
    qint64 pipelinedTotalNs = 0;
    double serverCpuBeforeUs = 0;
    double serverCpuAfterUs = 0;
    QString failure;

    const auto emitWithAck = [&](const QJsonArray &event) {
        const auto result = ns->emitEvent(event, {}, 0);
        if (!result.ok) {
            failure = QStringLiteral("emit failed: %1").arg(result.error);
            QCoreApplication::exit(1);
        }
    };
    const auto emitOne = [&](int i) { emitWithAck(QJsonArray{QStringLiteral("echo-ack"), i}); };
    // The server's CPU time (µs) is asked before and after the pipelined phase, outside its timing.
    const auto askServerCpu = [&](Phase next) {
        phase = next;
        emitWithAck(QJsonArray{QStringLiteral("server-cpu")});
    };
    const auto startPipelined = [&] {
        phase = Phase::Pipelined;
        sent = received = 0;
        phaseCpuStart = cpuUs();
        total.start();
        for (; sent < count; ++sent)
            emitOne(sent);
    };

    QObject::connect(ns, &SocketIoNamespace::ackReceived, &app,
                     [&](const SocketIoPacket &ack, qint64) {
                         switch (phase) {
                         case Phase::Warmup:
                             if (++received < warmup) {
                                 emitOne(received);
                                 return;
                             }
                             phase = Phase::Sequential;
                             received = 0;
                             phaseCpuStart = cpuUs();
                             total.start();
                             trip.start();
                             emitOne(0);
                             return;
                         case Phase::Sequential:
                             latenciesNs.push_back(trip.nsecsElapsed());
                             if (++received < count) {
                                 trip.start();
                                 emitOne(received);
                                 return;
                             }
                             sequentialWallNs = total.nsecsElapsed();
                             sequentialCpuUs = cpuUs() - phaseCpuStart;
                             askServerCpu(Phase::ServerCpuBefore);
                             return;
                         case Phase::ServerCpuBefore:
                             serverCpuBeforeUs = ack.data().toArray().at(0).toDouble();
                             startPipelined();
                             return;
                         case Phase::Pipelined:
                             if (++received < count)
                                 return;
                             pipelinedTotalNs = total.nsecsElapsed();
                             pipelinedCpuUs = cpuUs() - phaseCpuStart;
                             askServerCpu(Phase::ServerCpuAfter);
                             return;
                         case Phase::ServerCpuAfter:
                             serverCpuAfterUs = ack.data().toArray().at(0).toDouble();
                             phase = Phase::Done;
                             QCoreApplication::exit(0);
                             return;
                         default:
                             return;
                         }
                     });
    QObject::connect(ns, &SocketIoNamespace::connected, &app, [&] {
        if (phase != Phase::Connecting)
            return;
        phase = Phase::Warmup;
        received = 0;
        if (warmup == 0) {
            phase = Phase::Sequential;
            phaseCpuStart = cpuUs();
            total.start();
        }
        trip.start();
        emitOne(0);
    });
    QObject::connect(&client, &SocketIoClient::errorOccurred, &app,
                     [&](const SocketIoError &error) {
                         failure = error.message;
                         QCoreApplication::exit(1);
                     });
    QTimer::singleShot(timeoutS * 1000, &app, [&] {
        failure = QStringLiteral("timed out after %1 s").arg(timeoutS);
        QCoreApplication::exit(1);
    });

    client.connectToServer();
    const int code = QCoreApplication::exec();
    if (code != 0 || phase != Phase::Done) {
        std::fprintf(stderr, "sioscope-bench-ack: %s\n",
                     qPrintable(failure.isEmpty() ? QStringLiteral("stopped early") : failure));
        return 1;
    }
    const QJsonObject out{
        {"impl", "sioscope"},
        {"count", count},
        {"seqP50Us", percentile(latenciesNs, 0.50)},
        {"seqP99Us", percentile(latenciesNs, 0.99)},
        {"seqTotalUs", double(sequentialWallNs) / 1000.0},
        {"seqCpuUs", sequentialCpuUs},
        {"pipeTotalUs", double(pipelinedTotalNs) / 1000.0},
        {"pipeCpuUs", pipelinedCpuUs},
        {"pipeServerCpuUs", serverCpuAfterUs - serverCpuBeforeUs},
    };
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    client.disconnectFromServer();
    return 0;
}
