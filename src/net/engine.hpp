#pragma once
// Internal: the proxy engine. GatewayImpl is the state behind portico::Gateway; a Loop is one
// event loop run by one host thread; a ClientConnection serves one accepted connection.
//
// Threads: each Loop's io_context is run by exactly one thread (the one in Gateway::run), which
// owns that loop's connections, upstream pool and timers. Shared across loops: the snapshot
// (swapped under a mutex, cached per loop by generation), the listening sockets (each loop
// accepts on its own dup of the fd), the connection count (atomic) and TLS contexts (read-only).

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/gateway_shared.hpp"
#include "core/snapshot.hpp"
#include "net/asio.hpp"
#include "net/loop_services.hpp"
#include "net/reject_log.hpp"
#include "net/tls.hpp"
#include "net/upstream_pool.hpp"

namespace portico::net {
class Loop;
class ClientConnection;
}  // namespace portico::net

namespace portico::detail {

class GatewayImpl {
 public:
  explicit GatewayImpl(std::shared_ptr<Transport> transport);
  ~GatewayImpl();

  Result<void> apply(Config config);
  std::shared_ptr<const Snapshot> snapshot() const;
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

  Result<void> listen(const ListenOptions& options);
  std::uint16_t port(std::size_t index) const;
  /// Swaps listener `index`'s server TLS contexts (listener.cpp); server_tls() is what an accept uses.
  Result<void> reload_certificates(const std::vector<TlsCertificate>& certificates, std::size_t index);
  std::shared_ptr<net::ServerTls> server_tls(std::size_t index) const;

  void run();
  /// Loops registered and not yet returned (for Gateway::running_loops).
  std::size_t running_loops() const;
  void start(Executor executor, std::size_t loops);
  void stop();
  void request_stop();

  void handle(Request request, std::function<void(Response)> done);
  /// Posts `fn` to one of the running loops (round robin), to run on that loop's thread. False
  /// when none runs or the gateway is stopping. If the loop stops before running it, `fn` is
  /// destroyed uncalled (on that loop's thread, or the one destroying the loop).
  bool post_to_loop(std::function<void(net::Loop&)> fn);

  /// A client TLS context for an upstream's settings, created once and shared by every loop.
  Result<std::shared_ptr<asio::ssl::context>> client_tls(const std::string& key, const UpstreamTls& tls);

  struct Listener {
    int fd = -1;
    std::uint16_t port = 0;
    std::shared_ptr<net::ServerTls> tls;
    bool shut = false;  // shut down by a stop (the kernel refuses connections); listens again on the next run
    sockaddr_storage address{};  // the bound address (with the port picked for port 0)
    socklen_t address_len = 0;
  };
  const std::vector<Listener>& listeners() const noexcept { return listeners_; }

  std::shared_ptr<GatewayShared> shared = std::make_shared<GatewayShared>();
  std::shared_ptr<Transport> transport;
  std::atomic<std::size_t> connections{0};
  /// Bounds the log lines for requests the edge rejects (ServerOptions::rejected_log_per_second).
  net::RejectLogLimiter reject_log;

  /// Called by a loop when it starts and ends.
  bool register_loop(net::Loop* loop);
  void unregister_loop(net::Loop* loop);
  bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex snapshot_mu_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::atomic<std::uint64_t> generation_{0};

  std::vector<Listener> listeners_;

  mutable std::mutex loops_mu_;
  std::condition_variable loops_cv_;
  std::vector<net::Loop*> loops_;
  std::size_t next_loop_ = 0;  // post_to_loop's round robin (under loops_mu_)
  std::size_t loops_pending_ = 0;  // posted by start(), or inside run(), but not yet registered
  std::atomic<bool> stopping_{false};

  std::mutex tls_mu_;
  std::map<std::string, std::shared_ptr<asio::ssl::context>> client_tls_;
  mutable std::mutex server_tls_mu_;  // guards listeners_[i].tls once loops run (reload_certificates)
};

}  // namespace portico::detail

namespace portico::net {

/// One event loop. Created and run on the thread that called Gateway::run().
class Loop {
 public:
  explicit Loop(detail::GatewayImpl& gw);
  ~Loop();

  /// Accepts and serves until the gateway stops and this loop has drained.
  void run();
  /// Runs this loop for Gateway::handle() on the calling thread when no loop of the gateway runs
  /// (no listeners, no sweep), until stop_private() is called from a handler; then ends what is
  /// left as run() does.
  void run_private();
  /// Ends run_private() (loop thread).
  void stop_private() { io_.stop(); }

  /// Work a loop runs for someone other than a client connection (a Gateway::handle() exchange):
  /// abandoned when the loop stops before it is done.
  class Guest {
   public:
    /// The loop stopped: answer whoever waits, and let go of everything. Loop thread.
    virtual void abandon() noexcept = 0;

   protected:
    ~Guest() = default;
  };
  std::list<Guest*>::iterator add_guest(Guest* g) { return guests_.insert(guests_.end(), g); }
  void remove_guest(std::list<Guest*>::iterator it) { guests_.erase(it); }
  /// From any thread: begin the graceful stop on this loop.
  void post_drain();

  asio::io_context& io() noexcept { return io_; }
  detail::GatewayImpl& gateway() noexcept { return gw_; }
  UpstreamPool& pool() noexcept { return pool_; }
  /// The services this loop gives its exchanges' filters (timer, HTTP client, worker).
  LoopServices& services() noexcept { return services_; }
  /// The current snapshot (re-read only when the gateway's generation changed).
  const std::shared_ptr<const detail::Snapshot>& snapshot();
  bool draining() const noexcept { return draining_; }

  std::size_t in_flight = 0;

  void add(ClientConnection* c);
  /// Forgets a connection; `release_count` gives its slot of max_connections back.
  void remove(ClientConnection* c, bool release_count);

  /// Keeps an idle keep-alive socket without a coroutine: one readiness wait, resumed into a
  /// new serve_connection when bytes arrive; closed by the sweep after the idle timeout (counted
  /// from `idle_since`) or at once by a drain. The connection keeps its max_connections slot.
  void park(tcp::socket socket, std::chrono::steady_clock::time_point idle_since);

  /// An empty string with capacity from this loop's free list (output buffers are reused across
  /// responses and connections, so neither a response nor an idle connection allocates one).
  std::string take_buffer() {
    if (free_buffers_.empty()) return {};
    std::string b = std::move(free_buffers_.back());
    free_buffers_.pop_back();
    return b;
  }
  /// Returns a buffer to the free list (kept only while small and the list is short).
  void give_buffer(std::string b) {
    if (b.capacity() > 16384 || free_buffers_.size() >= 256) return;
    b.clear();
    free_buffers_.push_back(std::move(b));
  }

 private:
  void begin_drain();
  void maybe_finish();
  /// After the io_context stopped: drops pending service callbacks, abandons the guests.
  void end_run() noexcept;
  awaitable<void> accept_loop(tcp::acceptor& acceptor, std::size_t listener_index);
  awaitable<void> sweep_loop();

  detail::GatewayImpl& gw_;
  UpstreamPool pool_;
  std::shared_ptr<const detail::Snapshot> snapshot_;
  std::uint64_t snapshot_generation_ = ~0ull;
  std::list<ClientConnection*> connections_;
  struct Parked {
    std::unique_ptr<tcp::socket> socket;
    std::chrono::steady_clock::time_point idle_since;
  };
  std::list<Parked> parked_;  // oldest first (parked in time order)
  void unpark(std::list<Parked>::iterator it, std::error_code ec);
  void close_parked(std::chrono::steady_clock::time_point older_than);
  std::vector<std::string> free_buffers_;
  std::list<Guest*> guests_;
  bool draining_ = false;
  bool finished_ = false;
  // Outlives the io_context: fetch coroutines and timers it destroys unregister here.
  LoopServices services_{*this};
  // Declared after what coroutine frames touch when destroyed with it (connections_, pool_),
  // and before the I/O objects that must go first (~Loop resets those explicitly).
  // One thread runs this context and touches its sockets and timers; other threads only post().
  // So the reactor's per-socket locks are off; the scheduler keeps its own for post().
  asio::io_context io_{ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::unique_ptr<asio::steady_timer> drain_timer_;
  std::unique_ptr<asio::steady_timer> sweep_timer_;
};

/// Serves one accepted connection: TLS handshake, heads, bodies, keep-alive, pipelining.
awaitable<void> serve_connection(Loop& loop, tcp::socket socket, std::shared_ptr<ServerTls> tls);

}  // namespace portico::net
