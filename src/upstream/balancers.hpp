#pragma once
// Internal: the built-in load balancers behind make_round_robin() and friends. Declared here so
// unit tests can reach the knobs and the introspection the public factories hide (session limits,
// ring size, in-flight counts).
//
// Threading: one instance per upstream per config snapshot; pick() and release() run concurrently
// on every event loop. Round robin with equal weights, least connections, P2C, First and the hash
// ring are lock-free; weighted round robin takes one mutex for an O(endpoints) update; sticky
// sessions take one of 16 shard mutexes. No pick allocates, except a sticky pick that creates a
// session while its shard is still growing towards its bound.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "portico/upstream.hpp"
#include "upstream/lb_hash.hpp"

namespace portico::detail::lb {

/// An endpoint's weight as the balancers use it: 0 counts as 1.
inline std::uint64_t weight_of(const Endpoint& e) noexcept { return e.weight == 0 ? 1 : e.weight; }

/// In-flight requests per endpoint, one cache line each so loops do not false-share.
class InFlightCounters {
 public:
  explicit InFlightCounters(std::size_t n);
  std::uint64_t get(std::size_t i) const noexcept { return slots_[i].value.load(std::memory_order_relaxed); }
  void acquire(std::size_t i) noexcept { slots_[i].value.fetch_add(1, std::memory_order_relaxed); }
  /// Decrements, saturating at zero (a stray release cannot wrap the counter).
  void release(std::size_t i) noexcept;

 private:
  struct alignas(64) Slot {
    std::atomic<std::uint64_t> value{0};
  };
  std::unique_ptr<Slot[]> slots_;
};

/// Smooth weighted round robin state (nginx's ngx_http_upstream_get_peer), shared by RoundRobin
/// and the fallbacks of CookieSticky and ConsistentHash. Equal weights take a lock-free ticket
/// path; unequal weights run nginx's algorithm under a mutex. Unavailable endpoints are skipped.
class RoundRobinCore {
 public:
  explicit RoundRobinCore(std::span<const Endpoint> endpoints);
  /// Picks among the endpoints `lb` marks available; nullopt when none is.
  std::optional<std::size_t> pick(const LoadBalancer& lb);
  bool equal_weights() const noexcept { return equal_; }

 private:
  std::optional<std::size_t> pick_equal(const LoadBalancer& lb);
  std::optional<std::size_t> pick_weighted(const LoadBalancer& lb);

  std::vector<std::int64_t> weights_;
  bool equal_ = true;
  alignas(64) std::atomic<std::uint64_t> ticket_{0};  // equal weights
  alignas(64) std::mutex mutex_;                      // unequal weights: guards current_
  std::vector<std::int64_t> current_;
};

class RoundRobinBalancer final : public LoadBalancer {
 public:
  explicit RoundRobinBalancer(std::span<const Endpoint> endpoints);
  std::optional<std::size_t> pick(const PickInput& input) override;
  bool equal_weights() const noexcept { return rr_.equal_weights(); }

 private:
  RoundRobinCore rr_;
};

class FirstBalancer final : public LoadBalancer {
 public:
  explicit FirstBalancer(std::span<const Endpoint> endpoints);
  std::optional<std::size_t> pick(const PickInput& input) override;
};

/// Fewest in-flight requests relative to weight: minimizes (in_flight + 1) / weight, the load the
/// endpoint would carry with this request; ties go to the earliest index.
class LeastConnectionsBalancer final : public LoadBalancer {
 public:
  explicit LeastConnectionsBalancer(std::span<const Endpoint> endpoints);
  std::optional<std::size_t> pick(const PickInput& input) override;
  void release(std::size_t index) noexcept override;
  std::uint64_t in_flight(std::size_t index) const noexcept { return in_flight_.get(index); }

 private:
  std::vector<std::uint64_t> weights_;
  InFlightCounters in_flight_;
};

/// Power of two random choices: two distinct available endpoints drawn with probability
/// proportional to weight; the one with the lower in_flight / weight wins, the first drawn on a
/// tie. SplitMix64 over one shared atomic state: a seed makes a single thread's sequence fixed.
class PowerOfTwoBalancer final : public LoadBalancer {
 public:
  /// `seed` 0 seeds from std::random_device.
  PowerOfTwoBalancer(std::span<const Endpoint> endpoints, std::uint64_t seed);
  std::optional<std::size_t> pick(const PickInput& input) override;
  void release(std::size_t index) noexcept override;
  std::uint64_t in_flight(std::size_t index) const noexcept { return in_flight_.get(index); }

 private:
  // The available endpoint at weighted position `target` (< total available weight), skipping
  // `exclude`; nullopt when availability changed under us and `target` ran off the end.
  std::optional<std::size_t> weighted_at(std::uint64_t target, std::size_t exclude) const noexcept;

  std::vector<std::uint64_t> weights_;
  InFlightCounters in_flight_;
  alignas(64) std::atomic<std::uint64_t> state_;
};

/// Limits of the sticky-session table. The defaults bound it to 100k sessions (about 13 MB).
struct StickyLimits {
  std::size_t max_sessions = 100'000;
  std::size_t shards = 16;
  /// Expired sessions removed (at most) per new session, beyond the one whose memory is reused.
  std::size_t evictions_per_insert = 8;
};

/// Ocelot's CookieStickySessions, bounded. The cookie value is reduced to a 128-bit keyed digest
/// (SipHash-2-4 with two random per-instance keys), so a session costs the same whatever the
/// cookie's length and clients cannot aim collisions. Each shard keeps its sessions in LRU order;
/// since idle expiry is the same for all, the least recently used is also the first to expire.
class CookieStickyBalancer final : public LoadBalancer {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  CookieStickyBalancer(std::span<const Endpoint> endpoints, StickySessions sticky, Clock clock,
                       StickyLimits limits = {});
  std::optional<std::size_t> pick(const PickInput& input) override;

  /// Sessions held now, live or expired-but-not-yet-evicted.
  std::size_t session_count() const;
  /// The endpoint session `cookie_value` is pinned to (even if expired), or nullopt.
  std::optional<std::size_t> session_endpoint(std::string_view cookie_value) const;

 private:
  struct Digest {
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    bool operator==(const Digest&) const = default;
  };
  struct DigestHash {
    std::size_t operator()(const Digest& d) const noexcept { return static_cast<std::size_t>(d.lo); }
  };
  struct Session {
    Digest key;
    std::size_t index = 0;
    std::chrono::steady_clock::time_point last_used;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::size_t capacity = 0;
    std::list<Session> lru;  // front: most recently used
    std::unordered_map<Digest, std::list<Session>::iterator, DigestHash> index;
  };

  Digest digest(std::string_view value) const noexcept;
  Shard& shard_for(const Digest& d) const noexcept { return shards_[(d.hi >> 32) % shard_count_]; }
  bool expired(const Session& s, std::chrono::steady_clock::time_point now) const noexcept {
    return now - s.last_used >= sticky_.expiry;
  }
  std::size_t remember(Shard& shard, const Digest& key, std::size_t index, std::chrono::steady_clock::time_point now);

  StickySessions sticky_;
  Clock clock_;
  StickyLimits limits_;
  SipKey key_lo_;
  SipKey key_hi_;
  RoundRobinCore rr_;
  std::size_t shard_count_ = 1;
  std::unique_ptr<Shard[]> shards_;
};

/// A ketama-style hash ring: `points_per_weight` points per unit of weight per endpoint, placed
/// at stable_hash("<authority>#<occurrence>-<j>"), so placement depends on the endpoint's address,
/// not its position in the list. A key maps to the first point at or after its hash whose
/// endpoint is available. Requests without the key use round robin.
class ConsistentHashBalancer final : public LoadBalancer {
 public:
  static constexpr std::size_t kPointsPerWeight = 160;
  static constexpr std::size_t kMaxRingPoints = std::size_t{1} << 18;  // 4 MiB of ring at most

  ConsistentHashBalancer(std::span<const Endpoint> endpoints, HashKey key,
                         std::size_t points_per_weight = kPointsPerWeight, std::size_t max_points = kMaxRingPoints);
  std::optional<std::size_t> pick(const PickInput& input) override;

  /// The endpoint for `key` on the ring, honouring availability; nullopt when none is available.
  std::optional<std::size_t> pick_key(std::string_view key) const noexcept;
  std::size_t ring_size() const noexcept { return ring_.size(); }
  /// The key this request hashes on, or nullopt (absent or empty).
  std::optional<std::string_view> key_of(const PickInput& input) const;

 private:
  struct Point {
    std::uint64_t hash;
    std::size_t index;
  };

  HashKey key_;
  std::vector<Point> ring_;  // sorted by (hash, index)
  RoundRobinCore rr_;
};

}  // namespace portico::detail::lb
