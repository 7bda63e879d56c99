#pragma once
// Internal: one accepted client connection and the exchange (request) it is serving.

#include <array>
#include <memory>
#include <string>

#include "core/pipeline.hpp"
#include "http/codec.hpp"
#include "net/body_reader.hpp"
#include "net/engine.hpp"
#include "net/stream.hpp"
#include "net/upstream_pool.hpp"
#include "net/watchdog.hpp"

namespace portico::net {

class NetExchange;

/// The state of one client connection. Lives in serve_connection's coroutine frame; everything
/// here runs on its loop's thread.
class ClientConnection {
 public:
  enum class State { Idle, Head, Busy };

  ClientConnection(Loop& loop, Stream stream);
  ~ClientConnection();

  Loop& loop;
  Stream stream;
  Watchdog watchdog;
  asio::steady_timer signal;  // never expires; cancelled when the current exchange is delivered
  std::string buffer;  // received, not yet consumed bytes
  std::array<char, 1024> inbuf;  // where the first read of each request lands (most heads fit)
  State state = State::Idle;
  std::string remote_address;
  std::uint16_t remote_port = 0;
  bool parked = false;  // the socket went to Loop::park(); the connection count went with it

  // The current request's body, as the client frames it.
  BodyReader body;
  std::string body_prefix;  // decoded bytes read before the upstream request started (chunked, streamed after)
  bool expect_continue = false;
  bool continue_sent = false;
  int request_version = 11;

  /// Sends "100 Continue" once, if the client asked and the body is not already here.
  awaitable<bool> send_continue_if_needed();
  /// Reads the request body into `out` until it ends or `out` holds at least `stop_at` bytes
  /// (413 over `max` bytes). Returns 0, the status to answer with (400, 408, 413; `why` says
  /// what broke), after which the connection must close, or -1 when the client went away.
  awaitable<int> read_body(std::string& out, std::size_t stop_at, std::uint64_t max, std::string_view& why);
};

/// Records a request the edge refused: counts it (Gateway::requests_rejected) and logs one line
/// at ServerOptions::rejected_log_level, rate-limited by rejected_log_per_second. Loop thread.
void note_rejection(Loop& loop, const ClientConnection& conn, std::string_view request_id, int status,
                    std::string_view why);

/// One request on the socket engine: the Pipeline plus the upstream connection whose response
/// body is streamed to the client after the head was delivered.
class NetExchange final : public detail::Pipeline {
 public:
  NetExchange(std::shared_ptr<const detail::Snapshot> snapshot, std::shared_ptr<detail::GatewayShared> shared,
              ClientConnection& conn);
  ~NetExchange() override;

  ClientConnection& conn;
  bool delivered = false;
  Response response;

  // Upstream state kept for streaming the response body after delivery.
  std::unique_ptr<UpstreamConn> upstream;
  std::string upstream_pool_key;
  PoolOptions upstream_pool_options;
  BodyReader upstream_body;        // the response body still on the upstream connection
  bool upstream_keep_alive = false;
  bool upstream_body_buffered = false;  // response.body is the whole body to write (buffered, or a replacement)
  bool response_length_unknown = false;  // a HEAD answered through a transform: no Content-Length
  std::string upstream_body_prefix;     // read for a buffering filter before the body went over its limit; sent first
  std::chrono::milliseconds upstream_timeout{30000};
  // For completion observers: what write_response saw.
  bool client_aborted = false;
  bool body_broke = false;
  bool request_was_head = false;
  bool client_body_failed = false;  // the client's body broke while streaming upstream: close after

 protected:
  void send_upstream(const Endpoint& endpoint, const detail::UpstreamRuntime& upstream, Request request,
                     std::chrono::milliseconds timeout) override;
  void deliver(Response response) override;
  void post(std::function<void()> fn) override;
  bool request_body_streams() const override;

 private:
  awaitable<void> attempt(Endpoint endpoint, const detail::UpstreamRuntime* upstream, Request request,
                          std::chrono::milliseconds timeout);
  /// Adds the framing fields for the body (buffered, or the client's still streaming); true when
  /// it streams. Removes Expect (the gateway answers it itself).
  bool frame_upstream_request(Request& request);
  /// After the response head, when a filter wants the body whole (`limit`: the largest limit asked,
  /// from decide_response_body) or transformed: reads it within the limit and hands it over.
  awaitable<void> take_response_body(Response& head, std::size_t limit);
};

}  // namespace portico::net
