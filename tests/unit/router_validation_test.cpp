// Router: every config error, with its exact `where` and message.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/router.hpp"
#include "portico/route.hpp"

using namespace portico;
using portico::detail::Router;

namespace {

// "where: message" of the build error, or "ok".
std::string error_of(const std::vector<Route>& routes) {
  auto r = Router::build(routes);
  if (r) return "ok";
  CHECK(r.error().code == Errc::InvalidConfig);
  return r.error().where + ": " + r.error().message;
}

std::string path_error(std::string path) { return error_of({Route("r").path(std::move(path))}); }

// error_of() for one route "/api/{id}" with the given rewrite template.
std::string rewrite_error(std::string rewrite) {
  return error_of({Route("r").path("/api/{id}").rewrite(std::move(rewrite))});
}

// error_of() for one route "/" with the given host pattern.
std::string host_error(std::string pattern) { return error_of({Route("r").path("/").host(std::move(pattern))}); }

// error_of() for one route "/" with the given header template.
std::string header_template_error(std::string name, std::string value) {
  return error_of({Route("r").path("/").header_template(std::move(name), std::move(value))});
}

}  // namespace

TEST_CASE("valid routes build", "[router][validation]") {
  const std::vector<Route> routes{
      Route("a").get("/api/users/{id}").rewrite("/users/{id}"),
      Route("b").path("/x?unitId={u}").host("*.example.com").host("[::1]").header("X-A").query("q", "1"),
      Route("c").path("/v").header_template("X-Version", "v{header:v}").rewrite("/v{header:v}?a={header:v}"),
      Route("d").path("/{all}").methods({"GET", "M-SEARCH"}),
  };
  auto r = Router::build(routes);
  REQUIRE(r.has_value());
  CHECK(r->size() == 4);
}

TEST_CASE("path template errors name routes[i].path", "[router][validation][path]") {
  CHECK(path_error("") == "routes[0].path: the path template is empty");
  CHECK(path_error("api/x") == "routes[0].path: the path template must start with '/'");
  CHECK(path_error("/go/http://example.com") == "routes[0].path: the path template must not contain a scheme");
  CHECK(path_error("/a//b") == "routes[0].path: the path template must not contain '//'");
  CHECK(path_error("/a#b") == "routes[0].path: the path template must not contain '#'");
  CHECK(path_error("/a?b={c}?d") == "routes[0].path: the path template must contain at most one '?'");
  CHECK(path_error("/a?") == "routes[0].path: the query template after '?' is empty");
  CHECK(path_error("/a/{id") == "routes[0].path: unbalanced '{' at offset 3");
  CHECK(path_error("/a/{i{d}") == "routes[0].path: unbalanced '{' at offset 3");
  CHECK(path_error("/a/id}") == "routes[0].path: unbalanced '}' at offset 5");
  CHECK(path_error("/a?x={y") == "routes[0].path: unbalanced '{' at offset 5");
  CHECK(path_error("/a/{}") == "routes[0].path: empty placeholder '{}' at offset 3");
  CHECK(path_error("/a/{id}/{id}") == "routes[0].path: duplicate placeholder '{id}'");
  CHECK(path_error("/a/{id}?id={id}") == "routes[0].path: duplicate placeholder '{id}'");
  CHECK(path_error("/a/{x}{y}") == "routes[0].path: placeholders '{x}' and '{y}' must be separated by literal text");
  CHECK(path_error("/a/{id:int}") == "routes[0].path: invalid placeholder name '{id:int}'");
  CHECK(path_error("/a/{a b}") == "routes[0].path: invalid placeholder name '{a b}'");
  CHECK(path_error("/a/{header:x}") ==
        "routes[0].path: '{header:x}' is only allowed in header templates and rewrites");
  SECTION("the index is the route's position in the input") {
    CHECK(error_of({Route("a").path("/a"), Route("b").path("/b"), Route("c").path("/c/{")}) ==
          "routes[2].path: unbalanced '{' at offset 3");
  }
}

TEST_CASE("rewrite errors name routes[i].rewrite", "[router][validation][rewrite]") {
  CHECK(rewrite_error("/users/{uid}") ==
        "routes[0].rewrite: placeholder '{uid}' is not captured by the path, query or header templates");
  CHECK(rewrite_error("/users?x={header:v}") ==
        "routes[0].rewrite: placeholder '{header:v}' is not captured by the path, query or header templates");
  CHECK(rewrite_error("users/{id}") == "routes[0].rewrite: the rewrite template must start with '/'");
  CHECK(rewrite_error("/u/{id") == "routes[0].rewrite: unbalanced '{' at offset 3");
  CHECK(rewrite_error("/u?a={}") == "routes[0].rewrite: empty placeholder '{}' at offset 5");
  CHECK(rewrite_error("/http://x/{id}") == "routes[0].rewrite: the rewrite template must not contain a scheme");
  CHECK(rewrite_error("/a//{id}") == "routes[0].rewrite: the rewrite template must not contain '//'");
  CHECK(error_of({Route("r").path("/a"), Route("r").path("/api/{id}?q={q}").rewrite("/u/{id}/{q}/{x}")}) ==
        "routes[1].rewrite: placeholder '{x}' is not captured by the path, query or header templates");
  CHECK(rewrite_error("/u/{id}{id}?a={id}") == "ok");
}

TEST_CASE("host errors name routes[i].host[k]", "[router][validation][host]") {
  CHECK(host_error("") == "routes[0].host[0]: the host pattern is empty");
  CHECK(error_of({Route("r").path("/").host("a.com").host("api.example.com:8080")}) ==
        "routes[0].host[1]: 'api.example.com:8080': the host pattern must not contain a port");
  CHECK(host_error("a.*.com") ==
        "routes[0].host[0]: 'a.*.com': '*' is only allowed as a leading '*.' label (\"*.example.com\")");
  CHECK(host_error("*example.com") ==
        "routes[0].host[0]: '*example.com': '*' is only allowed as a leading '*.' label (\"*.example.com\")");
  CHECK(host_error("*.") == "routes[0].host[0]: '*.': a wildcard needs a domain after '*.'");
  CHECK(host_error("a..b") == "routes[0].host[0]: 'a..b': empty label in the host pattern");
  CHECK(host_error("example.com.") == "routes[0].host[0]: 'example.com.': empty label in the host pattern");
  CHECK(host_error("a b.com") == "routes[0].host[0]: 'a b.com': invalid character ' ' in the host pattern");
  CHECK(host_error("[::1]:80") == "routes[0].host[0]: '[::1]:80': the host pattern must not contain a port");
  CHECK(host_error("[::1") == "routes[0].host[0]: '[::1': unbalanced '['");
}

TEST_CASE("method errors name routes[i].method[k]", "[router][validation][method]") {
  CHECK(error_of({Route("r").path("/").method("GET").method("GE T")}) ==
        "routes[0].method[1]: 'GE T' is not a valid method token");
  CHECK(error_of({Route("r").path("/").method("")}) == "routes[0].method[0]: '' is not a valid method token");
}

TEST_CASE("header and query condition errors name routes[i].header[k] / query[k]", "[router][validation]") {
  CHECK(error_of({Route("r").path("/").header("X-A").header("X B", "1")}) ==
        "routes[0].header[1]: 'X B' is not a valid header name");
  CHECK(error_of({Route("r").path("/").header("")}) == "routes[0].header[0]: '' is not a valid header name");
  CHECK(error_of({Route("r").path("/").query("")}) == "routes[0].query[0]: '' is not a valid query parameter name");
  CHECK(error_of({Route("r").path("/").query("ok").query("a=b")}) ==
        "routes[0].query[1]: 'a=b' is not a valid query parameter name");
}

TEST_CASE("header template errors name routes[i].header_templates[name]", "[router][validation][header_template]") {
  CHECK(header_template_error("X-Version", "{version}") ==
        "routes[0].header_templates[X-Version]: placeholders in header templates must be written {header:name}, "
        "found '{version}'");
  CHECK(header_template_error("X-Version", "v{header:a}{header:b}") ==
        "routes[0].header_templates[X-Version]: placeholders '{header:a}' and '{header:b}' must be separated by "
        "literal text");
  CHECK(header_template_error("X-Version", "{header:}") ==
        "routes[0].header_templates[X-Version]: invalid placeholder name '{header:}'");
  CHECK(header_template_error("X-Version", "v{header:a") ==
        "routes[0].header_templates[X-Version]: unbalanced '{' at offset 1");
  CHECK(header_template_error("X-Version", "{header:a}.{header:a}") ==
        "routes[0].header_templates[X-Version]: duplicate placeholder '{header:a}'");
  CHECK(error_of({Route("r").path("/").header_template("X-A", "{header:a}").header_template("X-B", "{header:a}")}) ==
        "routes[0].header_templates[X-B]: duplicate placeholder '{header:a}'");
  CHECK(header_template_error("X Version", "{header:a}") ==
        "routes[0].header_templates[X Version]: 'X Version' is not a valid header name");
}
