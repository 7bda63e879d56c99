// TLS on both sides with certificates generated for the test: termination with SNI, upstream
// verification (on by default), custom CA, host-name checks, the explicit opt-out, and mTLS.
#include <httplib.h>
#include <openssl/ssl.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <catch2/catch.hpp>

#include "support/certs.hpp"
#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

struct TlsReply {
  std::string response;
  std::string peer_cn;
  std::string alpn;
  bool handshake_ok = false;
};

/// A one-shot HTTPS client (blocking Asio): verifies against `ca`, sends `request`, reads to EOF.
TlsReply tls_request(std::uint16_t port, const std::string& ca, const std::string& sni, const std::string& request) {
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(ca);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  static const unsigned char alpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx.native_handle(), alpn, sizeof alpn);
  asio::ssl::stream<asio::ip::tcp::socket> s(io, ctx);
  SSL_set_tlsext_host_name(s.native_handle(), sni.c_str());
  s.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  TlsReply out;
  std::error_code ec;
  s.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return out;
  out.handshake_ok = true;
  if (X509* cert = SSL_get1_peer_certificate(s.native_handle())) {
    char cn[256] = {0};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    out.peer_cn = cn;
    X509_free(cert);
  }
  const unsigned char* proto = nullptr;
  unsigned int proto_len = 0;
  SSL_get0_alpn_selected(s.native_handle(), &proto, &proto_len);
  out.alpn.assign(reinterpret_cast<const char*>(proto), proto_len);
  asio::write(s, asio::buffer(request), ec);
  char buf[4096];
  for (;;) {
    auto n = s.read_some(asio::buffer(buf), ec);
    out.response.append(buf, n);
    if (ec) break;
  }
  return out;
}

/// An HTTPS upstream on cpp-httplib (optionally demanding a client certificate).
class TlsUpstream {
 public:
  TlsUpstream(const TestCerts& certs, const std::string& name, bool require_client_cert)
      : server_(certs.server_cert(name).c_str(), certs.server_key(name).c_str(),
                require_client_cert ? certs.ca_cert().c_str() : nullptr) {
    server_.Get("/.*", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("secure " + req.path, "text/plain");
    });
    port_ = static_cast<std::uint16_t>(server_.bind_to_any_port("127.0.0.1"));
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~TlsUpstream() {
    server_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  httplib::SSLServer server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace

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
