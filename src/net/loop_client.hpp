#pragma once
// Internal: one request of the loop HTTP client (Services::fetch) on a loop's upstream pool.

#include "net/asio.hpp"
#include "net/loop_services.hpp"

namespace portico::net {

/// Sends `request` and reads the whole response within its timeout and body limit, through the
/// same steps as the proxy's upstream attempt (net/upstream_io.hpp): pooled keep-alive
/// connections keyed like upstream endpoints', the gateway's client TLS contexts, the strict
/// response parser, one retry of an idempotent request when a pooled connection was stale.
/// `pending.conn` points at the connection in use (for LoopServices::shutdown). Loop thread.
awaitable<Result<Response>> client_round_trip(Loop& loop, const ClientRequest& request, LoopServices::Pending& pending);

}  // namespace portico::net
