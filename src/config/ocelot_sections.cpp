// The readers of ocelot.json's feature sections, and the helpers every part of the loader uses.

#include "config/ocelot_sections.hpp"

#include "config/ocelot_values.hpp"
#include "http/text.hpp"
#include "portico/http.hpp"

namespace portico::config::sections {

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  detail::append_json_escaped(out, s);
  out += '"';
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  for (const auto& x : v)
    if (x == s) return true;
  return false;
}

// Ocelot's template rules (a path starting with '/', no scheme, no '//'), checked here so the messages
// speak ocelot.json; the router checks the template syntax itself.
void check_ocelot_template(const std::string& t, const std::string& where) {
  if (t.empty()) fail(where, "must not be empty");
  if (t.find("://") != std::string::npos)
    fail(where, "must be a path template without scheme and host, got " + json_quote(t));
  if (t.front() != '/') fail(where, "must start with '/', got " + json_quote(t));
  if (t.substr(0, t.find('?')).find("//") != std::string::npos)
    fail(where, "must not contain '//', got " + json_quote(t));
}

void check_token(const std::string& value, const std::string& where, std::string_view what) {
  if (!detail::is_http_token(value))
    fail(where, "expected " + std::string(what) + " (an HTTP token), got " + json_quote(value));
}

void warn_at(JsonObject& o, std::string where, std::string message) {
  o.warnings().push_back(Warning{std::move(where), std::move(message)});
}

OcelotHttpHandlerOptions http_handler(JsonObject& o) {
  OcelotHttpHandlerOptions h;
  h.allow_auto_redirect = o.boolean("AllowAutoRedirect");
  h.use_cookie_container = o.boolean("UseCookieContainer");
  h.use_proxy = o.boolean("UseProxy");
  h.use_tracing = o.boolean("UseTracing");
  h.max_connections_per_server = o.integer("MaxConnectionsPerServer", 1, kIntMax);
  h.pooled_connection_lifetime_seconds = o.integer("PooledConnectionLifetimeSeconds", -1, kIntMax);
  if (h.allow_auto_redirect.value_or(false))
    warn_at(o, o.path_of("AllowAutoRedirect"), "Portico never follows upstream redirects; ignored");
  if (h.use_cookie_container.value_or(false))
    warn_at(o, o.path_of("UseCookieContainer"), "Portico never keeps upstream cookies; ignored");
  if (h.use_proxy.value_or(false)) warn_at(o, o.path_of("UseProxy"), "outbound HTTP proxies are not supported; ignored");
  if (h.use_tracing.value_or(false)) warn_at(o, o.path_of("UseTracing"), "tracing is not implemented yet; ignored");
  if (h.max_connections_per_server)
    warn_at(o, o.path_of("MaxConnectionsPerServer"), "per-route connection caps are not supported (ServerOptions.UpstreamMaxConnectionsPerEndpoint caps every endpoint); ignored");
  if (h.pooled_connection_lifetime_seconds)
    warn_at(o, o.path_of("PooledConnectionLifetimeSeconds"),
         "pooled connections close after ServerOptions.UpstreamIdleTimeoutMs idle or UpstreamMaxRequestsPerConnection requests, not after a lifetime; ignored");
  o.finish();
  return h;
}

OcelotQoSOptions qos(JsonObject& o, bool global_section) {
  OcelotQoSOptions q;
  q.minimum_throughput = read_aliased(o, "ExceptionsAllowedBeforeBreaking", "MinimumThroughput",
                                      [&](std::string_view k) { return o.integer(k, 0, kIntMax); });
  q.break_duration_ms = read_aliased(o, "DurationOfBreak", "BreakDuration",
                                     [&](std::string_view k) { return o.integer(k, 0, kIntMax); });
  q.timeout_ms =
      read_aliased(o, "TimeoutValue", "Timeout", [&](std::string_view k) { return o.integer(k, 0, kDayMs); });
  q.failure_ratio = o.number("FailureRatio", 0.0, 1.0);
  q.sampling_duration_ms = o.integer("SamplingDuration", 0, kIntMax);
  if (global_section) q.route_keys = o.strings("RouteKeys").value_or(std::vector<std::string>{});
  if (q.minimum_throughput || q.break_duration_ms || q.failure_ratio || q.sampling_duration_ms) {
    std::string applied = q.timeout_ms.value_or(0) > 0 ? " (its timeout is applied)" : "";
    warn_at(o, o.path(), "circuit breaking is not implemented yet; the breaker settings are ignored" + applied);
  }
  o.finish();
  return q;
}

OcelotCacheOptions cache(JsonObject& o, bool global_section) {
  OcelotCacheOptions c;
  c.ttl_seconds = o.integer("TtlSeconds", std::numeric_limits<std::int64_t>::min(), kIntMax);
  c.region = o.string("Region").value_or("");
  c.header = o.string("Header").value_or("");
  c.enable_content_hashing = o.boolean("EnableContentHashing");
  if (global_section) c.route_keys = o.strings("RouteKeys").value_or(std::vector<std::string>{});
  o.finish();
  return c;
}

OcelotServiceDiscoveryProvider service_discovery(JsonObject& o) {
  OcelotServiceDiscoveryProvider p;
  p.scheme = o.string("Scheme").value_or("");
  p.host = o.string("Host").value_or("");
  p.port = o.integer("Port", 0, 65535);
  p.type = o.string("Type").value_or("");
  p.token = o.string("Token").value_or("");
  p.configuration_key = o.string("ConfigurationKey").value_or("");
  p.polling_interval = o.integer("PollingInterval", 0, kIntMax);
  p.service_namespace = o.string("Namespace").value_or("");
  o.finish();
  return p;
}

void http_version(JsonObject& o, std::string& version, std::string& policy) {
  if (auto v = o.string("DownstreamHttpVersion"); v && !v->empty()) {
    static constexpr std::string_view kKnown[] = {"1.0", "1.1", "2", "2.0", "3", "3.0"};
    bool known = false;
    for (auto k : kKnown) known = known || *v == k;
    if (!known)
      fail(o.path_of("DownstreamHttpVersion"),
           "expected \"1.0\", \"1.1\", \"2.0\" or \"3.0\", got " + json_quote(*v));
    version = *v;
    if (*v != "1.1")
      warn_at(o, o.path_of("DownstreamHttpVersion"), "Portico speaks HTTP/1.1 to upstreams; the key is ignored");
  }
  if (auto v = o.string("DownstreamHttpVersionPolicy"); v && !v->empty()) {
    if (!iequals(*v, "RequestVersionOrLower") && !iequals(*v, "RequestVersionOrHigher") &&
        !iequals(*v, "RequestVersionExact")) {
      fail(o.path_of("DownstreamHttpVersionPolicy"),
           "expected RequestVersionOrLower, RequestVersionOrHigher or RequestVersionExact, got " + json_quote(*v));
    }
    policy = *v;
    warn_at(o, o.path_of("DownstreamHttpVersionPolicy"), "Portico speaks HTTP/1.1 to upstreams; the key is ignored");
  }
}

// ---- Routes ---------------------------------------------------------------------------------

}  // namespace portico::config::sections
