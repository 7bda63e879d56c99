#pragma once
// Internal: typed, path-aware reading of a simdjson DOM for the ocelot.json loader. Keys are ASCII
// case-insensitive (as .NET's configuration binder); numbers and booleans may be given as strings;
// null counts as absent. A type or range problem throws ReadFailure, which load_ocelot turns into a
// Result; nothing thrown here leaves src/config.

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/config/ocelot.hpp"
#include "portico/error.hpp"

namespace portico::detail {

/// The error being unwound to load_ocelot (internal to the loader).
struct ReadFailure {
  Error error;
};

/// Throws ReadFailure{code, message, where}.
[[noreturn]] void fail(Errc code, std::string where, std::string message);
[[noreturn]] inline void fail(std::string where, std::string message) {
  fail(Errc::InvalidConfig, std::move(where), std::move(message));
}

/// How a JSON value reads in an error message: "abc" quoted, numbers as written, "an object".
std::string describe(simdjson::dom::element value);
/// `base[i]`.
std::string index_path(std::string_view base, std::size_t i);

/// Conversions of one element, `where` naming it in errors.
std::string as_string(simdjson::dom::element v, const std::string& where);
std::int64_t as_integer(simdjson::dom::element v, const std::string& where, std::int64_t lo, std::int64_t hi);
double as_number(simdjson::dom::element v, const std::string& where, double lo, double hi);
bool as_bool(simdjson::dom::element v, const std::string& where);
simdjson::dom::array as_array(simdjson::dom::element v, const std::string& where);
std::vector<std::string> as_string_array(simdjson::dom::element v, const std::string& where);

/// A JSON object read by canonical key name, case-insensitively. Keys never read are reported by
/// finish() as "unknown key, ignored" warnings, with a "did you mean" hint when the key is a typo
/// of a name that was asked for but is absent. Two keys equal but for case are an error.
class JsonObject {
 public:
  JsonObject(simdjson::dom::object object, std::string path, std::vector<config::Warning>& warnings);
  /// Reads `v` as an object at `path` (error if it is not one).
  static JsonObject from(simdjson::dom::element v, std::string path, std::vector<config::Warning>& warnings);

  /// The value of `key` (marking it known), or nullopt when absent or null.
  std::optional<simdjson::dom::element> get(std::string_view key);
  /// True when `key` is present and not null (marks it known).
  bool has(std::string_view key) { return get(key).has_value(); }
  /// True when a read on this object asked for `key` (ASCII case-insensitive), present or not.
  bool asked(std::string_view key) const;
  /// The JSON path of `key` under this object.
  std::string path_of(std::string_view key) const;
  const std::string& path() const noexcept { return path_; }
  std::vector<config::Warning>& warnings() noexcept { return *warnings_; }
  /// Every member in file order, as (key as written, value); marks them all known (dictionaries).
  std::vector<std::pair<std::string_view, simdjson::dom::element>> members();
  /// Warns about every key that was never read.
  void finish();

  // Typed reads of an optional key; errors name path_of(key).
  std::optional<std::string> string(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi);
  std::optional<double> number(std::string_view key, double lo, double hi);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::vector<std::string>> strings(std::string_view key);
  /// An object of strings (header templates, Metadata), file order kept.
  std::optional<config::StringPairs> string_map(std::string_view key);
  std::optional<JsonObject> object(std::string_view key);
  std::optional<simdjson::dom::array> array(std::string_view key);

 private:
  struct Member {
    std::string_view key;
    simdjson::dom::element value;
    bool known = false;
  };
  Member* find(std::string_view key);

  std::vector<Member> members_;
  std::vector<std::string> asked_;  // every canonical name looked up, for finish()'s hints
  std::string path_;
  std::vector<config::Warning>* warnings_;
};

}  // namespace portico::detail
