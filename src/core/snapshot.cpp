#include "core/snapshot.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "http/text.hpp"

namespace portico::detail {

const std::string& UpstreamRuntime::pool_key_of(const Endpoint& endpoint) const noexcept {
  std::size_t i = 0;
  for (; i < endpoints.size(); ++i)
    if (endpoints[i].host == endpoint.host && endpoints[i].port == endpoint.port &&
        endpoints[i].scheme == endpoint.scheme)
      break;
  return pool_keys[std::min(i, pool_keys.size() - 1)];
}

std::string pool_key(const Endpoint& e, const UpstreamTls& tls) {
  std::string key = e.scheme + "://" + e.authority();
  if (e.scheme == "https") {
    key += "|v=" + std::string(tls.verify ? "1" : "0") + "|ca=" + tls.ca_file + "|sni=" + tls.server_name +
           "|cert=" + tls.client_cert_file + "|key=" + tls.client_key_file;
  }
  return key;
}

namespace {

Result<std::unique_ptr<UpstreamRuntime>> compile_upstream(const Upstream& u, const ServerOptions& options,
                                                          const std::string& where) {
  if (u.name().empty()) return make_error(Errc::InvalidConfig, "an upstream needs a name", where);
  if (u.endpoints().empty())
    return make_error(Errc::InvalidConfig, "upstream '" + u.name() + "' has no endpoints", where + ".endpoints");
  auto rt = std::make_unique<UpstreamRuntime>();
  rt->name = u.name();
  rt->tls = u.tls_options();
  const PoolOptions& pool = u.pool_options();
  rt->pool.max_idle = pool.max_idle.value_or(options.upstream_max_idle_per_endpoint);
  rt->pool.idle_timeout = pool.idle_timeout.value_or(options.upstream_idle_timeout);
  rt->pool.max_requests_per_connection =
      pool.max_requests_per_connection.value_or(options.upstream_max_requests_per_connection);
  rt->pool.max_connections = pool.max_connections.value_or(options.upstream_max_connections_per_endpoint);
  if (rt->pool.idle_timeout->count() <= 0)
    return make_error(Errc::InvalidConfig, "must be positive", where + ".pool.idle_timeout");
  rt->connect_timeout = u.connect_timeout().count() > 0 ? u.connect_timeout() : options.upstream_connect_timeout;
  rt->response_timeout = u.response_timeout().count() > 0 ? u.response_timeout() : options.upstream_timeout;
  for (std::size_t i = 0; i < u.endpoints().size(); ++i) {
    Endpoint e = u.endpoints()[i];
    std::string ew = where + ".endpoints[" + std::to_string(i) + "]";
    if (e.scheme.empty()) e.scheme = u.default_scheme();
    e.scheme = to_lower(e.scheme);
    if (e.scheme == "ws") e.scheme = "http";
    if (e.scheme == "wss") e.scheme = "https";
    if (e.scheme != "http" && e.scheme != "https")
      return make_error(Errc::InvalidConfig, "scheme must be http or https, got '" + e.scheme + "'", ew + ".scheme");
    if (e.host.empty()) return make_error(Errc::InvalidConfig, "endpoint host is empty", ew + ".host");
    if (e.port == 0) return make_error(Errc::InvalidConfig, "endpoint port must be 1..65535", ew + ".port");
    if (e.weight == 0) return make_error(Errc::InvalidConfig, "endpoint weight must be at least 1", ew + ".weight");
    rt->pool_keys.push_back(pool_key(e, rt->tls));
    rt->endpoints.push_back(std::move(e));
  }
  if (u.policy() == LoadBalancing::CookieSticky && u.sticky().cookie.empty())
    return make_error(Errc::InvalidConfig, "sticky sessions need a cookie name", where + ".sticky_sessions");
  if (u.policy() == LoadBalancing::ConsistentHash && u.hash_key().source != HashKey::Source::ClientAddress &&
      u.hash_key().name.empty())
    return make_error(Errc::InvalidConfig, "consistent hash on a header or cookie needs its name", where + ".hash_key");
  if (u.policy() == LoadBalancing::Custom && !u.custom_factory())
    return make_error(Errc::InvalidConfig, "custom load balancer without a factory", where + ".load_balancer");
  try {
    rt->balancer = u.make_load_balancer();
  } catch (const std::exception& ex) {
    return make_error(Errc::InvalidConfig, std::string("load balancer factory threw: ") + ex.what(), where);
  }
  if (!rt->balancer) return make_error(Errc::InvalidConfig, "load balancer factory returned nothing", where);
  return rt;
}

}  // namespace

Result<std::shared_ptr<const Snapshot>> Snapshot::build(Config config, std::uint64_t generation) {
  auto snap = std::make_shared<Snapshot>();
  snap->generation = generation;
  snap->options = config.server_options();
  snap->error_renderer = config.error_renderer_fn();
  const auto& o = snap->options;
  if (o.max_request_line_bytes < 64)
    return make_error(Errc::InvalidConfig, "must be at least 64", "options.max_request_line_bytes");
  if (o.max_header_bytes < o.max_request_line_bytes)
    return make_error(Errc::InvalidConfig, "must be at least max_request_line_bytes", "options.max_header_bytes");
  if (o.max_header_count == 0) return make_error(Errc::InvalidConfig, "must be at least 1", "options.max_header_count");
  if (o.max_connections == 0) return make_error(Errc::InvalidConfig, "must be at least 1", "options.max_connections");
  if (o.idle_park_after.count() <= 0)
    return make_error(Errc::InvalidConfig, "must be positive", "options.idle_park_after");
  if (o.upstream_idle_timeout.count() <= 0)
    return make_error(Errc::InvalidConfig, "must be positive", "options.upstream_idle_timeout");
  for (std::size_t i = 0; i < o.trusted_proxies.size(); ++i) {
    auto c = Cidr::parse(o.trusted_proxies[i]);
    if (!c)
      return make_error(Errc::InvalidConfig, "not an IP address or CIDR range: '" + o.trusted_proxies[i] + "'",
                        "options.trusted_proxies[" + std::to_string(i) + "]");
    snap->trusted_proxies.add(*c);
  }

  std::map<std::string, UpstreamRuntime*, std::less<>> by_name;
  for (std::size_t i = 0; i < config.upstreams().size(); ++i) {
    auto rt = compile_upstream(config.upstreams()[i], o, "upstreams[" + std::to_string(i) + "]");
    if (!rt) return std::move(rt).error();
    by_name[(*rt)->name] = rt->get();
    snap->upstreams.push_back(std::move(*rt));
  }

  snap->routes = config.routes();
  for (std::size_t i = 0; i < snap->routes.size(); ++i) {
    const Route& r = snap->routes[i];
    if (!r.inline_upstream()) continue;
    auto rt = compile_upstream(*r.inline_upstream(), o, "routes[" + std::to_string(i) + "].upstream");
    if (!rt) return std::move(rt).error();
    snap->upstreams.push_back(std::move(*rt));
  }

  auto router = Router::build(snap->routes);
  if (!router) return std::move(router).error();
  snap->router = std::move(*router);

  snap->global_filters = config.filters();
  for (std::size_t i = 0; i < snap->global_filters.size(); ++i)
    if (!snap->global_filters[i])
      return make_error(Errc::InvalidConfig, "null filter", "filters[" + std::to_string(i) + "]");

  std::size_t inline_index = config.upstreams().size();
  snap->compiled.resize(snap->routes.size());
  for (std::size_t i = 0; i < snap->routes.size(); ++i) {
    const Route& r = snap->routes[i];
    CompiledRoute& c = snap->compiled[i];
    std::string where = "routes[" + std::to_string(i) + "]";
    c.route = &r;
    if (r.inline_upstream()) {
      c.upstream = snap->upstreams[inline_index++].get();
    } else {
      if (r.upstream_name().empty())
        return make_error(Errc::InvalidConfig, "route has no upstream (call .to(...))", where + ".to");
      auto it = by_name.find(r.upstream_name());
      if (it == by_name.end())
        return make_error(Errc::InvalidConfig, "unknown upstream '" + r.upstream_name() + "'", where + ".to");
      c.upstream = it->second;
    }
    c.filters = snap->global_filters;
    for (std::size_t k = 0; k < r.filters().size(); ++k) {
      if (!r.filters()[k])
        return make_error(Errc::InvalidConfig, "null filter", where + ".filters[" + std::to_string(k) + "]");
      c.filters.push_back(r.filters()[k]);
    }
    // Phases order the chain; the stable sort keeps "global, then the route's" inside a phase.
    std::stable_sort(c.filters.begin(), c.filters.end(),
                     [](const FilterPtr& a, const FilterPtr& b) { return a->phase() < b->phase(); });
    for (const auto& f : c.filters)
      if (f->observes_completion()) c.observers.push_back(f.get());
    for (const auto& f : c.filters) c.strip_upstream_framing = c.strip_upstream_framing || f->may_set_framing_fields();
    c.total_timeout = r.total_timeout();
    if (c.total_timeout.count() < 0)
      return make_error(Errc::InvalidConfig, "timeout must not be negative", where + ".timeout");
  }
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

}  // namespace portico::detail
