#pragma once
/// Rate limiting (phase Limits): token bucket and exact sliding-window policies keyed by client
/// address, consumer, route, a header, a claim or a C++ function, several per route, with the IETF
/// draft's `RateLimit-Policy` / `RateLimit` headers; and Ocelot's fixed window with its ban period
/// (`RateLimitOptions`), with Ocelot's `X-Rate-Limit-*` headers. Counters live in a RateLimitStore:
/// LocalRateLimitStore (in memory, sharded, bounded) is the built-in one. Counters shared by
/// several gateway instances live in a SharedRateLimitStore: the Redis one decides every policy
/// of a request in one atomic server-side script on Redis's clock.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "portico/error.hpp"
#include "portico/filter.hpp"
#include "portico/services.hpp"

namespace portico::filters {

// ---- Time ------------------------------------------------------------------------------------

/// Where a rate limiter reads the time: monotonic nanoseconds from any fixed origin. Injectable so
/// tests can step time; called concurrently from every loop.
class RateLimitClock {
 public:
  virtual ~RateLimitClock() = default;
  virtual std::chrono::nanoseconds now() const noexcept = 0;
};

/// The default clock: std::chrono::steady_clock.
std::shared_ptr<const RateLimitClock> steady_rate_limit_clock();

/// A clock that moves only when told (tests, simulations). Thread-safe.
class ManualRateLimitClock final : public RateLimitClock {
 public:
  std::chrono::nanoseconds now() const noexcept override { return std::chrono::nanoseconds(ns_.load()); }
  void advance(std::chrono::nanoseconds by) noexcept { ns_.fetch_add(by.count()); }
  void set(std::chrono::nanoseconds to) noexcept { ns_.store(to.count()); }

 private:
  std::atomic<std::int64_t> ns_{0};
};

/// Parses a period: "1s", "5m", "1h", "1d", decimals ("1.5h"), and Ocelot 25's milliseconds
/// ("100ms", or a bare number: "333" = 333 ms). Errc::InvalidConfig for anything else, zero or
/// negative periods included.
Result<std::chrono::nanoseconds> parse_rate_period(std::string_view text);

// ---- Stores ----------------------------------------------------------------------------------

/// How one counter decides.
struct RateLimitRule {
  enum class Algorithm : std::uint8_t {
    TokenBucket,    ///< `limit` tokens per `period`, at most `burst` stored (refilled continuously)
    SlidingWindow,  ///< at most `limit` admitted in any `period`-long interval (exact: a log of admissions)
    FixedWindow,    ///< Ocelot: `limit` per window from its first request; then `ban` (if non-zero) of 429s
  };
  Algorithm algorithm = Algorithm::SlidingWindow;
  std::int64_t limit = 0;  ///< > 0
  std::chrono::nanoseconds period{0};  ///< > 0
  std::int64_t burst = 0;  ///< TokenBucket: bucket size (0: `limit`)
  std::chrono::nanoseconds ban{0};  ///< FixedWindow: PeriodTimespan, counted from the request that reached `limit`
};

/// One decision of a store.
struct RateLimitDecision {
  bool allowed = false;
  std::int64_t limit = 0;      ///< the quota the policy advertises (TokenBucket: its burst)
  std::int64_t remaining = 0;  ///< what is left after this request (0 when refused)
  /// Until the quota is whole again (TokenBucket: full; SlidingWindow: the next admission expires;
  /// FixedWindow: the window or the ban ends).
  std::chrono::nanoseconds reset{0};
  std::chrono::nanoseconds retry_after{0};  ///< refused: until a request can be admitted again
  bool overflow = false;  ///< refused because the store was full of live keys (see LocalRateLimitStore)
};

/// Counters: one per key. Implementations are thread-safe and exact (concurrent decisions on one
/// key admit exactly `limit`). `key` already carries the route and policy; the store never sees paths.
class RateLimitStore {
 public:
  virtual ~RateLimitStore() = default;
  /// Counts one request for `key` at `now` (the rule's clock) and says whether it is admitted.
  virtual RateLimitDecision acquire(std::string_view key, const RateLimitRule& rule, std::chrono::nanoseconds now) = 0;
  /// Gives back an admission made at `admitted_at` by acquire() (a later policy of the same request
  /// refused it), so that refused requests never consume quota.
  virtual void refund(std::string_view key, const RateLimitRule& rule, std::chrono::nanoseconds admitted_at) = 0;
};

/// Counts of a LocalRateLimitStore, read at any time (relaxed: a moment's figures).
struct RateLimitStoreStats {
  std::uint64_t keys = 0;      ///< live keys now
  std::uint64_t evicted = 0;   ///< idle keys removed (their state was the same as no state)
  std::uint64_t overflow = 0;  ///< requests refused because every slot held a live key
};

struct LocalRateLimitStoreOptions {
  /// At most this many keys at once (split evenly over the 64 shards). A new key that finds its
  /// shard full of live keys (after evicting idle ones) is refused (429, counted in `overflow`):
  /// forgetting a live key would admit more than its limit.
  std::size_t max_keys = 1'000'000;
};

/// The in-memory store: 64 shards, a mutex each (no global lock), idle keys evicted as they age
/// out (a key whose counter equals a fresh one holds no information), at most `max_keys` keys.
/// SlidingWindow keeps one timestamp per admission in the window (8 bytes × limit per key at most).
class LocalRateLimitStore final : public RateLimitStore {
 public:
  explicit LocalRateLimitStore(LocalRateLimitStoreOptions options = {});
  ~LocalRateLimitStore() override;
  LocalRateLimitStore(const LocalRateLimitStore&) = delete;
  LocalRateLimitStore& operator=(const LocalRateLimitStore&) = delete;

  RateLimitDecision acquire(std::string_view key, const RateLimitRule& rule, std::chrono::nanoseconds now) override;
  void refund(std::string_view key, const RateLimitRule& rule, std::chrono::nanoseconds admitted_at) override;
  /// Removes every key idle at `now` (acquire also does this, shard by shard, as it goes).
  void evict_idle(std::chrono::nanoseconds now);
  RateLimitStoreStats stats() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One counter of a shared decision: its key and how it decides.
struct RateLimitCheck {
  std::string_view key;
  const RateLimitRule* rule = nullptr;
};

/// A store shared by gateway instances (Redis). It decides all the counters of one request in one
/// round trip, atomically: the request is admitted only when every counter admits it, and a
/// refused request consumes nothing. Implementations use the store's clock, not the gateway's.
class SharedRateLimitStore {
 public:
  virtual ~SharedRateLimitStore() = default;
  /// One decision per check, in order; or the store's failure (no reply in its timeout, no
  /// connection, no loop).
  using Callback = std::function<void(Result<std::vector<RateLimitDecision>>)>;
  /// Calls `done` exactly once, on the loop thread and never before decide() returns, within
  /// the store's timeout. `checks` (and what they point at) need only live until decide() returns.
  virtual void decide(Services& services, std::span<const RateLimitCheck> checks, Callback done) = 0;
  /// For messages: where the counters are ("redis://10.0.0.5:6379/0").
  virtual std::string_view describe() const noexcept = 0;
};

struct RedisRateLimitStoreOptions {
  RedisEndpoint endpoint;
  /// A decision not answered by then fails (the filter's failure policy applies). 1 ms .. 60 s.
  std::chrono::milliseconds timeout{50};
};

/// Counters in Redis: token buckets and fixed windows as hashes, sliding windows as lists of
/// admission times, each key expiring once its state equals a fresh one. One Lua script
/// (EVALSHA, sent whole once after a server restart) per decision, on Redis's `TIME`: instances
/// whose clocks differ still share one exact limit. Driven by each loop's Redis connection
/// (Services::redis): pipelined, never blocking a loop. Single Redis server (no Cluster: a
/// request's counters are one script's keys).
Result<std::shared_ptr<SharedRateLimitStore>> make_redis_rate_limit_store(RedisRateLimitStoreOptions options);

/// What a filter does when its shared store fails (timeout, no connection).
enum class RateLimitStoreFailure : std::uint8_t {
  Allow,  ///< admit the request (limits are off while the store is down)
  Deny,   ///< refuse it: 503 with `Retry-After: 1` (the protection cannot be given)
  Local,  ///< decide in this instance's memory (`store`) until the shared store answers again
};

// ---- Portico policies ------------------------------------------------------------------------

/// What a policy counts by.
struct RateLimitKey {
  enum class Kind : std::uint8_t {
    ClientIp,  ///< Exchange::client_address() (the trusted-proxy rule applied)
    Consumer,  ///< Exchange::consumer(); anonymous requests share one counter
    Route,     ///< one counter for the whole route
    Header,    ///< the first value of header `name`; requests without it share one counter
    Claim,     ///< the first value of claim `name` of Exchange::identity(); none: one shared counter
    Function,  ///< `function(exchange)`
  };
  Kind kind = Kind::ClientIp;
  std::string name;  ///< Header / Claim
  /// Function: the key for a request (called on the loop thread; must not block).
  std::function<std::string(const Exchange&)> function;

  /// "ClientIp" | "Consumer" | "Route" | "Header:X-Tenant" | "Claim:sub" (Errc::InvalidConfig else).
  static Result<RateLimitKey> parse(std::string_view text);
};

struct RateLimitPolicy {
  std::string name = "default";  ///< a token; named in the RateLimit-Policy / RateLimit headers
  RateLimitRule::Algorithm algorithm = RateLimitRule::Algorithm::SlidingWindow;  ///< TokenBucket | SlidingWindow
  std::int64_t limit = 0;  ///< requests per period (required, > 0; SlidingWindow at most 100000)
  std::chrono::nanoseconds period = std::chrono::seconds(1);
  std::int64_t burst = 0;  ///< TokenBucket: bucket size, 0 = `limit`
  RateLimitKey key;
};

struct RateLimitConfig {
  /// Counted in order; a request is admitted only when every policy admits it (one refusing
  /// gives back what earlier ones took). At least one.
  std::vector<RateLimitPolicy> policies;
  /// Separates this filter's counters from other users of a shared store ("" is fine with the
  /// default store: each filter then has its own).
  std::string counter_prefix;
  int status = 429;  ///< the refusal's status (400..599)
  /// `RateLimit-Policy` and `RateLimit` (IETF draft) on every response of the route.
  bool policy_headers = true;
  std::shared_ptr<RateLimitStore> store;         ///< null: a new LocalRateLimitStore
  std::shared_ptr<const RateLimitClock> clock;   ///< null: steady_rate_limit_clock()
  /// Set: the counters live there (shared by gateway instances); `store` and `clock` then serve
  /// only the Local failure policy.
  std::shared_ptr<SharedRateLimitStore> shared_store;
  RateLimitStoreFailure store_failure = RateLimitStoreFailure::Allow;
};

/// Validates `config` and makes the filter (phase Limits). Refused requests get `status` with
/// `Retry-After` (whole seconds, rounded up) and a problem+json body.
Result<FilterPtr> make_rate_limit(RateLimitConfig config);

// ---- Ocelot ----------------------------------------------------------------------------------

/// Ocelot's `RateLimitOptions`: a fixed window of `period` per client id (header `client_id_header`,
/// "client" when the request has none), then a ban of `period_timespan` once `limit` was reached.
struct OcelotRateLimitConfig {
  std::vector<std::string> client_whitelist;  ///< ids never limited (and given no headers)
  std::string period = "1s";                  ///< as written; also the X-Rate-Limit-Limit value
  std::chrono::nanoseconds period_timespan{0};  ///< the ban; 0: refused until the window ends
  std::int64_t limit = 0;                       ///< > 0
  std::string client_id_header = "ClientId";
  std::string quota_exceeded_message;  ///< "" : "API calls quota exceeded! maximum admitted {Limit} per {Period}."
  int http_status_code = 429;          ///< 400..599
  bool disable_rate_limit_headers = false;  ///< drops X-Rate-Limit-* and Retry-After
  std::string counter_prefix = "ocelot";
  std::shared_ptr<RateLimitStore> store;        ///< null: a new LocalRateLimitStore
  std::shared_ptr<const RateLimitClock> clock;  ///< null: steady_rate_limit_clock()
  /// As RateLimitConfig::shared_store and store_failure.
  std::shared_ptr<SharedRateLimitStore> shared_store;
  RateLimitStoreFailure store_failure = RateLimitStoreFailure::Allow;
};

/// Validates `config` and makes Ocelot's limiter (phase Limits). Counters are per route and client
/// id (not per request path, as classic Ocelot does: path variants of one route share them).
Result<FilterPtr> make_ocelot_rate_limit(OcelotRateLimitConfig config);

}  // namespace portico::filters
