// Threads, limits and lifecycle: slow clients, idle timeouts, connection caps, filters over real
// sockets (sync, deferred from another thread, blocking on the worker executor, throwing),
// reload under traffic, and graceful stop under load.
#include <catch2/catch.hpp>

#include <atomic>

#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;


TEST_CASE("a client that sends its head too slowly gets 408 and is closed", "[integration][limits]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  ServerOptions o;
  o.request_head_timeout = std::chrono::milliseconds(300);
  GatewayRunner gw(catch_all_config(up.port(), o));
  RawClient c(gw.port());
  c.send("GET /a HTTP/1.1\r\nHo");
  auto t0 = std::chrono::steady_clock::now();
  auto all = c.read_until_close(std::chrono::milliseconds(5000));
  CHECK(status_of(all) == 408);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(3000));
  CHECK(up.received().empty());
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout", "[integration][limits]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  ServerOptions o;
  o.keep_alive_idle_timeout = std::chrono::milliseconds(200);
  GatewayRunner gw(catch_all_config(up.port(), o));
  RawClient c(gw.port());
  c.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(c.read_response()) == 200);
  CHECK(c.closed_by_peer(std::chrono::milliseconds(3000)));
}

TEST_CASE("a body that stops arriving is cut off by the body timeout", "[integration][limits]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  ServerOptions o;
  o.request_body_timeout = std::chrono::milliseconds(200);
  GatewayRunner gw(catch_all_config(up.port(), o));
  RawClient c(gw.port());
  c.send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly-part");
  CHECK(c.closed_by_peer(std::chrono::milliseconds(3000)));
}

TEST_CASE("connections over max_connections are refused with 503", "[integration][limits]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  ServerOptions o;
  o.max_connections = 2;
  GatewayRunner gw(catch_all_config(up.port(), o));
  RawClient a(gw.port()), b(gw.port());
  a.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  b.send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(a.read_response()) == 200);
  CHECK(status_of(b.read_response()) == 200);
  RawClient c(gw.port());
  CHECK(status_of(c.read_until_close()) == 503);
}

TEST_CASE("filters run over real sockets: short-circuit, deferred, blocking and throwing", "[integration][filters]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.header("X-Added")); });
  std::atomic<int> worker_tasks{0};
  std::vector<std::thread> worker_threads;
  std::mutex wmu;
  Executor worker([&](Executor::Task t) {
    ++worker_tasks;
    std::lock_guard lock(wmu);
    worker_threads.emplace_back(std::move(t));
  });

  Config c;
  c.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  c.add(Route("deny").get("/deny").filter(request_filter("deny", [](Exchange&) {
    return FilterResult::respond(Response::text(401, "no"));
  })).to("svc"));
  c.add(Route("deferred").get("/deferred").filter(request_filter("later", [](Exchange& ex) {
    Deferred d = ex.defer();
    ex.request().headers.set("X-Added", "deferred");
    std::thread([d] { d.next(); }).detach();
    return FilterResult::pending();
  })).to("svc"));
  c.add(Route("blocking").get("/blocking").filter(request_filter("disk", [](Exchange& ex) {
    ex.request().headers.set("X-Added", "blocking");
    return FilterResult::next();
  }, {.blocking = true})).to("svc"));
  c.add(Route("throws").get("/throws").filter(request_filter("bad", [](Exchange&) -> FilterResult {
    throw std::runtime_error("boom");
  })).to("svc"));
  c.add(Route("dropped").get("/dropped").filter(request_filter("forgetful", [](Exchange& ex) {
    { Deferred d = ex.defer(); }  // dropped without completing
    return FilterResult::pending();
  })).to("svc"));
  c.add(Route("resp").get("/resp").filter(response_filter("tag", [](Exchange& ex, Response& r) {
    r.headers.set("X-Route", std::string(ex.route_id()));
  })).to("svc"));

  GatewayRunner gw(std::move(c));
  gw.gateway().set_worker_executor(worker);
  RawClient cl(gw.port());
  auto get = [&](const std::string& path) {
    cl.send("GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n");
    return cl.read_response();
  };
  auto r1 = get("/deny");
  CHECK(status_of(r1) == 401);
  CHECK(body_of(r1) == "no");
  auto r2 = get("/deferred");
  CHECK(status_of(r2) == 200);
  CHECK(body_of(r2) == "deferred");
  auto r3 = get("/blocking");
  CHECK(status_of(r3) == 200);
  CHECK(body_of(r3) == "blocking");
  CHECK(worker_tasks.load() == 1);
  auto r4 = get("/throws");
  CHECK(status_of(r4) == 500);
  CHECK(body_of(r4).find("boom") == std::string::npos);  // exception text is logged, not leaked
  auto r5 = get("/dropped");
  CHECK(status_of(r5) == 500);
  auto r6 = get("/resp");
  CHECK(header_of(r6, "X-Route") == "resp");
  CHECK(up.received().size() == 3);  // only deferred, blocking and resp reached the upstream
  gw.stop();
  std::lock_guard lock(wmu);
  for (auto& t : worker_threads) t.join();
}

TEST_CASE("a reload swaps the config atomically while requests flow", "[integration][reload]") {
  ScriptedUpstream a([](const Received&) { return ScriptedUpstream::ok("A"); });
  ScriptedUpstream b([](const Received&) { return ScriptedUpstream::ok("B"); });
  GatewayRunner gw(catch_all_config(a.port()), 2);
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, bad{0}, saw_b{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&] {
      RawClient c(gw.port());
      while (!stop) {
        c.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
        auto res = c.read_response();
        if (status_of(res) == 200) {
          ++ok;
          if (body_of(res) == "B") ++saw_b;
        } else {
          ++bad;
        }
      }
    });
  while (ok < 200) std::this_thread::yield();
  REQUIRE(gw.gateway().apply(catch_all_config(b.port())));
  auto bad_cfg = catch_all_config(b.port());
  bad_cfg.add(Route("broken").path("no-slash").to("svc"));
  CHECK_FALSE(gw.gateway().apply(bad_cfg));  // refused: the running config stays
  int target = ok + 200;
  while (ok < target) std::this_thread::yield();
  stop = true;
  for (auto& t : clients) t.join();
  CHECK(bad == 0);
  CHECK(saw_b > 0);
}

TEST_CASE("graceful stop answers every accepted request", "[integration][drain]") {
  ScriptedUpstream up([](const Received&) {
    auto r = ScriptedUpstream::ok("slow");
    r.delay = std::chrono::milliseconds(300);
    return r;
  });
  auto gw = std::make_unique<GatewayRunner>(catch_all_config(up.port()), 2);
  const int n = 20;
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<RawClient>(gw->port()));
    clients.back()->send("GET /r" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n");
  }
  RawClient idle(gw->port());  // connected, no request: closed at once by the drain
  REQUIRE(up.wait_for_requests(n));
  std::thread stopper([&] { gw->stop(); });
  int answered = 0, closing = 0;
  for (auto& c : clients) {
    auto res = c->read_response();
    if (status_of(res) == 200 && body_of(res) == "slow") ++answered;
    if (header_of(res, "Connection") == "close") ++closing;
  }
  stopper.join();
  CHECK(answered == n);
  CHECK(closing == n);
  CHECK(idle.closed_by_peer(std::chrono::milliseconds(1000)));
  // After the stop nobody is listening any more.
  gw.reset();
}

TEST_CASE("an idle keep-alive connection is parked, then served when it speaks again", "[integration][limits]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.request_line()); });
  ServerOptions o;
  o.idle_park_after = std::chrono::milliseconds(50);
  o.keep_alive_idle_timeout = std::chrono::milliseconds(60000);
  GatewayRunner gw(catch_all_config(up.port(), o));
  RawClient c(gw.port());
  c.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(body_of(c.read_response()) == "GET /first HTTP/1.1");
  // Stay silent well past the park threshold: the gateway must keep the connection open.
  CHECK_FALSE(c.closed_by_peer(std::chrono::milliseconds(300)));
  c.send("GET /second HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(body_of(c.read_response()) == "GET /second HTTP/1.1");
  // A request split across the park boundary is still one request.
  c.send("GET /th");
  CHECK_FALSE(c.closed_by_peer(std::chrono::milliseconds(200)));
  c.send("ird HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(body_of(c.read_response()) == "GET /third HTTP/1.1");
}

TEST_CASE("parked connections close at the idle timeout and at a drain", "[integration][limits]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  ServerOptions o;
  o.idle_park_after = std::chrono::milliseconds(50);
  o.keep_alive_idle_timeout = std::chrono::milliseconds(1200);
  auto gw = std::make_unique<GatewayRunner>(catch_all_config(up.port(), o));
  RawClient timed(gw->port());
  timed.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(timed.read_response()) == 200);
  RawClient drained(gw->port());
  drained.send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(drained.read_response()) == 200);
  CHECK(timed.closed_by_peer(std::chrono::milliseconds(5000)));  // the sweep closes it (1 s granularity)
  RawClient late(gw->port());
  late.send("GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(late.read_response()) == 200);
  CHECK_FALSE(late.closed_by_peer(std::chrono::milliseconds(200)));  // parked, still open
  gw->stop();
  CHECK(late.closed_by_peer(std::chrono::milliseconds(2000)));
}
