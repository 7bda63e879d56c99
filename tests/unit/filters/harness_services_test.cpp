// The harness's FakeServices: a manual clock for timers and a fake HTTP client the test answers.
#include <catch2/catch.hpp>

#include "portico/testing/filter_harness.hpp"

using namespace portico;
using namespace std::chrono_literals;
using portico::testing::FilterHarness;

namespace {

/// Fetches the JWKS URL and answers with what it got (the shape of a JWT or introspection filter).
FilterPtr jwks_filter() {
  return request_filter("jwks", [](Exchange& ex) {
    Deferred d = ex.defer();
    ClientRequest r;
    r.url = "https://idp.test/.well-known/jwks.json";
    r.headers.add("Accept", "application/json");
    ex.services().fetch(std::move(r), [d](Result<Response> got) {
      if (!got) {
        d.fail(make_error(Errc::UpstreamTimeout, got.error().message));
        return;
      }
      if (got->body == "keys") d.next();
      else d.respond(Response::problem(401, "unknown key"));
    });
    return FilterResult::pending();
  });
}

}  // namespace

TEST_CASE("harness services: a fetch waits until the test answers it", "[filters][harness][services]") {
  FilterHarness h(jwks_filter());
  h.request("GET", "/api");
  REQUIRE(h.run_request().pending());
  REQUIRE(h.services().pending_fetches() == 1);
  CHECK(h.services().pending_fetch().url == "https://idp.test/.well-known/jwks.json");
  CHECK(h.services().pending_fetch().headers.get("Accept") == std::optional<std::string_view>("application/json"));
  CHECK(h.services().pending_fetch().tls.verify);  // verification on by default

  SECTION("a response") {
    REQUIRE(h.services().answer(Response::text(200, "keys")));
    CHECK(h.outcome().next());
    CHECK(h.services().pending_fetches() == 0);
    CHECK(h.services().fetched().size() == 1);
  }
  SECTION("another response") {
    REQUIRE(h.services().answer(Response::text(200, "other")));
    REQUIRE(h.outcome().responded());
    CHECK(h.outcome().response->status == 401);
  }
  SECTION("an error") {
    REQUIRE(h.services().answer(make_error(Errc::UpstreamTimeout, "idp.test did not answer in time")));
    REQUIRE(h.outcome().failed());
    CHECK(h.outcome().error->code == Errc::UpstreamTimeout);
  }
  CHECK_FALSE(h.services().answer(Response::text(200, "keys")));  // nothing left to answer
}

TEST_CASE("harness services: timers fire when the manual clock passes them, in order", "[filters][harness][services]") {
  std::vector<std::string> fired;
  TimerHandle cancelled;
  auto f = request_filter("timers", [&](Exchange& ex) {
    Deferred d = ex.defer();
    ex.services().timer(50ms, [&fired, d] {
      fired.push_back("50");
      d.respond(Response::text(200, "late"));
    });
    ex.services().timer(10ms, [&fired] { fired.push_back("10"); });
    cancelled = ex.services().timer(20ms, [&fired] { fired.push_back("20"); });
    return FilterResult::pending();
  });
  FilterHarness h(f);
  h.request("GET", "/");
  REQUIRE(h.run_request().pending());
  CHECK(h.services().pending_timers() == 3);
  REQUIRE(cancelled);
  cancelled.cancel();
  CHECK(h.services().advance(49ms) == 1);
  CHECK(fired == std::vector<std::string>{"10"});
  CHECK(h.outcome().pending());
  CHECK(h.services().advance(1ms) == 1);
  CHECK(fired == std::vector<std::string>{"10", "50"});
  CHECK(h.outcome().responded());
  CHECK(h.services().now() == 50ms);
  CHECK(h.services().pending_timers() == 0);
  cancelled.cancel();  // after the fact: harmless
}

TEST_CASE("harness services: a timer armed by a timer runs in the same advance when due",
          "[filters][harness][services]") {
  portico::testing::FakeServices s;
  int runs = 0;
  s.timer(10ms, [&] {
    ++runs;
    s.timer(10ms, [&] { ++runs; });
  });
  CHECK(s.advance(15ms) == 1);
  CHECK(s.advance(5ms) == 1);
  CHECK(runs == 2);
}

TEST_CASE("harness services: worker tasks run when the test says", "[filters][harness][services]") {
  portico::testing::FakeServices s;
  int ran = 0;
  Executor w = s.worker();
  REQUIRE(w);
  w.post([&] { ++ran; });
  CHECK(ran == 0);
  CHECK(s.run_worker_tasks() == 1);
  CHECK(ran == 1);
}
