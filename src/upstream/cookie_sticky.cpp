// Cookie sticky sessions (Ocelot's CookieStickySessions) with a bounded, sharded session table.

#include <algorithm>

#include "upstream/balancers.hpp"

namespace portico {
namespace detail::lb {

CookieStickyBalancer::CookieStickyBalancer(std::span<const Endpoint> endpoints, StickySessions sticky, Clock clock,
                                           StickyLimits limits)
    : LoadBalancer(endpoints.size()),
      sticky_(std::move(sticky)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      limits_(limits),
      key_lo_(SipKey::random()),
      key_hi_(SipKey::random()),
      rr_(endpoints) {
  const std::size_t max_sessions = std::max<std::size_t>(limits_.max_sessions, 1);
  shard_count_ = std::clamp<std::size_t>(limits_.shards, 1, max_sessions);
  shards_ = std::make_unique<Shard[]>(shard_count_);
  for (std::size_t i = 0; i < shard_count_; ++i)
    shards_[i].capacity = max_sessions / shard_count_ + (i < max_sessions % shard_count_ ? 1 : 0);
}

CookieStickyBalancer::Digest CookieStickyBalancer::digest(std::string_view value) const noexcept {
  return Digest{siphash24(key_lo_, value), siphash24(key_hi_, value)};
}

std::optional<std::size_t> CookieStickyBalancer::pick(const PickInput& input) {
  const auto value = sticky_.cookie.empty() ? std::nullopt : input.request.cookie(sticky_.cookie);
  if (!value || value->empty()) return rr_.pick(*this);  // no cookie: no session (Ocelot)

  const Digest key = digest(*value);
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  // Read under the lock so each shard's LRU list is also ordered by last use.
  const auto now = clock_();
  if (const auto found = shard.index.find(key); found != shard.index.end()) {
    Session& session = *found->second;
    if (expired(session, now) || !available(session.index)) {
      // Ocelot keeps sending a session to a dead host; Portico re-pins it.
      const auto repicked = rr_.pick(*this);
      if (!repicked) return std::nullopt;
      session.index = *repicked;
    }
    session.last_used = now;
    shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
    return session.index;
  }
  const auto picked = rr_.pick(*this);
  if (!picked) return std::nullopt;
  return remember(shard, key, *picked, now);
}

// Called with the shard locked and `key` absent. The least recently used session is the first to
// expire, so reusing the list's tail both bounds the shard and evicts lazily: when it has expired
// or the shard is full, its list and map nodes are recycled for the new session (no allocation).
std::size_t CookieStickyBalancer::remember(Shard& shard, const Digest& key, std::size_t index,
                                           std::chrono::steady_clock::time_point now) {
  try {
    if (!shard.lru.empty() && (shard.index.size() >= shard.capacity || expired(shard.lru.back(), now))) {
      const auto victim = std::prev(shard.lru.end());
      auto node = shard.index.extract(victim->key);
      shard.lru.splice(shard.lru.begin(), shard.lru, victim);
      *victim = Session{key, index, now};
      node.key() = key;
      node.mapped() = victim;
      shard.index.insert(std::move(node));  // size unchanged: no rehash, no allocation
    } else {
      shard.lru.push_front(Session{key, index, now});
      try {
        shard.index.emplace(key, shard.lru.begin());
      } catch (...) {
        shard.lru.pop_front();
        throw;
      }
    }
    // A few more expired sessions off the cold end, so an idle backlog drains with bounded work.
    for (std::size_t k = 0;
         k < limits_.evictions_per_insert && shard.lru.size() > 1 && expired(shard.lru.back(), now); ++k) {
      shard.index.erase(shard.lru.back().key);
      shard.lru.pop_back();
    }
  } catch (...) {
    // Out of memory: serve this pick without remembering it.
  }
  return index;
}

std::size_t CookieStickyBalancer::session_count() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].index.size();
  }
  return total;
}

std::optional<std::size_t> CookieStickyBalancer::session_endpoint(std::string_view cookie_value) const {
  const Digest key = digest(cookie_value);
  const Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  const auto found = shard.index.find(key);
  if (found == shard.index.end()) return std::nullopt;
  return found->second->index;
}

}  // namespace detail::lb

std::unique_ptr<LoadBalancer> make_cookie_sticky(std::span<const Endpoint> endpoints, StickySessions sticky,
                                                 std::function<std::chrono::steady_clock::time_point()> clock) {
  return std::make_unique<detail::lb::CookieStickyBalancer>(endpoints, std::move(sticky), std::move(clock));
}

}  // namespace portico
