#pragma once
// Internal: the tree behind portico::config::JsonDocument, and the .NET-style text conversions
// shared by every configuration reader.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/config/json.hpp"

namespace portico::detail {

struct JsonMember;

/// One JSON value. Immutable once built, except the `read` marks of object members.
struct JsonValue {
  config::JsonNode::Kind kind = config::JsonNode::Kind::Null;
  bool boolean = false;
  bool integral = false;    // a number written without fraction or exponent that fits int64
  std::int64_t integer = 0;
  double number = 0;
  std::string text;         // a string's value, or a number as written
  std::vector<JsonMember> members;
  std::vector<JsonValue> items;
};

struct JsonMember {
  std::string key;   // as written
  std::string path;  // "": the parent's path + key; else this member's own (inherited in a merge)
  JsonValue value;
  mutable bool read = false;
};

/// .NET's int.Parse (NumberStyles.Integer): optional white space and sign, then digits.
std::optional<std::int64_t> parse_integer_text(std::string_view s) noexcept;
/// .NET's double.Parse, finite values only.
std::optional<double> parse_number_text(std::string_view s) noexcept;
/// .NET's bool.Parse: "true"/"false", any case, surrounding white space allowed.
std::optional<bool> parse_bool_text(std::string_view s) noexcept;
/// `lo..hi` for error messages.
std::string range_text(std::int64_t lo, std::int64_t hi);
std::string range_text(double lo, double hi);
/// A string as shown in an error message: quoted, escaped, cut after 60 bytes.
std::string quote_for_message(std::string_view s);

}  // namespace portico::detail

namespace portico::config {

/// Builds documents from trees (the parser lives in the config layer).
struct JsonDocumentAccess {
  static JsonDocument make(std::shared_ptr<const detail::JsonValue> tree) {
    JsonDocument d;
    d.tree_ = std::move(tree);
    return d;
  }
};

}  // namespace portico::config

namespace portico::detail {

/// A document holding one object of strings (a section a loader has read already, handed on as a node).
inline config::JsonDocument string_object_document(const std::vector<std::pair<std::string, std::string>>& members) {
  auto tree = std::make_shared<JsonValue>();
  tree->kind = config::JsonNode::Kind::Object;
  for (const auto& [k, v] : members) {
    auto& m = tree->members.emplace_back();
    m.key = k;
    m.value.kind = config::JsonNode::Kind::String;
    m.value.text = v;
  }
  return config::JsonDocumentAccess::make(std::move(tree));
}

}  // namespace portico::detail
