#include <catch2/catch.hpp>
#include <string>

#include "config/json_relaxed.hpp"

using portico::detail::find_json_syntax_error;
using portico::detail::relax_json;
using portico::detail::text_position;

namespace {

std::string relaxed(std::string_view in) {
  std::string out;
  auto e = relax_json(in, out);
  REQUIRE_FALSE(e.has_value());
  REQUIRE(out.size() == in.size());  // offsets are kept
  return out;
}

}  // namespace

TEST_CASE("relax_json blanks line and block comments outside strings", "[config][json]") {
  CHECK(relaxed("{\"a\": 1 // note\n}") == "{\"a\": 1        \n}");
  CHECK(relaxed("{/* x */\"a\": 1}") == "{       \"a\": 1}");
  // Newlines inside a block comment stay, so line numbers after it do not move.
  CHECK(relaxed("{/* a\nb */\"a\": 1}") == "{    \n    \"a\": 1}");
  CHECK(relaxed("// only\r\n{}") == "       \r\n{}");
}

TEST_CASE("relax_json leaves comment markers inside strings alone", "[config][json]") {
  std::string_view in = R"({"u": "http://x/y", "p": "/* no */", "q": "a \" // b"})";
  CHECK(relaxed(in) == in);
  // An escaped backslash ends the escape: the quote after it closes the string.
  CHECK(relaxed(R"({"a": "x\\"} // c)") == R"({"a": "x\\"}     )");
}

TEST_CASE("relax_json removes trailing commas only", "[config][json]") {
  CHECK(relaxed("[1, 2,]") == "[1, 2 ]");
  CHECK(relaxed("{\"a\": 1,\n}") == "{\"a\": 1 \n}");
  CHECK(relaxed("[1, /* c */ ]") == "[1          ]");
  CHECK(relaxed("[1, // c\n]") == "[1      \n]");
  // Not trailing: a leading comma, an empty element and a comma in a string stay (and stay errors).
  CHECK(relaxed("[,]") == "[,]");
  CHECK(relaxed("[1,,]") == "[1,,]");
  CHECK(relaxed(R"(["a,"])") == R"(["a,"])");
  CHECK(find_json_syntax_error(relaxed("[,]")).has_value());
  CHECK(find_json_syntax_error(relaxed("[1,,]")).has_value());
}

TEST_CASE("relax_json blanks a UTF-8 BOM", "[config][json]") { CHECK(relaxed("\xEF\xBB\xBF{}") == "   {}"); }

TEST_CASE("relax_json reports an unterminated block comment where it starts", "[config][json]") {
  std::string out;
  auto e = relax_json("{\n  /* open\n}", out);
  REQUIRE(e.has_value());
  CHECK(e->offset == 4);
  CHECK(e->message == "unterminated /* comment");
}

TEST_CASE("text_position counts lines and code points, not the BOM", "[config][json]") {
  std::string_view t = "ab\ncd\n\xC3\xA9x";
  CHECK(text_position(t, 0).line == 1);
  CHECK(text_position(t, 0).column == 1);
  CHECK(text_position(t, 4).line == 2);
  CHECK(text_position(t, 4).column == 2);
  CHECK(text_position(t, 8).line == 3);
  CHECK(text_position(t, 8).column == 2);  // after the two-byte é
  std::string_view bom = "\xEF\xBB\xBF{x";
  CHECK(text_position(bom, 4).column == 2);
}

TEST_CASE("find_json_syntax_error accepts strict JSON", "[config][json]") {
  for (std::string_view ok :
       {R"({})", R"([])", R"({"a": [1, -2.5e3, true, false, null, "x\u00e9\n"]})", "  \"\xC3\xA9\"  ", "0", "-0.1"}) {
    INFO(ok);
    CHECK_FALSE(find_json_syntax_error(ok).has_value());
  }
}

TEST_CASE("find_json_syntax_error points at the first error", "[config][json]") {
  struct Case {
    std::string_view text;
    std::size_t offset;
    std::string_view fragment;
  };
  const Case cases[] = {
      {"", 0, "empty"},
      {"{\"a\" 1}", 5, "expected ':'"},
      {"{\"a\": 1 \"b\": 2}", 8, "expected ',' or '}'"},
      {"[1 2]", 3, "expected ',' or ']'"},
      {"{a: 1}", 1, "expected a key in double quotes"},
      {"{\"a\": 'x'}", 6, "double quotes"},
      {"{\"a\": tru}", 6, "invalid literal"},
      {"{\"a\": 01}", 7, "leading zero"},
      {"{\"a\": 1.}", 8, "digit after '.'"},
      {"{\"a\": \"x}", 6, "unterminated string"},
      {"{\"a\": \"x\ny\"}", 8, "line break"},
      {"{\"a\": \"\\q\"}", 7, "invalid escape"},
      {"{\"a\": \"\\u12G4\"}", 11, "4 hex digits"},
      {"{\"a\": \"\xC3\"}", 7, "UTF-8"},
      {"{\"a\": \"\xED\xA0\x80\"}", 7, "UTF-8"},
      {"{} x", 3, "after the end"},
      {"{\"a\": [1, 2}", 11, "expected ',' or ']'"},
      {"{\"a\": 1", 7, "unexpected end of input"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto e = find_json_syntax_error(c.text);
    REQUIRE(e.has_value());
    CHECK(e->offset == c.offset);
    CHECK_THAT(e->message, Catch::Contains(std::string(c.fragment)));
  }
}

TEST_CASE("find_json_syntax_error bounds nesting", "[config][json]") {
  std::string deep(2000, '[');
  deep += std::string(2000, ']');
  auto e = find_json_syntax_error(deep);
  REQUIRE(e.has_value());
  CHECK_THAT(e->message, Catch::Contains("nesting too deep"));
  std::string ok(100, '[');
  ok += std::string(100, ']');
  CHECK_FALSE(find_json_syntax_error(ok).has_value());
}
