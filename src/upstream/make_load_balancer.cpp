// Upstream::make_load_balancer: the policy named in the Upstream value, built for its endpoints.

#include "portico/upstream.hpp"

namespace portico {

std::unique_ptr<LoadBalancer> Upstream::make_load_balancer() const {
  const std::span<const Endpoint> endpoints(endpoints_);
  switch (policy_) {
    case LoadBalancing::RoundRobin:
      return make_round_robin(endpoints);
    case LoadBalancing::LeastConnections:
      return make_least_connections(endpoints);
    case LoadBalancing::Random:
      return make_random(endpoints);
    case LoadBalancing::First:
      return make_first(endpoints);
    case LoadBalancing::CookieSticky:
      return make_cookie_sticky(endpoints, sticky_);
    case LoadBalancing::ConsistentHash:
      return make_consistent_hash(endpoints, hash_key_);
    case LoadBalancing::Custom:
      // A missing factory, or one that returns nothing, leaves the upstream on round robin rather
      // than handing the engine a null balancer.
      if (factory_) {
        if (auto lb = factory_(endpoints)) return lb;
      }
      return make_round_robin(endpoints);
  }
  return make_round_robin(endpoints);
}

}  // namespace portico
