// SecurityOptions through real sockets: an ocelot.json with allow and block lists is loaded and
// served; the address checked is the TCP peer's, or the one a trusted proxy forwarded, never one a
// client sends on its own.
#include <catch2/catch.hpp>

#include "portico/config/ocelot.hpp"
#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

std::string route(const std::string& prefix, std::uint16_t up, const std::string& extra) {
  std::string s = R"({"UpstreamPathTemplate": ")" + prefix + R"(/{all}", "DownstreamPathTemplate": "/{all}",
      "DownstreamHostAndPorts": [{"Host": "127.0.0.1", "Port": )" + std::to_string(up) + "}]";
  if (!extra.empty()) s += ", " + extra;
  return s + "}";
}

int status_for(std::uint16_t port, const std::string& target, const std::string& headers = {}) {
  RawClient c(port);
  REQUIRE(c.send("GET " + target + " HTTP/1.1\r\nHost: gw\r\n" + headers + "Connection: close\r\n\r\n"));
  return status_of(c.read_until_close());
}

Config load(const std::string& json) {
  auto loaded = config::load_ocelot(json);
  INFO((loaded ? std::string() : loaded.error().to_string()));
  REQUIRE(loaded);
  CHECK(loaded->warnings.empty());
  return std::move(loaded->config);
}

}  // namespace

TEST_CASE("SecurityOptions: allow and block lists on routes and globally, through real sockets",
          "[integration][ip_rules]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.request_line()); });
  const std::string json = R"({"Routes": [)" +
                           route("/office", up.port(), R"("SecurityOptions": {"IPAllowedList": ["127.0.0.0/8"]})") + ", " +
                           route("/partners", up.port(), R"("SecurityOptions": {"IPAllowedList": ["10.9.0.0/16"]})") +
                           ", " + route("/shop", up.port(), "") + ", " +
                           route("/both", up.port(), R"("SecurityOptions": {"IPAllowedList": ["127.0.0.1"],
                                  "IPBlockedList": ["127.0.0.0/8"], "ExcludeAllowedFromBlocked": true})") +
                           R"(], "GlobalConfiguration": {"SecurityOptions": {"IPBlockedList": ["127.0.0.1"]}}})";
  GatewayRunner gw(load(json));
  CHECK(status_for(gw.port(), "/office/x") == 200);    // its own allow list replaces the global block list
  CHECK(status_for(gw.port(), "/partners/x") == 403);  // 127.0.0.1 is off its allow list
  CHECK(status_for(gw.port(), "/shop/x") == 403);      // the global block list
  CHECK(status_for(gw.port(), "/both/x") == 200);      // allowed wins over blocked
  // A client's own X-Forwarded-For does not change the address checked (no trusted proxies).
  CHECK(status_for(gw.port(), "/partners/x", "X-Forwarded-For: 10.9.1.1\r\n") == 403);
  REQUIRE(up.wait_for_requests(2));
  CHECK(up.received().size() == 2);  // refused requests never reached the upstream
}

TEST_CASE("SecurityOptions: behind a trusted proxy the forwarded client address is checked",
          "[integration][ip_rules]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  const std::string json = R"({"Routes": [)" +
                           route("/partners", up.port(), R"("SecurityOptions": {"IPAllowedList": ["10.9.0.0/16"],
                                  "IPBlockedList": ["10.9.0.66"]})") +
                           R"(], "GlobalConfiguration": {"ServerOptions": {"TrustedProxies": ["127.0.0.1"]}}})";
  GatewayRunner gw(load(json));
  CHECK(status_for(gw.port(), "/partners/x", "X-Forwarded-For: 10.9.1.1\r\n") == 200);
  CHECK(status_for(gw.port(), "/partners/x", "X-Forwarded-For: 10.9.0.66\r\n") == 403);
  CHECK(status_for(gw.port(), "/partners/x", "X-Forwarded-For: 192.0.2.7\r\n") == 403);
  CHECK(status_for(gw.port(), "/partners/x") == 403);  // the proxy itself is not on the list
}
