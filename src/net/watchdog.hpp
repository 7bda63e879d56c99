#pragma once
// Internal: a resettable deadline that cancels a stream's pending operations when it passes.
// Re-arming to a later time costs no timer operation: the timer fires at the old time, sees the
// new deadline and waits again. One per connection; used only on its loop's thread.

#include <chrono>
#include <memory>

#include "net/asio.hpp"
#include "net/stream.hpp"

namespace portico::net {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  Watchdog(const asio::any_io_executor& ex, Stream* target) : s_(std::make_shared<State>(ex, target)) {}
  ~Watchdog() {
    s_->target = nullptr;
    s_->timer.cancel();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  /// Expire `d` from now (replaces any earlier deadline).
  void arm(Clock::duration d) { arm_at(Clock::now() + d); }
  void arm_at(Clock::time_point t) {
    s_->deadline = t;
    s_->fired = false;
    if (!s_->waiting) {
      wait(s_);
    } else if (s_->timer.expiry() > t) {
      s_->timer.expires_at(t);  // cancels the wait; the handler re-waits at the new time
    }
  }
  /// No deadline.
  void disarm() noexcept { s_->deadline = Clock::time_point::max(); }
  /// Points at another stream (the upstream side re-targets after connecting).
  void retarget(Stream* target) noexcept { s_->target = target; }
  /// True once the deadline passed and the stream was cancelled (until the next arm).
  bool fired() const noexcept { return s_->fired; }

 private:
  struct State {
    State(const asio::any_io_executor& ex, Stream* t) : timer(ex), target(t) {}
    asio::steady_timer timer;
    Stream* target;
    Clock::time_point deadline = Clock::time_point::max();
    bool waiting = false;
    bool fired = false;
  };

  static void wait(const std::shared_ptr<State>& s) {
    s->waiting = true;
    s->timer.expires_at(s->deadline);
    s->timer.async_wait([s](std::error_code) {
      s->waiting = false;
      if (!s->target || s->deadline == Clock::time_point::max()) return;
      if (Clock::now() >= s->deadline) {
        s->fired = true;
        s->deadline = Clock::time_point::max();
        s->target->cancel();
      } else {
        wait(s);
      }
    });
  }

  std::shared_ptr<State> s_;
};

}  // namespace portico::net
