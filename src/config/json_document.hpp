#pragma once
// Internal: ocelot.json's relaxed JSON text to a simdjson DOM, shared by load_ocelot and
// JsonDocument::parse.

#include <simdjson.h>

#include <string_view>

#include "portico/error.hpp"

namespace portico::detail {

/// Comments, trailing commas and a BOM allowed; a syntax error says "line L, column C". The DOM
/// lives in `parser` (it does not refer to `text`).
Result<void> parse_relaxed_json(std::string_view text, simdjson::dom::parser& parser, simdjson::dom::element& root);

}  // namespace portico::detail
