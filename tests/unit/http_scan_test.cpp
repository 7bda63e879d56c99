// scan_head: finding the end of a head in a growing buffer, with limits enforced while reading.

#include <catch2/catch.hpp>

#include "http_support.hpp"
#include "net/head_limits.hpp"

using namespace portico;
using namespace portico::detail;
using portico::testing::scan_bytewise;
using portico::testing::scan_once;
using State = HeadScan::State;

TEST_CASE("scan_head finds the end of a complete head and leaves the body alone", "[http][scan]") {
  const std::string head = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n";
  const auto r = scan_once(head + "body");
  REQUIRE(r.state == State::Complete);
  CHECK(r.head_length == head.size());
  CHECK(r.leading_crlf == 0);
  const auto b = scan_bytewise(head + "body");
  REQUIRE(b.state == State::Complete);
  CHECK(b.head_length == head.size());

  const auto only_line = scan_once("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n");  // pipelined
  REQUIRE(only_line.state == State::Complete);
  CHECK(only_line.head_length == 18);
}

TEST_CASE("scan_head is incremental: Incomplete until the empty line, any split gives the same answer",
          "[http][scan]") {
  const std::string head = "GET /a HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n";
  for (std::size_t cut = 0; cut < head.size(); ++cut) {
    INFO("cut at " << cut);
    std::size_t scanned = 0;
    auto r = scan_head(std::string_view(head).substr(0, cut), scanned, {}, false);
    CHECK(r.state == State::Incomplete);
    CHECK(scanned <= cut);
    r = scan_head(head, scanned, {}, false);
    REQUIRE(r.state == State::Complete);
    CHECK(r.head_length == head.size());
  }
  // a CR at the very end is not an error yet: its LF may come next
  std::size_t scanned = 0;
  CHECK(scan_head("GET / HTTP/1.1\r\nHost: a\r", scanned, {}, false).state == State::Incomplete);
  CHECK(scan_head("GET / HTTP/1.1\r\nHost: a\r\n\r", scanned, {}, false).state == State::Incomplete);
  CHECK(scan_head("GET / HTTP/1.1\r\nHost: a\r\n\r\n", scanned, {}, false).state == State::Complete);
}

TEST_CASE("scan_head advances `scanned` past complete field lines (no quadratic rescans)", "[http][scan]") {
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\n";
  std::size_t scanned = 0;
  for (int i = 0; i < 50; ++i) {
    head += "X-" + std::to_string(i) + ": value\r\n";
    const auto r = scan_head(head, scanned, {}, false);
    REQUIRE(r.state == State::Incomplete);
    CHECK(scanned == head.size());
  }
  head += "X-partial: val";
  REQUIRE(scan_head(head, scanned, {}, false).state == State::Incomplete);
  CHECK(scanned == head.size());
  // a shrunken buffer (caller consumed bytes and forgot to reset) restarts safely
  std::size_t big = 1000;
  CHECK(scan_head("GET / HTTP/1.1\r\nHost: a\r\n\r\n", big, {}, false).state == State::Complete);
}

TEST_CASE("scan_head: bare LF and bare CR are 400 (502 for responses)", "[http][scan]") {
  for (const char* bad : {"GET / HTTP/1.1\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\n\r\n",
                          "GET / HTTP/1.1\r\nHost: a\r\n\n", "GET / HTTP/1.1\rHost: a\r\n\r\n",
                          "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n",
                          "\nGET / HTTP/1.1\r\n\r\n", "\rGET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\r\n"}) {
    INFO(bad);
    const auto r = scan_once(bad);
    REQUIRE(r.state == State::Error);
    CHECK(r.error.status == 400);
    const auto b = scan_bytewise(bad);
    REQUIRE(b.state == State::Error);
    CHECK(b.error.status == 400);
    const auto resp = scan_once(bad, true);
    REQUIRE(resp.state == State::Error);
    CHECK(resp.error.status == 502);
  }
  // detected early, before the head is complete
  CHECK(scan_once("GET / HTTP/1.1\r\nX: a\nY").state == State::Error);
  CHECK(scan_once("GET / HTTP/1.1\r\nX: a\rY").state == State::Error);
  CHECK(scan_once("GET /\nX").state == State::Error);
}

TEST_CASE("scan_head: start line too long is 414 while reading (502 for responses)", "[http][scan][limits]") {
  HeadLimits limits;
  limits.max_start_line = 32;
  const std::string line32 = "GET /" + std::string(32 - 14, 'a') + " HTTP/1.1";
  REQUIRE(line32.size() == 32);
  CHECK(scan_once(line32 + "\r\nHost: a\r\n\r\n", false, limits).state == State::Complete);
  CHECK(scan_once(line32 + "\r", false, limits).state == State::Incomplete);
  auto r = scan_once("GET /" + std::string(32 - 13, 'a') + " HTTP/1.1\r\n\r\n", false, limits);
  REQUIRE(r.state == State::Error);
  CHECK(r.error.status == 414);
  r = scan_once("GET /" + std::string(100, 'a'), false, limits);  // no CRLF yet: caught while reading
  REQUIRE(r.state == State::Error);
  CHECK(r.error.status == 414);
  r = scan_bytewise("GET /" + std::string(100, 'a'), false, limits);
  REQUIRE(r.state == State::Error);
  CHECK(r.error.status == 414);
  r = scan_once("HTTP/1.1 200 " + std::string(100, 'x'), true, limits);
  REQUIRE(r.state == State::Error);
  CHECK(r.error.status == 502);
}

TEST_CASE("scan_head: head larger than max_head_bytes is 431 while reading (502 for responses)",
          "[http][scan][limits]") {
  HeadLimits limits;
  limits.max_head_bytes = 64;
  const std::string start = "GET / HTTP/1.1\r\nHost: a\r\n";  // 25 bytes
  const std::string exact = start + "X: " + std::string(64 - 25 - 7, 'v') + "\r\n\r\n";
  REQUIRE(exact.size() == 64);
  auto r = scan_once(exact + "body", false, limits);
  REQUIRE(r.state == State::Complete);
  CHECK(r.head_length == 64);
  r = scan_once(start + "X: " + std::string(64 - 25 - 6, 'v') + "\r\n\r\n", false, limits);
  REQUIRE(r.state == State::Error);
  CHECK(r.error.status == 431);
  r = scan_once(start + std::string(100, 'v'), false, limits);  // one endless field line
  REQUIRE(r.state == State::Error);
  CHECK(r.error.status == 431);
  r = scan_bytewise(start + std::string(100, 'v'), false, limits);
  REQUIRE(r.state == State::Error);
  CHECK(r.error.status == 431);
  r = scan_once("HTTP/1.1 200 OK\r\n" + std::string(100, 'v'), true, limits);
  REQUIRE(r.state == State::Error);
  CHECK(r.error.status == 502);
  // exactly at the limit but not finished: wait
  CHECK(scan_once(start + std::string(64 - 25, 'v'), false, limits).state == State::Incomplete);
}

TEST_CASE("scan_head skips a few leading empty lines before a request line, not before a status line",
          "[http][scan]") {
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  auto r = scan_once("\r\n\r\n" + head);
  REQUIRE(r.state == State::Complete);
  CHECK(r.leading_crlf == 4);
  CHECK(r.head_length == 4 + head.size());
  r = scan_bytewise("\r\n\r\n" + head);
  REQUIRE(r.state == State::Complete);
  CHECK(r.leading_crlf == 4);
  CHECK(r.head_length == 4 + head.size());
  CHECK(scan_once("\r\n").state == State::Incomplete);
  CHECK(scan_once("\r").state == State::Incomplete);

  std::string many;
  for (std::size_t i = 0; i <= kMaxLeadingEmptyLines; ++i) many += "\r\n";
  r = scan_once(many + head);
  REQUIRE(r.state == State::Error);
  CHECK(r.error.status == 400);

  r = scan_once("\r\nHTTP/1.1 200 OK\r\n\r\n", true);
  REQUIRE(r.state == State::Error);
  CHECK(r.error.status == 502);
}

TEST_CASE("request_limits and response_limits map ServerOptions", "[http][limits]") {
  ServerOptions o;
  o.max_request_line_bytes = 100;
  o.max_header_bytes = 200;
  o.max_header_count = 7;
  o.max_upstream_header_bytes = 300;
  o.encoded_slashes = EncodedSlashes::Keep;
  const auto rq = request_limits(o);
  CHECK(rq.max_start_line == 100);
  CHECK(rq.max_head_bytes == 200);
  CHECK(rq.max_field_count == 7);
  CHECK(rq.encoded_slashes == EncodedSlashes::Keep);
  const auto rs = response_limits(o);
  CHECK(rs.max_start_line == 100);
  CHECK(rs.max_head_bytes == 300);
  CHECK(rs.max_field_count == 7);
  // the defaults agree with ServerOptions' defaults
  const HeadLimits defaults;
  CHECK(request_limits(ServerOptions{}).max_start_line == defaults.max_start_line);
  CHECK(request_limits(ServerOptions{}).max_head_bytes == defaults.max_head_bytes);
  CHECK(request_limits(ServerOptions{}).max_field_count == defaults.max_field_count);
}
