// ocelot.json keys of features Portico does not implement yet: typed and warned, or refused when they
// protect something; Aggregates; DynamicRoutes.

#include <catch2/catch.hpp>

#include "config_support.hpp"

using namespace portico;
using namespace portico::testing;

// ---- refused: a route must never be served open when it asks for protection -------------------------

TEST_CASE("ChangeDownstreamPathTemplate refuses the route when it sets something", "[config][ocelot][refuse]") {
  auto e = load_error(one_route(R"("ChangeDownstreamPathTemplate": {"userId": "Claims[sub] > value[1] > |"})"));
  CHECK(e.code == Errc::Unsupported);
  CHECK(e.where == "Routes[0].ChangeDownstreamPathTemplate");
  auto c = load_ok(one_route(R"("ChangeDownstreamPathTemplate": {})"));
  CHECK(warning_paths(c) == std::vector<std::string>{"Routes[0].ChangeDownstreamPathTemplate"});
}

// ---- typed and warned -------------------------------------------------------------------------------

TEST_CASE("FileCacheOptions and CacheOptions are typed and warned", "[config][ocelot]") {
  auto c = load_ok(routes({route_body(), route_at("/b", R"("UpstreamHttpMethod": ["Post"],
      "FileCacheOptions": {"TtlSeconds": "30", "Region": "r1", "Header": "X-Cache", "EnableContentHashing": true})")}));
  CHECK(warning_paths(c) == std::vector<std::string>{"Routes[1].FileCacheOptions"});
  CHECK(c.warnings[0].message == "caching is not implemented yet; the key is ignored");
  CHECK_FALSE(c.route_extras[0].cache_options.has_value());
  const auto& cache = *c.route_extras[1].cache_options;
  CHECK(cache.ttl_seconds == 30);
  CHECK(cache.region == "r1");
  CHECK(cache.header == "X-Cache");
  CHECK(cache.enable_content_hashing == true);

  auto n = load_ok(one_route(R"("CacheOptions": {"TtlSeconds": 5})"));
  CHECK(warning_paths(n) == std::vector<std::string>{"Routes[0].CacheOptions"});

  auto e = load_error(one_route(R"("FileCacheOptions": {}, "CacheOptions": {})"));
  CHECK(e.where == "Routes[0].CacheOptions");
  CHECK_THAT(e.message, Catch::Contains("both FileCacheOptions and CacheOptions"));
  e = load_error(one_route(R"("FileCacheOptions": {"TtlSeconds": "soon"})"));
  CHECK(e.where == "Routes[0].FileCacheOptions.TtlSeconds");
}

TEST_CASE("QoSOptions: classic and new names fold; breaker settings are warned", "[config][ocelot]") {
  auto c = load_ok(one_route(
      R"("QoSOptions": {"ExceptionsAllowedBeforeBreaking": 3, "DurationOfBreak": 1000, "TimeoutValue": 5000})"));
  CHECK(warning_paths(c) == std::vector<std::string>{"Routes[0].QoSOptions"});
  CHECK(c.warnings[0].message ==
        "circuit breaking is not implemented yet; the breaker settings are ignored (its timeout is applied)");
  const auto& q = *c.route_extras[0].qos_options;
  CHECK(q.minimum_throughput == 3);
  CHECK(q.break_duration_ms == 1000);
  CHECK(q.timeout_ms == 5000);

  auto n = load_ok(one_route(
      R"("QoSOptions": {"MinimumThroughput": 4, "BreakDuration": 2000, "FailureRatio": 0.25, "SamplingDuration": 9000})"));
  CHECK(n.warnings.at(0).message == "circuit breaking is not implemented yet; the breaker settings are ignored");
  CHECK(n.route_extras[0].qos_options->minimum_throughput == 4);
  CHECK(n.route_extras[0].qos_options->failure_ratio == 0.25);
  CHECK(n.route_extras[0].qos_options->sampling_duration_ms == 9000);

  auto e = load_error(one_route(R"("QoSOptions": {"TimeoutValue": 1, "Timeout": 2})"));
  CHECK(e.where == "Routes[0].QoSOptions.Timeout");
  CHECK_THAT(e.message, Catch::Contains("both TimeoutValue and Timeout"));
  e = load_error(one_route(R"("QoSOptions": {"FailureRatio": 1.5})"));
  CHECK(e.where == "Routes[0].QoSOptions.FailureRatio");
  CHECK(e.message == "expected a number 0..1, got 1.5");
}

TEST_CASE("header transforms load into a header-transform filter on the route", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("UpstreamHeaderTransform": {"X-Forwarded-For": "{RemoteIpAddress}"},
                                "DownstreamHeaderTransform": {"Location": "{DownstreamBaseUrl}, {BaseUrl}"})"));
  CHECK(c.warnings.empty());
  REQUIRE(c.config.routes()[0].filters().size() == 1);
  CHECK(c.config.routes()[0].filters()[0]->name() == "header_transform");
  CHECK(c.config.routes()[0].filters()[0]->phase() == Phase::Transform);

  auto e = load_error(one_route(R"("UpstreamHeaderTransform": {"X-A": "{RemoteIpAddress"})"));
  CHECK(e.where == "Routes[0].UpstreamHeaderTransform.X-A");
  e = load_error(one_route(R"("DownstreamHeaderTransform": {"Bad Name": "x"})"));
  CHECK(e.where == "Routes[0].DownstreamHeaderTransform.Bad Name");
  e = load_error(one_route(R"("DownstreamHeaderTransform": {"X-A": ", nothing to find"})"));
  CHECK(e.where == "Routes[0].DownstreamHeaderTransform.X-A");
  e = load_error(one_route({}, R"("GlobalConfiguration": {"UpstreamHeaderTransform": {"X-A": "{x"}})"));
  CHECK(e.where == "GlobalConfiguration.UpstreamHeaderTransform.X-A");
}

TEST_CASE("no header-transform filter without transforms", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("UpstreamHeaderTransform": {}, "DownstreamHeaderTransform": {})"));
  CHECK(c.config.routes()[0].filters().empty());
}

TEST_CASE("HttpHandlerOptions: Portico's own behaviour is silent, the rest is warned", "[config][ocelot]") {
  auto quiet = load_ok(one_route(R"("HttpHandlerOptions": {"AllowAutoRedirect": false, "UseCookieContainer": false,
                                                          "UseProxy": false, "UseTracing": false})"));
  CHECK(quiet.warnings.empty());
  REQUIRE(quiet.route_extras[0].http_handler_options.has_value());
  CHECK(quiet.route_extras[0].http_handler_options->allow_auto_redirect == false);

  auto c = load_ok(one_route(R"("HttpHandlerOptions": {"AllowAutoRedirect": true, "UseCookieContainer": true,
      "UseProxy": true, "UseTracing": true, "MaxConnectionsPerServer": 10, "PooledConnectionLifetimeSeconds": 120})"));
  CHECK(warning_paths(c) == std::vector<std::string>{
                                "Routes[0].HttpHandlerOptions.AllowAutoRedirect",
                                "Routes[0].HttpHandlerOptions.UseCookieContainer",
                                "Routes[0].HttpHandlerOptions.UseProxy",
                                "Routes[0].HttpHandlerOptions.UseTracing",
                                "Routes[0].HttpHandlerOptions.MaxConnectionsPerServer",
                                "Routes[0].HttpHandlerOptions.PooledConnectionLifetimeSeconds",
                            });
  CHECK(c.route_extras[0].http_handler_options->max_connections_per_server == 10);

  auto e = load_error(one_route(R"("HttpHandlerOptions": {"MaxConnectionsPerServer": 0})"));
  CHECK(e.where == "Routes[0].HttpHandlerOptions.MaxConnectionsPerServer");
}

TEST_CASE("DownstreamHttpVersion: 1.1 is silent, others warned, nonsense refused", "[config][ocelot]") {
  CHECK(load_ok(one_route(R"("DownstreamHttpVersion": "1.1")")).warnings.empty());
  auto c =
      load_ok(one_route(R"("DownstreamHttpVersion": "2.0", "DownstreamHttpVersionPolicy": "RequestVersionOrLower")"));
  CHECK(warning_paths(c) ==
        std::vector<std::string>{"Routes[0].DownstreamHttpVersion", "Routes[0].DownstreamHttpVersionPolicy"});
  CHECK(c.route_extras[0].downstream_http_version == "2.0");
  CHECK(c.route_extras[0].downstream_http_version_policy == "RequestVersionOrLower");

  auto e = load_error(one_route(R"("DownstreamHttpVersion": "4")"));
  CHECK(e.where == "Routes[0].DownstreamHttpVersion");
  e = load_error(one_route(R"("DownstreamHttpVersionPolicy": "Whatever")"));
  CHECK(e.where == "Routes[0].DownstreamHttpVersionPolicy");
}

TEST_CASE("RequestIdKey, global or the route's, loads a request-id filter", "[config][ocelot]") {
  auto none = load_ok(one_route());
  CHECK(none.config.routes()[0].filters().empty());
  auto c = load_ok(one_route(R"("RequestIdKey": "OcRequestId")"));
  CHECK(c.warnings.empty());
  REQUIRE(c.config.routes()[0].filters().size() == 1);
  CHECK(c.config.routes()[0].filters()[0]->name() == "request_id");
  auto g = load_ok(one_route({}, R"("GlobalConfiguration": {"RequestIdKey": "OcRequestId"})"));
  CHECK(g.warnings.empty());
  CHECK(g.config.server_options().request_id_header == "OcRequestId");
  REQUIRE(g.config.routes()[0].filters().size() == 1);
  auto e = load_error(one_route(R"("RequestIdKey": "Bad Key")"));
  CHECK(e.where == "Routes[0].RequestIdKey");
}

TEST_CASE("Metadata is kept and ServiceNamespace warned", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("Metadata": {"b": "2", "a": "1"}, "ServiceNamespace": "ns")"));
  CHECK(c.route_extras[0].metadata == config::StringPairs{{"b", "2"}, {"a", "1"}});
  CHECK(warning_paths(c) == std::vector<std::string>{"Routes[0].ServiceNamespace"});
  auto e = load_error(one_route(R"("Metadata": {"n": 1})"));
  CHECK(e.where == "Routes[0].Metadata.n");
}

TEST_CASE("warnings of one route come in a fixed order with exact paths", "[config][ocelot]") {
  auto c = load_ok(routes({route_body(), R"(
      "UpstreamPathTemplate": "/b", "DownstreamPathTemplate": "/b", "DownstreamScheme": "https",
      "DownstreamHostAndPorts": [{"Host": "b", "Port": 443}],
      "DangerousAcceptAnyServerCertificateValidator": true,
      "QoSOptions": {"ExceptionsAllowedBeforeBreaking": 2},
      "AuthenticationOptions": {},
      "FileCacheOptions": {"TtlSeconds": 10},
      "UpstreamHeaderTransform": {},
      "Unknown": 1)"}));
  CHECK(warning_paths(c) == std::vector<std::string>{
                                "Routes[1].DangerousAcceptAnyServerCertificateValidator",
                                "Routes[1].QoSOptions",
                                "Routes[1].FileCacheOptions",
                                "Routes[1].Unknown",
                            });
}

// ---- GlobalConfiguration sections of later features ----------------------------------------------------

TEST_CASE("global QoS, cache, service discovery, metadata options and transforms are typed and warned",
          "[config][ocelot]") {
  auto c = load_ok(R"({"GlobalConfiguration": {
      "QoSOptions": {"MinimumThroughput": 3},
      "CacheOptions": {"TtlSeconds": 10, "Region": "g"},
      "ServiceDiscoveryProvider": {"Scheme": "https", "Host": "consul", "Port": "8500", "Type": "PollConsul",
                                   "Token": "t", "ConfigurationKey": "k", "PollingInterval": 100, "Namespace": "ns"},
      "MetadataOptions": {"Separators": [","]},
      "UpstreamHeaderTransform": {"X-A": "b"},
      "DownstreamHttpVersion": "1.0",
      "HttpHandlerOptions": {"UseProxy": true}
    }})");
  CHECK(warning_paths(c) == std::vector<std::string>{
                                "GlobalConfiguration.HttpHandlerOptions.UseProxy",
                                "GlobalConfiguration.QoSOptions",
                                "GlobalConfiguration.CacheOptions",
                                "GlobalConfiguration.ServiceDiscoveryProvider",
                                "GlobalConfiguration.MetadataOptions",
                                "GlobalConfiguration.DownstreamHttpVersion",
                            });
  CHECK(c.global.qos_options->minimum_throughput == 3);
  CHECK(c.global.cache_options->region == "g");
  const auto& sd = *c.global.service_discovery_provider;
  CHECK(sd.scheme == "https");
  CHECK(sd.host == "consul");
  CHECK(sd.port == 8500);
  CHECK(sd.type == "PollConsul");
  CHECK(sd.token == "t");
  CHECK(sd.configuration_key == "k");
  CHECK(sd.polling_interval == 100);
  CHECK(sd.service_namespace == "ns");
  CHECK(c.global.downstream_http_version == "1.0");
  CHECK(c.global.http_handler_options->use_proxy == true);

  auto e = load_error(R"({"GlobalConfiguration": {"ServiceDiscoveryProvider": {"Port": 70000}}})");
  CHECK(e.where == "GlobalConfiguration.ServiceDiscoveryProvider.Port");
}

// ---- Aggregates and DynamicRoutes ---------------------------------------------------------------------------

namespace {
std::string two_keyed_routes(std::string_view top) {
  return routes({route_body(R"("Key": "a")"), route_at("/b", R"("Key": "b", "UpstreamHttpMethod": ["Post"])")}, top);
}
}  // namespace

TEST_CASE("Aggregates are validated, kept and warned as not served", "[config][ocelot]") {
  auto c = load_ok(two_keyed_routes(R"("Aggregates": [ {
      "RouteKeys": ["a", "b"], "UpstreamPathTemplate": "/both/{id}", "UpstreamHost": "h", "Priority": 2,
      "UpstreamHttpMethod": ["Get"], "RouteIsCaseSensitive": true, "UpstreamHeaderTemplates": {"X-V": "1"},
      "RouteKeysConfig": [ {"RouteKey": "b", "JsonPath": "$.id", "Parameter": "id"} ], "Aggregator": "Agg" } ])"));
  CHECK(c.config.routes().size() == 2);  // the aggregate adds no route
  CHECK(warning_paths(c) == std::vector<std::string>{"Aggregates[0]"});
  CHECK_THAT(c.warnings[0].message, Catch::Contains("not served"));
  REQUIRE(c.aggregates.size() == 1);
  const auto& a = c.aggregates[0];
  CHECK(a.route_keys == std::vector<std::string>{"a", "b"});
  CHECK(a.upstream_path_template == "/both/{id}");
  CHECK(a.upstream_host == "h");
  CHECK(a.priority == 2);
  CHECK(a.route_is_case_sensitive);
  CHECK(a.upstream_http_method == std::vector<std::string>{"Get"});
  CHECK(a.upstream_header_templates == config::StringPairs{{"X-V", "1"}});
  REQUIRE(a.route_keys_config.size() == 1);
  CHECK(a.route_keys_config[0].route_key == "b");
  CHECK(a.route_keys_config[0].json_path == "$.id");
  CHECK(a.route_keys_config[0].parameter == "id");
  CHECK(a.aggregator == "Agg");
}

TEST_CASE("Aggregates must reference existing route Keys", "[config][ocelot]") {
  auto e = load_error(two_keyed_routes(R"("Aggregates": [ {"RouteKeys": ["a", "c"], "UpstreamPathTemplate": "/x"} ])"));
  CHECK(e.where == "Aggregates[0].RouteKeys[1]");
  CHECK(e.message == "no route has the Key \"c\"");

  e = load_error(two_keyed_routes(R"("Aggregates": [ {"UpstreamPathTemplate": "/x"} ])"));
  CHECK(e.where == "Aggregates[0].RouteKeys");
  e = load_error(two_keyed_routes(R"("Aggregates": [ {"RouteKeys": ["a"]} ])"));
  CHECK(e.where == "Aggregates[0].UpstreamPathTemplate");
  e = load_error(two_keyed_routes(
      R"("Aggregates": [ {"RouteKeys": ["a"], "UpstreamPathTemplate": "/x", "RouteKeysConfig": [{"RouteKey": "b"}]} ])"));
  CHECK(e.where == "Aggregates[0].RouteKeysConfig[0].RouteKey");
  e = load_error(routes({route_body(R"("Key": "a", "RequestIdKey": "X-Request-Id")")},
                        R"("Aggregates": [ {"RouteKeys": ["a"], "UpstreamPathTemplate": "/x"} ])"));
  CHECK(e.where == "Aggregates[0].RouteKeys[0]");
  CHECK_THAT(e.message, Catch::Contains("RequestIdKey"));
}

TEST_CASE("the legacy ReRouteKeys is accepted; both names are an error", "[config][ocelot]") {
  auto c = load_ok(two_keyed_routes(R"("Aggregates": [ {"ReRouteKeys": ["a"], "UpstreamPathTemplate": "/x"} ])"));
  CHECK(c.aggregates.at(0).route_keys == std::vector<std::string>{"a"});
  auto e = load_error(two_keyed_routes(
      R"("Aggregates": [ {"ReRouteKeys": ["a"], "RouteKeys": ["a"], "UpstreamPathTemplate": "/x"} ])"));
  CHECK(e.where == "Aggregates[0].ReRouteKeys");
}

TEST_CASE("non-empty DynamicRoutes are warned as not served", "[config][ocelot]") {
  auto c = load_ok(R"({"DynamicRoutes": [ {"ServiceName": "x"} ]})");
  CHECK(warning_paths(c) == std::vector<std::string>{"DynamicRoutes"});
  CHECK(load_ok(R"({"DynamicRoutes": []})").warnings.empty());
}

TEST_CASE("no DelegatingHandlers factory runs for a refused route", "[config][ocelot][refuse]") {
  FilterRegistry registry;
  int made = 0;
  registry.add("Counting", [&made](const config::JsonNode&) -> Result<FilterPtr> {
    ++made;
    return request_filter("counting", [](Exchange&) { return FilterResult::next(); });
  });
  auto e = load_error(
      one_route(R"("DelegatingHandlers": ["Counting"], "ServiceName": "users")"), registry);
  CHECK(e.where == "Routes[0].ServiceName");
  CHECK(made == 0);
}

TEST_CASE("an aggregate cannot name a route by its default id", "[config][ocelot]") {
  auto e = load_error(routes({route_body()}, R"("Aggregates": [ {"RouteKeys": ["route-0"], "UpstreamPathTemplate": "/x"} ])"));
  CHECK(e.where == "Aggregates[0].RouteKeys[0]");
  CHECK(e.message == "no route has the Key \"route-0\"");
}
