// The upstream side of an exchange: take a pooled connection or connect (TCP, then TLS), send
// the head and the body (buffered, or streamed from the client with backpressure), read the
// response head, and hand it to the pipeline. One retry on a fresh connection when a pooled one
// turns out stale before any response byte, for idempotent requests whose body can be replayed.
// The steps themselves are net/upstream_io.hpp's, shared with the loop HTTP client.

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include "net/connection.hpp"
#include "net/upstream_io.hpp"

namespace portico::net {

using detail::BodyKind;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kPiece = 65536;

/// A buffer borrowed from the loop's free list for the scope (every co_return gives it back).
struct BufferLease {
  explicit BufferLease(Loop& l) : loop(l), bytes(l.take_buffer()) {}
  ~BufferLease() { loop.give_buffer(std::move(bytes)); }
  BufferLease(const BufferLease&) = delete;
  BufferLease& operator=(const BufferLease&) = delete;
  Loop& loop;
  std::string bytes;
};

/// Streams the client's body to the upstream with backpressure (read a piece, write it, repeat),
/// re-chunking unless it is Content-Length framed and untransformed. Each piece passes through the
/// filters' request body transforms when `transforms` has any. An error means the client's body (or
/// a transform) failed: the upstream connection is closed before the body's end; a write failure is
/// not one (the upstream may have answered early).
awaitable<std::optional<Error>> stream_client_body(ClientConnection& conn, UpstreamConn& c, const ServerOptions& opts,
                                                   Clock::time_point deadline, std::string_view request_id,
                                                   detail::Pipeline& transforms) {
  if (!co_await conn.send_continue_if_needed())
    co_return make_error(Errc::BadRequest, "client went away before its body");
  const bool transformed = transforms.has_request_transforms();
  const bool chunk_out = transformed || conn.body.kind() != BodyKind::ContentLength;
  std::string piece, out;
  for (;;) {
    piece.clear();
    BodyStep step = BodyStep::Data;
    if (!conn.body_prefix.empty())  // read (and validated) before the upstream request started
      piece = std::move(conn.body_prefix);
    else
      step = co_await conn.body.read(conn.stream, conn.buffer, piece, kPiece, conn.watchdog,
                                     opts.request_body_timeout);
    conn.body_prefix.clear();
    if (conn.body.total() > opts.max_body_bytes) {
      note_rejection(conn.loop, conn, request_id, 413, "request body over max_body_bytes");
      c.stream.close();
      co_return make_error(Errc::BodyTooLarge, "request body over max_body_bytes");
    }
    if (transformed && (step == BodyStep::Data || step == BodyStep::Done)) {
      if (auto t = transforms.transform_request_piece(piece, conn.body.done()); !t) {
        c.stream.close();  // the upstream never sees the end of a body the gateway broke off
        co_return std::move(t).error();
      }
      if (step == BodyStep::Done && !piece.empty()) step = BodyStep::Data;  // bytes appended at the end
    }
    out.clear();
    if (step == BodyStep::Data) {
      if (!chunk_out)
        out = std::move(piece);
      else if (!piece.empty())  // a transform may hold a piece back (an empty chunk would end the body)
        detail::append_chunk(piece, out);
      if (conn.body.done() && chunk_out) out += detail::kLastChunk;
    } else if (step == BodyStep::Done) {
      if (chunk_out) out = detail::kLastChunk;
    } else {
      // The upstream request is aborted: its connection closes, so it never sees a complete
      // request the gateway refused.
      c.stream.close();
      if (step == BodyStep::Closed) co_return make_error(Errc::BadRequest, "the client went away during its body");
      if (step == BodyStep::TimedOut) {
        note_rejection(conn.loop, conn, request_id, 408, "the request body stopped arriving");
        co_return make_error(Errc::RequestTimeout, "the client's body stopped arriving");
      }
      note_rejection(conn.loop, conn, request_id, 400, conn.body.error_reason());
      co_return make_error(Errc::BadRequest, "invalid chunked request body: " + std::string(conn.body.error_reason()));
    }
    if (!out.empty()) {
      c.watchdog.arm_at(deadline);
      auto [ec, n] = co_await c.stream.write_all(asio::buffer(out));
      if (ec) break;  // the upstream stopped reading (it may have answered early): read its answer
    }
    if (conn.body.done()) break;
  }
  co_return std::nullopt;
}

/// Reads an upstream response body into `body` for a filter that wants it whole, until it ends
/// or holds more than `limit` bytes. An error: the body broke off (the connection is closed).
awaitable<Result<void>> read_response_body(UpstreamConn& c, BodyReader& reader, std::string& body, std::size_t limit,
                                           std::chrono::milliseconds timeout) {
  while (body.size() <= limit) {
    auto step = co_await reader.read(c.stream, c.buffer, body, kPiece, c.watchdog, timeout);
    if (step == BodyStep::Data) continue;
    if (step == BodyStep::Done) co_return Result<void>{};
    c.stream.close();
    co_return make_error(step == BodyStep::TimedOut ? Errc::UpstreamTimeout : Errc::UpstreamReset,
                         "the upstream response body broke off");
  }
  co_return Result<void>{};
}

}  // namespace

void NetExchange::send_upstream(const Endpoint& endpoint, const detail::UpstreamRuntime& up, Request request,
                                std::chrono::milliseconds timeout) {
  auto self = std::static_pointer_cast<NetExchange>(shared_from_this());
  asio::co_spawn(conn.loop.io(), self->attempt(endpoint, &up, std::move(request), timeout), asio::detached);
}


awaitable<void> NetExchange::attempt(Endpoint ep, const detail::UpstreamRuntime* up, Request req,
                                     std::chrono::milliseconds timeout) {
  auto self = std::static_pointer_cast<NetExchange>(shared_from_this());  // alive until we finish
  Loop& loop = conn.loop;
  const auto& opts = snapshot().options;
  const std::string& key = up->pool_key_of(ep);
  upstream_pool_key = key;
  upstream_pool_options = up->pool;
  upstream_timeout = timeout;

  const bool streaming = frame_upstream_request(req);
  BufferLease lease(loop);  // the head's bytes, from the loop's free list
  std::string& head = lease.bytes;
  if (!detail::serialize_request_head(req.method, req.target, req.headers, head)) {
    upstream_done(make_error(Errc::Internal, "a filter set a header that cannot be sent upstream"));
    co_return;
  }
  const bool replayable = !streaming && is_idempotent(req.method);
  const auto attempt_deadline = Clock::now() + timeout;
  const UpstreamTarget target{ep, key, up->pool, up->tls, up->connect_timeout};
  const auto limits = upstream_head_limits(opts);

  for (int attempt_no = 0; attempt_no < 2; ++attempt_no) {
    // A pooled connection (first attempt only), else a new one under the endpoint's limit.
    auto acquired = co_await acquire_connection(loop, target, attempt_no == 0, attempt_deadline);
    if (!acquired) {
      upstream_done(std::move(acquired).error());
      co_return;
    }
    std::unique_ptr<UpstreamConn> c = std::move(*acquired);
    ++c->requests;
    if (observing()) record().upstream_connected = Clock::now();
    Watchdog& wd = c->watchdog;
    wd.arm_at(attempt_deadline);

    // Send the head (and a buffered body) in one write.
    if (auto failed = co_await send_request(*c, head, req.body, ep)) {
      if (failed->code == Errc::UpstreamReset && c->reused && replayable && attempt_no == 0)
        continue;  // stale pooled connection
      upstream_done(std::move(*failed));
      co_return;
    }

    // Stream the client's body with backpressure: read a piece, write it, repeat (in its own
    // frame: the common bodiless request does not carry its locals).
    if (streaming) {
      auto failure = co_await stream_client_body(conn, *c, opts, attempt_deadline, exchange().request_id(), *this);
      if (failure) {
        client_body_failed = true;
        upstream_done(std::move(*failure));
        co_return;
      }
    }

    // The response head (skipping 1xx interim responses).
    auto got = co_await read_response_head(*c, req.method, limits, ep, replayable && attempt_no == 0);
    if (got.kind == HeadRead::Kind::Stale) continue;  // retry on a fresh connection
    if (got.kind == HeadRead::Kind::Failed) {
      upstream_done(std::move(got.error));
      co_return;
    }
    wd.disarm();
    if (observing()) record().upstream_first_byte = Clock::now();
    upstream_keep_alive = got.head.keep_alive;
    upstream_body.reset(got.head.body, got.head.content_length);
    upstream = std::move(c);
    if (!has_filters()) {  // only routes with filters pay for body decisions
      upstream_done(std::move(got.head.response), false);
      co_return;
    }
    auto limit = decide_response_body(got.head.response);
    if (!limit) {
      upstream->stream.close();
      upstream.reset();
      upstream_done(std::move(limit).error());
      co_return;
    }
    if (*limit == 0 && !has_response_transforms())  // nobody wants the body: it streams (no extra frame)
      upstream_done(std::move(got.head.response), false);
    else
      co_await take_response_body(got.head.response, *limit);
    co_return;
  }
  upstream_done(make_error(Errc::UpstreamReset, ep.authority() + " closed a pooled connection and a retry failed"));
}

bool NetExchange::request_body_streams() const { return !conn.body.done(); }

bool NetExchange::frame_upstream_request(Request& req) {
  // Framing towards the upstream: the body we have, or the client's still on the wire (chunked
  // when a transform changes it, since its length is then unknown).
  const bool streaming = !conn.body.done();
  req.headers.remove("Expect");
  if (streaming) {
    if (conn.body.kind() == BodyKind::ContentLength && !has_request_transforms())
      req.headers.add("Content-Length", std::to_string(conn.body.remaining()));
    else
      req.headers.add("Transfer-Encoding", "chunked");
  } else if (!req.body.empty() || detail::method_may_have_body(req.method)) {
    req.headers.add("Content-Length", std::to_string(req.body.size()));
  }
  return streaming;
}

/// The response head arrived: the filters decide (Filter::on_response_head) whether they want the
/// body whole or transformed; a body wanted whole is read within the largest limit asked. Over it,
/// what was read is kept (upstream_body_prefix, sent first) and the rest streams. A route whose
/// filters ask nothing hands the head over at once.
awaitable<void> NetExchange::take_response_body(Response& head, std::size_t limit) {
  if (limit > 0 && !upstream_body.done()) {
    std::string body;
    auto read = co_await read_response_body(*upstream, upstream_body, body, limit, upstream_timeout);
    if (!read) {
      upstream.reset();
      upstream_done(std::move(read).error());
      co_return;
    }
    if (!upstream_body.done()) {  // over the limit: the filters are told, the body streams unchanged
      set_response_over_limit();
      upstream_body_prefix = std::move(body);
      upstream_done(std::move(head), false);
      co_return;
    }
    head.body = std::move(body);
  }
  // Whole (read, or empty from the start): transforms run over it in the response phase.
  upstream_body_buffered = upstream_body.done();
  if (upstream_body_buffered && request_was_head) {
    if (has_response_transforms()) {  // the transformed length is unknown
      head.headers.remove("Content-Length");
      response_length_unknown = true;
    }
  } else if (upstream_body_buffered) {
    head.headers.remove("Transfer-Encoding");
    head.headers.remove("Content-Length");
  }
  upstream_done(std::move(head), upstream_body_buffered);
}

}  // namespace portico::net
