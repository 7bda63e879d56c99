#include "net/connection.hpp"

#include <array>

#include "core/error_render.hpp"
#include "core/forwarding.hpp"
#include "http/text.hpp"
#include "net/head_limits.hpp"

namespace portico::net {

using detail::BodyKind;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kReadChunk = 65536;
constexpr std::size_t kKeepBufferBytes = 1024;  // a waiting connection keeps at most this much buffer

constexpr std::size_t kStreamPiece = 65536;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

/// A complete response for protocol errors the edge answers itself (framing in doubt: always
/// Connection: close), carrying the request id in its problem body.
/// The Errc an edge status stands for, for the host's error renderer.
Errc edge_code(int status) noexcept {
  switch (status) {
    case 408: return Errc::RequestTimeout;
    case 413: return Errc::BodyTooLarge;
    case 502: return Errc::UpstreamProtocol;
    default: return Errc::BadRequest;
  }
}

/// A gateway-made error response written by the connection itself (framing in doubt: always
/// Connection: close), through the host's error renderer when the config has one.
std::string error_bytes(const detail::Snapshot& snap, int status, std::string_view reason_text,
                        std::string_view request_id, std::string_view route_id = {}) {
  const ErrorInfo info{status, edge_code(status), reason_text, request_id, route_id};
  Response r = detail::render_error(nullptr, snap.error_renderer, info);
  for (int attempt = 0; attempt < 2; ++attempt) {
    r.headers.remove("Content-Length");
    r.headers.remove("Transfer-Encoding");
    r.headers.remove("Connection");
    r.headers.add("Content-Length", std::to_string(r.body.size()));
    r.headers.add("Connection", "close");
    std::string out;
    if (detail::serialize_response_head(status, {}, r.headers, out)) {
      out += r.body;
      return out;
    }
    r = render_problem(info);  // the renderer made a header that cannot be sent
  }
  return {};
}

}  // namespace

ClientConnection::ClientConnection(Loop& l, Stream s)
    : loop(l), stream(std::move(s)), watchdog(l.io().get_executor(), &stream), signal(l.io()) {
  signal.expires_at(Clock::time_point::max());
  std::error_code ec;
  auto ep = stream.socket().remote_endpoint(ec);
  if (!ec) {
    auto addr = ep.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
      remote_address = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6()).to_string();
    else
      remote_address = addr.to_string();
    remote_port = ep.port();
  }
  loop.add(this);
}

ClientConnection::~ClientConnection() { loop.remove(this, !parked); }

awaitable<bool> ClientConnection::send_continue_if_needed() {
  if (!expect_continue || continue_sent || body.done()) co_return true;
  continue_sent = true;
  if (body.kind() == BodyKind::ContentLength && buffer.size() >= body.remaining()) co_return true;
  auto [ec, n] = co_await stream.write_all(asio::buffer(kContinue.data(), kContinue.size()));
  co_return !ec;
}

awaitable<int> ClientConnection::read_body(std::string& out, std::size_t stop_at, std::uint64_t max,
                                           std::string_view& why) {
  const auto& opts = loop.snapshot()->options;
  if (!co_await send_continue_if_needed()) co_return -1;
  while (!body.done() && out.size() < stop_at) {
    auto step = co_await body.read(stream, buffer, out, kStreamPiece, watchdog, opts.request_body_timeout);
    if (out.size() > max) {
      why = max < opts.max_body_bytes ? "request body over a filter's body limit" : "request body over max_body_bytes";
      co_return 413;
    }
    switch (step) {
      case BodyStep::Data: continue;
      case BodyStep::Done: co_return 0;
      case BodyStep::TimedOut: why = "the request body stopped arriving"; co_return 408;
      case BodyStep::Invalid: why = body.error_reason(); co_return 400;
      case BodyStep::Closed: co_return -1;  // nobody to answer
    }
  }
  co_return 0;
}

void note_rejection(Loop& loop, const ClientConnection& conn, std::string_view request_id, int status,
                    std::string_view why) {
  auto& gw = loop.gateway();
  gw.shared->requests_rejected.fetch_add(1, std::memory_order_relaxed);
  const auto& opts = loop.snapshot()->options;
  std::uint64_t suppressed = 0;
  if (!gw.reject_log.admit(Clock::now(), opts.rejected_log_per_second, suppressed)) return;
  std::string line = "rejected request ";
  line += request_id;
  line += " from ";
  line += conn.remote_address;
  line += ':';
  line += std::to_string(conn.remote_port);
  line += ": ";
  line += std::to_string(status);
  line += ' ';
  line += why.empty() ? reason_phrase(status) : why;
  if (suppressed > 0) line += " (" + std::to_string(suppressed) + " rejection lines suppressed before this one)";
  gw.shared->log(opts.rejected_log_level, line);
}

NetExchange::NetExchange(std::shared_ptr<const detail::Snapshot> snapshot,
                         std::shared_ptr<detail::GatewayShared> shared, ClientConnection& c)
    : Pipeline(std::move(snapshot), std::move(shared)), conn(c) {
  set_services(&c.loop.services());
}

NetExchange::~NetExchange() {
  if (upstream) upstream->stream.close();
}

void NetExchange::deliver(Response r) {
  response = std::move(r);
  // A filter or the gateway replaced a streamed upstream response: its body is what is written.
  if (upstream && !streams_upstream_body()) upstream_body_buffered = true;
  delivered = true;
  conn.signal.cancel();
}

void NetExchange::post(std::function<void()> fn) { asio::post(conn.loop.io(), std::move(fn)); }

namespace {

/// How write_response frames the body it sends.
enum class OutFraming {
  Whole,        // response.body, with its Content-Length (or none: HEAD, 204, 304)
  Length,       // streamed with the upstream's Content-Length
  Chunked,      // streamed, re-chunked (HTTP/1.1 clients)
  UntilClose,   // streamed, delimited by closing the connection (HTTP/1.0 clients)
};

/// Sets the framing fields of the delivered response for what will be sent, and Connection.
/// A transformed or unframed stream is chunked for HTTP/1.1 clients and close-delimited for 1.0.
OutFraming frame_response(const ClientConnection& conn, NetExchange& ex, bool streaming, bool head_only,
                          bool& keep_alive) {
  Response& res = ex.response;
  OutFraming framing = OutFraming::Whole;
  if (streaming && !head_only) {
    res.headers.remove("Transfer-Encoding");
    if (ex.upstream_body.kind() == BodyKind::ContentLength && !ex.has_response_transforms()) {
      res.headers.set("Content-Length", std::to_string(ex.upstream_body.remaining() + ex.upstream_body_prefix.size()));
      framing = OutFraming::Length;
    } else if (conn.request_version >= 11) {
      res.headers.remove("Content-Length");
      res.headers.add("Transfer-Encoding", "chunked");
      framing = OutFraming::Chunked;
    } else {
      res.headers.remove("Content-Length");
      framing = OutFraming::UntilClose;
      keep_alive = false;
    }
  } else if (!(ex.request_was_head && streaming)) {
    // Buffered body (or a HEAD answered by the gateway): the length is the body we have.
    res.headers.remove("Transfer-Encoding");
    if (detail::status_has_no_body(res.status))
      res.headers.remove("Content-Length");
    else if (!(ex.request_was_head && (res.headers.has("Content-Length") || ex.response_length_unknown)))
      res.headers.set("Content-Length", std::to_string(res.body.size()));
  }
  res.headers.remove("Connection");
  if (!keep_alive)
    res.headers.add("Connection", "close");
  else if (conn.request_version == 10)
    res.headers.add("Connection", "keep-alive");
  return framing;
}

/// Returns the upstream connection after its response was used: to the pool when it framed its
/// body well and that body was read to its end, else closed.
void release_upstream(ClientConnection& conn, NetExchange& ex, bool reusable) {
  if (!ex.upstream) return;
  if (reusable && ex.upstream_keep_alive && ex.upstream_body.done() &&
      ex.upstream_body.kind() != BodyKind::UntilClose)
    conn.loop.pool().put(ex.upstream_pool_key, std::move(ex.upstream), ex.upstream_pool_options);
  else
    ex.upstream->stream.close();
  ex.upstream.reset();
}

/// Writes the head and the whole body (none for HEAD, 204, 304) in one write.
awaitable<bool> write_whole(ClientConnection& conn, NetExchange& ex, std::string head, bool head_only,
                            bool keep_alive) {
  const Response& res = ex.response;
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head),
                                         asio::buffer(res.body.data(), head_only ? 0 : res.body.size())};
  conn.watchdog.arm(conn.loop.snapshot()->options.request_body_timeout);
  auto [ec, n] = co_await conn.stream.write_all(bufs);
  conn.watchdog.disarm();
  ex.record().bytes_out += n;
  if (ec) ex.client_aborted = true;
  release_upstream(conn, ex, true);  // HEAD/204/304 from upstream, or a buffered body
  conn.loop.give_buffer(std::move(head));
  co_return !ec && keep_alive;
}

/// Streams the upstream body after the head: pieces as they arrive, through the attached
/// transforms, re-chunked when the framing says so (backpressure: the next piece is read only
/// after the previous one was written). A broken upstream body or a failing transform aborts
/// the response: the client connection closes (its head is already gone).
awaitable<bool> stream_response(ClientConnection& conn, NetExchange& ex, OutFraming framing, std::string head,
                                bool keep_alive) {
  const auto& opts = conn.loop.snapshot()->options;
  UpstreamConn& up = *ex.upstream;
  const bool transforming = ex.has_response_transforms();
  const bool chunked_out = framing == OutFraming::Chunked;
  std::string piece;  // re-chunked or transformed output only
  std::string out = std::move(head);
  std::string prefix = std::move(ex.upstream_body_prefix);  // read for a buffering filter: sent first
  bool client_ok = true;
  bool upstream_ok = true;
  bool transform_ok = true;
  auto flush = [&]() -> awaitable<bool> {
    if (out.empty()) co_return true;
    conn.watchdog.arm(opts.request_body_timeout);
    auto [ec, n] = co_await conn.stream.write_all(asio::buffer(out));
    conn.watchdog.disarm();
    ex.record().bytes_out += n;
    out.clear();
    if (ec) ex.client_aborted = true;
    co_return !ec;
  };
  for (;;) {
    // Identity output decodes straight into `out` (head and body then leave in one write);
    // chunked or transformed output goes through `piece`.
    std::string& sink = chunked_out || transforming ? piece : out;
    piece.clear();
    BodyStep step = BodyStep::Data;
    if (!prefix.empty()) {
      sink += prefix;
      std::string().swap(prefix);
    } else {
      step = ex.upstream_body.take_buffered(up.buffer, sink, kStreamPiece);
      if (step == BodyStep::Closed) {  // nothing decodable buffered: flush, then wait for the wire
        if (!co_await flush()) {
          client_ok = false;
          break;
        }
        step = co_await ex.upstream_body.read(up.stream, up.buffer, sink, kStreamPiece, up.watchdog,
                                              ex.upstream_timeout);
      }
    }
    if (step != BodyStep::Data && step != BodyStep::Done) {
      upstream_ok = false;  // truncated, timed out or invalid upstream body
      co_await flush();
      break;
    }
    const bool end = step == BodyStep::Done;
    if (transforming) {
      if (!ex.transform_response_piece(piece, end)) {
        transform_ok = false;
        co_await flush();  // what the transforms already let through
        break;
      }
      if (!chunked_out) out += piece;
    }
    if (chunked_out) detail::append_chunk(piece, out);
    if (end) {
      if (chunked_out) out += detail::kLastChunk;
      if (!co_await flush()) client_ok = false;
      break;
    }
    if (out.size() >= kStreamPiece && !co_await flush()) {
      client_ok = false;
      break;
    }
  }
  if (!upstream_ok || !transform_ok) {
    ex.body_broke = true;
    // The response already started: the only honest signal left is to abort the connection.
    ex.gateway_shared().log(LogLevel::Warn, "request " + std::string(ex.exchange().request_id()) +
                                                (upstream_ok ? ": a response body transform failed mid-response"
                                                             : ": upstream body failed mid-response") +
                                                "; closing the client connection");
    release_upstream(conn, ex, false);
    co_return false;
  }
  release_upstream(conn, ex, framing != OutFraming::UntilClose);
  conn.loop.give_buffer(std::move(out));
  co_return client_ok && keep_alive;
}

/// Writes `bytes` (a gateway-made answer) and reports that the connection must close.
awaitable<bool> write_and_end(ClientConnection& conn, std::string bytes) {
  conn.watchdog.arm(conn.loop.snapshot()->options.request_body_timeout);
  co_await conn.stream.write_all(asio::buffer(bytes));
  conn.watchdog.disarm();
  co_return false;
}

/// Writes the delivered response (head, then the body: whole, or streamed from the upstream
/// connection). The awaitable yields true if the connection may carry another request. A plain
/// function: the writer it returns is the only coroutine frame per response.
awaitable<bool> write_response(ClientConnection& conn, NetExchange& ex, bool keep_alive) {
  Response& res = ex.response;
  const bool head_only = ex.request_was_head || detail::status_has_no_body(res.status);
  const bool streaming = ex.upstream && !ex.upstream_body_buffered;
  const OutFraming framing = frame_response(conn, ex, streaming, head_only, keep_alive);

  std::string head = conn.loop.take_buffer();  // from the loop's free list: no allocation per response
  if (!detail::serialize_response_head(res.status, res.reason, res.headers, head)) {
    // An upstream (or filter) header that may not be forwarded: answer 502 instead.
    ex.gateway_shared().log(LogLevel::Warn, "request " + std::string(ex.exchange().request_id()) +
                                        ": response header invalid for forwarding; answering 502");
    release_upstream(conn, ex, false);
    conn.loop.give_buffer(std::move(head));
    return write_and_end(conn, error_bytes(ex.snapshot(), 502, "the upstream sent a header that cannot be forwarded",
                                           ex.exchange().request_id(), ex.exchange().route_id()));
  }
  if (!streaming || head_only) return write_whole(conn, ex, std::move(head), head_only, keep_alive);
  return stream_response(conn, ex, framing, std::move(head), keep_alive);
}

/// Skips what is left of a request body if it is already buffered; false if the connection
/// must close instead (the rest is still on the wire, or its framing is broken).
bool discard_buffered_body(ClientConnection& conn) {
  if (conn.body.done()) return true;
  std::string sink;
  for (;;) {
    auto step = conn.body.take_buffered(conn.buffer, sink, 1 << 20);
    if (step == BodyStep::Done || conn.body.done()) return true;
    if (step != BodyStep::Data) return false;
    sink.clear();
  }
}

std::string_view head_error_text(int status) {
  switch (status) {
    case 414: return "the request line is too long";
    case 431: return "the request header fields are too large";
    case 405: return "this method is not allowed";
    case 501: return "this transfer coding or method form is not implemented";
    case 505: return "this HTTP version is not supported";
    case 417: return "this expectation cannot be met";
    case 408: return "the request took too long to arrive";
    case 413: return "the request body is larger than allowed";
    default: return "the request is malformed";
  }
}

/// Answers a request the edge refuses (its own problem response with a request id, counted and
/// logged by note_rejection); the caller closes the connection after it. `request_id` empty: the
/// head did not parse, a new id is made.
awaitable<void> write_and_close(ClientConnection& conn, int status, std::string_view why,
                                std::string request_id = {}) {
  if (request_id.empty()) request_id = detail::generate_request_id();
  note_rejection(conn.loop, conn, request_id, status, why);
  auto bytes = error_bytes(*conn.loop.snapshot(), status, head_error_text(status), request_id);
  conn.watchdog.arm(std::chrono::seconds(5));
  co_await conn.stream.write_all(asio::buffer(bytes));
  conn.watchdog.disarm();
}

/// The client's request id if it sent an acceptable one, else a new one (for rejections after
/// the head parsed but before the pipeline assigned one).
std::string request_id_of(const Request& req, const ServerOptions& opts) {
  if (!opts.request_id_header.empty())
    if (auto given = req.headers.get(opts.request_id_header); given && detail::is_acceptable_request_id(*given))
      return std::string(*given);
  return detail::generate_request_id();
}

/// Reads the request body before the exchange runs, when a filter wants it whole (`wanted`: the
/// largest Filter::request_body_limit, over which the client gets 413), when it is already here, or
/// when it is small (request_buffer_bytes). A larger chunked body is read up to that size first
/// (its framing checked) and the rest streams. False: the connection must close (answered if it can).
awaitable<bool> read_request_body(ClientConnection& c, NetExchange& ex, std::size_t wanted) {
  const auto& opts = c.loop.snapshot()->options;
  const bool is_cl = c.body.kind() == BodyKind::ContentLength;
  const bool body_in_buffer = is_cl && c.buffer.size() >= c.body.remaining();
  const std::size_t buffer_bytes = opts.request_buffer_bytes;
  const bool small = is_cl && buffer_bytes > 0 && c.body.remaining() <= buffer_bytes;
  if (!(wanted > 0 || body_in_buffer || small || (c.body.kind() == BodyKind::Chunked && buffer_bytes > 0)))
    co_return true;
  const bool whole = wanted > 0 || body_in_buffer || small;
  const std::uint64_t max = wanted > 0 ? wanted : opts.max_body_bytes;
  std::string_view why = "request body over a filter's body limit";
  int status = 413;
  std::string body;
  if (!(is_cl && c.body.remaining() > max))  // a declared length over the limit is refused unread
    status = co_await c.read_body(body, whole ? SIZE_MAX : buffer_bytes, max, why);
  if (status != 0) {
    if (status > 0) co_await write_and_close(c, status, why, std::string(ex.exchange().request_id()));
    co_return false;
  }
  if (c.body.done())
    ex.exchange().request().body = std::move(body);
  else
    c.body_prefix = std::move(body);  // streamed first (attempt), then the rest from the wire
  co_return true;
}

}  // namespace

/// Waits for the next request on an idle plain-TCP connection with a read into the connection's
/// small inline area: the reactor reads once when bytes arrive (no speculative read that returns
/// EAGAIN). If the connection stays idle past idle_park_after, it is parked (the coroutine ends;
/// only the socket and one readiness wait remain, see Loop::park). False: the connection is over
/// (closed or parked). True: bytes arrived and the head deadline runs from now.
awaitable<bool> wait_idle(ClientConnection& c, const ServerOptions& opts, Clock::time_point& head_deadline) {
  Loop& loop = c.loop;
  if (c.buffer.capacity() > kKeepBufferBytes) std::string().swap(c.buffer);
  const bool may_park = opts.keep_alive_idle_timeout > opts.idle_park_after;
  c.watchdog.arm(may_park ? opts.idle_park_after : opts.keep_alive_idle_timeout);
  auto [rec, got] = co_await c.stream.read_some(asio::buffer(c.inbuf));
  const bool fired = c.watchdog.fired();
  c.watchdog.disarm();
  if (got == 0) {
    if (rec && fired && may_park && !loop.draining()) {
      c.parked = true;
      loop.park(c.stream.take_socket(), Clock::now() - opts.idle_park_after);
    } else {
      c.stream.close();
    }
    co_return false;
  }
  c.buffer.append(c.inbuf.data(), got);
  c.state = ClientConnection::State::Head;
  head_deadline = Clock::now() + opts.request_head_timeout;
  c.watchdog.arm_at(head_deadline);
  co_return true;
}

/// Waits for the next request head (the idle timeout while nothing arrived, then the head
/// timeout) and scans it within `limits`. nullopt: the connection is over (closed, parked, or
/// answered with 408 or the scanner's 4xx); the caller just returns.
awaitable<std::optional<detail::HeadScan>> read_request_head(ClientConnection& c, const ServerOptions& opts,
                                                             const detail::HeadLimits& limits, std::size_t& scanned) {
  Loop& loop = c.loop;
  c.state = c.buffer.empty() ? ClientConnection::State::Idle : ClientConnection::State::Head;
  if (c.state == ClientConnection::State::Idle && loop.draining()) {
    c.stream.close();
    co_return std::nullopt;
  }
  Clock::time_point head_deadline = Clock::now() + opts.request_head_timeout;
  if (c.state == ClientConnection::State::Idle)
    c.watchdog.arm(opts.keep_alive_idle_timeout);
  else
    c.watchdog.arm_at(head_deadline);
  if (c.state == ClientConnection::State::Idle && !c.stream.is_tls() && !co_await wait_idle(c, opts, head_deadline))
    co_return std::nullopt;
  detail::HeadScan scan;
  for (;;) {
    // Tolerate CRLFs between pipelined requests (RFC 9112 §2.2), bounded.
    std::size_t skip = 0;
    while (skip + 1 < c.buffer.size() && skip < 8 && c.buffer[skip] == '\r' && c.buffer[skip + 1] == '\n') skip += 2;
    if (skip) {
      c.buffer.erase(0, skip);
      scanned = 0;
    }
    scan = detail::scan_head(c.buffer, scanned, limits, false);
    if (scan.state != detail::HeadScan::State::Incomplete) break;
    if (c.buffer.empty() && c.buffer.capacity() > kKeepBufferBytes) std::string().swap(c.buffer);  // idle: hold nothing
    auto [ec, n] = co_await c.stream.read_append(c.buffer, kReadChunk);
    if (ec && n == 0) {
      if (c.watchdog.fired() && c.state == ClientConnection::State::Head && !c.buffer.empty())
        co_await write_and_close(c, 408, "the request head did not arrive in time");
      c.stream.close();
      co_return std::nullopt;
    }
    if (c.state == ClientConnection::State::Idle && !c.buffer.empty()) {
      c.state = ClientConnection::State::Head;
      head_deadline = Clock::now() + opts.request_head_timeout;
      c.watchdog.arm_at(head_deadline);
    }
  }
  c.watchdog.disarm();
  c.state = ClientConnection::State::Busy;
  if (scan.state == detail::HeadScan::State::Error) {
    co_await write_and_close(c, scan.error.status, scan.error.reason);
    c.stream.close();
    co_return std::nullopt;
  }
  co_return scan;
}

awaitable<void> serve_connection(Loop& loop, tcp::socket socket, std::shared_ptr<ServerTls> tls) {
  std::error_code opt_ec;
  socket.set_option(tcp::no_delay(true), opt_ec);
  auto conn = std::make_unique<ClientConnection>(
      loop, tls ? Stream(std::move(socket), tls->context()) : Stream(std::move(socket)));
  ClientConnection& c = *conn;

  if (c.stream.is_tls()) {
    c.state = ClientConnection::State::Head;
    c.watchdog.arm(loop.snapshot()->options.request_head_timeout);
    auto [ec] = co_await c.stream.tls()->async_handshake(asio::ssl::stream_base::server, use_nothrow);
    c.watchdog.disarm();
    if (ec) {
      c.stream.close();
      co_return;
    }
  }

  std::size_t scanned = 0;
  for (;;) {
    const auto snapshot = loop.snapshot();  // copy: this request keeps its snapshot
    const auto& opts = snapshot->options;
    const detail::HeadLimits limits = detail::request_limits(opts);

    // 1. The head.
    auto scanned_head = co_await read_request_head(c, opts, limits, scanned);
    if (!scanned_head) co_return;
    const detail::HeadScan& scan = *scanned_head;

    // 2. Parse it.
    detail::RequestHead head;
    const std::size_t head_bytes = scan.head_length;
    auto perr = detail::parse_request_head(std::string_view(c.buffer).substr(0, scan.head_length), limits, head);
    c.buffer.erase(0, scan.head_length);
    scanned = 0;
    if (perr) {
      co_await write_and_close(c, perr.status, perr.reason);
      c.stream.close();
      co_return;
    }
    c.body.reset(head.body, head.content_length);
    c.body_prefix.clear();
    c.expect_continue = head.expect_continue;
    c.continue_sent = false;
    c.request_version = head.request.version;
    if (head.body == BodyKind::ContentLength && head.content_length > opts.max_body_bytes) {
      co_await write_and_close(c, 413, "declared Content-Length over max_body_bytes", request_id_of(head.request, opts));
      c.stream.close();
      co_return;
    }
    head.request.remote_address = c.remote_address;
    head.request.remote_port = c.remote_port;
    head.request.secure = c.stream.is_tls();
    bool keep_alive = head.keep_alive && !loop.draining();

    // 3. Overload: answer 503 at once, without touching the upstream.
    auto ex = std::make_shared<NetExchange>(snapshot, loop.gateway().shared, c);
    ex->request_was_head = head.request.method == "HEAD";
    const bool overloaded = loop.in_flight >= opts.max_in_flight_per_loop;
    const bool routed = ex->route(std::move(head.request));
    if (ex->observing()) ex->record().bytes_in = head_bytes;
    ++loop.in_flight;
    if (overloaded) {
      ex->fail(make_error(Errc::Overloaded, "max_in_flight_per_loop reached"));
    } else {
      // 4. The request body a filter wants whole, or that is cheap to read first (read_request_body).
      auto wanted = routed ? ex->request_body_limit() : Result<std::size_t>(std::size_t{0});
      if (!wanted) {
        ex->fail(std::move(wanted).error());
      } else {
        if (!c.body.done() && !co_await read_request_body(c, *ex, *wanted)) {
          --loop.in_flight;
          c.stream.close();
          co_return;
        }
        ex->run();
      }
    }
    // Wait for the answer. On a route with filters the wait ends early at the filter deadline: a
    // deferred filter still running then gets a 504 (the upstream attempt has deadlines of its own).
    if (!ex->delivered && ex->has_filters()) c.signal.expires_at(ex->filter_deadline());
    while (!ex->delivered) {
      co_await c.signal.async_wait(use_nothrow);
      if (!ex->delivered && Clock::now() >= ex->filter_deadline()) {
        ex->filter_deadline_passed();
        if (!ex->delivered) c.signal.expires_at(Clock::time_point::max());
      }
    }
    if (ex->has_filters()) c.signal.expires_at(Clock::time_point::max());
    --loop.in_flight;

    // 5. What is left of the request body decides whether the connection can continue.
    if (ex->client_body_failed || !discard_buffered_body(c)) keep_alive = false;
    if (loop.draining()) keep_alive = false;
    bool again = co_await write_response(c, *ex, keep_alive);
    if (ex->observing()) {
      ex->record().bytes_in += c.body.total();
      ex->complete(ex->client_aborted, ex->body_broke);
    }
    ex.reset();
    if (!again) break;
  }
  c.stream.close();
}

}  // namespace portico::net
