// Gateway::handle() without a host Transport runs on the engine: the upstream's TLS settings, the
// loop's keep-alive pool, loop services for filters, the filter deadline, and a 503 when the loop
// stops first. Real upstreams on loopback ports.
#include <catch2/catch.hpp>

#include <future>
#include <mutex>

#include "support/certs.hpp"
#include "support/net_helpers.hpp"
#include "support/tls_upstream.hpp"

using namespace portico;
using namespace portico::testing;
using namespace std::chrono_literals;

namespace {

Request get(std::string target) { return Request::make("GET", std::move(target), {{"Host", "api"}}); }

/// Keeps Deferreds alive for the test, so a filter's request phase never completes on its own.
struct Held {
  std::mutex mu;
  std::vector<Deferred> deferreds;
  void add(Deferred d) {
    std::lock_guard lock(mu);
    deferreds.push_back(std::move(d));
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return deferreds.size();
  }
};

FilterPtr never_completes(std::shared_ptr<Held> held) {
  return request_filter("never", [held](Exchange& ex) {
    held->add(ex.defer());
    return FilterResult::pending();
  });
}

}  // namespace

TEST_CASE("handle(): an https upstream is verified with the upstream's own CA", "[integration][handle]") {
  TestCerts certs;
  certs.make_server("upstream.test");
  TlsUpstream up(certs, "upstream.test");
  auto run = [&](UpstreamTls tls) {
    Config cfg;
    cfg.add(Upstream("svc").endpoint(Endpoint{"127.0.0.1", up.port(), 1, "https"}).tls(tls));
    cfg.add(Route("all").path("/{all}").to("svc"));
    Gateway gateway;  // no loop runs: a private loop on this thread
    REQUIRE(gateway.apply(std::move(cfg)));
    return gateway.handle(get("/hello"));
  };
  auto trusted = run(UpstreamTls{.ca_file = certs.ca_cert()});
  CHECK(trusted.status == 200);
  CHECK(trusted.body == "secure /hello");
  CHECK(run(UpstreamTls{}).status == 502);  // the system store does not know the test CA
  CHECK(run(UpstreamTls{.ca_file = certs.ca_cert(), .server_name = "other.test"}).status == 502);
}

TEST_CASE("handle(): with loops running, requests share the loop's keep-alive connections", "[integration][handle]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok("got " + r.request_line()); });
  GatewayRunner runner(catch_all_config(up.port()), 1);
  for (int i = 0; i < 3; ++i) {
    auto res = runner.gateway().handle(get("/n/" + std::to_string(i)));
    CHECK(res.status == 200);
    CHECK(res.body == "got GET /n/" + std::to_string(i) + " HTTP/1.1");
  }
  CHECK(up.connections() == 1);
}

TEST_CASE("handle(): filters get loop services, on a running loop and on a private one", "[integration][handle]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("upstream"); });
  // A filter that answers from a loop timer (off-loop services would give it no timer).
  auto later = request_filter("later", [](Exchange& ex) {
    if (!ex.services().on_loop()) return FilterResult::respond(Response::text(500, "no loop services"));
    auto d = ex.defer();
    ex.services().timer(5ms, [d] { d.respond(Response::text(200, "from the timer")); });
    return FilterResult::pending();
  });
  auto config = [&] {
    Config cfg = catch_all_config(up.port());
    cfg.use(later);
    return cfg;
  };
  SECTION("private loop") {
    Gateway gateway;
    REQUIRE(gateway.apply(config()));
    auto res = gateway.handle(get("/t"));
    CHECK(res.status == 200);
    CHECK(res.body == "from the timer");
  }
  SECTION("running loop") {
    GatewayRunner runner(config(), 2);
    auto res = runner.gateway().handle(get("/t"));
    CHECK(res.status == 200);
    CHECK(res.body == "from the timer");
  }
  CHECK(up.received().empty());
}

TEST_CASE("handle(): a deferred filter past the filter deadline answers 504", "[integration][handle]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("upstream"); });
  ServerOptions options;
  options.filter_timeout = 100ms;
  Config cfg = catch_all_config(up.port(), options);
  auto held = std::make_shared<Held>();
  cfg.use(never_completes(held));
  Gateway gateway;
  REQUIRE(gateway.apply(std::move(cfg)));
  auto res = gateway.handle(get("/slow"));
  CHECK(res.status == 504);
  CHECK(held->size() == 1);
  CHECK(up.received().empty());
}

TEST_CASE("handle(): a loop that stops before the exchange is done answers 503", "[integration][handle]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("upstream"); });
  Config cfg = catch_all_config(up.port());  // the filter deadline (10 s) does not pass first
  auto held = std::make_shared<Held>();
  cfg.use(never_completes(held));
  GatewayRunner runner(std::move(cfg), 1);
  std::promise<Response> answered;
  auto future = answered.get_future();
  runner.gateway().handle(get("/waits"), [&answered](Response r) { answered.set_value(std::move(r)); });
  while (held->size() == 0) std::this_thread::sleep_for(1ms);  // the filter is waiting on the loop
  CHECK(future.wait_for(0ms) == std::future_status::timeout);
  runner.stop();
  auto res = future.get();
  CHECK(res.status == 503);
  CHECK(up.received().empty());
}
