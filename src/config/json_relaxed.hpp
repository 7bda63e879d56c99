#pragma once
// Internal: ocelot.json's relaxed JSON dialect (comments, trailing commas, BOM) turned into strict
// JSON for simdjson 3.0.1, and a strict syntax checker that says where the first error is (simdjson's
// DOM parser reports only an error code).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace portico::detail {

/// A 1-based line and column. Columns count code points; a leading UTF-8 BOM is not counted.
struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};

/// The line and column of byte `offset` of `text` (offset may be text.size(): the end).
TextPosition text_position(std::string_view text, std::size_t offset) noexcept;

/// A syntax problem at a byte offset of the input.
struct JsonSyntaxError {
  std::size_t offset = 0;
  std::string message;
};

/// Writes to `out` the strict JSON for `text`: a UTF-8 BOM, `//` and `/* */` comments and trailing
/// commas outside strings become spaces (newlines inside comments are kept), so every byte keeps its
/// offset and line. Fails only on an unterminated `/*` comment.
std::optional<JsonSyntaxError> relax_json(std::string_view text, std::string& out);

/// The first syntax error of strict JSON `text` (RFC 8259, valid UTF-8, nesting at most `max_depth`),
/// or nullopt if it is well-formed.
std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text, std::size_t max_depth = 1024);

}  // namespace portico::detail
