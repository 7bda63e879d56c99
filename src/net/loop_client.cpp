#include "net/loop_client.hpp"

#include "core/client_url.hpp"
#include "core/forwarding.hpp"
#include "net/engine.hpp"
#include "net/upstream_io.hpp"

namespace portico::net {

using Clock = std::chrono::steady_clock;

namespace {

/// The client's pools take the gateway's upstream defaults (ServerOptions::upstream_*).
PoolOptions client_pool(const ServerOptions& o) {
  return PoolOptions{o.upstream_max_idle_per_endpoint, o.upstream_idle_timeout,
                     o.upstream_max_requests_per_connection, o.upstream_max_connections_per_endpoint};
}

/// The request head: the caller's fields without framing, Host from the URL when absent, and the
/// client's own Content-Length.
Result<std::string> client_head(const ClientRequest& request, const detail::ClientUrl& url) {
  Headers headers = request.headers;
  if (!headers.get("Host")) headers.add("Host", url.host);
  detail::frame_whole_request(headers, request.method, request.body.size());
  std::string head;
  if (!detail::serialize_request_head(request.method, url.target, headers, head))
    return make_error(Errc::InvalidArgument, "the request's method, target or a header field cannot be sent",
                      "ClientRequest");
  return head;
}

/// The whole response of one connection whose head was read; the connection goes back to the pool
/// when the body ended cleanly and both sides keep it alive.
awaitable<Result<Response>> take_response(Loop& loop, std::unique_ptr<UpstreamConn> c, detail::ResponseHead rh,
                                          const WholeRequest& request, const UpstreamTarget& target) {
  if (rh.body == detail::BodyKind::ContentLength && rh.content_length > request.max_response_bytes) {
    c->stream.close();
    co_return make_error(Errc::UpstreamProtocol, "response body of " + std::to_string(rh.content_length) +
                                                     " bytes over the limit of " +
                                                     std::to_string(request.max_response_bytes) + " bytes");
  }
  BodyReader reader(rh.body, rh.content_length);
  if (!reader.done()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(request.deadline - Clock::now());
    auto body = co_await read_whole_response_body(*c, reader, request.max_response_bytes, left, request.deadline);
    if (!body) co_return std::move(body).error();
    rh.response.body = std::move(*body);
  }
  c->watchdog.disarm();
  if (rh.keep_alive && reader.kind() != detail::BodyKind::UntilClose)
    loop.pool().put(target.pool_key, std::move(c), target.pool);
  else
    c->stream.close();
  detail::clean_upstream_response(rh.response.headers);
  co_return std::move(rh.response);
}

}  // namespace

awaitable<Result<Response>> whole_round_trip(Loop& loop, const UpstreamTarget& target, const WholeRequest& request,
                                             UpstreamConn*& in_use) {
  const auto limits = upstream_head_limits(loop.snapshot()->options);
  const bool replayable = is_idempotent(request.method);
  const Endpoint& ep = target.endpoint;
  for (int attempt_no = 0; attempt_no < 2; ++attempt_no) {
    auto acquired = co_await acquire_connection(loop, target, attempt_no == 0, request.deadline);
    if (!acquired) co_return std::move(acquired).error();
    std::unique_ptr<UpstreamConn> c = std::move(*acquired);
    struct InUse {  // the owner may close the connection while a step waits on it (loop stop)
      UpstreamConn*& p;
      ~InUse() { p = nullptr; }
    } mark{in_use};
    in_use = c.get();
    ++c->requests;
    c->watchdog.arm_at(request.deadline);
    if (auto failed = co_await send_request(*c, request.head, request.body, ep)) {
      if (failed->code == Errc::UpstreamReset && c->reused && replayable && attempt_no == 0) continue;
      co_return std::move(*failed);
    }
    auto got = co_await read_response_head(*c, request.method, limits, ep, replayable && attempt_no == 0);
    if (got.kind == HeadRead::Kind::Stale) continue;
    if (got.kind == HeadRead::Kind::Failed) co_return std::move(got.error);
    co_return co_await take_response(loop, std::move(c), std::move(got.head), request, target);
  }
  co_return make_error(Errc::UpstreamReset, ep.authority() + " closed a pooled connection and a retry failed");
}

awaitable<Result<Response>> client_round_trip(Loop& loop, const ClientRequest& request, LoopServices::Pending& pending) {
  const auto deadline = Clock::now() + request.timeout;
  auto url = detail::parse_client_url(request.url);
  if (!url) co_return std::move(url).error();
  auto head = client_head(request, *url);
  if (!head) co_return std::move(head).error();
  const auto& opts = loop.snapshot()->options;
  const Endpoint& ep = url->endpoint;
  const std::string key = detail::pool_key(ep, request.tls);
  const PoolOptions pool = client_pool(opts);
  const auto connect_timeout = std::min(opts.upstream_connect_timeout, request.timeout);
  const UpstreamTarget target{ep, key, pool, request.tls, connect_timeout};
  const WholeRequest whole{request.method, *head, request.body, request.max_response_bytes, deadline};
  co_return co_await whole_round_trip(loop, target, whole, pending.conn);
}

}  // namespace portico::net
