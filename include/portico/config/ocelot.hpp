#pragma once
/// Loads an Ocelot-format ocelot.json into a Portico Config (portico::config::load_ocelot).
/// The key reference (type, default, status, C++ mapping) is docs/config/ocelot.md.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "portico/config/json.hpp"
#include "portico/config/sections.hpp"
#include "portico/error.hpp"
#include "portico/filter.hpp"
#include "portico/gateway.hpp"

namespace portico::config {

/// An ordered string-to-string object from ocelot.json (header transforms, claims, Metadata):
/// the file's order and key spelling are kept.
using StringPairs = std::vector<std::pair<std::string, std::string>>;

/// `FileCacheOptions` (classic) / `CacheOptions` (24.1+).
struct OcelotCacheOptions {
  std::optional<std::int64_t> ttl_seconds;
  std::string region;
  std::string header;
  std::optional<bool> enable_content_hashing;
  std::vector<std::string> route_keys;  ///< global only (24.1+)
};

/// `QoSOptions`, classic and 25.0 names folded (giving both names of one setting is an error).
/// The timeout is applied (Route::timeout); the circuit-breaker settings are parsed and warned.
struct OcelotQoSOptions {
  std::optional<std::int64_t> minimum_throughput;    ///< MinimumThroughput | ExceptionsAllowedBeforeBreaking
  std::optional<std::int64_t> break_duration_ms;     ///< BreakDuration | DurationOfBreak
  std::optional<std::int64_t> timeout_ms;            ///< Timeout | TimeoutValue
  std::optional<double> failure_ratio;               ///< 0..1 (25.0)
  std::optional<std::int64_t> sampling_duration_ms;  ///< 25.0
  std::vector<std::string> route_keys;               ///< global only (24.1+)
};

/// `HttpHandlerOptions` (.NET SocketsHttpHandler settings). Values equal to what Portico does anyway
/// are silent; others are warned.
struct OcelotHttpHandlerOptions {
  std::optional<bool> allow_auto_redirect;
  std::optional<bool> use_cookie_container;
  std::optional<bool> use_proxy;
  std::optional<bool> use_tracing;
  std::optional<std::int64_t> max_connections_per_server;
  std::optional<std::int64_t> pooled_connection_lifetime_seconds;
};

/// `GlobalConfiguration.ServiceDiscoveryProvider` (service discovery is not supported; warned).
struct OcelotServiceDiscoveryProvider {
  std::string scheme;
  std::string host;
  std::optional<std::int64_t> port;
  std::string type;
  std::string token;
  std::string configuration_key;
  std::optional<std::int64_t> polling_interval;
  std::string service_namespace;  ///< "Namespace"
};

/// One `RouteKeysConfig` entry of an aggregate.
struct OcelotAggregateRouteConfig {
  std::string route_key;
  std::string json_path;
  std::string parameter;
};

/// One entry of `Aggregates`: validated (its RouteKeys name existing routes) but not served yet.
struct OcelotAggregate {
  std::string upstream_path_template;
  std::string upstream_host;
  bool route_is_case_sensitive = false;
  std::optional<int> priority;
  std::vector<std::string> upstream_http_method;
  StringPairs upstream_header_templates;
  std::vector<std::string> route_keys;  ///< RouteKeys | ReRouteKeys
  std::vector<OcelotAggregateRouteConfig> route_keys_config;
  std::string aggregator;
};

/// The keys of one route that later features implement, parsed and type-checked now. Index i of
/// OcelotConfig::route_extras belongs to `Routes[i]` and to config.routes()[i]. Implemented features
/// are read by the loader's section table (portico/config/sections.hpp) into filters instead.
struct OcelotRouteExtras {
  std::string route_id;  ///< the Route's id (Key, or "route-<i>")
  std::optional<OcelotCacheOptions> cache_options;  ///< FileCacheOptions | CacheOptions
  std::optional<OcelotQoSOptions> qos_options;
  StringPairs change_downstream_path_template;  ///< claims → path placeholders
  std::optional<OcelotHttpHandlerOptions> http_handler_options;
  std::string downstream_http_version;
  std::string downstream_http_version_policy;
  StringPairs metadata;  ///< also given to the route's DelegatingHandlers factories as their config node
};

/// GlobalConfiguration keys that later features implement, parsed and type-checked now.
struct OcelotGlobalExtras {
  std::optional<OcelotQoSOptions> qos_options;
  std::optional<OcelotCacheOptions> cache_options;
  std::optional<OcelotServiceDiscoveryProvider> service_discovery_provider;
  std::optional<OcelotHttpHandlerOptions> http_handler_options;
  std::string downstream_http_version;
  std::string downstream_http_version_policy;
};

/// The result of loading ocelot.json: a Config ready for Gateway::apply, plus what it warned about
/// and the parsed settings of features that are not implemented yet. A plain value; the caller owns it.
struct OcelotConfig {
  Config config;
  std::vector<Warning> warnings;
  /// Facts that need no action, e.g. keys of well-known add-ons (MMLib.SwaggerForOcelot's
  /// SwaggerEndPoints and SwaggerKey) recognised and ignored: one line per add-on, not per route.
  std::vector<Warning> notes;
  std::string base_url;                         ///< GlobalConfiguration.BaseUrl ("" if absent)
  /// GlobalConfiguration.ServerOptions.Certificates, for ListenOptions::tls (first = default).
  /// load_ocelot_file resolves relative paths against the file's directory; load_ocelot keeps them.
  std::vector<TlsCertificate> certificates;
  std::vector<OcelotRouteExtras> route_extras;  ///< one per route, same order as config.routes()
  std::vector<OcelotAggregate> aggregates;
  OcelotGlobalExtras global;
};

/// The largest ocelot.json accepted (bytes); larger input is Errc::InvalidConfig (Errc::Io for files).
inline constexpr std::size_t kMaxOcelotJsonBytes = 64u * 1024 * 1024;

/// What load_ocelot reads besides the text. Both registries are only read; they must outlive the call.
struct OcelotLoadOptions {
  /// Resolves `DelegatingHandlers` (nullptr: none is known).
  const FilterRegistry* filters = nullptr;
  /// The host's own sections, read after the built-in ones (filters::register_builtin_sections,
  /// always applied). A key a built-in section or the loader itself reads fails the load.
  const SectionRegistry* sections = nullptr;
};

/// Parses ocelot.json text (comments, trailing commas and a BOM allowed; keys case-insensitive;
/// numbers and booleans may be strings). Errors carry the JSON path of the offending value in
/// Error::where (syntax errors: line and column in the message). Pure; callable from any thread.
Result<OcelotConfig> load_ocelot(std::string_view json, const OcelotLoadOptions& options);
/// load_ocelot with `filters` resolving `DelegatingHandlers`, and the built-in sections only.
Result<OcelotConfig> load_ocelot(std::string_view json, const FilterRegistry& filters = {});
/// Reads and parses a file; Errc::Io (where = the path) if it cannot be read. Relative certificate
/// paths are resolved against the file's directory.
Result<OcelotConfig> load_ocelot_file(const std::string& path, const OcelotLoadOptions& options);
/// load_ocelot_file with `filters` resolving `DelegatingHandlers`, and the built-in sections only.
Result<OcelotConfig> load_ocelot_file(const std::string& path, const FilterRegistry& filters = {});

}  // namespace portico::config
