// The scenario reader (sioscope-cli test): YAML or JSON from a file a user wrote.
//
// Properties: no crash or sanitizer report (libyaml included; YamlDocument's depth and alias limits
// must hold); a refused file names a place in it and says why; an accepted one has clients, steps
// that all say where they were written, and expectations that the matcher accepts.
#include "fuzzcommon.h"
#include "scenario/scenarioloader.h"

namespace {
void checkSteps(const QList<ScenarioStep> &steps, const Scenario &scenario)
{
    for (const ScenarioStep &step : steps) {
        FUZZ_CHECK(step.where.line >= 1 && step.where.column >= 1, step.label());
        if (step.kind != ScenarioStep::Kind::Wait && step.kind != ScenarioStep::Kind::Repeat &&
            step.kind != ScenarioStep::Kind::AnyOrder)
            FUZZ_CHECK(scenario.findClient(step.client), step.client);
        for (const PayloadExpectation *expectation : {&step.payload, &step.ack}) {
            QString error;
            if (!expectation->any)
                FUZZ_CHECK(PayloadMatch::validate(expectation->expected, expectation->mode,
                                                  JsonPath(QStringLiteral("args")), &error),
                           error);
        }
        checkSteps(step.steps, scenario);
        checkSteps(step.until, scenario);
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Scenario scenario;
    ScenarioError error;
    if (!ScenarioLoader::load(fuzzInput(data, size).toByteArray(), QStringLiteral("f.yaml"),
                              {QStringLiteral("url")}, &scenario, &error)) {
        FUZZ_CHECK(!error.message.isEmpty() && error.where.file == QLatin1String("f.yaml"),
                   error.toString());
        return 0;
    }
    FUZZ_CHECK(!scenario.clients.isEmpty() && !scenario.steps.isEmpty(), scenario.name);
    checkSteps(scenario.steps, scenario);
    return 0;
}
