// Shared rate limits through a real redis-server (Debian's), started by the test on a free
// loopback port: two gateways count one limit exactly; with Redis gone, the failure policy holds.

#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "portico/filters/rate_limit.hpp"
#include "support/net_helpers.hpp"
#include "support/redis_server.hpp"

using namespace portico;
using namespace portico::testing;
using namespace portico::filters;

namespace {

std::shared_ptr<SharedRateLimitStore> redis_store(const std::string& url, std::chrono::milliseconds timeout = 200ms) {
  auto ep = RedisEndpoint::parse(url);
  REQUIRE(ep);
  auto store = make_redis_rate_limit_store({*ep, timeout});
  REQUIRE(store);
  return *store;
}

FilterPtr limit(std::shared_ptr<SharedRateLimitStore> store, std::int64_t n, RateLimitStoreFailure failure,
                std::string prefix) {
  RateLimitConfig c;
  RateLimitPolicy p;
  p.name = "shared";
  p.limit = n;
  p.period = std::chrono::minutes(1);
  p.key.kind = RateLimitKey::Kind::Route;
  c.policies.push_back(p);
  c.counter_prefix = std::move(prefix);
  c.shared_store = std::move(store);
  c.store_failure = failure;
  auto f = make_rate_limit(std::move(c));
  REQUIRE(f);
  return *f;
}

int get_status(std::uint16_t port, std::string* raw_out = nullptr) {
  RawClient client(port);
  client.send("GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  auto raw = client.read_until_close(10000ms);
  if (raw_out) *raw_out = raw;
  return status_of(raw);
}

std::string unique_prefix() {
  return "portico-test-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

}  // namespace

TEST_CASE("two gateways share one limit through Redis: a concurrent burst admits exactly the limit",
          "[integration][rate_limit][redis]") {
  RedisServer redis(unused_port());
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  const std::string prefix = unique_prefix();
  auto store = redis_store(redis.url());
  GatewayRunner a(route_with(up.port(), {limit(store, 25, RateLimitStoreFailure::Deny, prefix)}), 2);
  GatewayRunner b(route_with(up.port(), {limit(redis_store(redis.url()), 25, RateLimitStoreFailure::Deny, prefix)}), 2);

  std::atomic<int> ok{0}, limited{0}, other{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 80; ++i)
    clients.emplace_back([&, i] {
      const int s = get_status(i % 2 ? a.port() : b.port());
      (s == 200 ? ok : s == 429 ? limited : other)++;
    });
  for (auto& t : clients) t.join();
  CHECK(ok == 25);
  CHECK(limited == 55);
  CHECK(other == 0);

  std::string raw;
  CHECK(get_status(a.port(), &raw) == 429);
  CHECK(header_of(raw, "RateLimit-Policy") == "\"shared\";q=25;w=60");
  CHECK(!header_of(raw, "Retry-After").empty());
}

TEST_CASE("with Redis gone, Deny answers 503 and Allow admits; limits resume when it is back",
          "[integration][rate_limit][redis]") {
  const auto port = unused_port();
  auto redis = std::make_unique<RedisServer>(port);
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  const std::string url = redis->url();
  const std::string prefix = unique_prefix();
  GatewayRunner deny(route_with(up.port(), {limit(redis_store(url), 2, RateLimitStoreFailure::Deny, prefix)}));
  GatewayRunner allow(route_with(up.port(), {limit(redis_store(url), 2, RateLimitStoreFailure::Allow, prefix + "-a")}));

  CHECK(get_status(deny.port()) == 200);
  redis->stop();
  std::string raw;
  CHECK(get_status(deny.port(), &raw) == 503);
  CHECK(header_of(raw, "Retry-After") == "1");
  for (int i = 0; i < 4; ++i) CHECK(get_status(allow.port()) == 200);

  redis = std::make_unique<RedisServer>(port);  // a new, empty server on the same port
  // The gateway reconnects with backoff (at most 5 s between attempts).
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  int s = 0;
  while ((s = get_status(deny.port())) == 503 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  CHECK(s == 200);                        // counted in the new server (its script cache is empty: EVAL)
  CHECK(get_status(deny.port()) == 200);  // the second of 2
  CHECK(get_status(deny.port()) == 429);
}

TEST_CASE("with Redis gone, Local counts in the gateway's memory", "[integration][rate_limit][redis]") {
  const auto port = unused_port();
  RedisServer redis(port);
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  GatewayRunner gw(route_with(up.port(), {limit(redis_store(redis.url()), 3, RateLimitStoreFailure::Local, unique_prefix())}));

  CHECK(get_status(gw.port()) == 200);  // counted in Redis (1 of 3)
  redis.stop();
  // The in-memory counter starts empty: 3 more are admitted, then the local limit holds.
  CHECK(get_status(gw.port()) == 200);
  CHECK(get_status(gw.port()) == 200);
  CHECK(get_status(gw.port()) == 200);
  std::string raw;
  CHECK(get_status(gw.port(), &raw) == 429);
  CHECK(header_of(raw, "RateLimit-Policy") == "\"shared\";q=3;w=60");
}

TEST_CASE("through Redis, a refusal names the policy that refused and the others keep their quota",
          "[integration][rate_limit][redis]") {
  RedisServer redis(unused_port());
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  RateLimitConfig c;
  RateLimitPolicy wide, narrow;
  wide.name = "wide";
  wide.limit = 100;
  wide.period = std::chrono::minutes(1);
  wide.key.kind = RateLimitKey::Kind::Route;
  narrow = wide;
  narrow.name = "narrow";
  narrow.limit = 2;
  c.policies = {wide, narrow};
  c.counter_prefix = unique_prefix();
  c.shared_store = redis_store(redis.url());
  c.store_failure = RateLimitStoreFailure::Deny;
  auto f = make_rate_limit(std::move(c));
  REQUIRE(f);
  GatewayRunner gw(route_with(up.port(), {*f}));

  CHECK(get_status(gw.port()) == 200);
  CHECK(get_status(gw.port()) == 200);
  std::string raw;
  CHECK(get_status(gw.port(), &raw) == 429);
  CHECK_THAT(body_of(raw), Catch::Contains("policy \\\"narrow\\\""));
  // The refused request took nothing from "wide": 2 of its 100 are used.
  CHECK_THAT(header_of(raw, "RateLimit"), Catch::StartsWith("\"wide\";r=98;"));
}
