// End-to-end through real sockets: client → Portico → a raw scripted upstream.
#include <catch2/catch.hpp>

#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

Config config_to(std::uint16_t upstream_port, Route route) {
  Config c;
  c.add(Upstream("svc").endpoint("127.0.0.1", upstream_port));
  c.add(std::move(route.to("svc")));
  return c;
}

}  // namespace

TEST_CASE("a GET is proxied with rewrite, forwarding headers and hop-by-hop removal", "[integration][proxy]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("hello", "X-Up: 1\r\nConnection: X-Up\r\n"); });
  GatewayRunner gw(config_to(up.port(), Route("r").get("/api/users/{id}").rewrite("/users/{id}")));
  RawClient c(gw.port());
  REQUIRE(c.send("GET /api/users/42?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Custom: a%0d%0ab\r\n"
                 "Connection: keep-alive, X-Drop\r\nX-Drop: secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n\r\n"));
  auto res = c.read_response();
  CHECK(status_of(res) == 200);
  CHECK(body_of(res) == "hello");
  CHECK(header_of(res, "X-Up").empty());  // named by the upstream's Connection: hop-by-hop
  REQUIRE(up.wait_for_requests(1));
  auto rec = up.received()[0];
  CHECK(rec.request_line() == "GET /users/42?x=1 HTTP/1.1");
  CHECK(rec.header("Host") == "127.0.0.1:" + std::to_string(up.port()));
  CHECK(rec.header("X-Custom") == "a%0d%0ab");  // bytes forwarded exactly, never decoded
  CHECK(rec.header("X-Drop").empty());
  CHECK(rec.header("Keep-Alive").empty());
  CHECK(rec.header("TE").empty());
  CHECK(rec.header("Connection").empty());
  CHECK(rec.header("X-Forwarded-For") == "127.0.0.1");
  CHECK(rec.header("X-Forwarded-Proto") == "http");
  CHECK(rec.header("X-Forwarded-Host").empty());  // the client's Host is echoed only when asked
  CHECK(rec.header("X-Forwarded-Port").empty());
  CHECK(rec.header("Forwarded") == "for=127.0.0.1;proto=http");
  CHECK(rec.header("Via") == "1.1 portico");
  CHECK(rec.header("X-Request-Id").size() == 16);
}

TEST_CASE("client-sent forwarding headers are replaced unless the peer is a trusted proxy", "[integration][proxy]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  SECTION("untrusted peer") {
    GatewayRunner gw(config_to(up.port(), Route("r").path("/{all}")));
    RawClient c(gw.port());
    c.send("GET /a HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n"
           "Forwarded: for=6.6.6.6\r\n\r\n");
    CHECK(status_of(c.read_response()) == 200);
    REQUIRE(up.wait_for_requests(1));
    auto rec = up.received()[0];
    CHECK(rec.header("X-Forwarded-For") == "127.0.0.1");
    CHECK(rec.header("X-Forwarded-Proto") == "http");
    CHECK(rec.header("Forwarded") == "for=127.0.0.1;proto=http");
  }
  SECTION("trusted peer extends the chain") {
    auto cfg = config_to(up.port(), Route("r").path("/{all}"));
    cfg.server_options().trusted_proxies = {"127.0.0.0/8"};
    GatewayRunner gw(std::move(cfg));
    RawClient c(gw.port());
    c.send("GET /a HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n\r\n");
    CHECK(status_of(c.read_response()) == 200);
    REQUIRE(up.wait_for_requests(1));
    auto rec = up.received()[0];
    CHECK(rec.header("X-Forwarded-For") == "203.0.113.7, 127.0.0.1");
    CHECK(rec.header("X-Forwarded-Proto") == "https");
  }
}

TEST_CASE("keep-alive reuses both the client and the upstream connection", "[integration][proxy]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.request_line()); });
  GatewayRunner gw(config_to(up.port(), Route("r").path("/{all}")));
  RawClient c(gw.port());
  for (int i = 0; i < 5; ++i) {
    REQUIRE(c.send("GET /n" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n"));
    auto res = c.read_response();
    CHECK(status_of(res) == 200);
    CHECK(body_of(res) == "GET /n" + std::to_string(i) + " HTTP/1.1");
  }
  CHECK(up.connections() == 1);
}

TEST_CASE("pipelined requests are answered in order with no byte lost", "[integration][proxy]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.request_line() + "|" + r.body); });
  GatewayRunner gw(config_to(up.port(), Route("r").path("/{all}")));
  RawClient c(gw.port());
  std::string batch;
  for (int i = 0; i < 10; ++i) {
    if (i % 3 == 0)
      batch += "POST /p" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nab" + std::to_string(i);
    else
      batch += "GET /g" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  }
  batch += "GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  REQUIRE(c.send(batch));
  auto all = c.read_until_close();
  CHECK(count_responses(all) == 11);
  std::size_t pos = 0;
  for (int i = 0; i < 10; ++i) {
    std::string expect = i % 3 == 0 ? "POST /p" + std::to_string(i) + " HTTP/1.1|ab" + std::to_string(i)
                                    : "GET /g" + std::to_string(i) + " HTTP/1.1|";
    auto at = all.find(expect, pos);
    INFO("response " << i);
    REQUIRE(at != std::string::npos);
    pos = at;
  }
  CHECK(all.find("GET /last HTTP/1.1|", pos) != std::string::npos);
}

TEST_CASE("no route gives 404 problem+json and the connection stays usable", "[integration][proxy]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  GatewayRunner gw(config_to(up.port(), Route("r").get("/only")));
  RawClient c(gw.port());
  c.send("GET /nope HTTP/1.1\r\nHost: h\r\n\r\n");
  auto res = c.read_response();
  CHECK(status_of(res) == 404);
  CHECK(header_of(res, "Content-Type") == "application/problem+json");
  CHECK(body_of(res).find("\"status\":404") != std::string::npos);
  c.send("GET /only HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(c.read_response()) == 200);
  CHECK(up.received().size() == 1);
}

TEST_CASE("HTTP/1.0 clients get close-delimited or keep-alive answers as they ask", "[integration][proxy]") {
  ScriptedUpstream up([](const Received&) {
    ScriptedUpstream::Reply r;
    r.bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    return r;
  });
  GatewayRunner gw(config_to(up.port(), Route("r").path("/{all}")));
  SECTION("1.0 without keep-alive: body until close") {
    RawClient c(gw.port());
    c.send("GET /a HTTP/1.0\r\n\r\n");
    auto all = c.read_until_close();
    CHECK(status_of(all) == 200);
    CHECK(header_of(all, "Transfer-Encoding").empty());
    CHECK(all.substr(all.find("\r\n\r\n") + 4) == "hello");
  }
  SECTION("1.1 gets chunked") {
    RawClient c(gw.port());
    c.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
    auto res = c.read_response();
    CHECK(header_of(res, "Transfer-Encoding") == "chunked");
    CHECK(body_of(res) == "hello");
  }
}

TEST_CASE("HEAD, 204 and 304 responses carry no body", "[integration][proxy]") {
  ScriptedUpstream up([](const Received& r) {
    ScriptedUpstream::Reply reply;
    if (r.request_line().rfind("HEAD", 0) == 0)
      reply.bytes = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";
    else if (r.request_line().find("/204") != std::string::npos)
      reply.bytes = "HTTP/1.1 204 No Content\r\n\r\n";
    else
      reply.bytes = "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n";
    return reply;
  });
  GatewayRunner gw(config_to(up.port(), Route("r").path("/{all}")));
  RawClient c(gw.port());
  c.send("HEAD /a HTTP/1.1\r\nHost: h\r\n\r\n");
  auto head = c.read_response(5000ms, true);
  CHECK(status_of(head) == 200);
  CHECK(header_of(head, "Content-Length") == "1234");
  c.send("GET /204 HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(c.read_response()) == 204);
  c.send("GET /304 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  auto last = c.read_until_close();
  CHECK(status_of(last) == 304);
  CHECK(last.substr(last.find("\r\n\r\n") + 4).empty());
}

TEST_CASE("Expect: 100-continue gets an interim 100 before the body is forwarded", "[integration][proxy]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok("got " + std::to_string(r.body.size())); });
  GatewayRunner gw(config_to(up.port(), Route("r").path("/{all}")));
  RawClient c(gw.port());
  c.send("PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.read_response();
  CHECK(status_of(interim) == 100);
  c.send("12345");
  auto res = c.read_response();
  CHECK(status_of(res) == 200);
  CHECK(body_of(res) == "got 5");
  REQUIRE(up.wait_for_requests(1));
  CHECK(up.received()[0].header("Expect").empty());
}
