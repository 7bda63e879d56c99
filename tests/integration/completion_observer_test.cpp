// Completion observers: once per exchange after the last byte, with outcome, status, bytes and timings.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <mutex>

#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

struct Seen {
  std::string route;
  std::string request_id;
  ExchangeRecord::Outcome outcome;
  int status;
  std::optional<Errc> error;
  std::string answered_by;
  std::uint64_t bytes_in, bytes_out;
  bool ordered;        // received <= routed <= done, upstream times inside when present
  bool has_upstream;   // upstream_connected and upstream_first_byte were set
};

class Recorder final : public Filter {
 public:
  std::string_view name() const noexcept override { return "recorder"; }
  bool observes_completion() const noexcept override { return true; }
  void on_complete(const Exchange& ex, const ExchangeRecord& r) const override {
    const bool up = r.upstream_connected != ExchangeRecord::TimePoint{} && r.upstream_first_byte != ExchangeRecord::TimePoint{};
    bool ordered = r.received <= r.routed && r.routed <= r.done;
    if (up) ordered = ordered && r.routed <= r.upstream_connected && r.upstream_connected <= r.upstream_first_byte &&
                      r.upstream_first_byte <= r.done;
    std::lock_guard lock(mu);
    seen.push_back(Seen{std::string(ex.route_id()), std::string(ex.request_id()), r.outcome, r.status, r.error,
                        std::string(r.answered_by), r.bytes_in, r.bytes_out, ordered, up});
  }
  std::vector<Seen> take() const {
    std::lock_guard lock(mu);
    return std::exchange(seen, {});
  }
  bool wait_for(std::size_t n) const {
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < until) {
      {
        std::lock_guard lock(mu);
        if (seen.size() >= n) return true;
      }
      std::this_thread::yield();
    }
    return false;
  }

 private:
  mutable std::mutex mu;
  mutable std::vector<Seen> seen;
};

}  // namespace

TEST_CASE("completion observers see served, short-circuited and failed exchanges", "[integration][observer]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("hello"); });
  auto rec = std::make_shared<Recorder>();
  Config c;
  c.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  c.use(rec);
  c.add(Route("ok").get("/ok").to("svc"));
  c.add(Route("deny").get("/deny").filter(request_filter("gatekeeper", [](Exchange&) {
    return FilterResult::respond(Response::text(403, "no"));
  })).to("svc"));
  c.add(Route("down").get("/down").to(Upstream("dead").endpoint("127.0.0.1", unused_port())));
  GatewayRunner gw(std::move(c));
  RawClient client(gw.port());
  REQUIRE(client.send("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto ok = client.read_response();
  REQUIRE(rec->wait_for(1));
  REQUIRE(client.send("GET /deny HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto denied = client.read_response();
  REQUIRE(rec->wait_for(2));
  REQUIRE(client.send("GET /down HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto failed = client.read_response();
  REQUIRE(rec->wait_for(3));
  auto seen = rec->take();
  REQUIRE(seen.size() == 3);

  CHECK(seen[0].route == "ok");
  CHECK(seen[0].outcome == ExchangeRecord::Outcome::Served);
  CHECK(seen[0].status == 200);
  CHECK(seen[0].bytes_out == ok.size());
  CHECK(seen[0].bytes_in == std::string("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n").size());
  CHECK(seen[0].has_upstream);
  CHECK(seen[0].ordered);
  CHECK(seen[0].request_id.size() == 16);

  CHECK(seen[1].outcome == ExchangeRecord::Outcome::ShortCircuited);
  CHECK(seen[1].answered_by == "gatekeeper");
  CHECK(seen[1].status == 403);
  CHECK(seen[1].bytes_out == denied.size());
  CHECK_FALSE(seen[1].has_upstream);
  CHECK(seen[1].ordered);

  CHECK(seen[2].outcome == ExchangeRecord::Outcome::Failed);
  CHECK(seen[2].error == Errc::ConnectFailed);
  CHECK(seen[2].status == 502);
  CHECK(seen[2].bytes_out == failed.size());
  CHECK(seen[2].ordered);
}

TEST_CASE("a route without observers is not observed; Gateway::handle observes too", "[integration][observer]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  auto rec = std::make_shared<Recorder>();
  Config c;
  c.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  c.add(Route("quiet").get("/quiet").to("svc"));
  c.add(Route("watched").get("/watched").filter(rec).to("svc"));
  GatewayRunner gw(std::move(c));
  RawClient client(gw.port());
  REQUIRE(client.send("GET /quiet HTTP/1.1\r\nHost: h\r\n\r\n"));
  CHECK(status_of(client.read_response()) == 200);
  REQUIRE(client.send("GET /watched HTTP/1.1\r\nHost: h\r\n\r\n"));
  CHECK(status_of(client.read_response()) == 200);
  REQUIRE(rec->wait_for(1));
  auto seen = rec->take();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].route == "watched");

  auto res = gw.gateway().handle(Request::make("GET", "/watched", {{"Host", "h"}}));
  CHECK(res.status == 200);
  REQUIRE(rec->wait_for(1));
  auto handled = rec->take();
  REQUIRE(handled.size() == 1);
  CHECK(handled[0].outcome == ExchangeRecord::Outcome::Served);
  CHECK(handled[0].bytes_out == 1);
}

TEST_CASE("a client that goes away mid-response is reported as ClientAborted", "[integration][observer]") {
  const std::string big(8 * 1024 * 1024, 'x');
  ScriptedUpstream up([&big](const Received&) { return ScriptedUpstream::ok(big); });
  auto rec = std::make_shared<Recorder>();
  Config c;
  c.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  c.add(Route("big").get("/big").filter(rec).to("svc"));
  GatewayRunner gw(std::move(c));
  {
    RawClient client(gw.port());
    // A small receive buffer and no reads: the gateway's writes stall, then fail once we close.
    int small = 4096;
    ::setsockopt(client.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    REQUIRE(client.send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n"));
    REQUIRE(up.wait_for_requests(1));
    struct linger hard {1, 0};  // close with RST
    ::setsockopt(client.fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  }
  REQUIRE(rec->wait_for(1));
  auto seen = rec->take();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].outcome == ExchangeRecord::Outcome::ClientAborted);
  CHECK(seen[0].status == 200);
  CHECK(seen[0].bytes_out < big.size());
}
