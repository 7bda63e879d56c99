// The built-in ocelot.json sections (register_builtin_sections), loaded through the loader's table
// and run with the filter harness: header transforms merged key-wise with GlobalConfiguration's, and
// RequestIdKey's "" inheriting the global key.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "portico/config/sections.hpp"
#include "portico/filters/builtin.hpp"
#include "portico/testing/filter_harness.hpp"
#include "unit/config_support.hpp"

using namespace portico;
using namespace portico::testing;

TEST_CASE("sections: the built-in table", "[config][ocelot][sections]") {
  config::SectionRegistry s;
  REQUIRE(filters::register_builtin_sections(s));
  REQUIRE(s.sections().size() == 7);
  CHECK(s.sections()[0].keys == std::vector<std::string>{"UpstreamHeaderTransform", "DownstreamHeaderTransform"});
  CHECK(s.sections()[1].keys == std::vector<std::string>{"RequestIdKey"});
  CHECK(s.sections()[2].keys ==
        std::vector<std::string>{"AuthenticationOptions", "RouteClaimsRequirement", "AuthenticationProviders",
                                 "AddClaimsToRequest", "AddHeadersToRequest", "AddQueriesToRequest"});
  CHECK(s.sections()[3].keys == std::vector<std::string>{"CompressionOptions"});
  CHECK(s.sections()[4].keys == std::vector<std::string>{"SecurityOptions"});
  CHECK(s.sections()[5].keys == std::vector<std::string>{"RateLimitOptions", "RateLimitPolicies"});
  CHECK(s.sections()[6].keys == std::vector<std::string>{"ConcurrencyLimit"});
  CHECK_FALSE(filters::register_builtin_sections(s));  // twice: its keys are taken
}

TEST_CASE("sections: both header transform keys make one filter", "[config][ocelot][sections]") {
  auto c = load_ok(one_route(R"("UpstreamHeaderTransform": {"X-Forwarded-For": "{RemoteIpAddress}"},
                                "DownstreamHeaderTransform": {"X-Served-By": "portico"})"));
  REQUIRE(c.config.routes()[0].filters().size() == 1);
  FilterHarness h(c.config.routes()[0].filters()[0]);
  h.request("GET", "/a").client_address("10.1.2.3");
  REQUIRE(h.run_request().next());
  CHECK(h.run_upstream_request(Request::make("GET", "/a")).headers.get("X-Forwarded-For") == "10.1.2.3");
  CHECK(h.run_response(Response::text(200, "ok")).headers.get("X-Served-By") == "portico");
}

TEST_CASE("sections: header transforms merge key-wise; an inherited entry's error names GlobalConfiguration",
          "[config][ocelot][sections]") {
  auto c = load_ok(one_route(R"("UpstreamHeaderTransform": {"x-a": "route"})",
                             R"("GlobalConfiguration": {"UpstreamHeaderTransform": {"X-A": "global", "X-B": "b"}})"));
  REQUIRE(c.config.routes()[0].filters().size() == 1);
  FilterHarness h(c.config.routes()[0].filters()[0]);
  h.request("GET", "/a");
  REQUIRE(h.run_request().next());
  auto up = h.run_upstream_request(Request::make("GET", "/a"));
  CHECK(up.headers.get("X-A") == "route");
  CHECK(up.headers.get("X-B") == "b");

  auto e = load_error(one_route(R"("UpstreamHeaderTransform": {"X-A": "route"})",
                                R"("GlobalConfiguration": {"UpstreamHeaderTransform": {"X-B": "{unclosed"}})"));
  CHECK(e.where == "GlobalConfiguration.UpstreamHeaderTransform.X-B");
  // Header names are the section's keys: none is "unknown".
  CHECK(load_ok(one_route(R"("DownstreamHeaderTransform": {"X-Anything": "1"})")).warnings.empty());
}

TEST_CASE("sections: a route's empty RequestIdKey inherits GlobalConfiguration's", "[config][ocelot][sections]") {
  auto c = load_ok(one_route(R"("RequestIdKey": "")", R"("GlobalConfiguration": {"RequestIdKey": "Oc-Id"})"));
  REQUIRE(c.config.routes()[0].filters().size() == 1);
  FilterHarness h(c.config.routes()[0].filters()[0]);
  h.request("GET", "/a", {{"Oc-Id", "given-1"}});
  REQUIRE(h.run_request().next());
  CHECK(h.run_response(Response::text(200, "ok")).headers.get("Oc-Id") == "given-1");
  CHECK(load_ok(one_route(R"("RequestIdKey": "")")).config.routes()[0].filters().empty());
}
