#pragma once
// Internal to src/config: helpers every part of the ocelot.json loader uses, and the readers of the
// feature sections (QoSOptions, …) into their typed structs.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "config/json_reader.hpp"
#include "portico/config/ocelot.hpp"

namespace portico::config::sections {

using detail::fail;
using detail::JsonObject;

inline constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
inline constexpr std::int64_t kIntMin = std::numeric_limits<int>::min();
inline constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
inline constexpr std::int64_t kDaySeconds = 24LL * 60 * 60;
inline constexpr std::int64_t kMaxStickyExpiryMs = 30 * kDayMs;

/// `s` in double quotes, JSON-escaped, for messages.
std::string json_quote(std::string_view s);
bool contains(const std::vector<std::string>& v, std::string_view s);
/// Adds a warning to the document's list.
void warn_at(JsonObject& o, std::string where, std::string message);

/// Reads a key that has a classic (<= 24.0) and a new (24.1+) name; both at once is an error.
template <class Read>
auto read_aliased(JsonObject& o, std::string_view classic, std::string_view current, Read read) {
  bool has_classic = o.has(classic);
  bool has_current = o.has(current);
  if (has_classic && has_current) {
    fail(o.path_of(current), "both " + std::string(classic) + " and " + std::string(current) +
                                 " are given; they are two names of one setting: keep one");
  }
  return read(has_classic ? classic : current);
}

/// Ocelot's template rules (a path starting with '/', no scheme, no '//'), in ocelot.json's words.
void check_ocelot_template(const std::string& t, const std::string& where);
void check_token(const std::string& value, const std::string& where, std::string_view what);

// Feature sections: typed, validated, their unimplemented parts warned at their paths.
OcelotHttpHandlerOptions http_handler(JsonObject& o);
OcelotQoSOptions qos(JsonObject& o, bool global_section);
OcelotCacheOptions cache(JsonObject& o, bool global_section);
OcelotServiceDiscoveryProvider service_discovery(JsonObject& o);
void http_version(JsonObject& o, std::string& version, std::string& policy);
/// GlobalConfiguration.ServerOptions into `o`; its Certificates into `certificates`.
void server_options(JsonObject& s, ServerOptions& o, std::vector<TlsCertificate>& certificates);

}  // namespace portico::config::sections
