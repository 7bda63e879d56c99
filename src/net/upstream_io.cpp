#include "net/upstream_io.hpp"

#include <algorithm>
#include <array>

#include "net/connect.hpp"
#include "net/engine.hpp"
#include "net/tls.hpp"

namespace portico::net {

using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kPiece = 65536;

/// Connects to the target within `timeout` (resolving a host name first), then does the TLS handshake.
awaitable<Result<std::unique_ptr<UpstreamConn>>> connect(Loop& loop, const UpstreamTarget& t,
                                                         std::chrono::milliseconds timeout) {
  const Endpoint& ep = t.endpoint;
  auto& io = loop.io();
  const auto deadline = Clock::now() + timeout;
  auto connected = co_await connect_tcp(io, ep, deadline);
  if (!connected) co_return std::move(connected).error();
  tcp::socket socket = std::move(*connected);

  if (ep.scheme != "https") co_return std::make_unique<UpstreamConn>(Stream(std::move(socket)));

  auto ctx = loop.gateway().client_tls(t.pool_key, t.tls);
  if (!ctx) co_return make_error(Errc::ConnectFailed, "upstream TLS set-up failed: " + ctx.error().message);
  auto conn = std::make_unique<UpstreamConn>(Stream(std::move(socket), **ctx));
  if (auto r = prepare_client_ssl(conn->stream.tls()->native_handle(), t.tls, ep.host); !r)
    co_return std::move(r).error();
  Watchdog& wd = conn->watchdog;
  wd.arm_at(deadline);
  auto [ec] = co_await conn->stream.tls()->async_handshake(asio::ssl::stream_base::client, use_nothrow);
  wd.disarm();
  if (ec) {
    if (wd.fired()) co_return make_error(Errc::UpstreamTimeout, "TLS handshake with " + ep.authority() + " timed out");
    std::string why = ec.message();
    long verify = SSL_get_verify_result(conn->stream.tls()->native_handle());
    if (verify != X509_V_OK) why += std::string(" (certificate: ") + X509_verify_cert_error_string(verify) + ")";
    co_return make_error(Errc::ConnectFailed, "TLS handshake with " + ep.authority() + " failed: " + why);
  }
  co_return conn;
}

/// Waits until `slots` wakes this request (a connection to the endpoint came free or returned to
/// the pool) or `deadline` passes. The caller then tries the pool and the limit again.
awaitable<void> wait_for_slot(Loop& loop, std::shared_ptr<EndpointSlots> slots, Clock::time_point deadline) {
  asio::steady_timer timer(loop.io());
  timer.expires_at(deadline);
  slots->waiters.push_back(&timer);
  struct Unlist {  // a timed-out (or destroyed) waiter leaves the list itself
    EndpointSlots& s;
    asio::steady_timer* t;
    ~Unlist() {
      auto it = std::find(s.waiters.begin(), s.waiters.end(), t);
      if (it != s.waiters.end()) s.waiters.erase(it);
    }
  } unlist{*slots, &timer};
  co_await timer.async_wait(use_nothrow);
}

}  // namespace

detail::HeadLimits upstream_head_limits(const ServerOptions& options) noexcept {
  return detail::HeadLimits{8192, options.max_upstream_header_bytes, 1000, EncodedSlashes::Keep};
}

awaitable<Result<std::unique_ptr<UpstreamConn>>> acquire_connection(Loop& loop, const UpstreamTarget& t,
                                                                    bool pooled_ok, Clock::time_point deadline) {
  // A pooled connection, else a place under the endpoint's connection limit; at the limit, wait
  // (bounded by the connect timeout) for one to come free, then 503.
  std::unique_ptr<UpstreamConn> c;
  SlotLease slot;
  std::optional<Clock::time_point> wait_deadline;  // set on the first wait only (no clock read per request)
  for (;;) {
    if (pooled_ok && (c = loop.pool().take(t.pool_key, t.pool))) co_return c;
    if (auto reserved = loop.pool().reserve(t.pool_key, t.pool)) {
      slot = std::move(*reserved);
      break;
    }
    const auto now = Clock::now();
    if (!wait_deadline) wait_deadline = std::min(deadline, now + t.connect_timeout);
    if (now >= *wait_deadline)
      co_return make_error(Errc::Overloaded, "upstream connection limit (" +
                                                 std::to_string(t.pool.max_connections.value_or(0)) +
                                                 " per loop) reached for " + t.endpoint.authority());
    co_await wait_for_slot(loop, loop.pool().slots(t.pool_key), *wait_deadline);
  }
  auto connect_timeout =
      std::min(t.connect_timeout, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  if (connect_timeout.count() <= 0) co_return make_error(Errc::UpstreamTimeout, "no time left to connect");
  auto made = co_await connect(loop, t, connect_timeout);
  if (!made) co_return std::move(made).error();
  c = std::move(*made);
  c->slot = std::move(slot);
  co_return c;
}

awaitable<std::optional<Error>> send_request(UpstreamConn& c, std::string_view head, std::string_view body,
                                             const Endpoint& ep) {
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body)};
  auto [ec, n] = co_await c.stream.write_all(bufs);
  if (!ec) co_return std::nullopt;
  if (c.watchdog.fired()) co_return make_error(Errc::UpstreamTimeout, "timed out sending the request to " + ep.authority());
  co_return make_error(Errc::UpstreamReset, "sending to " + ep.authority() + " failed: " + ec.message());
}

awaitable<HeadRead> read_response_head(UpstreamConn& c, std::string_view method, const detail::HeadLimits& limits,
                                       const Endpoint& ep, bool retry_ok) {
  HeadRead out;
  auto failed = [&](Errc code, std::string message) {
    c.stream.close();
    out.kind = HeadRead::Kind::Failed;
    out.error = make_error(code, std::move(message));
    return std::move(out);
  };
  bool got_any = false;
  for (;;) {
    std::size_t scanned = 0;
    detail::HeadScan scan;
    for (;;) {
      scan = detail::scan_head(c.buffer, scanned, limits, true);
      if (scan.state != detail::HeadScan::State::Incomplete) break;
      // An answer cannot be here yet: let the reactor wait, then read once (no speculative
      // read that would return EAGAIN).
      if (!c.rbuf) c.rbuf = std::make_unique_for_overwrite<char[]>(UpstreamConn::kReadBytes);
      auto [ec, n] = co_await c.stream.read_some(asio::buffer(c.rbuf.get(), UpstreamConn::kReadBytes));
      c.buffer.append(c.rbuf.get(), n);
      if (n > 0) got_any = true;
      if (ec && n == 0) {
        if (c.watchdog.fired()) co_return failed(Errc::UpstreamTimeout, ep.authority() + " did not answer in time");
        if (!got_any && c.reused && retry_ok) {
          c.stream.close();
          out.kind = HeadRead::Kind::Stale;
          co_return out;
        }
        co_return failed(Errc::UpstreamReset,
                         ep.authority() + " closed the connection before a response: " + ec.message());
      }
    }
    if (scan.state == detail::HeadScan::State::Error)
      co_return failed(Errc::UpstreamProtocol,
                       ep.authority() + " sent an invalid response head: " + std::string(scan.error.reason));
    out.head = detail::ResponseHead{};
    auto err = detail::parse_response_head(std::string_view(c.buffer).substr(0, scan.head_length), method, limits,
                                           out.head);
    c.buffer.erase(0, scan.head_length);
    if (err) co_return failed(Errc::UpstreamProtocol, ep.authority() + " sent an invalid response: " + std::string(err.reason));
    const int status = out.head.response.status;
    if (status == 101) co_return failed(Errc::UpstreamProtocol, ep.authority() + " switched protocols unasked");
    if (status >= 100 && status < 200) continue;  // 100 Continue, 103 Early Hints: not forwarded
    out.kind = HeadRead::Kind::Ok;
    co_return out;
  }
}

awaitable<Result<std::string>> read_whole_response_body(UpstreamConn& c, BodyReader& reader, std::uint64_t max,
                                                        std::chrono::milliseconds inactivity,
                                                        Clock::time_point deadline) {
  std::string body;
  for (;;) {
    Clock::duration wait = inactivity;
    if (deadline != Clock::time_point::max()) wait = std::min(wait, deadline - Clock::now());
    auto step = co_await reader.read(c.stream, c.buffer, body, kPiece, c.watchdog, wait);
    if (body.size() > max) {
      c.stream.close();
      co_return make_error(Errc::UpstreamProtocol, "response body over the limit of " + std::to_string(max) + " bytes");
    }
    if (step == BodyStep::Data) continue;
    if (step == BodyStep::Done) co_return body;
    c.stream.close();
    co_return make_error(step == BodyStep::TimedOut ? Errc::UpstreamTimeout : Errc::UpstreamReset,
                         "the upstream response body broke off");
  }
}

}  // namespace portico::net
