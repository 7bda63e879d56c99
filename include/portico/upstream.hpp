#pragma once
/// Upstreams: named sets of endpoints with a load-balancing policy, TLS and timeouts.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http.hpp"

namespace portico {

/// One upstream server. `scheme` is "http" or "https" (Ocelot's "ws"/"wss" map to these).
struct Endpoint {
  std::string host;
  std::uint16_t port = 80;
  unsigned weight = 1;
  std::string scheme = "http";

  /// "host:port" (IPv6 hosts in brackets).
  std::string authority() const;
};

/// Built-in load-balancing policies.
enum class LoadBalancing {
  RoundRobin,        ///< smooth weighted round robin (nginx's algorithm)
  LeastConnections,  ///< fewest in-flight requests; ties go to the earliest endpoint (Ocelot's LeastConnection)
  Random,            ///< power of two random choices, weighted by in-flight requests
  First,             ///< always the first available endpoint (Ocelot's NoLoadBalancer)
  CookieSticky,      ///< Ocelot's CookieStickySessions: a cookie value pins a client to an endpoint
  ConsistentHash,    ///< a hash ring over a header, a cookie or the client address
  Custom,            ///< a LoadBalancerFactory given by the host
};

/// What ConsistentHash hashes.
struct HashKey {
  enum class Source { Header, Cookie, ClientAddress };
  Source source = Source::ClientAddress;
  std::string name;  ///< header or cookie name (unused for ClientAddress)
};

/// Ocelot's CookieStickySessions: `cookie` names the cookie; a session expires after `expiry` idle.
struct StickySessions {
  std::string cookie;
  std::chrono::milliseconds expiry{std::chrono::minutes(20)};
};

/// What a load balancer sees when it picks: the request and the real client address.
struct PickInput {
  const Request& request;
  std::string_view client_address;
};

/// A load balancer over the endpoints of one upstream. One instance per upstream per config
/// snapshot; pick() and release() are called concurrently from every event loop.
class LoadBalancer {
 public:
  virtual ~LoadBalancer() = default;
  /// Chooses an endpoint index among those marked available, or nullopt when none is.
  virtual std::optional<std::size_t> pick(const PickInput& input) = 0;
  /// Called once for every successful pick, when that request to the endpoint has finished.
  virtual void release(std::size_t /*index*/) noexcept {}
  /// Marks an endpoint (un)available (health checks, circuit breakers). Default: all available.
  virtual void set_available(std::size_t index, bool available) noexcept;
  /// True when the endpoint may be picked.
  bool available(std::size_t index) const noexcept;

 protected:
  explicit LoadBalancer(std::size_t endpoint_count);
  std::size_t endpoint_count() const noexcept { return count_; }

 private:
  std::size_t count_;
  std::unique_ptr<std::atomic<bool>[]> available_;
};

/// Makes a LoadBalancer for a list of endpoints (custom policies plug in here).
using LoadBalancerFactory =
    std::function<std::unique_ptr<LoadBalancer>(std::span<const Endpoint> endpoints)>;

/// Upstream TLS settings. Verification is on by default; turning it off is explicit and logged.
struct UpstreamTls {
  bool verify = true;             ///< check the certificate chain and the host name
  std::string ca_file;            ///< PEM CA bundle; empty: the system store
  std::string server_name;        ///< SNI and the name to verify; empty: the endpoint host
  std::string client_cert_file;   ///< PEM client certificate for mTLS (optional)
  std::string client_key_file;    ///< PEM client key for mTLS (optional)
};

/// Per-upstream keep-alive pool limits (per event loop, per endpoint); an unset field takes the
/// gateway's ServerOptions::upstream_* value, where the defaults are documented.
struct PoolOptions {
  std::optional<std::size_t> max_idle;                     ///< idle connections kept; 0: no keep-alive
  std::optional<std::chrono::milliseconds> idle_timeout;   ///< idle longer: closed
  std::optional<std::size_t> max_requests_per_connection;  ///< then closed; 0: no limit
  std::optional<std::size_t> max_connections;              ///< open (idle + busy); 0: no limit
};

/// A named set of endpoints and how to reach them. A value: build it, then give it to a Config.
/// Builders chain: `Upstream("users").endpoint("10.0.0.7", 8080).load_balancing(LoadBalancing::LeastConnections)`.
class Upstream {
 public:
  explicit Upstream(std::string name = {});

  /// Adds an endpoint with the upstream's scheme.
  Upstream& endpoint(std::string host, std::uint16_t port, unsigned weight = 1);
  /// Adds a fully specified endpoint.
  Upstream& endpoint(Endpoint e);
  /// "http" (default) or "https"; applies to endpoints added without one.
  Upstream& scheme(std::string scheme);
  Upstream& load_balancing(LoadBalancing policy);
  Upstream& sticky_sessions(StickySessions sticky);   ///< also selects LoadBalancing::CookieSticky
  Upstream& consistent_hash(HashKey key);             ///< also selects LoadBalancing::ConsistentHash
  Upstream& load_balancer(LoadBalancerFactory factory);  ///< also selects LoadBalancing::Custom
  Upstream& tls(UpstreamTls tls);
  Upstream& pool(PoolOptions pool);
  /// Per-attempt timeouts; zero means the gateway default (ServerOptions).
  Upstream& connect_timeout(std::chrono::milliseconds t);
  Upstream& response_timeout(std::chrono::milliseconds t);

  const std::string& name() const noexcept { return name_; }
  const std::vector<Endpoint>& endpoints() const noexcept { return endpoints_; }
  const std::string& default_scheme() const noexcept { return scheme_; }
  LoadBalancing policy() const noexcept { return policy_; }
  const StickySessions& sticky() const noexcept { return sticky_; }
  const HashKey& hash_key() const noexcept { return hash_key_; }
  const LoadBalancerFactory& custom_factory() const noexcept { return factory_; }
  const UpstreamTls& tls_options() const noexcept { return tls_; }
  const PoolOptions& pool_options() const noexcept { return pool_; }
  std::chrono::milliseconds connect_timeout() const noexcept { return connect_timeout_; }
  std::chrono::milliseconds response_timeout() const noexcept { return response_timeout_; }

  /// Makes the load balancer this upstream's policy asks for.
  std::unique_ptr<LoadBalancer> make_load_balancer() const;

 private:
  std::string name_;
  std::vector<Endpoint> endpoints_;
  std::string scheme_ = "http";
  LoadBalancing policy_ = LoadBalancing::RoundRobin;
  StickySessions sticky_;
  HashKey hash_key_;
  LoadBalancerFactory factory_;
  UpstreamTls tls_;
  PoolOptions pool_;
  std::chrono::milliseconds connect_timeout_{0};
  std::chrono::milliseconds response_timeout_{0};
};

/// Factories for the built-in policies (used by Upstream::make_load_balancer; hosts may reuse them).
std::unique_ptr<LoadBalancer> make_round_robin(std::span<const Endpoint> endpoints);
std::unique_ptr<LoadBalancer> make_least_connections(std::span<const Endpoint> endpoints);
std::unique_ptr<LoadBalancer> make_random(std::span<const Endpoint> endpoints, std::uint64_t seed = 0);
std::unique_ptr<LoadBalancer> make_first(std::span<const Endpoint> endpoints);
std::unique_ptr<LoadBalancer> make_cookie_sticky(std::span<const Endpoint> endpoints, StickySessions sticky,
                                                 std::function<std::chrono::steady_clock::time_point()> clock = {});
std::unique_ptr<LoadBalancer> make_consistent_hash(std::span<const Endpoint> endpoints, HashKey key);

}  // namespace portico
