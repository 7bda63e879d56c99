#pragma once
// Internal: one loop's connection to one Redis server (Services::redis), hiredis's async API
// driven by the loop's reactor.
//
// Threads: everything here runs on the loop thread; nothing is shared with other loops (each loop
// has its own connection, so commands of one loop are pipelined on it and never lock).
//
// I/O: hiredis asks for read and write interest through its ev hooks. Reading: one wait for
// readability stays armed while the context lives; when it fires, hiredis reads, and reads again
// while the socket still has bytes (Asio's epoll is edge-triggered: a wait armed after the edge
// would miss data already there). Writing: once connected, commands issued during one loop
// iteration are flushed together by one posted write (pipelining); only a partial write waits for
// writability. Before the connection is up, the connect is awaited as writability.
//
// Failures: a command gets no reply within its timeout → UpstreamTimeout (its late reply is
// dropped); no connection → ConnectFailed at once; more than kMaxInFlight commands waiting on the
// connection → Overloaded at once. A connection that goes silent (its oldest command unanswered
// for a second past its timeout), fails to connect within the connect timeout, or is closed by
// the server is dropped; every command still on it is answered ConnectFailed (unless it timed
// out already), and a new connection is made after a backoff (100 ms doubling to 5 s, back to
// 100 ms once one works). AUTH and SELECT go first on each new connection.

#include <chrono>
#include <list>
#include <memory>
#include <span>
#include <string_view>

#include "net/asio.hpp"
#include "portico/services.hpp"

namespace portico::net {

class Loop;
struct RedisHooks;

class RedisClient : public std::enable_shared_from_this<RedisClient> {
 public:
  RedisClient(Loop& loop, RedisEndpoint endpoint);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  const RedisEndpoint& endpoint() const noexcept { return endpoint_; }
  /// Makes the first connection (after construction: callbacks hold weak_ptrs to this). Loop thread.
  void start();
  /// Sends one command (see Services::redis). Loop thread.
  void command(std::span<const std::string_view> args, std::chrono::milliseconds timeout, RedisCallback done);
  /// The loop stopped: callbacks are dropped uncalled and the connection is closed. Loop thread.
  void shutdown() noexcept;

  static constexpr std::size_t kMaxInFlight = 65536;
  struct Attempt;  // one hiredis context (one TCP connection)

 private:
  friend struct RedisHooks;
  void connect(const std::string& address);
  void on_connected(bool ok, const char* error);
  void on_lost(const std::string& why);  // the attempt is gone (closed, failed): schedule the next
  void arm_deadlines();
  void check_deadlines();
  void answer(RedisCallback& done, Result<RedisReply> result) noexcept;

  Loop& loop_;
  RedisEndpoint endpoint_;
  std::shared_ptr<Attempt> attempt_;  // null between attempts (backoff)
  asio::steady_timer deadline_timer_;
  asio::steady_timer backoff_timer_;
  std::chrono::steady_clock::time_point armed_for_{};  // deadline_timer_'s expiry (when armed)
  bool deadline_armed_ = false;
  bool stopped_ = false;
  bool logged_down_ = false;  // "unreachable" is logged once per outage
  std::chrono::milliseconds backoff_{100};
};

}  // namespace portico::net
