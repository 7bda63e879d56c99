#pragma once
// Internal: one loop's keep-alive connections to upstream endpoints, keyed by endpoint and TLS
// settings. Owned and used by a single loop thread: no locks.

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/asio.hpp"
#include "net/stream.hpp"
#include "net/watchdog.hpp"
#include "portico/upstream.hpp"

namespace portico::net {

/// A connection to one upstream endpoint, with bytes read past the last response.
struct UpstreamConn {
  explicit UpstreamConn(Stream s) : stream(std::move(s)), watchdog(stream.socket().get_executor(), &stream) {}
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
  /// Returns a connection after a clean exchange; closes it if the pool is full or it is worn out.
  void put(const std::string& key, std::unique_ptr<UpstreamConn> conn, const PoolOptions& options);
  /// Closes connections idle for longer than their pool's idle timeout.
  void sweep(std::chrono::steady_clock::time_point now);
  /// Closes everything (loop shutdown).
  void clear();
  std::size_t idle_count() const noexcept;

 private:
  struct Entry {
    std::vector<std::unique_ptr<UpstreamConn>> idle;  // most recently used last (LIFO keeps few warm)
    std::chrono::milliseconds idle_timeout{60000};
  };
  /// Plain TCP: a one-byte read stays pending while pooled; if it completes, the upstream closed
  /// (or sent stray bytes) and the connection is dropped. Unlike async_wait, a read registers
  /// without an epoll_ctl, and taking the connection back costs no system call either.
  void watch(Entry& entry, UpstreamConn& conn);
  static void unwatch(UpstreamConn& conn);
  std::unordered_map<std::string, Entry> pools_;
};

}  // namespace portico::net
