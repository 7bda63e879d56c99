// Gateway::handle() exchanges run on no loop: their services say so, refuse fetch and timer
// honestly, and give the host's worker executor.
#include <catch2/catch.hpp>

#include "portico/gateway.hpp"
#include "portico/testing/fake_transport.hpp"

using namespace portico;
using namespace std::chrono_literals;

TEST_CASE("Gateway::handle exchanges: fetch is unsupported, timer is empty, worker is the host's",
          "[gateway][services]") {
  auto posted = std::make_shared<int>(0);
  Gateway gw(std::make_shared<portico::testing::FakeTransport>());
  gw.set_worker_executor(Executor([posted](Executor::Task t) {
    ++*posted;
    t();
  }));
  Config c;
  c.add(Upstream("svc").endpoint("10.0.0.7", 8080));
  c.add(Route("r").get("/r").filter(request_filter("io", [](Exchange& ex) {
          Services& s = ex.services();
          std::string seen = s.on_loop() ? "loop" : "no-loop";
          seen += s.timer(10ms, [] {}) ? " timer" : " no-timer";
          s.fetch(ClientRequest{.url = "http://10.0.0.9/"}, [&seen](Result<Response> r) {
            seen += r ? " fetched" : " " + std::string(to_string(r.error().code));
          });
          if (Executor w = s.worker()) w.post([&seen] { seen += " worker"; });
          return FilterResult::respond(Response::text(200, seen));
        })).to("svc"));
  REQUIRE(gw.apply(std::move(c)));
  auto res = gw.handle(Request::make("GET", "/r"));
  CHECK(res.body == "no-loop no-timer unsupported worker");
  CHECK(*posted == 1);
}
