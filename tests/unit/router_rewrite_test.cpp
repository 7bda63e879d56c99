// Router: downstream targets (rewrite substitution and Ocelot's query rules).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "router_support.hpp"

using namespace portico;
using namespace portico::testing;
using portico::detail::Router;
using portico::detail::RouteMatch;

namespace {

// The downstream target for a GET of `target`, or "no match".
std::string target_of(const Router& router, std::string_view target, Headers headers = {}) {
  const Request req = make_request("GET", target, std::move(headers));
  RouteMatch m;
  if (!router.match(req, m)) return "no match";
  return router.downstream_target(m, req);
}

// A GET request target, the downstream target it must give ("no match": the router must refuse
// it), and the request's header fields.
struct Case {
  std::string_view target;
  std::string_view downstream;
  Headers headers{};
};

void check_targets(const Router& router, std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    std::string request = "GET " + std::string(c.target);
    for (std::size_t i = 0; i < c.headers.size(); ++i) request += " | " + c.headers[i].name + ": " + c.headers[i].value;
    INFO(request);
    CHECK(target_of(router, c.target, c.headers) == c.downstream);
  }
}

}  // namespace

TEST_CASE("without a rewrite the path and query are forwarded unchanged", "[router][rewrite]") {
  check_targets(build({Route("r").path("/api/users/{id}")}), {
      {"/api/users/42", "/api/users/42"},
      {"/API/users/42?id=42&x=a%20b", "/API/users/42?id=42&x=a%20b"},
      {"/api/users/42/", "/api/users/42/"},
  });
}

TEST_CASE("rewrite substitutes captures into the downstream path", "[router][rewrite]") {
  const Router r = build({Route("r").path("/api/{tenant}/users/{rest}").rewrite("/t/{tenant}/u/{rest}/{tenant}"),
                          Route("s").path("/static").rewrite("/assets/static")});
  check_targets(r, {
      {"/api/Acme/users/1/orders", "/t/Acme/u/1/orders/Acme"},
      {"/api/acme/users/a%2Fb", "/t/acme/u/a%2Fb/acme"},
      {"/static?v=3", "/assets/static?v=3"},
  });
}

TEST_CASE("upstream query parameters named like a placeholder are removed", "[router][rewrite][query]") {
  const Router r = build({Route("r").path("/api/users/{id}").rewrite("/users/{id}"),
                          Route("q").path("/api/x?unitId={unitId}").rewrite("/x/{unitId}")});
  check_targets(r, {
      {"/api/users/42?id=42&x=1", "/users/42?x=1"},
      {"/api/users/42?id=7&id=8", "/users/42"},
      {"/api/users/42?ID=1&x=2&id", "/users/42?ID=1&x=2"},  // names compare case-sensitively
      {"/api/users/42?idx=1", "/users/42?idx=1"},
      {"/api/x?unitId=5&productId=6", "/x/5?productId=6"},
  });
}

TEST_CASE("the rewrite's query goes first, then upstream parameters it does not set", "[router][rewrite][query]") {
  const Router r = build({Route("q").path("/api/x?unitId={unitId}").rewrite("/x?unit={unitId}&source=gw"),
                          Route("p").path("/api/y/{id}").rewrite("/y?id={id}&v=2")});
  check_targets(r, {
      {"/api/x?unitId=5", "/x?unit=5&source=gw"},
      {"/api/x?unitId=5&source=client&b=2&b=3", "/x?unit=5&source=gw&b=2&b=3"},
      {"/api/x?unitId=5&z=%2F&flag", "/x?unit=5&source=gw&z=%2F&flag"},
      {"/api/y/9?v=1&w=1", "/y?id=9&v=2&w=1"},
  });
  SECTION("placeholder named differently from the parameter: the parameter stays") {
    const Router r2 = build({Route("q").path("/api/x?unitId={u}").rewrite("/x?unit={u}")});
    CHECK(target_of(r2, "/api/x?unitId=5&b=1") == "/x?unit=5&unitId=5&b=1");
  }
}

TEST_CASE("a trailing slash left by substitution is trimmed when the request had none", "[router][rewrite][slash]") {
  const Router r = build({Route("r").path("/x/{p}").rewrite("/y/{p}"), Route("s").path("/s/{p}").rewrite("/{p}"),
                          Route("t").path("/t/{p}").rewrite("/t/{p}/?k=1")});
  check_targets(r, {
      {"/x", "/y"},
      {"/x/", "/y/"},
      {"/x/a", "/y/a"},
      {"/x/a/", "/y/a/"},
      {"/x?q=1", "/y?q=1"},
      {"/s", "/"},  // never trimmed to nothing
      {"/t/a", "/t/a?k=1"},
      {"/t/a/", "/t/a//?k=1"},
  });
}

TEST_CASE("?{everything} forwards the whole query and no '?' when it is empty", "[router][rewrite][query]") {
  check_targets(build({Route("c").path("/contracts?{everything}").rewrite("/api/contracts?{everything}")}), {
      {"/contracts", "/api/contracts"},
      {"/contracts?", "/api/contracts"},
      {"/contracts?$top=5&$skip=10&$filter=a%20eq%201", "/api/contracts?$top=5&$skip=10&$filter=a%20eq%201"},
      {"/contracts?a=1&&b=2&", "/api/contracts?a=1&b=2"},
  });
}

TEST_CASE("an empty query leaves no '?'", "[router][rewrite][query]") {
  const Router r = build({Route("r").path("/api/users/{id}").rewrite("/users/{id}"),
                          Route("e").path("/e/{id}").rewrite("/e?{id}")});
  check_targets(r, {
      {"/api/users/1?id=1", "/users/1"},
      {"/api/users/1?", "/users/1"},
      {"/e", "/e"},
  });
}

TEST_CASE("query values keep their raw percent-encoding", "[router][rewrite][query]") {
  const Router r = build({Route("q").path("/s?q={q}").rewrite("/search?term={q}")});
  CHECK(target_of(r, "/s?q=caf%C3%A9+au%20lait&page=2&x=%26") == "/search?term=caf%C3%A9+au%20lait&page=2&x=%26");
}

TEST_CASE("header captures are usable in the rewrite path, encoded", "[router][rewrite][header_template]") {
  const Router r = build({Route("v").path("/api/{rest}").header_template("X-Version", "{header:v}").rewrite(
      "/v{header:v}/{rest}?h={header:v}")});
  check_targets(r, {
      {"/api/items", "/v2/items?h=2", {{"X-Version", "2"}}},
      {"/api/items", "/v2%2F..%2Fa%20b%25/items?h=2/../a%20b%25", {{"X-Version", "2/../a b%"}}},
      {"/api/items", "/va&b=c%23d/items?h=a%26b=c%23d", {{"X-Version", "a&b=c#d"}}},
  });
}

TEST_CASE("a {header:code} capture is usable as {code} in the rewrite (Ocelot)", "[router][rewrite][header_template]") {
  const Router r = build({Route("p").get("/products").header_template("Region", "{header:code}").rewrite(
                              "/api.internal-{code}/products"),
                          Route("both").get("/both/{code}").header_template("Region", "{header:code}").rewrite(
                              "/{code}/{header:code}")});
  check_targets(r, {
      {"/products", "/api.internal-uk/products", {{"Region", "uk"}}},
      {"/products", "/api.internal-PL/products", {{"region", "PL"}}},
      // A path placeholder of the same name wins; the header one is still reachable by its full name.
      {"/both/a", "/a/b", {{"Region", "b"}}},
  });
}

TEST_CASE("a header or query capture that is a dot segment does not match", "[router][rewrite][security]") {
  const Router r = build({Route("h").path("/h/{rest}").header_template("X-Tenant", "{header:t}").rewrite("/{header:t}/{rest}"),
                          Route("q").path("/q?t={t}").rewrite("/{t}/x")});
  check_targets(r, {
      {"/h/a", "no match", {{"X-Tenant", ".."}}},
      {"/h/a", "no match", {{"X-Tenant", "."}}},
      {"/h/a", "no match", {{"X-Tenant", "%2e%2E"}}},
      {"/h/a", "/.../a", {{"X-Tenant", "..."}}},
      {"/q?t=..", "no match"},
      {"/q?t=.%2E", "no match"},
      {"/q?t=a%2F..", "/a%2F../x"},
      {"/q?t=a/b?c", "/a%2Fb%3Fc/x"},
  });
}

TEST_CASE("path captures substituted into the query cannot add parameters", "[router][rewrite][security]") {
  const Router r = build({Route("p").path("/p/{x}").rewrite("/y?v={x}")});
  CHECK(target_of(r, "/p/a&admin=1+2") == "/y?v=a%26admin=1%2B2");
}
