// Routes loaded from ocelot.json with DownstreamScheme ws/wss: until WebSocket proxying exists, a
// request asking for an upgrade gets 501 (nothing reaches the upstream); plain requests are proxied.

#include <catch2/catch.hpp>

#include "portico/config/ocelot.hpp"
#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

Config load(const std::string& json) {
  auto r = config::load_ocelot(json);
  if (!r) FAIL(r.error().to_string());
  return std::move(r->config);
}

const char* kUpgrade =
    "GET /chat/room HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

}  // namespace

TEST_CASE("a ws route answers 501 to an upgrade request and proxies plain requests", "[integration][ocelot]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok("plain " + r.request_line()); });
  const std::string port = std::to_string(up.port());
  GatewayRunner gw(load(R"({ "Routes": [
      { "UpstreamPathTemplate": "/chat/{x}", "DownstreamPathTemplate": "/ws/{x}", "DownstreamScheme": "ws",
        "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": )" + port + R"( } ] },
      { "UpstreamPathTemplate": "/api/{x}", "DownstreamPathTemplate": "/{x}", "DownstreamScheme": "http",
        "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": )" + port + R"( } ] } ] })"));

  RawClient c(gw.port());
  c.send(kUpgrade);
  auto refused = c.read_response();
  CHECK(status_of(refused) == 501);
  CHECK(header_of(refused, "Content-Type") == "application/problem+json");
  CHECK_THAT(body_of(refused), Catch::Contains("WebSocket proxying is not implemented yet"));
  CHECK(up.received().empty());

  // The same connection goes on: a plain request on the ws route is proxied over http.
  c.send("GET /chat/room HTTP/1.1\r\nHost: h\r\n\r\n");
  auto plain = c.read_response();
  CHECK(status_of(plain) == 200);
  CHECK(body_of(plain) == "plain GET /ws/room HTTP/1.1");

  // An http route is unchanged: Upgrade is a hop-by-hop field, dropped, and the request proxied.
  RawClient h(gw.port());
  h.send("GET /api/room HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
  auto proxied = h.read_response();
  CHECK(status_of(proxied) == 200);
  REQUIRE(up.wait_for_requests(2));
  CHECK(up.received()[1].header("Upgrade").empty());
}
