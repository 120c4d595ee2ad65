// Mock behaviour for the embedded server from a JSON file (`sioscope-cli serve --rules`): which
// namespaces exist and what auth they require, what to do on connect and on each event (emit,
// ack, binary from files, delays), periodic emits, and deliberate faults (disconnect, drop,
// invalid packets) for testing clients. The schema is documented in docs/server.md, "Mock
// rules"; in short:
//
//   {"version": 1,
//    "namespaces": {
//      "/":      {"onConnect": [{"emit": {"event": "welcome", "args": [{"hello": true}]}}],
//                 "on": {"chat":  [{"emit": {"event": "chat", "args": "$args", "to": "all"}}],
//                        "photo": {"ack": {"args": [{"$binary": "photo.png"}]}, "delayMs": 100},
//                        "crash": {"invalid": "broken-json"}},
//                 "every": [{"intervalMs": 1000, "count": 10,
//                            "emit": {"event": "tick", "args": []}}]},
//      "/admin": {"auth": {"token": "secret"},
//                 "refuse": {"message": "Not authorized", "data": {"hint": "token"}}}}}
//
// Everything a rules file refers to is read by parse()/load(): binary files (relative to the
// rules file, size-limited) included. Nothing from a received packet is ever used as a path.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

class MockRulesEnginePrivate;
class SocketIoServer;
struct MockRulesData;

// A parsed rules file: an immutable value, cheap to copy.
class MockRules
{
public:
    static constexpr int Version = 1;
    static constexpr qint64 MaxFileBytes = 1 << 20;         // the rules file itself
    static constexpr qint64 MaxBinaryFileBytes = 16 << 20;  // one "$binary" file
    static constexpr qint64 MaxBinaryTotalBytes = 64 << 20; // all of them together

    // Reads and parses the file at `path`; binary files are relative to its folder. On failure,
    // std::nullopt and `error` says what and where: "line 3, column 7: unterminated object" (Qt's
    // words), or a JSON path, "namespaces./.on.chat[1].emit.args: expected an array or \"$args\"".
    static std::optional<MockRules> load(const QString &path, QString *error);
    static std::optional<MockRules> parse(const QByteArray &json, const QString &baseDir,
                                          QString *error);

    // The namespaces the rules define ("/" first when present); others are refused with
    // "Invalid namespace".
    QStringList namespaces() const;
    // One line per rule, as ruleFired() describes them: for a GUI's overview.
    QStringList describe() const;

private:
    friend class MockRulesEngine;
    explicit MockRules(std::shared_ptr<const MockRulesData> data);
    std::shared_ptr<const MockRulesData> d;
};

// Puts MockRules to work on a SocketIoServer (a child of it, like DemoScenario). The constructor
// sets up the namespaces and their connect hooks (auth, refusal); start() turns on the handlers
// (onConnect, on) and the periodic emits; stop() turns them off and cancels delayed actions
// still waiting. Closing the server stops the engine.
class MockRulesEngine : public QObject
{
    Q_OBJECT
public:
    MockRulesEngine(SocketIoServer *server, const MockRules &rules);
    ~MockRulesEngine() override;

    MockRules rules() const;
    void start();
    void stop();
    bool isRunning() const;

Q_SIGNALS:
    // A rule acted, e.g. "/ on \"chat\": emit \"chat\" to all (2 socket(s))".
    void ruleFired(const QString &description);
    // A rule could not act (e.g. the socket left before its delay ran out, a send failed).
    void errorOccurred(const QString &message);

private:
    friend class MockRulesEnginePrivate;
    std::unique_ptr<MockRulesEnginePrivate> d;
};
