#include "mockrules.h"

#include "socketioserver.h"

// The parser and the engine follow; until then every rules file is refused.
struct MockRulesData
{
};

class MockRulesEnginePrivate
{
public:
    MockRules rules;
};

MockRules::MockRules(std::shared_ptr<const MockRulesData> data)
    : d(std::move(data))
{
}

std::optional<MockRules> MockRules::load(const QString &path, QString *error)
{
    Q_UNUSED(path);
    *error = QStringLiteral("mock rules are not implemented yet");
    return std::nullopt;
}

std::optional<MockRules> MockRules::parse(const QByteArray &json, const QString &baseDir,
                                          QString *error)
{
    Q_UNUSED(json);
    Q_UNUSED(baseDir);
    *error = QStringLiteral("mock rules are not implemented yet");
    return std::nullopt;
}

QStringList MockRules::namespaces() const
{
    return {};
}

QStringList MockRules::describe() const
{
    return {};
}

MockRulesEngine::MockRulesEngine(SocketIoServer *server, const MockRules &rules)
    : QObject(server)
    , d(new MockRulesEnginePrivate{rules})
{
}

MockRulesEngine::~MockRulesEngine() = default;

MockRules MockRulesEngine::rules() const
{
    return d->rules;
}

void MockRulesEngine::start() {}
void MockRulesEngine::stop() {}

bool MockRulesEngine::isRunning() const
{
    return false;
}
