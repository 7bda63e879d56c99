// Router: Ocelot path templates (segments, catch-all, empty placeholders, trailing slashes,
// embedded placeholders, query templates, case sensitivity) and the Captures container.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/router.hpp"
#include "portico/route.hpp"

using namespace portico;
using portico::detail::Captures;
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

// "name=value|name=value" in capture order, or "no match".
std::string captures_of(const Router& router, std::string_view target, std::string method = "GET") {
  const Request req = make_request(std::move(method), target);
  RouteMatch m;
  if (!router.match(req, m)) return "no match";
  std::string out;
  for (std::size_t i = 0; i < m.captures.size(); ++i) {
    if (i) out += '|';
    out += m.captures[i].name;
    out += '=';
    out += m.captures[i].value;
  }
  return out;
}

bool matches(const Router& router, std::string_view target) { return captures_of(router, target) != "no match"; }

}  // namespace

TEST_CASE("a placeholder followed by '/' matches exactly one non-empty segment", "[router][template]") {
  const Router r = build({Route("r").path("/api/users/{id}/orders")});
  CHECK(captures_of(r, "/api/users/42/orders") == "id=42");
  CHECK(captures_of(r, "/api/users/a%2Fb/orders") == "id=a%2Fb");  // encoded slash stays one segment
  CHECK_FALSE(matches(r, "/api/users//orders"));
  CHECK_FALSE(matches(r, "/api/users/4/2/orders"));
  CHECK_FALSE(matches(r, "/api/users/orders"));
  CHECK_FALSE(matches(r, "/api/users/42/orders/"));
  CHECK_FALSE(matches(r, "/api/users/42/orders/x"));
  CHECK_FALSE(matches(r, "/api/users/42"));
}

TEST_CASE("the last placeholder matches the rest of the path, slashes included", "[router][template]") {
  const Router r = build({Route("r").path("/api/{tenant}/files/{path}")});
  CHECK(captures_of(r, "/api/acme/files/a/b/c.txt") == "tenant=acme|path=a/b/c.txt");
  CHECK(captures_of(r, "/api/acme/files/a/b/") == "tenant=acme|path=a/b/");
  CHECK(captures_of(r, "/api/acme/files/x") == "tenant=acme|path=x");
  CHECK_FALSE(matches(r, "/api/acme/filesx/a"));
  CHECK_FALSE(matches(r, "/api/acme/other/a"));
}

TEST_CASE("a final placeholder segment may be empty", "[router][template]") {
  const Router r = build({Route("r").path("/x/{p}")});
  SECTION("no segment") { CHECK(captures_of(r, "/x") == "p="); }
  SECTION("only the slash") { CHECK(captures_of(r, "/x/") == "p="); }
  SECTION("several segments") { CHECK(captures_of(r, "/x/a/b") == "p=a/b"); }
  SECTION("a longer first segment does not match") {
    CHECK_FALSE(matches(r, "/x123"));
    CHECK_FALSE(matches(r, "/x123/a"));
    CHECK_FALSE(matches(r, "/"));
  }
  SECTION("after earlier placeholders") {
    const Router r2 = build({Route("r").path("/api/{a}/{b}")});
    CHECK(captures_of(r2, "/api/1") == "a=1|b=");
    CHECK(captures_of(r2, "/api/1/") == "a=1|b=");
    CHECK(captures_of(r2, "/api/1/2/3") == "a=1|b=2/3");
    CHECK_FALSE(matches(r2, "/api"));
    CHECK_FALSE(matches(r2, "/api/"));
  }
}

TEST_CASE("template exactly /{x} matches every path", "[router][template]") {
  const Router r = build({Route("r").path("/{everything}")});
  CHECK(captures_of(r, "/") == "everything=");
  CHECK(captures_of(r, "/a") == "everything=a");
  CHECK(captures_of(r, "/a/b/c/") == "everything=a/b/c/");
  CHECK(captures_of(r, "/a/b?x=1", "DELETE") == "everything=a/b");
}

TEST_CASE("a template ending in '/' makes the trailing slash optional", "[router][template][slash]") {
  SECTION("literal") {
    const Router r = build({Route("r").path("/products/")});
    CHECK(matches(r, "/products"));
    CHECK(matches(r, "/products/"));
    CHECK_FALSE(matches(r, "/products/1"));
    CHECK_FALSE(matches(r, "/productsx"));
    CHECK_FALSE(matches(r, "/products//"));
  }
  SECTION("after a placeholder, which stays one segment") {
    const Router r = build({Route("r").path("/products/{id}/")});
    CHECK(captures_of(r, "/products/7") == "id=7");
    CHECK(captures_of(r, "/products/7/") == "id=7");
    CHECK_FALSE(matches(r, "/products/7/8"));
    CHECK_FALSE(matches(r, "/products/"));
    CHECK_FALSE(matches(r, "/products"));
  }
}

TEST_CASE("a template without trailing slash does not match a request with one", "[router][template][slash]") {
  const Router r = build({Route("r").path("/products")});
  CHECK(matches(r, "/products"));
  CHECK_FALSE(matches(r, "/products/"));
  CHECK_FALSE(matches(r, "/products/1"));
  SECTION("a middle placeholder does not relax it") {
    const Router r2 = build({Route("r").path("/products/{id}/reviews")});
    CHECK(matches(r2, "/products/1/reviews"));
    CHECK_FALSE(matches(r2, "/products/1/reviews/"));
  }
}

TEST_CASE("template / matches only /", "[router][template][slash]") {
  const Router r = build({Route("r").path("/")});
  CHECK(captures_of(r, "/") == "");
  CHECK_FALSE(matches(r, "/a"));
  CHECK_FALSE(matches(r, "//"));
}

TEST_CASE("placeholders embedded inside segments", "[router][template][embedded]") {
  const Router r = build({Route("r").path("/api/invoices_{a}/{b}-{c}_abcd/{d}")});
  SECTION("each value stops at '/' and at the next literal") {
    CHECK(captures_of(r, "/api/invoices_1/x-y_abcd/z") == "a=1|b=x|c=y|d=z");
    CHECK(captures_of(r, "/api/invoices_1/x-y-z_abcd/q") == "a=1|b=x|c=y-z|d=q");
    CHECK(captures_of(r, "/api/invoices_1/x-y_abcd_abcd/q") == "a=1|b=x|c=y_abcd|d=q");
    CHECK(captures_of(r, "/api/INVOICES_1/x-y_ABCD/z/w") == "a=1|b=x|c=y|d=z/w");
    CHECK(captures_of(r, "/api/invoices_1/x-y_abcd") == "a=1|b=x|c=y|d=");
  }
  SECTION("embedded values are never empty") {
    CHECK_FALSE(matches(r, "/api/invoices_/x-y_abcd/z"));
    CHECK_FALSE(matches(r, "/api/invoices_1/-y_abcd/z"));
    CHECK_FALSE(matches(r, "/api/invoices_1/x-_abcd/z"));
  }
  SECTION("missing literals do not match") {
    CHECK_FALSE(matches(r, "/api/invoices_1/xy_abcd/z"));
    CHECK_FALSE(matches(r, "/api/invoices_1/x-y_abc/z"));
    CHECK_FALSE(matches(r, "/api/invoices1/x-y_abcd/z"));
  }
  SECTION("a last placeholder inside the final segment takes the rest, up to a literal suffix") {
    const Router r2 = build({Route("r").path("/files/{name}.json"), Route("s").path("/api/v{rest}")});
    CHECK(captures_of(r2, "/files/a.json") == "name=a");
    CHECK(captures_of(r2, "/files/a/b.json") == "name=a/b");
    CHECK(captures_of(r2, "/files/.json") == "name=");
    CHECK_FALSE(matches(r2, "/files/a.xml"));
    CHECK_FALSE(matches(r2, "/files"));
    CHECK(captures_of(r2, "/api/v2/users/1") == "rest=2/users/1");
    CHECK(captures_of(r2, "/api/v") == "rest=");
    CHECK_FALSE(matches(r2, "/api/x2"));
  }
}

TEST_CASE("a query part in the template matches the start of the query", "[router][template][query]") {
  const Router r = build({Route("r").path("/api/x?unitId={u}")});
  CHECK(captures_of(r, "/api/x?unitId=1") == "u=1");
  CHECK(captures_of(r, "/api/x?unitId=1&productId=2") == "u=1");
  CHECK(captures_of(r, "/api/x?unitId=a%20b") == "u=a%20b");
  CHECK(captures_of(r, "/api/x?unitId=") == "u=");
  CHECK(captures_of(r, "/api/x?UNITID=9") == "u=9");  // case-insensitive by default
  CHECK(captures_of(r, "/api/x/?unitId=3") == "u=3");  // Ocelot accepts '/?' before the query
  CHECK_FALSE(matches(r, "/api/x"));
  CHECK_FALSE(matches(r, "/api/x?"));
  CHECK_FALSE(matches(r, "/api/x?test=1"));
  CHECK_FALSE(matches(r, "/api/x?test=1&unitId=1"));
  CHECK_FALSE(matches(r, "/api/x?unitIdx=1"));
  CHECK_FALSE(matches(r, "/api/xy?unitId=1"));
  SECTION("several parameters, in order") {
    const Router r2 = build({Route("r").path("/api/{id}/x?a={a}&b={b}")});
    CHECK(captures_of(r2, "/api/7/x?a=1&b=2") == "id=7|a=1|b=2");
    CHECK(captures_of(r2, "/api/7/x?a=1&b=2&c=3") == "id=7|a=1|b=2");
    CHECK_FALSE(matches(r2, "/api/7/x?a=1&c=3&b=2"));
    CHECK_FALSE(matches(r2, "/api/7/x?b=2&a=1"));
  }
  SECTION("a literal-only query must be a whole parameter") {
    const Router r3 = build({Route("r").path("/api/x?debug=true")});
    CHECK(matches(r3, "/api/x?debug=true"));
    CHECK(matches(r3, "/api/x?debug=true&y=1"));
    CHECK_FALSE(matches(r3, "/api/x?debug=trueish"));
  }
}

TEST_CASE("?{everything} captures the whole query and accepts none", "[router][template][query]") {
  const Router r = build({Route("r").path("/contracts?{everything}")});
  CHECK(captures_of(r, "/contracts") == "everything=");
  CHECK(captures_of(r, "/contracts?") == "everything=");
  CHECK(captures_of(r, "/contracts?$top=5&$skip=10") == "everything=$top=5&$skip=10");
  CHECK_FALSE(matches(r, "/contracts/1"));
}

TEST_CASE("templates are case-insensitive unless the route asks; values keep the request's bytes",
          "[router][template][case]") {
  SECTION("insensitive (Ocelot's default)") {
    const Router r = build({Route("r").path("/Api/Users/{id}?Sort={s}")});
    CHECK(captures_of(r, "/api/USERS/AbC?sort=NaMe") == "id=AbC|s=NaMe");
  }
  SECTION("sensitive") {
    const Router r = build({Route("r").path("/Api/Users/{id}?Sort={s}").case_sensitive()});
    CHECK(captures_of(r, "/Api/Users/AbC?Sort=x") == "id=AbC|s=x");
    CHECK_FALSE(matches(r, "/api/users/AbC?Sort=x"));
    CHECK_FALSE(matches(r, "/Api/Users/AbC?sort=x"));
  }
}

TEST_CASE("captures keep 16 values inline and spill past that", "[router][captures]") {
  Captures c;
  std::vector<std::string> names;
  for (int i = 0; i < 20; ++i) names.push_back("n" + std::to_string(i));
  for (int i = 0; i < 20; ++i) c.push(names[static_cast<std::size_t>(i)], names[static_cast<std::size_t>(i)]);
  REQUIRE(c.size() == 20);
  CHECK(c[15].name == "n15");
  CHECK(c[19].value == "n19");
  REQUIRE(c.find("n17") != nullptr);
  CHECK(*c.find("n17") == "n17");
  CHECK(c.find("n20") == nullptr);
  c.clear();
  CHECK(c.size() == 0);
  CHECK(c.find("n1") == nullptr);

  std::string t;
  std::string path;
  for (int i = 0; i < 18; ++i) {
    t += "/{p" + std::to_string(i) + "}";
    path += "/v" + std::to_string(i);
  }
  const Router r = build({Route("r").path(t)});
  const Request req = make_request("GET", path);
  RouteMatch m;
  REQUIRE(r.match(req, m));
  REQUIRE(m.captures.size() == 18);
  CHECK(m.captures[17].name == "p17");
  CHECK(m.captures[17].value == "v17");
  CHECK(*m.captures.find("p16") == "v16");
}
