#pragma once
// Internal: the steps of one HTTP/1.1 request to an upstream endpoint, shared by the proxy's
// attempt (NetExchange::attempt) and the loop HTTP client (LoopServices::fetch): take a pooled
// connection or open one (TCP, then TLS), send the head and a buffered body, read the response
// head (skipping 1xx), read a whole body within a limit. Loop thread only.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "http/codec.hpp"
#include "net/asio.hpp"
#include "net/body_reader.hpp"
#include "net/upstream_pool.hpp"
#include "portico/error.hpp"
#include "portico/gateway.hpp"
#include "portico/upstream.hpp"

namespace portico::net {

class Loop;

/// One endpoint and how to reach it: its pool (by key and limits), its TLS settings and the
/// connect timeout. Refers to values the caller keeps alive across the awaits.
struct UpstreamTarget {
  const Endpoint& endpoint;
  const std::string& pool_key;
  const PoolOptions& pool;  // every field set
  const UpstreamTls& tls;
  std::chrono::milliseconds connect_timeout;
};

/// The response-head limits towards upstreams (ServerOptions::max_upstream_header_bytes).
detail::HeadLimits upstream_head_limits(const ServerOptions& options) noexcept;

/// A pooled connection when `pooled_ok`, else a new one under the endpoint's connection limit;
/// at the limit, waits (up to the connect timeout, within `deadline`) for one to come free, then
/// Errc::Overloaded. A new connection is connected (and TLS-handshaken) within the connect
/// timeout: ConnectFailed or UpstreamTimeout.
awaitable<Result<std::unique_ptr<UpstreamConn>>> acquire_connection(Loop& loop, const UpstreamTarget& target,
                                                                    bool pooled_ok,
                                                                    std::chrono::steady_clock::time_point deadline);

/// Writes `head` and `body` in one write. The connection's watchdog must be armed by the caller;
/// its firing gives UpstreamTimeout, another failure UpstreamReset (on a reused connection, a
/// replayable request may then retry on a fresh one).
awaitable<std::optional<Error>> send_request(UpstreamConn& c, std::string_view head, std::string_view body,
                                             const Endpoint& endpoint);

/// What read_response_head found.
struct HeadRead {
  enum class Kind {
    Ok,      ///< `head` is the final response head (1xx interim responses skipped)
    Stale,   ///< the pooled connection closed before any byte: retry on a fresh one
    Failed,  ///< `error` (UpstreamTimeout, UpstreamReset, UpstreamProtocol); the connection is closed
  };
  Kind kind = Kind::Failed;
  detail::ResponseHead head;
  Error error;
};

/// Reads the response head with the strict scanner and parser (`method` decides HEAD semantics).
/// `retry_ok`: a reused connection that closes before any byte is Stale rather than Failed. The
/// watchdog armed by the caller bounds the wait.
awaitable<HeadRead> read_response_head(UpstreamConn& c, std::string_view method, const detail::HeadLimits& limits,
                                       const Endpoint& endpoint, bool retry_ok);

/// Reads a whole response body through `reader`, bounded by `max` bytes (over it: UpstreamProtocol,
/// the connection closed), `inactivity` per read and the `deadline` overall (UpstreamTimeout).
awaitable<Result<std::string>> read_whole_response_body(
    UpstreamConn& c, BodyReader& reader, std::uint64_t max, std::chrono::milliseconds inactivity,
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

}  // namespace portico::net
