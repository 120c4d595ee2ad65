// The JSON Schema part of PayloadMatch (MatchMode::Schema): draft 7, the keywords that
// payloadmatch.h lists. Internal to the scenario layer; use PayloadMatch.
#pragma once

#include "scenario/payloadmatch.h"

namespace JsonSchema {

// PayloadMatch::validate() for a schema: only supported keywords, each with a value of the right
// kind, every `pattern` and `patternProperties` key a regular expression. `where` names `schema`.
bool check(const QJsonValue &schema, const JsonPath &where, QString *error);

// PayloadMatch::match() for a schema that passed check(): the first keyword `instance` fails, at
// the path of the value that fails it, the keyword named in MatchResult::expected.
MatchResult evaluate(const QJsonValue &schema, const QJsonValue &instance, const JsonPath &where);

} // namespace JsonSchema
