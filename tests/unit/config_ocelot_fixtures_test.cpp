// Real-world-shaped ocelot.json files (tests/fixtures/ocelot) loaded end to end.

#include <catch2/catch.hpp>
#include <chrono>

#include "config_support.hpp"
#include "core/router.hpp"

using namespace portico;
using namespace portico::testing;
using namespace std::chrono_literals;

namespace {

config::OcelotConfig load_fixture(std::string_view name, const FilterRegistry& filters = {}) {
  auto r = config::load_ocelot_file(fixture(name), filters);
  if (!r) FAIL(std::string(name) << ": " << r.error().to_string());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("fixture: classic ReRoutes file", "[config][ocelot][fixture]") {
  auto c = load_fixture("classic.json");
  const auto& routes = c.config.routes();
  REQUIRE(routes.size() == 3);

  const Route& customers = routes[0];
  CHECK(customers.id() == "route-0");
  CHECK(customers.path_template() == "/customers");
  CHECK(customers.method_list() == std::vector<std::string>{"GET", "POST"});
  CHECK_FALSE(customers.is_case_sensitive());
  CHECK(customers.rewrite_template() == "/api/customers");
  CHECK(customers.total_timeout() == 5000ms);  // QoSOptions.TimeoutValue
  CHECK(upstream_of(customers).policy() == LoadBalancing::RoundRobin);
  REQUIRE(upstream_of(customers).endpoints().size() == 1);
  CHECK(upstream_of(customers).endpoints()[0].authority() == "customers:80");
  CHECK(upstream_of(customers).endpoints()[0].scheme == "http");

  const Route& customer = routes[1];
  CHECK(customer.id() == "customer");
  CHECK(customer.method_list() == std::vector<std::string>{"GET", "PUT", "DELETE"});
  CHECK(customer.total_timeout() == 30s);
  CHECK(upstream_of(customer).policy() == LoadBalancing::LeastConnections);
  REQUIRE(upstream_of(customer).endpoints().size() == 2);
  CHECK(upstream_of(customer).endpoints()[1].host == "10.0.1.11");
  CHECK(upstream_of(customer).endpoints()[1].port == 5001);

  const Route& products = routes[2];
  CHECK(products.id() == "products");
  CHECK(products.method_list().empty());
  CHECK(products.priority_value() == 0);
  CHECK(upstream_of(products).policy() == LoadBalancing::First);
  CHECK(upstream_of(products).endpoints()[0].scheme == "https");
  CHECK_FALSE(upstream_of(products).tls_options().verify);

  CHECK(c.base_url == "https://api.example.com");
  CHECK(c.config.server_options().request_id_header == "OcRequestId");
  REQUIRE(c.aggregates.size() == 1);
  CHECK(c.aggregates[0].route_keys == std::vector<std::string>{"customer", "products"});

  REQUIRE(c.route_extras.size() == 3);
  CHECK(c.route_extras[0].cache_options->ttl_seconds == 0);
  CHECK(c.route_extras[0].qos_options->minimum_throughput == 3);
  for (const auto& f : routes[0].filters()) CHECK(f->name() != "ocelot_rate_limit");  // EnableRateLimiting false
  REQUIRE_FALSE(routes[0].filters().empty());
  CHECK(routes[0].filters().back()->name() == "request_id");
  CHECK(c.global.service_discovery_provider->port == 8500);

  CHECK(warning_paths(c) == std::vector<std::string>{
                                "GlobalConfiguration.ServiceDiscoveryProvider",
                                "ReRoutes[0].QoSOptions",
                                "ReRoutes[0].FileCacheOptions",
                                "ReRoutes[2].DangerousAcceptAnyServerCertificateValidator",
                                "Aggregates[0]",
                            });
  CHECK(warning_at(c, "ReRoutes[0].FileCacheOptions") == "caching is not implemented yet; the key is ignored");

  // The loaded routes compile together, as Gateway::apply will compile them.
  CHECK(detail::Router::build(routes).has_value());
}

TEST_CASE("fixture: Ocelot 24.x/25.0 names", "[config][ocelot][fixture]") {
  auto c = load_fixture("ocelot25.json");
  const auto& routes = c.config.routes();
  REQUIRE(routes.size() == 2);

  const Route& orders = routes[0];
  CHECK(orders.id() == "orders");
  CHECK(orders.total_timeout() == 2500ms);  // QoSOptions.Timeout beats the global Timeout
  CHECK(upstream_of(orders).policy() == LoadBalancing::LeastConnections);  // global default
  CHECK(upstream_of(orders).endpoints()[0].scheme == "https");             // global default
  CHECK(upstream_of(orders).endpoints().size() == 2);
  const auto& ox = c.route_extras[0];
  CHECK(ox.cache_options->ttl_seconds == 15);
  CHECK(ox.cache_options->header == "OC-Cache-Control");
  CHECK(ox.qos_options->minimum_throughput == 5);
  CHECK(ox.qos_options->break_duration_ms == 3000);
  CHECK(ox.qos_options->failure_ratio == 0.5);
  CHECK(ox.downstream_http_version == "2.0");
  CHECK(ox.metadata == config::StringPairs{{"id", "GetOrder"}, {"tags", "orders, read"}});

  const Route& users = routes[1];
  CHECK(users.total_timeout() == 12s);
  CHECK(users.header_templates().at(0) == std::pair<std::string, std::string>{"X-Tenant", "{header:tenant}"});
  CHECK(users.rewrite_template() == "/tenants/{header:tenant}/users/{rest}");
  CHECK(upstream_of(users).endpoints()[0].scheme == "http");
  CHECK(upstream_of(users).policy() == LoadBalancing::LeastConnections);  // "{}" falls back to the global one

  // Keys the file does not set keep their defaults.
  check_server_options(c.config.server_options(),
                       {.max_request_line_bytes = 4096,
                        .max_header_bytes = 32768,
                        .max_header_count = 64,
                        .max_body_bytes = 1048576,
                        .request_head_timeout = 5000ms,
                        .request_body_timeout = 15000ms,
                        .keep_alive_idle_timeout = 30000ms,
                        .upstream_connect_timeout = 2000ms,
                        .upstream_timeout = 20000ms,
                        .drain_timeout = 10000ms,
                        .max_connections = 5000,
                        .trusted_proxies = {"10.0.0.0/8", "192.168.1.7/32", "fd00::/8"}});
  CHECK(c.base_url == "http://gateway.local:5000");

  CHECK(warning_paths(c) == std::vector<std::string>{
                                "GlobalConfiguration.CacheOptions",
                                "Routes[0].QoSOptions",
                                "Routes[0].CacheOptions",
                                "Routes[0].DownstreamHttpVersion",
                                "Routes[0].DownstreamHttpVersionPolicy",
                            });
  CHECK(detail::Router::build(routes).has_value());
}

TEST_CASE("fixture: comments, trailing commas and a BOM", "[config][ocelot][fixture]") {
  auto c = load_fixture("relaxed.json");
  REQUIRE(c.config.routes().size() == 1);
  const Route& r = c.config.routes()[0];
  CHECK(r.path_template() == "/docs/{page}");
  CHECK(r.method_list() == std::vector<std::string>{"GET"});
  CHECK(upstream_of(r).endpoints().at(0).port == 8000);
  CHECK(c.route_extras[0].metadata == config::StringPairs{{"homepage", "http://docs.example.com/index.html"},
                                                          {"pattern", "/* not a comment */"},
                                                          {"quote", "a \"quoted\" // still text"}});
  CHECK(c.base_url == "http://edge.example.com");
  CHECK(c.warnings.empty());
}

TEST_CASE("fixture: every routing field", "[config][ocelot][fixture]") {
  FilterRegistry registry;
  auto audit = request_filter("audit", [](Exchange&) { return FilterResult::next(); });
  registry.add("AuditHandler", audit);
  std::vector<std::pair<std::string, std::string>> tenant_args;
  registry.add("TenantHeaderHandler", [&](const config::JsonNode& metadata) -> Result<FilterPtr> {
    auto args = metadata.as_string_pairs();
    if (!args) return args.error();
    tenant_args = *args;
    return request_filter("tenant", [](Exchange&) { return FilterResult::next(); });
  });
  auto c = load_fixture("all_fields.json", registry);
  const auto& routes = c.config.routes();
  REQUIRE(routes.size() == 4);

  const Route& a = routes[0];
  CHECK(a.id() == "accounts");
  CHECK(a.path_template() == "/api/{version}/accounts/{id}?expand={expand}");
  CHECK(a.method_list() == std::vector<std::string>{"GET", "PATCH"});
  CHECK(a.hosts() == std::vector<std::string>{"api.example.com"});
  CHECK(a.header_templates() ==
        std::vector<std::pair<std::string, std::string>>{{"X-Api-Version", "v{header:apiversion}"}});
  CHECK(a.priority_value() == 5);
  CHECK(a.is_case_sensitive());
  CHECK(a.rewrite_template() == "/accounts/{id}?v={header:apiversion}&expand={expand}&ver={version}");
  CHECK(a.downstream_method_override() == "POST");
  CHECK(a.total_timeout() == 45s);
  REQUIRE(a.filters().size() == 4);  // the 501 for Upgrade (wss), DelegatingHandlers in order, the request id
  CHECK(a.filters()[0]->name() == "websocket-unsupported");  // DownstreamScheme wss: Upgrade gets 501
  CHECK(a.filters()[1] == audit);
  CHECK(a.filters()[2]->name() == "tenant");
  CHECK(a.filters()[3]->name() == "request_id");
  CHECK(tenant_args == std::vector<std::pair<std::string, std::string>>{{"owner", "accounts-team"}});
  const Upstream& au = upstream_of(a);
  CHECK(au.name() == "accounts");
  CHECK(au.default_scheme() == "https");  // wss
  REQUIRE(au.endpoints().size() == 3);
  CHECK(au.endpoints()[0].authority() == "accounts-1.internal:9443");
  CHECK(au.endpoints()[1].host == "fd00::12");
  CHECK(au.endpoints()[1].authority() == "[fd00::12]:9443");
  CHECK(au.endpoints()[2].port == 9444);
  for (const auto& ep : au.endpoints()) CHECK(ep.scheme == "https");
  CHECK(au.policy() == LoadBalancing::CookieSticky);
  CHECK(au.sticky().cookie == "ACCOUNT_SESSION");
  CHECK(au.sticky().expiry == 1800000ms);
  CHECK_FALSE(au.tls_options().verify);

  CHECK(upstream_of(routes[1]).policy() == LoadBalancing::ConsistentHash);
  CHECK(upstream_of(routes[1]).hash_key().source == HashKey::Source::Header);
  CHECK(upstream_of(routes[1]).hash_key().name == "X-User");
  CHECK(upstream_of(routes[2]).policy() == LoadBalancing::Random);
  CHECK(upstream_of(routes[3]).policy() == LoadBalancing::First);
  CHECK_FALSE(routes[3].priority_value().has_value());  // the router gives a lone catch-all 0

  CHECK(c.config.server_options().request_id_header == "X-Correlation-Id");
  REQUIRE(c.aggregates.size() == 1);
  CHECK(c.aggregates[0].aggregator == "DashboardAggregator");
  CHECK(warning_paths(c) ==
        std::vector<std::string>{"Routes[0].DownstreamScheme", "Routes[0].DangerousAcceptAnyServerCertificateValidator",
                                 "Aggregates[0]"});
  CHECK(detail::Router::build(routes).has_value());
}

TEST_CASE("fixture: a syntax error names its line and column", "[config][ocelot][fixture]") {
  auto r = config::load_ocelot_file(fixture("malformed_syntax.json"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::InvalidConfig);
  CHECK(r.error().message == "invalid JSON at line 6, column 7: unexpected '\"': expected ',' or '}'");

  auto n = config::load_ocelot_file(fixture("malformed_not_json.json"));
  REQUIRE_FALSE(n);
  CHECK(n.error().message ==
        "invalid JSON at line 1, column 1: invalid literal: expected a value (true, false or null)");
}
