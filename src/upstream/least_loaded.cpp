// Least connections and power of two random choices: both balance on in-flight requests.

#include <limits>
#include <random>

#include "upstream/balancers.hpp"

namespace portico {
namespace detail::lb {

namespace {

// In-flight counts enter products with 32-bit weights; clamping keeps those products in 64 bits.
constexpr std::uint64_t kMaxLoad = std::numeric_limits<std::uint32_t>::max();

std::vector<std::uint64_t> weights_of(std::span<const Endpoint> endpoints) {
  std::vector<std::uint64_t> w;
  w.reserve(endpoints.size());
  for (const auto& e : endpoints) w.push_back(weight_of(e));
  return w;
}

std::uint64_t clamped(std::uint64_t load) noexcept { return load < kMaxLoad ? load : kMaxLoad; }

std::uint64_t random_seed() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ std::uint64_t{rd()};
}

}  // namespace

InFlightCounters::InFlightCounters(std::size_t n) : slots_(std::make_unique<Slot[]>(n)) {}

void InFlightCounters::release(std::size_t i) noexcept {
  auto& v = slots_[i].value;
  std::uint64_t cur = v.load(std::memory_order_relaxed);
  while (cur != 0 && !v.compare_exchange_weak(cur, cur - 1, std::memory_order_relaxed)) {
  }
}

LeastConnectionsBalancer::LeastConnectionsBalancer(std::span<const Endpoint> endpoints)
    : LoadBalancer(endpoints.size()), weights_(weights_of(endpoints)), in_flight_(endpoints.size()) {}

// Minimizes (in_flight + 1) / weight by cross-multiplication. With equal weights that is "fewest
// in flight"; with unequal weights a saturated upstream converges to exactly the weight ratio.
// The scan and the increment are not one atomic step: two loops picking at the same instant may
// both choose the same endpoint, which the next picks even out.
std::optional<std::size_t> LeastConnectionsBalancer::pick(const PickInput& /*input*/) {
  const std::size_t n = weights_.size();
  std::size_t best = n;
  std::uint64_t best_load = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!available(i)) continue;
    const std::uint64_t load = clamped(in_flight_.get(i)) + 1;
    if (best == n || load * weights_[best] < best_load * weights_[i]) {
      best = i;
      best_load = load;
    }
  }
  if (best == n) return std::nullopt;
  in_flight_.acquire(best);
  return best;
}

void LeastConnectionsBalancer::release(std::size_t index) noexcept {
  if (index < weights_.size()) in_flight_.release(index);
}

PowerOfTwoBalancer::PowerOfTwoBalancer(std::span<const Endpoint> endpoints, std::uint64_t seed)
    : LoadBalancer(endpoints.size()),
      weights_(weights_of(endpoints)),
      in_flight_(endpoints.size()),
      state_(seed != 0 ? seed : random_seed()) {}

std::optional<std::size_t> PowerOfTwoBalancer::weighted_at(std::uint64_t target, std::size_t exclude) const noexcept {
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    if (i == exclude || !available(i)) continue;
    if (target < weights_[i]) return i;
    target -= weights_[i];
  }
  return std::nullopt;
}

std::optional<std::size_t> PowerOfTwoBalancer::pick(const PickInput& /*input*/) {
  const std::size_t n = weights_.size();
  std::uint64_t total = 0;
  std::size_t count = 0;
  std::size_t only = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (!available(i)) continue;
    total += weights_[i];
    ++count;
    only = i;
  }
  if (count == 0) return std::nullopt;
  std::optional<std::size_t> chosen = only;
  if (count > 1) {
    // Two SplitMix64 outputs for one atomic step of the shared state.
    const std::uint64_t s = state_.fetch_add(2 * kGoldenGamma, std::memory_order_relaxed);
    const std::uint64_t r1 = splitmix64_mix(s + kGoldenGamma);
    const std::uint64_t r2 = splitmix64_mix(s + 2 * kGoldenGamma);
    chosen = weighted_at(r1 % total, n);
    if (chosen) {
      const std::size_t first = *chosen;
      const std::uint64_t rest = total - weights_[first];
      if (const auto second = rest == 0 ? std::nullopt : weighted_at(r2 % rest, first)) {
        // Lower in_flight / weight wins; the first drawn (already weight-proportional) on a tie.
        const std::uint64_t load1 = clamped(in_flight_.get(first));
        const std::uint64_t load2 = clamped(in_flight_.get(*second));
        if (load2 * weights_[first] < load1 * weights_[*second]) chosen = *second;
      }
    }
  }
  if (!chosen) {
    // Availability changed between the scans; settle for any endpoint still available.
    for (std::size_t i = 0; i < n && !chosen; ++i)
      if (available(i)) chosen = i;
    if (!chosen) return std::nullopt;
  }
  in_flight_.acquire(*chosen);
  return chosen;
}

void PowerOfTwoBalancer::release(std::size_t index) noexcept {
  if (index < weights_.size()) in_flight_.release(index);
}

}  // namespace detail::lb

std::unique_ptr<LoadBalancer> make_least_connections(std::span<const Endpoint> endpoints) {
  return std::make_unique<detail::lb::LeastConnectionsBalancer>(endpoints);
}

std::unique_ptr<LoadBalancer> make_random(std::span<const Endpoint> endpoints, std::uint64_t seed) {
  return std::make_unique<detail::lb::PowerOfTwoBalancer>(endpoints, seed);
}

}  // namespace portico
