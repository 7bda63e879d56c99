// parse_request_head: every request-side rule of docs/security.md "HTTP parsing rules".

#include <catch2/catch.hpp>

#include "http_support.hpp"

using namespace portico;
using namespace portico::detail;
using portico::testing::get_with;
using portico::testing::post_with;
using portico::testing::request_status;

TEST_CASE("a valid request head parses into method, target, path, query, version and fields", "[http][request]") {
  RequestHead h;
  REQUIRE(request_status("GET /api/users?id=7&x=%20 HTTP/1.1\r\nHost: example.com:8080\r\n"
                         "X-Foo:   a%0d%0a b  \r\nX-Empty:\r\nx-foo: second\r\n\r\n",
                         &h) == 0);
  CHECK(h.request.method == "GET");
  CHECK(h.request.target == "/api/users?id=7&x=%20");
  CHECK(h.request.path == "/api/users");
  CHECK(h.request.query == "id=7&x=%20");
  CHECK(h.request.version == 11);
  REQUIRE(h.request.headers.size() == 4);
  CHECK(h.request.headers[0].name == "Host");
  CHECK(h.request.headers[0].value == "example.com:8080");
  CHECK(h.request.headers[1].name == "X-Foo");
  CHECK(h.request.headers[1].value == "a%0d%0a b");  // OWS trimmed, bytes never decoded
  CHECK(h.request.headers[2].value.empty());
  CHECK(h.request.headers.get_all("X-FOO") == std::vector<std::string_view>{"a%0d%0a b", "second"});
  CHECK(h.body == BodyKind::None);
  CHECK(h.content_length == 0);
  CHECK(h.keep_alive);
  CHECK_FALSE(h.expect_continue);
  CHECK_FALSE(h.upgrade);
}

TEST_CASE("request line needs exactly single spaces and a token method", "[http][request][line]") {
  CHECK(request_status("GET  / HTTP/1.1\r\nHost: a\r\n\r\n") == 400);   // double SP
  CHECK(request_status("GET / HTTP/1.1 \r\nHost: a\r\n\r\n") == 400);   // trailing SP
  CHECK(request_status(" GET / HTTP/1.1\r\nHost: a\r\n\r\n") == 400);   // leading SP
  CHECK(request_status("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n") == 400);   // HTAB as separator
  CHECK(request_status("GET /\r\nHost: a\r\n\r\n") == 400);             // HTTP/0.9 style
  CHECK(request_status("GET / HTTP/1.1 x\r\nHost: a\r\n\r\n") == 400);  // extra word
  CHECK(request_status("G(T / HTTP/1.1\r\nHost: a\r\n\r\n") == 400);   // '(' is not a tchar
  CHECK(request_status("G\x01T / HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("\r\n") == 400);                                  // nothing but an empty line
  CHECK(request_status("GET / HTTP/1.1\nHost: a\r\n\r\n") == 400);      // bare LF ends the line
  CHECK(request_status("GET / HTTP/1.1\rHost: a\r\n\r\n") == 400);      // bare CR in the line
  RequestHead h;
  REQUIRE(request_status("M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n", &h) == 400);  // '*' only for OPTIONS
  CHECK(request_status("PURGE~! /x HTTP/1.1\r\nHost: a\r\n\r\n") == 400);  // a token, but not A-Z - _
  CHECK(request_status("get /x HTTP/1.1\r\nHost: a\r\n\r\n") == 400);      // lower case (as nginx)
  CHECK(request_status("G3T /x HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  REQUIRE(request_status("VERSION-CONTROL /x HTTP/1.1\r\nHost: a\r\n\r\n", &h) == 0);  // unknown: fine
  CHECK(h.request.method == "VERSION-CONTROL");
  REQUIRE(request_status("X_PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n", &h) == 0);
}

TEST_CASE("TRACE is 405 unless allowed", "[http][request][line]") {
  CHECK(request_status("TRACE / HTTP/1.1\r\nHost: a\r\n\r\n") == 405);
  HeadLimits allow;
  allow.allow_trace = true;
  CHECK(request_status("TRACE / HTTP/1.1\r\nHost: a\r\n\r\n", nullptr, allow) == 0);
  CHECK(request_status("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", nullptr, allow) == 501);
}

TEST_CASE("header names with '_': dropped, rejected or kept", "[http][request][fields]") {
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n";
  RequestHead h;
  REQUIRE(request_status(head, &h) == 0);
  CHECK(h.request.headers.size() == 3);
  CHECK_FALSE(h.request.headers.has("Transfer_Encoding"));
  CHECK(h.body == BodyKind::ContentLength);
  HeadLimits l;
  l.underscores = UnderscoreHeaders::Reject;
  CHECK(request_status(head, nullptr, l) == 400);
  l.underscores = UnderscoreHeaders::Pass;
  REQUIRE(request_status(head, &h, l) == 0);
  CHECK(h.request.headers.get("Transfer_Encoding") == "chunked");
  // A dropped field still counts towards max_field_count.
  l = HeadLimits{};
  l.max_field_count = 2;
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nA_1: x\r\nA_2: y\r\n\r\n", nullptr, l) == 431);
}

TEST_CASE("one field line over max_field_line is 431", "[http][request][fields]") {
  HeadLimits l;
  l.max_field_line = 20;
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nX: 12345678901234567\r\n\r\n", nullptr, l) == 0);  // 20 bytes
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nX: 123456789012345678\r\n\r\n", nullptr, l) == 431);
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(9000, 'a') + "\r\n\r\n") == 431);
}

TEST_CASE("a Connection field naming a framing field is 400", "[http][request][fields]") {
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nConnection: Content-Length\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, transfer-encoding\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nConnection: HOST\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nConnection: close, X-Foo\r\n\r\n") == 0);
}

TEST_CASE("only HTTP/1.0 and HTTP/1.1: other well-formed versions 505, malformed 400", "[http][request][version]") {
  RequestHead h;
  REQUIRE(request_status("GET / HTTP/1.0\r\n\r\n", &h) == 0);  // no Host needed in 1.0
  CHECK(h.request.version == 10);
  CHECK(request_status("GET / HTTP/2.0\r\nHost: a\r\n\r\n") == 505);
  CHECK(request_status("PRI * HTTP/2.0\r\n\r\n") == 505);  // the HTTP/2 preface
  CHECK(request_status("GET / HTTP/1.2\r\nHost: a\r\n\r\n") == 505);
  CHECK(request_status("GET / HTTP/0.9\r\nHost: a\r\n\r\n") == 505);
  CHECK(request_status("GET / HTTP/3.0\r\nHost: a\r\n\r\n") == 505);
  CHECK(request_status("GET / http/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.10\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/11\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTPS/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET / garbage\r\nHost: a\r\n\r\n") == 400);
}

TEST_CASE("request line longer than max_start_line is 414; head larger than max_head_bytes is 431",
          "[http][request][limits]") {
  HeadLimits limits;
  limits.max_start_line = 64;
  limits.max_head_bytes = 256;
  limits.max_field_count = 3;
  const std::string at_limit = "GET /" + std::string(64 - 14, 'a') + " HTTP/1.1";
  REQUIRE(at_limit.size() == 64);
  CHECK(request_status(at_limit + "\r\nHost: a\r\n\r\n", nullptr, limits) == 0);
  const std::string over = "GET /" + std::string(64 - 13, 'a') + " HTTP/1.1";
  CHECK(request_status(over + "\r\nHost: a\r\n\r\n", nullptr, limits) == 414);
  CHECK(request_status("GET /" + std::string(1000, 'a') + " HTTP/1.1\r\n", nullptr, limits) == 414);

  CHECK(request_status(get_with("X: " + std::string(250, 'v') + "\r\n"), nullptr, limits) == 431);
  CHECK(request_status(get_with("X: " + std::string(150, 'v') + "\r\n"), nullptr, limits) == 0);
  // field count: Host + 2 more is 3 fields (allowed); one more is 431
  CHECK(request_status(get_with("A: 1\r\nB: 2\r\n"), nullptr, limits) == 0);
  CHECK(request_status(get_with("A: 1\r\nB: 2\r\nC: 3\r\n"), nullptr, limits) == 431);
}

TEST_CASE("default limits: 100 fields pass, 101 are 431", "[http][request][limits]") {
  std::string fields;
  for (int i = 0; i < 99; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
  CHECK(request_status(get_with(fields)) == 0);  // 99 + Host
  fields += "X-last: v\r\n";
  CHECK(request_status(get_with(fields)) == 431);
}

TEST_CASE("bare LF, bare CR, obs-fold and lines without ':' are 400", "[http][request][fields]") {
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nX: 1\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\n\n") == 400);      // bare LF as the empty line
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n b\r\n\r\n") == 400);   // obs-fold SP
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\tb\r\n\r\n") == 400);  // obs-fold HTAB
  CHECK(request_status("GET / HTTP/1.1\r\n Host: a\r\n\r\n") == 400);  // first field folded
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\n") == 400);  // no empty line
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET") == 400);  // bytes after the head
  // TE.TE obfuscations from Kettle 2019
  CHECK(request_status(post_with("X: X\nTransfer-Encoding: chunked\r\n")) == 400);
  CHECK(request_status(post_with("Transfer-Encoding\r\n : chunked\r\n")) == 400);
  CHECK(request_status(post_with(" Transfer-Encoding: chunked\r\n")) == 400);
}

TEST_CASE("field names must be tokens with no whitespace before ':'", "[http][request][fields]") {
  CHECK(request_status(post_with("Content-Length : 3\r\n")) == 400);  // B10
  CHECK(request_status(post_with("Transfer-Encoding : chunked\r\n")) == 400);
  CHECK(request_status(get_with("X-Foo\t: 1\r\n")) == 400);
  CHECK(request_status(get_with(": empty name\r\n")) == 400);
  CHECK(request_status(get_with("X Foo: 1\r\n")) == 400);
  CHECK(request_status(get_with("X(Foo): 1\r\n")) == 400);
  CHECK(request_status(get_with("X-F\xc3\xa9: 1\r\n")) == 400);  // non-ASCII name
  CHECK(request_status(get_with(std::string("X-\0: 1\r\n", 8))) == 400);
  CHECK(request_status(get_with("X_Underscore.and~tilde!: 1\r\n")) == 0);
}

TEST_CASE("field values reject CTL, NUL and DEL but allow HTAB and obs-text; OWS is trimmed",
          "[http][request][fields]") {
  CHECK(request_status(get_with(std::string("X: a\0b\r\n", 8))) == 400);  // NUL (B14)
  CHECK(request_status(get_with("X: a\x01" "b\r\n")) == 400);
  CHECK(request_status(get_with("X: a\x1f\r\n")) == 400);
  CHECK(request_status(get_with("X: a\x7f\r\n")) == 400);  // DEL
  CHECK(request_status(post_with("Transfer-Encoding:\x0b" "chunked\r\n")) == 400);  // VT
  RequestHead h;
  REQUIRE(request_status(get_with("X: \t a\tb \xc3\xa9\xff \t\r\n"), &h) == 0);
  CHECK(h.request.headers.get("X") == "a\tb \xc3\xa9\xff");
  REQUIRE(request_status(get_with("X:    \t \r\n"), &h) == 0);
  CHECK(h.request.headers.get("X") == "");
}

TEST_CASE("Content-Length must be 1*DIGIT; repeats must agree", "[http][request][framing]") {
  RequestHead h;
  REQUIRE(request_status(post_with("Content-Length: 42\r\n"), &h) == 0);
  CHECK(h.body == BodyKind::ContentLength);
  CHECK(h.content_length == 42);
  REQUIRE(request_status(post_with("Content-Length: 0\r\n"), &h) == 0);
  CHECK(h.body == BodyKind::ContentLength);
  CHECK(h.content_length == 0);
  REQUIRE(request_status(post_with("Content-Length: 9999999999999999999\r\n"), &h) == 0);  // 19 digits
  CHECK(h.content_length == 9999999999999999999ull);
  REQUIRE(request_status(get_with("Content-Length: 5\r\n"), &h) == 0);  // GET with a body (B1): framed
  CHECK(h.body == BodyKind::ContentLength);
  CHECK(h.content_length == 5);

  for (const char* v : {"+3", "-1", "0x10", "3abc", "99999999999999999999", "", "3 4", "3.0", "1e3", "\xd9\xa3", "5,",
                        ",5", "5,,5", "5, 10"}) {
    INFO("Content-Length: " << v);
    CHECK(request_status(post_with(std::string("Content-Length: ") + v + "\r\n")) == 400);
  }
  CHECK(request_status(post_with("Content-Length: 3\r\nContent-Length: 10\r\n")) == 400);  // B8

  // identical repeats (separate lines or a list) merge into one canonical field
  REQUIRE(request_status(post_with("Content-Length: 5\r\nX: y\r\ncontent-length: 5\r\n"), &h) == 0);
  CHECK(h.content_length == 5);
  CHECK(h.request.headers.count("Content-Length") == 1);
  CHECK(h.request.headers[1].name == "Content-Length");
  CHECK(h.request.headers[1].value == "5");
  REQUIRE(request_status(post_with("Content-Length: 5 , 5,5\r\n"), &h) == 0);
  CHECK(h.content_length == 5);
  CHECK(h.request.headers.get("Content-Length") == "5");
  REQUIRE(request_status(post_with("Content-Length: 007\r\nContent-Length: 7\r\n"), &h) == 0);
  CHECK(h.content_length == 7);
  CHECK(h.request.headers.get_all("Content-Length") == std::vector<std::string_view>{"7"});
}

TEST_CASE("Transfer-Encoding: exactly chunked; the rest 501 or 400 (NGINX-strict)", "[http][request][framing]") {
  RequestHead h;
  REQUIRE(request_status(post_with("Transfer-Encoding: chunked\r\n"), &h) == 0);
  CHECK(h.body == BodyKind::Chunked);
  REQUIRE(request_status(post_with("transfer-encoding:   ChUnKeD  \r\n"), &h) == 0);
  CHECK(h.body == BodyKind::Chunked);

  // unknown or unsupported codings, well-formed: 501
  for (const char* v : {"identity", "gzip", "xchunked", "chunkedx", "chunked, identity", "gzip, chunked",
                        "chunked, gzip", "deflate,chunked"}) {
    INFO("Transfer-Encoding: " << v);
    CHECK(request_status(post_with(std::string("Transfer-Encoding: ") + v + "\r\n")) == 501);
  }
  // malformed or duplicated: 400
  for (const char* v : {"\"chunked\"", "", "chunked,", ",chunked", "chunked, , chunked", "chunked, chunked",
                        "chunked;q=1", "chunked x", "\xff"}) {
    INFO("Transfer-Encoding: " << v);
    CHECK(request_status(post_with(std::string("Transfer-Encoding: ") + v + "\r\n")) == 400);
  }
  // two TE lines, whatever they say (B7)
  CHECK(request_status(post_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")) == 400);
  CHECK(request_status(post_with("Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n")) == 400);
  CHECK(request_status(post_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n")) == 400);
}

TEST_CASE("Content-Length with Transfer-Encoding is 400 in either order (CL.TE, TE.CL)", "[http][request][framing]") {
  CHECK(request_status(post_with("Content-Length: 6\r\nTransfer-Encoding: chunked\r\n")) == 400);
  CHECK(request_status(post_with("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n")) == 400);
  CHECK(request_status(post_with("Transfer-Encoding: chunked, identity\r\nContent-Length: 4\r\n")) == 400);  // B6
  CHECK(request_status(post_with("Transfer-Encoding: gzip\r\nContent-Length: 4\r\n")) == 400);
}

TEST_CASE("Transfer-Encoding in HTTP/1.0 is 400", "[http][request][framing]") {
  CHECK(request_status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
  CHECK(request_status("POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n") == 400);
  RequestHead h;
  REQUIRE(request_status("POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\n", &h) == 0);
  CHECK(h.body == BodyKind::ContentLength);
}

TEST_CASE("Host: required in HTTP/1.1, at most one, valid", "[http][request][host]") {
  CHECK(request_status("GET / HTTP/1.1\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
  for (const char* v : {"", ".", "a@evil", "a b", "example.com.:1.2", "host:9000:80", "host:65536", "host:",
                        "exa%6dple.com", "a/b", "a\\b", "[::1", "[zz::1]", "..", "a..b", "-:80x"}) {
    INFO("Host: " << v);
    CHECK(request_status(std::string("GET / HTTP/1.1\r\nHost: ") + v + "\r\n\r\n") == 400);
    CHECK(request_status(std::string("GET / HTTP/1.0\r\nHost: ") + v + "\r\n\r\n") == 400);
  }
  RequestHead h;
  for (const char* v : {"example.com", "EXAMPLE.com:443", "example.com.", "10.0.0.1:8080", "[::1]", "[::1]:80",
                        "my_service", "a-b.c-d"}) {
    INFO("Host: " << v);
    REQUIRE(request_status(std::string("GET / HTTP/1.1\r\nHost: ") + v + "\r\n\r\n", &h) == 0);
    CHECK(h.request.headers.get("Host") == v);
  }
}

TEST_CASE("origin-form path is normalized; the query is kept raw but validated", "[http][request][target]") {
  RequestHead h;
  REQUIRE(request_status("GET /api/%2e%2e/admin//x/./y/%7euser%3b?a=%2e%2e&b=/c?d HTTP/1.1\r\nHost: a\r\n\r\n",
                         &h) == 0);
  CHECK(h.request.target == "/api/%2e%2e/admin//x/./y/%7euser%3b?a=%2e%2e&b=/c?d");
  CHECK(h.request.path == "/admin/x/y/~user%3B");
  CHECK(h.request.query == "a=%2e%2e&b=/c?d");
  REQUIRE(request_status("GET /a? HTTP/1.1\r\nHost: a\r\n\r\n", &h) == 0);
  CHECK(h.request.path == "/a");
  CHECK(h.request.query.empty());

  CHECK(request_status("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /a?x#frag HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /a?x=\x01 HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /a?x=\x7f HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /a?x=\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /a?x=\ty HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n") == 400);  // raw space in the target
  CHECK(request_status("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /admin%00/x HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /api%2fadmin HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /api\\..\\admin HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /api/%u002e%u002e/admin HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /% HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET /%1 HTTP/1.1\r\nHost: a\r\n\r\n") == 400);

  HeadLimits keep;
  keep.encoded_slashes = EncodedSlashes::Keep;
  REQUIRE(request_status("GET /api%2fadmin/%5c HTTP/1.1\r\nHost: a\r\n\r\n", &h, keep) == 0);
  CHECK(h.request.path == "/api%2Fadmin/%5C");
}

TEST_CASE("absolute-form: authority validated, then it replaces Host", "[http][request][target]") {
  RequestHead h;
  REQUIRE(request_status("GET http://Upstream.example:8080/a/../b?q=1 HTTP/1.1\r\nhost: other\r\nX: y\r\n\r\n", &h) == 0);
  CHECK(h.request.target == "http://Upstream.example:8080/a/../b?q=1");
  CHECK(h.request.path == "/b");
  CHECK(h.request.query == "q=1");
  REQUIRE(h.request.headers.size() == 2);
  CHECK(h.request.headers[0].name == "host");
  CHECK(h.request.headers[0].value == "Upstream.example:8080");
  CHECK(h.request.host() == "upstream.example");

  REQUIRE(request_status("GET HTTPS://gw HTTP/1.1\r\nHost: gw\r\n\r\n", &h) == 0);
  CHECK(h.request.path == "/");
  REQUIRE(request_status("GET http://gw?x=1 HTTP/1.1\r\nHost: gw\r\n\r\n", &h) == 0);
  CHECK(h.request.path == "/");
  CHECK(h.request.query == "x=1");
  REQUIRE(request_status("GET http://[::1]:81/x HTTP/1.0\r\n\r\n", &h) == 0);  // 1.0: Host added
  CHECK(h.request.headers.get("Host") == "[::1]:81");

  CHECK(request_status("GET http://gw/a HTTP/1.1\r\n\r\n") == 400);                     // Host still required
  CHECK(request_status("GET http://gw/a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
  CHECK(request_status("GET http://gw/a HTTP/1.1\r\nHost: a b\r\n\r\n") == 400);
  CHECK(request_status("GET http://user@gw/a HTTP/1.1\r\nHost: gw\r\n\r\n") == 400);
  CHECK(request_status("GET http:///a HTTP/1.1\r\nHost: gw\r\n\r\n") == 400);
  CHECK(request_status("GET http://gw:99999/a HTTP/1.1\r\nHost: gw\r\n\r\n") == 400);
  CHECK(request_status("GET http://gw#x HTTP/1.1\r\nHost: gw\r\n\r\n") == 400);
  CHECK(request_status("GET ftp://gw/a HTTP/1.1\r\nHost: gw\r\n\r\n") == 400);
  CHECK(request_status("GET http:/gw/a HTTP/1.1\r\nHost: gw\r\n\r\n") == 400);
  CHECK(request_status("GET http://gw/%2e%2e/%00 HTTP/1.1\r\nHost: gw\r\n\r\n") == 400);
  CHECK(request_status(std::string("GET http://[::1\0x]/ HTTP/1.1\r\nHost: gw\r\n\r\n", 42)) == 400);
}

TEST_CASE("asterisk-form only for OPTIONS; authority-form CONNECT 501; other forms 400", "[http][request][target]") {
  RequestHead h;
  REQUIRE(request_status("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", &h) == 0);
  CHECK(h.request.target == "*");
  CHECK(h.request.path == "*");
  CHECK(request_status("GET * HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n") == 501);
  CHECK(request_status("CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("CONNECT a@b:1 HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET admin HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
  CHECK(request_status("GET ?x=1 HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
}

TEST_CASE("keep_alive follows the version and Connection tokens", "[http][request][connection]") {
  RequestHead h;
  REQUIRE(request_status(get_with(""), &h) == 0);
  CHECK(h.keep_alive);
  REQUIRE(request_status(get_with("Connection: close\r\n"), &h) == 0);
  CHECK_FALSE(h.keep_alive);
  REQUIRE(request_status(get_with("Connection: Upgrade, CLOSE\r\n"), &h) == 0);
  CHECK_FALSE(h.keep_alive);
  REQUIRE(request_status(get_with("Connection: keep-alive\r\nConnection: close\r\n"), &h) == 0);
  CHECK_FALSE(h.keep_alive);
  REQUIRE(request_status(get_with("Connection: closed, x-close\r\n"), &h) == 0);
  CHECK(h.keep_alive);
  REQUIRE(request_status("GET / HTTP/1.0\r\n\r\n", &h) == 0);
  CHECK_FALSE(h.keep_alive);
  REQUIRE(request_status("GET / HTTP/1.0\r\nConnection: , Keep-Alive\r\n\r\n", &h) == 0);
  CHECK(h.keep_alive);
  REQUIRE(request_status("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", &h) == 0);
  CHECK_FALSE(h.keep_alive);
}

TEST_CASE("Expect: 100-continue sets expect_continue; other expectations are 417", "[http][request][expect]") {
  RequestHead h;
  REQUIRE(request_status(post_with("Content-Length: 3\r\nExpect: 100-Continue\r\n"), &h) == 0);
  CHECK(h.expect_continue);
  CHECK(request_status(post_with("Expect: 100-continue, x\r\n")) == 417);
  CHECK(request_status(post_with("Expect: 200-ok\r\n")) == 417);
  CHECK(request_status(post_with("Expect:\r\n")) == 417);
  REQUIRE(request_status("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", &h) == 0);
  CHECK_FALSE(h.expect_continue);  // ignored in HTTP/1.0
  // framing errors come before the expectation
  CHECK(request_status(post_with("Expect: 200-ok\r\nContent-Length: x\r\n")) == 400);
}

TEST_CASE("Upgrade header sets upgrade", "[http][request][upgrade]") {
  RequestHead h;
  REQUIRE(request_status(get_with("Connection: Upgrade\r\nUpgrade: websocket\r\n"), &h) == 0);
  CHECK(h.upgrade);
  CHECK(h.keep_alive);
  REQUIRE(request_status(get_with("X-Upgrade: websocket\r\n"), &h) == 0);
  CHECK_FALSE(h.upgrade);
}

TEST_CASE("leading empty lines before the request line are skipped (bounded)", "[http][request][line]") {
  RequestHead h;
  REQUIRE(request_status("\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n", &h) == 0);
  CHECK(h.request.path == "/x");
  std::string many;
  for (std::size_t i = 0; i <= kMaxLeadingEmptyLines; ++i) many += "\r\n";
  CHECK(request_status(many + "GET / HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
}

TEST_CASE("the output object is reset between parses", "[http][request]") {
  RequestHead h;
  REQUIRE(request_status(post_with("Content-Length: 3\r\nExpect: 100-continue\r\nUpgrade: x\r\n"), &h) == 0);
  REQUIRE(request_status("GET /b HTTP/1.0\r\n\r\n", &h) == 0);
  CHECK(h.request.headers.empty());
  CHECK(h.body == BodyKind::None);
  CHECK_FALSE(h.expect_continue);
  CHECK_FALSE(h.upgrade);
  CHECK(h.request.path == "/b");
}
