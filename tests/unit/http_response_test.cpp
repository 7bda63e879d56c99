// parse_response_head: the upstream side; every violation is a 502.

#include <catch2/catch.hpp>

#include "http_support.hpp"

using namespace portico;
using namespace portico::detail;
using portico::testing::response_status;

namespace {
std::string ok_with(std::string_view fields, std::string_view status_line = "HTTP/1.1 200 OK") {
  std::string s(status_line);
  s += "\r\n";
  s += fields;
  s += "\r\n";
  return s;
}
}  // namespace

TEST_CASE("a valid response head parses status, reason, version, fields and framing", "[http][response]") {
  ResponseHead h;
  REQUIRE(response_status("HTTP/1.1 201 Created Here\r\nContent-Length: 12\r\nX-A:  b \r\n\r\n", &h) == 0);
  CHECK(h.version == 11);
  CHECK(h.response.status == 201);
  CHECK(h.response.reason == "Created Here");
  REQUIRE(h.response.headers.size() == 2);
  CHECK(h.response.headers[1].name == "X-A");
  CHECK(h.response.headers[1].value == "b");
  CHECK(h.body == BodyKind::ContentLength);
  CHECK(h.content_length == 12);
  CHECK(h.keep_alive);
  CHECK(h.response.body.empty());
}

TEST_CASE("status line: HTTP/1.x SP 3DIGIT SP reason; empty reason after the SP is fine", "[http][response][line]") {
  ResponseHead h;
  REQUIRE(response_status("HTTP/1.1 204 \r\n\r\n", &h) == 0);
  CHECK(h.response.status == 204);
  CHECK(h.response.reason.empty());
  REQUIRE(response_status("HTTP/1.0 200 OK\tfine \xe2\x9c\x93\r\nContent-Length: 0\r\n\r\n", &h) == 0);
  CHECK(h.version == 10);
  CHECK(h.response.reason == "OK\tfine \xe2\x9c\x93");
  for (const char* bad : {"HTTP/1.1 200\r\n\r\n",  // the SP before the reason is required
                          "HTTP/1.1  200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n",
                          "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 099 OK\r\n\r\n", "HTTP/1.1 600 OK\r\n\r\n",
                          "HTTP/2.0 200 OK\r\n\r\n", "HTTP/1.2 200 OK\r\n\r\n", "http/1.1 200 OK\r\n\r\n",
                          "HTTP/1.1 200 O\x01K\r\n\r\n", "HTTP/1.1 200 OK\x7f\r\n\r\n", "HTTP/1.1 200 OK\rX\r\n\r\n",
                          "HTTP/1.1 200 OK\n\r\n", "ICY 200 OK\r\n\r\n", "\r\nHTTP/1.1 200 OK\r\n\r\n", "garbage",
                          ""}) {
    INFO(bad);
    CHECK(response_status(bad) == 502);
  }
}

TEST_CASE("response status line and head limits are 502", "[http][response][limits]") {
  HeadLimits limits;
  limits.max_start_line = 32;
  limits.max_head_bytes = 128;
  limits.max_field_count = 2;
  CHECK(response_status("HTTP/1.1 200 " + std::string(100, 'x') + "\r\n\r\n", nullptr, "GET", limits) == 502);  // B21
  CHECK(response_status(ok_with("X: " + std::string(200, 'v') + "\r\n"), nullptr, "GET", limits) == 502);
  CHECK(response_status(ok_with("A: 1\r\nB: 2\r\n"), nullptr, "GET", limits) == 0);
  CHECK(response_status(ok_with("A: 1\r\nB: 2\r\nC: 3\r\n"), nullptr, "GET", limits) == 502);
}

TEST_CASE("response field rules mirror the request side, with 502", "[http][response][fields]") {
  for (const std::string& bad : std::vector<std::string>{"X: a\r\n b\r\n", "X : a\r\n", ": a\r\n", "X\r\n", std::string("X: a\0b\r\n", 8),
                          std::string("X: a\rb\r\n"), "X: a\nY: b\r\n", "X: a\x7f\r\n",
                          "Location: /next\r\nSet-Cookie: a\x0b\r\n"}) {
    INFO(bad);
    CHECK(response_status(ok_with(bad)) == 502);
  }
  ResponseHead h;
  REQUIRE(response_status(ok_with("Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nX: \xff\xfe\r\n"), &h) == 0);
  CHECK(h.response.headers.get_all("set-cookie") == std::vector<std::string_view>{"a=1", "b=2"});
}

TEST_CASE("response framing: TE chunked, CL, until close; CL+TE, bad CL and bad TE are 502",
          "[http][response][framing]") {
  ResponseHead h;
  REQUIRE(response_status(ok_with("Transfer-Encoding: Chunked\r\n"), &h) == 0);
  CHECK(h.body == BodyKind::Chunked);
  CHECK(h.keep_alive);
  REQUIRE(response_status(ok_with("Content-Length: 5\r\nContent-Length: 5\r\n"), &h) == 0);
  CHECK(h.body == BodyKind::ContentLength);
  CHECK(h.content_length == 5);
  CHECK(h.response.headers.count("Content-Length") == 1);
  REQUIRE(response_status(ok_with(""), &h) == 0);
  CHECK(h.body == BodyKind::UntilClose);
  CHECK_FALSE(h.keep_alive);

  CHECK(response_status(ok_with("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")) == 502);
  CHECK(response_status(ok_with("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")) == 502);
  for (const char* v : {"+3", "-1", "0x10", "3abc", "99999999999999999999", "", "5, 10"}) {
    INFO("Content-Length: " << v);
    CHECK(response_status(ok_with(std::string("Content-Length: ") + v + "\r\n")) == 502);
  }
  CHECK(response_status(ok_with("Content-Length: 3\r\nContent-Length: 10\r\n")) == 502);
  for (const char* v : {"gzip", "identity", "chunked, identity", "gzip, chunked", "\"chunked\"", "xchunked", ""}) {
    INFO("Transfer-Encoding: " << v);
    CHECK(response_status(ok_with(std::string("Transfer-Encoding: ") + v + "\r\n")) == 502);
  }
  CHECK(response_status(ok_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")) == 502);
  CHECK(response_status(ok_with("Transfer-Encoding: chunked\r\n", "HTTP/1.0 200 OK")) == 502);
}

TEST_CASE("1xx, 204, 304 and HEAD responses have no body", "[http][response][framing]") {
  ResponseHead h;
  for (const char* line : {"HTTP/1.1 100 Continue", "HTTP/1.1 101 Switching Protocols", "HTTP/1.1 103 Early Hints",
                           "HTTP/1.1 204 No Content", "HTTP/1.1 304 Not Modified"}) {
    INFO(line);
    REQUIRE(response_status(ok_with("", line), &h) == 0);
    CHECK(h.body == BodyKind::None);
    CHECK(h.keep_alive);
  }
  REQUIRE(response_status(ok_with("Content-Length: 100\r\n", "HTTP/1.1 304 Not Modified"), &h) == 0);
  CHECK(h.body == BodyKind::None);
  CHECK(h.keep_alive);
  REQUIRE(response_status(ok_with("Content-Length: 100\r\n"), &h, "HEAD") == 0);
  CHECK(h.body == BodyKind::None);
  CHECK(h.keep_alive);
  REQUIRE(response_status(ok_with("Transfer-Encoding: chunked\r\n"), &h, "HEAD") == 0);
  CHECK(h.body == BodyKind::None);
  REQUIRE(response_status(ok_with(""), &h, "HEAD") == 0);
  CHECK(h.body == BodyKind::None);
  CHECK(h.keep_alive);
  // a 204 announcing a body: no body read, and the connection is not reused
  REQUIRE(response_status(ok_with("Content-Length: 5\r\n", "HTTP/1.1 204 No Content"), &h) == 0);
  CHECK(h.body == BodyKind::None);
  CHECK_FALSE(h.keep_alive);
  // framing headers are still validated on bodiless responses
  CHECK(response_status(ok_with("Content-Length: x\r\n", "HTTP/1.1 304 Not Modified")) == 502);
  CHECK(response_status(ok_with("Content-Length: 1\r\nTransfer-Encoding: chunked\r\n"), nullptr, "HEAD") == 502);
}

TEST_CASE("response keep_alive follows the version and Connection", "[http][response][connection]") {
  ResponseHead h;
  REQUIRE(response_status(ok_with("Content-Length: 0\r\nConnection: close\r\n"), &h) == 0);
  CHECK_FALSE(h.keep_alive);
  REQUIRE(response_status(ok_with("Content-Length: 0\r\n", "HTTP/1.0 200 OK"), &h) == 0);
  CHECK_FALSE(h.keep_alive);
  REQUIRE(response_status(ok_with("Content-Length: 0\r\nConnection: Keep-Alive\r\n", "HTTP/1.0 200 OK"), &h) == 0);
  CHECK(h.keep_alive);
}
