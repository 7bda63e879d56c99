// The filter test harness: one filter, no gateway.
#include <catch2/catch.hpp>

#include <thread>

#include "portico/testing/filter_harness.hpp"

using namespace portico;
using portico::testing::FilterHarness;

TEST_CASE("harness: a synchronous filter sees the request, params and client address", "[filters][harness]") {
  auto f = request_filter("tenant", [](Exchange& ex) {
    if (ex.param("id") != "7" || ex.client_address() != "203.0.113.9" || ex.route_id() != "users")
      return FilterResult::respond(Response::text(500, "wrong exchange"));
    if (!ex.request().headers.has("X-Tenant")) return FilterResult::respond(Response::problem(400, "no tenant"));
    ex.set("tenant", std::string(*ex.request().headers.get("X-Tenant")));
    return FilterResult::next();
  });
  FilterHarness h(f);
  h.request("GET", "/api/users/7?x=1", {{"X-Tenant", "acme"}}).param("id", "7").client_address("203.0.113.9").route_id("users");
  auto o = h.run_request();
  REQUIRE(o.next());
  REQUIRE(h.exchange().get<std::string>("tenant"));
  CHECK(*h.exchange().get<std::string>("tenant") == "acme");
  CHECK(h.exchange().request().path == "/api/users/7");

  h.request("GET", "/api/users/7").param("id", "7").client_address("203.0.113.9").route_id("users");
  auto denied = h.run_request();
  REQUIRE(denied.responded());
  CHECK(denied.response->status == 400);
  CHECK(h.exchange().get<std::string>("tenant") == nullptr);  // a new exchange
}

TEST_CASE("harness: a deferred filter is pending until its Deferred completes on another thread",
          "[filters][harness]") {
  std::shared_ptr<std::thread> worker;
  auto f = request_filter("slow", [&worker](Exchange& ex) {
    Deferred d = ex.defer();
    worker = std::make_shared<std::thread>([d] { d.respond(Response::text(202, "later")); });
    return FilterResult::pending();
  });
  FilterHarness h(f);
  h.request("POST", "/jobs");
  auto o = h.run_request();
  CHECK((o.pending() || o.responded()));  // the thread may already have finished
  REQUIRE(h.wait(std::chrono::seconds(10)));
  worker->join();
  auto done = h.outcome();
  REQUIRE(done.responded());
  CHECK(done.response->status == 202);
}

TEST_CASE("harness: failures are reported as the engine would", "[filters][harness]") {
  SECTION("a throw") {
    FilterHarness h(request_filter("boom", [](Exchange&) -> FilterResult { throw std::runtime_error("bad"); }));
    auto o = h.request("GET", "/").run_request();
    REQUIRE(o.failed());
    CHECK(o.error->code == Errc::FilterThrew);
  }
  SECTION("pending() without defer()") {
    FilterHarness h(request_filter("liar", [](Exchange&) { return FilterResult::pending(); }));
    CHECK(h.request("GET", "/").run_request().failed());
  }
  SECTION("a dropped Deferred") {
    FilterHarness h(request_filter("dropper", [](Exchange& ex) {
      (void)ex.defer();
      return FilterResult::pending();
    }));
    auto o = h.request("GET", "/").run_request();
    REQUIRE(o.failed());
    CHECK(o.error->message.find("dropped") != std::string::npos);
  }
  SECTION("a failed Deferred") {
    FilterHarness h(request_filter("failer", [](Exchange& ex) {
      ex.defer().fail(make_error(Errc::UpstreamTimeout, "key server slow"));
      return FilterResult::pending();
    }));
    auto o = h.request("GET", "/").run_request();
    REQUIRE(o.failed());
    CHECK(o.error->code == Errc::UpstreamTimeout);
  }
}

TEST_CASE("harness: the response phase edits the response and sees gateway-made errors", "[filters][harness]") {
  auto f = response_filter("stamp", [](Exchange& ex, Response& res) {
    res.headers.set("X-Stamp", ex.error() ? std::string(to_string(ex.error()->code)) : std::string("ok"));
  });
  FilterHarness h(f);
  h.request("GET", "/");
  REQUIRE(h.run_request().next());
  auto res = h.run_response(Response::text(200, "hello"));
  CHECK(res.headers.get("X-Stamp") == "ok");
  CHECK(res.body == "hello");
  auto err = h.run_error(make_error(Errc::UpstreamTimeout, "10.0.0.7:80 slow"));
  CHECK(err.status == 504);
  CHECK(err.headers.get("X-Stamp") == "upstream_timeout");
  CHECK(err.body.find("10.0.0.7") == std::string::npos);  // internal detail stays out of the body

  FilterHarness thrower(response_filter("boom", [](Exchange&, Response&) { throw std::runtime_error("x"); }));
  thrower.request("GET", "/");
  CHECK(thrower.run_response(Response::text(200, "a")).status == 500);
}

TEST_CASE("harness: an identity set by an earlier filter is what the next filter sees", "[filters][harness]") {
  auto admin_only = request_filter("admin-only", [](Exchange& ex) {
    const Identity* id = ex.identity();
    if (!id) return FilterResult::respond(Response::problem(401, "anonymous"));
    if (!id->has_claim("role", "admin")) return FilterResult::respond(Response::problem(403, "not an admin"));
    ex.request().headers.set("X-Consumer", std::string(ex.consumer()));
    return FilterResult::next();
  });
  FilterHarness h(admin_only);
  h.request("GET", "/orders");
  auto anonymous = h.run_request();
  REQUIRE(anonymous.responded());
  CHECK(anonymous.response->status == 401);

  // An array claim is one pair per element: any element matches.
  h.request("GET", "/orders").identity(Identity{"alice", "Bearer", {{"sub", "alice"}, {"role", "user"}, {"role", "admin"}}});
  REQUIRE(h.run_request().next());
  CHECK(h.exchange().request().headers.get("X-Consumer") == "alice");
  REQUIRE(h.exchange().identity()->claim("role"));
  CHECK(*h.exchange().identity()->claim("role") == "user");
  CHECK(h.exchange().identity()->claim("scope") == nullptr);

  h.request("GET", "/orders").identity(Identity{"bob", "Keys", {{"role", "user"}}});
  auto forbidden = h.run_request();
  REQUIRE(forbidden.responded());
  CHECK(forbidden.response->status == 403);
}
