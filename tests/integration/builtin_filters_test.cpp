// Built-in filters loaded from ocelot.json, end to end through real sockets: header transforms,
// request ids and header-routing placeholders (Ocelot's documented behaviour), and a response
// header transform on a 50 MB streamed body.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "portico/config/ocelot.hpp"
#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

Config load(const std::string& json) {
  auto loaded = config::load_ocelot(json);
  if (!loaded) FAIL("load_ocelot: " << loaded.error().to_string());
  return std::move(loaded->config);
}

std::string route_to(std::uint16_t port, std::string_view extra, std::string_view upstream_path = "/{everything}",
                     std::string_view downstream_path = "/{everything}") {
  return R"({"DownstreamPathTemplate": ")" + std::string(downstream_path) +
         R"(", "DownstreamScheme": "http", "DownstreamHostAndPorts": [{"Host": "127.0.0.1", "Port": )" +
         std::to_string(port) + R"(}], "UpstreamPathTemplate": ")" + std::string(upstream_path) +
         R"(", "UpstreamHttpMethod": ["Get"])" + (extra.empty() ? "" : ", " + std::string(extra)) + "}";
}

}  // namespace

TEST_CASE("UpstreamHeaderTransform find-and-replace and placeholders reach the upstream", "[integration][filters]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  GatewayRunner gw(load(R"({"Routes": [)" +
                        route_to(up.port(), R"("UpstreamHeaderTransform": {
                            "Test": "http://www.bbc.co.uk/, http://ocelot.com/",
                            "X-Forwarded-For": "{RemoteIpAddress}",
                            "X-Client-Host": "{UpstreamHost}",
                            "X-Tenant": "tenant-{everything}"})") +
                        "]}"));
  RawClient c(gw.port());
  REQUIRE(c.send("GET /acme HTTP/1.1\r\nHost: api.example.com\r\nTest: http://www.bbc.co.uk/\r\n"
                 "X-Forwarded-For: 6.6.6.6\r\n\r\n"));
  CHECK(status_of(c.read_response()) == 200);
  REQUIRE(up.wait_for_requests(1));
  auto rec = up.received()[0];
  CHECK(rec.header("Test") == "http://ocelot.com/");
  CHECK(rec.header("X-Forwarded-For") == "127.0.0.1");
  CHECK(rec.header("X-Client-Host") == "api.example.com");
  CHECK(rec.header("X-Tenant") == "tenant-acme");
}

TEST_CASE("DownstreamHeaderTransform: a redirect's Location goes back to the gateway; adds and removals",
          "[integration][filters]") {
  std::atomic<std::uint16_t> self_port{0};
  ScriptedUpstream up([&self_port](const Received&) {
    return ScriptedUpstream::Reply{"HTTP/1.1 301 Moved Permanently\r\nLocation: http://127.0.0.1:" +
                                   std::to_string(self_port.load()) +
                                   "/home?next=%2Fa\r\nX-Powered-By: Kestrel\r\nContent-Length: 0\r\n\r\n"};
  });
  self_port = up.port();
  const std::string transforms = R"("DownstreamHeaderTransform": {"Location": "{DownstreamBaseUrl}, {BaseUrl}",
                                     "X-Powered-By": "", "X-Gateway": "portico"})";
  SECTION("the configured BaseUrl") {
    GatewayRunner gw(load(R"({"Routes": [)" + route_to(up.port(), transforms) +
                          R"(], "GlobalConfiguration": {"BaseUrl": "https://api.example.com"}})"));
    RawClient c(gw.port());
    REQUIRE(c.send("GET /a HTTP/1.1\r\nHost: gw\r\n\r\n"));
    auto res = c.read_response();
    CHECK(status_of(res) == 301);
    CHECK(header_of(res, "Location") == "https://api.example.com/home?next=%2Fa");
    CHECK(header_of(res, "X-Gateway") == "portico");
    CHECK(header_of(res, "X-Powered-By").empty());
  }
  SECTION("no BaseUrl: the request's own scheme and Host") {
    GatewayRunner gw(load(R"({"Routes": [)" + route_to(up.port(), transforms) + "]}"));
    RawClient c(gw.port());
    REQUIRE(c.send("GET /a HTTP/1.1\r\nHost: gw.example.com:8080\r\n\r\n"));
    auto res = c.read_response();
    CHECK(header_of(res, "Location") == "http://gw.example.com:8080/home?next=%2Fa");
  }
}

TEST_CASE("RequestIdKey: a client id is forwarded and returned; one is made when absent", "[integration][filters]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  GatewayRunner gw(load(R"({"Routes": [)" + route_to(up.port(), R"("RequestIdKey": "Oc-RequestId")") +
                        R"(, )" + route_to(unused_port(), {}, "/down/{everything}") +
                        R"(], "GlobalConfiguration": {"RequestIdKey": "Oc-RequestId"}})"));
  RawClient c(gw.port());
  REQUIRE(c.send("GET /a HTTP/1.1\r\nHost: gw\r\nOc-RequestId: 1f0a-given\r\n\r\n"));
  auto res = c.read_response();
  CHECK(status_of(res) == 200);
  CHECK(header_of(res, "Oc-RequestId") == "1f0a-given");
  REQUIRE(up.wait_for_requests(1));
  CHECK(up.received()[0].header("Oc-RequestId") == "1f0a-given");

  REQUIRE(c.send("GET /b HTTP/1.1\r\nHost: gw\r\n\r\n"));
  auto made = c.read_response();
  const std::string id = header_of(made, "Oc-RequestId");
  CHECK(id.size() == 16);
  REQUIRE(up.wait_for_requests(2));
  CHECK(up.received()[1].header("Oc-RequestId") == id);

  // A gateway-made error carries the id in its header and its problem body.
  REQUIRE(c.send("GET /down/x HTTP/1.1\r\nHost: gw\r\nOc-RequestId: err-id-7\r\n\r\n"));
  auto failed = c.read_response();
  CHECK(status_of(failed) == 502);
  CHECK(header_of(failed, "Oc-RequestId") == "err-id-7");
  CHECK(body_of(failed).find("\"request_id\":\"err-id-7\"") != std::string::npos);
}

TEST_CASE("a {header:code} capture is usable as {code} in DownstreamPathTemplate", "[integration][filters]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.request_line()); });
  GatewayRunner gw(load(R"({"Routes": [)" +
                        route_to(up.port(), R"("UpstreamHeaderTemplates": {"Region": "{header:code}"})", "/products",
                                 "/api.internal-{code}/products") +
                        "]}"));
  RawClient c(gw.port());
  REQUIRE(c.send("GET /products HTTP/1.1\r\nHost: gw\r\nRegion: uk\r\n\r\n"));
  auto res = c.read_response();
  CHECK(status_of(res) == 200);
  CHECK(body_of(res) == "GET /api.internal-uk/products HTTP/1.1");
  REQUIRE(c.send("GET /products HTTP/1.1\r\nHost: gw\r\n\r\n"));
  CHECK(status_of(c.read_response()) == 404);  // the header template is a condition of the route
}

TEST_CASE("a response header transform on a 50 MB chunked stream: header added, body intact, memory bounded",
          "[integration][filters][stream]") {
  constexpr std::size_t kPiece = 64 * 1024;
  constexpr std::size_t kPieces = 800;  // 50 MiB
  // A streaming upstream: one connection, a chunked body written piece by piece from one buffer.
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(lfd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(lfd, 4) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::uint16_t up_port = ntohs(addr.sin_port);
  std::uint64_t sent_sum = 0;
  std::thread upstream([&] {
    int fd = ::accept(lfd, nullptr, nullptr);
    if (fd < 0) return;
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      head.append(buf, static_cast<std::size_t>(n));
    }
    std::string piece(kPiece, '\0');
    auto write_all = [&](std::string_view s) {
      while (!s.empty()) {
        auto n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        s.remove_prefix(static_cast<std::size_t>(n));
      }
      return true;
    };
    write_all("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx\r\n", kPiece);
    for (std::size_t i = 0; i < kPieces; ++i) {
      for (std::size_t k = 0; k < kPiece; ++k) piece[k] = static_cast<char>((i * 131 + k * 7) & 0xff);
      for (unsigned char ch : piece) sent_sum = sent_sum * 31 + ch;
      if (!write_all(hex) || !write_all(piece) || !write_all("\r\n")) break;
    }
    write_all("0\r\n\r\n");
    ::close(fd);
  });

  GatewayRunner gw(load(R"({"Routes": [)" +
                        route_to(up_port, R"("DownstreamHeaderTransform": {"X-Streamed-By": "portico"})") + "]}"));
  reset_peak_rss();
  const long before = peak_rss_kib();
  RawClient c(gw.port());
  // HTTP/1.0: the gateway answers close-delimited, so the client counts raw body bytes until EOF.
  REQUIRE(c.send("GET /big HTTP/1.0\r\nHost: gw\r\n\r\n"));
  std::string head;
  std::uint64_t body_bytes = 0;
  std::uint64_t got_sum = 0;
  char buf[65536];
  bool in_body = false;
  for (;;) {
    auto n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    std::string_view chunk(buf, static_cast<std::size_t>(n));
    if (!in_body) {
      head.append(chunk);
      auto end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      chunk = std::string_view(head).substr(end + 4);
      in_body = true;
      std::string body_start(chunk);
      head.resize(end + 4);
      for (unsigned char ch : body_start) got_sum = got_sum * 31 + ch;
      body_bytes += body_start.size();
      continue;
    }
    for (unsigned char ch : chunk) got_sum = got_sum * 31 + ch;
    body_bytes += chunk.size();
  }
  upstream.join();
  ::close(lfd);
  const long after = peak_rss_kib();
  CHECK(status_of(head) == 200);
  CHECK(header_of(head, "X-Streamed-By") == "portico");
  CHECK(body_bytes == kPiece * kPieces);
  CHECK(got_sum == sent_sum);
  INFO("peak RSS grew by " << (after - before) << " KiB while 50 MiB streamed");
  CHECK(after - before < 16 * 1024);
}

TEST_CASE("a filter cannot frame the upstream request: its Content-Length and Transfer-Encoding go",
          "[integration][filters][security]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  // on_upstream_request is the last word on headers; a careless one sets framing fields.
  struct Framer final : Filter {
    void on_upstream_request(Exchange&, Request& r) const override {
      r.headers.add("Content-Length", "0");
      r.headers.add("Transfer-Encoding", "chunked");
      r.headers.add("Connection", "keep-alive, X-Secret");
    }
  };
  Config c;
  c.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  c.add(Route("r").path("/{all}").filter(std::make_shared<Framer>()).to("svc"));
  GatewayRunner gw(std::move(c));
  RawClient client(gw.port());
  REQUIRE(client.send("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"));
  CHECK(status_of(client.read_response()) == 200);
  REQUIRE(up.wait_for_requests(1));
  auto rec = up.received()[0];
  CHECK(rec.header("Content-Length") == "11");
  CHECK(rec.head.find("Transfer-Encoding") == std::string::npos);
  CHECK(rec.head.find("Content-Length: 0") == std::string::npos);
  CHECK(rec.header("Connection").empty());
  CHECK(rec.body == "hello world");
}

TEST_CASE("the error renderer also renders the edge's own rejections", "[integration][errors]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  Config c = catch_all_config(up.port());
  c.error_renderer([](const ErrorInfo& info) {
    Response r = Response::text(0, "rejected: " + std::string(info.detail) + "\n");
    r.headers.add("Bad Header", "renderers cannot break framing");  // not a token: the default is used
    return r;
  });
  GatewayRunner gw(c);
  RawClient client(gw.port());
  REQUIRE(client.send("get / HTTP/1.1\r\nHost: h\r\n\r\n"));  // a lower-case method: 400 at the edge
  auto res = client.read_response();
  CHECK(status_of(res) == 400);
  CHECK(header_of(res, "Content-Type") == "application/problem+json");  // fell back
  CHECK(header_of(res, "Connection") == "close");

  Config ok = catch_all_config(up.port());
  ok.error_renderer([](const ErrorInfo& info) { return Response::text(0, "rejected: " + std::to_string(info.status)); });
  GatewayRunner gw2(ok);
  RawClient client2(gw2.port());
  REQUIRE(client2.send("get / HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto res2 = client2.read_response();
  CHECK(status_of(res2) == 400);
  CHECK(body_of(res2) == "rejected: 400");
  CHECK(header_of(res2, "Content-Length") == "13");
  CHECK(client2.closed_by_peer());
}
