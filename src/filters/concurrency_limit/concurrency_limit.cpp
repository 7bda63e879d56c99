// The concurrency limit: an atomic in-flight counter per filter, a FIFO of deferred waiters with a
// loop timer each for the queue timeout, slots released when exchanges complete.

#include "portico/filters/concurrency_limit.hpp"

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace portico::filters {

namespace {

struct Waiter {
  enum : int { Waiting, Admitted, Gone };  // Gone: timed out, or its exchange ended while waiting
  std::atomic<int> state{Waiting};
  Deferred deferred;
  std::string request_id;
};

struct State {
  std::atomic<std::size_t> in_flight{0};
  std::mutex mu;  // the queue; taken only when every slot is busy (and to release into a queue)
  std::deque<std::shared_ptr<Waiter>> queue;  // may hold Gone waiters, dropped as they reach the front
  std::size_t waiting = 0;                    // Waiting ones in `queue`
};

using WaiterPtr = std::shared_ptr<Waiter>;

class ConcurrencyLimitFilter final : public Filter {
 public:
  explicit ConcurrencyLimitFilter(ConcurrencyLimitConfig c) : c_(c), state_(std::make_shared<State>()) {}
  std::string_view name() const noexcept override { return "concurrency_limit"; }
  Phase phase() const noexcept override { return Phase::Limits; }
  bool may_set_framing_fields() const noexcept override { return false; }
  bool observes_completion() const noexcept override { return true; }

  FilterResult on_request(Exchange& ex) const override {
    if (take_slot()) {
      ex.set(kAttr, true);
      return FilterResult::next();
    }
    std::unique_lock lock(state_->mu);
    if (take_slot()) {  // a slot was released meanwhile
      lock.unlock();
      ex.set(kAttr, true);
      return FilterResult::next();
    }
    if (c_.max_queue == 0 || state_->waiting >= c_.max_queue || !ex.services().on_loop()) {
      lock.unlock();
      return FilterResult::respond(busy(c_, ex.request_id(), "too many requests in flight"));
    }
    auto w = std::make_shared<Waiter>();
    w->request_id = std::string(ex.request_id());
    ex.set(kAttr, w);
    w->deferred = ex.defer();
    state_->queue.push_back(w);
    ++state_->waiting;
    lock.unlock();
    ex.services().timer(c_.queue_timeout, [state = state_, w, c = c_] {
      int s = Waiter::Waiting;
      if (!w->state.compare_exchange_strong(s, Waiter::Gone)) return;  // admitted (or gone) first
      {
        std::lock_guard l(state->mu);
        --state->waiting;
      }
      w->deferred.respond(busy(c, w->request_id, "timed out waiting for a request slot"));
    });
    return FilterResult::pending();
  }

  void on_complete(const Exchange& exchange, const ExchangeRecord&) const override {
    // Reading an attribute changes nothing; Exchange::get is not const.
    auto& ex = const_cast<Exchange&>(exchange);
    if (auto* held = ex.get<bool>(kAttr)) {
      if (*held) release();
      return;
    }
    auto* w = ex.get<WaiterPtr>(kAttr);
    if (!w || !*w) return;
    int s = Waiter::Waiting;
    if ((*w)->state.compare_exchange_strong(s, Waiter::Gone)) {  // ended while waiting: never held a slot
      std::lock_guard l(state_->mu);
      --state_->waiting;
    } else if (s == Waiter::Admitted) {
      release();
    }
  }

 private:
  static constexpr std::string_view kAttr = "concurrency";

  static Response busy(const ConcurrencyLimitConfig& c, std::string_view request_id, std::string_view why) {
    Response r = Response::problem(503, why, request_id);
    r.headers.set("Retry-After", std::to_string(c.retry_after.count()));
    return r;
  }

  bool take_slot() const {
    std::size_t n = state_->in_flight.load(std::memory_order_relaxed);
    while (n < c_.max_concurrent)
      if (state_->in_flight.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel)) return true;
    return false;
  }

  // Hands the slot to the oldest waiter, or frees it.
  void release() const {
    std::unique_lock lock(state_->mu);
    while (!state_->queue.empty()) {
      WaiterPtr w = std::move(state_->queue.front());
      state_->queue.pop_front();
      int s = Waiter::Waiting;
      if (w->state.compare_exchange_strong(s, Waiter::Admitted)) {
        --state_->waiting;
        lock.unlock();
        w->deferred.next();
        return;
      }
    }
    state_->in_flight.fetch_sub(1, std::memory_order_acq_rel);
  }

  ConcurrencyLimitConfig c_;
  std::shared_ptr<State> state_;
};

}  // namespace

Result<FilterPtr> make_concurrency_limit(ConcurrencyLimitConfig config) {
  if (config.max_concurrent < 1)
    return make_error(Errc::InvalidConfig, "at least one request must be allowed in flight", "max_concurrent");
  if (config.max_queue > 0 && config.queue_timeout.count() < 1)
    return make_error(Errc::InvalidConfig, "a queue needs a timeout of at least 1 ms", "queue_timeout");
  if (config.retry_after.count() < 0)
    return make_error(Errc::InvalidConfig, "Retry-After must not be negative", "retry_after");
  return FilterPtr(std::make_shared<ConcurrencyLimitFilter>(config));
}

}  // namespace portico::filters
