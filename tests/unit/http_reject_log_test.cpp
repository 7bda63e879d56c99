// The token bucket that bounds rejection log lines, driven by a test clock.
#include <catch2/catch.hpp>

#include "net/reject_log.hpp"

using portico::net::RejectLogLimiter;
using namespace std::chrono_literals;

TEST_CASE("rejection log lines: a burst of per_second, then suppressed with a count", "[http][reject_log]") {
  RejectLogLimiter limiter;
  const auto t0 = RejectLogLimiter::Clock::time_point{} + 100s;
  std::uint64_t suppressed = 99;
  for (int i = 0; i < 5; ++i) {
    CHECK(limiter.admit(t0, 5, suppressed));
    CHECK(suppressed == 0);
  }
  for (int i = 0; i < 7; ++i) CHECK_FALSE(limiter.admit(t0 + 10ms, 5, suppressed));
  // 200 ms later one token is back: the line reports the 7 that were dropped.
  CHECK(limiter.admit(t0 + 210ms, 5, suppressed));
  CHECK(suppressed == 7);
  CHECK_FALSE(limiter.admit(t0 + 211ms, 5, suppressed));
  // A long pause refills to the burst size, not beyond.
  for (int i = 0; i < 5; ++i) CHECK(limiter.admit(t0 + 60s, 5, suppressed));
  CHECK_FALSE(limiter.admit(t0 + 60s, 5, suppressed));
  // The sweep's summary: only when lines were refused and a token is back.
  CHECK_FALSE(limiter.summary(t0 + 60s, 5, suppressed));  // refused one, but no token yet
  CHECK(limiter.summary(t0 + 61s, 5, suppressed));
  CHECK(suppressed == 1);
  CHECK_FALSE(limiter.summary(t0 + 62s, 5, suppressed));  // nothing refused since
  // 0 lines per second: nothing is logged.
  RejectLogLimiter off;
  CHECK_FALSE(off.admit(t0, 0, suppressed));
}
