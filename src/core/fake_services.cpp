// The test harness's FakeServices: a manual clock and a fake HTTP client (no sockets, no threads).
#include <algorithm>
#include <stdexcept>

#include "portico/testing/filter_harness.hpp"

namespace portico::testing {

struct FakeServices::Timer final : detail::TimerControl {
  std::chrono::milliseconds due{0};
  std::uint64_t sequence = 0;  // ties run in arming order
  std::function<void()> fn;
  void cancel() noexcept override { fn = nullptr; }
};

FakeServices::FakeServices() : worker_tasks_(std::make_shared<std::deque<std::function<void()>>>()) {}
FakeServices::~FakeServices() = default;

TimerHandle FakeServices::timer(std::chrono::milliseconds delay, std::function<void()> fn) {
  if (!fn) return {};
  auto t = std::make_shared<Timer>();
  t->due = now_ + std::max(delay, std::chrono::milliseconds(0));
  t->sequence = ++sequence_;
  t->fn = std::move(fn);
  timers_.push_back(t);
  return TimerHandle(std::weak_ptr<detail::TimerControl>(t));
}

std::size_t FakeServices::pending_timers() const noexcept {
  return static_cast<std::size_t>(std::count_if(timers_.begin(), timers_.end(), [](const auto& t) { return t->fn != nullptr; }));
}

std::size_t FakeServices::advance(std::chrono::milliseconds by) {
  const auto target = now_ + by;
  std::size_t ran = 0;
  for (;;) {
    std::erase_if(timers_, [](const auto& t) { return !t->fn; });
    auto next = std::min_element(timers_.begin(), timers_.end(), [](const auto& a, const auto& b) {
      return a->due != b->due ? a->due < b->due : a->sequence < b->sequence;
    });
    if (next == timers_.end() || (*next)->due > target) break;
    auto t = *next;
    timers_.erase(next);
    now_ = std::max(now_, t->due);
    auto fn = std::move(t->fn);
    t->fn = nullptr;
    fn();
    ++ran;
  }
  now_ = target;
  return ran;
}

void FakeServices::fetch(ClientRequest request, ClientCallback done) {
  fetched_.push_back(request);
  fetches_.push_back(Fetch{std::move(request), std::move(done)});
}

const ClientRequest& FakeServices::pending_fetch(std::size_t index) const {
  if (index >= fetches_.size()) throw std::out_of_range("FakeServices: no pending fetch " + std::to_string(index));
  return fetches_[index].request;
}

bool FakeServices::answer(Result<Response> result, std::size_t index) {
  if (index >= fetches_.size()) return false;
  auto done = std::move(fetches_[index].done);
  fetches_.erase(fetches_.begin() + static_cast<std::ptrdiff_t>(index));
  if (done) done(std::move(result));
  return true;
}

Executor FakeServices::worker() const {
  std::weak_ptr<std::deque<std::function<void()>>> tasks = worker_tasks_;
  return Executor([tasks](Executor::Task task) {
    if (auto q = tasks.lock()) q->push_back(std::move(task));
  });
}

std::size_t FakeServices::run_worker_tasks() {
  std::size_t ran = 0;
  while (!worker_tasks_->empty()) {
    auto task = std::move(worker_tasks_->front());
    worker_tasks_->pop_front();
    task();
    ++ran;
  }
  return ran;
}

}  // namespace portico::testing
