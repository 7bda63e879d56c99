// Gateway::handle drives the whole pipeline without sockets, through a fake transport.
#include <catch2/catch.hpp>

#include <thread>

#include "portico/gateway.hpp"
#include "portico/testing/fake_transport.hpp"

using namespace portico;
using portico::testing::FakeTransport;

namespace {

Config two_routes() {
  Config c;
  c.add(Upstream("users").endpoint("10.0.0.7", 8080).endpoint("10.0.0.8", 8080));
  c.add(Route("user").get("/api/users/{id}").rewrite("/users/{id}").to("users"));
  c.add(Route("files").path("/files/{everything}").to(Upstream("files").endpoint("files.internal", 9000)));
  return c;
}

}  // namespace

TEST_CASE("handle routes, rewrites, balances and forwards through the transport", "[gateway]") {
  auto t = std::make_shared<FakeTransport>();
  Gateway gw(t);
  REQUIRE(gw.apply(two_routes()));
  auto r1 = gw.handle(Request::make("GET", "/api/users/42?expand=1", {{"Host", "api.example.com"}}));
  auto r2 = gw.handle(Request::make("GET", "/api/users/43", {{"Host", "api.example.com"}}));
  CHECK(r1.status == 200);
  CHECK(r1.body == "10.0.0.7:8080 GET /users/42?expand=1");
  CHECK(r2.body == "10.0.0.8:8080 GET /users/43");  // round robin
  CHECK(r1.headers.get("Content-Length") == std::to_string(r1.body.size()));
  auto sent = t->sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].request.headers.get("Host") == "10.0.0.7:8080");
  CHECK(!sent[0].request.headers.get("X-Forwarded-Host"));  // not asked for: the client's Host stays out
  CHECK(sent[0].request.headers.get("X-Request-Id")->size() == 16);
  CHECK(sent[0].timeout == std::chrono::milliseconds(30000));
}

TEST_CASE("handle answers 404 when no route matches, a method mismatch included (as Ocelot)", "[gateway]") {
  auto t = std::make_shared<FakeTransport>();
  Gateway gw(t);
  REQUIRE(gw.apply(two_routes()));
  auto r = gw.handle(Request::make("POST", "/api/users/42", {{"Host", "h"}}));
  CHECK(r.status == 404);
  CHECK(r.headers.get("Content-Type") == "application/problem+json");
  CHECK(t->sent().empty());
}

TEST_CASE("transport errors map through the one table", "[gateway]") {
  for (auto [code, status] : std::vector<std::pair<Errc, int>>{{Errc::ConnectFailed, 502},
                                                               {Errc::UpstreamTimeout, 504},
                                                               {Errc::UpstreamReset, 502},
                                                               {Errc::UpstreamProtocol, 502}}) {
    auto t = std::make_shared<FakeTransport>(
        [code = code](const Endpoint&, const Request&) -> Result<Response> { return make_error(code, "x"); });
    Gateway gw(t);
    REQUIRE(gw.apply(two_routes()));
    std::optional<Errc> seen;
    Config c = two_routes();
    c.use(response_filter("observe", [&seen](Exchange& ex, Response&) {
      if (ex.error()) seen = ex.error()->code;
    }));
    REQUIRE(gw.apply(c));
    auto r = gw.handle(Request::make("GET", "/files/a", {{"Host", "h"}}));
    CHECK(r.status == status);
    CHECK(seen == code);
  }
}

TEST_CASE("filters run in order; short-circuits skip the upstream but run entered response filters",
          "[gateway][filters]") {
  auto t = std::make_shared<FakeTransport>();
  Gateway gw(t);
  std::vector<std::string> trace;
  std::mutex mu;
  auto log = [&](std::string s) {
    std::lock_guard lock(mu);
    trace.push_back(std::move(s));
  };
  Config c = two_routes();
  c.use(make_filter(
      "global", [&](Exchange&) { log("global.req"); return FilterResult::next(); },
      [&](Exchange&, Response&) { log("global.res"); }));
  c.add(Route("guarded")
            .get("/guarded")
            .filter(make_filter(
                "deny",
                [&](Exchange& ex) {
                  log("deny.req");
                  if (!ex.request().headers.has("Authorization"))
                    return FilterResult::respond(Response::text(401, "who are you"));
                  return FilterResult::next();
                },
                [&](Exchange&, Response& r) { log("deny.res " + std::to_string(r.status)); }))
            .filter(request_filter("never", [&](Exchange&) { log("never.req"); return FilterResult::next(); }))
            .to("users"));
  REQUIRE(gw.apply(c));
  auto r = gw.handle(Request::make("GET", "/guarded", {{"Host", "h"}}));
  CHECK(r.status == 401);
  CHECK(trace == std::vector<std::string>{"global.req", "deny.req", "deny.res 401", "global.res"});
  CHECK(t->sent().empty());
  trace.clear();
  auto ok = gw.handle(Request::make("GET", "/guarded", {{"Host", "h"}, {"Authorization", "Bearer x"}}));
  CHECK(ok.status == 200);
  CHECK(trace == std::vector<std::string>{"global.req", "deny.req", "never.req", "deny.res 200", "global.res"});
}

TEST_CASE("a deferred filter completes from another thread", "[gateway][filters]") {
  auto t = std::make_shared<FakeTransport>();
  Gateway gw(t);
  Config c = two_routes();
  c.add(Route("slow").get("/slow").filter(request_filter("async", [](Exchange& ex) {
    Deferred d = ex.defer();
    ex.set("looked-up", std::string("yes"));
    std::thread([d] { d.next(); }).detach();
    return FilterResult::pending();
  })).filter(response_filter("read", [](Exchange& ex, Response& r) {
    r.headers.set("X-Looked-Up", *ex.get<std::string>("looked-up"));
  })).to("users"));
  c.add(Route("slow-deny").get("/slow-deny").filter(request_filter("async-deny", [](Exchange& ex) {
    Deferred d = ex.defer();
    std::thread([d] { d.respond(Response::text(429, "slow down")); }).detach();
    return FilterResult::pending();
  })).to("users"));
  REQUIRE(gw.apply(c));
  auto r = gw.handle(Request::make("GET", "/slow", {{"Host", "h"}}));
  CHECK(r.status == 200);
  CHECK(r.headers.get("X-Looked-Up") == "yes");
  auto d = gw.handle(Request::make("GET", "/slow-deny", {{"Host", "h"}}));
  CHECK(d.status == 429);
  CHECK(d.body == "slow down");
}

TEST_CASE("a filter returning pending without defer, or throwing, fails only its request", "[gateway][filters]") {
  auto t = std::make_shared<FakeTransport>();
  Gateway gw(t);
  gw.set_log_sink([](LogLevel, std::string_view) {});
  Config c = two_routes();
  c.add(Route("liar").get("/liar").filter(request_filter("liar", [](Exchange&) { return FilterResult::pending(); })).to("users"));
  c.add(Route("thrower").get("/thrower").filter(response_filter("t", [](Exchange&, Response&) {
    throw std::logic_error("bad");
  })).to("users"));
  REQUIRE(gw.apply(c));
  CHECK(gw.handle(Request::make("GET", "/liar", {{"Host", "h"}})).status == 500);
  CHECK(gw.handle(Request::make("GET", "/thrower", {{"Host", "h"}})).status == 500);
  CHECK(gw.handle(Request::make("GET", "/api/users/1", {{"Host", "h"}})).status == 200);
}

TEST_CASE("apply validates and keeps the old snapshot on error", "[gateway][config]") {
  auto t = std::make_shared<FakeTransport>();
  Gateway gw(t);
  REQUIRE(gw.apply(two_routes()));
  Config bad = two_routes();
  bad.add(Route("orphan").get("/orphan").to("missing"));
  auto r = gw.apply(bad);
  REQUIRE_FALSE(r);
  CHECK(r.error().where == "routes[2].to");
  Config bad_tp = two_routes();
  bad_tp.server_options().trusted_proxies = {"10.0.0.0/33"};
  REQUIRE_FALSE(gw.apply(bad_tp));
  CHECK(gw.handle(Request::make("GET", "/api/users/5", {{"Host", "h"}})).status == 200);
  Config empty_upstream;
  empty_upstream.add(Upstream("none"));
  auto e = gw.apply(empty_upstream);
  REQUIRE_FALSE(e);
  CHECK(e.error().where == "upstreams[0].endpoints");
}

TEST_CASE("preserve_host, downstream method and the Connection header attack", "[gateway][forwarding]") {
  auto t = std::make_shared<FakeTransport>();
  Gateway gw(t);
  Config c;
  c.add(Upstream("u").endpoint("10.1.1.1", 80));
  c.add(Route("keep").get("/keep").preserve_host().downstream_method("post").to("u"));
  c.add(Route("any").path("/{all}").to("u"));
  REQUIRE(gw.apply(c));
  auto r = gw.handle(Request::make("GET", "/keep", {{"Host", "public.example"}}));
  CHECK(r.status == 200);
  auto sent = t->sent();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].request.headers.get("Host") == "public.example");
  CHECK(sent[0].request.method == "POST");
  auto attack = gw.handle(Request::make("GET", "/x", {{"Host", "h"}, {"Connection", "close, Authorization"},
                                                      {"Authorization", "Bearer t"}}));
  CHECK(attack.status == 400);
  auto xff = gw.handle(Request::make("GET", "/x", {{"Host", "h"}, {"Connection", "X-Forwarded-For"}}));
  CHECK(xff.status == 200);
  CHECK(t->sent().back().request.headers.has("X-Forwarded-For"));  // the gateway's own header survives
  CHECK(t->sent().back().request.headers.get("Host") == "10.1.1.1");  // default port omitted
}
