#pragma once
// Internal: the token bucket that bounds the log lines written for requests the edge rejects, so
// a flood of bad requests cannot fill the log. Shared by every loop of a gateway (a mutex: it is
// taken only on the rejection path). Time is passed in, so tests drive it with their own clock.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace portico::net {

class RejectLogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// True if one more line may be written at `now` with `per_second` lines per second (and a
  /// burst of as many). When true, `suppressed` is the number of lines refused since the last
  /// admitted one (the caller reports it with the line), and the count restarts.
  bool admit(Clock::time_point now, std::size_t per_second, std::uint64_t& suppressed) {
    return take(now, per_second, suppressed, false);
  }

  /// For a periodic sweep: true (with the count in `suppressed`) when lines were refused and a
  /// summary line may be written now, so a flood that stopped is still reported.
  bool summary(Clock::time_point now, std::size_t per_second, std::uint64_t& suppressed) {
    return take(now, per_second, suppressed, true);
  }

 private:
  bool take(Clock::time_point now, std::size_t per_second, std::uint64_t& suppressed, bool only_if_suppressed) {
    std::lock_guard lock(mu_);
    suppressed = 0;
    if (per_second == 0 || (only_if_suppressed && suppressed_ == 0)) return false;
    const double cap = static_cast<double>(per_second);
    if (!started_) {
      started_ = true;
      tokens_ = cap;
    } else if (now > last_) {
      tokens_ = std::min(cap, tokens_ + std::chrono::duration<double>(now - last_).count() * cap);
    }
    last_ = std::max(last_, now);
    if (tokens_ < 1.0) {
      if (!only_if_suppressed) ++suppressed_;
      return false;
    }
    tokens_ -= 1.0;
    suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }

  std::mutex mu_;
  bool started_ = false;
  double tokens_ = 0;
  Clock::time_point last_{};
  std::uint64_t suppressed_ = 0;
};

}  // namespace portico::net
