// Router: match() does not touch the heap (counted with a replaced global operator new; not built
// under sanitizers, which own operator new).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "router_support.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PORTICO_ROUTER_COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PORTICO_ROUTER_COUNT_ALLOCS 0
#endif
#endif
#ifndef PORTICO_ROUTER_COUNT_ALLOCS
#define PORTICO_ROUTER_COUNT_ALLOCS 1
#endif

#if PORTICO_ROUTER_COUNT_ALLOCS
namespace {
thread_local std::size_t g_allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace portico;
using namespace portico::testing;
using portico::detail::Router;
using portico::detail::RouteMatch;

TEST_CASE("match allocates nothing for up to 16 captures", "[router][alloc]") {
  std::vector<Route> routes;
  for (int i = 0; i < 200; ++i) routes.push_back(Route("r" + std::to_string(i)).get("/api/r" + std::to_string(i) + "/{id}"));
  routes.push_back(Route("hosted")
                       .path("/very-long-segment-name-beyond-sso/{a}/x_{b}-{c}/{rest}?unitId={u}&kind={k}")
                       .host("*.a-rather-long-domain-name.example.com")
                       .header("X-Tenant", "acme")
                       .query("debug")
                       .header_template("X-Version", "v{header:major}.{header:minor}"));
  routes.push_back(Route("all").path("/{everything}"));
  auto built = Router::build(routes);
  REQUIRE(built.has_value());
  const Router& router = *built;

  const std::vector<Request> requests{
      make_request("GET", "/api/r150/12345"),
      make_request("GET", "/very-long-segment-name-beyond-sso/1/x_2-3/4/5/6?unitId=7&kind=8&debug",
                   {{"Host", "shop.eu.a-rather-long-domain-name.example.com:8443"},
                    {"X-Tenant", "ACME"},
                    {"X-Version", "v10.20"}}),
      make_request("DELETE", "/api/r150/12345"),
      make_request("GET", "/nothing/matches/here/but/the/catch/all"),
  };
  RouteMatch m;
  const std::size_t expected[] = {150, 200, 201, 201};
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const std::size_t before = g_allocations;
    const bool ok = router.match(requests[i], m);
    const std::size_t allocated = g_allocations - before;
    INFO("request " << i);
    CHECK(ok);
    CHECK(m.index == expected[i]);
    CHECK(allocated == 0);
  }
  REQUIRE(router.match(requests[1], m));
  CHECK(m.captures.size() == 8);
  CHECK(*m.captures.find("header:minor") == "20");
}

#endif  // PORTICO_ROUTER_COUNT_ALLOCS (sanitizers replace operator new themselves)
