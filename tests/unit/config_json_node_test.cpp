// JsonNode / JsonDocument: the read-only configuration tree filter factories receive.

#include <catch2/catch.hpp>

#include "portico/config/json.hpp"

using portico::Errc;
using portico::config::JsonDocument;
using portico::config::JsonNode;

namespace {

JsonDocument parse(std::string_view text) {
  auto doc = JsonDocument::parse(text);
  REQUIRE(doc);
  return *doc;
}

}  // namespace

TEST_CASE("json node: paths follow the keys as written and array indexes", "[config][json]") {
  auto doc = parse(R"({"Routes": [{"RateLimitOptions": {"Limit": 5}}, {"key": "b"}]})");
  JsonNode root = doc.root();
  CHECK(root.path().empty());
  auto limit = root["routes"][0]["ratelimitoptions"]["LIMIT"];
  CHECK(limit.path() == "Routes[0].RateLimitOptions.Limit");
  REQUIRE(limit.as_integer(1, 100));
  CHECK(*limit.as_integer(1, 100) == 5);
  CHECK(root["Routes"][1]["Key"].path() == "Routes[1].key");
  // A missing key is absent, with the path it would have had.
  auto missing = root["Routes"][1]["Period"];
  CHECK_FALSE(missing.present());
  CHECK(missing.kind() == JsonNode::Kind::Absent);
  CHECK(missing.path() == "Routes[1].Period");
  CHECK(root["Routes"][7].path() == "Routes[7]");
  CHECK_FALSE(root["Routes"][7].present());
}

TEST_CASE("json node: a section handed on its own keeps its place in the file", "[config][json]") {
  auto doc = parse(R"({"Limit": "x"})");
  auto err = doc.root("Routes[3].RateLimitOptions")["Limit"].as_integer(1, 10);
  REQUIRE_FALSE(err);
  CHECK(err.error().code == Errc::InvalidConfig);
  CHECK(err.error().where == "Routes[3].RateLimitOptions.Limit");
  CHECK(err.error().message == "expected an integer 1..10, got \"x\"");
}

TEST_CASE("json node: typed reads follow .NET's binder", "[config][json]") {
  auto doc = parse(R"({
    // comments and trailing commas, as ocelot.json files have them
    "i": 42, "s_int": " -7 ", "big": 18446744073709551615, "frac": 1.5, "s_num": "2.25",
    "t": true, "s_bool": "False", "bad_bool": "yes", "n": null, "str": "hello",
    "list": ["a", "b"], "mixed": ["a", 1], "map": {"X-A": "1", "x-b": "2"},
  })");
  auto r = doc.root();
  CHECK(*r["i"].as_integer() == 42);
  CHECK(*r["s_int"].as_integer() == -7);
  CHECK_FALSE(r["big"].as_integer());   // above int64
  CHECK_FALSE(r["frac"].as_integer());  // not an integer
  CHECK(*r["frac"].as_number() == 1.5);
  CHECK(*r["s_num"].as_number() == 2.25);
  CHECK_FALSE(r["i"].as_integer(0, 10));
  CHECK(*r["t"].as_bool());
  CHECK_FALSE(*r["s_bool"].as_bool());
  CHECK(r["bad_bool"].as_bool().error().message == "expected true or false, got \"yes\"");
  CHECK_FALSE(r["n"].present());
  CHECK(r["n"].kind() == JsonNode::Kind::Null);
  CHECK(r["n"].as_string().error().message == "a string is required");
  CHECK(*r["str"].as_string() == "hello");
  CHECK(r["i"].as_string().error().message == "expected a string, got 42");
  CHECK(*r["list"].as_strings() == std::vector<std::string>{"a", "b"});
  auto mixed = r["mixed"].as_strings();
  REQUIRE_FALSE(mixed);
  CHECK(mixed.error().where == "mixed[1]");
  auto map = r["map"].as_string_pairs();
  REQUIRE(map);
  REQUIRE(map->size() == 2);
  CHECK((*map)[1] == std::pair<std::string, std::string>{"x-b", "2"});
  CHECK(r["list"].as_object().error().message == "expected an object, got an array");
  CHECK(r["map"].size() == 2);
  CHECK(r["list"].size() == 2);
  CHECK(r["str"].size() == 0);
}

TEST_CASE("json node: keys never read are reported once, with their paths", "[config][json]") {
  auto doc = parse(R"({"Section": {"Limit": 1, "Perod": "1s", "Nested": {"A": 1}}})");
  auto section = doc.root()["Section"];
  (void)section["limit"];
  (void)section["Nested"]["A"];
  CHECK(section.unread_key_names() == std::vector<std::string>{"Perod"});
  auto warnings = section.unread_keys();
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].where == "Section.Perod");
  CHECK(warnings[0].message == "unknown key, ignored");
  CHECK(section.unread_keys().empty());
  // children() reads every member.
  auto doc2 = parse(R"({"a": 1, "b": 2})");
  CHECK(doc2.root().children().size() == 2);
  CHECK(doc2.root().unread_keys().empty());
}

TEST_CASE("json document: syntax errors say where, duplicate keys are refused", "[config][json]") {
  auto bad = JsonDocument::parse("{\n  \"a\": 1,\n  \"b\" 2\n}");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("line 3, column") != std::string::npos);
  auto dup = JsonDocument::parse(R"({"Routes": [{"Key": "a", "key": "b"}]})");
  REQUIRE_FALSE(dup);
  CHECK(dup.error().where == "Routes[0].key");
  auto unterminated = JsonDocument::parse("{ /* no end");
  REQUIRE_FALSE(unterminated);
}

TEST_CASE("json node: a node keeps its document alive", "[config][json]") {
  JsonNode kept;
  {
    auto doc = parse(R"({"a": {"b": "value"}})");
    kept = doc.root()["a"];
  }
  CHECK(*kept["b"].as_string() == "value");
  CHECK(kept["b"].path() == "a.b");
}
