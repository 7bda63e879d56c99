// ocelot.json GlobalConfiguration: BaseUrl, RequestIdKey and ServerOptions.

#include <catch2/catch.hpp>
#include <chrono>

#include "config_support.hpp"

using namespace portico;
using namespace portico::testing;
using namespace std::chrono_literals;

TEST_CASE("BaseUrl and RequestIdKey", "[config][ocelot][global]") {
  auto c = load_ok(R"({"GlobalConfiguration": {"BaseUrl": "https://api.example.com", "RequestIdKey": "OcRequestId"}})");
  CHECK(c.base_url == "https://api.example.com");
  CHECK(c.config.server_options().request_id_header == "OcRequestId");
  CHECK(c.warnings.empty());

  auto d = load_ok(R"({"GlobalConfiguration": {"RequestIdKey": ""}})");
  CHECK(d.config.server_options().request_id_header == "X-Request-Id");

  auto e = load_error(R"({"GlobalConfiguration": {"BaseUrl": "localhost:5000"}})");
  CHECK(e.where == "GlobalConfiguration.BaseUrl");
  CHECK(e.message == "expected an absolute http:// or https:// URL, got \"localhost:5000\"");
  e = load_error(R"({"GlobalConfiguration": {"RequestIdKey": "Request Id"}})");
  CHECK(e.where == "GlobalConfiguration.RequestIdKey");
  e = load_error(R"({"GlobalConfiguration": []})");
  CHECK(e.where == "GlobalConfiguration");
  CHECK(e.message == "expected an object, got an array");
}

TEST_CASE("ServerOptions map onto portico::ServerOptions", "[config][ocelot][global]") {
  auto c = load_ok(server_options(R"(
      "MaxRequestLineBytes": 4096, "MaxHeaderBytes": 32768, "MaxHeaderCount": 50, "MaxBodyBytes": "2097152",
      "RequestHeadTimeoutMs": 1000, "RequestBodyTimeoutMs": 2000, "KeepAliveIdleTimeoutMs": 3000,
      "IdleParkAfterMs": 250, "UpstreamConnectTimeoutMs": 4000, "UpstreamTimeoutMs": 5000, "DrainTimeoutMs": 6000, "MaxConnections": 700,
      "MaxInFlightPerLoop": 800, "MaxUpstreamHeaderBytes": 9000, "EncodedSlashes": "Keep", "Via": "",
      "TrustedProxies": ["10.0.0.0/8", "127.0.0.1", "::1", "2001:db8::/32"])"));
  check_server_options(c.config.server_options(),
                       {.max_request_line_bytes = 4096,
                        .max_header_bytes = 32768,
                        .max_header_count = 50,
                        .max_body_bytes = 2097152,
                        .request_head_timeout = 1000ms,
                        .request_body_timeout = 2000ms,
                        .keep_alive_idle_timeout = 3000ms,
                        .idle_park_after = 250ms,
                        .upstream_connect_timeout = 4000ms,
                        .upstream_timeout = 5000ms,
                        .drain_timeout = 6000ms,
                        .max_connections = 700,
                        .max_in_flight_per_loop = 800,
                        .max_upstream_header_bytes = 9000,
                        .trusted_proxies = {"10.0.0.0/8", "127.0.0.1/32", "::1/128", "2001:db8::/32"},
                        .encoded_slashes = EncodedSlashes::Keep,
                        .via = ""});
  CHECK(c.warnings.empty());
}

TEST_CASE("absent ServerOptions keep the documented defaults", "[config][ocelot][global]") {
  auto c = load_ok(server_options(R"("MaxHeaderCount": 10)"));
  check_server_options(c.config.server_options(), {.max_header_count = 10});
}

TEST_CASE("ServerOptions values out of range are errors with their path", "[config][ocelot][global]") {
  struct Case {
    std::string members;
    std::string where;
    std::string message;
  };
  const Case cases[] = {
      {R"("MaxBodyBytes": 0)", "GlobalConfiguration.ServerOptions.MaxBodyBytes",
       "expected an integer 1..1099511627776, got 0"},
      {R"("MaxRequestLineBytes": 1048577)", "GlobalConfiguration.ServerOptions.MaxRequestLineBytes",
       "expected an integer 1..1048576, got 1048577"},
      {R"("MaxHeaderBytes": -1)", "GlobalConfiguration.ServerOptions.MaxHeaderBytes",
       "expected an integer 1..16777216, got -1"},
      {R"("MaxHeaderCount": 10001)", "GlobalConfiguration.ServerOptions.MaxHeaderCount",
       "expected an integer 1..10000, got 10001"},
      {R"("UpstreamTimeoutMs": "soon")", "GlobalConfiguration.ServerOptions.UpstreamTimeoutMs",
       "expected an integer 1..86400000, got \"soon\""},
      {R"("RequestHeadTimeoutMs": 0)", "GlobalConfiguration.ServerOptions.RequestHeadTimeoutMs",
       "expected an integer 1..86400000, got 0"},
      {R"("DrainTimeoutMs": 86400001)", "GlobalConfiguration.ServerOptions.DrainTimeoutMs",
       "expected an integer 1..86400000, got 86400001"},
      {R"("MaxConnections": 0)", "GlobalConfiguration.ServerOptions.MaxConnections",
       "expected an integer 1..1000000, got 0"},
      {R"("KeepAliveIdleTimeoutMs": 1.5)", "GlobalConfiguration.ServerOptions.KeepAliveIdleTimeoutMs",
       "expected an integer 1..86400000, got 1.5"},
      {R"("UpstreamConnectTimeoutMs": 18446744073709551615)",
       "GlobalConfiguration.ServerOptions.UpstreamConnectTimeoutMs",
       "expected an integer 1..86400000, got 18446744073709551615"},
      {R"("RequestBodyTimeoutMs": {})", "GlobalConfiguration.ServerOptions.RequestBodyTimeoutMs",
       "expected an integer 1..86400000, got an object"},
      {R"("EncodedSlashes": "Decode")", "GlobalConfiguration.ServerOptions.EncodedSlashes",
       "expected \"Reject\" or \"Keep\", got \"Decode\""},
      {R"("Via": "1.1 a\r\nX: y")", "GlobalConfiguration.ServerOptions.Via", "must not contain control characters"},
      {R"("TrustedProxies": "10.0.0.0/8")", "GlobalConfiguration.ServerOptions.TrustedProxies",
       "expected an array, got \"10.0.0.0/8\""},
  };
  for (const auto& c : cases) {
    auto e = load_error(server_options(c.members));
    CHECK(e.code == Errc::InvalidConfig);
    CHECK(e.where == c.where);
    CHECK(e.message == c.message);
  }
}

TEST_CASE("TrustedProxies entries must be CIDR ranges, IPv4 or IPv6", "[config][ocelot][global]") {
  for (auto bad : {"10.0.0.0/33", "300.0.0.0/8", "fd00::/129", "fd00:::1/64", "proxy.local", "10.0.0.0/8 ", ""}) {
    auto e = load_error(server_options(std::string(R"("TrustedProxies": ["127.0.0.1", ")") + bad + "\"]"));
    CHECK(e.where == "GlobalConfiguration.ServerOptions.TrustedProxies[1]");
    CHECK_THAT(e.message, Catch::StartsWith("expected a CIDR range such as \"10.0.0.0/8\" or \"fd00::/8\""));
  }
}

TEST_CASE("ServerOptions must be an object", "[config][ocelot][global]") {
  auto e = load_error(R"({"GlobalConfiguration": {"ServerOptions": 5}})");
  CHECK(e.where == "GlobalConfiguration.ServerOptions");
  CHECK(e.message == "expected an object, got 5");
}

TEST_CASE("load_ocelot_file reports unreadable files as Io with the path", "[config][ocelot]") {
  auto path = fixture("does-not-exist.json");
  auto r = config::load_ocelot_file(path);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::Io);
  CHECK(r.error().where == path);
  CHECK_THAT(r.error().message, Catch::StartsWith("cannot open the file"));
}

TEST_CASE("input larger than the limit is refused before parsing", "[config][ocelot]") {
  std::string big(config::kMaxOcelotJsonBytes + 1, ' ');
  auto e = load_error(big);
  CHECK_THAT(e.message, Catch::Contains("larger than 64 MiB"));
}
