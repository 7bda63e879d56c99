// The rate-limit filters through the harness on an injected clock: token bucket, the exact sliding
// window (its edge), exactness under concurrency, eviction and the key cap, IETF headers, and Ocelot's
// RateLimitOptions scenarios (whitelist, per-client buckets, ban period, headers, status and message).
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "portico/filters/rate_limit.hpp"
#include "portico/testing/filter_harness.hpp"
#include "unit/config_support.hpp"

using namespace portico;
using namespace portico::filters;
using namespace std::chrono_literals;
using portico::testing::FilterHarness;
using Algorithm = RateLimitRule::Algorithm;

namespace {

// Runs one request through `h` from `client`; returns the status the client gets (200 if admitted).
int hit(FilterHarness& h, std::string client = "192.0.2.1", Headers headers = {}) {
  h.request("GET", "/api/x", std::move(headers)).client_address(std::move(client)).route_id("r");
  auto o = h.run_request();
  if (o.responded()) return o.response->status;
  REQUIRE(o.next());
  return 200;
}

RateLimitConfig one_policy(RateLimitPolicy p, std::shared_ptr<const RateLimitClock> clock) {
  RateLimitConfig c;
  c.policies.push_back(std::move(p));
  c.clock = std::move(clock);
  return c;
}

}  // namespace

TEST_CASE("rate limit: periods", "[filters][rate_limit]") {
  CHECK(*parse_rate_period("1s") == 1s);
  CHECK(*parse_rate_period("5m") == 5min);
  CHECK(*parse_rate_period("1h") == 1h);
  CHECK(*parse_rate_period("1d") == 24h);
  CHECK(*parse_rate_period("1.5h") == 90min);
  CHECK(*parse_rate_period("100ms") == 100ms);
  CHECK(*parse_rate_period("333") == 333ms);  // Ocelot 25: no unit is milliseconds
  CHECK(*parse_rate_period(" 2s ") == 2s);
  for (const char* bad : {"", "s", "1 minute", "-1s", "0s", "1w", "1.s", "abc", "0.1ms"}) {
    INFO(bad);
    auto r = parse_rate_period(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::InvalidConfig);
  }
}

TEST_CASE("rate limit: the sliding window is exact across a window edge", "[filters][rate_limit]") {
  auto clock = std::make_shared<ManualRateLimitClock>();
  auto f = make_rate_limit(one_policy({.name = "w", .algorithm = Algorithm::SlidingWindow, .limit = 5, .period = 10s}, clock));
  REQUIRE(f);
  CHECK((*f)->phase() == Phase::Limits);
  FilterHarness h(*f);
  // 5 admitted late in one fixed window (t = 9s)...
  clock->set(9s);
  for (int i = 0; i < 5; ++i) CHECK(hit(h) == 200);
  CHECK(hit(h) == 429);
  // ...and just after the edge a fixed window would admit 5 more; the sliding window admits none.
  clock->set(10s + 1ms);
  CHECK(hit(h) == 429);
  clock->set(18999ms);
  CHECK(hit(h) == 429);
  // The first admission leaves the window 10 s after it was made.
  clock->set(19s + 1ns);
  for (int i = 0; i < 5; ++i) CHECK(hit(h) == 200);
  CHECK(hit(h) == 429);
  // Any 10 s interval holds at most 5 admissions: spread admissions free slots one by one.
  clock->set(100s);
  for (int i = 0; i < 5; ++i) {
    CHECK(hit(h) == 200);
    clock->advance(1s);
  }
  CHECK(hit(h) == 429);  // t = 105s, window (95, 105]
  clock->set(110s);      // the admission at 100 s leaves
  CHECK(hit(h) == 200);
  CHECK(hit(h) == 429);
}

TEST_CASE("rate limit: token bucket refills at its rate up to its burst", "[filters][rate_limit]") {
  auto clock = std::make_shared<ManualRateLimitClock>();
  auto f = make_rate_limit(
      one_policy({.name = "tb", .algorithm = Algorithm::TokenBucket, .limit = 10, .period = 1s, .burst = 20}, clock));
  REQUIRE(f);
  FilterHarness h(*f);
  for (int i = 0; i < 20; ++i) CHECK(hit(h) == 200);
  CHECK(hit(h) == 429);
  clock->advance(100ms);  // one token
  CHECK(hit(h) == 200);
  CHECK(hit(h) == 429);
  clock->advance(1h);  // full again, not more than the burst
  for (int i = 0; i < 20; ++i) CHECK(hit(h) == 200);
  CHECK(hit(h) == 429);
}

TEST_CASE("rate limit: IETF draft headers and the refusal", "[filters][rate_limit]") {
  auto clock = std::make_shared<ManualRateLimitClock>();
  RateLimitConfig c;
  c.policies.push_back({.name = "per-second", .algorithm = Algorithm::SlidingWindow, .limit = 2, .period = 1s});
  c.policies.push_back({.name = "per-hour", .algorithm = Algorithm::SlidingWindow, .limit = 3, .period = 1h});
  c.clock = clock;
  auto f = make_rate_limit(std::move(c));
  REQUIRE(f);
  FilterHarness h(*f);
  REQUIRE(hit(h) == 200);
  Response upstream = Response::text(200, "ok");
  upstream.headers.add("RateLimit", "stale");
  auto res = h.run_response(std::move(upstream));
  CHECK(res.headers.count("RateLimit") == 1);
  CHECK(res.headers.get("RateLimit-Policy") == R"("per-second";q=2;w=1, "per-hour";q=3;w=3600)");
  CHECK(res.headers.get("RateLimit") == R"("per-second";r=1;t=1, "per-hour";r=2;t=3600)");
  REQUIRE(hit(h) == 200);
  h.request("GET", "/api/x").client_address("192.0.2.1");
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 429);
  CHECK(o.response->headers.get("Retry-After") == "1");
  CHECK(o.response->headers.get("RateLimit-Policy") == R"("per-second";q=2;w=1, "per-hour";q=3;w=3600)");
  CHECK(o.response->headers.get("RateLimit") == R"("per-second";r=0;t=1)");
  CHECK(o.response->headers.get("Content-Type") == "application/problem+json");
  // The second policy refuses: the first gives its admission back.
  clock->advance(2s);
  CHECK(hit(h) == 200);  // per-hour: 3 of 3
  CHECK(hit(h) == 429);  // per-hour refuses; per-second must not count it
  clock->advance(1h);
  CHECK(hit(h) == 200);
  CHECK(hit(h) == 200);
  CHECK(hit(h) == 429);
}

TEST_CASE("rate limit: keys", "[filters][rate_limit]") {
  auto clock = std::make_shared<ManualRateLimitClock>();
  auto with_key = [&](RateLimitKey key) {
    auto f = make_rate_limit(one_policy({.name = "k", .limit = 1, .period = 1s, .key = std::move(key)}, clock));
    REQUIRE(f);
    return *f;
  };
  SECTION("client address") {
    FilterHarness h(with_key({}));
    CHECK(hit(h, "10.0.0.1") == 200);
    CHECK(hit(h, "10.0.0.1") == 429);
    CHECK(hit(h, "10.0.0.2") == 200);
  }
  SECTION("route: one counter for every client and path") {
    FilterHarness h(with_key(*RateLimitKey::parse("Route")));
    CHECK(hit(h, "10.0.0.1") == 200);
    h.request("GET", "/api/other").client_address("10.0.0.2").route_id("r");
    CHECK(h.run_request().responded());
  }
  SECTION("header; requests without it share one counter") {
    FilterHarness h(with_key(*RateLimitKey::parse("Header:X-Tenant")));
    CHECK(hit(h, "10.0.0.1", {{"x-tenant", "a"}}) == 200);
    CHECK(hit(h, "10.0.0.2", {{"X-Tenant", "a"}}) == 429);
    CHECK(hit(h, "10.0.0.1", {{"X-Tenant", "b"}}) == 200);
    CHECK(hit(h, "10.0.0.1") == 200);
    CHECK(hit(h, "10.0.0.2") == 429);
  }
  SECTION("consumer and claim from the identity") {
    FilterHarness consumer(with_key(*RateLimitKey::parse("Consumer")));
    FilterHarness claim(with_key(*RateLimitKey::parse("Claim:tenant")));
    for (auto* h : {&consumer, &claim}) {
      auto run = [&](std::string who, std::string tenant) {
        h->request("GET", "/").client_address("10.9.9.9");
        h->identity({.consumer = who, .provider = "jwt", .claims = {{"tenant", tenant}}});
        auto o = h->run_request();
        return o.responded() ? o.response->status : 200;
      };
      CHECK(run("alice", "t1") == 200);
      CHECK(run("alice", "t1") == 429);
    }
    consumer.request("GET", "/").identity({.consumer = "bob"});
    CHECK(consumer.run_request().next());
    claim.request("GET", "/").identity({.consumer = "alice", .claims = {{"tenant", "t2"}}});
    CHECK(claim.run_request().next());
  }
  SECTION("a C++ function") {
    RateLimitKey k;
    k.kind = RateLimitKey::Kind::Function;
    k.function = [](const Exchange& ex) { return std::string(ex.request().method); };
    FilterHarness h(with_key(std::move(k)));
    CHECK(hit(h) == 200);
    CHECK(hit(h) == 429);
    h.request("POST", "/api/x");
    CHECK(h.run_request().next());
  }
  CHECK_FALSE(RateLimitKey::parse("Ip"));
  CHECK_FALSE(RateLimitKey::parse("Header:"));
  CHECK_FALSE(RateLimitKey::parse("Header:bad name"));
}

TEST_CASE("rate limit: invalid configs are refused", "[filters][rate_limit]") {
  auto err = [](RateLimitConfig c) {
    auto r = make_rate_limit(std::move(c));
    REQUIRE_FALSE(r);
    return r.error().where;
  };
  CHECK(err({}) == "policies");
  CHECK(err(one_policy({.limit = 0}, nullptr)) == "policies[0].limit");
  CHECK(err(one_policy({.name = "a b", .limit = 1}, nullptr)) == "policies[0].name");
  CHECK(err(one_policy({.limit = 1, .burst = 5}, nullptr)) == "policies[0].burst");  // SlidingWindow
  CHECK(err(one_policy({.limit = 200000}, nullptr)) == "policies[0].limit");
  CHECK(err(one_policy({.algorithm = Algorithm::FixedWindow, .limit = 1}, nullptr)) == "policies[0].algorithm");
  RateLimitConfig two;
  two.policies = {{.name = "a", .limit = 1}, {.name = "a", .limit = 2}};
  CHECK(err(two) == "policies[1].name");
}

TEST_CASE("rate limit: N threads on one key admit exactly the limit", "[filters][rate_limit][concurrency]") {
  constexpr int kThreads = 8, kPerThread = 2000;
  for (auto algorithm : {Algorithm::SlidingWindow, Algorithm::TokenBucket, Algorithm::FixedWindow}) {
    INFO(static_cast<int>(algorithm));
    LocalRateLimitStore store;
    const RateLimitRule rule{.algorithm = algorithm, .limit = 1000, .period = 1h, .burst = 0, .ban = 1h};
    std::atomic<int> admitted{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&] {
        while (!go.load()) std::this_thread::yield();
        for (int i = 0; i < kPerThread; ++i)
          if (store.acquire("route\x1f" "client", rule, std::chrono::nanoseconds(1)).allowed) admitted.fetch_add(1);
      });
    go = true;
    for (auto& t : threads) t.join();
    CHECK(admitted.load() == 1000);
  }
}

TEST_CASE("rate limit: the filter is exact under concurrency on the real clock", "[filters][rate_limit][concurrency]") {
  auto f = make_rate_limit(one_policy({.name = "p", .limit = 500, .period = 1h}, nullptr));
  REQUIRE(f);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&] {
      FilterHarness h(*f);
      for (int i = 0; i < 300; ++i) {
        h.request("GET", "/x").client_address("198.51.100.7");
        if (h.run_request().next()) admitted.fetch_add(1);
      }
    });
  for (auto& t : threads) t.join();
  CHECK(admitted.load() == 500);
}

TEST_CASE("rate limit: idle keys are evicted; the key cap refuses new keys", "[filters][rate_limit]") {
  LocalRateLimitStore store({.max_keys = 64});  // one key per shard
  const RateLimitRule rule{.algorithm = Algorithm::SlidingWindow, .limit = 1, .period = 1s};
  std::size_t overflowed = 0;
  for (int i = 0; i < 200; ++i) {
    auto d = store.acquire("k" + std::to_string(i), rule, 0s);
    if (d.overflow) {
      ++overflowed;
      CHECK_FALSE(d.allowed);
    }
  }
  CHECK(overflowed > 0);
  CHECK(store.stats().keys <= 64);
  CHECK(store.stats().overflow == overflowed);
  // A second later every key is idle: new keys find room by evicting them.
  std::size_t admitted = 0;
  for (int i = 0; i < 200; ++i) admitted += store.acquire("n" + std::to_string(i), rule, 2s).allowed ? 1 : 0;
  CHECK(admitted > 0);
  CHECK(store.stats().evicted > 0);
  CHECK(store.stats().keys <= 64);
  store.evict_idle(10s);
  CHECK(store.stats().keys == 0);

  // Eviction never forgets a live key: with room to spare, a refused key stays refused.
  LocalRateLimitStore roomy({.max_keys = 100000});
  const RateLimitRule hour{.algorithm = Algorithm::SlidingWindow, .limit = 1, .period = 1h};
  REQUIRE(roomy.acquire("live", hour, 0s).allowed);
  for (int i = 0; i < 20000; ++i) (void)roomy.acquire("idle" + std::to_string(i), rule, std::chrono::milliseconds(i));
  CHECK_FALSE(roomy.acquire("live", hour, 30min).allowed);
  CHECK(roomy.stats().evicted > 12000);
  CHECK(roomy.stats().keys < 6000);
}

// ---- Ocelot ---------------------------------------------------------------------------------

namespace {

int ocelot_hit(FilterHarness& h, std::string client = {}) {
  Headers headers;
  if (!client.empty()) headers.add("ClientId", client);
  h.request("GET", "/api/1", std::move(headers)).route_id("r");
  auto o = h.run_request();
  return o.responded() ? o.response->status : 200;
}

}  // namespace

TEST_CASE("ocelot rate limit: the ban period (Limit 3, Period 1s, PeriodTimespan 2)", "[filters][rate_limit][ocelot]") {
  auto clock = std::make_shared<ManualRateLimitClock>();
  auto f = make_ocelot_rate_limit({.period = "1s", .period_timespan = 2s, .limit = 3, .clock = clock});
  REQUIRE(f);
  FilterHarness h(*f);
  for (int i = 0; i < 3; ++i) CHECK(ocelot_hit(h) == 200);
  h.request("GET", "/api/1");
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 429);
  CHECK(o.response->body == "API calls quota exceeded! maximum admitted 3 per 1s.");
  CHECK(o.response->headers.get("Retry-After") == "2");
  CHECK_FALSE(o.response->headers.has("X-Rate-Limit-Limit"));
  clock->advance(1s);  // the Period is over, the ban is not
  CHECK(ocelot_hit(h) == 429);
  clock->advance(1s);
  CHECK(ocelot_hit(h) == 200);
}

TEST_CASE("ocelot rate limit: without PeriodTimespan it is a fixed window", "[filters][rate_limit][ocelot]") {
  auto clock = std::make_shared<ManualRateLimitClock>();
  auto f = make_ocelot_rate_limit({.period = "1m", .limit = 2, .clock = clock});
  REQUIRE(f);
  FilterHarness h(*f);
  CHECK(ocelot_hit(h) == 200);
  clock->advance(30s);
  CHECK(ocelot_hit(h) == 200);
  h.request("GET", "/api/1");
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->headers.get("Retry-After") == "30");
  clock->advance(30s);  // the window started at the first request
  CHECK(ocelot_hit(h) == 200);
}

TEST_CASE("ocelot rate limit: per-client buckets, whitelist and headers", "[filters][rate_limit][ocelot]") {
  auto clock = std::make_shared<ManualRateLimitClock>();
  auto f = make_ocelot_rate_limit({.client_whitelist = {"ops"}, .period = "1m", .limit = 3, .clock = clock});
  REQUIRE(f);
  FilterHarness h(*f);
  for (const char* remaining : {"2", "1", "0"}) {
    REQUIRE(ocelot_hit(h, "alice") == 200);
    auto res = h.run_response(Response::text(200, "ok"));
    CHECK(res.headers.get("X-Rate-Limit-Limit") == "1m");
    CHECK(res.headers.get("X-Rate-Limit-Remaining") == remaining);
    auto reset = std::string(res.headers.get("X-Rate-Limit-Reset").value_or(""));
    CHECK(reset.size() == 28);  // 2026-12-02T14:30:00.1234567Z
    CHECK(reset.back() == 'Z');
  }
  CHECK(ocelot_hit(h, "alice") == 429);
  CHECK(ocelot_hit(h, "bob") == 200);  // a bucket per client id
  Response upstream = Response::text(200, "ok");
  upstream.headers.add("x-rate-limit-remaining", "99");  // an upstream's own field is replaced
  auto replaced = h.run_response(std::move(upstream));
  CHECK(replaced.headers.get_all("X-Rate-Limit-Remaining") == std::vector<std::string_view>{"2"});
  CHECK(replaced.headers.count("X-Rate-Limit-Limit") == 1);
  for (int i = 0; i < 10; ++i) CHECK(ocelot_hit(h, "ops") == 200);
  auto res = h.run_response(Response::text(200, "ok"));
  CHECK_FALSE(res.headers.has("X-Rate-Limit-Remaining"));  // whitelisted: no headers
  // Without the header every caller is "client": they share one bucket.
  for (int i = 0; i < 3; ++i) CHECK(ocelot_hit(h) == 200);
  CHECK(ocelot_hit(h) == 429);
  CHECK(ocelot_hit(h, "client") == 429);
}

TEST_CASE("ocelot rate limit: DisableRateLimitHeaders, status and message", "[filters][rate_limit][ocelot]") {
  auto clock = std::make_shared<ManualRateLimitClock>();
  auto f = make_ocelot_rate_limit({.period = "1s", .limit = 1, .quota_exceeded_message = "Slow down",
                                   .http_status_code = 418, .disable_rate_limit_headers = true, .clock = clock});
  REQUIRE(f);
  FilterHarness h(*f);
  REQUIRE(ocelot_hit(h) == 200);
  auto res = h.run_response(Response::text(200, "ok"));
  CHECK_FALSE(res.headers.has("X-Rate-Limit-Limit"));
  h.request("GET", "/api/1");
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 418);
  CHECK(o.response->body == "Slow down");
  CHECK_FALSE(o.response->headers.has("Retry-After"));
}

// ---- ocelot.json ------------------------------------------------------------------------------

namespace {

FilterPtr only_filter(const config::OcelotConfig& c, std::size_t route = 0) {
  const auto& fs = c.config.routes()[route].filters();
  REQUIRE(fs.size() == 1);
  return fs[0];
}

}  // namespace

TEST_CASE("ocelot.json: RateLimitOptions, route and global", "[filters][rate_limit][ocelot][config]") {
  using portico::testing::load_ok;
  using portico::testing::one_route;
  auto c = load_ok(one_route(
      R"("RateLimitOptions": {"EnableRateLimiting": true, "ClientWhitelist": ["ops"], "Period": "1m", "PeriodTimespan": 10, "Limit": 2})",
      R"("GlobalConfiguration": {"RateLimitOptions": {"ClientIdHeader": "X-Client", "QuotaExceededMessage": "Too many",
          "HttpStatusCode": 503, "DisableRateLimitHeaders": false, "RateLimitCounterPrefix": "gw"}})"));
  CHECK(c.warnings.empty());
  FilterHarness h(only_filter(c));
  auto run = [&](const char* client) {
    h.request("GET", "/a", {{"X-Client", client}});
    auto o = h.run_request();
    return o.responded() ? o.response->status : 200;
  };
  CHECK(run("a") == 200);
  CHECK(h.run_response(Response::text(200, "")).headers.get("X-Rate-Limit-Remaining") == "1");
  CHECK(run("a") == 200);
  h.request("GET", "/a", {{"X-Client", "a"}});
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 503);
  CHECK(o.response->body == "Too many");
  CHECK(o.response->headers.has("Retry-After"));
  CHECK(run("ops") == 200);
  CHECK(run("b") == 200);
}

TEST_CASE("ocelot.json: a status outside 400..599 is warned and 429 used", "[filters][rate_limit][ocelot][config]") {
  using portico::testing::load_ok;
  using portico::testing::one_route;
  auto c = load_ok(one_route(R"("RateLimitOptions": {"EnableRateLimiting": true, "Period": "1s", "Limit": 1})",
                             R"("GlobalConfiguration": {"RateLimitOptions": {"HttpStatusCode": 999}})"));
  REQUIRE(c.warnings.size() == 1);
  CHECK(c.warnings[0].where == "GlobalConfiguration.RateLimitOptions.HttpStatusCode");
  FilterHarness h(only_filter(c));
  h.request("GET", "/a");
  REQUIRE(h.run_request().next());
  h.request("GET", "/a");
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 429);
}

TEST_CASE("ocelot.json: what enables a limit", "[filters][rate_limit][ocelot][config]") {
  using namespace portico::testing;
  // EnableRateLimiting false, or only the global response settings: no filter, no warning.
  auto off = load_ok(one_route(R"("RateLimitOptions": {"ClientWhitelist": [], "EnableRateLimiting": false,
      "Period": "1s", "PeriodTimespan": 1, "Limit": 1})",
                               R"("GlobalConfiguration": {"RateLimitOptions": {"ClientIdHeader": "ClientId"}})"));
  CHECK(off.config.routes()[0].filters().empty());
  CHECK(off.warnings.empty());
  // Ocelot 25: the section with Limit and Period enables it; its 25.0 names are read.
  auto on = load_ok(one_route(R"("RateLimitOptions": {"Limit": 1, "Period": "500ms", "Wait": "1s",
      "ClientIdHeader": "Oc-Client", "EnableHeaders": false, "StatusCode": 503, "QuotaMessage": "q", "KeyPrefix": "k"})"));
  CHECK(on.warnings.empty());
  FilterHarness h(only_filter(on));
  h.request("GET", "/a", {{"Oc-Client", "x"}});
  REQUIRE(h.run_request().next());
  h.request("GET", "/a", {{"Oc-Client", "x"}});
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 503);
  CHECK(o.response->body == "q");
  // A global rule limits every route (Ocelot 24.1+), or the routes its RouteKeys name.
  auto global = load_ok(routes({route_at("/a", R"("Key": "a")"), route_at("/b", R"("Key": "b")")},
                               R"("GlobalConfiguration": {"RateLimitOptions": {"Limit": 1, "Period": "1s", "RouteKeys": ["b"]}})"));
  CHECK(global.config.routes()[0].filters().empty());
  CHECK(global.config.routes()[1].filters().size() == 1);
}

TEST_CASE("ocelot.json: rate-limit errors name their paths", "[filters][rate_limit][ocelot][config]") {
  using namespace portico::testing;
  auto e = load_error(one_route(R"("RateLimitOptions": {"EnableRateLimiting": false, "Period": "1 minute"})"));
  CHECK(e.where == "Routes[0].RateLimitOptions.Period");
  CHECK_THAT(e.message, Catch::Contains("\"1 minute\""));
  e = load_error(one_route(R"("RateLimitOptions": {"EnableRateLimiting": true, "Period": "1s"})"));
  CHECK(e.where == "Routes[0].RateLimitOptions.Limit");
  e = load_error(one_route(R"("RateLimitOptions": {"EnableRateLimiting": true, "Period": "1s", "Limit": 0})"));
  CHECK(e.where == "Routes[0].RateLimitOptions.Limit");
  e = load_error(one_route(R"("RateLimitOptions": {"HttpStatusCode": 429, "StatusCode": 429})"));
  CHECK(e.where == "Routes[0].RateLimitOptions.StatusCode");
  e = load_error(one_route(R"("RateLimitOptions": {"DisableRateLimitHeaders": true, "EnableHeaders": true})"));
  CHECK(e.where == "Routes[0].RateLimitOptions.EnableHeaders");
  e = load_error(one_route(R"("RateLimitOptions": {"EnableRateLimiting": "yes"})"));
  CHECK(e.where == "Routes[0].RateLimitOptions.EnableRateLimiting");
  // Storage: in memory and Redis load; a bad URL and rediss:// are errors at its path.
  CHECK(load_ok(one_route({}, R"("GlobalConfiguration": {"RateLimitOptions": {"Storage": "memory"}})")).warnings.empty());
  CHECK(load_ok(one_route({}, R"("GlobalConfiguration": {"RateLimitOptions": {"Storage": "redis://127.0.0.1:6379/0",
      "StorageTimeoutMs": 50, "StorageFailure": "Local"}})")).warnings.empty());
  e = load_error(one_route({}, R"("GlobalConfiguration": {"RateLimitOptions": {"Storage": "redis://127.0.0.1:0/0"}})"));
  CHECK(e.code == Errc::InvalidConfig);
  CHECK(e.where == "GlobalConfiguration.RateLimitOptions.Storage");
  e = load_error(one_route({}, R"("GlobalConfiguration": {"RateLimitOptions": {"Storage": "rediss://127.0.0.1:6380"}})"));
  CHECK(e.code == Errc::Unsupported);
  CHECK(e.where == "GlobalConfiguration.RateLimitOptions.Storage");
  e = load_error(one_route({}, R"("GlobalConfiguration": {"RateLimitOptions": {"StorageFailure": "Maybe"}})"));
  CHECK(e.where == "GlobalConfiguration.RateLimitOptions.StorageFailure");
  // Unknown keys are warned.
  auto c = load_ok(one_route(R"("RateLimitOptions": {"EnableRateLimiting": false, "Limt": 3})"));
  CHECK(warning_paths(c) == std::vector<std::string>{"Routes[0].RateLimitOptions.Limt"});
}

TEST_CASE("ocelot.json: RateLimitPolicies", "[filters][rate_limit][config]") {
  using namespace portico::testing;
  auto c = load_ok(one_route(R"("RateLimitPolicies": [
      {"Name": "per-second", "Algorithm": "TokenBucket", "Limit": 2, "Period": "1s", "Burst": 3, "Key": "Header:X-Tenant"},
      {"Name": "per-hour", "Algorithm": "SlidingWindow", "Limit": 1000, "Period": "1h", "Key": "Route"}])"));
  CHECK(c.warnings.empty());
  FilterHarness h(only_filter(c));
  for (int i = 0; i < 3; ++i) {
    h.request("GET", "/a", {{"X-Tenant", "t"}});
    REQUIRE(h.run_request().next());
  }
  CHECK(h.run_response(Response::text(200, "")).headers.get("RateLimit-Policy") ==
        R"("per-second";q=3;w=1, "per-hour";q=1000;w=3600)");
  h.request("GET", "/a", {{"X-Tenant", "t"}});
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 429);
  CHECK(o.response->headers.has("Retry-After"));

  auto e = load_error(one_route(R"("RateLimitPolicies": [{"Limit": 1, "Key": "Cookie:x"}])"));
  CHECK(e.where == "Routes[0].RateLimitPolicies[0].Key");
  e = load_error(one_route(R"("RateLimitPolicies": [{"Limit": 1, "Algorithm": "Leaky"}])"));
  CHECK(e.where == "Routes[0].RateLimitPolicies[0].Algorithm");
  e = load_error(one_route(R"("RateLimitPolicies": [{"Period": "1s"}])"));
  CHECK(e.where == "Routes[0].RateLimitPolicies[0].Limit");
  e = load_error(one_route(R"("RateLimitPolicies": [{"Limit": 1, "Burst": 2}])"));
  CHECK(e.where == "Routes[0].RateLimitPolicies[0].Burst");
  e = load_error(one_route(R"("RateLimitPolicies": [{"Name": "a", "Limit": 1}, {"Name": "a", "Limit": 1}])"));
  CHECK(e.where == "Routes[0].RateLimitPolicies[1].Name");
  // Both kinds on one route: one filter enforcing both.
  auto both = load_ok(one_route(R"("RateLimitOptions": {"EnableRateLimiting": true, "Period": "1s", "Limit": 5},
                                   "RateLimitPolicies": [{"Limit": 1, "Period": "1s"}])"));
  FilterHarness b(only_filter(both));
  b.request("GET", "/a");
  REQUIRE(b.run_request().next());
  b.request("GET", "/a");
  CHECK(b.run_request().responded());
}
