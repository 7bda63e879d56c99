#include "net/loop_services.hpp"

#include "net/engine.hpp"
#include "net/loop_client.hpp"
#include "net/redis_client.hpp"
#include "net/upstream_pool.hpp"

namespace portico::net {

/// One timer: owned by its wait's handler (and, until armed, by the posted arming); the
/// TimerHandle holds it weakly. Registered with its LoopServices, for shutdown(), once armed.
class LoopServices::LoopTimer final : public detail::TimerControl {
 public:
  LoopTimer(LoopServices& owner, std::function<void()> fn) : owner_(owner), timer_(owner.loop_.io()), fn_(std::move(fn)) {}
  ~LoopTimer() override {
    if (registered_) owner_.timers_.erase(self_);
  }
  void cancel() noexcept override {
    fn_ = nullptr;
    timer_.cancel();
  }

  /// Loop thread: starts the wait (unless cancelled already or the loop stopped).
  static void arm(std::shared_ptr<LoopTimer> t, std::chrono::milliseconds delay) {
    if (!t->fn_ || t->owner_.stopped_) return;
    t->owner_.timers_.push_back(t.get());
    t->self_ = std::prev(t->owner_.timers_.end());
    t->registered_ = true;
    t->timer_.expires_after(delay);
    auto& timer = t->timer_;
    timer.async_wait([t = std::move(t)](std::error_code ec) {
      auto fn = std::move(t->fn_);
      t->fn_ = nullptr;
      if (!ec && fn) t->owner_.call(fn, "timer");
    });
  }

 private:
  LoopServices& owner_;
  asio::steady_timer timer_;
  std::function<void()> fn_;
  std::list<LoopTimer*>::iterator self_;
  bool registered_ = false;
};

LoopServices::~LoopServices() = default;

TimerHandle LoopServices::timer(std::chrono::milliseconds delay, std::function<void()> fn) {
  if (!fn) return {};
  auto t = std::make_shared<LoopTimer>(*this, std::move(fn));
  TimerHandle handle{std::weak_ptr<detail::TimerControl>(t)};
  auto& io = loop_.io();
  if (io.get_executor().running_in_this_thread())
    LoopTimer::arm(std::move(t), delay);
  else  // another thread (a blocking filter on the worker): armed on the loop
    asio::post(io, [t = std::move(t), delay]() mutable { LoopTimer::arm(std::move(t), delay); });
  return handle;
}

void LoopServices::fetch(ClientRequest request, ClientCallback done) {
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  auto& io = loop_.io();
  asio::post(io, [this, request = std::move(request), pending = std::move(pending)]() mutable {
    if (stopped_) return;  // the loop is going away: the callback is dropped uncalled
    asio::co_spawn(loop_.io(), run_fetch(std::move(request), std::move(pending)), asio::detached);
  });
}

awaitable<void> LoopServices::run_fetch(ClientRequest request, std::shared_ptr<Pending> pending) {
  fetches_.push_back(pending);
  struct Registered {  // also when the io_context destroys this frame after shutdown()
    LoopServices& s;
    std::list<std::weak_ptr<Pending>>::iterator it;
    ~Registered() { s.fetches_.erase(it); }
  } registered{*this, std::prev(fetches_.end())};
  auto result = co_await client_round_trip(loop_, request, *pending);
  auto done = std::move(pending->done);
  pending->done = nullptr;
  if (!done) co_return;  // dropped by shutdown()
  call([&] { done(std::move(result)); }, "fetch callback");
}

void LoopServices::redis(const RedisEndpoint& endpoint, std::span<const std::string_view> args,
                         std::chrono::milliseconds timeout, RedisCallback done) {
  if (stopped_ || !done) return;
  for (auto& c : redis_)
    if (c->endpoint().id == endpoint.id) return c->command(args, timeout, std::move(done));
  redis_.push_back(std::make_shared<RedisClient>(loop_, endpoint));
  redis_.back()->start();
  redis_.back()->command(args, timeout, std::move(done));
}

Executor LoopServices::worker() const { return loop_.gateway().shared->worker(); }

void LoopServices::call(const std::function<void()>& fn, const char* what) noexcept {
  try {
    fn();
  } catch (const std::exception& e) {
    loop_.gateway().shared->log(LogLevel::Warn, std::string("a filter's ") + what + " threw: " + e.what());
  } catch (...) {
    loop_.gateway().shared->log(LogLevel::Warn, std::string("a filter's ") + what + " threw a non-exception");
  }
}

void LoopServices::shutdown() noexcept {
  stopped_ = true;
  // Destroying a callback may destroy what it captured (a Deferred, which then posts to the
  // stopped loop): take them out first, then let them go.
  std::vector<ClientCallback> dropped;
  for (auto& weak : fetches_) {
    auto p = weak.lock();
    if (!p) continue;
    dropped.push_back(std::move(p->done));
    p->done = nullptr;
    if (p->conn) p->conn->stream.close();
  }
  for (auto& c : redis_) c->shutdown();  // their callbacks are dropped uncalled
  redis_.clear();
  std::vector<LoopTimer*> timers(timers_.begin(), timers_.end());
  for (auto* t : timers) t->cancel();  // its handler, destroyed with the io_context, unregisters it
  dropped.clear();
}

}  // namespace portico::net
