#pragma once
// Internal: TCP connect with a deadline (resolving a host name first, trying each address), for
// the engine's upstream pool and the direct transport alike.

#include <chrono>

#include "net/asio.hpp"
#include "portico/error.hpp"
#include "portico/upstream.hpp"

namespace portico::net {

/// Connects to `ep` before `deadline`. Numeric hosts are used as they are; host names go through
/// Asio's resolver (getaddrinfo on Asio's internal resolver thread). Errors: ConnectFailed
/// (refused, unreachable, unresolvable) or UpstreamTimeout (the deadline passed). TCP_NODELAY is set.
awaitable<Result<tcp::socket>> connect_tcp(asio::io_context& io, const Endpoint& ep,
                                           std::chrono::steady_clock::time_point deadline);

}  // namespace portico::net
