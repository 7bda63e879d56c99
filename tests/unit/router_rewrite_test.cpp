// Router: downstream targets (rewrite substitution and Ocelot's query rules).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/router.hpp"
#include "portico/route.hpp"

using namespace portico;
using portico::detail::Router;
using portico::detail::RouteMatch;

namespace {

Request make_request(std::string method, std::string_view target, Headers headers = {}) {
  Request r;
  r.method = std::move(method);
  r.target = std::string(target);
  const auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  r.query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
  r.headers = std::move(headers);
  return r;
}

Router build(const std::vector<Route>& routes) {
  auto r = Router::build(routes);
  INFO((r ? std::string() : r.error().to_string()));
  REQUIRE(r.has_value());
  return std::move(r).value();
}

std::string target_of(const Router& router, std::string_view target, Headers headers = {}) {
  const Request req = make_request("GET", target, std::move(headers));
  RouteMatch m;
  if (!router.match(req, m)) return "no match";
  return router.downstream_target(m, req);
}

}  // namespace

TEST_CASE("without a rewrite the path and query are forwarded unchanged", "[router][rewrite]") {
  const Router r = build({Route("r").path("/api/users/{id}")});
  CHECK(target_of(r, "/api/users/42") == "/api/users/42");
  CHECK(target_of(r, "/API/users/42?id=42&x=a%20b") == "/API/users/42?id=42&x=a%20b");
  CHECK(target_of(r, "/api/users/42/") == "/api/users/42/");
}

TEST_CASE("rewrite substitutes captures into the downstream path", "[router][rewrite]") {
  const Router r = build({Route("r").path("/api/{tenant}/users/{rest}").rewrite("/t/{tenant}/u/{rest}/{tenant}"),
                          Route("s").path("/static").rewrite("/assets/static")});
  CHECK(target_of(r, "/api/Acme/users/1/orders") == "/t/Acme/u/1/orders/Acme");
  CHECK(target_of(r, "/api/acme/users/a%2Fb") == "/t/acme/u/a%2Fb/acme");
  CHECK(target_of(r, "/static?v=3") == "/assets/static?v=3");
}

TEST_CASE("upstream query parameters named like a placeholder are removed", "[router][rewrite][query]") {
  const Router r = build({Route("r").path("/api/users/{id}").rewrite("/users/{id}"),
                          Route("q").path("/api/x?unitId={unitId}").rewrite("/x/{unitId}")});
  CHECK(target_of(r, "/api/users/42?id=42&x=1") == "/users/42?x=1");
  CHECK(target_of(r, "/api/users/42?id=7&id=8") == "/users/42");
  CHECK(target_of(r, "/api/users/42?ID=1&x=2&id") == "/users/42?ID=1&x=2");  // names compare case-sensitively
  CHECK(target_of(r, "/api/users/42?idx=1") == "/users/42?idx=1");
  CHECK(target_of(r, "/api/x?unitId=5&productId=6") == "/x/5?productId=6");
}

TEST_CASE("the rewrite's query goes first, then upstream parameters it does not set", "[router][rewrite][query]") {
  const Router r = build({Route("q").path("/api/x?unitId={unitId}").rewrite("/x?unit={unitId}&source=gw"),
                          Route("p").path("/api/y/{id}").rewrite("/y?id={id}&v=2")});
  CHECK(target_of(r, "/api/x?unitId=5") == "/x?unit=5&source=gw");
  CHECK(target_of(r, "/api/x?unitId=5&source=client&b=2&b=3") == "/x?unit=5&source=gw&b=2&b=3");
  CHECK(target_of(r, "/api/x?unitId=5&z=%2F&flag") == "/x?unit=5&source=gw&z=%2F&flag");
  CHECK(target_of(r, "/api/y/9?v=1&w=1") == "/y?id=9&v=2&w=1");
  SECTION("placeholder named differently from the parameter: the parameter stays") {
    const Router r2 = build({Route("q").path("/api/x?unitId={u}").rewrite("/x?unit={u}")});
    CHECK(target_of(r2, "/api/x?unitId=5&b=1") == "/x?unit=5&unitId=5&b=1");
  }
}

TEST_CASE("a trailing slash left by substitution is trimmed when the request had none", "[router][rewrite][slash]") {
  const Router r = build({Route("r").path("/x/{p}").rewrite("/y/{p}"), Route("s").path("/s/{p}").rewrite("/{p}"),
                          Route("t").path("/t/{p}").rewrite("/t/{p}/?k=1")});
  CHECK(target_of(r, "/x") == "/y");
  CHECK(target_of(r, "/x/") == "/y/");
  CHECK(target_of(r, "/x/a") == "/y/a");
  CHECK(target_of(r, "/x/a/") == "/y/a/");
  CHECK(target_of(r, "/x?q=1") == "/y?q=1");
  CHECK(target_of(r, "/s") == "/");  // never trimmed to nothing
  CHECK(target_of(r, "/t/a") == "/t/a?k=1");
  CHECK(target_of(r, "/t/a/") == "/t/a//?k=1");
}

TEST_CASE("?{everything} forwards the whole query and no '?' when it is empty", "[router][rewrite][query]") {
  const Router r = build({Route("c").path("/contracts?{everything}").rewrite("/api/contracts?{everything}")});
  CHECK(target_of(r, "/contracts") == "/api/contracts");
  CHECK(target_of(r, "/contracts?") == "/api/contracts");
  CHECK(target_of(r, "/contracts?$top=5&$skip=10&$filter=a%20eq%201") == "/api/contracts?$top=5&$skip=10&$filter=a%20eq%201");
  CHECK(target_of(r, "/contracts?a=1&&b=2&") == "/api/contracts?a=1&b=2");
}

TEST_CASE("an empty query leaves no '?'", "[router][rewrite][query]") {
  const Router r = build({Route("r").path("/api/users/{id}").rewrite("/users/{id}"),
                          Route("e").path("/e/{id}").rewrite("/e?{id}")});
  CHECK(target_of(r, "/api/users/1?id=1") == "/users/1");
  CHECK(target_of(r, "/api/users/1?") == "/users/1");
  CHECK(target_of(r, "/e") == "/e");
}

TEST_CASE("query values keep their raw percent-encoding", "[router][rewrite][query]") {
  const Router r = build({Route("q").path("/s?q={q}").rewrite("/search?term={q}")});
  CHECK(target_of(r, "/s?q=caf%C3%A9+au%20lait&page=2&x=%26") == "/search?term=caf%C3%A9+au%20lait&page=2&x=%26");
}

TEST_CASE("header captures are usable in the rewrite path, encoded", "[router][rewrite][header_template]") {
  const Router r = build({Route("v").path("/api/{rest}").header_template("X-Version", "{header:v}").rewrite(
      "/v{header:v}/{rest}?h={header:v}")});
  CHECK(target_of(r, "/api/items", {{"X-Version", "2"}}) == "/v2/items?h=2");
  CHECK(target_of(r, "/api/items", {{"X-Version", "2/../a b%"}}) == "/v2%2F..%2Fa%20b%25/items?h=2/../a%20b%25");
  CHECK(target_of(r, "/api/items", {{"X-Version", "a&b=c#d"}}) == "/va&b=c%23d/items?h=a%26b=c%23d");
}

TEST_CASE("a header or query capture that is a dot segment does not match", "[router][rewrite][security]") {
  const Router r = build({Route("h").path("/h/{rest}").header_template("X-Tenant", "{header:t}").rewrite("/{header:t}/{rest}"),
                          Route("q").path("/q?t={t}").rewrite("/{t}/x")});
  CHECK(target_of(r, "/h/a", {{"X-Tenant", ".."}}) == "no match");
  CHECK(target_of(r, "/h/a", {{"X-Tenant", "."}}) == "no match");
  CHECK(target_of(r, "/h/a", {{"X-Tenant", "%2e%2E"}}) == "no match");
  CHECK(target_of(r, "/h/a", {{"X-Tenant", "..."}}) == "/.../a");
  CHECK(target_of(r, "/q?t=..") == "no match");
  CHECK(target_of(r, "/q?t=.%2E") == "no match");
  CHECK(target_of(r, "/q?t=a%2F..") == "/a%2F../x");
  CHECK(target_of(r, "/q?t=a/b?c") == "/a%2Fb%3Fc/x");
}

TEST_CASE("path captures substituted into the query cannot add parameters", "[router][rewrite][security]") {
  const Router r = build({Route("p").path("/p/{x}").rewrite("/y?v={x}")});
  CHECK(target_of(r, "/p/a&admin=1+2") == "/y?v=a%26admin=1%2B2");
}
