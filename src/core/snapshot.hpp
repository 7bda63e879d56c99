#pragma once
// Internal: one immutable, compiled configuration. Built by Gateway::apply, shared read-only by
// every loop; in-flight requests keep the snapshot they started with (shared_ptr).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "http/cidr.hpp"
#include "core/router.hpp"
#include "portico/gateway.hpp"

namespace portico::detail {

/// An upstream ready to serve: endpoints with resolved schemes and its load balancer.
struct UpstreamRuntime {
  std::string name;
  std::vector<Endpoint> endpoints;
  std::unique_ptr<LoadBalancer> balancer;
  UpstreamTls tls;
  PoolOptions pool;  // resolved against ServerOptions: every field is set
  std::chrono::milliseconds connect_timeout{0};   // resolved: never 0
  std::chrono::milliseconds response_timeout{0};  // resolved: never 0
  std::vector<std::string> pool_keys;  // per endpoint: identifies its keep-alive pool across reloads

  /// The pool key of `endpoint` (one of `endpoints`, as the balancer picked it).
  const std::string& pool_key_of(const Endpoint& endpoint) const noexcept;
};

/// The keep-alive pool an endpoint's connections go to: scheme, authority and (https) the TLS
/// settings. Upstream endpoints and the loop HTTP client share pools through it.
std::string pool_key(const Endpoint& endpoint, const UpstreamTls& tls);

/// A route with everything resolved for the data path.
struct CompiledRoute {
  const Route* route = nullptr;
  UpstreamRuntime* upstream = nullptr;
  std::vector<FilterPtr> filters;  // global filters, then the route's
  std::vector<const Filter*> observers;  // the filters whose observes_completion() is true
  std::chrono::milliseconds total_timeout{0};  // 0: no route-level deadline beyond per-attempt ones
  bool strip_upstream_framing = false;  // a filter may set framing fields in on_upstream_request
};

struct Snapshot {
  std::uint64_t generation = 0;
  std::vector<Route> routes;
  Router router;
  std::vector<std::unique_ptr<UpstreamRuntime>> upstreams;
  std::vector<CompiledRoute> compiled;  // parallel to routes
  std::vector<FilterPtr> global_filters;
  ServerOptions options;
  ErrorRenderer error_renderer;  // empty: render_problem
  CidrSet trusted_proxies;

  /// Validates and compiles a Config. Errors name the route/upstream (`routes[2].path`, `upstreams[0]`).
  static Result<std::shared_ptr<const Snapshot>> build(Config config, std::uint64_t generation);
};

}  // namespace portico::detail
