// ocelot.json GlobalConfiguration.ServerOptions keys for the upstream keep-alive pool and the
// forwarding switches.

#include <catch2/catch.hpp>
#include <chrono>

#include "config_support.hpp"

using namespace portico;
using namespace portico::testing;
using namespace std::chrono_literals;

TEST_CASE("pool and forwarding ServerOptions map onto portico::ServerOptions", "[config][ocelot][global][pool]") {
  auto c = load_ok(server_options(R"(
      "UpstreamMaxIdlePerEndpoint": 32, "UpstreamIdleTimeoutMs": 15000, "UpstreamMaxRequestsPerConnection": 500,
      "UpstreamMaxConnectionsPerEndpoint": 256, "ForwardClientHost": true, "SetXRealIp": true)"));
  check_server_options(c.config.server_options(), {.forward_client_host = true,
                                                   .set_x_real_ip = true,
                                                   .upstream_max_idle_per_endpoint = 32,
                                                   .upstream_idle_timeout = 15000ms,
                                                   .upstream_max_requests_per_connection = 500,
                                                   .upstream_max_connections_per_endpoint = 256});
  CHECK(c.warnings.empty());

  // 0 is "no keep-alive" for the idle cap and "no limit" for the other two.
  auto z = load_ok(server_options(R"("UpstreamMaxIdlePerEndpoint": 0, "UpstreamMaxRequestsPerConnection": 0,
      "UpstreamMaxConnectionsPerEndpoint": 0)"));
  check_server_options(z.config.server_options(), {.upstream_max_idle_per_endpoint = 0,
                                                   .upstream_max_requests_per_connection = 0,
                                                   .upstream_max_connections_per_endpoint = 0});
}

TEST_CASE("pool defaults fit a gateway: no small idle cap", "[config][ocelot][global][pool]") {
  ServerOptions o;
  CHECK(o.upstream_max_idle_per_endpoint == 1024);
  CHECK(o.upstream_idle_timeout == 60000ms);
  CHECK(o.upstream_max_requests_per_connection == 10000);
  CHECK(o.upstream_max_connections_per_endpoint == 1024);
  CHECK_FALSE(o.forward_client_host);
  CHECK_FALSE(o.set_x_real_ip);
  auto c = load_ok(server_options(R"("MaxHeaderCount": 10)"));
  check_server_options(c.config.server_options(), {.max_header_count = 10});
}

TEST_CASE("pool ServerOptions out of range are errors with their path", "[config][ocelot][global][pool]") {
  struct Case {
    std::string members;
    std::string where;
    std::string message;
  };
  const std::string p = "GlobalConfiguration.ServerOptions.";
  const Case cases[] = {
      {R"("UpstreamMaxIdlePerEndpoint": -1)", p + "UpstreamMaxIdlePerEndpoint",
       "expected an integer 0..1000000, got -1"},
      {R"("UpstreamMaxIdlePerEndpoint": "many")", p + "UpstreamMaxIdlePerEndpoint",
       "expected an integer 0..1000000, got \"many\""},
      {R"("UpstreamIdleTimeoutMs": 0)", p + "UpstreamIdleTimeoutMs", "expected an integer 1..86400000, got 0"},
      {R"("UpstreamIdleTimeoutMs": 1.5)", p + "UpstreamIdleTimeoutMs", "expected an integer 1..86400000, got 1.5"},
      {R"("UpstreamMaxRequestsPerConnection": 1000001)", p + "UpstreamMaxRequestsPerConnection",
       "expected an integer 0..1000000, got 1000001"},
      {R"("UpstreamMaxConnectionsPerEndpoint": {})", p + "UpstreamMaxConnectionsPerEndpoint",
       "expected an integer 0..1000000, got an object"},
  };
  for (const auto& c : cases) {
    auto e = load_error(server_options(c.members));
    CHECK(e.code == Errc::InvalidConfig);
    CHECK(e.where == c.where);
    CHECK(e.message == c.message);
  }
  auto b = load_error(server_options(R"("ForwardClientHost": "yes")"));
  CHECK(b.where == p + "ForwardClientHost");
  b = load_error(server_options(R"("SetXRealIp": 1)"));
  CHECK(b.where == p + "SetXRealIp");
}
