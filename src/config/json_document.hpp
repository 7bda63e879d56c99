#pragma once
// Internal: ocelot.json's relaxed JSON text to a simdjson DOM, shared by load_ocelot and
// JsonDocument::parse; and a DOM value to Portico's own tree.

#include <simdjson.h>

#include <string>
#include <string_view>

#include "portico/error.hpp"

namespace portico::detail {

struct JsonValue;

/// One simdjson value as Portico's tree (src/core/json_tree.hpp). `path` names it in errors
/// (duplicate keys). For loaders that read a DOM and hand a part of it to a factory as a JsonNode.
Result<void> to_json_tree(simdjson::dom::element in, JsonValue& out, const std::string& path);

/// Comments, trailing commas and a BOM allowed; a syntax error says "line L, column C". The DOM
/// lives in `parser` (it does not refer to `text`).
Result<void> parse_relaxed_json(std::string_view text, simdjson::dom::parser& parser, simdjson::dom::element& root);

}  // namespace portico::detail
