// Round robin (smooth weighted, nginx's algorithm) and First (Ocelot's NoLoadBalancer).

#include <algorithm>

#include "upstream/balancers.hpp"

namespace portico {
namespace detail::lb {

RoundRobinCore::RoundRobinCore(std::span<const Endpoint> endpoints) {
  weights_.reserve(endpoints.size());
  for (const auto& e : endpoints) weights_.push_back(static_cast<std::int64_t>(weight_of(e)));
  equal_ = std::adjacent_find(weights_.begin(), weights_.end(), std::not_equal_to<>()) == weights_.end();
  if (!equal_) current_.assign(weights_.size(), 0);
}

std::optional<std::size_t> RoundRobinCore::pick(const LoadBalancer& lb) {
  if (weights_.empty()) return std::nullopt;
  return equal_ ? pick_equal(lb) : pick_weighted(lb);
}

// Plain round robin from index 0: one atomic ticket per pick. An unavailable endpoint's ticket is
// passed over by taking the next ticket (not by scanning on from it), so the endpoints after a
// down one do not inherit its share.
std::optional<std::size_t> RoundRobinCore::pick_equal(const LoadBalancer& lb) {
  const std::size_t n = weights_.size();
  for (std::size_t attempt = 0; attempt < n; ++attempt) {
    const auto i = static_cast<std::size_t>(ticket_.fetch_add(1, std::memory_order_relaxed) % n);
    if (lb.available(i)) return i;
  }
  // Other loops took tickets in between (or everything is down): look at each endpoint once.
  for (std::size_t i = 0; i < n; ++i)
    if (lb.available(i)) return i;
  return std::nullopt;
}

// nginx: every available peer's current weight grows by its weight, the largest wins (the
// earliest on a tie) and gives back the total. Weights 5,1,1 give a a b a c a a.
std::optional<std::size_t> RoundRobinCore::pick_weighted(const LoadBalancer& lb) {
  const std::size_t n = weights_.size();
  std::lock_guard lock(mutex_);
  std::int64_t total = 0;
  std::size_t best = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (!lb.available(i)) continue;
    current_[i] += weights_[i];
    total += weights_[i];
    if (best == n || current_[i] > current_[best]) best = i;
  }
  if (best == n) return std::nullopt;
  current_[best] -= total;
  return best;
}

RoundRobinBalancer::RoundRobinBalancer(std::span<const Endpoint> endpoints)
    : LoadBalancer(endpoints.size()), rr_(endpoints) {}

std::optional<std::size_t> RoundRobinBalancer::pick(const PickInput& /*input*/) { return rr_.pick(*this); }

FirstBalancer::FirstBalancer(std::span<const Endpoint> endpoints) : LoadBalancer(endpoints.size()) {}

std::optional<std::size_t> FirstBalancer::pick(const PickInput& /*input*/) {
  for (std::size_t i = 0; i < endpoint_count(); ++i)
    if (available(i)) return i;
  return std::nullopt;
}

}  // namespace detail::lb

std::unique_ptr<LoadBalancer> make_round_robin(std::span<const Endpoint> endpoints) {
  return std::make_unique<detail::lb::RoundRobinBalancer>(endpoints);
}

std::unique_ptr<LoadBalancer> make_first(std::span<const Endpoint> endpoints) {
  return std::make_unique<detail::lb::FirstBalancer>(endpoints);
}

}  // namespace portico
