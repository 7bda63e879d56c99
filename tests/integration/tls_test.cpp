// TLS on both sides with certificates generated for the test: termination with SNI, upstream
// verification (on by default), custom CA, host-name checks, the explicit opt-out, and mTLS.
#include <httplib.h>
#include <openssl/ssl.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <catch2/catch.hpp>

#include "support/certs.hpp"
#include "support/tls_upstream.hpp"
#include "support/tls_client.hpp"
#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

TEST_CASE("TLS termination serves HTTP/1.1 with ALPN and picks the certificate by SNI", "[integration][tls]") {
  TestCerts certs;
  certs.make_server("a.test");
  certs.make_server("b.test");
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.header("X-Forwarded-Proto")); });
  Config cfg;
  cfg.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  cfg.add(Route("all").path("/{all}").to("svc"));
  ListenOptions listen{"127.0.0.1", 0,
                       {{certs.server_cert("a.test"), certs.server_key("a.test"), {"a.test"}},
                        {certs.server_cert("b.test"), certs.server_key("b.test"), {"b.test"}}}};
  GatewayRunner gw(std::move(cfg), 1, listen);

  auto a = tls_request(gw.port(), certs.ca_cert(), "a.test", "GET /x HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n");
  REQUIRE(a.handshake_ok);
  CHECK(a.peer_cn == "a.test");
  CHECK(a.alpn == "http/1.1");
  CHECK(status_of(a.response) == 200);
  CHECK(body_of(a.response) == "https");

  auto b = tls_request(gw.port(), certs.ca_cert(), "b.test", "GET /x HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n");
  REQUIRE(b.handshake_ok);
  CHECK(b.peer_cn == "b.test");
  CHECK(status_of(b.response) == 200);
}

TEST_CASE("a plain-text client on a TLS listener is dropped without harming others", "[integration][tls]") {
  TestCerts certs;
  certs.make_server("a.test");
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  Config cfg;
  cfg.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  cfg.add(Route("all").path("/{all}").to("svc"));
  GatewayRunner gw(std::move(cfg), 1, {"127.0.0.1", 0, {{certs.server_cert("a.test"), certs.server_key("a.test"), {}}}});
  RawClient plain(gw.port());
  plain.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(plain.read_until_close()) == 0);
  auto ok = tls_request(gw.port(), certs.ca_cert(), "a.test", "GET /y HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  CHECK(status_of(ok.response) == 200);
}

TEST_CASE("upstream TLS verifies the certificate and host name by default", "[integration][tls]") {
  TestCerts certs;
  certs.make_server("upstream.test");
  TlsUpstream up(certs, "upstream.test", false);

  auto run = [&](UpstreamTls tls, std::string host = "127.0.0.1") {
    Config cfg;
    cfg.add(Upstream("svc").endpoint(Endpoint{host, up.port(), 1, "https"}).tls(tls));
    cfg.add(Route("all").path("/{all}").to("svc"));
    GatewayRunner gw(std::move(cfg));
    RawClient c(gw.port());
    c.send("GET /hello HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    return c.read_until_close();
  };

  SECTION("trusted CA and matching IP SAN: 200") {
    auto res = run(UpstreamTls{.ca_file = certs.ca_cert()});
    CHECK(status_of(res) == 200);
    CHECK(body_of(res) == "secure /hello");
  }
  SECTION("system store does not know the test CA: 502") { CHECK(status_of(run(UpstreamTls{})) == 502); }
  SECTION("wrong expected name: 502") {
    CHECK(status_of(run(UpstreamTls{.ca_file = certs.ca_cert(), .server_name = "other.test"})) == 502);
  }
  SECTION("expected name matches the DNS SAN: 200") {
    CHECK(status_of(run(UpstreamTls{.ca_file = certs.ca_cert(), .server_name = "upstream.test"})) == 200);
  }
  SECTION("explicit opt-out accepts any certificate") {
    CHECK(status_of(run(UpstreamTls{.verify = false})) == 200);
  }
}

TEST_CASE("upstream mTLS presents the client certificate", "[integration][tls]") {
  TestCerts certs;
  certs.make_server("mtls.test");
  TlsUpstream up(certs, "mtls.test", true);
  auto run = [&](UpstreamTls tls) {
    Config cfg;
    cfg.add(Upstream("svc").endpoint(Endpoint{"127.0.0.1", up.port(), 1, "https"}).tls(tls));
    cfg.add(Route("all").path("/{all}").to("svc"));
    GatewayRunner gw(std::move(cfg));
    RawClient c(gw.port());
    c.send("GET /m HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    return status_of(c.read_until_close());
  };
  CHECK(run(UpstreamTls{.ca_file = certs.ca_cert()}) == 502);
  CHECK(run(UpstreamTls{.ca_file = certs.ca_cert(), .client_cert_file = certs.client_cert(),
                        .client_key_file = certs.client_key()}) == 200);
}

TEST_CASE("reload_certificates serves new connections with the new certificate", "[integration][tls]") {
  TestCerts certs;
  certs.make_server("a.test");
  certs.make_server("b.test");
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  Config cfg;
  cfg.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  cfg.add(Route("all").path("/{all}").to("svc"));
  GatewayRunner gw(std::move(cfg), 1, {"127.0.0.1", 0, {{certs.server_cert("a.test"), certs.server_key("a.test"), {}}}});
  const std::string get = "GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  CHECK(tls_request(gw.port(), certs.ca_cert(), "any.test", get).peer_cn == "a.test");

  // A key that does not match its certificate: refused, the old certificate stays.
  auto bad = gw.gateway().reload_certificates({{certs.server_cert("b.test"), certs.server_key("a.test"), {}}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().where == "listen.tls[0].key_file");
  CHECK(tls_request(gw.port(), certs.ca_cert(), "any.test", get).peer_cn == "a.test");
  CHECK_FALSE(gw.gateway().reload_certificates({{certs.dir() + "/missing.pem", certs.server_key("a.test"), {}}}));

  REQUIRE(gw.gateway().reload_certificates({{certs.server_cert("b.test"), certs.server_key("b.test"), {}},
                                            {certs.server_cert("a.test"), certs.server_key("a.test"), {"a.test"}}}));
  auto b = tls_request(gw.port(), certs.ca_cert(), "any.test", get);
  CHECK(b.peer_cn == "b.test");
  CHECK(status_of(b.response) == 200);
  CHECK(tls_request(gw.port(), certs.ca_cert(), "a.test", get).peer_cn == "a.test");  // by SNI

  // A plain listener has no certificates to reload.
  GatewayRunner plain(catch_all_config(up.port()));
  auto e = plain.gateway().reload_certificates({{certs.server_cert("b.test"), certs.server_key("b.test"), {}}});
  REQUIRE_FALSE(e);
  CHECK(e.error().code == Errc::InvalidArgument);
  CHECK(check_certificates({{certs.server_cert("b.test"), certs.server_key("b.test"), {}}}));
  CHECK_FALSE(check_certificates({{certs.server_cert("b.test"), certs.server_key("a.test"), {}}}));
}
