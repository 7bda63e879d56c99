// ocelot.json routes: structure, key spelling, value types and every routing field.

#include <catch2/catch.hpp>
#include <chrono>

#include "config_support.hpp"

using namespace portico;
using namespace portico::testing;
using namespace std::chrono_literals;

namespace {

const Route& only_route(const config::OcelotConfig& c) {
  REQUIRE(c.config.routes().size() == 1);
  return c.config.routes()[0];
}

}  // namespace

// ---- document structure ----------------------------------------------------------------------------

TEST_CASE("text that is not JSON is an error with line and column", "[config][ocelot]") {
  auto e = load_error("this is not JSON at all");
  CHECK(e.code == Errc::InvalidConfig);
  CHECK(e.where.empty());
  CHECK_THAT(e.message, Catch::StartsWith("invalid JSON at line 1, column 1: "));

  e = load_error("{\n  \"Routes\": [\n    {\"a\": 1 \"b\": 2}\n  ]\n}");
  CHECK(e.message == "invalid JSON at line 3, column 13: unexpected '\"': expected ',' or '}'");

  e = load_error("{\n  /* never closed\n}");
  CHECK(e.message == "invalid JSON at line 2, column 3: unterminated /* comment");

  e = load_error("");
  CHECK_THAT(e.message, Catch::Contains("empty"));
}

TEST_CASE("the top level must be an object; an empty one is an empty config", "[config][ocelot]") {
  auto e = load_error("[]");
  CHECK(e.where.empty());
  CHECK(e.message == "the top level must be a JSON object, got an array");

  auto c = load_ok("{}");
  CHECK(c.config.routes().empty());
  CHECK(c.warnings.empty());
  CHECK(c.base_url.empty());
}

TEST_CASE("Routes must be an array of objects", "[config][ocelot]") {
  auto e = load_error(R"({"Routes": {}})");
  CHECK(e.where == "Routes");
  CHECK(e.message == "expected an array, got an object");

  e = load_error(R"({"Routes": [ "x" ]})");
  CHECK(e.where == "Routes[0]");
  CHECK(e.message == "expected an object, got \"x\"");
}

TEST_CASE("the legacy ReRoutes is accepted, with its own name in paths", "[config][ocelot]") {
  auto c = load_ok(R"({"ReRoutes": [ { )" + route_body(R"("Bogus": 1)") + " } ] }");
  REQUIRE(c.config.routes().size() == 1);
  CHECK(warning_paths(c) == std::vector<std::string>{"ReRoutes[0].Bogus"});

  auto e = load_error(R"({"ReRoutes": [ { "UpstreamPathTemplate": "/a" } ] })");
  CHECK(e.where == "ReRoutes[0].DownstreamPathTemplate");
}

TEST_CASE("Routes and ReRoutes together are an error naming both", "[config][ocelot]") {
  auto e = load_error(R"({"Routes": [], "ReRoutes": []})");
  CHECK(e.code == Errc::InvalidConfig);
  CHECK(e.where == "ReRoutes");
  CHECK_THAT(e.message, Catch::Contains("both Routes and ReRoutes"));
}

TEST_CASE("keys are ASCII case-insensitive at every level", "[config][ocelot]") {
  auto c = load_ok(R"({"routes": [ {
      "upstreampathtemplate": "/x", "DOWNSTREAMPATHTEMPLATE": "/y", "downstreamScheme": "HTTPS",
      "DownstreamHostAndPorts": [ { "host": "h", "PORT": 81 } ],
      "loadbalanceroptions": { "type": "roundrobin" } } ],
    "globalconfiguration": { "serveroptions": { "maxheadercount": 7 } } })");
  const Route& r = only_route(c);
  CHECK(r.path_template() == "/x");
  CHECK(r.rewrite_template() == "/y");
  CHECK(upstream_of(r).endpoints().at(0).host == "h");
  CHECK(upstream_of(r).endpoints().at(0).port == 81);
  CHECK(upstream_of(r).endpoints().at(0).scheme == "https");
  CHECK(upstream_of(r).policy() == LoadBalancing::RoundRobin);
  CHECK(c.config.server_options().max_header_count == 7);
  CHECK(c.warnings.empty());
}

TEST_CASE("two keys equal but for case are an error", "[config][ocelot]") {
  auto e = load_error(one_route(R"("priority": 2, "Priority": 3)"));
  CHECK(e.where == "Routes[0].Priority");
  CHECK_THAT(e.message, Catch::Contains("duplicate key"));
  CHECK_THAT(e.message, Catch::Contains("\"priority\""));
}

TEST_CASE("null counts as absent", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("UpstreamHost": null, "Priority": null, "LoadBalancerOptions": null, "Key": null)"));
  const Route& r = only_route(c);
  CHECK(r.hosts().empty());
  CHECK_FALSE(r.priority_value().has_value());
  CHECK(r.id() == "route-0");
  CHECK(c.warnings.empty());
}

TEST_CASE("unknown keys are warnings with their path, never silently dropped", "[config][ocelot]") {
  auto c = load_ok(R"({ "Routes": [ {
        "UpstreamPathTemplate": "/a", "DownstreamPathTemplate": "/a", "Colour": "blue",
        "DownstreamHostAndPorts": [ { "Host": "a", "Port": 80, "Weight": 3 } ],
        "LoadBalancerOptions": { "Type": "RoundRobin", "Typo": 1 } } ],
      "Extra": true,
      "GlobalConfiguration": { "Whatever": 1, "ServerOptions": { "MaxBodyByte": 5 } } })");
  CHECK(warning_paths(c) == std::vector<std::string>{
                                "GlobalConfiguration.ServerOptions.MaxBodyByte",
                                "GlobalConfiguration.Whatever",
                                "Routes[0].DownstreamHostAndPorts[0].Weight",
                                "Routes[0].LoadBalancerOptions.Typo",
                                "Routes[0].Colour",
                                "Extra",
                            });
  CHECK(c.warnings[0].message == "unknown key, ignored (did you mean MaxBodyBytes?)");
  for (std::size_t i = 1; i < c.warnings.size(); ++i) CHECK(c.warnings[i].message == "unknown key, ignored");
}

// ---- value types ------------------------------------------------------------------------------------

TEST_CASE("numbers and booleans may be strings, as .NET's configuration binder", "[config][ocelot]") {
  auto c = load_ok(R"({ "Routes": [ {
      "UpstreamPathTemplate": "/a", "DownstreamPathTemplate": "/a", "Priority": " 7 ",
      "RouteIsCaseSensitive": "True", "Timeout": "20",
      "DownstreamHostAndPorts": [ { "Host": "a", "Port": "8080" } ] } ] })");
  const Route& r = only_route(c);
  CHECK(r.priority_value() == 7);
  CHECK(r.is_case_sensitive());
  CHECK(r.total_timeout() == 20s);
  CHECK(upstream_of(r).endpoints().at(0).port == 8080);

  auto off = load_ok(one_route(R"("RouteIsCaseSensitive": "false")"));
  CHECK_FALSE(only_route(off).is_case_sensitive());
}

TEST_CASE("a wrong type is an error naming the value's path", "[config][ocelot]") {
  struct Case {
    std::string json;
    std::string where;
    std::string message;
  };
  const Case cases[] = {
      {one_route(R"("Priority": "high")"), "Routes[0].Priority",
       "expected an integer -2147483648..2147483647, got \"high\""},
      {one_route(R"("Priority": 1.5)"), "Routes[0].Priority", "expected an integer -2147483648..2147483647, got 1.5"},
      {one_route(R"("RouteIsCaseSensitive": "yes")"), "Routes[0].RouteIsCaseSensitive",
       "expected true or false, got \"yes\""},
      {one_route(R"("RouteIsCaseSensitive": 1)"), "Routes[0].RouteIsCaseSensitive", "expected true or false, got 1"},
      {one_route(R"("UpstreamHost": 5)"), "Routes[0].UpstreamHost", "expected a string, got 5"},
      {one_route(R"("UpstreamHttpMethod": "Get")"), "Routes[0].UpstreamHttpMethod", "expected an array, got \"Get\""},
      {one_route(R"("UpstreamHttpMethod": ["Get", 5])"), "Routes[0].UpstreamHttpMethod[1]", "expected a string, got 5"},
      {one_route(R"("UpstreamHeaderTemplates": ["a"])"), "Routes[0].UpstreamHeaderTemplates",
       "expected an object, got an array"},
      {one_route(R"("UpstreamHeaderTemplates": {"X-A": 1})"), "Routes[0].UpstreamHeaderTemplates.X-A",
       "expected a string, got 1"},
      {one_route(R"("LoadBalancerOptions": "RoundRobin")"), "Routes[0].LoadBalancerOptions",
       "expected an object, got \"RoundRobin\""},
      {one_route(R"("Timeout": -1)"), "Routes[0].Timeout", "expected an integer 0..86400, got -1"},
  };
  for (const auto& c : cases) {
    auto e = load_error(c.json);
    CHECK(e.code == Errc::InvalidConfig);
    CHECK(e.where == c.where);
    CHECK(e.message == c.message);
  }
}

// ---- DownstreamHostAndPorts ------------------------------------------------------------------------

TEST_CASE("ports are integers 1..65535", "[config][ocelot]") {
  auto body = [](std::string port) {
    return R"("UpstreamPathTemplate": "/a", "DownstreamPathTemplate": "/a",
              "DownstreamHostAndPorts": [ { "Host": "a", "Port": )" +
           port + " } ]";
  };
  for (auto [port, got] : {std::pair<std::string, std::string>{"\"abc\"", "\"abc\""},
                           {"0", "0"},
                           {"65536", "65536"},
                           {"80.5", "80.5"},
                           {"true", "true"},
                           {"-80", "-80"},
                           {"\"\"", "\"\""}}) {
    auto e = load_error(routes({body(port)}));
    CHECK(e.where == "Routes[0].DownstreamHostAndPorts[0].Port");
    CHECK(e.message == "expected an integer 1..65535, got " + got);
  }
  auto c = load_ok(routes({body("65535")}));
  CHECK(upstream_of(only_route(c)).endpoints()[0].port == 65535);
}

TEST_CASE("the fourth route's bad port is reported with its index", "[config][ocelot]") {
  auto r = config::load_ocelot_file(fixture("malformed_port.json"));
  REQUIRE_FALSE(r);
  CHECK(r.error().where == "Routes[3].DownstreamHostAndPorts[0].Port");
  CHECK(r.error().message == "expected an integer 1..65535, got \"abc\"");
  CHECK(r.error().to_string() == "Routes[3].DownstreamHostAndPorts[0].Port: expected an integer 1..65535, got \"abc\"");
}

TEST_CASE("Host and Port are required; hosts are names or IP literals", "[config][ocelot]") {
  auto with_hosts = [](std::string hosts) {
    return routes(
        {R"("UpstreamPathTemplate": "/a", "DownstreamPathTemplate": "/a", "DownstreamHostAndPorts": )" + hosts});
  };
  auto e = load_error(with_hosts(R"([ { "Port": 80 } ])"));
  CHECK(e.where == "Routes[0].DownstreamHostAndPorts[0].Host");
  CHECK(e.message == "required key is missing");

  e = load_error(with_hosts(R"([ { "Host": "a" } ])"));
  CHECK(e.where == "Routes[0].DownstreamHostAndPorts[0].Port");
  CHECK(e.message == "required key is missing");

  e = load_error(with_hosts(R"([ { "Host": "a", "Port": 80 }, { "Host": "http://b", "Port": 80 } ])"));
  CHECK(e.where == "Routes[0].DownstreamHostAndPorts[1].Host");
  CHECK_THAT(e.message, Catch::Contains("without a scheme"));

  e = load_error(with_hosts(R"([ { "Host": "b:8080", "Port": 80 } ])"));
  CHECK(e.where == "Routes[0].DownstreamHostAndPorts[0].Host");
  CHECK_THAT(e.message, Catch::Contains("without a port"));

  e = load_error(with_hosts(R"([ "a:80" ])"));
  CHECK(e.where == "Routes[0].DownstreamHostAndPorts[0]");
  CHECK(e.message == "expected an object, got \"a:80\"");

  auto c = load_ok(with_hosts(R"([ { "Host": "[::1]", "Port": 80 }, { "Host": "fd00::2", "Port": 81 } ])"));
  const auto& eps = upstream_of(only_route(c)).endpoints();
  REQUIRE(eps.size() == 2);
  CHECK(eps[0].host == "::1");
  CHECK(eps[1].host == "fd00::2");
  CHECK(eps[1].authority() == "[fd00::2]:81");
}

TEST_CASE("DownstreamHostAndPorts is required and non-empty", "[config][ocelot]") {
  auto e = load_error(routes({R"("UpstreamPathTemplate": "/a", "DownstreamPathTemplate": "/a")"}));
  CHECK(e.code == Errc::InvalidConfig);
  CHECK(e.where == "Routes[0].DownstreamHostAndPorts");
  CHECK_THAT(e.message, Catch::Contains("at least one"));

  e = load_error(
      routes({R"("UpstreamPathTemplate": "/a", "DownstreamPathTemplate": "/a", "DownstreamHostAndPorts": [])"}));
  CHECK(e.where == "Routes[0].DownstreamHostAndPorts");
}

TEST_CASE("ServiceName is refused: service discovery is not supported", "[config][ocelot]") {
  auto r = config::load_ocelot_file(fixture("malformed_service_discovery.json"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::Unsupported);
  CHECK(r.error().where == "Routes[0].ServiceName");
  CHECK_THAT(r.error().message, Catch::Contains("service discovery is not supported"));

  // Even with hosts listed: the file asks for discovery, which would be silently skipped.
  auto e = load_error(one_route(R"("ServiceName": "svc")"));
  CHECK(e.where == "Routes[0].ServiceName");
}

// ---- templates ----------------------------------------------------------------------------------------

TEST_CASE("UpstreamPathTemplate and DownstreamPathTemplate are required paths", "[config][ocelot]") {
  auto e =
      load_error(routes({R"("DownstreamPathTemplate": "/a", "DownstreamHostAndPorts": [{"Host": "a", "Port": 1}])"}));
  CHECK(e.where == "Routes[0].UpstreamPathTemplate");
  CHECK(e.message == "required key is missing");

  e = load_error(routes({R"("UpstreamPathTemplate": "/a", "DownstreamHostAndPorts": [{"Host": "a", "Port": 1}])"}));
  CHECK(e.where == "Routes[0].DownstreamPathTemplate");
  CHECK(e.message == "required key is missing");

  auto tmpl = [](std::string up, std::string down) {
    return routes({R"("UpstreamPathTemplate": ")" + up + R"(", "DownstreamPathTemplate": ")" + down +
                   R"(", "DownstreamHostAndPorts": [{"Host": "a", "Port": 1}])"});
  };
  e = load_error(tmpl("api/x", "/x"));
  CHECK(e.where == "Routes[0].UpstreamPathTemplate");
  CHECK(e.message == "must start with '/', got \"api/x\"");
  e = load_error(tmpl("http://host/x", "/x"));
  CHECK(e.where == "Routes[0].UpstreamPathTemplate");
  CHECK_THAT(e.message, Catch::Contains("without scheme and host"));
  e = load_error(tmpl("/a//b", "/x"));
  CHECK(e.where == "Routes[0].UpstreamPathTemplate");
  CHECK_THAT(e.message, Catch::Contains("'//'"));
  e = load_error(tmpl("", "/x"));
  CHECK(e.where == "Routes[0].UpstreamPathTemplate");
  CHECK(e.message == "must not be empty");
  e = load_error(tmpl("/x", "x"));
  CHECK(e.where == "Routes[0].DownstreamPathTemplate");
}

TEST_CASE("template errors from the router are mapped onto ocelot.json keys", "[config][ocelot]") {
  SECTION("path") {
    auto e = load_error(routes({R"("UpstreamPathTemplate": "/a/{id}/b/{id}", "DownstreamPathTemplate": "/{id}",
                                  "DownstreamHostAndPorts": [{"Host": "a", "Port": 1}])",
                                route_body()}));
    CHECK(e.code == Errc::InvalidConfig);
    CHECK(e.where == "Routes[0].UpstreamPathTemplate");
    CHECK_THAT(e.message, Catch::Contains("id"));
  }
  SECTION("rewrite") {
    auto e =
        load_error(routes({route_body(), R"("UpstreamPathTemplate": "/b/{id}", "DownstreamPathTemplate": "/x/{nope}",
                                                "DownstreamHostAndPorts": [{"Host": "a", "Port": 1}])"}));
    CHECK(e.where == "Routes[1].DownstreamPathTemplate");
    CHECK_THAT(e.message, Catch::Contains("nope"));
  }
  SECTION("host") {
    auto e = load_error(one_route(R"("UpstreamHost": "api.example.com:5000")"));
    CHECK(e.where == "Routes[0].UpstreamHost");
    CHECK_THAT(e.message, Catch::Contains("port"));
  }
  SECTION("header template") {
    auto e = load_error(one_route(R"("UpstreamHeaderTemplates": {"X-V": "{header:a}{header:b}"})"));
    CHECK(e.where == "Routes[0].UpstreamHeaderTemplates.X-V");
  }
  SECTION("header template name") {
    auto e = load_error(one_route(R"("UpstreamHeaderTemplates": {"X V": "a"})"));
    CHECK(e.where == "Routes[0].UpstreamHeaderTemplates.X V");
    CHECK_THAT(e.message, Catch::Contains("header name"));
  }
  SECTION("method") {
    auto e = load_error(one_route(R"("UpstreamHttpMethod": ["Get", "PO ST"])"));
    CHECK(e.where == "Routes[0].UpstreamHttpMethod[1]");
    CHECK_THAT(e.message, Catch::Contains("HTTP method"));
  }
}

// ---- routing fields ------------------------------------------------------------------------------------

TEST_CASE("routing fields map onto the Route builder", "[config][ocelot]") {
  auto c = load_ok(routes({R"(
      "UpstreamPathTemplate": "/api/{version}/items/{id}", "UpstreamHttpMethod": ["get", "Post"],
      "UpstreamHost": "*.example.com", "UpstreamHeaderTemplates": {"X-Tenant": "{header:tenant}"},
      "Priority": 3, "RouteIsCaseSensitive": true,
      "DownstreamPathTemplate": "/{header:tenant}/items/{id}?v={version}", "DownstreamHttpMethod": "put",
      "DownstreamHostAndPorts": [{"Host": "items", "Port": 8080}])"}));
  const Route& r = only_route(c);
  CHECK(r.method_list() == std::vector<std::string>{"GET", "POST"});
  CHECK(r.path_template() == "/api/{version}/items/{id}");
  CHECK(r.hosts() == std::vector<std::string>{"*.example.com"});
  REQUIRE(r.header_templates().size() == 1);
  CHECK(r.header_templates()[0] == std::pair<std::string, std::string>{"X-Tenant", "{header:tenant}"});
  CHECK(r.priority_value() == 3);
  CHECK(r.is_case_sensitive());
  CHECK(r.rewrite_template() == "/{header:tenant}/items/{id}?v={version}");
  CHECK(r.downstream_method_override() == "PUT");
  CHECK(r.total_timeout() == 0ms);
  CHECK_FALSE(r.preserves_host());
  CHECK(c.warnings.empty());
}

TEST_CASE("an empty UpstreamHttpMethod or UpstreamHost means any", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("UpstreamHttpMethod": [], "UpstreamHost": "")"));
  CHECK(only_route(c).method_list().empty());
  CHECK(only_route(c).hosts().empty());
}

TEST_CASE("the legacy ReRouteIsCaseSensitive is accepted; both names are an error", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("ReRouteIsCaseSensitive": true)"));
  CHECK(only_route(c).is_case_sensitive());
  auto e = load_error(one_route(R"("ReRouteIsCaseSensitive": true, "RouteIsCaseSensitive": false)"));
  CHECK(e.where == "Routes[0].RouteIsCaseSensitive");
  CHECK_THAT(e.message, Catch::Contains("both ReRouteIsCaseSensitive and RouteIsCaseSensitive"));
}

TEST_CASE("DownstreamHttpMethod must be a method token", "[config][ocelot]") {
  auto e = load_error(one_route(R"("DownstreamHttpMethod": "GO ON")"));
  CHECK(e.where == "Routes[0].DownstreamHttpMethod");
}

TEST_CASE("each route gets an inline upstream named after its id", "[config][ocelot]") {
  auto c =
      load_ok(routes({route_body(R"("Key": "users")"), R"("UpstreamPathTemplate": "/b", "DownstreamPathTemplate": "/b",
                                   "DownstreamHostAndPorts": [{"Host": "b1", "Port": 1}, {"Host": "b2", "Port": 2}])"}));
  REQUIRE(c.config.routes().size() == 2);
  CHECK(c.config.upstreams().empty());
  const Route& a = c.config.routes()[0];
  const Route& b = c.config.routes()[1];
  CHECK(a.id() == "users");
  CHECK(a.upstream_name() == "users");
  CHECK(upstream_of(a).name() == "users");
  CHECK(b.id() == "route-1");
  CHECK(upstream_of(b).name() == "route-1");
  REQUIRE(upstream_of(b).endpoints().size() == 2);
  CHECK(upstream_of(b).endpoints()[1].host == "b2");
  CHECK(upstream_of(b).endpoints()[1].port == 2);
  REQUIRE(c.route_extras.size() == 2);
  CHECK(c.route_extras[0].route_id == "users");
  CHECK(c.route_extras[1].route_id == "route-1");
}

TEST_CASE("duplicate Keys are an error", "[config][ocelot]") {
  auto e = load_error(routes({route_body(R"("Key": "k")"), R"("Key": "k", "UpstreamPathTemplate": "/b",
      "DownstreamPathTemplate": "/b", "DownstreamHostAndPorts": [{"Host": "b", "Port": 1}])"}));
  CHECK(e.where == "Routes[1].Key");
  CHECK(e.message == "duplicate Key \"k\" (also the id of Routes[0])");

  e = load_error(routes({route_body(R"("Key": "route-1")"), R"("UpstreamPathTemplate": "/b",
      "DownstreamPathTemplate": "/b", "DownstreamHostAndPorts": [{"Host": "b", "Port": 1}])"}));
  CHECK(e.where == "Routes[1]");
  CHECK_THAT(e.message, Catch::Contains("default id \"route-1\" is the Key of Routes[0]"));
}

// ---- DownstreamScheme ------------------------------------------------------------------------------------

TEST_CASE("DownstreamScheme http/https/ws/wss maps to http or https", "[config][ocelot]") {
  for (auto [given, scheme] :
       {std::pair<std::string, std::string>{"http", "http"}, {"https", "https"}, {"ws", "http"}, {"WSS", "https"}}) {
    auto c = load_ok(one_route(R"("DownstreamScheme": ")" + given + "\""));
    const Upstream& u = upstream_of(only_route(c));
    CHECK(u.default_scheme() == scheme);
    CHECK(u.endpoints()[0].scheme == scheme);
  }
  auto c = load_ok(one_route());
  CHECK(upstream_of(only_route(c)).endpoints()[0].scheme == "http");

  auto e = load_error(one_route(R"("DownstreamScheme": "ftp")"));
  CHECK(e.where == "Routes[0].DownstreamScheme");
  CHECK(e.message == "expected one of http, https, ws, wss, got \"ftp\"");
}

TEST_CASE("GlobalConfiguration.DownstreamScheme is the default", "[config][ocelot]") {
  auto c = load_ok(routes({route_body(), route_at("/b", R"("DownstreamScheme": "http")")},
                          R"("GlobalConfiguration": {"DownstreamScheme": "https"})"));
  CHECK(upstream_of(c.config.routes()[0]).endpoints()[0].scheme == "https");
  CHECK(upstream_of(c.config.routes()[1]).endpoints()[0].scheme == "http");
  auto e = load_error(one_route({}, R"("GlobalConfiguration": {"DownstreamScheme": "gopher"})"));
  CHECK(e.where == "GlobalConfiguration.DownstreamScheme");
}

// ---- LoadBalancerOptions -----------------------------------------------------------------------------------

TEST_CASE("LoadBalancerOptions.Type selects the policy; the default is NoLoadBalancer", "[config][ocelot]") {
  auto policy = [](std::string lb) {
    auto c = load_ok(one_route(lb));
    return upstream_of(only_route(c)).policy();
  };
  CHECK(policy("") == LoadBalancing::First);
  CHECK(policy(R"("LoadBalancerOptions": {})") == LoadBalancing::First);
  CHECK(policy(R"("LoadBalancerOptions": {"Type": ""})") == LoadBalancing::First);
  CHECK(policy(R"("LoadBalancerOptions": {"Type": "NoLoadBalancer"})") == LoadBalancing::First);
  CHECK(policy(R"("LoadBalancerOptions": {"Type": "RoundRobin"})") == LoadBalancing::RoundRobin);
  CHECK(policy(R"("LoadBalancerOptions": {"Type": "LeastConnection"})") == LoadBalancing::LeastConnections);
  CHECK(policy(R"("LoadBalancerOptions": {"Type": "Random"})") == LoadBalancing::Random);
}

TEST_CASE("an unknown load balancer is an error at its Type", "[config][ocelot]") {
  auto r = config::load_ocelot_file(fixture("malformed_unknown_lb.json"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::InvalidConfig);
  CHECK(r.error().where == "Routes[0].LoadBalancerOptions.Type");
  CHECK_THAT(r.error().message, Catch::StartsWith("unknown load balancer \"WeightedRandom\"; expected one of"));
  CHECK_THAT(r.error().message, Catch::Contains("ConsistentHash"));
}

TEST_CASE("CookieStickySessions needs Key (the cookie) and Expiry (ms)", "[config][ocelot]") {
  auto c = load_ok(
      one_route(R"("LoadBalancerOptions": {"Type": "CookieStickySessions", "Key": "SESSION", "Expiry": "60000"})"));
  const Upstream& u = upstream_of(only_route(c));
  CHECK(u.policy() == LoadBalancing::CookieSticky);
  CHECK(u.sticky().cookie == "SESSION");
  CHECK(u.sticky().expiry == 60000ms);

  auto e = load_error(one_route(R"("LoadBalancerOptions": {"Type": "CookieStickySessions", "Expiry": 1000})"));
  CHECK(e.where == "Routes[0].LoadBalancerOptions.Key");
  CHECK_THAT(e.message, Catch::Contains("required for CookieStickySessions"));
  e = load_error(one_route(R"("LoadBalancerOptions": {"Type": "CookieStickySessions", "Key": "S"})"));
  CHECK(e.where == "Routes[0].LoadBalancerOptions.Expiry");
  CHECK_THAT(e.message, Catch::Contains("required for CookieStickySessions"));
  e = load_error(one_route(R"("LoadBalancerOptions": {"Type": "CookieStickySessions", "Key": "S", "Expiry": 0})"));
  CHECK(e.where == "Routes[0].LoadBalancerOptions.Expiry");
  e = load_error(one_route(R"("LoadBalancerOptions": {"Type": "CookieStickySessions", "Key": "a b", "Expiry": 5})"));
  CHECK(e.where == "Routes[0].LoadBalancerOptions.Key");
  CHECK_THAT(e.message, Catch::Contains("cookie name"));
  e = load_error(one_route(R"("LoadBalancerOptions": {"Type": "CookieStickySessions", "Key": "S", "Expiry": -5})"));
  CHECK(e.where == "Routes[0].LoadBalancerOptions.Expiry");
}

TEST_CASE("ConsistentHash takes Key header:<name>, cookie:<name> or ip", "[config][ocelot]") {
  auto key = [](std::string k) {
    auto c = load_ok(one_route(R"("LoadBalancerOptions": {"Type": "ConsistentHash", "Key": ")" + k + R"("})"));
    const Upstream& u = upstream_of(only_route(c));
    CHECK(u.policy() == LoadBalancing::ConsistentHash);
    return u.hash_key();
  };
  auto h = key("header:X-User");
  CHECK(h.source == HashKey::Source::Header);
  CHECK(h.name == "X-User");
  h = key("Cookie:sid");
  CHECK(h.source == HashKey::Source::Cookie);
  CHECK(h.name == "sid");
  h = key("ip");
  CHECK(h.source == HashKey::Source::ClientAddress);

  for (auto bad : {"query:x", "header:", "header:a b", "X-User", "cookie"}) {
    auto e = load_error(
        one_route(R"("LoadBalancerOptions": {"Type": "ConsistentHash", "Key": ")" + std::string(bad) + R"("})"));
    CHECK(e.where == "Routes[0].LoadBalancerOptions.Key");
    CHECK_THAT(e.message, Catch::StartsWith("expected \"header:<name>\", \"cookie:<name>\" or \"ip\""));
  }
  auto e = load_error(one_route(R"("LoadBalancerOptions": {"Type": "ConsistentHash"})"));
  CHECK(e.where == "Routes[0].LoadBalancerOptions.Key");
}

TEST_CASE("Key and Expiry that the load balancer does not use are warned", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("LoadBalancerOptions": {"Type": "RoundRobin", "Key": "x", "Expiry": 5})"));
  CHECK(warning_paths(c) ==
        std::vector<std::string>{"Routes[0].LoadBalancerOptions.Key", "Routes[0].LoadBalancerOptions.Expiry"});
  CHECK(c.warnings[0].message == "not used by the RoundRobin load balancer; ignored");
}

TEST_CASE("GlobalConfiguration.LoadBalancerOptions is the default for routes", "[config][ocelot]") {
  auto c = load_ok(routes(
      {route_body(), route_at("/b", R"("UpstreamHttpMethod": ["Post"], "LoadBalancerOptions": {"Type": "Random"})"),
       route_at("/c", R"("UpstreamHttpMethod": ["Put"], "LoadBalancerOptions": {"Type": ""})")},
      R"("GlobalConfiguration": {"LoadBalancerOptions": {"Type": "CookieStickySessions", "Key": "G", "Expiry": 100}})"));
  CHECK(upstream_of(c.config.routes()[0]).policy() == LoadBalancing::CookieSticky);
  CHECK(upstream_of(c.config.routes()[0]).sticky().cookie == "G");
  CHECK(upstream_of(c.config.routes()[1]).policy() == LoadBalancing::Random);
  CHECK(upstream_of(c.config.routes()[2]).policy() == LoadBalancing::CookieSticky);

  auto e = load_error(one_route({}, R"("GlobalConfiguration": {"LoadBalancerOptions": {"Type": "Nope"}})"));
  CHECK(e.where == "GlobalConfiguration.LoadBalancerOptions.Type");
}

// ---- DelegatingHandlers ---------------------------------------------------------------------------------------

TEST_CASE("DelegatingHandlers resolve through the FilterRegistry, in order", "[config][ocelot]") {
  FilterRegistry registry;
  auto audit = request_filter("audit", [](Exchange&) { return FilterResult::next(); });
  std::string seen;
  registry.add("AuditHandler", audit);
  registry.add("TenantHandler", [&seen](const config::JsonNode& metadata) -> Result<FilterPtr> {
    auto tenant = metadata["tenant"].as_string();
    if (!tenant) return tenant.error();
    seen = *tenant + " at " + metadata["tenant"].path();
    return request_filter("tenant", [](Exchange&) { return FilterResult::next(); });
  });
  auto c =
      load_ok(one_route(R"("DelegatingHandlers": ["TenantHandler", "AuditHandler"], "Metadata": {"tenant": "acme"})"),
              registry);
  const auto& filters = only_route(c).filters();
  REQUIRE(filters.size() == 2);
  CHECK(filters[0]->name() == "tenant");
  CHECK(filters[1] == audit);
  CHECK(seen == "acme at Routes[0].Metadata.tenant");
  CHECK(c.warnings.empty());
}

TEST_CASE("an unknown DelegatingHandler is an error at its index", "[config][ocelot]") {
  FilterRegistry registry;
  registry.add("AuditHandler", request_filter("audit", [](Exchange&) { return FilterResult::next(); }));
  auto e = load_error(one_route(R"("DelegatingHandlers": ["AuditHandler", "MissingHandler"])"), registry);
  CHECK(e.code == Errc::InvalidConfig);
  CHECK(e.where == "Routes[0].DelegatingHandlers[1]");
  CHECK_THAT(e.message, Catch::Contains("MissingHandler"));

  e = load_error(one_route(R"("DelegatingHandlers": ["AuditHandler"])"));  // the default, empty registry
  CHECK(e.where == "Routes[0].DelegatingHandlers[0]");
}

TEST_CASE("a DelegatingHandler factory's refusal is reported at its index", "[config][ocelot]") {
  FilterRegistry registry;
  registry.add("Strict", [](const config::JsonNode& metadata) -> Result<FilterPtr> {
    if (!metadata["limit"].present()) return make_error(Errc::InvalidConfig, "needs Metadata.limit");
    if (auto v = metadata["limit"].as_integer(1, 100); !v) return v.error();
    return request_filter("strict", [](Exchange&) { return FilterResult::next(); });
  });
  auto e = load_error(one_route(R"("DelegatingHandlers": ["Strict"])"), registry);
  CHECK(e.where == "Routes[0].DelegatingHandlers[0]");
  CHECK(e.message == "needs Metadata.limit");
  e = load_error(one_route(R"("DelegatingHandlers": ["Strict"], "Metadata": {"limit": "lots"})"), registry);
  CHECK(e.where == "Routes[0].Metadata.limit");  // the factory's own path wins
  CHECK(e.message == "expected an integer 1..100, got \"lots\"");
}

// ---- DangerousAcceptAnyServerCertificateValidator and Timeout -------------------------------------------------

TEST_CASE("DangerousAcceptAnyServerCertificateValidator turns verification off, with a warning", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("DownstreamScheme": "https", "DangerousAcceptAnyServerCertificateValidator": true)"));
  CHECK_FALSE(upstream_of(only_route(c)).tls_options().verify);
  CHECK(warning_paths(c) == std::vector<std::string>{"Routes[0].DangerousAcceptAnyServerCertificateValidator"});
  CHECK_THAT(c.warnings[0].message, Catch::StartsWith("insecure"));

  auto off = load_ok(one_route(R"("DangerousAcceptAnyServerCertificateValidator": false)"));
  CHECK(upstream_of(only_route(off)).tls_options().verify);
  CHECK(off.warnings.empty());
}

TEST_CASE("route Timeout is seconds; the global Timeout is its default", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("Timeout": 30)"));
  CHECK(only_route(c).total_timeout() == 30s);

  c = load_ok(routes({route_body(), route_at("/b", R"("UpstreamHttpMethod": ["Post"], "Timeout": 5)")},
                     R"("GlobalConfiguration": {"Timeout": 120})"));
  CHECK(c.config.routes()[0].total_timeout() == 120s);
  CHECK(c.config.routes()[1].total_timeout() == 5s);

  auto e = load_error(one_route(R"("Timeout": 86401)"));
  CHECK(e.where == "Routes[0].Timeout");
}

TEST_CASE("a QoS timeout (ms) overrides the route Timeout", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("Timeout": 30, "QoSOptions": {"TimeoutValue": 2500})"));
  CHECK(only_route(c).total_timeout() == 2500ms);
  CHECK(c.warnings.empty());  // only the timeout: nothing is ignored

  c = load_ok(routes({route_body(R"("Key": "a", "Timeout": 30)"),
                      route_at("/b", R"("Key": "b", "UpstreamHttpMethod": ["Post"], "Timeout": 30)")},
                     R"("GlobalConfiguration": {"QoSOptions": {"Timeout": 700, "RouteKeys": ["b"]}})"));
  CHECK(c.config.routes()[0].total_timeout() == 30s);
  CHECK(c.config.routes()[1].total_timeout() == 700ms);
}

// ---- duplicates -------------------------------------------------------------------------------------------------

TEST_CASE("duplicate routes are rejected as Ocelot does", "[config][ocelot]") {
  auto r = config::load_ocelot_file(fixture("malformed_duplicate_routes.json"));
  REQUIRE_FALSE(r);
  CHECK(r.error().where == "Routes[2]");
  CHECK_THAT(r.error().message, Catch::StartsWith("duplicates Routes[1]: same UpstreamPathTemplate \"/orders\""));

  // Two routes with empty method lists, and an empty list against a specific one.
  auto e = load_error(routes({route_body(), route_body()}));
  CHECK(e.where == "Routes[1]");
  e = load_error(routes({route_body(R"("UpstreamHttpMethod": ["Get"])"), route_body()}));
  CHECK(e.where == "Routes[1]");
}

TEST_CASE("routes differing in host, header templates or methods are not duplicates", "[config][ocelot]") {
  auto c = load_ok(routes({route_body(), route_body(R"("UpstreamHost": "a.example.com")"),
                           route_body(R"("UpstreamHeaderTemplates": {"X-V": "1"})"),
                           route_body(R"("UpstreamHeaderTemplates": {"X-V": "2"})"),
                           route_body(R"("UpstreamHost": "b.example.com", "UpstreamHttpMethod": ["Get"])"),
                           route_body(R"("UpstreamHost": "b.example.com", "UpstreamHttpMethod": ["Post"])")}));
  CHECK(c.config.routes().size() == 6);
}

TEST_CASE("thousands of routes load, and a late duplicate is still found", "[config][ocelot]") {
  std::vector<std::string> bodies;
  for (int i = 0; i < 3000; ++i)
    bodies.push_back(route_at("/r" + std::to_string(i) + "/{x}", R"("Key": "k)" + std::to_string(i) + "\""));
  auto c = load_ok(routes(bodies));
  CHECK(c.config.routes().size() == 3000);
  CHECK(c.config.routes()[2999].id() == "k2999");

  bodies.push_back(route_at("/r17/{x}", R"("UpstreamHttpMethod": ["Get"])"));
  auto e = load_error(routes(bodies));
  CHECK(e.where == "Routes[3000]");
  CHECK_THAT(e.message, Catch::StartsWith("duplicates Routes[17]"));
}
