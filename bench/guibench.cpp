// sioscope-bench-gui: the real main window, opened as the sioscope program opens it
// (ui/startup.h), under a benchmark. Run it with QT_QPA_PLATFORM=offscreen or under xvfb-run;
// bench/node/driver.js starts the reference server (tests/peers/server.js) and runs it.
//
//   sioscope-bench-gui <url> [--count N] [--size S] [--rows R] [--filter TEXT]
//                            [--max-scroll-seconds T]
//
// 1. Flood: the window connects to <url> over WebSocket, the composer sends the server's "flood"
//    event ({"count": N, "size": S}), and the window runs as it would for a user (model ticks,
//    auto-scroll, crash journal, status bar). A 10 ms precise timer on the main thread records
//    how late each of its ticks fires (the gap to the previous tick minus 10 ms) from the send
//    until the flood is shown: the "flood-done" row is in the timeline model and the viewport has
//    painted after it. The application times every event it delivers meanwhile and reports the
//    longest, with the main thread's CPU time in each. Then every "flood" row of the model is
//    checked: indices 0..N-1, in order.
// 2. A timeline of R rows: a second live window whose session log gets R records of a chat-like
//    session appended directly (as bench/memorybench.cpp does), picked up by the model in one
//    tick. Measured, each with a synchronous repaint of the timeline's viewport where it says so:
//    scrolling from the top to the bottom one page at a time (the scroll bar's page-step action
//    + repaint, per page), the jump from the top to the end (scroll bar to its maximum +
//    repaint), and typing TEXT into the filter field at once (QLineEdit::setText, the path the
//    UI runs on every edit) until the viewport has painted the filtered rows.
//
// Prints one JSON object; times in milliseconds, CPU in microseconds (whole process,
// getrusage).
#include "connectionbar.h"
#include "livesession.h"
#include "mainwindow.h"
#include "processusage.h"
#include "session/sessionlog.h"
#include "socketio/socketiopacket.h"
#include "startup.h"
#include "timelinemodel.h"
#include "timelinepane.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QPointer>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>

namespace {
qint64 percentile(std::vector<qint64> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, size_t(p * double(values.size())))];
}

qint64 threadCpuNs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return qint64(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

double ms(qint64 ns)
{
    return double(ns) / 1e6;
}

// How late a 10 ms timer on the main thread fires: what a user feels as a stalled window.
class StallProbe : public QObject
{
public:
    static constexpr qint64 IntervalNs = 10'000'000;

    explicit StallProbe(QObject *parent = nullptr)
        : QObject(parent)
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(int(IntervalNs / 1'000'000));
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            m_latenessNs.push_back(std::max<qint64>(0, now - m_lastNs - IntervalNs));
            m_lastNs = now;
        });
    }

    void start()
    {
        m_latenessNs.clear();
        m_clock.start();
        m_lastNs = 0;
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    const std::vector<qint64> &latenessNs() const { return m_latenessNs; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastNs = 0;
    std::vector<qint64> m_latenessNs;
};

// The application, timing each event it delivers from the event loop (nested deliveries count
// in their outermost one): the longest ones say what a stall of the stall probe was.
class EventTimingApplication : public QApplication
{
public:
    struct Delivery
    {
        qint64 ns;
        qint64 cpuNs; // the main thread's CPU time in it: less than ns when the thread waited
        QEvent::Type type;
        QString receiver; // class, object name, and the parent's class
    };

    using QApplication::QApplication;

    void startTiming()
    {
        m_longest.clear();
        m_timing = true;
    }
    void stopTiming() { m_timing = false; }
    QJsonArray longestDeliveries() const
    {
        QJsonArray out;
        for (const Delivery &delivery : m_longest)
            out.append(QJsonObject{{"ms", ms(delivery.ns)},
                                   {"cpuMs", ms(delivery.cpuNs)},
                                   {"event", int(delivery.type)},
                                   {"receiver", delivery.receiver}});
        return out;
    }

    bool notify(QObject *receiver, QEvent *event) override
    {
        if (!m_timing || m_depth > 0)
            return QApplication::notify(receiver, event);
        // The event, and the receiver, may not outlive the delivery (a deferred delete).
        const QEvent::Type type = event->type();
        const QMetaObject *receiverClass = receiver->metaObject();
        const QPointer<QObject> guard(receiver);
        QElapsedTimer clock;
        clock.start();
        const qint64 cpuBefore = threadCpuNs();
        ++m_depth;
        const bool result = QApplication::notify(receiver, event);
        --m_depth;
        const qint64 ns = clock.nsecsElapsed();
        if (m_longest.size() < Kept || ns > m_longest.back().ns) {
            QString name = QString::fromLatin1(receiverClass->className());
            if (guard && !guard->objectName().isEmpty())
                name += QLatin1Char(' ') + guard->objectName();
            if (guard && guard->parent())
                name += QLatin1String(" in ") +
                        QString::fromLatin1(guard->parent()->metaObject()->className());
            m_longest.push_back({ns, threadCpuNs() - cpuBefore, type, name});
            std::sort(m_longest.begin(), m_longest.end(),
                      [](const Delivery &a, const Delivery &b) { return a.ns > b.ns; });
            if (m_longest.size() > Kept)
                m_longest.pop_back();
        }
        return result;
    }

private:
    static constexpr size_t Kept = 6;
    std::vector<Delivery> m_longest;
    bool m_timing = false;
    int m_depth = 0;
};

// Runs the event loop until `done` holds (checked every 5 ms) or `timeoutMs` passed.
bool runUntil(const std::function<bool()> &done, int timeoutMs)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    poll.start(5);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return done();
}

// When `widget` was painted after arm(): the time on `clock` at which that paint pass ended.
class PaintWatch : public QObject
{
public:
    PaintWatch(QWidget *widget, const QElapsedTimer &clock)
        : m_widget(widget)
        , m_clock(clock)
    {
        m_widget->installEventFilter(this);
    }
    ~PaintWatch() override { m_widget->removeEventFilter(this); }

    void arm()
    {
        m_armed = true;
        m_paintedNs = -1;
    }
    qint64 paintedNs() const { return m_paintedNs; }
    // Runs the event loop until the paint after arm() has ended, or `timeoutMs` passed.
    bool wait(int timeoutMs)
    {
        return runUntil([this] { return m_paintedNs >= 0; }, timeoutMs);
    }

protected:
    bool eventFilter(QObject *, QEvent *event) override
    {
        if (event->type() == QEvent::Paint && m_armed) {
            m_armed = false;
            // Queued: the paint event and the rest of its pass are delivered first.
            QMetaObject::invokeMethod(
                this, [this] { m_paintedNs = m_clock.nsecsElapsed(); }, Qt::QueuedConnection);
        }
        return false;
    }

private:
    QWidget *m_widget;
    const QElapsedTimer &m_clock;
    bool m_armed = false;
    qint64 m_paintedNs = -1;
};

// The index of a server "flood" event (["flood",<i>,...]) in the log, or -1.
qint64 floodIndex(const SessionLog &log, qint64 row)
{
    static constexpr QByteArrayView Prefix = "[\"flood\",";
    if (log.layer(row) != PacketRecord::Layer::SocketIo ||
        log.direction(row) != PacketRecord::Direction::In)
        return -1;
    const QByteArrayView payload = log.payload(row);
    if (!payload.startsWith(Prefix))
        return -1;
    const qsizetype end = payload.indexOf(',', Prefix.size());
    bool ok = false;
    const qint64 index =
        payload.sliced(Prefix.size(), (end < 0 ? payload.size() : end) - Prefix.size())
            .toLongLong(&ok);
    return ok ? index : -1;
}

bool isFloodDone(const SessionLog &log, qint64 row)
{
    return log.layer(row) == PacketRecord::Layer::SocketIo &&
           log.payload(row).startsWith("[\"flood-done\"");
}

TimelineModel *timelineModel(MainWindow *window)
{
    return static_cast<TimelineModel *>(window->timeline()->model());
}

QJsonObject runFlood(EventTimingApplication &app, const QString &url, int count, int size)
{
    QString error;
    StartupRequest request;
    request.url = url;
    MainWindow *window = openStartupWindow(request, &error);
    if (!window)
        return {{"error", error}};
    window->connectionBar()->setTransports(EngineIoOptions::Transports::WebSocketOnly);
    window->connectToServer();
    SocketIoClient *client = window->session()->client();
    const bool connected = runUntil(
        [client] {
            const SocketIoNamespace *root = client->findNamespace(QStringLiteral("/"));
            return root && root->state() == SocketIoNamespace::State::Connected;
        },
        15000);
    if (!connected) {
        window->close();
        return {{"error", "no connection to " + url}};
    }

    TimelineModel *model = timelineModel(window);
    const SessionLog &log = *window->log();
    QElapsedTimer clock;
    PaintWatch paint(window->timeline()->view()->viewport(), clock);
    qint64 doneInModelNs = -1;
    const QMetaObject::Connection watch =
        QObject::connect(model, &QAbstractItemModel::rowsInserted, window,
                         [&](const QModelIndex &, int first, int last) {
                             // flood-done comes last; only hidden control packets may follow it.
                             for (int row = last; row >= std::max(first, last - 8); --row) {
                                 if (isFloodDone(log, model->logRow(row)) && doneInModelNs < 0) {
                                     doneInModelNs = clock.nsecsElapsed();
                                     paint.arm();
                                 }
                             }
                         });

    StallProbe probe;
    const qint64 cpuBefore = processCpuUs();
    window->composer()->setEventName(QStringLiteral("flood"));
    window->composer()->setArgumentsText(
        QStringLiteral("[{\"count\":%1,\"size\":%2}]").arg(count).arg(size));
    probe.start();
    app.startTiming();
    clock.start();
    window->composer()->send();
    const bool shown = paint.wait(300000);
    app.stopTiming();
    probe.stop();
    const qint64 cpuUs = processCpuUs() - cpuBefore;

    int received = 0;
    bool inOrder = true;
    for (int row = 0; row < model->rowCount(); ++row) {
        const qint64 index = floodIndex(log, model->logRow(row));
        if (index < 0)
            continue;
        inOrder = inOrder && index == received;
        ++received;
    }
    QObject::disconnect(watch);
    window->close();
    return {
        {"count", count},
        {"size", size},
        {"received", received},
        {"inOrder", inOrder},
        {"shown", shown},
        {"shownMs", ms(paint.paintedNs())},
        {"inModelMs", ms(doneInModelNs)},
        {"cpuUsPerEvent", double(cpuUs) / count},
        {"stallMaxMs", ms(percentile(probe.latenessNs(), 1.0))},
        {"stallP99Ms", ms(percentile(probe.latenessNs(), 0.99))},
        {"stallTicks", int(probe.latenessNs().size())},
        {"longestEvents", app.longestDeliveries()},
    };
}

// A chat-like session: ticks, chat messages and presence of five users, prices, and every
// hundredth row an event of ours that asked for an ack, answered on the next row.
PacketRecord sessionRecord(int i, qint64 timeUs)
{
    static const char *const Users[] = {"alice", "bob", "carol", "dave", "erin"};
    const QByteArray n = QByteArray::number(i);
    const QByteArray user = Users[(i / 10) % 5];
    PacketRecord record;
    record.layer = PacketRecord::Layer::SocketIo;
    record.transport = TransportKind::WebSocket;
    record.nsp = QStringLiteral("/");
    record.timeUs = timeUs;
    record.type = SocketIoPacket::Event;
    if (i % 100 == 0) {
        record.direction = PacketRecord::Direction::Out;
        record.id = i / 100;
        record.payload = "[\"ask\",{\"question\":" + n + "}]";
    } else if (i % 100 == 1) {
        record.type = SocketIoPacket::Ack;
        record.id = i / 100;
        record.payload = "[{\"ok\":true,\"answer\":" + n + "}]";
        record.rttUs = 850;
    } else if (i % 10 < 5) {
        record.payload = "[\"tick\",{\"seq\":" + n + ",\"load\":0.42}]";
    } else if (i % 10 < 8) {
        record.payload = "[\"chat\",{\"user\":\"" + user +
                         "\",\"room\":\"lobby\",\"text\":\"message number " + n + "\"}]";
    } else if (i % 10 == 8) {
        record.payload = "[\"price\",{\"symbol\":\"ACME\",\"bid\":101.25,\"ask\":101.5}]";
    } else {
        record.payload = "[\"presence\",{\"user\":\"" + user + "\",\"online\":true}]";
    }
    record.raw = "4" + QByteArray::number(record.type) +
                 (record.id >= 0 ? QByteArray::number(record.id) : QByteArray()) + record.payload;
    return record;
}

QJsonObject runLargeTimeline(int rows, const QString &filterText, int maxScrollSeconds)
{
    QString error;
    MainWindow *window = openStartupWindow({}, &error);
    if (!window)
        return {{"error", error}};
    QTableView *view = window->timeline()->view();
    QWidget *viewport = view->viewport();
    QScrollBar *bar = view->verticalScrollBar();
    QElapsedTimer clock;
    clock.start();
    PaintWatch paint(viewport, clock);
    paint.arm();
    paint.wait(5000); // the window's first paint

    const qint64 startUs = PacketRecord::nowUs() - qint64(rows) * 1000;
    for (int i = 0; i < rows; ++i)
        window->log()->append(sessionRecord(i, startUs + qint64(i) * 1000));

    clock.start();
    paint.arm();
    window->timeline()->flush(); // the model's tick, now rather than within 100 ms
    paint.wait(10000);
    const qint64 takeNs = paint.paintedNs();
    const int shownRows = window->timeline()->rowCount();

    // Top to bottom, a page at a time.
    bar->triggerAction(QAbstractSlider::SliderToMinimum);
    viewport->repaint();
    std::vector<qint64> pageNs;
    pageNs.reserve(size_t(rows));
    QElapsedTimer step;
    clock.start();
    while (bar->value() < bar->maximum() && pageNs.size() < size_t(rows) &&
           clock.elapsed() < maxScrollSeconds * 1000) {
        step.start();
        bar->triggerAction(QAbstractSlider::SliderPageStepAdd);
        viewport->repaint();
        pageNs.push_back(step.nsecsElapsed());
    }
    const qint64 scrollNs = clock.nsecsElapsed();
    const bool reachedEnd = bar->value() == bar->maximum();

    bar->triggerAction(QAbstractSlider::SliderToMinimum);
    viewport->repaint();
    clock.start();
    bar->triggerAction(QAbstractSlider::SliderToMaximum);
    viewport->repaint();
    const qint64 jumpNs = clock.nsecsElapsed();

    QLineEdit *filterEdit = window->timeline()->filterEdit();
    clock.start();
    paint.arm();
    filterEdit->setText(filterText);
    const bool filterPainted = paint.wait(30000);
    const qint64 filterNs = paint.paintedNs();
    const int filteredRows = window->timeline()->rowCount();

    clock.start();
    paint.arm();
    filterEdit->clear();
    paint.wait(30000);
    const qint64 unfilterNs = paint.paintedNs();
    const bool allBack = window->timeline()->rowCount() == shownRows;

    window->close();
    return {
        {"rows", shownRows},
        {"takeMs", ms(takeNs)},
        {"visibleRows", bar->pageStep()},
        {"pages", int(pageNs.size())},
        {"scrollReachedEnd", reachedEnd},
        {"scrollMs", ms(scrollNs)},
        {"pageP50Ms", ms(percentile(pageNs, 0.5))},
        {"pageMaxMs", ms(percentile(pageNs, 1.0))},
        {"jumpToEndMs", ms(jumpNs)},
        {"filterText", filterText},
        {"filterMs", ms(filterNs)},
        {"filterShown", filterPainted},
        {"filteredRows", filteredRows},
        {"unfilterMs", ms(unfilterNs)},
        {"unfilterAllBack", allBack},
    };
}

QString stringArg(const QStringList &args, const QString &name, const QString &fallback)
{
    const qsizetype i = args.indexOf(name);
    return i > 0 && i + 1 < args.size() ? args.at(i + 1) : fallback;
}

int intArg(const QStringList &args, const QString &name, int fallback, int min, int max)
{
    return std::clamp(stringArg(args, name, QString::number(fallback)).toInt(), min, max);
}
} // namespace

int main(int argc, char *argv[])
{
    EventTimingApplication app(argc, argv);
    setSioScopeApplicationInfo();
    const QStringList args = app.arguments();
    if (args.size() < 2 || args.at(1).startsWith(QLatin1String("--"))) {
        std::fprintf(stderr, "usage: sioscope-bench-gui <url> [--count N] [--size S] [--rows R] "
                             "[--filter TEXT] [--max-scroll-seconds T]\n");
        return 2;
    }
    const int count = intArg(args, QStringLiteral("--count"), 200000, 0, 5000000);
    const int size = intArg(args, QStringLiteral("--size"), 32, 0, 1 << 20);
    const int rows = intArg(args, QStringLiteral("--rows"), 1000000, 0, 20000000);
    const int maxScrollSeconds = intArg(args, QStringLiteral("--max-scroll-seconds"), 300, 1, 3600);
    const QString filterText = stringArg(args, QStringLiteral("--filter"), QStringLiteral("alice"));

    QJsonObject out{{"impl", "sioscope"}, {"platform", QGuiApplication::platformName()}};
    if (count > 0)
        out.insert("flood", runFlood(app, args.at(1), count, size));
    if (rows > 0)
        out.insert("timeline", runLargeTimeline(rows, filterText, maxScrollSeconds));
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    const bool failed = out.value("flood").toObject().contains("error") ||
                        out.value("timeline").toObject().contains("error");
    return failed ? 1 : 0;
}
