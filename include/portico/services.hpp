#pragma once
/// The exchange's services: what a filter may use to wait and to do I/O without blocking its event
/// loop: a one-shot timer, a non-blocking HTTP/1.1 client on the engine's pooled upstream client,
/// a non-blocking Redis client, and the host's worker executor. Reached through Exchange::services().

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
#include "portico/executor.hpp"
#include "portico/http.hpp"
#include "portico/upstream.hpp"

namespace portico {

namespace detail {
/// A pending timer as its owner sees it (implemented by the engine and the test harness).
class TimerControl {
 public:
  virtual ~TimerControl() = default;
  virtual void cancel() noexcept = 0;
};
}  // namespace detail

/// Cancels a timer made by Services::timer(). Cancelling an empty handle, a timer that already
/// fired or one whose loop stopped does nothing. Use it on the loop thread that made the timer.
class TimerHandle {
 public:
  TimerHandle() = default;
  /// Made by a Services implementation; a filter gets its handles from Services::timer().
  explicit TimerHandle(std::weak_ptr<detail::TimerControl> control) : control_(std::move(control)), armed_(true) {}
  /// The callback will not run (if it has not run yet).
  void cancel() const noexcept {
    if (auto c = control_.lock()) c->cancel();
  }
  /// False for a handle that never had a timer (Services::on_loop() is false).
  explicit operator bool() const noexcept { return armed_; }

 private:
  std::weak_ptr<detail::TimerControl> control_;
  bool armed_ = false;
};

/// One request of the loop HTTP client. `url` is absolute: `http://` or `https://`, a host name,
/// an IPv4 address or a bracketed IPv6 one, an optional port, then the path and query.
struct ClientRequest {
  std::string url;
  std::string method = "GET";
  /// Sent as given, except framing: Content-Length, Transfer-Encoding and hop-by-hop fields are
  /// the client's. Host is added from the URL when absent.
  Headers headers;
  std::string body;
  /// Total deadline: connect, TLS handshake, send and the whole response (Errc::UpstreamTimeout).
  std::chrono::milliseconds timeout{10000};
  /// The response body may be at most this long (Errc::UpstreamProtocol when it is longer).
  std::size_t max_response_bytes = 1 << 20;
  /// For https: verification is on by default (system store, or `ca_file`); client certificate
  /// for mTLS; `server_name` for SNI and verification (default: the URL's host).
  UpstreamTls tls;
};

/// Called once with the whole response or the failure (UpstreamTimeout, ConnectFailed,
/// UpstreamProtocol, UpstreamReset, InvalidArgument for a bad URL or header).
using ClientCallback = std::function<void(Result<Response>)>;

/// A Redis server: `redis://[[username]:password@]host[:port][/db]` (port 6379, db 0 by default;
/// the password and username percent-decoded). The host is an IPv4 address, a bracketed IPv6
/// address or a name (resolved without blocking each time the loop connects).
struct RedisEndpoint {
  std::string host;  ///< without brackets
  std::uint16_t port = 6379;
  int db = 0;
  std::string username;
  std::string password;
  /// The URL without its password, for messages and logs.
  std::string display;
  /// Names the connection: endpoints with equal ids share one connection per loop.
  std::string id;

  /// Errc::InvalidConfig for a malformed URL; Errc::Unsupported for `rediss://` (this build has
  /// no TLS for Redis).
  static Result<RedisEndpoint> parse(std::string_view url);
};

/// A Redis reply (RESP2): a nil, an integer, a bulk string, a status ("OK"), an error ("NOSCRIPT
/// …", the reply of a command Redis refused) or an array of replies.
struct RedisReply {
  enum class Type : std::uint8_t { Nil, Integer, String, Status, Error, Array };
  Type type = Type::Nil;
  std::int64_t integer = 0;
  std::string text;  ///< String, Status, Error
  std::vector<RedisReply> elements;  ///< Array
};

/// Called once with Redis's reply (an Error reply included), or the failure: UpstreamTimeout (no
/// reply within the timeout), ConnectFailed (no connection to the server now: it is being
/// re-established with backoff), Overloaded (too many commands in flight on the connection),
/// Unsupported (no loop).
using RedisCallback = std::function<void(Result<RedisReply>)>;

/// The services of the loop an exchange runs on. Owned by the loop, which outlives its
/// exchanges: a timer or fetch callback may run after the exchange that started it is over, so a
/// callback captures a Deferred (or a weak_ptr), never the Exchange&. Callbacks run on the loop
/// thread; exceptions they throw are logged and dropped. When the loop stops, pending callbacks
/// are destroyed without being called (a captured Deferred then finds its exchange gone).
class Services {
 public:
  virtual ~Services() = default;
  /// True when timer() and fetch() work. False for exchanges of Gateway::handle(): there fetch()
  /// answers Errc::Unsupported and timer() returns an empty handle and never calls `fn`.
  virtual bool on_loop() const noexcept = 0;
  /// Calls `fn` once after `delay`, on the loop thread, unless cancelled first.
  virtual TimerHandle timer(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  /// Sends `request` without blocking the loop; `done` is called exactly once, on the loop thread
  /// and never before fetch() returns (when on_loop() is false: at once, with Unsupported).
  /// Connections are pooled per loop (keep-alive), like upstream endpoints'. Callable from the
  /// exchange's filter hooks and from services callbacks.
  virtual void fetch(ClientRequest request, ClientCallback done) = 0;
  /// The host's worker executor for blocking work (Gateway::set_worker_executor); empty if none.
  virtual Executor worker() const = 0;
  /// Sends one command (`args`: the command and its arguments, binary-safe, copied before this
  /// returns) to `endpoint` without blocking the loop, on the loop's one connection to it (made
  /// on first use, pipelined: commands of one loop iteration go out in one write, replies come
  /// in order; lost connections are re-made with backoff). `done` is called exactly once, on the
  /// loop thread and never before redis() returns; after `timeout` without a reply it is called
  /// with UpstreamTimeout (a late reply is dropped). Loop thread only. The default (exchanges off
  /// a loop, test services) answers Unsupported.
  virtual void redis(const RedisEndpoint& endpoint, std::span<const std::string_view> args,
                     std::chrono::milliseconds timeout, RedisCallback done);
};

}  // namespace portico
