#pragma once
// Test support: raw sockets on 127.0.0.1 for clients and scriptable upstreams, and a gateway
// runner. Everything polls with deadlines; nothing sleeps to wait.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "portico/gateway.hpp"

namespace portico::testing {

using namespace std::chrono_literals;

/// A connected TCP client socket (blocking, with per-call deadlines).
class RawClient {
 public:
  explicit RawClient(std::uint16_t port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  /// Reads whatever arrives until the peer closes or `timeout` passes.
  std::string read_until_close(std::chrono::milliseconds timeout = 5000ms);
  /// Reads one complete HTTP response (head + Content-Length or chunked body) or until close.
  /// `head_request`: the response answers a HEAD, so it has no body whatever its framing says.
  std::string read_response(std::chrono::milliseconds timeout = 5000ms, bool head_request = false);
  /// True if the peer closed the connection (EOF) within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout = 5000ms);
  void shutdown_write();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string pending_;
};

/// The status code of the first response in `raw`, or 0.
int status_of(std::string_view raw);
/// The value of header `name` in the first response's head, or "".
std::string header_of(std::string_view raw, std::string_view name);
/// The body of the first response (after the blank line, dechunked if chunked).
std::string body_of(std::string_view raw);
/// How many responses (status lines "HTTP/1.x NNN") are in `raw`.
int count_responses(std::string_view raw);

/// What a scripted upstream received: one request's raw bytes, split into head and body.
struct Received {
  std::string head;  // request line + fields + CRLF CRLF
  std::string body;  // raw body bytes as framed on the wire (chunked stays chunked)
  std::string raw() const { return head + body; }
  /// Value of a header in the head ("" if absent), case-insensitive name.
  std::string header(std::string_view name) const;
  /// The request line ("GET /x HTTP/1.1").
  std::string request_line() const;
};

/// A raw-socket upstream: reads requests (head + CL or chunked body), records them, and writes
/// whatever `respond` returns. Keep-alive unless the reply function asks to close.
class ScriptedUpstream {
 public:
  struct Reply {
    std::string bytes;         // written as is
    bool close = false;        // close after writing
    std::chrono::milliseconds delay{0};  // before writing (to test timeouts)
  };
  using Respond = std::function<Reply(const Received&)>;

  explicit ScriptedUpstream(Respond respond);
  ~ScriptedUpstream();
  std::uint16_t port() const { return port_; }
  std::vector<Received> received() const;
  std::size_t connections() const { return connections_.load(); }
  /// Connections the gateway closed (EOF seen while waiting for a request).
  std::size_t closed() const { return closed_.load(); }
  /// Waits (polling) until at least `n` connections were closed by the gateway.
  bool wait_for_closed(std::size_t n, std::chrono::milliseconds timeout = 5000ms) const;
  /// Waits (polling) until at least `n` requests were recorded.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout = 5000ms) const;

  /// A plain 200 reply with a body.
  static Reply ok(std::string body, std::string extra_headers = {});

 private:
  void serve(int fd);
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  Respond respond_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> closed_{0};
  mutable std::mutex mu_;
  std::vector<Received> received_;
  std::vector<int> conn_fds_;
  std::thread accept_thread_;
  std::vector<std::thread> conn_threads_;
};

/// Runs a gateway with `loops` event loops on background threads; stops it on destruction.
class GatewayRunner {
 public:
  explicit GatewayRunner(Config config, std::size_t loops = 1, ListenOptions listen = {"127.0.0.1", 0, {}});
  ~GatewayRunner();
  Gateway& gateway() { return gateway_; }
  std::uint16_t port() const { return port_; }
  void stop();

 private:
  Gateway gateway_;
  std::uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

/// A config with one upstream ("svc" at 127.0.0.1:`port`) and one catch-all route ("all") to it.
Config catch_all_config(std::uint16_t port, ServerOptions options = {});
/// The same route ("all", every path) carrying `filters`.
Config route_with(std::uint16_t port, std::vector<FilterPtr> filters);

/// Decodes a chunked body incrementally; feed() returns false on a framing error, or when on_data
/// returns false.
class Dechunker {
 public:
  std::function<bool(std::string_view)> on_data;
  bool done = false;
  bool feed(std::string_view in) {
    buf_.append(in);
    for (;;) {
      if (size_left_ > 0) {
        auto n = std::min<std::size_t>(size_left_, buf_.size() - pos_);
        if (n == 0) break;
        if (!on_data(std::string_view(buf_).substr(pos_, n))) return false;
        pos_ += n;
        size_left_ -= n;
        if (size_left_ == 0) need_crlf_ = true;
        continue;
      }
      auto eol = buf_.find("\r\n", pos_);
      if (eol == std::string::npos) break;
      if (need_crlf_) {
        if (eol != pos_) return false;
        need_crlf_ = false;
        pos_ += 2;
        continue;
      }
      if (done) break;
      size_left_ = std::stoull(buf_.substr(pos_, eol - pos_), nullptr, 16);
      pos_ = eol + 2;
      if (size_left_ == 0) {
        done = true;
        break;
      }
    }
    buf_.erase(0, pos_);
    pos_ = 0;
    return true;
  }

 private:
  std::string buf_;
  std::size_t pos_ = 0;
  std::uint64_t size_left_ = 0;
  bool need_crlf_ = false;
};

/// A free TCP port on 127.0.0.1 with nothing listening (bound, then closed).
std::uint16_t unused_port();

/// Peak resident memory of this process since the last reset_peak_rss(), in KiB (-1 if unknown).
long peak_rss_kib();
/// Resets the peak resident memory mark (Linux: /proc/self/clear_refs).
void reset_peak_rss();

}  // namespace portico::testing
