// Serializers (last-moment validation) and the shared grammar checks.

#include <catch2/catch.hpp>

#include "http_support.hpp"

using namespace portico;
using namespace portico::detail;

TEST_CASE("serialize_request_head writes the head and round-trips through the parser", "[http][serialize]") {
  Headers h{{"Host", "up.example"}, {"X-Empty", ""}, {"X-Obs", "caf\xc3\xa9\tok"}};
  std::string out = "prefix|";
  REQUIRE(serialize_request_head("PATCH", "/a/b?c=%20", h, out));
  CHECK(out == "prefix|PATCH /a/b?c=%20 HTTP/1.1\r\nHost: up.example\r\nX-Empty: \r\nX-Obs: caf\xc3\xa9\tok\r\n\r\n");
  RequestHead parsed;
  REQUIRE(portico::testing::request_status(std::string_view(out).substr(7), &parsed) == 0);
  CHECK(parsed.request.method == "PATCH");
  CHECK(parsed.request.query == "c=%20");
  REQUIRE(parsed.request.headers.size() == 3);
  CHECK(parsed.request.headers[2].value == "caf\xc3\xa9\tok");
}

TEST_CASE("serialize_request_head rejects invalid method, target, names and values, appending nothing",
          "[http][serialize]") {
  const Headers ok{{"Host", "a"}};
  std::string out = "keep";
  CHECK_FALSE(serialize_request_head("GE T", "/", ok, out));
  CHECK_FALSE(serialize_request_head("", "/", ok, out));
  CHECK_FALSE(serialize_request_head("GET", "", ok, out));
  CHECK_FALSE(serialize_request_head("GET", "/a b", ok, out));
  CHECK_FALSE(serialize_request_head("GET", "/a\r\nX: y", ok, out));
  CHECK_FALSE(serialize_request_head("GET", "/a#f", ok, out));
  CHECK_FALSE(serialize_request_head("GET", "/\xc3\xa9", ok, out));
  // header injection attempts (security.md §3.2)
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"X-Foo", "a\r\nContent-Length: 0\r\n\r\nGET /admin/x HTTP/1.1"},
           {"X-Foo", "a\nb"},
           {"X-Foo", "a\rb"},
           {"X-Foo", std::string("a\0b", 3)},
           {"X-Foo", "a\x7f"},
           {"X-Foo", "a\x0b"},
           {"X Foo", "a"},
           {"X-Foo:", "a"},
           {"", "a"},
           {"X-Foo\r\nY", "a"}}) {
    INFO(name << ": " << value);
    Headers h{{"Host", "a"}};
    h.add(name, value);
    CHECK_FALSE(serialize_request_head("GET", "/", h, out));
    std::string resp;
    CHECK_FALSE(serialize_response_head(200, "", h, resp));
    CHECK(resp.empty());
  }
  CHECK(out == "keep");
}

TEST_CASE("serialize_response_head writes the standard reason when none is given", "[http][serialize]") {
  std::string out;
  REQUIRE(serialize_response_head(404, "", Headers{{"Content-Length", "0"}}, out));
  CHECK(out == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  out.clear();
  REQUIRE(serialize_response_head(299, "", {}, out));
  CHECK(out == "HTTP/1.1 299 Unknown\r\n\r\n");
  out.clear();
  REQUIRE(serialize_response_head(200, "Fine\tThanks", {}, out));
  CHECK(out == "HTTP/1.1 200 Fine\tThanks\r\n\r\n");
  ResponseHead parsed;
  REQUIRE(portico::testing::response_status(out, &parsed) == 0);
  CHECK(parsed.response.reason == "Fine\tThanks");
  out.clear();
  CHECK_FALSE(serialize_response_head(200, "OK\r\nSet-Cookie: pwn=1", {}, out));
  CHECK_FALSE(serialize_response_head(99, "", {}, out));
  CHECK_FALSE(serialize_response_head(1000, "", {}, out));
  CHECK(out.empty());
}

TEST_CASE("is_token and is_field_value follow RFC 9110", "[http][syntax]") {
  CHECK(is_token("Content-Type"));
  CHECK(is_token("!#$%&'*+-.^_`|~09azAZ"));
  CHECK_FALSE(is_token(""));
  for (char c : std::string("\"(),/:;<=>?@[\\]{} \t\x7f\x80", 22)) {
    INFO(static_cast<int>(static_cast<unsigned char>(c)));
    CHECK_FALSE(is_token(std::string("a") + c));
  }
  CHECK(is_field_value(""));
  CHECK(is_field_value(" a\tb \x80\xff "));
  for (int c = 0; c < 0x20; ++c) {
    if (c == '\t') continue;
    INFO(c);
    CHECK_FALSE(is_field_value(std::string("a") + static_cast<char>(c)));
  }
  CHECK_FALSE(is_field_value("a\x7f"));
  CHECK(is_valid_query(""));
  CHECK(is_valid_query("a=1&b=%20/?:@!$'()*+,;"));
  CHECK_FALSE(is_valid_query("a b"));
  CHECK_FALSE(is_valid_query("a#b"));
  CHECK_FALSE(is_valid_query("a\x80"));
}

TEST_CASE("is_valid_authority: reg-name, IPv4, [IPv6], optional port", "[http][syntax]") {
  for (const char* ok : {"a", "example.com", "Example.COM.", "10.0.0.1", "10.0.0.1:0", "a:65535", "[::1]",
                         "[2001:db8::1]:443", "[::ffff:10.0.0.1]", "my_svc-1.internal"}) {
    INFO(ok);
    CHECK(is_valid_authority(ok));
  }
  const std::string label63(63, 'a');
  CHECK(is_valid_authority(label63 + ".com"));
  CHECK_FALSE(is_valid_authority(label63 + "a.com"));
  std::string long_name;
  while (long_name.size() < 250) long_name += "abcdefgh.";
  CHECK_FALSE(is_valid_authority(long_name + "com"));
  CHECK_FALSE(is_valid_authority(std::string("[2001::db\0\0\x07::1]:443", 20)));  // found by fuzz_path
  CHECK_FALSE(is_valid_authority(std::string("[::1\0]", 6)));
  for (const char* bad : {"", ".", "..", ".a", "a..b", "a.b..", "a:", ":80", "a:65536", "a:123456", "a:-1", "a:+80",
                          "a:8o", "a:1:2", "u@a", "a b", "a%20b", "a/b", "a\\b", "a?b", "a#b", "[::1", "::1", "[::1]x",
                          "[::1]:", "[g::1]", "[v1.x]", "[]", "[::1%eth0]", "a,b", "\xc3\xa9.com"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_authority(bad));
  }
}
