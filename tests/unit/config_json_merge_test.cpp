// JsonNode::merge (GlobalConfiguration under a route's section) and unread_keys_below.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "portico/config/json.hpp"

using portico::config::JsonDocument;
using portico::config::JsonNode;
using portico::config::Warning;

namespace {

JsonDocument parse(std::string_view text) {
  auto doc = JsonDocument::parse(text);
  REQUIRE(doc);
  return *doc;
}

std::vector<std::string> keys_of(const JsonNode& object) {
  std::vector<std::string> out;
  for (const auto& [key, child] : object.children()) out.push_back(key);
  return out;
}

std::vector<std::string> paths(const std::vector<Warning>& warnings) {
  std::vector<std::string> out;
  for (const auto& w : warnings) out.push_back(w.where);
  return out;
}

}  // namespace

TEST_CASE("json merge: the route's keys win; inherited members keep their GlobalConfiguration path",
          "[config][json][merge]") {
  auto global = parse(R"({"Tag": "global", "Header": "X-Team", "Limits": {"Max": 5, "Burst": 2}})");
  auto route = parse(R"({"tag": "route", "Limits": {"max": 9}, "Extra": true})");
  const auto m = JsonNode::merge(global.root("GlobalConfiguration.MyTagOptions"), route.root("Routes[2].MyTagOptions"));
  CHECK(m.path() == "Routes[2].MyTagOptions");

  CHECK(*m["Tag"].as_string() == "route");
  CHECK(m["Tag"].path() == "Routes[2].MyTagOptions.tag");
  CHECK(*m["Header"].as_string() == "X-Team");
  CHECK(m["Header"].path() == "GlobalConfiguration.MyTagOptions.Header");
  // Objects merge key-wise, at every level.
  CHECK(*m["Limits"]["Max"].as_integer() == 9);
  CHECK(m["Limits"]["Max"].path() == "Routes[2].MyTagOptions.Limits.max");
  CHECK(*m["Limits"]["Burst"].as_integer() == 2);
  CHECK(m["Limits"]["Burst"].path() == "GlobalConfiguration.MyTagOptions.Limits.Burst");
  CHECK(m["Extra"].path() == "Routes[2].MyTagOptions.Extra");
  // Inherited members first (base order), then the route's (its order, spelled as written).
  CHECK(keys_of(m) == std::vector<std::string>{"Header", "tag", "Limits", "Extra"});
}

TEST_CASE("json merge: keys match ASCII case-insensitively; scalars and arrays replace", "[config][json][merge]") {
  auto global = parse(R"({"HOSTS": ["a", "b", "c"], "Mode": {"x": 1}, "Limit": 3})");
  auto route = parse(R"({"hosts": ["z"], "mode": "plain", "LIMIT": "7"})");
  const auto m = JsonNode::merge(global.root("G"), route.root("R"));
  CHECK(m.size() == 3);
  CHECK(*m["Hosts"].as_strings() == std::vector<std::string>{"z"});  // replaced, not concatenated
  CHECK(m["Hosts"][0].path() == "R.hosts[0]");
  CHECK(*m["Mode"].as_string() == "plain");  // a type change: the route wins
  CHECK(*m["Limit"].as_integer() == 7);
}

TEST_CASE("json merge: absent or null takes the other side", "[config][json][merge]") {
  auto global = parse(R"({"A": 1, "B": 2})");
  auto route = parse(R"({"A": null, "C": null})");
  const auto m = JsonNode::merge(global.root("G"), route.root("R"));
  CHECK(*m["A"].as_integer() == 1);  // null counts as absent: inherited
  CHECK(m["A"].path() == "G.A");
  CHECK(*m["B"].as_integer() == 2);
  CHECK_FALSE(m["C"].present());

  // Whole nodes: an absent or null overlay gives base itself, and the other way round.
  CHECK(JsonNode::merge(global.root("G"), JsonNode()).path() == "G");
  CHECK(JsonNode::merge(JsonNode(), route.root("R")).path() == "R");
  auto null_doc = parse("null");
  CHECK(JsonNode::merge(global.root("G"), null_doc.root("R")).path() == "G");
  // A scalar over an object replaces it.
  auto scalar = parse(R"("x")");
  CHECK(*JsonNode::merge(global.root("G"), scalar.root("R")).as_string() == "x");
}

TEST_CASE("json merge: the merged tree has its own read marks", "[config][json][merge]") {
  auto global = parse(R"({"Tag": "g", "Typo": 1})");
  auto route = parse(R"({"Own": 1})");
  const auto g = global.root("G");
  (void)g["Typo"];  // read in the source: not in the merged copy
  const auto first = JsonNode::merge(g, route.root("R"));
  (void)first["Tag"];
  CHECK(paths(first.unread_keys()) == std::vector<std::string>{"G.Typo", "R.Own"});
  const auto second = JsonNode::merge(g, route.root("R"));
  CHECK(paths(second.unread_keys()) == std::vector<std::string>{"G.Tag", "G.Typo", "R.Own"});
}

TEST_CASE("json node: unread_keys_below walks the members that were read", "[config][json]") {
  auto doc = parse(R"({"Tag": "x", "Limits": {"Max": 1, "Mxa": 2}, "Rules": [{"Id": 1, "Od": 2}],
                       "Colour": {"R": 1}})");
  const auto n = doc.root("S");
  (void)n["Tag"];
  (void)n["Limits"]["Max"];
  (void)n["Rules"][0]["Id"];
  // Colour was never read: warned once, its members not walked.
  CHECK(paths(n.unread_keys_below()) ==
        std::vector<std::string>{"S.Limits.Mxa", "S.Rules[0].Od", "S.Colour"});
  CHECK(n.unread_keys_below().empty());  // marked read by the first call
}
