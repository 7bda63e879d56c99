// LocalRateLimitStore: 64 shards of counters, a mutex each; idle keys evicted, a cap on keys.

#include <algorithm>
#include <array>
#include <cmath>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "portico/filters/rate_limit.hpp"

namespace portico::filters {

namespace {

using std::chrono::nanoseconds;
using Algorithm = RateLimitRule::Algorithm;

constexpr std::size_t kShards = 64;
constexpr double kEpsilon = 1e-9;  // a token short of 1 by rounding is a token

// A key with its hash, computed once per decision for the shard and the shard's map.
struct HashedKey {
  std::string_view key;
  std::size_t hash;
};

struct Hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  std::size_t operator()(const HashedKey& k) const noexcept { return k.hash; }
};

struct Equal {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
  bool operator()(const HashedKey& a, std::string_view b) const noexcept { return a.key == b; }
  bool operator()(std::string_view a, const HashedKey& b) const noexcept { return a == b.key; }
};

// One key's counter. Only the fields of the key's algorithm are used.
struct Entry {
  std::int64_t expires = 0;  // from then on the state equals a fresh one: the key may be evicted
  // TokenBucket
  double tokens = 0;
  std::int64_t last = 0;
  // FixedWindow
  std::int64_t window_start = 0;
  std::int64_t count = 0;
  std::int64_t ban_until = 0;  // 0: no ban
  // SlidingWindow: admission times, oldest first, in a ring
  std::vector<std::int64_t> ring;
  std::size_t head = 0;
  std::size_t size = 0;

  std::int64_t front() const { return ring[head]; }
  std::int64_t back() const { return ring[(head + size - 1) % ring.size()]; }
  std::int64_t at(std::size_t i) const { return ring[(head + i) % ring.size()]; }
  void pop_front() {
    head = (head + 1) % ring.size();
    --size;
  }
  void push_back(std::int64_t t, std::int64_t limit) {
    if (size == ring.size()) {  // grow (doubling, at most `limit`)
      std::size_t cap = std::min<std::size_t>(static_cast<std::size_t>(limit), std::max<std::size_t>(4, ring.size() * 2));
      std::vector<std::int64_t> grown(cap);
      for (std::size_t i = 0; i < size; ++i) grown[i] = at(i);
      ring = std::move(grown);
      head = 0;
    }
    ring[(head + size) % ring.size()] = t;
    ++size;
  }
  void erase(std::size_t i) {  // i-th from the front
    for (std::size_t j = i; j + 1 < size; ++j) ring[(head + j) % ring.size()] = at(j + 1);
    --size;
  }
};

struct alignas(64) Shard {
  std::mutex mu;
  std::unordered_map<std::string, Entry, Hash, Equal> map;
  std::size_t ops_since_sweep = 0;
  std::size_t sweep_after = 64;  // operations until the next sweep: the size the last one left (at least 64)
};

std::int64_t burst_of(const RateLimitRule& r) { return r.burst > 0 ? r.burst : r.limit; }

RateLimitDecision token_bucket(Entry& e, bool fresh, const RateLimitRule& r, std::int64_t now) {
  const double cap = static_cast<double>(burst_of(r));
  const double per_ns = static_cast<double>(r.limit) / static_cast<double>(r.period.count());
  if (fresh) {
    e.tokens = cap;
    e.last = now;
  }
  if (now > e.last) {
    e.tokens = std::min(cap, e.tokens + static_cast<double>(now - e.last) * per_ns);
    e.last = now;
  }
  RateLimitDecision d;
  d.limit = burst_of(r);
  if (e.tokens >= 1.0 - kEpsilon) {
    e.tokens = std::max(0.0, e.tokens - 1.0);
    d.allowed = true;
    d.remaining = static_cast<std::int64_t>(std::floor(e.tokens + kEpsilon));
  } else {
    d.retry_after = nanoseconds(static_cast<std::int64_t>(std::ceil((1.0 - e.tokens) / per_ns)));
  }
  d.reset = nanoseconds(static_cast<std::int64_t>(std::ceil((cap - e.tokens) / per_ns)));
  e.expires = e.last + d.reset.count();
  return d;
}

RateLimitDecision sliding_window(Entry& e, const RateLimitRule& r, std::int64_t now) {
  if (e.size > 0) now = std::max(now, e.back());  // clocks read before the lock may be out of order
  const std::int64_t period = r.period.count();
  while (e.size > 0 && e.front() <= now - period) e.pop_front();
  RateLimitDecision d;
  d.limit = r.limit;
  if (static_cast<std::int64_t>(e.size) < r.limit) {
    e.push_back(now, r.limit);
    d.allowed = true;
    d.remaining = r.limit - static_cast<std::int64_t>(e.size);
  } else {
    d.retry_after = nanoseconds(e.front() + period - now);
  }
  d.reset = nanoseconds(e.front() + period - now);
  e.expires = e.back() + period;
  return d;
}

RateLimitDecision fixed_window(Entry& e, bool fresh, const RateLimitRule& r, std::int64_t now) {
  const std::int64_t period = r.period.count();
  if (fresh) {
    e.window_start = now;
    e.count = 0;
    e.ban_until = 0;
  }
  if (e.ban_until != 0) {
    if (now >= e.ban_until) {  // the ban is over: a new window starts with this request
      e.ban_until = 0;
      e.window_start = now;
      e.count = 0;
    }
  } else if (now >= e.window_start + period) {
    e.window_start = now;
    e.count = 0;
  }
  RateLimitDecision d;
  d.limit = r.limit;
  const std::int64_t window_end = e.window_start + period;
  if (e.ban_until != 0) {
    d.retry_after = nanoseconds(e.ban_until - now);
    d.reset = d.retry_after;
  } else if (e.count >= r.limit) {
    d.retry_after = nanoseconds(window_end - now);
    d.reset = d.retry_after;
  } else {
    ++e.count;
    if (e.count == r.limit && r.ban.count() > 0) e.ban_until = now + r.ban.count();
    d.allowed = true;
    d.remaining = r.limit - e.count;
    d.reset = nanoseconds(window_end - now);
  }
  e.expires = std::max(window_end, e.ban_until);
  return d;
}

}  // namespace

struct LocalRateLimitStore::Impl {
  explicit Impl(LocalRateLimitStoreOptions o)
      : per_shard_cap(std::max<std::size_t>(1, (o.max_keys + kShards - 1) / kShards)) {}
  std::size_t per_shard_cap;
  std::array<Shard, kShards> shards;
  std::atomic<std::uint64_t> keys{0}, evicted{0}, overflow{0};

  // The shard from the hash's high bits (the map's buckets use the low ones).
  Shard& shard_of(const HashedKey& k) { return shards[(k.hash >> 32 ^ k.hash >> 16) % kShards]; }

  // Under the shard's lock.
  void sweep(Shard& s, std::int64_t now) {
    std::uint64_t n = 0;
    for (auto it = s.map.begin(); it != s.map.end();) {
      if (it->second.expires <= now) {
        it = s.map.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    s.ops_since_sweep = 0;
    s.sweep_after = std::max<std::size_t>(64, s.map.size());
    if (n) {
      keys.fetch_sub(n, std::memory_order_relaxed);
      evicted.fetch_add(n, std::memory_order_relaxed);
    }
  }
};

LocalRateLimitStore::LocalRateLimitStore(LocalRateLimitStoreOptions options)
    : impl_(std::make_unique<Impl>(options)) {}
LocalRateLimitStore::~LocalRateLimitStore() = default;

RateLimitDecision LocalRateLimitStore::acquire(std::string_view key, const RateLimitRule& rule, nanoseconds now_ns) {
  const std::int64_t now = now_ns.count();
  const HashedKey hk{key, Hash{}(key)};
  Shard& s = impl_->shard_of(hk);
  std::lock_guard lock(s.mu);
  // A sweep visits the keys the last one left plus at most one per operation since: O(1) per
  // request on average.
  if (++s.ops_since_sweep >= s.sweep_after) impl_->sweep(s, now);
  auto it = s.map.find(hk);
  bool fresh = false;
  if (it == s.map.end()) {
    if (s.map.size() >= impl_->per_shard_cap) impl_->sweep(s, now);
    if (s.map.size() >= impl_->per_shard_cap) {
      impl_->overflow.fetch_add(1, std::memory_order_relaxed);
      RateLimitDecision d;
      d.limit = rule.algorithm == Algorithm::TokenBucket ? burst_of(rule) : rule.limit;
      d.retry_after = d.reset = std::chrono::seconds(1);
      d.overflow = true;
      return d;
    }
    it = s.map.emplace(std::string(key), Entry{}).first;
    impl_->keys.fetch_add(1, std::memory_order_relaxed);
    fresh = true;
  }
  Entry& e = it->second;
  switch (rule.algorithm) {
    case Algorithm::TokenBucket: return token_bucket(e, fresh, rule, now);
    case Algorithm::SlidingWindow: return sliding_window(e, rule, now);
    case Algorithm::FixedWindow: return fixed_window(e, fresh, rule, now);
  }
  return {};
}

void LocalRateLimitStore::refund(std::string_view key, const RateLimitRule& rule, nanoseconds admitted_at) {
  const HashedKey hk{key, Hash{}(key)};
  Shard& s = impl_->shard_of(hk);
  std::lock_guard lock(s.mu);
  auto it = s.map.find(hk);
  if (it == s.map.end()) return;
  Entry& e = it->second;
  switch (rule.algorithm) {
    case Algorithm::TokenBucket:
      e.tokens = std::min(static_cast<double>(burst_of(rule)), e.tokens + 1.0);
      break;
    case Algorithm::SlidingWindow: {
      if (e.size == 0) break;
      std::size_t victim = e.size - 1;  // the newest, unless this admission's own time is found
      for (std::size_t i = e.size; i-- > 0;)
        if (e.at(i) == admitted_at.count()) {
          victim = i;
          break;
        }
      e.erase(victim);
      break;
    }
    case Algorithm::FixedWindow:
      if (e.count > 0 && admitted_at.count() >= e.window_start) {
        --e.count;
        e.ban_until = 0;
      }
      break;
  }
}

void LocalRateLimitStore::evict_idle(nanoseconds now) {
  for (auto& s : impl_->shards) {
    std::lock_guard lock(s.mu);
    impl_->sweep(s, now.count());
  }
}

RateLimitStoreStats LocalRateLimitStore::stats() const noexcept {
  return {impl_->keys.load(std::memory_order_relaxed), impl_->evicted.load(std::memory_order_relaxed),
          impl_->overflow.load(std::memory_order_relaxed)};
}

}  // namespace portico::filters
