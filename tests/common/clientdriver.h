// tests/peers/client-driver.js, the REAL socket.io-client from npm, as a child process of a test:
// one scenario against the server the test set up, read back as the driver's step lines
// (docs/testing.md, "Reference clients against the embedded server").
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

struct ClientDriverRun
{
    QHash<QString, QJsonObject> steps; // by name: {"step","ok","value"} or {"step","ok","error"}
    bool done = false;                 // the driver reached its end
    QJsonObject doneLine;              // {"done":true,"transport":...}
    QString output;                    // everything it printed, stdout then stderr

    // The value a step reported; a failed or missing step is a qWarning and an undefined value.
    QJsonValue value(const char *step) const;
};

// Runs `node <script> '<config>'` in tests/peers, waiting up to `timeoutMs` with an event loop (so
// that other child processes' pipes are read meanwhile), then kills it. Its stdout; its stderr
// in *stderrOut.
QByteArray runPeerScript(const QString &script, const QJsonObject &config, int timeoutMs,
                         QByteArray *stderrOut);

// Runs `node client-driver.js '<config>'` in tests/peers and waits up to `timeoutMs` for it
// to end (then kills it).
ClientDriverRun runClientDriver(const QJsonObject &config, int timeoutMs = 60000);
