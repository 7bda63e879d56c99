#pragma once
/// Routes: what a request must look like to match, where it goes, and which filters it passes.

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/filter.hpp"
#include "portico/upstream.hpp"

namespace portico {

/// A header (or query parameter) condition: present, or equal to a value.
struct FieldMatch {
  std::string name;
  std::optional<std::string> equals;  ///< nullopt: presence is enough
};

/// A route, built fluently and validated when its Config is applied:
/// `Route("users").get("/api/users/{id}").rewrite("/users/{id}").to("users")`.
/// Path templates follow Ocelot: `{name}` in the middle matches one segment, the last placeholder
/// matches the rest (including slashes); placeholders may sit inside a segment (`/a_{x}-{y}`); a
/// `?` part matches the query (`?unitId={unitId}`). Matching is case-insensitive unless asked.
class Route {
 public:
  explicit Route(std::string id = {});

  /// Adds methods to match (default: any). Case-insensitive, as Ocelot.
  Route& methods(std::initializer_list<std::string_view> methods);
  Route& method(std::string_view method);
  /// The upstream path template ("/api/users/{id}", "/api/x?unitId={u}").
  Route& path(std::string path_template);
  /// Shorthands: method + path.
  Route& get(std::string path_template);
  Route& post(std::string path_template);
  Route& put(std::string path_template);
  Route& patch(std::string path_template);
  Route& del(std::string path_template);
  /// Matches the Host header (port ignored): exact ("api.example.com") or a wildcard
  /// ("*.example.com" matches one or more labels before example.com). May be repeated (any of).
  Route& host(std::string pattern);
  /// Requires a header to be present, or equal (case-insensitive unless case_sensitive()).
  Route& header(std::string name, std::optional<std::string> equals = std::nullopt);
  /// Ocelot's UpstreamHeaderTemplates: the header must match `value_template` entirely; `{header:x}`
  /// placeholders capture parts usable in the rewrite template as `{header:x}`.
  Route& header_template(std::string name, std::string value_template);
  /// Requires a query parameter to be present, or equal.
  Route& query(std::string name, std::optional<std::string> equals = std::nullopt);
  /// Higher priority is tried first (default 1; a lone `/{catchall}` gets 0 unless set).
  Route& priority(int priority);
  /// Path and header templates match case-sensitively (default: insensitive, as Ocelot).
  Route& case_sensitive(bool on = true);
  /// The downstream path template, with the captured placeholders ("/users/{id}", "/x?id={id}").
  /// Without it the normalized request path is forwarded unchanged.
  Route& rewrite(std::string downstream_template);
  /// Sends matching requests to the named upstream of the Config.
  Route& to(std::string upstream_name);
  /// Sends matching requests to an upstream defined inline (named after the route).
  Route& to(Upstream upstream);
  /// Appends a filter; route filters run after the gateway's global filters.
  Route& filter(FilterPtr filter);
  /// Sends the client's Host header upstream instead of the endpoint's authority.
  Route& preserve_host(bool on = true);
  /// Echoes the client's Host as X-Forwarded-Host, X-Forwarded-Port and Forwarded's host= (off by
  /// default: a client-chosen value; on for a route that matches on host(), whose Host was checked).
  Route& forward_client_host(bool on = true);
  /// Total time for the request upstream, all attempts included (0: the gateway default).
  Route& timeout(std::chrono::milliseconds total);
  /// Sends a different method upstream (Ocelot's DownstreamHttpMethod).
  Route& downstream_method(std::string method);
  /// Renders this route's gateway-made error responses (instead of Config::error_renderer).
  Route& error_renderer(ErrorRenderer renderer);

  const std::string& id() const noexcept { return id_; }
  const std::vector<std::string>& method_list() const noexcept { return methods_; }
  const std::string& path_template() const noexcept { return path_; }
  const std::vector<std::string>& hosts() const noexcept { return hosts_; }
  const std::vector<FieldMatch>& header_matches() const noexcept { return headers_; }
  const std::vector<std::pair<std::string, std::string>>& header_templates() const noexcept { return header_templates_; }
  const std::vector<FieldMatch>& query_matches() const noexcept { return queries_; }
  /// The priority as set, or nullopt for the default.
  std::optional<int> priority_value() const noexcept { return priority_; }
  bool is_case_sensitive() const noexcept { return case_sensitive_; }
  const std::string& rewrite_template() const noexcept { return rewrite_; }
  const std::string& upstream_name() const noexcept { return upstream_name_; }
  const std::optional<Upstream>& inline_upstream() const noexcept { return inline_upstream_; }
  const std::vector<FilterPtr>& filters() const noexcept { return filters_; }
  bool preserves_host() const noexcept { return preserve_host_; }
  bool forwards_client_host() const noexcept { return forward_client_host_; }
  std::chrono::milliseconds total_timeout() const noexcept { return timeout_; }
  const std::string& downstream_method_override() const noexcept { return downstream_method_; }
  const ErrorRenderer& error_renderer_fn() const noexcept { return error_renderer_; }

 private:
  std::string id_;
  std::vector<std::string> methods_;
  std::string path_;
  std::vector<std::string> hosts_;
  std::vector<FieldMatch> headers_;
  std::vector<std::pair<std::string, std::string>> header_templates_;
  std::vector<FieldMatch> queries_;
  std::optional<int> priority_;
  bool case_sensitive_ = false;
  std::string rewrite_;
  std::string upstream_name_;
  std::optional<Upstream> inline_upstream_;
  std::vector<FilterPtr> filters_;
  bool preserve_host_ = false;
  bool forward_client_host_ = false;
  std::chrono::milliseconds timeout_{0};
  std::string downstream_method_;
  ErrorRenderer error_renderer_;
};

}  // namespace portico
