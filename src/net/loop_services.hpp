#pragma once
// Internal: one loop's Services for its exchanges' filters: one-shot timers on the loop's
// io_context, the loop HTTP client (on the loop's upstream pool, through net/upstream_io.hpp), and
// the gateway's worker executor. Owned by the Loop; lives longer than the loop's io_context, so
// what the io_context destroys at the end can still unregister itself here.
//
// Loop stop: shutdown() (after the io_context stopped running) destroys every pending timer and
// fetch callback without calling it and closes the fetches' connections; the suspended fetch
// coroutines are destroyed with the io_context afterwards and call nothing.

#include <list>
#include <memory>
#include <vector>

#include "net/asio.hpp"
#include "portico/services.hpp"

namespace portico::net {

class Loop;
class RedisClient;
struct UpstreamConn;

class LoopServices final : public Services {
 public:
  explicit LoopServices(Loop& loop) : loop_(loop) {}
  ~LoopServices() override;
  LoopServices(const LoopServices&) = delete;
  LoopServices& operator=(const LoopServices&) = delete;

  bool on_loop() const noexcept override { return true; }
  /// Callable from any thread (arms on the loop thread); cancel the handle on the loop thread.
  TimerHandle timer(std::chrono::milliseconds delay, std::function<void()> fn) override;
  /// Callable from any thread; `done` runs on the loop thread.
  void fetch(ClientRequest request, ClientCallback done) override;
  Executor worker() const override;
  /// Loop thread only: the loop's connection to `endpoint` (made on first use).
  void redis(const RedisEndpoint& endpoint, std::span<const std::string_view> args, std::chrono::milliseconds timeout,
             RedisCallback done) override;

  /// The loop stopped: pending callbacks are destroyed uncalled (see the file comment). Loop thread.
  void shutdown() noexcept;

  /// A fetch in flight, registered for shutdown(); the fetch coroutine owns it.
  struct Pending {
    ClientCallback done;
    UpstreamConn* conn = nullptr;  // the connection in use, closed by shutdown()
  };
  class LoopTimer;

 private:
  awaitable<void> run_fetch(ClientRequest request, std::shared_ptr<Pending> pending);
  void call(const std::function<void()>& fn, const char* what) noexcept;
  friend class LoopTimer;

  Loop& loop_;
  std::list<std::weak_ptr<Pending>> fetches_;
  std::list<LoopTimer*> timers_;
  std::vector<std::shared_ptr<RedisClient>> redis_;  // one per endpoint id; closed by shutdown()
  bool stopped_ = false;
};

}  // namespace portico::net
