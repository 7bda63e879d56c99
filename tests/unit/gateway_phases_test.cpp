// Filter phases: the chain is ordered by phase, whatever the order filters were added in.
#include <catch2/catch.hpp>

#include <mutex>

#include "portico/gateway.hpp"
#include "portico/testing/fake_transport.hpp"

using namespace portico;
using portico::testing::FakeTransport;

namespace {

struct Trace {
  std::mutex mu;
  std::vector<std::string> lines;
  void add(std::string s) {
    std::lock_guard lock(mu);
    lines.push_back(std::move(s));
  }
};

FilterPtr traced(Trace& t, std::string name, Phase phase) {
  return make_filter(
      name, [&t, name](Exchange&) { t.add(name + ".req"); return FilterResult::next(); },
      [&t, name](Exchange&, Response&) { t.add(name + ".res"); }, {.phase = phase});
}

}  // namespace

TEST_CASE("filters run by phase; global before route inside a phase; responses in reverse", "[gateway][filters]") {
  auto transport = std::make_shared<FakeTransport>();
  Gateway gw(transport);
  Trace t;
  Config c;
  c.add(Upstream("u").endpoint("10.0.0.1", 80));
  c.use(traced(t, "g-user", Phase::User));
  c.use(traced(t, "g-limits", Phase::Limits));
  c.add(Route("r")
            .get("/x")
            .filter(traced(t, "r-transform", Phase::Transform))
            .filter(traced(t, "r-user", Phase::User))
            .filter(traced(t, "r-auth", Phase::Authentication))
            .filter(traced(t, "r-edge", Phase::Edge))
            .filter(traced(t, "r-limits", Phase::Limits))
            .to("u"));
  REQUIRE(gw.apply(c));
  auto r = gw.handle(Request::make("GET", "/x", {{"Host", "h"}}));
  CHECK(r.status == 200);
  CHECK(t.lines == std::vector<std::string>{
                       "r-edge.req", "r-auth.req", "g-limits.req", "r-limits.req", "r-transform.req", "g-user.req",
                       "r-user.req", "r-user.res", "g-user.res", "r-transform.res", "r-limits.res", "g-limits.res",
                       "r-auth.res", "r-edge.res"});
}

TEST_CASE("a short-circuit in an early phase skips the later phases", "[gateway][filters]") {
  auto transport = std::make_shared<FakeTransport>();
  Gateway gw(transport);
  Trace t;
  Config c;
  c.add(Upstream("u").endpoint("10.0.0.1", 80));
  c.add(Route("r")
            .get("/x")
            .filter(traced(t, "user", Phase::User))
            .filter(make_filter(
                "auth", [&t](Exchange&) { t.add("auth.req"); return FilterResult::respond(Response::text(401, "no")); },
                [&t](Exchange&, Response& res) { t.add("auth.res " + std::to_string(res.status)); },
                {.phase = Phase::Authentication}))
            .to("u"));
  REQUIRE(gw.apply(c));
  auto r = gw.handle(Request::make("GET", "/x", {{"Host", "h"}}));
  CHECK(r.status == 401);
  CHECK(t.lines == std::vector<std::string>{"auth.req", "auth.res 401"});
  CHECK(transport->sent().empty());
}

TEST_CASE("phase names are the documented ones", "[filters]") {
  CHECK(to_string(Phase::Edge) == "Edge");
  CHECK(to_string(Phase::Authorization) == "Authorization");
  CHECK(to_string(Phase::Upstream) == "Upstream");
  CHECK(to_string(Phase::User) == "User");
}
