// Router: methods, hosts, header and query conditions, UpstreamHeaderTemplates.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "router_support.hpp"

using namespace portico;
using namespace portico::testing;
using portico::detail::Router;
using portico::detail::RouteMatch;

namespace {

// "id:name=value|..." for the matched route, or "no match"; then " -> target".
std::string route_of(const Router& router, std::string method, std::string_view target, Headers headers = {}) {
  const Request req = make_request(std::move(method), target, std::move(headers));
  RouteMatch m;
  if (!router.match(req, m)) return "no match";
  std::string out = std::to_string(m.index);
  if (m.captures.size() != 0) out += ':' + captures_text(m);
  out += " -> ";
  out += router.downstream_target(m, req);
  return out;
}

Headers host(std::string value) { return Headers{{"Host", std::move(value)}}; }

}  // namespace

TEST_CASE("methods: an empty list matches any; names compare case-insensitively", "[router][method]") {
  const Router r = build({Route("a").methods({"get", "Post"}).path("/a"), Route("any").path("/b")});
  CHECK(route_of(r, "GET", "/a") == "0 -> /a");
  CHECK(route_of(r, "post", "/a") == "0 -> /a");
  CHECK(route_of(r, "Get", "/a") == "0 -> /a");
  CHECK(route_of(r, "PUT", "/a") == "no match");
  CHECK(route_of(r, "GETX", "/a") == "no match");
  CHECK(route_of(r, "PATCH", "/b") == "1 -> /b");
  CHECK(route_of(r, "BREW", "/b") == "1 -> /b");
  SECTION("a later route takes the methods the first one refuses") {
    const Router r2 = build({Route("get").get("/x"), Route("del").del("/x")});
    CHECK(route_of(r2, "GET", "/x") == "0 -> /x");
    CHECK(route_of(r2, "DELETE", "/x") == "1 -> /x");
    CHECK(route_of(r2, "POST", "/x") == "no match");
  }
}

TEST_CASE("hosts: exact, case-insensitive, port ignored", "[router][host]") {
  const Router r = build({Route("h").path("/a").host("API.example.com")});
  CHECK(route_of(r, "GET", "/a", host("api.example.com")) == "0 -> /a");
  CHECK(route_of(r, "GET", "/a", host("Api.Example.COM:8443")) == "0 -> /a");
  CHECK(route_of(r, "GET", "/a", host("example.com")) == "no match");
  CHECK(route_of(r, "GET", "/a", host("x.api.example.com")) == "no match");
  CHECK(route_of(r, "GET", "/a", host("api.example.com.evil")) == "no match");
  CHECK(route_of(r, "GET", "/a") == "no match");  // no Host header at all
  SECTION("IPv6 literal") {
    const Router r2 = build({Route("h").path("/a").host("[::1]")});
    CHECK(route_of(r2, "GET", "/a", host("[::1]:8080")) == "0 -> /a");
    CHECK(route_of(r2, "GET", "/a", host("[::2]")) == "no match");
  }
}

TEST_CASE("hosts: *.domain matches one or more labels before the domain", "[router][host]") {
  const Router r = build({Route("w").path("/a").host("*.Example.com")});
  CHECK(route_of(r, "GET", "/a", host("a.example.com")) == "0 -> /a");
  CHECK(route_of(r, "GET", "/a", host("a.b.EXAMPLE.com:80")) == "0 -> /a");
  CHECK(route_of(r, "GET", "/a", host("example.com")) == "no match");
  CHECK(route_of(r, "GET", "/a", host("aexample.com")) == "no match");
  CHECK(route_of(r, "GET", "/a", host(".example.com")) == "no match");
  CHECK(route_of(r, "GET", "/a", host("a..example.com")) == "no match");
  CHECK(route_of(r, "GET", "/a", host("a.example.org")) == "no match");
}

TEST_CASE("hosts: any of several patterns", "[router][host]") {
  const Router r = build({Route("m").path("/a").host("a.com").host("*.b.com").host("c.com")});
  CHECK(route_of(r, "GET", "/a", host("a.com")) == "0 -> /a");
  CHECK(route_of(r, "GET", "/a", host("x.b.com")) == "0 -> /a");
  CHECK(route_of(r, "GET", "/a", host("c.com")) == "0 -> /a");
  CHECK(route_of(r, "GET", "/a", host("b.com")) == "no match");
  CHECK(route_of(r, "GET", "/a", host("d.com")) == "no match");
}

TEST_CASE("header conditions: presence or value", "[router][header]") {
  const Router r = build({
      Route("value").path("/a").header("X-Tenant", "Acme"),
      Route("present").path("/a").header("x-debug"),
      Route("exact").path("/b").header("X-Tenant", "Acme").case_sensitive(),
  });
  CHECK(route_of(r, "GET", "/a", {{"x-tenant", "acme"}}) == "0 -> /a");
  CHECK(route_of(r, "GET", "/a", {{"X-Tenant", "other"}, {"X-Debug", ""}}) == "1 -> /a");
  CHECK(route_of(r, "GET", "/a", {{"X-Tenant", "acme-2"}}) == "no match");
  CHECK(route_of(r, "GET", "/a") == "no match");
  CHECK(route_of(r, "GET", "/b", {{"X-TENANT", "Acme"}}) == "2 -> /b");  // names never case-sensitive
  CHECK(route_of(r, "GET", "/b", {{"X-Tenant", "acme"}}) == "no match");
  SECTION("the first field of a repeated header is the one compared") {
    CHECK(route_of(r, "GET", "/a", {{"X-Tenant", "other"}, {"X-Tenant", "Acme"}}) == "no match");
  }
}

TEST_CASE("query conditions: presence or (percent-decoded) value", "[router][query]") {
  const Router r = build({
      Route("value").path("/a").query("mode", "fast lane"),
      Route("present").path("/a").query("debug"),
      Route("exact").path("/b").query("mode", "Fast").case_sensitive(),
  });
  CHECK(route_of(r, "GET", "/a?mode=fast%20lane") == "0 -> /a?mode=fast%20lane");
  CHECK(route_of(r, "GET", "/a?x=1&mode=FAST%20LANE") == "0 -> /a?x=1&mode=FAST%20LANE");
  CHECK(route_of(r, "GET", "/a?mode=fast+lane") == "no match");  // '+' is not a space
  CHECK(route_of(r, "GET", "/a?debug") == "1 -> /a?debug");
  CHECK(route_of(r, "GET", "/a?debug=") == "1 -> /a?debug=");
  CHECK(route_of(r, "GET", "/a?Debug=1") == "no match");  // parameter names are case-sensitive
  CHECK(route_of(r, "GET", "/a?debugx=1") == "no match");
  CHECK(route_of(r, "GET", "/a") == "no match");
  CHECK(route_of(r, "GET", "/b?mode=Fast") == "2 -> /b?mode=Fast");
  CHECK(route_of(r, "GET", "/b?mode=fast") == "no match");
  SECTION("the first occurrence is the one compared") {
    CHECK(route_of(r, "GET", "/b?mode=slow&mode=Fast") == "no match");
  }
}

TEST_CASE("header templates: the whole value must match; {header:x} captures", "[router][header_template]") {
  const Router r = build({
      Route("v").path("/api/{rest}").header_template("X-Version", "v{header:version}").rewrite("/v{header:version}/{rest}"),
      Route("two").path("/two").header_template("X-Range", "{header:from}-{header:to}").rewrite("/r/{header:from}/{header:to}"),
      Route("lit").path("/lit").header_template("X-Mode", "Blue"),
  });
  SECTION("capture used in the rewrite path") {
    CHECK(route_of(r, "GET", "/api/items/1", {{"x-version", "v2"}}) ==
          "0:rest=items/1|header:version=2 -> /v2/items/1");
    CHECK(route_of(r, "GET", "/api/items", {{"X-Version", "V3"}}) == "0:rest=items|header:version=3 -> /v3/items");
  }
  SECTION("placeholder values are never empty; the header must be there") {
    CHECK(route_of(r, "GET", "/api/items", {{"X-Version", "v"}}) == "no match");
    CHECK(route_of(r, "GET", "/api/items", {{"X-Version", "2"}}) == "no match");
    CHECK(route_of(r, "GET", "/api/items") == "no match");
  }
  SECTION("several placeholders split at literals") {
    CHECK(route_of(r, "GET", "/two", {{"X-Range", "1-5"}}) == "1:header:from=1|header:to=5 -> /r/1/5");
    CHECK(route_of(r, "GET", "/two", {{"X-Range", "1-5-9"}}) == "1:header:from=1|header:to=5-9 -> /r/1/5-9");
    CHECK(route_of(r, "GET", "/two", {{"X-Range", "15"}}) == "no match");
  }
  SECTION("without placeholders the value must be equal, case-insensitively") {
    CHECK(route_of(r, "GET", "/lit", {{"X-Mode", "blue"}}) == "2 -> /lit");
    CHECK(route_of(r, "GET", "/lit", {{"X-Mode", "blue2"}}) == "no match");
    CHECK(route_of(r, "GET", "/lit", {{"X-Mode", "xblue"}}) == "no match");
  }
  SECTION("case-sensitive routes compare header templates exactly") {
    const Router r2 = build({Route("v").path("/a").header_template("X-Version", "v{header:version}").case_sensitive()});
    CHECK(route_of(r2, "GET", "/a", {{"X-Version", "v1"}}) == "0:header:version=1 -> /a");
    CHECK(route_of(r2, "GET", "/a", {{"X-Version", "V1"}}) == "no match");
  }
}
