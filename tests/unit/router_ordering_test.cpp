// Router: route order (priority, host beats no host, declaration order, lone catch-all lowest), the
// segment index that narrows candidates, and concurrent matching.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "router_support.hpp"

using namespace portico;
using namespace portico::testing;
using portico::detail::Router;
using portico::detail::RouteMatch;

namespace {

// The id of the matched route, or "none".
std::string winner(const Router& router, const std::vector<Route>& routes, std::string_view target,
                   Headers headers = {}, std::string method = "GET") {
  const Request req = make_request(std::move(method), target, std::move(headers));
  RouteMatch m;
  if (!router.match(req, m)) return "none";
  return routes.at(m.index).id();
}

}  // namespace

TEST_CASE("higher priority is tried first", "[router][order]") {
  SECTION("Ocelot does not rank by specificity: the first declared wins at equal priority") {
    const std::vector<Route> routes{Route("goods-any").path("/goods/{url}"), Route("goods-delete").path("/goods/delete")};
    const Router r = build(routes);
    CHECK(winner(r, routes, "/goods/delete") == "goods-any");
  }
  SECTION("a lower priority sends the general route behind") {
    const std::vector<Route> routes{Route("goods-any").path("/goods/{url}").priority(0),
                                    Route("goods-delete").path("/goods/delete")};
    const Router r = build(routes);
    CHECK(winner(r, routes, "/goods/delete") == "goods-delete");
    CHECK(winner(r, routes, "/goods/other") == "goods-any");
  }
  SECTION("a higher priority pulls a later route ahead") {
    const std::vector<Route> routes{Route("a").path("/x/{p}"), Route("b").path("/x/{q}").priority(5),
                                    Route("c").path("/x/{r}").priority(3)};
    const Router r = build(routes);
    CHECK(winner(r, routes, "/x/1") == "b");
  }
  SECTION("negative priorities sort below the default") {
    const std::vector<Route> routes{Route("neg").path("/n").priority(-3), Route("any").path("/{all}")};
    const Router r = build(routes);
    CHECK(winner(r, routes, "/n") == "any");
  }
}

TEST_CASE("at equal priority a route with a host beats one without", "[router][order][host]") {
  const std::vector<Route> routes{Route("plain").path("/a"), Route("hosted").path("/a").host("api.example.com"),
                                  Route("urgent").path("/b").priority(2), Route("hosted-b").path("/b").host("api.example.com")};
  const Router r = build(routes);
  CHECK(winner(r, routes, "/a", {{"Host", "api.example.com"}}) == "hosted");
  CHECK(winner(r, routes, "/a", {{"Host", "other.example.com"}}) == "plain");
  CHECK(winner(r, routes, "/a") == "plain");
  // priority comes before the host rule
  CHECK(winner(r, routes, "/b", {{"Host", "api.example.com"}}) == "urgent");
}

TEST_CASE("ties keep declaration order", "[router][order]") {
  const std::vector<Route> routes{Route("first").path("/a/{x}"), Route("second").path("/a/{y}"),
                                  Route("third").path("/{z}/b").priority(1)};
  const Router r = build(routes);
  CHECK(winner(r, routes, "/a/b") == "first");
  SECTION("declaration order holds across index buckets") {
    // "/{z}/b" sits in the always-checked bucket and "/a/{x}" under "a"; the earlier one must win.
    const std::vector<Route> r2{Route("placeholder-first").path("/{z}/b"), Route("literal-first").path("/a/{x}")};
    const Router router2 = build(r2);
    CHECK(winner(router2, r2, "/a/b") == "placeholder-first");
    CHECK(winner(router2, r2, "/a/c") == "literal-first");
  }
  SECTION("and across case-sensitive and case-insensitive routes") {
    const std::vector<Route> r3{Route("ci-1").path("/q/1"), Route("cs").path("/Api/x").case_sensitive(),
                                Route("ci").path("/api/{x}")};
    const Router router3 = build(r3);
    CHECK(winner(router3, r3, "/Api/x") == "cs");
    CHECK(winner(router3, r3, "/api/x") == "ci");
    CHECK(winner(router3, r3, "/API/x") == "ci");
  }
}

TEST_CASE("the lone catch-all /{x} defaults to priority 0", "[router][order][catchall]") {
  SECTION("declared first, it still loses to every default-priority route") {
    const std::vector<Route> routes{Route("all").path("/{everything}"), Route("api").path("/api/{rest}"),
                                    Route("root").path("/")};
    const Router r = build(routes);
    CHECK(winner(r, routes, "/api/users") == "api");
    CHECK(winner(r, routes, "/") == "root");
    CHECK(winner(r, routes, "/other/x") == "all");
  }
  SECTION("an explicit priority overrides the default") {
    const std::vector<Route> routes{Route("all").path("/{everything}").priority(1), Route("api").path("/api/{rest}")};
    const Router r = build(routes);
    CHECK(winner(r, routes, "/api/users") == "all");
  }
  SECTION("only the exact form /{x} is demoted") {
    const std::vector<Route> routes{Route("prefixed").path("/{all}/x"), Route("api").path("/api/x"),
                                    Route("query").path("/{all}?a={b}"), Route("api-q").path("/api/y?a={c}")};
    const Router r = build(routes);
    CHECK(winner(r, routes, "/api/x") == "prefixed");
    CHECK(winner(r, routes, "/api/y?a=1") == "query");
  }
}

TEST_CASE("the index finds routes at every depth and leaves nothing out", "[router][index]") {
  std::vector<Route> routes;
  for (int i = 0; i < 50; ++i) {
    const std::string n = std::to_string(i);
    routes.push_back(Route("svc" + n).path("/svc" + n + "/items/{id}"));
    routes.push_back(Route("deep" + n).path("/d/" + n + "/a/b/c/d/e/f/g/h/i/j/k"));
  }
  routes.push_back(Route("Cased").path("/CASED/x").case_sensitive());
  routes.push_back(Route("embedded").path("/file_{name}/x"));
  routes.push_back(Route("root").path("/"));
  const Router r = build(routes);
  REQUIRE(r.size() == routes.size());
  CHECK(winner(r, routes, "/svc7/items/3") == "svc7");
  CHECK(winner(r, routes, "/SVC49/Items/3") == "svc49");
  CHECK(winner(r, routes, "/svc50/items/3") == "none");
  CHECK(winner(r, routes, "/d/12/a/b/c/d/e/f/g/h/i/j/k") == "deep12");
  CHECK(winner(r, routes, "/d/12/a/b/c/d/e/f/g/h/i/j") == "none");
  CHECK(winner(r, routes, "/d/12/a/b/c/d/e/f/g/h/i/j/k/l") == "none");
  CHECK(winner(r, routes, "/CASED/x") == "Cased");
  CHECK(winner(r, routes, "/cased/x") == "none");
  CHECK(winner(r, routes, "/file_a/x") == "embedded");
  CHECK(winner(r, routes, "/") == "root");
  CHECK(winner(r, routes, "/nothing") == "none");
}

TEST_CASE("an empty router matches nothing", "[router][index]") {
  const Router empty;
  RouteMatch m;
  CHECK(empty.size() == 0);
  CHECK_FALSE(empty.match(make_request("GET", "/"), m));
  const Router built = build({});
  CHECK_FALSE(built.match(make_request("GET", "/"), m));
}

TEST_CASE("match is safe to call from many threads at once", "[router][threads]") {
  std::vector<Route> routes;
  for (int i = 0; i < 100; ++i) routes.push_back(Route("r" + std::to_string(i)).path("/r" + std::to_string(i) + "/{id}"));
  const Router r = build(routes);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const int k = (i * 7 + t) % 100;
        const Request req = make_request("GET", "/r" + std::to_string(k) + "/" + std::to_string(i));
        RouteMatch m;
        if (!r.match(req, m) || m.index != static_cast<std::size_t>(k) || m.captures[0].value != std::to_string(i))
          ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong.load() == 0);
}
