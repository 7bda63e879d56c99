// The JWT filter's strict pieces on their own: base64url and the bounded JSON reader.
#include <catch2/catch.hpp>

#include "filters/jwt/jose.hpp"

using namespace portico::filters::jwt;

TEST_CASE("jose: base64url is strict", "[filters][jwt][jose]") {
  std::string out;
  CHECK(base64url_decode("", out));
  CHECK(out.empty());
  REQUIRE(base64url_decode("aGk", out));
  CHECK(out == "hi");
  REQUIRE(base64url_decode("-_8", out));
  CHECK(out == "\xfb\xff");
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK(base64url_encode("hi") == "aGk");
  for (const char* bad : {"aGk=", "aGk==", "+/8", "aG k", "aGk\n", "a", "aGl", "aGm", "aB"}) {
    INFO(bad);  // padding, the standard alphabet, whitespace, a 4k+1 length, non-zero unused bits
    CHECK_FALSE(base64url_decode(bad, out));
  }
  for (std::string s : {std::string("\0\1\2", 3), std::string(100, '\xff'), std::string("abcde")}) {
    REQUIRE(base64url_decode(base64url_encode(s), out));
    CHECK(out == s);
  }
}

TEST_CASE("jose: the JSON reader accepts RFC 8259 and keeps numbers as written", "[filters][jwt][jose]") {
  std::string why;
  auto v = parse_json(R"( {"a": [1, -2.5e3, true, false, null], "s": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "o": {}} )",
                      why);
  REQUIRE(v);
  REQUIRE(v->is_object());
  const Json* a = v->get("a");
  REQUIRE(a);
  REQUIRE(a->items.size() == 5);
  CHECK(a->items[1].text == "-2.5e3");
  CHECK(a->items[1].number() == -2500.0);
  CHECK(v->get("s")->text == "x\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(v->dump() == R"({"a":[1,-2.5e3,true,false,null],"s":"x\"\\/\u0008\u000c\n\r\t)"
                     "\xc3\xa9\xf0\x9f\x98\x80" R"(","o":{}})");
}

TEST_CASE("jose: the JSON reader refuses duplicates, depth, width and anything lax", "[filters][jwt][jose]") {
  std::string why;
  const char* bad[] = {
      R"({"a":1,"a":2})", R"({"a":{"b":1,"b":1}})", R"({"a":1,})", R"([1,])", R"({'a':1})", R"({"a":01})",
      R"({"a":1.})", R"({"a":.5})", R"({"a":+1})", R"({"a":NaN})", R"({"a":1} x)", R"(// c
{"a":1})", "{\"a\":\"\x01\"}", "{\"a\":\"\xc3\"}", "{\"a\":\"\xed\xa0\x80\"}", R"({"a":"\ud800"})",
      R"({"a":"\udc00"})", R"({"a":"\x"})", R"({"a":tru})", "", "{",
  };
  for (const char* b : bad) {
    INFO(b);
    CHECK_FALSE(parse_json(b, why));
    CHECK_FALSE(why.empty());
  }
  std::string deep(17, '[');
  deep += std::string(17, ']');
  CHECK_FALSE(parse_json(deep, why));
  CHECK(parse_json(deep.substr(1, 32), why));  // 16 levels
  std::string wide = "[";
  for (int i = 0; i < 513; ++i) wide += i ? ",0" : "0";
  CHECK_FALSE(parse_json(wide + "]", why));
  CHECK(parse_json(wide + "]", why, {.max_depth = 16, .max_members = 1024}));
}
