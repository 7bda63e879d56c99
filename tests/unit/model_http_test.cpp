#include <catch2/catch.hpp>

#include "portico/error.hpp"
#include "portico/filter.hpp"
#include "portico/gateway.hpp"
#include "portico/http.hpp"
#include "portico/route.hpp"

using namespace portico;

TEST_CASE("headers keep order, spelling and repeats; lookup ignores case", "[model][headers]") {
  Headers h;
  h.add("X-Foo", "a%0d%0a");
  h.add("content-type", "text/plain");
  h.add("x-foo", "b");
  REQUIRE(h.size() == 3);
  CHECK(h[0].name == "X-Foo");
  CHECK(h[0].value == "a%0d%0a");  // bytes untouched, never decoded
  CHECK(h.get("X-FOO") == "a%0d%0a");
  CHECK(h.count("x-foo") == 2);
  CHECK(h.get_all("X-Foo") == std::vector<std::string_view>{"a%0d%0a", "b"});
  h.set("X-Foo", "c");
  REQUIRE(h.size() == 2);
  CHECK(h[0].name == "X-Foo");
  CHECK(h[0].value == "c");
  CHECK(h.remove("CONTENT-TYPE") == 1);
  CHECK_FALSE(h.has("content-type"));
  h.set("New", "v");
  CHECK(h[h.size() - 1].name == "New");
}

TEST_CASE("request helpers read host, query parameters and cookies", "[model][request]") {
  Request r;
  r.headers.add("Host", "API.Example.com:8080");
  r.query = "a=1&b=&c&a=2&d=x%20y";
  r.headers.add("Cookie", "sid=abc; theme=\"dark\"");
  r.headers.add("Cookie", "other=1");
  CHECK(r.host() == "api.example.com");
  CHECK(r.query_param("a") == "1");
  CHECK(r.query_param("b") == "");
  CHECK(r.query_param("c") == "");
  CHECK(r.query_param("d") == "x%20y");
  CHECK_FALSE(r.query_param("z"));
  CHECK(r.cookie("sid") == "abc");
  CHECK(r.cookie("theme") == "dark");
  CHECK(r.cookie("other") == "1");
  CHECK_FALSE(r.cookie("none"));

  Request v6;
  v6.headers.add("Host", "[::1]:80");
  CHECK(v6.host() == "[::1]");
}

TEST_CASE("problem responses are valid JSON with status, detail and request id", "[model][response]") {
  auto r = Response::problem(504, "upstream \"users\" timed out", "req-1");
  CHECK(r.status == 504);
  CHECK(r.headers.get("Content-Type") == "application/problem+json");
  CHECK(r.body == "{\"type\":\"about:blank\",\"title\":\"Gateway Timeout\",\"status\":504,"
                  "\"detail\":\"upstream \\\"users\\\" timed out\",\"request_id\":\"req-1\"}\n");
}

TEST_CASE("the one error table maps engine failures to statuses", "[model][error]") {
  CHECK(status_for(Errc::NoRoute) == 404);
  CHECK(status_for(Errc::ConnectFailed) == 502);
  CHECK(status_for(Errc::UpstreamReset) == 502);
  CHECK(status_for(Errc::UpstreamTimeout) == 504);
  CHECK(status_for(Errc::NoHealthyEndpoint) == 503);
  CHECK(status_for(Errc::BodyTooLarge) == 413);
  CHECK(status_for(Errc::FilterThrew) == 500);
  Error e{Errc::InvalidConfig, "must be a number", "Routes[3].DownstreamHostAndPorts[0].Port"};
  CHECK(e.to_string() == "Routes[3].DownstreamHostAndPorts[0].Port: must be a number");
}

TEST_CASE("result carries a value or an error", "[model][error]") {
  Result<int> ok = 3;
  REQUIRE(ok);
  CHECK(*ok == 3);
  Result<int> bad = make_error(Errc::InvalidArgument, "no", "x");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().where == "x");
  Result<void> v;
  CHECK(v);
  Result<void> verr = make_error(Errc::Io, "gone");
  CHECK_FALSE(verr);
}

TEST_CASE("route and upstream builders chain and record what was asked", "[model][route]") {
  auto r = Route("users")
               .get("/api/users/{id}")
               .method("head")
               .host("*.example.com")
               .header("X-Version", "2")
               .query("debug")
               .priority(5)
               .rewrite("/users/{id}")
               .to(Upstream("users-svc").endpoint("127.0.0.1", 8081).load_balancing(LoadBalancing::First));
  CHECK(r.method_list() == std::vector<std::string>{"GET", "HEAD"});
  CHECK(r.path_template() == "/api/users/{id}");
  CHECK(r.upstream_name() == "users-svc");
  REQUIRE(r.inline_upstream());
  CHECK(r.inline_upstream()->endpoints().size() == 1);
  CHECK(r.priority_value() == 5);
  CHECK(r.header_matches()[0].equals == "2");
  CHECK_FALSE(r.query_matches()[0].equals);

  Config c;
  c.add(Upstream("a").endpoint("h", 1)).add(Upstream("a").endpoint("h", 2)).add(r);
  REQUIRE(c.upstreams().size() == 1);
  CHECK(c.upstreams()[0].endpoints()[0].port == 2);
}

TEST_CASE("filter registry makes named filters and refuses unknown names", "[model][filter]") {
  FilterRegistry reg;
  reg.add("Tagger", response_filter("tagger", [](Exchange&, Response& r) { r.headers.add("X-Tag", "1"); }));
  reg.add("Bad", [](const config::JsonNode&) -> Result<FilterPtr> { throw std::runtime_error("boom"); });
  auto f = reg.create("Tagger");
  REQUIRE(f);
  CHECK((*f)->name() == "tagger");
  auto missing = reg.create("Nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::InvalidConfig);
  auto bad = reg.create("Bad");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("boom") != std::string::npos);
}

TEST_CASE("exchange attributes are typed", "[model][filter]") {
  Exchange ex;
  ex.set("user", std::string("alice"));
  ex.set("n", 3);
  REQUIRE(ex.get<std::string>("user"));
  CHECK(*ex.get<std::string>("user") == "alice");
  CHECK(ex.get<int>("user") == nullptr);
  ex.set("n", 4);
  CHECK(*ex.get<int>("n") == 4);
  CHECK_FALSE(ex.defer());  // not attached to an engine: an empty Deferred
}

TEST_CASE("iequals folds ASCII letters only", "[model][headers]") {
  CHECK(iequals("Content-Length", "content-LENGTH"));
  CHECK_FALSE(iequals("Content-Length", "Content-Lengt"));
  CHECK_FALSE(iequals("@", "`"));   // 0x40 and 0x60 differ only in the case bit but are not letters
  CHECK_FALSE(iequals("[", "{"));
  CHECK_FALSE(iequals("a-b", "a\rb"));
  CHECK(iequals("", ""));
}
