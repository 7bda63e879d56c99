// The IP rules filter: allow and block lists (addresses, CIDR, netmasks, first-last ranges, IPv4 and
// IPv6) through the harness, and ocelot.json's SecurityOptions (route over global) through the loader.
#include <catch2/catch.hpp>

#include "portico/filters/builtin.hpp"
#include "portico/filters/ip_rules.hpp"
#include "portico/testing/filter_harness.hpp"
#include "unit/config_support.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

/// Runs `filter` for a request from `address`: true if it let the request through.
bool admits(const FilterPtr& filter, std::string address) {
  FilterHarness h(filter);
  h.request("GET", "/orders").client_address(std::move(address));
  auto out = h.run_request();
  if (out.responded()) {
    CHECK(out.response->status == 403);
    return false;
  }
  REQUIRE(out.next());
  return true;
}

FilterPtr rules(filters::IpRulesConfig cfg) {
  auto f = filters::make_ip_rules(std::move(cfg));
  REQUIRE(f);
  return *f;
}

}  // namespace

TEST_CASE("ip rules: a block list refuses its addresses and ranges, 403", "[filters][ip_rules]") {
  auto f = rules({.blocked = {"192.168.1.5", "10.0.0.0/8", "172.16.0.10-172.16.0.20", "fd00::/8",
                              "198.51.100.0/255.255.255.0"}});
  CHECK(f->phase() == Phase::Edge);
  CHECK_FALSE(admits(f, "192.168.1.5"));
  CHECK(admits(f, "192.168.1.6"));
  CHECK_FALSE(admits(f, "10.255.0.1"));
  CHECK(admits(f, "11.0.0.1"));
  CHECK_FALSE(admits(f, "172.16.0.10"));
  CHECK_FALSE(admits(f, "172.16.0.20"));
  CHECK(admits(f, "172.16.0.21"));
  CHECK(admits(f, "172.16.0.9"));
  CHECK_FALSE(admits(f, "fd12:3456::1"));
  CHECK(admits(f, "fe80::1"));
  CHECK_FALSE(admits(f, "198.51.100.77"));
  CHECK(admits(f, "198.51.101.1"));
  CHECK_FALSE(admits(f, "::ffff:10.1.2.3"));  // an IPv4-mapped IPv6 address is the IPv4 address
}

TEST_CASE("ip rules: a non-empty allow list lets only its addresses in", "[filters][ip_rules]") {
  auto f = rules({.allowed = {"127.0.0.1", "10.1.0.0/16", "::1"}});
  CHECK(admits(f, "127.0.0.1"));
  CHECK(admits(f, "10.1.200.3"));
  CHECK(admits(f, "::1"));
  CHECK_FALSE(admits(f, "10.2.0.1"));
  CHECK_FALSE(admits(f, "2001:db8::1"));
  CHECK_FALSE(admits(f, "not-an-address"));  // cannot be checked: refused
}

TEST_CASE("ip rules: ExcludeAllowedFromBlocked lets an address on both lists in", "[filters][ip_rules]") {
  filters::IpRulesConfig cfg{.allowed = {"10.0.0.5"}, .blocked = {"10.0.0.0/24"}};
  SECTION("default: the block list wins") {
    auto f = rules(cfg);
    CHECK_FALSE(admits(f, "10.0.0.5"));
    CHECK_FALSE(admits(f, "10.0.0.6"));
  }
  SECTION("excluded") {
    cfg.exclude_allowed_from_blocked = true;
    auto f = rules(cfg);
    CHECK(admits(f, "10.0.0.5"));
    CHECK_FALSE(admits(f, "10.0.0.6"));  // blocked, and off the allow list anyway
  }
}

TEST_CASE("ip rules: invalid entries and statuses are refused", "[filters][ip_rules]") {
  for (const char* bad : {"10.0.0.256", "10.0.0.0/33", "10.0.0.9-10.0.0.1", "10.0.0.1-::1", "10.0.0.0/255.0.255.0",
                          "", "example.com", "fd00::/129"}) {
    INFO(bad);
    auto f = filters::make_ip_rules({.blocked = {"10.0.0.1", bad}});
    REQUIRE_FALSE(f);
    CHECK(f.error().code == Errc::InvalidConfig);
    CHECK(f.error().where == "blocked[1]");
  }
  CHECK_FALSE(filters::make_ip_rules({.status = 302}));
  auto teapot = filters::make_ip_rules({.blocked = {"10.0.0.1"}, .status = 401});
  REQUIRE(teapot);
  FilterHarness h(*teapot);
  h.request("GET", "/").client_address("10.0.0.1");
  auto out = h.run_request();
  REQUIRE(out.responded());
  CHECK(out.response->status == 401);
}

TEST_CASE("SecurityOptions: route lists make the route's IP rules; errors name the entry", "[filters][ip_rules][ocelot]") {
  auto c = load_ok(one_route(R"("SecurityOptions": {"IPAllowedList": ["10.0.0.0/8"], "IPBlockedList": ["10.0.0.9"]})"));
  CHECK(c.warnings.empty());
  REQUIRE(c.config.routes()[0].filters().size() == 1);
  auto f = c.config.routes()[0].filters()[0];
  CHECK(f->name() == "ip-rules");
  CHECK(admits(f, "10.0.0.1"));
  CHECK_FALSE(admits(f, "10.0.0.9"));
  CHECK_FALSE(admits(f, "192.0.2.1"));

  auto e = load_error(one_route(R"("SecurityOptions": {"IPBlockedList": ["10.0.0.1", "10.0.0.x"]})"));
  CHECK(e.code == Errc::InvalidConfig);
  CHECK(e.where == "Routes[0].SecurityOptions.IPBlockedList[1]");
  auto t = load_error(one_route(R"("SecurityOptions": {"IPAllowedList": "10.0.0.1"})"));
  CHECK(t.where == "Routes[0].SecurityOptions.IPAllowedList");
}

TEST_CASE("SecurityOptions: empty lists add nothing; GlobalConfiguration's apply to routes without their own",
          "[filters][ip_rules][ocelot]") {
  auto empty = load_ok(one_route(R"("SecurityOptions": {"IPAllowedList": [], "IPBlockedList": []})"));
  CHECK(empty.warnings.empty());
  CHECK(empty.config.routes()[0].filters().empty());

  auto c = load_ok(routes({route_at("/a"), route_at("/b", R"("SecurityOptions": {"IPBlockedList": ["10.0.0.2"]})")},
                          R"("GlobalConfiguration": {"SecurityOptions": {"IPBlockedList": ["10.0.0.1"],
                                                     "ExcludeAllowedFromBlocked": false}})"));
  CHECK(c.warnings.empty());
  REQUIRE(c.config.routes()[0].filters().size() == 1);
  REQUIRE(c.config.routes()[1].filters().size() == 1);
  CHECK_FALSE(admits(c.config.routes()[0].filters()[0], "10.0.0.1"));  // inherited
  CHECK(admits(c.config.routes()[0].filters()[0], "10.0.0.2"));
  CHECK(admits(c.config.routes()[1].filters()[0], "10.0.0.1"));  // the route's section replaces the global one
  CHECK_FALSE(admits(c.config.routes()[1].filters()[0], "10.0.0.2"));

  // A route section with empty lists only (as templates have) inherits the global section whole.
  auto t = load_ok(routes({route_at("/a", R"("SecurityOptions": {"IPAllowedList": [], "ExcludeAllowedFromBlocked": true})")},
                          R"("GlobalConfiguration": {"SecurityOptions": {"IPAllowedList": ["10.0.0.1"],
                                                     "IPBlockedList": ["10.0.0.0/24"]}})"));
  CHECK(t.warnings.empty());
  REQUIRE(t.config.routes()[0].filters().size() == 1);
  CHECK_FALSE(admits(t.config.routes()[0].filters()[0], "10.0.0.1"));  // the global ExcludeAllowedFromBlocked (false)
  CHECK_FALSE(admits(t.config.routes()[0].filters()[0], "192.0.2.1"));
}

TEST_CASE("ip rules from the registry: IpRules", "[filters][ip_rules]") {
  FilterRegistry registry;
  filters::register_builtin_filters(registry);
  auto doc = config::JsonDocument::parse(R"({"Allowed": ["::1"], "Status": 401})");
  REQUIRE(doc);
  auto f = registry.create("IpRules", doc->root());
  REQUIRE(f);
  CHECK((*f)->name() == "ip-rules");
  auto bad = config::JsonDocument::parse(R"({"Allowed": ["::1"], "Allow": []})");
  REQUIRE(bad);
  auto e = registry.create("IpRules", bad->root());
  REQUIRE_FALSE(e);
  CHECK(e.error().where == "Allow");
}
