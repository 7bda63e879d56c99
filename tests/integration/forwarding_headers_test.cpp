// Client-controlled values in forwarding headers: the client's Host (or absolute-form authority)
// reaches the upstream as X-Forwarded-Host/-Port or Forwarded's host= only when configured, and a
// client's X-Real-IP is never believed unless the peer is a trusted proxy.
#include <catch2/catch.hpp>

#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

/// Sends one request through a gateway built from `cfg` and returns what the upstream received.
Received forward_once(ScriptedUpstream& up, Config cfg, const std::string& request) {
  GatewayRunner gw(std::move(cfg));
  RawClient c(gw.port());
  c.send(request);
  REQUIRE(status_of(c.read_response()) == 200);
  REQUIRE(up.wait_for_requests(1));
  return up.received().back();
}

Config with_route(std::uint16_t port, Route route, ServerOptions options = {}) {
  Config c;
  c.add(Upstream("svc").endpoint("127.0.0.1", port));
  c.add(std::move(route.to("svc")));
  c.options(std::move(options));
  return c;
}

const std::string kPoisoned = "GET /reset HTTP/1.1\r\nHost: evil.example:8443\r\n\r\n";

}  // namespace

TEST_CASE("forwarding: a client's Host is not echoed by default", "[integration][forwarding]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  SECTION("Host header") {
    auto rec = forward_once(up, with_route(up.port(), Route("r").path("/{all}")), kPoisoned);
    CHECK(rec.header("Host") == "127.0.0.1:" + std::to_string(up.port()));
    CHECK(rec.header("X-Forwarded-Host").empty());
    CHECK(rec.header("X-Forwarded-Port").empty());
    CHECK(rec.header("Forwarded") == "for=127.0.0.1;proto=http");
    CHECK(rec.raw().find("evil.example") == std::string::npos);
  }
  SECTION("absolute-form authority") {
    auto rec = forward_once(up, with_route(up.port(), Route("r").path("/{all}")),
                            "GET http://evil.example/reset HTTP/1.1\r\nHost: evil.example\r\n\r\n");
    CHECK(rec.request_line() == "GET /reset HTTP/1.1");
    CHECK(rec.raw().find("evil.example") == std::string::npos);
  }
  SECTION("a client's own X-Forwarded-Host is dropped") {
    auto rec = forward_once(up, with_route(up.port(), Route("r").path("/{all}")),
                            "GET /a HTTP/1.1\r\nHost: h\r\nX-Forwarded-Host: evil.example\r\n"
                            "X-Forwarded-Port: 1\r\nForwarded: host=evil.example\r\n\r\n");
    CHECK(rec.raw().find("evil.example") == std::string::npos);
    CHECK(rec.header("X-Forwarded-Port").empty());
  }
}

TEST_CASE("forwarding: the client's Host is echoed when asked for", "[integration][forwarding]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  Received rec;
  SECTION("ServerOptions::forward_client_host") {
    ServerOptions o;
    o.forward_client_host = true;
    rec = forward_once(up, with_route(up.port(), Route("r").path("/{all}"), o), kPoisoned);
  }
  SECTION("Route::forward_client_host") {
    rec = forward_once(up, with_route(up.port(), Route("r").path("/{all}").forward_client_host()), kPoisoned);
  }
  SECTION("a route matching on the host (the Host was checked)") {
    rec = forward_once(up, with_route(up.port(), Route("r").path("/{all}").host("*.example")), kPoisoned);
  }
  CHECK(rec.header("X-Forwarded-Host") == "evil.example:8443");
  CHECK(rec.header("X-Forwarded-Port") == "8443");
  CHECK(rec.header("Forwarded") == "for=127.0.0.1;host=\"evil.example:8443\";proto=http");
}

TEST_CASE("forwarding: X-Real-IP is never the client's own claim", "[integration][forwarding]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  const std::string spoofed = "GET /a HTTP/1.1\r\nHost: h\r\nX-Real-IP: 6.6.6.6\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n";
  SECTION("untrusted peer: dropped") {
    auto rec = forward_once(up, with_route(up.port(), Route("r").path("/{all}")), spoofed);
    CHECK(rec.header("X-Real-IP").empty());
    CHECK(rec.raw().find("6.6.6.6") == std::string::npos);
  }
  SECTION("untrusted peer, set_x_real_ip: the peer") {
    ServerOptions o;
    o.set_x_real_ip = true;
    auto rec = forward_once(up, with_route(up.port(), Route("r").path("/{all}"), o), spoofed);
    CHECK(rec.header("X-Real-IP") == "127.0.0.1");
    CHECK(rec.raw().find("6.6.6.6") == std::string::npos);
  }
  SECTION("trusted peer: its X-Real-IP is forwarded as sent") {
    ServerOptions o;
    o.trusted_proxies = {"127.0.0.0/8"};
    auto rec = forward_once(up, with_route(up.port(), Route("r").path("/{all}"), o), spoofed);
    CHECK(rec.header("X-Real-IP") == "6.6.6.6");
  }
  SECTION("trusted peer, set_x_real_ip: the resolved client") {
    ServerOptions o;
    o.trusted_proxies = {"127.0.0.0/8"};
    o.set_x_real_ip = true;
    auto rec = forward_once(up, with_route(up.port(), Route("r").path("/{all}"), o), spoofed);
    CHECK(rec.header("X-Real-IP") == "203.0.113.7");
    CHECK(rec.raw().find("6.6.6.6") == std::string::npos);
  }
}
