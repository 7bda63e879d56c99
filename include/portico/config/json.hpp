#pragma once
/// A read-only JSON tree for configuration: what filter factories receive (their config section)
/// and what the ocelot.json loader reads. Every node knows its JSON path; typed reads return a
/// Result whose Error::where is that path. No parser type appears here.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "portico/error.hpp"

namespace portico::detail {
struct JsonValue;
}

namespace portico::config {

/// A key the loader understood but the gateway does not act on (yet), or an unknown key, with its
/// JSON path in canonical spelling (unknown keys keep the file's spelling).
struct Warning {
  std::string where;    ///< JSON path, e.g. "Routes[2].FileCacheOptions"
  std::string message;  ///< e.g. "caching is not implemented yet; the key is ignored"
};

/// One value of a JsonDocument, with its path. A cheap handle that keeps its document alive.
/// Lookups follow .NET's configuration binder, as ocelot.json expects: object keys are ASCII
/// case-insensitive, numbers and booleans may be written as strings, and `null` counts as absent.
/// Not thread-safe: a document is read by one thread (lookups mark keys as read).
class JsonNode {
 public:
  enum class Kind { Absent, Null, Bool, Number, String, Array, Object };

  /// An absent node with an empty path.
  JsonNode() = default;

  Kind kind() const noexcept;
  /// The JSON path: `Routes[3].RateLimitOptions.Limit`; "" for the root.
  const std::string& path() const noexcept { return path_; }
  /// False when the key was missing or its value is `null`.
  bool present() const noexcept { return kind() != Kind::Absent && kind() != Kind::Null; }
  explicit operator bool() const noexcept { return present(); }
  bool is_object() const noexcept { return kind() == Kind::Object; }
  bool is_array() const noexcept { return kind() == Kind::Array; }
  bool is_string() const noexcept { return kind() == Kind::String; }

  /// The member `key` (case-insensitive), marked as read; absent (with the path the key would
  /// have) when missing or when this node is not an object.
  JsonNode operator[](std::string_view key) const;
  /// Item `index` of an array; absent when out of range or not an array.
  JsonNode operator[](std::size_t index) const;
  /// Members of an object (keys as written, file order) or items of an array (key ""): all marked read.
  std::vector<std::pair<std::string, JsonNode>> children() const;
  /// Number of members or items (0 for scalars).
  std::size_t size() const noexcept;

  /// Typed reads of this node; errors (Errc::InvalidConfig) name path(). Absent or null is an error
  /// ("is required"): test present() first for optional keys.
  Result<std::string> as_string() const;
  Result<std::int64_t> as_integer(std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                                  std::int64_t hi = std::numeric_limits<std::int64_t>::max()) const;
  Result<double> as_number(double lo = std::numeric_limits<double>::lowest(),
                           double hi = std::numeric_limits<double>::max()) const;
  Result<bool> as_bool() const;
  /// An array of strings.
  Result<std::vector<std::string>> as_strings() const;
  /// An object of strings (header maps): keys as written, file order kept.
  Result<std::vector<std::pair<std::string, std::string>>> as_string_pairs() const;
  /// An object, or an Error naming path(); the node itself on success (`auto o = n.as_object(); o->...`).
  Result<JsonNode> as_object() const;

  /// How the value reads in an error message: `"abc"` quoted, numbers as written, `an object`.
  std::string describe() const;
  /// Warnings ("unknown key, ignored") for every member of this object never looked up; then marks
  /// them read so a second call is empty.
  std::vector<Warning> unread_keys() const;
  /// Keys of this object never looked up (as written), without marking them.
  std::vector<std::string> unread_key_names() const;
  /// unread_keys() of this object and of every object below it that was read: members looked up,
  /// and the items of their arrays. Unread members are warned once, not walked into. For loaders
  /// checking a whole section after its factory ran.
  std::vector<Warning> unread_keys_below() const;

  /// `overlay` laid over `base` (GlobalConfiguration under a route's section): when both are objects,
  /// a new object with base's members the overlay lacks (first, base's order, keeping base's paths,
  /// e.g. `GlobalConfiguration.X.Key`), then the overlay's members (its order), each merged with
  /// base's member of the same key (ASCII case-insensitive) when both are objects. Otherwise the
  /// overlay wins (scalars and arrays replace), unless it is absent or null: then base. The result
  /// owns its own tree (read marks start clear) or is one of the two nodes.
  static JsonNode merge(const JsonNode& base, const JsonNode& overlay);

 private:
  friend class JsonDocument;
  JsonNode(std::shared_ptr<const void> owner, const detail::JsonValue* value, std::string path)
      : owner_(std::move(owner)), value_(value), path_(std::move(path)) {}
  Error error(std::string message) const;

  std::shared_ptr<const void> owner_;       // keeps the document's tree alive
  const detail::JsonValue* value_ = nullptr;  // nullptr: absent
  std::string path_;
};

/// A parsed JSON document. `parse` accepts ocelot.json's relaxed dialect: `//` and `/* */`
/// comments, trailing commas and a UTF-8 BOM. Keys equal but for case in one object are an error.
class JsonDocument {
 public:
  /// Parses `text`; syntax errors carry "line L, column C" in the message.
  static Result<JsonDocument> parse(std::string_view text);
  /// The root value; its children's paths start with `root_path` (e.g. "Routes[2]" for a section
  /// handed to a factory on its own).
  JsonNode root(std::string root_path = {}) const;

 private:
  friend struct JsonDocumentAccess;
  std::shared_ptr<const detail::JsonValue> tree_;
};

}  // namespace portico::config
