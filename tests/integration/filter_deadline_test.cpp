// The filter deadline: a deferred filter that does not complete in time answers 504, frees the
// connection for the next request, and its late completion is ignored safely.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>

#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

/// Holds the Deferreds a filter took, so the test decides when (and whether) they complete.
struct Parked {
  std::mutex mu;
  std::vector<Deferred> held;
  void add(Deferred d) {
    std::lock_guard lock(mu);
    held.push_back(std::move(d));
  }
  std::vector<Deferred> take() {
    std::lock_guard lock(mu);
    return std::exchange(held, {});
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return held.size();
  }
};

/// A filter that parks its Deferred in `parked` and never completes it.
FilterPtr parking_filter(std::shared_ptr<Parked> parked, std::string name = "never-done") {
  return request_filter(std::move(name), [parked](Exchange& ex) {
    parked->add(ex.defer());
    return FilterResult::pending();
  });
}

ServerOptions with_filter_timeout(std::chrono::milliseconds t) {
  ServerOptions options;
  options.filter_timeout = t;
  return options;
}

}  // namespace

TEST_CASE("a deferred filter past the filter deadline answers 504 and a late completion is ignored",
          "[integration][filters][deadline]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("upstream"); });
  auto parked = std::make_shared<Parked>();
  Config c;
  c.options(with_filter_timeout(std::chrono::milliseconds(300)));
  c.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  c.add(Route("slow").get("/slow").filter(parking_filter(parked)).to("svc"));
  c.add(Route("fast").get("/fast").to("svc"));
  GatewayRunner gw(std::move(c));

  RawClient client(gw.port());
  REQUIRE(client.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto res = client.read_response(5000ms);
  CHECK(status_of(res) == 504);
  CHECK(header_of(res, "Content-Type") == "application/problem+json");
  CHECK(body_of(res).find("a filter did not finish in time") != std::string::npos);
  REQUIRE(parked->size() == 1);

  // The connection is free again: the next request on it is served.
  REQUIRE(client.send("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto next = client.read_response();
  CHECK(status_of(next) == 200);
  CHECK(body_of(next) == "upstream");

  // Completing the stale Deferred now changes nothing and reaches nobody.
  for (auto& d : parked->take()) d.respond(Response::text(200, "too late"));
  REQUIRE(client.send("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n"));
  CHECK(status_of(client.read_response()) == 200);
  CHECK(up.received().size() == 2);  // the timed-out request never went upstream
}

TEST_CASE("a route timeout shorter than filter_timeout is the filter deadline", "[integration][filters][deadline]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("upstream"); });
  auto parked = std::make_shared<Parked>();
  Config c;
  // A filter_timeout far beyond the client's wait: only the route's 200 ms can produce the 504.
  c.options(with_filter_timeout(std::chrono::minutes(10)));
  c.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  c.add(Route("slow").get("/slow").timeout(std::chrono::milliseconds(200)).filter(parking_filter(parked)).to("svc"));
  GatewayRunner gw(std::move(c));
  RawClient client(gw.port());
  REQUIRE(client.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"));
  CHECK(status_of(client.read_response(30000ms)) == 504);
}

TEST_CASE("a Deferred that outlives its connection and its gateway is harmless", "[integration][filters][deadline]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("upstream"); });
  auto parked = std::make_shared<Parked>();
  {
    Config c;
    c.options(with_filter_timeout(std::chrono::milliseconds(300)));  // the drain waits for the deadline
    c.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
    c.add(Route("slow").get("/slow").filter(parking_filter(parked, "held")).to("svc"));
    GatewayRunner gw(std::move(c));
    {
      RawClient client(gw.port());
      REQUIRE(client.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"));
      // Poll until the filter ran, then drop the client while the filter still holds its Deferred.
      const auto until = std::chrono::steady_clock::now() + 5s;
      while (parked->size() == 0 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
      REQUIRE(parked->size() == 1);
    }
    gw.stop();
  }
  // The gateway is gone; completing (and then dropping) the Deferred must not touch it.
  auto held = parked->take();
  REQUIRE(held.size() == 1);
  held[0].next();
  held.clear();
  CHECK(up.received().empty());
}
