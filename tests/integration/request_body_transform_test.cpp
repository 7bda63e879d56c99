// Request body transforms (Filter::request_body_transform) through real sockets: a streamed body
// transformed piece by piece and re-framed chunked, a whole body re-framed with its new length,
// transforms chained in request order, and a transform failing mid-stream (the upstream never
// sees the end of the body; the client gets 500 and its connection closes).
#include <catch2/catch.hpp>

#include <cctype>

#include "support/body_filters.hpp"
#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

std::string chunked(const std::string& body, std::size_t piece) {
  std::string out;
  for (std::size_t at = 0; at < body.size(); at += piece) {
    auto part = body.substr(at, piece);
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx\r\n", part.size());
    out += hex + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

std::string upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

/// A body of `n` bytes that is not all one letter (so upper-casing changes every piece).
std::string lower_body(std::size_t n) {
  std::string s(n, 'a');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

}  // namespace

TEST_CASE("a streamed chunked request body is transformed piece by piece and re-framed chunked",
          "[integration][bodies][request-transform]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("stored"); });
  GatewayRunner gw(route_with(up.port(), {request_upper("!")}));
  const std::string body = lower_body(3 * 1024 * 1024);  // well over request_buffer_bytes: it streams
  RawClient c(gw.port());
  REQUIRE(c.send("POST /upload HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body, 50000)));
  auto r = c.read_response(20s);
  CHECK(status_of(r) == 200);
  CHECK(body_of(r) == "stored");
  REQUIRE(up.wait_for_requests(1));
  const Received got = up.received()[0];
  CHECK(got.header("Transfer-Encoding") == "chunked");
  CHECK(got.header("Content-Length").empty());
  CHECK(got.header("X-Request-Transformed") == "request-upper");
  CHECK(body_of(got.raw()) == upper(body) + "!");
}

TEST_CASE("a streamed Content-Length request body that a transform changes goes upstream chunked",
          "[integration][bodies][request-transform]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  GatewayRunner gw(route_with(up.port(), {request_count()}));
  const std::string body = lower_body(1024 * 1024);
  RawClient c(gw.port());
  REQUIRE(c.send("PUT /file HTTP/1.1\r\nHost: gw\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  auto r = c.read_response(20s);
  CHECK(status_of(r) == 200);
  REQUIRE(up.wait_for_requests(1));
  const Received got = up.received()[0];
  CHECK(got.header("Content-Length").empty());  // the transformed length is not the client's
  CHECK(got.header("Transfer-Encoding") == "chunked");
  CHECK(body_of(got.raw()) == body + "\n" + std::to_string(body.size()));
  // The connection goes on: the next request on it is served.
  REQUIRE(c.send("POST /file HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\n\r\nxyz"));
  CHECK(status_of(c.read_response(10s)) == 200);
  REQUIRE(up.wait_for_requests(2));
  CHECK(up.received()[1].header("Content-Length") == "5");  // small: whole, framed with its new length
  CHECK(up.received()[1].body == "xyz\n3");
}

TEST_CASE("a whole request body is transformed at once and framed with its new length",
          "[integration][bodies][request-transform]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  GatewayRunner gw(route_with(up.port(), {request_upper("?")}));
  RawClient c(gw.port());
  REQUIRE(c.send("POST /x HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n\r\nhello"));
  CHECK(status_of(c.read_response(10s)) == 200);
  REQUIRE(up.wait_for_requests(1));
  const Received got = up.received()[0];
  CHECK(got.header("Content-Length") == "6");
  CHECK(got.header("Transfer-Encoding").empty());
  CHECK(got.body == "HELLO?");
}

TEST_CASE("request body transforms chain in request order", "[integration][bodies][request-transform]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  // Request order is the chain's: upper-case first, then count (the other order gives "ABC\n3").
  GatewayRunner gw(route_with(up.port(), {request_upper("!"), request_count()}));
  SECTION("whole") {
    RawClient c(gw.port());
    REQUIRE(c.send("POST /x HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\n\r\nabc"));
    CHECK(status_of(c.read_response(10s)) == 200);
    REQUIRE(up.wait_for_requests(1));
    CHECK(up.received()[0].body == "ABC!\n4");
  }
  SECTION("streamed") {
    const std::string body = lower_body(200 * 1024);
    RawClient c(gw.port());
    REQUIRE(c.send("POST /x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body, 30000)));
    CHECK(status_of(c.read_response(10s)) == 200);
    REQUIRE(up.wait_for_requests(1));
    CHECK(body_of(up.received()[0].raw()) == upper(body) + "!\n" + std::to_string(body.size() + 1));
  }
}

TEST_CASE("a request transform failing mid-stream: the upstream never sees the body's end, the client gets 500",
          "[integration][bodies][request-transform]") {
  const bool throws = GENERATE(false, true);
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("should not happen"); });
  GatewayRunner gw(route_with(up.port(), {request_failing(100 * 1024, throws)}));
  gw.gateway().set_log_sink([](LogLevel, std::string_view) {});
  const std::string body = lower_body(600 * 1024);  // streams (over request_buffer_bytes); fits the socket buffers
  RawClient c(gw.port());
  // The gateway may close before reading all of it: a failed send is not the test's concern.
  (void)c.send("POST /x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body, 40000));
  auto r = c.read_response(20s);
  CHECK(status_of(r) == 500);
  CHECK(c.closed_by_peer());
  REQUIRE(up.wait_for_closed(1));  // the gateway closed the upstream connection mid-body
  CHECK(up.received().empty());    // no complete request ever reached the upstream
}

TEST_CASE("a request transform failing on a whole body answers 500 without calling the upstream",
          "[integration][bodies][request-transform]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("should not happen"); });
  GatewayRunner gw(route_with(up.port(), {request_failing(2, false)}));
  gw.gateway().set_log_sink([](LogLevel, std::string_view) {});
  RawClient c(gw.port());
  REQUIRE(c.send("POST /x HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n\r\nhello"));
  CHECK(status_of(c.read_response(10s)) == 500);
  // The body was read whole, so the connection stays usable.
  REQUIRE(c.send("GET /x HTTP/1.1\r\nHost: gw\r\n\r\n"));
  CHECK(status_of(c.read_response(10s)) == 200);
  REQUIRE(up.wait_for_requests(1));
  CHECK(up.received()[0].request_line() == "GET /x HTTP/1.1");
}
