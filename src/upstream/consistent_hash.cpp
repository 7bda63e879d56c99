// Consistent hashing on a ketama-style ring.

#include <algorithm>
#include <string>
#include <unordered_map>

#include "upstream/balancers.hpp"

namespace portico {
namespace detail::lb {

ConsistentHashBalancer::ConsistentHashBalancer(std::span<const Endpoint> endpoints, HashKey key,
                                               std::size_t points_per_weight, std::size_t max_points)
    : LoadBalancer(endpoints.size()), key_(std::move(key)), rr_(endpoints) {
  points_per_weight = std::max<std::size_t>(points_per_weight, 1);
  max_points = std::clamp<std::size_t>(max_points, 1, std::size_t{1} << 31);
  std::uint64_t total_weight = 0;
  for (const auto& e : endpoints) total_weight += weight_of(e);
  // Past max_points every endpoint's share shrinks in proportion (at least one point each).
  const bool scaled = total_weight > max_points / points_per_weight;

  std::unordered_map<std::string, std::size_t> occurrences;  // the same address listed twice
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const std::uint64_t w = weight_of(endpoints[i]);
    const std::uint64_t points =
        scaled ? std::max<std::uint64_t>(1, w * max_points / total_weight) : w * points_per_weight;
    std::string base = endpoints[i].authority();
    const std::size_t occurrence = occurrences[base]++;
    base += '#';
    base += std::to_string(occurrence);
    base += '-';
    const std::uint64_t prefix = fnv1a64(base);
    ring_.reserve(ring_.size() + points);
    for (std::uint64_t j = 0; j < points; ++j) ring_.push_back(Point{fmix64(fnv1a64(std::to_string(j), prefix)), i});
  }
  std::sort(ring_.begin(), ring_.end(),
            [](const Point& a, const Point& b) { return a.hash != b.hash ? a.hash < b.hash : a.index < b.index; });
}

std::optional<std::string_view> ConsistentHashBalancer::key_of(const PickInput& input) const {
  std::optional<std::string_view> value;
  switch (key_.source) {
    case HashKey::Source::Header:
      if (!key_.name.empty()) value = input.request.headers.get(key_.name);
      break;
    case HashKey::Source::Cookie:
      if (!key_.name.empty()) value = input.request.cookie(key_.name);
      break;
    case HashKey::Source::ClientAddress:
      value = input.client_address.empty() ? std::string_view(input.request.remote_address) : input.client_address;
      break;
  }
  if (value && value->empty()) value.reset();
  return value;
}

std::optional<std::size_t> ConsistentHashBalancer::pick_key(std::string_view key) const noexcept {
  bool any = false;
  for (std::size_t i = 0; i < endpoint_count() && !any; ++i) any = available(i);
  if (!any || ring_.empty()) return std::nullopt;
  const std::uint64_t h = stable_hash(key);
  const auto it = std::lower_bound(ring_.begin(), ring_.end(), h, [](const Point& p, std::uint64_t v) { return p.hash < v; });
  const std::size_t start = static_cast<std::size_t>(it - ring_.begin());
  // Walk clockwise past points of unavailable endpoints: only their keys move.
  for (std::size_t step = 0; step < ring_.size(); ++step) {
    const Point& p = ring_[(start + step) % ring_.size()];
    if (available(p.index)) return p.index;
  }
  return std::nullopt;
}

std::optional<std::size_t> ConsistentHashBalancer::pick(const PickInput& input) {
  if (const auto key = key_of(input)) return pick_key(*key);
  return rr_.pick(*this);
}

}  // namespace detail::lb

std::unique_ptr<LoadBalancer> make_consistent_hash(std::span<const Endpoint> endpoints, HashKey key) {
  return std::make_unique<detail::lb::ConsistentHashBalancer>(endpoints, std::move(key));
}

}  // namespace portico
