// Router: Ocelot path templates (segments, catch-all, empty placeholders, trailing slashes,
// embedded placeholders, query templates, case sensitivity) and the Captures container.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "router_support.hpp"

using namespace portico;
using namespace portico::testing;
using portico::detail::Captures;
using portico::detail::Router;
using portico::detail::RouteMatch;

namespace {

// "name=value|name=value" in capture order, or "no match".
std::string captures_of(const Router& router, std::string_view target, std::string method = "GET") {
  const Request req = make_request(std::move(method), target);
  RouteMatch m;
  if (!router.match(req, m)) return "no match";
  return captures_text(m);
}

constexpr std::string_view kNoMatch = "no match";

// A GET request target and what captures_of() must give for it (kNoMatch: the route must not match).
struct Case {
  std::string_view target;
  std::string_view captures;
};

void check_captures(const Router& router, std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    INFO("target: " << c.target);
    CHECK(captures_of(router, c.target) == c.captures);
  }
}

}  // namespace

TEST_CASE("a placeholder followed by '/' matches exactly one non-empty segment", "[router][template]") {
  check_captures(build({Route("r").path("/api/users/{id}/orders")}), {
      {"/api/users/42/orders", "id=42"},
      {"/api/users/a%2Fb/orders", "id=a%2Fb"},  // encoded slash stays one segment
      {"/api/users//orders", kNoMatch},
      {"/api/users/4/2/orders", kNoMatch},
      {"/api/users/orders", kNoMatch},
      {"/api/users/42/orders/", kNoMatch},
      {"/api/users/42/orders/x", kNoMatch},
      {"/api/users/42", kNoMatch},
  });
}

TEST_CASE("the last placeholder matches the rest of the path, slashes included", "[router][template]") {
  check_captures(build({Route("r").path("/api/{tenant}/files/{path}")}), {
      {"/api/acme/files/a/b/c.txt", "tenant=acme|path=a/b/c.txt"},
      {"/api/acme/files/a/b/", "tenant=acme|path=a/b/"},
      {"/api/acme/files/x", "tenant=acme|path=x"},
      {"/api/acme/filesx/a", kNoMatch},
      {"/api/acme/other/a", kNoMatch},
  });
}

TEST_CASE("a final placeholder segment may be empty", "[router][template]") {
  const Router r = build({Route("r").path("/x/{p}")});
  SECTION("no segment") { CHECK(captures_of(r, "/x") == "p="); }
  SECTION("only the slash") { CHECK(captures_of(r, "/x/") == "p="); }
  SECTION("several segments") { CHECK(captures_of(r, "/x/a/b") == "p=a/b"); }
  SECTION("a longer first segment does not match") {
    check_captures(r, {{"/x123", kNoMatch}, {"/x123/a", kNoMatch}, {"/", kNoMatch}});
  }
  SECTION("after earlier placeholders") {
    check_captures(build({Route("r").path("/api/{a}/{b}")}), {
        {"/api/1", "a=1|b="},
        {"/api/1/", "a=1|b="},
        {"/api/1/2/3", "a=1|b=2/3"},
        {"/api", kNoMatch},
        {"/api/", kNoMatch},
    });
  }
}

TEST_CASE("template exactly /{x} matches every path", "[router][template]") {
  const Router r = build({Route("r").path("/{everything}")});
  check_captures(r, {
      {"/", "everything="},
      {"/a", "everything=a"},
      {"/a/b/c/", "everything=a/b/c/"},
  });
  CHECK(captures_of(r, "/a/b?x=1", "DELETE") == "everything=a/b");
}

TEST_CASE("a template ending in '/' makes the trailing slash optional", "[router][template][slash]") {
  SECTION("literal") {
    check_captures(build({Route("r").path("/products/")}), {
        {"/products", ""},
        {"/products/", ""},
        {"/products/1", kNoMatch},
        {"/productsx", kNoMatch},
        {"/products//", kNoMatch},
    });
  }
  SECTION("after a placeholder, which stays one segment") {
    check_captures(build({Route("r").path("/products/{id}/")}), {
        {"/products/7", "id=7"},
        {"/products/7/", "id=7"},
        {"/products/7/8", kNoMatch},
        {"/products/", kNoMatch},
        {"/products", kNoMatch},
    });
  }
}

TEST_CASE("a template without trailing slash does not match a request with one", "[router][template][slash]") {
  check_captures(build({Route("r").path("/products")}), {
      {"/products", ""},
      {"/products/", kNoMatch},
      {"/products/1", kNoMatch},
  });
  SECTION("a middle placeholder does not relax it") {
    check_captures(build({Route("r").path("/products/{id}/reviews")}), {
        {"/products/1/reviews", "id=1"},
        {"/products/1/reviews/", kNoMatch},
    });
  }
}

TEST_CASE("template / matches only /", "[router][template][slash]") {
  check_captures(build({Route("r").path("/")}), {{"/", ""}, {"/a", kNoMatch}, {"//", kNoMatch}});
}

TEST_CASE("placeholders embedded inside segments", "[router][template][embedded]") {
  const Router r = build({Route("r").path("/api/invoices_{a}/{b}-{c}_abcd/{d}")});
  SECTION("each value stops at '/' and at the next literal") {
    check_captures(r, {
        {"/api/invoices_1/x-y_abcd/z", "a=1|b=x|c=y|d=z"},
        {"/api/invoices_1/x-y-z_abcd/q", "a=1|b=x|c=y-z|d=q"},
        {"/api/invoices_1/x-y_abcd_abcd/q", "a=1|b=x|c=y_abcd|d=q"},
        {"/api/INVOICES_1/x-y_ABCD/z/w", "a=1|b=x|c=y|d=z/w"},
        {"/api/invoices_1/x-y_abcd", "a=1|b=x|c=y|d="},
    });
  }
  SECTION("embedded values are never empty") {
    check_captures(r, {
        {"/api/invoices_/x-y_abcd/z", kNoMatch},
        {"/api/invoices_1/-y_abcd/z", kNoMatch},
        {"/api/invoices_1/x-_abcd/z", kNoMatch},
    });
  }
  SECTION("missing literals do not match") {
    check_captures(r, {
        {"/api/invoices_1/xy_abcd/z", kNoMatch},
        {"/api/invoices_1/x-y_abc/z", kNoMatch},
        {"/api/invoices1/x-y_abcd/z", kNoMatch},
    });
  }
  SECTION("a last placeholder inside the final segment takes the rest, up to a literal suffix") {
    check_captures(build({Route("r").path("/files/{name}.json"), Route("s").path("/api/v{rest}")}), {
        {"/files/a.json", "name=a"},
        {"/files/a/b.json", "name=a/b"},
        {"/files/.json", "name="},
        {"/files/a.xml", kNoMatch},
        {"/files", kNoMatch},
        {"/api/v2/users/1", "rest=2/users/1"},
        {"/api/v", "rest="},
        {"/api/x2", kNoMatch},
    });
  }
}

TEST_CASE("a query part in the template matches the start of the query", "[router][template][query]") {
  check_captures(build({Route("r").path("/api/x?unitId={u}")}), {
      {"/api/x?unitId=1", "u=1"},
      {"/api/x?unitId=1&productId=2", "u=1"},
      {"/api/x?unitId=a%20b", "u=a%20b"},
      {"/api/x?unitId=", "u="},
      {"/api/x?UNITID=9", "u=9"},   // case-insensitive by default
      {"/api/x/?unitId=3", "u=3"},  // Ocelot accepts '/?' before the query
      {"/api/x", kNoMatch},
      {"/api/x?", kNoMatch},
      {"/api/x?test=1", kNoMatch},
      {"/api/x?test=1&unitId=1", kNoMatch},
      {"/api/x?unitIdx=1", kNoMatch},
      {"/api/xy?unitId=1", kNoMatch},
  });
  SECTION("several parameters, in order") {
    check_captures(build({Route("r").path("/api/{id}/x?a={a}&b={b}")}), {
        {"/api/7/x?a=1&b=2", "id=7|a=1|b=2"},
        {"/api/7/x?a=1&b=2&c=3", "id=7|a=1|b=2"},
        {"/api/7/x?a=1&c=3&b=2", kNoMatch},
        {"/api/7/x?b=2&a=1", kNoMatch},
    });
  }
  SECTION("a literal-only query must be a whole parameter") {
    check_captures(build({Route("r").path("/api/x?debug=true")}), {
        {"/api/x?debug=true", ""},
        {"/api/x?debug=true&y=1", ""},
        {"/api/x?debug=trueish", kNoMatch},
    });
  }
}

TEST_CASE("?{everything} captures the whole query and accepts none", "[router][template][query]") {
  check_captures(build({Route("r").path("/contracts?{everything}")}), {
      {"/contracts", "everything="},
      {"/contracts?", "everything="},
      {"/contracts?$top=5&$skip=10", "everything=$top=5&$skip=10"},
      {"/contracts/1", kNoMatch},
  });
}

TEST_CASE("templates are case-insensitive unless the route asks; values keep the request's bytes",
          "[router][template][case]") {
  SECTION("insensitive (Ocelot's default)") {
    const Router r = build({Route("r").path("/Api/Users/{id}?Sort={s}")});
    CHECK(captures_of(r, "/api/USERS/AbC?sort=NaMe") == "id=AbC|s=NaMe");
  }
  SECTION("sensitive") {
    check_captures(build({Route("r").path("/Api/Users/{id}?Sort={s}").case_sensitive()}), {
        {"/Api/Users/AbC?Sort=x", "id=AbC|s=x"},
        {"/api/users/AbC?Sort=x", kNoMatch},
        {"/Api/Users/AbC?sort=x", kNoMatch},
    });
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
