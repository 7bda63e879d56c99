#pragma once
// Internal to src/config: the loader's section table. Section keys (built-in ones first, then the
// host's) map to filter factories; for each route, GlobalConfiguration's values are merged under the
// route's and handed to the factory, and the keys it did not read are warned with their paths.

#include <simdjson.h>

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/json_reader.hpp"
#include "portico/config/sections.hpp"
#include "portico/route.hpp"

namespace portico::config::sections {

using detail::JsonObject;

class SectionTable {
 public:
  /// The built-in sections, then `host`'s; Errc::InvalidArgument when a host key is a built-in one.
  static Result<SectionTable> make(const SectionRegistry* host);

  /// Keeps GlobalConfiguration's values of the keys sections allow there (marking them known). Call
  /// after the loader's own reads of `g`: a host key the loader read itself fails the load.
  void read_global(JsonObject& g);

  /// What the factories learn about the route besides its keys.
  struct RouteFacts {
    std::string_view id;
    std::string_view key;  // "" when the route has no Key
    std::string_view upstream_path_template;
    std::string_view base_url;
  };
  /// Runs every section the route has or inherits a key of and adds the filters to `route`. Call after
  /// the loader's own reads of `r` (same check as read_global). Factory errors fail the load.
  void apply(JsonObject& r, const RouteFacts& facts, Route& route);

 private:
  bool host_section(std::size_t index) const noexcept { return index >= builtin_count_; }
  void check_not_loader_key(const JsonObject& o, std::size_t index) const;
  const simdjson::dom::element* global_value(std::string_view key) const;
  void warn_once(JsonObject& o, Warning w);

  SectionRegistry table_;
  std::size_t builtin_count_ = 0;
  std::vector<std::pair<std::string, simdjson::dom::element>> global_;  // canonical key → value
  std::set<std::string> warned_;  // section warnings already given (inherited keys warn once, not per route)
};

}  // namespace portico::config::sections
