#pragma once
/// The Gateway: an immutable, atomically swapped snapshot of routes, upstreams and filters, and
/// the proxy engine that serves it on event loops run by the host's threads.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portico/error.hpp"
#include "portico/executor.hpp"
#include "portico/filter.hpp"
#include "portico/http.hpp"
#include "portico/route.hpp"
#include "portico/upstream.hpp"

namespace portico {

namespace detail {
class GatewayImpl;
}

/// Severity of a log line.
enum class LogLevel { Debug, Info, Warn, Error };

/// Limits and timeouts of the engine, each with a documented default. The same names (in
/// PascalCase) are read from ocelot.json's `GlobalConfiguration.ServerOptions`.
struct ServerOptions {
  std::size_t max_request_line_bytes = 8192;        ///< longer: 414
  std::size_t max_header_bytes = 65536;             ///< whole head; larger: 431
  std::size_t max_header_count = 100;               ///< more fields: 431
  std::size_t max_header_line_bytes = 8192;         ///< one field line (name, ':', value); longer: 431
  std::uint64_t max_body_bytes = 10 * 1024 * 1024;  ///< larger: 413
  /// Request bodies up to this size are read and validated before the upstream request starts;
  /// larger ones stream. 0: always stream.
  std::size_t request_buffer_bytes = 65536;
  std::chrono::milliseconds request_head_timeout{10000};    ///< to receive a whole head (slow clients): 408
  std::chrono::milliseconds request_body_timeout{30000};    ///< body inactivity: 408
  std::chrono::milliseconds keep_alive_idle_timeout{60000}; ///< idle between requests: closed
  std::chrono::milliseconds idle_park_after{1000};  ///< idle this long: parked (only the socket is kept)
  std::chrono::milliseconds upstream_connect_timeout{5000}; ///< per connect attempt: 504
  std::chrono::milliseconds upstream_timeout{30000};        ///< per attempt, request sent to response head: 504
  std::chrono::milliseconds drain_timeout{30000};           ///< graceful stop bound
  /// A deferred or blocking filter still running this long after the request head arrived answers
  /// 504 (Errc::FilterTimeout); a route's own timeout, when shorter, is its deadline instead.
  std::chrono::milliseconds filter_timeout{10000};
  std::size_t max_connections = 10000;              ///< accepted connections, all loops together
  std::size_t max_in_flight_per_loop = 4096;        ///< requests being proxied per loop; more: 503
  std::size_t max_upstream_header_bytes = 65536;    ///< upstream response head cap: 502
  std::vector<std::string> trusted_proxies;         ///< CIDRs whose X-Forwarded-*/Forwarded are believed
  EncodedSlashes encoded_slashes = EncodedSlashes::Reject;
  UnderscoreHeaders underscores_in_headers = UnderscoreHeaders::Drop;  ///< header names with `_`
  bool allow_trace = false;                         ///< false: TRACE answers 405 (cross-site tracing)
  LogLevel rejected_log_level = LogLevel::Info;     ///< level of the line logged per request the edge rejects
  std::size_t rejected_log_per_second = 10;         ///< rejection lines per second (burst as many); 0: none
  std::string request_id_header = "X-Request-Id";   ///< kept if the client sent it, else generated; forwarded
  std::string via = "1.1 portico";                  ///< appended as a Via hop; empty: no Via
  /// Echo the client's Host as X-Forwarded-Host, X-Forwarded-Port and Forwarded's host= on every
  /// route. Off: only on routes that match on hosts or ask (Route::forward_client_host).
  bool forward_client_host = false;
  /// Set X-Real-IP to the resolved client address (see trusted_proxies). Off: a client's X-Real-IP
  /// is dropped, and one from a trusted proxy is forwarded as sent.
  bool set_x_real_ip = false;
  // Upstream keep-alive pools: one per event loop and endpoint. An Upstream's PoolOptions override these.
  std::size_t upstream_max_idle_per_endpoint = 1024;          ///< idle connections kept; 0: no keep-alive
  std::chrono::milliseconds upstream_idle_timeout{60000};     ///< an idle connection older than this is closed
  std::size_t upstream_max_requests_per_connection = 10000;   ///< closed after this many requests; 0: no limit
  /// Open connections (idle and busy) per loop and endpoint; 0: no limit. A request that finds the
  /// limit reached waits up to the connect timeout for one to come free, then gets 503.
  std::size_t upstream_max_connections_per_endpoint = 1024;
};

/// A certificate for TLS termination; `server_names` select it by SNI (empty: the default one).
struct TlsCertificate {
  std::string cert_file;  ///< PEM chain
  std::string key_file;   ///< PEM private key
  std::vector<std::string> server_names;
};

/// Loads `certificates` as listen() would (files, PEM, key match) and discards them: for config
/// checks that must not bind. Errc::Io or InvalidConfig naming the entry ("listen.tls[1].key_file").
Result<void> check_certificates(const std::vector<TlsCertificate>& certificates);

/// Where to accept connections. Port 0 picks a free port (see Gateway::port()).
struct ListenOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 0;
  std::vector<TlsCertificate> tls;  ///< non-empty: terminate TLS (TLS 1.2+, ALPN http/1.1)
};

/// Where log lines go; called from any loop thread. Default: Warn and Error to stderr.
using LogSink = std::function<void(LogLevel level, std::string_view message)>;

/// Everything one gateway snapshot holds. A value: build it, then Gateway::apply() it.
class Config {
 public:
  /// Adds an upstream (a later one with the same name replaces it).
  Config& add(Upstream upstream);
  /// Adds a route (declaration order breaks priority ties).
  Config& add(Route route);
  /// Adds a global filter; global filters run before every route's own filters.
  Config& use(FilterPtr filter);
  Config& options(ServerOptions options);
  /// Renders every gateway-made error response (edge rejections included) unless a route has its
  /// own renderer. Default: render_problem (application/problem+json).
  Config& error_renderer(ErrorRenderer renderer);
  const ErrorRenderer& error_renderer_fn() const noexcept { return error_renderer_; }

  const std::vector<Upstream>& upstreams() const noexcept { return upstreams_; }
  const std::vector<Route>& routes() const noexcept { return routes_; }
  const std::vector<FilterPtr>& filters() const noexcept { return filters_; }
  const ServerOptions& server_options() const noexcept { return options_; }
  ServerOptions& server_options() noexcept { return options_; }

 private:
  std::vector<Upstream> upstreams_;
  std::vector<Route> routes_;
  std::vector<FilterPtr> filters_;
  ServerOptions options_;
  ErrorRenderer error_renderer_;
};

/// One attempt to send a request to one endpoint. The engine's own transport is the pooled
/// HTTP/1.1 client on the event loops; tests and hosts may pass another to Gateway's constructor.
class Transport {
 public:
  virtual ~Transport() = default;
  /// Sends `request` (target, headers and body ready for the upstream) to `endpoint`; calls `done`
  /// exactly once, from any thread, with the response or an Error (ConnectFailed, UpstreamTimeout…).
  virtual void send(const Endpoint& endpoint, Request request, std::chrono::milliseconds timeout,
                    std::function<void(Result<Response>)> done) = 0;
};

/// The gateway. Thread-safe: apply() may run while loops serve; each request keeps the snapshot
/// it started with. Owns its listeners and loops' state; the host owns the threads.
class Gateway {
 public:
  /// A gateway whose upstream calls go through the engine's pooled HTTP/1.1 client.
  Gateway();
  /// A gateway whose upstream calls go through `transport` (for tests and custom hosts).
  explicit Gateway(std::shared_ptr<Transport> transport);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  /// Validates and compiles `config`, then swaps it in atomically. On error the old snapshot stays.
  Result<void> apply(Config config);

  /// Runs the whole pipeline (routing, filters, load balancing, upstream) without a socket and
  /// blocks until the response is ready; request and response bodies are whole (the response
  /// within ServerOptions::max_body_bytes). Without a host Transport the exchange runs on one of
  /// the gateway's running loops, with that loop's pooled upstream client, the upstream's TLS
  /// settings and its services for the filters (timer, HTTP client, worker); when no loop runs,
  /// on a private loop run by the calling thread for this request. Must not be called from one
  /// of the gateway's loops.
  Response handle(Request request);
  /// Same, asynchronously: `done` is called once, from a loop thread. When no loop runs (and
  /// there is no host Transport), the call runs a private loop and returns after `done`. A loop
  /// that stops before the exchange is done answers it with a 503.
  void handle(Request request, std::function<void(Response)> done);

  /// Binds a listener (call before run()/start()). Errc::Io if the address cannot be bound.
  Result<void> listen(ListenOptions options);
  /// The bound port of listener `index` (useful with port 0), or 0.
  std::uint16_t port(std::size_t index = 0) const;
  /// Replaces the certificates of TLS listener `index`, loading them all first (on error the old
  /// ones stay). New connections get the new ones; open connections keep theirs. Any thread.
  Result<void> reload_certificates(std::vector<TlsCertificate> certificates, std::size_t index = 0);

  /// Runs one event loop on the calling thread until stop() has drained. Call from N threads
  /// for N loops.
  void run();
  /// Posts `loops` event loops to the host's executor; each task blocks its thread until stop().
  void start(Executor executor, std::size_t loops);
  /// Stops accepting, finishes in-flight requests within the drain timeout, closes idle
  /// connections; returns when every loop has returned: those running, those inside run() but not
  /// yet serving, and those start() posted. A run() called after stop() returned serves until the
  /// next stop. Safe from any thread (not from a loop).
  void stop();
  /// Asks for stop without waiting; from any thread, a loop's included, and remembered for loops
  /// that start later. Not async-signal-safe: call it from a thread that took the signal (sigwait).
  void request_stop();

  /// Where blocking filters run (Filter::blocking()). Without one they run on the loop thread.
  void set_worker_executor(Executor executor);
  /// Where log lines go.
  void set_log_sink(LogSink sink);

  /// The number of requests answered by the pipeline since start (all loops), for tests and the
  /// admin API. Requests the edge refuses before routing are counted by requests_rejected().
  std::uint64_t requests_served() const noexcept;
  /// The number of requests the edge answered itself with a protocol error (malformed, oversized
  /// or too slow head or body: 400, 405, 408, 413, 414, 417, 431, 501, 505), all loops. A body that
  /// breaks while it streams upstream is counted here and in requests_served().
  std::uint64_t requests_rejected() const noexcept;
  /// Event loops running now (registered by run() and not yet returned); for health checks and for
  /// hosts and tests that wait until the loops they started serve before they stop them.
  std::size_t running_loops() const;

 private:
  std::unique_ptr<detail::GatewayImpl> impl_;
};

}  // namespace portico
