#pragma once
// Internal: one request of the loop HTTP client (Services::fetch) on a loop's upstream pool.

#include "net/asio.hpp"
#include "net/loop_services.hpp"
#include "net/upstream_io.hpp"

namespace portico::net {

/// One whole exchange with an upstream target, its head already serialized: the request's framing
/// is in `head`, `body` is all of it. The response is read whole within `max_response_bytes` and
/// `deadline`. An idempotent `method` is retried once on a fresh connection when a pooled one was
/// stale. `in_use` points at the connection in use while a step waits on it (nullptr otherwise).
struct WholeRequest {
  std::string_view method;
  std::string_view head;
  std::string_view body;
  std::uint64_t max_response_bytes = 1 << 20;
  std::chrono::steady_clock::time_point deadline;
};
awaitable<Result<Response>> whole_round_trip(Loop& loop, const UpstreamTarget& target, const WholeRequest& request,
                                             UpstreamConn*& in_use);

/// Sends `request` and reads the whole response within its timeout and body limit, through the
/// same steps as the proxy's upstream attempt (net/upstream_io.hpp): pooled keep-alive
/// connections keyed like upstream endpoints', the gateway's client TLS contexts, the strict
/// response parser, one retry of an idempotent request when a pooled connection was stale.
/// `pending.conn` points at the connection in use (for LoopServices::shutdown). Loop thread.
awaitable<Result<Response>> client_round_trip(Loop& loop, const ClientRequest& request, LoopServices::Pending& pending);

}  // namespace portico::net
