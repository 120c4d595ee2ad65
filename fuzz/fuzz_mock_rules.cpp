// The mock rules reader (sioscope-cli serve --rules, the GUI's mock server): a JSON rules file
// the user wrote, mistakes and all. Input: the file's bytes. "$binary" files are looked up in a
// folder that does not exist, so every one of them is a load error.
//
// Properties: no crash or sanitizer report; a refusal says where ("line L, column C: ..." or a
// JSON path); accepted rules describe themselves and install on a server, which starts and stops.
#include "fuzzcommon.h"
#include "server/mockrules.h"
#include "server/socketioserver.h"

#include <QCoreApplication>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // Timers need an application object; the rules' timers never get to run here.
    static int argc = 1;
    static char name[] = "fuzz_mock_rules";
    static char *argv[] = {name, nullptr};
    static QCoreApplication app(argc, argv);

    QString error;
    const std::optional<MockRules> rules = MockRules::parse(
        fuzzInput(data, size).toByteArray(), QStringLiteral("/nonexistent-fuzz-dir"), &error);
    if (!rules) {
        FUZZ_CHECK(!error.isEmpty(), error);
        return 0;
    }
    FUZZ_CHECK(error.isEmpty(), error);
    FUZZ_CHECK(rules->describe().size() >= 0, QString());
    SocketIoServer server;
    auto *engine = new MockRulesEngine(&server, *rules);
    engine->start();
    FUZZ_CHECK(engine->isRunning(), QString());
    engine->stop();
    FUZZ_CHECK(!engine->isRunning(), QString());
    for (const QString &nsp : rules->namespaces())
        FUZZ_CHECK(server.findNamespace(nsp), nsp);
    // There is no event loop here: what was posted (deferred deletes, queued calls) is
    // delivered now, or memory grows with every run.
    QCoreApplication::sendPostedEvents();
    return 0;
}
