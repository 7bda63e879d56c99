// The strict-edge suite: every framing and normalization rule, through a real socket. Each bad
// request must get its status, the connection must be closed, and the upstream must receive
// nothing (G1/G3 of reference/security.md).
#include <catch2/catch.hpp>

#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

struct BadCase {
  const char* name;
  std::string bytes;
  int status;
};

std::vector<BadCase> bad_cases() {
  const std::string h = "Host: h\r\n";
  return {
      {"CL and TE together (CL.TE)", "POST /a HTTP/1.1\r\n" + h + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", 400},
      {"TE and CL together (TE.CL)", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST /admin HTTP/1.1\r\n\r\n0\r\n\r\n", 400},
      {"TE xchunked", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding: xchunked\r\n\r\n", 501},
      {"TE chunked, identity", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, identity\r\n\r\n", 501},
      {"TE identity", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding: identity\r\n\r\n", 501},
      {"TE gzip, chunked", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501},
      {"TE quoted (not a token)", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding: \"chunked\"\r\n\r\n", 400},
      {"TE twice", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"TE with vertical tab", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding:\x0b" "chunked\r\n\r\n", 400},
      {"TE in HTTP/1.0", "POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"differing Content-Length", "POST /a HTTP/1.1\r\n" + h + "Content-Length: 5\r\nContent-Length: 10\r\n\r\nhello", 400},
      {"Content-Length list differing", "POST /a HTTP/1.1\r\n" + h + "Content-Length: 5, 10\r\n\r\nhello", 400},
      {"Content-Length +3", "POST /a HTTP/1.1\r\n" + h + "Content-Length: +3\r\n\r\nabc", 400},
      {"Content-Length -1", "POST /a HTTP/1.1\r\n" + h + "Content-Length: -1\r\n\r\n", 400},
      {"Content-Length 3abc", "POST /a HTTP/1.1\r\n" + h + "Content-Length: 3abc\r\n\r\nabc", 400},
      {"Content-Length 0x10", "POST /a HTTP/1.1\r\n" + h + "Content-Length: 0x10\r\n\r\n", 400},
      {"Content-Length overflow", "POST /a HTTP/1.1\r\n" + h + "Content-Length: 99999999999999999999\r\n\r\n", 400},
      {"chunk size 0x3", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n", 400},
      {"chunk size 3zz", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n3zz\r\nabc\r\n0\r\n\r\n", 400},
      {"chunk size -2", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n-2\r\nabc\r\n0\r\n\r\n", 400},
      {"chunk size overflow", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\nabc\r\n0\r\n\r\n", 400},
      {"chunk data longer than size", "POST /a HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n", 400},
      {"bare LF line end", "GET /a HTTP/1.1\nHost: h\n\n", 400},
      {"bare LF between fields", "GET /a HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", 400},
      {"bare CR in a value", "GET /a HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400},
      {"obs-fold", "GET /a HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400},
      {"space before colon", "GET /a HTTP/1.1\r\nHost: h\r\nContent-Length : 3\r\n\r\nabc", 400},
      {"leading space on a field", "GET /a HTTP/1.1\r\nHost: h\r\n Transfer-Encoding: chunked\r\n\r\n", 400},
      {"invalid name byte", "GET /a HTTP/1.1\r\nHost: h\r\nX(y): 1\r\n\r\n", 400},
      {"NUL in a value", std::string("GET /a HTTP/1.1\r\nHost: h\r\nX: a") + '\0' + "b\r\n\r\n", 400},
      {"no Host in 1.1", "GET /a HTTP/1.1\r\nX: y\r\n\r\n", 400},
      {"two Host", "GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"invalid Host", "GET /a HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
      {"asterisk-form on GET", "GET * HTTP/1.1\r\n" + h + "\r\n", 400},
      {"relative target", "GET a/b HTTP/1.1\r\n" + h + "\r\n", 400},
      {"fragment in target", "GET /a#x HTTP/1.1\r\n" + h + "\r\n", 400},
      {"HTTP/2.0 version", "GET /a HTTP/2.0\r\n" + h + "\r\n", 505},
      {"garbage version", "GET /a HTXP/1.1\r\n" + h + "\r\n", 400},
      {"two spaces in request line", "GET  /a HTTP/1.1\r\n" + h + "\r\n", 400},
      {"encoded NUL in path", "GET /a%00b HTTP/1.1\r\n" + h + "\r\n", 400},
      {"malformed percent", "GET /a%zz HTTP/1.1\r\n" + h + "\r\n", 400},
      {"encoded slash", "GET /a%2fb HTTP/1.1\r\n" + h + "\r\n", 400},
      {"encoded backslash", "GET /a%5cb HTTP/1.1\r\n" + h + "\r\n", 400},
      {"raw backslash", "GET /a\\b HTTP/1.1\r\n" + h + "\r\n", 400},
      {"raw control byte in path", "GET /a\x01 HTTP/1.1\r\n" + h + "\r\n", 400},
      {"request line too long", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n" + h + "\r\n", 414},
      {"header block too large", "GET /a HTTP/1.1\r\n" + h + "X: " + std::string(70000, 'a') + "\r\n\r\n", 431},
      {"unsupported expectation", "POST /a HTTP/1.1\r\n" + h + "Expect: something\r\nContent-Length: 1\r\n\r\nx", 417},
  };
}

}  // namespace

TEST_CASE("invalid requests get their status, a closed connection and nothing upstream", "[integration][framing]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("reached"); });
  Config cfg;
  cfg.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  cfg.add(Route("all").path("/{all}").to("svc"));
  GatewayRunner gw(std::move(cfg));
  for (const auto& bc : bad_cases()) {
    DYNAMIC_SECTION(bc.name) {
      RawClient c(gw.port());
      REQUIRE(c.connected());
      c.send(bc.bytes);
      auto all = c.read_until_close(5000ms);
      CHECK(status_of(all) == bc.status);
      CHECK(count_responses(all) == 1);
      CHECK(header_of(all, "Connection") == "close");
      CHECK(all.find("reached") == std::string::npos);
    }
  }
  CHECK(up.received().empty());
}

TEST_CASE("too many header fields give 431", "[integration][framing]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("reached"); });
  Config cfg;
  cfg.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  cfg.add(Route("all").path("/{all}").to("svc"));
  cfg.server_options().max_header_count = 10;
  GatewayRunner gw(std::move(cfg));
  std::string req = "GET /a HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 11; ++i) req += "X-" + std::to_string(i) + ": v\r\n";
  RawClient c(gw.port());
  c.send(req + "\r\n");
  CHECK(status_of(c.read_until_close()) == 431);
  CHECK(up.received().empty());
}

TEST_CASE("a body over the limit gets 413 and is not forwarded", "[integration][framing]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("reached"); });
  Config cfg;
  cfg.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  cfg.add(Route("all").path("/{all}").to("svc"));
  cfg.server_options().max_body_bytes = 100;
  GatewayRunner gw(std::move(cfg));
  SECTION("declared by Content-Length") {
    RawClient c(gw.port());
    c.send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n");
    CHECK(status_of(c.read_until_close()) == 413);
    CHECK(up.received().empty());
  }
  SECTION("chunked past the limit") {
    RawClient c(gw.port());
    c.send("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + std::string(100, 'a') +
           "\r\n1\r\nb\r\n0\r\n\r\n");
    auto all = c.read_until_close();
    CHECK(status_of(all) == 413);
  }
}

TEST_CASE("a GET with a body is framed and forwarded, never parsed as a second request", "[integration][framing]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.request_line() + "|" + r.body); });
  Config cfg;
  cfg.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  cfg.add(Route("all").path("/{all}").to("svc"));
  GatewayRunner gw(std::move(cfg));
  RawClient c(gw.port());
  std::string smuggled = "GET /admin HTTP/1.1\r\nHost: h\r\n\r\n";
  c.send("GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(smuggled.size()) + "\r\n\r\n");
  c.send(smuggled);  // second segment
  auto res = c.read_response();
  CHECK(status_of(res) == 200);
  CHECK(body_of(res) == "GET /a HTTP/1.1|" + smuggled);
  REQUIRE(up.wait_for_requests(1));
  CHECK(up.received().size() == 1);
  CHECK(c.send("GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  auto next = c.read_until_close();
  CHECK(body_of(next) == "GET /b HTTP/1.1|");
  CHECK(up.received().size() == 2);
}

TEST_CASE("chunked request bodies are decoded and re-framed for the upstream", "[integration][framing]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.header("Transfer-Encoding") + "|" + r.body); });
  ServerOptions o;
  std::string expected = "|abcde";  // small: read whole before the upstream request, sent with Content-Length
  SECTION("streamed (RequestBufferBytes 0)") {
    o.request_buffer_bytes = 0;
    expected = "chunked|5\r\nabcde\r\n0\r\n\r\n";
  }
  SECTION("buffered (default)") {}
  GatewayRunner gw(catch_all_config(up.port(), o));
  RawClient c(gw.port());
  c.send("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n");
  auto res = c.read_response();
  CHECK(status_of(res) == 200);
  CHECK(body_of(res) == expected);
  REQUIRE(up.wait_for_requests(1));
  CHECK(up.received()[0].header("X-Trailer").empty());  // trailers are never merged into headers
}

TEST_CASE("paths are normalized before routing and forwarded as normalized", "[integration][framing]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.request_line()); });
  Config cfg;
  cfg.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  cfg.add(Route("public").path("/public/{rest}").to("svc"));
  GatewayRunner gw(std::move(cfg));
  struct P {
    std::string in;
    int status;
    std::string forwarded;
  };
  for (const auto& p : std::vector<P>{
           {"/public/a/../b", 200, "GET /public/b HTTP/1.1"},
           {"/public/%2e%2e/admin", 404, ""},
           {"/public/./x//y", 200, "GET /public/x/y HTTP/1.1"},
           {"/public/%7Euser/%41", 200, "GET /public/~user/A HTTP/1.1"},
           {"/public/a%20b", 200, "GET /public/a%20b HTTP/1.1"},
           {"/public/x/%2E%2E/%2e%2E/admin", 404, ""},
       }) {
    DYNAMIC_SECTION(p.in) {
      RawClient c(gw.port());
      c.send("GET " + p.in + " HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
      auto res = c.read_until_close();
      CHECK(status_of(res) == p.status);
      if (p.status == 200) CHECK(body_of(res) == p.forwarded);
    }
  }
}

TEST_CASE("absolute-form targets use their authority as Host", "[integration][framing]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.request_line() + "|" + r.header("X-Forwarded-Host")); });
  Config cfg;
  cfg.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  cfg.add(Route("all").path("/{all}").host("api.example.com").to("svc"));
  GatewayRunner gw(std::move(cfg));
  RawClient c(gw.port());
  c.send("GET http://api.example.com/x?y=1 HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n");
  auto res = c.read_until_close();
  CHECK(status_of(res) == 200);
  CHECK(body_of(res) == "GET /x?y=1 HTTP/1.1|api.example.com");
}
