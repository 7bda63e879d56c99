#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "lb_support.hpp"
#include "upstream/balancers.hpp"

using namespace portico;
using namespace std::chrono_literals;
using detail::lb::CookieStickyBalancer;
using detail::lb::StickyLimits;
using lbtest::endpoints;
using lbtest::with_cookie;

namespace {

struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  CookieStickyBalancer::Clock fn() {
    return [this] { return now; };
  }
};

std::optional<std::size_t> pick_with(LoadBalancer& lb, const std::string& value) {
  const auto in = with_cookie("sid", value);
  return lb.pick(in.get());
}

}  // namespace

TEST_CASE("sticky: the same cookie value keeps its endpoint; new values are spread by round robin",
          "[lb][sticky]") {
  const auto eps = endpoints(3);
  FakeClock clock;
  CookieStickyBalancer lb(eps, {.cookie = "sid", .expiry = 1000ms}, clock.fn());
  CHECK(pick_with(lb, "alice") == std::optional<std::size_t>{0});
  CHECK(pick_with(lb, "bob") == std::optional<std::size_t>{1});
  CHECK(pick_with(lb, "carol") == std::optional<std::size_t>{2});
  for (int i = 0; i < 5; ++i) {
    CHECK(pick_with(lb, "bob") == std::optional<std::size_t>{1});
    CHECK(pick_with(lb, "alice") == std::optional<std::size_t>{0});
  }
  CHECK(pick_with(lb, "dave") == std::optional<std::size_t>{0});
  CHECK(lb.session_count() == 4);
  CHECK(lb.session_endpoint("carol") == std::optional<std::size_t>{2});
  CHECK_FALSE(lb.session_endpoint("erin").has_value());
}

TEST_CASE("sticky: without the cookie it is plain round robin and remembers nothing", "[lb][sticky]") {
  const auto eps = endpoints(2);
  FakeClock clock;
  CookieStickyBalancer lb(eps, {.cookie = "sid", .expiry = 1000ms}, clock.fn());
  lbtest::Input plain;
  auto other = with_cookie("other", "x");
  auto empty = with_cookie("sid", "");
  CHECK(lb.pick(plain.get()) == std::optional<std::size_t>{0});
  CHECK(lb.pick(other.get()) == std::optional<std::size_t>{1});
  CHECK(lb.pick(empty.get()) == std::optional<std::size_t>{0});
  CHECK(lb.session_count() == 0);
}

TEST_CASE("sticky: a quoted cookie value is the same session as the bare value", "[lb][sticky]") {
  const auto eps = endpoints(2);
  FakeClock clock;
  CookieStickyBalancer lb(eps, {.cookie = "sid", .expiry = 1000ms}, clock.fn());
  CHECK(pick_with(lb, "first") == std::optional<std::size_t>{0});
  CHECK(pick_with(lb, "v1") == std::optional<std::size_t>{1});
  CHECK(pick_with(lb, "\"v1\"") == std::optional<std::size_t>{1});
}

TEST_CASE("sticky: a session lives while used within the expiry, and is re-picked once idle that long",
          "[lb][sticky]") {
  const auto eps = endpoints(3);
  FakeClock clock;
  CookieStickyBalancer lb(eps, {.cookie = "sid", .expiry = 1000ms}, clock.fn());
  CHECK(pick_with(lb, "alice") == std::optional<std::size_t>{0});
  clock.now += 999ms;
  CHECK(pick_with(lb, "alice") == std::optional<std::size_t>{0});  // refreshed
  clock.now += 999ms;
  CHECK(pick_with(lb, "alice") == std::optional<std::size_t>{0});  // 1998 ms after the first pick
  clock.now += 1000ms;                                             // idle exactly `expiry`: gone
  CHECK(pick_with(lb, "alice") == std::optional<std::size_t>{1});  // round robin's next
  CHECK(pick_with(lb, "alice") == std::optional<std::size_t>{1});  // and sticky again
  CHECK(lb.session_count() == 1);
}

TEST_CASE("sticky: a session whose endpoint is unavailable is re-pinned to an available one", "[lb][sticky]") {
  const auto eps = endpoints(3);
  FakeClock clock;
  CookieStickyBalancer lb(eps, {.cookie = "sid", .expiry = 60000ms}, clock.fn());
  CHECK(pick_with(lb, "alice") == std::optional<std::size_t>{0});
  lb.set_available(0, false);
  CHECK(pick_with(lb, "alice") == std::optional<std::size_t>{1});
  lb.set_available(0, true);
  CHECK(pick_with(lb, "alice") == std::optional<std::size_t>{1});  // stays where it was moved
  CHECK(lb.session_endpoint("alice") == std::optional<std::size_t>{1});
  for (std::size_t i = 0; i < 3; ++i) lb.set_available(i, false);
  CHECK_FALSE(pick_with(lb, "alice").has_value());
  CHECK_FALSE(pick_with(lb, "bob").has_value());
  CHECK_FALSE(lb.session_endpoint("bob").has_value());  // nothing remembered for a failed pick
}

TEST_CASE("sticky: weights apply to new sessions", "[lb][sticky]") {
  const auto eps = endpoints({5, 1, 1});
  FakeClock clock;
  CookieStickyBalancer lb(eps, {.cookie = "sid", .expiry = 60000ms}, clock.fn());
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 700; ++i) ++counts[*pick_with(lb, "user" + std::to_string(i))];
  CHECK(counts == std::vector<int>{500, 100, 100});
}

TEST_CASE("sticky: the table is bounded; the least recently used session goes first", "[lb][sticky]") {
  const auto eps = endpoints(3);
  FakeClock clock;
  SECTION("one shard of three") {
    CookieStickyBalancer lb(eps, {.cookie = "sid", .expiry = 60000ms}, clock.fn(),
                            StickyLimits{.max_sessions = 3, .shards = 1});
    CHECK(pick_with(lb, "s1") == std::optional<std::size_t>{0});
    CHECK(pick_with(lb, "s2") == std::optional<std::size_t>{1});
    CHECK(pick_with(lb, "s3") == std::optional<std::size_t>{2});
    clock.now += 1ms;
    CHECK(pick_with(lb, "s1") == std::optional<std::size_t>{0});  // s1 is now the most recent
    CHECK(pick_with(lb, "s4") == std::optional<std::size_t>{0});  // evicts s2, the oldest
    CHECK(lb.session_count() == 3);
    CHECK_FALSE(lb.session_endpoint("s2").has_value());
    CHECK(lb.session_endpoint("s1") == std::optional<std::size_t>{0});
    CHECK(lb.session_endpoint("s3") == std::optional<std::size_t>{2});
    CHECK(lb.session_endpoint("s4") == std::optional<std::size_t>{0});
    CHECK(pick_with(lb, "s2") == std::optional<std::size_t>{1});  // a new session now
  }
  SECTION("sixteen shards, 64 sessions at most, 5000 distinct clients") {
    CookieStickyBalancer lb(eps, {.cookie = "sid", .expiry = 60000ms}, clock.fn(),
                            StickyLimits{.max_sessions = 64, .shards = 16});
    for (int i = 0; i < 5000; ++i) {
      REQUIRE(pick_with(lb, "client-" + std::to_string(i)).has_value());
      REQUIRE(lb.session_count() <= 64);
    }
    CHECK(lb.session_count() == 64);
    CHECK_FALSE(lb.session_endpoint("client-0").has_value());
    CHECK(lb.session_endpoint("client-4999").has_value());
  }
  SECTION("the default bound is 100k sessions") {
    CHECK(StickyLimits{}.max_sessions == 100000);
  }
}

TEST_CASE("sticky: expired sessions are evicted lazily when new ones arrive", "[lb][sticky]") {
  const auto eps = endpoints(2);
  FakeClock clock;
  CookieStickyBalancer lb(eps, {.cookie = "sid", .expiry = 1000ms}, clock.fn(),
                          StickyLimits{.max_sessions = 100, .shards = 1, .evictions_per_insert = 8});
  for (int i = 0; i < 10; ++i) pick_with(lb, "old" + std::to_string(i));
  CHECK(lb.session_count() == 10);
  clock.now += 1000ms;
  pick_with(lb, "new1");  // reuses one expired session's memory and drops eight more
  CHECK(lb.session_count() == 2);
  pick_with(lb, "new2");  // reuses the last expired one
  CHECK(lb.session_count() == 2);
  CHECK(lb.session_endpoint("new1").has_value());
  CHECK(lb.session_endpoint("new2").has_value());
  CHECK_FALSE(lb.session_endpoint("old9").has_value());
}

TEST_CASE("sticky: a long cookie value costs one fixed-size session", "[lb][sticky]") {
  const auto eps = endpoints(2);
  FakeClock clock;
  CookieStickyBalancer lb(eps, {.cookie = "sid", .expiry = 1000ms}, clock.fn());
  const std::string jwt(4096, 'x');
  CHECK(pick_with(lb, jwt) == std::optional<std::size_t>{0});
  CHECK(pick_with(lb, jwt + "y") == std::optional<std::size_t>{1});
  CHECK(pick_with(lb, jwt) == std::optional<std::size_t>{0});
  CHECK(lb.session_count() == 2);
}

TEST_CASE("sticky: make_cookie_sticky without a clock uses the steady clock", "[lb][sticky]") {
  const auto eps = endpoints(2);
  auto lb = make_cookie_sticky(eps, {.cookie = "sid", .expiry = std::chrono::minutes(5)});
  CHECK(pick_with(*lb, "a") == std::optional<std::size_t>{0});
  CHECK(pick_with(*lb, "b") == std::optional<std::size_t>{1});
  CHECK(pick_with(*lb, "a") == std::optional<std::size_t>{0});
  CHECK(pick_with(*lb, "b") == std::optional<std::size_t>{1});
  CHECK_FALSE(make_cookie_sticky({}, {.cookie = "sid"})->pick(with_cookie("sid", "a").get()).has_value());
}
