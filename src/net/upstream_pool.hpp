#pragma once
// Internal: one loop's keep-alive connections to upstream endpoints, keyed by endpoint and TLS
// settings. Owned and used by a single loop thread: no locks.

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/asio.hpp"
#include "net/stream.hpp"
#include "net/watchdog.hpp"
#include "portico/upstream.hpp"

namespace portico::net {

/// One loop's open-connection count for one endpoint (idle, busy and being connected), and the
/// requests waiting for a connection to come free when the endpoint is at its limit.
struct EndpointSlots {
  std::size_t open = 0;
  std::deque<asio::steady_timer*> waiters;  // oldest first; a waiter's timer is cancelled to wake it
  /// Wakes the oldest waiter, if any (it then retries the pool and the limit).
  void wake_one() noexcept;
};

/// A counted place in an endpoint's connection limit, held from before the connect to the
/// connection's destruction; giving it back wakes one waiter.
class SlotLease {
 public:
  SlotLease() = default;
  explicit SlotLease(std::shared_ptr<EndpointSlots> slots) noexcept : slots_(std::move(slots)) { ++slots_->open; }
  SlotLease(SlotLease&& o) noexcept = default;
  SlotLease& operator=(SlotLease&& o) noexcept {
    if (this != &o) {
      release();
      slots_ = std::move(o.slots_);
    }
    return *this;
  }
  SlotLease(const SlotLease&) = delete;
  SlotLease& operator=(const SlotLease&) = delete;
  ~SlotLease() { release(); }

 private:
  void release() noexcept {
    if (!slots_) return;
    --slots_->open;
    slots_->wake_one();
    slots_.reset();
  }
  std::shared_ptr<EndpointSlots> slots_;
};

/// A connection to one upstream endpoint, with bytes read past the last response.
struct UpstreamConn {
  explicit UpstreamConn(Stream s) : stream(std::move(s)), watchdog(stream.socket().get_executor(), &stream) {}
  SlotLease slot;               // first member: given back after the stream is closed
  Stream stream;
  Watchdog watchdog;            // one per connection, re-armed per attempt (no timer per request)
  std::string buffer;           // unread bytes (belong to the next response; must be empty to pool)
  std::unique_ptr<char[]> rbuf; // read area for response heads (lazily made; one read per readiness)
  static constexpr std::size_t kReadBytes = 16384;
  std::size_t requests = 0;     // requests sent on this connection
  std::chrono::steady_clock::time_point idle_since{};
  bool reused = false;          // taken from the pool (a failure before any byte may be retried)
  bool watched = false;         // pooled with a one-byte read pending (plain TCP)
  char watch_byte = 0;
};

class UpstreamPool {
 public:
  /// An idle connection for `key` that still looks alive, or nullptr.
  std::unique_ptr<UpstreamConn> take(const std::string& key, const PoolOptions& options);
  /// Returns a connection after a clean exchange; closes it if the pool is full or it is worn out
  /// (max_requests_per_connection). Wakes a request waiting for the endpoint's connection limit.
  void put(const std::string& key, std::unique_ptr<UpstreamConn> conn, const PoolOptions& options);
  /// A place for a new connection to `key`, or nullopt when max_connections are open and none of
  /// them is idle (then wait on slots(key) and try again). At the limit, an idle one is closed to
  /// make room.
  std::optional<SlotLease> reserve(const std::string& key, const PoolOptions& options);
  /// The counter and wait list of `key` (made on first use; shared with the connections it counts).
  std::shared_ptr<EndpointSlots> slots(const std::string& key);
  /// Closes connections idle for longer than their pool's idle timeout.
  void sweep(std::chrono::steady_clock::time_point now);
  /// Closes everything (loop shutdown).
  void clear();
  std::size_t idle_count() const noexcept;

 private:
  struct Entry {
    std::vector<std::unique_ptr<UpstreamConn>> idle;  // most recently used last (LIFO keeps few warm)
    std::chrono::milliseconds idle_timeout{60000};
    std::shared_ptr<EndpointSlots> slots = std::make_shared<EndpointSlots>();
  };
  /// Plain TCP: a one-byte read stays pending while pooled; if it completes, the upstream closed
  /// (or sent stray bytes) and the connection is dropped. Unlike async_wait, a read registers
  /// without an epoll_ctl, and taking the connection back costs no system call either.
  void watch(Entry& entry, UpstreamConn& conn);
  static void unwatch(UpstreamConn& conn);
  std::unordered_map<std::string, Entry> pools_;
};

}  // namespace portico::net
