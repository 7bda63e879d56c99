// The per-loop keep-alive pool to upstream endpoints: idle cap, idle timeout, requests per
// connection and the per-endpoint connection limit, counted on a raw upstream's accepts and closes.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <vector>

#include "net/upstream_pool.hpp"
#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// Sends one GET on each of `n` new client connections at once, then reads every answer; the
/// statuses in order.
std::vector<int> concurrent_gets(std::uint16_t port, int n, std::string_view path = "/a") {
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<RawClient>(port));
    clients.back()->send("GET " + std::string(path) + " HTTP/1.1\r\nHost: h\r\n\r\n");
  }
  std::vector<int> statuses;
  for (auto& c : clients) statuses.push_back(status_of(c->read_response(10000ms)));
  return statuses;
}

}  // namespace

TEST_CASE("pool: idle connections beyond the idle cap are closed, the rest are reused", "[integration][pool]") {
  ScriptedUpstream up([](const Received&) {
    auto r = ScriptedUpstream::ok("ok");
    r.delay = 300ms;  // long enough for the five requests to overlap
    return r;
  });
  ServerOptions o;
  o.upstream_max_idle_per_endpoint = 2;
  GatewayRunner gw(catch_all_config(up.port(), o));
  CHECK(concurrent_gets(gw.port(), 5) == std::vector<int>(5, 200));
  CHECK(up.connections() == 5);
  REQUIRE(up.wait_for_closed(3));  // five returned, two kept
  CHECK(concurrent_gets(gw.port(), 5) == std::vector<int>(5, 200));
  CHECK(up.connections() == 8);  // two reused, three new
}

TEST_CASE("pool: the default keeps every connection of a burst for reuse", "[integration][pool]") {
  ScriptedUpstream up([](const Received&) {
    auto r = ScriptedUpstream::ok("ok");
    r.delay = 300ms;
    return r;
  });
  ServerOptions o;
  CHECK(o.upstream_max_idle_per_endpoint >= 1024);
  GatewayRunner gw(catch_all_config(up.port(), o));
  CHECK(concurrent_gets(gw.port(), 80) == std::vector<int>(80, 200));  // over the old cap of 64
  CHECK(up.connections() == 80);
  CHECK(concurrent_gets(gw.port(), 80) == std::vector<int>(80, 200));
  CHECK(up.connections() == 80);
  CHECK(up.closed() == 0);
}

TEST_CASE("pool: an idle connection is closed after the idle timeout", "[integration][pool]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  ServerOptions o;
  o.upstream_idle_timeout = 300ms;
  GatewayRunner gw(catch_all_config(up.port(), o));
  RawClient c(gw.port());
  c.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(status_of(c.read_response()) == 200);
  const auto idle_from = Clock::now();
  REQUIRE(up.wait_for_closed(1, 5000ms));
  CHECK(Clock::now() - idle_from >= 300ms);
  // The next request opens a fresh connection.
  c.send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(c.read_response()) == 200);
  CHECK(up.connections() == 2);
}

TEST_CASE("pool: a connection is closed after max requests and a new one opened", "[integration][pool]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  ServerOptions o;
  o.upstream_max_requests_per_connection = 3;
  GatewayRunner gw(catch_all_config(up.port(), o));
  RawClient c(gw.port());
  for (int i = 0; i < 7; ++i) {
    c.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(status_of(c.read_response()) == 200);
  }
  CHECK(up.connections() == 3);  // 3 + 3 + 1
  CHECK(up.wait_for_closed(2));
  CHECK(up.closed() == 2);
}

TEST_CASE("pool: a per-upstream PoolOptions overrides the gateway's", "[integration][pool]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  Config cfg;
  cfg.add(Upstream("svc").endpoint("127.0.0.1", up.port()).pool({.max_requests_per_connection = 2}));
  cfg.add(Route("all").path("/{all}").to("svc"));
  GatewayRunner gw(std::move(cfg));
  RawClient c(gw.port());
  for (int i = 0; i < 4; ++i) {
    c.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(status_of(c.read_response()) == 200);
  }
  CHECK(up.connections() == 2);
}

TEST_CASE("pool: at the connection limit requests wait for a free connection", "[integration][pool]") {
  ScriptedUpstream up([](const Received&) {
    auto r = ScriptedUpstream::ok("ok");
    r.delay = 200ms;
    return r;
  });
  ServerOptions o;
  o.upstream_max_connections_per_endpoint = 2;
  GatewayRunner gw(catch_all_config(up.port(), o));
  const auto start = Clock::now();
  CHECK(concurrent_gets(gw.port(), 6) == std::vector<int>(6, 200));
  CHECK(up.connections() == 2);            // never more than the limit
  CHECK(Clock::now() - start >= 600ms);    // three rounds of two
}

TEST_CASE("pool: a request that cannot get a connection in time gets 503", "[integration][pool]") {
  ScriptedUpstream up([](const Received& r) {
    auto reply = ScriptedUpstream::ok("ok");
    if (r.request_line().find("/slow") != std::string::npos) reply.delay = 1500ms;
    return reply;
  });
  ServerOptions o;
  o.upstream_max_connections_per_endpoint = 1;
  o.upstream_connect_timeout = 200ms;  // bounds the wait for a free connection
  GatewayRunner gw(catch_all_config(up.port(), o));
  RawClient slow(gw.port());
  slow.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(up.wait_for_requests(1));
  RawClient c(gw.port());
  const auto start = Clock::now();
  c.send("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n");
  auto res = c.read_response();
  CHECK(status_of(res) == 503);
  CHECK(body_of(res).find("the gateway is overloaded") != std::string::npos);
  CHECK(Clock::now() - start >= 200ms);
  CHECK(Clock::now() - start < 1400ms);
  CHECK(status_of(slow.read_response()) == 200);
  // Once the connection is free again, requests get it.
  c.send("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(c.read_response()) == 200);
  CHECK(up.connections() == 1);
}

TEST_CASE("pool: slots count open connections, wake the oldest waiter, and idle ones make room", "[integration][pool]") {
  using portico::net::Stream;
  using portico::net::UpstreamConn;
  using portico::net::UpstreamPool;
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  asio::io_context io;
  UpstreamPool pool;
  const PoolOptions o{.max_idle = 4, .idle_timeout = 60000ms, .max_requests_per_connection = 0, .max_connections = 1};
  auto lease = pool.reserve("k", o);
  REQUIRE(lease);
  CHECK(pool.slots("k")->open == 1);
  CHECK_FALSE(pool.reserve("k", o));  // at the limit with nothing idle

  // Two waiters; giving a place back wakes the oldest only.
  asio::steady_timer first(io), second(io);
  first.expires_after(std::chrono::hours(1));
  second.expires_after(std::chrono::hours(1));
  std::vector<int> woken;
  first.async_wait([&](std::error_code ec) { if (ec == asio::error::operation_aborted) woken.push_back(1); });
  second.async_wait([&](std::error_code ec) { if (ec == asio::error::operation_aborted) woken.push_back(2); });
  pool.slots("k")->waiters.push_back(&first);
  pool.slots("k")->waiters.push_back(&second);
  lease.reset();
  io.poll();
  CHECK(woken == std::vector<int>{1});
  CHECK(pool.slots("k")->open == 0);
  pool.slots("k")->waiters.clear();

  // A pooled connection holds its place while idle; a new reservation at the limit closes it.
  lease = pool.reserve("k", o);
  REQUIRE(lease);
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), up.port()});
  auto c = std::make_unique<UpstreamConn>(Stream(std::move(s)));
  c->slot = std::move(*lease);
  c->requests = 1;
  pool.put("k", std::move(c), o);
  CHECK(pool.idle_count() == 1);
  CHECK(pool.slots("k")->open == 1);
  auto fresh = pool.reserve("k", o);
  CHECK(fresh);
  CHECK(pool.idle_count() == 0);
  CHECK(pool.slots("k")->open == 1);
  CHECK(up.wait_for_closed(1));
  fresh.reset();
  CHECK(pool.slots("k")->open == 0);
  pool.clear();
}
